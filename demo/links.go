package demo

import (
	"slices"
	"time"

	"sanlian"
)

// date returns a time in Anhua's zone.
func date(year, month, day, hour, minute int) time.Time {
	return time.Date(year, time.Month(month), day, hour, minute, 0, 0, sanlian.Shanghai)
}

// Per mille of must-visit households that no cadre has taken on yet, in
// villages that have cadres, and of household links that replaced an
// earlier, ended link.
const (
	leftOutPerMille  = 90
	replacedPerMille = 20
)

// genHouseholdLinks links each cadre to households of one village: a
// 村支书 in their own village, a leader in one of their townships, anyone
// else in one of their unit's villages in turn. In each village the cadres
// take households one at a time in turn, must-visit households first, so
// that they are spread over the cadres; once every household has a cadre,
// households get a second one.
func (g *gen) genHouseholdLinks() {
	r := g.rand(streamLinks)
	leaderTown := make([]int, len(g.cadres))
	for i := range leaderTown {
		leaderTown[i] = -1
	}
	for _, l := range g.links {
		if l.Kind == sanlian.LinkTownship && l.Active() && leaderTown[l.CadreID-1] < 0 {
			for ti, t := range g.towns {
				if t.region.Code == l.RegionCode {
					leaderTown[l.CadreID-1] = ti
				}
			}
		}
	}
	turn := make([]int, len(g.units))
	for i, u := range g.units {
		turn[i] = r.IntN(max(1, len(u.villages)))
	}
	for ci := range g.cadres {
		c := &g.cadres[ci]
		vi := c.home
		if ti := leaderTown[ci]; vi < 0 && ti >= 0 {
			var open []int
			for _, v := range g.towns[ti].villages {
				if g.villages[v].linked {
					open = append(open, v)
				}
			}
			if len(open) > 0 {
				vi = open[r.IntN(len(open))]
			}
		}
		if u := g.units[c.unit]; vi < 0 && len(u.villages) > 0 {
			vi = u.villages[turn[c.unit]%len(u.villages)]
			turn[c.unit]++
		}
		if vi >= 0 {
			g.villages[vi].pool = append(g.villages[vi].pool, slot{cadre: ci, quota: c.quota})
		}
	}

	// Room for every quota and the replaced links, so that the links are
	// allocated once.
	quotas := 0
	for _, c := range g.cadres {
		quotas += c.quota
	}
	g.links = slices.Grow(g.links, quotas+quotas/25+16)

	var must, rest []int
	for _, v := range g.villages {
		if len(v.pool) == 0 || v.hi == v.lo {
			continue
		}
		must, rest = must[:0], rest[:0]
		for h := v.lo; h < v.hi; h++ {
			switch {
			case !g.mustVisit[h]:
				rest = append(rest, h)
			case r.IntN(1000) >= leftOutPerMille:
				must = append(must, h)
			}
		}
		r.Shuffle(len(must), func(a, b int) { must[a], must[b] = must[b], must[a] })
		r.Shuffle(len(rest), func(a, b int) { rest[a], rest[b] = rest[b], rest[a] })
		order := append(must, rest...)
		must = order[:0] // reuse the buffer next time
		if len(order) == 0 {
			continue
		}

		got := make([][]int, len(v.pool))
		left := make([]int, len(v.pool))
		active := make([]int, 0, len(v.pool))
		for k, s := range v.pool {
			left[k] = min(s.quota, len(order))
			if left[k] > 0 {
				active = append(active, k)
			}
		}
		p := 0
		for len(active) > 0 {
			next := active[:0]
			for _, k := range active {
				for range len(order) {
					h := order[p%len(order)]
					p++
					if !hasInt(got[k], h) {
						got[k] = append(got[k], h)
						left[k]--
						break
					}
				}
				if left[k] > 0 && len(got[k]) < len(order) {
					next = append(next, k)
				}
			}
			active = next
		}

		for k, s := range v.pool {
			c := &g.cadres[s.cadre]
			for _, h := range got[k] {
				created := date(2021, 5, 10+r.IntN(51), 8+r.IntN(10), r.IntN(60))
				if len(v.pool) > 1 && r.IntN(1000) < replacedPerMille {
					// Another cadre had the household until June.
					for range 3 {
						a := r.IntN(len(v.pool))
						if a == k || hasInt(got[a], h) {
							continue
						}
						ended := date(2021, 6, 1+r.IntN(15), 8+r.IntN(10), r.IntN(60))
						g.links = append(g.links, sanlian.Link{Kind: sanlian.LinkHousehold,
							CadreID: g.cadres[v.pool[a].cadre].c.ID, HouseholdID: int64(h + 1),
							CreatedAt: date(2021, 5, 10+r.IntN(11), 8+r.IntN(10), r.IntN(60)), EndedAt: ended})
						created = ended.Add(time.Duration(24*(1+r.IntN(3))) * time.Hour)
						break
					}
				}
				g.links = append(g.links, sanlian.Link{Kind: sanlian.LinkHousehold,
					CadreID: c.c.ID, HouseholdID: int64(h + 1), CreatedAt: created})
				c.linked++
				if g.mustVisit[h] {
					c.must++
				}
			}
		}
	}
}

func hasInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
