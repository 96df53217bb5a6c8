package sanlian_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"sanlian"
)

func TestNormalizeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"张三":                  "张三",
		"  张三\u3000":          "张三",
		"１３８００１３８０００":         "13800138000",
		"ＡＢＣａｂｃ":              "ABCabc",
		"（社区）":                "(社区)",
		"张\u200b三\ufeff":      "张三",
		"\ufeff户主姓名":          "户主姓名",
		"张\u00a0三":            "张 三",
		"a\tb\r\nc":           "a b  c",
		"酉州村\u00ad3组":         "酉州村3组",
		"\u2002\u2003x\u202f": "x",
		"２０２１－０５－２０":          "2021-05-20",
		"户主\n姓名":              "户主 姓名",
		"a\x00b\x07":          "ab",
		"plain ascii":         "plain ascii",
		"\xff":                "\ufffd",
		"\u3000\u3000\u3000":  "",
		"Ｘ":                   "X",
		"１２，３４５":              "12,345",
		"路灯坏了半年，夜间出行不便。":           "路灯坏了半年,夜间出行不便。",
		"\u2028line\u2029":         "line",
		"\u200d\u200c\u2060\u200e": "",
	} {
		if got := sanlian.NormalizeCell(in); got != want {
			t.Errorf("NormalizeCell(%q) = %q, want %q", in, got, want)
		}
		if got := sanlian.NormalizeCell(want); got != want {
			t.Errorf("NormalizeCell not idempotent on %q: %q", want, got)
		}
	}
}

func TestParseImportDate(t *testing.T) {
	for in, want := range map[string]string{
		"44336":                    "2021-05-20",
		"44336.5":                  "2021-05-20",
		"44336.999988426":          "2021-05-20",
		"32874":                    "1990-01-01",
		"73415":                    "2100-12-31",
		"2021-05-20":               "2021-05-20",
		"2021-5-20":                "2021-05-20",
		"2021/5/20":                "2021-05-20",
		"2021/05/20 14:30":         "2021-05-20",
		"2021/5/20 8:05:09":        "2021-05-20",
		"2021.5.20":                "2021-05-20",
		"2021年5月20日":               "2021-05-20",
		"2021 年 5 月 20 日":          "2021-05-20",
		"2021年05月20日 09:00":        "2021-05-20",
		"2021年5月20":                "2021-05-20",
		"20210520":                 "2021-05-20",
		"２０２１年５月２０日":               "2021-05-20",
		"2021-05-20T14:30:00":      "2021-05-20",
		"2021-05-20T14:30:00.5Z":   "2021-05-20",
		" 2021-05-20 ":             "2021-05-20",
		"2020-02-29":               "2020-02-29",
		"2000-02-29":               "2000-02-29",
		"43890":                    "2020-02-29",
		"2021-05-20\u00a014:30:00": "2021-05-20",
	} {
		got, ok := sanlian.ParseImportDate(in)
		if !ok || got != want {
			t.Errorf("ParseImportDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"", "2021-02-30", "2021-02-29", "1900-02-29", "2100-02-29", "2021-13-01", "2021-00-10", "2021-05-00",
		"2021-05-32", "2021-5", "21-5-20", "2021-05/20", "2021年5-20", "20211320", "60", "1", "32873", "73416",
		"123456", "44336.", "44336.5.1", "-44336", "2021-05-20 25:00", "2021-05-20 14:60", "2021-05-20 14",
		"2021-05-20x", "2021-05-20 abc", "20210520123", "2101-01-01", "1899-12-31", "明天", "2021--05-20",
		"1E4", "0x10", "2021-05-20 14:30:00 +08:00",
	} {
		if got, ok := sanlian.ParseImportDate(in); ok {
			t.Errorf("ParseImportDate(%q) = %q, want refused", in, got)
		}
	}
}

func TestImportKind_MatchHeader(t *testing.T) {
	hh := sanlian.FindImportKind("households")
	cols, ok := hh.MatchHeader([]string{"序号", " 户主姓名* ", "村（社区）", "身份证号码（必填）", "", "备注", "家庭\n人口"})
	if !ok {
		t.Fatalf("header not matched: %v", cols)
	}
	want := map[string]int{"village": 2, "head_name": 1, "id_number": 3, "phone": -1, "address": -1, "members": 6, "tags": -1}
	for i, c := range hh.Columns {
		if cols[i] != want[c.Key] {
			t.Errorf("%s at %d, want %d", c.Key, cols[i], want[c.Key])
		}
	}

	// The header wins over an alias, whatever the order; a cell serves
	// one column.
	cols, ok = hh.MatchHeader([]string{"姓名", "户主姓名", "村", "身份证号", "电话", "联系电话"})
	if !ok || cols[1] != 1 || cols[0] != 2 || cols[3] != 5 {
		t.Errorf("header over alias: %v %v", cols, ok)
	}
	cols, ok = hh.MatchHeader([]string{"【村社区】", "＊户主", "身份证号"})
	if ok {
		t.Errorf("【村社区】 is no alias, yet matched: %v", cols)
	}
	if _, ok = hh.MatchHeader([]string{"*村(社区)", "户主", "身份证号"}); !ok {
		t.Error("leading * and an alias not matched")
	}

	// A missing required column: not ok, and named.
	cols, ok = hh.MatchHeader([]string{"村(社区)", "户主姓名", "联系电话"})
	if ok {
		t.Error("matched without 身份证号")
	}
	if m := hh.MissingHeaders(cols); len(m) != 1 || m[0] != "身份证号" {
		t.Errorf("missing = %v", m)
	}
	if r := hh.RequiredHeaders(); strings.Join(r, ",") != "村(社区),户主姓名,身份证号" {
		t.Errorf("required = %v", r)
	}
	// A title row is no header; a very long cell is not compared.
	if _, ok := hh.MatchHeader([]string{"东坪镇农户信息登记表"}); ok {
		t.Error("title matched")
	}
	if _, ok := hh.MatchHeader([]string{strings.Repeat("户", 300), "村(社区)", "户主姓名", "身份证号"}); !ok {
		t.Error("a long cell spoilt the match")
	}
	// Every kind matches its own headers, in any order.
	for _, k := range sanlian.ImportKinds {
		var hs []string
		for i := len(k.Columns) - 1; i >= 0; i-- {
			hs = append(hs, k.Columns[i].Header)
		}
		cols, ok := k.MatchHeader(hs)
		if !ok {
			t.Errorf("%s: own headers not matched", k.Code)
		}
		for i := range k.Columns {
			if cols[i] != len(k.Columns)-1-i {
				t.Errorf("%s: %s at %d", k.Code, k.Columns[i].Key, cols[i])
			}
		}
	}
}

// validID is an ID number with a correct check digit.
func validID(first17 string) string { return first17 + string(sanlian.IDCheckDigit(first17)) }

func TestImportKind_ParseRow(t *testing.T) {
	id := validID("43092319800101001")
	idx := validID("11010519491231002")
	type want struct {
		value string // canonical value, when valid
		err   string // a part of the message, when refused
	}
	// column key → cell → outcome, in the kinds that have such a column.
	cases := []struct {
		kind, key string
		cells     map[string]want
	}{
		{"households", "head_name", map[string]want{
			"张三":                        {value: "张三"},
			" 张三\u3000":                 {value: "张三"},
			"张\u200b三":                  {value: "张三"},
			"":                          {err: "「户主姓名」不能为空"},
			"\u3000 ":                   {err: "不能为空"},
			strings.Repeat("张", 31):     {err: "不能超过 30 字"},
			strings.Repeat("张", 30):     {value: strings.Repeat("张", 30)},
			strings.Repeat("x", 100000): {err: "不能超过 30 字（本格约 100000 字）"},
		}},
		{"households", "address", map[string]want{
			"酉州村３组１２号":   {value: "酉州村3组12号"},
			"":           {},
			"一组，二组":      {value: "一组，二组"},
			"第一行\r\n第二行": {value: "第一行\n第二行"},
		}},
		{"households", "members", map[string]want{
			"4":                    {value: "4"},
			"４":                    {value: "4"},
			"04":                   {value: "4"},
			"12.0":                 {value: "12"},
			"6,428":                {value: "6428"},
			"1,000,000":            {value: "1000000"},
			"1E3":                  {value: "1000"},
			"0":                    {value: "0"},
			"1000000000":           {value: "1000000000"},
			"1000000001":           {err: "应在 0 到 1000000000 之间"},
			"99999999999999999999": {err: "应在 0 到"},
			"-3":                   {err: "应在 0 到"},
			"12.5":                 {err: "应为整数"},
			"4人":                   {err: "「家庭人口」应为整数"},
			"6,42":                 {err: "应为整数"},
			",428":                 {err: "应为整数"},
			"0x10":                 {err: "应为整数"},
			"NaN":                  {err: "应为整数"},
			"":                     {},
		}},
		{"households", "id_number", map[string]want{
			id:                    {value: id},
			idx[:17] + "x":        {value: idx},
			" " + id + " ":        {value: id},
			"'" + id:              {value: id},
			id[:6] + " " + id[6:]: {value: id},
			"４３０９２３１９８００１０１００１" + id[17:]: {value: id},
			"4.3092319800101002E+17": {err: "被 Excel 存成了数字"},
			id[:17]:                  {err: "18 位"},
			id[:17] + "5":            {err: "校验位"},
			"":                       {err: "不能为空"},
		}},
		{"households", "phone", map[string]want{
			"13800138000":       {value: "13800138000"},
			"138 0013 8000":     {value: "13800138000"},
			"138-0013-8000":     {value: "13800138000"},
			"+86 138 0013 8000": {value: "13800138000"},
			"8613800138000":     {value: "13800138000"},
			"1.38001380E10":     {value: "13800138000"},
			"13800138000.0":     {value: "13800138000"},
			"0737-7223456":      {value: "07377223456"},
			"(0737)7223456":     {value: "07377223456"},
			"１３８００１３８０００":       {value: "13800138000"},
			"7223456":           {err: "不是有效的电话号码"},
			"1380013800":        {err: "不是有效的电话号码"},
			"1.5E3":             {err: "不是有效的电话号码"},
			"1.5":               {err: "不是有效的电话号码"},
			"电话":                {err: "不是有效的电话号码"},
			"":                  {},
		}},
		{"cadres", "party_member", map[string]want{
			"是": {value: "1"}, "否": {value: "0"}, "Y": {value: "1"}, "n": {value: "0"}, "1": {value: "1"}, "0": {value: "0"},
			"TRUE": {value: "1"}, "false": {value: "0"}, "√": {value: "1"}, "×": {value: "0"}, "Ｙ": {value: "1"},
			"党员": {err: "应填“是”或“否”"}, "2": {err: "应填"}, "": {},
		}},
		{"units", "kind", map[string]want{
			"群团组织": {value: sanlian.UnitMassOrg}, "县直部门": {value: sanlian.UnitDepartment},
			" 乡 镇 ": {value: sanlian.UnitTownship}, "township": {value: sanlian.UnitTownship},
			"TOWNSHIP": {value: sanlian.UnitTownship},
			"部门":       {err: "应为以下之一：县直部门、乡镇、企业、群团组织"}, "": {err: "不能为空"},
		}},
		{"problems", "created", map[string]want{
			"44336": {value: "2021-05-20"}, "2021/5/20": {value: "2021-05-20"}, "2021年5月20日": {value: "2021-05-20"},
			"20210520": {value: "2021-05-20"}, "2021-02-30": {err: "不是有效日期：“2021-02-30”"},
			"下周": {err: "请写成 2021-05-20"}, "": {err: "「登记日期」不能为空"},
		}},
	}
	for _, c := range cases {
		k := sanlian.FindImportKind(c.kind)
		idx := -1
		for i, col := range k.Columns {
			if col.Key == c.key {
				idx = i
			}
		}
		if idx < 0 {
			t.Fatalf("%s has no column %s", c.kind, c.key)
		}
		header := k.Columns[idx].Header
		cols := []int{}
		for i := range k.Columns {
			cols = append(cols, i)
		}
		for text, w := range c.cells {
			cells := make([]sanlian.Cell, len(k.Columns))
			cells[idx] = sanlian.Cell{Text: text}
			row := k.ParseRow(7, cells, cols)
			var msg string
			for _, e := range row.Errors {
				if e.Line != 7 || e.Column == "" {
					t.Errorf("%s %q: error without line or column: %+v", c.key, text, e)
				}
				if e.Column == header {
					msg = e.Message
				}
			}
			if w.err != "" {
				if !strings.Contains(msg, w.err) {
					t.Errorf("%s %q: message %q, want %q", c.key, text, msg, w.err)
				}
				if v, ok := row.Values[c.key]; ok {
					t.Errorf("%s %q: refused yet valued %q", c.key, text, v)
				}
				if len(msg) > 300 {
					t.Errorf("%s: message of %d bytes", c.key, len(msg))
				}
				continue
			}
			if msg != "" {
				t.Errorf("%s %q: refused: %s", c.key, text, msg)
			}
			if v, ok := row.Values[c.key]; v != w.value || ok != (w.value != "") {
				t.Errorf("%s %q = %q (%v), want %q", c.key, text, v, ok, w.value)
			}
		}
	}
}

func TestImportKind_ParseRow_Formula(t *testing.T) {
	k := sanlian.FindImportKind("households")
	cols, _ := k.MatchHeader([]string{"村(社区)", "户主姓名", "身份证号", "家庭人口"})
	row := k.ParseRow(4, []sanlian.Cell{{Text: "东坪镇酉州村"}, {Text: "张三"}, {Text: validID("43092319800101001")}, {Text: "4", Formula: true}}, cols)
	if len(row.Errors) != 1 || row.Errors[0].Column != "家庭人口" || !strings.Contains(row.Errors[0].Message, "是公式，请复制后“选择性粘贴为数值”再导入") {
		t.Fatalf("errors = %+v", row.Errors)
	}
	if _, ok := row.Values["members"]; ok || len(row.Values) != 3 {
		t.Errorf("values = %v", row.Values)
	}
	// Columns absent from the sheet and cells past the row's end are empty.
	row = k.ParseRow(5, []sanlian.Cell{{Text: "东坪镇酉州村"}}, cols)
	if len(row.Errors) != 2 || row.Errors[0].Column != "户主姓名" || row.Errors[1].Column != "身份证号" {
		t.Errorf("short row: %+v", row.Errors)
	}
}

func TestEmptyRow(t *testing.T) {
	cols := []int{0, 2, -1}
	for cells, want := range map[string]bool{
		"":           true,
		" | \u3000 ": true,
		"|x":         true, // only an unknown column
		"a":          false,
		"||b":        false,
		"\u200b||":   true,
	} {
		var cs []sanlian.Cell
		for _, s := range strings.Split(cells, "|") {
			cs = append(cs, sanlian.Cell{Text: s})
		}
		if got := sanlian.EmptyRow(cs, cols); got != want {
			t.Errorf("EmptyRow(%q) = %v", cells, got)
		}
	}
}

// FuzzParseImportDate: no panic, and an accepted date is canonical.
func FuzzParseImportDate(f *testing.F) {
	for _, s := range []string{"44336", "44336.5", "2021-05-20", "2021/5/20", "2021.5.20", "2021年5月20日", "20210520",
		"2021-05-20 14:30:00", "2021-05-20T14:30:00.5Z", "２０２１年５月２０日", "2021-02-30", "60", "", "2021 年 5 月 20 日 8:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := sanlian.ParseImportDate(s)
		if !ok {
			if d != "" {
				t.Fatalf("refused %q with %q", s, d)
			}
			return
		}
		if len(d) != 10 || d[4] != '-' || d[7] != '-' {
			t.Fatalf("ParseImportDate(%q) = %q", s, d)
		}
		if again, ok := sanlian.ParseImportDate(d); !ok || again != d {
			t.Fatalf("%q → %q → %q, %v", s, d, again, ok)
		}
	})
}

// FuzzParseRow runs random cells through every kind: no panic, every
// error pinned to its line and column, every value canonical.
func FuzzParseRow(f *testing.F) {
	id := validID("43092319800101001")
	for _, seed := range [][3]string{
		{"东坪镇酉州村", "张三", id},
		{"44336", "2021年5月20日", "13800138000"},
		{"1.38001380E10", "6,428", "12.0"},
		{"是", "否", "√"},
		{"群团组织", "联户", "实施中"},
		{"１３８００１３８０００", "\u3000张三\u200b", "4.3092319800101002E+17"},
		{"=SUM(A1)", "", " "},
		{"2021-02-30", "0737-7223456", "x"},
	} {
		f.Add(seed[0], seed[1], seed[2], uint8(0), uint16(0))
		f.Add(seed[0], seed[1], seed[2], uint8(5), uint16(0x0101))
	}
	f.Fuzz(func(t *testing.T, a, b, c string, kind uint8, formulas uint16) {
		texts := []string{a, b, c}
		for _, k := range sanlian.ImportKinds {
			n := len(k.Columns)
			cells := make([]sanlian.Cell, n)
			cols := make([]int, n)
			for i := range cells {
				cells[i] = sanlian.Cell{Text: texts[(i+int(kind))%3], Formula: formulas&(1<<(i%16)) != 0}
				cols[i] = (i + int(kind)) % (n + 1)
				if cols[i] == n {
					cols[i] = -1
				}
			}
			row := k.ParseRow(9, cells, cols)
			if row.Line != 9 {
				t.Fatalf("line %d", row.Line)
			}
			for _, e := range row.Errors {
				if e.Line != 9 || e.Column == "" || e.Message == "" || !utf8.ValidString(e.Message) || len(e.Message) > 600 {
					t.Fatalf("%s: bad error %+v", k.Code, e)
				}
			}
			for key, v := range row.Values {
				col := k.Column(key)
				if col == nil || v == "" {
					t.Fatalf("%s: value %q for %q", k.Code, v, key)
				}
				// The value, read again alone, is itself.
				one := make([]sanlian.Cell, n)
				all := make([]int, n)
				at := 0
				for i := range k.Columns {
					all[i] = i
					if k.Columns[i].Key == key {
						at = i
					}
				}
				one[at] = sanlian.Cell{Text: v}
				again := k.ParseRow(9, one, all)
				if again.Values[key] != v {
					t.Fatalf("%s.%s: %q is not canonical: %q, %+v", k.Code, key, v, again.Values[key], again.Errors)
				}
			}
		}
	})
}

// TestImportKinds_Examples: every template's example row is valid, and
// every text example is kept exactly as written.
func TestImportKinds_Examples(t *testing.T) {
	for _, k := range sanlian.ImportKinds {
		cells := make([]sanlian.Cell, len(k.Columns))
		cols := make([]int, len(k.Columns))
		for i, c := range k.Columns {
			cells[i], cols[i] = sanlian.Cell{Text: c.Example}, i
			if c.Required && c.Example == "" {
				t.Errorf("%s: required column %s has no example", k.Code, c.Header)
			}
		}
		row := k.ParseRow(3, cells, cols)
		if len(row.Errors) > 0 {
			t.Errorf("%s: example row refused: %+v", k.Code, row.Errors)
		}
		for _, c := range k.Columns {
			if c.Type == sanlian.ColText && row.Values[c.Key] != c.Example {
				t.Errorf("%s.%s = %q, want %q", k.Code, c.Key, row.Values[c.Key], c.Example)
			}
		}
	}
}

// A cell holding a NUL byte, invalid UTF-8 or a control character is
// refused with its row and column, not stored or silently cleaned.
func TestImportKind_ParseRow_Control(t *testing.T) {
	k := sanlian.FindImportKind("households")
	cols, _ := k.MatchHeader([]string{"村(社区)", "户主姓名", "身份证号", "家庭人口", "住址"})
	for _, tc := range []struct{ name, address, want string }{
		{"张\x00三", "", "「户主姓名」含有空字符"},
		{"张三", "酉州村\x1b3组", "「住址」含有控制字符"},
		{"张\xff三", "", "「户主姓名」含有无效的字符编码"},
	} {
		row := k.ParseRow(7, []sanlian.Cell{{Text: "东坪镇酉州村"}, {Text: tc.name}, {Text: validID("43092319800101001")}, {Text: "4"}, {Text: tc.address}}, cols)
		if len(row.Errors) != 1 || row.Errors[0].Line != 7 || !strings.Contains(row.Errors[0].Message, tc.want) {
			t.Errorf("%q %q: errors = %+v, want one at line 7 with %q", tc.name, tc.address, row.Errors, tc.want)
		}
	}
}
