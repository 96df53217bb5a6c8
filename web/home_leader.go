package web

import (
	"net/http"
	"net/url"

	"sanlian"
)

// leaderLoadRow is one linked township's problems and its 三必访 coverage
// in the month.
type leaderLoadRow struct {
	sanlian.TownshipLoad
	coverageLinks
	Open, Overdue, Red wbFigure
	Visited, Missed    wbFigure
	MustVisit          int
	DetailURL          string // the township on the leader's page
}

// redRow is a red-card problem with the notice a 督办 would send.
type redRow struct {
	*sanlian.Problem
	Draft string
}

// projectRow is a project on the leader's workbench, with how far it
// trails its schedule.
type projectRow struct {
	*sanlian.Project
	Lag int
}

type homeLeaderPage struct {
	basePage
	Window    sanlian.Window
	Townships []*leaderLoadRow
	Red       wbFigure
	RedRows   []redRow
	ReplyDue  string
	TodayDate string
	Stalled   wbFigure
	StallRows []projectRow
	Behind    []projectRow
}

// homeLeader is a county leader's workbench, over their linked townships
// only: open, overdue and red-card problems per township with a 督办 on
// each red card, the month's 三必访 coverage, and stalled service projects.
func (s *deskHandlers) homeLeader(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := s.cfg.Now()
	p := &homeLeaderPage{basePage: s.base(r, "工作台", "home"), Window: sanlian.MonthWindow(now), TodayDate: todayDate()}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	p.ReplyDue = sanlian.NoticeReplyDue(cal, now)

	loads, err := s.Workbench.TownshipLoads(ctx)
	if err != nil {
		return err
	}
	for _, l := range loads {
		q := url.QueryEscape(l.Code)
		row := &leaderLoadRow{TownshipLoad: l,
			coverageLinks: coverageLinks{W: p.Window, S: sanlian.CoverageScope{Kind: sanlian.ScopeTownship, ID: l.Code}},
			Open:          wbFigure{l.Open, "/problems?open=1&township=" + q},
			Overdue:       wbFigure{l.Overdue, "/problems?overdue=yes&township=" + q},
			Red:           wbFigure{l.Red, "/problems?card=red&township=" + q},
			DetailURL:     "/leader#township-" + l.Code}
		cov, err := s.Coverage.VisitCoverage(ctx, p.Window, row.S)
		if err != nil {
			return err
		}
		for _, k := range cov.MustVisit {
			if k.Kind == "any" {
				row.MustVisit = k.Total
				row.Visited = wbFigure{k.Visited, row.HouseholdsURL("any", "yes")}
				row.Missed = wbFigure{k.Total - k.Visited, row.HouseholdsURL("any", "no")}
			}
		}
		p.Townships = append(p.Townships, row)
		p.Red.N += l.Red
	}
	p.Red.URL = "/problems?card=red"

	reds, _, err := s.Problems.FindProblems(ctx, sanlian.ProblemFilter{Card: sanlian.LevelRed, Limit: workbenchRows})
	if err != nil {
		return err
	}
	for _, pr := range reds {
		p.RedRows = append(p.RedRows, redRow{Problem: pr, Draft: sanlian.NoticeDraft(pr, p.ReplyDue)})
	}

	today := now.In(sanlian.Shanghai).Format("2006-01-02")
	stalled, _, err := s.Projects.FindProjects(ctx, sanlian.ProjectFilter{Stalled: true, Limit: 500})
	if err != nil {
		return err
	}
	p.Stalled = wbFigure{len(stalled), "/projects?stalled=1"}
	for i, pj := range stalled {
		if i == workbenchRows {
			break
		}
		p.StallRows = append(p.StallRows, projectRow{Project: pj, Lag: sanlian.ScheduleLag(pj, today)})
	}
	ongoing, _, err := s.Projects.FindProjects(ctx, sanlian.ProjectFilter{Status: sanlian.ProjectOngoing, Limit: 500})
	if err != nil {
		return err
	}
	for _, pj := range ongoing {
		if len(p.Behind) < 5 && !pj.Stalled && sanlian.ProjectBehind(pj, today) {
			p.Behind = append(p.Behind, projectRow{Project: pj, Lag: sanlian.ScheduleLag(pj, today)})
		}
	}
	return s.render(w, r, http.StatusOK, "home_leader", p)
}
