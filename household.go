package sanlian

import (
	"context"
	"strings"
	"time"
)

// Must-visit tag kinds (三必访, SPEC §1).
const (
	TagConflict       = "conflict"       // many conflicts, problems or complaints
	TagKeyGroup       = "key_group"      // 低保, 特困, 残疾, 留守, 独居老人 …
	TagRepresentative = "representative" // 群众代表, 村两委, 两代表一委员
)

// TagKinds lists the must-visit kinds in display order.
var TagKinds = []string{TagConflict, TagKeyGroup, TagRepresentative}

// TagSubKinds lists the recognised sub-kinds of each tag kind.
var TagSubKinds = map[string][]string{
	TagConflict:       {"矛盾多", "问题多", "诉求强烈"},
	TagKeyGroup:       {"低保", "特困", "残疾", "留守", "独居老人", "脱贫监测"},
	TagRepresentative: {"群众代表", "村两委", "两代表一委员"},
}

// TagKindLabel returns the Chinese name of a tag kind.
func TagKindLabel(k string) string {
	switch k {
	case TagConflict:
		return "矛盾问题户"
	case TagKeyGroup:
		return "重点群体"
	case TagRepresentative:
		return "群众代表"
	}
	return k
}

// Tag marks a household as must-visit.
type Tag struct {
	Kind string `json:"kind"`
	Sub  string `json:"sub,omitempty"`
}

// Label returns the tag for display, e.g. "重点群体·低保".
func (t Tag) Label() string {
	if t.Sub == "" {
		return TagKindLabel(t.Kind)
	}
	return TagKindLabel(t.Kind) + "·" + t.Sub
}

// Household is a resident household, represented by its head.
type Household struct {
	ID          int64     `json:"id"`
	VillageCode string    `json:"village"`
	HeadName    string    `json:"head_name"`
	IDNumber    string    `json:"id_number"` // masked unless revealed
	Phone       string    `json:"phone"`     // masked unless revealed
	Address     string    `json:"address"`
	Members     int       `json:"members"`
	Tags        []Tag     `json:"tags"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	// Read-only joins.
	VillageName  string   `json:"village_name,omitempty"`
	TownshipName string   `json:"township_name,omitempty"`
	Cadres       []string `json:"linked_cadres"` // names of actively linked cadres
}

// Validate checks a household before it is written.
func (h *Household) Validate() error {
	f := map[string]string{}
	h.HeadName = strings.TrimSpace(h.HeadName)
	h.IDNumber = strings.ToUpper(strings.TrimSpace(h.IDNumber))
	h.Phone = strings.TrimSpace(h.Phone)
	h.Address = strings.TrimSpace(h.Address)
	if h.HeadName == "" {
		f["head_name"] = "请填写户主姓名"
	} else if len([]rune(h.HeadName)) > 30 {
		f["head_name"] = "户主姓名不能超过 30 字"
	}
	if !ValidRegionCode(h.VillageCode) {
		f["village"] = "请选择所在村(社区)"
	}
	if h.IDNumber != "" {
		if msg := CheckIDNumber(h.IDNumber); msg != "" {
			f["id_number"] = msg
		}
	}
	if h.Phone != "" && !ValidPhone(h.Phone) {
		f["phone"] = "联系电话须为 11 位手机号或带区号的固定电话"
	}
	if len([]rune(h.Address)) > 200 {
		f["address"] = "住址不能超过 200 字"
	}
	checkTexts(f, oneLine("head_name", "户主姓名", h.HeadName), oneLine("address", "住址", h.Address))
	if h.Members < 1 || h.Members > 50 {
		f["members"] = "家庭人口须在 1 到 50 之间"
	}
	for _, t := range h.Tags {
		subs, ok := TagSubKinds[t.Kind]
		if !ok {
			f["tags"] = "未知的三必访类别：" + t.Kind
			break
		}
		if t.Sub != "" && !contains(subs, t.Sub) {
			f["tags"] = "未知的" + TagKindLabel(t.Kind) + "子类：" + t.Sub
			break
		}
	}
	return FieldErrors(f)
}

// HasTag reports whether the household carries a tag of the given kind.
func (h *Household) HasTag(kind string) bool {
	for _, t := range h.Tags {
		if t.Kind == kind {
			return true
		}
	}
	return false
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// HouseholdFilter selects households.
type HouseholdFilter struct {
	TownshipCode string
	VillageCode  string
	Tag          string // a tag kind, or "any" for any must-visit tag
	Linked       *bool  // linked to an active cadre or not
	CadreID      int64  // linked to this cadre
	Q            string // substring of the head's name
	Cursor       string
	Limit        int

	// Visited, when set, keeps the households visited (or not) by any
	// visit dated VisitedFrom to VisitedTo inclusive, "2006-01-02".
	Visited                *bool
	VisitedFrom, VisitedTo string
}

// HouseholdUpdate changes a household; nil fields stay.
type HouseholdUpdate struct {
	HeadName    *string `json:"head_name"`
	VillageCode *string `json:"village"`
	IDNumber    *string `json:"id_number"`
	Phone       *string `json:"phone"`
	Address     *string `json:"address"`
	Members     *int    `json:"members"`
	Tags        *[]Tag  `json:"tags"`
	Version     int64   `json:"version"`
}

// HouseholdService manages households. Every read applies the caller's
// data scope; sysadmin and auditor get EFORBIDDEN.
type HouseholdService interface {
	FindHouseholds(ctx context.Context, f HouseholdFilter) ([]*Household, string, error)
	// FindHouseholdByID returns ENOTFOUND when absent or out of scope.
	FindHouseholdByID(ctx context.Context, id int64) (*Household, error)
	// CreateHousehold returns EUNPROCESSABLE (including an unknown village).
	CreateHousehold(ctx context.Context, h *Household) error
	// UpdateHousehold returns ECONFLICT on a stale version.
	UpdateHousehold(ctx context.Context, id int64, upd HouseholdUpdate) (*Household, error)
	// RevealHousehold returns the whole ID number and phone, auditing the reveal.
	RevealHousehold(ctx context.Context, id int64) (idNumber, phone string, err error)
}
