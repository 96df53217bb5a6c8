package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func seedTopics(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) []*sanlian.Topic {
	t.Helper()
	ts, err := db.Work.CreateTopics(sqldbtest.As(users["office"]), []sanlian.TopicInput{
		{Category: "employment", Question: "家里有没有劳动力外出务工？就业有什么困难？"},
		{Category: "social_health", Question: "医保报销顺不顺利？看病远不远？"},
		{Category: "transport", Question: "通组公路好不好走？"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestVisitService_CreateVisit(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-20 16:00")
		ts := seedTopics(t, db, users)
		cadre := sqldbtest.As(users["cadre"])
		in := &sanlian.VisitInput{Kind: sanlian.VisitHousehold, Date: "2021-05-20", HouseholdID: 1, Met: "户主刘户1及其老伴",
			Topics: []int64{ts[0].ID, ts[1].ID}, Findings: "家中两人外出务工，老人医保报销材料不清楚",
			Problems: []sanlian.VisitProblem{{Category: "social_health", Description: "医保异地报销材料不清楚，跑了两趟没办成"}}}
		t.Run("OK", func(t *testing.T) {
			v, created, err := db.Work.CreateVisit(cadre, in, "draft-1")
			MustOK(t, err)
			if !created || len(v.TopicIDs) != 2 || len(v.ProblemIDs) != 1 || v.CadreID != 2 || len(v.Visitors) != 1 {
				t.Fatalf("visit %+v created %v", v, created)
			}
			p, err := db.Problems.FindProblemByID(sqldbtest.As(users["office"]), v.ProblemIDs[0])
			MustOK(t, err)
			if p.Source != sanlian.SourceVisit || p.HouseholdID != 1 || p.VillageCode != sqldbtest.VillageA || p.ReporterName != "刘户1" {
				t.Errorf("problem from visit: %+v", p)
			}
		})
		t.Run("SameKeyOnce", func(t *testing.T) {
			v, created, err := db.Work.CreateVisit(cadre, in, "draft-1")
			MustOK(t, err)
			if created {
				t.Error("a repeated draft was recorded again")
			}
			vs, _, err := db.Work.FindVisits(cadre, sanlian.VisitFilter{})
			MustOK(t, err)
			if len(vs) != 1 || vs[0].ID != v.ID {
				t.Errorf("%d visits after a repeat, want 1", len(vs))
			}
			ps, _, err := db.Problems.FindProblems(sqldbtest.As(users["office"]), sanlian.ProblemFilter{})
			MustOK(t, err)
			if len(ps) != 1 {
				t.Errorf("%d problems after a repeat, want 1", len(ps))
			}
		})
		bad := func(name string, ctx sanlian.User, mod func(in *sanlian.VisitInput), code, field string) {
			t.Run(name, func(t *testing.T) {
				c := *in
				c.Problems = nil
				mod(&c)
				_, _, err := db.Work.CreateVisit(sqldbtest.As(&ctx), &c, "")
				MustCode(t, err, code)
				if field != "" {
					MustField(t, err, field)
				}
			})
		}
		bad("ErrNotLinked", *users["cadre"], func(in *sanlian.VisitInput) { in.HouseholdID = 5 }, sanlian.EFORBIDDEN, "")
		bad("ErrFuture", *users["cadre"], func(in *sanlian.VisitInput) { in.Date = "2021-05-21" }, sanlian.EUNPROCESSABLE, "date")
		bad("ErrBeforeCampaign", *users["cadre"], func(in *sanlian.VisitInput) { in.Date = "2021-03-31" }, sanlian.EUNPROCESSABLE, "date")
		bad("ErrEmpty", *users["cadre"], func(in *sanlian.VisitInput) { in.Topics, in.Findings = nil, "" }, sanlian.EUNPROCESSABLE, "findings")
		bad("ErrUnknownTopic", *users["cadre"], func(in *sanlian.VisitInput) { in.Topics = []int64{999} }, sanlian.EUNPROCESSABLE, "topics")
		bad("ErrProblemInvalid", *users["cadre"], func(in *sanlian.VisitInput) {
			in.Problems = []sanlian.VisitProblem{{Category: "transport", Description: ""}}
		}, sanlian.EUNPROCESSABLE, "problems.1.description")
		t.Run("ErrRetiredTopic", func(t *testing.T) {
			no := false
			_, err := db.Work.UpdateTopic(sqldbtest.As(users["office"]), ts[2].ID, sanlian.TopicUpdate{Active: &no, Version: ts[2].Version})
			MustOK(t, err)
			c := *in
			c.Problems, c.Topics = nil, []int64{ts[2].ID}
			_, _, err = db.Work.CreateVisit(cadre, &c, "")
			MustCode(t, err, sanlian.EUNPROCESSABLE)
			MustField(t, err, "topics")
		})
		t.Run("UnitAdminForCadre", func(t *testing.T) {
			c := *in
			c.Problems, c.HouseholdID, c.Visitors = nil, 5, []int64{6}
			v, _, err := db.Work.CreateVisit(sqldbtest.As(users["unitadmin"]), &c, "")
			MustOK(t, err)
			if v.CadreID != 6 {
				t.Errorf("cadre %d", v.CadreID)
			}
		})
		t.Run("VillageByUnit", func(t *testing.T) {
			v, _, err := db.Work.CreateVisit(sqldbtest.As(users["unitadmin"]), &sanlian.VisitInput{Kind: sanlian.VisitVillage, Date: "2021-05-19",
				RegionCode: sqldbtest.VillageA, Findings: "召开群众座谈会"}, "")
			MustOK(t, err)
			if v.UnitID != 1 {
				t.Errorf("unit %d", v.UnitID)
			}
			_, _, err = db.Work.CreateVisit(sqldbtest.As(users["unitadmin"]), &sanlian.VisitInput{Kind: sanlian.VisitVillage, Date: "2021-05-19",
				RegionCode: sqldbtest.VillageC, Findings: "走错村了"}, "")
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
		t.Run("TownshipByLeader", func(t *testing.T) {
			_, _, err := db.Work.CreateVisit(sqldbtest.As(users["leader"]), &sanlian.VisitInput{Kind: sanlian.VisitTownship, Date: "2021-05-18",
				RegionCode: sqldbtest.Dongping, Findings: "调研东坪镇防汛",
				Problems: []sanlian.VisitProblem{{VillageCode: sqldbtest.VillageB, Category: "construction", Description: "河堤有裂缝"}}}, "")
			MustOK(t, err) // a leader enters what they hear on their own visit
			_, _, err = db.Work.CreateVisit(sqldbtest.As(users["leader"]), &sanlian.VisitInput{Kind: sanlian.VisitTownship, Date: "2021-05-18",
				RegionCode: sqldbtest.Dongping, Findings: "调研东坪镇防汛"}, "")
			MustOK(t, err)
			_, _, err = db.Work.CreateVisit(sqldbtest.As(users["leader"]), &sanlian.VisitInput{Kind: sanlian.VisitTownship, Date: "2021-05-18",
				RegionCode: sqldbtest.Meicheng, Findings: "不是联系乡镇"}, "")
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
	})
}
