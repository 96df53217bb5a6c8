package sanlian

import (
	"sort"
	"strings"
	"time"
)

// The row checks of the imports: what a line of a file must say, decided
// without a database. What a line names (a category, a village, a unit, a
// cadre) is looked up through the kind's lookups interface, which storage
// implements over what it loaded; the checks return the line's values and
// its errors in the order found, and storage writes what they return.

// CellError is one failed check of an import line, in the column Key.
// Storage keeps the first error of each column.
type CellError struct{ Key, Message string }

// cellErrors collects the errors of one line in order.
type cellErrors []CellError

func (e *cellErrors) fail(key, msg string) { *e = append(*e, CellError{key, msg}) }

// validated adds the field errors of a domain Validate in the order of
// kind's columns (then by key), under the column that fields names for
// each field whose key differs.
func (e *cellErrors) validated(kind *ImportKind, err error, fields map[string]string) {
	*e = append(*e, ValidationCells(kind, err, fields)...)
}

// ValidationCells turns the field errors of a domain Validate into cell
// errors in the order of kind's columns (then by key); fields names the
// column of each field whose key differs. It returns nil for an error
// without field errors.
func ValidationCells(kind *ImportKind, err error, fields map[string]string) []CellError {
	f := ErrorFields(err)
	if f == nil {
		return nil
	}
	column := func(field string) string {
		if c, ok := fields[field]; ok {
			return c
		}
		return field
	}
	pos := func(field string) int {
		key := column(field)
		for i, c := range kind.Columns {
			if c.Key == key {
				return i
			}
		}
		return len(kind.Columns)
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		pi, pj := pos(keys[i]), pos(keys[j])
		return pi < pj || (pi == pj && keys[i] < keys[j])
	})
	out := make([]CellError, len(keys))
	for i, field := range keys {
		out[i] = CellError{column(field), f[field]}
	}
	return out
}

// ImportDate reads a canonical date cell at 00:00 Asia/Shanghai.
func ImportDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, Shanghai)
	return t, err == nil
}

// ProblemLookups finds what a line of the problem import names. Each
// method returns what it found, or a message for the line.
type ProblemLookups interface {
	Category(name string) (code, msg string)
	Village(name string) (code, township, msg string)
	Unit(name string) (id int64, msg string)
	// UnitCadre finds a cadre of the unit by name.
	UnitCadre(name string, unit int64) (id int64, msg string)
}

// ProblemLine is a line of the problem import, checked: the problem as it
// is to be entered, number aside when the file leaves it empty.
type ProblemLine struct {
	Input        ProblemInput
	Township     string
	UnitID       int64
	PersonID     int64
	State        string
	Number       string    // as the file gives it, or ""
	Created      time.Time // 00:00 of the registration day; zero when the cell is unreadable
	At           time.Time // registered at 09:00 that day
	AssignedAt   time.Time // At for a problem with a unit past the office's queue
	Due          time.Time // 24:00 of 完成时限's day, or zero
	Measures     string
	Result       string
	RejectReason string
	Leader       string
}

// problemStateOf reads a state by its label or code.
func problemStateOf(s string) (string, bool) {
	for _, st := range States {
		if s == st || s == StateLabel(st) {
			return st, true
		}
	}
	return "", false
}

func problemSourceOf(s string) (string, bool) {
	for _, src := range Sources {
		if s == src || s == SourceLabel(src) {
			return src, true
		}
	}
	return "", false
}

// CheckProblemLine checks a line of a county's historical ledger, v its
// canonical values by column key, today the day of the import in
// Asia/Shanghai ("2006-01-02"). A problem with a unit counts as assigned
// on the day it was registered; a rejected one keeps its 进展情况 as the
// reason.
func CheckProblemLine(v map[string]string, look ProblemLookups, today string) (*ProblemLine, []CellError) {
	var errs cellErrors
	l := &ProblemLine{Number: v["number"], Leader: v["leader"], Result: strings.TrimSpace(v["result"])}
	in := &l.Input
	*in = ProblemInput{Title: v["title"], Description: v["description"], ReporterName: v["reporter_name"],
		ReporterPhone: v["reporter_phone"], Urgency: UrgencyNormal}
	if in.Description == "" {
		in.Description = in.Title
	}
	if s := v["source"]; s != "" {
		src, ok := problemSourceOf(s)
		if !ok {
			var labels []string
			for _, x := range Sources {
				labels = append(labels, SourceLabel(x))
			}
			errs.fail("source", "来源须为 "+strings.Join(labels, "、"))
		}
		in.Source = src
	}
	if s := v["category"]; s != "" {
		code, msg := look.Category(s)
		if msg != "" {
			errs.fail("category", msg)
		}
		in.Category = code
	}
	if s := v["village"]; s != "" {
		code, t, msg := look.Village(s)
		if msg != "" {
			errs.fail("village", msg)
		}
		in.VillageCode, l.Township = code, t
	}
	in.Normalize()
	errs.validated(FindImportKind("problems"), in.Validate(), nil)
	l.checkUnit(v, look, &errs)
	l.checkState(v, &errs)
	l.checkDates(v, today, &errs)
	return l, errs
}

// checkUnit reads the responsible unit and person.
func (l *ProblemLine) checkUnit(v map[string]string, look ProblemLookups, errs *cellErrors) {
	if s := v["unit"]; s != "" {
		id, msg := look.Unit(s)
		if msg != "" {
			errs.fail("unit", msg)
		}
		l.UnitID = id
	}
	if s := v["person"]; s != "" {
		if v["unit"] == "" {
			errs.fail("person", "填写责任人时请同时填写责任单位")
		} else if l.UnitID != 0 {
			id, msg := look.UnitCadre(s, l.UnitID)
			if msg != "" {
				errs.fail("person", msg)
			}
			l.PersonID = id
		}
	}
}

// checkState reads the state, submitted or assigned as the unit says when
// the file has none, and the progress the state requires.
func (l *ProblemLine) checkState(v map[string]string, errs *cellErrors) {
	l.State = StateSubmitted
	if v["unit"] != "" {
		l.State = StateAssigned
	}
	if s := v["state"]; s != "" {
		st, ok := problemStateOf(s)
		switch {
		case !ok:
			errs.fail("state", "状态须为 待受理、已交办、办理中、已办结、已销号 或 不予受理")
		case st == StateMerged:
			errs.fail("state", "已合并的问题不能导入，请导入它并入的问题")
		case st == StateSubmitted && v["unit"] != "":
			errs.fail("state", "已填写责任单位的问题不能是“待受理”，请改为“已交办”或清空责任单位")
		case st != StateSubmitted && st != StateRejected && v["unit"] == "":
			errs.fail("unit", "状态为“"+s+"”的问题请填写责任单位")
		}
		if ok {
			l.State = st
		}
	}
	progress := strings.TrimSpace(v["progress"])
	switch {
	case (l.State == StateResolved || l.State == StateClosed) && progress == "":
		errs.fail("progress", "已办结、已销号的问题请在进展情况中填写办理措施")
	case l.State == StateRejected && progress == "":
		errs.fail("progress", "不予受理的问题请在进展情况中填写理由")
	}
	l.Measures = progress
	if l.State == StateRejected {
		l.Measures, l.RejectReason = "", progress
	}
}

// checkDates reads the registration day, not after today, and the
// deadline, not before it.
func (l *ProblemLine) checkDates(v map[string]string, today string, errs *cellErrors) {
	created, okCreated := ImportDate(v["created"])
	if okCreated && v["created"] > today {
		errs.fail("created", "登记日期不能晚于今天（"+today+"）")
	}
	if s := v["deadline"]; s != "" {
		if d, ok := ImportDate(s); ok {
			l.Due = d.AddDate(0, 0, 1) // 24:00 of the last day
			if okCreated && d.Before(created) {
				errs.fail("deadline", "完成时限不能早于登记日期")
			}
		}
	}
	if !okCreated {
		return
	}
	l.Created, l.At = created, created.Add(9*time.Hour)
	if l.UnitID != 0 && l.State != StateSubmitted {
		l.AssignedAt = l.At
	}
}
