package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

const supervisionSelect = `SELECT s.id, s.level, s.state, s.target_kind, s.target_id, s.target_ref,
	COALESCE(s.unit_id, 0), COALESCE(s.person_id, 0), s.township_code, s.text, s.reply_due, s.reply,
	s.replied_at, COALESCE(s.replied_by, 0), s.late, s.since, s.red_at, s.closed_at, COALESCE(s.issued_by, 0),
	s.version, s.created_at, s.updated_at,
	COALESCE((SELECT name FROM units WHERE id = s.unit_id), ''),
	COALESCE((SELECT name FROM cadres WHERE id = s.person_id), ''),
	COALESCE((SELECT display_name FROM users WHERE id = s.issued_by), ''),
	COALESCE((SELECT display_name FROM users WHERE id = s.replied_by), '')
	FROM supervisions s`

func scanSupervision(sc scanner) (*sanlian.Supervision, error) {
	s := &sanlian.Supervision{}
	err := sc.Scan(&s.ID, &s.Level, &s.State, &s.TargetKind, &s.TargetID, &s.TargetRef, &s.UnitID, &s.PersonID,
		&s.TownshipCode, &s.Text, &s.ReplyDue, &s.Reply, timeDst{&s.RepliedAt}, &s.RepliedBy, &s.Late, &s.Since,
		timeDst{&s.RedAt}, timeDst{&s.ClosedAt}, &s.IssuedBy, &s.Version, &s.CreatedAt, &s.UpdatedAt,
		&s.UnitName, &s.PersonName, &s.IssuerName, &s.ReplierName)
	// Shown, never written back: typed phones and ID numbers masked.
	s.TargetRef, s.Text, s.Reply = sanlian.MaskContacts(s.TargetRef), sanlian.MaskContacts(s.Text), sanlian.MaskContacts(s.Reply)
	return s, err
}

// supervisions adds the condition limiting supervisions aliased s: the
// office sees all; a county leader those in their linked townships and
// the notices they issued; a unit admin those of their units (the unit
// head's desk); a cadre those they are the responsible person for.
func (s *scope) supervisions(w *where) error {
	switch {
	case s.all:
	case s.role() == sanlian.RoleLeader:
		w.add("("+inList("s.township_code", len(s.townships))+" OR s.issued_by = ?)", append(strArgs(s.townships), s.user.ID)...)
	case s.role() == sanlian.RoleUnitAdmin:
		w.add(inList("s.unit_id", len(s.unitIDs)), int64s(s.unitIDs)...)
	case s.role() == sanlian.RoleCadre:
		w.add("s.person_id = ?", s.cadreID)
	default:
		return errForbidden("您的角色无权查看督办")
	}
	return nil
}

// FindSupervisionByID implements sanlian.SupervisionService.
func (db *ProblemStore) FindSupervisionByID(ctx context.Context, id int64) (*sanlian.Supervision, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	return db.findSupervision(db.reader(ctx), s, id)
}

func (db *ProblemStore) findSupervision(q querier, s *scope, id int64) (*sanlian.Supervision, error) {
	w := &where{}
	if s != nil {
		if err := s.supervisions(w); err != nil {
			return nil, err
		}
	}
	w.add("s.id = ?", id)
	sv, err := scanSupervision(q.queryOne(supervisionSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("督办")
	} else if err != nil {
		return nil, fmt.Errorf("find supervision %d: %w", id, err)
	}
	return sv, nil
}

// supervisionWhere builds the conditions of f but the cursor.
func (db *ProblemStore) supervisionWhere(s *scope, f sanlian.SupervisionFilter) (*where, error) {
	w := &where{}
	if err := s.supervisions(w); err != nil {
		return nil, err
	}
	f2 := map[string]string{}
	if f.Level != "" && !containsStr(sanlian.SupervisionLevels, f.Level) {
		f2["level"] = "督办级别须为 黄牌、红牌 或 督办通知"
	}
	if f.State != "" && !containsStr(sanlian.SupervisionStates, f.State) {
		f2["state"] = "督办状态须为 督办中、已回复 或 已解除"
	}
	if f.TargetKind != "" && !containsStr(sanlian.TargetKinds, f.TargetKind) {
		f2["target_kind"] = "督办对象须为 问题、服务项目 或 责任事项"
	}
	if len(f2) > 0 {
		return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: "筛选条件有误", Fields: f2}
	}
	if f.Level != "" {
		w.add("s.level = ?", f.Level)
	}
	if f.State != "" {
		w.add("s.state = ?", f.State)
	}
	if f.UnitID != 0 {
		w.add("s.unit_id = ?", f.UnitID)
	}
	if f.TargetKind != "" {
		w.add("s.target_kind = ?", f.TargetKind)
	}
	if f.TargetID != 0 {
		w.add("s.target_id = ?", f.TargetID)
	}
	if f.Unanswered {
		w.add("s.level = 'notice' AND s.state = 'open'")
	}
	if f.Late {
		w.add("s.level = 'notice' AND s.late = ?", true)
	}
	return w, nil
}

func containsStr(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// FindSupervisions implements sanlian.SupervisionService: newest first.
func (db *ProblemStore) FindSupervisions(ctx context.Context, f sanlian.SupervisionFilter) ([]*sanlian.Supervision, string, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, "", err
	}
	w, err := db.supervisionWhere(s, f)
	if err != nil {
		return nil, "", err
	}
	return readPage(ctx, db.DB, "find supervisions", supervisionSelect, w, f.Cursor, f.Limit, byID("s.id", true),
		scanSupervision, func(s *sanlian.Supervision) string { return idKey(s.ID) })
}

// CountSupervisions implements sanlian.SupervisionService.
func (db *ProblemStore) CountSupervisions(ctx context.Context, f sanlian.SupervisionFilter) (*sanlian.SupervisionCounts, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	f.Level, f.State, f.Unanswered, f.Late = "", "", false, false
	w, err := db.supervisionWhere(s, f)
	if err != nil {
		return nil, err
	}
	c := &sanlian.SupervisionCounts{}
	err = db.queryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN s.level = 'yellow' AND s.state = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.level = 'red' AND s.state = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.level = 'notice' AND s.state = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.level = 'notice' AND s.late = ? THEN 1 ELSE 0 END), 0)
		FROM supervisions s`+w.sql(), append([]any{true}, w.args...)...).Scan(&c.Yellow, &c.Red, &c.Unanswered, &c.Late)
	if err != nil {
		return nil, fmt.Errorf("count supervisions: %w", err)
	}
	return c, nil
}

// supTarget is what a supervision copies from its target.
type supTarget struct {
	ref              string
	unitID, personID int64
	township         string
}

// target reads a supervision's target inside tx; a missing one is a field
// error on target_id.
func supervisionTarget(tx *Tx, kind string, id int64) (*supTarget, error) {
	t := &supTarget{}
	var q, what string
	switch kind {
	case sanlian.TargetProblem:
		what = "问题"
		q = `SELECT p.number || ' ' || p.title, COALESCE(p.unit_id, 0), COALESCE(p.person_id, 0), p.township_code
			FROM problems p WHERE p.id = ?`
	case sanlian.TargetProject:
		what = "服务项目"
		q = `SELECT pj.title, pj.unit_id, COALESCE(pj.person_id, 0), COALESCE(u.township_code, '')
			FROM projects pj JOIN units u ON u.id = pj.unit_id WHERE pj.id = ?`
	default:
		what = "责任事项"
		q = `SELECT r.task, r.unit_id, COALESCE(r.person_id, 0), COALESCE(u.township_code, '')
			FROM responsibilities r JOIN units u ON u.id = r.unit_id WHERE r.id = ?`
	}
	err := tx.queryRow(q, id).Scan(&t.ref, &t.unitID, &t.personID, &t.township)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fieldErr("target_id", fmt.Sprintf("找不到编号为 %d 的%s", id, what))
	} else if err != nil {
		return nil, fmt.Errorf("supervision target %s %d: %w", kind, id, err)
	}
	if t.unitID == 0 {
		return nil, fieldErr("target_id", "该问题尚未交办到责任单位，请先交办再督办")
	}
	return t, nil
}

// CreateSupervision implements sanlian.SupervisionService.
func (db *ProblemStore) CreateSupervision(ctx context.Context, in *sanlian.SupervisionInput) (*sanlian.Supervision, error) {
	var out *sanlian.Supervision
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if !s.office() && s.role() != sanlian.RoleLeader {
			return errForbidden("只有县领导小组办公室或县级领导可以发出督办通知")
		}
		if err := in.Validate(tx.now.In(sanlian.Shanghai).Format("2006-01-02")); err != nil {
			return err
		}
		t, err := supervisionTarget(tx, in.TargetKind, in.TargetID)
		if err != nil {
			return err
		}
		if !s.office() && !containsStr(s.townships, t.township) {
			return errForbidden("县级领导只能督办联系乡镇的事项")
		}
		id, err := tx.insertID(`INSERT INTO supervisions (level, state, target_kind, target_id, target_ref, unit_id, person_id,
			township_code, text, reply_due, since, issued_by, version, created_at, updated_at)
			VALUES ('notice', 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			in.TargetKind, in.TargetID, t.ref, t.unitID, nullInt(t.personID), t.township, in.Text, in.ReplyDue,
			tx.now, nullInt(s.user.ID), tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("create supervision: %w", err)
		}
		if err := tx.audit("create", "supervision", id, changes{"level": {nil, sanlian.LevelNotice},
			"target": {nil, in.TargetKind + ":" + fmt.Sprint(in.TargetID)}, "reply_due": {nil, in.ReplyDue}}); err != nil {
			return err
		}
		if err := supervisionIssued(tx, id); err != nil {
			return err
		}
		out, err = db.findSupervision(tx, nil, id)
		return err
	})
	return out, err
}

// ReplySupervision implements sanlian.SupervisionService.
func (db *ProblemStore) ReplySupervision(ctx context.Context, id int64, text string, version int64) (*sanlian.Supervision, error) {
	var out *sanlian.Supervision
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		cur, err := db.findSupervision(tx, nil, id)
		if err != nil {
			return err
		}
		var may bool
		switch s.role() {
		case sanlian.RoleUnitAdmin:
			may = cur.UnitID != 0 && s.hasUnit(cur.UnitID)
		case sanlian.RoleCadre:
			may = cur.PersonID != 0 && cur.PersonID == s.cadreID
		}
		if !may {
			return errForbidden("只有责任单位的管理员或责任人可以回复该督办")
		}
		if cur.Level != sanlian.LevelNotice {
			return sanlian.Errorf(sanlian.EUNPROCESSABLE, "黄牌、红牌督办随问题办结自动解除，无需回复")
		}
		if cur.State != sanlian.SupervisionOpen {
			return sanlian.Errorf(sanlian.ECONFLICT, "该督办已于 %s 回复，不能重复回复",
				cur.RepliedAt.In(sanlian.Shanghai).Format("2006-01-02 15:04"))
		}
		if version != cur.Version {
			return errStale("督办")
		}
		text, err := sanlian.ValidateReply(text)
		if err != nil {
			return err
		}
		late := tx.now.In(sanlian.Shanghai).Format("2006-01-02") > cur.ReplyDue
		res, err := tx.exec(`UPDATE supervisions SET state = 'answered', reply = ?, replied_at = ?, replied_by = ?, late = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			text, tx.now, nullInt(s.user.ID), late, tx.now, id, version)
		if err != nil {
			return fmt.Errorf("reply supervision %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale("督办")
		}
		if err := tx.audit("reply", "supervision", id, changes{"state": {cur.State, sanlian.SupervisionAnswered},
			"late": {false, late}}); err != nil {
			return err
		}
		out, err = db.findSupervision(tx, nil, id)
		return err
	})
	return out, err
}

// SupervisionLevelsJob is the name of the daily job that sets the
// automatic supervision levels.
const SupervisionLevelsJob = "supervision_levels"

// supervisionLevels sets the automatic levels as they stand at at (a
// day's 00:00 Asia/Shanghai), as sanlian.SupervisionLevelsAt decides
// them: it reads the problems past a deadline at at, the open cards and
// the metrics configurations, and writes the cards closed, raised or moved
// and the new yellow cards, each with its audit row. Running it twice for
// one instant changes nothing the second time.
func (db *ProblemStore) supervisionLevels(tx *Tx, at time.Time) error {
	cal, err := db.calendarIn(tx)
	if err != nil {
		return err
	}
	configs, err := db.Reports.readMetricConfigs(tx)
	if err != nil {
		return fmt.Errorf("supervision rules: %w", err)
	}
	var overdue []*sanlian.OverdueProblem
	err = eachRow(tx, `SELECT p.id, p.number || ' ' || p.title, COALESCE(p.unit_id, 0), COALESCE(p.person_id, 0), p.township_code,
		p.state, p.accept_due, p.resolve_due, p.assign_due, COALESCE((SELECT kind FROM units WHERE id = p.unit_id), '') FROM problems p
		WHERE (p.state = 'submitted' AND p.assign_due <= ?) OR (p.state = 'assigned' AND (p.accept_due <= ? OR p.resolve_due <= ?))
		OR (p.state = 'accepted' AND p.resolve_due <= ?)
		ORDER BY p.id`, []any{at.UTC(), at.UTC(), at.UTC(), at.UTC()}, func(sc scanner) error {
		p := &sanlian.OverdueProblem{}
		overdue = append(overdue, p)
		return sc.Scan(&p.ID, &p.Ref, &p.UnitID, &p.PersonID, &p.Township, &p.State, timeDst{&p.AcceptDue}, timeDst{&p.ResolveDue},
			timeDst{&p.AssignDue}, &p.UnitKind)
	})
	if err != nil {
		return fmt.Errorf("supervision levels: %w", err)
	}
	var open []sanlian.OpenAutoSupervision
	err = eachRow(tx, `SELECT id, target_id, COALESCE(unit_id, 0), COALESCE(person_id, 0), level, township_code, since
		FROM supervisions WHERE level <> 'notice' AND state = 'open' ORDER BY id`, nil, func(sc scanner) error {
		var o sanlian.OpenAutoSupervision
		if err := sc.Scan(&o.ID, &o.TargetID, &o.UnitID, &o.PersonID, &o.Level, &o.Township, &o.Since); err != nil {
			return err
		}
		open = append(open, o)
		return nil
	})
	if err != nil {
		return fmt.Errorf("supervision levels: %w", err)
	}
	plan := sanlian.SupervisionLevelsAt(at, cal, configs, overdue, open)
	for _, st := range plan.Steps {
		if err := supervisionStep(tx, st, at); err != nil {
			return err
		}
	}
	return yellowCards(tx, plan.Yellow, at)
}

// supervisionStep closes an open card, or raises it and moves it with its
// problem, with its audit row; a card turned red is announced.
func supervisionStep(tx *Tx, st sanlian.SupervisionStep, at time.Time) error {
	o := st.Card
	if st.Close {
		if _, err := tx.exec(`UPDATE supervisions SET state = 'closed', closed_at = ?, version = version + 1, updated_at = ?
			WHERE id = ?`, at.UTC(), tx.now, o.ID); err != nil {
			return fmt.Errorf("close supervision %d: %w", o.ID, err)
		}
		return tx.audit("close", "supervision", o.ID, changes{"state": {sanlian.SupervisionOpen, sanlian.SupervisionClosed}})
	}
	p := st.Problem
	ch := changes{}
	ch.set("level", o.Level, st.Level)
	ch.set("unit_id", o.UnitID, p.UnitID)
	ch.set("person_id", o.PersonID, p.PersonID)
	ch.set("township", o.Township, p.Township)
	var redAt any
	if st.Raised() {
		redAt = at.UTC()
	}
	if _, err := tx.exec(`UPDATE supervisions SET level = ?, red_at = COALESCE(?, red_at), unit_id = ?, person_id = ?,
		township_code = ?, target_ref = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		st.Level, redAt, nullInt(p.UnitID), nullInt(p.PersonID), p.Township, p.Ref, tx.now, o.ID); err != nil {
		return fmt.Errorf("raise supervision %d: %w", o.ID, err)
	}
	if err := tx.audit("update", "supervision", o.ID, ch); err != nil {
		return err
	}
	if st.Raised() {
		return supervisionRed(tx, o.ID, o.TargetID)
	}
	return nil
}

// yellowCards gives each problem a yellow card at at, with its audit row,
// in multi-row statements: the first run on a ledger with a backlog writes
// tens of thousands of cards while holding the write lock.
func yellowCards(tx *Tx, ps []*sanlian.OverdueProblem, at time.Time) error {
	const batch = 200
	for len(ps) > 0 {
		n := min(batch, len(ps))
		chunk := ps[:n]
		ps = ps[n:]
		rows := make([]string, n)
		args := make([]any, 0, n*8)
		for i, p := range chunk {
			rows[i] = "('yellow', 'open', 'problem', ?, ?, ?, ?, ?, ?, 1, ?, ?)"
			args = append(args, p.ID, p.Ref, nullInt(p.UnitID), nullInt(p.PersonID), p.Township, at.UTC(), tx.now, tx.now)
		}
		// RETURNING names each new card with its problem, whatever order
		// the rows come back in.
		q, err := tx.query(`INSERT INTO supervisions (level, state, target_kind, target_id, target_ref, unit_id, person_id,
			township_code, since, version, created_at, updated_at) VALUES `+strings.Join(rows, ", ")+` RETURNING id, target_id`, args...)
		if err != nil {
			return fmt.Errorf("yellow cards: %w", mapErr(err))
		}
		var ids, probs []int64
		for q.Next() {
			var id, target int64
			if err := q.Scan(&id, &target); err != nil {
				q.Close()
				return fmt.Errorf("yellow cards: %w", err)
			}
			ids, probs = append(ids, id), append(probs, target)
		}
		q.Close()
		if err := q.Err(); err != nil {
			return fmt.Errorf("yellow cards: %w", mapErr(err))
		}
		chs := make([]changes, len(ids))
		for i := range ids {
			chs[i] = changes{"level": {nil, sanlian.LevelYellow}, "target": {nil, "problem:" + fmt.Sprint(probs[i])}}
		}
		if err := auditBatch(tx, "create", "supervision", ids, chs); err != nil {
			return err
		}
		if err := supervisionsRaised(tx, ids, sanlian.LevelYellow); err != nil {
			return err
		}
	}
	return nil
}

// auditBatch appends one audit row per id, as audit does, in one
// statement.
func auditBatch(tx *Tx, action, entity string, ids []int64, chs []changes) error {
	if len(ids) == 0 {
		return nil
	}
	var actorID int64
	actor := "system"
	if u := sanlian.UserFromContext(tx.ctx); u != nil {
		actorID, actor = u.ID, u.Username
	}
	meta := sanlian.MetaFromContext(tx.ctx)
	rows := make([]string, len(ids))
	args := make([]any, 0, len(ids)*9)
	for i, id := range ids {
		body := ""
		if len(chs[i]) > 0 {
			b, err := json.Marshal(chs[i].masked())
			if err != nil {
				return fmt.Errorf("audit %s: %w", action, err)
			}
			body = string(b)
		}
		rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
		args = append(args, tx.now, nullInt(actorID), actor, action, entity, strconv.FormatInt(id, 10), body, meta.IP, meta.RequestID)
	}
	if _, err := tx.exec(`INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, changes, ip, request_id) VALUES `+
		strings.Join(rows, ", "), args...); err != nil {
		return fmt.Errorf("audit %s %s: %w", action, entity, err)
	}
	tx.audited = true
	return nil
}
