package web

import (
	"net/http"
	"net/url"

	"sanlian"
)

// homeFigure is one number on a workbench and the list behind it: the list at
// URL shows exactly Count items.
type homeFigure struct {
	ID    string // the element's id, also its data-count name
	Label string
	Count int
	URL   string
	Warn  bool   // red when not zero
	Unit  string // the measure word of 全部 N …, 件 when empty
}

// homeRows is how many rows a workbench panel shows before its 全部 link.
const homeRows = 8

// problemFigure counts the problems of the list /problems?query, reading
// the query as that list reads it, so that the homeFigure and the list agree;
// it also returns the list's first homeRows rows by deadline.
func (s *deskHandlers) problemFigure(r *http.Request, id, label, query string, warn bool) (homeFigure, []*sanlian.Problem, error) {
	u := &url.URL{Path: "/problems", RawQuery: query}
	p := newParams(&http.Request{URL: u})
	f := problemFilter(p)
	if err := p.err(); err != nil {
		return homeFigure{}, nil, err
	}
	fg := homeFigure{ID: id, Label: label, URL: u.String(), Warn: warn}
	counts, err := s.Problems.CountProblemsByState(r.Context(), f)
	if err != nil {
		return fg, nil, err
	}
	for _, c := range counts {
		if f.State == "" || c.State == f.State {
			fg.Count += c.Count
		}
	}
	f.Sort, f.Limit = "deadline", homeRows
	rows, _, err := s.Problems.FindProblems(r.Context(), f)
	return fg, rows, err
}

// pageAll reads every page of a list (bounded), keeping the first keep
// items, and returns them with the total.
func pageAll[T any](keep int, find func(cursor string) ([]T, string, error)) ([]T, int, error) {
	var out []T
	n, cursor := 0, ""
	for range 40 {
		items, next, err := find(cursor)
		if err != nil {
			return nil, 0, err
		}
		for _, it := range items {
			if len(out) < keep {
				out = append(out, it)
			}
		}
		n += len(items)
		if next == "" {
			break
		}
		cursor = next
	}
	return out, n, nil
}

type homeUnitPage struct {
	basePage
	UnitName string
	// Figures are the cards at the top: 待签收, 办理中, 已超期, 三个工作日内到期,
	// 配合办理待反馈.
	Figures                           []homeFigure
	Waiting, Overdue, DueSoon, CoOwed []*sanlian.Problem
	WaitingFig, OverdueFig, DueFig    homeFigure
	CoFig                             homeFigure
	// Reassign are the problems whose handling cadre has moved to another
	// unit (待重新分派); card and panel show only when there are some.
	Reassign       []*sanlian.Problem
	ReassignFig    homeFigure
	Supervisions   []*sanlian.Supervision
	SupFig         homeFigure
	SelfCriticisms []*sanlian.SelfCriticism
	SCFig          homeFigure
	// Projects and Resps are the overdue ones, then those due within
	// dueDays days.
	Projects            []*sanlian.Project
	ProjFig, ProjDueFig homeFigure
	Resps               []*sanlian.Responsibility
	RespFig, RespDueFig homeFigure
}

// dueDays is the window of the projects and responsibility lines a unit's
// workbench shows as coming due.
const dueDays = 14

// homeUnit is a unit admin's workbench: the items the unit and its
// sub-units lead (not those it only entered or co-handles), the
// co-handling parts it owes, and what the office awaits from it.
func (s *deskHandlers) homeUnit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := &homeUnitPage{basePage: s.base(r, "工作台", "home")}
	if unit, err := s.Units.FindUnitByID(ctx, p.User.UnitID); err == nil {
		p.UnitName = unit.Name
	} else if sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
		return err
	}
	var accepted homeFigure
	var err error
	if p.WaitingFig, p.Waiting, err = s.problemFigure(r, "count-assigned", "待签收", "own=1&state=assigned", false); err != nil {
		return err
	}
	if accepted, _, err = s.problemFigure(r, "count-accepted", "办理中", "own=1&state=accepted", false); err != nil {
		return err
	}
	if p.OverdueFig, p.Overdue, err = s.problemFigure(r, "count-overdue", "已超期", "own=1&overdue=yes", true); err != nil {
		return err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	soon := sanlian.DueSoonBefore(cal, s.cfg.Now()).In(sanlian.Shanghai).Format("2006-01-02")
	if p.DueFig, p.DueSoon, err = s.problemFigure(r, "count-due-soon", "三个工作日内到期", "own=1&overdue=no&due_before="+soon, false); err != nil {
		return err
	}
	if p.CoFig, p.CoOwed, err = s.problemFigure(r, "count-co-owed", "配合办理待反馈", "co_owed=1", true); err != nil {
		return err
	}
	p.Figures = []homeFigure{p.WaitingFig, accepted, p.OverdueFig, p.DueFig, p.CoFig}
	if p.ReassignFig, p.Reassign, err = s.problemFigure(r, "count-reassign", "待重新分派", "reassign=1", true); err != nil {
		return err
	}
	if p.ReassignFig.Count > 0 {
		p.Figures = append(p.Figures, p.ReassignFig)
	}

	sf := sanlian.SupervisionFilter{Unanswered: true, Limit: 500}
	var n int
	if p.Supervisions, n, err = pageAll(5, func(c string) ([]*sanlian.Supervision, string, error) {
		sf.Cursor = c
		return s.Supervisions.FindSupervisions(ctx, sf)
	}); err != nil {
		return err
	}
	p.SupFig = homeFigure{ID: "count-supervisions", Label: "督办通知待回复", Count: n, URL: "/supervisions?unanswered=1", Warn: true}

	scs, err := s.Bulletins.FindSelfCriticisms(ctx, sanlian.SelfCriticismFilter{State: sanlian.SelfCriticismOwed})
	if err != nil {
		return err
	}
	p.SCFig = homeFigure{ID: "count-self-criticisms", Label: "书面检讨待提交", Count: len(scs), URL: "/self-criticisms?state=owed", Warn: true}
	p.SelfCriticisms = scs[:min(len(scs), 5)]

	pf := sanlian.ProjectFilter{Overdue: true, Limit: 500}
	if p.Projects, n, err = pageAll(5, func(c string) ([]*sanlian.Project, string, error) {
		pf.Cursor = c
		return s.Projects.FindProjects(ctx, pf)
	}); err != nil {
		return err
	}
	p.ProjFig = homeFigure{ID: "count-projects-overdue", Label: "已超期", Count: n, URL: "/projects?overdue=1", Warn: true, Unit: "项"}
	dueBy := s.cfg.Now().In(sanlian.Shanghai).AddDate(0, 0, dueDays).Format("2006-01-02")
	pf = sanlian.ProjectFilter{DueBy: dueBy, Limit: 500}
	var more []*sanlian.Project
	if more, n, err = pageAll(5, func(c string) ([]*sanlian.Project, string, error) {
		pf.Cursor = c
		return s.Projects.FindProjects(ctx, pf)
	}); err != nil {
		return err
	}
	p.Projects = append(p.Projects, more...)[:min(len(p.Projects)+len(more), 5)]
	p.ProjDueFig = homeFigure{ID: "count-projects-due", Label: "14 天内到期", Count: n, URL: "/projects?due_by=" + dueBy, Unit: "项"}

	rf := sanlian.ResponsibilityFilter{Overdue: true, Entered: true, Limit: 500}
	if p.Resps, n, err = pageAll(5, func(c string) ([]*sanlian.Responsibility, string, error) {
		rf.Cursor = c
		return s.Resps.FindResponsibilities(ctx, rf)
	}); err != nil {
		return err
	}
	p.RespFig = homeFigure{ID: "count-resps-overdue", Label: "已超期", Count: n, URL: "/responsibilities?overdue=1&entered=1", Warn: true, Unit: "项"}
	rf = sanlian.ResponsibilityFilter{DueBy: dueBy, Entered: true, Limit: 500}
	var moreR []*sanlian.Responsibility
	if moreR, n, err = pageAll(5, func(c string) ([]*sanlian.Responsibility, string, error) {
		rf.Cursor = c
		return s.Resps.FindResponsibilities(ctx, rf)
	}); err != nil {
		return err
	}
	p.Resps = append(p.Resps, moreR...)[:min(len(p.Resps)+len(moreR), 5)]
	p.RespDueFig = homeFigure{ID: "count-resps-due", Label: "14 天内到期", Count: n, URL: "/responsibilities?due_by=" + dueBy + "&entered=1", Unit: "项"}
	return s.render(w, r, http.StatusOK, "home_unit", p)
}
