package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sanlian"
)

var _ sanlian.ResponsibilityService = (*ListStore)(nil)

// The responsibility list (工作落实责任清单) is read as one UNION ALL of
// three sources: the entered lines (table responsibilities), the problems
// assigned to a unit and the units' projects. Lines are ordered by their
// deadline, then by source (the kinds below), then by id; a page's cursor
// holds those three of its last line.
const (
	kindEntered = 0
	kindProblem = 1
	kindProject = 2
)

// respSource is how one source of the list is read: its columns in the
// order of respUnion, its table, the conditions every line of it meets,
// its ordering, and how its deadline, state and people are filtered.
type respSource struct {
	kind  int
	cols  string
	from  string
	base  []string
	order string // the source's own order, that of (deadline, id), served by its indexes
	id    string

	// deadline returns the condition "the line's deadline <op> day" for
	// op >, >= or <, day a 2006-01-02 date.
	deadline func(op, day string) (string, any)
	// state returns the condition for a list state.
	state func(st string) string
	// notDone is the condition for a line not done.
	notDone string
	// who names the source's unit, township and people for the scope and
	// the person filter; heads gives the units a cadre heads.
	who func(heads func(cadre int64) []int64) respCols
}

// respUnion lists the columns every source yields, in order.
const respUnion = `kind, id, unit_id, task, source, source_id, leader_id, person_id, measures, deadline, state,
	completion_note, version, created_at, updated_at, raw_state, result, progress, done, target, measure`

// textDeadline filters a TEXT column holding 2006-01-02 dates.
func textDeadline(col string) func(op, day string) (string, any) {
	return func(op, day string) (string, any) { return col + " " + op + " ?", day }
}

// cadreCol names a cadre by a nullable column.
func cadreCol(col string) func(cadre int64) respPart {
	return func(cadre int64) respPart {
		return respPart{cond: col + " = ?", not: "COALESCE(" + col + ", 0) <> ?", args: []any{cadre}}
	}
}

// enteredWho is who answers for a line with its own leader and person
// columns, prefixed by alias.
func enteredWho(alias string) func(func(int64) []int64) respCols {
	return func(func(int64) []int64) respCols {
		return respCols{unit: alias + ".unit_id", person: cadreCol(alias + ".person_id"), leader: cadreCol(alias + ".leader_id")}
	}
}

var respEntered = respSource{
	kind: kindEntered,
	cols: `0 AS kind, r.id AS id, r.unit_id AS unit_id, r.task AS task, r.source AS source, COALESCE(r.source_id, 0) AS source_id,
		COALESCE(r.leader_id, 0) AS leader_id, COALESCE(r.person_id, 0) AS person_id, r.measures AS measures, r.deadline AS deadline,
		r.state AS state, r.completion_note AS completion_note, r.version AS version, r.created_at AS created_at, r.updated_at AS updated_at,
		r.state AS raw_state, '' AS result, 0 AS progress, 0 AS done, 0 AS target, '' AS measure`,
	from:     "responsibilities r",
	order:    "r.deadline, r.id",
	id:       "r.id",
	deadline: textDeadline("r.deadline"),
	state:    func(st string) string { return "r.state = '" + st + "'" },
	notDone:  "r.state <> 'done'",
	who:      enteredWho("r"),
}

// respProblem derives lines from problems assigned to a unit. Every such
// problem has a resolve deadline (assign and transfer set one), always
// 24:00 Asia/Shanghai of its last day, so ordering by resolve_due orders
// by the date the deadline ends on, and the (unit_id, resolve_due, id)
// index serves a unit's list. The responsible leader is the head of the
// problem's unit.
func respProblem(d Dialect) respSource {
	// The date a deadline ends on, as xlsx shows it: a second before
	// 24:00 in Asia/Shanghai, which has kept UTC+8 without summer time
	// since 1991. SQLite holds the UTC instant as text, "2021-05-25
	// 16:00:00 +0000 UTC".
	day := `date(substr(p.resolve_due, 1, 19), '+8 hours', '-1 second')`
	if d == Postgres {
		day = `to_char((p.resolve_due - interval '1 second') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`
	}
	return respSource{
		kind: kindProblem,
		cols: `1, p.id, p.unit_id, p.title, 'problem', p.id, COALESCE((SELECT head_cadre_id FROM units WHERE id = p.unit_id), 0),
			COALESCE(p.person_id, 0), p.measures, ` + day + `,
			CASE p.state WHEN 'resolved' THEN 'done' WHEN 'closed' THEN 'done' WHEN 'accepted' THEN 'ongoing' ELSE 'pending' END,
			'', 0, p.created_at, p.updated_at, p.state, p.result, 0, 0, 0, ''`,
		from:  "problems p",
		base:  []string{"p.unit_id IS NOT NULL", "p.state NOT IN ('rejected', 'merged')", "p.resolve_due IS NOT NULL"},
		order: "p.resolve_due, p.id",
		id:    "p.id",
		deadline: func(op, day string) (string, any) {
			// A deadline ends on day D when it falls in (D 00:00:01, D+1 00:00:01].
			t, _ := time.ParseInLocation("2006-01-02", day, sanlian.Shanghai)
			switch op {
			case ">":
				return "p.resolve_due >= ?", t.AddDate(0, 0, 1).Add(time.Second).UTC()
			case ">=":
				return "p.resolve_due >= ?", t.Add(time.Second).UTC()
			}
			return "p.resolve_due < ?", t.Add(time.Second).UTC()
		},
		state: func(st string) string {
			switch st {
			case sanlian.RespDone:
				return "p.state IN ('resolved', 'closed')"
			case sanlian.RespOngoing:
				return "p.state = 'accepted'"
			}
			return "p.state IN ('submitted', 'assigned')"
		},
		notDone: "p.state NOT IN ('resolved', 'closed')",
		who: func(heads func(int64) []int64) respCols {
			return respCols{unit: "p.unit_id", township: "p.township_code", person: cadreCol("p.person_id"),
				leader: func(cadre int64) respPart {
					// The units named rather than a subquery, so that the
					// planner seeks each one's part of the unit index.
					hs := heads(cadre)
					in := inList("p.unit_id", len(hs))
					return respPart{cond: in, not: "NOT (" + in + ")", args: int64s(hs)}
				}}
		},
	}
}

var respProject = respSource{
	kind: kindProject,
	cols: `2, pr.id, pr.unit_id, pr.title, 'project', pr.id, COALESCE(pr.leader_id, 0), COALESCE(pr.person_id, 0), pr.description,
		pr.end_date, CASE pr.status WHEN 'done' THEN 'done' WHEN 'ongoing' THEN 'ongoing' ELSE 'pending' END,
		'', 0, pr.created_at, pr.updated_at, pr.status, '', pr.progress, pr.done, pr.target, pr.measure`,
	from:     "projects pr",
	order:    "pr.end_date, pr.id",
	id:       "pr.id",
	deadline: textDeadline("pr.end_date"),
	state: func(st string) string {
		switch st {
		case sanlian.RespDone:
			return "pr.status = 'done'"
		case sanlian.RespOngoing:
			return "pr.status = 'ongoing'"
		}
		return "pr.status IN ('planned', 'suspended')"
	},
	notDone: "pr.status <> 'done'",
	who:     enteredWho("pr"),
}

// respCursor is the key of a line on the list.
type respCursor struct {
	deadline string
	kind     int
	id       int64
}

func (c respCursor) String() string {
	return c.deadline + "|" + strconv.Itoa(c.kind) + "|" + idKey(c.id)
}

func parseRespCursor(key string) (respCursor, error) {
	parts := strings.Split(key, "|")
	if len(parts) != 3 {
		return respCursor{}, errBadCursor()
	}
	kind, err1 := strconv.Atoi(parts[1])
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if _, err := time.Parse("2006-01-02", parts[0]); err != nil || err1 != nil || err2 != nil || kind < kindEntered || kind > kindProject {
		return respCursor{}, errBadCursor()
	}
	return respCursor{deadline: parts[0], kind: kind, id: id}, nil
}

// respArm is one SELECT of the union, limited and ordered on its own so
// that each engine reads it from an index; respSelect wraps it as a
// subquery, which both engines allow to carry ORDER BY and LIMIT.
type respArm struct {
	sql  string
	args []any
}

// arms returns the SELECTs reading src under scope s for filter f after
// cursor c (nil for the first page), each of at most n lines; only, when
// not 0, reads that line alone. heads gives the units a cadre heads.
func (src respSource) arms(s *scope, f sanlian.ResponsibilityFilter, c *respCursor, today string, n int, only int64,
	heads func(int64) []int64) ([]respArm, error) {
	w := &where{}
	for _, b := range src.base {
		w.add(b)
	}
	who := src.who(heads)
	parts, restricted, err := s.responsibilities(who)
	if err != nil {
		return nil, err
	}
	if only != 0 {
		w.add(src.id+" = ?", only)
	}
	if f.UnitID != 0 {
		w.add(who.unit+" = ?", f.UnitID)
	}
	if src.kind == kindEntered && f.Source != "" {
		w.add("r.source = ?", f.Source)
	}
	if f.State != "" {
		w.add(src.state(f.State))
	}
	if f.Overdue {
		cond, arg := src.deadline("<", today)
		w.add(cond+" AND "+src.notDone, arg)
	}
	// The workbench's due window.
	if f.DueBy != "" {
		from, fromArg := src.deadline(">=", today)
		to, toArg := src.deadline("<=", f.DueBy)
		w.add(from+" AND "+to+" AND "+src.notDone, fromArg, toArg)
	}
	if c != nil {
		switch {
		case src.kind > c.kind:
			cond, arg := src.deadline(">=", c.deadline)
			w.add(cond, arg)
		case src.kind < c.kind:
			cond, arg := src.deadline(">", c.deadline)
			w.add(cond, arg)
		default:
			// The redundant lower bound lets the index seek to the cursor's day.
			ge, geArg := src.deadline(">=", c.deadline)
			gt, gtArg := src.deadline(">", c.deadline)
			w.add(ge+" AND ("+gt+" OR "+src.id+" > ?)", geArg, gtArg, c.id)
		}
	}
	// Lines that one of several conditions selects — a cadre's as person
	// or as leader; in a cadre's or leader's scope, also their unit's or
	// townships' — are read as disjoint SELECTs, each from the index on its
	// own column, rather than through one OR that neither engine reads in
	// deadline order: the first alternative, then the second without the
	// first, and so on. A narrower filter (a unit, one line) reads its
	// index anyway and takes the scope as a plain condition.
	var split []respPart
	switch {
	case f.PersonID != 0:
		split = []respPart{who.person(f.PersonID), who.leader(f.PersonID)}
	case f.UnitID == 0 && only == 0 && len(parts) > 1:
		split, restricted = parts, false
	}
	if restricted {
		var conds []string
		var args []any
		for _, p := range parts {
			conds, args = append(conds, p.cond), append(args, p.args...)
		}
		w.add("("+strings.Join(conds, " OR ")+")", args...)
	}
	arm := func(w *where) respArm {
		return respArm{sql: "SELECT " + src.cols + " FROM " + src.from + w.sql() + " ORDER BY " + src.order + " LIMIT ?", args: append(w.args, n)}
	}
	if split == nil {
		return []respArm{arm(w)}, nil
	}
	var out []respArm
	for i, p := range split {
		if p.cond == never {
			continue
		}
		aw := &where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
		aw.add(p.cond, p.args...)
		for _, q := range split[:i] {
			if q.cond != never {
				aw.add(q.not, q.args...)
			}
		}
		out = append(out, arm(aw))
	}
	if len(out) == 0 {
		w.add(never)
		out = append(out, arm(w))
	}
	return out, nil
}

// respSelect wraps the union of arms: the first n lines in list order,
// with the names of their unit, leader, person and source.
func respSelect(arms []respArm, n int) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString(`SELECT ` + prefixCols("x.", respUnion) + `,
		COALESCE((SELECT name FROM units WHERE id = x.unit_id), ''),
		COALESCE((SELECT name FROM cadres WHERE id = x.leader_id), ''),
		COALESCE((SELECT name FROM cadres WHERE id = x.person_id), ''),
		CASE x.source WHEN 'problem' THEN COALESCE((SELECT number FROM problems WHERE id = x.source_id), '')
			WHEN 'project' THEN COALESCE((SELECT title FROM projects WHERE id = x.source_id), '')
			WHEN 'dispatch' THEN COALESCE((SELECT month FROM dispatch_decisions WHERE id = x.source_id), '') ELSE '' END
		FROM (`)
	for i, a := range arms {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT * FROM (" + a.sql + ") a" + strconv.Itoa(i))
		args = append(args, a.args...)
	}
	b.WriteString(" ORDER BY deadline, kind, id LIMIT ?) x ORDER BY x.deadline, x.kind, x.id")
	return b.String(), append(args, n)
}

// prefixCols qualifies each of a comma-separated list of columns.
func prefixCols(prefix, cols string) string {
	fs := strings.Split(cols, ",")
	for i, f := range fs {
		fs[i] = prefix + strings.TrimSpace(f)
	}
	return strings.Join(fs, ", ")
}

// anyTime scans a timestamp that may come back as a time or, on SQLite
// through a UNION of subqueries that loses the column's declared type, as
// the text the driver stored.
type anyTime struct{ t *time.Time }

func (d anyTime) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*d.t = v
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	case nil:
		*d.t = time.Time{}
		return nil
	}
	return fmt.Errorf("scan time: unexpected %T", v)
}

func (d anyTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			*d.t = t
			return nil
		}
	}
	return fmt.Errorf("scan time: cannot parse %q", s)
}

// scanResp reads one line of respSelect; Overdue is set against today.
func scanResp(sc scanner, today string) (*sanlian.Responsibility, respCursor, error) {
	r := &sanlian.Responsibility{}
	var kind int
	var raw, result, measure string
	var progress int
	var done, target int64
	err := sc.Scan(&kind, &r.ID, &r.UnitID, &r.Task, &r.Source, &r.SourceID, &r.LeaderID, &r.PersonID, &r.Measures, &r.Deadline, &r.State,
		&r.CompletionNote, &r.Version, anyTime{&r.CreatedAt}, anyTime{&r.UpdatedAt}, &raw, &result, &progress, &done, &target, &measure,
		&r.UnitName, &r.LeaderName, &r.PersonName, &r.SourceRef)
	if err != nil {
		return nil, respCursor{}, err
	}
	cur := respCursor{deadline: r.Deadline, kind: kind, id: r.ID}
	switch kind {
	case kindEntered:
		r.Key = "r" + idKey(r.ID)
		if r.Source == sanlian.RespDispatch && r.SourceID != 0 {
			// SourceRef holds the decision's month; a number with no
			// decision recorded (an imported or early line) is named alone.
			if r.SourceRef != "" {
				r.SourceRef = sanlian.DispatchRefOf(r.SourceRef, r.SourceID)
			} else {
				r.SourceRef = sanlian.DispatchRef(r.SourceID)
			}
		}
	case kindProblem:
		r.Key, r.Derived, r.ID, r.Version = "problem:"+idKey(r.ID), true, 0, 0
		// A problem's line is never edited here: its text is shown with
		// typed phones and ID numbers masked, as on the problem's page.
		r.Task, r.Measures = sanlian.MaskContacts(r.Task), sanlian.MaskContacts(r.Measures)
		r.Progress = problemProgress(raw, r.Measures, sanlian.MaskContacts(result))
	case kindProject:
		r.Key, r.Derived, r.ID, r.Version = "project:"+idKey(r.ID), true, 0, 0
		r.Progress = projectProgress(raw, progress, done, target, measure)
	}
	r.Overdue = r.State != sanlian.RespDone && r.Deadline != "" && r.Deadline < today
	return r, cur, nil
}

// problemProgress is a problem's 进展情况: its state, and once resolved
// the measures taken and the result, shortened.
func problemProgress(state, measures, result string) string {
	s := sanlian.StateLabel(state)
	if state != sanlian.StateResolved && state != sanlian.StateClosed {
		return s
	}
	var parts []string
	for _, x := range []string{measures, result} {
		if x = strings.TrimSpace(x); x != "" {
			parts = append(parts, x)
		}
	}
	if len(parts) == 0 {
		return s
	}
	return s + "：" + shorten(strings.Join(parts, "；"), 80)
}

// projectProgress is a project's 进展情况: "进度 45%，已完成 2890/6428 人次".
func projectProgress(status string, progress int, done, target int64, measure string) string {
	s := fmt.Sprintf("进度 %d%%", progress)
	if target > 0 {
		s += fmt.Sprintf("，已完成 %d/%d %s", done, target, measure)
	}
	if status == sanlian.ProjectSuspended || status == sanlian.ProjectPlanned {
		s = sanlian.ProjectStatusLabel(status) + "，" + s
	}
	return s
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func (db *ListStore) today() string { return db.Now().In(sanlian.Shanghai).Format("2006-01-02") }

// FindResponsibilities implements sanlian.ResponsibilityService.
func (db *ListStore) FindResponsibilities(ctx context.Context, f sanlian.ResponsibilityFilter) ([]*sanlian.Responsibility, string, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, "", err
	}
	bad := map[string]string{}
	if f.Source != "" && !slices.Contains(sanlian.RespSources, f.Source) {
		bad["source"] = "事项来源须为 problem、project、dispatch 或 standalone"
	}
	if f.State != "" && !slices.Contains(sanlian.RespStates, f.State) {
		bad["state"] = "状态须为 pending、ongoing 或 done"
	}
	if f.UnitID < 0 {
		bad["unit_id"] = "应为正整数"
	}
	if f.PersonID < 0 {
		bad["person_id"] = "应为正整数"
	}
	if len(bad) > 0 {
		return nil, "", &sanlian.Error{Code: sanlian.EINVALID, Message: "查询参数有误", Fields: bad}
	}
	var cur *respCursor
	if key, err := decodeCursor(f.Cursor); err != nil {
		return nil, "", err
	} else if key != "" {
		c, err := parseRespCursor(key)
		if err != nil {
			return nil, "", err
		}
		cur = &c
	}
	limit, today := pageLimit(f.Limit), db.today()
	query, args, err := db.respQuery(q, s, f, cur, today, limit+1)
	if err != nil {
		return nil, "", err
	}
	rows, err := q.queryRows(query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("find responsibilities: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.Responsibility{}
	var keys []respCursor
	for rows.Next() {
		r, k, err := scanResp(rows, today)
		if err != nil {
			return nil, "", fmt.Errorf("find responsibilities: %w", err)
		}
		out, keys = append(out, r), append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("find responsibilities: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(keys[limit-1].String())
	}
	return out, next, nil
}

// respQuery builds the SELECT of the first n lines of f after cur.
func (db *ListStore) respQuery(q querier, s *scope, f sanlian.ResponsibilityFilter, cur *respCursor, today string, n int) (string, []any, error) {
	heads, err := unitHeads(q, f.PersonID, s.user.CadreID)
	if err != nil {
		return "", nil, err
	}
	sources := []respSource{respEntered}
	if !f.Entered {
		if f.Source == "" || f.Source == sanlian.RespProblem {
			sources = append(sources, respProblem(db.Dialect))
		}
		if f.Source == "" || f.Source == sanlian.RespProject {
			sources = append(sources, respProject)
		}
	}
	var arms []respArm
	for _, src := range sources {
		as, err := src.arms(s, f, cur, today, n, 0, heads)
		if err != nil {
			return "", nil, err
		}
		arms = append(arms, as...)
	}
	query, args := respSelect(arms, n)
	return query, args, nil
}

// unitHeads looks up the units each of cadres heads, and returns them by
// cadre.
func unitHeads(q querier, cadres ...int64) (func(int64) []int64, error) {
	heads := map[int64][]int64{}
	ids := slices.DeleteFunc(slices.Clone(cadres), func(id int64) bool { return id == 0 })
	if len(ids) > 0 {
		rows, err := q.queryRows(`SELECT head_cadre_id, id FROM units WHERE `+inList("head_cadre_id", len(ids))+` ORDER BY id`, int64s(ids)...)
		if err != nil {
			return nil, fmt.Errorf("units headed: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var cadre, unit int64
			if err := rows.Scan(&cadre, &unit); err != nil {
				return nil, err
			}
			heads[cadre] = append(heads[cadre], unit)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return func(cadre int64) []int64 { return heads[cadre] }, nil
}

// FindResponsibilityByID implements sanlian.ResponsibilityService: an
// entered line; derived lines live on their problem or project.
func (db *ListStore) FindResponsibilityByID(ctx context.Context, id int64) (*sanlian.Responsibility, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	return db.findResponsibility(q, s, id)
}

func (db *ListStore) findResponsibility(q querier, s *scope, id int64) (*sanlian.Responsibility, error) {
	if id <= 0 {
		return nil, errNotFound("责任事项")
	}
	today := db.today()
	arms, err := respEntered.arms(s, sanlian.ResponsibilityFilter{}, nil, today, 1, id, nil)
	if err != nil {
		return nil, err
	}
	query, args := respSelect(arms, 1)
	r, _, err := scanResp(q.queryOne(query, args...), today)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("责任事项")
	} else if err != nil {
		return nil, fmt.Errorf("find responsibility %d: %w", id, err)
	}
	return r, nil
}

// checkResponsibility checks what an entered line refers to: the unit the
// caller may fill in for, the cadres, and the source. A dispatch
// decision's SourceID is taken as given: dispatch meetings are not
// recorded yet, and a later version checks it against them.
func (db *ListStore) checkResponsibility(tx *Tx, s *scope, in *sanlian.ResponsibilityInput, before *sanlian.Responsibility) error {
	switch s.role() {
	case sanlian.RoleOffice:
		if in.UnitID == 0 {
			return sanlian.FieldErrors(map[string]string{"unit_id": "请选择责任单位"})
		}
	case sanlian.RoleUnitAdmin:
		if in.UnitID == 0 {
			in.UnitID = s.user.UnitID
		}
		if !s.hasUnit(in.UnitID) {
			return errForbidden("只能填报本单位或下属单位的责任事项")
		}
	default:
		return errForbidden("只有县办公室和单位管理员可以填报责任事项")
	}
	f := map[string]string{}
	count := func(table string, id int64) (int, error) {
		var n int
		err := tx.queryRow(`SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n)
		return n, err
	}
	for _, c := range []struct {
		table, field, msg string
		id                int64
	}{
		{"units", "unit_id", "责任单位不存在", in.UnitID},
		{"cadres", "leader_id", fmt.Sprintf("责任领导（干部 %d）不存在", in.LeaderID), in.LeaderID},
		{"cadres", "person_id", fmt.Sprintf("责任人（干部 %d）不存在", in.PersonID), in.PersonID},
	} {
		if c.id == 0 {
			continue
		}
		if n, err := count(c.table, c.id); err != nil {
			return err
		} else if n == 0 {
			f[c.field] = c.msg
		}
	}
	// A problem or project already on this unit's list is there by
	// itself; entering it again would show it twice.
	changed := before == nil || before.Source != in.Source || before.SourceID != in.SourceID || before.UnitID != in.UnitID
	switch in.Source {
	case sanlian.RespProblem:
		var unit sql.NullInt64
		var state string
		err := tx.queryRow(`SELECT unit_id, state FROM problems WHERE id = ?`, in.SourceID).Scan(&unit, &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f["source_id"] = fmt.Sprintf("问题 %d 不存在", in.SourceID)
		case err != nil:
			return err
		case changed && unit.Int64 == in.UnitID && state != sanlian.StateRejected && state != sanlian.StateMerged:
			f["source_id"] = "该问题已交办给本单位，已自动列入本单位责任清单，无需重复填报"
		}
	case sanlian.RespProject:
		var unit int64
		err := tx.queryRow(`SELECT unit_id FROM projects WHERE id = ?`, in.SourceID).Scan(&unit)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f["source_id"] = fmt.Sprintf("项目 %d 不存在", in.SourceID)
		case err != nil:
			return err
		case changed && unit == in.UnitID:
			f["source_id"] = "该项目属于本单位，已自动列入本单位责任清单，无需重复填报"
		}
	}
	return sanlian.FieldErrors(f)
}

// CreateResponsibility implements sanlian.ResponsibilityService.
func (db *ListStore) CreateResponsibility(ctx context.Context, in *sanlian.ResponsibilityInput) (*sanlian.Responsibility, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Responsibility
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		id, err := db.createResponsibility(tx, s, in)
		if err != nil {
			return err
		}
		out, err = db.findResponsibility(tx, s, id)
		return err
	})
	return out, err
}

// createResponsibility checks and enters a validated line inside tx, with
// its audit row, and returns its id.
func (db *ListStore) createResponsibility(tx *Tx, s *scope, in *sanlian.ResponsibilityInput) (int64, error) {
	if err := db.checkResponsibility(tx, s, in, nil); err != nil {
		return 0, err
	}
	id, err := tx.insertID(`INSERT INTO responsibilities (unit_id, task, source, source_id, leader_id, person_id, measures, deadline,
		state, completion_note, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.UnitID, in.Task, in.Source, nullInt(in.SourceID), nullInt(in.LeaderID), nullInt(in.PersonID), in.Measures, in.Deadline,
		in.State, in.CompletionNote, nullInt(s.user.ID), tx.now, tx.now)
	if err != nil {
		return 0, fmt.Errorf("create responsibility: %w", err)
	}
	ch := changes{"unit_id": {nil, in.UnitID}, "task": {nil, in.Task}, "source": {nil, in.Source}, "person_id": {nil, in.PersonID},
		"deadline": {nil, in.Deadline}, "state": {nil, in.State}}
	if in.SourceID != 0 {
		ch["source_id"] = [2]any{nil, in.SourceID}
	}
	if in.LeaderID != 0 {
		ch["leader_id"] = [2]any{nil, in.LeaderID}
	}
	return id, tx.audit("create", "responsibility", id, ch)
}

// UpdateResponsibility implements sanlian.ResponsibilityService. The
// office and unit admins rewrite a line; the cadre who is its responsible
// person reports on it, changing its state and completion note only.
func (db *ListStore) UpdateResponsibility(ctx context.Context, id int64, in *sanlian.ResponsibilityInput, version int64) (*sanlian.Responsibility, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Responsibility
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		r, err := db.findResponsibility(tx, s, id)
		if err != nil {
			return err
		}
		switch s.role() {
		case sanlian.RoleOffice, sanlian.RoleUnitAdmin:
		case sanlian.RoleCadre:
			if r.PersonID != s.cadreID {
				return errForbidden("只有该事项的责任人本人可以更新进展")
			}
		default:
			return errForbidden("只有县办公室、单位管理员和责任人可以修改责任事项")
		}
		if r.Version != version {
			return errStale("该责任事项")
		}
		if s.role() == sanlian.RoleCadre {
			if in.UnitID == 0 {
				in.UnitID = r.UnitID
			}
			if in.UnitID != r.UnitID || in.Task != r.Task || in.Source != r.Source || in.SourceID != r.SourceID ||
				in.LeaderID != r.LeaderID || in.PersonID != r.PersonID || in.Measures != r.Measures || in.Deadline != r.Deadline {
				return errForbidden("责任人只能更新事项的状态和完成情况；调整事项内容、时限或责任人请联系单位管理员")
			}
		} else if err := db.checkResponsibility(tx, s, in, r); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE responsibilities SET unit_id = ?, task = ?, source = ?, source_id = ?, leader_id = ?, person_id = ?,
			measures = ?, deadline = ?, state = ?, completion_note = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.UnitID, in.Task, in.Source, nullInt(in.SourceID), nullInt(in.LeaderID), nullInt(in.PersonID), in.Measures, in.Deadline,
			in.State, in.CompletionNote, tx.now, id, version)
		if err != nil {
			return fmt.Errorf("update responsibility %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该责任事项")
		}
		ch := changes{}
		ch.set("unit_id", r.UnitID, in.UnitID)
		ch.set("task", r.Task, in.Task)
		ch.set("source", r.Source, in.Source)
		ch.set("source_id", r.SourceID, in.SourceID)
		ch.set("leader_id", r.LeaderID, in.LeaderID)
		ch.set("person_id", r.PersonID, in.PersonID)
		ch.set("measures", r.Measures, in.Measures)
		ch.set("deadline", r.Deadline, in.Deadline)
		ch.set("state", r.State, in.State)
		ch.set("completion_note", r.CompletionNote, in.CompletionNote)
		if err := tx.audit("update", "responsibility", id, ch); err != nil {
			return err
		}
		out, err = db.findResponsibility(tx, s, id)
		return err
	})
	return out, err
}
