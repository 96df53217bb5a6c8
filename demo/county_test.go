package demo_test

import (
	"strings"
	"testing"

	"sanlian"
	"sanlian/demo"
)

// TestGenerate_OtherCounty: the county's code and name are options; its
// regions and residents' ID numbers take the code.
func TestGenerate_OtherCounty(t *testing.T) {
	t.Parallel()
	c := demo.Generate(demo.Options{Households: 600, Seed: 7, Code: "430903", Name: "赫山区"})
	county := c.Regions[0]
	if county.Code != "430903000000" || county.Name != "赫山区" || county.Kind != sanlian.RegionCounty {
		t.Fatalf("county region %+v", county)
	}
	for _, r := range c.Regions {
		if !strings.HasPrefix(r.Code, "430903") {
			t.Fatalf("region %s %s outside 430903", r.Code, r.Name)
		}
	}
	for _, h := range c.Households {
		if !strings.HasPrefix(h.IDNumber, "430903") {
			t.Fatalf("household %d: ID number %s not of 430903", h.ID, h.IDNumber)
		}
	}
	d := demo.Generate(demo.Options{Households: 600, Seed: 7})
	if d.Regions[0].Code != demo.CountyCode || d.Regions[0].Name != demo.CountyName || !strings.HasPrefix(d.Households[0].IDNumber, "430923") {
		t.Fatalf("default county %+v, first ID %s", d.Regions[0], d.Households[0].IDNumber)
	}
}
