package sanlian

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// RoutingRule (派单规则) sends new problems of a category in a place to a
// unit, and optionally to a person of it, the moment they are entered, so
// that most problems never wait in the office's queue (SPEC §3).
type RoutingRule struct {
	ID int64 `json:"id"`
	// Category is a category code, or "" for every category.
	Category string `json:"category"`
	// RegionCode is the county, a township or a village.
	RegionCode string `json:"region"`
	UnitID     int64  `json:"unit_id"`
	PersonID   int64  `json:"person_id,omitempty"`
	// Sort orders rules of the same place and category: the lowest wins.
	Sort      int       `json:"sort"`
	Active    bool      `json:"active"`
	Note      string    `json:"note,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`

	// Read-only joins and counts.
	CategoryName string `json:"category_name,omitempty"`
	RegionName   string `json:"region_name,omitempty"`
	RegionKind   string `json:"region_kind,omitempty"`
	TownshipName string `json:"township_name,omitempty"` // of a village's rule
	UnitName     string `json:"unit_name,omitempty"`
	PersonName   string `json:"person_name,omitempty"`
	Routed       int    `json:"routed"`   // problems the rule has assigned
	Returned     int    `json:"returned"` // of which sent back by the unit
}

// Place is how the rule's place reads: the county, a township, or a
// village after its township, as the rule import takes it.
func (r *RoutingRule) Place() string {
	if r.RegionKind == RegionVillage {
		return r.TownshipName + r.RegionName
	}
	return r.RegionName
}

// Field limits of a routing rule.
const (
	MaxRuleSort = 9999
	MaxRuleNote = 200
)

// Normalize trims the rule's text fields.
func (r *RoutingRule) Normalize() {
	r.Category = strings.TrimSpace(r.Category)
	r.RegionCode = strings.TrimSpace(r.RegionCode)
	r.Note = strings.TrimSpace(r.Note)
}

// Validate checks the rule's own fields; that the category, place, unit
// and person exist, and that the person works in the unit, is checked by
// the service against the database.
func (r *RoutingRule) Validate() error {
	f := map[string]string{}
	if !ValidRegionCode(r.RegionCode) {
		f["region"] = "请选择适用地区（全县、乡镇或村）"
	}
	if r.UnitID <= 0 {
		f["unit_id"] = "请选择承办单位"
	}
	if r.PersonID < 0 {
		f["person_id"] = "责任人无效"
	}
	if r.Sort < 0 || r.Sort > MaxRuleSort {
		f["sort"] = fmt.Sprintf("顺序应为 0 到 %d 之间的整数", MaxRuleSort)
	}
	if utf8.RuneCountInString(r.Note) > MaxRuleNote {
		f["note"] = fmt.Sprintf("备注不能超过 %d 字", MaxRuleNote)
	}
	if r.Version < 0 {
		f["version"] = "版本号无效"
	}
	checkTexts(f, manyLines("note", "备注", r.Note))
	return FieldErrors(f)
}

// RoutingPlace is where a problem is: its village, the village's township
// and the county.
type RoutingPlace struct {
	Village, Township, County string
}

// level is how specific a rule's region is for place: 3 for the village,
// 2 the township, 1 the county, 0 when the rule does not cover the place.
func (p RoutingPlace) level(region string) int {
	switch region {
	case "":
		return 0
	case p.Village:
		return 3
	case p.Township:
		return 2
	case p.County:
		return 1
	}
	return 0
}

// MatchRoutingRule picks the rule that assigns a new problem of category
// in place, or nil when none does. Only active rules that cover the place
// and name the category (or every category) are candidates. The most
// specific place wins (village, then township, then county); at the same
// place a rule naming the category beats one for every category; then the
// lowest Sort, then the oldest rule.
func MatchRoutingRule(rules []*RoutingRule, category string, place RoutingPlace) *RoutingRule {
	var best *RoutingRule
	bestLevel, bestCat := 0, 0
	for _, r := range rules {
		if r == nil || !r.Active || (r.Category != "" && r.Category != category) {
			continue
		}
		lv := place.level(r.RegionCode)
		if lv == 0 {
			continue
		}
		cat := 0
		if r.Category != "" {
			cat = 1
		}
		better := best == nil || lv > bestLevel || (lv == bestLevel && cat > bestCat) ||
			(lv == bestLevel && cat == bestCat && (r.Sort < best.Sort || (r.Sort == best.Sort && r.ID < best.ID)))
		if better {
			best, bestLevel, bestCat = r, lv, cat
		}
	}
	return best
}

// RoutingNote is the timeline note of an assignment a rule made.
func RoutingNote(ruleID int64) string { return fmt.Sprintf("按派单规则 #%d 自动交办", ruleID) }

// RoutingRuleFilter selects routing rules.
type RoutingRuleFilter struct {
	Category   string
	RegionCode string // the rules of exactly this region
	UnitID     int64
	Active     *bool
	Cursor     string
	Limit      int
}

// ReturnCount is how often one unit sent problems back to the office.
type ReturnCount struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Returned int    `json:"returned"`
	Routed   int    `json:"routed"` // of which a rule had assigned
}

// RoutingService keeps the routing rules and the office's intake limits.
// Reading them is for the office; writing too.
type RoutingService interface {
	// FindRoutingRules lists rules by region, category and order, with
	// how many problems each assigned and how many of those came back.
	FindRoutingRules(ctx context.Context, f RoutingRuleFilter) ([]*RoutingRule, string, error)
	// FindRoutingRule returns ENOTFOUND when absent.
	FindRoutingRule(ctx context.Context, id int64) (*RoutingRule, error)
	// SaveRoutingRule creates (ID 0) or updates a rule (Version as read).
	// Returns EFORBIDDEN, EUNPROCESSABLE (unknown category, place, unit or
	// person; two active rules of one place, category and order),
	// ECONFLICT (stale version), ENOTFOUND.
	SaveRoutingRule(ctx context.Context, r *RoutingRule) error
	// DeleteRoutingRule removes a rule; the problems it assigned keep its
	// number on their timeline. Returns EFORBIDDEN, ENOTFOUND, ECONFLICT.
	DeleteRoutingRule(ctx context.Context, id, version int64) error
	// ReturnCounts counts returns per unit in [from, to).
	ReturnCounts(ctx context.Context, from, to time.Time) ([]*ReturnCount, error)
	// IntakeLimits returns the dispatch limit of each source.
	IntakeLimits(ctx context.Context) (*IntakeLimits, error)
	// SaveIntakeLimits replaces the limits (Version as read). Office only.
	// Returns EFORBIDDEN, EUNPROCESSABLE, ECONFLICT.
	SaveIntakeLimits(ctx context.Context, l *IntakeLimits) error
}

// DefaultAssignDays is the office's default dispatch limit (受理派单时限):
// a submitted problem is assigned within 1 working day (SPEC §3).
const DefaultAssignDays = 1

// MaxAssignDays bounds a source's dispatch limit.
const MaxAssignDays = 10

// IntakeLimits are the office's dispatch limits in working days, per
// source; a source not listed has DefaultAssignDays. 0 means the same day.
type IntakeLimits struct {
	Days      map[string]int `json:"days"`
	Version   int64          `json:"version"`
	UpdatedAt time.Time      `json:"updated_at,omitzero"`
}

// For returns the dispatch limit of a source.
func (l *IntakeLimits) For(source string) int {
	if l != nil {
		if d, ok := l.Days[source]; ok {
			return d
		}
	}
	return DefaultAssignDays
}

// Validate checks every source is known and every limit in range.
func (l *IntakeLimits) Validate() error {
	f := map[string]string{}
	for s, d := range l.Days {
		switch {
		case !contains(Sources, s):
			f["days."+s] = "未知的来源“" + s + "”"
		case d < 0 || d > MaxAssignDays:
			f["days."+s] = fmt.Sprintf("%s的派单时限应为 0 到 %d 个工作日（0 为当日）", SourceLabel(s), MaxAssignDays)
		}
	}
	if l.Version < 0 {
		f["version"] = "版本号无效"
	}
	return FieldErrors(f)
}

// MayReturn reports whether a unit may still send p back at now: it is
// assigned and its accept deadline has not passed.
func MayReturn(p *Problem, now time.Time) bool {
	return p.State == StateAssigned && (p.AcceptDue.IsZero() || !now.After(p.AcceptDue))
}

// ReturnProblem applies a unit's return (退单) to p at now: with a reason,
// while the problem is assigned and its accept deadline has not passed, it
// goes back to the office's queue, where the caller gives it a fresh
// dispatch deadline. It reports why not otherwise.
func ReturnProblem(p *Problem, now time.Time, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return FieldErrors(map[string]string{"reason": "请填写退单理由，说明为何不属于本单位办理"})
	}
	if p.State != StateAssigned {
		return Errorf(ECONFLICT, "问题当前为“%s”，只有已交办、尚未签收的问题可以退单", p.StateLabel())
	}
	if !MayReturn(p, now) {
		return Errorf(ECONFLICT, "签收期限（%s）已过，不能退单；如确不属于本单位，请申请转办", DeadlineDate(p.AcceptDue))
	}
	p.State, p.UnitID, p.PersonID, p.RuleID = StateSubmitted, 0, 0, 0
	p.AssignedAt, p.AcceptDue, p.AcceptedAt, p.ResolveDue = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	p.ExtensionUntil, p.ExtensionReason = "", ""
	return nil
}
