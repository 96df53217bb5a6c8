package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// clockAt pins db's clock to a Shanghai wall time.
func clockAt(db *sqldb.DB, s string) {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, sanlian.Shanghai)
	if err != nil {
		panic(err)
	}
	db.Now = func() time.Time { return t }
}

func newProblem(t *testing.T, db *sqldb.DB, u *sanlian.User, title string) *sanlian.Problem {
	t.Helper()
	p, err := db.Problems.CreateProblem(sqldbtest.As(u), &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
		Title: title, Description: title + "，群众反映强烈", ReporterName: "刘大爷", ReporterPhone: "13912345678"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func act(t *testing.T, db *sqldb.DB, u *sanlian.User, p *sanlian.Problem, action string, req sanlian.ActionRequest) *sanlian.Problem {
	t.Helper()
	req.Version = p.Version
	out, err := db.Problems.Act(sqldbtest.As(u), p.ID, action, req)
	if err != nil {
		t.Fatalf("%s: %v %v", action, err, sanlian.ErrorFields(err))
	}
	return out
}

// TestProblemService_Lifecycle walks a problem from entry to 销号 on the
// working-day clock: entered Friday 2021-04-30, assigned the same day,
// accept by the next working day (Thursday 2021-05-06, after the May Day
// holiday), resolve within 15 working days (2021-05-25).
func TestProblemService_Lifecycle(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-04-30 10:00")
		p := newProblem(t, db, users["cadre"], "村口路灯坏了")
		if p.Number != "安化-2021-000001" || p.State != sanlian.StateSubmitted || p.ReporterPhone != "139****5678" {
			t.Fatalf("created: %+v", p)
		}
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		if got := p.AcceptDue.In(sanlian.Shanghai).Format("2006-01-02 15:04"); got != "2021-05-07 00:00" {
			t.Errorf("accept due %s, want 2021-05-07 00:00 (24:00 of 2021-05-06)", got)
		}
		if got := p.ResolveDue.In(sanlian.Shanghai).Format("2006-01-02 15:04"); got != "2021-05-26 00:00" {
			t.Errorf("resolve due %s, want 2021-05-26 00:00 (24:00 of 2021-05-25)", got)
		}
		clockAt(db, "2021-05-07 09:00")
		if p, _ = db.Problems.FindProblemByID(sqldbtest.As(users["office"]), p.ID); !p.Overdue {
			t.Error("not accepted by the accept deadline, yet not overdue")
		}
		p = act(t, db, users["cadre"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
		p = act(t, db, users["cadre"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换灯泡 3 个", Result: "路灯已恢复"})
		p = act(t, db, users["office"], p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "unsatisfied"})
		if p.State != sanlian.StateAccepted || p.Reopened != 1 {
			t.Errorf("unsatisfied callback: state %s reopened %d", p.State, p.Reopened)
		}
		p = act(t, db, users["unitadmin"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "加装 2 盏新灯", Result: "全部点亮"})
		p = act(t, db, users["office"], p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
		p = act(t, db, users["office"], p, sanlian.ActionClose, sanlian.ActionRequest{Note: "销号"})
		if p.State != sanlian.StateClosed {
			t.Errorf("state %s", p.State)
		}
		evs, err := db.Problems.ProblemEvents(sqldbtest.As(users["office"]), p.ID)
		MustOK(t, err)
		var trail []string
		for _, e := range evs {
			trail = append(trail, e.Action+":"+e.ToState)
		}
		want := "create:submitted assign:assigned accept:accepted resolve:resolved callback:accepted resolve:resolved callback:resolved close:closed"
		if strings.Join(trail, " ") != want {
			t.Errorf("timeline %v, want %s", trail, want)
		}
	})
}

// TestProblemService_Concurrent: 20 goroutines race to act on the same
// problem with the same version; exactly one wins each round and the
// timeline has no gaps or doubles.
func TestProblemService_Concurrent(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		p := newProblem(t, db, users["cadre"], "饮水管道漏水")
		p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		const rounds, racers = 5, 20
		for round := 0; round < rounds; round++ {
			var wg sync.WaitGroup
			wins := make([]bool, racers)
			errs := make([]error, racers)
			for i := 0; i < racers; i++ {
				wg.Go(func() {
					_, err := db.Problems.Act(sqldbtest.As(users["unitadmin"]), p.ID, sanlian.ActionAssign,
						sanlian.ActionRequest{Version: p.Version, PersonID: []int64{2, 6}[i%2], Note: fmt.Sprintf("第%d轮第%d个", round, i)})
					wins[i], errs[i] = err == nil, err
				})
			}
			wg.Wait()
			n := 0
			for i, w := range wins {
				if w {
					n++
				} else if sanlian.ErrorCode(errs[i]) != sanlian.ECONFLICT {
					t.Fatalf("round %d racer %d: %v", round, i, errs[i])
				}
			}
			if n != 1 {
				t.Fatalf("round %d: %d winners, want 1", round, n)
			}
			var err error
			if p, err = db.Problems.FindProblemByID(sqldbtest.As(office), p.ID); err != nil {
				t.Fatal(err)
			}
			if p.Version != int64(3+round) {
				t.Fatalf("round %d: version %d", round, p.Version)
			}
		}
		evs, err := db.Problems.ProblemEvents(sqldbtest.As(office), p.ID)
		MustOK(t, err)
		if len(evs) != 2+rounds {
			t.Errorf("%d events, want %d", len(evs), 2+rounds)
		}
	})
}

var _ = context.Background

// TestProblemService_TransferOutOfScope: a unit admin passes a problem to
// another unit, which takes it out of their own scope.
func TestProblemService_TransferOutOfScope(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := newProblem(t, db, users["office"], "不属本单位职责")
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		p = act(t, db, users["unitadmin"], p, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: 3, Reason: "属地管理"})
		if p.State != sanlian.StateAssigned || p.UnitID != 3 {
			t.Errorf("after transfer: %s unit %d", p.State, p.UnitID)
		}
		if _, err := db.Problems.FindProblemByID(sqldbtest.As(users["unitadmin"]), p.ID); sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
			t.Errorf("the transferring unit still sees it: %v", err)
		}
	})
}

// TestProblemService_DeadlinePages walks the deadline order two at a time:
// every problem with a deadline once, soonest first, ties by id.
func TestProblemService_DeadlinePages(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		for i, day := range []string{"2021-05-06", "2021-05-06", "2021-05-10", "2021-05-07", "2021-05-06", "2021-05-11", "2021-05-10"} {
			clockAt(db, day+" 09:00")
			p := newProblem(t, db, office, fmt.Sprintf("问题%d", i))
			act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		}
		newProblem(t, db, office, "未交办，没有期限")
		var seen []*sanlian.Problem
		cursor := ""
		for {
			ps, next, err := db.Problems.FindProblems(sqldbtest.As(office), sanlian.ProblemFilter{Sort: "deadline", Limit: 2, Cursor: cursor})
			MustOK(t, err)
			seen = append(seen, ps...)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 7 {
			t.Fatalf("%d problems, want 7", len(seen))
		}
		for i := 1; i < len(seen); i++ {
			a, b := seen[i-1], seen[i]
			if b.ResolveDue.Before(a.ResolveDue) || (b.ResolveDue.Equal(a.ResolveDue) && b.ID <= a.ID) {
				t.Errorf("out of order at %d: %s #%d then %s #%d", i, a.ResolveDue, a.ID, b.ResolveDue, b.ID)
			}
		}
	})
}
