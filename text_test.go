package sanlian_test

import (
	"strings"
	"testing"

	"sanlian"
)

func TestTextProblem(t *testing.T) {
	cases := []struct {
		s         string
		multiline bool
		want      string // a part of the problem; "" when accepted
	}{
		{"", false, ""},
		{"村道破损", false, ""},
		{"张 三", false, ""},
		{"👨‍👩‍👧 一家", false, ""}, // a joiner inside visible text
		{"第一行\r\n第二行\t续", true, ""},
		{"a\x00b", false, "空字符"},
		{"a\x00b", true, "空字符"},
		{"a\xffb", true, "无效的字符编码"},
		{"\xe6\x9d", false, "无效的字符编码"},
		{"a\x07b", true, "控制字符"},
		{"a\x7fb", true, "控制字符"},
		{"a\u0085b", true, "控制字符"},
		{"abc\u202Egpj.exe", false, "控制字符"},
		{"县民政局\r\n", false, "不能换行"},
		{"县民\n政局", false, "不能换行"},
		{"县民\u2028政局", false, "不能换行"},
		{"县民\t政局", false, "控制字符"},
		{"\u200b\u200b", false, "只有空白或不可见字符"},
		{"\u200b\u200b", true, "只有空白或不可见字符"},
		{" \u3000\ufeff\u00ad", false, "只有空白或不可见字符"},
		{"\r\n\t", true, "只有空白或不可见字符"},
		{"\u3164\ufe0f", false, "只有空白或不可见字符"},
		{"\u200b好", false, ""},
	}
	for _, c := range cases {
		got := sanlian.TextProblem(c.s, c.multiline)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("TextProblem(%q, %v) = %q, want %q", c.s, c.multiline, got, c.want)
		}
	}
}

func TestOnlyInvisible(t *testing.T) {
	for s, want := range map[string]bool{
		"":              false,
		"a":             false,
		"\u200b\u200b":  true,
		" \t\r\n":       true,
		"\u2060\u180e":  true,
		"\u200b好\u200b": false,
	} {
		if got := sanlian.OnlyInvisible(s); got != want {
			t.Errorf("OnlyInvisible(%q) = %v", s, got)
		}
	}
}

func TestControlProblem(t *testing.T) {
	for s, want := range map[string]string{
		"":                 "",
		"村道\r\n破损\t":       "",
		"\u200b\u200b":     "",
		"a\x00":            "空字符",
		"\xc3\x28":         "无效的字符编码",
		"a\x1fb":           "控制字符",
		"a\u009fb":         "控制字符",
		"search%00literal": "",
	} {
		got := sanlian.ControlProblem(s)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("ControlProblem(%q) = %q, want %q", s, got, want)
		}
	}
}

// The validators of titles and names share the check: an invisible title,
// a unit name with a line break, a cadre's name with a NUL.
func TestValidators_Text(t *testing.T) {
	p := sanlian.ProblemInput{Source: sanlian.SourceVisit, Category: "road", VillageCode: "430923100201",
		Description: "村道破损严重", Title: "\u200b\u200b", Urgency: sanlian.UrgencyNormal}
	if f := sanlian.ErrorFields(p.Validate()); !strings.Contains(f["title"], "标题只有空白或不可见字符") {
		t.Errorf("problem title: %v", f)
	}
	u := sanlian.Unit{Name: "县民政局\r\n局办", Kind: sanlian.UnitDepartment}
	if f := sanlian.ErrorFields(u.Validate()); !strings.Contains(f["name"], "单位名称不能换行") {
		t.Errorf("unit name: %v", f)
	}
	c := sanlian.Cadre{Name: "张\x00三", UnitID: 1}
	if f := sanlian.ErrorFields(c.Validate()); !strings.Contains(f["name"], "姓名含有空字符") {
		t.Errorf("cadre name: %v", f)
	}
	h := sanlian.Household{HeadName: "\u200b", VillageCode: "430923100201", Members: 1}
	if f := sanlian.ErrorFields(h.Validate()); !strings.Contains(f["head_name"], "户主姓名只有空白") {
		t.Errorf("household head: %v", f)
	}
	tp := sanlian.TopicInput{Category: "road", Question: "\u2060"}
	if f := sanlian.ErrorFields(tp.Validate()); !strings.Contains(f["question"], "调研题目只有空白") {
		t.Errorf("topic: %v", f)
	}
	th := sanlian.ThemeInput{Month: "2026-11", Name: "冬季\u0007安全", Keywords: []string{"火"}}
	if f := sanlian.ErrorFields(th.Validate()); !strings.Contains(f["name"], "主题名称含有控制字符") {
		t.Errorf("theme: %v", f)
	}
	req := sanlian.ActionRequest{Reason: "\u200b\u200b", Note: "已到现场\r\n查看"}
	if f := sanlian.ErrorFields(req.CheckText()); len(f) != 1 || !strings.Contains(f["reason"], "理由只有空白") {
		t.Errorf("action reason: %v", f)
	}
	if f := sanlian.ErrorFields(sanlian.ValidateOverrides([]sanlian.BulletinOverride{{UnitID: 1, Action: sanlian.OverrideCommend, Reason: "\u200b"}})); !strings.Contains(f["overrides[0].reason"], "理由只有空白") {
		t.Errorf("override reason: %v", f)
	}
	// Long text keeps its line breaks.
	p.Title, p.Description = "村道破损", "第一处\r\n第二处"
	if err := p.Validate(); err != nil {
		t.Errorf("multiline description refused: %v", err)
	}
}
