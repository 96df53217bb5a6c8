package sqldb

import (
	"context"
	"fmt"

	"sanlian"
)

// scope is what the acting user may see (SPEC §6), resolved once per call
// and turned into SQL conditions where each query is built.
type scope struct {
	user      *sanlian.User
	all       bool     // office and system
	unitIDs   []int64  // unit_admin: own unit and its sub-units
	townships []string // leader: linked townships
	cadreID   int64    // cadre: own links
}

func (db *DB) scopeOf(ctx context.Context, q querier) (*scope, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	s := &scope{user: u}
	switch u.Role {
	case sanlian.RoleOffice:
		s.all = true
	case sanlian.RoleUnitAdmin:
		rows, err := q.queryRows(`WITH RECURSIVE sub(id) AS (
			SELECT id FROM units WHERE id = ?
			UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
			SELECT id FROM sub ORDER BY id`, u.UnitID)
		if err != nil {
			return nil, fmt.Errorf("scope units: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			s.unitIDs = append(s.unitIDs, id)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	case sanlian.RoleLeader:
		rows, err := q.queryRows(`SELECT region_code FROM links
			WHERE kind = 'township' AND cadre_id = ? AND ended_at IS NULL ORDER BY region_code`, u.CadreID)
		if err != nil {
			return nil, fmt.Errorf("scope townships: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return nil, err
			}
			s.townships = append(s.townships, c)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	case sanlian.RoleCadre:
		s.cadreID = u.CadreID
	}
	return s, nil
}

func (s *scope) role() sanlian.Role { return s.user.Role }

// personal returns EFORBIDDEN for roles that see no citizens' data.
func (s *scope) personal() error {
	if !s.role().SeesPersonalData() {
		return errForbidden("您的角色无权查看群众个人信息")
	}
	return nil
}

func inList(col string, n int) string {
	if n == 0 {
		return "1 = 0"
	}
	return col + " IN (" + placeholders(n) + ")"
}

func strArgs(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// households adds the condition limiting households aliased h.
func (s *scope) households(w *where) error {
	if err := s.personal(); err != nil {
		return err
	}
	switch {
	case s.all:
	case s.role() == sanlian.RoleLeader:
		w.add("h.village_code IN (SELECT code FROM regions WHERE "+inList("parent_code", len(s.townships))+")", strArgs(s.townships)...)
	case s.role() == sanlian.RoleUnitAdmin:
		in := inList("unit_id", len(s.unitIDs))
		inC := inList("c.unit_id", len(s.unitIDs))
		args := append(int64s(s.unitIDs), int64s(s.unitIDs)...)
		w.add("(h.village_code IN (SELECT region_code FROM links WHERE kind = 'village' AND ended_at IS NULL AND "+in+")"+
			" OR EXISTS (SELECT 1 FROM links l JOIN cadres c ON c.id = l.cadre_id WHERE l.household_id = h.id"+
			" AND l.kind = 'household' AND l.ended_at IS NULL AND "+inC+"))", args...)
	case s.role() == sanlian.RoleCadre:
		w.add("EXISTS (SELECT 1 FROM links l WHERE l.household_id = h.id AND l.kind = 'household' AND l.ended_at IS NULL AND l.cadre_id = ?)", s.cadreID)
	default:
		w.add("1 = 0")
	}
	return nil
}

// regions adds the condition limiting regions aliased r: a leader sees the
// county and their townships with their villages.
func (s *scope) regions(w *where) error {
	switch {
	case s.role() == sanlian.RoleAuditor:
		return errForbidden("审计员只能查看审计日志")
	case s.role() == sanlian.RoleLeader:
		n := len(s.townships)
		w.add("(r.kind = 'county' OR "+inList("r.code", n)+" OR "+inList("r.parent_code", n)+")",
			append(strArgs(s.townships), strArgs(s.townships)...)...)
	}
	return nil
}

// units adds the condition limiting units aliased u.
func (s *scope) units(w *where) error {
	switch s.role() {
	case sanlian.RoleAuditor:
		return errForbidden("审计员只能查看审计日志")
	case sanlian.RoleUnitAdmin:
		w.add(inList("u.id", len(s.unitIDs)), int64s(s.unitIDs)...)
	case sanlian.RoleCadre:
		w.add("u.id = (SELECT unit_id FROM cadres WHERE id = ?)", s.cadreID)
	}
	return nil
}

// cadres adds the condition limiting cadres aliased c.
func (s *scope) cadres(w *where) error {
	switch s.role() {
	case sanlian.RoleAuditor:
		return errForbidden("审计员只能查看审计日志")
	case sanlian.RoleUnitAdmin:
		w.add(inList("c.unit_id", len(s.unitIDs)), int64s(s.unitIDs)...)
	case sanlian.RoleCadre:
		w.add("c.id = ?", s.cadreID)
	}
	return nil
}

// links adds the condition limiting links aliased l.
func (s *scope) links(w *where) error {
	if err := s.personal(); err != nil {
		return err
	}
	switch {
	case s.all:
	case s.role() == sanlian.RoleLeader:
		n := len(s.townships)
		w.add("(l.cadre_id = ? OR "+inList("l.region_code", n)+
			" OR l.region_code IN (SELECT code FROM regions WHERE "+inList("parent_code", n)+")"+
			" OR l.household_id IN (SELECT h.id FROM households h JOIN regions v ON v.code = h.village_code WHERE "+inList("v.parent_code", n)+"))",
			append(append(append([]any{s.user.CadreID}, strArgs(s.townships)...), strArgs(s.townships)...), strArgs(s.townships)...)...)
	case s.role() == sanlian.RoleUnitAdmin:
		n := len(s.unitIDs)
		w.add("("+inList("l.unit_id", n)+" OR l.cadre_id IN (SELECT id FROM cadres WHERE "+inList("unit_id", n)+"))",
			append(int64s(s.unitIDs), int64s(s.unitIDs)...)...)
	case s.role() == sanlian.RoleCadre:
		w.add("l.cadre_id = ?", s.cadreID)
	default:
		w.add("1 = 0")
	}
	return nil
}

// projects adds the condition limiting service projects aliased pj. A
// unit admin sees its units'; a cadre their unit's and those they answer
// for as responsible leader or person; a county leader the projects of the
// township governments of their townships and of the units linked to a
// village in them, and those they answer for.
func (s *scope) projects(w *where) error {
	switch {
	case s.all:
	case s.role() == sanlian.RoleLeader:
		n := len(s.townships)
		w.add("(pj.unit_id IN (SELECT id FROM units WHERE "+inList("township_code", n)+")"+
			" OR pj.unit_id IN (SELECT unit_id FROM links WHERE kind = 'village' AND ended_at IS NULL"+
			" AND region_code IN (SELECT code FROM regions WHERE "+inList("parent_code", n)+"))"+
			" OR pj.leader_id = ? OR pj.person_id = ?)",
			append(append(strArgs(s.townships), strArgs(s.townships)...), s.user.CadreID, s.user.CadreID)...)
	case s.role() == sanlian.RoleUnitAdmin:
		w.add(inList("pj.unit_id", len(s.unitIDs)), int64s(s.unitIDs)...)
	case s.role() == sanlian.RoleCadre:
		w.add("(pj.unit_id = (SELECT unit_id FROM cadres WHERE id = ?) OR pj.leader_id = ? OR pj.person_id = ?)",
			s.cadreID, s.cadreID, s.cadreID)
	default:
		return errForbidden("您的角色无权查看服务群众项目")
	}
	return nil
}

// respPart is one alternative of a condition on responsibility lines:
// the condition, its negation (for lines whose column may be NULL, a
// negation that holds there too), and the arguments of either.
type respPart struct {
	cond, not string
	args      []any
}

// never is the condition inList makes for an empty list.
const never = "1 = 0"

// respCols names, for one source of the responsibility list (entered
// lines, problems, projects), what the scope looks at: the line's unit
// column, the township code column it lies in ("" for its unit's
// township), and the conditions naming a cadre its responsible person or
// leader.
type respCols struct {
	unit, township string
	person, leader func(cadre int64) respPart
}

// responsibilities returns the alternatives that together limit one
// source of the responsibility list, or restricted false when the caller
// sees all of it. The office sees all; a unit admin the lines of its
// units; a cadre their unit's lines and those they answer for as leader or
// person. A county leader sees what lies in their linked townships, as the
// ledger and the project lists scope them — problems of those townships;
// entered lines and projects of the townships' governments and of the
// units linked to a village there — and, like a cadre, the lines they
// answer for, wherever they are. System roles see no list.
func (s *scope) responsibilities(c respCols) (parts []respPart, restricted bool, err error) {
	switch {
	case s.all:
		return nil, false, nil
	case s.role() == sanlian.RoleUnitAdmin:
		in := inList(c.unit, len(s.unitIDs))
		return []respPart{{cond: in, not: "NOT (" + in + ")", args: int64s(s.unitIDs)}}, true, nil
	case s.role() == sanlian.RoleCadre:
		own := "COALESCE((SELECT unit_id FROM cadres WHERE id = ?), 0)"
		return []respPart{{cond: c.unit + " = " + own, not: c.unit + " <> " + own, args: []any{s.cadreID}},
			c.person(s.cadreID), c.leader(s.cadreID)}, true, nil
	case s.role() == sanlian.RoleLeader:
		n := len(s.townships)
		town, args := inList(c.township, n), strArgs(s.townships)
		if c.township == "" {
			town = "(" + c.unit + " IN (SELECT id FROM units WHERE " + inList("township_code", n) + ")" +
				" OR " + c.unit + " IN (SELECT unit_id FROM links WHERE kind = 'village' AND ended_at IS NULL" +
				" AND region_code IN (SELECT code FROM regions WHERE " + inList("parent_code", n) + ")))"
			args = append(args, strArgs(s.townships)...)
		}
		if n == 0 {
			town = never
		}
		return []respPart{{cond: town, not: "NOT (" + town + ")", args: args},
			c.person(s.user.CadreID), c.leader(s.user.CadreID)}, true, nil
	}
	return nil, true, errForbidden("您的角色无权查看责任清单")
}

func (s *scope) hasUnit(id int64) bool {
	if s.all {
		return true
	}
	for _, u := range s.unitIDs {
		if u == id {
			return true
		}
	}
	return false
}

// office reports whether the caller has the office's reach.
func (s *scope) office() bool { return s.all }
