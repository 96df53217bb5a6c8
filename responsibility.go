package sanlian

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Where a responsibility comes from.
const (
	RespStandalone = "standalone" // entered on its own
	RespDispatch   = "dispatch"   // a decision of a monthly dispatch meeting
	RespProblem    = "problem"    // a problem assigned to the unit
	RespProject    = "project"    // a service project
)

// RespSources lists the sources in display order.
var RespSources = []string{RespProblem, RespProject, RespDispatch, RespStandalone}

// RespSourceLabel returns the Chinese name of a responsibility's source.
func RespSourceLabel(s string) string {
	switch s {
	case RespStandalone:
		return "自定事项"
	case RespDispatch:
		return "调度会议定"
	case RespProblem:
		return "问题清单"
	case RespProject:
		return "项目清单"
	}
	return s
}

// DispatchRef names a dispatch decision by its number: 第12号.
func DispatchRef(id int64) string { return "第" + strconv.FormatInt(id, 10) + "号" }

// Responsibility states.
const (
	RespPending = "pending" // 未开始
	RespOngoing = "ongoing" // 推进中
	RespDone    = "done"    // 已完成
)

// RespStates lists the states in their order of life.
var RespStates = []string{RespPending, RespOngoing, RespDone}

// RespStateLabel returns the Chinese name of a responsibility state.
func RespStateLabel(s string) string {
	switch s {
	case RespPending:
		return "未开始"
	case RespOngoing:
		return "推进中"
	case RespDone:
		return "已完成"
	}
	return s
}

// Responsibility is one line of a 工作落实责任清单: a task, who answers for
// it and by when, with which measures.
//
// Entered responsibilities are stored; the problems assigned to a unit and
// its projects are on the list too, derived when read so that nothing is
// typed twice: those carry Derived, ID 0, and the Source and SourceID of
// the problem or project they mirror, and are edited there.
type Responsibility struct {
	ID       int64  `json:"id,omitempty"`
	Key      string `json:"key"` // unique on the list: r<id>, problem:<id>, project:<id>
	Derived  bool   `json:"derived"`
	UnitID   int64  `json:"unit_id"`
	Task     string `json:"task"`
	Source   string `json:"source"`
	SourceID int64  `json:"source_id,omitempty"`
	// SourceRef names the source for people: a problem's number, a
	// project's title, a dispatch meeting's month.
	SourceRef      string    `json:"source_ref,omitempty"`
	LeaderID       int64     `json:"leader_id,omitempty"` // responsible leader, a cadre
	PersonID       int64     `json:"person_id,omitempty"` // responsible person, a cadre
	Measures       string    `json:"measures"`
	Deadline       string    `json:"deadline,omitempty"` // 2006-01-02, the last day
	State          string    `json:"state"`
	Progress       string    `json:"progress,omitempty"` // 进展情况, for derived lines from their source
	CompletionNote string    `json:"completion_note"`
	Version        int64     `json:"version,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`

	Overdue bool `json:"overdue"` // past its deadline and not done, when read

	// Read-only joins.
	UnitName   string `json:"unit_name,omitempty"`
	LeaderName string `json:"leader_name,omitempty"`
	PersonName string `json:"person_name,omitempty"`
}

// StateLabel is the Chinese name of the responsibility's state.
func (r *Responsibility) StateLabel() string { return RespStateLabel(r.State) }

// SourceLabel is the Chinese name of the responsibility's source.
func (r *Responsibility) SourceLabel() string { return RespSourceLabel(r.Source) }

// ResponsibilityInput is what a unit or the office enters.
type ResponsibilityInput struct {
	UnitID         int64  `json:"unit_id"` // a unit admin's own unit when 0
	Task           string `json:"task"`
	Source         string `json:"source"`    // standalone when empty
	SourceID       int64  `json:"source_id"` // the problem, project or dispatch decision
	LeaderID       int64  `json:"leader_id"`
	PersonID       int64  `json:"person_id"`
	Measures       string `json:"measures"`
	Deadline       string `json:"deadline"`
	State          string `json:"state"` // pending when empty
	CompletionNote string `json:"completion_note"`
}

// Validate checks the responsibility's own fields; the unit, cadres and
// source are checked by the service.
func (in *ResponsibilityInput) Validate() error {
	in.Task = strings.TrimSpace(in.Task)
	in.Measures = strings.TrimSpace(in.Measures)
	in.CompletionNote = strings.TrimSpace(in.CompletionNote)
	if in.Source == "" {
		in.Source = RespStandalone
	}
	if in.State == "" {
		in.State = RespPending
	}
	f := map[string]string{}
	if in.Task == "" {
		f["task"] = "请填写责任事项"
	} else if utf8.RuneCountInString(in.Task) > 500 {
		f["task"] = "责任事项不能超过 500 字"
	}
	switch in.Source {
	case RespStandalone:
		if in.SourceID != 0 {
			f["source_id"] = "自定事项不关联来源"
		}
	case RespDispatch, RespProblem, RespProject:
		if in.SourceID <= 0 {
			f["source_id"] = "请选择事项来源"
		}
	default:
		f["source"] = "事项来源须为 问题清单、项目清单、调度会议定 或 自定事项"
	}
	if utf8.RuneCountInString(in.Measures) > MaxDescription {
		f["measures"] = "工作措施不能超过 5000 字"
	}
	if _, err := time.Parse("2006-01-02", in.Deadline); err != nil {
		f["deadline"] = "请填写完成时限，如 2021-06-30"
	}
	switch in.State {
	case RespPending, RespOngoing:
	case RespDone:
		if in.CompletionNote == "" {
			f["completion_note"] = "已完成的事项请填写完成情况"
		}
	default:
		f["state"] = "状态须为 未开始、推进中 或 已完成"
	}
	if utf8.RuneCountInString(in.CompletionNote) > MaxDescription {
		f["completion_note"] = "完成情况不能超过 5000 字"
	}
	if in.PersonID == 0 {
		f["person_id"] = "请选择责任人"
	}
	checkTexts(f, manyLines("task", "责任事项", in.Task), manyLines("measures", "工作措施", in.Measures),
		manyLines("completion_note", "完成情况", in.CompletionNote))
	return FieldErrors(f)
}

// ResponsibilityFilter selects lines of the responsibility list, by
// deadline then key.
type ResponsibilityFilter struct {
	UnitID   int64
	PersonID int64 // a cadre: responsible leader or responsible person
	Source   string
	State    string
	Overdue  bool
	Entered  bool // only stored responsibilities, none derived
	Cursor   string
	Limit    int

	// DueBy ("2006-01-02") keeps the lines not done whose deadline falls
	// from today to that day: the workbench's 到期 list.
	DueBy string
}

// ResponsibilityService keeps the responsibility lists, with the same
// scope as projects. Every write is audited.
type ResponsibilityService interface {
	// CreateResponsibility enters a responsibility. Returns
	// EUNPROCESSABLE with field errors, EFORBIDDEN for another unit's.
	CreateResponsibility(ctx context.Context, in *ResponsibilityInput) (*Responsibility, error)
	// UpdateResponsibility rewrites an entered responsibility. Returns
	// ECONFLICT on a stale version, ENOTFOUND outside the caller's scope.
	UpdateResponsibility(ctx context.Context, id int64, in *ResponsibilityInput, version int64) (*Responsibility, error)
	FindResponsibilityByID(ctx context.Context, id int64) (*Responsibility, error)
	// FindResponsibilities lists entered and derived lines together.
	FindResponsibilities(ctx context.Context, f ResponsibilityFilter) ([]*Responsibility, string, error)
}
