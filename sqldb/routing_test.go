package sqldb_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func dueText(t time.Time) string { return t.In(sanlian.Shanghai).Format("2006-01-02 15:04") }

// TestProblemService_IntakeClock: a problem entered on Friday 2021-04-30
// must be dispatched by the end of the next working day, Thursday
// 2021-05-06 (the May Day holiday runs 1–5 May); past it, it is overdue in
// the lists, on the daily notices to the office and on a yellow card.
func TestProblemService_IntakeClock(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		clockAt(db, "2021-04-30 10:00")
		p := newProblem(t, db, users["cadre"], "村口路灯不亮")
		if got := dueText(p.AssignDue); got != "2021-05-07 00:00" {
			t.Fatalf("assign due %s, want 2021-05-07 00:00 (24:00 of 2021-05-06)", got)
		}
		if p.Overdue {
			t.Fatal("overdue at entry")
		}

		// A hotline problem on a same-day clock.
		l, err := db.Problems.IntakeLimits(office)
		MustOK(t, err)
		l.Days = map[string]int{sanlian.SourceHotline: 0}
		MustOK(t, db.Problems.SaveIntakeLimits(office, l))
		hot, err := db.Problems.CreateProblem(sqldbtest.As(users["cadre"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Description: "12345 转来：桥面坑洼"})
		MustOK(t, err)
		if got := dueText(hot.AssignDue); got != "2021-05-01 00:00" {
			t.Errorf("hotline assign due %s, want 2021-05-01 00:00 (the same day)", got)
		}

		clockAt(db, "2021-05-07 08:30")
		yes := true
		list, _, err := db.Problems.FindProblems(office, sanlian.ProblemFilter{State: sanlian.StateSubmitted, Overdue: &yes})
		MustOK(t, err)
		if len(list) != 2 || !list[0].Overdue {
			t.Fatalf("overdue intake: %d problems, want 2", len(list))
		}
		MustOK(t, db.Notices.NoticesDailyAt(office, shanghai("2021-05-07 00:00")))
		MustOK(t, db.Notices.NoticesDailyAt(office, shanghai("2021-05-07 00:00")))
		raw := MustRaw(t, db)
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM notices WHERE kind = 'intake_overdue' AND user_id = `+itoa(users["office"].ID)); n != 2 {
			t.Errorf("office intake notices = %d, want 2 (one per problem, none twice)", n)
		}
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM notices WHERE kind = 'intake_overdue' AND user_id <> `+itoa(users["office"].ID)); n != 0 {
			t.Errorf("intake notices to others = %d, want 0", n)
		}
		// A yellow card on the office's delay once the rules' working day of
		// grace has passed.
		MustOK(t, db.SupervisionLevelsAt(office, shanghai("2021-05-10 00:00")))
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM supervisions WHERE target_kind = 'problem' AND target_id = `+itoa(p.ID)+` AND unit_id IS NULL`); n != 1 {
			t.Errorf("cards on the overdue intake = %d, want 1", n)
		}
		// Dispatching stops the clock; once the unit has it in hand the
		// card closes.
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		if !p.AssignDue.IsZero() || p.Overdue {
			t.Errorf("after assign: assign due %v, overdue %v", p.AssignDue, p.Overdue)
		}
		act(t, db, users["cadre"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
		MustOK(t, db.SupervisionLevelsAt(office, shanghai("2021-05-11 00:00")))
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM supervisions WHERE target_id = `+itoa(p.ID)+` AND state = 'open'`); n != 0 {
			t.Errorf("open cards after dispatch = %d, want 0", n)
		}
	})
}

func TestRoutingService_IntakeLimitsBadInput(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		l, err := db.Problems.IntakeLimits(office)
		MustOK(t, err)
		for name, days := range map[string]map[string]int{
			"unknown source": {"fax": 1},
			"negative":       {sanlian.SourcePortal: -1},
			"too long":       {sanlian.SourceLetter: 11},
		} {
			bad := &sanlian.IntakeLimits{Days: days, Version: l.Version}
			err := db.Problems.SaveIntakeLimits(office, bad)
			MustCode(t, err, sanlian.EUNPROCESSABLE)
			if !hasHan(firstField(err)) {
				t.Errorf("%s: message %q is not Chinese", name, firstField(err))
			}
		}
		MustCode(t, db.Problems.SaveIntakeLimits(sqldbtest.As(users["unitadmin"]), &sanlian.IntakeLimits{Version: l.Version}), sanlian.EFORBIDDEN)
		MustOK(t, db.Problems.SaveIntakeLimits(office, &sanlian.IntakeLimits{Days: map[string]int{"portal": 2}, Version: l.Version}))
		MustCode(t, db.Problems.SaveIntakeLimits(office, &sanlian.IntakeLimits{Days: map[string]int{"portal": 3}, Version: l.Version}), sanlian.ECONFLICT)
		got, err := db.Problems.IntakeLimits(office)
		MustOK(t, err)
		if got.For("portal") != 2 || got.For("hotline") != 1 {
			t.Errorf("limits %v", got.Days)
		}
	})
}

func firstField(err error) string {
	for _, v := range sanlian.ErrorFields(err) {
		return v
	}
	return sanlian.ErrorMessage(err)
}

func saveRule(t *testing.T, db *sqldb.DB, u *sanlian.User, r *sanlian.RoutingRule) *sanlian.RoutingRule {
	t.Helper()
	r.Active = true
	if err := db.Problems.SaveRoutingRule(sqldbtest.As(u), r); err != nil {
		t.Fatalf("save rule: %v %v", err, sanlian.ErrorFields(err))
	}
	return r
}

// TestRoutingService_AssignOnEntry: the most specific rule assigns a new
// problem at once, as the system, naming the rule; metrics and notices see
// an assignment like any other.
func TestRoutingService_AssignOnEntry(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		clockAt(db, "2021-06-01 10:00")
		county := saveRule(t, db, office, &sanlian.RoutingRule{RegionCode: sqldbtest.County, UnitID: 5})
		township := saveRule(t, db, office, &sanlian.RoutingRule{RegionCode: sqldbtest.Dongping, Category: "transport", UnitID: 3, PersonID: 4})
		anyCat := saveRule(t, db, office, &sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, UnitID: 1})
		village := saveRule(t, db, office, &sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, Category: "transport", UnitID: 1, PersonID: 2})
		// Switched off, it would otherwise share the village rule's slot.
		MustOK(t, db.Problems.SaveRoutingRule(sqldbtest.As(office), &sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, Category: "transport", UnitID: 4}))

		cases := []struct {
			category, village string
			want              *sanlian.RoutingRule
		}{
			{"transport", sqldbtest.VillageA, village},  // the village's rule for the category
			{"education", sqldbtest.VillageA, anyCat},   // the village's rule for every category
			{"transport", sqldbtest.VillageB, township}, // the township's
			{"education", sqldbtest.VillageC, county},   // the county's
		}
		for _, c := range cases {
			p, err := db.Problems.CreateProblem(sqldbtest.As(users["cadre"]), &sanlian.ProblemInput{Category: c.category, VillageCode: c.village,
				Description: "道路积水，出行困难"})
			MustOK(t, err)
			if p.State != sanlian.StateAssigned || p.RuleID != c.want.ID || p.UnitID != c.want.UnitID || p.PersonID != c.want.PersonID {
				t.Errorf("%s in %s: state %s rule %d unit %d person %d, want rule %d", c.category, c.village, p.State, p.RuleID, p.UnitID, p.PersonID, c.want.ID)
			}
			if !p.AssignDue.IsZero() || p.AcceptDue.IsZero() || p.ResolveDue.IsZero() {
				t.Errorf("deadlines after routing: assign %v accept %v resolve %v", p.AssignDue, p.AcceptDue, p.ResolveDue)
			}
			evs, err := db.Problems.ProblemEvents(sqldbtest.As(office), p.ID)
			MustOK(t, err)
			last := evs[len(evs)-1]
			if last.Action != sanlian.ActionAssign || last.ActorID != 0 || last.Actor != "系统" || last.Note != sanlian.RoutingNote(c.want.ID) {
				t.Errorf("assign event %+v", last)
			}
		}
		raw := MustRaw(t, db)
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM notices WHERE kind = 'assigned' AND user_id = `+itoa(users["unitadmin"].ID)); n < 2 {
			t.Errorf("unit admin's notices of routed problems = %d, want ≥ 2", n)
		}
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM audit_log WHERE action = 'assign' AND actor = 'system'`); n != len(cases) {
			t.Errorf("system assign audit rows = %d, want %d", n, len(cases))
		}
		got, err := db.Problems.FindRoutingRule(sqldbtest.As(office), village.ID)
		MustOK(t, err)
		if got.Routed != 1 || got.UnitName == "" || got.RegionName != "黄沙坪村" {
			t.Errorf("rule read back %+v", got)
		}
	})
}

// TestRoutingService_BadInput: each refused with a Chinese message naming
// the field, and nothing written.
func TestRoutingService_BadInput(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		first := saveRule(t, db, office, &sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, Category: "transport", UnitID: 1, Sort: 1})
		raw := MustRaw(t, db)
		before := MustCount(t, raw, `SELECT COUNT(*) FROM routing_rules`)
		audit := MustCount(t, raw, `SELECT COUNT(*) FROM audit_log`)
		cases := []struct {
			name  string
			rule  sanlian.RoutingRule
			field string
		}{
			{"unknown category", sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, Category: "nosuch", UnitID: 1}, "category"},
			{"unknown place", sanlian.RoutingRule{RegionCode: "430923999999", UnitID: 1}, "region"},
			{"malformed place", sanlian.RoutingRule{RegionCode: "东坪镇", UnitID: 1}, "region"},
			{"unknown unit", sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, UnitID: 99}, "unit_id"},
			{"no unit", sanlian.RoutingRule{RegionCode: sqldbtest.VillageA}, "unit_id"},
			{"person of another unit", sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, UnitID: 1, PersonID: 4}, "person_id"},
			{"unknown person", sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, UnitID: 1, PersonID: 99}, "person_id"},
			{"same place, category and order", sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, Category: "transport", UnitID: 3, Sort: 1}, "sort"},
			{"order out of range", sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, UnitID: 1, Sort: 10000}, "sort"},
		}
		for _, c := range cases {
			r := c.rule
			r.Active = true
			err := db.Problems.SaveRoutingRule(sqldbtest.As(office), &r)
			MustField(t, err, c.field)
			if msg := sanlian.ErrorFields(err)[c.field]; !hasHan(msg) {
				t.Errorf("%s: message %q", c.name, msg)
			}
		}
		// A second rule in the same slot may be kept switched off.
		MustOK(t, db.Problems.SaveRoutingRule(sqldbtest.As(office), &sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, Category: "transport", UnitID: 3, Sort: 1}))
		MustCode(t, db.Problems.SaveRoutingRule(sqldbtest.As(users["unitadmin"]), &sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, UnitID: 1, Active: true}), sanlian.EFORBIDDEN)
		stale := *first
		stale.Version = 0
		stale.ID = first.ID
		stale.Sort = 2
		MustCode(t, db.Problems.SaveRoutingRule(sqldbtest.As(office), &stale), sanlian.ECONFLICT)
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM routing_rules`); n != before+1 {
			t.Errorf("rules = %d, want %d", n, before+1)
		}
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM audit_log`); n != audit+1 {
			t.Errorf("audit rows = %d, want %d", n, audit+1)
		}
		MustCode(t, db.Problems.DeleteRoutingRule(sqldbtest.As(office), first.ID, first.Version+5), sanlian.ECONFLICT)
		MustOK(t, db.Problems.DeleteRoutingRule(sqldbtest.As(office), first.ID, first.Version))
	})
}

// TestRoutingService_SameSlotAtOnce: two offices enabling rules in one
// slot at the same moment: one wins, the other is told why.
func TestRoutingService_SameSlotAtOnce(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Problems.SaveRoutingRule(sqldbtest.As(users["office"]), &sanlian.RoutingRule{RegionCode: sqldbtest.VillageB,
					Category: "housing", UnitID: int64(1 + 2*i), Active: true})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				MustField(t, err, "sort")
			}
		}
		if ok != 1 {
			t.Errorf("%d saves succeeded, want 1: %v", ok, errs)
		}
	})
}

// TestProblemService_Return: the unit sends a mis-assigned problem back
// within its accept deadline; the office's queue gets it with a fresh
// dispatch deadline, and the return counts against the unit and the rule.
func TestProblemService_Return(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office, unitadmin := users["office"], users["unitadmin"]
		clockAt(db, "2021-06-01 10:00") // Tuesday
		rule := saveRule(t, db, office, &sanlian.RoutingRule{RegionCode: sqldbtest.VillageA, UnitID: 1})
		p := newProblem(t, db, users["cadre"], "河道垃圾堆积")
		if p.RuleID != rule.ID {
			t.Fatalf("not routed: %+v", p)
		}
		raw := MustRaw(t, db)
		audit := MustCount(t, raw, `SELECT COUNT(*) FROM audit_log`)
		// Without a reason.
		_, err := db.Problems.Act(sqldbtest.As(unitadmin), p.ID, sanlian.ActionReturn, sanlian.ActionRequest{Version: p.Version})
		MustField(t, err, "reason")
		// By another unit: the cadre's own unit admin is unit 1's; a
		// problem of unit 3 is not theirs.
		q := newProblem(t, db, users["cadre"], "村道塌方")
		q = act(t, db, office, q, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: 3, Reason: "属地管理"})
		_, err = db.Problems.Act(sqldbtest.As(unitadmin), q.ID, sanlian.ActionReturn, sanlian.ActionRequest{Version: q.Version, Reason: "不归我们管"})
		MustCode(t, err, sanlian.EFORBIDDEN)
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM audit_log`); n != audit+3 { // q's create, routing and transfer
			t.Errorf("audit rows %d, want %d", n, audit+3)
		}

		clockAt(db, "2021-06-02 16:00") // within the accept deadline (24:00 of 2021-06-02)
		back := act(t, db, unitadmin, p, sanlian.ActionReturn, sanlian.ActionRequest{Reason: "河道保洁属水利局职责"})
		if back.State != sanlian.StateSubmitted || back.UnitID != 0 || back.RuleID != 0 || !back.AcceptDue.IsZero() {
			t.Fatalf("returned: %+v", back)
		}
		if got := dueText(back.AssignDue); got != "2021-06-04 00:00" {
			t.Errorf("fresh assign due %s, want 2021-06-04 00:00", got)
		}
		evs, err := db.Problems.ProblemEvents(sqldbtest.As(office), p.ID)
		MustOK(t, err)
		if last := evs[len(evs)-1]; last.Action != sanlian.ActionReturn || !strings.Contains(last.Note, "水利局") {
			t.Errorf("return event %+v", last)
		}
		got, err := db.Problems.FindRoutingRule(sqldbtest.As(office), rule.ID)
		MustOK(t, err)
		if got.Returned != 1 || got.Routed != 2 {
			t.Errorf("rule counts routed %d returned %d, want 2 and 1", got.Routed, got.Returned)
		}
		counts, err := db.Problems.ReturnCounts(sqldbtest.As(office), shanghai("2021-06-01 00:00"), shanghai("2021-07-01 00:00"))
		MustOK(t, err)
		if len(counts) != 1 || counts[0].UnitID != 1 || counts[0].Returned != 1 || counts[0].Routed != 1 {
			t.Errorf("return counts %+v", counts)
		}
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM notices WHERE kind = 'returned' AND user_id = `+itoa(office.ID)); n != 1 {
			t.Errorf("office's return notices = %d, want 1", n)
		}

		// Reassigned by the office, then too late to return.
		back = act(t, db, office, back, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 6})
		clockAt(db, "2021-06-04 09:00")
		_, err = db.Problems.Act(sqldbtest.As(unitadmin), back.ID, sanlian.ActionReturn, sanlian.ActionRequest{Version: back.Version, Reason: "仍不属本单位"})
		MustCode(t, err, sanlian.ECONFLICT)
		if !strings.Contains(sanlian.ErrorMessage(err), "签收期限") {
			t.Errorf("late return message %q", sanlian.ErrorMessage(err))
		}
	})
}

// TestImportService_RoutingRules: rules come in from a workbook all or
// none, and an imported problem still waiting for the office is routed by
// them like any other entry.
func TestImportService_RoutingRules(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		clockAt(db, "2021-05-10 09:00")
		rep := mustImport(t, db, office, "routing_rules", file(
			map[string]string{"category": "交通出行", "region": "东坪镇酉州村", "unit": "东坪镇人民政府", "person": "刘芳"},
			map[string]string{"category": "全部类别", "region": "梅城镇", "unit": "梅城镇人民政府", "sort": "1"},
			map[string]string{"region": "安化县", "unit": "县政府办公室", "active": "0"},
		))
		mustCommit(t, rep, 3, 0)
		raw := MustRaw(t, db)
		rules := MustCount(t, raw, `SELECT COUNT(*) FROM routing_rules`)

		rep = mustImport(t, db, office, "routing_rules", file(
			map[string]string{"category": "天文", "region": "东坪镇", "unit": "县民政局"},
			map[string]string{"region": "火星村", "unit": "县民政局"},
			map[string]string{"region": "东坪镇", "unit": "县交通局"},
			map[string]string{"region": "东坪镇", "unit": "县民政局", "person": "刘芳"},
			map[string]string{"region": "梅城镇", "unit": "县民政局", "sort": "1"},
			map[string]string{"region": "东坪镇", "unit": "县民政局", "sort": "3"},
			map[string]string{"region": "东坪镇", "unit": "县民政局社会救助股", "sort": "3"},
		))
		mustReject(t, rep, 2, "问题类别", "天文")
		mustReject(t, rep, 3, "适用地区", "火星村")
		mustReject(t, rep, 4, "承办单位", "县交通局")
		mustReject(t, rep, 5, "责任人", "承办单位的干部")
		mustReject(t, rep, 6, "顺序", "已有启用的派单规则")
		mustReject(t, rep, 8, "顺序", "与第 7 行")
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM routing_rules`); n != rules {
			t.Errorf("rules after a rejected import = %d, want %d", n, rules)
		}

		rep = mustImport(t, db, office, "problems", file(
			map[string]string{"title": "酉州村公路塌方", "category": "交通出行", "village": "东坪镇酉州村", "created": "2021-05-08"},
			map[string]string{"title": "黄沙坪村路灯不亮", "category": "城乡建设", "village": "东坪镇黄沙坪村", "created": "2021-05-08"},
		))
		mustCommit(t, rep, 2, 0)
		ps, _, err := db.Problems.FindProblems(sqldbtest.As(office), sanlian.ProblemFilter{Sort: "number"})
		MustOK(t, err)
		byTitle := map[string]*sanlian.Problem{}
		for _, p := range ps {
			byTitle[p.Title] = p
		}
		if p := byTitle["酉州村公路塌方"]; p == nil || p.State != sanlian.StateAssigned || p.UnitID != 3 || p.PersonID != 4 || p.RuleID == 0 {
			t.Errorf("imported and routed: %+v", p)
		}
		if p := byTitle["黄沙坪村路灯不亮"]; p == nil || p.State != sanlian.StateSubmitted || dueText(p.AssignDue) != "2021-05-12 00:00" {
			t.Errorf("imported for the office's queue: %+v", p)
		}
	})
}
