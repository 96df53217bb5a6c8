package sanlian

import (
	"context"
	"regexp"
)

// Region kinds.
const (
	RegionCounty   = "county"
	RegionTownship = "township"
	RegionVillage  = "village"
)

// Region is a county, a township or a village/community, keyed by its
// 12-digit statistical code.
type Region struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	ParentCode string `json:"parent_code,omitempty"`

	// Counts, filled by FindRegionTree and FindRegionByCode.
	Villages   int `json:"villages"`
	Households int `json:"households"`

	Children []*Region `json:"children,omitempty"`
}

var regionCodeRE = regexp.MustCompile(`^[0-9]{12}$`)

// ValidRegionCode reports whether code has the 12-digit form.
func ValidRegionCode(code string) bool { return regionCodeRE.MatchString(code) }

// KindLabel returns the Chinese name of the region's kind.
func (r *Region) KindLabel() string {
	switch r.Kind {
	case RegionCounty:
		return "县"
	case RegionTownship:
		return "乡镇"
	case RegionVillage:
		return "村(社区)"
	}
	return r.Kind
}

// RegionFilter selects regions.
type RegionFilter struct {
	Kind       string
	ParentCode string
	Q          string // substring of the name
	Cursor     string
	Limit      int
}

// RegionService reads the administrative divisions.
type RegionService interface {
	// FindRegions lists regions in code order; returns the next cursor.
	FindRegions(ctx context.Context, f RegionFilter) ([]*Region, string, error)
	// FindRegionByCode returns ENOTFOUND for an unknown code or one outside scope.
	FindRegionByCode(ctx context.Context, code string) (*Region, error)
	// FindRegionTree returns the county with its townships and villages, with counts.
	FindRegionTree(ctx context.Context) (*Region, error)
}
