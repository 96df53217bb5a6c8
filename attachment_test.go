package sanlian

import (
	"slices"
	"testing"
)

func TestMayAttach(t *testing.T) {
	office := &User{ID: 1, Role: RoleOffice}
	system := &User{Role: RoleOffice} // NewSystemContext's user
	leader := &User{ID: 2, Role: RoleLeader, CadreID: 9}
	sysadmin := &User{ID: 3, Role: RoleSysadmin}
	leadAdmin := &User{ID: 4, Role: RoleUnitAdmin, UnitID: 10}
	enterAdmin := &User{ID: 5, Role: RoleUnitAdmin, UnitID: 20} // the unit that entered it
	coAdmin := &User{ID: 6, Role: RoleUnitAdmin, UnitID: 30}
	person := &User{ID: 7, Role: RoleCadre, CadreID: 2}    // of unit 10, handling it
	leadCadre := &User{ID: 8, Role: RoleCadre, CadreID: 3} // of unit 10
	entrant := &User{ID: 11, Role: RoleCadre, CadreID: 5}  // of unit 20, entered it
	coCadre := &User{ID: 12, Role: RoleCadre, CadreID: 6}  // of unit 30
	units := map[int64]int64{4: 10, 5: 20, 6: 30, 7: 10, 8: 10, 11: 20, 12: 30}
	mineOf := func(u *User) func(int64) bool {
		return func(unit int64) bool { return units[u.ID] == unit }
	}
	prob := func(state string) *Problem {
		p := &Problem{ID: 100, State: state, CreatedBy: 11, CoUnits: []CoUnit{{UnitID: 30}}}
		if state != StateSubmitted {
			p.UnitID, p.PersonID = 10, 2
		}
		if state == StateMerged {
			p.MergedInto = 99
		}
		return p
	}
	const ok = ""
	for _, c := range []struct {
		u     *User
		state string
		kind  string
		want  string
	}{
		// Who.
		{leader, StateAccepted, AttachProblem, EFORBIDDEN},
		{sysadmin, StateAccepted, AttachProblem, EFORBIDDEN},
		{enterAdmin, StateAccepted, AttachProblem, EFORBIDDEN},
		{enterAdmin, StateAccepted, AttachResolution, EFORBIDDEN},
		{entrant, StateAssigned, AttachProblem, EFORBIDDEN},
		{office, StateAccepted, AttachProblem, ok},
		{office, StateAccepted, AttachResolution, ok},
		{leadAdmin, StateAccepted, AttachResolution, ok},
		{person, StateAccepted, AttachResolution, ok},
		{leadCadre, StateAccepted, AttachProblem, ok},
		{coAdmin, StateAccepted, AttachResolution, ok},
		{coCadre, StateAssigned, AttachResolution, ok},
		{coCadre, StateAssigned, AttachProblem, ok},
		// While it waits for the office: the office and whoever entered it.
		{office, StateSubmitted, AttachProblem, ok},
		{system, StateSubmitted, AttachProblem, ok},
		{entrant, StateSubmitted, AttachProblem, ok},
		{enterAdmin, StateSubmitted, AttachProblem, EFORBIDDEN},
		{entrant, StateSubmitted, AttachResolution, EUNPROCESSABLE},
		// Resolution evidence once handled, not before it is accepted.
		{leadAdmin, StateAssigned, AttachProblem, ok},
		{leadAdmin, StateAssigned, AttachResolution, EUNPROCESSABLE},
		{office, StateAssigned, AttachResolution, EUNPROCESSABLE},
		{leadAdmin, StateResolved, AttachResolution, ok},
		{person, StateResolved, AttachResolution, ok},
		{office, StateResolved, AttachResolution, ok},
		{leadAdmin, StateResolved, AttachProblem, EUNPROCESSABLE},
		{coAdmin, StateResolved, AttachResolution, EUNPROCESSABLE},
		{enterAdmin, StateResolved, AttachResolution, EFORBIDDEN},
		// Nothing once it is off the ledger, the office's included.
		{office, StateClosed, AttachResolution, EUNPROCESSABLE},
		{leadAdmin, StateClosed, AttachResolution, EUNPROCESSABLE},
		{person, StateClosed, AttachProblem, EUNPROCESSABLE},
		{office, StateRejected, AttachProblem, EUNPROCESSABLE},
		{office, StateMerged, AttachProblem, EUNPROCESSABLE},
		// A kind that does not exist.
		{office, StateAccepted, "photo", EUNPROCESSABLE},
	} {
		err := MayAttach(c.u, prob(c.state), mineOf(c.u), c.kind)
		if got := ErrorCode(err); got != c.want {
			t.Errorf("user %d, %s, %s: got %q (%v), want %q", c.u.ID, c.state, c.kind, got, err, c.want)
		}
		if err != nil && !hasHan(ErrorMessage(err)) {
			t.Errorf("user %d, %s, %s: message not in Chinese: %q", c.u.ID, c.state, c.kind, ErrorMessage(err))
		}
	}
	if err := MayAttach(nil, prob(StateAccepted), nil, AttachProblem); ErrorCode(err) != EUNAUTHORIZED {
		t.Errorf("no user: %v", err)
	}

	t.Run("Kinds", func(t *testing.T) {
		for _, c := range []struct {
			u     *User
			state string
			want  []string
		}{
			{leadAdmin, StateAccepted, []string{AttachProblem, AttachResolution}},
			{leadAdmin, StateAssigned, []string{AttachProblem}},
			{leadAdmin, StateResolved, []string{AttachResolution}},
			{leadAdmin, StateClosed, nil},
			{enterAdmin, StateAccepted, nil},
			{leader, StateAccepted, nil},
		} {
			if got := AttachableKinds(c.u, prob(c.state), mineOf(c.u)); !slices.Equal(got, c.want) {
				t.Errorf("user %d, %s: %v, want %v", c.u.ID, c.state, got, c.want)
			}
		}
	})
}

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
