package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// themeProblem enters a problem of category in VillageA as u.
func themeProblem(t *testing.T, db *sqldb.DB, u *sanlian.User, category, title string) *sanlian.Problem {
	t.Helper()
	p, err := db.Problems.CreateProblem(sqldbtest.As(u), &sanlian.ProblemInput{Category: category, VillageCode: sqldbtest.VillageA,
		Title: title, Description: title + "，群众反映强烈"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// themeTags maps the ids of a theme's problems to their tag, the removed
// ones included.
func themeTags(t *testing.T, db *sqldb.DB, u *sanlian.User, id int64) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	for _, removed := range []bool{false, true} {
		ps, _, err := db.Work.ThemeProblems(sqldbtest.As(u), id, sanlian.ThemeProblemFilter{Removed: removed, Limit: 500})
		MustOK(t, err)
		for _, p := range ps {
			out[p.ID] = p.Tag
		}
	}
	return out
}

func TestThemeService_TagOnEntry(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		clockAt(db, "2026-11-02 09:00")
		th, err := db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "农村饮水安全",
			Categories: []string{"rural"}, KeywordText: "饮水、自来水"})
		MustOK(t, err)
		if th.Tagged != 0 || len(th.Keywords) != 2 {
			t.Fatalf("new theme: %+v", th)
		}
		byCat := themeProblem(t, db, users["office"], "rural", "村里水渠淤塞")
		byWord := themeProblem(t, db, users["office"], "construction", "自来水管爆裂停水三天")
		other := themeProblem(t, db, users["office"], "transport", "村口路灯坏了")
		clockAt(db, "2026-12-01 09:00")
		december := themeProblem(t, db, users["office"], "rural", "饮水井水质浑浊")
		tags := themeTags(t, db, users["office"], th.ID)
		if tags[byCat.ID] != sanlian.TagAuto || tags[byWord.ID] != sanlian.TagAuto || len(tags) != 2 {
			t.Errorf("tags %v, want %d and %d auto only (not %d, nor %d of December)", tags, byCat.ID, byWord.ID, other.ID, december.ID)
		}
		got, err := db.Work.FindTheme(office, th.ID)
		MustOK(t, err)
		if got.Tagged != 2 {
			t.Errorf("tagged %d, want 2", got.Tagged)
		}
		// A duplicate merged into another no longer counts.
		act(t, db, users["office"], byWord, sanlian.ActionMerge, sanlian.ActionRequest{Into: byCat.ID})
		got, err = db.Work.FindTheme(office, th.ID)
		MustOK(t, err)
		r, err := db.Work.ThemeReport(office, th.ID, "")
		MustOK(t, err)
		if tags := themeTags(t, db, users["office"], th.ID); got.Tagged != 1 || r.Counts.Received != 1 || len(tags) != 1 {
			t.Errorf("after the merge: tagged %d, received %d, listed %v", got.Tagged, r.Counts.Received, tags)
		}
	})
}

func TestThemeService_Backfill(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		clockAt(db, "2026-10-31 23:00") // 2026-10, Shanghai
		themeProblem(t, db, users["office"], "transport", "道路塌方")
		clockAt(db, "2026-11-03 10:00")
		road := themeProblem(t, db, users["office"], "transport", "通组公路坑洼")
		bridge := themeProblem(t, db, users["office"], "construction", "危桥无护栏，交通安全隐患")
		themeProblem(t, db, users["office"], "education", "校舍漏雨")
		clockAt(db, "2026-11-20 10:00")
		th, err := db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "农村道路与交通安全",
			Categories: []string{"transport"}, Keywords: []string{"交通安全"}})
		MustOK(t, err)
		if th.Tagged != 2 {
			t.Fatalf("backfill tagged %d, want 2 (%d, %d)", th.Tagged, road.ID, bridge.ID)
		}
		// Editing away the keyword drops the automatic tag it made.
		th, err = db.Work.UpdateTheme(office, th.ID, &sanlian.ThemeInput{Month: "2026-11", Name: "农村道路与交通安全",
			Categories: []string{"transport"}, Version: th.Version})
		MustOK(t, err)
		if tags := themeTags(t, db, users["office"], th.ID); len(tags) != 1 || tags[road.ID] != sanlian.TagAuto {
			t.Errorf("after edit: %v, want only %d", tags, road.ID)
		}
		_, err = db.Work.UpdateTheme(office, th.ID, &sanlian.ThemeInput{Month: "2026-11", Name: "x", Categories: []string{"transport"}, Version: 1})
		MustCode(t, err, sanlian.ECONFLICT)
		evs, _, err := db.FindAudit(office, sanlian.AuditFilter{Entity: "theme"})
		MustOK(t, err)
		if len(evs) < 3 {
			t.Errorf("audit rows for the theme: %d, want create, update, retag", len(evs))
		}
	})
}

func TestThemeService_ManualSurvivesRetag(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		clockAt(db, "2026-11-03 10:00")
		a := themeProblem(t, db, users["office"], "elderly", "敬老院冬季取暖不足")
		b := themeProblem(t, db, users["office"], "elderly", "独居老人取暖器坏了")
		c := themeProblem(t, db, users["office"], "housing", "危房改造进度慢")
		th, err := db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "冬季取暖与用电", KeywordText: "取暖"})
		MustOK(t, err)
		MustOK(t, db.Work.UntagProblem(office, th.ID, a.ID))
		MustOK(t, db.Work.TagProblem(office, th.ID, 0, c.Number))
		MustCode(t, db.Work.UntagProblem(office, th.ID, a.ID), sanlian.ENOTFOUND)
		MustField(t, db.Work.TagProblem(office, th.ID, 0, "安化-2026-999999"), "number")
		th, err = db.Work.UpdateTheme(office, th.ID, &sanlian.ThemeInput{Month: "2026-11", Name: "冬季取暖与用电",
			KeywordText: "取暖 老人", Version: th.Version})
		MustOK(t, err)
		tags := themeTags(t, db, users["office"], th.ID)
		if tags[a.ID] != sanlian.TagRemoved || tags[b.ID] != sanlian.TagAuto || tags[c.ID] != sanlian.TagManual {
			t.Errorf("tags after re-tagging %v: want %d removed, %d auto, %d manual", tags, a.ID, b.ID, c.ID)
		}
		if th.Tagged != 2 {
			t.Errorf("tagged %d, want 2", th.Tagged)
		}
		// A problem entered later that matches is tagged; the removed one
		// stays out.
		d := themeProblem(t, db, users["office"], "rural", "取暖用电线路老化")
		if tags := themeTags(t, db, users["office"], th.ID); tags[d.ID] != sanlian.TagAuto || tags[a.ID] != sanlian.TagRemoved {
			t.Errorf("after entry: %v", tags)
		}
		// Putting a removed problem back by hand makes it manual.
		MustOK(t, db.Work.TagProblem(office, th.ID, a.ID, ""))
		if tags := themeTags(t, db, users["office"], th.ID); tags[a.ID] != sanlian.TagManual {
			t.Errorf("put back: %v", tags)
		}
	})
}

func TestThemeService_Scope(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		clockAt(db, "2026-11-03 10:00")
		mine := themeProblem(t, db, users["cadre"], "transport", "通组公路坑洼") // entered in unit 1
		themeProblem(t, db, users["office"], "transport", "桥面破损")
		p3 := themeProblem(t, db, users["office"], "transport", "路灯不亮")
		act(t, db, users["office"], p3, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 4})
		th, err := db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "道路", Categories: []string{"transport"}})
		MustOK(t, err)
		r, err := db.Work.ThemeReport(office, th.ID, sanlian.TrendWeek)
		MustOK(t, err)
		if r.Counts.Received != 3 || len(r.Trend) != 5 || r.Trend[0].Count != 3 || len(r.Previous) != 3 {
			t.Errorf("office report: %+v trend %v", r.Counts, r.Trend)
		}
		ua := sqldbtest.As(users["unitadmin"])
		r, err = db.Work.ThemeReport(ua, th.ID, sanlian.TrendDay)
		MustOK(t, err)
		if r.Counts.Received != 1 || len(r.Units) != 1 || len(r.Trend) != 30 {
			t.Errorf("unit admin report: %+v units %d trend %d, want 1 problem", r.Counts, len(r.Units), len(r.Trend))
		}
		ps, _, err := db.Work.ThemeProblems(ua, th.ID, sanlian.ThemeProblemFilter{})
		MustOK(t, err)
		if len(ps) != 1 || ps[0].ID != mine.ID {
			t.Errorf("unit admin's problems: %d", len(ps))
		}
		ths, err := db.Work.FindThemes(ua, sanlian.ThemeFilter{Month: "2026-11"})
		MustOK(t, err)
		if len(ths) != 1 || ths[0].Tagged != 1 {
			t.Errorf("unit admin's list: %+v", ths)
		}
		// The leader is linked to 东坪镇, where VillageA lies.
		r, err = db.Work.ThemeReport(sqldbtest.As(users["leader"]), th.ID, "")
		MustOK(t, err)
		if r.Counts.Received != 3 {
			t.Errorf("leader: %d", r.Counts.Received)
		}
		_, err = db.Work.CreateTheme(ua, &sanlian.ThemeInput{Month: "2026-11", Name: "x", Categories: []string{"transport"}})
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, err = db.Work.FindThemes(sqldbtest.As(users["cadre"]), sanlian.ThemeFilter{})
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, err = db.Work.FindTheme(sqldbtest.As(users["auditor"]), th.ID)
		MustCode(t, err, sanlian.EFORBIDDEN)
	})
}

func TestThemeService_Validate(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		_, err := db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "饮水"})
		MustField(t, err, "categories")
		_, err = db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-13", Name: "饮水", KeywordText: "水"})
		MustField(t, err, "month")
		_, err = db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "饮水", Categories: []string{"nope"}})
		MustField(t, err, "categories")
		_, err = db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "饮水", KeywordText: "水"})
		MustOK(t, err)
		_, err = db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "饮水", KeywordText: "井"})
		MustField(t, err, "name")
		_, err = db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-12", Name: "饮水", KeywordText: "井"})
		MustOK(t, err)
	})
}

func TestThemeService_Measures(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		th, err := db.Work.CreateTheme(office, &sanlian.ThemeInput{Month: "2026-11", Name: "饮水", KeywordText: "水"})
		MustOK(t, err)
		m := &sanlian.ThemeMeasure{ThemeID: th.ID, Text: "全县排查老旧供水管网", UnitID: 1, Due: "2026-12-31"}
		MustOK(t, db.Work.SaveThemeMeasure(office, m))
		MustField(t, db.Work.SaveThemeMeasure(office, &sanlian.ThemeMeasure{ThemeID: th.ID, Text: "x", UnitID: 1, Due: "12月底"}), "due")
		MustCode(t, db.Work.SaveThemeMeasure(sqldbtest.As(users["unitadmin"]), &sanlian.ThemeMeasure{ThemeID: th.ID, Text: "x", UnitID: 1,
			Due: "2026-12-31"}), sanlian.EFORBIDDEN)
		m.Text = "全县排查并更换老旧供水管网"
		MustOK(t, db.Work.SaveThemeMeasure(office, m))
		if m.Version != 2 || m.UnitName == "" {
			t.Errorf("saved: %+v", m)
		}
		stale := *m
		stale.Version = 1
		MustCode(t, db.Work.SaveThemeMeasure(office, &stale), sanlian.ECONFLICT)
		r, err := db.Work.ThemeReport(office, th.ID, "")
		MustOK(t, err)
		if len(r.Measures) != 1 || r.Measures[0].Text != m.Text {
			t.Errorf("measures %+v", r.Measures)
		}
		MustOK(t, db.Work.DeleteThemeMeasure(office, th.ID, m.ID, m.Version))
		MustCode(t, db.Work.DeleteThemeMeasure(office, th.ID, m.ID, m.Version), sanlian.ENOTFOUND)
		evs, _, err := db.FindAudit(office, sanlian.AuditFilter{Entity: "theme_measure"})
		MustOK(t, err)
		if len(evs) != 3 {
			t.Errorf("measure audit rows %d, want 3", len(evs))
		}
	})
}

// TestThemeService_TagOnImport tags problems imported from the ledger kept
// before by the month of their entry date in the sheet.
func TestThemeService_TagOnImport(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db) // 2021-05-10 09:00
		office := users["office"]
		th, err := db.Work.CreateTheme(sqldbtest.As(office), &sanlian.ThemeInput{Month: "2021-04", Name: "饮水与路灯",
			Categories: []string{"construction"}, KeywordText: "饮水"})
		MustOK(t, err)
		mustCommit(t, mustImport(t, db, office, "problems", file(
			map[string]string{"title": "酉州村3组路灯损坏", "category": "城乡建设", "village": "东坪镇酉州村", "created": "2021-04-20"},
			map[string]string{"title": "梅城镇饮水困难", "category": "rural", "village": "梅城镇启安村", "created": "2021-04-22"},
			map[string]string{"title": "启安村饮水困难", "category": "rural", "village": "梅城镇启安村", "created": "2021-05-02"},
			map[string]string{"title": "低保评定不公", "category": "政策落实", "village": "430923101002", "created": "2021-04-23"},
		)), 4, 0)
		got, err := db.Work.FindTheme(sqldbtest.As(office), th.ID)
		MustOK(t, err)
		if got.Tagged != 2 {
			t.Errorf("tagged %d, want the April street lamp and drinking water only", got.Tagged)
		}
	})
}
