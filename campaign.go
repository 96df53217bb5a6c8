package sanlian

import (
	"context"
	"time"
)

// Coverage scopes: the whole county, or one township, village, unit or cadre.
const (
	ScopeCounty   = "county"
	ScopeTownship = "township"
	ScopeVillage  = "village"
	ScopeUnit     = "unit"
	ScopeCadre    = "cadre"
)

// Window is a campaign window of whole days, From and To inclusive,
// "2006-01-02" in Asia/Shanghai. The default is the current month.
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// MonthWindow is the window of the month holding t.
func MonthWindow(t time.Time) Window {
	t = t.In(Shanghai)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, Shanghai)
	return Window{From: start.Format("2006-01-02"), To: start.AddDate(0, 1, -1).Format("2006-01-02")}
}

// ParseWindow reads "2021-05-01..2021-05-31", a period id (2021-05,
// 2021-05-H1), or "" for the month of now.
func ParseWindow(s string, now time.Time) (Window, error) {
	if s == "" {
		return MonthWindow(now), nil
	}
	if p, err := ParsePeriod(s); err == nil {
		return Window{From: p.Start.Format("2006-01-02"), To: p.End.AddDate(0, 0, -1).Format("2006-01-02")}, nil
	}
	for _, sep := range []string{"..", "~", ","} {
		for i := 0; i+len(sep) <= len(s); i++ {
			if s[i:i+len(sep)] != sep {
				continue
			}
			from, err1 := time.ParseInLocation("2006-01-02", s[:i], Shanghai)
			to, err2 := time.ParseInLocation("2006-01-02", s[i+len(sep):], Shanghai)
			if err1 != nil || err2 != nil || to.Before(from) {
				break
			}
			if to.Sub(from) > 366*24*time.Hour {
				return Window{}, Errorf(EINVALID, "统计期间不能超过一年")
			}
			return Window{From: s[:i], To: s[i+len(sep):]}, nil
		}
	}
	return Window{}, &Error{Code: EINVALID, Message: "统计期间的格式应为 2021-05-01..2021-05-31 或 2021-05",
		Fields: map[string]string{"window": "格式应为 2021-05-01..2021-05-31"}}
}

// CoverageScope is what a coverage report covers.
type CoverageScope struct {
	Kind string `json:"kind"` // county, township, village, unit, cadre
	ID   string `json:"id"`   // region code, unit id or cadre id
}

// KindCoverage counts the must-visit households of one kind ("any" for
// all three) and how many were visited in the window.
type KindCoverage struct {
	Kind    string `json:"kind"`
	Total   int    `json:"total"`
	Visited int    `json:"visited"`
}

// MissedHousehold is a must-visit household not visited in the window,
// with the cadres linked to it.
type MissedHousehold struct {
	Household *Household `json:"household"`
}

// CadreVisits is one cadre's work in the window.
type CadreVisits struct {
	CadreID    int64  `json:"cadre_id"`
	Name       string `json:"name"`
	UnitID     int64  `json:"unit_id"`
	UnitName   string `json:"unit_name"`
	Households int    `json:"linked_households"`
	Visits     int    `json:"visits"`
	Problems   int    `json:"problems"`
}

// UnitVisits is one unit's work in the window: its own village visits and
// its cadres' household visits.
type UnitVisits struct {
	UnitID   int64  `json:"unit_id"`
	Name     string `json:"name"`
	Villages int    `json:"linked_villages"`
	Visits   int    `json:"visits"`
	Problems int    `json:"problems"`
	Cadres   int    `json:"cadres"`
	Idle     int    `json:"cadres_without_visit"`
}

// TopicUse is how often a topic was carried in the window and what came
// of it.
type TopicUse struct {
	TopicID  int64  `json:"topic_id"`
	Question string `json:"question"`
	Category string `json:"category"`
	Visits   int    `json:"visits"`
	Problems int    `json:"problems"` // problems raised on those visits
}

// VisitCoverage is the 三必访 and 带题走访 report for a window and scope.
type VisitCoverage struct {
	Window Window        `json:"window"`
	Scope  CoverageScope `json:"scope"`

	MustVisit []KindCoverage     `json:"must_visit"` // conflict, key_group, representative, any
	Missed    []*MissedHousehold `json:"missed"`     // at most 500, by village

	Households             int `json:"households"`
	HouseholdsLinked       int `json:"households_linked"`
	Villages               int `json:"villages"`
	VillagesWithoutUnit    int `json:"villages_without_unit"`
	Townships              int `json:"townships"`
	TownshipsWithoutLeader int `json:"townships_without_leader"`

	Visits             int            `json:"visits"`
	Problems           int            `json:"problems"`
	Cadres             []*CadreVisits `json:"cadres"`
	CadresWithoutVisit int            `json:"cadres_without_visit"`
	Units              []*UnitVisits  `json:"units"`
	Topics             []*TopicUse    `json:"topics"`
}

// CoverageService reports visit coverage.
type CoverageService interface {
	// VisitCoverage reports on scope within the caller's own data scope.
	// Returns EINVALID for an unknown scope, ENOTFOUND for one outside it.
	VisitCoverage(ctx context.Context, w Window, scope CoverageScope) (*VisitCoverage, error)
}
