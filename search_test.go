package sanlian_test

import (
	"reflect"
	"testing"

	"sanlian"
)

func TestSearchTokens(t *testing.T) {
	for text, want := range map[string][]string{
		"路灯坏了":                      {"路灯", "灯坏", "坏了"},
		"低保":                        {"低保"},
		"水":                         {"水"},
		"3组路灯 LED坏了，共12盏":           {"3", "组路", "路灯", "led", "坏了", "共", "12", "盏"},
		"<script>alert(1)</script>": {"script", "alert", "1", "script"},
		"' OR 1=1; --":              {"or", "1", "1"},
		"":                          nil,
	} {
		if got := sanlian.SearchTokens(text); !reflect.DeepEqual(got, want) {
			t.Errorf("SearchTokens(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestParseSearch(t *testing.T) {
	if q, ok := sanlian.ParseSearch("漏水"); !ok || !reflect.DeepEqual(q.Phrase, []string{"漏水"}) {
		t.Errorf("漏水: %+v", q)
	}
	if q, ok := sanlian.ParseSearch("水"); !ok || q.Like != "水" {
		t.Errorf("水: %+v", q)
	}
	if _, ok := sanlian.ParseSearch("！？。"); ok {
		t.Error("punctuation parsed as a search")
	}
}

func TestSimilarity(t *testing.T) {
	a := "村口路灯坏了三个月，晚上出行不安全"
	if s := sanlian.Similarity(a, "村口的路灯坏了好几个月，晚上不安全"); s < 0.3 {
		t.Errorf("near duplicate scored %.2f", s)
	}
	if s := sanlian.Similarity(a, "低保申请材料不知道怎么准备"); s > 0.05 {
		t.Errorf("unrelated scored %.2f", s)
	}
	if s := sanlian.Similarity(a, a); s != 1 {
		t.Errorf("same text scored %.2f", s)
	}
}
