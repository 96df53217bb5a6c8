package sanlian

import "testing"

func TestMaskContacts(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"我电话13600002222，身份证号430923198802023456", "我电话136****2222，身份证号430923********3456"},
		{"电话 136 0000 2222 找王师傅", "电话 136****2222 找王师傅"},
		{"电话136-0000-2222。", "电话136****2222。"},
		{"手机：１３６００００２２２２", "手机：136****2222"},
		{"+86 13600002222", "+86 136****2222"},
		{"身份证43092319800101123X的补贴", "身份证430923********123X的补贴"},
		{"身份证43092319800101123x", "身份证430923********123X"},
		{"身份证 430923 19800101 1234", "身份证 430923********1234"},
		{"座机0737-7221234或（0737）7221234", "座机073****1234或（073****1234"},
		{"北京010-62345678", "北京010****5678"},
		{"2026-12-07 13600002222 来电", "2026-12-07 136****2222 来电"},
		{"电话13600002222,13700003333", "电话136****2222,137****3333"},
		// Not contacts.
		{"补贴金额 120000 元", "补贴金额 120000 元"},
		{"问题编号安化-2026-000676", "问题编号安化-2026-000676"},
		{"2026-12-07 至 2027-01-15", "2026-12-07 至 2027-01-15"},
		{"20261207", "20261207"},
		{"订单号2013600002222999", "订单号2013600002222999"},
		{"银行卡6222021360000222233", "银行卡6222021360000222233"},
		{"12600002222", "12600002222"},
		{"修了3公里，共13户", "修了3公里，共13户"},
		{"第1 3600002222", "第1 3600002222"},
		{"无数字", "无数字"},
		{"", ""},
	} {
		if got := MaskContacts(c.in); got != c.want {
			t.Errorf("MaskContacts(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAutoTitleMasksContacts(t *testing.T) {
	for _, c := range []struct{ desc, want string }{
		{"我电话13600002222，身份证号430923198802023456", "我电话136****2222，身份证号430923*****…"},
		// A phone cut by the 30-character limit is not copied in part.
		{"村口路灯坏了三个多月了晚上看不见请尽快修理电话13600002222", "村口路灯坏了三个多月了晚上看不见请尽快修理电话136****…"},
	} {
		in := &ProblemInput{Description: c.desc}
		in.Normalize()
		if in.Title != c.want {
			t.Errorf("title of %q = %q, want %q", c.desc, in.Title, c.want)
		}
		if in.Description != c.desc {
			t.Errorf("description changed to %q", in.Description)
		}
	}
}

func TestShowsMasked(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{MaskContacts("我电话13600002222"), true},
		{MaskContacts("身份证号430923198802023456"), true},
		{MaskContacts("座机0737-4201234"), true},
		{"路灯坏了 3 盏，金额 1200 元", false},
		{"密码为****", false},
		{"", false},
	} {
		if got := ShowsMasked("", c.in); got != c.want {
			t.Errorf("ShowsMasked(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
