package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"sanlian"
)

var _ sanlian.ProjectService = (*ListStore)(nil)

const maxProjectDepth = sanlian.MaxProjectDepth

const projectSelect = `SELECT pj.id, COALESCE(pj.parent_id, 0), pj.unit_id, pj.title, pj.category, pj.description, pj.target, pj.measure,
	pj.done, pj.beneficiaries, pj.start_date, pj.end_date, COALESCE(pj.leader_id, 0), COALESCE(pj.person_id, 0), pj.status, pj.progress,
	pj.weight, pj.rollup, pj.last_progress, (SELECT COUNT(*) FROM projects k WHERE k.parent_id = pj.id), pj.version,
	COALESCE(pj.created_by, 0), pj.created_at, pj.updated_at,
	u.name, COALESCE(lc.name, ''), COALESCE(pc.name, ''), COALESCE(pp.title, ''), COALESCE(cat.name, '')
	FROM projects pj JOIN units u ON u.id = pj.unit_id LEFT JOIN cadres lc ON lc.id = pj.leader_id
	LEFT JOIN cadres pc ON pc.id = pj.person_id LEFT JOIN projects pp ON pp.id = pj.parent_id
	LEFT JOIN categories cat ON cat.code = pj.category`

func scanProject(sc scanner) (*sanlian.Project, error) {
	p := &sanlian.Project{}
	err := sc.Scan(&p.ID, &p.ParentID, &p.UnitID, &p.Title, &p.Category, &p.Description, &p.Target, &p.Measure,
		&p.Done, &p.Beneficiaries, &p.StartDate, &p.EndDate, &p.LeaderID, &p.PersonID, &p.Status, &p.Progress,
		&p.Weight, &p.Rollup, &p.LastProgress, &p.Children, &p.Version,
		&p.CreatedBy, &p.CreatedAt, &p.UpdatedAt,
		&p.UnitName, &p.LeaderName, &p.PersonName, &p.ParentTitle, &p.CategoryName)
	return p, err
}

// todayOf is the day it is in Asia/Shanghai by db's clock.
func (db *ListStore) todayOf() string { return db.Now().In(sanlian.Shanghai).Format("2006-01-02") }

// stalledSince is the last day of progress (or start, before any) that
// makes an ongoing project stalled today.
func stalledSince(today string) string {
	t, err := time.Parse("2006-01-02", today)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, -sanlian.StalledDays).Format("2006-01-02")
}

// projectOverdueCond and projectStalledCond are Project.MarkDue in SQL;
// both take today's date, the second as stalledSince(today).
const (
	projectOverdueCond = `(pj.status <> 'done' AND pj.end_date <> '' AND pj.end_date < ?)`
	projectStalledCond = `(pj.status = 'ongoing' AND COALESCE(NULLIF(pj.last_progress, ''), pj.start_date) <= ?)`
)

// FindProjectByID implements sanlian.ProjectService.
func (db *ListStore) FindProjectByID(ctx context.Context, id int64) (*sanlian.Project, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	return db.findProject(q, s, id)
}

func (db *ListStore) findProject(q querier, s *scope, id int64) (*sanlian.Project, error) {
	w := &where{}
	if err := s.projects(w); err != nil {
		return nil, err
	}
	w.add("pj.id = ?", id)
	p, err := scanProject(q.queryOne(projectSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("服务项目")
	} else if err != nil {
		return nil, fmt.Errorf("find project %d: %w", id, err)
	}
	p.MarkDue(db.todayOf())
	return p, nil
}

// projectWhere builds the scope and filter conditions for projects.
func (db *ListStore) projectWhere(s *scope, f sanlian.ProjectFilter) (*where, error) {
	w := &where{}
	if err := s.projects(w); err != nil {
		return nil, err
	}
	if f.UnitID != 0 {
		w.add("pj.unit_id = ?", f.UnitID)
	}
	if f.PersonID != 0 {
		w.add("(pj.leader_id = ? OR pj.person_id = ?)", f.PersonID, f.PersonID)
	}
	if f.ParentID != 0 {
		w.add("pj.parent_id = ?", f.ParentID)
	}
	if f.TopOnly {
		w.add("pj.parent_id IS NULL")
	}
	if f.Status != "" {
		switch f.Status {
		case sanlian.ProjectPlanned, sanlian.ProjectOngoing, sanlian.ProjectDone, sanlian.ProjectSuspended:
		default:
			return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: "项目状态须为 planned、ongoing、done 或 suspended",
				Fields: map[string]string{"status": "无效的项目状态"}}
		}
		w.add("pj.status = ?", f.Status)
	}
	today := db.todayOf()
	if f.Overdue {
		w.add(projectOverdueCond, today)
	}
	if f.Stalled {
		w.add(projectStalledCond, stalledSince(today))
	}
	// The workbench's due window.
	if f.DueBy != "" {
		w.add("(pj.status <> 'done' AND pj.end_date >= ? AND pj.end_date <= ?)", today, f.DueBy)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if utf8.RuneCountInString(q) > sanlian.MaxSearch {
			return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: fmt.Sprintf("搜索词不能超过 %d 个字", sanlian.MaxSearch),
				Fields: map[string]string{"q": "搜索词过长"}}
		}
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
		w.add(`pj.title LIKE ? ESCAPE '\'`, "%"+esc+"%")
	}
	return w, nil
}

// FindProjects implements sanlian.ProjectService. Projects come in the
// order they were entered, so that a parent precedes its sub-projects.
func (db *ListStore) FindProjects(ctx context.Context, f sanlian.ProjectFilter) ([]*sanlian.Project, string, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, "", err
	}
	w, err := db.projectWhere(s, f)
	if err != nil {
		return nil, "", err
	}
	// The page's ids first, from the indexes alone; then their rows with
	// the joins, so that a broad scope does not join every row it sorts.
	ids, next, err := readPage(ctx, db.DB, "find projects", `SELECT pj.id FROM projects pj`, w, f.Cursor, f.Limit, byID("pj.id", false),
		func(sc scanner) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		}, idKey)
	if err != nil {
		return nil, "", err
	}
	out, err := db.projectsByID(q, ids)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// projectsByID reads the projects ids, in id order, with Overdue and
// Stalled set; the caller has checked their scope.
func (db *ListStore) projectsByID(q querier, ids []int64) ([]*sanlian.Project, error) {
	out := make([]*sanlian.Project, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.queryRows(projectSelect+" WHERE "+inList("pj.id", len(ids))+" ORDER BY pj.id", int64s(ids)...)
	if err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	defer rows.Close()
	today := db.todayOf()
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("find projects: %w", err)
		}
		p.MarkDue(today)
		out = append(out, p)
	}
	return out, rows.Err()
}

// mayWriteProject says whether the caller enters and edits projects of
// unit: the office any unit's, a unit admin its units'.
func mayWriteProject(s *scope, unitID int64) error {
	switch s.role() {
	case sanlian.RoleOffice:
		return nil
	case sanlian.RoleUnitAdmin:
		if s.hasUnit(unitID) {
			return nil
		}
		return errForbidden("只能登记和修改本单位或下属单位的服务项目")
	}
	return errForbidden("只有县办公室和单位管理员可以登记和修改服务项目")
}

// checkProject checks what in refers to, for a new project (cur nil) or
// one being rewritten. The unit defaults to a unit admin's own. A parent
// is a project of the same unit, neither the project itself nor one of
// its sub-projects, and nesting stays within maxProjectDepth levels. The
// responsible person is a cadre of the unit or of one of its sub-units;
// the responsible leader too, or a county-level leader. A category, when
// given, is one of the dictionary's, active unless it was already set.
func (db *ListStore) checkProject(tx *Tx, s *scope, cur *sanlian.Project, in *sanlian.ProjectInput) error {
	if in.UnitID == 0 && s.role() == sanlian.RoleUnitAdmin {
		in.UnitID = s.user.UnitID
	}
	if in.UnitID == 0 {
		return fieldErr("unit_id", "请选择责任单位")
	}
	if err := mayWriteProject(s, in.UnitID); err != nil {
		return err
	}
	if err := exists(tx, "units", in.UnitID, "unit_id", "责任单位不存在"); err != nil {
		return err
	}
	f := map[string]string{}
	if cur != nil && cur.UnitID != in.UnitID && cur.Children > 0 {
		f["unit_id"] = "该项目有子项目，不能更换责任单位"
	}
	if in.ParentID != 0 {
		if msg, err := checkParent(tx, cur, in); err != nil {
			return err
		} else if msg != "" {
			f["parent_id"] = msg
		}
	}
	units, err := unitTree(tx, in.UnitID)
	if err != nil {
		return err
	}
	if in.LeaderID != 0 {
		var unitID int64
		var isLeader bool
		err := tx.queryRow(`SELECT unit_id, is_leader FROM cadres WHERE id = ?`, in.LeaderID).Scan(&unitID, &isLeader)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f["leader_id"] = fmt.Sprintf("干部 %d 不存在", in.LeaderID)
		case err != nil:
			return err
		case !isLeader && !units[unitID]:
			f["leader_id"] = "责任领导须为责任单位（含下属单位）的干部或县级领导"
		}
	}
	if in.PersonID != 0 {
		var unitID int64
		err := tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, in.PersonID).Scan(&unitID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f["person_id"] = fmt.Sprintf("干部 %d 不存在", in.PersonID)
		case err != nil:
			return err
		case !units[unitID]:
			f["person_id"] = "责任人须为责任单位（含下属单位）的干部"
		}
	}
	if in.Category != "" {
		var active bool
		err := tx.queryRow(`SELECT active FROM categories WHERE code = ?`, in.Category).Scan(&active)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f["category"] = "类别 " + in.Category + " 不存在"
		case err != nil:
			return err
		case !active && (cur == nil || cur.Category != in.Category):
			f["category"] = "类别 " + in.Category + " 已停用"
		}
	}
	return sanlian.FieldErrors(f)
}

// checkParent returns why in.ParentID cannot be the parent of cur (nil
// for a new project), or "".
func checkParent(tx *Tx, cur *sanlian.Project, in *sanlian.ProjectInput) (string, error) {
	var self int64
	if cur != nil {
		self = cur.ID
	}
	if in.ParentID == self {
		return "上级项目不能是项目本身", nil
	}
	var unitID int64
	err := tx.queryRow(`SELECT unit_id FROM projects WHERE id = ?`, in.ParentID).Scan(&unitID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Sprintf("上级项目 %d 不存在", in.ParentID), nil
	} else if err != nil {
		return "", err
	}
	if unitID != in.UnitID {
		return "上级项目须为同一责任单位的项目", nil
	}
	// The parent's depth, walking up; meeting self is a cycle.
	depth := 1
	for id := in.ParentID; ; depth++ {
		var up int64
		if err := tx.queryRow(`SELECT COALESCE(parent_id, 0) FROM projects WHERE id = ?`, id).Scan(&up); err != nil {
			return "", err
		}
		if up == 0 {
			break
		}
		if up == self {
			return "上级项目不能是本项目的子项目", nil
		}
		if depth > maxProjectDepth {
			return "上级项目的层级有误", nil // a chain this long was never written
		}
		id = up
	}
	height := 0 // levels below cur
	if self != 0 {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM projects WHERE parent_id = ?`, self).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			height = 1
			if err := tx.queryRow(`SELECT COUNT(*) FROM projects WHERE parent_id IN (SELECT id FROM projects WHERE parent_id = ?)`, self).Scan(&n); err != nil {
				return "", err
			}
			if n > 0 {
				height = 2
			}
		}
	}
	if depth+1+height > maxProjectDepth {
		return fmt.Sprintf("子项目最多 %d 层：上级项目已在第 %d 层", maxProjectDepth, depth), nil
	}
	return "", nil
}

// unitTree returns unit id and its sub-units, as a set.
func unitTree(tx *Tx, id int64) (map[int64]bool, error) {
	rows, err := tx.query(`WITH RECURSIVE sub(id) AS (
		SELECT id FROM units WHERE id = ?
		UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
		SELECT id FROM sub`, id)
	if err != nil {
		return nil, fmt.Errorf("unit tree %d: %w", id, err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out[u] = true
	}
	return out, rows.Err()
}

// CreateProject implements sanlian.ProjectService.
func (db *ListStore) CreateProject(ctx context.Context, in *sanlian.ProjectInput) (*sanlian.Project, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Project
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if err := db.checkProject(tx, s, nil, in); err != nil {
			return err
		}
		progress := 0
		if in.Status == sanlian.ProjectDone {
			progress = 100
		}
		id, err := tx.insertID(`INSERT INTO projects (parent_id, unit_id, title, category, description, target, measure, beneficiaries,
			start_date, end_date, leader_id, person_id, status, progress, weight, rollup, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			nullInt(in.ParentID), in.UnitID, in.Title, in.Category, in.Description, in.Target, in.Measure, in.Beneficiaries,
			in.StartDate, in.EndDate, nullInt(in.LeaderID), nullInt(in.PersonID), in.Status, progress, in.Weight, in.Rollup,
			nullInt(s.user.ID), tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		ch := changes{"title": {nil, in.Title}, "unit_id": {nil, in.UnitID}, "target": {nil, in.Target}, "measure": {nil, in.Measure},
			"start_date": {nil, in.StartDate}, "end_date": {nil, in.EndDate}, "status": {nil, in.Status}}
		for k, v := range map[string]any{"parent_id": in.ParentID, "leader_id": in.LeaderID, "person_id": in.PersonID} {
			if v != int64(0) {
				ch[k] = [2]any{nil, v}
			}
		}
		if in.Category != "" {
			ch["category"] = [2]any{nil, in.Category}
		}
		if err := tx.audit("create", "project", id, ch); err != nil {
			return err
		}
		// A first sub-project turns its parent's progress into a rollup.
		if err := rollUp(tx, in.ParentID, false); err != nil {
			return err
		}
		out, err = db.findProject(tx, s, id)
		return err
	})
	return out, err
}

// UpdateProject implements sanlian.ProjectService. Done, progress and the
// date of the last progress are not the writer's: they follow from the
// entries and sub-projects, and are recomputed here for the project and
// its ancestors, old and new.
func (db *ListStore) UpdateProject(ctx context.Context, id int64, in *sanlian.ProjectInput, version int64) (*sanlian.Project, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Project
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		p, err := db.findProject(tx, s, id)
		if err != nil {
			return err
		}
		if err := mayWriteProject(s, p.UnitID); err != nil {
			return err
		}
		if p.Version != version {
			return errStale("该项目")
		}
		if err := db.checkProject(tx, s, p, in); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE projects SET parent_id = ?, unit_id = ?, title = ?, category = ?, description = ?, target = ?, measure = ?,
			beneficiaries = ?, start_date = ?, end_date = ?, leader_id = ?, person_id = ?, status = ?, weight = ?, rollup = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			nullInt(in.ParentID), in.UnitID, in.Title, in.Category, in.Description, in.Target, in.Measure,
			in.Beneficiaries, in.StartDate, in.EndDate, nullInt(in.LeaderID), nullInt(in.PersonID), in.Status, in.Weight, in.Rollup,
			tx.now, id, version)
		if err != nil {
			return fmt.Errorf("update project %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该项目")
		}
		ch := changes{}
		ch.set("parent_id", p.ParentID, in.ParentID)
		ch.set("unit_id", p.UnitID, in.UnitID)
		ch.set("title", p.Title, in.Title)
		ch.set("category", p.Category, in.Category)
		ch.set("description", p.Description, in.Description)
		ch.set("target", p.Target, in.Target)
		ch.set("measure", p.Measure, in.Measure)
		ch.set("beneficiaries", p.Beneficiaries, in.Beneficiaries)
		ch.set("start_date", p.StartDate, in.StartDate)
		ch.set("end_date", p.EndDate, in.EndDate)
		ch.set("leader_id", p.LeaderID, in.LeaderID)
		ch.set("person_id", p.PersonID, in.PersonID)
		ch.set("status", p.Status, in.Status)
		ch.set("weight", p.Weight, in.Weight)
		ch.set("rollup", p.Rollup, in.Rollup)
		_, calc, err := recompute(tx, id, false)
		if err != nil {
			return err
		}
		for k, v := range calc {
			ch[k] = v
		}
		if err := tx.audit("update", "project", id, ch); err != nil {
			return err
		}
		if err := rollUp(tx, in.ParentID, false); err != nil {
			return err
		}
		if p.ParentID != in.ParentID {
			if err := rollUp(tx, p.ParentID, false); err != nil {
				return err
			}
		}
		out, err = db.findProject(tx, s, id)
		return err
	})
	return out, err
}

// mayRecordProgress decides who records progress on a project they see:
// the office, a unit admin of its units, and the cadre who answers for it
// as responsible leader or person.
func mayRecordProgress(s *scope, p *sanlian.Project) error {
	switch s.role() {
	case sanlian.RoleOffice:
		return nil
	case sanlian.RoleUnitAdmin:
		if s.hasUnit(p.UnitID) {
			return nil
		}
		return errForbidden("只能填报本单位或下属单位服务项目的进展")
	case sanlian.RoleCadre:
		if c := s.user.CadreID; c != 0 && (c == p.LeaderID || c == p.PersonID) {
			return nil
		}
		return errForbidden("只有项目的责任领导或责任人可以填报进展")
	}
	return errForbidden("只有县办公室、责任单位和项目责任人可以填报项目进展")
}

// AddProgress implements sanlian.ProjectService. A planned project (and
// each planned ancestor) turns ongoing with its first entry; a done or
// suspended one takes none. An entry is dated within the project's life
// so far: not before its start, not after today.
func (db *ListStore) AddProgress(ctx context.Context, projectID int64, in *sanlian.ProgressInput) (*sanlian.Project, *sanlian.ProgressEntry, error) {
	if err := in.Validate(); err != nil {
		return nil, nil, err
	}
	var out *sanlian.Project
	var e *sanlian.ProgressEntry
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		p, err := db.findProject(tx, s, projectID)
		if err != nil {
			return err
		}
		if err := mayRecordProgress(s, p); err != nil {
			return err
		}
		if p.Version != in.Version {
			return errStale("该项目")
		}
		switch p.Status {
		case sanlian.ProjectDone:
			return sanlian.Errorf(sanlian.EUNPROCESSABLE, "项目已完成，不能再填报进展；如需继续，请先将项目状态改为实施中")
		case sanlian.ProjectSuspended:
			return sanlian.Errorf(sanlian.EUNPROCESSABLE, "项目已暂停，不能填报进展；恢复实施后再填报")
		}
		today := tx.now.In(sanlian.Shanghai).Format("2006-01-02")
		if in.Date > today {
			return fieldErr("date", "进展日期不能晚于今天（"+today+"）")
		}
		if in.Date < p.StartDate {
			return fieldErr("date", "进展日期不能早于项目开始日期（"+p.StartDate+"）")
		}
		res, err := tx.exec(`UPDATE projects SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, tx.now, projectID, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该项目")
		}
		percent := -1
		if in.Percent != nil {
			percent = *in.Percent
		}
		e = &sanlian.ProgressEntry{ProjectID: projectID, Date: in.Date, Quantity: in.Quantity, Percent: percent, Note: in.Note,
			CreatedBy: s.user.ID, Creator: s.user.DisplayName, CreatedAt: tx.now, Evidence: []*sanlian.Attachment{}}
		if e.Creator == "" {
			e.Creator = s.user.Username
		}
		e.ID, err = tx.insertID(`INSERT INTO project_progress (project_id, date, quantity, percent, note, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, projectID, in.Date, in.Quantity, percent, in.Note, nullInt(s.user.ID), tx.now)
		if err != nil {
			return fmt.Errorf("add progress to project %d: %w", projectID, err)
		}
		parent, ch, err := recompute(tx, projectID, true)
		if err != nil {
			return err
		}
		ch["entry_id"] = [2]any{nil, e.ID}
		ch["date"] = [2]any{nil, in.Date}
		ch["quantity"] = [2]any{nil, in.Quantity}
		if percent >= 0 {
			ch["percent"] = [2]any{nil, percent}
		}
		if err := tx.audit("progress", "project", projectID, ch); err != nil {
			return err
		}
		if err := rollUp(tx, parent, true); err != nil {
			return err
		}
		out, err = db.findProject(tx, s, projectID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, e, nil
}

// recompute sets project id's done, progress and date of last progress
// from its entries and sub-projects, and returns its parent and what
// changed; it leaves the version to the caller. When started, a planned
// project turns ongoing.
//
//   - done is the sum of the project's own entries, plus the done of each
//     sub-project counted in the same measure word: 320 台 wheelchairs
//     split by township add up in the parent, 处 and 公里 do not mix;
//   - the last progress is the latest date of its entries and of its
//     sub-projects', so that a parent at work below is not stalled;
//   - progress is 100 once done; for a parent, the mean of its
//     sub-projects' progress, or the mean weighted by their weights; for
//     a project with a target, done over target, capped at 100; without
//     one, the percentage of its latest entry (by date) that gave one, and
//     0 before any. Every division rounds down, so 100 shows only when the
//     target is met or every sub-project is at 100.
func recompute(tx *Tx, id int64, started bool) (int64, changes, error) {
	var parentID, target, done int64
	var measure, status, rollup, last string
	var progress int
	// On PostgreSQL the row is locked before its sub-projects are read:
	// two entries on sibling projects then roll up one after the other,
	// the second reading the first's committed result. NO KEY UPDATE, as
	// an UPDATE takes: it leaves alone the KEY SHARE lock a sibling's
	// foreign key check holds on this row, which FOR UPDATE would
	// deadlock against. SQLite has one writer at a time.
	q := `SELECT COALESCE(parent_id, 0), target, measure, done, status, progress, rollup, last_progress FROM projects WHERE id = ?`
	if tx.db.Dialect == Postgres {
		q += " FOR NO KEY UPDATE"
	}
	err := tx.queryRow(q, id).Scan(&parentID, &target, &measure, &done, &status, &progress, &rollup, &last)
	if err != nil {
		return 0, nil, fmt.Errorf("recompute project %d: %w", id, err)
	}
	var newDone int64
	var newLast string
	if err := tx.queryRow(`SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT), COALESCE(MAX(date), '') FROM project_progress WHERE project_id = ?`,
		id).Scan(&newDone, &newLast); err != nil {
		return 0, nil, fmt.Errorf("recompute project %d: %w", id, err)
	}
	rows, err := tx.query(`SELECT progress, weight, measure, done, last_progress FROM projects WHERE parent_id = ? ORDER BY id`, id)
	if err != nil {
		return 0, nil, fmt.Errorf("recompute project %d: %w", id, err)
	}
	n, sum, wsum, wtotal := 0, 0, 0, 0
	for rows.Next() {
		var cp, cw int
		var cm, cl string
		var cd int64
		if err := rows.Scan(&cp, &cw, &cm, &cd, &cl); err != nil {
			rows.Close()
			return 0, nil, err
		}
		if measure != "" && cm == measure {
			newDone += cd
		}
		if cl > newLast {
			newLast = cl
		}
		n, sum, wsum, wtotal = n+1, sum+cp, wsum+cw*cp, wtotal+cw
	}
	if err := rows.Close(); err != nil {
		return 0, nil, err
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	newStatus := status
	if started && status == sanlian.ProjectPlanned {
		newStatus = sanlian.ProjectOngoing
	}
	newProgress := 0
	switch {
	case newStatus == sanlian.ProjectDone:
		newProgress = 100
	case n > 0 && rollup == sanlian.RollupWeighted && wtotal > 0:
		newProgress = wsum / wtotal
	case n > 0:
		newProgress = sum / n
	case target > 0:
		newProgress = int(min(100, newDone*100/target))
	default:
		err := tx.queryRow(`SELECT percent FROM project_progress WHERE project_id = ? AND percent >= 0 ORDER BY date DESC, id DESC LIMIT 1`,
			id).Scan(&newProgress)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, nil, fmt.Errorf("recompute project %d: %w", id, err)
		}
	}
	ch := changes{}
	ch.set("done", done, newDone)
	ch.set("progress", progress, newProgress)
	ch.set("last_progress", last, newLast)
	ch.set("status", status, newStatus)
	if len(ch) > 0 {
		if _, err := tx.exec(`UPDATE projects SET done = ?, progress = ?, last_progress = ?, status = ?, updated_at = ? WHERE id = ?`,
			newDone, newProgress, newLast, newStatus, tx.now, id); err != nil {
			return 0, nil, fmt.Errorf("recompute project %d: %w", id, err)
		}
	}
	return parentID, ch, nil
}

// rollUp recomputes project id (0: none) and each of its ancestors after
// a change below them; each one that changes gets a new version and an
// audit row.
func rollUp(tx *Tx, id int64, started bool) error {
	for depth := 0; id != 0 && depth < maxProjectDepth; depth++ {
		parent, ch, err := recompute(tx, id, started)
		if err != nil {
			return err
		}
		if len(ch) > 0 {
			if _, err := tx.exec(`UPDATE projects SET version = version + 1 WHERE id = ?`, id); err != nil {
				return err
			}
			if err := tx.audit("rollup", "project", id, ch); err != nil {
				return err
			}
		}
		id = parent
	}
	return nil
}

// FindProgress implements sanlian.ProjectService.
func (db *ListStore) FindProgress(ctx context.Context, projectID int64) ([]*sanlian.ProgressEntry, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if _, err := db.findProject(q, s, projectID); err != nil {
		return nil, err
	}
	rows, err := q.queryRows(`SELECT e.id, e.project_id, e.date, e.quantity, e.percent, e.note, COALESCE(e.created_by, 0),
		COALESCE(NULLIF(u.display_name, ''), u.username, ''), e.created_at
		FROM project_progress e LEFT JOIN users u ON u.id = e.created_by WHERE e.project_id = ? ORDER BY e.date DESC, e.id DESC`, projectID)
	if err != nil {
		return nil, fmt.Errorf("find progress of project %d: %w", projectID, err)
	}
	defer rows.Close()
	out := []*sanlian.ProgressEntry{}
	byID := map[int64]*sanlian.ProgressEntry{}
	for rows.Next() {
		e := &sanlian.ProgressEntry{Evidence: []*sanlian.Attachment{}}
		if err := rows.Scan(&e.ID, &e.ProjectID, &e.Date, &e.Quantity, &e.Percent, &e.Note, &e.CreatedBy, &e.Creator, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("find progress of project %d: %w", projectID, err)
		}
		out = append(out, e)
		byID[e.ID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find progress of project %d: %w", projectID, err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ev, err := readAttachments(ctx, db.DB, `WHERE a.progress_id IN (SELECT id FROM project_progress WHERE project_id = ?) ORDER BY a.id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("find evidence of project %d: %w", projectID, err)
	}
	for _, a := range ev {
		if e := byID[a.ProgressID]; e != nil {
			e.Evidence = append(e.Evidence, a)
		}
	}
	return out, nil
}

// findProgressEntry returns the project of progress entry id, in s.
func (db *ListStore) findProgressEntry(q querier, s *scope, id int64) (*sanlian.Project, error) {
	var projectID int64
	err := q.queryOne(`SELECT project_id FROM project_progress WHERE id = ?`, id).Scan(&projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("项目进展")
	} else if err != nil {
		return nil, fmt.Errorf("find progress entry %d: %w", id, err)
	}
	p, err := db.findProject(q, s, projectID)
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		return nil, errNotFound("项目进展")
	}
	return p, err
}

// AddProgressEvidence implements sanlian.ProjectService: photos or
// documents, checked by content as a problem's attachments are, by whoever
// may record progress on the project.
func (db *ListStore) AddProgressEvidence(ctx context.Context, entryID int64, filename string, r io.Reader, max int64) (*sanlian.Attachment, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	p, err := db.findProgressEntry(q, s, entryID)
	if err != nil {
		return nil, err
	}
	if err := mayRecordProgress(s, p); err != nil {
		return nil, err
	}
	up, err := db.readUpload(ctx, filename, r, max, checkUpload)
	if err != nil {
		return nil, fmt.Errorf("add evidence to progress %d: %w", entryID, err)
	}
	a := up.attachment(s, 0, 0, sanlian.AttachEvidence)
	a.ProgressID = entryID
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := db.findProgressEntry(tx, s, entryID); err != nil {
			return err
		}
		return insertAttachment(tx, a, up)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
