package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// householdFile generates n valid households over the villages of
// syntheticCounty, one row at a time, holding none of them: what a
// county's 300,000-row workbook yields through its RowSource.
type householdFile struct {
	n, i     int
	villages []string // 乡镇名+村名
}

func (f *householdFile) Next() (*sanlian.ImportRow, error) {
	if f.i == f.n {
		return nil, nil
	}
	f.i++
	i := f.i
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
	v := map[string]string{
		"village":   f.villages[(i-1)*len(f.villages)/f.n],
		"head_name": fmt.Sprintf("户主%d", i),
		"id_number": sqldbtest.IDNumber("430923" + birth.Format("20060102") + fmt.Sprintf("%03d", i%1000)),
		"phone":     fmt.Sprintf("139%08d", i),
		"address":   fmt.Sprintf("%d组%d号", i%12+1, i%200+1),
		"members":   fmt.Sprint(i%6 + 1),
	}
	switch {
	case i%37 == 0:
		v["tags"] = "矛盾多"
	case i%10 == 0:
		v["tags"] = "低保、留守"
	}
	return &sanlian.ImportRow{Line: i + 1, Values: v}, nil
}

func (f *householdFile) Close() error { return nil }

// BenchmarkImportHouseholds300k imports a county's 300,000 households into
// a database holding its regions, units and cadres (syntheticCounty
// without households): both passes, checking and writing. Besides time it
// reports rows a second and the peak heap in use above the heap before
// (sampled every 2 ms), which stays bounded because the file is streamed.
// Run it once per engine:
//
//	go test ./sqldb -run '^$' -bench ImportHouseholds300k -benchtime 1x
func BenchmarkImportHouseholds300k(b *testing.B) {
	const n = 300_000
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			if testing.Short() {
				b.Skip("300,000 households are not imported under -short")
			}
			county := syntheticCounty(0)
			names := map[string]string{}
			var villages []string
			for _, r := range county.Regions {
				names[r.Code] = r.Name
				if r.Kind == sanlian.RegionVillage {
					villages = append(villages, names[r.ParentCode]+r.Name)
				}
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, c := sqldbtest.Open(b, engine), syntheticCounty(0)
				if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), c); err != nil {
					b.Fatal(err)
				}
				office := c.Accounts[0].User
				peak := sampleHeap()
				b.StartTimer()
				rep, err := db.Lists.Import(sqldbtest.As(office), sanlian.FindImportKind("households"), func() (sanlian.RowSource, error) {
					return &householdFile{n: n, villages: villages}, nil
				})
				b.StopTimer()
				peak(b)
				if err != nil || !rep.Committed || rep.Created != n {
					b.Fatalf("import: %+v %v", rep, err)
				}
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
