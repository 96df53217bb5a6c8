package web

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// Excel exports of the list pages: the workbook of one list page and the
// filter's words for its title. Each list's export lives beside its page,
// the problem list's in export.go.

// sheet is the workbook of one list page.
type sheet struct {
	name    string // of the list: the sheet's, the title's and the file's
	title   string // the list's full name for the title row, when it differs
	filter  string // the page's filters in Chinese, for the title row
	columns []sanlian.TableColumn
	// audit, when set, records the export once every row has been read,
	// before the first byte is sent: a failure to record it refuses the
	// download with the normal error page. rows counts the rows read,
	// one more than written when the workbook's row limit cut the list.
	audit func(rows int) error
}

// exportSheet streams a list as a workbook, numbering its rows (序号): find
// is called with each cursor in turn until it returns none, so that a
// page of at most exportPage items is all that is held, and row turns an
// item into the cells of the sheet's columns. Scope and masking are the
// services', as for the page.
func exportSheet[T any](s *Server, w http.ResponseWriter, r *http.Request, sh sheet,
	find func(cursor string) ([]T, string, error), row func(x T) []any) error {
	var page []T
	i, n, cursor, done := 0, 0, "", false
	next := func() ([]any, error) {
		// Keyset pages, one query each: a row changed between two queries
		// may show as it was or as it is, but none is read twice.
		for i == len(page) {
			if done {
				return nil, nil
			}
			items, c, err := find(cursor)
			if err != nil {
				return nil, err
			}
			page, i, cursor, done = items, 0, c, c == ""
		}
		i++
		n++
		return append([]any{n}, row(page[i-1])...), nil
	}
	now := time.Now().In(sanlian.Shanghai)
	title := cmp.Or(sh.title, sh.name)
	if sh.filter != "" {
		title += "（" + sh.filter + "）"
	}
	title += "  导出时间：" + now.Format("2006-01-02 15:04")
	out := &download{w: w, ctype: xlsxType, filename: sh.name + "-" + now.Format("2006-01-02") + ".xlsx"}
	var dst io.Writer = out
	if sh.audit != nil {
		dst = &beforeFirstByte{w: out, before: func() error { return sh.audit(n) }}
	}
	t := &sanlian.Table{Title: title, Sheet: sh.name, Columns: append([]sanlian.TableColumn{{Header: "序号", Width: 7}}, sh.columns...), Next: next}
	err := s.Sheets.WriteTable(dst, t)
	if err != nil && out.started {
		// Half a zip has gone out: break the connection so that the browser
		// reports a failed download rather than saving a truncated file.
		s.log.Error("export broke off", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// beforeFirstByte runs before once, ahead of the first write to w; its
// error is the write's.
type beforeFirstByte struct {
	w      io.Writer
	before func() error
	done   bool
}

func (b *beforeFirstByte) Write(p []byte) (int, error) {
	if !b.done {
		if err := b.before(); err != nil {
			return 0, err
		}
		b.done = true
	}
	return b.w.Write(p)
}

// onePage is a find over a list the service returns whole.
func onePage[T any](items []T, err error) func(string) ([]T, string, error) {
	return func(string) ([]T, string, error) { return items, "", err }
}

// filterText describes an export's filters in Chinese, "label：value"
// joined by "；"; names are looked up as the caller sees them, and one not
// found shows as its code.
type filterText struct {
	s     *Server
	ctx   context.Context
	parts []string
}

func (s *Server) describe(r *http.Request) *filterText { return &filterText{s: s, ctx: r.Context()} }

func (d *filterText) add(label, v string) {
	if v != "" {
		d.parts = append(d.parts, label+"："+v)
	}
}

func (d *filterText) region(label, code string) {
	if code == "" {
		return
	}
	name := code
	if rg, err := d.s.Regions.FindRegionByCode(d.ctx, code); err == nil {
		name = rg.Name
	}
	d.add(label, name)
}

func (d *filterText) unit(label string, id int64) {
	if id == 0 {
		return
	}
	name := strconv.FormatInt(id, 10)
	if u, err := d.s.Units.FindUnitByID(d.ctx, id); err == nil {
		name = u.Name
	}
	d.add(label, name)
}

func (d *filterText) cadre(label string, id int64) {
	if id == 0 {
		return
	}
	name := strconv.FormatInt(id, 10)
	if c, err := d.s.Cadres.FindCadreByID(d.ctx, id); err == nil {
		name = c.Name
	}
	d.add(label, name)
}

func (d *filterText) yesNo(label string, b *bool, yes, no string) {
	if b != nil {
		d.add(label, map[bool]string{true: yes, false: no}[*b])
	}
}

func (d *filterText) period(label, from, to string) {
	if from != "" || to != "" {
		d.add(label, from+" 至 "+to)
	}
}

func (d *filterText) String() string { return strings.Join(d.parts, "；") }

// instant is a time for a cell: empty when zero.
func instant(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
