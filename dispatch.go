package sanlian

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Dispatch is the monthly dispatch meeting (月度调度会) of one month: when
// and where it met, who chaired and attended, its record, and the
// decisions it took. A month without a saved meeting reads with Version 0;
// decisions may be recorded before the meeting's record is.
type Dispatch struct {
	Month       string    `json:"month"` // 2021-05
	MeetingDate string    `json:"meeting_date,omitempty"`
	Place       string    `json:"place"`
	Chair       string    `json:"chair"`
	Attendees   string    `json:"attendees"`
	Record      string    `json:"record"`
	Version     int64     `json:"version"`
	UpdatedAt   time.Time `json:"updated_at,omitempty"`

	Decisions []*Decision `json:"decisions"`
}

// Held reports whether the meeting's record has been saved.
func (d *Dispatch) Held() bool { return d.Version > 0 }

// Label is the month in Chinese: 2021年5月.
func (d *Dispatch) Label() string { return MonthLabel(d.Month) }

// MonthLabel names a month id (2021-05) in Chinese, or returns it as given.
func MonthLabel(month string) string {
	p, err := ParsePeriod(month)
	if err != nil || p.Kind != PeriodMonth {
		return month
	}
	return p.Label()
}

// DispatchRefOf names a decision of a month's meeting for the lists, with
// its number so that a workbook reads it back: 2021-05 月度调度会 第12号.
func DispatchRefOf(month string, id int64) string {
	return month + " 月度调度会 " + DispatchRef(id)
}

// Decision is one decision of a dispatch meeting (会议议定事项). Recording
// it puts a line on the responsible unit's responsibility list, whose state
// the decision then shows.
type Decision struct {
	ID               int64  `json:"id"`
	Month            string `json:"month"`
	Text             string `json:"text"`
	UnitID           int64  `json:"unit_id"`
	PersonID         int64  `json:"person_id"`
	LeaderID         int64  `json:"leader_id,omitempty"`
	Deadline         string `json:"deadline"`
	ResponsibilityID int64  `json:"responsibility_id"`

	// Read-only joins: names, and the responsibility line's state.
	UnitName       string `json:"unit_name,omitempty"`
	PersonName     string `json:"person_name,omitempty"`
	LeaderName     string `json:"leader_name,omitempty"`
	State          string `json:"state"`
	CompletionNote string `json:"completion_note,omitempty"`
	Overdue        bool   `json:"overdue"`
}

// StateLabel is the Chinese name of the decision's responsibility state.
func (d *Decision) StateLabel() string { return RespStateLabel(d.State) }

// DispatchInput is the meeting's record as the office saves it.
type DispatchInput struct {
	MeetingDate string `json:"meeting_date"`
	Place       string `json:"place"`
	Chair       string `json:"chair"`
	Attendees   string `json:"attendees"`
	Record      string `json:"record"`
}

// Validate checks the record for the month p: the meeting is held within
// the month or after it (a month is reviewed at its end or early in the
// next), never before.
func (in *DispatchInput) Validate(p Period) error {
	in.MeetingDate = strings.TrimSpace(in.MeetingDate)
	in.Place = strings.TrimSpace(in.Place)
	in.Chair = strings.TrimSpace(in.Chair)
	in.Attendees = strings.TrimSpace(in.Attendees)
	in.Record = strings.TrimSpace(in.Record)
	f := map[string]string{}
	if d, err := time.ParseInLocation("2006-01-02", in.MeetingDate, Shanghai); err != nil {
		f["meeting_date"] = "请填写会议日期，如 2021-05-28"
	} else if d.Before(p.Start) {
		f["meeting_date"] = "会议日期不能早于 " + p.Label()
	} else if d.After(p.End.AddDate(0, 3, 0)) {
		f["meeting_date"] = "会议日期距 " + p.Label() + " 过远，请核对"
	}
	if in.Place == "" {
		f["place"] = "请填写会议地点"
	} else if utf8.RuneCountInString(in.Place) > 100 {
		f["place"] = "会议地点不能超过 100 字"
	}
	if in.Chair == "" {
		f["chair"] = "请填写主持人"
	} else if utf8.RuneCountInString(in.Chair) > 50 {
		f["chair"] = "主持人不能超过 50 字"
	}
	if utf8.RuneCountInString(in.Attendees) > 2000 {
		f["attendees"] = "参会人员不能超过 2000 字"
	}
	if in.Record == "" {
		f["record"] = "请填写会议纪要"
	} else if utf8.RuneCountInString(in.Record) > MaxDescription {
		f["record"] = "会议纪要不能超过 5000 字"
	}
	checkTexts(f, oneLine("place", "会议地点", in.Place), oneLine("chair", "主持人", in.Chair),
		manyLines("attendees", "参会人员", in.Attendees), manyLines("record", "会议纪要", in.Record))
	return FieldErrors(f)
}

// DecisionInput is a decision as the office records it.
type DecisionInput struct {
	Text     string `json:"text"`
	UnitID   int64  `json:"unit_id"`
	PersonID int64  `json:"person_id"`
	LeaderID int64  `json:"leader_id"`
	Deadline string `json:"deadline"`
}

// Responsibility is the line the decision puts on its unit's list; the
// responsibility service checks it, and its field names are the
// decision's (text for task).
func (in *DecisionInput) Responsibility(id int64) *ResponsibilityInput {
	return &ResponsibilityInput{UnitID: in.UnitID, Task: strings.TrimSpace(in.Text), Source: RespDispatch, SourceID: id,
		LeaderID: in.LeaderID, PersonID: in.PersonID, Deadline: strings.TrimSpace(in.Deadline), State: RespPending}
}

// DispatchMonth is a month on the list of dispatches.
type DispatchMonth struct {
	Month       string `json:"month"`
	MeetingDate string `json:"meeting_date,omitempty"`
	Held        bool   `json:"held"`
	Decisions   int    `json:"decisions"`
	Done        int    `json:"done"`
}

// Label is the month in Chinese.
func (m *DispatchMonth) Label() string { return MonthLabel(m.Month) }

// DispatchProgress is one township's or unit's problems for a month, read
// from the ledger: Created, Assigned, Resolved and Closed count problems
// entered, assigned (or last transferred), resolved and closed in the
// month; Open counts those entered before the month's end that are still
// on the ledger (OpenStates) when read, and Overdue those of them that are
// overdue when read.
type DispatchProgress struct {
	Key      string `json:"key"` // township code or unit id; "" for problems not assigned to a unit
	Name     string `json:"name"`
	Created  int    `json:"created"`
	Assigned int    `json:"assigned"`
	Resolved int    `json:"resolved"`
	Closed   int    `json:"closed"`
	Open     int    `json:"open"`
	Overdue  int    `json:"overdue"`
}

// DispatchService keeps the monthly dispatch meetings. The office writes;
// the office, county leaders and unit admins read; other roles get
// EFORBIDDEN. A month id that is not a month (2021-05) is EINVALID. Every
// write is audited.
type DispatchService interface {
	// FindDispatches lists the months with a meeting or decisions, newest
	// first, and the current month whether or not it has either.
	FindDispatches(ctx context.Context) ([]*DispatchMonth, error)
	// FindDispatch reads a month's meeting with its decisions.
	FindDispatch(ctx context.Context, month string) (*Dispatch, error)
	// SaveDispatch records the meeting: version 0 for the first record,
	// else the version read. Returns EUNPROCESSABLE with field errors,
	// ECONFLICT on a stale version.
	SaveDispatch(ctx context.Context, month string, in *DispatchInput, version int64) (*Dispatch, error)
	// AddDecision records a decision and, in the same transaction, its
	// line on the unit's responsibility list. Returns EUNPROCESSABLE with
	// field errors; nothing is written then.
	AddDecision(ctx context.Context, month string, in *DecisionInput) (*Decision, error)
	// DispatchProgress counts the month's problems by township or unit, in
	// the caller's scope of the ledger.
	DispatchProgress(ctx context.Context, month, by string) ([]*DispatchProgress, error)
}

// ParseMonth reads a month id (2021-05); a half-month or anything else is
// EINVALID.
func ParseMonth(month string) (Period, error) {
	p, err := ParsePeriod(month)
	if err != nil {
		return Period{}, Errorf(EINVALID, "月份 %q 无效，应为 2021-05 这样的年月", month)
	}
	if p.Kind != PeriodMonth {
		return Period{}, Errorf(EINVALID, "调度按月进行，%q 是半月，请写作 %s", month, month[:7])
	}
	return p, nil
}
