package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sanlian"
)

const activitySelect = `SELECT a.id, a.type, a.date, a.village_code, COALESCE(a.township_code, ''), a.unit_id, a.others, a.served,
	a.description, a.version, COALESCE(a.created_by, 0), a.created_at, a.updated_at,
	COALESCE(t.name, a.type), COALESCE(v.name, ''), COALESCE(tw.name, ''), COALESCE(u.name, '')
	FROM activities a LEFT JOIN activity_types t ON t.code = a.type LEFT JOIN regions v ON v.code = a.village_code
	LEFT JOIN regions tw ON tw.code = a.township_code LEFT JOIN units u ON u.id = a.unit_id`

func scanActivity(sc scanner) (*sanlian.Activity, error) {
	a := &sanlian.Activity{}
	err := sc.Scan(&a.ID, &a.Type, &a.Date, &a.VillageCode, &a.TownshipCode, &a.UnitID, &a.Others, &a.Served,
		&a.Description, &a.Version, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt,
		&a.TypeName, &a.VillageName, &a.TownshipName, &a.UnitName)
	a.Volunteers = []int64{}
	return a, err
}

// activities adds the condition limiting activities aliased a: a leader
// sees the linked townships, a unit admin its units' activities, a cadre
// those they served in and their unit's.
func (s *scope) activities(w *where) error {
	switch {
	case s.all:
	case s.role() == sanlian.RoleLeader:
		w.add(inList("a.township_code", len(s.townships)), strArgs(s.townships)...)
	case s.role() == sanlian.RoleUnitAdmin:
		w.add(inList("a.unit_id", len(s.unitIDs)), int64s(s.unitIDs)...)
	case s.role() == sanlian.RoleCadre:
		w.add("(a.unit_id = (SELECT unit_id FROM cadres WHERE id = ?) OR a.id IN (SELECT activity_id FROM activity_volunteers WHERE cadre_id = ?))",
			s.cadreID, s.cadreID)
	default:
		return errForbidden("您的角色无权查看志愿服务活动")
	}
	return nil
}

// FindActivityTypes implements sanlian.ActivityService.
func (db *WorkStore) FindActivityTypes(ctx context.Context) ([]*sanlian.ActivityType, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT code, name, active, sort FROM activity_types ORDER BY sort, code`)
	if err != nil {
		return nil, fmt.Errorf("find activity types: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.ActivityType
	for rows.Next() {
		t := &sanlian.ActivityType{}
		if err := rows.Scan(&t.Code, &t.Name, &t.Active, &t.Sort); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SaveActivityType implements sanlian.ActivityService.
func (db *WorkStore) SaveActivityType(ctx context.Context, t *sanlian.ActivityType) error {
	if err := officeOnly(ctx, "只有县办公室可以维护活动类型"); err != nil {
		return err
	}
	t.Code, t.Name = strings.TrimSpace(t.Code), strings.TrimSpace(t.Name)
	f := map[string]string{}
	if t.Code == "" || len(t.Code) > 40 || strings.ContainsAny(t.Code, " /?#&") {
		f["code"] = "请填写类型代码（不超过 40 个字符，不含空格）"
	}
	if t.Name == "" || len([]rune(t.Name)) > 40 {
		f["name"] = "请填写类型名称（不超过 40 字）"
	} else if p := sanlian.TextProblem(t.Name, false); p != "" {
		f["name"] = "类型名称" + p
	}
	if err := sanlian.FieldErrors(f); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var name string
		var active bool
		var sort int
		err := tx.queryRow(`SELECT name, active, sort FROM activity_types WHERE code = ?`, t.Code).Scan(&name, &active, &sort)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := tx.exec(`INSERT INTO activity_types (code, name, active, sort) VALUES (?, ?, ?, ?)`, t.Code, t.Name, t.Active, t.Sort); err != nil {
				return err
			}
			return tx.audit("create", "activity_type", t.Code, changes{"name": {nil, t.Name}, "active": {nil, t.Active}})
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE activity_types SET name = ?, active = ?, sort = ? WHERE code = ?`, t.Name, t.Active, t.Sort, t.Code); err != nil {
			return err
		}
		ch := changes{}
		ch.set("name", name, t.Name)
		ch.set("active", active, t.Active)
		ch.set("sort", sort, t.Sort)
		return tx.audit("update", "activity_type", t.Code, ch)
	})
}

// checkActivity checks what the input refers to and returns the unit and
// township it is recorded under.
func (db *WorkStore) checkActivity(tx *Tx, s *scope, in *sanlian.ActivityInput) (unitID int64, township string, err error) {
	switch s.role() {
	case sanlian.RoleOffice:
		if in.UnitID == 0 {
			return 0, "", sanlian.FieldErrors(map[string]string{"unit_id": "请选择组织单位"})
		}
	case sanlian.RoleUnitAdmin:
		if in.UnitID == 0 {
			in.UnitID = s.user.UnitID
		}
		if !s.hasUnit(in.UnitID) {
			return 0, "", errForbidden("只能登记本单位或下属单位的志愿服务活动")
		}
	default:
		return 0, "", errForbidden("只有县办公室和单位管理员可以登记志愿服务活动")
	}
	if err := exists(tx, "units", in.UnitID, "unit_id", "组织单位不存在"); err != nil {
		return 0, "", err
	}
	var active bool
	err = tx.queryRow(`SELECT active FROM activity_types WHERE code = ?`, in.Type).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", sanlian.FieldErrors(map[string]string{"type": "活动类型 " + in.Type + " 不存在"})
	} else if err != nil {
		return 0, "", err
	} else if !active {
		return 0, "", sanlian.FieldErrors(map[string]string{"type": "活动类型 " + in.Type + " 已停用"})
	}
	var kind string
	err = tx.queryRow(`SELECT kind, COALESCE(parent_code, '') FROM regions WHERE code = ?`, in.VillageCode).Scan(&kind, &township)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != sanlian.RegionVillage) {
		return 0, "", sanlian.FieldErrors(map[string]string{"village": "村(社区)代码 " + in.VillageCode + " 不存在"})
	} else if err != nil {
		return 0, "", err
	}
	today := tx.now.In(sanlian.Shanghai).Format("2006-01-02")
	if in.Date > today {
		return 0, "", sanlian.FieldErrors(map[string]string{"date": "活动日期不能晚于今天（" + today + "）"})
	}
	for _, id := range uniqueIDs(in.Volunteers) {
		if err := exists(tx, "cadres", id, "volunteers", fmt.Sprintf("干部 %d 不存在", id)); err != nil {
			return 0, "", err
		}
	}
	return in.UnitID, township, nil
}

func setVolunteers(tx *Tx, id int64, cadres []int64) error {
	if _, err := tx.exec(`DELETE FROM activity_volunteers WHERE activity_id = ?`, id); err != nil {
		return err
	}
	for _, c := range uniqueIDs(cadres) {
		if _, err := tx.exec(`INSERT INTO activity_volunteers (activity_id, cadre_id) VALUES (?, ?)`, id, c); err != nil {
			return err
		}
	}
	return nil
}

// CreateActivity implements sanlian.ActivityService.
func (db *WorkStore) CreateActivity(ctx context.Context, in *sanlian.ActivityInput) (*sanlian.Activity, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Activity
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		unitID, township, err := db.checkActivity(tx, s, in)
		if err != nil {
			return err
		}
		id, err := tx.insertID(`INSERT INTO activities (type, date, village_code, township_code, unit_id, others, served, description,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Type, in.Date, in.VillageCode, nullStr(township), unitID, in.Others, in.Served, in.Description, nullInt(s.user.ID), tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("create activity: %w", err)
		}
		if err := setVolunteers(tx, id, in.Volunteers); err != nil {
			return err
		}
		if err := tx.audit("create", "activity", id, changes{"type": {nil, in.Type}, "date": {nil, in.Date}, "village": {nil, in.VillageCode},
			"unit_id": {nil, unitID}, "volunteers": {nil, len(uniqueIDs(in.Volunteers))}, "others": {nil, in.Others}, "served": {nil, in.Served}}); err != nil {
			return err
		}
		out, err = db.findActivity(tx, s, id)
		return err
	})
	return out, err
}

// UpdateActivity implements sanlian.ActivityService.
func (db *WorkStore) UpdateActivity(ctx context.Context, id int64, in *sanlian.ActivityInput, version int64) (*sanlian.Activity, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sanlian.Activity
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		a, err := db.findActivity(tx, s, id)
		if err != nil {
			return err
		}
		if a.Version != version {
			return errStale("该活动")
		}
		if s.role() == sanlian.RoleUnitAdmin && !s.hasUnit(a.UnitID) {
			return errForbidden("只能修改本单位或下属单位的志愿服务活动")
		}
		unitID, township, err := db.checkActivity(tx, s, in)
		if err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE activities SET type = ?, date = ?, village_code = ?, township_code = ?, unit_id = ?, others = ?, served = ?,
			description = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.Type, in.Date, in.VillageCode, nullStr(township), unitID, in.Others, in.Served, in.Description, tx.now, id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该活动")
		}
		if err := setVolunteers(tx, id, in.Volunteers); err != nil {
			return err
		}
		ch := changes{}
		ch.set("type", a.Type, in.Type)
		ch.set("date", a.Date, in.Date)
		ch.set("village", a.VillageCode, in.VillageCode)
		ch.set("unit_id", a.UnitID, unitID)
		ch.set("volunteers", fmt.Sprint(a.Volunteers), fmt.Sprint(uniqueIDs(in.Volunteers)))
		ch.set("others", a.Others, in.Others)
		ch.set("served", a.Served, in.Served)
		ch.set("description", a.Description, in.Description)
		if err := tx.audit("update", "activity", id, ch); err != nil {
			return err
		}
		out, err = db.findActivity(tx, s, id)
		return err
	})
	return out, err
}

// FindActivityByID implements sanlian.ActivityService.
func (db *WorkStore) FindActivityByID(ctx context.Context, id int64) (*sanlian.Activity, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	return db.findActivity(q, s, id)
}

func (db *WorkStore) findActivity(q querier, s *scope, id int64) (*sanlian.Activity, error) {
	w := &where{}
	if err := s.activities(w); err != nil {
		return nil, err
	}
	w.add("a.id = ?", id)
	a, err := scanActivity(q.queryOne(activitySelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("志愿服务活动")
	} else if err != nil {
		return nil, fmt.Errorf("find activity %d: %w", id, err)
	}
	return a, attachVolunteers(q, []*sanlian.Activity{a})
}

// attachVolunteers fills the cadre volunteers of a page of activities in
// one query.
func attachVolunteers(q querier, as []*sanlian.Activity) error {
	if len(as) == 0 {
		return nil
	}
	ids := make([]int64, len(as))
	byAct := map[int64]*sanlian.Activity{}
	for i, a := range as {
		ids[i], byAct[a.ID] = a.ID, a
	}
	rows, err := q.queryRows(`SELECT x.activity_id, x.cadre_id, c.name FROM activity_volunteers x JOIN cadres c ON c.id = x.cadre_id WHERE `+
		inList("x.activity_id", len(ids))+` ORDER BY x.cadre_id`, int64s(ids)...)
	if err != nil {
		return fmt.Errorf("activity volunteers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var aid, cid int64
		var name string
		if err := rows.Scan(&aid, &cid, &name); err != nil {
			return err
		}
		a := byAct[aid]
		a.Volunteers, a.VolunteerNames = append(a.Volunteers, cid), append(a.VolunteerNames, name)
	}
	return rows.Err()
}

// activityWhere builds the scope and filter conditions for activities.
func (s *scope) activityWhere(f sanlian.ActivityFilter) (*where, error) {
	w := &where{}
	if err := s.activities(w); err != nil {
		return nil, err
	}
	if f.Type != "" {
		w.add("a.type = ?", f.Type)
	}
	if f.UnitID != 0 {
		w.add("a.unit_id = ?", f.UnitID)
	}
	if f.VolunteerID != 0 {
		w.add("a.id IN (SELECT activity_id FROM activity_volunteers WHERE cadre_id = ?)", f.VolunteerID)
	}
	if f.TownshipCode != "" {
		w.add("a.township_code = ?", f.TownshipCode)
	}
	if f.VillageCode != "" {
		w.add("a.village_code = ?", f.VillageCode)
	}
	if f.From != "" {
		w.add("a.date >= ?", f.From)
	}
	if f.To != "" {
		w.add("a.date <= ?", f.To)
	}
	return w, nil
}

// FindActivities implements sanlian.ActivityService.
func (db *WorkStore) FindActivities(ctx context.Context, f sanlian.ActivityFilter) ([]*sanlian.Activity, string, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, "", err
	}
	w, err := s.activityWhere(f)
	if err != nil {
		return nil, "", err
	}
	out, next, err := readPage(ctx, db.DB, "find activities", activitySelect, w, f.Cursor, f.Limit, byID("a.id", true), scanActivity,
		func(a *sanlian.Activity) string { return idKey(a.ID) })
	if err != nil {
		return nil, "", err
	}
	return out, next, attachVolunteers(q, out)
}

// ActivityTotals implements sanlian.ActivityService.
func (db *WorkStore) ActivityTotals(ctx context.Context, f sanlian.ActivityFilter) (*sanlian.ActivityTotals, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	w, err := s.activityWhere(f)
	if err != nil {
		return nil, err
	}
	out := &sanlian.ActivityTotals{From: f.From, To: f.To, ByType: []sanlian.ActivityTotal{}, ByUnit: []sanlian.ActivityTotal{},
		ByTownship: []sanlian.ActivityTotal{}}
	// Each activity once, with its cadre volunteers counted beside it.
	base := `SELECT %s, COUNT(*), COALESCE(SUM(a.others + (SELECT COUNT(*) FROM activity_volunteers x WHERE x.activity_id = a.id)), 0),
		COALESCE(SUM(a.served), 0) FROM activities a %s` + w.sql() + ` GROUP BY %s ORDER BY %s`
	sum := func(key, join, group, order string, dst *[]sanlian.ActivityTotal) error {
		rows, err := q.queryRows(fmt.Sprintf(base, key, join, group, order), w.args...)
		if err != nil {
			return fmt.Errorf("activity totals: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t sanlian.ActivityTotal
			if err := rows.Scan(&t.Key, &t.Name, &t.Activities, &t.Volunteers, &t.Served); err != nil {
				return err
			}
			*dst = append(*dst, t)
		}
		return rows.Err()
	}
	if err := sum("a.type, COALESCE(t.name, a.type)", "LEFT JOIN activity_types t ON t.code = a.type",
		"a.type, t.name, t.sort", "t.sort, a.type", &out.ByType); err != nil {
		return nil, err
	}
	if err := sum("CAST(a.unit_id AS TEXT), u.name", "JOIN units u ON u.id = a.unit_id",
		"a.unit_id, u.name", "COUNT(*) DESC, a.unit_id", &out.ByUnit); err != nil {
		return nil, err
	}
	if err := sum("COALESCE(a.township_code, ''), COALESCE(r.name, '')", "LEFT JOIN regions r ON r.code = a.township_code",
		"a.township_code, r.name", "a.township_code", &out.ByTownship); err != nil {
		return nil, err
	}
	for _, t := range out.ByType {
		out.All.Activities += t.Activities
		out.All.Volunteers += t.Volunteers
		out.All.Served += t.Served
	}
	out.All.Key, out.All.Name = "all", "合计"
	return out, nil
}
