package web

import (
	"net/http"

	"sanlian"
)

// listsOnPage is how many lines of each list the page shows; the counts
// and the workbook cover them all.
const listsOnPage = 100

// listsFilter reads ?unit= or ?person= (a cadre id).
func listsFilter(p *params) sanlian.ListsFilter {
	return sanlian.ListsFilter{UnitID: p.int64("unit"), PersonID: p.int64("person")}
}

func (s *listHandlers) apiLists(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := listsFilter(p)
	f.Limit = p.limit()
	if err := p.err(); err != nil {
		return err
	}
	l, err := s.Lists.FindLists(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

type listsPage struct {
	basePage
	L     *sanlian.ThreeLists
	Shown int
}

func (s *listHandlers) listsPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := listsFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	f.Limit = listsOnPage
	l, err := s.Lists.FindLists(r.Context(), f)
	if err != nil {
		return err
	}
	page := &listsPage{basePage: s.base(r, l.Name+"三个清单", "lists"), L: l, Shown: listsOnPage}
	return s.render(w, r, http.StatusOK, "lists", page)
}

func (s *listHandlers) listsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := listsFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	l, err := s.Lists.FindLists(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.cfg.Now().In(sanlian.Shanghai)
	name := l.Name
	if l.PersonID != 0 && l.UnitName != "" {
		name = l.UnitName + l.Name
	}
	out := &download{w: w, ctype: xlsxType, filename: name + "三个清单-" + now.Format("2006-01-02") + ".xlsx"}
	err = s.Sheets.WriteLists(out, name+"三个清单（"+now.Format("2006-01-02")+"）", l)
	if err != nil && out.started {
		s.log.Error("lists export broke off", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}
