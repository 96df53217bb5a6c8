package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestProblemService_CreateTogether: entries sent at once are written
// together, each on its own: the valid ones get consecutive numbers, each
// with its create event and audit row; the refused ones get their own
// field error and leave nothing behind, not even a number.
func TestProblemService_CreateTogether(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		const n = 40
		type res struct {
			p   *sanlian.Problem
			err error
		}
		out := make([]res, n)
		var wg sync.WaitGroup
		for i := range n {
			in := &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA, Source: sanlian.SourceHotline,
				Title: fmt.Sprintf("村道破损第%d处", i), Description: fmt.Sprintf("第%d处村道破损，群众出行不便", i), ReporterPhone: "13912345678"}
			switch i % 4 {
			case 1: // a category that does not exist, refused in the transaction
				in.Category = "no-such-category"
			case 2: // a household of another village, refused in the transaction
				in.HouseholdID = 11
			}
			u := users[[]string{"office", "cadre"}[i%2]]
			wg.Go(func() {
				p, err := db.Problems.CreateProblem(sqldbtest.As(u), in)
				out[i] = res{p, err}
			})
		}
		wg.Wait()
		var numbers []string
		for i, r := range out {
			switch i % 4 {
			case 1:
				if f := fieldErrors(r.err); f["category"] == "" {
					t.Errorf("entry %d: %v, want a category field error", i, r.err)
				}
			case 2:
				if f := fieldErrors(r.err); f["household_id"] == "" {
					t.Errorf("entry %d: %v, want a household_id field error", i, r.err)
				}
			default:
				if r.err != nil {
					t.Fatalf("entry %d: %v", i, r.err)
				}
				if r.p.Title != fmt.Sprintf("村道破损第%d处", i) || r.p.CreatedBy != users[[]string{"office", "cadre"}[i%2]].ID {
					t.Errorf("entry %d answered with %q by %d", i, r.p.Title, r.p.CreatedBy)
				}
				if r.p.ReporterPhone == "13912345678" {
					t.Errorf("entry %d: reporter phone not masked", i)
				}
				numbers = append(numbers, r.p.Number)
				evs, err := db.Problems.ProblemEvents(sqldbtest.As(users["office"]), r.p.ID)
				MustOK(t, err)
				if len(evs) != 1 || evs[0].Action != sanlian.ActionCreate {
					t.Errorf("entry %d: events %+v", i, evs)
				}
			}
		}
		sort.Strings(numbers)
		for i, num := range numbers {
			p, ok := sanlian.ParseProblemNumber(num)
			if !ok || p.Seq != i+1 {
				t.Errorf("numbers %v: want 1 to %d without gaps", numbers, len(numbers))
				break
			}
		}
		raw := MustRaw(t, db)
		var problems, audits int
		MustOK(t, raw.QueryRow(`SELECT COUNT(*) FROM problems`).Scan(&problems))
		MustOK(t, raw.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'problem'`).Scan(&audits))
		if problems != len(numbers) || audits != len(numbers) {
			t.Errorf("%d problems, %d audit rows, want %d of each", problems, audits, len(numbers))
		}
	})
}

// TestProblemService_CreateCanceled: an entry whose request is gone before
// it is queued is not written.
func TestProblemService_CreateCanceled(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx, cancel := context.WithCancel(sqldbtest.As(users["office"]))
		cancel()
		_, err := db.Problems.CreateProblem(ctx, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
			Title: "路灯不亮", Description: "路灯不亮，夜间出行不便"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		var n int
		MustOK(t, MustRaw(t, db).QueryRow(`SELECT COUNT(*) FROM problems`).Scan(&n))
		if n != 0 {
			t.Errorf("%d problems written", n)
		}
	})
}

func fieldErrors(err error) map[string]string { return sanlian.ErrorFields(err) }

// TestProblemService_CreateBatchRollsBackOne: an entry failing after it
// took its number and wrote its row rolls back alone: the entries before
// and after it in the same transaction are written, numbered without a
// gap, and nothing of the failed one remains.
func TestProblemService_CreateBatchRollsBackOne(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		// The reporter is written after the problem row and its number.
		trigger := `CREATE TRIGGER refuse_reporter BEFORE INSERT ON problem_reporters
			FOR EACH ROW WHEN (NEW.name = '拒收') BEGIN SELECT RAISE(ABORT, 'refused'); END`
		if db.Dialect == sqldb.Postgres {
			MustOK(t, db.ExecForTest(`CREATE FUNCTION refuse_reporter() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'refused'; END $$`))
			trigger = `CREATE TRIGGER refuse_reporter BEFORE INSERT ON problem_reporters
				FOR EACH ROW WHEN (NEW.name = '拒收') EXECUTE FUNCTION refuse_reporter()`
		}
		MustOK(t, db.ExecForTest(trigger))
		var ctxs []context.Context
		var ins []*sanlian.ProblemInput
		for i, name := range []string{"刘大爷", "拒收", "陈大娘"} {
			ctxs = append(ctxs, sqldbtest.As(users["office"]))
			ins = append(ins, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA, ReporterName: name,
				Title: fmt.Sprintf("桥梁护栏松动%d", i), Description: "桥梁护栏松动，存在安全隐患"})
		}
		out, errs := db.Problems.WriteBatchForTest(ctxs, ins)
		if errs[0] != nil || errs[2] != nil || errs[1] == nil {
			t.Fatalf("errors %v, want only the second", errs)
		}
		for i, want := range map[int]int{0: 1, 2: 2} {
			if n, ok := sanlian.ParseProblemNumber(out[i].Number); !ok || n.Seq != want {
				t.Errorf("entry %d numbered %q, want running number %d", i, out[i].Number, want)
			}
		}
		raw := MustRaw(t, db)
		var problems, reporters, events, audits int
		MustOK(t, raw.QueryRow(`SELECT COUNT(*) FROM problems`).Scan(&problems))
		MustOK(t, raw.QueryRow(`SELECT COUNT(*) FROM problem_reporters`).Scan(&reporters))
		MustOK(t, raw.QueryRow(`SELECT COUNT(*) FROM problem_events`).Scan(&events))
		MustOK(t, raw.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'problem'`).Scan(&audits))
		if problems != 2 || reporters != 2 || events != 2 || audits != 2 {
			t.Errorf("%d problems, %d reporters, %d events, %d audit rows; want 2 of each", problems, reporters, events, audits)
		}
		// The next entry takes the next number: the failed one left no gap.
		p := newProblem(t, db, users["office"], "路面塌陷")
		if n, _ := sanlian.ParseProblemNumber(p.Number); n.Seq != 3 {
			t.Errorf("next number %q, want running number 3", p.Number)
		}
	})
}

// TestProblemService_CreateBatchPanic: an entry that panics fails its
// whole batch, every job of it answered with an error and nothing
// written, and entries go on afterwards.
func TestProblemService_CreateBatchPanic(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := sqldbtest.As(users["office"])
		ok := &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA, Title: "涵洞堵塞", Description: "涵洞堵塞，雨天积水"}
		out, errs := db.Problems.WriteBatchForTest([]context.Context{ctx, ctx}, []*sanlian.ProblemInput{ok, nil}) // nil: a bug's panic
		for i, err := range errs {
			if err == nil || out[i] != nil {
				t.Errorf("job %d: %v, %v; want an error", i, out[i], err)
			}
		}
		var n int
		MustOK(t, MustRaw(t, db).QueryRow(`SELECT COUNT(*) FROM problems`).Scan(&n))
		if n != 0 {
			t.Errorf("%d problems written", n)
		}
		p := newProblem(t, db, users["office"], "路面塌陷")
		if num, _ := sanlian.ParseProblemNumber(p.Number); num.Seq != 1 {
			t.Errorf("next number %q, want running number 1", p.Number)
		}
	})
}
