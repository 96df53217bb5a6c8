package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

// coUnitsOf reads a problem's co-units with their names and how many
// parts each has recorded, marking those the caller records parts for.
func (db *OrgStore) coUnitsOf(q querier, s *scope, id int64) ([]sanlian.CoUnit, error) {
	rows, err := q.queryRows(`SELECT c.unit_id, u.name, c.added_at,
		(SELECT COUNT(*) FROM problem_parts pp WHERE pp.problem_id = c.problem_id AND pp.unit_id = c.unit_id)
		FROM problem_co_units c JOIN units u ON u.id = c.unit_id WHERE c.problem_id = ? ORDER BY c.added_at, c.unit_id`, id)
	if err != nil {
		return nil, fmt.Errorf("co-units of problem %d: %w", id, err)
	}
	var out []sanlian.CoUnit
	for rows.Next() {
		var c sanlian.CoUnit
		if err := rows.Scan(&c.UnitID, &c.Name, &c.AddedAt, &c.Parts); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) > 0 && s != nil {
		mine, err := db.partUnits(q, s)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Mine = mine(out[i].UnitID)
		}
	}
	return out, nil
}

// partUnits reports the units whose parts the caller records: a unit
// admin's units, a cadre's own unit; no one else's.
func (db *OrgStore) partUnits(q querier, s *scope) (func(int64) bool, error) {
	switch s.role() {
	case sanlian.RoleUnitAdmin:
		return s.hasUnit, nil
	case sanlian.RoleCadre:
		var unit int64
		err := q.queryOne(`SELECT unit_id FROM cadres WHERE id = ?`, s.cadreID).Scan(&unit)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("cadre unit: %w", err)
		}
		return func(u int64) bool { return unit != 0 && u == unit }, nil
	}
	return func(int64) bool { return false }, nil
}

// unitNames returns the names of the existing units among ids.
func unitNamesTx(tx *Tx, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.queryRows(`SELECT id, name FROM units WHERE `+inList("id", len(ids)), int64s(ids)...)
	if err != nil {
		return nil, fmt.Errorf("unit names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// coUnitsNamed tells the admins of units just named co-units.
func coUnitsNamed(tx *Tx, problem int64, units []int64) error {
	if len(units) == 0 {
		return nil
	}
	q := `SELECT p.id AS tid, c.unit_id AS unit_id, CAST(NULL AS BIGINT) AS person_id, p.township_code AS township,
		'配合办理：' || p.number || ' ' || p.title AS title,
		COALESCE((SELECT name FROM regions WHERE code = p.village_code), '') || ' · 牵头单位 ' ||
			COALESCE((SELECT name FROM units WHERE id = p.unit_id), '') || '，请配合办理并记录配合情况' AS body,
		'/problems/' || CAST(p.id AS TEXT) AS link, CAST(NULL AS TEXT) AS dkey
		FROM problems p JOIN problem_co_units c ON c.problem_id = p.id WHERE p.id = ? AND ` + inList("c.unit_id", len(units))
	_, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeCoUnit, targetKind: sanlian.TargetProblem, query: q,
		args: append([]any{problem}, int64s(units)...), admins: true})
	return err
}

// coUnitCond is the scope's condition adding the problems that one of
// units units co-handles.
func coUnitCond(units int) string {
	return "p.id IN (SELECT problem_id FROM problem_co_units WHERE " + inList("unit_id", units) + ")"
}

// metricCoParts counts the parts each unit recorded in the window, for
// the metrics' 配合办理 column, under the caller's reach as the metrics
// have it: keep, when set, limits the units; a leader's count keeps to
// the problems of their townships.
func (db *OrgStore) metricCoParts(ctx context.Context, w metricWindow, keep map[int64]bool) (map[string]int, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	cond := "pp.created_at >= ? AND pp.created_at < ?"
	args := []any{w.start.UTC(), w.end.UTC()}
	if s.role() == sanlian.RoleLeader {
		townships := s.townships
		cond += " AND pp.problem_id IN (SELECT id FROM problems WHERE " + inList("township_code", len(townships)) + ")"
		args = append(args, strArgs(townships)...)
	}
	rows, err := q.queryRows(`SELECT pp.unit_id, COUNT(*) FROM problem_parts pp WHERE `+cond+` GROUP BY pp.unit_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("co-unit parts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var unit int64
		var n int
		if err := rows.Scan(&unit, &n); err != nil {
			return nil, err
		}
		if keep == nil || keep[unit] {
			out[fmt.Sprint(unit)] = n
		}
	}
	return out, rows.Err()
}
