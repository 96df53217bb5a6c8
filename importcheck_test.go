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
