package sanlian_test

import (
	"reflect"
	"testing"

	"sanlian"
)

// fakeListLookups knows the units 县妇联 (1, in scope) and 县民政局 (2,
// not), the village 东坪镇酉州村, cadre 李明 (2) of 县妇联, the activity
// types 宣讲 (active) and 义诊 (stopped), problem 溆浦-2021-000001 assigned
// to 县妇联, problem 溆浦-2021-000002 of 县民政局, project 两癌筛查 of
// 县妇联 and decision 40 of 2021-05.
type fakeListLookups struct{}

func (fakeListLookups) Unit(s string) (int64, string) {
	switch s {
	case "县妇联":
		return 1, ""
	case "县民政局":
		return 2, ""
	}
	return 0, "找不到单位“" + s + "”"
}
func (fakeListLookups) InScope(unit int64) bool { return unit == 1 }
func (fakeListLookups) Village(s string) (string, string, string) {
	if s == "东坪镇酉州村" {
		return "430923100201", "430923100000", ""
	}
	return "", "", "找不到村(社区)“" + s + "”"
}
func (fakeListLookups) ActivityType(s string) *sanlian.ActivityType {
	switch s {
	case "宣讲":
		return &sanlian.ActivityType{Code: "talk", Name: "宣讲", Active: true}
	case "义诊":
		return &sanlian.ActivityType{Code: "clinic", Name: "义诊"}
	}
	return nil
}
func (fakeListLookups) Volunteer(s string, unit int64) (int64, string) {
	if s == "李明" {
		return 2, ""
	}
	return 0, "找不到名为“" + s + "”的干部"
}
func (fakeListLookups) TreeCadre(s string, unit int64) (int64, string) {
	if s == "李明" && unit == 1 {
		return 2, ""
	}
	return 0, "找不到名为“" + s + "”的干部"
}
func (fakeListLookups) Problem(n string) (sanlian.RespSourceItem, bool) {
	switch n {
	case "溆浦-2021-000001":
		return sanlian.RespSourceItem{ID: 11, UnitID: 1, Title: "路灯坏了", Listed: true}, true
	case "溆浦-2021-000002":
		return sanlian.RespSourceItem{ID: 12, UnitID: 2, Title: "低保核查", Listed: true}, true
	}
	return sanlian.RespSourceItem{}, false
}
func (fakeListLookups) Project(title string, unit int64) (sanlian.RespSourceItem, string) {
	if title == "两癌筛查" {
		return sanlian.RespSourceItem{ID: 21, UnitID: 1, Title: "两癌筛查", Listed: true}, ""
	}
	return sanlian.RespSourceItem{}, "找不到名为“" + title + "”的项目"
}
func (fakeListLookups) Decision(id int64) (string, bool) { return "2021-05", id == 40 }

func TestCheckActivityLine(t *testing.T) {
	base := func(kv ...string) map[string]string {
		v := map[string]string{"type": "宣讲", "date": "2021-05-20", "village": "东坪镇酉州村", "unit": "县妇联",
			"volunteers": "李明、李明", "description": "政策宣讲"}
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v
	}
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		line func(*sanlian.ActivityLine) bool
	}{
		{"OK", base("others", "3", "served", "40"), nil, func(l *sanlian.ActivityLine) bool {
			in := l.Input
			return in.Type == "talk" && in.VillageCode == "430923100201" && l.Township == "430923100000" && in.UnitID == 1 &&
				reflect.DeepEqual(in.Volunteers, []int64{2}) && in.Others == 3 && in.Served == 40
		}},
		{"ErrType", base("type", "舞蹈"), []sanlian.CellError{{"type", "找不到活动类型“舞蹈”"}, {"type", "请选择活动类型"}}, nil},
		{"ErrTypeStopped", base("type", "义诊"), []sanlian.CellError{{"type", "活动类型“义诊”已停用"}, {"type", "请选择活动类型"}}, nil},
		{"ErrDate", base("date", "2021-07-01"), []sanlian.CellError{{"date", "活动日期不能晚于今天（2021-06-15）"}}, nil},
		{"ErrVillage", base("village", "月球村"), []sanlian.CellError{{"village", "找不到村(社区)“月球村”"},
			{"village", "请选择活动地点村(社区)"}}, nil},
		{"ErrUnit", base("unit", "火星局"), []sanlian.CellError{{"unit", "找不到单位“火星局”"}}, nil},
		{"ErrScope", base("unit", "县民政局"), []sanlian.CellError{{"unit", "无权导入其他单位的志愿服务活动：“县民政局”不是本单位或下属单位"}}, nil},
		{"ErrVolunteers", base("volunteers", "张三，王五", "others", "1"), []sanlian.CellError{
			{"volunteers", "找不到名为“张三”的干部；找不到名为“王五”的干部"}}, nil},
		{"ErrInts", base("others", "99999999999999999999", "served", "99999999999999999999"), []sanlian.CellError{
			{"others", "其他志愿者人数须为不超过 10 亿的整数"}, {"served", "服务群众人数须为不超过 10 亿的整数"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, errs := sanlian.CheckActivityLine(tc.v, fakeListLookups{}, "2021-06-15")
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.line != nil && !tc.line(l) {
				t.Errorf("line %+v", l)
			}
		})
	}
}

func TestCheckResponsibilityLine(t *testing.T) {
	base := func(kv ...string) map[string]string {
		v := map[string]string{"unit": "县妇联", "task": "入户走访", "source": sanlian.RespStandalone, "person": "李明", "deadline": "2021-06-30"}
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v
	}
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		line func(*sanlian.ResponsibilityLine) bool
	}{
		{"OK", base(), nil, func(l *sanlian.ResponsibilityLine) bool {
			return !l.Derived && l.Input.UnitID == 1 && l.Input.PersonID == 2 && l.Decision == ""
		}},
		{"DerivedProblem", base("source", sanlian.RespProblem, "source_ref", "溆浦-2021-000001", "task", "路灯 坏了"), nil,
			func(l *sanlian.ResponsibilityLine) bool { return l.Derived }},
		{"DerivedProject", base("source", sanlian.RespProject, "source_ref", "两癌筛查", "task", "两癌筛查", "person", ""), nil,
			func(l *sanlian.ResponsibilityLine) bool { return l.Derived }},
		{"OtherUnitsProblem", base("source", sanlian.RespProblem, "source_ref", "溆浦-2021-000002"), nil,
			func(l *sanlian.ResponsibilityLine) bool { return !l.Derived && l.Input.SourceID == 12 }},
		{"DecisionRecorded", base("source", sanlian.RespDispatch, "source_ref", "2021-05 月度调度会 第40号"), nil,
			func(l *sanlian.ResponsibilityLine) bool { return l.Input.SourceID == 40 && l.Decision == "" }},
		{"DecisionToRecord", base("source", sanlian.RespDispatch, "source_ref", "2021-06 月度调度会 第41号"), nil,
			func(l *sanlian.ResponsibilityLine) bool { return l.Input.SourceID == 41 && l.Decision == "2021-06" }},
		{"DecisionNumberOnly", base("source", sanlian.RespDispatch, "source_ref", "#12"), nil,
			func(l *sanlian.ResponsibilityLine) bool { return l.Input.SourceID == 12 && l.Decision == "" }},
		{"ErrUnit", base("unit", "火星局"), []sanlian.CellError{{"unit", "找不到单位“火星局”"}, {"person", "请选择责任人"}}, nil},
		{"ErrScope", base("unit", "县民政局", "person", ""), []sanlian.CellError{
			{"unit", "无权导入其他单位的责任事项：“县民政局”不是本单位或下属单位"}, {"person", "请选择责任人"}}, nil},
		{"ErrCadres", base("leader", "张三", "person", "王五"), []sanlian.CellError{
			{"leader", "找不到名为“张三”的干部"}, {"person", "找不到名为“王五”的干部"}, {"person", "请选择责任人"}}, nil},
		{"ErrSourceMissing", base("source", sanlian.RespProject), []sanlian.CellError{
			{"source_ref", "来源为项目清单的事项请填写项目名称"}, {"source_ref", "请选择事项来源"}}, nil},
		{"ErrProblemMissing", base("source", sanlian.RespProblem, "source_ref", "溆浦-2021-000009"), []sanlian.CellError{
			{"source_ref", "找不到编号为 溆浦-2021-000009 的问题"}, {"source_ref", "请选择事项来源"}}, nil},
		{"ErrOwnProblem", base("source", sanlian.RespProblem, "source_ref", "溆浦-2021-000001"), []sanlian.CellError{
			{"source_ref", "该问题已交办给本单位，已自动列入本单位责任清单，无需重复填报"}}, nil},
		{"ErrOwnProject", base("source", sanlian.RespProject, "source_ref", "两癌筛查"), []sanlian.CellError{
			{"source_ref", "该项目属于本单位，已自动列入本单位责任清单，无需重复填报"}}, nil},
		{"ErrDecisionMonth", base("source", sanlian.RespDispatch, "source_ref", "2021-04 月度调度会 第40号"), []sanlian.CellError{
			{"source_ref", "调度会议定事项第40号是 2021-05 月度调度会的，不是 2021-04 的"}}, nil},
		{"ErrDecisionRef", base("source", sanlian.RespDispatch), []sanlian.CellError{
			{"source_ref", "来源为调度会议定的事项请填写调度会议决定的编号"}, {"source_ref", "请选择事项来源"}}, nil},
		{"ErrDecisionNumber", base("source", sanlian.RespDispatch, "source_ref", "五月会议"), []sanlian.CellError{
			{"source_ref", "调度会议决定的编号须为数字，如 12 或 #12"}, {"source_ref", "请选择事项来源"}}, nil},
		{"ErrStandaloneRef", base("source_ref", "12"), []sanlian.CellError{{"source_ref", "自定事项不填写来源编号"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, errs := sanlian.CheckResponsibilityLine(tc.v, fakeListLookups{})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.line != nil && !tc.line(l) {
				t.Errorf("line %+v", l)
			}
		})
	}
}

func TestDispatchNumber(t *testing.T) {
	for s, want := range map[string][3]any{
		"12": {"", int64(12), true}, "#12": {"", int64(12), true}, "第12号": {"", int64(12), true},
		"2021-05 月度调度会 第12号": {"2021-05", int64(12), true}, "0": {"", int64(0), false}, "十二": {"", int64(0), false},
	} {
		month, n, ok := sanlian.DispatchNumber(s)
		if got := [3]any{month, n, ok}; got != want {
			t.Errorf("DispatchNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
