package sqldb_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// benchRuledVillages is how many villages the routing benchmark adds to
// the small county, each with a rule for each of benchRuledCategories:
// 2,000 rules, a county with every village ruled.
const benchRuledVillages = 400

var benchRuledCategories = []string{"transport", "construction", "rural", "education", "elderly"}

// BenchmarkProblemCreate_Routing times entering a problem through the
// service with no routing rule (it waits in the office's queue), against
// the same entry with 2,000 rules, where the village's rule assigns it on
// entry (the match, the assignment, its deadlines, event, audit row and
// notices), and with 2,000 rules none of which matches. The ratios are to
// the entry without rules measured in the same run.
//
//	go test ./sqldb -run '^$' -bench 'ProblemCreate_Routing' -benchtime 2000x
func BenchmarkProblemCreate_Routing(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.Open(b, engine)
			users := sqldbtest.LoadSmall(b, db)
			raw := benchRaw(b, db, false)
			var villages []string
			now := time.Now().UTC()
			for i := range benchRuledVillages {
				code := fmt.Sprintf("430923102%03d", i+1)
				if _, err := raw.Exec(rebind(db, `INSERT INTO regions (code, name, kind, parent_code) VALUES (?, ?, 'village', ?)`),
					code, fmt.Sprintf("测试%d村", i+1), sqldbtest.Meicheng); err != nil {
					b.Fatal(err)
				}
				villages = append(villages, code)
			}
			ctx := sqldbtest.As(users["office"])
			var seq atomic.Int64
			entry := func(b *testing.B, key, base, category string) {
				for b.Loop() {
					i := int(seq.Add(1))
					t := benchTitles[i%len(benchTitles)]
					p, err := db.Problems.CreateProblem(ctx, &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: category,
						VillageCode: villages[i%len(villages)], ReporterName: "刘大爷", ReporterPhone: "13912345678",
						Title: t[0], Description: t[0] + "，" + t[1]})
					if err != nil {
						b.Fatal(err)
					}
					if routed := p.RuleID != 0; routed != (key == "ruled") {
						b.Fatalf("%s: rule %d", key, p.RuleID)
					}
				}
				reportRatio(b, engine+"/routing/"+key, base, "x-none")
			}
			b.Run("none", func(b *testing.B) { entry(b, "none", "", "transport") })
			n := 0
			for _, v := range villages {
				for s, cat := range benchRuledCategories {
					if _, err := raw.Exec(rebind(db, `INSERT INTO routing_rules (category, region_code, unit_id, person_id, sort, active, note,
						created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?, '', ?, ?)`), cat, v, 4, s, true, now, now); err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			if n != 2000 {
				b.Fatalf("%d rules", n)
			}
			b.Run("2000-rules", func(b *testing.B) { entry(b, "ruled", engine+"/routing/none", "transport") })
			b.Run("2000-rules-no-match", func(b *testing.B) { entry(b, "unmatched", engine+"/routing/none", "policy") })
		})
	}
}
