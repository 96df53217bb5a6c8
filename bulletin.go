package sanlian

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bulletin states.
const (
	BulletinDraft     = "draft"
	BulletinPublished = "published"
)

// Override actions: the office's decision on a unit against the rules.
const (
	OverrideCommend   = "commend"
	OverrideCriticise = "criticise"
	OverrideNone      = "none"
)

// IssuingOffice is the office of the county named county that issues its
// bulletins.
func IssuingOffice(county string) string {
	return county + "“我为群众办实事”实践活动领导小组办公室"
}

// Bulletin is the half-month supervision bulletin (半月督查通报). A draft is
// recomputed from the ledger each time it is generated; a published one
// holds its content, overrides and configuration frozen as they were.
type Bulletin struct {
	ID          int64              `json:"id"`
	Period      string             `json:"period"`
	Year        int                `json:"year"`
	Number      int                `json:"number,omitempty"` // within the year, at publication
	State       string             `json:"state"`
	Content     *BulletinContent   `json:"content"`
	Commentary  string             `json:"commentary"`
	Overrides   []BulletinOverride `json:"overrides"`
	Config      *MetricConfig      `json:"config,omitempty"`
	Version     int64              `json:"version"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	PublishedAt *time.Time         `json:"published_at,omitempty"`
	PublishedBy int64              `json:"published_by,omitempty"`
}

// RulesText states the rules the bulletin used: those its content keeps,
// or for a bulletin computed before the content kept them, its
// configuration.
func (b *Bulletin) RulesText() []string {
	if b.Content != nil && b.Content.Configs != nil {
		return b.Content.Configs.RulesText()
	}
	if b.Config != nil {
		s := MetricConfigSet{Base: *b.Config}
		return s.RulesText()
	}
	return nil
}

// Published reports whether the bulletin has been published.
func (b *Bulletin) Published() bool { return b.State == BulletinPublished }

// NumberLabel is the document number, 〔2021〕第3期, or "" for a draft.
func (b *Bulletin) NumberLabel() string {
	if b.Number == 0 {
		return ""
	}
	return fmt.Sprintf("〔%d〕第%d期", b.Year, b.Number)
}

// Title is the bulletin's document title.
func (b *Bulletin) Title() string {
	p, err := ParsePeriod(b.Period)
	if err != nil {
		return "关于半月督查情况的通报"
	}
	return "关于" + p.Label() + "“我为群众办实事”半月督查情况的通报"
}

// PeriodLabel names the bulletin's period in Chinese.
func (b *Bulletin) PeriodLabel() string {
	p, err := ParsePeriod(b.Period)
	if err != nil {
		return b.Period
	}
	return p.Label()
}

// BulletinOverride is the office's decision to commend, criticise or
// leave out a unit against the rules, with its reason.
type BulletinOverride struct {
	UnitID int64  `json:"unit_id"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// ValidateOverrides checks the overrides of a draft: a known action, a
// reason, one decision per unit.
func ValidateOverrides(os []BulletinOverride) error {
	f := map[string]string{}
	seen := map[int64]bool{}
	for i, o := range os {
		key := "overrides[" + strconv.Itoa(i) + "]"
		switch {
		case o.UnitID <= 0:
			f[key+".unit_id"] = "请选择单位"
		case seen[o.UnitID]:
			f[key+".unit_id"] = "同一单位只能调整一次"
		}
		seen[o.UnitID] = true
		switch o.Action {
		case OverrideCommend, OverrideCriticise, OverrideNone:
		default:
			f[key+".action"] = "调整方式应为表扬、批评或不通报"
		}
		if strings.TrimSpace(o.Reason) == "" {
			f[key+".reason"] = "调整须写明理由"
		} else if len([]rune(o.Reason)) > 500 {
			f[key+".reason"] = "理由不能超过 500 字"
		}
		checkTexts(f, manyLines(key+".reason", "理由", o.Reason))
	}
	return FieldErrors(f)
}

// OverrideLabel names an override action in Chinese.
func OverrideLabel(action string) string {
	switch action {
	case OverrideCommend:
		return "通报表扬"
	case OverrideCriticise:
		return "通报批评"
	case OverrideNone:
		return "不予通报"
	}
	return action
}

// Figure is a rate, score or mean that may be missing (NaN); it travels in
// JSON as null, which NaN cannot.
type Figure float64

// MarshalJSON writes null for NaN.
func (f Figure) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// UnmarshalJSON reads null as NaN.
func (f *Figure) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Figure(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Figure(v)
	return nil
}

// Missing reports whether the figure has no value.
func (f Figure) Missing() bool { return math.IsNaN(float64(f)) }

// Percent formats a rate as 95.2%, or — when missing.
func (f Figure) Percent() string {
	if f.Missing() {
		return "—"
	}
	return strconv.FormatFloat(float64(f)*100, 'f', 1, 64) + "%"
}

// Points formats a score or a mean with one decimal, or —.
func (f Figure) Points() string {
	if f.Missing() {
		return "—"
	}
	return strconv.FormatFloat(float64(f), 'f', 1, 64)
}

// BulletinRow is a unit's line of the bulletin: its MetricRow frozen.
//
// Criticised and Commended mark the unit's row with the decision the
// bulletin takes on it (MarkDecisions), so that no unit is shown high in
// the table without its criticism beside it.
type BulletinRow struct {
	UnitID           int64  `json:"unit_id"`
	Name             string `json:"name"`
	UnitKind         string `json:"unit_kind,omitempty"`
	Assigned         int    `json:"assigned"`
	AcceptedOnTime   int    `json:"accepted_on_time"`
	Resolved         int    `json:"resolved"`
	ResolvedOnTime   int    `json:"resolved_on_time"`
	Callbacks        int    `json:"callbacks"`
	Solved           int    `json:"solved"`
	Satisfied        int    `json:"satisfied"`
	Unsatisfied      int    `json:"unsatisfied"`
	Reopened         int    `json:"reopened"`
	Overdue          int    `json:"overdue"`
	Volume           int    `json:"volume"`
	MeanDays         Figure `json:"mean_days"`
	ResponseRate     Figure `json:"response_rate"`
	OnTimeRate       Figure `json:"on_time_rate"`
	ResolutionRate   Figure `json:"resolution_rate"`
	SatisfactionRate Figure `json:"satisfaction_rate"`
	Score            Figure `json:"score"`
	Deduction        Figure `json:"deduction"`
	Rank             int    `json:"rank,omitempty"`
	Tied             bool   `json:"tied,omitempty"`
	Unranked         string `json:"unranked,omitempty"`
	Criticised       bool   `json:"criticised,omitempty"`
	Commended        bool   `json:"commended,omitempty"`
}

// RankLabel shows the row's rank: 3, 并列3 or —.
func (r BulletinRow) RankLabel() string { return RankLabel(r.Rank, r.Tied) }

// NewBulletinRow copies a metric row; its key is the unit id.
func NewBulletinRow(r *MetricRow) BulletinRow {
	id, _ := strconv.ParseInt(r.Key, 10, 64)
	return BulletinRow{UnitID: id, Name: r.Name, UnitKind: r.UnitKind, Volume: r.Volume, Deduction: Figure(r.Deduction),
		Tied: r.Tied, Unranked: r.Unranked, Assigned: r.Assigned, AcceptedOnTime: r.AcceptedOnTime, Resolved: r.Resolved,
		ResolvedOnTime: r.ResolvedOnTime, Callbacks: r.Callbacks, Solved: r.Solved, Satisfied: r.Satisfied,
		Unsatisfied: r.Unsatisfied, Reopened: r.Reopened, Overdue: r.Overdue, MeanDays: Figure(r.MeanDays),
		ResponseRate: Figure(r.ResponseRate), OnTimeRate: Figure(r.OnTimeRate), ResolutionRate: Figure(r.ResolutionRate),
		SatisfactionRate: Figure(r.SatisfactionRate), Score: Figure(r.Score), Rank: r.Rank}
}

// BulletinOverview is the county's summary for the period.
type BulletinOverview struct {
	Collected        int    `json:"collected"` // problems entered in the period
	Assigned         int    `json:"assigned"`
	Resolved         int    `json:"resolved"`
	Closed           int    `json:"closed"`
	Overdue          int    `json:"overdue"` // open and overdue at the period's end
	Callbacks        int    `json:"callbacks"`
	ResponseRate     Figure `json:"response_rate"`
	OnTimeRate       Figure `json:"on_time_rate"`
	ResolutionRate   Figure `json:"resolution_rate"`
	SatisfactionRate Figure `json:"satisfaction_rate"`
	Score            Figure `json:"score"`
}

// BulletinUnit is a unit commended or criticised, and why.
type BulletinUnit struct {
	UnitID   int64  `json:"unit_id"`
	Name     string `json:"name"`
	Score    Figure `json:"score"`
	Assigned int    `json:"assigned"`
	Overdue  int    `json:"overdue"`
	Reason   string `json:"reason"`
	Override bool   `json:"override,omitempty"` // decided by the office against the rules
}

// BulletinProblem is an open problem long past its deadline.
type BulletinProblem struct {
	ID          int64     `json:"id"`
	Number      string    `json:"number"`
	Title       string    `json:"title"`
	UnitName    string    `json:"unit_name"`
	ResolveDue  time.Time `json:"resolve_due"`
	OverdueDays int       `json:"overdue_days"` // working days past the deadline at the period's end
}

// BulletinSelfCriticism is a self-criticism owed under an earlier
// bulletin and not handed in by its due date.
type BulletinSelfCriticism struct {
	ID       int64      `json:"id"`
	Bulletin string     `json:"bulletin"` // the number label of the bulletin that asked for it
	UnitID   int64      `json:"unit_id"`
	UnitName string     `json:"unit_name"`
	DueAt    time.Time  `json:"due_at"`
	FiledAt  *time.Time `json:"filed_at,omitempty"`
}

// BulletinContent is what a bulletin says, computed from the metrics of
// its period; a published bulletin keeps it as it was.
type BulletinContent struct {
	Period         string                  `json:"period"`
	Label          string                  `json:"label"`
	From           string                  `json:"from"`
	To             string                  `json:"to"`
	ComputedAt     time.Time               `json:"computed_at"`
	Overview       BulletinOverview        `json:"overview"`
	Units          []BulletinRow           `json:"units"` // ranked, then those not ranked (RankUnits)
	Commended      []BulletinUnit          `json:"commended"`
	Criticised     []BulletinUnit          `json:"criticised"`
	SelfCriticisms []BulletinSelfCriticism `json:"self_criticisms"`
	Overdue        []BulletinProblem       `json:"overdue"` // the longest overdue open problems
	Activities     ActivityTotal           `json:"activities"`
	// Intake is the office's own row (受理派单), kept out of the ranking.
	Intake *IntakeRow `json:"intake,omitempty"`
	// Configs are the rules the content was computed and judged with;
	// published content keeps them as they were.
	Configs *MetricConfigSet `json:"configs,omitempty"`
}

// Ranked returns the ranked units' rows, in rank order.
func (c *BulletinContent) Ranked() []BulletinRow {
	var out []BulletinRow
	for _, r := range c.Units {
		if r.Unranked == "" {
			out = append(out, r)
		}
	}
	return out
}

// NotRanked returns the rows of the units listed apart from the ranking.
func (c *BulletinContent) NotRanked() []BulletinRow {
	var out []BulletinRow
	for _, r := range c.Units {
		if r.Unranked != "" {
			out = append(out, r)
		}
	}
	return out
}

// MarkDecisions marks each unit's row with the bulletin's decision on it:
// criticised or commended.
func (c *BulletinContent) MarkDecisions() {
	crit, comm := map[int64]bool{}, map[int64]bool{}
	for _, u := range c.Criticised {
		crit[u.UnitID] = true
	}
	for _, u := range c.Commended {
		comm[u.UnitID] = true
	}
	for i := range c.Units {
		c.Units[i].Criticised, c.Units[i].Commended = crit[c.Units[i].UnitID], comm[c.Units[i].UnitID]
	}
}

// Judge applies the rules to the unit rows of a period, each row under
// the configuration of its class of unit: a unit with a low score, too
// many overdue or too many unsatisfied callbacks is criticised; a ranked
// unit that is not criticised, with enough assigned problems, a high
// score and nothing overdue is commended (the best Base.Rules.CommendMax).
// A unit is never both.
func Judge(rows []BulletinRow, set MetricConfigSet) (commended, criticised []BulletinUnit) {
	commended, criticised = []BulletinUnit{}, []BulletinUnit{}
	for _, row := range rows {
		r := set.For(row.UnitKind).Rules
		u := BulletinUnit{UnitID: row.UnitID, Name: row.Name, Score: row.Score, Assigned: row.Assigned, Overdue: row.Overdue}
		var why []string
		if !row.Score.Missing() && float64(row.Score) < r.CriticiseBelowScore {
			why = append(why, fmt.Sprintf("综合得分 %s 分，低于 %s 分", row.Score.Points(), trimFloat(r.CriticiseBelowScore)))
		}
		if r.CriticiseOverdue > 0 && row.Overdue >= r.CriticiseOverdue {
			why = append(why, fmt.Sprintf("逾期未办结 %d 件", row.Overdue))
		}
		if row.Callbacks > 0 && row.Unsatisfied > 0 && Rate(row.Unsatisfied, row.Callbacks) >= r.CriticiseUnsatisfied {
			why = append(why, fmt.Sprintf("回访不满意 %d 件，占 %s", row.Unsatisfied, Figure(Rate(row.Unsatisfied, row.Callbacks)).Percent()))
		}
		if len(why) > 0 {
			u.Reason = strings.Join(why, "；")
			criticised = append(criticised, u)
			continue
		}
		if row.Rank > 0 && row.Assigned >= r.CommendMinAssigned && !row.Score.Missing() && float64(row.Score) >= r.CommendMinScore &&
			row.Overdue == 0 {
			u.Reason = fmt.Sprintf("交办 %d 件，综合得分 %s 分，无逾期", row.Assigned, row.Score.Points())
			commended = append(commended, u)
		}
	}
	sort.SliceStable(commended, func(i, j int) bool { return commended[i].Score > commended[j].Score })
	if max := set.Base.Rules.CommendMax; len(commended) > max {
		commended = commended[:max]
	}
	sort.SliceStable(criticised, func(i, j int) bool {
		a, b := criticised[i].Score, criticised[j].Score
		if a.Missing() != b.Missing() {
			return b.Missing()
		}
		return a < b
	})
	return commended, criticised
}

// Apply applies the office's overrides to the content's lists, and marks
// the rows with the decisions (MarkDecisions). A unit overridden but
// absent from the rows is named by names[unitID]; an override moves a unit
// out of both lists before it puts it in one, so no unit is both.
func (c *BulletinContent) Apply(os []BulletinOverride, names map[int64]string) {
	rows := map[int64]BulletinRow{}
	for _, r := range c.Units {
		rows[r.UnitID] = r
	}
	drop := func(list []BulletinUnit, id int64) []BulletinUnit {
		out := list[:0:0]
		for _, u := range list {
			if u.UnitID != id {
				out = append(out, u)
			}
		}
		return out
	}
	for _, o := range os {
		c.Commended, c.Criticised = drop(c.Commended, o.UnitID), drop(c.Criticised, o.UnitID)
		row, ok := rows[o.UnitID]
		if !ok {
			row = BulletinRow{UnitID: o.UnitID, Name: names[o.UnitID], Score: Figure(math.NaN())}
		}
		u := BulletinUnit{UnitID: o.UnitID, Name: row.Name, Score: row.Score, Assigned: row.Assigned, Overdue: row.Overdue,
			Reason: strings.TrimSpace(o.Reason), Override: true}
		switch o.Action {
		case OverrideCommend:
			c.Commended = append(c.Commended, u)
		case OverrideCriticise:
			c.Criticised = append(c.Criticised, u)
		}
	}
	c.MarkDecisions()
}

// SelfCriticism is the written self-criticism a criticised unit owes
// within SelfCriticismDays working days of the bulletin's publication.
type SelfCriticism struct {
	ID           int64      `json:"id"`
	Period       string     `json:"period"`
	Bulletin     string     `json:"bulletin"` // its number label
	UnitID       int64      `json:"unit_id"`
	UnitName     string     `json:"unit_name"`
	Reason       string     `json:"reason"`
	DueAt        time.Time  `json:"due_at"`
	FiledAt      *time.Time `json:"filed_at,omitempty"`
	FiledBy      int64      `json:"filed_by,omitempty"`
	Filename     string     `json:"filename,omitempty"`
	ContentType  string     `json:"content_type,omitempty"`
	Size         int64      `json:"size,omitempty"`
	ReceivedAt   *time.Time `json:"received_at,omitempty"`
	ReceivedBy   int64      `json:"received_by,omitempty"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	StateName    string     `json:"state"`
	OverdueNow   bool       `json:"overdue"` // not filed and past due
	FiledLate    bool       `json:"late"`    // filed after its due date
	DueDateLabel string     `json:"due_date"`
}

// Self-criticism states for filtering.
const (
	SelfCriticismOwed     = "owed"     // not filed
	SelfCriticismFiled    = "filed"    // filed, not yet received
	SelfCriticismReceived = "received" // received by the office
)

// Finish fills the derived fields as of now.
func (s *SelfCriticism) Finish(now time.Time) {
	switch {
	case s.ReceivedAt != nil:
		s.StateName = SelfCriticismReceived
	case s.FiledAt != nil:
		s.StateName = SelfCriticismFiled
	default:
		s.StateName = SelfCriticismOwed
	}
	s.FiledLate = s.FiledAt != nil && s.FiledAt.After(s.DueAt)
	s.OverdueNow = s.FiledAt == nil && now.After(s.DueAt)
	s.DueDateLabel = DeadlineDate(s.DueAt)
}

// StateLabel names the state in Chinese.
func (s *SelfCriticism) StateLabel() string {
	switch s.StateName {
	case SelfCriticismReceived:
		return "已签收"
	case SelfCriticismFiled:
		if s.FiledLate {
			return "已提交（逾期）"
		}
		return "已提交"
	}
	if s.OverdueNow {
		return "逾期未交"
	}
	return "待提交"
}

// SelfCriticismFilter selects self-criticisms: by the bulletin's period,
// the unit and the state (owed, filed, received).
type SelfCriticismFilter struct {
	Period string
	UnitID int64
	State  string
	// Overdue, when set, keeps the ones not filed and past their due
	// date (true) or not filed and not yet due (false).
	Overdue *bool
}

// BulletinService keeps the half-month bulletins and the self-criticisms
// they ask for. Everyone who works on problems reads the published
// bulletins; drafts are the office's.
type BulletinService interface {
	// FindBulletins lists the bulletins, newest period first: published
	// ones, and drafts for the office.
	FindBulletins(ctx context.Context) ([]*Bulletin, error)
	// FindBulletin returns a period's bulletin. ENOTFOUND when there is
	// none (or only a draft, for others than the office); EINVALID for a
	// period id that does not parse or is not a half month.
	FindBulletin(ctx context.Context, period string) (*Bulletin, error)
	// GenerateBulletin creates or recomputes the draft of a half-month
	// period (office only). ECONFLICT when it is published; EINVALID for
	// a bad period.
	GenerateBulletin(ctx context.Context, period string) (*Bulletin, error)
	// SaveBulletin edits the draft's commentary and overrides (office
	// only), creating the draft if needed. EUNPROCESSABLE for an override
	// without a reason or of an unknown unit; ECONFLICT when stale or
	// published.
	SaveBulletin(ctx context.Context, period, commentary string, overrides []BulletinOverride, version int64) (*Bulletin, error)
	// PublishBulletin computes the final content, numbers and freezes the
	// bulletin and asks the criticised units for self-criticisms (office
	// only). ECONFLICT when stale or already published.
	PublishBulletin(ctx context.Context, period string, version int64) (*Bulletin, error)

	// FindSelfCriticisms lists self-criticisms in the caller's scope (a
	// unit admin: their units'), newest first.
	FindSelfCriticisms(ctx context.Context, f SelfCriticismFilter) ([]*SelfCriticism, error)
	// FileSelfCriticism hands in a unit's self-criticism, by an admin of
	// that unit. ENOTFOUND outside their units; ECONFLICT once received;
	// EUNPROCESSABLE or ETOOLARGE for a file not accepted.
	FileSelfCriticism(ctx context.Context, id int64, filename string, r io.Reader, max int64) (*SelfCriticism, error)
	// OpenSelfCriticism returns a filed self-criticism and a stream of its
	// file (Size bytes), which the caller closes: the office, leaders and
	// the unit's admin. ENOTFOUND before it is filed or when its file is
	// missing from the blob store; EUNAVAILABLE when the store does not
	// answer.
	OpenSelfCriticism(ctx context.Context, id int64) (*SelfCriticism, io.ReadCloser, error)
	// ReceiveSelfCriticism records the office's receipt of a filed one.
	// ECONFLICT when nothing was filed or it was received already.
	ReceiveSelfCriticism(ctx context.Context, id int64) (*SelfCriticism, error)
}

// HalfMonth parses a bulletin's period: a half month only.
func HalfMonth(id string) (Period, error) {
	p, err := ParsePeriod(id)
	if err != nil {
		return p, err
	}
	if p.Kind != PeriodHalf {
		return p, Errorf(EINVALID, "通报按半月编制，期间应为 %s-H1 或 %s-H2 这样的半月", id, id)
	}
	return p, nil
}
