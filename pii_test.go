package sanlian_test

import (
	"testing"

	"sanlian"
)

func TestCheckIDNumber(t *testing.T) {
	for id, ok := range map[string]bool{
		"11010519491231002X": true,  // the standard's own example
		"430923198505201234": false, // wrong check digit
		"43092319850520123":  false, // 17 characters
		"430923198513201236": false, // month 13
		"43092319850520123x": false, // lower-case x is upper-cased by Validate, not here
		"":                   false,
	} {
		if got := sanlian.CheckIDNumber(id) == ""; got != ok {
			t.Errorf("CheckIDNumber(%q) valid = %v, want %v", id, got, ok)
		}
	}
	first := "43092319850520123"
	if id := first + string(sanlian.IDCheckDigit(first)); sanlian.CheckIDNumber(id) != "" {
		t.Errorf("computed check digit rejected: %s", id)
	}
}

func TestMask(t *testing.T) {
	if got := sanlian.MaskIDNumber("430923198505201234"); got != "430923********1234" {
		t.Errorf("MaskIDNumber = %q", got)
	}
	if got := sanlian.MaskPhone("13812345678"); got != "138****5678" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := sanlian.MaskPhone("0737-7221234"); got != "073*****1234" {
		t.Errorf("MaskPhone(landline) = %q", got)
	}
	if got := sanlian.MaskPhone(""); got != "" {
		t.Errorf("MaskPhone(empty) = %q", got)
	}
	if got := sanlian.MaskName("欧阳修"); got != "欧**" {
		t.Errorf("MaskName = %q", got)
	}
}

func TestValidPhone(t *testing.T) {
	for p, ok := range map[string]bool{"13812345678": true, "19912345678": true, "12812345678": false, "1381234567": false,
		"0737-7221234": true, "07377221234": true, "737-7221234": false} {
		if sanlian.ValidPhone(p) != ok {
			t.Errorf("ValidPhone(%q) = %v", p, !ok)
		}
	}
}

func TestHousehold_Validate(t *testing.T) {
	h := &sanlian.Household{VillageCode: "430923100001", HeadName: " 刘建国 ", Members: 3,
		Tags: []sanlian.Tag{{Kind: sanlian.TagKeyGroup, Sub: "低保"}}}
	if err := h.Validate(); err != nil || h.HeadName != "刘建国" {
		t.Fatalf("valid household: %v %q", err, h.HeadName)
	}
	h.Tags = []sanlian.Tag{{Kind: sanlian.TagKeyGroup, Sub: "富裕户"}}
	h.Members = 0
	err := h.Validate()
	f := sanlian.ErrorFields(err)
	if sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE || f["tags"] == "" || f["members"] == "" {
		t.Errorf("invalid household: %v %v", err, f)
	}
}
