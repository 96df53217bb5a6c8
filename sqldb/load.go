package sqldb

import (
	"context"
	"fmt"
	"strings"

	"sanlian"
	"sanlian/seal"
)

// IsEmpty implements sanlian.Loader.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM regions`).Scan(&n); err != nil {
		return false, fmt.Errorf("is empty: %w", err)
	}
	return n == 0, nil
}

// bulkRows is the number of rows per multi-row INSERT: well under both
// engines' parameter limits (SQLite 32766, PostgreSQL 65535).
const bulkRows = 400

// bulkInsert writes rows into table with multi-row INSERT statements.
func bulkInsert(tx *Tx, table string, cols []string, rows [][]any) error {
	row := "(" + placeholders(len(cols)) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for start := 0; start < len(rows); start += bulkRows {
		end := min(start+bulkRows, len(rows))
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(row)
			args = append(args, rows[i]...)
		}
		if _, err := tx.exec(b.String(), args...); err != nil {
			return fmt.Errorf("bulk insert %s: %w", table, err)
		}
	}
	return nil
}

// LoadCounty implements sanlian.Loader.
func (db *DB) LoadCounty(ctx context.Context, c *sanlian.County) error {
	hashes := make([]string, len(c.Accounts))
	for i, a := range c.Accounts {
		if err := a.User.Validate(); err != nil {
			return fmt.Errorf("account %q: %w", a.User.Username, err)
		}
		hashes[i] = HashPassword(a.Password)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM regions`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return sanlian.Errorf(sanlian.ECONFLICT, "数据库中已有数据，不能再载入一个县")
		}
		now := tx.now
		var rows [][]any
		for _, r := range c.Regions {
			rows = append(rows, []any{r.Code, r.Name, r.Kind, nullStr(r.ParentCode)})
		}
		if err := bulkInsert(tx, "regions", []string{"code", "name", "kind", "parent_code"}, rows); err != nil {
			return err
		}
		// Units first without heads: heads are cadres, written after.
		rows = rows[:0]
		for _, u := range c.Units {
			rows = append(rows, []any{u.ID, u.Name, u.Kind, nullInt(u.ParentID), nullStr(u.TownshipCode), now, now})
		}
		if err := bulkInsert(tx, "units", []string{"id", "name", "kind", "parent_id", "township_code", "created_at", "updated_at"}, rows); err != nil {
			return err
		}
		rows = rows[:0]
		for _, x := range c.Cadres {
			rows = append(rows, []any{x.ID, x.Name, x.UnitID, x.Post, x.PartyMember, db.seal(x.Phone, aadCadrePhone), x.IsLeader, now, now})
		}
		if err := bulkInsert(tx, "cadres", []string{"id", "name", "unit_id", "post", "party_member", "phone", "is_leader", "created_at", "updated_at"}, rows); err != nil {
			return err
		}
		for _, u := range c.Units {
			if u.HeadCadreID != 0 {
				if _, err := tx.exec(`UPDATE units SET head_cadre_id = ? WHERE id = ?`, u.HeadCadreID, u.ID); err != nil {
					return err
				}
			}
		}
		rows = rows[:0]
		var tags [][]any
		for _, h := range c.Households {
			rows = append(rows, []any{h.ID, h.VillageCode, h.HeadName, db.seal(h.IDNumber, aadHouseholdID), db.index(seal.IDNumber, h.IDNumber),
				db.seal(h.Phone, aadHouseholdPhone), h.Address, h.Members, encodeTags(h.Tags), now, now})
			for _, t := range h.Tags {
				tags = append(tags, []any{h.ID, t.Kind, t.Sub})
			}
			if len(rows) == 20*bulkRows {
				if err := bulkInsert(tx, "households", []string{"id", "village_code", "head_name", "id_number", "id_number_bi", "phone", "address", "members", "tags", "created_at", "updated_at"}, rows); err != nil {
					return err
				}
				rows = rows[:0]
			}
		}
		if err := bulkInsert(tx, "households", []string{"id", "village_code", "head_name", "id_number", "id_number_bi", "phone", "address", "members", "tags", "created_at", "updated_at"}, rows); err != nil {
			return err
		}
		if err := bulkInsert(tx, "household_tags", []string{"household_id", "kind", "sub"}, tags); err != nil {
			return err
		}
		rows = rows[:0]
		for _, l := range c.Links {
			at := l.CreatedAt
			if at.IsZero() {
				at = now
			}
			rows = append(rows, []any{l.ID, l.Kind, nullInt(l.CadreID), nullInt(l.UnitID), nullInt(l.HouseholdID), nullStr(l.RegionCode),
				at.UTC(), nullTime(l.EndedAt)})
		}
		if err := bulkInsert(tx, "links", []string{"id", "kind", "cadre_id", "unit_id", "household_id", "region_code", "created_at", "ended_at"}, rows); err != nil {
			return err
		}
		for i, a := range c.Accounts {
			u := a.User
			id, err := tx.insertID(`INSERT INTO users (username, display_name, password_hash, role, unit_id, cadre_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.Username, u.DisplayName, hashes[i], string(u.Role), nullInt(u.UnitID), nullInt(u.CadreID), now, now)
			if err != nil {
				return fmt.Errorf("account %q: %w", u.Username, err)
			}
			u.ID = id
		}
		if db.Dialect == Postgres {
			for _, t := range []string{"units", "cadres", "households", "links"} {
				if _, err := tx.exec(`SELECT setval(pg_get_serial_sequence('` + t + `', 'id'), COALESCE((SELECT MAX(id) FROM ` + t + `), 0) + 1, false)`); err != nil {
					return fmt.Errorf("reset sequence %s: %w", t, err)
				}
			}
		}
		return tx.audit("load", "county", nil, changes{
			"regions": {nil, len(c.Regions)}, "units": {nil, len(c.Units)}, "cadres": {nil, len(c.Cadres)},
			"households": {nil, len(c.Households)}, "links": {nil, len(c.Links)}, "accounts": {nil, len(c.Accounts)}})
	})
}
