package sqldb

import (
	"fmt"

	"sanlian"
)

// routingImport adds routing rules from a workbook, as the routing rules
// page exports them; an active rule whose place, category and order are
// held by an active rule already, in the table or higher in the file, is
// refused.
type routingImport struct {
	seen  map[string]lineMark
	taken map[string]int64 // slot → the active rule holding it
}

func (*routingImport) officeOnly() bool { return true }
func (*routingImport) needs() lookupNeed {
	return needRegions | needUnits | needCadres | needCategories
}

func routingSlot(region, category string, sort int) string {
	return fmt.Sprintf("%s|%s|%d", region, category, sort)
}

func (t *routingImport) begin(r *importRun) error {
	if r.tx == nil {
		t.seen = map[string]lineMark{}
	}
	t.taken = map[string]int64{}
	return eachRow(r.q, `SELECT id, region_code, category, sort FROM routing_rules WHERE active = ?`, []any{true}, func(sc scanner) error {
		var id int64
		var region, category string
		var sort int
		if err := sc.Scan(&id, &region, &category, &sort); err != nil {
			return err
		}
		t.taken[routingSlot(region, category, sort)] = id
		return nil
	})
}

// routingRegion resolves the place of a rule: the county by its name, a
// township by its name, a village as the problem import takes it, or any
// of them by its 12-digit code.
func (l *importLookups) routingRegion(s string) (string, string) {
	if sanlian.ValidRegionCode(s) {
		if l.regions[s] == nil {
			return "", "地区代码 " + s + " 不存在"
		}
		return s, ""
	}
	for code, reg := range l.regions {
		if reg.kind == sanlian.RegionCounty && nameKey(reg.name) == nameKey(s) {
			return code, ""
		}
	}
	if code, ok := l.townshipByName[nameKey(s)]; ok {
		return code, ""
	}
	code, _, msg := l.village(s)
	if msg != "" {
		return "", "找不到地区“" + s + "”：全县填县名，乡镇填乡镇全称，村填乡镇名+村名，或填 12 位区划代码"
	}
	return code, ""
}

// routingLookups finds what a line of the routing rule import names.
type routingLookups struct{ l *importLookups }

func (x routingLookups) Category(s string) (string, string) { return x.l.category(s) }
func (x routingLookups) Region(s string) (string, string)   { return x.l.routingRegion(s) }
func (x routingLookups) Unit(s string) (int64, string)      { return x.l.unit(s) }
func (x routingLookups) UnitCadre(s string, unit int64, rule string) (int64, string) {
	return x.l.cadre(s, one(unit), nil, rule)
}

func (t *routingImport) row(r *importRun, v map[string]string) error {
	rule, errs := sanlian.CheckRoutingLine(v, routingLookups{&r.look})
	r.failAll(errs)
	if !r.rowOK() {
		return nil
	}
	if rule.Active {
		slot := routingSlot(rule.RegionCode, rule.Category, rule.Sort)
		if id, ok := t.taken[slot]; ok {
			r.fail("sort", fmt.Sprintf("已有启用的派单规则 #%d 适用于同一地区、同一类别和同一顺序，请改用其他顺序", id))
			return nil
		}
		if !dupLine(r, t.seen, slot, "sort", "同一地区、同一类别和同一顺序的启用规则") {
			return nil
		}
	}
	if !r.writing() {
		return nil
	}
	id, err := r.tx.insertID(`INSERT INTO routing_rules (category, region_code, unit_id, person_id, sort, active, note, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, rule.Category, rule.RegionCode, rule.UnitID, nullInt(rule.PersonID), rule.Sort, rule.Active,
		rule.Note, r.tx.now, r.tx.now)
	if err != nil {
		return fmt.Errorf("import routing rule line %d: %w", r.line, err)
	}
	r.createdID(id)
	return nil
}

func (t *routingImport) end(*importRun) error { return nil }
