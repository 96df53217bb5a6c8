package sanlian

import "testing"

func TestParseBounds(t *testing.T) {
	b, err := ParseBounds(" 27.9, 110.7,28.7 ,111.9")
	if err != nil || b != DefaultCountyBounds {
		t.Fatalf("ParseBounds = %+v, %v", b, err)
	}
	if (Bounds{}).OrDefault() != DefaultCountyBounds || b.OrDefault() != b {
		t.Error("OrDefault")
	}
	for _, bad := range []string{"", "27.9,110.7,28.7", "a,110.7,28.7,111.9", "28.7,110.7,27.9,111.9", "27.9,110.7,28.7,181", "NaN,1,2,3", "27.9,111.9,28.7,110.7"} {
		if _, err := ParseBounds(bad); ErrorCode(err) != EINVALID {
			t.Errorf("ParseBounds(%q) = %v", bad, err)
		}
	}
}
