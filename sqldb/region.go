package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

// FindRegions implements sanlian.RegionService.
func (db *OrgStore) FindRegions(ctx context.Context, f sanlian.RegionFilter) ([]*sanlian.Region, string, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, "", err
	}
	w := &where{}
	if err := s.regions(w); err != nil {
		return nil, "", err
	}
	if f.Kind != "" {
		w.add("r.kind = ?", f.Kind)
	}
	if f.ParentCode != "" {
		w.add("r.parent_code = ?", f.ParentCode)
	}
	if f.Q != "" {
		w.add("r.name LIKE ?", "%"+f.Q+"%")
	}
	return readPage(ctx, db.DB, "find regions", regionSelect, w, f.Cursor, f.Limit, byCode("r.code"),
		scanRegion, func(r *sanlian.Region) string { return r.Code })
}

const regionSelect = `SELECT r.code, r.name, r.kind, COALESCE(r.parent_code, '') FROM regions r`

func scanRegion(sc scanner) (*sanlian.Region, error) {
	r := &sanlian.Region{}
	err := sc.Scan(&r.Code, &r.Name, &r.Kind, &r.ParentCode)
	return r, err
}

// FindRegionByCode implements sanlian.RegionService.
func (db *OrgStore) FindRegionByCode(ctx context.Context, code string) (*sanlian.Region, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	w := &where{}
	if err := s.regions(w); err != nil {
		return nil, err
	}
	w.add("r.code = ?", code)
	r, err := scanRegion(db.queryRow(ctx, regionSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("行政区划")
	} else if err != nil {
		return nil, fmt.Errorf("find region %q: %w", code, err)
	}
	return r, nil
}

// FindRegionTree implements sanlian.RegionService: the county, its
// townships and villages, with household counts, limited to scope.
func (db *OrgStore) FindRegionTree(ctx context.Context) (*sanlian.Region, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	w := &where{}
	if err := s.regions(w); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	if s.role().SeesPersonalData() {
		hw := &where{}
		if err := s.households(hw); err != nil {
			return nil, err
		}
		rows, err := db.query(ctx, `SELECT h.village_code, COUNT(*) FROM households h`+hw.sql()+` GROUP BY h.village_code`, hw.args...)
		if err != nil {
			return nil, fmt.Errorf("region tree counts: %w", err)
		}
		for rows.Next() {
			var c string
			var n int
			if err := rows.Scan(&c, &n); err != nil {
				rows.Close()
				return nil, err
			}
			counts[c] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	rows, err := db.query(ctx, regionSelect+w.sql()+
		` ORDER BY CASE r.kind WHEN 'county' THEN 0 WHEN 'township' THEN 1 ELSE 2 END, r.code`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("region tree: %w", err)
	}
	defer rows.Close()
	byCode := map[string]*sanlian.Region{}
	var root *sanlian.Region
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, err
		}
		byCode[r.Code] = r
		if r.Kind == sanlian.RegionCounty {
			root = r
			continue
		}
		p := byCode[r.ParentCode]
		if p == nil {
			continue
		}
		p.Children = append(p.Children, r)
		if r.Kind == sanlian.RegionVillage {
			r.Households = counts[r.Code]
			p.Villages++
			p.Households += r.Households
			if root != nil {
				root.Villages++
				root.Households += r.Households
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if root == nil {
		return nil, errNotFound("县")
	}
	return root, nil
}
