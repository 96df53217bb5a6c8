package sanlian

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Supervision levels (督办). Yellow and red are set by the daily job on
// overdue problems; a notice is issued by the office or a county leader.
const (
	LevelYellow = "yellow" // 黄牌: the problem is past its deadline
	LevelRed    = "red"    // 红牌: still overdue RedAfterDays working days after the yellow
	LevelNotice = "notice" // 督办通知: issued by hand, answered by the responsible unit
)

// SupervisionLevels lists the levels in display order.
var SupervisionLevels = []string{LevelRed, LevelYellow, LevelNotice}

// LevelLabel returns the Chinese name of a supervision level.
func LevelLabel(l string) string {
	switch l {
	case LevelYellow:
		return "黄牌督办"
	case LevelRed:
		return "红牌督办"
	case LevelNotice:
		return "督办通知"
	}
	return l
}

// What a supervision concerns.
const (
	TargetProblem        = "problem"
	TargetProject        = "project"
	TargetResponsibility = "responsibility"
)

// TargetKinds lists the kinds of target in display order.
var TargetKinds = []string{TargetProblem, TargetProject, TargetResponsibility}

// TargetKindLabel returns the Chinese name of a target kind.
func TargetKindLabel(k string) string {
	switch k {
	case TargetProblem:
		return "问题"
	case TargetProject:
		return "服务项目"
	case TargetResponsibility:
		return "责任事项"
	}
	return k
}

// Supervision states.
const (
	SupervisionOpen     = "open"     // 督办中
	SupervisionAnswered = "answered" // 已回复 (notices)
	SupervisionClosed   = "closed"   // 已解除 (automatic levels, when the problem is no longer overdue)
)

// SupervisionStates lists the states.
var SupervisionStates = []string{SupervisionOpen, SupervisionAnswered, SupervisionClosed}

// SupervisionStateLabel returns the Chinese name of a supervision state.
func SupervisionStateLabel(s string) string {
	switch s {
	case SupervisionOpen:
		return "督办中"
	case SupervisionAnswered:
		return "已回复"
	case SupervisionClosed:
		return "已解除"
	}
	return s
}

// Supervision is one 督办: an automatic yellow or red card on an overdue
// problem, or a notice issued on a problem, project or responsibility and
// answered by the unit responsible for it.
//
// An automatic supervision starts yellow at Since, turns red at RedAt and
// closes at ClosedAt when the problem is resolved, closed or no longer past
// its deadline; a problem holds at most one open automatic supervision. A
// notice is answered once; a reply after ReplyDue is Late.
type Supervision struct {
	ID         int64  `json:"id"`
	Level      string `json:"level"`
	State      string `json:"state"`
	TargetKind string `json:"target_kind"`
	TargetID   int64  `json:"target_id"`
	// TargetRef names the target for people: a problem's number and title,
	// a project's title, a responsibility's task.
	TargetRef    string    `json:"target_ref"`
	UnitID       int64     `json:"unit_id,omitempty"`
	PersonID     int64     `json:"person_id,omitempty"`
	TownshipCode string    `json:"township,omitempty"`
	Text         string    `json:"text,omitempty"`
	ReplyDue     string    `json:"reply_due,omitempty"` // 2006-01-02, the last day to reply
	Reply        string    `json:"reply,omitempty"`
	RepliedAt    time.Time `json:"replied_at,omitzero"`
	RepliedBy    int64     `json:"replied_by,omitempty"`
	Late         bool      `json:"late"`
	Since        time.Time `json:"since"`
	RedAt        time.Time `json:"red_at,omitzero"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
	IssuedBy     int64     `json:"issued_by,omitempty"` // 0 for the automatic levels
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	// Read-only joins.
	UnitName    string `json:"unit_name,omitempty"`
	PersonName  string `json:"person_name,omitempty"`
	IssuerName  string `json:"issuer_name,omitempty"`
	ReplierName string `json:"replier_name,omitempty"`
}

// Auto reports whether the supervision is an automatic level.
func (s *Supervision) Auto() bool { return s.Level != LevelNotice }

// LevelLabel is the Chinese name of the supervision's level.
func (s *Supervision) LevelLabel() string { return LevelLabel(s.Level) }

// StateLabel is the Chinese name of the supervision's state.
func (s *Supervision) StateLabel() string { return SupervisionStateLabel(s.State) }

// TargetKindLabel is the Chinese name of the supervision's target kind.
func (s *Supervision) TargetKindLabel() string { return TargetKindLabel(s.TargetKind) }

// Unanswered reports whether a notice still waits for its reply.
func (s *Supervision) Unanswered() bool { return s.Level == LevelNotice && s.State == SupervisionOpen }

// MaxSupervisionText caps a notice's text and a reply.
const MaxSupervisionText = 2000

// SupervisionInput is a notice the office or a county leader issues.
type SupervisionInput struct {
	TargetKind string `json:"target_kind"`
	TargetID   int64  `json:"target_id"`
	Text       string `json:"text"`
	ReplyDue   string `json:"reply_due"` // 2006-01-02, today or later
}

// Validate checks the notice's own fields against today's date
// (2006-01-02, Asia/Shanghai); the target is checked by the service.
func (in *SupervisionInput) Validate(today string) error {
	in.Text = strings.TrimSpace(in.Text)
	in.ReplyDue = strings.TrimSpace(in.ReplyDue)
	f := map[string]string{}
	if !contains(TargetKinds, in.TargetKind) {
		f["target_kind"] = "督办对象须为 问题、服务项目 或 责任事项"
	}
	if in.TargetID <= 0 {
		f["target_id"] = "请填写督办对象的编号"
	}
	if in.Text == "" {
		f["text"] = "请填写督办内容"
	} else if utf8.RuneCountInString(in.Text) > MaxSupervisionText {
		f["text"] = "督办内容不能超过 2000 字"
	}
	if d, err := time.Parse("2006-01-02", in.ReplyDue); err != nil {
		f["reply_due"] = "请填写回复期限，如 2021-06-30"
	} else if d.Format("2006-01-02") < today {
		f["reply_due"] = "回复期限不能早于今天（" + today + "）"
	}
	checkTexts(f, manyLines("text", "督办内容", in.Text))
	return FieldErrors(f)
}

// ValidateReply checks a reply's text.
func ValidateReply(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", FieldErrors(map[string]string{"text": "请填写回复内容"})
	case utf8.RuneCountInString(text) > MaxSupervisionText:
		return "", FieldErrors(map[string]string{"text": "回复内容不能超过 2000 字"})
	}
	if err := CheckText("text", "回复内容", text, true); err != nil {
		return "", err
	}
	return text, nil
}

// SupervisionFilter selects supervisions, newest first.
type SupervisionFilter struct {
	Level      string
	State      string
	UnitID     int64
	TargetKind string
	TargetID   int64
	Unanswered bool // notices still waiting for their reply
	Late       bool // notices answered after their reply deadline
	Cursor     string
	Limit      int
}

// SupervisionCounts are the numbers on the supervision desk, within the
// caller's scope: open yellow and red cards, notices waiting for a reply,
// late replies.
type SupervisionCounts struct {
	Yellow     int `json:"yellow"`
	Red        int `json:"red"`
	Unanswered int `json:"unanswered"`
	Late       int `json:"late"`
}

// SupervisionService keeps the supervisions. Scope: the office sees all; a
// county leader those in their linked townships and the notices they
// issued; a unit admin those of their units; a cadre those they are the
// responsible person for. Every write is audited.
type SupervisionService interface {
	// CreateSupervision issues a notice. Office, or a county leader for
	// their townships. Returns EUNPROCESSABLE with field errors (a reply
	// deadline in the past, an unknown target), EFORBIDDEN.
	CreateSupervision(ctx context.Context, in *SupervisionInput) (*Supervision, error)
	// ReplySupervision answers a notice, by the admin of the responsible
	// unit or the responsible person, on the version read. Returns
	// EFORBIDDEN for anyone else, ECONFLICT when already answered or on a
	// stale version, EUNPROCESSABLE for an empty text.
	ReplySupervision(ctx context.Context, id int64, text string, version int64) (*Supervision, error)
	// FindSupervisionByID returns ENOTFOUND outside the caller's scope.
	FindSupervisionByID(ctx context.Context, id int64) (*Supervision, error)
	FindSupervisions(ctx context.Context, f SupervisionFilter) ([]*Supervision, string, error)
	CountSupervisions(ctx context.Context, f SupervisionFilter) (*SupervisionCounts, error)
}
