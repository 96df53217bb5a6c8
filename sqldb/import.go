package sqldb

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"strings"

	"sanlian"
	"sanlian/seal"
)

var _ sanlian.ImportService = (*ListStore)(nil)

// maxImportRows bounds one file. The checks of most kinds keep a few dozen
// bytes a row (the keys that must be unique in the file), so a file this
// long stays within a few hundred megabytes at worst.
const maxImportRows = 1_000_000

// importFlushRows is how many staged rows a kind writes at once: twenty
// multi-row INSERTs of bulkRows, as LoadCounty writes households.
const importFlushRows = 20 * bulkRows

// errImportRejected rolls back the writing pass when a row fails there: the
// file or the database changed since the checking pass.
var errImportRejected = errors.New("import rejected in the writing pass")

// Import implements sanlian.ImportService in two passes over the file.
//
// The checking pass reads every row through the read pool, holding no
// write transaction: cell errors, references (villages, units, cadres,
// categories …), the caller's rights row by row, duplicates inside the file
// and against the database. Lookups of the organisation (about 450
// regions, 100 units, 8,000 cadres) are loaded once into maps; households
// are never loaded whole: a household file keeps only a map from ID number
// to line, and the database is read once, streaming, to find ID numbers
// already registered.
//
// Only when no row failed, the writing pass opens the file again and runs
// the same checks inside one transaction, against what the database holds
// by then, writing the rows in multi-row INSERTs as it goes. A row that
// fails there (someone changed a unit or registered a household in
// between, or the file changed) rolls everything back and the report lists
// it; so does a unique violation from a concurrent write. Nothing is
// written unless every row is.
//
// The import is audited as one row (action "import", entity the kind's
// code) naming the rows read, created and skipped and the range of ids
// created, not as one row per entity: the created rows are those of the
// kind's table in that id range written at the audit row's time (their
// created_at, or for the historical problems their updated_at), and a
// county's 300,000 households would otherwise add 300,000 audit rows to
// one transaction. On PostgreSQL ids come from the table's sequence, so a
// concurrent single create may fall inside the range; it has its own audit
// row. Parent projects whose progress the import rolls up get the project
// service's own "rollup" audit rows.
func (db *ListStore) Import(ctx context.Context, kind *sanlian.ImportKind, open func() (sanlian.RowSource, error)) (*sanlian.ImportReport, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if kind == nil || open == nil {
		return nil, sanlian.Errorf(sanlian.EINVALID, "请选择导入的数据类型和文件")
	}
	k := newKindImporter(kind.Code)
	if k == nil {
		return nil, sanlian.Errorf(sanlian.EINVALID, "不支持导入“%s”", kind.Label)
	}
	switch {
	case u.Role == sanlian.RoleOffice:
	case u.Role == sanlian.RoleUnitAdmin && !k.officeOnly():
	case k.officeOnly():
		return nil, errForbidden("只有县办公室可以导入" + kind.Label)
	default:
		return nil, errForbidden(fmt.Sprintf("您的角色（%s）不能导入%s", u.Role.Label(), kind.Label))
	}
	rep := &sanlian.ImportReport{Kind: kind.Code, Label: kind.Label, Errors: []sanlian.RowError{}}

	check := &importRun{db: db.DB, ctx: ctx, kind: kind, q: db.reader(ctx)}
	if check.s, err = db.scopeOf(ctx, check.q); err != nil {
		return nil, err
	}
	if err := check.pass(open, k); err != nil {
		return nil, err
	}
	rep.Rows = check.rows
	if check.rows == 0 {
		return nil, sanlian.Errorf(sanlian.EUNPROCESSABLE, "文件中没有数据行，请在表头下方填写要导入的%s", kind.Label)
	}
	if check.errs.n > 0 {
		check.errs.into(rep)
		return rep, nil
	}

	var write *importRun
	err = db.inTx(ctx, func(tx *Tx) error {
		write = &importRun{db: db.DB, ctx: ctx, kind: kind, q: tx, tx: tx}
		var err error
		if write.s, err = db.scopeOf(ctx, tx); err != nil {
			return err
		}
		if err := write.pass(open, k); err != nil {
			return err
		}
		if write.rows != check.rows {
			write.errs.add(sanlian.RowError{Message: fmt.Sprintf("文件在导入过程中发生了变化（先读到 %d 行，后读到 %d 行），请重新导入", check.rows, write.rows)})
		}
		if write.errs.n > 0 {
			return errImportRejected
		}
		ch := changes{"rows": {nil, write.rows}, "created": {nil, write.created}}
		if write.skipped > 0 {
			ch["skipped"] = [2]any{nil, write.skipped}
		}
		if write.created > 0 {
			ch["first_id"] = [2]any{nil, write.firstID}
			ch["last_id"] = [2]any{nil, write.lastID}
		}
		return tx.audit("import", kind.Code, nil, ch)
	})
	switch {
	case errors.Is(err, errImportRejected):
		write.errs.into(rep)
		return rep, nil
	case errors.Is(err, errUnique), errors.Is(err, errForeignKey):
		rep.AddError(sanlian.RowError{Message: "写入时与他人同时进行的修改冲突（数据重复或引用的数据已变化），没有导入任何数据，请重新导入"})
		return rep, nil
	case err != nil:
		return nil, err
	}
	rep.Created, rep.Skipped, rep.Committed = write.created, write.skipped, true
	return rep, nil
}

// kindImporter checks and writes the rows of one kind. The same value
// runs both passes, so what the checking pass learnt of the whole file
// (the lines of ID numbers, the highest number of a year …) serves the
// writing pass; begin tells the passes apart by r.tx.
type kindImporter interface {
	officeOnly() bool
	needs() lookupNeed
	// begin runs before the rows of a pass, with the lookups loaded.
	begin(r *importRun) error
	// row checks one row, and stages it for writing in the writing pass.
	row(r *importRun, v map[string]string) error
	// end runs the checks that need the whole file, and in the writing
	// pass writes what is staged.
	end(r *importRun) error
}

func newKindImporter(code string) kindImporter {
	switch code {
	case "households":
		return &householdImport{}
	case "cadres":
		return &cadreImport{}
	case "units":
		return &unitImport{}
	case "links":
		return &linkImport{}
	case "topics":
		return &topicImport{}
	case "routing_rules":
		return &routingImport{}
	case "problems":
		return &problemImport{}
	case "projects":
		return &projectImport{}
	case "responsibilities":
		return &respImport{}
	case "activities":
		return &activityImport{}
	}
	return nil
}

// importRun is one pass over the file.
type importRun struct {
	db   *DB
	ctx  context.Context
	kind *sanlian.ImportKind
	s    *scope
	q    querier
	tx   *Tx // nil in the checking pass
	look importLookups
	errs rowErrors
	rows int

	created, skipped int
	firstID, lastID  int64 // the range of ids created in the kind's table

	// The current row.
	line    int
	values  map[string]string
	cell    []sanlian.RowError // its cell errors, for a kind that defers its rows
	bad     map[string]bool    // headers already holding an error on this row
	rowErrs int
}

// pass reads the whole file once.
func (r *importRun) pass(open func() (sanlian.RowSource, error), k kindImporter) error {
	if err := r.look.load(r.q, r.s, k.needs()); err != nil {
		return err
	}
	if err := k.begin(r); err != nil {
		return err
	}
	src, err := open()
	if err != nil {
		return err
	}
	defer src.Close()
	for {
		row, err := src.Next()
		if err != nil {
			return err
		}
		if row == nil {
			break
		}
		r.rows++
		if r.rows > maxImportRows {
			return sanlian.Errorf(sanlian.EUNPROCESSABLE, "一次最多导入 %d 行，请把文件分成几个再导入", maxImportRows)
		}
		if r.rows%1024 == 0 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		cell := make([]sanlian.RowError, len(row.Errors))
		for i, e := range row.Errors {
			if e.Line == 0 {
				e.Line = row.Line
			}
			cell[i] = e
		}
		values := row.Values
		if values == nil {
			values = map[string]string{}
		}
		if _, ok := k.(rowDeferrer); ok {
			r.line, r.values, r.cell = row.Line, values, cell
		} else {
			r.startRow(row.Line, values, cell)
		}
		if err := k.row(r, values); err != nil {
			return err
		}
	}
	if err := src.Close(); err != nil {
		return err
	}
	return k.end(r)
}

// rowDeferrer is a kind that keeps its rows and checks them at the end of
// the file: it calls startRow itself for the rows it checks.
type rowDeferrer interface{ defersRows() }

// startRow begins the checks of the row at line: its cell errors, then
// the required columns left empty.
func (r *importRun) startRow(line int, values map[string]string, cell []sanlian.RowError) {
	r.line, r.values, r.bad, r.rowErrs, r.cell = line, values, map[string]bool{}, 0, nil
	for _, e := range cell {
		r.errs.add(e)
		r.bad[e.Column] = true
		r.rowErrs++
	}
	for _, c := range r.kind.Columns {
		if c.Required && values[c.Key] == "" {
			r.fail(c.Key, "请填写"+c.Header)
		}
	}
}

// writing reports whether rows are to be written: in the writing pass, as
// long as no row failed there.
func (r *importRun) writing() bool { return r.tx != nil && r.errs.n == 0 }

// rowOK reports whether the current row has no error so far.
func (r *importRun) rowOK() bool { return r.rowErrs == 0 }

// header is the Chinese header of the kind's column key.
func (r *importRun) header(key string) string {
	if c := r.kind.Column(key); c != nil {
		return c.Header
	}
	return ""
}

// fail records an error of the current row in the column key, unless
// that column has one already.
func (r *importRun) fail(key, msg string) {
	h := r.header(key)
	if r.bad[h] {
		return
	}
	r.bad[h] = true
	r.rowErrs++
	r.errs.add(sanlian.RowError{Line: r.line, Column: h, Message: msg})
}

// failAt records an error found after the row was read (a duplicate seen
// later in the file, a household found missing at the end).
func (r *importRun) failAt(line int, key, msg string) {
	r.errs.add(sanlian.RowError{Line: line, Column: r.header(key), Message: msg})
}

// failAll records the errors a domain check found in the current row, in
// order.
func (r *importRun) failAll(errs []sanlian.CellError) {
	for _, e := range errs {
		r.fail(e.Key, e.Message)
	}
}

// created counts a written row of the kind's table.
func (r *importRun) createdID(id int64) {
	if r.created == 0 || id < r.firstID {
		r.firstID = id
	}
	if id > r.lastID {
		r.lastID = id
	}
	r.created++
}

// rowErrors keeps the errors of an import in line order. Past twice
// MaxImportErrors it keeps the first MaxImportErrors by line and counts
// the rest, so that a file of nothing but errors stays in bounded memory;
// errors found at the end of the file (duplicates, households) still take
// their place among the first.
type rowErrors struct {
	list []sanlian.RowError
	more int
	n    int // every error recorded
}

func (e *rowErrors) add(x sanlian.RowError) {
	e.n++
	e.list = append(e.list, x)
	if len(e.list) >= 2*sanlian.MaxImportErrors {
		e.sort()
		e.more += len(e.list) - sanlian.MaxImportErrors
		e.list = e.list[:sanlian.MaxImportErrors:sanlian.MaxImportErrors]
	}
}

func (e *rowErrors) sort() {
	sort.SliceStable(e.list, func(i, j int) bool { return e.list[i].Line < e.list[j].Line })
}

// into writes the errors into rep in line order.
func (e *rowErrors) into(rep *sanlian.ImportReport) {
	e.sort()
	for _, x := range e.list {
		rep.AddError(x)
	}
	rep.More += e.more
}

// idSeq hands out the ids of one table for rows written with their ids
// (so that tags, volunteers and children can refer to them in the same
// multi-row INSERTs). On SQLite it counts up from MAX(id): the writing
// pass holds the database's only write lock. On PostgreSQL it draws from
// the column's sequence, 500 at a time, so that concurrent single creates
// never collide with it.
type idSeq struct {
	table string
	free  []int64
	next  int64
	ready bool
}

func (s *idSeq) take(tx *Tx) (int64, error) {
	if tx.db.Dialect == SQLite {
		if !s.ready {
			if err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM ` + s.table).Scan(&s.next); err != nil {
				return 0, fmt.Errorf("ids of %s: %w", s.table, err)
			}
			s.ready = true
		}
		s.next++
		return s.next, nil
	}
	if len(s.free) == 0 {
		rows, err := tx.query(`SELECT nextval(pg_get_serial_sequence('`+s.table+`', 'id')) FROM generate_series(1, ?)`, 500)
		if err != nil {
			return 0, fmt.Errorf("ids of %s: %w", s.table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return 0, err
			}
			s.free = append(s.free, id)
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	id := s.free[0]
	s.free = s.free[1:]
	return id, nil
}

// lookupNeed says which lookups a kind uses.
type lookupNeed int

const (
	needRegions lookupNeed = 1 << iota
	needUnits
	needCadres
	needCategories
	needActivityTypes
	needScopeVillages // a unit admin's linked villages
)

// importLookups are the organisation's names and codes, loaded once per
// pass.
type importLookups struct {
	regions        map[string]*importRegion // by code
	villageByFull  map[string]string        // township name + village name → code
	villagesByName map[string][]string      // village name → codes
	townshipByName map[string]string

	units      map[int64]*importUnit
	unitByName map[string]int64
	children   map[int64][]int64 // built on first use by tree

	cadres       map[int64]*importCadre
	cadresByName map[string][]int64

	categories    map[string]string // code or name → code
	inactive      map[string]bool   // retired categories
	activityTypes map[string]*sanlian.ActivityType

	scopeVillages map[string]bool
}

type importRegion struct{ code, name, kind, parent string }

type importUnit struct {
	id     int64
	name   string
	parent int64
}

type importCadre struct {
	id       int64
	name     string
	unitID   int64
	isLeader bool
}

func (l *importLookups) load(q querier, s *scope, need lookupNeed) error {
	if need&needRegions != 0 {
		if err := l.loadRegions(q); err != nil {
			return fmt.Errorf("import regions: %w", err)
		}
	}
	if need&needUnits != 0 {
		l.units, l.unitByName, l.children = map[int64]*importUnit{}, map[string]int64{}, nil
		err := eachRow(q, `SELECT id, name, COALESCE(parent_id, 0) FROM units`, nil, func(sc scanner) error {
			u := &importUnit{}
			if err := sc.Scan(&u.id, &u.name, &u.parent); err != nil {
				return err
			}
			l.units[u.id], l.unitByName[nameKey(u.name)] = u, u.id
			return nil
		})
		if err != nil {
			return fmt.Errorf("import units: %w", err)
		}
	}
	if need&needCadres != 0 {
		if err := l.loadCadres(q); err != nil {
			return fmt.Errorf("import cadres: %w", err)
		}
	}
	if need&needCategories != 0 {
		l.categories, l.inactive = map[string]string{}, map[string]bool{}
		err := eachRow(q, `SELECT code, name, active FROM categories`, nil, func(sc scanner) error {
			var code, name string
			var active bool
			if err := sc.Scan(&code, &name, &active); err != nil {
				return err
			}
			l.categories[code], l.categories[nameKey(name)], l.inactive[code] = code, code, !active
			return nil
		})
		if err != nil {
			return fmt.Errorf("import categories: %w", err)
		}
	}
	if need&needActivityTypes != 0 {
		l.activityTypes = map[string]*sanlian.ActivityType{}
		err := eachRow(q, `SELECT code, name, active FROM activity_types`, nil, func(sc scanner) error {
			t := &sanlian.ActivityType{}
			if err := sc.Scan(&t.Code, &t.Name, &t.Active); err != nil {
				return err
			}
			l.activityTypes[t.Code], l.activityTypes[nameKey(t.Name)] = t, t
			return nil
		})
		if err != nil {
			return fmt.Errorf("import activity types: %w", err)
		}
	}
	if need&needScopeVillages != 0 && s.role() == sanlian.RoleUnitAdmin {
		l.scopeVillages = map[string]bool{}
		err := eachRow(q, `SELECT region_code FROM links WHERE kind = 'village' AND ended_at IS NULL AND `+
			inList("unit_id", len(s.unitIDs)), int64s(s.unitIDs), func(sc scanner) error {
			var code string
			if err := sc.Scan(&code); err != nil {
				return err
			}
			l.scopeVillages[code] = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("import scope villages: %w", err)
		}
	}
	return nil
}

// loadCadres reads every cadre, by id and by name.
func (l *importLookups) loadCadres(q querier) error {
	l.cadres, l.cadresByName = map[int64]*importCadre{}, map[string][]int64{}
	return eachRow(q, `SELECT id, name, unit_id, is_leader FROM cadres ORDER BY id`, nil, func(sc scanner) error {
		c := &importCadre{}
		if err := sc.Scan(&c.id, &c.name, &c.unitID, &c.isLeader); err != nil {
			return err
		}
		k := nameKey(c.name)
		l.cadres[c.id], l.cadresByName[k] = c, append(l.cadresByName[k], c.id)
		return nil
	})
}

func (l *importLookups) loadRegions(q querier) error {
	l.regions = map[string]*importRegion{}
	err := eachRow(q, `SELECT code, name, kind, COALESCE(parent_code, '') FROM regions`, nil, func(sc scanner) error {
		r := &importRegion{}
		if err := sc.Scan(&r.code, &r.name, &r.kind, &r.parent); err != nil {
			return err
		}
		l.regions[r.code] = r
		return nil
	})
	if err != nil {
		return err
	}
	l.villageByFull, l.villagesByName, l.townshipByName = map[string]string{}, map[string][]string{}, map[string]string{}
	codes := make([]string, 0, len(l.regions))
	for code := range l.regions {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		r := l.regions[code]
		switch r.kind {
		case sanlian.RegionTownship:
			l.townshipByName[nameKey(r.name)] = code
		case sanlian.RegionVillage:
			k := nameKey(r.name)
			l.villagesByName[k] = append(l.villagesByName[k], code)
			if t := l.regions[r.parent]; t != nil {
				l.villageByFull[nameKey(t.name)+k] = code
			}
		}
	}
	return nil
}

// eachRow runs a query and hands every row to fn.
func eachRow(q querier, query string, args []any, fn func(scanner) error) error {
	rows, err := q.queryRows(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// nameKey is sanlian.FoldName: names compared as the lookups compare them.
func nameKey(s string) string { return sanlian.FoldName(s) }

// village resolves a village by its 12-digit code, by 乡镇名+村名, or by
// its bare name when no other village has it. It returns the code and the
// township's, or a message.
func (l *importLookups) village(s string) (code, township, msg string) {
	if sanlian.ValidRegionCode(s) {
		r := l.regions[s]
		switch {
		case r == nil:
			return "", "", "区划代码 " + s + " 不存在"
		case r.kind != sanlian.RegionVillage:
			return "", "", "区划代码 " + s + " 是" + (&sanlian.Region{Kind: r.kind}).KindLabel() + "，不是村(社区)"
		}
		return r.code, r.parent, ""
	}
	k := nameKey(s)
	if code, ok := l.villageByFull[k]; ok {
		return code, l.regions[code].parent, ""
	}
	switch codes := l.villagesByName[k]; len(codes) {
	case 0:
		return "", "", "找不到村(社区)“" + s + "”，请填写“乡镇名+村名”（如 东坪镇酉州村）或 12 位区划代码"
	case 1:
		return codes[0], l.regions[codes[0]].parent, ""
	default:
		var towns []string
		for _, c := range codes {
			if t := l.regions[l.regions[c].parent]; t != nil {
				towns = append(towns, t.name)
			}
		}
		return "", "", fmt.Sprintf("全县有 %d 个“%s”（%s），请写明乡镇，如“%s%s”", len(codes), s, strings.Join(towns, "、"), firstOr(towns, ""), s)
	}
}

// township resolves a township by its code or its name.
func (l *importLookups) township(s string) (string, string) {
	if sanlian.ValidRegionCode(s) {
		r := l.regions[s]
		if r == nil || r.kind != sanlian.RegionTownship {
			return "", "乡镇代码 " + s + " 不存在"
		}
		return s, ""
	}
	if code, ok := l.townshipByName[nameKey(s)]; ok {
		return code, ""
	}
	return "", "找不到乡镇“" + s + "”，请填写乡镇全称或 12 位区划代码"
}

// unit resolves a unit by its exact name.
func (l *importLookups) unit(s string) (int64, string) {
	if id, ok := l.unitByName[nameKey(s)]; ok {
		return id, ""
	}
	return 0, "找不到单位“" + s + "”，请填写系统中单位的全称"
}

// anyCadre lets any cadre of the county be found when none of the units
// named has one of that name.
func anyCadre(*importCadre) bool { return true }

// countyLeader lets a county leader be found outside the units named.
func countyLeader(c *importCadre) bool { return c.isLeader }

// cadre resolves a cadre by name: among the cadres of units when one of
// them has the name, else among those of the county that fallback allows
// (none when fallback is nil). rule says whom the column takes, for the
// message when nobody fits.
func (l *importLookups) cadre(name string, units map[int64]bool, fallback func(*importCadre) bool, rule string) (int64, string) {
	ids := l.cadresByName[nameKey(name)]
	var mine []int64
	for _, id := range ids {
		if units[l.cadres[id].unitID] {
			mine = append(mine, id)
		}
	}
	if len(mine) > 1 {
		return 0, fmt.Sprintf("%s中有 %d 名干部叫“%s”（%s），无法区分，请先在系统中修改姓名以示区别",
			l.unitNames(units), len(mine), name, l.cadreUnits(mine))
	}
	if len(mine) == 1 {
		return mine[0], ""
	}
	var other []int64
	if fallback != nil {
		for _, id := range ids {
			if fallback(l.cadres[id]) {
				other = append(other, id)
			}
		}
	}
	switch {
	case len(other) == 1:
		return other[0], ""
	case len(other) > 1:
		return 0, fmt.Sprintf("全县有 %d 名干部叫“%s”（%s），请注明其所在单位", len(other), name, l.cadreUnits(other))
	case len(units) > 0 && rule != "":
		return 0, fmt.Sprintf("%s中没有名为“%s”的干部，%s", l.unitNames(units), name, rule)
	}
	return 0, "找不到名为“" + name + "”的干部"
}

// cadreUnits names the units of cadres ids.
func (l *importLookups) cadreUnits(ids []int64) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = l.unitName(l.cadres[id].unitID)
	}
	return strings.Join(names, "、")
}

// unitNames names a set of units by its top unit: the unit itself, or
// "X（含下属单位）".
func (l *importLookups) unitNames(units map[int64]bool) string {
	var top int64
	for id := range units {
		if u := l.units[id]; u != nil && !units[u.parent] {
			top = id
		}
	}
	if len(units) > 1 {
		return l.unitName(top) + "（含下属单位）"
	}
	return l.unitName(top)
}

// one is the set of a single unit.
func one(unit int64) map[int64]bool {
	if unit == 0 {
		return nil
	}
	return map[int64]bool{unit: true}
}

// tree is a unit and its sub-units, at any depth.
func (l *importLookups) tree(unit int64) map[int64]bool {
	if unit == 0 {
		return nil
	}
	if l.children == nil {
		l.children = map[int64][]int64{}
		for _, u := range l.units {
			if u.parent != 0 {
				l.children[u.parent] = append(l.children[u.parent], u.id)
			}
		}
	}
	out := map[int64]bool{}
	var walk func(int64)
	walk = func(id int64) {
		if out[id] {
			return
		}
		out[id] = true
		for _, c := range l.children[id] {
			walk(c)
		}
	}
	walk(unit)
	return out
}

func (l *importLookups) unitName(id int64) string {
	if u := l.units[id]; u != nil {
		return u.name
	}
	return fmt.Sprintf("单位 %d", id)
}

// category resolves a problem category by code or name.
func (l *importLookups) category(s string) (string, string) {
	if code, ok := l.categories[s]; ok {
		return code, ""
	}
	if code, ok := l.categories[nameKey(s)]; ok {
		return code, ""
	}
	return "", "找不到类别“" + s + "”，请填写问题类别的名称（如 就业创业）或代码"
}

func firstOr(xs []string, def string) string {
	if len(xs) == 0 {
		return def
	}
	return xs[0]
}

// idKey18 is a checked resident ID number as a compact map key.
type idKey18 [18]byte

func idKeyOf(s string) (idKey18, bool) {
	var k idKey18
	if len(s) != len(k) {
		return k, false
	}
	copy(k[:], s)
	return k, true
}

// idBlindIndexes maps the blind index of each of the file's ID numbers
// back to it: households' ID numbers are sealed, so they are matched by
// their blind index (id_number_bi).
func (db *ListStore) idBlindIndexes(keys iter.Seq[idKey18]) map[string]idKey18 {
	out := map[string]idKey18{}
	for k := range keys {
		out[db.index(seal.IDNumber, string(k[:]))] = k
	}
	return out
}

// scanIDNumbers streams the households with an id above after whose ID
// number's blind index is in want, handing each to fn with the file's ID
// number; it returns the highest id seen.
func scanIDNumbers(q querier, after int64, want map[string]idKey18, fn func(id int64, idNumber idKey18, village string)) (int64, error) {
	maxID := after
	err := eachRow(q, `SELECT id, id_number_bi, village_code FROM households WHERE id > ? AND id_number_bi <> ''`, []any{after}, func(sc scanner) error {
		var id int64
		var bi, village string
		if err := sc.Scan(&id, &bi, &village); err != nil {
			return err
		}
		maxID = max(maxID, id)
		if k, ok := want[bi]; ok {
			fn(id, k, village)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("scan households: %w", err)
	}
	return maxID, nil
}

// lineMark is a first line in a map of the file's keys, with bit 30 set
// once its duplicate has been reported on it (and bit 29 for the
// households' markRegistered).
type lineMark int32

func (m lineMark) line() int        { return int(m &^ (3 << 29)) }
func (m lineMark) reported() bool   { return m&(1<<30) != 0 }
func (m lineMark) report() lineMark { return m | 1<<30 }

// dupLine records key's line in seen and reports a duplicate on both rows:
// the current one, and the first one (once). It returns false for a
// duplicate.
func dupLine[K comparable](r *importRun, seen map[K]lineMark, key K, col, what string) bool {
	m, ok := seen[key]
	if !ok {
		seen[key] = lineMark(r.line)
		return true
	}
	if m.line() == r.line { // the writing pass meets the line it recorded
		return true
	}
	r.fail(col, fmt.Sprintf("与第 %d 行的%s重复", m.line(), what))
	if !m.reported() {
		r.failAt(m.line(), col, fmt.Sprintf("与第 %d 行的%s重复", r.line, what))
		seen[key] = m.report()
	}
	return false
}
