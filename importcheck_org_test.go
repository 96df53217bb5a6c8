package sanlian_test

import (
	"reflect"
	"testing"

	"sanlian"
)

// fakeOrgLookups knows the units 县妇联 (1, in the database), 县民政局
// (2, earlier in the file), the township 东坪镇, the village 东坪镇酉州村,
// the category 就业创业, cadre 李明 of 县妇联 (2) and county leader 王建国
// (1), and may manage the cadres of 县妇联 only.
type fakeOrgLookups struct{ office bool }

func (fakeOrgLookups) ParentUnit(s string) (int64, bool) {
	switch s {
	case "县妇联":
		return 1, true
	case "县民政局":
		return 0, true
	}
	return 0, false
}
func (fakeOrgLookups) Unit(s string) (int64, string) {
	switch s {
	case "县妇联":
		return 1, ""
	case "县民政局":
		return 2, ""
	}
	return 0, "找不到单位“" + s + "”"
}
func (fakeOrgLookups) Township(s string) (string, string) {
	if s == "东坪镇" {
		return "430923100000", ""
	}
	return "", "找不到乡镇“" + s + "”"
}
func (fakeOrgLookups) Village(s string) (string, string, string) {
	if s == "东坪镇酉州村" {
		return "430923100201", "430923100000", ""
	}
	return "", "", "找不到村(社区)“" + s + "”"
}
func (fakeOrgLookups) Category(s string) (string, string) {
	if s == "就业创业" {
		return "employment", ""
	}
	return "", "找不到类别“" + s + "”"
}
func (fakeOrgLookups) Region(s string) (string, string) {
	if s == "东坪镇" {
		return "430923100000", ""
	}
	return "", "找不到地区“" + s + "”"
}
func (fakeOrgLookups) UnitCadre(s string, unit int64, rule string) (int64, string) {
	if s == "李明" && unit == 1 {
		return 2, ""
	}
	return 0, rule
}
func (fakeOrgLookups) Cadre(s string, rule string) (int64, string) {
	switch s {
	case "李明":
		return 2, ""
	case "王建国":
		return 1, ""
	case "张三":
		return 3, ""
	}
	return 0, "找不到名为“" + s + "”的干部"
}
func (fakeOrgLookups) CountyLeader(s string) (int64, bool) { return 1, s == "王建国" }
func (fakeOrgLookups) CadreOf(id int64) (int64, bool) {
	switch id {
	case 1:
		return 9, true
	case 2:
		return 1, false
	case 3:
		return 2, false
	}
	return 0, false
}
func (fakeOrgLookups) MayManageCadresOf(unit int64) bool { return unit == 1 }
func (l fakeOrgLookups) Office() bool                    { return l.office }

func TestCheckUnitLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		unit func(*sanlian.Unit) bool
	}{
		{"OK", map[string]string{"name": "县妇联东坪工作站", "kind": sanlian.UnitTownship, "parent": "县妇联", "township": "东坪镇"}, nil,
			func(u *sanlian.Unit) bool { return u.ParentID == 1 && u.TownshipCode == "430923100000" }},
		{"ParentInFile", map[string]string{"name": "县民政局办公室", "kind": sanlian.UnitDepartment, "parent": "县民政局"}, nil,
			func(u *sanlian.Unit) bool { return u.ParentID == 0 }},
		{"ErrParentSelf", map[string]string{"name": "县 妇联", "kind": sanlian.UnitDepartment, "parent": "县妇联"},
			[]sanlian.CellError{{"parent", "上级单位不能是本单位"}}, nil},
		{"ErrParentMissing", map[string]string{"name": "县水利局", "kind": sanlian.UnitDepartment, "parent": "县水务局"},
			[]sanlian.CellError{{"parent", "找不到上级单位“县水务局”；如果它也在本文件中，请把它写在本行之前"}}, nil},
		{"ErrTownship", map[string]string{"name": "东坪镇政府", "kind": sanlian.UnitTownship, "township": "西坪镇"},
			[]sanlian.CellError{{"township", "找不到乡镇“西坪镇”"}}, nil},
		{"ErrTownshipMissing", map[string]string{"name": "东坪镇政府", "kind": sanlian.UnitTownship},
			[]sanlian.CellError{{"township", "乡镇类单位请填写所在乡镇"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, errs := sanlian.CheckUnitLine(tc.v, fakeOrgLookups{})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.unit != nil && !tc.unit(u) {
				t.Errorf("unit %+v", u)
			}
		})
	}
}

func TestCheckTopicLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		sort int
	}{
		{"OK", map[string]string{"category": "就业创业", "question": "有没有就业意愿？", "sort": "3"}, nil, 3},
		{"SortCapped", map[string]string{"category": "就业创业", "question": "有没有就业意愿？", "sort": "5000000"}, nil, 1_000_000},
		{"ErrCategory", map[string]string{"category": "天文", "question": "有没有就业意愿？"},
			[]sanlian.CellError{{"category", "找不到领域“天文”，请填写领域的名称（如 就业创业）或代码"}, {"category", "请选择领域"}}, 0},
		{"ErrSort", map[string]string{"category": "就业创业", "question": "有没有就业意愿？", "sort": "99999999999999999999"},
			[]sanlian.CellError{{"sort", "排序须为不超过 10 亿的整数"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, errs := sanlian.CheckTopicLine(tc.v, fakeOrgLookups{})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if in.Sort != tc.sort {
				t.Errorf("sort %d, want %d", in.Sort, tc.sort)
			}
		})
	}
}

func TestCheckRoutingLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		rule func(*sanlian.RoutingRule) bool
	}{
		{"OK", map[string]string{"category": "就业创业", "region": "东坪镇", "unit": "县妇联", "person": "李明", "sort": "2", "active": "0"}, nil,
			func(x *sanlian.RoutingRule) bool {
				return x.Category == "employment" && x.RegionCode == "430923100000" && x.UnitID == 1 && x.PersonID == 2 && x.Sort == 2 && !x.Active
			}},
		{"AllCategories", map[string]string{"category": "全部类别", "region": "东坪镇", "unit": "县妇联"}, nil,
			func(x *sanlian.RoutingRule) bool { return x.Category == "" && x.Active }},
		{"ErrLookups", map[string]string{"category": "天文", "region": "月球", "unit": "火星局", "person": "李明"}, []sanlian.CellError{
			{"category", "找不到类别“天文”"}, {"region", "找不到地区“月球”"}, {"unit", "找不到单位“火星局”"},
			{"region", "请选择适用地区（全县、乡镇或村）"}, {"unit", "请选择承办单位"}}, nil},
		{"ErrPerson", map[string]string{"region": "东坪镇", "unit": "县妇联", "person": "张三"},
			[]sanlian.CellError{{"person", "责任人须为承办单位的干部"}}, nil},
		{"ErrSort", map[string]string{"region": "东坪镇", "unit": "县妇联", "sort": "99999999999999999999"},
			[]sanlian.CellError{{"sort", "顺序须为不超过 10 亿的整数"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, errs := sanlian.CheckRoutingLine(tc.v, fakeOrgLookups{})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.rule != nil && !tc.rule(x) {
				t.Errorf("rule %+v", x)
			}
		})
	}
}

func TestCheckLinkLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		v      map[string]string
		office bool
		want   []sanlian.CellError
		line   *sanlian.LinkLine
	}{
		{"Household", map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "household": "430923198001010017"}, false, nil,
			&sanlian.LinkLine{Kind: sanlian.LinkHousehold, CadreID: 2, Household: "430923198001010017"}},
		{"HouseholdCadreUnit", map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "cadre_unit": "县妇联", "household": "1"}, false, nil,
			&sanlian.LinkLine{Kind: sanlian.LinkHousehold, CadreID: 2, Household: "1"}},
		{"Village", map[string]string{"kind": sanlian.LinkVillage, "unit": "县民政局", "region": "东坪镇酉州村"}, true, nil,
			&sanlian.LinkLine{Kind: sanlian.LinkVillage, UnitID: 2, RegionCode: "430923100201"}},
		{"Township", map[string]string{"kind": sanlian.LinkTownship, "cadre": "王建国", "region": "东坪镇"}, true, nil,
			&sanlian.LinkLine{Kind: sanlian.LinkTownship, CadreID: 1, RegionCode: "430923100000"}},
		{"ErrCadreMissing", map[string]string{"kind": sanlian.LinkHousehold, "household": "1"}, false,
			[]sanlian.CellError{{"cadre", "干部联户请填写干部姓名"}}, nil},
		{"ErrCadreUnit", map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "cadre_unit": "火星局", "household": "1"}, false,
			[]sanlian.CellError{{"cadre_unit", "找不到单位“火星局”"}}, nil},
		{"ErrCadreOfUnit", map[string]string{"kind": sanlian.LinkHousehold, "cadre": "张三", "cadre_unit": "县妇联", "household": "1"}, false,
			[]sanlian.CellError{{"cadre", "请核对干部姓名和所在单位"}}, nil},
		{"ErrCadreScope", map[string]string{"kind": sanlian.LinkHousehold, "cadre": "张三"}, false, []sanlian.CellError{
			{"cadre", "无权导入其他单位的联系关系：“张三”不是本单位或下属单位的干部"}, {"household", "干部联户请填写户主身份证号"}}, nil},
		{"ErrVillageUnit", map[string]string{"kind": sanlian.LinkVillage}, true, []sanlian.CellError{
			{"unit", "单位联村请填写联系单位"}, {"region", "请填写联系的村(社区)"}}, nil},
		{"ErrNotOffice", map[string]string{"kind": sanlian.LinkVillage, "unit": "县妇联", "region": "东坪镇酉州村"}, false,
			[]sanlian.CellError{{"kind", "只有县办公室可以安排单位联村，单位管理员只能导入本单位干部的联户关系"}}, nil},
		{"ErrNotLeader", map[string]string{"kind": sanlian.LinkTownship, "cadre": "李明", "region": "西坪镇"}, true, []sanlian.CellError{
			{"cadre", "“李明”不是县级领导，只有县级领导可以联系乡镇"}, {"region", "找不到乡镇“西坪镇”"}}, nil},
		{"ErrKind", map[string]string{"kind": "联组"}, true, []sanlian.CellError{{"kind", "联系类型须为 联户、联村 或 联乡"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, errs := sanlian.CheckLinkLine(tc.v, fakeOrgLookups{tc.office})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.line != nil && !reflect.DeepEqual(l, tc.line) {
				t.Errorf("line %+v, want %+v", l, tc.line)
			}
		})
	}
}
