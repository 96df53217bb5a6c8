package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// BenchmarkNotices times the notices over a ledger of 50,000 problems
// whose county has accounts: an admin for each of its 64 units, the 23
// county leaders and 2,000 cadres. "daily" is the first run of the daily
// notices on 2025-01-06 (every open problem past its deadline tells its
// unit's admin and person), "daily_again" the same day again (every
// notice already there), "cards" the first supervision run, which gives
// each overdue problem a yellow card and tells its admin, person and
// township leader.
func BenchmarkNotices(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := problemTable(b, engine, 50_000)
			raw := benchRaw(b, c.db, false)
			ctx := context.Background()
			bind := func(q string) string { return q }
			if c.db.Dialect == sqldb.Postgres {
				bind = func(q string) string {
					out, n := []byte{}, 0
					for i := 0; i < len(q); i++ {
						if q[i] == '?' {
							n++
							out = append(out, fmt.Sprintf("$%d", n)...)
						} else {
							out = append(out, q[i])
						}
					}
					return string(out)
				}
			}
			var have int
			raw.QueryRow("SELECT COUNT(*) FROM users WHERE username LIKE 'bench%'").Scan(&have)
			if have == 0 {
				now := time.Now().UTC()
				ins := bind(`INSERT INTO users (username, display_name, password_hash, role, unit_id, cadre_id, created_at, updated_at)
					VALUES (?, ?, 'x', ?, ?, ?, ?, ?)`)
				for u := 1; u <= 64; u++ {
					if _, err := raw.Exec(ins, fmt.Sprintf("benchunit%d", u), "单位管理员", "unit_admin", u, nil, now, now); err != nil {
						b.Fatal(err)
					}
				}
				for i := 1; i <= 23; i++ {
					if _, err := raw.Exec(ins, fmt.Sprintf("benchleader%d", i), "县级领导", "leader", nil, i, now, now); err != nil {
						b.Fatal(err)
					}
				}
				for i := 24; i < 24+3*2000; i += 3 {
					if _, err := raw.Exec(ins, fmt.Sprintf("benchcadre%d", i), "干部", "cadre", nil, i, now, now); err != nil {
						b.Fatal(err)
					}
				}
			}
			at := shanghai("2025-01-06 00:00")
			count := func() float64 {
				var n int
				raw.QueryRow("SELECT COUNT(*) FROM notices").Scan(&n)
				return float64(n)
			}
			reset := func(tables ...string) {
				for _, t := range tables {
					if _, err := raw.Exec("DELETE FROM " + t); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("daily", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					reset("notices")
					b.StartTimer()
					MustOK(b, c.db.Notices.NoticesDailyAt(ctx, at))
				}
				b.ReportMetric(count(), "notices")
			})
			b.Run("daily_again", func(b *testing.B) {
				for b.Loop() {
					MustOK(b, c.db.Notices.NoticesDailyAt(ctx, at))
				}
			})
			b.Run("cards", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					reset("notices", "supervisions")
					b.StartTimer()
					MustOK(b, c.db.SupervisionLevelsAt(ctx, at))
				}
				b.ReportMetric(count(), "notices")
			})
			reset("notices", "supervisions")
		})
	}
}
