package sanlian

import (
	"context"
	"time"
)

// Link kinds (三联).
const (
	LinkHousehold = "household" // cadre → household (党员干部联户)
	LinkVillage   = "village"   // unit → village (单位联村)
	LinkTownship  = "township"  // county leader → township (县级领导联乡镇)
)

// LinkKindLabel returns the Chinese name of a link kind.
func LinkKindLabel(k string) string {
	switch k {
	case LinkHousehold:
		return "干部联户"
	case LinkVillage:
		return "单位联村"
	case LinkTownship:
		return "领导联乡镇"
	}
	return k
}

// Link ties a cadre to a household, a unit to a village, or a leader to a
// township. Ended links are kept with EndedAt set.
type Link struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	CadreID     int64     `json:"cadre_id,omitempty"`
	UnitID      int64     `json:"unit_id,omitempty"`
	HouseholdID int64     `json:"household_id,omitempty"`
	RegionCode  string    `json:"region,omitempty"`
	CreatedBy   int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	EndedBy     int64     `json:"ended_by,omitempty"`
	EndedAt     time.Time `json:"ended_at,omitzero"`

	// Read-only joins.
	CadreName  string `json:"cadre_name,omitempty"`
	UnitName   string `json:"unit_name,omitempty"`
	HeadName   string `json:"head_name,omitempty"`
	RegionName string `json:"region_name,omitempty"`
	Creator    string `json:"created_by_name,omitempty"`
}

// Active reports whether the link has not ended.
func (l *Link) Active() bool { return l.EndedAt.IsZero() }

// KindLabel returns the Chinese name of the link's kind.
func (l *Link) KindLabel() string { return LinkKindLabel(l.Kind) }

// Validate checks that a new link names the right two ends for its kind.
func (l *Link) Validate() error {
	f := map[string]string{}
	switch l.Kind {
	case LinkHousehold:
		if l.CadreID == 0 {
			f["cadre_id"] = "请选择干部"
		}
		if l.HouseholdID == 0 {
			f["household_id"] = "请选择农户"
		}
	case LinkVillage:
		if l.UnitID == 0 {
			f["unit_id"] = "请选择单位"
		}
		if !ValidRegionCode(l.RegionCode) {
			f["region"] = "请选择村(社区)"
		}
	case LinkTownship:
		if l.CadreID == 0 {
			f["cadre_id"] = "请选择县级领导"
		}
		if !ValidRegionCode(l.RegionCode) {
			f["region"] = "请选择乡镇"
		}
	default:
		f["kind"] = "联系类型须为 household、village 或 township"
	}
	return FieldErrors(f)
}

// LinkFilter selects links.
type LinkFilter struct {
	Kind        string
	CadreID     int64
	UnitID      int64
	HouseholdID int64
	RegionCode  string
	Active      *bool
	Cursor      string
	Limit       int
}

// Coverage is the link-coverage summary: what the three links leave uncovered.
type Coverage struct {
	Townships              int `json:"townships"`
	TownshipsWithoutLeader int `json:"townships_without_leader"`
	Villages               int `json:"villages"`
	VillagesWithoutUnit    int `json:"villages_without_unit"`
	Households             int `json:"households"`
	HouseholdsLinked       int `json:"households_linked"`
	MustVisit              int `json:"must_visit"`
	MustVisitWithoutCadre  int `json:"must_visit_without_cadre"`
	CadresWithoutHousehold int `json:"cadres_without_household"`

	UncoveredTownships []*Region `json:"uncovered_townships"`
	UncoveredVillages  []*Region `json:"uncovered_villages"` // at most 200
}

// LinkService manages the three kinds of link.
type LinkService interface {
	FindLinks(ctx context.Context, f LinkFilter) ([]*Link, string, error)
	// CreateLinks creates several links in one transaction (all or none).
	// Returns EFORBIDDEN for an end outside the caller's scope, ECONFLICT for
	// an already active link, EUNPROCESSABLE for a wrong pair.
	CreateLinks(ctx context.Context, links []*Link) error
	// EndLink ends an active link; ENOTFOUND, ECONFLICT when already ended.
	EndLink(ctx context.Context, id int64) (*Link, error)
	// LinkCoverage summarises coverage over the caller's scope.
	LinkCoverage(ctx context.Context) (*Coverage, error)
}
