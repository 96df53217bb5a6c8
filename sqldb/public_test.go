package sqldb_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func publicCtx() context.Context { return sanlian.NewPublicContext(context.Background()) }

func submission(desc, phone string) *sanlian.PublicSubmission {
	s := &sanlian.PublicSubmission{Source: sanlian.SourceWechat, Category: "transport", VillageCode: sqldbtest.VillageA,
		Description: desc, ReporterPhone: phone, Consent: phone != ""}
	if phone != "" {
		s.ReporterName = "王大妈"
	}
	return s
}

// TestPublic_SubmitTrackRate follows one resident's problem from the
// phone to the rating, and checks what the public may and may not see.
func TestPublic_SubmitTrackRate(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		desc := `村口的桥<script>alert(1)</script>栏杆断了，孩子上学危险`
		rc, err := db.Public.SubmitPublic(publicCtx(), submission(desc, "13912345678"))
		MustOK(t, err)
		if rc.Merged || sanlian.NormalizeTrackingCode(rc.Code) != rc.Code || rc.Number != "安化-2021-000001" {
			t.Fatalf("receipt %+v", rc)
		}
		office := sqldbtest.As(users["office"])
		p, err := db.Problems.FindProblemByID(office, rc.ProblemID)
		MustOK(t, err)
		if p.Source != sanlian.SourceWechat || p.Description != desc || p.State != sanlian.StateSubmitted || p.CreatedBy != 0 {
			t.Fatalf("entered as %+v", p)
		}
		audit, _, err := db.FindAudit(office, sanlian.AuditFilter{Entity: "problem"})
		MustOK(t, err)
		if len(audit) == 0 || audit[0].Actor != "public" {
			t.Errorf("audit actor %+v, want public", audit)
		}

		// The office assigns with an internal note; the unit resolves.
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2, Note: "内部：请李明先电话联系王大妈"})
		tr, err := db.Public.TrackPublic(context.Background(), strings.ToLower(sanlian.FormatTrackingCode(rc.Code)))
		MustOK(t, err)
		js, _ := json.Marshal(tr)
		for _, secret := range []string{"内部", "王大妈", "13912345678", "5678", "李明"} {
			if strings.Contains(string(js), secret) {
				t.Errorf("the public sees %q: %s", secret, js)
			}
		}
		if tr.State != sanlian.StateAssigned || len(tr.Notes) != 2 || tr.Notes[1].Text != "已交由县民政局办理" || tr.Rateable || !tr.NeedsPhone {
			t.Errorf("tracked %+v", tr)
		}
		if _, err := db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "5678", Solved: "yes", Satisfaction: "satisfied"}); sanlian.ErrorCode(err) != sanlian.ECONFLICT {
			t.Errorf("rating before resolution: %v", err)
		}
		p = act(t, db, users["cadre"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
		p = act(t, db, users["cadre"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "焊接栏杆", Result: "栏杆已修复，联系电话13800001111"})

		// A wrong phone and an unknown code get the same answer.
		_, wrong := db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "0000", Solved: "yes", Satisfaction: "satisfied"})
		_, unknown := db.Public.RatePublic(context.Background(), "ABCDE-FGHJK", &sanlian.PublicRating{PhoneLast4: "5678", Solved: "yes", Satisfaction: "satisfied"})
		if sanlian.ErrorCode(wrong) != sanlian.ENOTFOUND || wrong.Error() != unknown.Error() {
			t.Errorf("wrong phone %v, unknown code %v: not the same answer", wrong, unknown)
		}
		if _, err := db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "5678", Solved: "maybe"}); sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE {
			t.Errorf("bad rating: %v", err)
		}

		// Unsatisfied: the rating is the callback, and reopens.
		clockAt(db, "2021-05-12 10:00")
		tr, err = db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "5678", Solved: "partly", Satisfaction: "unsatisfied", Comment: "只修了一半"})
		MustOK(t, err)
		p, _ = db.Problems.FindProblemByID(office, p.ID)
		if tr.State != sanlian.StateAccepted || p.Reopened != 1 || p.CallbackSatisfaction != sanlian.Unsatisfied {
			t.Fatalf("after an unsatisfied rating: tracked %s, problem %+v", tr.State, p)
		}
		last := tr.Notes[len(tr.Notes)-1].Text
		if last != "已回访，群众不满意，重新办理" || strings.Contains(tr.Notes[len(tr.Notes)-2].Text, "13800001111") {
			t.Errorf("notes %+v", tr.Notes)
		}
		clockAt(db, "2021-05-13 10:00")
		p = act(t, db, users["cadre"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "全部更换", Result: "已全部更换"})
		tr, err = db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "5678", Solved: "yes", Satisfaction: "satisfied"})
		MustOK(t, err)
		if tr.State != sanlian.StateResolved || tr.Rateable || tr.Satisfaction != sanlian.Satisfied {
			t.Errorf("after a satisfied rating: %+v", tr)
		}
		if _, err := db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "5678", Solved: "yes", Satisfaction: "satisfied"}); sanlian.ErrorCode(err) != sanlian.ECONFLICT {
			t.Errorf("rated twice: %v", err)
		}
		evs, err := db.Problems.ProblemEvents(office, p.ID)
		MustOK(t, err)
		if e := evs[len(evs)-1]; e.Action != sanlian.ActionCallback || e.Actor != "群众" {
			t.Errorf("last event %+v, want a callback by 群众 (the public)", e)
		}
		// The office can close it: the rating counts as the callback.
		p, _ = db.Problems.FindProblemByID(office, p.ID)
		p = act(t, db, users["office"], p, sanlian.ActionClose, sanlian.ActionRequest{})
		if p.State != sanlian.StateClosed {
			t.Errorf("state %s", p.State)
		}
	})
}

// TestPublic_Refusals: bad submissions, and who may submit.
func TestPublic_Refusals(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for name, s := range map[string]*sanlian.PublicSubmission{
			"consent":      {Category: "transport", VillageCode: sqldbtest.VillageA, Description: "路灯坏了好几天", ReporterPhone: "13912345678"},
			"description":  {Category: "transport", VillageCode: sqldbtest.VillageA, Description: "路灯"},
			"village":      {Category: "transport", VillageCode: "9999", Description: "路灯坏了好几天"},
			"source":       {Source: "visit", Category: "transport", VillageCode: sqldbtest.VillageA, Description: "路灯坏了好几天"},
			"description ": {Category: "transport", VillageCode: sqldbtest.VillageA, Description: strings.Repeat("长", 2001)},
		} {
			_, err := db.Public.SubmitPublic(publicCtx(), s)
			var fe *sanlian.Error
			if sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE {
				t.Errorf("%s: %v", name, err)
			} else if errors.As(err, &fe); fe.Fields[strings.TrimSpace(name)] == "" {
				t.Errorf("%s: no message for the field: %v", name, fe.Fields)
			}
		}
		_, err := db.Public.SubmitPublic(publicCtx(), &sanlian.PublicSubmission{Category: "nosuch", VillageCode: sqldbtest.VillageA, Description: "路灯坏了好几天"})
		if sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE {
			t.Errorf("unknown category: %v", err)
		}
		_, err = db.Public.SubmitPublic(publicCtx(), &sanlian.PublicSubmission{Category: "transport", VillageCode: sqldbtest.County, Description: "路灯坏了好几天"})
		if sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE {
			t.Errorf("a county, not a village: %v", err)
		}
		if _, err := db.Public.SubmitPublic(sqldbtest.As(users["office"]), submission("路灯坏了好几天", "")); sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
			t.Errorf("a staff account on the people's side: %v", err)
		}
		// The public role reaches nothing else.
		if _, _, err := db.Problems.FindProblems(publicCtx(), sanlian.ProblemFilter{}); sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
			t.Errorf("the public listing problems: %v", err)
		}
		if _, err := db.Problems.CreateProblem(publicCtx(), &sanlian.ProblemInput{Source: sanlian.SourceVisit, Category: "transport", VillageCode: sqldbtest.VillageA, Description: "走访登记"}); sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
			t.Errorf("the public entering a visit's problem: %v", err)
		}
		for _, code := range []string{"", "nonsense", "<script>", "ABCDE-FGHJK"} {
			if _, err := db.Public.TrackPublic(context.Background(), code); sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
				t.Errorf("tracking %q: %v", code, err)
			}
		}
	})
}

// TestPublic_Repeat: the same text from the same phone within a day is the
// same problem, also when both copies arrive at once.
func TestPublic_Repeat(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		first, err := db.Public.SubmitPublic(publicCtx(), submission("自来水管爆了，整组停水", "13912345678"))
		MustOK(t, err)
		var wg sync.WaitGroup
		got := make([]*sanlian.PublicReceipt, 8)
		for i := range got {
			wg.Go(func() {
				r, err := db.Public.SubmitPublic(publicCtx(), submission("  自来水管爆了，整组停水 ", "13912345678"))
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = r
			})
		}
		wg.Wait()
		for _, r := range got {
			if r != nil && (!r.Merged || r.Code != first.Code) {
				t.Errorf("repeat %+v, want merged into %s", r, first.Code)
			}
		}
		other, err := db.Public.SubmitPublic(publicCtx(), submission("自来水管爆了，整组停水", "13900000000"))
		MustOK(t, err)
		clockAt(db, "2021-05-11 09:01")
		later, err := db.Public.SubmitPublic(publicCtx(), submission("自来水管爆了，整组停水", "13912345678"))
		MustOK(t, err)
		if other.Merged || later.Merged || later.Code == first.Code {
			t.Errorf("another phone %+v, a day later %+v: want new problems", other, later)
		}
		ps, _, err := db.Problems.FindProblems(sqldbtest.As(users["office"]), sanlian.ProblemFilter{Limit: 100})
		MustOK(t, err)
		if len(ps) != 3 {
			t.Errorf("%d problems, want 3", len(ps))
		}
	})
}

// TestPublic_Challenges: a challenge is spent once, on every node.
func TestPublic_Challenges(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k1, err := db.Public.PublicKey(ctx)
		MustOK(t, err)
		other := sqldbtest.Reopen(t, db)
		k2, err := other.Public.PublicKey(ctx)
		MustOK(t, err)
		if len(k1) != 32 || string(k1) != string(k2) {
			t.Fatalf("keys differ between nodes or are short: %x %x", k1, k2)
		}
		exp := time.Now().Add(10 * time.Minute)
		MustOK(t, db.Public.SpendChallenge(ctx, "c1", exp))
		if err := other.Public.SpendChallenge(ctx, "c1", exp); sanlian.ErrorCode(err) != sanlian.ECONFLICT {
			t.Errorf("spent twice across nodes: %v", err)
		}
		if err := db.Public.SpendChallenge(ctx, "", exp); sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE {
			t.Errorf("empty id: %v", err)
		}
	})
}

// TestPublic_Results: the results page counts by township and shows closed
// problems without what could name anyone.
func TestPublic_Results(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		for i, v := range []string{sqldbtest.VillageA, sqldbtest.VillageA, sqldbtest.VillageC} {
			s := submission("第"+string(rune('一'+i))+"件事：住中心街12号，电话13912345678", "")
			s.VillageCode = v
			_, err := db.Public.SubmitPublic(publicCtx(), s)
			MustOK(t, err)
		}
		office := sqldbtest.As(users["office"])
		ps, _, err := db.Problems.FindProblems(office, sanlian.ProblemFilter{Limit: 10})
		MustOK(t, err)
		var p *sanlian.Problem
		for _, x := range ps {
			if x.VillageCode == sqldbtest.VillageA {
				p = x
			}
		}
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		p = act(t, db, users["cadre"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
		p = act(t, db, users["cadre"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "上门", Result: "已为住户（3栋501室）修好"})
		p = act(t, db, users["office"], p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "basic"})
		act(t, db, users["office"], p, sanlian.ActionClose, sanlian.ActionRequest{})
		res, err := db.Public.PublicResults(context.Background())
		MustOK(t, err)
		c := res.County
		if c.Collected != 3 || c.Closed != 1 || c.Resolved != 1 || c.Open != 2 || c.Callbacks != 1 || *c.Satisfaction != 1 || len(res.Townships) != 2 {
			t.Errorf("county %+v, townships %d", c, len(res.Townships))
		}
		if len(res.Closed) != 1 {
			t.Fatalf("closed %+v", res.Closed)
		}
		js, _ := json.Marshal(res.Closed)
		for _, secret := range []string{"12号", "13912345678", "501室", "3栋", "王大妈"} {
			if strings.Contains(string(js), secret) {
				t.Errorf("the results page shows %q: %s", secret, js)
			}
		}
	})
}
