package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestDemoOpen311 plays the demo's Open311 on a demo county: two keys, and
// twenty requests through them spread over the last six months.
func TestDemoOpen311(t *testing.T) {
	ctx := context.Background()
	db, c := smallDemoCounty(t)
	var out bytes.Buffer
	if err := playDemo(db, &out, "Open311 keys", func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
		return demoOpen311(ctx, db, setNow, c, today, 5)
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "12345热线") || !strings.Contains(out.String(), sanlian.APIKeyPrefix) {
		t.Fatalf("summary: %s", out.String())
	}
	keys, err := db.Public.FindAPIKeys(sanlian.NewSystemContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, k := range keys {
		total += k.Requests
	}
	if len(keys) != 2 || keys[0].Source != sanlian.SourceOther || keys[1].Source != sanlian.SourceHotline || total != 20 {
		t.Fatalf("keys %d, requests %d", len(keys), total)
	}
	all, err := db.Public.FindOpen311Requests(ctx, sanlian.Open311Filter{Start: time.Now().AddDate(0, -7, 0)})
	if err != nil {
		t.Fatal(err)
	}
	recent, err := db.Public.FindOpen311Requests(ctx, sanlian.Open311Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 20 || len(recent) == 0 || len(recent) == 20 {
		t.Fatalf("requests: %d in seven months, %d in the default 90 days", len(all), len(recent))
	}
	t.Log(strings.TrimSpace(out.String()))
}

// smallDemoCounty is a demo county of 300 households on SQLite, for the
// tests of one demo part.
func smallDemoCounty(t *testing.T) (*sqldb.DB, *sanlian.County) {
	t.Helper()
	db := sqldbtest.Open(t, "sqlite")
	c := demo.Generate(demo.Options{Households: 300, Seed: 5})
	if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), c); err != nil {
		t.Fatal(err)
	}
	return db, c
}
