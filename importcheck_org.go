package sanlian

import (
	"strings"
	"unicode"
)

// The row checks of the organisation's imports (units, links, the topic
// bank) and of the routing rules.

// FoldName is a name as imports compare names: without blanks, which
// registers put inside two-character names to align them (王  芳), and
// without the dots and strokes written between a township and a village.
func FoldName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '·' || r == '•' || r == '/' || r == '／' || r == '-' || r == '－' || r == '—' {
			return -1
		}
		return r
	}, s)
}

// UnitLookups finds what a line of the unit import names.
type UnitLookups interface {
	// ParentUnit finds a unit of the database, or one earlier in the file
	// (its id 0 while checking), by name.
	ParentUnit(name string) (id int64, ok bool)
	Township(name string) (code, msg string)
}

// CheckUnitLine checks a line of the unit import, v its canonical values
// by column key: a parent of the database or higher in the file, a
// township for a township's unit. Names unique in the county are
// storage's to check.
func CheckUnitLine(v map[string]string, look UnitLookups) (*Unit, []CellError) {
	var errs cellErrors
	x := &Unit{Name: v["name"], Kind: v["kind"]}
	if s := v["parent"]; s != "" {
		id, ok := look.ParentUnit(s)
		switch {
		case FoldName(s) == FoldName(x.Name):
			errs.fail("parent", "上级单位不能是本单位")
		case ok:
			x.ParentID = id
		default:
			errs.fail("parent", "找不到上级单位“"+s+"”；如果它也在本文件中，请把它写在本行之前")
		}
	}
	if s := v["township"]; s != "" {
		code, msg := look.Township(s)
		if msg != "" {
			errs.fail("township", msg)
		}
		x.TownshipCode = code
	} else if x.Kind == UnitTownship {
		errs.fail("township", "乡镇类单位请填写所在乡镇")
	}
	errs.validated(FindImportKind("units"), x.Validate(), map[string]string{"township_code": "township"})
	return x, errs
}

// TopicLookups finds the field a line of the topic import names.
type TopicLookups interface {
	Category(name string) (code, msg string)
}

// CheckTopicLine checks a line of the topic import, v its canonical values
// by column key. Questions unique within a field are storage's to check.
func CheckTopicLine(v map[string]string, look TopicLookups) (*TopicInput, []CellError) {
	var errs cellErrors
	in := &TopicInput{Question: v["question"]}
	if s := v["category"]; s != "" {
		code, msg := look.Category(s)
		if msg != "" {
			errs.fail("category", "找不到领域“"+s+"”，请填写领域的名称（如 就业创业）或代码")
		}
		in.Category = code
	}
	kind := FindImportKind("topics")
	n := len(errs)
	if s := importInt(kind, v, "sort", 0, &errs); len(errs) == n {
		in.Sort = int(min(s, 1_000_000))
	}
	errs.validated(kind, in.Validate(), nil)
	return in, errs
}

// RoutingLookups finds what a line of the routing rule import names.
type RoutingLookups interface {
	Category(name string) (code, msg string)
	// Region finds the county, a township or a village by name or code.
	Region(name string) (code, msg string)
	Unit(name string) (id int64, msg string)
	// UnitCadre finds a cadre of the unit by name; rule says who may be
	// named.
	UnitCadre(name string, unit int64, rule string) (id int64, msg string)
}

// CheckRoutingLine checks a line of the routing rule import, v its
// canonical values by column key. An active rule's slot (place, category,
// order) free in the table and the file is storage's to check.
func CheckRoutingLine(v map[string]string, look RoutingLookups) (*RoutingRule, []CellError) {
	var errs cellErrors
	rule := &RoutingRule{Active: v["active"] != "0", Note: v["note"]}
	if s := strings.TrimSpace(v["category"]); s != "" && s != "全部类别" && s != "全部" {
		code, msg := look.Category(s)
		if msg != "" {
			errs.fail("category", msg)
		}
		rule.Category = code
	}
	if s := v["region"]; s != "" {
		code, msg := look.Region(s)
		if msg != "" {
			errs.fail("region", msg)
		}
		rule.RegionCode = code
	}
	if s := v["unit"]; s != "" {
		id, msg := look.Unit(s)
		if msg != "" {
			errs.fail("unit", msg)
		}
		rule.UnitID = id
	}
	if s := v["person"]; s != "" && rule.UnitID != 0 {
		id, msg := look.UnitCadre(s, rule.UnitID, "责任人须为承办单位的干部")
		if msg != "" {
			errs.fail("person", msg)
		}
		rule.PersonID = id
	}
	kind := FindImportKind("routing_rules")
	n := len(errs)
	if s := importInt(kind, v, "sort", 0, &errs); len(errs) == n {
		rule.Sort = int(min(s, MaxRuleSort+1))
	}
	rule.Normalize()
	errs.validated(kind, rule.Validate(), map[string]string{"unit_id": "unit", "person_id": "person"})
	return rule, errs
}

// LinkLookups finds what a line of the link import names, and what the
// importing user may do.
type LinkLookups interface {
	Unit(name string) (id int64, msg string)
	Village(name string) (code, township, msg string)
	Township(name string) (code, msg string)
	// UnitCadre finds a cadre of the unit by name; rule says who may be
	// named.
	UnitCadre(name string, unit int64, rule string) (id int64, msg string)
	// Cadre finds a cadre by name: one of the importing user's units'
	// first (a unit admin's), else the only one of that name in the county.
	Cadre(name string, rule string) (id int64, msg string)
	// CountyLeader finds the one county leader of that name.
	CountyLeader(name string) (id int64, ok bool)
	// CadreOf gives a cadre's unit and whether it is a county leader.
	CadreOf(id int64) (unit int64, leader bool)
	MayManageCadresOf(unit int64) bool
	Office() bool // the county office, who alone links villages and townships
}

// LinkLine is a line of the link import, checked: a household link names
// its household by Household, the head's ID number, found by storage.
type LinkLine struct {
	Kind       string
	CadreID    int64
	UnitID     int64
	RegionCode string
	Household  string
}

// CheckLinkLine checks a line of the link import, v its canonical values
// by column key, with the rights of CreateLinks: a unit admin links the
// cadres of its units to households; the office does everything. The
// household, links already active and links twice in the file are
// storage's to check.
func CheckLinkLine(v map[string]string, look LinkLookups) (*LinkLine, []CellError) {
	var errs cellErrors
	l := &LinkLine{Kind: v["kind"]}
	switch l.Kind {
	case LinkHousehold, LinkTownship:
		l.CadreID = linkCadre(v, l.Kind, look, &errs)
	case LinkVillage:
		if v["unit"] == "" {
			errs.fail("unit", "单位联村请填写联系单位")
			break
		}
		id, msg := look.Unit(v["unit"])
		if msg != "" {
			errs.fail("unit", msg)
		}
		l.UnitID = id
	}
	switch l.Kind {
	case LinkHousehold:
		if unit, _ := look.CadreOf(l.CadreID); l.CadreID != 0 && !look.MayManageCadresOf(unit) {
			errs.fail("cadre", "无权导入其他单位的联系关系：“"+v["cadre"]+"”不是本单位或下属单位的干部")
		}
		l.Household = v["household"]
		if l.Household == "" {
			errs.fail("household", "干部联户请填写户主身份证号")
		}
	case LinkVillage, LinkTownship:
		if !look.Office() {
			errs.fail("kind", "只有县办公室可以安排"+LinkKindLabel(l.Kind)+"，单位管理员只能导入本单位干部的联户关系")
			break
		}
		l.region(v, look, &errs)
	default:
		errs.fail("kind", "联系类型须为 联户、联村 或 联乡")
	}
	return l, errs
}

// region reads the village or township of a unit's or a leader's link.
func (l *LinkLine) region(v map[string]string, look LinkLookups, errs *cellErrors) {
	want, label := RegionVillage, "村(社区)"
	if l.Kind == LinkTownship {
		want, label = RegionTownship, "乡镇"
		if _, leader := look.CadreOf(l.CadreID); l.CadreID != 0 && !leader {
			errs.fail("cadre", "“"+v["cadre"]+"”不是县级领导，只有县级领导可以联系乡镇")
		}
	}
	s := v["region"]
	var msg string
	switch {
	case s == "":
		msg = "请填写联系的" + label
	case want == RegionVillage:
		l.RegionCode, _, msg = look.Village(s)
	default:
		l.RegionCode, msg = look.Township(s)
	}
	if msg != "" {
		errs.fail("region", msg)
	}
}

// linkCadre reads the cadre of a household or township link: of the unit
// the line gives, else a unit admin's own cadres first and, for a
// township, the county leaders first. 0 when it fails.
func linkCadre(v map[string]string, kind string, look LinkLookups, errs *cellErrors) int64 {
	name := v["cadre"]
	if name == "" {
		errs.fail("cadre", LinkKindLabel(kind)+"请填写干部姓名")
		return 0
	}
	const rule = "请核对干部姓名和所在单位"
	var id int64
	var msg string
	if s := v["cadre_unit"]; s != "" {
		cu, umsg := look.Unit(s)
		if umsg != "" {
			errs.fail("cadre_unit", umsg)
			return 0
		}
		id, msg = look.UnitCadre(name, cu, rule)
	} else {
		id, msg = look.Cadre(name, rule)
		// The one county leader of that name, even where other cadres
		// share it; a cadre who is no leader is told so by the caller.
		if kind == LinkTownship {
			if lid, ok := look.CountyLeader(name); ok {
				id, msg = lid, ""
			}
		}
	}
	if msg != "" {
		errs.fail("cadre", msg)
		return 0
	}
	return id
}
