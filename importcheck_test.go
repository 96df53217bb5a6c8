package sanlian_test

import (
	"reflect"
	"testing"

	"sanlian"
)

// fakeLookups knows one category, one village, one unit and its cadre.
type fakeLookups struct{}

func (fakeLookups) Category(s string) (string, string) {
	if s == "城乡建设" {
		return "construction", ""
	}
	return "", "类别“" + s + "”不存在"
}

func (fakeLookups) Village(s string) (string, string, string) {
	if s == "东坪镇酉州村" {
		return "430923100201", "430923100000", ""
	}
	return "", "", "村(社区)“" + s + "”不存在"
}

func (fakeLookups) Unit(s string) (int64, string) {
	if s == "县民政局" {
		return 3, ""
	}
	return 0, "责任单位“" + s + "”不存在"
}

func (fakeLookups) UnitCadre(s string, unit int64) (int64, string) {
	if s == "李明" && unit == 3 {
		return 7, ""
	}
	return 0, "责任人须为责任单位的干部"
}

func TestCheckProblemLine(t *testing.T) {
	base := func(kv ...string) map[string]string {
		v := map[string]string{"title": "路灯坏了", "category": "城乡建设", "village": "东坪镇酉州村", "created": "2021-05-20"}
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v
	}
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		line func(*sanlian.ProblemLine) bool
	}{
		{"Submitted", base(), nil, func(l *sanlian.ProblemLine) bool {
			return l.State == sanlian.StateSubmitted && l.Input.Description == "路灯坏了" && l.Input.Category == "construction" &&
				l.Township == "430923100000" && l.AssignedAt.IsZero() && l.At.Format("2006-01-02 15:04") == "2021-05-20 09:00"
		}},
		{"Assigned", base("unit", "县民政局", "person", "李明", "deadline", "2021-06-10"), nil, func(l *sanlian.ProblemLine) bool {
			return l.State == sanlian.StateAssigned && l.UnitID == 3 && l.PersonID == 7 && l.AssignedAt.Equal(l.At) &&
				l.Due.Format("2006-01-02") == "2021-06-11"
		}},
		{"Rejected", base("state", "不予受理", "progress", "不属实"), nil, func(l *sanlian.ProblemLine) bool {
			return l.State == sanlian.StateRejected && l.RejectReason == "不属实" && l.Measures == ""
		}},
		{"Resolved", base("state", "已办结", "unit", "县民政局", "progress", "已修好"), nil, func(l *sanlian.ProblemLine) bool {
			return l.State == sanlian.StateResolved && l.Measures == "已修好"
		}},
		{"ErrLookups", base("source", "电视", "category", "天文", "village", "月球村", "unit", "火星局", "person", "李明"), []sanlian.CellError{
			{"source", "来源须为 走访收集、政府门户网站、微信公众号、热线电话、来信来访、其他"},
			{"category", "类别“天文”不存在"}, {"village", "村(社区)“月球村”不存在"},
			{"category", "请选择问题类别"}, {"village", "请选择所在村(社区)"},
			{"unit", "责任单位“火星局”不存在"},
		}, nil},
		{"ErrPersonWithoutUnit", base("person", "李明"), []sanlian.CellError{{"person", "填写责任人时请同时填写责任单位"}}, nil},
		{"ErrState", base("state", "在办"), []sanlian.CellError{{"state", "状态须为 待受理、已交办、办理中、已办结、已销号 或 不予受理"}}, nil},
		{"ErrMerged", base("state", "已合并", "unit", "县民政局"), []sanlian.CellError{{"state", "已合并的问题不能导入，请导入它并入的问题"}}, nil},
		{"ErrSubmittedWithUnit", base("state", "待受理", "unit", "县民政局"), []sanlian.CellError{
			{"state", "已填写责任单位的问题不能是“待受理”，请改为“已交办”或清空责任单位"}}, nil},
		{"ErrStateWithoutUnit", base("state", "办理中"), []sanlian.CellError{{"unit", "状态为“办理中”的问题请填写责任单位"}}, nil},
		{"ErrClosedWithoutProgress", base("state", "已销号", "unit", "县民政局"), []sanlian.CellError{
			{"progress", "已办结、已销号的问题请在进展情况中填写办理措施"}}, nil},
		{"ErrRejectedWithoutReason", base("state", "不予受理"), []sanlian.CellError{{"progress", "不予受理的问题请在进展情况中填写理由"}}, nil},
		{"ErrDates", base("created", "2021-07-01", "deadline", "2021-06-30"), []sanlian.CellError{
			{"created", "登记日期不能晚于今天（2021-06-15）"}, {"deadline", "完成时限不能早于登记日期"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, errs := sanlian.CheckProblemLine(tc.v, fakeLookups{}, "2021-06-15")
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.line != nil && !tc.line(l) {
				t.Errorf("line %+v", l)
			}
		})
	}
}

// fakeProjectLookups knows units 1 (in scope) and 2 (not), an active and
// a stopped category, cadre 李明 of unit 1, leader 王建国, and projects
// 两癌筛查 (level 1, in the database) and 东坪镇筛查 (level 3, in the file).
type fakeProjectLookups struct{}

func (fakeProjectLookups) Unit(s string) (int64, string) {
	switch s {
	case "县妇联":
		return 1, ""
	case "县民政局":
		return 2, ""
	}
	return 0, "责任单位“" + s + "”不存在"
}
func (fakeProjectLookups) InScope(unit int64) bool { return unit == 1 }
func (fakeProjectLookups) Category(s string) (string, string) {
	switch s {
	case "社保医疗":
		return "health", ""
	case "旧类别":
		return "old", ""
	}
	return "", "类别“" + s + "”不存在"
}
func (fakeProjectLookups) CategoryActive(code string) bool { return code != "old" }
func (fakeProjectLookups) TreeCadre(s string, unit int64, leaders bool, rule string) (int64, string) {
	switch {
	case s == "李明" && unit == 1:
		return 2, ""
	case s == "王建国" && leaders:
		return 1, ""
	}
	return 0, rule
}
func (fakeProjectLookups) Project(title string, unit int64) (int64, int, bool) {
	switch {
	case title == "两癌筛查" && unit == 1:
		return 9, 1, true
	case title == "东坪镇筛查" && unit == 1:
		return 0, 3, true
	}
	return 0, 0, false
}

func TestCheckProjectLine(t *testing.T) {
	base := func(kv ...string) map[string]string {
		v := map[string]string{"title": "妇女筛查", "unit": "县妇联", "start": "2021-05-01", "end": "2021-12-31"}
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v
	}
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		line func(*sanlian.ProjectLine) bool
	}{
		{"OK", base("category", "社保医疗", "target", "6428", "done", "100", "leader", "王建国", "person", "李明",
			"parent", "两癌筛查", "progress", "进度 40.5%", "measure", "人次"), nil, func(l *sanlian.ProjectLine) bool {
			in := l.Input
			return in.UnitID == 1 && in.Category == "health" && in.Target == 6428 && l.Done == 100 && in.LeaderID == 1 &&
				in.PersonID == 2 && in.ParentID == 9 && l.Level == 2 && l.Percent == 40
		}},
		{"NoProgress", base(), nil, func(l *sanlian.ProjectLine) bool { return l.Percent == -1 && l.Level == 1 }},
		{"ErrScope", base("unit", "县民政局"), []sanlian.CellError{{"unit", "无权导入其他单位的项目：“县民政局”不是本单位或下属单位"}}, nil},
		{"ErrCategory", base("category", "旧类别"), []sanlian.CellError{{"category", "类别“旧类别”已停用"}}, nil},
		{"ErrInt", base("target", "99999999999999999999", "done", "1000000001"), []sanlian.CellError{
			{"target", "目标数量须为不超过 10 亿的整数"}, {"done", "已完成数量须为 0 到 10 亿之间的整数"}}, nil},
		{"ErrCadres", base("leader", "张三", "person", "王建国"), []sanlian.CellError{
			{"leader", "责任领导须为责任单位（含下属单位）的干部或县级领导"}, {"person", "责任人须为责任单位（含下属单位）的干部"}}, nil},
		{"ErrParentSelf", base("parent", "妇女筛查"), []sanlian.CellError{{"parent", "上级项目不能是本项目"}}, nil},
		{"ErrParentMissing", base("parent", "无名项目"), []sanlian.CellError{
			{"parent", "本单位没有名为“无名项目”的项目；如果它也在本文件中，请把它写在本行之前"}}, nil},
		{"ErrParentDepth", base("parent", "东坪镇筛查"), []sanlian.CellError{{"parent", "子项目最多 3 层：上级项目“东坪镇筛查”已在第 3 层"}}, nil},
		{"ErrProgress", base("progress", "正在推进"), []sanlian.CellError{
			{"progress", "项目的进展情况请填写完成百分比，如“进度 40%”；文字进展请在导入后逐条登记"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, errs := sanlian.CheckProjectLine(tc.v, fakeProjectLookups{})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.line != nil && !tc.line(l) {
				t.Errorf("line %+v", l)
			}
		})
	}
}

type fakeHouseholdLookups struct{}

func (fakeHouseholdLookups) Village(s string) (string, string, string) {
	switch s {
	case "东坪镇酉州村":
		return "430923100201", "430923100000", ""
	case "东坪镇黄沙村":
		return "430923100202", "430923100000", ""
	}
	return "", "", "村(社区)“" + s + "”不存在"
}
func (fakeHouseholdLookups) VillageInScope(code string) bool { return code == "430923100201" }

func TestCheckHouseholdLine(t *testing.T) {
	base := func(kv ...string) map[string]string {
		v := map[string]string{"village": "东坪镇酉州村", "head_name": "张三", "id_number": "430923198001010017"}
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v
	}
	for _, tc := range []struct {
		name string
		v    map[string]string
		want []sanlian.CellError
		hh   func(*sanlian.Household) bool
	}{
		{"OK", base("members", "4", "tags", "低保/重点群体"), nil, func(h *sanlian.Household) bool {
			return h.VillageCode == "430923100201" && h.Members == 4 && len(h.Tags) == 2
		}},
		{"ErrMembersRange", base("members", "5000"), []sanlian.CellError{{"members", "家庭人口须在 1 到 50 之间"}},
			func(h *sanlian.Household) bool { return h.Members == 1000 }},
		{"ErrScope", base("village", "东坪镇黄沙村"), []sanlian.CellError{{"village", "无权导入其他单位的农户：“东坪镇黄沙村”不是本单位联系的村(社区)"}}, nil},
		{"ErrMembers", base("members", "99999999999999999999"), []sanlian.CellError{{"members", "家庭人口须为不超过 10 亿的整数"}},
			func(h *sanlian.Household) bool { return h.Members == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hh, errs := sanlian.CheckHouseholdLine(tc.v, fakeHouseholdLookups{})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.hh != nil && !tc.hh(hh) {
				t.Errorf("household %+v", hh)
			}
		})
	}
	if _, errs := sanlian.CheckHouseholdLine(base("tags", "富户"), fakeHouseholdLookups{}); len(errs) != 1 || errs[0].Key != "tags" {
		t.Errorf("unknown tag: %q", errs)
	}
}

type fakeCadreLookups struct{ office bool }

func (fakeCadreLookups) Unit(s string) (int64, string) {
	switch s {
	case "县妇联":
		return 1, ""
	case "县民政局":
		return 2, ""
	}
	return 0, "单位“" + s + "”不存在"
}
func (fakeCadreLookups) MayManageCadresOf(unit int64) bool { return unit == 1 }
func (l fakeCadreLookups) Office() bool                    { return l.office }

func TestCheckCadreLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		v      map[string]string
		office bool
		want   []sanlian.CellError
	}{
		{"OK", map[string]string{"name": "李明", "unit": "县妇联", "party_member": "1"}, false, nil},
		{"LeaderByOffice", map[string]string{"name": "王建国", "unit": "县妇联", "is_leader": "1"}, true, nil},
		{"ErrLeader", map[string]string{"name": "王建国", "unit": "县妇联", "is_leader": "1"}, false,
			[]sanlian.CellError{{"is_leader", "只有县办公室可以设定县级领导"}}},
		{"ErrScope", map[string]string{"name": "李明", "unit": "县民政局"}, false,
			[]sanlian.CellError{{"unit", "无权导入其他单位的干部：“县民政局”不是本单位或下属单位"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, errs := sanlian.CheckCadreLine(tc.v, fakeCadreLookups{tc.office})
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors\n%q\nwant\n%q", errs, tc.want)
			}
			if tc.want == nil && (x.UnitID != 1 || x.Name != tc.v["name"]) {
				t.Errorf("cadre %+v", x)
			}
		})
	}
}

// TestValidationCells_LineError: a Validate error without field errors
// refuses the line instead of being dropped.
func TestValidationCells_LineError(t *testing.T) {
	kind := sanlian.FindImportKind("problems")
	if got := sanlian.ValidationCells(kind, nil, nil); got != nil {
		t.Fatalf("nil error: %v", got)
	}
	got := sanlian.ValidationCells(kind, sanlian.Errorf(sanlian.EINVALID, "这一行不能导入"), nil)
	if len(got) != 1 || got[0].Key != "" || got[0].Message != "这一行不能导入" {
		t.Fatalf("line error: %+v", got)
	}
	got = sanlian.ValidationCells(kind, sanlian.FieldErrors(map[string]string{"title": "请填写标题"}), nil)
	if len(got) != 1 || got[0].Key != "title" || got[0].Message != "请填写标题" {
		t.Fatalf("field error: %+v", got)
	}
}
