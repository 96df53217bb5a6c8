package demo

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestProblemTexts(t *testing.T) {
	t.Parallel()
	if len(problemTexts) < 150 {
		t.Fatalf("%d problem texts, want at least 150", len(problemTexts))
	}
	c := Generate(Options{Households: 100})
	units := map[string]bool{}
	for _, u := range c.Units {
		units[u.Name] = true
	}
	codes := []string{"employment", "education", "social_health", "elderly", "childcare", "housing", "transport",
		"construction", "rural", "food_drug", "business", "policy"}
	perCat := map[string]int{}
	titles := map[string]bool{}
	for _, x := range problemTexts {
		perCat[x.category]++
		if !slices.Contains(codes, x.category) {
			t.Errorf("%s: category %q", x.title, x.category)
		}
		if x.unit != "" && !units[x.unit] {
			t.Errorf("%s: no unit %s in the demo county", x.title, x.unit)
		}
		if x.title == "" || utf8.RuneCountInString(x.title) > 30 || titles[x.title] {
			t.Errorf("title %q empty, long or repeated", x.title)
		}
		titles[x.title] = true
		for _, s := range []string{x.desc, x.measures, x.result} {
			if s == "" || strings.ContainsAny(strings.NewReplacer("{村}", "", "{组}", "").Replace(s), "{}%") {
				t.Errorf("%s: text %q empty or with a stray placeholder", x.title, s)
			}
		}
	}
	for _, code := range codes {
		if perCat[code] < 10 {
			t.Errorf("category %s has %d texts, want at least 10", code, perCat[code])
		}
	}
	for _, s := range slices.Concat(dupOpenings, transferReasons) {
		if strings.ContainsAny(strings.NewReplacer("{组}", "", "{单位}", "").Replace(s), "{}%") {
			t.Errorf("stray placeholder in %q", s)
		}
	}
}
