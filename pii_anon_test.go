package sanlian

import "testing"

func TestAnonymizeText(t *testing.T) {
	for in, want := range map[string]string{
		"路灯坏了，联系13912345678":       "路灯坏了，联系****",
		"电话 139-1234-5678 找王师傅":    "电话 **** 找王师傅",
		"身份证43092319800101123X的补贴": "身份证****的补贴",
		"住在中心街12号3栋501室":           "住在中心街*号*栋*室",
		"二组的水渠":                    "二组的水渠",
		"修了2021年的路，共3公里":           "修了2021年的路，共3公里",
		"１３９１２３４５６７８":              "****",
		"无数字":                      "无数字",
	} {
		if got := AnonymizeText(in); got != want {
			t.Errorf("AnonymizeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrackingCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c := NewTrackingCode()
		if NormalizeTrackingCode(c) != c || seen[c] {
			t.Fatalf("code %q is not canonical or repeats", c)
		}
		seen[c] = true
		f := FormatTrackingCode(c)
		if NormalizeTrackingCode(" "+f[:3]+" "+f[3:]+" ") != c {
			t.Fatalf("formatted %q does not read back", f)
		}
	}
	for _, bad := range []string{"", "ABCDE", "ABCDE-FGHJK1", "0BCDE-FGHJK", "abcde-fghjI", "<script>"} {
		if NormalizeTrackingCode(bad) != "" {
			t.Errorf("NormalizeTrackingCode(%q) accepted", bad)
		}
	}
}
