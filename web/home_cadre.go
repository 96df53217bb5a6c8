package web

import (
	"net/http"
	"strconv"

	"sanlian"
)

// cadreHouseholdRows is how many linked households the cadre's home lists.
const cadreHouseholdRows = 10

type homeCadrePage struct {
	basePage
	Households     []*sanlian.LinkedHousehold // the first cadreHouseholdRows
	HouseholdsFig  homeFigure
	MustVisitNever int          // must-visit households never visited
	Figures        []homeFigure // the cadre's problems by state, overdue
	Open           []*sanlian.Problem
	OpenFig        homeFigure
	Lists          *sanlian.ThreeLists
	ListsURL       string
}

// homeCadre is a cadre's workbench, phone first: the 登记走访 button,
// their linked households (must-visit first, by days since the last
// visit), their problems and their three lists; no county figures.
func (s *deskHandlers) homeCadre(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := &homeCadrePage{basePage: s.base(r, "工作台", "home")}
	hs, err := s.Workbench.CadreHouseholds(ctx)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if h.MustVisit() && h.DaysSince < 0 {
			p.MustVisitNever++
		}
	}
	p.Households = hs[:min(len(hs), cadreHouseholdRows)]
	cadre := strconv.FormatInt(p.User.CadreID, 10)
	p.HouseholdsFig = homeFigure{ID: "count-households", Label: "联系户", Count: len(hs), URL: "/households?cadre_id=" + cadre, Unit: "户"}
	for _, q := range []struct{ id, label, query string }{
		{"count-assigned", "待签收", "mine=1&state=assigned"},
		{"count-accepted", "办理中", "mine=1&state=accepted"},
		{"count-overdue", "已超期", "mine=1&overdue=yes"},
	} {
		fg, _, err := s.problemFigure(r, q.id, q.label, q.query, q.id == "count-overdue")
		if err != nil {
			return err
		}
		p.Figures = append(p.Figures, fg)
	}
	p.Open, _, err = s.Problems.FindProblems(ctx, sanlian.ProblemFilter{Mine: true, Open: true, Sort: "deadline", Limit: homeRows})
	if err != nil {
		return err
	}
	if p.Lists, err = s.Lists.FindLists(ctx, sanlian.ListsFilter{PersonID: p.User.CadreID, Limit: 1}); err != nil {
		return err
	}
	p.ListsURL = "/lists?person=" + cadre
	return s.render(w, r, http.StatusOK, "home_cadre", p)
}
