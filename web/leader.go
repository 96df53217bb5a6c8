package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"sanlian"
)

// The leader's page (GET /leader): for each township linked to a leader,
// its visits, its 三必访 coverage and its problems, in a window of the
// visit coverage report (coverage_visits.go).

// leaderTownship is one linked township on the leader's page.
type leaderTownship struct {
	coverageLinks
	Code, Name string
	Cov        *sanlian.VisitCoverage
	Any        sanlian.KindCoverage
	Open       int
	Overdue    int
	PageURL    string // the township's full coverage page
}

// OpenURL lists the township's open problems.
func (t *leaderTownship) OpenURL() string {
	return "/problems?open=1&township=" + url.QueryEscape(t.Code)
}

// OverdueURL lists the township's overdue problems.
func (t *leaderTownship) OverdueURL() string {
	return "/problems?overdue=yes&township=" + url.QueryEscape(t.Code)
}

type leaderOption struct {
	CadreID   int64
	Name      string
	Townships []string
}

type leaderPage struct {
	basePage
	Form      *coverageForm
	Quick     []quickWindow
	Leader    string
	CadreID   int64
	Townships []*leaderTownship
	Leaders   []*leaderOption // the office's choice of leader
	Period    periodPicker
}

// leaderPage is GET /leader: for each township linked to the leader, the
// visits in the window, its 三必访 coverage, its open and overdue problems
// and what its units are doing. A leader sees their own townships; the
// office picks a leader with ?cadre_id=.
func (s *deskHandlers) leaderPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	picker, chosen, periodErr := pickWindow(r, s.cfg.Now())
	f, err := readCoverageForm(r, time.Now())
	if err != nil {
		return err
	}
	if !chosen && periodErr == "" {
		picker = windowPicker(f.Window.From, f.Window.To, s.cfg.Now())
	}
	status := http.StatusOK
	if periodErr != "" {
		status = http.StatusBadRequest
	}
	p := &leaderPage{basePage: s.base(r, "联系乡镇", "leader"), Form: f, Period: picker}
	p.CadreID = f.CadreID
	if p.User.Role == sanlian.RoleLeader {
		p.CadreID = p.User.CadreID
	}
	// The window's links keep the leader and drop the rest of the scope.
	p.Quick = quickWindows("/leader", &coverageForm{Window: f.Window, CadreID: p.CadreID}, time.Now())
	active := true
	if p.CadreID == 0 {
		links, _, err := s.Links.FindLinks(ctx, sanlian.LinkFilter{Kind: sanlian.LinkTownship, Active: &active, Limit: 500})
		if err != nil {
			return err
		}
		byCadre := map[int64]*leaderOption{}
		for _, l := range links {
			o := byCadre[l.CadreID]
			if o == nil {
				o = &leaderOption{CadreID: l.CadreID, Name: l.CadreName}
				byCadre[l.CadreID] = o
				p.Leaders = append(p.Leaders, o)
			}
			o.Townships = append(o.Townships, l.RegionName)
		}
		return s.render(w, r, status, "leader", p)
	}
	leader, err := s.Cadres.FindCadreByID(ctx, p.CadreID)
	if err != nil {
		return err
	}
	p.Leader = leader.Name
	links, _, err := s.Links.FindLinks(ctx, sanlian.LinkFilter{Kind: sanlian.LinkTownship, CadreID: p.CadreID, Active: &active, Limit: 100})
	if err != nil {
		return err
	}
	yes := true
	for _, l := range links {
		t := &leaderTownship{Code: l.RegionCode, Name: l.RegionName,
			coverageLinks: coverageLinks{W: f.Window, S: sanlian.CoverageScope{Kind: sanlian.ScopeTownship, ID: l.RegionCode}},
			PageURL:       (&coverageForm{Township: l.RegionCode}).pageURL("/coverage/visits", f.Window, "")}
		if t.Cov, err = s.Coverage.VisitCoverage(ctx, f.Window, t.S); err != nil {
			return err
		}
		for _, k := range t.Cov.MustVisit {
			if k.Kind == "any" {
				t.Any = k
			}
		}
		if t.Open, err = s.countProblems(r, sanlian.ProblemFilter{TownshipCode: l.RegionCode, Open: true}); err != nil {
			return err
		}
		if t.Overdue, err = s.countProblems(r, sanlian.ProblemFilter{TownshipCode: l.RegionCode, Overdue: &yes}); err != nil {
			return err
		}
		p.Townships = append(p.Townships, t)
	}
	return s.render(w, r, status, "leader", p)
}

// countProblems counts f's problems in all states, or in the open ones
// when f.Open.
func (s *deskHandlers) countProblems(r *http.Request, f sanlian.ProblemFilter) (int, error) {
	counts, err := s.Problems.CountProblemsByState(r.Context(), f)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range counts {
		if !f.Open || slices.Contains(sanlian.OpenStates, c.State) {
			n += c.Count
		}
	}
	return n, nil
}
