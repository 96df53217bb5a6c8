package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sanlian"
)

// routingRuleSelect reads a rule with its names and how many problems it
// assigned: those it holds now, and those since sent back.
const routingRuleSelect = `SELECT r.id, r.category, r.region_code, r.unit_id, COALESCE(r.person_id, 0), r.sort, r.active, r.note,
	r.version, r.created_at, r.updated_at,
	COALESCE((SELECT name FROM categories WHERE code = r.category), ''),
	COALESCE((SELECT name FROM regions WHERE code = r.region_code), ''),
	COALESCE((SELECT kind FROM regions WHERE code = r.region_code), ''),
	COALESCE((SELECT t.name FROM regions v JOIN regions t ON t.code = v.parent_code WHERE v.code = r.region_code AND v.kind = 'village'), ''),
	COALESCE((SELECT name FROM units WHERE id = r.unit_id), ''),
	COALESCE((SELECT name FROM cadres WHERE id = r.person_id), ''),
	(SELECT COUNT(*) FROM problems WHERE rule_id = r.id),
	(SELECT COUNT(*) FROM problem_returns WHERE rule_id = r.id)
	FROM routing_rules r`

func scanRoutingRule(sc scanner) (*sanlian.RoutingRule, error) {
	r := &sanlian.RoutingRule{}
	err := sc.Scan(&r.ID, &r.Category, &r.RegionCode, &r.UnitID, &r.PersonID, &r.Sort, &r.Active, &r.Note,
		&r.Version, &r.CreatedAt, &r.UpdatedAt, &r.CategoryName, &r.RegionName, &r.RegionKind, &r.TownshipName, &r.UnitName, &r.PersonName,
		&r.Routed, &r.Returned)
	r.Routed += r.Returned
	return r, err
}

// FindRoutingRules implements sanlian.RoutingService.
func (db *ProblemStore) FindRoutingRules(ctx context.Context, f sanlian.RoutingRuleFilter) ([]*sanlian.RoutingRule, string, error) {
	if err := officeOnly(ctx, "只有县办公室可以查看派单规则"); err != nil {
		return nil, "", err
	}
	w := &where{}
	if f.Category != "" {
		w.add("r.category = ?", f.Category)
	}
	if f.RegionCode != "" {
		w.add("r.region_code = ?", f.RegionCode)
	}
	if f.UnitID != 0 {
		w.add("r.unit_id = ?", f.UnitID)
	}
	if f.Active != nil {
		w.add("r.active = ?", *f.Active)
	}
	return readPage(ctx, db.DB, "find routing rules", routingRuleSelect, w, f.Cursor, f.Limit, byID("r.id", false), scanRoutingRule,
		func(r *sanlian.RoutingRule) string { return idKey(r.ID) })
}

// FindRoutingRule implements sanlian.RoutingService.
func (db *ProblemStore) FindRoutingRule(ctx context.Context, id int64) (*sanlian.RoutingRule, error) {
	if err := officeOnly(ctx, "只有县办公室可以查看派单规则"); err != nil {
		return nil, err
	}
	return findRoutingRule(db.reader(ctx), id)
}

func findRoutingRule(q querier, id int64) (*sanlian.RoutingRule, error) {
	r, err := scanRoutingRule(q.queryOne(routingRuleSelect+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("派单规则")
	} else if err != nil {
		return nil, fmt.Errorf("find routing rule %d: %w", id, err)
	}
	return r, nil
}

// checkRoutingRule checks a rule against the database: the category, the
// place and the unit exist, the person works in the unit, and no other
// active rule holds the same place, category and order.
func checkRoutingRule(tx *Tx, r *sanlian.RoutingRule) error {
	f := map[string]string{}
	if r.Category != "" {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM categories WHERE code = ?`, r.Category).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			f["category"] = "问题类别“" + r.Category + "”不存在"
		}
	}
	var kind string
	err := tx.queryRow(`SELECT kind FROM regions WHERE code = ?`, r.RegionCode).Scan(&kind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		f["region"] = "地区代码 " + r.RegionCode + " 不存在"
	case err != nil:
		return err
	}
	var unitName string
	err = tx.queryRow(`SELECT name FROM units WHERE id = ?`, r.UnitID).Scan(&unitName)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		f["unit_id"] = fmt.Sprintf("单位 %d 不存在", r.UnitID)
	case err != nil:
		return err
	}
	if r.PersonID != 0 && f["unit_id"] == "" {
		var unit int64
		var name string
		err := tx.queryRow(`SELECT unit_id, name FROM cadres WHERE id = ?`, r.PersonID).Scan(&unit, &name)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f["person_id"] = fmt.Sprintf("干部 %d 不存在", r.PersonID)
		case err != nil:
			return err
		case unit != r.UnitID:
			f["person_id"] = name + "不是" + unitName + "的干部，责任人须为承办单位的干部"
		}
	}
	if r.Active && len(f) == 0 {
		var other int64
		err := tx.queryRow(`SELECT id FROM routing_rules WHERE region_code = ? AND category = ? AND sort = ? AND active = ? AND id <> ?`,
			r.RegionCode, r.Category, r.Sort, true, r.ID).Scan(&other)
		if err == nil {
			f["sort"] = fmt.Sprintf("已有启用的派单规则 #%d 适用于同一地区、同一类别和同一顺序，请改用其他顺序或先停用它", other)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return sanlian.FieldErrors(f)
}

// SaveRoutingRule implements sanlian.RoutingService.
func (db *ProblemStore) SaveRoutingRule(ctx context.Context, r *sanlian.RoutingRule) error {
	if err := officeOnly(ctx, "只有县办公室可以维护派单规则"); err != nil {
		return err
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var before *sanlian.RoutingRule
		if r.ID != 0 {
			b, err := findRoutingRule(tx, r.ID)
			if err != nil {
				return err
			}
			if b.Version != r.Version {
				return errStale("该派单规则")
			}
			before = b
		}
		if err := checkRoutingRule(tx, r); err != nil {
			return err
		}
		ch, created := changes{}, before == nil
		if created {
			id, err := tx.insertID(`INSERT INTO routing_rules (category, region_code, unit_id, person_id, sort, active, note, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Category, r.RegionCode, r.UnitID, nullInt(r.PersonID), r.Sort, r.Active, r.Note, tx.now, tx.now)
			if err != nil {
				return routingConflict(fmt.Errorf("create routing rule: %w", err))
			}
			r.ID = id
			before = &sanlian.RoutingRule{} // every field is new
		} else {
			res, err := tx.exec(`UPDATE routing_rules SET category = ?, region_code = ?, unit_id = ?, person_id = ?, sort = ?, active = ?, note = ?,
				version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, r.Category, r.RegionCode, r.UnitID, nullInt(r.PersonID),
				r.Sort, r.Active, r.Note, tx.now, r.ID, r.Version)
			if err != nil {
				return routingConflict(fmt.Errorf("update routing rule %d: %w", r.ID, err))
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errStale("该派单规则")
			}
		}
		ch.set("category", before.Category, r.Category)
		ch.set("region", before.RegionCode, r.RegionCode)
		ch.set("unit_id", before.UnitID, r.UnitID)
		ch.set("person_id", before.PersonID, r.PersonID)
		ch.set("sort", before.Sort, r.Sort)
		ch.set("active", before.Active, r.Active)
		ch.set("note", before.Note, r.Note)
		action := "update"
		if created {
			action = "create"
		}
		if err := tx.audit(action, "routing_rule", r.ID, ch); err != nil {
			return err
		}
		saved, err := findRoutingRule(tx, r.ID)
		if err != nil {
			return err
		}
		*r = *saved
		return nil
	})
}

// routingConflict turns the unique index on active rules' slots, hit by
// two saves at once, into the message checkRoutingRule gives.
func routingConflict(err error) error {
	if errors.Is(err, errUnique) {
		return sanlian.FieldErrors(map[string]string{"sort": "已有启用的派单规则适用于同一地区、同一类别和同一顺序，请改用其他顺序"})
	}
	return err
}

// DeleteRoutingRule implements sanlian.RoutingService.
func (db *ProblemStore) DeleteRoutingRule(ctx context.Context, id, version int64) error {
	if err := officeOnly(ctx, "只有县办公室可以维护派单规则"); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		b, err := findRoutingRule(tx, id)
		if err != nil {
			return err
		}
		if b.Version != version {
			return errStale("该派单规则")
		}
		if _, err := tx.exec(`DELETE FROM routing_rules WHERE id = ? AND version = ?`, id, version); err != nil {
			return fmt.Errorf("delete routing rule %d: %w", id, err)
		}
		return tx.audit("delete", "routing_rule", id, changes{"category": {b.Category, nil}, "region": {b.RegionCode, nil},
			"unit_id": {b.UnitID, nil}, "person_id": {b.PersonID, nil}})
	})
}

// ReturnCounts implements sanlian.RoutingService.
func (db *ProblemStore) ReturnCounts(ctx context.Context, from, to time.Time) ([]*sanlian.ReturnCount, error) {
	if err := officeOnly(ctx, "只有县办公室可以查看退单统计"); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT r.unit_id, COALESCE(MAX(u.name), ''), COUNT(*), SUM(CASE WHEN r.rule_id IS NOT NULL THEN 1 ELSE 0 END)
		FROM problem_returns r LEFT JOIN units u ON u.id = r.unit_id WHERE r.at >= ? AND r.at < ?
		GROUP BY r.unit_id ORDER BY COUNT(*) DESC, r.unit_id`, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("return counts: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.ReturnCount{}
	for rows.Next() {
		c := &sanlian.ReturnCount{}
		if err := rows.Scan(&c.UnitID, &c.UnitName, &c.Returned, &c.Routed); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// IntakeLimits implements sanlian.RoutingService.
func (db *ProblemStore) IntakeLimits(ctx context.Context) (*sanlian.IntakeLimits, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	return intakeLimits(db.reader(ctx))
}

func intakeLimits(q querier) (*sanlian.IntakeLimits, error) {
	l := &sanlian.IntakeLimits{Days: map[string]int{}}
	var days string
	var at sql.NullTime
	if err := q.queryOne(`SELECT days, version, updated_at FROM intake_limits WHERE id = 1`).Scan(&days, &l.Version, &at); err != nil {
		return nil, fmt.Errorf("intake limits: %w", err)
	}
	if err := json.Unmarshal([]byte(days), &l.Days); err != nil {
		return nil, fmt.Errorf("intake limits: %w", err)
	}
	if at.Valid {
		l.UpdatedAt = at.Time
	}
	return l, nil
}

// SaveIntakeLimits implements sanlian.RoutingService.
func (db *ProblemStore) SaveIntakeLimits(ctx context.Context, l *sanlian.IntakeLimits) error {
	u, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if u.Role != sanlian.RoleOffice {
		return errForbidden("只有县办公室可以设置受理派单时限")
	}
	if l.Days == nil {
		l.Days = map[string]int{}
	}
	if err := l.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		before, err := intakeLimits(tx)
		if err != nil {
			return err
		}
		body, err := jsonMarshal(l.Days)
		if err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE intake_limits SET days = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = 1 AND version = ?`,
			body, tx.now, u.Username, l.Version)
		if err != nil {
			return fmt.Errorf("save intake limits: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("受理派单时限")
		}
		ch := changes{}
		for _, s := range sanlian.Sources {
			ch.set(s, before.For(s), l.For(s))
		}
		l.Version, l.UpdatedAt = before.Version+1, tx.now
		return tx.audit("update", "intake_limits", nil, ch)
	})
}

// assignDueFor is the dispatch deadline of a problem of source entering
// the office's queue now, and whether it was counted on a provisional
// calendar year.
func (db *ProblemStore) assignDueFor(tx *Tx, source string) (time.Time, bool, error) {
	cal, err := db.calendarIn(tx)
	if err != nil {
		return time.Time{}, false, err
	}
	l, err := tx.intakeLimits()
	if err != nil {
		return time.Time{}, false, err
	}
	due, provisional := cal.DeadlineOf(tx.now, l.For(source))
	return due, provisional, nil
}

// routeOnEntry assigns a problem just entered by the routing rule that
// matches its category and place, as the system, naming the rule. It
// does nothing when no rule matches, and leaves the problem in the
// office's queue.
func (db *ProblemStore) routeOnEntry(tx *Tx, id int64, category, village, township string) error {
	// A bare "active" lets both engines read the partial index of active
	// rules; a bound true would not.
	var rules []*sanlian.RoutingRule
	var county string
	err := eachRow(tx, `SELECT id, category, region_code, unit_id, COALESCE(person_id, 0), sort, active,
		COALESCE((SELECT parent_code FROM regions WHERE code = ?), '') FROM routing_rules
		WHERE active AND region_code IN (?, ?, (SELECT parent_code FROM regions WHERE code = ?)) AND category IN (?, '')`,
		[]any{township, village, township, township, category}, func(sc scanner) error {
			r := &sanlian.RoutingRule{}
			rules = append(rules, r)
			return sc.Scan(&r.ID, &r.Category, &r.RegionCode, &r.UnitID, &r.PersonID, &r.Sort, &r.Active, &county)
		})
	if err != nil {
		return fmt.Errorf("route problem %d: %w", id, err)
	}
	rule := sanlian.MatchRoutingRule(rules, category, sanlian.RoutingPlace{Village: village, Township: township, County: county})
	if rule == nil {
		return nil
	}
	// The assignment is the system's, whoever entered the problem.
	ctx := tx.ctx
	tx.ctx = sanlian.NewSystemContext(ctx)
	defer func() { tx.ctx = ctx }()
	system := &scope{user: sanlian.UserFromContext(tx.ctx), all: true}
	p, err := db.findProblem(tx, system, id)
	if err != nil {
		return err
	}
	return db.routeAssign(tx, p, rule)
}
