package sanlian

import (
	"context"
	"math"
	"regexp"
	"sort"
)

// A multi-county deployment (docs/multi-county.md) serves several
// counties of a city or province from one process and one PostgreSQL
// database, a schema per county; the city (or province) office above them
// reads the counties' figures and never a citizen's personal data.

// Levels of a county in the deployment's registry.
const (
	LevelCounty   = "county"   // 县
	LevelDistrict = "district" // 区
	LevelCity     = "city"     // 县级市
)

// DeployedCounty is one county of a multi-county deployment.
type DeployedCounty struct {
	Code   string   `json:"code"` // the six-digit statistical code, 430923
	Name   string   `json:"name"` // 安化县
	Level  string   `json:"level"`
	Hosts  []string `json:"hosts,omitempty"` // host names it answers to besides <code>.<base>
	Schema string   `json:"schema"`          // county_430923
}

var countyCodeRE = regexp.MustCompile(`^[1-9][0-9]{5}$`)

// CheckCountyCode checks a county's six-digit statistical code.
func CheckCountyCode(code string) error {
	if !countyCodeRE.MatchString(code) {
		return Errorf(EINVALID, "县级区划代码“%s”无效：应为 6 位数字，如 430923", code)
	}
	return nil
}

// LevelOf guesses a county's level from its name: 区, 市 (县级市) or 县.
func LevelOf(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return LevelCounty
	}
	switch r[len(r)-1] {
	case '区':
		return LevelDistrict
	case '市':
		return LevelCity
	}
	return LevelCounty
}

// CityAccountService keeps the accounts of the city (or province) office
// of a multi-county deployment, apart from every county's accounts.
type CityAccountService interface {
	// CityLogin checks the password and opens a session. Every refusal is
	// EUNAUTHORIZED with LoginRefused.
	CityLogin(ctx context.Context, username, password string) (token string, u *User, err error)
	// CityAuthenticate returns the user of a live session token, or
	// EUNAUTHORIZED.
	CityAuthenticate(ctx context.Context, token string) (*User, error)
	// CityLogout ends the session of token.
	CityLogout(ctx context.Context, token string) error
}

// CountyFigures are one county's figures as the city sees them: counts
// and rates, nothing about a person.
type CountyFigures struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Open is the problems open now (assigned or accepted), from the
	// county's cockpit.
	Open int `json:"open"`
	// Received and Resolved are the cockpit's counts of the current month.
	Received int `json:"received"`
	Resolved int `json:"resolved"`
	// The period's metrics (the county's own metric configuration):
	// problems overdue at the window's end, resolutions on time ÷
	// resolutions, satisfied callbacks ÷ callbacks (NaN when none).
	Overdue          int     `json:"overdue"`
	ResolvedInPeriod int     `json:"resolved_in_period"`
	OnTimeRate       float64 `json:"on_time_rate"`
	SatisfactionRate float64 `json:"satisfaction_rate"`
	Callbacks        int     `json:"callbacks"`
	// Rank is the county's place in RankCounties (1 the best, competition
	// style); 0 when unranked, with the reason in Unranked.
	Rank     int    `json:"rank,omitempty"`
	Unranked string `json:"unranked,omitempty"`
	// Error is what went wrong reading this county, shown in its row
	// instead of figures; the other counties still show.
	Error string `json:"error,omitempty"`
}

// CountyFiguresOf reads a county's figures from its cockpit (open problems
// by township, the months' counts) and its metrics for a period (the
// total row). Either may be nil.
func CountyFiguresOf(code, name string, c *Cockpit, m *Metrics) CountyFigures {
	f := CountyFigures{Code: code, Name: name, OnTimeRate: math.NaN(), SatisfactionRate: math.NaN()}
	if c != nil {
		for _, t := range c.Townships {
			f.Open += t.Open
		}
		if n := len(c.Months); n > 0 {
			last := c.Months[n-1]
			for _, k := range c.Counts {
				if k.Month == last {
					f.Received += k.Received
					f.Resolved += k.Resolved
				}
			}
		}
	}
	if m != nil {
		t := m.Total
		f.Overdue, f.ResolvedInPeriod, f.Callbacks = t.Overdue, t.Resolved, t.Callbacks
		if t.Resolved > 0 {
			f.OnTimeRate = float64(t.ResolvedOnTime) / float64(t.Resolved)
		}
		if t.Callbacks > 0 {
			f.SatisfactionRate = float64(t.Satisfied) / float64(t.Callbacks)
		}
	}
	return f
}

// RankCounties ranks counties in place, best first: by the on-time rate,
// then the satisfaction rate (both higher is better), then fewer overdue
// problems; equal on all three share a rank (competition style: 1, 1, 3).
// A county that resolved nothing in the period, or whose figures could
// not be read, is unranked and listed last, with the reason.
func RankCounties(fs []CountyFigures) {
	ranked := func(f *CountyFigures) bool { return f.Error == "" && f.ResolvedInPeriod > 0 }
	rate := func(v float64) float64 {
		if math.IsNaN(v) {
			return -1
		}
		return v
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if ranked(a) != ranked(b) {
			return ranked(a)
		}
		if !ranked(a) {
			return a.Code < b.Code
		}
		if x, y := rate(a.OnTimeRate), rate(b.OnTimeRate); x != y {
			return x > y
		}
		if x, y := rate(a.SatisfactionRate), rate(b.SatisfactionRate); x != y {
			return x > y
		}
		if a.Overdue != b.Overdue {
			return a.Overdue < b.Overdue
		}
		return a.Code < b.Code
	})
	for i := range fs {
		f := &fs[i]
		f.Rank, f.Unranked = 0, ""
		switch {
		case f.Error != "":
			f.Unranked = "数据读取失败"
			continue
		case !ranked(f):
			f.Unranked = "本期无办结问题"
			continue
		}
		f.Rank = i + 1
		if i > 0 {
			p := &fs[i-1]
			if p.Rank > 0 && rate(p.OnTimeRate) == rate(f.OnTimeRate) &&
				rate(p.SatisfactionRate) == rate(f.SatisfactionRate) && p.Overdue == f.Overdue {
				f.Rank = p.Rank
			}
		}
	}
}
