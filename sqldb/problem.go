package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"sanlian"
)

// timeDst scans a nullable timestamp into a time.Time (zero for NULL).
type timeDst struct{ t *time.Time }

func (d timeDst) Scan(v any) error {
	var nt sql.NullTime
	if err := nt.Scan(v); err != nil {
		return err
	}
	*d.t = time.Time{}
	if nt.Valid {
		*d.t = nt.Time
	}
	return nil
}

// problems adds the condition limiting problems aliased p (SPEC §6): the
// office sees all; a leader the linked townships; a unit admin what its
// units own, entered or co-handle; a cadre what is assigned to them, what
// they entered, what concerns their linked households, and what their
// unit co-handles, since any cadre of a co-unit may record its part.
func (s *scope) problems(w *where) error {
	if err := s.personal(); err != nil {
		return err
	}
	switch {
	case s.all:
	case s.role() == sanlian.RoleLeader:
		w.add(inList("p.township_code", len(s.townships)), strArgs(s.townships)...)
	case s.role() == sanlian.RoleUnitAdmin:
		n := len(s.unitIDs)
		w.add("("+inList("p.unit_id", n)+" OR "+inList("p.created_unit_id", n)+" OR "+coUnitCond(n)+")",
			append(append(int64s(s.unitIDs), int64s(s.unitIDs)...), int64s(s.unitIDs)...)...)
	case s.role() == sanlian.RoleCadre:
		w.add(`(p.person_id = ? OR p.created_cadre_id = ? OR p.household_id IN (SELECT household_id FROM links
			WHERE kind = 'household' AND ended_at IS NULL AND cadre_id = ?)
			OR p.id IN (SELECT problem_id FROM problem_co_units WHERE unit_id = (SELECT unit_id FROM cadres WHERE id = ?)))`,
			s.cadreID, s.cadreID, s.cadreID, s.cadreID)
	default:
		w.add("1 = 0")
	}
	return nil
}

// CreateProblem implements sanlian.ProblemService.
func (db *ProblemStore) CreateProblem(ctx context.Context, in *sanlian.ProblemInput) (*sanlian.Problem, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	return db.enter(ctx, in) // problem_batch.go
}

// createProblem enters a validated problem inside tx, from a visit when
// visitID is set, and returns its id.
func (db *ProblemStore) createProblem(tx *Tx, s *scope, in *sanlian.ProblemInput, visitID int64) (int64, error) {
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleUnitAdmin, sanlian.RoleCadre:
	case sanlian.RoleLeader:
		if visitID == 0 { // a leader enters what they hear on their own visits
			return 0, errForbidden("县级领导在联系乡镇调研时登记问题")
		}
	case sanlian.RolePublic: // the people's side, for itself only
		if visitID != 0 || in.HouseholdID != 0 || !slices.Contains(sanlian.PublicSources, in.Source) {
			return 0, errForbidden("群众提交的问题只能来自门户、微信或对接平台")
		}
	default:
		return 0, errForbidden("您的角色不能登记问题")
	}
	// The category, the village and the county's name in one round trip:
	// a NULL is an absent row.
	var active sql.NullBool
	var kind, parent, village, county sql.NullString
	err := tx.queryRow(`SELECT (SELECT active FROM categories WHERE code = ?), (SELECT kind FROM regions WHERE code = ?),
		(SELECT COALESCE(parent_code, '') FROM regions WHERE code = ?), (SELECT name FROM regions WHERE code = ?),
		(SELECT name FROM regions WHERE kind = 'county' ORDER BY code LIMIT 1)`,
		in.Category, in.VillageCode, in.VillageCode, in.VillageCode).Scan(&active, &kind, &parent, &village, &county)
	if err != nil {
		return 0, fmt.Errorf("create problem: %w", err)
	}
	if !active.Bool {
		return 0, sanlian.FieldErrors(map[string]string{"category": "问题类别不存在或已停用"})
	}
	if kind.String != sanlian.RegionVillage {
		return 0, sanlian.FieldErrors(map[string]string{"village": "村(社区)代码 " + in.VillageCode + " 不存在"})
	}
	township := parent.String
	if in.HouseholdID != 0 {
		h, err := db.Org.findHousehold(tx, s, in.HouseholdID)
		if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
			return 0, sanlian.FieldErrors(map[string]string{"household_id": "农户不存在或不在您的联系范围内"})
		} else if err != nil {
			return 0, err
		}
		if h.VillageCode != in.VillageCode {
			return 0, sanlian.FieldErrors(map[string]string{"household_id": "该农户不在所选村(社区)"})
		}
	}
	var unitID, cadreID int64
	if s.role() == sanlian.RoleUnitAdmin {
		unitID = s.user.UnitID
	}
	if s.user.CadreID != 0 {
		cadreID = s.user.CadreID
		if unitID == 0 {
			_ = tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, cadreID).Scan(&unitID)
		}
	}
	assignDue, provisional, err := db.assignDueFor(tx, in.Source)
	if err != nil {
		return 0, err
	}
	number, err := nextProblemNumber(tx, county.String)
	if err != nil {
		return 0, err
	}
	p := in.Problem()
	p.Number, p.TownshipCode, p.CreatedBy, p.CreatedAt, p.UpdatedAt = number, township, s.user.ID, tx.now, tx.now
	p.AssignDue, p.DueProvisional = assignDue, provisional
	id, err := db.insertProblem(tx, p, problemOrigin{unitID: unitID, cadreID: cadreID, visitID: visitID}, nil)
	if err != nil {
		return 0, fmt.Errorf("create problem: %w", err)
	}
	p.ID = id
	defer tx.entering(p)() // its timeline is the events written below
	if in.ReporterName != "" || in.ReporterPhone != "" || in.HouseholdID != 0 {
		if _, err := tx.exec(`INSERT INTO problem_reporters (problem_id, name, phone, household_id, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, in.ReporterName, db.seal(in.ReporterPhone, aadReportersPhone), nullInt(in.HouseholdID), in.Source, tx.now); err != nil {
			return 0, err
		}
	}
	// The dispatch deadline goes on the timeline: metrics read it there
	// once the assignment has cleared it from the problem.
	ch := changes{"number": {nil, number}, "category": {nil, in.Category}, "village": {nil, in.VillageCode},
		"source": {nil, in.Source}, "urgency": {nil, in.Urgency}, "title": {nil, in.Title}, "assign_due": {nil, fmtDue(assignDue)}}
	if visitID != 0 {
		ch["visit_id"] = [2]any{nil, visitID}
	}
	if err := problemEvent(tx, id, sanlian.ActionCreate, "", "", sanlian.StateSubmitted, ch); err != nil {
		return 0, err
	}
	if in.ReporterPhone != "" {
		ch["reporter_phone"] = [2]any{nil, sanlian.MaskPhone(in.ReporterPhone)}
	}
	if err := tx.audit("create", "problem", id, ch); err != nil {
		return 0, err
	}
	if err := problemSubmitted(tx, p, village.String); err != nil {
		return 0, err
	}
	if err := db.routeOnEntry(tx, id, in.Category, in.VillageCode, township); err != nil {
		return 0, err
	}
	if err := tagOnEntry(tx, id, tx.now, in.Category, in.Title, in.Description); err != nil { // 每月一题
		return 0, err
	}
	return id, nil
}

// nextProblemNumber takes the county's next running number for this year,
// e.g. 安化-2021-000123, county being the county's name ("": 问题-2021-…).
// One statement creates the year's counter or counts on: the row stays
// locked until the transaction ends, so the statement comes as late as the
// entry allows.
func nextProblemNumber(tx *Tx, county string) (string, error) {
	year := tx.now.In(sanlian.Shanghai).Year()
	var n int
	if err := tx.queryRow(`INSERT INTO problem_counters (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = problem_counters.last + 1 RETURNING last`, year).Scan(&n); err != nil {
		return "", fmt.Errorf("problem number: %w", err)
	}
	prefix := "问题"
	if county != "" {
		prefix = countyShortName(county)
	}
	return fmt.Sprintf("%s-%d-%06d", prefix, year, n), nil
}

// countyShortName drops the administrative suffix: 安化县 → 安化.
func countyShortName(name string) string {
	for _, suf := range []string{"自治县", "县", "市", "区", "旗"} {
		if strings.HasSuffix(name, suf) && utf8.RuneCountInString(name) > utf8.RuneCountInString(suf)+1 {
			return strings.TrimSuffix(name, suf)
		}
	}
	return name
}

// problemEvent appends one entry to a problem's timeline.
func problemEvent(tx *Tx, id int64, action, note, from, to string, ch changes) error {
	var actorID int64
	actor := "system"
	if u := sanlian.UserFromContext(tx.ctx); u != nil {
		actorID, actor = u.ID, u.Username
		if u.DisplayName != "" {
			actor = u.DisplayName
		}
	}
	return problemEventAs(tx, actorID, actor, id, action, note, from, to, ch)
}

// problemEventAs is problemEvent by a named actor: "system" (actorID 0)
// for what the system does on its own account.
func problemEventAs(tx *Tx, actorID int64, actor string, id int64, action, note, from, to string, ch changes) error {
	body := ""
	if len(ch) > 0 {
		b, err := jsonMarshal(ch)
		if err != nil {
			return err
		}
		body = b
	}
	_, err := tx.exec(`INSERT INTO problem_events (problem_id, action, actor_id, actor, at, note, from_state, to_state, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, action, nullInt(actorID), actor, tx.now, note, from, to, body)
	if err != nil {
		return fmt.Errorf("problem event %s: %w", action, err)
	}
	return rollupEvent(tx, id, sanlian.MetricEvent{Action: action, At: tx.now, To: to, Changes: body})
}

// FindProblemByID implements sanlian.ProblemService.
func (db *ProblemStore) FindProblemByID(ctx context.Context, id int64) (*sanlian.Problem, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	p, err := db.findProblem(q, s, id)
	if err != nil {
		return nil, err
	}
	p.MaskContacts()
	p.CoUnits, err = db.Org.coUnitsOf(q, s, id)
	return p, err
}

func (db *ProblemStore) findProblem(q querier, s *scope, id int64) (*sanlian.Problem, error) {
	w := &where{}
	if err := s.problems(w); err != nil {
		return nil, err
	}
	w.add("p.id = ?", id)
	p, err := db.scanProblem(q.queryOne(problemSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("问题")
	} else if err != nil {
		return nil, fmt.Errorf("find problem %d: %w", id, err)
	}
	p.Overdue = p.IsOverdue(db.Now())
	return p, nil
}

// overdueCond is the SQL form of Problem.IsOverdue at now; it takes now
// four times.
const overdueCond = `((p.state = 'submitted' AND p.assign_due < ?) OR (p.state = 'assigned' AND (p.accept_due < ? OR p.resolve_due < ?))
	OR (p.state = 'accepted' AND p.resolve_due < ?))`

// problemWhere builds the conditions of f (all but the cursor).
func (db *ProblemStore) problemWhere(s *scope, f sanlian.ProblemFilter, withState bool) (*where, error) {
	w := &where{}
	if err := s.problems(w); err != nil {
		return nil, err
	}
	if withState && f.State != "" {
		w.add("p.state = ?", f.State)
	}
	if withState && f.Open {
		w.add("p.state IN ("+placeholders(len(sanlian.OpenStates))+")", strArgs(sanlian.OpenStates)...)
	}
	if f.Number != "" {
		w.add("(p.number = ? OR p.number LIKE ?)", f.Number, "%-"+f.Number)
	}
	if f.Category != "" {
		w.add("p.category = ?", f.Category)
	}
	if f.Source != "" {
		w.add("p.source = ?", f.Source)
	}
	if f.TownshipCode != "" {
		w.add("p.township_code = ?", f.TownshipCode)
	}
	if f.VillageCode != "" {
		w.add("p.village_code = ?", f.VillageCode)
	}
	if f.UnitID != 0 && f.WithCoUnits {
		w.add("(p.unit_id = ? OR p.id IN (SELECT problem_id FROM problem_co_units WHERE unit_id = ?))", f.UnitID, f.UnitID)
	} else if f.UnitID != 0 {
		w.add("p.unit_id = ?", f.UnitID)
	}
	if f.PersonID != 0 {
		w.add("p.person_id = ?", f.PersonID)
	}
	if f.Mine {
		if s.user.CadreID != 0 {
			w.add("(p.person_id = ? OR p.created_by = ?)", s.user.CadreID, s.user.ID)
		} else {
			w.add("p.created_by = ?", s.user.ID)
		}
	}
	if f.Urgency != "" {
		w.add("p.urgency = ?", f.Urgency)
	}
	if f.Overdue != nil {
		now := db.Now().UTC()
		if *f.Overdue {
			w.add(overdueCond, now, now, now, now)
		} else {
			w.add("NOT "+overdueCond, now, now, now, now)
		}
	}
	if !f.DueBefore.IsZero() {
		w.add("p.state IN ('assigned', 'accepted') AND p.resolve_due < ?", f.DueBefore.UTC())
	}
	if !f.CreatedFrom.IsZero() {
		w.add("p.created_at >= ?", f.CreatedFrom.UTC())
	}
	if !f.CreatedTo.IsZero() {
		w.add("p.created_at < ?", f.CreatedTo.UTC())
	}
	if !f.ResolvedFrom.IsZero() {
		w.add("p.resolved_at >= ?", f.ResolvedFrom.UTC())
	}
	if !f.ResolvedTo.IsZero() {
		w.add("p.resolved_at < ?", f.ResolvedTo.UTC())
	}
	if f.VisitFrom != "" || f.VisitTo != "" || f.VisitCadreID != 0 || f.VisitUnitID != 0 {
		// Raised on visits in the window, counted as VisitCoverage counts
		// them: a cadre's are the visits they recorded, a unit's its own
		// village visits and its cadres' household visits.
		vw := &where{}
		if f.VisitFrom != "" {
			vw.add("pv.date >= ?", f.VisitFrom)
		}
		if f.VisitTo != "" {
			vw.add("pv.date <= ?", f.VisitTo)
		}
		if f.VisitCadreID != 0 {
			vw.add("pv.cadre_id = ?", f.VisitCadreID)
		}
		if f.VisitUnitID != 0 {
			vw.add("pv.kind <> 'township' AND (pv.unit_id = ? OR (pv.unit_id IS NULL AND pv.cadre_id IN (SELECT id FROM cadres WHERE unit_id = ?)))",
				f.VisitUnitID, f.VisitUnitID)
		}
		w.add("p.visit_id IN (SELECT pv.id FROM visits pv"+vw.sql()+")", vw.args...)
	}
	if f.Card != "" {
		// Under an open automatic card of that level (the workbenches).
		w.add("p.id IN (SELECT target_id FROM supervisions WHERE target_kind = 'problem' AND state = 'open' AND level = ?)", f.Card)
	}
	// The workbench's own-unit filters (workbench_unit.go).
	workbenchProblemWhere(s, f, w)
	if f.Q != "" {
		if utf8.RuneCountInString(f.Q) > sanlian.MaxSearch {
			return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: fmt.Sprintf("搜索词不能超过 %d 个字", sanlian.MaxSearch),
				Fields: map[string]string{"q": "搜索词过长"}}
		}
		sq, ok := sanlian.ParseSearch(f.Q)
		switch {
		case !ok:
			w.add("1 = 0") // nothing searchable: no match rather than everything
		case sq.Like != "":
			w.add("(p.title LIKE ? OR p.description LIKE ?)", "%"+sq.Like+"%", "%"+sq.Like+"%")
		case db.Dialect == Postgres:
			w.add("p.search @@ phraseto_tsquery('simple', ?)", strings.Join(sq.Phrase, " "))
		default:
			w.add(`p.id IN (SELECT rowid FROM problem_fts WHERE problem_fts MATCH ?)`, `"`+strings.Join(sq.Phrase, " ")+`"`)
		}
	}
	return w, nil
}

// byDeadline orders by the resolve deadline, soonest first.
var byDeadline = keyset{order: "p.resolve_due, p.id", after: func(key string) (string, []any, error) {
	due, id, ok := strings.Cut(key, "|")
	t, err := time.Parse(time.RFC3339Nano, due)
	var n int64
	if _, err2 := fmt.Sscan(id, &n); !ok || err != nil || err2 != nil {
		return "", nil, errBadCursor()
	}
	// A row value, so that both engines seek in the (resolve_due, id) index.
	return "(p.resolve_due, p.id) > (?, ?)", []any{t.UTC(), n}, nil
}}

// FindProblems implements sanlian.ProblemService.
func (db *ProblemStore) FindProblems(ctx context.Context, f sanlian.ProblemFilter) ([]*sanlian.Problem, string, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, "", err
	}
	w, err := db.problemWhere(s, f, true)
	if err != nil {
		return nil, "", err
	}
	ks, key := byID("p.id", true), func(p *sanlian.Problem) string { return idKey(p.ID) }
	if f.Sort == "deadline" {
		w.add("p.resolve_due IS NOT NULL")
		ks = byDeadline
		key = func(p *sanlian.Problem) string {
			return p.ResolveDue.UTC().Format(time.RFC3339Nano) + "|" + idKey(p.ID)
		}
	}
	out, next, err := readPage(ctx, db.DB, "find problems", problemSelect, w, f.Cursor, f.Limit, ks, db.scanProblem, key)
	now := db.Now()
	for _, p := range out {
		p.Overdue = p.IsOverdue(now)
		p.MaskContacts()
	}
	return out, next, err
}

// CountProblemsByState implements sanlian.ProblemService.
func (db *ProblemStore) CountProblemsByState(ctx context.Context, f sanlian.ProblemFilter) ([]sanlian.StateCount, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	w, err := db.problemWhere(s, f, false)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT p.state, COUNT(*) FROM problems p`+w.sql()+` GROUP BY p.state`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("count problems: %w", err)
	}
	defer rows.Close()
	byState := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		byState[st] = n
	}
	out := make([]sanlian.StateCount, len(sanlian.States))
	for i, st := range sanlian.States {
		out[i] = sanlian.StateCount{State: st, Count: byState[st]}
	}
	return out, rows.Err()
}

// ProblemEvents implements sanlian.ProblemService.
func (db *ProblemStore) ProblemEvents(ctx context.Context, id int64) ([]*sanlian.ProblemEvent, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if _, err := db.findProblem(q, s, id); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT id, problem_id, action, COALESCE(actor_id, 0), actor, at, note, from_state, to_state, changes
		FROM problem_events WHERE problem_id = ? OR problem_id IN (SELECT id FROM problems WHERE merged_into = ?)
		ORDER BY at, id`, id, id)
	if err != nil {
		return nil, fmt.Errorf("problem events %d: %w", id, err)
	}
	defer rows.Close()
	var out []*sanlian.ProblemEvent
	for rows.Next() {
		e := &sanlian.ProblemEvent{}
		if err := rows.Scan(&e.ID, &e.ProblemID, &e.Action, &e.ActorID, &e.Actor, &e.At, &e.Note, &e.FromState, &e.ToState, &e.Changes); err != nil {
			return nil, err
		}
		e.MaskContacts()
		out = append(out, e)
	}
	return out, rows.Err()
}

// RevealReporter implements sanlian.ProblemService.
func (db *ProblemStore) RevealReporter(ctx context.Context, id int64) (string, error) {
	var phone string
	err := db.reveal(ctx, "problem", id, "reporter_phone",
		func(tx *Tx, s *scope) error { _, err := db.findProblem(tx, s, id); return err },
		`SELECT reporter_phone FROM problems WHERE id = ?`, db.sealed(aadReporterPhone, &phone, &id))
	return phone, err
}

// SimilarProblems implements sanlian.ProblemService: open problems of the
// village whose words overlap text most.
func (db *ProblemStore) SimilarProblems(ctx context.Context, village, text string, exclude int64) ([]*sanlian.Similar, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" || village == "" {
		return []*sanlian.Similar{}, nil
	}
	w := &where{}
	if err := s.problems(w); err != nil {
		return nil, err
	}
	w.add("p.village_code = ?", village)
	w.add("p.state IN (?, ?, ?)", sanlian.StateSubmitted, sanlian.StateAssigned, sanlian.StateAccepted)
	w.add("p.id <> ?", exclude)
	rows, err := db.query(ctx, problemSelect+w.sql()+" ORDER BY p.id DESC LIMIT 500", w.args...)
	if err != nil {
		return nil, fmt.Errorf("similar problems: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.Similar{}
	now := db.Now()
	for rows.Next() {
		p, err := db.scanProblem(rows)
		if err != nil {
			return nil, err
		}
		if score := sanlian.Similarity(text, p.Title+" "+p.Description); score >= 0.2 {
			p.Overdue = p.IsOverdue(now)
			p.MaskContacts()
			out = append(out, &sanlian.Similar{Problem: p, Score: score})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > 5 {
		out = out[:5]
	}
	return out, nil
}

// FindCategories implements sanlian.ProblemService.
func (db *ProblemStore) FindCategories(ctx context.Context, all bool) ([]*sanlian.Category, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	q := `SELECT code, name, accept_days, resolve_days, active, sort, version FROM categories`
	if !all {
		q += ` WHERE active = ?`
	}
	args := []any{}
	if !all {
		args = append(args, true)
	}
	rows, err := db.query(ctx, q+` ORDER BY sort, code`, args...)
	if err != nil {
		return nil, fmt.Errorf("find categories: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.Category
	for rows.Next() {
		c := &sanlian.Category{}
		if err := rows.Scan(&c.Code, &c.Name, &c.AcceptDays, &c.ResolveDays, &c.Active, &c.Sort, &c.Version); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

var categoryCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// SaveCategory implements sanlian.ProblemService.
func (db *ProblemStore) SaveCategory(ctx context.Context, c *sanlian.Category) error {
	u, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if u.Role != sanlian.RoleOffice {
		return errForbidden("只有县办公室可以维护问题类别")
	}
	f := map[string]string{}
	c.Name = strings.TrimSpace(c.Name)
	if !categoryCodeRE.MatchString(c.Code) {
		f["code"] = "代码须为 2–32 位小写字母、数字或下划线，以字母开头"
	}
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 30 {
		f["name"] = "请填写类别名称（不超过 30 字）"
	} else if p := sanlian.TextProblem(c.Name, false); p != "" {
		f["name"] = "类别名称" + p
	}
	if c.AcceptDays < 0 || c.AcceptDays > 30 {
		f["accept_days"] = "签收时限须在 0–30 个工作日之间（0 为默认 1 天）"
	}
	if c.ResolveDays < 0 || c.ResolveDays > 120 {
		f["resolve_days"] = "办结时限须在 0–120 个工作日之间（0 为默认 15 天）"
	}
	if err := sanlian.FieldErrors(f); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var before sanlian.Category
		err := tx.queryRow(`SELECT code, name, accept_days, resolve_days, active, sort, version FROM categories WHERE code = ?`, c.Code).
			Scan(&before.Code, &before.Name, &before.AcceptDays, &before.ResolveDays, &before.Active, &before.Sort, &before.Version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if c.Version != 0 {
				return errNotFound("问题类别")
			}
			_, err := tx.exec(`INSERT INTO categories (code, name, accept_days, resolve_days, active, sort) VALUES (?, ?, ?, ?, ?, ?)`,
				c.Code, c.Name, c.AcceptDays, c.ResolveDays, c.Active, c.Sort)
			if errors.Is(err, errUnique) {
				return sanlian.FieldErrors(map[string]string{"name": "已有同名类别"})
			} else if err != nil {
				return err
			}
			c.Version = 1
			return tx.audit("create", "category", c.Code, changes{"name": {nil, c.Name}, "accept_days": {nil, c.AcceptDays},
				"resolve_days": {nil, c.ResolveDays}, "active": {nil, c.Active}})
		case err != nil:
			return err
		}
		if c.Version == 0 {
			return sanlian.FieldErrors(map[string]string{"code": "已有此代码的类别"})
		}
		res, err := tx.exec(`UPDATE categories SET name = ?, accept_days = ?, resolve_days = ?, active = ?, sort = ?, version = version + 1
			WHERE code = ? AND version = ?`, c.Name, c.AcceptDays, c.ResolveDays, c.Active, c.Sort, c.Code, c.Version)
		if errors.Is(err, errUnique) {
			return sanlian.FieldErrors(map[string]string{"name": "已有同名类别"})
		} else if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该问题类别")
		}
		c.Version++
		ch := changes{}
		ch.set("name", before.Name, c.Name)
		ch.set("accept_days", before.AcceptDays, c.AcceptDays)
		ch.set("resolve_days", before.ResolveDays, c.ResolveDays)
		ch.set("active", before.Active, c.Active)
		ch.set("sort", before.Sort, c.Sort)
		return tx.audit("update", "category", c.Code, ch)
	})
}
