package sanlian

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// CoUnit is a co-handling unit (配合单位) of a problem (SPEC §3): it helps
// the lead unit and records its own part; only the lead resolves, and the
// metrics count the problem for the lead alone.
type CoUnit struct {
	UnitID  int64     `json:"unit_id"`
	Name    string    `json:"name"`
	AddedAt time.Time `json:"added_at"`
	// Parts is how many records of its part the co-unit has made.
	Parts int `json:"parts"`
	// Mine marks the co-unit the caller records parts for, if any.
	Mine bool `json:"mine,omitempty"`
}

// PartDone reports whether the co-unit has recorded its part.
func (c CoUnit) PartDone() bool { return c.Parts > 0 }

// MaxCoUnits bounds the co-units of one problem.
const MaxCoUnits = 10

// CoUnitPlan is what naming a problem's co-units changes: the units to
// add and to remove, each in the order given.
type CoUnitPlan struct {
	Add    []int64
	Remove []int64
}

// Empty reports whether the plan changes nothing.
func (p CoUnitPlan) Empty() bool { return len(p.Add) == 0 && len(p.Remove) == 0 }

// coUnitErr is a refused co-unit request: the message says what is wrong
// and the field error points at the list.
func coUnitErr(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EUNPROCESSABLE, Message: msg, Fields: map[string]string{"co_unit_ids": msg}}
}

// PlanCoUnits checks the co-units requested to replace a problem's
// current ones, for a problem led by unit lead: each unit exists (names
// holds the existing ones among those requested), is named once, and is
// not the lead itself; and no co-unit that has recorded its part is
// removed, since its record stays on the ledger. It returns what to add
// and what to remove.
func PlanCoUnits(lead int64, current []CoUnit, requested []int64, names map[int64]string) (CoUnitPlan, error) {
	var plan CoUnitPlan
	if len(requested) > MaxCoUnits {
		return plan, coUnitErr("配合单位不能超过 %d 个", MaxCoUnits)
	}
	seen := map[int64]bool{}
	for _, id := range requested {
		name, ok := names[id]
		switch {
		case !ok:
			return plan, coUnitErr("配合单位 %d 不存在", id)
		case id == lead:
			return plan, coUnitErr("“%s”是牵头单位，不能同时作为配合单位", name)
		case seen[id]:
			return plan, coUnitErr("配合单位“%s”重复", name)
		}
		seen[id] = true
	}
	had := map[int64]bool{}
	for _, c := range current {
		had[c.UnitID] = true
		if seen[c.UnitID] {
			continue
		}
		if c.PartDone() {
			return plan, coUnitErr("“%s”已记录配合办理情况，不能移出配合单位", c.Name)
		}
		plan.Remove = append(plan.Remove, c.UnitID)
	}
	for _, id := range requested {
		if !had[id] {
			plan.Add = append(plan.Add, id)
		}
	}
	return plan, nil
}

// CoUnitNames lists the names of co-units, "、"-joined, "无" for none: the
// form the timeline and the audit log show.
func CoUnitNames(cs []CoUnit) string {
	if len(cs) == 0 {
		return "无"
	}
	ns := make([]string, len(cs))
	for i, c := range cs {
		ns[i] = c.Name
	}
	return strings.Join(ns, "、")
}

// PartInput is a co-unit's record of its part (配合办理): what it did and
// the day it was done ("2006-01-02"; empty for today). UnitID picks the
// co-unit when the caller acts for more than one.
type PartInput struct {
	UnitID int64
	Note   string
	Date   string
}

// Part is a checked record of a co-unit's part, ready to store.
type Part struct {
	UnitID   int64
	UnitName string
	Note     string
	DoneOn   string // "2006-01-02"
}

// CheckPart decides a part for a problem whose co-units are co, recorded
// by someone who acts for the units mine reports (a unit admin: their
// units; a cadre: their unit), on day today ("2006-01-02" in Shanghai).
// The part belongs to the co-unit the input names or, when it names none,
// to the one co-unit the caller acts for; the note is required and the
// date, today by default, may not lie in the future.
func CheckPart(co []CoUnit, mine func(unit int64) bool, in PartInput, today string) (Part, error) {
	var cands []CoUnit
	for _, c := range co {
		if mine(c.UnitID) && (in.UnitID == 0 || in.UnitID == c.UnitID) {
			cands = append(cands, c)
		}
	}
	switch {
	case len(cands) == 0 && in.UnitID != 0:
		return Part{}, Errorf(EFORBIDDEN, "单位 %d 不是该问题的配合单位，或不由您记录，不能记录配合办理情况", in.UnitID)
	case len(cands) == 0:
		return Part{}, Errorf(EFORBIDDEN, "您的单位不是该问题的配合单位，不能记录配合办理情况")
	case len(cands) > 1:
		return Part{}, &Error{Code: EUNPROCESSABLE, Message: "您管理的多个单位都是该问题的配合单位，请选择记录哪个单位的配合办理情况",
			Fields: map[string]string{"unit_id": "请选择配合单位"}}
	}
	note := strings.TrimSpace(in.Note)
	f := map[string]string{}
	if note == "" {
		f["note"] = "请填写配合办理情况"
	} else if utf8.RuneCountInString(note) > MaxNote {
		f["note"] = fmt.Sprintf("配合办理情况不能超过 %d 字", MaxNote)
	}
	checkTexts(f, manyLines("note", "配合办理情况", note))
	day := strings.TrimSpace(in.Date)
	if day == "" {
		day = today
	} else if d, err := time.Parse("2006-01-02", day); err != nil || d.Format("2006-01-02") != day {
		f["date"] = "完成日期格式应为 2021-06-30"
	} else if day > today {
		f["date"] = "完成日期不能晚于今天"
	}
	if err := FieldErrors(f); err != nil {
		return Part{}, err
	}
	return Part{UnitID: cands[0].UnitID, UnitName: cands[0].Name, Note: note, DoneOn: day}, nil
}

// PendingParts lists the co-units that have not recorded their part yet:
// the lead is warned of them when it resolves, not stopped, since a
// co-unit's silence must not hold up the people's problem.
func PendingParts(co []CoUnit) []CoUnit {
	var out []CoUnit
	for _, c := range co {
		if !c.PartDone() {
			out = append(out, c)
		}
	}
	return out
}
