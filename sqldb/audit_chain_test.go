package sqldb_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// auditWriter writes audit rows cheaply: one export record each.
var auditWriter = &sanlian.User{ID: 900, Username: "chain", Role: sanlian.RoleOffice}

func mustAuditRows(t testing.TB, db *sqldb.DB, n int) {
	t.Helper()
	for i := range n {
		MustOK(t, db.RecordExport(sqldbtest.As(auditWriter), "household", fmt.Sprintf("第 %d 次", i), i))
	}
}

func mustSeal(t testing.TB, db *sqldb.DB) int {
	t.Helper()
	n, err := db.SealAudit(context.Background())
	MustOK(t, err)
	return n
}

func mustVerify(t testing.TB, db *sqldb.DB, anchors ...sanlian.AuditAnchor) *sanlian.AuditReport {
	t.Helper()
	rep, err := db.VerifyAudit(context.Background(), anchors, time.Now())
	MustOK(t, err)
	return rep
}

// tamper runs stmts through a connection of its own, around the
// protections as someone holding the database would: on SQLite after
// dropping the triggers (and with foreign keys off, as the sqlite3 shell
// has them), on PostgreSQL as a superuser with session_replication_role
// = replica, which skips triggers, foreign keys included.
func tamper(t testing.TB, db *sqldb.DB, stmts ...string) {
	t.Helper()
	raw := MustRaw(t, db)
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	MustOK(t, err)
	defer conn.Close()
	pre := []string{"PRAGMA foreign_keys = OFF", "DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete",
		"DROP TRIGGER IF EXISTS audit_chain_no_update", "DROP TRIGGER IF EXISTS audit_chain_no_delete"}
	if db.Dialect == sqldb.Postgres {
		pre = []string{"SET session_replication_role = replica"}
		defer conn.ExecContext(ctx, "SET session_replication_role = DEFAULT")
	}
	for _, s := range append(pre, stmts...) {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestAuditChain_Columns checks that the canonical encoding covers every
// column of audit_log: a column added to the table and not to the chain
// would go unprotected.
func TestAuditChain_Columns(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		raw := MustRaw(t, db)
		q := "SELECT name FROM pragma_table_info('audit_log') ORDER BY cid"
		if db.Dialect == sqldb.Postgres {
			q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'audit_log' ORDER BY ordinal_position"
		}
		rows, err := raw.Query(q)
		MustOK(t, err)
		defer rows.Close()
		var cols []string
		for rows.Next() {
			var c string
			MustOK(t, rows.Scan(&c))
			cols = append(cols, c)
		}
		if strings.Join(cols, ",") != strings.Join(sanlian.AuditColumns, ",") {
			t.Fatalf("audit_log columns %v, the chain covers %v", cols, sanlian.AuditColumns)
		}
	})
}

func TestSealAudit_Clean(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		rows := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log")
		if rows == 0 {
			t.Fatal("the small county wrote no audit rows")
		}
		if rep := mustVerify(t, db); rep.Checked != 0 || rep.Unsealed != rows || !rep.OK() {
			t.Fatalf("before sealing: %+v, want nothing checked and %d unsealed, not stale", rep, rows)
		}
		if n := mustSeal(t, db); n != rows {
			t.Fatalf("sealed %d, want %d", n, rows)
		}
		if n := mustSeal(t, db); n != 0 {
			t.Fatalf("sealed %d again", n)
		}
		mustAuditRows(t, db, 3)
		if n := mustSeal(t, db); n != 3 {
			t.Fatalf("sealed %d new rows, want 3", n)
		}
		rep := mustVerify(t, db)
		seq, hash, err := db.AuditHead(context.Background())
		MustOK(t, err)
		if !rep.OK() || rep.Checked != rows+3 || rep.Unsealed != 0 || rep.HeadSeq != int64(rows+3) || rep.HeadHash != hash || seq != rep.HeadSeq {
			t.Fatalf("report %+v, head %d %s", rep, seq, hash)
		}
		// The chain's hashes are the pure rule's, row by row.
		var first, prev string
		MustOK(t, raw.QueryRow("SELECT hash, prev_hash FROM audit_chain WHERE seq = 1").Scan(&first, &prev))
		if prev != hex.EncodeToString(sanlian.AuditGenesis) || len(first) != 64 {
			t.Fatalf("first link %s after %s", first, prev)
		}
	})
}

// TestVerifyAudit_Tamper changes the log around its protections and
// checks that verify names what was done, and where.
func TestVerifyAudit_Tamper(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		stmts  []string
		reseal bool // run the sealer after tampering, as an attacker may
		kind   string
		seq    int64
		reason string
	}{
		{"UpdateField", []string{"UPDATE audit_log SET changes = '{}' WHERE id = 4"}, false,
			sanlian.ChainChanged, 4, "审计记录 #4（第 4 号链节）的内容与封存时不符"},
		{"UpdateActor", []string{"UPDATE audit_log SET actor_id = NULL WHERE id = 2"}, false,
			sanlian.ChainChanged, 2, "#2"},
		{"UpdateTime", []string{"UPDATE audit_log SET at = (SELECT at FROM audit_log WHERE id = 1) WHERE id = 5"}, false,
			sanlian.ChainChanged, 5, "#5"},
		{"DeleteRow", []string{"DELETE FROM audit_log WHERE id = 3"}, false,
			sanlian.ChainDeleted, 3, "审计记录 #3 已被删除"},
		{"DeleteRowAndLink", []string{"DELETE FROM audit_chain WHERE audit_id = 3", "DELETE FROM audit_log WHERE id = 3"}, false,
			sanlian.ChainGap, 3, "第 3 号链节缺失"},
		{"SwapContents", swapContents(2, 6), false,
			sanlian.ChainMoved, 2, "封存时的内容现在在 #6 中"},
		{"RelinkChain", []string{"UPDATE audit_chain SET prev_hash = hash WHERE seq = 5"}, false,
			sanlian.ChainPrev, 5, "链被改接"},
		{"DeleteTailAndReseal", []string{"UPDATE audit_log SET actor = 'nobody' WHERE id = 6", "DELETE FROM audit_chain WHERE seq >= 6"}, true,
			"", 0, ""}, // the chain holds again: only anchors catch it
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				mustAuditRows(t, db, 8)
				mustSeal(t, db)
				anchor, err := db.AnchorAudit(context.Background())
				MustOK(t, err)
				tamper(t, db, tc.stmts...)
				if tc.reseal {
					if n := mustSeal(t, db); n != 3 {
						t.Fatalf("resealed %d, want 3", n)
					}
				}
				rep := mustVerify(t, db)
				if tc.kind == "" {
					if rep.Failure != nil || !rep.OK() {
						t.Fatalf("without anchors: %+v %v", rep, rep.Failure)
					}
				} else {
					f := rep.Failure
					if f == nil || f.Kind != tc.kind || f.Seq != tc.seq || !strings.Contains(f.Reason, tc.reason) {
						t.Fatalf("failure %+v, want %s at %d with %q", f, tc.kind, tc.seq, tc.reason)
					}
					if rep.OK() || rep.Checked != int(tc.seq-1) {
						t.Fatalf("report %+v", rep)
					}
				}
				// The anchor taken before the tampering catches a rewritten
				// tail, and agrees with a chain changed only in the middle.
				rep = mustVerify(t, db, anchor)
				if tc.reseal {
					f := rep.AnchorFailure
					if rep.AnchorFailures != 1 || f == nil || !strings.Contains(f.Reason, "第 8 号链节哈希与库中不符") {
						t.Fatalf("anchor: %+v %+v", rep, f)
					}
				} else if tc.kind != sanlian.ChainGap && rep.AnchorFailures != 0 {
					t.Fatalf("anchor failed on a tamper that kept the links: %+v", rep.AnchorFailure)
				}
			})
		})
	}
}

// swapContents swaps every column but id of audit rows a and b.
func swapContents(a, b int) []string {
	cols := []string{"at", "actor_id", "actor", "action", "entity", "entity_id", "changes", "ip"}
	var sets, back []string
	for _, c := range cols {
		sets = append(sets, fmt.Sprintf("%s = (SELECT %s FROM audit_log WHERE id = %d)", c, c, b))
		back = append(back, fmt.Sprintf("%s = (SELECT %s FROM audit_log WHERE id = 0)", c, c))
	}
	return []string{
		fmt.Sprintf("INSERT INTO audit_log (id, at, actor_id, actor, action, entity, entity_id, changes, ip) SELECT 0, at, actor_id, actor, action, entity, entity_id, changes, ip FROM audit_log WHERE id = %d", a),
		fmt.Sprintf("UPDATE audit_log SET %s WHERE id = %d", strings.Join(sets, ", "), a),
		fmt.Sprintf("UPDATE audit_log SET %s WHERE id = %d", strings.Join(back, ", "), b),
		"DELETE FROM audit_log WHERE id = 0",
	}
}

// TestVerifyAudit_Unsealed checks that rows written around the app and
// never sealed are counted, and named once they are old enough to have
// been altered unseen.
func TestVerifyAudit_Unsealed(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		mustAuditRows(t, db, 2)
		mustSeal(t, db)
		raw := MustRaw(t, db)
		old := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
		for _, at := range []time.Time{old, time.Now().UTC()} {
			if _, err := raw.Exec(rebind(db, "INSERT INTO audit_log (at, actor, action, entity) VALUES (?, 'x', 'forged', 'user')"), at); err != nil {
				t.Fatal(err)
			}
		}
		rep := mustVerify(t, db)
		if rep.OK() || rep.Failure != nil || rep.Unsealed != 2 || rep.StaleCount != 1 || len(rep.Stale) != 1 || rep.Stale[0].Action != "forged" || !rep.Stale[0].At.Equal(old) {
			t.Fatalf("report %+v", rep)
		}
		if n := mustSeal(t, db); n != 2 {
			t.Fatalf("sealed %d", n)
		}
		if rep := mustVerify(t, db); !rep.OK() || rep.Checked != 4 || rep.Unsealed != 0 {
			t.Fatalf("after sealing: %+v", rep)
		}
	})
}

// TestAuditSealer_Concurrent runs writers on two handles (two nodes) with
// their background sealers on: every row ends up sealed once, in a chain
// that holds.
func TestAuditSealer_Concurrent(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		other := sqldbtest.Reopen(t, db)
		db.StartAuditSealer(nil)
		other.StartAuditSealer(nil)
		var wg sync.WaitGroup
		const writers, each = 6, 20
		errs := make(chan error, writers*each)
		for w := range writers {
			node := db
			if w%2 == 1 {
				node = other
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					errs <- node.RecordExport(sqldbtest.As(auditWriter), "household", fmt.Sprintf("w%d-%d", w, i), i)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			MustOK(t, err)
		}
		var rep *sanlian.AuditReport
		for deadline := time.Now().Add(15 * time.Second); ; {
			rep = mustVerify(t, db)
			if rep.Unsealed == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !rep.OK() || rep.Unsealed != 0 || rep.Checked != writers*each {
			t.Fatalf("report %+v, failure %v", rep, rep.Failure)
		}
		raw := MustRaw(t, db)
		if n := MustCount(t, raw, "SELECT COUNT(DISTINCT audit_id) FROM audit_chain"); n != writers*each {
			t.Fatalf("%d rows sealed, want %d", n, writers*each)
		}
	})
}

// TestAuditSealer_Close checks that closing a DB seals what it wrote, as
// a command line run does, and that the sealer stops.
func TestAuditSealer_Close(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		other := sqldbtest.Reopen(t, db)
		mustAuditRows(t, other, 3)
		if rep := mustVerify(t, db); rep.Unsealed != 3 {
			t.Fatalf("before close: %+v", rep)
		}
		MustOK(t, other.Close())
		if rep := mustVerify(t, db); rep.Unsealed != 0 || rep.Checked != 3 || !rep.OK() {
			t.Fatalf("after close: %+v", rep)
		}
		started := sqldbtest.Reopen(t, db)
		started.StartAuditSealer(nil)
		mustAuditRows(t, started, 2)
		MustOK(t, started.Close())
		if rep := mustVerify(t, db); rep.Unsealed != 0 || rep.Checked != 5 || !rep.OK() {
			t.Fatalf("after the started sealer's close: %+v", rep)
		}
	})
}

// TestAuditSealer_Nudge checks that a write is sealed soon after its
// commit, with nothing but the background sealer running.
func TestAuditSealer_Nudge(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		db.StartAuditSealer(nil)
		mustAuditRows(t, db, 1)
		start := time.Now()
		for mustVerify(t, db).Checked != 1 {
			if time.Since(start) > 10*time.Second {
				t.Fatal("not sealed after 10 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
		mustAuditRows(t, db, 1)
		for mustVerify(t, db).Checked != 2 {
			if time.Since(start) > 10*time.Second {
				t.Fatal("second row not sealed after 10 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestAuditJobs runs the scheduler's seal and anchor jobs.
func TestAuditJobs(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		mustAuditRows(t, db, 4)
		var got []sanlian.AuditAnchor
		MustOK(t, db.RegisterJob(sqldb.AuditSealJob, sanlian.JobDaily, sqldb.SealAuditJob))
		MustOK(t, db.RegisterJob(sqldb.AuditAnchorJob, sanlian.JobDaily, sqldb.AnchorAuditJob(func(_ context.Context, a sanlian.AuditAnchor) error {
			got = append(got, a)
			return nil
		})))
		_, err := db.RunDue(context.Background(), time.Now())
		MustOK(t, err)
		seq, hash, err := db.AuditHead(context.Background())
		MustOK(t, err)
		if seq != 4 || len(got) != 1 || got[0].Seq != 4 || got[0].Hash != hash || got[0].DB != db.Identity() {
			t.Fatalf("head %d %s, anchors %+v", seq, hash, got)
		}
		if rep := mustVerify(t, db, got...); !rep.OK() || rep.Anchors != 1 {
			t.Fatalf("report %+v", rep)
		}
	})
}

// TestMigrate_Current checks that migrating a current database changes
// nothing and needs no right to change the schema.
func TestMigrate_Current(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		pending, err := db.PendingMigrations(context.Background())
		MustOK(t, err)
		if len(pending) != 0 {
			t.Fatalf("pending %v", pending)
		}
		raw := MustRaw(t, db)
		before := MustCount(t, raw, "SELECT COUNT(*) FROM schema_migrations")
		MustOK(t, db.Migrate(context.Background()))
		if after := MustCount(t, raw, "SELECT COUNT(*) FROM schema_migrations"); after != before {
			t.Fatalf("schema_migrations %d → %d", before, after)
		}
	})
}

// TestSealAudit_OtherNode holds the seal's advisory lock as another node
// sealing would: SealAudit leaves the rows to it, then seals them once
// the lock is free.
func TestSealAudit_OtherNode(t *testing.T) {
	t.Parallel()
	if os.Getenv("SANLIAN_TEST_PG") == "" {
		t.Skip("SANLIAN_TEST_PG not set")
	}
	db := sqldbtest.Open(t, "postgres")
	mustAuditRows(t, db, 3)
	ctx := context.Background()
	conn, err := MustRaw(t, db).Conn(ctx)
	MustOK(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SELECT pg_advisory_lock($1, hashtext(current_schema()))", sqldb.SealLockKey)
	MustOK(t, err)
	if n := mustSeal(t, db); n != 0 {
		t.Fatalf("sealed %d while another node held the seal", n)
	}
	_, err = conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, hashtext(current_schema()))", sqldb.SealLockKey)
	MustOK(t, err)
	if n := mustSeal(t, db); n != 3 {
		t.Fatalf("sealed %d, want 3", n)
	}
}
