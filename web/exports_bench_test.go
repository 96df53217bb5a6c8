package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
	"sanlian/xlsx"
)

// BenchmarkHouseholdsExport downloads the household export of a demo
// county of SPEC §8's size (300,000 households; SANLIAN_BENCH_HOUSEHOLDS
// overrides it) through the real handler, as the office: every keyset page
// read, the workbook written (200,000 rows, then the note row) and its
// audit row recorded. Besides time it reports the peak heap in use above
// the heap before, and the file's size.
func BenchmarkHouseholdsExport(b *testing.B) {
	if testing.Short() {
		b.Skip("the 300,000-household county is not built under -short")
	}
	n := 300_000
	if v, err := strconv.Atoi(os.Getenv("SANLIAN_BENCH_HOUSEHOLDS")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.Open(b, engine)
			start := time.Now()
			// The county is dropped once loaded: held, its hundreds of
			// megabytes would let the garbage collector wait as long before
			// collecting, and the peak would measure that, not the export.
			if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), demo.Generate(demo.Options{Households: n})); err != nil {
				b.Fatal(err)
			}
			b.Logf("loaded %d households in %v", n, time.Since(start).Round(time.Millisecond))
			srv := web.New(web.Services{Users: db.Accounts, Regions: db.Org, Units: db.Org, Cadres: db.Org, Households: db.Org, Links: db.Org, Audit: db, Calendar: db,
				Problems: db.Problems, Attachments: db.Problems, Topics: db.Work, Visits: db.Work, Activities: db.Work, Coverage: db.Work, Projects: db.Lists, Resps: db.Lists, Lists: db.Lists,
				Imports: db.Lists, Sheets: xlsx.Workbooks{}, Ping: db.Ping}, web.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			ts := httptest.NewServer(srv)
			defer ts.Close()
			res, err := http.Post(ts.URL+"/api/v1/login", "application/json",
				strings.NewReader(`{"username":"office","password":"`+demo.Password+`"}`))
			if err != nil {
				b.Fatal(err)
			}
			var login struct{ Token string }
			json.NewDecoder(res.Body).Decode(&login)
			res.Body.Close()
			req, _ := http.NewRequest("GET", ts.URL+"/households/export.xlsx", nil)
			req.Header.Set("Authorization", "Bearer "+login.Token)

			b.ReportAllocs()
			peak := heapPeak()
			var size int64
			for b.Loop() {
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				size, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("export: %d, %v", res.StatusCode, err)
				}
			}
			peak(b)
			b.ReportMetric(float64(size)/(1<<20), "file-MB")
		})
	}
}

// heapPeak samples the heap in use every 2 ms until its result is called,
// which reports the peak above the heap at the start.
func heapPeak() func(*testing.B) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var top atomic.Uint64
	top.Store(base)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > top.Load() {
					top.Store(ms.HeapInuse)
				}
			}
		}
	}()
	return func(b *testing.B) {
		close(stop)
		<-done
		b.ReportMetric(float64(top.Load()-base)/(1<<20), "peak-heap-MB")
	}
}
