package sanlian

import (
	"context"
	"strings"
	"time"
)

// Unit kinds.
const (
	UnitDepartment = "department"
	UnitTownship   = "township"
	UnitEnterprise = "enterprise"
	UnitMassOrg    = "mass_org"
)

// UnitKinds lists the unit kinds in display order.
var UnitKinds = []string{UnitDepartment, UnitTownship, UnitEnterprise, UnitMassOrg}

// UnitKindLabel returns the Chinese name of a unit kind.
func UnitKindLabel(k string) string {
	switch k {
	case UnitDepartment:
		return "县直部门"
	case UnitTownship:
		return "乡镇"
	case UnitEnterprise:
		return "企业"
	case UnitMassOrg:
		return "群团组织"
	}
	return k
}

// Unit is a department, township government, enterprise or mass organisation.
type Unit struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	ParentID     int64     `json:"parent_id,omitempty"`
	HeadCadreID  int64     `json:"head_cadre_id,omitempty"`
	TownshipCode string    `json:"township_code,omitempty"` // for a township government
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	// Read-only joins.
	ParentName     string `json:"parent_name,omitempty"`
	HeadName       string `json:"head_name,omitempty"`
	Cadres         int    `json:"cadres"`
	LinkedVillages int    `json:"linked_villages"`
}

// KindLabel returns the Chinese name of the unit's kind.
func (u *Unit) KindLabel() string { return UnitKindLabel(u.Kind) }

// Validate checks a unit before it is written.
func (u *Unit) Validate() error {
	f := map[string]string{}
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" {
		f["name"] = "请填写单位名称"
	} else if len([]rune(u.Name)) > 100 {
		f["name"] = "单位名称不能超过 100 字"
	}
	switch u.Kind {
	case UnitDepartment, UnitTownship, UnitEnterprise, UnitMassOrg:
	default:
		f["kind"] = "单位类别须为 县直部门、乡镇、企业 或 群团组织"
	}
	if u.TownshipCode != "" && !ValidRegionCode(u.TownshipCode) {
		f["township_code"] = "乡镇代码须为 12 位数字"
	}
	checkTexts(f, oneLine("name", "单位名称", u.Name))
	return FieldErrors(f)
}

// UnitFilter selects units.
type UnitFilter struct {
	Kind     string
	ParentID int64
	Q        string
	Cursor   string
	Limit    int
}

// UnitUpdate changes a unit; nil fields stay as they are.
type UnitUpdate struct {
	Name        *string `json:"name"`
	Kind        *string `json:"kind"`
	ParentID    *int64  `json:"parent_id"`
	HeadCadreID *int64  `json:"head_cadre_id"`
	Version     int64   `json:"version"`
}

// UnitService manages units.
type UnitService interface {
	// FindUnits lists units in scope, by id; returns the next cursor.
	FindUnits(ctx context.Context, f UnitFilter) ([]*Unit, string, error)
	// FindUnitByID returns ENOTFOUND when absent or out of scope.
	FindUnitByID(ctx context.Context, id int64) (*Unit, error)
	// CreateUnit: office only. Returns EUNPROCESSABLE, EFORBIDDEN.
	CreateUnit(ctx context.Context, u *Unit) error
	// UpdateUnit: office, or a unit admin for a unit in scope. Returns
	// ECONFLICT on a stale version, EUNPROCESSABLE, EFORBIDDEN, ENOTFOUND.
	UpdateUnit(ctx context.Context, id int64, upd UnitUpdate) (*Unit, error)
}
