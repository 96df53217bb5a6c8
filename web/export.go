package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"sanlian"
)

// exportPage is how many problems the export reads a query at a time: the
// largest page the services give, and all the export holds in memory.
const exportPage = 500

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// problemsExport is GET /problems/export.xlsx: the problem list with the
// list's filters, every page of it, as a workbook. Scope is the services'
// as for the list. The workbook is assembled before its first byte is
// sent, so a failing query still gets the normal error page. No audit row
// is written: the services offer no export event, and the phones in it are
// masked.
func (s *problemHandlers) problemsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := problemFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	ctx := r.Context()
	f.Cursor, f.Limit = "", exportPage
	// Keyset pages, one query each: rows changed between two queries may
	// show as they were or as they are, but none is read twice when sorted
	// by number.
	var page []*sanlian.Problem
	i, done := 0, false
	next := func() (*sanlian.Problem, error) {
		for i == len(page) {
			if done {
				return nil, nil
			}
			items, cursor, err := s.Problems.FindProblems(ctx, f)
			if err != nil {
				return nil, err
			}
			page, i, f.Cursor, done = items, 0, cursor, cursor == ""
		}
		i++
		return page[i-1], nil
	}
	now := time.Now().In(sanlian.Shanghai)
	title := "问题清单"
	if d := s.describeProblemFilter(r, f); d != "" {
		title += "（" + d + "）"
	}
	title += "  导出时间：" + now.Format("2006-01-02 15:04")
	out := &download{w: w, ctype: xlsxType, filename: "问题清单-" + now.Format("2006-01-02") + ".xlsx"}
	err := s.Sheets.WriteProblems(out, title, next)
	if err != nil && out.started {
		// Half a zip has gone out: no error page can follow it. Break the
		// connection so that the browser reports a failed download rather
		// than saving a truncated file.
		s.log.Error("problem export broke off", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// download is a response that sends its headers with its first byte, so
// that an error before any byte leaves the response free for an error page.
type download struct {
	w        http.ResponseWriter
	ctype    string
	filename string
	started  bool
}

func (d *download) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", d.ctype)
		h.Set("Content-Disposition", contentDisposition("attachment", d.filename))
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(b)
}

// describeProblemFilter says in Chinese which filters the export applies,
// for its title row. A name it cannot look up shows as the code.
func (s *problemHandlers) describeProblemFilter(r *http.Request, f sanlian.ProblemFilter) string {
	ctx := r.Context()
	q := r.URL.Query()
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+"："+v)
		}
	}
	switch {
	case f.State != "":
		add("状态", sanlian.StateLabel(f.State))
	case f.Open:
		add("状态", "未办结")
	}
	if f.Category != "" {
		name := f.Category
		if cs, err := s.Problems.FindCategories(ctx, true); err == nil {
			for _, c := range cs {
				if c.Code == f.Category {
					name = c.Name
				}
			}
		}
		add("类别", name)
	}
	if f.Source != "" {
		add("来源", sanlian.SourceLabel(f.Source))
	}
	region := func(code string) string {
		if code == "" {
			return ""
		}
		if rg, err := s.Regions.FindRegionByCode(ctx, code); err == nil {
			return rg.Name
		}
		return code
	}
	add("乡镇", region(f.TownshipCode))
	add("村(社区)", region(f.VillageCode))
	if f.UnitID != 0 {
		name := fmt.Sprint(f.UnitID)
		if u, err := s.Units.FindUnitByID(ctx, f.UnitID); err == nil {
			name = u.Name
		}
		add("责任单位", name)
	}
	if f.PersonID != 0 {
		name := fmt.Sprint(f.PersonID)
		if c, err := s.Cadres.FindCadreByID(ctx, f.PersonID); err == nil {
			name = c.Name
		}
		add("责任人", name)
	}
	if f.Mine {
		add("范围", "我的")
	}
	switch f.Urgency {
	case sanlian.UrgencyUrgent:
		add("紧急程度", "紧急")
	case sanlian.UrgencyNormal:
		add("紧急程度", "一般")
	}
	if f.Overdue != nil {
		add("是否超期", map[bool]string{true: "是", false: "否"}[*f.Overdue])
	}
	period := func(label, name string) {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			add(label, v)
		} else if from, to := strings.TrimSpace(q.Get(name+"_from")), strings.TrimSpace(q.Get(name+"_to")); from != "" || to != "" {
			add(label, from+" 至 "+to)
		}
	}
	period("登记期间", "created")
	period("办结期间", "resolved")
	add("关键词", f.Q)
	if f.Sort == "deadline" {
		add("排序", "按办结期限")
	}
	return strings.Join(parts, "；")
}
