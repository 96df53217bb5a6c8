package sanlian

import (
	"slices"
	"strings"
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

func TestCheckUpload(t *testing.T) {
	if err := CheckUpload("报告.pdf", 9, 0, "", ""); err != nil {
		t.Errorf("an accepted file: %v", err)
	}
	for _, ext := range []string{".exe", ".html", ".svg", ".bat", ".docm"} {
		if err := CheckUpload("报告"+ext, 9, 0, "", ext); ErrorCode(err) != EUNPROCESSABLE || !strings.Contains(ErrorMessage(err), "扩展名") {
			t.Errorf("CheckUpload(%q): %v", ext, err)
		}
	}
	err := CheckUpload("大.pdf", 9+10<<20, 0, "", "")
	if ErrorCode(err) != ETOOLARGE || !strings.Contains(ErrorMessage(err), "10 MB") {
		t.Errorf("oversize: %v", err)
	}
	err = CheckUpload("程序.pdf", 9, 0, "可执行程序", "")
	if ErrorCode(err) != EUNPROCESSABLE || !strings.Contains(ErrorMessage(err), "「程序.pdf」的内容是可执行程序") || ErrorFields(err)["file"] == "" {
		t.Errorf("a type not accepted: %v", err)
	}
	if err := CheckUpload("空.txt", 0, 0, "空文件", ""); ErrorMessage(err) != "「空.txt」是空文件，请重新选择" {
		t.Errorf("empty: %v", err)
	}
	for n, want := range map[int64]string{10 << 20: "10 MB", 5 << 19: "2.5 MB", 64 << 10: "64 KB", 900: "900 B"} {
		if got := SizeLabel(n); got != want {
			t.Errorf("SizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCheckPhoto(t *testing.T) {
	for _, c := range []struct {
		name, seems, risky, notPhoto string
		size                         int64
		code, says                   string
	}{
		{"现场.jpg", "", "", "", 9, "", ""},
		{"大.jpg", "", "", "", 11 << 20, ETOOLARGE, "10 MB"},
		{"走访记录.pdf", "", "", "PDF 文档", 9, EUNPROCESSABLE, "「走访记录.pdf」是PDF 文档，不是照片"},
		{"走访记录.pdf.exe", "", ".exe", "PDF 文档", 9, EUNPROCESSABLE, "不是照片"},
		{"照片.exe", "", ".exe", "", 9, EUNPROCESSABLE, "扩展名 .exe"}, // a picture refused for its name
		{"空.jpg", "空文件", "", "", 0, EUNPROCESSABLE, "是空文件"},
		{"网页.jpg", "网页（HTML）", "", "", 9, EUNPROCESSABLE, "「网页.jpg」是网页（HTML），不是照片"},
	} {
		err := CheckPhoto(c.name, c.size, 0, c.seems, c.risky, c.notPhoto)
		if ErrorCode(err) != c.code || !strings.Contains(ErrorMessage(err), c.says) {
			t.Errorf("CheckPhoto(%q): %v, want %s saying %q", c.name, err, c.code, c.says)
		}
	}
}
