package sanlian

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Visit kinds follow the three links: a cadre visits a linked household, a
// unit a linked village, a county leader a linked township.
const (
	VisitHousehold = "household"
	VisitVillage   = "village"
	VisitTownship  = "township"
)

// VisitKindLabel returns the Chinese name of a visit kind.
func VisitKindLabel(k string) string {
	switch k {
	case VisitHousehold:
		return "入户走访"
	case VisitVillage:
		return "单位联村走访"
	case VisitTownship:
		return "领导联乡镇调研"
	}
	return k
}

// Visit is one 带题走访: who went where, on which day, carrying which
// topics, what they heard, and the problems raised on the spot.
type Visit struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Date        string    `json:"date"` // 2006-01-02, Asia/Shanghai
	CadreID     int64     `json:"cadre_id,omitempty"`
	UnitID      int64     `json:"unit_id,omitempty"`
	HouseholdID int64     `json:"household_id,omitempty"`
	RegionCode  string    `json:"region,omitempty"` // the village, or the township
	Visitors    []int64   `json:"visitors"`         // cadres who went
	Met         string    `json:"met"`
	TopicIDs    []int64   `json:"topics"`
	Findings    string    `json:"findings"`
	ProblemIDs  []int64   `json:"problems"`
	CreatedBy   int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`

	// Read-only joins.
	CadreName    string   `json:"cadre_name,omitempty"`
	UnitName     string   `json:"unit_name,omitempty"`
	HeadName     string   `json:"household_head,omitempty"`
	RegionName   string   `json:"region_name,omitempty"`
	VisitorNames []string `json:"visitor_names,omitempty"`
	TopicNames   []string `json:"topic_names,omitempty"`
	Attachments  int      `json:"attachments"`
}

// KindLabel returns the Chinese name of the visit's kind.
func (v *Visit) KindLabel() string { return VisitKindLabel(v.Kind) }

// VisitInput is what a cadre sends for a visit.
type VisitInput struct {
	Kind        string         `json:"kind"`
	Date        string         `json:"date"`
	HouseholdID int64          `json:"household_id"`
	RegionCode  string         `json:"region"`
	UnitID      int64          `json:"unit_id"`
	Visitors    []int64        `json:"visitors"`
	Met         string         `json:"met"`
	Topics      []int64        `json:"topics"`
	Findings    string         `json:"findings"`
	Problems    []VisitProblem `json:"problems"`
}

// VisitProblem is a problem raised on a visit; it goes onto the ledger with
// source visit, in the visit's village and, for a household visit, with
// the household as reporter.
type VisitProblem struct {
	VillageCode string `json:"village"` // required on a township visit
	Category    string `json:"category"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Urgency     string `json:"urgency"`
}

// Limits of a visit.
const (
	MaxVisitTopics   = 30
	MaxVisitProblems = 20
	MaxIdempotency   = 100
)

// Validate checks the visit's own fields; links, dates against the
// campaign and topics are checked by the service.
func (in *VisitInput) Validate() error {
	in.Met = strings.TrimSpace(in.Met)
	in.Findings = strings.TrimSpace(in.Findings)
	f := map[string]string{}
	switch in.Kind {
	case VisitHousehold:
		if in.HouseholdID == 0 {
			f["household_id"] = "请选择走访的农户"
		}
	case VisitVillage:
		if !ValidRegionCode(in.RegionCode) {
			f["region"] = "请选择走访的村(社区)"
		}
	case VisitTownship:
		if !ValidRegionCode(in.RegionCode) {
			f["region"] = "请选择调研的乡镇"
		}
	default:
		f["kind"] = "走访类型须为 household、village 或 township"
	}
	if _, err := time.ParseInLocation("2006-01-02", in.Date, Shanghai); err != nil {
		f["date"] = "请填写走访日期，如 2021-05-20"
	}
	if len(in.Topics) > MaxVisitTopics {
		f["topics"] = "一次走访最多选 30 个题目"
	}
	if len(in.Problems) > MaxVisitProblems {
		f["problems"] = "一次走访最多登记 20 个问题"
	}
	if utf8.RuneCountInString(in.Met) > 200 {
		f["met"] = "走访对象不能超过 200 字"
	}
	if utf8.RuneCountInString(in.Findings) > MaxDescription {
		f["findings"] = "走访情况不能超过 5000 字"
	}
	if in.Findings == "" && len(in.Topics) == 0 && len(in.Problems) == 0 {
		f["findings"] = "请填写走访了解到的情况，或选择题目、登记问题"
	}
	checkTexts(f, oneLine("met", "走访对象", in.Met), manyLines("findings", "走访情况", in.Findings))
	return FieldErrors(f)
}

// VisitFilter selects visits, newest first.
type VisitFilter struct {
	Kind         string
	CadreID      int64
	UnitID       int64
	HouseholdID  int64
	TownshipCode string
	VillageCode  string
	TopicID      int64
	From, To     string // dates, inclusive
	Cursor       string
	Limit        int
}

// VisitService records and lists visits.
type VisitService interface {
	// CreateVisit records a visit and its problems in one transaction. With
	// an idempotency key already used by the same user it returns the
	// visit recorded then and created false, writing nothing.
	CreateVisit(ctx context.Context, in *VisitInput, idempotencyKey string) (v *Visit, created bool, err error)
	FindVisitByID(ctx context.Context, id int64) (*Visit, error)
	FindVisits(ctx context.Context, f VisitFilter) ([]*Visit, string, error)
}
