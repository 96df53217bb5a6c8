package demo_test

import (
	"strings"
	"testing"

	"sanlian"
	"sanlian/demo"
)

// TestGenerate_CountyTownships: a county of the city demo has its own
// streets, towns and townships, coded by kind, with governments (and a
// street's office) named after them; its seat names the police station
// and the township account.
func TestGenerate_CountyTownships(t *testing.T) {
	for _, c := range []struct {
		code, name, seat, gov string
		towns                 int
		firstCode             string
	}{
		{"430921", "南县", "南洲镇", "南洲镇人民政府", 12, "430921100000"},
		{"430903", "赫山区", "赫山街道", "赫山街道办事处", 15, "430903001000"},
		{"430981", "沅江市", "琼湖街道", "琼湖街道办事处", 12, "430981001000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			county := demo.Generate(demo.Options{Households: 900, Seed: 7, Code: c.code, Name: c.name})
			var towns []*sanlian.Region
			codes, villages := map[string]bool{}, 0
			for _, r := range county.Regions {
				if codes[r.Code] {
					t.Fatalf("region code %s twice", r.Code)
				}
				codes[r.Code] = true
				switch r.Kind {
				case sanlian.RegionTownship:
					towns = append(towns, r)
				case sanlian.RegionVillage:
					villages++
				}
			}
			if len(towns) != c.towns || towns[0].Name != c.seat || towns[0].Code != c.firstCode {
				t.Fatalf("townships: %d, first %+v", len(towns), towns[0])
			}
			for _, r := range towns {
				if r.Name == "东坪镇" || r.Name == "梅城镇" {
					t.Fatalf("Anhua's township %s in %s", r.Name, c.name)
				}
				kind := r.Code[6:9]
				switch {
				case strings.HasSuffix(r.Name, "街道") && kind[0] != '0',
					strings.HasSuffix(r.Name, "镇") && kind[0] != '1',
					strings.HasSuffix(r.Name, "乡") && kind[0] != '2':
					t.Errorf("%s coded %s", r.Name, r.Code)
				}
			}
			if want := c.towns * 430 / 23; villages < want-2 || villages > want+2 {
				t.Errorf("%d villages for %d townships, want about %d", villages, c.towns, want)
			}
			units := map[string]bool{}
			for _, u := range county.Units {
				units[u.Name] = true
			}
			police := "县公安局" + strings.TrimSuffix(strings.TrimSuffix(c.seat, "镇"), "街道") + "派出所"
			if !units[c.gov] || !units[police] || units["县公安局东坪派出所"] {
				t.Errorf("units: %s %v, %s %v", c.gov, units[c.gov], police, units[police])
			}
			for name := range units {
				if strings.Contains(name, "安化") || strings.Contains(name, "东坪") {
					t.Errorf("Anhua's unit %s in %s", name, c.name)
				}
			}
			if !units[c.name+"自来水公司"] {
				t.Errorf("no %s自来水公司", c.name)
			}
			for _, a := range county.Accounts {
				if a.User.Username == "township" && a.User.DisplayName != c.gov+"管理员" {
					t.Errorf("township account %q", a.User.DisplayName)
				}
			}
		})
	}
}
