package sqldb

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"sanlian"
	"sanlian/seal"
)

// The organisation's imports: households, cadres, units, links and the
// topic bank.

// Bits of a lineMark besides the duplicate's: the line's ID number was
// found registered in the database, and reported.
const markRegistered lineMark = 1 << 29

func (m lineMark) registered() bool { return m&markRegistered != 0 }

const msgRegistered = "该身份证号的农户已登记在系统中，不能重复导入"

// householdImport streams households in bounded memory: the file's ID
// numbers are kept as 18-byte keys with their lines (about 30 bytes a
// household, some 10 MB for 300,000), the database's are read once,
// streaming, at the end of the checking pass, and rows are written
// importFlushRows at a time. The database's ID numbers are sealed and
// matched by their blind indexes (idBlindIndexes): one scan of the table's
// id_number_bi, cheaper than batches of IN (…) lookups for a big file.
type householdImport struct {
	seen  map[idKey18]lineMark // the file's ID numbers: first line, kept for the writing pass
	maxID int64                // the highest household id the checking pass compared against
	ids   idSeq
	rows  [][]any
	tags  [][]any
}

func (*householdImport) officeOnly() bool  { return false }
func (*householdImport) needs() lookupNeed { return needRegions | needScopeVillages }

func (h *householdImport) begin(r *importRun) error {
	if r.tx == nil {
		h.seen = map[idKey18]lineMark{}
		return nil
	}
	h.ids = idSeq{table: "households"}
	// Only what was registered since the checking pass read the table.
	_, err := scanIDNumbers(r.q, h.maxID, r.db.Lists.idBlindIndexes(maps.Keys(h.seen)), func(_ int64, k idKey18, _ string) { h.registered(r, k) })
	return err
}

// registered reports an ID number of the database that the file holds.
func (h *householdImport) registered(r *importRun, k idKey18) {
	if m, ok := h.seen[k]; ok && !m.registered() {
		r.failAt(m.line(), "id_number", msgRegistered)
		h.seen[k] = m | markRegistered
	}
}

// householdLookups finds the village a line of the household import names.
type householdLookups struct{ l *importLookups }

func (x householdLookups) Village(s string) (string, string, string) { return x.l.village(s) }
func (x householdLookups) VillageInScope(code string) bool {
	return x.l.scopeVillages == nil || x.l.scopeVillages[code]
}

func (h *householdImport) row(r *importRun, v map[string]string) error {
	hh, errs := sanlian.CheckHouseholdLine(v, householdLookups{&r.look})
	r.failAll(errs)
	if !r.bad[r.header("id_number")] {
		if k, ok := idKeyOf(hh.IDNumber); ok {
			dupLine(r, h.seen, k, "id_number", "身份证号")
		}
	}
	if !r.writing() || !r.rowOK() {
		return nil
	}
	id, err := h.ids.take(r.tx)
	if err != nil {
		return err
	}
	now := r.tx.now
	h.rows = append(h.rows, []any{id, hh.VillageCode, hh.HeadName, r.db.seal(hh.IDNumber, aadHouseholdID), r.db.index(seal.IDNumber, hh.IDNumber),
		r.db.seal(hh.Phone, aadHouseholdPhone), hh.Address, hh.Members, encodeTags(hh.Tags), now, now})
	for _, t := range hh.Tags {
		h.tags = append(h.tags, []any{id, t.Kind, t.Sub})
	}
	r.createdID(id)
	if len(h.rows) >= importFlushRows {
		return h.flush(r)
	}
	return nil
}

func (h *householdImport) flush(r *importRun) error {
	if err := bulkInsert(r.tx, "households", []string{"id", "village_code", "head_name", "id_number", "id_number_bi", "phone", "address", "members", "tags",
		"created_at", "updated_at"}, h.rows); err != nil {
		return err
	}
	if err := bulkInsert(r.tx, "household_tags", []string{"household_id", "kind", "sub"}, h.tags); err != nil {
		return err
	}
	h.rows, h.tags = h.rows[:0], h.tags[:0]
	return nil
}

func (h *householdImport) end(r *importRun) error {
	if r.tx == nil {
		maxID, err := scanIDNumbers(r.q, 0, r.db.Lists.idBlindIndexes(maps.Keys(h.seen)), func(_ int64, k idKey18, _ string) { h.registered(r, k) })
		h.maxID = maxID
		return err
	}
	if !r.writing() {
		return nil
	}
	return h.flush(r)
}

// cadreImport adds cadres to their units. A unit may not hold two cadres
// of one name: imports of links, projects and lists find cadres by name
// within their unit.
type cadreImport struct {
	seen map[string]lineMark // unit id|name
	ids  idSeq
	rows [][]any
}

func (*cadreImport) officeOnly() bool  { return false }
func (*cadreImport) needs() lookupNeed { return needUnits | needCadres }

func (c *cadreImport) begin(r *importRun) error {
	if r.tx == nil {
		c.seen = map[string]lineMark{}
	}
	c.ids, c.rows = idSeq{table: "cadres"}, nil
	return nil
}

// cadreLookups finds the unit a line of the cadre import names.
type cadreLookups struct{ r *importRun }

func (x cadreLookups) Unit(s string) (int64, string)     { return x.r.look.unit(s) }
func (x cadreLookups) MayManageCadresOf(unit int64) bool { return x.r.s.mayManageCadresOf(unit) }
func (x cadreLookups) Office() bool                      { return x.r.s.office() }

func (c *cadreImport) row(r *importRun, v map[string]string) error {
	x, errs := sanlian.CheckCadreLine(v, cadreLookups{r})
	r.failAll(errs)
	if x.UnitID != 0 && !r.bad[r.header("name")] {
		k := nameKey(x.Name)
		exists := slices.ContainsFunc(r.look.cadresByName[k], func(id int64) bool { return r.look.cadres[id].unitID == x.UnitID })
		if exists {
			r.fail("name", r.look.unitName(x.UnitID)+"中已有名为“"+x.Name+"”的干部")
		} else {
			dupLine(r, c.seen, fmt.Sprint(x.UnitID, "|", k), "name", "同单位干部姓名")
		}
	}
	if !r.writing() || !r.rowOK() {
		return nil
	}
	id, err := c.ids.take(r.tx)
	if err != nil {
		return err
	}
	now := r.tx.now
	c.rows = append(c.rows, []any{id, x.Name, x.UnitID, x.Post, x.PartyMember, r.db.seal(x.Phone, aadCadrePhone), x.IsLeader, now, now})
	r.createdID(id)
	if len(c.rows) >= importFlushRows {
		return c.flush(r)
	}
	return nil
}

func (c *cadreImport) flush(r *importRun) error {
	err := bulkInsert(r.tx, "cadres", []string{"id", "name", "unit_id", "post", "party_member", "phone", "is_leader", "created_at", "updated_at"}, c.rows)
	c.rows = c.rows[:0]
	return err
}

func (c *cadreImport) end(r *importRun) error {
	if !r.writing() {
		return nil
	}
	return c.flush(r)
}

// unitImport adds units. A parent is a unit of the database or one written
// earlier in the same file.
type unitImport struct {
	seen  map[string]lineMark // names in the file
	names map[string]int64    // names of the file read so far → ids (0 while checking)
	ids   idSeq
	rows  [][]any
}

func (*unitImport) officeOnly() bool  { return true }
func (*unitImport) needs() lookupNeed { return needRegions | needUnits }

func (u *unitImport) begin(r *importRun) error {
	if r.tx == nil {
		u.seen = map[string]lineMark{}
	}
	u.names, u.ids, u.rows = map[string]int64{}, idSeq{table: "units"}, nil
	return nil
}

// unitLookups finds what a line of the unit import names.
type unitLookups struct {
	l *importLookups
	u *unitImport
}

func (x unitLookups) Township(s string) (string, string) { return x.l.township(s) }
func (x unitLookups) ParentUnit(s string) (int64, bool) {
	k := nameKey(s)
	if id, ok := x.l.unitByName[k]; ok {
		return id, true
	}
	id, ok := x.u.names[k]
	return id, ok
}

func (u *unitImport) row(r *importRun, v map[string]string) error {
	// Names unique in the county and the file are checked first, so that
	// their errors come first on the line, as the report has always had them.
	k := nameKey(v["name"])
	if k != "" {
		if _, ok := r.look.unitByName[k]; ok {
			r.fail("name", "已有同名单位“"+v["name"]+"”")
		} else {
			dupLine(r, u.seen, k, "name", "单位名称")
		}
	}
	x, errs := sanlian.CheckUnitLine(v, unitLookups{&r.look, u})
	r.failAll(errs)
	if _, ok := u.names[k]; !ok && k != "" {
		u.names[k] = 0
	}
	if !r.writing() || !r.rowOK() {
		return nil
	}
	id, err := u.ids.take(r.tx)
	if err != nil {
		return err
	}
	u.names[k] = id
	now := r.tx.now
	u.rows = append(u.rows, []any{id, x.Name, x.Kind, nullInt(x.ParentID), nullStr(x.TownshipCode), now, now})
	r.createdID(id)
	return nil
}

func (u *unitImport) end(r *importRun) error {
	if !r.writing() {
		return nil
	}
	// One call, in file order: a parent is always written before its children.
	return bulkInsert(r.tx, "units", []string{"id", "name", "kind", "parent_id", "township_code", "created_at", "updated_at"}, u.rows)
}

// linkImport creates the three kinds of link with the rights of
// CreateLinks: a unit admin links the cadres of its units to households
// in its scope; the office does everything. Households are found by ID
// number at the end of the file, in one streaming read of the table.
type linkImport struct {
	seen     map[string]lineMark    // links of the file, by kind and ends
	existing map[string]bool        // active village and township links
	pending  []pendingLink          // household links awaiting their household
	found    map[idKey18]*foundHome // the file's ID numbers → households
	scopeHH  map[int64]bool         // unit admin: households linked to its cadres
	ids      idSeq
	rows     [][]any
}

type pendingLink struct {
	line  int32
	cadre int64
	idn   idKey18
}

type foundHome struct {
	id      int64
	village string
	n       int
}

func (*linkImport) officeOnly() bool { return false }
func (*linkImport) needs() lookupNeed {
	return needRegions | needUnits | needCadres | needScopeVillages
}

func (l *linkImport) begin(r *importRun) error {
	l.seen, l.existing, l.pending, l.found, l.scopeHH = map[string]lineMark{}, map[string]bool{}, nil, map[idKey18]*foundHome{}, nil
	l.ids, l.rows = idSeq{table: "links"}, nil
	err := eachRow(r.q, `SELECT kind, COALESCE(cadre_id, 0), COALESCE(unit_id, 0), COALESCE(region_code, '') FROM links
		WHERE kind <> 'household' AND ended_at IS NULL`, nil, func(sc scanner) error {
		var kind, region string
		var cadre, unit int64
		if err := sc.Scan(&kind, &cadre, &unit, &region); err != nil {
			return err
		}
		l.existing[linkKey(kind, cadre, unit, 0, region)] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("import links: %w", err)
	}
	if r.s.role() == sanlian.RoleUnitAdmin {
		l.scopeHH = map[int64]bool{}
		err := eachRow(r.q, `SELECT l.household_id FROM links l JOIN cadres c ON c.id = l.cadre_id
			WHERE l.kind = 'household' AND l.ended_at IS NULL AND `+inList("c.unit_id", len(r.s.unitIDs)), int64s(r.s.unitIDs),
			func(sc scanner) error {
				var id int64
				if err := sc.Scan(&id); err != nil {
					return err
				}
				l.scopeHH[id] = true
				return nil
			})
		if err != nil {
			return fmt.Errorf("import links: %w", err)
		}
	}
	return nil
}

func linkKey(kind string, cadre, unit, household int64, region string) string {
	return fmt.Sprint(kind, "|", cadre, "|", unit, "|", household, "|", region)
}

// linkLookups finds what a line of the link import names.
type linkLookups struct{ r *importRun }

func (x linkLookups) Unit(s string) (int64, string)             { return x.r.look.unit(s) }
func (x linkLookups) Village(s string) (string, string, string) { return x.r.look.village(s) }
func (x linkLookups) Township(s string) (string, string)        { return x.r.look.township(s) }
func (x linkLookups) MayManageCadresOf(unit int64) bool         { return x.r.s.mayManageCadresOf(unit) }
func (x linkLookups) Office() bool                              { return x.r.s.office() }
func (x linkLookups) CountyLeader(s string) (int64, bool) {
	id, msg := x.r.look.cadre(s, nil, countyLeader, "")
	return id, msg == ""
}
func (x linkLookups) UnitCadre(s string, unit int64, rule string) (int64, string) {
	return x.r.look.cadre(s, one(unit), nil, rule)
}
func (x linkLookups) Cadre(s string, rule string) (int64, string) {
	var units map[int64]bool
	if !x.r.s.office() {
		units = map[int64]bool{}
		for _, u := range x.r.s.unitIDs {
			units[u] = true
		}
	}
	return x.r.look.cadre(s, units, anyCadre, rule)
}
func (x linkLookups) CadreOf(id int64) (int64, bool) {
	if c := x.r.look.cadres[id]; c != nil {
		return c.unitID, c.isLeader
	}
	return 0, false
}

func (l *linkImport) row(r *importRun, v map[string]string) error {
	c, errs := sanlian.CheckLinkLine(v, linkLookups{r})
	r.failAll(errs)
	if c.Kind == sanlian.LinkHousehold {
		if k, ok := idKeyOf(c.Household); ok && c.CadreID != 0 && r.rowOK() {
			l.pending = append(l.pending, pendingLink{line: int32(r.line), cadre: c.CadreID, idn: k})
			l.found[k] = nil
		}
		return nil // checked and written at the end, with the households
	}
	if !r.rowOK() {
		return nil
	}
	key := linkKey(c.Kind, c.CadreID, c.UnitID, 0, c.RegionCode)
	if l.existing[key] {
		r.fail("region", "该联系已存在，无需重复导入")
		return nil
	}
	if !dupLine(r, l.seen, key, "region", "联系") || !r.writing() {
		return nil
	}
	return l.stage(r, c.Kind, c.CadreID, c.UnitID, 0, c.RegionCode)
}

func (l *linkImport) stage(r *importRun, kind string, cadre, unit, household int64, region string) error {
	id, err := l.ids.take(r.tx)
	if err != nil {
		return err
	}
	l.rows = append(l.rows, []any{id, kind, nullInt(cadre), nullInt(unit), nullInt(household), nullStr(region), nullInt(r.s.user.ID), r.tx.now})
	r.createdID(id)
	return nil
}

func (l *linkImport) end(r *importRun) error {
	if len(l.pending) > 0 {
		if err := l.households(r); err != nil {
			return err
		}
	}
	if !r.writing() {
		return nil
	}
	return bulkInsert(r.tx, "links", []string{"id", "kind", "cadre_id", "unit_id", "household_id", "region_code", "created_by", "created_at"}, l.rows)
}

// households finds the households of the pending links in one read of
// the table, checks them and stages the links.
func (l *linkImport) households(r *importRun) error {
	_, err := scanIDNumbers(r.q, 0, r.db.Lists.idBlindIndexes(maps.Keys(l.found)), func(id int64, k idKey18, village string) {
		f, want := l.found[k]
		switch {
		case !want:
		case f == nil:
			l.found[k] = &foundHome{id: id, village: village, n: 1}
		default:
			f.n++
		}
	})
	if err != nil {
		return err
	}
	// Pairs of the file, then checked against the active links.
	pairs := map[[2]int64]lineMark{}
	ok := make([]bool, len(l.pending))
	for i, p := range l.pending {
		line := int(p.line)
		masked := sanlian.MaskIDNumber(string(p.idn[:]))
		f := l.found[p.idn]
		switch {
		case f == nil:
			r.failAt(line, "household", "找不到身份证号为 "+masked+" 的农户，请先导入农户")
			continue
		case f.n > 1:
			r.failAt(line, "household", "身份证号 "+masked+" 登记了多户，请先在系统中核对")
			continue
		case l.scopeHH != nil && !r.look.scopeVillages[f.village] && !l.scopeHH[f.id]:
			r.failAt(line, "household", "无权导入其他单位的联系关系：该农户不在本单位联系的村")
			continue
		}
		key := [2]int64{f.id, p.cadre}
		if m, dup := pairs[key]; dup {
			r.failAt(line, "household", fmt.Sprintf("与第 %d 行的联系重复", m.line()))
			if !m.reported() {
				r.failAt(m.line(), "household", fmt.Sprintf("与第 %d 行的联系重复", line))
				pairs[key] = m.report()
			}
			continue
		}
		pairs[key] = lineMark(line)
		ok[i] = true
	}
	if err := activePairs(r, pairs); err != nil {
		return err
	}
	if !r.writing() {
		return nil
	}
	for i, p := range l.pending {
		if ok[i] {
			if err := l.stage(r, sanlian.LinkHousehold, p.cadre, 0, l.found[p.idn].id, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// activePairs fails the pairs of the file (household, cadre) that are
// active links already, looked up in batches on the
// links_household_active index.
func activePairs(r *importRun, pairs map[[2]int64]lineMark) error {
	keys := make([][2]int64, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	for start := 0; start < len(keys); start += 500 {
		batch := keys[start:min(start+500, len(keys))]
		ids := make([]int64, len(batch))
		for i, k := range batch {
			ids[i] = k[0]
		}
		err := eachRow(r.q, `SELECT household_id, cadre_id FROM links WHERE kind = 'household' AND ended_at IS NULL AND `+
			inList("household_id", len(ids)), int64s(ids), func(sc scanner) error {
			var k [2]int64
			if err := sc.Scan(&k[0], &k[1]); err != nil {
				return err
			}
			if m, ok := pairs[k]; ok {
				r.failAt(m.line(), "household", "该干部与该农户的联户关系已存在，无需重复导入")
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("import links: %w", err)
		}
	}
	return nil
}

// topicImport adds questions to the topic bank; a question already in the
// bank under its field is refused.
type topicImport struct {
	seen     map[string]lineMark
	existing map[string]bool
	ids      idSeq
	rows     [][]any
}

func (*topicImport) officeOnly() bool  { return true }
func (*topicImport) needs() lookupNeed { return needCategories }

func (t *topicImport) begin(r *importRun) error {
	if r.tx == nil {
		t.seen = map[string]lineMark{}
	}
	t.existing, t.ids, t.rows = map[string]bool{}, idSeq{table: "topics"}, nil
	return eachRow(r.q, `SELECT category, question FROM topics`, nil, func(sc scanner) error {
		var c, q string
		if err := sc.Scan(&c, &q); err != nil {
			return err
		}
		t.existing[c+"|"+nameKey(q)] = true
		return nil
	})
}

// topicLookups finds the field a line of the topic import names.
type topicLookups struct{ l *importLookups }

func (x topicLookups) Category(s string) (string, string) { return x.l.category(s) }

func (t *topicImport) row(r *importRun, v map[string]string) error {
	in, errs := sanlian.CheckTopicLine(v, topicLookups{&r.look})
	r.failAll(errs)
	if !r.rowOK() {
		return nil
	}
	key := in.Category + "|" + nameKey(in.Question)
	if t.existing[key] {
		r.fail("question", "题库中该领域已有相同的题目")
		return nil
	}
	if !dupLine(r, t.seen, key, "question", "题目") || !r.writing() {
		return nil
	}
	id, err := t.ids.take(r.tx)
	if err != nil {
		return err
	}
	t.rows = append(t.rows, []any{id, in.Category, in.Question, in.Sort, r.tx.now, r.tx.now})
	r.createdID(id)
	return nil
}

func (t *topicImport) end(r *importRun) error {
	if !r.writing() {
		return nil
	}
	return bulkInsert(r.tx, "topics", []string{"id", "category", "question", "sort", "created_at", "updated_at"}, t.rows)
}
