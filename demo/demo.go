// Package demo generates a synthetic county shaped like Anhua county,
// Hunan: its 23 townships by their real names, about 430 villages and
// communities, the county's departments, township governments, enterprises
// and mass organisations with about 2,000 cadres, households with must-visit
// tags, and the three kinds of link, with gaps where a county office would
// find them (townships without a leader, villages without a unit, must-visit
// households without a cadre).
//
// The output depends only on Options: every random draw comes from a
// math/rand/v2 PCG seeded from Options.Seed, one stream per part of the
// county, so the regions and units are the same whatever the number of
// households.
package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"sanlian"
)

// Password is the password of every demo account.
const Password = "Sanlian@2021"

// The defaults of Options.
const (
	DefaultHouseholds = 20000
	DefaultSeed       = 2021
)

// CountyCode is the statistical code of Anhua county, the default county.
const CountyCode = "430923000000"

// CountyName is the default county's name.
const CountyName = "安化县"

// Options control the generated county.
type Options struct {
	// Households is the number of households; 0 means DefaultHouseholds.
	// Cadres grow with its square root (about 2,000 at 20,000 households,
	// 7,700 at 300,000) and so does each cadre's share of households, so
	// the coverage proportions hold at any size.
	Households int
	// Seed selects the county; 0 means DefaultSeed.
	Seed uint64
	// Code is the county's statistical code, six digits (430923) or
	// twelve (430923000000); "" means CountyCode. Regions and resident ID
	// numbers take it.
	Code string
	// Name is the county's name; "" means CountyName. The units keep
	// their Anhua names (the problem texts name them).
	Name string
}

func (o Options) withDefaults() Options {
	if o.Households <= 0 {
		o.Households = DefaultHouseholds
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Code == "" {
		o.Code = CountyCode
	}
	if len(o.Code) == 6 {
		o.Code += "000000"
	}
	if o.Name == "" {
		o.Name = CountyName
	}
	return o
}

// Random streams, one for each part of the county.
const (
	streamRegions = iota + 1
	streamUnits
	streamCadres
	streamLeaders
	streamVillageLinks
	streamHouseholds
	streamLinks
)

// gen holds the county while it is generated.
type gen struct {
	opt   Options
	scale float64 // sqrt(households / 20,000)
	c     *sanlian.County

	towns     []*town
	villages  []*village
	units     []*unit
	cadres    []cadre
	leaders   []int // indices into cadres
	demoLead  int   // the leader behind the "leader" account
	mustVisit []bool

	links []sanlian.Link
}

// town is a township (街道, 镇 or 乡) while it is generated.
type town struct {
	region   *sanlian.Region
	isTown   bool   // a 镇 or a 街道: more communities and staff than a 乡
	kind     string // 街道, 镇 or 乡
	villages []int  // indices into gen.villages
	unit     int    // its government, an index into gen.units
}

// village is a village or community while it is generated.
type village struct {
	region    *sanlian.Region
	community bool
	weight    float64 // relative number of households
	linked    bool    // linked to at least one unit
	lo, hi    int     // its households, as indices into County.Households
	pool      []slot  // cadres who link households here
}

// slot is a cadre's share of a village's households.
type slot struct {
	cadre int
	quota int
}

// unit is a unit while it is generated.
type unit struct {
	u        *sanlian.Unit
	spec     unitSpec
	town     int     // index into gen.towns for a township government, else -1
	parent   int     // index into gen.units for a sub-unit, else -1
	base     float64 // staff at the default size
	villages []int   // linked villages, indices into gen.villages
	cadres   []int   // indices into gen.cadres: the leaders, then the staff
}

// cadre is a cadre while it is generated.
type cadre struct {
	c      *sanlian.Cadre
	unit   int
	home   int // the village a 村支书 serves, else -1
	quota  int // households to link
	linked int // active household links
	must   int // of which must-visit households
}

// Generate returns the demo county. It is deterministic: the same Options
// give the same county.
func Generate(opt Options) *sanlian.County {
	opt = opt.withDefaults()
	g := &gen{
		opt:   opt,
		scale: math.Sqrt(float64(opt.Households) / DefaultHouseholds),
		c:     &sanlian.County{},
	}
	g.genRegions()
	g.genUnits()
	g.genCadres()
	g.genTownshipLinks()
	g.genVillageLinks()
	g.genHouseholds()
	g.genHouseholdLinks()
	g.genAccounts()
	g.c.Links = make([]*sanlian.Link, len(g.links))
	for i := range g.links {
		g.links[i].ID = int64(i + 1)
		g.c.Links[i] = &g.links[i]
	}
	return g.c
}

func (g *gen) rand(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.opt.Seed, 0x73616e6c69616e00^stream*0x9e3779b97f4a7c15)) // "sanlian\x00"
}

// townGovernment names a township's government: 东坪镇人民政府, and for a
// street its office, 赫山街道办事处.
func townGovernment(t *town) string {
	if t.kind == "街道" {
		return t.region.Name + "办事处"
	}
	return t.region.Name + "人民政府"
}

// local puts a unit name of Anhua's tables in the county: the county
// seat's police station is named after its seat (县公安局东坪派出所 in
// Anhua, 县公安局南洲派出所 in 南县).
func (g *gen) local(name string) string { return localName(g.c, name) }

// localName is local for a county whose regions are laid out: the county
// is its first region and its first township its seat. Anhua's own names
// go to the county's (安化县自来水公司 → 南县自来水公司, 中国移动安化分公司
// → 中国移动赫山分公司).
func localName(c *sanlian.County, name string) string {
	if len(c.Regions) == 0 || c.Regions[0].Name == CountyName {
		return name
	}
	county := c.Regions[0].Name
	word := county
	if r := []rune(county); len(r) > 2 {
		word = string(r[:len(r)-1])
	}
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionTownship {
			seat, _ := townKind(r.Name)
			name = strings.Replace(name, "东坪", seat, 1)
			break
		}
	}
	return strings.Replace(strings.Replace(name, "安化县", county, 1), "安化", word, 1)
}

// villageTotal is the number of villages and communities in Anhua.
const villageTotal = 430

// genRegions lays out the county, its townships and their villages, and
// shares the households among the villages.
func (g *gen) genRegions() {
	r := g.rand(streamRegions)
	county := &sanlian.Region{Code: g.opt.Code, Name: g.opt.Name, Kind: sanlian.RegionCounty}
	g.c.Regions = append(g.c.Regions, county)

	// 12 to 26 villages a township, about 430 in all in Anhua's 23 and
	// as many a township elsewhere.
	names := townshipsOf(g.opt.Code[:6])
	total := (villageTotal*len(names) + len(townships)/2) / len(townships)
	counts := make([]int, len(names))
	sum := 0
	for i := range counts {
		counts[i] = 12 + r.IntN(15)
		sum += counts[i]
	}
	for sum != total {
		i := r.IntN(len(counts))
		if sum < total && counts[i] < 26 {
			counts[i]++
			sum++
		} else if sum > total && counts[i] > 12 {
			counts[i]--
			sum--
		}
	}

	// Statistical codes: streets 001…, towns 100…, townships 200….
	next := map[string]int{"街道": 1, "镇": 100, "乡": 200}
	for i, name := range names {
		stem, kind := townKind(name)
		isTown := kind != "乡"
		n := next[kind]
		next[kind]++
		code := g.opt.Code[:6] + pad3(n)
		t := &town{isTown: isTown, kind: kind,
			region: &sanlian.Region{Code: code + "000", Name: name, Kind: sanlian.RegionTownship, ParentCode: g.opt.Code}}
		g.towns = append(g.towns, t)
		g.c.Regions = append(g.c.Regions, t.region)

		communities := r.IntN(2) // a township has a community or none
		switch {
		case i == 0:
			communities = 4 // the county seat
		case isTown:
			communities = 1 + r.IntN(2)
		}
		// Names unique within the township; statistical codes give
		// communities 001… and villages 201….
		seen := map[string]bool{}
		extra := slices.Clone(communityNames)
		r.Shuffle(len(extra), func(a, b int) { extra[a], extra[b] = extra[b], extra[a] })
		for k := 0; k < counts[i]; k++ {
			v := &village{community: k < communities}
			var vname, vcode string
			if v.community {
				vname = stem + "社区"
				if k > 0 {
					vname = extra[k-1] + "社区"
				}
				vcode = code + pad3(k+1)
				v.weight = 1.6 + r.Float64()
				if i == 0 {
					v.weight *= 1.4
				}
			} else {
				for vname == "" || seen[vname] {
					vname = villageName(r) + "村"
				}
				vcode = code + pad3(200+k-communities+1)
				v.weight = math.Exp(0.35 * r.NormFloat64())
			}
			seen[vname] = true
			v.region = &sanlian.Region{Code: vcode, Name: vname, Kind: sanlian.RegionVillage, ParentCode: t.region.Code}
			t.villages = append(t.villages, len(g.villages))
			g.villages = append(g.villages, v)
		}
	}
	for _, v := range g.villages {
		g.c.Regions = append(g.c.Regions, v.region)
	}

	// About 3 % of villages have no unit linked to them: the gap the
	// coverage page shows the office.
	var plain []int
	for i, v := range g.villages {
		v.linked = true
		if !v.community {
			plain = append(plain, i)
		}
	}
	r.Shuffle(len(plain), func(a, b int) { plain[a], plain[b] = plain[b], plain[a] })
	for _, i := range plain[:int(math.Round(0.03*float64(len(g.villages))))] {
		g.villages[i].linked = false
	}

	g.shareHouseholds()
}

// shareHouseholds gives each village its range of household indices in
// proportion to its weight, by largest remainder.
func (g *gen) shareHouseholds() {
	total := 0.0
	for _, v := range g.villages {
		total += v.weight
	}
	n := g.opt.Households
	sizes := make([]int, len(g.villages))
	rem := make([]float64, len(g.villages))
	left := n
	for i, v := range g.villages {
		q := float64(n) * v.weight / total
		sizes[i] = int(q)
		rem[i] = q - float64(sizes[i])
		left -= sizes[i]
	}
	order := make([]int, len(g.villages))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, i := range order[:left] {
		sizes[i]++
	}
	lo := 0
	for i, v := range g.villages {
		v.lo, v.hi = lo, lo+sizes[i]
		lo = v.hi
	}
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// genUnits creates the units, sizes their staff and links them to villages.
func (g *gen) genUnits() {
	r := g.rand(streamUnits)
	add := func(u *unit) {
		u.u.ID = int64(len(g.units) + 1)
		g.units = append(g.units, u)
		g.c.Units = append(g.c.Units, u.u)
	}
	jitter := func(base int) float64 { return float64(base) * (0.85 + 0.3*r.Float64()) }
	spec := func(s unitSpec) {
		u := &unit{spec: s, town: -1, parent: -1, base: jitter(s.base),
			u: &sanlian.Unit{Name: g.local(s.name), Kind: s.kind}}
		if s.parent != "" {
			u.parent = g.unitByName(g.local(s.parent))
			u.u.ParentID = g.units[u.parent].u.ID
		}
		add(u)
	}
	// The county's directory order: offices and departments, township
	// governments, enterprises, mass organisations, then sub-units.
	for _, s := range unitSpecs {
		if s.kind == sanlian.UnitDepartment && s.parent == "" {
			spec(s)
		}
	}
	for i, t := range g.towns {
		base := 27 + r.IntN(8)
		switch {
		case i == 0:
			base = 65
		case t.isTown:
			base = 36 + r.IntN(13)
		}
		t.unit = len(g.units)
		add(&unit{town: i, parent: -1, base: float64(base),
			u: &sanlian.Unit{Name: townGovernment(t), Kind: sanlian.UnitTownship, TownshipCode: t.region.Code}})
	}
	for _, kind := range []string{sanlian.UnitEnterprise, sanlian.UnitMassOrg} {
		for _, s := range unitSpecs {
			if s.kind == kind {
				spec(s)
			}
		}
	}
	for _, s := range unitSpecs {
		if s.parent != "" {
			spec(s)
		}
	}
	g.linkUnitsToVillages(r)
}

func (g *gen) unitByName(name string) int {
	for i, u := range g.units {
		if u.u.Name == name {
			return i
		}
	}
	panic("demo: no unit " + name)
}

// linkUnitsToVillages links each township government to its villages and
// spreads the other units over the villages, a village with few cadres
// for its size being more likely to get one more unit.
func (g *gen) linkUnitsToVillages(r *rand.Rand) {
	load := make([]float64, len(g.villages)) // cadres at work in a village
	for _, t := range g.towns {
		u := g.units[t.unit]
		for _, vi := range t.villages {
			if g.villages[vi].linked {
				u.villages = append(u.villages, vi)
			}
		}
		for _, vi := range u.villages {
			load[vi] += u.base / float64(len(u.villages))
		}
	}
	var open []int
	for i, v := range g.villages {
		if v.linked {
			open = append(open, i)
		}
	}
	score := make([]float64, len(g.villages))
	for _, u := range g.units {
		switch {
		case u.town >= 0:
			continue
		case u.parent >= 0:
			// A sub-unit works in one or two of its parent's villages.
			pv := slices.Clone(g.units[u.parent].villages)
			r.Shuffle(len(pv), func(a, b int) { pv[a], pv[b] = pv[b], pv[a] })
			u.villages = pv[:min(len(pv), 1+int(u.base)/8)]
		default:
			m := max(1, min(10, int(math.Round(u.base/6))))
			for _, vi := range open {
				score[vi] = load[vi] / g.villages[vi].weight * (0.4 + 1.2*r.Float64())
			}
			cand := slices.Clone(open)
			slices.SortStableFunc(cand, func(a, b int) int {
				switch {
				case score[a] < score[b]:
					return -1
				case score[a] > score[b]:
					return 1
				}
				return 0
			})
			u.villages = cand[:m]
		}
		for _, vi := range u.villages {
			load[vi] += u.base / float64(len(u.villages))
		}
	}
}

// genCadres staffs every unit: its leaders, then its head, deputies and
// the rest, with names, phones and posts.
//
// Each unit draws from a stream of its own, so that its first cadres (the
// leaders, the head, the deputies) are the same people at any size.
func (g *gen) genCadres() {
	var r *rand.Rand
	phones := map[string]bool{}
	add := func(ui int, post string, leader, senior bool, home int) {
		u := g.units[ui]
		male := r.IntN(100) < 72
		year := 1968 + r.IntN(31)
		if leader {
			male = r.IntN(100) < 85
			year = 1964 + r.IntN(13)
		} else if senior {
			year = 1966 + r.IntN(18)
		}
		phone := mobile(r)
		for phones[phone] {
			phone = mobile(r)
		}
		phones[phone] = true
		party := leader || senior || r.IntN(100) < 92
		if u.u.Kind == sanlian.UnitEnterprise && !senior {
			party = r.IntN(100) < 72
		}
		c := &sanlian.Cadre{
			ID: int64(len(g.cadres) + 1), Name: personName(r, male, year), UnitID: u.u.ID,
			Post: post, PartyMember: party, Phone: phone, IsLeader: leader,
		}
		quota := max(1, int(math.Round((5+10*r.Float64())*g.scale)))
		if leader {
			g.leaders = append(g.leaders, len(g.cadres))
		}
		u.cadres = append(u.cadres, len(g.cadres))
		g.cadres = append(g.cadres, cadre{c: c, unit: ui, home: home, quota: quota})
		g.c.Cadres = append(g.c.Cadres, c)
	}
	for ui, u := range g.units {
		r = g.rand(streamCadres<<16 | uint64(ui))
		n := max(2, int(math.Round(u.base*g.scale)))
		if u.town >= 0 {
			g.staffTownship(r, ui, n, add)
		} else {
			for _, p := range u.spec.leaders {
				add(ui, p, true, true, -1)
			}
			posts, seniors := staffPosts(u.spec, n)
			for k := range n {
				p := ""
				if k < len(posts) {
					p = posts[k]
				} else {
					p = u.spec.rank[r.IntN(len(u.spec.rank))]
				}
				add(ui, p, false, k < seniors, -1)
			}
		}
		head := u.cadres[0]
		if u.spec.head == "" && len(u.spec.leaders) > 0 {
			head = u.cadres[u.spec.headLeader]
		} else if len(u.spec.leaders) > 0 {
			head = u.cadres[len(u.spec.leaders)]
		}
		u.u.HeadCadreID = g.cadres[head].c.ID
	}
}

// staffPosts returns the posts of the first staff of a unit of n staff
// (head, deputies, extra and middle posts) and how many of them are senior.
func staffPosts(s unitSpec, n int) (posts []string, seniors int) {
	if s.head != "" {
		posts = append(posts, s.head)
	}
	if s.deputy != "" {
		for range max(1, min(4, n/8)) {
			posts = append(posts, s.deputy)
		}
	}
	seniors = len(posts)
	posts = append(posts, s.extra...)
	if s.mid != "" {
		for range n / 6 {
			posts = append(posts, s.mid)
		}
	}
	return posts[:min(n, len(posts))], min(n, seniors)
}

// staffTownship staffs a township government: its leadership, two to four
// village party secretaries (村支书), its service posts and the rest.
func (g *gen) staffTownship(r *rand.Rand, ui, n int, add func(ui int, post string, leader, senior bool, home int)) {
	u := g.units[ui]
	t := g.towns[u.town]
	lead := townshipPosts(t.kind)
	k := 0
	for ; k < len(lead) && k < n; k++ {
		add(ui, lead[k], false, true, -1)
	}
	var plain []int
	for _, vi := range u.villages {
		if !g.villages[vi].community {
			plain = append(plain, vi)
		}
	}
	r.Shuffle(len(plain), func(a, b int) { plain[a], plain[b] = plain[b], plain[a] })
	for _, vi := range plain[:min(len(plain), 2+r.IntN(3))] {
		if k == n {
			return
		}
		add(ui, g.villages[vi].region.Name+"党支部书记", false, false, vi)
		k++
	}
	for _, p := range townshipStations[:min(len(townshipStations), n/4)] {
		if k == n {
			return
		}
		add(ui, p, false, false, -1)
		k++
	}
	for ; k < n; k++ {
		add(ui, townshipRanks[r.IntN(len(townshipRanks))], false, false, -1)
	}
}

// genTownshipLinks links the county-level leaders to townships: each
// township but two gets one or two leaders, and one leader, a 副县长, gets
// 东坪镇 and a second township for the demo "leader" account.
func (g *gen) genTownshipLinks() {
	r := g.rand(streamLeaders)
	at := func(minute int) sanlian.Link {
		return sanlian.Link{Kind: sanlian.LinkTownship, CreatedAt: date(2021, 5, 6, 9, minute)}
	}
	g.demoLead = -1
	for _, ci := range g.leaders {
		if g.cadres[ci].c.Post == "副县长" {
			g.demoLead = ci
			break
		}
	}
	// Two townships, never the county seat, are left without a leader.
	idx := make([]int, len(g.towns)-1)
	for i := range idx {
		idx[i] = i + 1
	}
	r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	uncovered, second, rest := idx[:2], idx[2], idx[3:]
	count := make([]int, len(g.towns))
	link := func(ci, ti int) {
		l := at(len(g.links))
		l.CadreID = g.cadres[ci].c.ID
		l.RegionCode = g.towns[ti].region.Code
		g.links = append(g.links, l)
		count[ti]++
	}
	link(g.demoLead, 0)
	link(g.demoLead, second)
	others := make([]int, 0, len(g.leaders))
	for _, ci := range g.leaders {
		if ci != g.demoLead {
			others = append(others, ci)
		}
	}
	r.Shuffle(len(others), func(a, b int) { others[a], others[b] = others[b], others[a] })
	k := 0
	for ; k < len(others) && k < len(rest); k++ {
		link(others[k], rest[k])
	}
	// The remaining leaders join a township that has only one.
	for ; k < len(others); k++ {
		var one []int
		for ti, n := range count {
			if n == 1 {
				one = append(one, ti)
			}
		}
		if len(one) == 0 {
			break
		}
		link(others[k], one[r.IntN(len(one))])
	}
	// A leader moved from one of the uncovered townships in June.
	l := at(len(g.links))
	l.CadreID = g.cadres[others[0]].c.ID
	l.RegionCode = g.towns[uncovered[0]].region.Code
	l.EndedAt = date(2021, 6, 18, 16, 30)
	g.links = append(g.links, l)
}

// genVillageLinks writes the links of units to villages, unit by unit, and
// the ended links of a unit that withdrew from two villages.
func (g *gen) genVillageLinks() {
	r := g.rand(streamVillageLinks)
	for _, u := range g.units {
		for _, vi := range u.villages {
			g.links = append(g.links, sanlian.Link{Kind: sanlian.LinkVillage, UnitID: u.u.ID,
				RegionCode: g.villages[vi].region.Code, CreatedAt: date(2021, 5, 8+r.IntN(7), 9+r.IntN(8), r.IntN(60))})
		}
	}
	// Two of the villages without a unit had one until it withdrew.
	var depts []int
	for i, u := range g.units {
		if u.u.Kind == sanlian.UnitDepartment && u.parent < 0 {
			depts = append(depts, i)
		}
	}
	n := 0
	for _, v := range g.villages {
		if !v.linked && n < 2 {
			g.links = append(g.links, sanlian.Link{Kind: sanlian.LinkVillage, UnitID: g.units[depts[r.IntN(len(depts))]].u.ID,
				RegionCode: v.region.Code, CreatedAt: date(2021, 5, 10, 10, 0), EndedAt: date(2021, 6, 25, 17, 0)})
			n++
		}
	}
}
