package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sanlian"
)

// The month's themes (每月一题). Which problem matches a theme is the
// domain's rule (sanlian.ThemeMatches, sanlian.ThemeRetag); here the
// themes are stored, their month's problems loaded and tagged.

const themeCols = `t.id, t.month, t.name, t.categories, t.keywords, t.note, t.version, t.created_at, t.updated_at`

func scanTheme(sc scanner, extra ...any) (*sanlian.Theme, error) {
	t := &sanlian.Theme{}
	var cats, kws string
	err := sc.Scan(append([]any{&t.ID, &t.Month, &t.Name, &cats, &kws, &t.Note, &t.Version, &t.CreatedAt, &t.UpdatedAt}, extra...)...)
	t.Categories, t.Keywords = strings.Fields(cats), strings.Fields(kws)
	return t, err
}

// themeReader lets the office, leaders and unit admins read themes.
func (db *WorkStore) themeReader(ctx context.Context, q querier) (*scope, error) {
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleLeader, sanlian.RoleUnitAdmin:
		return s, nil
	}
	return nil, errForbidden("每月一题仅供县办公室、县级领导和单位管理员查看")
}

const themeWriter = "只有县办公室可以设置每月一题"

// taggedCond limits problems aliased p to those theme t.id tags. A problem
// merged into another since it was tagged no longer counts: the one it
// went into does.
const taggedCond = `p.state <> 'merged' AND EXISTS (SELECT 1 FROM theme_problems tp WHERE tp.theme_id = t.id AND tp.problem_id = p.id AND tp.tag <> 'removed')`

// FindThemes implements sanlian.ThemeService.
func (db *WorkStore) FindThemes(ctx context.Context, f sanlian.ThemeFilter) ([]*sanlian.Theme, error) {
	q := db.reader(ctx)
	s, err := db.themeReader(ctx, q)
	if err != nil {
		return nil, err
	}
	pw := &where{}
	if err := s.problems(pw); err != nil {
		return nil, err
	}
	pw.add(taggedCond)
	w := &where{}
	if f.Month != "" {
		if _, err := sanlian.ParseMonth(f.Month); err != nil {
			return nil, err
		}
		w.add("t.month = ?", f.Month)
	}
	out := []*sanlian.Theme{}
	err = eachRow(q, `SELECT `+themeCols+`, (SELECT COUNT(*) FROM problems p`+pw.sql()+`) FROM themes t`+w.sql()+
		` ORDER BY t.month DESC, t.id`, append(pw.args, w.args...), func(sc scanner) error {
		var n int
		t, err := scanTheme(sc, &n)
		t.Tagged = n
		out = append(out, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find themes: %w", err)
	}
	return out, nil
}

// FindTheme implements sanlian.ThemeService.
func (db *WorkStore) FindTheme(ctx context.Context, id int64) (*sanlian.Theme, error) {
	q := db.reader(ctx)
	s, err := db.themeReader(ctx, q)
	if err != nil {
		return nil, err
	}
	return db.findTheme(q, s, id)
}

func (db *WorkStore) findTheme(q querier, s *scope, id int64) (*sanlian.Theme, error) {
	pw := &where{}
	if err := s.problems(pw); err != nil {
		return nil, err
	}
	pw.add(taggedCond)
	var n int
	t, err := scanTheme(q.queryOne(`SELECT `+themeCols+`, (SELECT COUNT(*) FROM problems p`+pw.sql()+`) FROM themes t WHERE t.id = ?`,
		append(pw.args, id)...), &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("主题")
	} else if err != nil {
		return nil, fmt.Errorf("find theme %d: %w", id, err)
	}
	t.Tagged = n
	return t, nil
}

// checkTheme checks the input against the database: its categories exist
// and no other theme of the month has its name.
func checkTheme(tx *Tx, id int64, in *sanlian.ThemeInput) error {
	f := map[string]string{}
	for _, c := range in.Categories {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM categories WHERE code = ?`, c).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			f["categories"] = "问题类别“" + c + "”不存在"
		}
	}
	var other int64
	err := tx.queryRow(`SELECT id FROM themes WHERE month = ? AND name = ? AND id <> ?`, in.Month, in.Name, id).Scan(&other)
	if err == nil {
		f["name"] = sanlian.MonthLabel(in.Month) + "已有名为“" + in.Name + "”的主题，请换一个名称"
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return sanlian.FieldErrors(f)
}

// themeConflict turns the unique index on a month's names, hit by two
// saves at once, into the message checkTheme gives.
func themeConflict(err error) error {
	if errors.Is(err, errUnique) {
		return sanlian.FieldErrors(map[string]string{"name": "本月已有同名主题，请换一个名称"})
	}
	return err
}

// CreateTheme implements sanlian.ThemeService.
func (db *WorkStore) CreateTheme(ctx context.Context, in *sanlian.ThemeInput) (*sanlian.Theme, error) {
	if err := officeOnly(ctx, themeWriter); err != nil {
		return nil, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Theme
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkTheme(tx, 0, in); err != nil {
			return err
		}
		id, err := tx.insertID(`INSERT INTO themes (month, name, categories, keywords, note, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, in.Month, in.Name, strings.Join(in.Categories, " "), strings.Join(in.Keywords, " "),
			in.Note, tx.now, tx.now)
		if err != nil {
			return themeConflict(fmt.Errorf("create theme: %w", err))
		}
		ch := changes{"month": {nil, in.Month}, "name": {nil, in.Name}, "categories": {nil, strings.Join(in.Categories, " ")},
			"keywords": {nil, strings.Join(in.Keywords, " ")}}
		if in.Note != "" {
			ch["note"] = [2]any{nil, in.Note}
		}
		if err := tx.audit("create", "theme", id, ch); err != nil {
			return err
		}
		t, err := db.findTheme(tx, &scope{user: sanlian.UserFromContext(ctx), all: true}, id)
		if err != nil {
			return err
		}
		if err := retagTheme(tx, t); err != nil {
			return err
		}
		out, err = db.findTheme(tx, &scope{user: sanlian.UserFromContext(ctx), all: true}, id)
		return err
	})
	return out, err
}

// UpdateTheme implements sanlian.ThemeService.
func (db *WorkStore) UpdateTheme(ctx context.Context, id int64, in *sanlian.ThemeInput) (*sanlian.Theme, error) {
	if err := officeOnly(ctx, themeWriter); err != nil {
		return nil, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Theme
	all := &scope{user: sanlian.UserFromContext(ctx), all: true}
	err := db.inTx(ctx, func(tx *Tx) error {
		b, err := db.findTheme(tx, all, id)
		if err != nil {
			return err
		}
		if b.Version != in.Version {
			return errStale("该主题")
		}
		if err := checkTheme(tx, id, in); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE themes SET month = ?, name = ?, categories = ?, keywords = ?, note = ?, version = version + 1,
			updated_at = ? WHERE id = ? AND version = ?`, in.Month, in.Name, strings.Join(in.Categories, " "),
			strings.Join(in.Keywords, " "), in.Note, tx.now, id, in.Version)
		if err != nil {
			return themeConflict(fmt.Errorf("update theme %d: %w", id, err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该主题")
		}
		ch := changes{}
		ch.set("month", b.Month, in.Month)
		ch.set("name", b.Name, in.Name)
		ch.set("categories", strings.Join(b.Categories, " "), strings.Join(in.Categories, " "))
		ch.set("keywords", strings.Join(b.Keywords, " "), strings.Join(in.Keywords, " "))
		ch.set("note", b.Note, in.Note)
		if err := tx.audit("update", "theme", id, ch); err != nil {
			return err
		}
		t, err := db.findTheme(tx, all, id)
		if err != nil {
			return err
		}
		if err := retagTheme(tx, t); err != nil {
			return err
		}
		out, err = db.findTheme(tx, all, id)
		return err
	})
	return out, err
}

// monthRange is a month's [start, end) in UTC, for comparing timestamps.
func monthRange(month string) (time.Time, time.Time, error) {
	p, err := sanlian.ParseMonth(month)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return p.Start.UTC(), p.End.UTC(), nil
}

// retagTheme tags the problems of t's month that match it, and untags the
// automatic tags of those that no longer do; hand-made tags and removals
// stay (sanlian.ThemeRetag). One audit row records what moved.
func retagTheme(tx *Tx, t *sanlian.Theme) error {
	from, to, err := monthRange(t.Month)
	if err != nil {
		return err
	}
	matched := map[int64]bool{}
	err = eachRow(tx, `SELECT id, category, title, description FROM problems WHERE created_at >= ? AND created_at < ? AND state <> 'merged'`,
		[]any{from, to}, func(sc scanner) error {
			var id int64
			var cat, title, desc string
			if err := sc.Scan(&id, &cat, &title, &desc); err != nil {
				return err
			}
			if sanlian.ThemeMatches(t, cat, title, desc) {
				matched[id] = true
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("retag theme %d: %w", t.ID, err)
	}
	tags := map[int64]string{}
	err = eachRow(tx, `SELECT problem_id, tag FROM theme_problems WHERE theme_id = ?`, []any{t.ID}, func(sc scanner) error {
		var id int64
		var tag string
		err := sc.Scan(&id, &tag)
		tags[id] = tag
		return err
	})
	if err != nil {
		return fmt.Errorf("retag theme %d: %w", t.ID, err)
	}
	add, drop := sanlian.ThemeRetag(matched, tags)
	for _, id := range add {
		if _, err := tx.exec(`INSERT INTO theme_problems (theme_id, problem_id, tag, at) VALUES (?, ?, ?, ?)`,
			t.ID, id, sanlian.TagAuto, tx.now); err != nil {
			return fmt.Errorf("tag problem %d: %w", id, err)
		}
	}
	for _, id := range drop {
		if _, err := tx.exec(`DELETE FROM theme_problems WHERE theme_id = ? AND problem_id = ? AND tag = ?`,
			t.ID, id, sanlian.TagAuto); err != nil {
			return fmt.Errorf("untag problem %d: %w", id, err)
		}
	}
	if len(add)+len(drop) == 0 {
		return nil
	}
	return tx.audit("retag", "theme", t.ID, changes{"tagged": {len(drop), len(add)}})
}

// tagOnEntry tags a problem just entered, at created, with the themes of
// its month it matches. The tags are part of the problem's creation and
// audited with it.
func tagOnEntry(tx *Tx, id int64, created time.Time, category, title, description string) error {
	month := sanlian.PeriodOf(created, sanlian.PeriodMonth).ID
	themes, err := tx.monthThemes(month)
	if err != nil {
		return fmt.Errorf("tag problem %d: %w", id, err)
	}
	for _, t := range themes {
		if !sanlian.ThemeMatches(t, category, title, description) {
			continue
		}
		if _, err := tx.exec(`INSERT INTO theme_problems (theme_id, problem_id, tag, at) VALUES (?, ?, ?, ?)`,
			t.ID, id, sanlian.TagAuto, tx.now); err != nil {
			return fmt.Errorf("tag problem %d: %w", id, err)
		}
		if err := tx.audit("tag", "theme", t.ID, changes{"problem_id": {nil, id}, "tag": {nil, sanlian.TagAuto}}); err != nil {
			return err
		}
	}
	return nil
}

// ThemeProblems implements sanlian.ThemeService.
func (db *WorkStore) ThemeProblems(ctx context.Context, id int64, f sanlian.ThemeProblemFilter) ([]*sanlian.ThemeProblem, string, error) {
	q := db.reader(ctx)
	s, err := db.themeReader(ctx, q)
	if err != nil {
		return nil, "", err
	}
	if _, err := db.findTheme(q, s, id); err != nil {
		return nil, "", err
	}
	w := &where{}
	if err := s.problems(w); err != nil {
		return nil, "", err
	}
	w.add("tp.theme_id = ?", id)
	if f.Removed {
		w.add("tp.tag = 'removed'")
	} else {
		w.add("tp.tag <> 'removed' AND p.state <> 'merged'")
	}
	now := db.Now()
	items, next, err := readPage(ctx, db.DB, "theme problems", `SELECT `+problemCols+`, tp.tag FROM problems p
		JOIN theme_problems tp ON tp.problem_id = p.id`, w, f.Cursor, f.Limit, byID("p.id", true),
		func(sc scanner) (*sanlian.ThemeProblem, error) {
			var tag string
			p, err := db.Problems.scanProblem(tagScanner{sc, &tag})
			if p != nil {
				p.Overdue = p.IsOverdue(now)
				p.MaskContacts()
			}
			return &sanlian.ThemeProblem{Problem: p, Tag: tag}, err
		}, func(p *sanlian.ThemeProblem) string { return idKey(p.ID) })
	if items == nil {
		items = []*sanlian.ThemeProblem{}
	}
	return items, next, err
}

// tagScanner scans a problem row followed by one more column.
type tagScanner struct {
	sc  scanner
	tag *string
}

func (t tagScanner) Scan(dst ...any) error { return t.sc.Scan(append(dst, t.tag)...) }

// TagProblem implements sanlian.ThemeService.
func (db *WorkStore) TagProblem(ctx context.Context, id, problemID int64, number string) error {
	if err := officeOnly(ctx, themeWriter); err != nil {
		return err
	}
	number = strings.TrimSpace(number)
	return db.inTx(ctx, func(tx *Tx) error {
		all := &scope{user: sanlian.UserFromContext(ctx), all: true}
		if _, err := db.findTheme(tx, all, id); err != nil {
			return err
		}
		if problemID == 0 {
			err := tx.queryRow(`SELECT id FROM problems WHERE number = ?`, number).Scan(&problemID)
			if errors.Is(err, sql.ErrNoRows) {
				return sanlian.FieldErrors(map[string]string{"number": "没有编号为“" + number + "”的问题"})
			} else if err != nil {
				return err
			}
		} else if _, err := db.Problems.findProblem(tx, all, problemID); err != nil {
			return err
		}
		var before string
		err := tx.queryRow(`SELECT tag FROM theme_problems WHERE theme_id = ? AND problem_id = ?`, id, problemID).Scan(&before)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.exec(`INSERT INTO theme_problems (theme_id, problem_id, tag, at) VALUES (?, ?, ?, ?)`, id, problemID, sanlian.TagManual, tx.now)
		case err != nil:
		case before == sanlian.TagManual:
			return nil
		default:
			_, err = tx.exec(`UPDATE theme_problems SET tag = ?, at = ? WHERE theme_id = ? AND problem_id = ?`, sanlian.TagManual, tx.now, id, problemID)
		}
		if err != nil {
			return fmt.Errorf("tag problem %d: %w", problemID, err)
		}
		return tx.audit("tag", "theme", id, changes{"problem_id": {nil, problemID}, "tag": {nullStr(before), sanlian.TagManual}})
	})
}

// UntagProblem implements sanlian.ThemeService.
func (db *WorkStore) UntagProblem(ctx context.Context, id, problemID int64) error {
	if err := officeOnly(ctx, themeWriter); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var before string
		err := tx.queryRow(`SELECT tag FROM theme_problems WHERE theme_id = ? AND problem_id = ?`, id, problemID).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) || before == sanlian.TagRemoved {
			return sanlian.Errorf(sanlian.ENOTFOUND, "该问题不在本主题中")
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE theme_problems SET tag = ?, at = ? WHERE theme_id = ? AND problem_id = ?`,
			sanlian.TagRemoved, tx.now, id, problemID); err != nil {
			return fmt.Errorf("untag problem %d: %w", problemID, err)
		}
		return tx.audit("untag", "theme", id, changes{"problem_id": {problemID, nil}, "tag": {before, sanlian.TagRemoved}})
	})
}

// previousMonths is how many months before a theme's its report compares.
const previousMonths = 3

// ThemeReport implements sanlian.ThemeService.
func (db *WorkStore) ThemeReport(ctx context.Context, id int64, by string) (*sanlian.ThemeReport, error) {
	q := db.reader(ctx)
	s, err := db.themeReader(ctx, q)
	if err != nil {
		return nil, err
	}
	t, err := db.findTheme(q, s, id)
	if err != nil {
		return nil, err
	}
	month, err := sanlian.ParseMonth(t.Month)
	if err != nil {
		return nil, err
	}
	if by != sanlian.TrendDay {
		by = sanlian.TrendWeek
	}
	w := &where{}
	if err := s.problems(w); err != nil {
		return nil, err
	}
	w.add(`p.state <> 'merged' AND p.id IN (SELECT problem_id FROM theme_problems WHERE theme_id = ? AND tag <> 'removed')`, id)
	var ps []*sanlian.Problem
	if err := eachRow(q, problemSelect+w.sql(), w.args, func(sc scanner) error {
		p, err := db.Problems.scanProblem(sc)
		ps = append(ps, p)
		return err
	}); err != nil {
		return nil, fmt.Errorf("theme report %d: %w", id, err)
	}
	r := &sanlian.ThemeReport{Theme: t, TrendBy: by}
	r.Counts, r.Trend, r.Units = sanlian.ThemeFigures(ps, month, by, db.Now())
	// The months before, as if the theme had run then: the problems in
	// the caller's scope its rule matches.
	for i := previousMonths; i >= 1; i-- {
		m := sanlian.PeriodOf(month.Start.AddDate(0, -i, 0), sanlian.PeriodMonth)
		pw := &where{}
		if err := s.problems(pw); err != nil {
			return nil, err
		}
		pw.add("p.created_at >= ? AND p.created_at < ? AND p.state <> 'merged'", m.Start.UTC(), m.End.UTC())
		mc := sanlian.MonthCount{Month: m.ID}
		if err := eachRow(q, `SELECT p.category, p.title, p.description FROM problems p`+pw.sql(), pw.args, func(sc scanner) error {
			var cat, title, desc string
			if err := sc.Scan(&cat, &title, &desc); err != nil {
				return err
			}
			if sanlian.ThemeMatches(t, cat, title, desc) {
				mc.Count++
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("theme report %d: %w", id, err)
		}
		r.Previous = append(r.Previous, mc)
	}
	r.Measures, err = themeMeasures(q, id)
	return r, err
}

const measureSelect = `SELECT m.id, m.theme_id, m.text, m.unit_id, COALESCE((SELECT name FROM units WHERE id = m.unit_id), ''), m.due,
	m.version, m.created_at, m.updated_at FROM theme_measures m`

func scanMeasure(sc scanner) (*sanlian.ThemeMeasure, error) {
	m := &sanlian.ThemeMeasure{}
	err := sc.Scan(&m.ID, &m.ThemeID, &m.Text, &m.UnitID, &m.UnitName, &m.Due, &m.Version, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}

func themeMeasures(q querier, themeID int64) ([]*sanlian.ThemeMeasure, error) {
	out := []*sanlian.ThemeMeasure{}
	err := eachRow(q, measureSelect+` WHERE m.theme_id = ? ORDER BY m.due, m.id`, []any{themeID}, func(sc scanner) error {
		m, err := scanMeasure(sc)
		out = append(out, m)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("theme measures %d: %w", themeID, err)
	}
	return out, nil
}

func findMeasure(q querier, themeID, id int64) (*sanlian.ThemeMeasure, error) {
	m, err := scanMeasure(q.queryOne(measureSelect+` WHERE m.id = ? AND m.theme_id = ?`, id, themeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("治本措施")
	} else if err != nil {
		return nil, fmt.Errorf("find measure %d: %w", id, err)
	}
	return m, nil
}

// SaveThemeMeasure implements sanlian.ThemeService.
func (db *WorkStore) SaveThemeMeasure(ctx context.Context, m *sanlian.ThemeMeasure) error {
	if err := officeOnly(ctx, themeWriter); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := db.findTheme(tx, &scope{user: sanlian.UserFromContext(ctx), all: true}, m.ThemeID); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM units WHERE id = ?`, m.UnitID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sanlian.FieldErrors(map[string]string{"unit_id": fmt.Sprintf("单位 %d 不存在", m.UnitID)})
		}
		before, action := &sanlian.ThemeMeasure{}, "create"
		if m.ID == 0 {
			id, err := tx.insertID(`INSERT INTO theme_measures (theme_id, text, unit_id, due, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				m.ThemeID, m.Text, m.UnitID, m.Due, tx.now, tx.now)
			if err != nil {
				return fmt.Errorf("create measure: %w", err)
			}
			m.ID = id
		} else {
			b, err := findMeasure(tx, m.ThemeID, m.ID)
			if err != nil {
				return err
			}
			before, action = b, "update"
			res, err := tx.exec(`UPDATE theme_measures SET text = ?, unit_id = ?, due = ?, version = version + 1, updated_at = ?
				WHERE id = ? AND version = ?`, m.Text, m.UnitID, m.Due, tx.now, m.ID, m.Version)
			if err != nil {
				return fmt.Errorf("update measure %d: %w", m.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errStale("该治本措施")
			}
		}
		ch := changes{"theme_id": {nil, m.ThemeID}}
		ch.set("text", before.Text, m.Text)
		ch.set("unit_id", before.UnitID, m.UnitID)
		ch.set("due", before.Due, m.Due)
		if err := tx.audit(action, "theme_measure", m.ID, ch); err != nil {
			return err
		}
		saved, err := findMeasure(tx, m.ThemeID, m.ID)
		if err != nil {
			return err
		}
		*m = *saved
		return nil
	})
}

// DeleteThemeMeasure implements sanlian.ThemeService.
func (db *WorkStore) DeleteThemeMeasure(ctx context.Context, themeID, id, version int64) error {
	if err := officeOnly(ctx, themeWriter); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		b, err := findMeasure(tx, themeID, id)
		if err != nil {
			return err
		}
		if b.Version != version {
			return errStale("该治本措施")
		}
		if _, err := tx.exec(`DELETE FROM theme_measures WHERE id = ? AND version = ?`, id, version); err != nil {
			return fmt.Errorf("delete measure %d: %w", id, err)
		}
		return tx.audit("delete", "theme_measure", id, changes{"theme_id": {themeID, nil}, "text": {b.Text, nil},
			"unit_id": {b.UnitID, nil}, "due": {b.Due, nil}})
	})
}

var _ sanlian.ThemeService = (*WorkStore)(nil)
