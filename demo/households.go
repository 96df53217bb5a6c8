package demo

import (
	"math/rand/v2"
	"strconv"
	"time"

	"sanlian"
)

// Heads of household are born between these years.
const (
	firstYear = 1935
	lastYear  = 2000
)

// weighted is a value drawn with a weight.
type weighted struct {
	value  string
	weight int
}

func draw(r *rand.Rand, ws []weighted) string {
	t := 0
	for _, w := range ws {
		t += w.weight
	}
	x := r.IntN(t)
	for _, w := range ws {
		if x < w.weight {
			return w.value
		}
		x -= w.weight
	}
	return ws[len(ws)-1].value
}

// The must-visit shares (SPEC §1 三必访): key groups about 8 %, conflict
// households about 2 %, representatives about 4 %, in per mille.
const (
	keyGroupPerMille       = 80
	conflictPerMille       = 20
	representativePerMille = 40
)

var (
	keyGroupSubs = []weighted{{"低保", 32}, {"特困", 8}, {"残疾", 20}, {"留守", 14}, {"独居老人", 14}, {"脱贫监测", 12}}
	conflictSubs = []weighted{{"矛盾多", 40}, {"问题多", 30}, {"诉求强烈", 30}}
	repSubs      = []weighted{{"群众代表", 55}, {"村两委", 30}, {"两代表一委员", 15}}
	// memberWeights are the weights of households of 1…7 members.
	memberWeights = []int{6, 18, 22, 25, 16, 8, 5}
)

// genHouseholds creates the households village by village, their ID
// numbers unique by construction.
func (g *gen) genHouseholds() {
	r := g.rand(streamHouseholds)
	n := g.opt.Households
	hs := make([]sanlian.Household, n)
	g.c.Households = make([]*sanlian.Household, n)
	g.mustVisit = make([]bool, n)
	tags := make([]sanlian.Tag, 0, n/6+16)
	ids := newIDSet(g.opt.Code[:6])
	for _, v := range g.villages {
		size := v.hi - v.lo
		groups := max(1, min(size, 6+r.IntN(13)))
		group, number := 0, 0
		for k := range size {
			i := v.lo + k
			h := &hs[i]
			g.c.Households[i] = h
			if gr := 1 + k*groups/size; gr != group {
				group, number = gr, 0
			}
			number += 1 + r.IntN(3)

			start := len(tags)
			if r.IntN(1000) < keyGroupPerMille {
				sub := draw(r, keyGroupSubs)
				tags = append(tags, sanlian.Tag{Kind: sanlian.TagKeyGroup, Sub: sub})
				if r.IntN(100) < 15 {
					// Someone living alone is not also left behind with a family.
					if sub2 := draw(r, keyGroupSubs); sub2 != sub && sub != "独居老人" && sub2 != "独居老人" {
						tags = append(tags, sanlian.Tag{Kind: sanlian.TagKeyGroup, Sub: sub2})
					}
				}
			}
			if r.IntN(1000) < conflictPerMille {
				tags = append(tags, sanlian.Tag{Kind: sanlian.TagConflict, Sub: draw(r, conflictSubs)})
			}
			if r.IntN(1000) < representativePerMille {
				tags = append(tags, sanlian.Tag{Kind: sanlian.TagRepresentative, Sub: draw(r, repSubs)})
			}
			h.Tags = tags[start:len(tags):len(tags)]
			g.mustVisit[i] = len(h.Tags) > 0

			// The head's age, sex and household follow the tags.
			year := firstYear + (r.IntN(lastYear-firstYear+1)+r.IntN(lastYear-firstYear+1))/2
			male := r.IntN(100) < 82
			members := 1 + drawIndex(r, memberWeights)
			phone := 94
			// Later rules win: an elderly person living alone stays old
			// whatever else the household is.
			for _, sub := range []string{"村两委", "两代表一委员", "留守", "特困", "独居老人"} {
				if !hasSub(h.Tags, sub) {
					continue
				}
				switch sub {
				case "村两委", "两代表一委员":
					year = 1958 + r.IntN(31)
				case "留守":
					year, male, members = 1940+r.IntN(26), r.IntN(100) < 50, max(members, 3)
				case "特困":
					year, members, phone = 1935+r.IntN(26), 1+r.IntN(2), 40
				case "独居老人":
					year, male, members, phone = 1935+r.IntN(18), r.IntN(100) < 45, 1, 40
				}
			}
			h.ID = int64(i + 1)
			h.VillageCode = v.region.Code
			h.HeadName = personName(r, male, year)
			h.IDNumber = ids.draw(r, year, male)
			h.Members = members
			// phone is the per cent with a mobile; some of the rest have a landline.
			switch x := r.IntN(100); {
			case x < phone:
				h.Phone = mobile(r)
			case x < phone+(100-phone)/2:
				h.Phone = landline(r)
			}
			h.Address = address(v.region.Name, group, number)
		}
	}
}

func hasSub(tags []sanlian.Tag, sub string) bool {
	for _, t := range tags {
		if t.Sub == sub {
			return true
		}
	}
	return false
}

func drawIndex(r *rand.Rand, weights []int) int {
	t := 0
	for _, w := range weights {
		t += w
	}
	x := r.IntN(t)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// address returns "黄沙坪村3组15号".
func address(village string, group, number int) string {
	b := make([]byte, 0, len(village)+16)
	b = append(b, village...)
	b = strconv.AppendInt(b, int64(group), 10)
	b = append(b, "组"...)
	b = strconv.AppendInt(b, int64(number), 10)
	b = append(b, "号"...)
	return string(b)
}

// idSet hands out unique resident ID numbers of the county (prefix its
// code, 430923 for Anhua):
// one bit per birth date and three-digit sequence, 3 MB for the whole
// range of birth dates, whatever the number of households.
type idSet struct {
	county    string // six digits
	used      []uint64
	yearStart []int // day index of 1 January of each year
	days      int
}

func newIDSet(county string) *idSet {
	s := &idSet{county: county}
	for y := firstYear; y <= lastYear; y++ {
		s.yearStart = append(s.yearStart, s.days)
		s.days += 365
		if isLeap(y) {
			s.days++
		}
	}
	s.used = make([]uint64, (s.days*1000+63)/64)
	return s
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// draw returns an unused ID number for someone born in year: a random day
// of the year and a sequence whose last digit is odd for a man and even
// for a woman (GB 11643), with its check character.
func (s *idSet) draw(r *rand.Rand, year int, male bool) string {
	y := year - firstYear
	length := 365
	if isLeap(year) {
		length = 366
	}
	day := s.yearStart[y] + r.IntN(length)
	sex := 0
	if male {
		sex = 1
	}
	seq := 2*r.IntN(500) + sex
	for tries := 0; ; tries++ {
		if tries == 500 { // the day is full: try the next one
			tries, day = 0, (day+1)%s.days
		}
		bit := day*1000 + seq
		if s.used[bit/64]&(1<<(bit%64)) == 0 {
			s.used[bit/64] |= 1 << (bit % 64)
			break
		}
		seq = (seq + 2) % 1000
	}
	for y+1 < len(s.yearStart) && s.yearStart[y+1] <= day {
		y++
	}
	for s.yearStart[y] > day {
		y--
	}
	birth := time.Date(firstYear+y, 1, 1+day-s.yearStart[y], 0, 0, 0, 0, time.UTC)
	var b [18]byte
	copy(b[:], s.county)
	put := func(at, width, n int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + n%10)
			n /= 10
		}
	}
	put(6, 4, birth.Year())
	put(10, 2, int(birth.Month()))
	put(12, 2, birth.Day())
	put(14, 3, seq)
	b[17] = sanlian.IDCheckDigit(string(b[:17]))
	return string(b[:])
}
