package sanlian

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ActivityType is an entry of the editable dictionary of volunteer
// activity types (帮困慰问, 环境整治 …). Retired types stay for the
// activities that used them.
type ActivityType struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
	Sort   int    `json:"sort"`
}

// Activity is one 志愿服务活动: a unit's party-member volunteers (红马甲)
// serving a village on a day.
type Activity struct {
	ID           int64     `json:"id"`
	Type         string    `json:"type"`
	Date         string    `json:"date"` // 2006-01-02, Asia/Shanghai
	VillageCode  string    `json:"village"`
	TownshipCode string    `json:"township"`
	UnitID       int64     `json:"unit_id"`
	Volunteers   []int64   `json:"volunteers"` // cadres who served
	Others       int       `json:"others"`     // volunteers who are not cadres
	Served       int       `json:"served"`     // people served
	Description  string    `json:"description"`
	Version      int64     `json:"version"`
	CreatedBy    int64     `json:"created_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	// Read-only joins.
	TypeName       string   `json:"type_name,omitempty"`
	VillageName    string   `json:"village_name,omitempty"`
	TownshipName   string   `json:"township_name,omitempty"`
	UnitName       string   `json:"unit_name,omitempty"`
	VolunteerNames []string `json:"volunteer_names,omitempty"`
}

// VolunteerCount is every volunteer of the activity, cadres and others.
func (a *Activity) VolunteerCount() int { return len(a.Volunteers) + a.Others }

// ActivityInput is what a unit enters for an activity.
type ActivityInput struct {
	Type        string  `json:"type"`
	Date        string  `json:"date"`
	VillageCode string  `json:"village"`
	UnitID      int64   `json:"unit_id"` // a unit admin's own unit when 0
	Volunteers  []int64 `json:"volunteers"`
	Others      int     `json:"others"`
	Served      int     `json:"served"`
	Description string  `json:"description"`
}

// MaxActivityVolunteers bounds the cadres named on one activity.
const MaxActivityVolunteers = 500

// Validate checks the activity's own fields; the type, village, unit,
// volunteers and the date against today are checked by the service.
func (in *ActivityInput) Validate() error {
	in.Type = strings.TrimSpace(in.Type)
	in.Description = strings.TrimSpace(in.Description)
	f := map[string]string{}
	if in.Type == "" {
		f["type"] = "请选择活动类型"
	}
	if _, err := time.ParseInLocation("2006-01-02", in.Date, Shanghai); err != nil {
		f["date"] = "请填写活动日期，如 2021-05-20"
	}
	if !ValidRegionCode(in.VillageCode) {
		f["village"] = "请选择活动地点村(社区)"
	}
	if in.Others < 0 {
		f["others"] = "其他志愿者人数不能为负数"
	} else if in.Others > 100000 {
		f["others"] = "其他志愿者人数不能超过 100000"
	}
	if in.Served < 0 {
		f["served"] = "服务群众人数不能为负数"
	} else if in.Served > 1000000 {
		f["served"] = "服务群众人数不能超过 1000000"
	}
	if len(in.Volunteers) > MaxActivityVolunteers {
		f["volunteers"] = "一次活动最多登记 500 名干部志愿者"
	}
	if len(in.Volunteers) == 0 && in.Others == 0 {
		f["volunteers"] = "请选择参加活动的干部志愿者，或填写其他志愿者人数"
	}
	if in.Description == "" {
		f["description"] = "请填写活动内容"
	} else if utf8.RuneCountInString(in.Description) > MaxDescription {
		f["description"] = "活动内容不能超过 5000 字"
	}
	checkTexts(f, manyLines("description", "活动内容", in.Description))
	return FieldErrors(f)
}

// ActivityFilter selects activities, newest first.
type ActivityFilter struct {
	Type         string
	UnitID       int64
	VolunteerID  int64 // a cadre's own record
	TownshipCode string
	VillageCode  string
	From, To     string // dates, inclusive
	Cursor       string
	Limit        int
}

// ActivityTotal is one line of the totals: activities, volunteers (cadres
// and others) and people served.
type ActivityTotal struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	Activities int    `json:"activities"`
	Volunteers int    `json:"volunteers"`
	Served     int    `json:"served"`
}

// ActivityTotals sums the activities of a period by type, unit and township.
type ActivityTotals struct {
	From       string          `json:"from,omitempty"`
	To         string          `json:"to,omitempty"`
	All        ActivityTotal   `json:"all"`
	ByType     []ActivityTotal `json:"by_type"`
	ByUnit     []ActivityTotal `json:"by_unit"`
	ByTownship []ActivityTotal `json:"by_township"`
}

// ActivityService records volunteer activities. The office sees and edits
// all; a unit admin its units'; a cadre reads those they served in and
// their unit's; a leader those in linked townships.
type ActivityService interface {
	// FindActivityTypes lists the type dictionary, retired types included.
	FindActivityTypes(ctx context.Context) ([]*ActivityType, error)
	// SaveActivityType adds or edits a type (office only). Returns
	// EUNPROCESSABLE on a bad code or name, EFORBIDDEN for other roles.
	SaveActivityType(ctx context.Context, t *ActivityType) error
	// CreateActivity records an activity. Returns EUNPROCESSABLE with
	// field errors, EFORBIDDEN for another unit's activity.
	CreateActivity(ctx context.Context, in *ActivityInput) (*Activity, error)
	// UpdateActivity rewrites an activity. Returns ECONFLICT on a stale
	// version, ENOTFOUND outside the caller's scope.
	UpdateActivity(ctx context.Context, id int64, in *ActivityInput, version int64) (*Activity, error)
	FindActivityByID(ctx context.Context, id int64) (*Activity, error)
	FindActivities(ctx context.Context, f ActivityFilter) ([]*Activity, string, error)
	// ActivityTotals sums the activities in the caller's scope matching f
	// (its cursor and limit ignored).
	ActivityTotals(ctx context.Context, f ActivityFilter) (*ActivityTotals, error)
}
