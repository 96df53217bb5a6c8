package sanlian

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The row checks of the responsibility and activity imports.

// ActivityLookups finds what a line of the activity import names.
type ActivityLookups interface {
	// ActivityType finds a type by code or name; nil when none has it.
	ActivityType(name string) *ActivityType
	Village(name string) (code, township, msg string)
	Unit(name string) (id int64, msg string)
	// InScope reports whether the importing user may record activities
	// of unit.
	InScope(unit int64) bool
	// Volunteer finds a cadre by name: of the unit when it has one of
	// that name, else the only one in the county.
	Volunteer(name string, unit int64) (id int64, msg string)
}

// ActivityLine is a line of the activity import, checked.
type ActivityLine struct {
	Input    ActivityInput
	Township string
}

// CheckActivityLine checks a line of the activity import, v its canonical
// values by column key, today the day of the import in Asia/Shanghai
// ("2006-01-02"), with the rights of CreateActivity: the office for any
// unit, a unit admin for its units.
func CheckActivityLine(v map[string]string, look ActivityLookups, today string) (*ActivityLine, []CellError) {
	var errs cellErrors
	l := &ActivityLine{Input: ActivityInput{Date: v["date"], Description: v["description"]}}
	in := &l.Input
	if s := v["type"]; s != "" {
		t := look.ActivityType(s)
		switch {
		case t == nil:
			errs.fail("type", "找不到活动类型“"+s+"”")
		case !t.Active:
			errs.fail("type", "活动类型“"+t.Name+"”已停用")
		default:
			in.Type = t.Code
		}
	}
	if in.Date > today {
		errs.fail("date", "活动日期不能晚于今天（"+today+"）")
	}
	if s := v["village"]; s != "" {
		code, t, msg := look.Village(s)
		if msg != "" {
			errs.fail("village", msg)
		}
		in.VillageCode, l.Township = code, t
	}
	in.UnitID = errs.scopedUnit(look, v["unit"], "志愿服务活动")
	var bad []string
	for _, name := range SplitImportList(v["volunteers"], "") {
		id, msg := look.Volunteer(name, in.UnitID)
		if msg != "" {
			bad = append(bad, msg)
			continue
		}
		if !slices.Contains(in.Volunteers, id) {
			in.Volunteers = append(in.Volunteers, id)
		}
	}
	if len(bad) > 0 {
		errs.fail("volunteers", strings.Join(bad, "；"))
	}
	kind := FindImportKind("activities")
	others := importInt(kind, v, "others", 0, &errs)
	served := importInt(kind, v, "served", 0, &errs)
	in.Others, in.Served = int(min(others, 1<<31-1)), int(min(served, 1<<31-1))
	errs.validated(kind, in.Validate(), map[string]string{"unit_id": "unit"})
	return l, errs
}

// RespSourceItem is a problem or project a line of the responsibility
// import names as its source.
type RespSourceItem struct {
	ID, UnitID int64
	Title      string
	Listed     bool // on its unit's list as a derived line
}

// ResponsibilityLookups finds what a line of the responsibility import
// names.
type ResponsibilityLookups interface {
	Unit(name string) (id int64, msg string)
	// InScope reports whether the importing user may enter
	// responsibilities of unit.
	InScope(unit int64) bool
	// TreeCadre finds a cadre by name: of unit or its sub-units when one
	// of them has the name, else the only one in the county.
	TreeCadre(name string, unit int64) (id int64, msg string)
	// Problem finds a problem by its number.
	Problem(number string) (RespSourceItem, bool)
	// Project finds a project by title: unit's own, else the only one of
	// that title in the county.
	Project(title string, unit int64) (RespSourceItem, string)
	// Decision gives the month of a dispatch decision on record.
	Decision(id int64) (month string, ok bool)
}

// ResponsibilityLine is a line of the responsibility import, checked.
type ResponsibilityLine struct {
	Input ResponsibilityInput
	// Derived is a line mirroring a problem assigned to its unit or one of
	// its projects: the list derives it, so the import skips it, unchecked.
	Derived bool
	// Decision is the month of a dispatch decision the line names that is
	// not on record: to record with the line, under Input.SourceID.
	Decision string
}

// CheckResponsibilityLine checks a line of the responsibility import, v
// its canonical values by column key, with the rules of
// CreateResponsibility: the unit in the caller's reach, a leader and person
// of its tree (or the county), a source that is not the unit's own problem
// or project. A line of a unit's three-lists workbook that mirrors one of
// those is Derived and has no errors.
func CheckResponsibilityLine(v map[string]string, look ResponsibilityLookups) (*ResponsibilityLine, []CellError) {
	task, source, ref := v["task"], v["source"], v["source_ref"]
	unit, unitMsg := look.Unit(v["unit"])
	var src RespSourceItem
	var srcMsg string
	switch {
	case ref == "":
	case source == RespProblem:
		x, ok := look.Problem(ref)
		if !ok {
			srcMsg = "找不到编号为 " + ref + " 的问题"
		}
		src = x
	case source == RespProject:
		src, srcMsg = look.Project(ref, unit)
	}
	if unitMsg == "" && srcMsg == "" && src.Listed && src.UnitID == unit && FoldTitle(src.Title) == FoldTitle(task) {
		return &ResponsibilityLine{Derived: true}, nil
	}
	var errs cellErrors
	l := &ResponsibilityLine{Input: ResponsibilityInput{Task: task, Source: source, Measures: v["measures"], Deadline: v["deadline"],
		State: v["state"], CompletionNote: v["progress"]}}
	in := &l.Input
	if s := v["unit"]; s != "" {
		switch {
		case unitMsg != "":
			errs.fail("unit", unitMsg)
		case !look.InScope(unit):
			errs.fail("unit", "无权导入其他单位的责任事项：“"+s+"”不是本单位或下属单位")
		}
		in.UnitID = unit
	}
	if in.UnitID != 0 {
		in.LeaderID = respCadre(v, "leader", in.UnitID, look, &errs)
		in.PersonID = respCadre(v, "person", in.UnitID, look, &errs)
	}
	l.Decision = l.source(ref, src, srcMsg, look, &errs)
	errs.validated(FindImportKind("responsibilities"), in.Validate(), map[string]string{"source_id": "source_ref",
		"completion_note": "progress", "person_id": "person", "leader_id": "leader", "unit_id": "unit"})
	return l, errs
}

// respCadre reads the cadre of column key, if any; 0 when it fails.
func respCadre(v map[string]string, key string, unit int64, look ResponsibilityLookups, errs *cellErrors) int64 {
	s := v[key]
	if s == "" {
		return 0
	}
	id, msg := look.TreeCadre(s, unit)
	if msg != "" {
		errs.fail(key, msg)
	}
	return id
}

// source checks what a responsibility comes from (src the problem or
// project ref names, or srcMsg why none) and sets Input.SourceID; it
// returns the month of a dispatch decision to record with the line, if
// any.
func (l *ResponsibilityLine) source(ref string, src RespSourceItem, srcMsg string, look ResponsibilityLookups, errs *cellErrors) string {
	in := &l.Input
	switch in.Source {
	case RespProblem, RespProject:
		what := map[string]string{RespProblem: "问题编号", RespProject: "项目名称"}[in.Source]
		switch {
		case ref == "":
			errs.fail("source_ref", "来源为"+RespSourceLabel(in.Source)+"的事项请填写"+what)
		case srcMsg != "":
			errs.fail("source_ref", srcMsg)
		case in.Source == RespProblem && src.Listed && src.UnitID == in.UnitID:
			errs.fail("source_ref", "该问题已交办给本单位，已自动列入本单位责任清单，无需重复填报")
		case in.Source == RespProject && src.UnitID == in.UnitID:
			errs.fail("source_ref", "该项目属于本单位，已自动列入本单位责任清单，无需重复填报")
		}
		in.SourceID = src.ID
	case RespDispatch:
		// A decision's number alone is taken as given, as the service
		// takes it; with its meeting's month, the decision is checked
		// against the one on record, or recorded with the line.
		if ref == "" {
			errs.fail("source_ref", "来源为调度会议定的事项请填写调度会议决定的编号")
		} else if month, n, ok := DispatchNumber(ref); ok {
			in.SourceID = n
			if was, recorded := look.Decision(n); recorded && month != "" && was != month {
				errs.fail("source_ref", fmt.Sprintf("调度会议定事项第%d号是 %s 月度调度会的，不是 %s 的", n, was, month))
			} else if !recorded && month != "" {
				if _, err := ParseMonth(month); err != nil {
					errs.fail("source_ref", ErrorMessage(err))
				}
				return month
			}
		} else {
			errs.fail("source_ref", "调度会议决定的编号须为数字，如 12 或 #12")
		}
	default:
		if ref != "" {
			errs.fail("source_ref", "自定事项不填写来源编号")
		}
	}
	return ""
}

var dispatchRE = regexp.MustCompile(`^(?:([0-9]{4}-[0-9]{2})\s*月度调度会\s*)?(?:#|＃|第)?\s*([0-9]{1,12})\s*号?$`)

// DispatchNumber reads the number of a dispatch decision: 12, #12, 第12号,
// or as the lists name it, 2021-05 月度调度会 第12号, with its month then.
func DispatchNumber(s string) (month string, n int64, ok bool) {
	m := dispatchRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", 0, false
	}
	n, err := strconv.ParseInt(m[2], 10, 64)
	return m[1], n, err == nil && n > 0
}
