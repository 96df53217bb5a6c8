package sqldb

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"sanlian"
)

// coverageScope turns a report scope into conditions on households (h),
// villages and townships (r), visits (v), cadres (c) and units (u), on top
// of the caller's own data scope.
type coverageScope struct {
	h, villages, townships, v, c, u *where
}

func (db *WorkStore) coverageScopeOf(ctx context.Context, s *scope, cs sanlian.CoverageScope) (*coverageScope, error) {
	out := &coverageScope{h: &where{}, villages: &where{}, townships: &where{}, v: &where{}, c: &where{}, u: &where{}}
	if err := s.households(out.h); err != nil {
		return nil, err
	}
	for _, w := range []*where{out.villages, out.townships} {
		if err := s.regions(w); err != nil {
			return nil, err
		}
	}
	if err := s.visits(out.v); err != nil {
		return nil, err
	}
	if err := s.cadres(out.c); err != nil {
		return nil, err
	}
	if err := s.units(out.u); err != nil {
		return nil, err
	}
	out.villages.add("r.kind = 'village'")
	out.townships.add("r.kind = 'township'")
	out.c.add("c.is_leader = ?", false)
	const activeHH = "SELECT household_id FROM links WHERE kind = 'household' AND ended_at IS NULL"
	const unitVillages = "SELECT region_code FROM links WHERE kind = 'village' AND ended_at IS NULL"
	id := cs.ID
	switch cs.Kind {
	case "", sanlian.ScopeCounty:
	case sanlian.ScopeTownship:
		if _, err := db.Org.FindRegionByCode(ctx, id); err != nil {
			return nil, err
		}
		out.h.add("h.village_code IN (SELECT code FROM regions WHERE parent_code = ?)", id)
		out.villages.add("r.parent_code = ?", id)
		out.townships.add("r.code = ?", id)
		out.v.add("v.township_code = ?", id)
		out.c.add(`(c.id IN (SELECT l.cadre_id FROM links l JOIN households hh ON hh.id = l.household_id JOIN regions rv ON rv.code = hh.village_code
			WHERE l.kind = 'household' AND l.ended_at IS NULL AND rv.parent_code = ?) OR c.unit_id IN (SELECT id FROM units WHERE township_code = ?))`, id, id)
		out.u.add(`(u.township_code = ? OR u.id IN (SELECT l.unit_id FROM links l JOIN regions rv ON rv.code = l.region_code
			WHERE l.kind = 'village' AND l.ended_at IS NULL AND rv.parent_code = ?))`, id, id)
	case sanlian.ScopeVillage:
		if _, err := db.Org.FindRegionByCode(ctx, id); err != nil {
			return nil, err
		}
		out.h.add("h.village_code = ?", id)
		out.villages.add("r.code = ?", id)
		out.townships.add("r.code = (SELECT parent_code FROM regions WHERE code = ?)", id)
		out.v.add("v.village_code = ?", id)
		out.c.add(`c.id IN (SELECT l.cadre_id FROM links l JOIN households hh ON hh.id = l.household_id
			WHERE l.kind = 'household' AND l.ended_at IS NULL AND hh.village_code = ?)`, id)
		out.u.add("u.id IN (SELECT unit_id FROM links WHERE kind = 'village' AND ended_at IS NULL AND region_code = ?)", id)
	case sanlian.ScopeUnit:
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, sanlian.Errorf(sanlian.EINVALID, "单位编号 %q 无效", id)
		}
		if _, err := db.Org.FindUnitByID(ctx, n); err != nil {
			return nil, err
		}
		out.h.add(`(h.id IN (SELECT l.household_id FROM links l JOIN cadres lc ON lc.id = l.cadre_id
			WHERE l.kind = 'household' AND l.ended_at IS NULL AND lc.unit_id = ?) OR h.village_code IN (`+unitVillages+` AND unit_id = ?))`, n, n)
		out.villages.add("r.code IN ("+unitVillages+" AND unit_id = ?)", n)
		out.townships.add("r.code IN (SELECT parent_code FROM regions WHERE code IN ("+unitVillages+" AND unit_id = ?))", n)
		out.v.add("(v.unit_id = ? OR v.cadre_id IN (SELECT id FROM cadres WHERE unit_id = ?))", n, n)
		out.c.add("c.unit_id = ?", n)
		out.u.add("u.id = ?", n)
	case sanlian.ScopeCadre:
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, sanlian.Errorf(sanlian.EINVALID, "干部编号 %q 无效", id)
		}
		if _, err := db.Org.FindCadreByID(ctx, n); err != nil {
			return nil, err
		}
		out.h.add("h.id IN ("+activeHH+" AND cadre_id = ?)", n)
		out.villages.add("r.code IN (SELECT hh.village_code FROM households hh WHERE hh.id IN ("+activeHH+" AND cadre_id = ?))", n)
		out.townships.add("r.code IN (SELECT rv.parent_code FROM regions rv JOIN households hh ON hh.village_code = rv.code WHERE hh.id IN ("+activeHH+" AND cadre_id = ?))", n)
		out.v.add("(v.cadre_id = ? OR v.id IN (SELECT visit_id FROM visit_visitors WHERE cadre_id = ?))", n, n)
		out.c.add("c.id = ?", n)
		out.u.add("u.id = (SELECT unit_id FROM cadres WHERE id = ?)", n)
	default:
		return nil, sanlian.Errorf(sanlian.EINVALID, "统计范围应为 county、township、village、unit 或 cadre")
	}
	return out, nil
}

// and returns w's conditions plus extra, without changing w.
func (w *where) and(extra string, args ...any) *where {
	out := &where{conds: append(append([]string{}, w.conds...), extra), args: append(append([]any{}, w.args...), args...)}
	return out
}

// VisitCoverage implements sanlian.CoverageService.
func (db *WorkStore) VisitCoverage(ctx context.Context, win sanlian.Window, cs sanlian.CoverageScope) (*sanlian.VisitCoverage, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	sc, err := db.coverageScopeOf(ctx, s, cs)
	if err != nil {
		return nil, err
	}
	if cs.Kind == "" {
		cs.Kind = sanlian.ScopeCounty
	}
	out := &sanlian.VisitCoverage{Window: win, Scope: cs, Missed: []*sanlian.MissedHousehold{}}
	one := func(dst *int, query string, w *where) error {
		if err := db.queryRow(ctx, query+w.sql(), w.args...).Scan(dst); err != nil {
			return fmt.Errorf("visit coverage: %w", err)
		}
		return nil
	}
	const visited = "EXISTS (SELECT 1 FROM visits vv WHERE vv.household_id = h.id AND vv.date >= ? AND vv.date <= ?)"
	const linked = "h.id IN (SELECT household_id FROM links WHERE kind = 'household' AND ended_at IS NULL)"

	if err := db.coverageMustVisit(ctx, sc, cs.Kind == sanlian.ScopeCounty, win, out); err != nil {
		return nil, err
	}
	missed := sc.h.and("EXISTS (SELECT 1 FROM household_tags t WHERE t.household_id = h.id)").and("NOT "+visited, win.From, win.To)
	rows, err := db.query(ctx, householdSelect+missed.sql()+" ORDER BY h.village_code, h.id LIMIT 500", missed.args...)
	if err != nil {
		return nil, fmt.Errorf("missed households: %w", err)
	}
	var hs []*sanlian.Household
	for rows.Next() {
		h, err := db.Org.scanHousehold(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		hs = append(hs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := attachCadreNames(q, hs); err != nil {
		return nil, err
	}
	for _, h := range hs {
		out.Missed = append(out.Missed, &sanlian.MissedHousehold{Household: h})
	}

	// The links.
	if err := one(&out.Households, "SELECT COUNT(*) FROM households h", sc.h); err != nil {
		return nil, err
	}
	if err := one(&out.HouseholdsLinked, "SELECT COUNT(*) FROM households h", sc.h.and(linked)); err != nil {
		return nil, err
	}
	if err := one(&out.Villages, "SELECT COUNT(*) FROM regions r", sc.villages); err != nil {
		return nil, err
	}
	if err := one(&out.VillagesWithoutUnit, "SELECT COUNT(*) FROM regions r", sc.villages.and(
		"NOT EXISTS (SELECT 1 FROM links l WHERE l.kind = 'village' AND l.region_code = r.code AND l.ended_at IS NULL)")); err != nil {
		return nil, err
	}
	if err := one(&out.Townships, "SELECT COUNT(*) FROM regions r", sc.townships); err != nil {
		return nil, err
	}
	if err := one(&out.TownshipsWithoutLeader, "SELECT COUNT(*) FROM regions r", sc.townships.and(
		"NOT EXISTS (SELECT 1 FROM links l WHERE l.kind = 'township' AND l.region_code = r.code AND l.ended_at IS NULL)")); err != nil {
		return nil, err
	}

	// Visits and what came of them.
	vw := sc.v.and("v.date >= ? AND v.date <= ?", win.From, win.To)
	if err := one(&out.Visits, "SELECT COUNT(*) FROM visits v", vw); err != nil {
		return nil, err
	}
	if err := one(&out.Problems, "SELECT COUNT(*) FROM problems p JOIN visits v ON v.id = p.visit_id", vw); err != nil {
		return nil, err
	}
	if err := db.coverageCadres(ctx, sc, win, out); err != nil {
		return nil, err
	}
	if err := db.coverageTopics(ctx, vw, out); err != nil {
		return nil, err
	}
	return out, nil
}

// coverageMustVisit counts the must-visit households of each kind and in
// all, and those visited in the window, in one pass over the tagged
// households of the scope: a household counts once per kind however many
// tags of that kind it carries. For the whole county the pass starts from
// the tags, which few households carry; SQLite, planning without
// statistics, would start from every household, so CROSS JOIN fixes the
// order there (PostgreSQL plans it as an inner join). A smaller scope
// starts from its own households.
func (db *WorkStore) coverageMustVisit(ctx context.Context, sc *coverageScope, county bool, win sanlian.Window, out *sanlian.VisitCoverage) error {
	from := "households h JOIN household_tags t ON t.household_id = h.id" + sc.h.sql()
	if county {
		from = "household_tags t CROSS JOIN households h" + sc.h.and("h.id = t.household_id").sql()
	}
	var cols, flags []string
	var args []any
	for i, kind := range sanlian.TagKinds {
		flags = append(flags, fmt.Sprintf("MAX(CASE WHEN t.kind = ? THEN 1 ELSE 0 END) AS k%d", i))
		cols = append(cols, fmt.Sprintf("COALESCE(SUM(k%d), 0), COALESCE(SUM(k%d * visited), 0)", i, i))
		args = append(args, kind)
	}
	args = append(append(args, win.From, win.To), sc.h.args...)
	query := "SELECT " + strings.Join(cols, ", ") + `, COUNT(*), COALESCE(SUM(visited), 0)
		FROM (SELECT h.id, ` + strings.Join(flags, ", ") + `,
			MAX(CASE WHEN EXISTS (SELECT 1 FROM visits vv WHERE vv.household_id = h.id AND vv.date >= ? AND vv.date <= ?) THEN 1 ELSE 0 END) AS visited
			FROM ` + from + ` GROUP BY h.id) x`
	counts := make([]sanlian.KindCoverage, len(sanlian.TagKinds)+1)
	dst := make([]any, 0, 2*len(counts))
	for i := range counts {
		dst = append(dst, &counts[i].Total, &counts[i].Visited)
	}
	if err := db.queryRow(ctx, query, args...).Scan(dst...); err != nil {
		return fmt.Errorf("visit coverage: must-visit: %w", err)
	}
	for i, kind := range append(append([]string{}, sanlian.TagKinds...), "any") {
		counts[i].Kind = kind
	}
	out.MustVisit = counts
	return nil
}

// countBy runs a "SELECT key, COUNT … GROUP BY key" query into a map.
func (db *WorkStore) countBy(ctx context.Context, query string, args ...any) (map[int64]int, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("visit coverage: %w", err)
	}
	defer rows.Close()
	m := map[int64]int{}
	for rows.Next() {
		var k int64
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		m[k] = n
	}
	return m, rows.Err()
}

func (db *WorkStore) coverageCadres(ctx context.Context, sc *coverageScope, win sanlian.Window, out *sanlian.VisitCoverage) error {
	visits, err := db.countBy(ctx, `SELECT x.cadre_id, COUNT(*) FROM visit_visitors x JOIN visits v ON v.id = x.visit_id
		WHERE v.date >= ? AND v.date <= ? GROUP BY x.cadre_id`, win.From, win.To)
	if err != nil {
		return err
	}
	problems, err := db.countBy(ctx, `SELECT v.cadre_id, COUNT(*) FROM problems p JOIN visits v ON v.id = p.visit_id
		WHERE v.date >= ? AND v.date <= ? AND v.cadre_id IS NOT NULL GROUP BY v.cadre_id`, win.From, win.To)
	if err != nil {
		return err
	}
	rows, err := db.query(ctx, `SELECT c.id, c.name, c.unit_id, COALESCE(u.name, ''),
		(SELECT COUNT(*) FROM links l WHERE l.cadre_id = c.id AND l.kind = 'household' AND l.ended_at IS NULL)
		FROM cadres c LEFT JOIN units u ON u.id = c.unit_id`+sc.c.sql()+` ORDER BY c.unit_id, c.id`, sc.c.args...)
	if err != nil {
		return fmt.Errorf("coverage cadres: %w", err)
	}
	defer rows.Close()
	out.Cadres = []*sanlian.CadreVisits{}
	for rows.Next() {
		c := &sanlian.CadreVisits{}
		if err := rows.Scan(&c.CadreID, &c.Name, &c.UnitID, &c.UnitName, &c.Households); err != nil {
			return err
		}
		c.Visits, c.Problems = visits[c.CadreID], problems[c.CadreID]
		if c.Visits == 0 {
			out.CadresWithoutVisit++
		}
		out.Cadres = append(out.Cadres, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	// Units: their village visits and their cadres' household visits.
	unitVisits, err := db.countBy(ctx, `SELECT COALESCE(v.unit_id, c.unit_id), COUNT(*) FROM visits v LEFT JOIN cadres c ON c.id = v.cadre_id
		WHERE v.date >= ? AND v.date <= ? AND v.kind <> 'township' GROUP BY COALESCE(v.unit_id, c.unit_id)`, win.From, win.To)
	if err != nil {
		return err
	}
	unitProblems, err := db.countBy(ctx, `SELECT COALESCE(v.unit_id, c.unit_id), COUNT(*) FROM problems p JOIN visits v ON v.id = p.visit_id
		LEFT JOIN cadres c ON c.id = v.cadre_id WHERE v.date >= ? AND v.date <= ? AND v.kind <> 'township'
		GROUP BY COALESCE(v.unit_id, c.unit_id)`, win.From, win.To)
	if err != nil {
		return err
	}
	urows, err := db.query(ctx, `SELECT u.id, u.name,
		(SELECT COUNT(*) FROM links l WHERE l.unit_id = u.id AND l.kind = 'village' AND l.ended_at IS NULL)
		FROM units u`+sc.u.sql()+` ORDER BY u.id`, sc.u.args...)
	if err != nil {
		return fmt.Errorf("coverage units: %w", err)
	}
	defer urows.Close()
	byUnit := map[int64]*sanlian.UnitVisits{}
	out.Units = []*sanlian.UnitVisits{}
	for urows.Next() {
		u := &sanlian.UnitVisits{}
		if err := urows.Scan(&u.UnitID, &u.Name, &u.Villages); err != nil {
			return err
		}
		u.Visits, u.Problems = unitVisits[u.UnitID], unitProblems[u.UnitID]
		byUnit[u.UnitID] = u
		out.Units = append(out.Units, u)
	}
	if err := urows.Err(); err != nil {
		return err
	}
	for _, c := range out.Cadres {
		if u := byUnit[c.UnitID]; u != nil {
			u.Cadres++
			if c.Visits == 0 {
				u.Idle++
			}
		}
	}
	sort.SliceStable(out.Units, func(i, j int) bool { return out.Units[i].Visits > out.Units[j].Visits })
	return nil
}

// coverageTopics counts, per topic, the visits in vw that carried it and
// the problems raised on them. A visit carries a topic at most once, so
// counting (visit, topic) and (problem, topic) pairs counts each visit and
// problem once per topic. The joins start from the window's visits: CROSS
// JOIN keeps SQLite's planner, which has no statistics, from starting at
// all the topic rows ever written (PostgreSQL plans it as an inner join).
func (db *WorkStore) coverageTopics(ctx context.Context, vw *where, out *sanlian.VisitCoverage) error {
	visits, err := db.countBy(ctx, `SELECT vt.topic_id, COUNT(*) FROM visits v CROSS JOIN visit_topics vt`+
		vw.and("vt.visit_id = v.id").sql()+` GROUP BY vt.topic_id`, vw.args...)
	if err != nil {
		return err
	}
	problems, err := db.countBy(ctx, `SELECT vt.topic_id, COUNT(*) FROM visits v CROSS JOIN problems p CROSS JOIN visit_topics vt`+
		vw.and("p.visit_id = v.id AND vt.visit_id = v.id").sql()+` GROUP BY vt.topic_id`, vw.args...)
	if err != nil {
		return err
	}
	out.Topics = []*sanlian.TopicUse{}
	if len(visits) == 0 {
		return nil
	}
	rows, err := db.query(ctx, `SELECT id, question, category FROM topics ORDER BY id`)
	if err != nil {
		return fmt.Errorf("coverage topics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t := &sanlian.TopicUse{}
		if err := rows.Scan(&t.TopicID, &t.Question, &t.Category); err != nil {
			return err
		}
		if t.Visits = visits[t.TopicID]; t.Visits > 0 {
			t.Problems = problems[t.TopicID]
			out.Topics = append(out.Topics, t)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sort.SliceStable(out.Topics, func(i, j int) bool { return out.Topics[i].Visits > out.Topics[j].Visits })
	return nil
}
