package sqldb_test

import (
	"database/sql"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// coUnitAdmin creates the account of a unit admin of unit, so that the
// notices written to a unit's admins have someone to reach.
func coUnitAdmin(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, name string, unit int64) *sanlian.User {
	t.Helper()
	u := &sanlian.User{Username: name, DisplayName: name, Role: sanlian.RoleUnitAdmin, UnitID: unit}
	MustOK(t, db.Accounts.CreateUser(sanlian.NewSystemContext(t.Context()), u, "Sanlian#2021pw"))
	return u
}

// ledgerRows counts what an action may write, to show a refused one wrote
// nothing.
func ledgerRows(t *testing.T, raw *sql.DB) [4]int {
	t.Helper()
	return [4]int{MustCount(t, raw, "SELECT COUNT(*) FROM problem_events"), MustCount(t, raw, "SELECT COUNT(*) FROM problem_co_units"),
		MustCount(t, raw, "SELECT COUNT(*) FROM problem_parts"), MustCount(t, raw, "SELECT COUNT(*) FROM notices")}
}

func coUnitIDs(p *sanlian.Problem) []int64 {
	out := []int64{}
	for _, c := range p.CoUnits {
		out = append(out, c.UnitID)
	}
	return out
}

func TestProblemService_CoUnits(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-01 10:00")
		raw := MustRaw(t, db)
		office, cadre, cadre5, lead := users["office"], users["cadre"], users["cadre5"], users["unitadmin"]
		dongping := coUnitAdmin(t, db, users, "dongping", 3) // 东坪镇人民政府
		meicheng := coUnitAdmin(t, db, users, "meicheng", 4) // 梅城镇人民政府

		p := newProblem(t, db, cadre, "通村公路塌方需修复")
		p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2, CoUnitIDs: []int64{3, 4}})

		t.Run("AssignNamesCoUnits", func(t *testing.T) {
			if got := coUnitIDs(p); !equalIDs(got, []int64{3, 4}) || p.CoUnits[0].Name != "东坪镇人民政府" || p.CoUnits[1].PartDone() {
				t.Fatalf("co-units = %+v", p.CoUnits)
			}
			evs, err := db.Problems.ProblemEvents(sqldbtest.As(office), p.ID)
			MustOK(t, err)
			if last := evs[len(evs)-1]; last.Action != sanlian.ActionAssign || !strings.Contains(last.Note, "东坪镇人民政府、梅城镇人民政府") {
				t.Errorf("assign event %+v", last)
			}
			for _, u := range []*sanlian.User{dongping, meicheng} {
				ns, _, err := db.Notices.FindNotices(sqldbtest.As(u), sanlian.NoticeFilter{Kind: sanlian.NoticeCoUnit, Limit: 10})
				MustOK(t, err)
				if len(ns) != 1 || ns[0].TargetID != p.ID || !strings.Contains(ns[0].Title, p.Number) || !strings.Contains(ns[0].Body, "县民政局") {
					t.Errorf("%s co-unit notices = %+v", u.Username, ns)
				}
			}
			ns, _, err := db.Notices.FindNotices(sqldbtest.As(lead), sanlian.NoticeFilter{Kind: sanlian.NoticeCoUnit, Limit: 10})
			MustOK(t, err)
			if len(ns) != 0 {
				t.Errorf("the lead's admin got co-unit notices %+v", ns)
			}
		})

		t.Run("CoUnitSees", func(t *testing.T) {
			for _, u := range []*sanlian.User{dongping, cadre5} {
				got, err := db.Problems.FindProblemByID(sqldbtest.As(u), p.ID)
				MustOK(t, err)
				mine := 0
				for _, c := range got.CoUnits {
					if c.Mine {
						mine = int(c.UnitID)
					}
				}
				if want := map[string]int{"dongping": 3, "cadre5": 4}[u.Username]; mine != want {
					t.Errorf("%s: mine = %d, want %d", u.Username, mine, want)
				}
				list, _, err := db.Problems.FindProblems(sqldbtest.As(u), sanlian.ProblemFilter{})
				MustOK(t, err)
				if len(list) != 1 || list[0].ID != p.ID {
					t.Errorf("%s sees %d problems", u.Username, len(list))
				}
			}
			l, err := db.Lists.FindLists(sqldbtest.As(dongping), sanlian.ListsFilter{})
			MustOK(t, err)
			if len(l.Problems) != 1 || l.Problems[0].ID != p.ID || l.ProblemCounts.Open != 1 {
				t.Errorf("东坪镇's problem list = %d lines, counts %+v", len(l.Problems), l.ProblemCounts)
			}
			l, err = db.Lists.FindLists(sqldbtest.As(office), sanlian.ListsFilter{UnitID: 4})
			MustOK(t, err)
			if len(l.Problems) != 1 {
				t.Errorf("梅城镇's problem list as the office = %d lines", len(l.Problems))
			}
		})

		t.Run("CoUnitDoesNotLead", func(t *testing.T) {
			before := ledgerRows(t, raw)
			for _, a := range []string{sanlian.ActionAccept, sanlian.ActionExtend, sanlian.ActionTransfer, sanlian.ActionMerge} {
				_, err := db.Problems.Act(sqldbtest.As(dongping), p.ID, a, sanlian.ActionRequest{Version: p.Version, Reason: "x", Until: "2021-07-30", UnitID: 4, Into: p.ID})
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			_, err := db.Problems.Act(sqldbtest.As(cadre5), p.ID, sanlian.ActionAccept, sanlian.ActionRequest{Version: p.Version})
			MustCode(t, err, sanlian.EFORBIDDEN)
			if after := ledgerRows(t, raw); after != before {
				t.Errorf("refused actions wrote rows: %v → %v", before, after)
			}
		})

		t.Run("Part", func(t *testing.T) {
			out, err := db.Problems.Act(sqldbtest.As(cadre5), p.ID, sanlian.ActionPart, sanlian.ActionRequest{Version: p.Version,
				Note: "组织镇村干部清理塌方土石，设置警示标志", Date: "2021-05-31"})
			MustOK(t, err)
			if out.Version != p.Version+1 || out.State != sanlian.StateAssigned {
				t.Errorf("after part: version %d state %s", out.Version, out.State)
			}
			if out.CoUnits[1].UnitID != 4 || out.CoUnits[1].Parts != 1 || out.CoUnits[0].PartDone() {
				t.Errorf("co-units after part = %+v", out.CoUnits)
			}
			evs, err := db.Problems.ProblemEvents(sqldbtest.As(office), p.ID)
			MustOK(t, err)
			last := evs[len(evs)-1]
			if last.Action != sanlian.ActionPart || last.ActionLabel() != "配合办理" || !strings.Contains(last.Note, "梅城镇人民政府") ||
				!strings.Contains(last.Note, "2021-05-31") || !strings.Contains(last.Note, "清理塌方") {
				t.Errorf("part event %+v", last)
			}
			if got := MustCount(t, raw, "SELECT COUNT(*) FROM problem_parts WHERE unit_id = 4 AND done_on = '2021-05-31'"); got != 1 {
				t.Errorf("%d parts stored", got)
			}
			p = out
		})

		// Each bad request is refused with a message in Chinese and writes
		// nothing.
		bad := []struct {
			name   string
			who    *sanlian.User
			action string
			req    sanlian.ActionRequest
			code   string
			msg    string
		}{
			{"LeadAsCoUnit", office, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: []int64{3, 4, 1}}, sanlian.EUNPROCESSABLE, "是牵头单位"},
			{"Twice", office, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: []int64{4, 3, 4}}, sanlian.EUNPROCESSABLE, "重复"},
			{"RemoveAfterPart", office, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: []int64{3}}, sanlian.EUNPROCESSABLE, "不能移出"},
			{"UnknownUnit", office, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: []int64{3, 4, 99}}, sanlian.EUNPROCESSABLE, "不存在"},
			{"PartByOtherUnit", lead, sanlian.ActionPart, sanlian.ActionRequest{Note: "协助"}, sanlian.EFORBIDDEN, "不是该问题的配合单位"},
			{"PartByOtherCadre", cadre, sanlian.ActionPart, sanlian.ActionRequest{Note: "协助"}, sanlian.EFORBIDDEN, "不是该问题的配合单位"},
			{"PartWithoutNote", meicheng, sanlian.ActionPart, sanlian.ActionRequest{}, sanlian.EUNPROCESSABLE, ""},
			{"PartInFuture", meicheng, sanlian.ActionPart, sanlian.ActionRequest{Note: "x", Date: "2021-06-02"}, sanlian.EUNPROCESSABLE, ""},
			{"NoChange", office, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: []int64{4, 3}}, sanlian.EUNPROCESSABLE, "没有变化"},
			{"CoUnitsByUnit", lead, sanlian.ActionAssign, sanlian.ActionRequest{PersonID: 6, CoUnitIDs: []int64{5}}, sanlian.EUNPROCESSABLE, "只有县办公室"},
			{"TransferToCoUnit", office, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: 4, Reason: "属地管理"}, sanlian.EUNPROCESSABLE, "配合单位"},
		}
		for _, tc := range bad {
			t.Run("Err"+tc.name, func(t *testing.T) {
				before := ledgerRows(t, raw)
				tc.req.Version = p.Version
				_, err := db.Problems.Act(sqldbtest.As(tc.who), p.ID, tc.action, tc.req)
				MustCode(t, err, tc.code)
				msg := sanlian.ErrorMessage(err)
				for _, v := range sanlian.ErrorFields(err) {
					msg += v
				}
				if !hasHan(msg) || !strings.Contains(msg, tc.msg) {
					t.Errorf("message %q, want %q", msg, tc.msg)
				}
				if after := ledgerRows(t, raw); after != before {
					t.Errorf("rows %v → %v", before, after)
				}
				got, err := db.Problems.FindProblemByID(sqldbtest.As(office), p.ID)
				MustOK(t, err)
				if got.Version != p.Version || !equalIDs(coUnitIDs(got), []int64{3, 4}) {
					t.Errorf("problem changed: version %d co-units %v", got.Version, coUnitIDs(got))
				}
			})
		}

		t.Run("ReplaceSet", func(t *testing.T) {
			p = act(t, db, office, p, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: []int64{4, 5}, Note: "调整配合单位"})
			if !equalIDs(coUnitIDs(p), []int64{4, 5}) {
				t.Fatalf("co-units = %v", coUnitIDs(p))
			}
			_, err := db.Problems.FindProblemByID(sqldbtest.As(dongping), p.ID)
			MustCode(t, err, sanlian.ENOTFOUND)
			evs, err := db.Problems.ProblemEvents(sqldbtest.As(office), p.ID)
			MustOK(t, err)
			if last := evs[len(evs)-1]; last.Action != sanlian.ActionCoUnits || !strings.Contains(last.Changes, "县政府办公室") {
				t.Errorf("co_units event %+v", last)
			}
			e := MustLastAudit(t, db, users)
			if ch := auditChanges(t, e); ch["co_units"][0] != "东坪镇人民政府、梅城镇人民政府" || ch["co_units"][1] != "梅城镇人民政府、县政府办公室" {
				t.Errorf("audit changes %v", ch)
			}
		})

		t.Run("LeadResolves", func(t *testing.T) {
			p = act(t, db, cadre, p, sanlian.ActionAccept, sanlian.ActionRequest{})
			p = act(t, db, cadre, p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "抢修路基", Result: "已恢复通行"})
			if pending := sanlian.PendingParts(p.CoUnits); len(pending) != 1 || pending[0].UnitID != 5 {
				t.Errorf("pending parts = %+v", pending)
			}
			_, err := db.Problems.Act(sqldbtest.As(cadre5), p.ID, sanlian.ActionPart, sanlian.ActionRequest{Version: p.Version, Note: "补记"})
			MustCode(t, err, sanlian.ECONFLICT)
		})

		t.Run("MetricsCountTheLead", func(t *testing.T) {
			m, err := db.Reports.Metrics(sqldbtest.As(office), sanlian.MetricsQuery{Period: "2021-06-H1", By: sanlian.ByUnit})
			MustOK(t, err)
			for _, r := range m.Rows {
				switch r.Key {
				case "1":
					if r.Assigned != 1 || r.Resolved != 1 {
						t.Errorf("lead row %+v", r)
					}
				default:
					t.Errorf("row for unit %s (%s): co-units are not counted", r.Key, r.Name)
				}
			}
			if m.Total.Assigned != 1 || m.CoParts["4"] != 1 || len(m.CoParts) != 1 {
				t.Errorf("total assigned %d, co-parts %v", m.Total.Assigned, m.CoParts)
			}
			own, err := db.Reports.Metrics(sqldbtest.As(lead), sanlian.MetricsQuery{Period: "2021-06-H1", By: sanlian.ByUnit})
			MustOK(t, err)
			if len(own.CoParts) != 0 {
				t.Errorf("民政局's admin sees co-parts %v", own.CoParts)
			}
			m, err = db.Reports.Metrics(sqldbtest.As(office), sanlian.MetricsQuery{Period: "2021-05-H2", By: sanlian.ByUnit})
			MustOK(t, err)
			if len(m.CoParts) != 0 {
				t.Errorf("co-parts in the half-month before: %v", m.CoParts)
			}
		})

		t.Run("SentBackAndAssignedAgain", func(t *testing.T) {
			q := newProblem(t, db, cadre, "集镇自来水管网漏损")
			q = act(t, db, office, q, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, CoUnitIDs: []int64{3}})
			q = act(t, db, office, q, sanlian.ActionTransfer, sanlian.ActionRequest{Reason: "交办有误，退回重新派单"})
			if q.State != sanlian.StateSubmitted || !equalIDs(coUnitIDs(q), []int64{3}) {
				t.Fatalf("sent back: %s, co-units %v", q.State, coUnitIDs(q))
			}
			_, err := db.Problems.Act(sqldbtest.As(office), q.ID, sanlian.ActionAssign, sanlian.ActionRequest{Version: q.Version, UnitID: 3})
			MustField(t, err, "unit_id")
			q = act(t, db, office, q, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 3, CoUnitIDs: []int64{1}})
			if q.UnitID != 3 || !equalIDs(coUnitIDs(q), []int64{1}) {
				t.Errorf("assigned again: lead %d, co-units %v", q.UnitID, coUnitIDs(q))
			}
		})
	})
}
