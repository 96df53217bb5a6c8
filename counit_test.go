package sanlian

import (
	"reflect"
	"strings"
	"testing"
)

func TestPlanCoUnits(t *testing.T) {
	names := map[int64]string{1: "县交通运输局", 2: "东坪镇人民政府", 3: "梅城镇人民政府", 4: "县公路建设养护中心"}
	pick := func(ids ...int64) map[int64]string {
		out := map[int64]string{}
		for _, id := range ids {
			if n, ok := names[id]; ok {
				out[id] = n
			}
		}
		return out
	}
	cur := []CoUnit{{UnitID: 2, Name: names[2]}, {UnitID: 3, Name: names[3], Parts: 1}}
	cases := []struct {
		name      string
		current   []CoUnit
		requested []int64
		add, rm   []int64
		msg       string // a part of the refusal's message
	}{
		{name: "name two", requested: []int64{2, 4}, add: []int64{2, 4}},
		{name: "none", requested: nil},
		{name: "keep and add", current: cur, requested: []int64{3, 2, 4}, add: []int64{4}},
		{name: "remove one without part", current: cur, requested: []int64{3}, rm: []int64{2}},
		{name: "lead", requested: []int64{2, 1}, msg: "是牵头单位"},
		{name: "twice", requested: []int64{2, 4, 2}, msg: "重复"},
		{name: "unknown", requested: []int64{2, 99}, msg: "配合单位 99 不存在"},
		{name: "remove one with part", current: cur, requested: []int64{2}, msg: "梅城镇人民政府”已记录配合办理情况"},
		{name: "remove all with part", current: cur, requested: []int64{}, msg: "不能移出"},
		{name: "too many", requested: []int64{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, msg: "不能超过"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := PlanCoUnits(1, tc.current, tc.requested, pick(append(tc.requested, 1)...))
			if tc.msg != "" {
				if ErrorCode(err) != EUNPROCESSABLE || !strings.Contains(ErrorMessage(err), tc.msg) || ErrorFields(err)["co_unit_ids"] == "" {
					t.Fatalf("err = %v (%v), want %q on co_unit_ids", err, ErrorFields(err), tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan.Add, tc.add) || !reflect.DeepEqual(plan.Remove, tc.rm) {
				t.Errorf("plan = %+v, want add %v remove %v", plan, tc.add, tc.rm)
			}
		})
	}
}

func TestCheckPart(t *testing.T) {
	co := []CoUnit{{UnitID: 2, Name: "东坪镇人民政府"}, {UnitID: 3, Name: "东坪镇农业综合服务中心"}, {UnitID: 4, Name: "梅城镇人民政府"}}
	only := func(ids ...int64) func(int64) bool {
		return func(u int64) bool {
			for _, id := range ids {
				if id == u {
					return true
				}
			}
			return false
		}
	}
	const today = "2021-06-10"
	cases := []struct {
		name  string
		mine  func(int64) bool
		in    PartInput
		want  Part
		code  string
		field string
	}{
		{name: "today by default", mine: only(4, 9), in: PartInput{Note: "  出动人员清理塌方  "},
			want: Part{UnitID: 4, UnitName: "梅城镇人民政府", Note: "出动人员清理塌方", DoneOn: today}},
		{name: "past date", mine: only(4), in: PartInput{Note: "协调占地", Date: "2021-06-01"},
			want: Part{UnitID: 4, UnitName: "梅城镇人民政府", Note: "协调占地", DoneOn: "2021-06-01"}},
		{name: "named among several", mine: only(2, 3), in: PartInput{UnitID: 3, Note: "核实灌溉面积"},
			want: Part{UnitID: 3, UnitName: "东坪镇农业综合服务中心", Note: "核实灌溉面积", DoneOn: today}},
		{name: "several, none named", mine: only(2, 3), in: PartInput{Note: "x"}, code: EUNPROCESSABLE, field: "unit_id"},
		{name: "not a co-unit", mine: only(1), in: PartInput{Note: "x"}, code: EFORBIDDEN},
		{name: "named but not mine", mine: only(4), in: PartInput{UnitID: 2, Note: "x"}, code: EFORBIDDEN},
		{name: "no note", mine: only(4), in: PartInput{Note: " "}, code: EUNPROCESSABLE, field: "note"},
		{name: "future", mine: only(4), in: PartInput{Note: "x", Date: "2021-06-11"}, code: EUNPROCESSABLE, field: "date"},
		{name: "bad date", mine: only(4), in: PartInput{Note: "x", Date: "2021-6-1"}, code: EUNPROCESSABLE, field: "date"},
		{name: "long note", mine: only(4), in: PartInput{Note: strings.Repeat("路", MaxNote+1)}, code: EUNPROCESSABLE, field: "note"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckPart(co, tc.mine, tc.in, today)
			if ErrorCode(err) != tc.code {
				t.Fatalf("err = %v, want code %q", err, tc.code)
			}
			if tc.code != "" {
				if tc.field != "" && ErrorFields(err)[tc.field] == "" {
					t.Errorf("fields = %v, want one on %s", ErrorFields(err), tc.field)
				}
				if !strings.ContainsAny(ErrorMessage(err), "的不请") {
					t.Errorf("message %q not in Chinese", ErrorMessage(err))
				}
				return
			}
			if got != tc.want {
				t.Errorf("part = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPendingParts(t *testing.T) {
	co := []CoUnit{{UnitID: 2, Name: "甲", Parts: 2}, {UnitID: 3, Name: "乙"}, {UnitID: 4, Name: "丙"}}
	if got := CoUnitNames(PendingParts(co)); got != "乙、丙" {
		t.Errorf("pending = %q", got)
	}
	if got := CoUnitNames(PendingParts(co[:1])); got != "无" {
		t.Errorf("pending = %q", got)
	}
}

func TestActionRules_CoUnits(t *testing.T) {
	for _, st := range States {
		open := st == StateAssigned || st == StateAccepted
		if CanAct(st, ActionCoUnits, RoleOffice) != open || CanAct(st, ActionCoUnits, RoleUnitAdmin) {
			t.Errorf("co_units in %s", st)
		}
		if CanAct(st, ActionPart, RoleUnitAdmin) != open || CanAct(st, ActionPart, RoleCadre) != open || CanAct(st, ActionPart, RoleOffice) {
			t.Errorf("part in %s", st)
		}
	}
}
