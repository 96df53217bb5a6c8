package sanlian_test

import (
	"testing"

	"sanlian"
)

func TestParseProblemNumber(t *testing.T) {
	for in, want := range map[string]string{
		"安化-2026-000676":     "安化-2026-000676",
		" 安化-2026-000676 ":   "安化-2026-000676",
		"安化 - 2026 - 676":    "安化-2026-000676",
		"2026-000676":        "2026-000676",
		"2026-676":           "2026-000676",
		"２０２６－０００６７６":        "2026-000676",
		"安化—2026—000012":     "安化-2026-000012",
		"问题-2021-000001":     "问题-2021-000001",
		"通道侗族自治-2021-000001": "通道侗族自治-2021-000001",
	} {
		n, ok := sanlian.ParseProblemNumber(in)
		if !ok || n.String() != want {
			t.Errorf("ParseProblemNumber(%q) = %v %v, want %s", in, n, ok, want)
		}
	}
	for _, in := range []string{"", "路灯", "676", "2026", "安化-2026", "安化-2026-0000676", "安化-2026-000000",
		"安化-1999-000001", "abc-2026-000001", "2026-11-H2", "安化-2026-000676 路灯"} {
		if n, ok := sanlian.ParseProblemNumber(in); ok {
			t.Errorf("ParseProblemNumber(%q) = %v, want not a number", in, n)
		}
	}
	if n, _ := sanlian.ParseProblemNumber("安化-2026-000676"); n.Tail() != "2026-000676" {
		t.Errorf("Tail = %s", n.Tail())
	}
}
