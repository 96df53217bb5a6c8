package sanlian

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

type sliceRows struct {
	rows []*ImportRow
	i    int
	fail int // Next fails at this index when > 0
}

func (s *sliceRows) Next() (*ImportRow, error) {
	if s.fail > 0 && s.i == s.fail {
		return nil, errors.New("broken")
	}
	if s.i == len(s.rows) {
		return nil, nil
	}
	s.i++
	return s.rows[s.i-1], nil
}

func (s *sliceRows) Close() error { return nil }

func drain(t *testing.T, src RowSource) []*ImportRow {
	t.Helper()
	var out []*ImportRow
	for {
		r, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			return out
		}
		out = append(out, r)
	}
}

func TestSpoolRows(t *testing.T) {
	var rows []*ImportRow
	for i := range 1000 {
		r := &ImportRow{Line: i + 3, Values: map[string]string{"head_name": fmt.Sprint("户主", i)}}
		if i%100 == 0 {
			r.Errors = []RowError{{Line: i + 3, Column: "身份证号", Message: "身份证号校验位不正确"}}
		}
		if i == 7 {
			r.Values = map[string]string{}
		}
		rows = append(rows, r)
	}
	reads := 0
	open, cleanup := SpoolRows(func() (RowSource, error) { reads++; return &sliceRows{rows: rows}, nil })
	defer cleanup()
	for pass := range 3 {
		src, err := open()
		if err != nil {
			t.Fatal(err)
		}
		got := drain(t, src)
		if !reflect.DeepEqual(got, rows) {
			t.Fatalf("pass %d: rows differ", pass)
		}
	}
	if reads != 1 {
		t.Errorf("the file was read %d times, want once", reads)
	}

	// A first pass that breaks off leaves the next one reading the file.
	reads = 0
	open2, cleanup2 := SpoolRows(func() (RowSource, error) {
		reads++
		if reads == 1 {
			return &sliceRows{rows: rows, fail: 10}, nil
		}
		return &sliceRows{rows: rows}, nil
	})
	defer cleanup2()
	src, _ := open2()
	for {
		if _, err := src.Next(); err != nil {
			break
		}
	}
	src, _ = open2()
	if got := drain(t, src); !reflect.DeepEqual(got, rows) || reads != 2 {
		t.Errorf("after a broken pass: %d rows, %d reads", len(got), reads)
	}
}
