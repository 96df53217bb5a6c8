package sanlian

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
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

// unitLookups finds the unit a line names, and whether the importer may
// write for it.
type unitLookups interface {
	Unit(name string) (id int64, msg string)
	InScope(unit int64) bool
}

// scopedUnit checks a line's unit column, if filled: the unit exists and is
// the importer's own or below it; what names the records in the refusal.
func (e *cellErrors) scopedUnit(look unitLookups, name, what string) int64 {
	if name == "" {
		return 0
	}
	id, msg := look.Unit(name)
	switch {
	case msg != "":
		e.fail("unit", msg)
	case !look.InScope(id):
		e.fail("unit", "无权导入其他单位的"+what+"：“"+name+"”不是本单位或下属单位")
	}
	return id
}

// validated adds the field errors of a domain Validate in the order of
// kind's columns (then by key), under the column that fields names for
// each field whose key differs.
func (e *cellErrors) validated(kind *ImportKind, err error, fields map[string]string) {
	*e = append(*e, ValidationCells(kind, err, fields)...)
}

// ValidationCells turns the field errors of a domain Validate into cell
// errors in the order of kind's columns (then by key); fields names the
// column of each field whose key differs. An error without field errors
// is the line's own: it refuses the line rather than letting it through.
func ValidationCells(kind *ImportKind, err error, fields map[string]string) []CellError {
	if err == nil {
		return nil
	}
	f := ErrorFields(err)
	if f == nil {
		return []CellError{{Message: ErrorMessage(err)}}
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

// FoldTitle is a title as imports compare titles, as a cell reads after
// normalisation (see NormalizeCell): full-width letters, digits and
// punctuation made half-width, blanks and invisible characters dropped.
func FoldTitle(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r):
			return -1
		case r >= '\uff01' && r <= '\uff5e':
			return r - 0xfee0
		}
		return r
	}, s)
}

// importInt reads the canonical whole number of column key of kind, def
// when the cell is empty; 0 with an error when it is too large.
func importInt(kind *ImportKind, v map[string]string, key string, def int64, errs *cellErrors) int64 {
	s := v[key]
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		header := ""
		if c := kind.Column(key); c != nil {
			header = c.Header
		}
		errs.fail(key, header+"须为不超过 10 亿的整数")
		return 0
	}
	return n
}

// ProjectLookups finds what a line of the project import names. Each
// method that can fail returns what it found, or a message for the line.
type ProjectLookups interface {
	Unit(name string) (id int64, msg string)
	// InScope reports whether the importing user may write projects of unit.
	InScope(unit int64) bool
	Category(name string) (code, msg string)
	CategoryActive(code string) bool
	// TreeCadre finds a cadre of unit or its sub-units by name, falling
	// back on a county leader when countyLeaders; rule says who may be named.
	TreeCadre(name string, unit int64, countyLeaders bool, rule string) (id int64, msg string)
	// Project finds unit's project titled title in the database (its id)
	// or earlier in the file (id 0), with its level, 1 at the top.
	Project(title string, unit int64) (id int64, level int, ok bool)
}

// ProjectLine is a line of the project import, checked.
type ProjectLine struct {
	Input   ProjectInput
	Done    int64
	Percent int // -1 when the file gives none
	Level   int // 1 at the top
}

// projectPercent finds a percentage in a project's 进展情况 ("进度 40%").
var projectPercent = regexp.MustCompile(`([0-9]{1,3}(?:\.[0-9]+)?)\s*[%％]`)

// CheckProjectLine checks a line of the project import, v its canonical
// values by column key, with the rules of the project service: the unit in
// the caller's reach, an active category, a leader and person of the unit's
// tree (a county leader may lead), a parent of the same unit at most
// MaxProjectDepth levels deep. Titles unique within a unit are storage's
// to check.
func CheckProjectLine(v map[string]string, look ProjectLookups) (*ProjectLine, []CellError) {
	var errs cellErrors
	kind := FindImportKind("projects")
	l := &ProjectLine{Percent: -1, Level: 1, Input: ProjectInput{Title: v["title"], Description: v["description"], Measure: v["measure"],
		Beneficiaries: v["beneficiaries"], StartDate: v["start"], EndDate: v["end"], Status: v["status"]}}
	in := &l.Input
	in.UnitID = errs.scopedUnit(look, v["unit"], "项目")
	if s := v["category"]; s != "" {
		code, msg := look.Category(s)
		switch {
		case msg != "":
			errs.fail("category", msg)
		case !look.CategoryActive(code):
			errs.fail("category", "类别“"+s+"”已停用")
		}
		in.Category = code
	}
	in.Target = importInt(kind, v, "target", 0, &errs)
	if w := importInt(kind, v, "weight", 0, &errs); w > 0 && w <= 100 {
		in.Weight = int(w)
	} else if w != 0 {
		in.Weight = -1 // Validate says why
	}
	in.Rollup = v["rollup"]
	if l.Done = importInt(kind, v, "done", 0, &errs); l.Done > 1_000_000_000 {
		errs.fail("done", "已完成数量须为 0 到 10 亿之间的整数")
	}
	if in.UnitID != 0 {
		l.cadres(v, look, &errs)
		l.parent(v, look, &errs)
	}
	if s := strings.TrimSpace(v["progress"]); s != "" {
		m := projectPercent.FindStringSubmatch(s)
		f, err := 0.0, error(nil)
		if m != nil {
			f, err = strconv.ParseFloat(m[1], 64)
		}
		if m == nil || err != nil || f > 100 {
			errs.fail("progress", "项目的进展情况请填写完成百分比，如“进度 40%”；文字进展请在导入后逐条登记")
		} else {
			l.Percent = int(f)
		}
	}
	errs.validated(kind, in.Validate(), map[string]string{"start_date": "start", "end_date": "end", "leader_id": "leader",
		"person_id": "person", "parent_id": "parent", "unit_id": "unit"})
	return l, errs
}

// cadres reads the project's leader and person.
func (l *ProjectLine) cadres(v map[string]string, look ProjectLookups, errs *cellErrors) {
	in := &l.Input
	if s := v["leader"]; s != "" {
		id, msg := look.TreeCadre(s, in.UnitID, true, "责任领导须为责任单位（含下属单位）的干部或县级领导")
		if msg != "" {
			errs.fail("leader", msg)
		}
		in.LeaderID = id
	}
	if s := v["person"]; s != "" {
		id, msg := look.TreeCadre(s, in.UnitID, false, "责任人须为责任单位（含下属单位）的干部")
		if msg != "" {
			errs.fail("person", msg)
		}
		in.PersonID = id
	}
}

// parent reads the parent project, of the same unit, and the level the
// line's project takes under it.
func (l *ProjectLine) parent(v map[string]string, look ProjectLookups, errs *cellErrors) {
	s := v["parent"]
	if s == "" {
		return
	}
	id, level, ok := look.Project(s, l.Input.UnitID)
	switch {
	case FoldTitle(s) == FoldTitle(l.Input.Title):
		errs.fail("parent", "上级项目不能是本项目")
	case ok:
		l.Input.ParentID, l.Level = id, level+1
	default:
		errs.fail("parent", "本单位没有名为“"+s+"”的项目；如果它也在本文件中，请把它写在本行之前")
	}
	if l.Level > MaxProjectDepth {
		errs.fail("parent", fmt.Sprintf("子项目最多 %d 层：上级项目“%s”已在第 %d 层", MaxProjectDepth, s, l.Level-1))
	}
}

// SplitImportList splits a cell holding several names or labels at the
// separators people type: 、，, ；; and any more given.
func SplitImportList(s string, more string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune("、，,；;"+more, r) || (strings.Contains(more, " ") && unicode.IsSpace(r))
	})
	out := f[:0]
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseImportTags reads the must-visit tags of a household: sub-kinds (低保,
// 村两委 …) or kinds (重点群体 …) separated by 、，, ; / or blanks.
func parseImportTags(s string) ([]Tag, string) {
	tags := []Tag{}
	for _, x := range SplitImportList(s, "/／ ") {
		t, ok := importTagOf(x)
		if !ok {
			var all []string
			for _, k := range TagKinds {
				all = append(all, TagSubKinds[k]...)
			}
			return nil, "未知的三必访类别“" + x + "”，可填：" + strings.Join(all, "、")
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags, ""
}

func importTagOf(s string) (Tag, bool) {
	for _, k := range TagKinds {
		if slices.Contains(TagSubKinds[k], s) {
			return Tag{Kind: k, Sub: s}, true
		}
	}
	for _, k := range TagKinds {
		if s == TagKindLabel(k) || s == k {
			return Tag{Kind: k}, true
		}
	}
	return Tag{}, false
}

// HouseholdLookups finds the village a line of the household import names.
type HouseholdLookups interface {
	Village(name string) (code, township, msg string)
	// VillageInScope reports whether the importing user may enter
	// households of the village.
	VillageInScope(code string) bool
}

// CheckHouseholdLine checks a line of the household import, v its
// canonical values by column key. ID numbers unique in the file and the
// ledger are storage's to check.
func CheckHouseholdLine(v map[string]string, look HouseholdLookups) (*Household, []CellError) {
	var errs cellErrors
	hh := &Household{HeadName: v["head_name"], IDNumber: v["id_number"], Phone: v["phone"], Address: v["address"], Members: 1}
	if s := v["village"]; s != "" {
		code, _, msg := look.Village(s)
		switch {
		case msg != "":
			errs.fail("village", msg)
		case !look.VillageInScope(code):
			errs.fail("village", "无权导入其他单位的农户：“"+s+"”不是本单位联系的村(社区)")
		}
		hh.VillageCode = code
	}
	n := len(errs)
	if m := importInt(FindImportKind("households"), v, "members", 1, &errs); len(errs) == n {
		hh.Members = int(min(m, 1000))
	}
	tags, msg := parseImportTags(v["tags"])
	if msg != "" {
		errs.fail("tags", msg)
	}
	hh.Tags = tags
	errs.validated(FindImportKind("households"), hh.Validate(), nil)
	return hh, errs
}

// CadreLookups finds the unit a line of the cadre import names, and what
// the importing user may do.
type CadreLookups interface {
	Unit(name string) (id int64, msg string)
	MayManageCadresOf(unit int64) bool
	Office() bool // the county office, who alone sets county leaders
}

// CheckCadreLine checks a line of the cadre import, v its canonical values
// by column key. Names unique within a unit are storage's to check.
func CheckCadreLine(v map[string]string, look CadreLookups) (*Cadre, []CellError) {
	var errs cellErrors
	x := &Cadre{Name: v["name"], Post: v["post"], Phone: v["phone"], PartyMember: v["party_member"] != "0", IsLeader: v["is_leader"] == "1"}
	if s := v["unit"]; s != "" {
		id, msg := look.Unit(s)
		switch {
		case msg != "":
			errs.fail("unit", msg)
		case !look.MayManageCadresOf(id):
			errs.fail("unit", "无权导入其他单位的干部：“"+s+"”不是本单位或下属单位")
		}
		x.UnitID = id
	}
	if x.IsLeader && !look.Office() {
		errs.fail("is_leader", "只有县办公室可以设定县级领导")
	}
	errs.validated(FindImportKind("cadres"), x.Validate(), map[string]string{"unit_id": "unit"})
	return x, errs
}
