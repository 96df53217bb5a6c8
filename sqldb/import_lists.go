package sqldb

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// The imports of the three lists (problems, projects, responsibilities)
// and of volunteer activities.

// problemImport enters a county's historical ledger. A problem keeps the
// number of the file, or takes the next running number of the year it was
// registered in; the counters move past the numbers the file brings, so
// that later problems never draw one of them. Each problem gets an
// "import" entry on its timeline saying where it came from. Dates the file
// does not carry (accepted, resolved, closed) are left empty rather than
// invented; a problem with a unit counts as assigned on the day it was
// registered.
type problemImport struct {
	seen    map[string]lineMark // the file's numbers
	yearMax map[int]int         // per year, the highest running number of the county's form in the file
	prefix  string              // the county's short name, as numbers begin
	today   string
	years   map[int]bool // counters made sure of in the writing pass
	fts     [][]any
	reps    [][]any
}

func (*problemImport) officeOnly() bool { return true }
func (*problemImport) needs() lookupNeed {
	return needRegions | needUnits | needCadres | needCategories
}

var problemNumberRE = regexp.MustCompile(`^(.+)-([0-9]{4})-([0-9]{1,9})$`)

func (p *problemImport) begin(r *importRun) error {
	p.prefix = "问题"
	for _, reg := range r.look.regions {
		if reg.kind == sanlian.RegionCounty {
			p.prefix = countyShortName(reg.name)
		}
	}
	p.today = r.db.Now().In(sanlian.Shanghai).Format("2006-01-02")
	if r.tx == nil {
		p.seen, p.yearMax = map[string]lineMark{}, map[int]int{}
		return nil
	}
	p.years, p.fts, p.reps = map[int]bool{}, nil, nil
	if err := p.checkNumbers(r); err != nil {
		return err
	}
	for y, n := range p.yearMax {
		if err := p.counter(r.tx, y); err != nil {
			return err
		}
		if _, err := r.tx.exec(`UPDATE problem_counters SET last = CASE WHEN last < ? THEN ? ELSE last END WHERE year = ?`, n, n, y); err != nil {
			return fmt.Errorf("import problems: counter %d: %w", y, err)
		}
	}
	return nil
}

// counter makes sure the running-number counter of year exists.
func (p *problemImport) counter(tx *Tx, year int) error {
	if p.years[year] {
		return nil
	}
	if _, err := tx.exec(`INSERT INTO problem_counters (year, last) VALUES (?, 0) ON CONFLICT (year) DO NOTHING`, year); err != nil {
		return fmt.Errorf("import problems: counter %d: %w", year, err)
	}
	p.years[year] = true
	return nil
}

// checkNumbers looks the file's numbers up in the ledger, 500 at a time
// on its unique index.
func (p *problemImport) checkNumbers(r *importRun) error {
	nums := make([]string, 0, len(p.seen))
	for n := range p.seen {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for start := 0; start < len(nums); start += 500 {
		batch := nums[start:min(start+500, len(nums))]
		err := eachRow(r.q, `SELECT number FROM problems WHERE `+inList("number", len(batch)), strArgs(batch), func(sc scanner) error {
			var n string
			if err := sc.Scan(&n); err != nil {
				return err
			}
			r.failAt(p.seen[n].line(), "number", "编号 "+n+" 的问题已在问题清单中")
			return nil
		})
		if err != nil {
			return fmt.Errorf("import problems: numbers: %w", err)
		}
	}
	return nil
}

// problemLookups finds what a line of the problem import names.
type problemLookups struct{ l *importLookups }

func (p problemLookups) Category(s string) (string, string)        { return p.l.category(s) }
func (p problemLookups) Village(s string) (string, string, string) { return p.l.village(s) }
func (p problemLookups) Unit(s string) (int64, string)             { return p.l.unit(s) }
func (p problemLookups) UnitCadre(s string, unit int64) (int64, string) {
	return p.l.cadre(s, one(unit), nil, "责任人须为责任单位的干部")
}

func (p *problemImport) row(r *importRun, v map[string]string) error {
	l, errs := sanlian.CheckProblemLine(v, problemLookups{&r.look}, p.today)
	r.failAll(errs)
	if l.Number != "" {
		if !dupLine(r, p.seen, l.Number, "number", "编号") {
			return nil
		}
		if m := problemNumberRE.FindStringSubmatch(l.Number); m != nil && m[1] == p.prefix && r.tx == nil {
			y, _ := strconv.Atoi(m[2])
			n, err := strconv.Atoi(m[3])
			if err == nil {
				p.yearMax[y] = max(p.yearMax[y], n)
			}
		}
	}
	if !r.writing() || !r.rowOK() || l.Created.IsZero() {
		return nil
	}
	return p.write(r, l)
}

// write enters a checked line: a problem still waiting for the office
// enters its queue now, on the dispatch clock of its source.
func (p *problemImport) write(r *importRun, l *sanlian.ProblemLine) error {
	tx, in := r.tx, &l.Input
	number := l.Number
	if number == "" {
		year := l.Created.Year()
		if err := p.counter(tx, year); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`UPDATE problem_counters SET last = last + 1 WHERE year = ? RETURNING last`, year).Scan(&n); err != nil {
			return fmt.Errorf("import problems: number: %w", err)
		}
		number = fmt.Sprintf("%s-%d-%06d", p.prefix, year, n)
	}
	var assignDue time.Time
	var provisional bool
	if l.State == sanlian.StateSubmitted {
		d, prov, err := r.db.Problems.assignDueFor(tx, in.Source)
		if err != nil {
			return err
		}
		assignDue, provisional = d, prov
	}
	pr := in.Problem() // the line's state, owner and history on top of what it enters
	pr.Number, pr.State, pr.TownshipCode, pr.UnitID, pr.PersonID = number, l.State, l.Township, l.UnitID, l.PersonID
	pr.CreatedBy, pr.AssignedAt, pr.ResolveDue, pr.CreatedAt, pr.UpdatedAt = r.s.user.ID, l.AssignedAt, l.Due, l.At, tx.now
	pr.Measures, pr.Result, pr.RejectReason = l.Measures, l.Result, l.RejectReason
	pr.AssignDue, pr.DueProvisional = assignDue, provisional
	id, err := r.db.Problems.insertProblem(tx, pr, problemOrigin{}, &p.fts)
	if err != nil {
		return fmt.Errorf("import problem line %d: %w", r.line, err)
	}
	r.createdID(id)
	if in.ReporterName != "" || in.ReporterPhone != "" {
		p.reps = append(p.reps, []any{id, in.ReporterName, r.db.seal(in.ReporterPhone, aadReportersPhone), in.Source, l.At.UTC()})
	}
	note := fmt.Sprintf("从问题清单导入（第 %d 行）", r.line)
	if l.Leader != "" {
		note += "，责任领导：" + l.Leader
	}
	ch := changes{"number": {nil, number}, "state": {nil, l.State}, "created": {nil, l.Created.Format("2006-01-02")}}
	if !assignDue.IsZero() {
		ch["assign_due"] = [2]any{nil, fmtDue(assignDue)}
	}
	if err := problemEvent(tx, id, sanlian.ActionImport, note, "", l.State, ch); err != nil {
		return err
	}
	if err := tagOnEntry(tx, id, l.At, in.Category, in.Title, in.Description); err != nil { // 每月一题
		return err
	}
	if l.State == sanlian.StateSubmitted {
		if err := r.db.Problems.routeOnEntry(tx, id, in.Category, in.VillageCode, l.Township); err != nil {
			return err
		}
	}
	if len(p.fts)+len(p.reps) >= importFlushRows {
		return p.flush(r)
	}
	return nil
}

func (p *problemImport) flush(r *importRun) error {
	if err := bulkInsert(r.tx, "problem_fts", []string{"rowid", "tokens"}, p.fts); err != nil {
		return err
	}
	if err := bulkInsert(r.tx, "problem_reporters", []string{"problem_id", "name", "phone", "source", "created_at"}, p.reps); err != nil {
		return err
	}
	p.fts, p.reps = p.fts[:0], p.reps[:0]
	return nil
}

func (p *problemImport) end(r *importRun) error {
	if r.tx == nil {
		return p.checkNumbers(r)
	}
	if !r.writing() {
		return nil
	}
	return p.flush(r)
}

// projectImport adds service projects with the rules of CreateProject:
// the unit in the caller's reach, a parent of the same unit at most three
// levels deep (a project of the database, or one earlier in the file), a
// responsible person of the unit or its sub-units, a leader of those or a
// county leader, an active category. Titles are unique within a unit,
// since parents and a responsibility's source are named by title.
//
// Progress follows the project service: done over target; without a
// target the percentage the 进展情况 gives (the lists workbook writes
// "进度 40%"); 100 once done; a parent's is the rollup of its children,
// recomputed by the service's own rollUp. The service keeps done as the
// sum of a project's progress entries (plus its sub-projects' of the same
// measure word), so a quantity or percentage the file brings is kept as
// one opening entry dated the project's start (today for one starting
// later), noted as imported; a parent's entry holds only what its
// sub-projects in the file do not account for. The last progress date
// stays empty, as for a project nobody has reported on yet: a project is
// not made to look freshly reported by being imported.
type projectImport struct {
	seen     map[string]lineMark     // unit|title of the file
	existing map[string]int64        // unit|title → id in the database
	depth    map[int64]int           // level of each project: 1 at the top
	titles   map[string]*projectLine // unit|title of the file read so far
	today    string
	ids      idSeq
	lines    []*projectLine
}

// projectLine is a checked row of the file.
type projectLine struct {
	id, parentFile  int64 // ids (0 while checking); parentFile is a parent in the file
	in              sanlian.ProjectInput
	done            int64
	percent         int // -1 when the file gives none
	depth           int
	childDone       int64 // the done of sub-projects in the file counted in its measure
	hasFileChildren bool
}

func (*projectImport) officeOnly() bool { return false }
func (*projectImport) needs() lookupNeed {
	return needUnits | needCadres | needCategories
}

func (p *projectImport) begin(r *importRun) error {
	if r.tx == nil {
		p.seen = map[string]lineMark{}
	}
	p.existing, p.depth, p.titles, p.lines = map[string]int64{}, map[int64]int{}, map[string]*projectLine{}, nil
	p.ids, p.today = idSeq{table: "projects"}, r.db.Now().In(sanlian.Shanghai).Format("2006-01-02")
	parent := map[int64]int64{}
	err := eachRow(r.q, `SELECT id, COALESCE(parent_id, 0), unit_id, title FROM projects`, nil, func(sc scanner) error {
		var id, up, unit int64
		var title string
		if err := sc.Scan(&id, &up, &unit, &title); err != nil {
			return err
		}
		p.existing[fmt.Sprint(unit, "|", foldKey(title))], parent[id] = id, up
		return nil
	})
	if err != nil {
		return fmt.Errorf("import projects: %w", err)
	}
	for id := range parent {
		d := 1
		for up := parent[id]; up != 0 && d <= maxProjectDepth; up = parent[up] {
			d++
		}
		p.depth[id] = d
	}
	return nil
}

// projectLookups finds what a line of the project import names, and
// keeps the parent it found earlier in the file.
type projectLookups struct {
	r      *importRun
	p      *projectImport
	parent *projectLine
}

func (x *projectLookups) Unit(s string) (int64, string)      { return x.r.look.unit(s) }
func (x *projectLookups) InScope(unit int64) bool            { return x.r.s.hasUnit(unit) }
func (x *projectLookups) Category(s string) (string, string) { return x.r.look.category(s) }
func (x *projectLookups) CategoryActive(code string) bool    { return !x.r.look.inactive[code] }
func (x *projectLookups) TreeCadre(s string, unit int64, leaders bool, rule string) (int64, string) {
	fallback := (func(*importCadre) bool)(nil)
	if leaders {
		fallback = countyLeader
	}
	return x.r.look.cadre(s, x.r.look.tree(unit), fallback, rule)
}
func (x *projectLookups) Project(title string, unit int64) (int64, int, bool) {
	pk := fmt.Sprint(unit, "|", foldKey(title))
	if id, ok := x.p.existing[pk]; ok {
		return id, x.p.depth[id], true
	}
	if fl, ok := x.p.titles[pk]; ok {
		x.parent = fl
		return 0, fl.depth, true
	}
	return 0, 0, false
}

func (p *projectImport) row(r *importRun, v map[string]string) error {
	look := &projectLookups{r: r, p: p}
	c, errs := sanlian.CheckProjectLine(v, look)
	r.failAll(errs)
	l := &projectLine{in: c.Input, done: c.Done, percent: c.Percent, depth: c.Level}
	in := &l.in
	key := fmt.Sprint(in.UnitID, "|", foldKey(v["title"]))
	if in.UnitID != 0 && in.Title != "" {
		if _, ok := p.existing[key]; ok {
			r.fail("title", "本单位已有名为“"+in.Title+"”的项目")
		} else {
			dupLine(r, p.seen, key, "title", "项目名称（同一单位）")
		}
		if _, ok := p.titles[key]; !ok {
			p.titles[key] = l
		}
	}
	if !r.writing() || !r.rowOK() {
		return nil
	}
	id, err := p.ids.take(r.tx)
	if err != nil {
		return err
	}
	l.id, p.titles[key] = id, l
	if parent := look.parent; parent != nil && in.ParentID == 0 {
		in.ParentID, l.parentFile = parent.id, parent.id
		parent.hasFileChildren = true
		if parent.in.Measure != "" && parent.in.Measure == in.Measure {
			parent.childDone += l.done
		}
	}
	p.lines = append(p.lines, l)
	r.createdID(id)
	return nil
}

func (p *projectImport) end(r *importRun) error {
	if !r.writing() {
		return nil
	}
	tx := r.tx
	var rows, entries [][]any
	parents := map[int64]bool{}
	for _, l := range p.lines {
		in := &l.in
		own := l.done
		if l.hasFileChildren {
			own = max(0, l.done-l.childDone)
		}
		progress := 0
		switch {
		case in.Status == sanlian.ProjectDone:
			progress = 100
		case in.Target > 0:
			progress = int(min(100, l.done*100/in.Target))
		case l.percent >= 0:
			progress = l.percent
		}
		rows = append(rows, []any{l.id, nullInt(in.ParentID), in.UnitID, in.Title, in.Category, in.Description, in.Target, in.Measure, own,
			in.Beneficiaries, in.StartDate, in.EndDate, nullInt(in.LeaderID), nullInt(in.PersonID), in.Status, progress, in.Weight, in.Rollup,
			nullInt(r.s.user.ID), tx.now, tx.now})
		percent := -1
		if in.Target == 0 && !l.hasFileChildren {
			percent = l.percent
		}
		if own > 0 || percent >= 0 {
			date := in.StartDate
			if date > p.today {
				date = p.today
			}
			note := "导入时的完成情况"
			switch {
			case own > 0 && in.Measure != "":
				note += fmt.Sprintf("：已完成 %d %s", own, in.Measure)
			case percent >= 0:
				note += fmt.Sprintf("：进度 %d%%", percent)
			}
			entries = append(entries, []any{l.id, date, own, percent, note, nullInt(r.s.user.ID), tx.now})
		}
		if in.ParentID != 0 {
			parents[in.ParentID] = true
		}
	}
	// One call, in file order: a parent is always written before its children.
	if err := bulkInsert(tx, "projects", []string{"id", "parent_id", "unit_id", "title", "category", "description", "target", "measure", "done",
		"beneficiaries", "start_date", "end_date", "leader_id", "person_id", "status", "progress", "weight", "rollup",
		"created_by", "created_at", "updated_at"}, rows); err != nil {
		return err
	}
	if err := bulkInsert(tx, "project_progress", []string{"project_id", "date", "quantity", "percent", "note", "created_by", "created_at"},
		entries); err != nil {
		return err
	}
	// Every call recomputes up to the top, so each ancestor is recomputed
	// after the last of its children.
	ids := make([]int64, 0, len(parents))
	for id := range parents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := rollUp(tx, id, false); err != nil {
			return err
		}
	}
	return nil
}

// respImport enters responsibilities with the rules of
// CreateResponsibility. A line of a unit's three-lists workbook that
// mirrors a problem assigned to that unit or one of its projects (source
// 问题清单 or 项目清单, source_ref naming it, the task its title) is derived
// when the list is read, so it is skipped rather than stored twice;
// another line naming the unit's own problem or project is refused as the
// service refuses it. A project is named by its title: the unit's own, or
// the only one of that title in the county. Which lines are derived is
// known only once the problems and projects named are looked up, so the
// rows are kept and checked at the end of the file (a responsibility list
// is a few thousand lines at most).
type respImport struct {
	lines []respLine
	ids   idSeq
	rows  [][]any

	// Dispatch decisions: the months of those recorded, and those the
	// lines name with their meeting's month that are not, to record.
	decided   map[int64]string
	decisions [][]any
}

type respLine struct {
	line   int
	values map[string]string
	cell   []sanlian.RowError
}

func (*respImport) officeOnly() bool  { return false }
func (*respImport) needs() lookupNeed { return needUnits | needCadres }
func (*respImport) defersRows()       {}

func (p *respImport) begin(r *importRun) error {
	p.lines, p.ids, p.rows = nil, idSeq{table: "responsibilities"}, nil
	p.decided, p.decisions = map[int64]string{}, nil
	return nil
}

func (p *respImport) row(r *importRun, v map[string]string) error {
	p.lines = append(p.lines, respLine{line: r.line, values: maps.Clone(v), cell: r.cell})
	return nil
}

func (p *respImport) end(r *importRun) error {
	// The problems named, by number, 500 at a time on the unique index;
	// the projects by title.
	problems := map[string]sanlian.RespSourceItem{}
	var numbers []string
	for _, l := range p.lines {
		if l.values["source"] == sanlian.RespProblem && l.values["source_ref"] != "" {
			numbers = append(numbers, l.values["source_ref"])
		}
	}
	slices.Sort(numbers)
	numbers = slices.Compact(numbers)
	for start := 0; start < len(numbers); start += 500 {
		batch := numbers[start:min(start+500, len(numbers))]
		err := eachRow(r.q, `SELECT id, number, COALESCE(unit_id, 0), title, state, resolve_due IS NOT NULL FROM problems WHERE `+
			inList("number", len(batch)), strArgs(batch), func(sc scanner) error {
			var x sanlian.RespSourceItem
			var n, state string
			var due bool
			if err := sc.Scan(&x.ID, &n, &x.UnitID, &x.Title, &state, &due); err != nil {
				return err
			}
			x.Listed = x.UnitID != 0 && due && state != sanlian.StateRejected && state != sanlian.StateMerged
			problems[n] = x
			return nil
		})
		if err != nil {
			return fmt.Errorf("import responsibilities: problems: %w", err)
		}
	}
	projects := map[string][]sanlian.RespSourceItem{} // title → projects
	err := eachRow(r.q, `SELECT id, unit_id, title FROM projects`, nil, func(sc scanner) error {
		x := sanlian.RespSourceItem{Listed: true}
		if err := sc.Scan(&x.ID, &x.UnitID, &x.Title); err != nil {
			return err
		}
		k := foldKey(x.Title)
		projects[k] = append(projects[k], x)
		return nil
	})
	if err != nil {
		return fmt.Errorf("import responsibilities: projects: %w", err)
	}
	err = eachRow(r.q, `SELECT id, month FROM dispatch_decisions`, nil, func(sc scanner) error {
		var id int64
		var month string
		if err := sc.Scan(&id, &month); err != nil {
			return err
		}
		p.decided[id] = month
		return nil
	})
	if err != nil {
		return fmt.Errorf("import responsibilities: dispatch decisions: %w", err)
	}
	for _, l := range p.lines {
		if err := p.check(r, l, respLookups{r, p, problems, projects}); err != nil {
			return err
		}
	}
	if !r.writing() {
		return nil
	}
	err = bulkInsert(r.tx, "responsibilities", []string{"id", "unit_id", "task", "source", "source_id", "leader_id", "person_id", "measures",
		"deadline", "state", "completion_note", "created_by", "created_at", "updated_at"}, p.rows)
	if err != nil || len(p.decisions) == 0 {
		return err
	}
	// A decision named with its meeting's month and not on record is
	// recorded as the meeting took it, under its own number.
	err = bulkInsert(r.tx, "dispatch_decisions", []string{"id", "month", "text", "unit_id", "person_id", "leader_id", "deadline",
		"responsibility_id", "created_by", "created_at"}, p.decisions)
	if err == nil && r.tx.db.Dialect == Postgres {
		_, err = r.tx.exec(`SELECT setval(pg_get_serial_sequence('dispatch_decisions', 'id'), (SELECT MAX(id) FROM dispatch_decisions))`)
	}
	return err
}

// respLookups finds what a line of the responsibility import names: the
// problems it names by number, the projects by title.
type respLookups struct {
	r        *importRun
	p        *respImport
	problems map[string]sanlian.RespSourceItem
	projects map[string][]sanlian.RespSourceItem
}

func (x respLookups) Unit(s string) (int64, string) { return x.r.look.unit(s) }
func (x respLookups) InScope(unit int64) bool       { return x.r.s.hasUnit(unit) }
func (x respLookups) TreeCadre(s string, unit int64) (int64, string) {
	return x.r.look.cadre(s, x.r.look.tree(unit), anyCadre, "")
}
func (x respLookups) Problem(number string) (sanlian.RespSourceItem, bool) {
	p, ok := x.problems[number]
	return p, ok
}
func (x respLookups) Decision(id int64) (string, bool) {
	month, ok := x.p.decided[id]
	return month, ok
}

// Project finds the project a line names: the unit's own of that title,
// else the only one of that title in the county.
func (x respLookups) Project(title string, unit int64) (sanlian.RespSourceItem, string) {
	all := x.projects[foldKey(title)]
	for _, p := range all {
		if p.UnitID == unit {
			return p, ""
		}
	}
	switch len(all) {
	case 0:
		return sanlian.RespSourceItem{}, "找不到名为“" + title + "”的项目"
	case 1:
		return all[0], ""
	}
	names := make([]string, len(all))
	for i, p := range all {
		names[i] = x.r.look.unitName(p.UnitID)
	}
	return sanlian.RespSourceItem{}, fmt.Sprintf("全县有 %d 个名为“%s”的项目（%s），无法确定是哪一个", len(all), title, strings.Join(names, "、"))
}

// check checks one kept line, skips it when derived, stages it otherwise.
func (p *respImport) check(r *importRun, l respLine, look respLookups) error {
	c, errs := sanlian.CheckResponsibilityLine(l.values, look)
	if c.Derived {
		r.skipped++
		return nil
	}
	r.startRow(l.line, l.values, l.cell)
	r.failAll(errs)
	in := &c.Input
	if c.Decision != "" {
		p.decided[in.SourceID] = c.Decision
	}
	if !r.writing() || !r.rowOK() {
		return nil
	}
	id, err := p.ids.take(r.tx)
	if err != nil {
		return err
	}
	now := r.tx.now
	p.rows = append(p.rows, []any{id, in.UnitID, in.Task, in.Source, nullInt(in.SourceID), nullInt(in.LeaderID), nullInt(in.PersonID),
		in.Measures, in.Deadline, in.State, in.CompletionNote, nullInt(r.s.user.ID), now, now})
	if c.Decision != "" {
		p.decisions = append(p.decisions, []any{in.SourceID, c.Decision, in.Task, in.UnitID, in.PersonID, nullInt(in.LeaderID), in.Deadline,
			id, nullInt(r.s.user.ID), now})
	}
	r.createdID(id)
	return nil
}

// foldKey is sanlian.FoldTitle: titles compared as cells read.
func foldKey(s string) string { return sanlian.FoldTitle(s) }

// activityImport records volunteer activities with the rights of
// CreateActivity: the office for any unit, a unit admin for its units.
type activityImport struct {
	today string
	ids   idSeq
	rows  [][]any
	vols  [][]any
}

func (*activityImport) officeOnly() bool { return false }
func (*activityImport) needs() lookupNeed {
	return needRegions | needUnits | needCadres | needActivityTypes
}

func (a *activityImport) begin(r *importRun) error {
	a.today = r.db.Now().In(sanlian.Shanghai).Format("2006-01-02")
	a.ids, a.rows, a.vols = idSeq{table: "activities"}, nil, nil
	return nil
}

// activityLookups finds what a line of the activity import names.
type activityLookups struct{ r *importRun }

func (x activityLookups) Village(s string) (string, string, string) { return x.r.look.village(s) }
func (x activityLookups) Unit(s string) (int64, string)             { return x.r.look.unit(s) }
func (x activityLookups) InScope(unit int64) bool                   { return x.r.s.hasUnit(unit) }
func (x activityLookups) Volunteer(s string, unit int64) (int64, string) {
	return x.r.look.cadre(s, one(unit), anyCadre, "")
}
func (x activityLookups) ActivityType(s string) *sanlian.ActivityType {
	if t := x.r.look.activityTypes[s]; t != nil {
		return t
	}
	return x.r.look.activityTypes[nameKey(s)]
}

func (a *activityImport) row(r *importRun, v map[string]string) error {
	l, errs := sanlian.CheckActivityLine(v, activityLookups{r}, a.today)
	r.failAll(errs)
	in, township := &l.Input, l.Township
	if !r.writing() || !r.rowOK() {
		return nil
	}
	id, err := a.ids.take(r.tx)
	if err != nil {
		return err
	}
	now := r.tx.now
	a.rows = append(a.rows, []any{id, in.Type, in.Date, in.VillageCode, nullStr(township), in.UnitID, in.Others, in.Served, in.Description,
		nullInt(r.s.user.ID), now, now})
	for _, c := range in.Volunteers {
		a.vols = append(a.vols, []any{id, c})
	}
	r.createdID(id)
	if len(a.rows) >= importFlushRows {
		return a.flush(r)
	}
	return nil
}

func (a *activityImport) flush(r *importRun) error {
	if err := bulkInsert(r.tx, "activities", []string{"id", "type", "date", "village_code", "township_code", "unit_id", "others", "served",
		"description", "created_by", "created_at", "updated_at"}, a.rows); err != nil {
		return err
	}
	if err := bulkInsert(r.tx, "activity_volunteers", []string{"activity_id", "cadre_id"}, a.vols); err != nil {
		return err
	}
	a.rows, a.vols = a.rows[:0], a.vols[:0]
	return nil
}

func (a *activityImport) end(r *importRun) error {
	if !r.writing() {
		return nil
	}
	return a.flush(r)
}
