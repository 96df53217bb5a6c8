package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sanlian"
	"sanlian/seal"
)

const householdSelect = `SELECT h.id, h.village_code, h.head_name, h.id_number, h.phone, h.address, h.members, h.tags,
	h.version, h.created_at, h.updated_at, v.name, COALESCE(t.name, '')
	FROM households h JOIN regions v ON v.code = h.village_code LEFT JOIN regions t ON t.code = v.parent_code`

// encodeTags stores tags as "kind:sub;kind:sub" for display; the
// household_tags table is what filters use.
func encodeTags(tags []sanlian.Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = t.Kind + ":" + t.Sub
	}
	return strings.Join(parts, ";")
}

func decodeTags(s string) []sanlian.Tag {
	if s == "" {
		return []sanlian.Tag{}
	}
	parts := strings.Split(s, ";")
	out := make([]sanlian.Tag, 0, len(parts))
	for _, p := range parts {
		k, sub, _ := strings.Cut(p, ":")
		out = append(out, sanlian.Tag{Kind: k, Sub: sub})
	}
	return out
}

// scanHousehold reads a row with the personal data opened and masked.
func (db *OrgStore) scanHousehold(sc scanner) (*sanlian.Household, error) {
	h := &sanlian.Household{}
	var tags string
	err := sc.Scan(&h.ID, &h.VillageCode, &h.HeadName, db.sealed(aadHouseholdID, &h.IDNumber, &h.ID),
		db.sealed(aadHouseholdPhone, &h.Phone, &h.ID), &h.Address, &h.Members, &tags,
		&h.Version, &h.CreatedAt, &h.UpdatedAt, &h.VillageName, &h.TownshipName)
	h.IDNumber = sanlian.MaskIDNumber(h.IDNumber)
	h.Phone = sanlian.MaskPhone(h.Phone)
	h.Tags = decodeTags(tags)
	h.Cadres = []string{}
	return h, err
}

// FindHouseholds implements sanlian.HouseholdService.
func (db *OrgStore) FindHouseholds(ctx context.Context, f sanlian.HouseholdFilter) ([]*sanlian.Household, string, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, "", err
	}
	w := &where{}
	if err := s.households(w); err != nil {
		return nil, "", err
	}
	if f.VillageCode != "" {
		w.add("h.village_code = ?", f.VillageCode)
	}
	if f.TownshipCode != "" {
		w.add("v.parent_code = ?", f.TownshipCode)
	}
	switch f.Tag {
	case "":
	case "any":
		w.add("EXISTS (SELECT 1 FROM household_tags ht WHERE ht.household_id = h.id)")
	default:
		w.add("EXISTS (SELECT 1 FROM household_tags ht WHERE ht.household_id = h.id AND ht.kind = ?)", f.Tag)
	}
	const linked = "EXISTS (SELECT 1 FROM links hl WHERE hl.household_id = h.id AND hl.kind = 'household' AND hl.ended_at IS NULL)"
	if f.Linked != nil {
		if *f.Linked {
			w.add(linked)
		} else {
			w.add("NOT " + linked)
		}
	}
	if f.CadreID != 0 {
		w.add("EXISTS (SELECT 1 FROM links cl WHERE cl.household_id = h.id AND cl.kind = 'household' AND cl.ended_at IS NULL AND cl.cadre_id = ?)", f.CadreID)
	}
	if f.Visited != nil {
		// Visited between the dates, either bound open when empty.
		visited, args := "EXISTS (SELECT 1 FROM visits vv WHERE vv.household_id = h.id", []any{}
		if f.VisitedFrom != "" {
			visited, args = visited+" AND vv.date >= ?", append(args, f.VisitedFrom)
		}
		if f.VisitedTo != "" {
			visited, args = visited+" AND vv.date <= ?", append(args, f.VisitedTo)
		}
		if !*f.Visited {
			visited = "NOT " + visited
		}
		w.add(visited+")", args...)
	}
	if f.Q != "" {
		w.add("h.head_name LIKE ?", "%"+f.Q+"%")
	}
	out, next, err := readPage(ctx, db.DB, "find households", householdSelect, w, f.Cursor, f.Limit, byID("h.id", false),
		db.scanHousehold, func(h *sanlian.Household) string { return idKey(h.ID) })
	if err != nil {
		return nil, "", err
	}
	if err := attachCadreNames(q, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// attachCadreNames fills the names of actively linked cadres, one query for
// the whole page.
func attachCadreNames(q querier, hs []*sanlian.Household) error {
	if len(hs) == 0 {
		return nil
	}
	ids := make([]int64, len(hs))
	byID := make(map[int64]*sanlian.Household, len(hs))
	for i, h := range hs {
		ids[i] = h.ID
		byID[h.ID] = h
	}
	rows, err := q.queryRows(`SELECT l.household_id, c.name FROM links l JOIN cadres c ON c.id = l.cadre_id
		WHERE l.kind = 'household' AND l.ended_at IS NULL AND `+inList("l.household_id", len(ids))+` ORDER BY l.id`, int64s(ids)...)
	if err != nil {
		return fmt.Errorf("household cadres: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		byID[id].Cadres = append(byID[id].Cadres, name)
	}
	return rows.Err()
}

// FindHouseholdByID implements sanlian.HouseholdService.
func (db *OrgStore) FindHouseholdByID(ctx context.Context, id int64) (*sanlian.Household, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	return db.findHousehold(q, s, id)
}

func (db *OrgStore) findHousehold(q querier, s *scope, id int64) (*sanlian.Household, error) {
	w := &where{}
	if err := s.households(w); err != nil {
		return nil, err
	}
	w.add("h.id = ?", id)
	h, err := db.scanHousehold(q.queryOne(householdSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("农户")
	} else if err != nil {
		return nil, fmt.Errorf("find household %d: %w", id, err)
	}
	if err := attachCadreNames(q, []*sanlian.Household{h}); err != nil {
		return nil, err
	}
	return h, nil
}

// mayWriteHousehold reports whether the caller may create or edit a
// household in village.
func (db *OrgStore) mayWriteHousehold(tx *Tx, s *scope, village string) (bool, error) {
	switch {
	case s.office():
		return true, nil
	case s.role() == sanlian.RoleUnitAdmin:
		var n int
		err := tx.queryRow(`SELECT COUNT(*) FROM links WHERE kind = 'village' AND ended_at IS NULL AND region_code = ? AND `+
			inList("unit_id", len(s.unitIDs)), append([]any{village}, int64s(s.unitIDs)...)...).Scan(&n)
		return n > 0, err
	}
	return false, nil
}

func checkVillage(tx *Tx, code string) error {
	var kind string
	err := tx.queryRow(`SELECT kind FROM regions WHERE code = ?`, code).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != sanlian.RegionVillage) {
		return sanlian.FieldErrors(map[string]string{"village": "村(社区)代码 " + code + " 不存在"})
	}
	return err
}

func writeTags(tx *Tx, id int64, tags []sanlian.Tag) error {
	if _, err := tx.exec(`DELETE FROM household_tags WHERE household_id = ?`, id); err != nil {
		return err
	}
	seen := map[sanlian.Tag]bool{}
	for _, t := range tags {
		if seen[t] {
			continue
		}
		seen[t] = true
		if _, err := tx.exec(`INSERT INTO household_tags (household_id, kind, sub) VALUES (?, ?, ?)`, id, t.Kind, t.Sub); err != nil {
			return err
		}
	}
	return nil
}

// errDuplicateIDNumber answers a resident ID number another household
// already has.
var errDuplicateIDNumber = sanlian.FieldErrors(map[string]string{"id_number": "该身份证号已在另一户登记，请核对"})

// CreateHousehold implements sanlian.HouseholdService.
func (db *OrgStore) CreateHousehold(ctx context.Context, h *sanlian.Household) error {
	if err := h.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.personal(); err != nil {
			return err
		}
		if err := checkVillage(tx, h.VillageCode); err != nil {
			return err
		}
		if ok, err := db.mayWriteHousehold(tx, s, h.VillageCode); err != nil {
			return err
		} else if !ok {
			return errForbidden("您无权在该村登记农户")
		}
		id, err := tx.insertID(`INSERT INTO households (village_code, head_name, id_number, id_number_bi, phone, address, members, tags, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.VillageCode, h.HeadName, db.seal(h.IDNumber, aadHouseholdID), db.index(seal.IDNumber, h.IDNumber),
			db.seal(h.Phone, aadHouseholdPhone), h.Address, h.Members, encodeTags(h.Tags), tx.now, tx.now)
		if errors.Is(err, errUnique) {
			return errDuplicateIDNumber
		} else if err != nil {
			return fmt.Errorf("create household: %w", err)
		}
		if err := writeTags(tx, id, h.Tags); err != nil {
			return err
		}
		h.ID, h.Version, h.CreatedAt, h.UpdatedAt = id, 1, tx.now, tx.now
		h.IDNumber, h.Phone = sanlian.MaskIDNumber(h.IDNumber), sanlian.MaskPhone(h.Phone)
		if h.Tags == nil {
			h.Tags = []sanlian.Tag{}
		}
		h.Cadres = []string{}
		return tx.audit("create", "household", id, changes{"village": {nil, h.VillageCode}, "head_name": {nil, h.HeadName},
			"id_number": {nil, h.IDNumber}, "phone": {nil, h.Phone}, "tags": {nil, encodeTags(h.Tags)}})
	})
}

// UpdateHousehold implements sanlian.HouseholdService.
func (db *OrgStore) UpdateHousehold(ctx context.Context, id int64, upd sanlian.HouseholdUpdate) (*sanlian.Household, error) {
	var out *sanlian.Household
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		h, err := db.findHousehold(tx, s, id)
		if err != nil {
			return err
		}
		if ok, err := db.mayWriteHousehold(tx, s, h.VillageCode); err != nil {
			return err
		} else if !ok {
			return errForbidden("您无权修改该农户信息")
		}
		if h.Version != upd.Version {
			return errStale("该农户信息")
		}
		if err := tx.queryRow(`SELECT id_number, phone FROM households WHERE id = ?`, id).Scan(
			db.sealed(aadHouseholdID, &h.IDNumber, &id), db.sealed(aadHouseholdPhone, &h.Phone, &id)); err != nil {
			return err
		}
		before := *h
		if upd.HeadName != nil {
			h.HeadName = *upd.HeadName
		}
		if upd.VillageCode != nil {
			h.VillageCode = *upd.VillageCode
		}
		if upd.IDNumber != nil {
			h.IDNumber = *upd.IDNumber
		}
		if upd.Phone != nil {
			h.Phone = *upd.Phone
		}
		if upd.Address != nil {
			h.Address = *upd.Address
		}
		if upd.Members != nil {
			h.Members = *upd.Members
		}
		if upd.Tags != nil {
			h.Tags = *upd.Tags
		}
		if err := h.Validate(); err != nil {
			return err
		}
		if h.VillageCode != before.VillageCode {
			if err := checkVillage(tx, h.VillageCode); err != nil {
				return err
			}
			if ok, err := db.mayWriteHousehold(tx, s, h.VillageCode); err != nil {
				return err
			} else if !ok {
				return errForbidden("您无权把农户迁入该村")
			}
		}
		res, err := tx.exec(`UPDATE households SET village_code = ?, head_name = ?, id_number = ?, id_number_bi = ?, phone = ?, address = ?, members = ?, tags = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			h.VillageCode, h.HeadName, db.seal(h.IDNumber, aadHouseholdID), db.index(seal.IDNumber, h.IDNumber), db.seal(h.Phone, aadHouseholdPhone), h.Address, h.Members, encodeTags(h.Tags), tx.now, id, upd.Version)
		if errors.Is(err, errUnique) {
			return errDuplicateIDNumber
		} else if err != nil {
			return fmt.Errorf("update household %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该农户信息")
		}
		if upd.Tags != nil {
			if err := writeTags(tx, id, h.Tags); err != nil {
				return err
			}
		}
		ch := changes{}
		ch.set("village", before.VillageCode, h.VillageCode)
		ch.set("head_name", before.HeadName, h.HeadName)
		maskedChange(ch, "id_number", before.IDNumber, h.IDNumber, sanlian.MaskIDNumber)
		maskedChange(ch, "phone", before.Phone, h.Phone, sanlian.MaskPhone)
		ch.set("address", before.Address, h.Address)
		ch.set("members", before.Members, h.Members)
		ch.set("tags", encodeTags(before.Tags), encodeTags(h.Tags))
		if err := tx.audit("update", "household", id, ch); err != nil {
			return err
		}
		out, err = db.findHousehold(tx, s, id)
		return err
	})
	return out, err
}

// maskedChange records a change of personal data without writing it whole
// into the audit log.
func maskedChange(ch changes, field, before, after string, mask func(string) string) {
	if before == after {
		return
	}
	b, a := mask(before), mask(after)
	if a == b {
		a += "（已更改）"
	}
	ch[field] = [2]any{b, a}
}

// RevealHousehold implements sanlian.HouseholdService.
func (db *OrgStore) RevealHousehold(ctx context.Context, id int64) (string, string, error) {
	var idNumber, phone string
	err := db.reveal(ctx, "household", id, "id_number,phone",
		func(tx *Tx, s *scope) error { _, err := db.findHousehold(tx, s, id); return err },
		`SELECT id_number, phone FROM households WHERE id = ?`, db.sealed(aadHouseholdID, &idNumber, &id), db.sealed(aadHouseholdPhone, &phone, &id))
	return idNumber, phone, err
}
