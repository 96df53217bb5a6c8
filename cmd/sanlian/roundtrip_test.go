package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/xlsx"
)

// TestListsRoundTrip exports the county's three lists from a demo county,
// imports the workbook into a database holding the same organisation but
// no problem, project or responsibility, exports again, and finds every
// cell of the three sheets identical below the title row.
func TestListsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			sys := sanlian.NewSystemContext(ctx)
			opt := demo.Options{Households: 400, Seed: 11}

			a := sqldbtest.Open(t, engine)
			if err := loadDemo(ctx, a, opt, 200, 0, 0, io.Discard); err != nil {
				t.Fatal(err)
			}
			first := exportLists(t, sys, a)

			b := sqldbtest.Open(t, engine)
			if err := b.LoadCounty(sys, demo.Generate(opt)); err != nil {
				t.Fatal(err)
			}
			for _, code := range []string{"problems", "projects", "responsibilities"} {
				kind := sanlian.FindImportKind(code)
				rep, err := b.Lists.Import(sys, kind, func() (sanlian.RowSource, error) {
					return xlsx.ReadImport(bytes.NewReader(first), int64(len(first)), kind)
				})
				if err != nil {
					t.Fatalf("import %s: %v", code, err)
				}
				if !rep.Committed || len(rep.Errors) > 0 {
					t.Fatalf("import %s: %d rows, errors %v", code, rep.Rows, rep.Errors)
				}
				t.Logf("%s: %d rows, %d written, %d derived lines skipped", code, rep.Rows, rep.Created, rep.Skipped)
			}
			second := exportLists(t, sys, b)

			fa, fb := openBook(t, first), openBook(t, second)
			for _, sh := range []string{xlsx.ListProblemSheet, xlsx.ListProjectSheet, xlsx.ListRespSheet} {
				ra, err := fa.GetRows(sh)
				if err != nil {
					t.Fatal(err)
				}
				rb, err := fb.GetRows(sh)
				if err != nil {
					t.Fatal(err)
				}
				if len(ra) < 3 {
					t.Errorf("%s: only %d rows: the demo lists are empty", sh, len(ra))
				}
				if len(ra) != len(rb) {
					t.Errorf("%s: %d rows exported, %d after the round trip", sh, len(ra), len(rb))
					continue
				}
				diffs := 0
				for i := 1; i < len(ra); i++ { // row 1 is the title
					if !equalRow(ra[i], rb[i]) {
						if diffs++; diffs <= 5 {
							t.Errorf("%s row %d:\n  before %q\n  after  %q", sh, i+1, ra[i], rb[i])
						}
					}
				}
				if diffs > 0 {
					t.Errorf("%s: %d of %d rows differ", sh, diffs, len(ra)-1)
				}
			}
		})
	}
}

// exportLists writes the county's three lists as the office sees them.
func exportLists(t *testing.T, ctx context.Context, db *sqldb.DB) []byte {
	t.Helper()
	l, err := db.Lists.FindLists(ctx, sanlian.ListsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := xlsx.WriteLists(&buf, "安化县三个清单", l); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openBook(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// equalRow compares two rows cell by cell; excelize leaves trailing empty
// cells out.
func equalRow(a, b []string) bool {
	for len(a) > 0 && a[len(a)-1] == "" {
		a = a[:len(a)-1]
	}
	for len(b) > 0 && b[len(b)-1] == "" {
		b = b[:len(b)-1]
	}
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
