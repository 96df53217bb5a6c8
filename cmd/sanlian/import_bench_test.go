package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb/sqldbtest"
	"sanlian/xlsx"
)

// BenchmarkImportWorkbook300k imports a workbook of 300,000 households, as
// `sanlian import households FILE` does: the .xlsx read from disk by the
// streaming reader, checked in a first pass that spools the parsed rows,
// written in one transaction in a second that replays them. It reports rows/s and the peak heap in use, sampled every
// 20 ms. Run with -benchtime=1x.
func BenchmarkImportWorkbook300k(b *testing.B) {
	const n = 300_000
	c := demo.Generate(demo.Options{Households: 1000, Seed: 3})
	var villages []string
	names := map[string]string{}
	for _, r := range c.Regions {
		names[r.Code] = r.Name
		if r.Kind == sanlian.RegionVillage {
			villages = append(villages, names[r.ParentCode]+r.Name)
		}
	}
	file := filepath.Join(b.TempDir(), "农户.xlsx")
	writeHouseholdBook(b, file, villages, n)
	fi, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("workbook: %d rows, %.1f MB", n, float64(fi.Size())/(1<<20))
	kind := sanlian.FindImportKind("households")
	// The baseline: only reading the workbook, once, as the checking pass does.
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			f, err := os.Open(file)
			if err != nil {
				b.Fatal(err)
			}
			src, err := xlsx.Workbooks{}.ReadImport(f, fi.Size(), kind)
			if err != nil {
				b.Fatal(err)
			}
			rows := 0
			for {
				r, err := src.Next()
				if err != nil {
					b.Fatal(err)
				}
				if r == nil {
					break
				}
				rows++
			}
			src.Close()
			f.Close()
			if rows != n {
				b.Fatalf("read %d rows, want %d", rows, n)
			}
		}
	})
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := sqldbtest.Open(b, engine)
				ctx := sanlian.NewSystemContext(context.Background())
				if err := db.LoadCounty(ctx, c); err != nil {
					b.Fatal(err)
				}
				f, err := os.Open(file)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				var peak atomic.Uint64
				stop, done := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(done)
					var ms runtime.MemStats
					tick := time.NewTicker(20 * time.Millisecond)
					defer tick.Stop()
					for {
						runtime.ReadMemStats(&ms)
						if ms.HeapInuse > peak.Load() {
							peak.Store(ms.HeapInuse)
						}
						select {
						case <-stop:
							return
						case <-tick.C:
						}
					}
				}()
				start := time.Now()
				b.StartTimer()
				open, cleanup := sanlian.SpoolRows(func() (sanlian.RowSource, error) {
					return xlsx.Workbooks{}.ReadImport(f, fi.Size(), kind)
				})
				rep, err := db.Lists.Import(ctx, kind, open)
				cleanup()
				b.StopTimer()
				took := time.Since(start)
				close(stop)
				<-done
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				if !rep.Committed || rep.Created != n {
					b.Fatalf("imported %d of %d: %v", rep.Created, n, rep.Errors[:min(5, len(rep.Errors))])
				}
				b.ReportMetric(float64(n)/took.Seconds(), "rows/s")
				b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "peak-heap-MB")
				b.StartTimer()
			}
		})
	}
}

// writeHouseholdBook writes n households spread over villages, with a
// title row above the header as county rosters have.
func writeHouseholdBook(tb testing.TB, name string, villages []string, n int) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	sw.SetRow("A1", []any{"安化县农户花名册"})
	sw.SetRow("A2", []any{"序号", "村(社区)", "户主姓名", "身份证号", "联系电话", "住址", "家庭人口", "三必访类别"})
	born := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		// Unique ID numbers: a birth date per 900 rows, a sequence within it.
		id := sqldbtest.IDNumber(fmt.Sprintf("430981%s%03d", born.AddDate(0, 0, i/900).Format("20060102"), 100+i%900))
		tags := ""
		if i%7 == 0 {
			tags = "低保、留守"
		}
		if err := sw.SetRow(cell, []any{i, villages[i%len(villages)], fmt.Sprintf("户主%d", i), id, 13800000000 + i,
			fmt.Sprintf("%d组%d号", i%12+1, i%97+1), i%6 + 1, tags}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(name); err != nil {
		tb.Fatal(err)
	}
}
