package sqldb_test

import (
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// problemIn brings a fresh problem to state, owned by unit 1 and cadre 2
// of the small county, so that every role's ownership holds.
func problemIn(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, state string) *sanlian.Problem {
	t.Helper()
	office, cadre := users["office"], users["cadre"]
	p := newProblem(t, db, cadre, "自来水管道漏水")
	if state == sanlian.StateSubmitted {
		return p
	}
	if state == sanlian.StateRejected {
		return act(t, db, office, p, sanlian.ActionReject, sanlian.ActionRequest{Reason: "不属于本县管辖"})
	}
	if state == sanlian.StateMerged {
		into := newProblem(t, db, cadre, "自来水管道漏水严重")
		return act(t, db, office, p, sanlian.ActionMerge, sanlian.ActionRequest{Into: into.ID})
	}
	p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
	if state == sanlian.StateAssigned {
		return p
	}
	p = act(t, db, cadre, p, sanlian.ActionAccept, sanlian.ActionRequest{})
	if state == sanlian.StateAccepted {
		return p
	}
	p = act(t, db, cadre, p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换管道", Result: "已恢复供水"})
	p = act(t, db, office, p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
	if state == sanlian.StateResolved {
		return p
	}
	return act(t, db, office, p, sanlian.ActionClose, sanlian.ActionRequest{})
}

// validRequest is a request that the action accepts whenever the table
// lets the role take it.
func validRequest(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, p *sanlian.Problem, action string, role sanlian.Role) sanlian.ActionRequest {
	r := sanlian.ActionRequest{Version: p.Version}
	switch action {
	case sanlian.ActionAssign:
		if p.State == sanlian.StateSubmitted {
			r.UnitID, r.PersonID = 1, 2
		} else {
			r.PersonID = 6
		}
	case sanlian.ActionTransfer:
		r.UnitID, r.Reason = 3, "属地管理，转乡镇办理"
	case sanlian.ActionExtend:
		r.Until = "2021-08-31"
		if role == sanlian.RoleOffice {
			yes := true
			r.Approve = &yes
		} else {
			r.Reason = "需等待汛期结束后施工"
		}
	case sanlian.ActionResolve:
		r.Measures, r.Result = "组织抢修", "已修复"
	case sanlian.ActionCallback:
		r.Solved, r.Satisfaction = "yes", "basic"
	case sanlian.ActionReopen, sanlian.ActionReject:
		r.Reason = "核查不实"
	case sanlian.ActionReturn:
		r.Reason = "供水管网属县水务公司，不属本单位职责"
	case sanlian.ActionMerge:
		r.Into = newProblem(t, db, users["cadre"], "自来水管道又漏水了").ID
	case sanlian.ActionCoUnits:
		r.CoUnitIDs = []int64{3}
	case sanlian.ActionPart:
		// The co-units whose part partActor's choice records: unit 2 for
		// the unit admin (a sub-unit of theirs), unit 4 for cadre5.
		r.Note = "协助排查管网"
		if p.State == sanlian.StateAssigned || p.State == sanlian.StateAccepted {
			p = act(t, db, users["office"], p, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: []int64{2, 4}})
			r.Version = p.Version
		}
	}
	return r
}

// actorFor is who takes action as role: the role's account, but for a
// cadre's part, where validRequest named co-units, the cadre of a co-unit,
// since the problem's own person works for its lead unit.
func actorFor(users map[string]*sanlian.User, byRole map[sanlian.Role]*sanlian.User, p *sanlian.Problem, action string, role sanlian.Role) *sanlian.User {
	if action == sanlian.ActionPart && role == sanlian.RoleCadre && (p.State == sanlian.StateAssigned || p.State == sanlian.StateAccepted) {
		return users["cadre5"]
	}
	return byRole[role]
}

// wantRules is the action table written out again by hand, so that a
// change to sanlian.ActionRules must be made here too: action → state →
// the roles that may take it.
var wantRules = map[string]map[string]string{
	"assign":   {"submitted": "office", "assigned": "office unit_admin", "accepted": "office unit_admin"},
	"accept":   {"assigned": "unit_admin cadre"},
	"transfer": {"assigned": "office unit_admin", "accepted": "office unit_admin"},
	"extend":   {"assigned": "office unit_admin cadre", "accepted": "office unit_admin cadre"},
	"resolve":  {"accepted": "unit_admin cadre"},
	"callback": {"resolved": "office"},
	"close":    {"resolved": "office"},
	"reopen":   {"resolved": "office", "closed": "office"},
	"reject":   {"submitted": "office", "assigned": "office"},
	"merge":    {"submitted": "office", "assigned": "office unit_admin", "accepted": "office unit_admin"},
	"return":   {"assigned": "unit_admin"},
	"co_units": {"assigned": "office", "accepted": "office"},
	"part":     {"assigned": "unit_admin cadre", "accepted": "unit_admin cadre"},
}

func wantAllowed(state, action string, role sanlian.Role) bool {
	for _, r := range strings.Fields(wantRules[action][state]) {
		if r == string(role) {
			return true
		}
	}
	return false
}

func wantEver(action string, role sanlian.Role) bool {
	for state := range wantRules[action] {
		if wantAllowed(state, action, role) {
			return true
		}
	}
	return false
}

// TestProblemService_ActionTable runs every action in every state as every
// role against the table in the code: allowed ones succeed, a role that may
// never take the action gets 403, a role that may but not in this state 409.
func TestProblemService_ActionTable(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-01 10:00")
		byRole := map[sanlian.Role]*sanlian.User{}
		for _, name := range []string{"office", "leader", "unitadmin", "cadre", "sysadmin", "secadmin", "auditor"} {
			byRole[users[name].Role] = users[name]
		}
		allowed := 0
		for _, state := range sanlian.States {
			for _, action := range sanlian.Actions {
				for _, role := range sanlian.Roles {
					if sanlian.CanAct(state, action, role) != wantAllowed(state, action, role) {
						t.Errorf("sanlian.ActionRules says %s %s as %s is %v; the table here says otherwise", state, action, role, !wantAllowed(state, action, role))
					}
					p := problemIn(t, db, users, state)
					req := validRequest(t, db, users, p, action, role)
					out, err := db.Problems.Act(sqldbtest.As(actorFor(users, byRole, p, action, role)), p.ID, action, req)
					want := ""
					switch {
					case wantAllowed(state, action, role):
						allowed++
					case wantEver(action, role):
						want = sanlian.ECONFLICT
					default:
						want = sanlian.EFORBIDDEN
					}
					if got := sanlian.ErrorCode(err); got != want {
						t.Errorf("%s %s as %s: got %q (%v %v), want %q", state, action, role, got, err, sanlian.ErrorFields(err), want)
						continue
					}
					if err != nil {
						if !hasHan(sanlian.ErrorMessage(err)) {
							t.Errorf("%s %s as %s: message %q not in Chinese", state, action, role, sanlian.ErrorMessage(err))
						}
						continue
					}
					if out.Version != req.Version+1 {
						t.Errorf("%s %s as %s: version %d, want %d", state, action, role, out.Version, req.Version+1)
					}
					evs, err := db.Problems.ProblemEvents(sqldbtest.As(users["office"]), p.ID)
					MustOK(t, err)
					if last := evs[len(evs)-1]; last.Action != action || last.FromState != state || last.ToState != out.State {
						t.Errorf("%s %s as %s: last event %+v", state, action, role, last)
					}
				}
			}
		}
		if allowed < 20 {
			t.Errorf("only %d allowed combinations", allowed)
		}
	})
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
