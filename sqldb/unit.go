package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

const unitSelect = `SELECT u.id, u.name, u.kind, COALESCE(u.parent_id, 0), COALESCE(u.head_cadre_id, 0), COALESCE(u.township_code, ''),
	u.version, u.created_at, u.updated_at, COALESCE(p.name, ''), COALESCE(hc.name, ''),
	(SELECT COUNT(*) FROM cadres c WHERE c.unit_id = u.id),
	(SELECT COUNT(*) FROM links l WHERE l.unit_id = u.id AND l.kind = 'village' AND l.ended_at IS NULL)
	FROM units u LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN cadres hc ON hc.id = u.head_cadre_id`

func scanUnit(sc scanner) (*sanlian.Unit, error) {
	u := &sanlian.Unit{}
	err := sc.Scan(&u.ID, &u.Name, &u.Kind, &u.ParentID, &u.HeadCadreID, &u.TownshipCode, &u.Version, &u.CreatedAt, &u.UpdatedAt,
		&u.ParentName, &u.HeadName, &u.Cadres, &u.LinkedVillages)
	return u, err
}

// FindUnits implements sanlian.UnitService.
func (db *OrgStore) FindUnits(ctx context.Context, f sanlian.UnitFilter) ([]*sanlian.Unit, string, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, "", err
	}
	w := &where{}
	if err := s.units(w); err != nil {
		return nil, "", err
	}
	if f.Kind != "" {
		w.add("u.kind = ?", f.Kind)
	}
	if f.ParentID != 0 {
		w.add("u.parent_id = ?", f.ParentID)
	}
	if f.Q != "" {
		w.add("u.name LIKE ?", "%"+f.Q+"%")
	}
	return readPage(ctx, db.DB, "find units", unitSelect, w, f.Cursor, f.Limit, byID("u.id", false),
		scanUnit, func(u *sanlian.Unit) string { return idKey(u.ID) })
}

// FindUnitByID implements sanlian.UnitService.
func (db *OrgStore) FindUnitByID(ctx context.Context, id int64) (*sanlian.Unit, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	return db.findUnit(ctx, db.reader(ctx), s, id)
}

func (db *OrgStore) findUnit(ctx context.Context, q querier, s *scope, id int64) (*sanlian.Unit, error) {
	w := &where{}
	if err := s.units(w); err != nil {
		return nil, err
	}
	w.add("u.id = ?", id)
	u, err := scanUnit(q.queryOne(unitSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("单位")
	} else if err != nil {
		return nil, fmt.Errorf("find unit %d: %w", id, err)
	}
	return u, nil
}

// CreateUnit implements sanlian.UnitService.
func (db *OrgStore) CreateUnit(ctx context.Context, u *sanlian.Unit) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if !s.office() && !(s.role() == sanlian.RoleUnitAdmin && u.ParentID != 0 && s.hasUnit(u.ParentID)) {
			return errForbidden("您无权在此创建单位")
		}
		if u.ParentID != 0 {
			if err := exists(tx, "units", u.ParentID, "parent_id", "上级单位不存在"); err != nil {
				return err
			}
		}
		// Checked here because PostgreSQL defers the head's foreign key to
		// COMMIT, where its violation would surface as an internal error.
		if u.HeadCadreID != 0 {
			if err := exists(tx, "cadres", u.HeadCadreID, "head_cadre_id", "负责人不存在"); err != nil {
				return err
			}
		}
		id, err := tx.insertID(`INSERT INTO units (name, kind, parent_id, head_cadre_id, township_code, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.Name, u.Kind, nullInt(u.ParentID), nullInt(u.HeadCadreID), nullStr(u.TownshipCode), tx.now, tx.now)
		if errors.Is(err, errUnique) {
			return sanlian.FieldErrors(map[string]string{"name": "已有同名单位"})
		} else if errors.Is(err, errForeignKey) {
			return sanlian.FieldErrors(map[string]string{"township_code": "乡镇或负责人不存在"})
		} else if err != nil {
			return fmt.Errorf("create unit: %w", err)
		}
		u.ID, u.Version, u.CreatedAt, u.UpdatedAt = id, 1, tx.now, tx.now
		return tx.audit("create", "unit", id, changes{"name": {nil, u.Name}, "kind": {nil, u.Kind}, "parent_id": {nil, u.ParentID}})
	})
}

// UpdateUnit implements sanlian.UnitService.
func (db *OrgStore) UpdateUnit(ctx context.Context, id int64, upd sanlian.UnitUpdate) (*sanlian.Unit, error) {
	var out *sanlian.Unit
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		u, err := db.findUnit(ctx, tx, s, id)
		if err != nil {
			return err
		}
		if !s.office() && !(s.role() == sanlian.RoleUnitAdmin && s.hasUnit(id)) {
			return errForbidden("您无权修改该单位")
		}
		if u.Version != upd.Version {
			return errStale("该单位")
		}
		before := *u
		if upd.Name != nil {
			u.Name = *upd.Name
		}
		if upd.Kind != nil {
			u.Kind = *upd.Kind
		}
		if upd.ParentID != nil {
			u.ParentID = *upd.ParentID
		}
		if upd.HeadCadreID != nil {
			u.HeadCadreID = *upd.HeadCadreID
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if u.ParentID == id {
			return sanlian.FieldErrors(map[string]string{"parent_id": "上级单位不能是本单位"})
		}
		if u.ParentID != before.ParentID && !s.office() {
			return errForbidden("只有县办公室可以调整单位隶属关系")
		}
		if u.HeadCadreID != 0 && u.HeadCadreID != before.HeadCadreID {
			var unitOf int64
			err := tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, u.HeadCadreID).Scan(&unitOf)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && unitOf != id) {
				return sanlian.FieldErrors(map[string]string{"head_cadre_id": "负责人须为本单位干部"})
			} else if err != nil {
				return err
			}
		}
		res, err := tx.exec(`UPDATE units SET name = ?, kind = ?, parent_id = ?, head_cadre_id = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, u.Name, u.Kind, nullInt(u.ParentID), nullInt(u.HeadCadreID), tx.now, id, upd.Version)
		if errors.Is(err, errUnique) {
			return sanlian.FieldErrors(map[string]string{"name": "已有同名单位"})
		} else if errors.Is(err, errForeignKey) {
			return sanlian.FieldErrors(map[string]string{"parent_id": "上级单位不存在"})
		} else if err != nil {
			return fmt.Errorf("update unit %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该单位")
		}
		ch := changes{}
		ch.set("name", before.Name, u.Name)
		ch.set("kind", before.Kind, u.Kind)
		ch.set("parent_id", before.ParentID, u.ParentID)
		ch.set("head_cadre_id", before.HeadCadreID, u.HeadCadreID)
		if err := tx.audit("update", "unit", id, ch); err != nil {
			return err
		}
		out, err = db.findUnit(ctx, tx, s, id)
		return err
	})
	return out, err
}
