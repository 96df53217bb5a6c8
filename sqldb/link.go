package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

const linkSelect = `SELECT l.id, l.kind, COALESCE(l.cadre_id, 0), COALESCE(l.unit_id, 0), COALESCE(l.household_id, 0), COALESCE(l.region_code, ''),
	COALESCE(l.created_by, 0), l.created_at, COALESCE(l.ended_by, 0), l.ended_at,
	COALESCE(c.name, ''), COALESCE(u.name, ''), COALESCE(h.head_name, ''), COALESCE(r.name, ''), COALESCE(cu.username, '')
	FROM links l LEFT JOIN cadres c ON c.id = l.cadre_id LEFT JOIN units u ON u.id = l.unit_id
	LEFT JOIN households h ON h.id = l.household_id LEFT JOIN regions r ON r.code = l.region_code
	LEFT JOIN users cu ON cu.id = l.created_by`

func scanLink(sc scanner) (*sanlian.Link, error) {
	l := &sanlian.Link{}
	var ended sql.NullTime
	err := sc.Scan(&l.ID, &l.Kind, &l.CadreID, &l.UnitID, &l.HouseholdID, &l.RegionCode, &l.CreatedBy, &l.CreatedAt, &l.EndedBy, &ended,
		&l.CadreName, &l.UnitName, &l.HeadName, &l.RegionName, &l.Creator)
	if ended.Valid {
		l.EndedAt = ended.Time
	}
	return l, err
}

// FindLinks implements sanlian.LinkService.
func (db *OrgStore) FindLinks(ctx context.Context, f sanlian.LinkFilter) ([]*sanlian.Link, string, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, "", err
	}
	w := &where{}
	if err := s.links(w); err != nil {
		return nil, "", err
	}
	if f.Kind != "" {
		w.add("l.kind = ?", f.Kind)
	}
	if f.CadreID != 0 {
		w.add("l.cadre_id = ?", f.CadreID)
	}
	if f.UnitID != 0 {
		w.add("l.unit_id = ?", f.UnitID)
	}
	if f.HouseholdID != 0 {
		w.add("l.household_id = ?", f.HouseholdID)
	}
	if f.RegionCode != "" {
		w.add("l.region_code = ?", f.RegionCode)
	}
	if f.Active != nil {
		if *f.Active {
			w.add("l.ended_at IS NULL")
		} else {
			w.add("l.ended_at IS NOT NULL")
		}
	}
	return readPage(ctx, db.DB, "find links", linkSelect, w, f.Cursor, f.Limit, byID("l.id", false),
		scanLink, func(l *sanlian.Link) string { return idKey(l.ID) })
}

// checkLink verifies that both ends of l exist, fit its kind, and lie in
// the caller's scope.
func (db *OrgStore) checkLink(tx *Tx, s *scope, l *sanlian.Link) error {
	switch l.Kind {
	case sanlian.LinkHousehold:
		var unitID int64
		err := tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, l.CadreID).Scan(&unitID)
		if errors.Is(err, sql.ErrNoRows) {
			return sanlian.FieldErrors(map[string]string{"cadre_id": "干部不存在"})
		} else if err != nil {
			return err
		}
		if !s.mayManageCadresOf(unitID) {
			return errForbidden("该干部不在您的管辖范围内，不能为其建立联户关系")
		}
		if _, err := db.findHousehold(tx, s, l.HouseholdID); sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM households WHERE id = ?`, l.HouseholdID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return sanlian.FieldErrors(map[string]string{"household_id": "农户不存在"})
			}
			return errForbidden("该农户不在您单位联系的村，不能建立联户关系")
		} else if err != nil {
			return err
		}
	case sanlian.LinkVillage:
		if !s.office() {
			return errForbidden("只有县办公室可以安排单位联村")
		}
		if err := exists(tx, "units", l.UnitID, "unit_id", "单位不存在"); err != nil {
			return err
		}
		if err := checkRegionKind(tx, l.RegionCode, sanlian.RegionVillage, "村(社区)"); err != nil {
			return err
		}
	case sanlian.LinkTownship:
		if !s.office() {
			return errForbidden("只有县办公室可以安排县级领导联乡镇")
		}
		var leader bool
		err := tx.queryRow(`SELECT is_leader FROM cadres WHERE id = ?`, l.CadreID).Scan(&leader)
		if errors.Is(err, sql.ErrNoRows) {
			return sanlian.FieldErrors(map[string]string{"cadre_id": "干部不存在"})
		} else if err != nil {
			return err
		} else if !leader {
			return sanlian.FieldErrors(map[string]string{"cadre_id": "只有县级领导可以联系乡镇"})
		}
		if err := checkRegionKind(tx, l.RegionCode, sanlian.RegionTownship, "乡镇"); err != nil {
			return err
		}
	}
	return nil
}

func checkRegionKind(tx *Tx, code, kind, label string) error {
	var k string
	err := tx.queryRow(`SELECT kind FROM regions WHERE code = ?`, code).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && k != kind) {
		return sanlian.FieldErrors(map[string]string{"region": label + "代码 " + code + " 不存在"})
	}
	return err
}

// CreateLinks implements sanlian.LinkService.
func (db *OrgStore) CreateLinks(ctx context.Context, links []*sanlian.Link) error {
	if len(links) == 0 {
		return sanlian.Errorf(sanlian.EUNPROCESSABLE, "请至少选择一项联系")
	}
	if len(links) > 1000 {
		return sanlian.Errorf(sanlian.EUNPROCESSABLE, "一次最多建立 1000 项联系")
	}
	for _, l := range links {
		if err := l.Validate(); err != nil {
			return err
		}
	}
	return db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.personal(); err != nil {
			return err
		}
		for _, l := range links {
			if err := db.checkLink(tx, s, l); err != nil {
				return err
			}
			id, err := tx.insertID(`INSERT INTO links (kind, cadre_id, unit_id, household_id, region_code, created_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, l.Kind, nullInt(l.CadreID), nullInt(l.UnitID), nullInt(l.HouseholdID), nullStr(l.RegionCode),
				nullInt(s.user.ID), tx.now)
			if errors.Is(err, errUnique) {
				return sanlian.Errorf(sanlian.ECONFLICT, "该联系已经存在，无需重复建立")
			} else if err != nil {
				return fmt.Errorf("create link: %w", err)
			}
			l.ID, l.CreatedBy, l.CreatedAt = id, s.user.ID, tx.now
			if err := tx.audit("create", "link", id, changes{"kind": {nil, l.Kind}, "cadre_id": {nil, l.CadreID},
				"unit_id": {nil, l.UnitID}, "household_id": {nil, l.HouseholdID}, "region": {nil, l.RegionCode}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// EndLink implements sanlian.LinkService.
func (db *OrgStore) EndLink(ctx context.Context, id int64) (*sanlian.Link, error) {
	var out *sanlian.Link
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		w := &where{}
		if err := s.links(w); err != nil {
			return err
		}
		w.add("l.id = ?", id)
		l, err := scanLink(tx.queryRow(linkSelect+w.sql(), w.args...))
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("联系")
		} else if err != nil {
			return err
		}
		// Ending needs the right to make the link, not that the pair would
		// still be valid: a township link outlives its cadre's leadership.
		if l.Kind == sanlian.LinkTownship {
			if !s.office() {
				return errForbidden("只有县办公室可以安排县级领导联乡镇")
			}
		} else if err := db.checkLink(tx, s, &sanlian.Link{Kind: l.Kind, CadreID: l.CadreID, UnitID: l.UnitID,
			HouseholdID: l.HouseholdID, RegionCode: l.RegionCode}); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE links SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL`, tx.now, nullInt(s.user.ID), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sanlian.Errorf(sanlian.ECONFLICT, "该联系已经解除")
		}
		l.EndedAt, l.EndedBy = tx.now, s.user.ID
		out = l
		return tx.audit("end", "link", id, changes{"ended_at": {nil, tx.now}})
	})
	return out, err
}

// LinkCoverage implements sanlian.LinkService.
func (db *OrgStore) LinkCoverage(ctx context.Context) (*sanlian.Coverage, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := s.personal(); err != nil {
		return nil, err
	}
	rw := &where{}
	if err := s.regions(rw); err != nil {
		return nil, err
	}
	hw := &where{}
	if err := s.households(hw); err != nil {
		return nil, err
	}
	c := &sanlian.Coverage{}
	regionCond := func(extra string) (string, []any) {
		w := &where{conds: append([]string{}, rw.conds...), args: append([]any{}, rw.args...)}
		w.add(extra)
		return w.sql(), w.args
	}
	const noLeader = "NOT EXISTS (SELECT 1 FROM links l WHERE l.kind = 'township' AND l.region_code = r.code AND l.ended_at IS NULL)"
	const noUnit = "NOT EXISTS (SELECT 1 FROM links l WHERE l.kind = 'village' AND l.region_code = r.code AND l.ended_at IS NULL)"
	count := func(dst *int, q1 string, args ...any) error {
		if err := db.queryRow(ctx, q1, args...).Scan(dst); err != nil {
			return fmt.Errorf("coverage: %w", err)
		}
		return nil
	}
	ws, a := regionCond("r.kind = 'township'")
	if err := count(&c.Townships, "SELECT COUNT(*) FROM regions r"+ws, a...); err != nil {
		return nil, err
	}
	ws, a = regionCond("r.kind = 'township' AND " + noLeader)
	if err := count(&c.TownshipsWithoutLeader, "SELECT COUNT(*) FROM regions r"+ws, a...); err != nil {
		return nil, err
	}
	if c.UncoveredTownships, err = db.regionList(ctx, regionSelect+ws+" ORDER BY r.code", a...); err != nil {
		return nil, err
	}
	ws, a = regionCond("r.kind = 'village'")
	if err := count(&c.Villages, "SELECT COUNT(*) FROM regions r"+ws, a...); err != nil {
		return nil, err
	}
	ws, a = regionCond("r.kind = 'village' AND " + noUnit)
	if err := count(&c.VillagesWithoutUnit, "SELECT COUNT(*) FROM regions r"+ws, a...); err != nil {
		return nil, err
	}
	if c.UncoveredVillages, err = db.regionList(ctx, regionSelect+ws+" ORDER BY r.code LIMIT 200", a...); err != nil {
		return nil, err
	}
	if err := db.householdCoverage(ctx, hw, c); err != nil {
		return nil, err
	}
	cw := &where{}
	if err := s.cadres(cw); err != nil {
		return nil, err
	}
	cw.add("c.is_leader = ?", false)
	cw.add("NOT EXISTS (SELECT 1 FROM links l WHERE l.cadre_id = c.id AND l.kind = 'household' AND l.ended_at IS NULL)")
	if err := count(&c.CadresWithoutHousehold, "SELECT COUNT(*) FROM cadres c"+cw.sql(), cw.args...); err != nil {
		return nil, err
	}
	return c, nil
}

func (db *OrgStore) regionList(ctx context.Context, q string, args ...any) ([]*sanlian.Region, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("regions: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.Region{}
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// householdCoverage counts households, linked ones, must-visit ones and
// must-visit ones without a cadre. For the whole county it counts from the
// link and tag indexes instead of probing every household.
func (db *OrgStore) householdCoverage(ctx context.Context, hw *where, c *sanlian.Coverage) error {
	const activeLinks = "SELECT household_id FROM links WHERE kind = 'household' AND ended_at IS NULL"
	var queries [4]string
	var args []any
	if len(hw.conds) == 0 {
		queries = [4]string{
			"SELECT COUNT(*) FROM households",
			"SELECT COUNT(DISTINCT household_id) FROM links WHERE kind = 'household' AND ended_at IS NULL",
			"SELECT COUNT(DISTINCT household_id) FROM household_tags",
			"SELECT COUNT(DISTINCT t.household_id) FROM household_tags t WHERE NOT EXISTS (SELECT 1 FROM links l" +
				" WHERE l.household_id = t.household_id AND l.kind = 'household' AND l.ended_at IS NULL)",
		}
	} else {
		from := "SELECT COUNT(*) FROM households h" + hw.sql()
		queries = [4]string{
			from,
			from + " AND h.id IN (" + activeLinks + ")",
			from + " AND h.id IN (SELECT household_id FROM household_tags)",
			from + " AND h.id IN (SELECT household_id FROM household_tags) AND h.id NOT IN (" + activeLinks + ")",
		}
		args = hw.args
	}
	dst := [4]*int{&c.Households, &c.HouseholdsLinked, &c.MustVisit, &c.MustVisitWithoutCadre}
	for i, q := range queries {
		if err := db.queryRow(ctx, q, args...).Scan(dst[i]); err != nil {
			return fmt.Errorf("coverage households: %w", err)
		}
	}
	return nil
}
