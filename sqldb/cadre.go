package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

const cadreSelect = `SELECT c.id, c.name, c.unit_id, c.post, c.party_member, c.phone, c.is_leader, c.version, c.created_at, c.updated_at,
	COALESCE(u.name, ''),
	(SELECT COUNT(*) FROM links l WHERE l.cadre_id = c.id AND l.kind = 'household' AND l.ended_at IS NULL)
	FROM cadres c LEFT JOIN units u ON u.id = c.unit_id`

func (db *OrgStore) scanCadre(sc scanner) (*sanlian.Cadre, error) {
	c := &sanlian.Cadre{}
	err := sc.Scan(&c.ID, &c.Name, &c.UnitID, &c.Post, &c.PartyMember, db.sealed(aadCadrePhone, &c.Phone, &c.ID), &c.IsLeader, &c.Version, &c.CreatedAt, &c.UpdatedAt,
		&c.UnitName, &c.Households)
	c.Phone = sanlian.MaskPhone(c.Phone)
	return c, err
}

// FindCadres implements sanlian.CadreService.
func (db *OrgStore) FindCadres(ctx context.Context, f sanlian.CadreFilter) ([]*sanlian.Cadre, string, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, "", err
	}
	w := &where{}
	if err := s.cadres(w); err != nil {
		return nil, "", err
	}
	if f.UnitID != 0 {
		w.add("c.unit_id = ?", f.UnitID)
	}
	if f.IsLeader != nil {
		w.add("c.is_leader = ?", *f.IsLeader)
	}
	if f.Q != "" {
		w.add("c.name LIKE ?", "%"+f.Q+"%")
	}
	return readPage(ctx, db.DB, "find cadres", cadreSelect, w, f.Cursor, f.Limit, byID("c.id", false),
		db.scanCadre, func(c *sanlian.Cadre) string { return idKey(c.ID) })
}

// FindCadreByID implements sanlian.CadreService.
func (db *OrgStore) FindCadreByID(ctx context.Context, id int64) (*sanlian.Cadre, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	return db.findCadre(db.reader(ctx), s, id)
}

func (db *OrgStore) findCadre(q querier, s *scope, id int64) (*sanlian.Cadre, error) {
	w := &where{}
	if err := s.cadres(w); err != nil {
		return nil, err
	}
	w.add("c.id = ?", id)
	c, err := db.scanCadre(q.queryOne(cadreSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("干部")
	} else if err != nil {
		return nil, fmt.Errorf("find cadre %d: %w", id, err)
	}
	return c, nil
}

func (s *scope) mayManageCadresOf(unitID int64) bool {
	return s.office() || (s.role() == sanlian.RoleUnitAdmin && s.hasUnit(unitID))
}

// CreateCadre implements sanlian.CadreService.
func (db *OrgStore) CreateCadre(ctx context.Context, c *sanlian.Cadre) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if !s.mayManageCadresOf(c.UnitID) {
			return errForbidden("您无权为该单位添加干部")
		}
		if err := exists(tx, "units", c.UnitID, "unit_id", "单位不存在"); err != nil {
			return err
		}
		if c.IsLeader && !s.office() {
			return errForbidden("只有县办公室可以设定县级领导")
		}
		id, err := tx.insertID(`INSERT INTO cadres (name, unit_id, post, party_member, phone, is_leader, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Name, c.UnitID, c.Post, c.PartyMember, db.seal(c.Phone, aadCadrePhone), c.IsLeader, tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("create cadre: %w", err)
		}
		c.ID, c.Version, c.CreatedAt, c.UpdatedAt = id, 1, tx.now, tx.now
		err = tx.audit("create", "cadre", id, changes{"name": {nil, c.Name}, "unit_id": {nil, c.UnitID},
			"phone": {nil, sanlian.MaskPhone(c.Phone)}, "is_leader": {nil, c.IsLeader}})
		c.Phone = sanlian.MaskPhone(c.Phone)
		return err
	})
}

// UpdateCadre implements sanlian.CadreService.
func (db *OrgStore) UpdateCadre(ctx context.Context, id int64, upd sanlian.CadreUpdate) (*sanlian.Cadre, error) {
	var out *sanlian.Cadre
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		c, err := db.findCadre(tx, s, id)
		if err != nil {
			return err
		}
		if !s.mayManageCadresOf(c.UnitID) {
			return errForbidden("您无权修改该干部信息")
		}
		if c.Version != upd.Version {
			return errStale("该干部信息")
		}
		if err := tx.queryRow(`SELECT phone FROM cadres WHERE id = ?`, id).Scan(db.sealed(aadCadrePhone, &c.Phone, &id)); err != nil {
			return err
		}
		before := *c
		if upd.Name != nil {
			c.Name = *upd.Name
		}
		if upd.UnitID != nil {
			c.UnitID = *upd.UnitID
		}
		if upd.Post != nil {
			c.Post = *upd.Post
		}
		if upd.PartyMember != nil {
			c.PartyMember = *upd.PartyMember
		}
		if upd.Phone != nil {
			c.Phone = *upd.Phone
		}
		if upd.IsLeader != nil {
			c.IsLeader = *upd.IsLeader
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if c.UnitID != before.UnitID {
			if !s.mayManageCadresOf(c.UnitID) {
				return errForbidden("您无权把干部调入该单位")
			}
			if err := exists(tx, "units", c.UnitID, "unit_id", "单位不存在"); err != nil {
				return err
			}
		}
		if c.IsLeader != before.IsLeader && !s.office() {
			return errForbidden("只有县办公室可以设定县级领导")
		}
		res, err := tx.exec(`UPDATE cadres SET name = ?, unit_id = ?, post = ?, party_member = ?, phone = ?, is_leader = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			c.Name, c.UnitID, c.Post, c.PartyMember, db.seal(c.Phone, aadCadrePhone), c.IsLeader, tx.now, id, upd.Version)
		if err != nil {
			return fmt.Errorf("update cadre %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该干部信息")
		}
		ch := changes{}
		ch.set("name", before.Name, c.Name)
		ch.set("unit_id", before.UnitID, c.UnitID)
		ch.set("post", before.Post, c.Post)
		ch.set("party_member", before.PartyMember, c.PartyMember)
		maskedChange(ch, "phone", before.Phone, c.Phone, sanlian.MaskPhone)
		ch.set("is_leader", before.IsLeader, c.IsLeader)
		if err := tx.audit("update", "cadre", id, ch); err != nil {
			return err
		}
		if c.UnitID != before.UnitID {
			if err := followCadre(tx, id, c.UnitID); err != nil {
				return err
			}
		}
		out, err = db.findCadre(tx, s, id)
		return err
	})
	return out, err
}

// RevealCadrePhone implements sanlian.CadreService.
func (db *OrgStore) RevealCadrePhone(ctx context.Context, id int64) (string, error) {
	var phone string
	err := db.reveal(ctx, "cadre", id, "phone",
		func(tx *Tx, s *scope) error { _, err := db.findCadre(tx, s, id); return err },
		`SELECT phone FROM cadres WHERE id = ?`, db.sealed(aadCadrePhone, &phone, &id))
	return phone, err
}
