package sanlian

import (
	"context"
	"strings"
	"time"
)

// Cadre is a party cadre of a unit. County-level leaders are cadres with
// IsLeader set; they are linked to townships.
type Cadre struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	UnitID      int64     `json:"unit_id"`
	Post        string    `json:"post"`
	PartyMember bool      `json:"party_member"`
	Phone       string    `json:"phone"` // masked unless revealed
	IsLeader    bool      `json:"is_leader"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	// Read-only joins.
	UnitName   string `json:"unit_name,omitempty"`
	Households int    `json:"linked_households"`
}

// Validate checks a cadre before it is written.
func (c *Cadre) Validate() error {
	f := map[string]string{}
	c.Name = strings.TrimSpace(c.Name)
	c.Phone = strings.TrimSpace(c.Phone)
	if c.Name == "" {
		f["name"] = "请填写姓名"
	} else if len([]rune(c.Name)) > 30 {
		f["name"] = "姓名不能超过 30 字"
	}
	if c.UnitID == 0 {
		f["unit_id"] = "请选择所在单位"
	}
	if len([]rune(c.Post)) > 60 {
		f["post"] = "职务不能超过 60 字"
	}
	if c.Phone != "" && !ValidPhone(c.Phone) {
		f["phone"] = "手机号码格式不正确"
	}
	checkTexts(f, oneLine("name", "姓名", c.Name), oneLine("post", "职务", c.Post))
	return FieldErrors(f)
}

// CadreFilter selects cadres.
type CadreFilter struct {
	UnitID   int64
	IsLeader *bool
	Q        string // substring of the name
	Cursor   string
	Limit    int
}

// CadreUpdate changes a cadre; nil fields stay.
type CadreUpdate struct {
	Name        *string `json:"name"`
	UnitID      *int64  `json:"unit_id"`
	Post        *string `json:"post"`
	PartyMember *bool   `json:"party_member"`
	Phone       *string `json:"phone"`
	IsLeader    *bool   `json:"is_leader"`
	Version     int64   `json:"version"`
}

// CadreService manages cadres.
type CadreService interface {
	// FindCadres lists cadres in scope with masked phones.
	FindCadres(ctx context.Context, f CadreFilter) ([]*Cadre, string, error)
	// FindCadreByID returns ENOTFOUND when absent or out of scope.
	FindCadreByID(ctx context.Context, id int64) (*Cadre, error)
	// CreateCadre: office, or a unit admin for a unit in scope.
	CreateCadre(ctx context.Context, c *Cadre) error
	// UpdateCadre returns ECONFLICT on a stale version.
	UpdateCadre(ctx context.Context, id int64, upd CadreUpdate) (*Cadre, error)
	// RevealCadrePhone returns the whole phone and audits the reveal.
	RevealCadrePhone(ctx context.Context, id int64) (string, error)
}
