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

const noticeSelect = `SELECT n.id, n.user_id, n.kind, n.title, n.body, n.link, n.target_kind, n.target_id, n.read_at, n.created_at
	FROM notices n`

func scanNotice(sc scanner) (*sanlian.Notice, error) {
	n := &sanlian.Notice{}
	err := sc.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.TargetKind, &n.TargetID, timeDst{&n.ReadAt}, &n.CreatedAt)
	// A notice copies a problem's or a task's title, which may hold a
	// typed phone or ID number.
	n.Title, n.Body = sanlian.MaskContacts(n.Title), sanlian.MaskContacts(n.Body)
	return n, err
}

// FindNotices implements sanlian.NoticeService: the caller's own notices
// only, newest first.
func (db *NoticeStore) FindNotices(ctx context.Context, f sanlian.NoticeFilter) ([]*sanlian.Notice, string, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.Kind != "" && !containsStr(sanlian.NoticeKinds, f.Kind) {
		return nil, "", &sanlian.Error{Code: sanlian.EINVALID, Message: "筛选条件有误",
			Fields: map[string]string{"kind": "消息类别须为 交办、明日到期、已逾期、督办 或 待回复"}}
	}
	w := &where{}
	w.add("n.user_id = ?", u.ID)
	if f.Kind != "" {
		w.add("n.kind = ?", f.Kind)
	}
	if f.Unread {
		w.add("n.read_at IS NULL")
	}
	return readPage(ctx, db.DB, "find notices", noticeSelect, w, f.Cursor, f.Limit, byID("n.id", true),
		scanNotice, func(n *sanlian.Notice) string { return idKey(n.ID) })
}

// CountUnread implements sanlian.NoticeService.
func (db *NoticeStore) CountUnread(ctx context.Context) (int, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM notices WHERE user_id = ? AND read_at IS NULL`, u.ID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notices: %w", err)
	}
	return n, nil
}

// MarkNoticeRead implements sanlian.NoticeService.
func (db *NoticeStore) MarkNoticeRead(ctx context.Context, id int64) (*sanlian.Notice, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	var out *sanlian.Notice
	err = db.inTx(ctx, func(tx *Tx) error {
		n, err := scanNotice(tx.queryRow(noticeSelect+" WHERE n.id = ? AND n.user_id = ?", id, u.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return sanlian.Errorf(sanlian.ENOTFOUND, "消息不存在")
		} else if err != nil {
			return fmt.Errorf("read notice %d: %w", id, err)
		}
		if !n.Unread() {
			out = n
			return nil
		}
		if _, err := tx.exec(`UPDATE notices SET read_at = ? WHERE id = ? AND read_at IS NULL`, tx.now, id); err != nil {
			return fmt.Errorf("read notice %d: %w", id, err)
		}
		n.ReadAt = tx.now
		out = n
		return tx.audit("read", "notice", id, nil)
	})
	return out, err
}

// MarkAllNoticesRead implements sanlian.NoticeService.
func (db *NoticeStore) MarkAllNoticesRead(ctx context.Context) (int, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE notices SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, tx.now, u.ID)
		if err != nil {
			return fmt.Errorf("read all notices: %w", err)
		}
		n, _ = res.RowsAffected()
		if n == 0 {
			return nil
		}
		return tx.audit("read_all", "notice", nil, changes{"count": {nil, n}})
	})
	return int(n), err
}

// noticeSrc is a batch of notices to write: query yields, per target, the
// columns tid, unit_id, person_id, township, title, body, link and dkey
// (the dedupe key, or NULL); each target's notice goes to the users the
// flags name, never to the acting user.
type noticeSrc struct {
	kind, targetKind string
	query            string
	args             []any
	admins           bool // the unit admins of unit_id
	person           bool // the account of the cadre person_id
	leaders          bool // the county leaders linked to township
	office           bool // every account of the county office
}

// writeNotices writes the notices of src inside tx in one statement; a
// notice whose user already holds its dedupe key is skipped. Each class
// of recipient is its own join, the targets first (CROSS JOIN keeps
// SQLite from scanning the targets once per user) and the users found by
// index; UNION gives a user in two classes one notice.
func writeNotices(tx *Tx, src noticeSrc) (int64, error) {
	var actor int64
	if u := sanlian.UserFromContext(tx.ctx); u != nil {
		actor = u.ID
	}
	const cols = "SELECT src.tid, src.title, src.body, src.link, src.dkey, u.id AS uid FROM src CROSS JOIN "
	const live = " AND u.disabled = ? AND u.id <> ?"
	var who []string
	if src.admins {
		who = append(who, cols+"users u WHERE u.unit_id = src.unit_id AND u.role = 'unit_admin'"+live)
	}
	if src.person {
		who = append(who, cols+"users u WHERE u.cadre_id = src.person_id AND u.role IN ('cadre', 'leader')"+live)
	}
	if src.leaders {
		who = append(who, cols+`links l CROSS JOIN users u WHERE l.region_code = src.township AND l.kind = 'township'
			AND l.ended_at IS NULL AND u.cadre_id = l.cadre_id AND u.role = 'leader'`+live)
	}
	if src.office {
		who = append(who, cols+"users u WHERE u.role = 'office'"+live)
	}
	if len(who) == 0 {
		return 0, nil
	}
	// WHERE is needed before ON CONFLICT: without it SQLite could read the
	// ON CONFLICT as a join's condition.
	q := `WITH src AS MATERIALIZED (` + src.query + `)
		INSERT INTO notices (user_id, kind, title, body, link, target_kind, target_id, dedupe_key, created_at)
		SELECT r.uid, ?, r.title, r.body, r.link, ?, r.tid, r.dkey, ?
		FROM (` + strings.Join(who, " UNION ") + `) r WHERE r.uid IS NOT NULL
		ON CONFLICT (user_id, dedupe_key) DO NOTHING`
	args := append([]any{}, src.args...)
	args = append(args, src.kind, src.targetKind, tx.now)
	for range who {
		args = append(args, false, actor)
	}
	res, err := tx.exec(q, args...)
	if err != nil {
		return 0, fmt.Errorf("write %s notices: %w", src.kind, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// problemSrc is the source query of notices about problems: columns as
// noticeSrc wants, with title and body built from the prefix, the
// problem's number and title, and its village and unit. With a dkeyPrefix
// the dedupe key is the prefix, the problem's id and its reopen count, so
// a problem reopened is told of again.
func problemSrc(titlePrefix, bodySuffix, dkeyPrefix, cond string, args ...any) (string, []any) {
	return problemSrcKeyed(titlePrefix, bodySuffix, dkeyPrefix, "p.reopened", cond, args...)
}

// problemSrcKeyed is problemSrc with the dedupe key's last part taken from
// keyCol instead of the reopen count.
func problemSrcKeyed(titlePrefix, bodySuffix, dkeyPrefix, keyCol, cond string, args ...any) (string, []any) {
	dkey := "CAST(NULL AS TEXT)"
	var a []any
	a = append(a, titlePrefix, bodySuffix)
	if dkeyPrefix != "" {
		dkey = "CAST(? AS TEXT) || CAST(p.id AS TEXT) || ':' || CAST(" + keyCol + " AS TEXT)"
		a = append(a, dkeyPrefix)
	}
	q := `SELECT p.id AS tid, p.unit_id AS unit_id, p.person_id AS person_id, p.township_code AS township,
		CAST(? AS TEXT) || p.number || ' ' || p.title AS title,
		COALESCE((SELECT name FROM regions WHERE code = p.village_code), '') || ' · ' ||
			COALESCE((SELECT name FROM units WHERE id = p.unit_id), '') || CAST(? AS TEXT) AS body,
		'/problems/' || CAST(p.id AS TEXT) AS link, ` + dkey + ` AS dkey
		FROM problems p WHERE ` + cond
	return q, append(a, args...)
}

// supervisionSrc is the source query of notices about supervisions ids.
func supervisionSrc(titlePrefix string, ids []int64) (string, []any) {
	q := `SELECT s.id AS tid, s.unit_id AS unit_id, s.person_id AS person_id, s.township_code AS township,
		CAST(? AS TEXT) || s.target_ref AS title,
		COALESCE((SELECT name FROM units WHERE id = s.unit_id), '') || CASE WHEN s.reply_due <> '' THEN '，请于 ' || s.reply_due || ' 前回复' ELSE '' END AS body,
		'/supervisions/' || CAST(s.id AS TEXT) AS link, CAST(NULL AS TEXT) AS dkey
		FROM supervisions s WHERE ` + inList("s.id", len(ids))
	return q, append([]any{titlePrefix}, int64s(ids)...)
}

// problemActed writes what an action on a problem tells people: an
// assignment or transfer to a unit is a notice to the unit's admins and
// to the responsible person's account, and a problem_assigned event when
// the unit changed; the events for outside platforms are problemWebhooks', the messages
// to the resident problemMessages'.
func problemActed(tx *Tx, action string, before, p *sanlian.Problem) error {
	if err := problemWebhooks(tx, action, before, p); err != nil {
		return err
	}
	if err := problemMessages(tx, action, before, p); err != nil {
		return err
	}
	if action == sanlian.ActionReturn {
		return problemReturned(tx, before, p)
	}
	if (action != sanlian.ActionAssign && action != sanlian.ActionTransfer) || p.UnitID == 0 {
		return nil
	}
	q, args := problemSrc("交办：", "，办结期限 "+sanlian.DeadlineDate(p.ResolveDue), "", "p.id = ?", p.ID)
	if _, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeAssigned, targetKind: sanlian.TargetProblem, query: q, args: args,
		admins: true, person: true}); err != nil {
		return err
	}
	if before.UnitID == p.UnitID {
		return nil
	}
	return enqueueProblem(tx, sanlian.EventProblemAssigned, "问题交办", p.ID, "")
}

// problemReturned tells the office's accounts that a unit sent a problem
// back to its queue, with the new dispatch deadline, and queues
// problem_returned.
func problemReturned(tx *Tx, before, p *sanlian.Problem) error {
	var unit string
	if err := tx.queryRow(`SELECT name FROM units WHERE id = ?`, before.UnitID).Scan(&unit); err != nil {
		return fmt.Errorf("returned problem %d: %w", p.ID, err)
	}
	q, args := problemSrc("退单：", "，"+unit+"退回，请于 "+sanlian.DeadlineDate(p.AssignDue)+" 前重新派单", "", "p.id = ?", p.ID)
	if _, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeReturned, targetKind: sanlian.TargetProblem, query: q, args: args,
		office: true}); err != nil {
		return err
	}
	return enqueueProblem(tx, sanlian.EventProblemReturned, "问题退单（"+unit+"）", p.ID, "")
}

// intakeOverdue tells the office's accounts of each submitted problem past
// its dispatch deadline at at, once per problem and deadline, and queues
// problem_intake_overdue for those whose deadline ended in the last day.
func intakeOverdue(tx *Tx, at time.Time) (int64, error) {
	cond := "p.state = 'submitted' AND p.assign_due <= ?"
	// One notice per problem and deadline: a problem returned and overdue
	// again is told of again.
	q, args := problemSrcKeyed("派单超时：", "，已超过受理派单时限，请尽快交办", "intake_overdue:", "p.assign_due", cond, at)
	n, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeIntakeOverdue, targetKind: sanlian.TargetProblem, query: q, args: args,
		office: true})
	if err != nil {
		return 0, err
	}
	subscribed, err := subscribed(tx, sanlian.EventIntakeOverdue)
	if err != nil || !subscribed {
		return n, err
	}
	type ov struct {
		id  int64
		due time.Time
	}
	var list []ov
	err = eachRow(tx, `SELECT p.id, p.assign_due FROM problems p WHERE `+cond+` AND p.assign_due > ? ORDER BY p.id`,
		[]any{at, at.AddDate(0, 0, -1)}, func(sc scanner) error {
			var o ov
			err := sc.Scan(&o.id, timeDst{&o.due})
			list = append(list, o)
			return err
		})
	if err != nil {
		return 0, fmt.Errorf("intake overdue: %w", err)
	}
	for _, o := range list {
		if err := enqueueProblem(tx, sanlian.EventIntakeOverdue, "派单超时", o.id, fmt.Sprintf("intake_overdue:%d:%d", o.id, o.due.Unix())); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// problemSubmitted queues the problem_submitted event for problem p, just
// entered in village (its name), when it came from the portal, WeChat or
// the hotline. The payload is enqueueProblem's, from the problem as it
// was inserted: nothing can refer to it from Open311 yet.
func problemSubmitted(tx *Tx, p *sanlian.Problem, village string) error {
	switch p.Source {
	case sanlian.SourcePortal, sanlian.SourceWechat, sanlian.SourceHotline:
	default:
		return nil
	}
	if p.UnitID != 0 { // not entered so: the unit's name is read
		return enqueueProblem(tx, sanlian.EventProblemSubmitted, "群众来件（"+sanlian.SourceLabel(p.Source)+"）", p.ID, "")
	}
	pl := sanlian.Payload{Title: "群众来件（" + sanlian.SourceLabel(p.Source) + "）", Link: fmt.Sprintf("/problems/%d", p.ID),
		Number: p.Number, Subject: p.Title, Village: village, Source: p.Source}
	due := p.ResolveDue
	if due.IsZero() { // still with the office: its dispatch deadline
		due = p.AssignDue
	}
	if !due.IsZero() {
		pl.Deadline = sanlian.DeadlineDate(due)
	}
	return enqueueTo(tx, sanlian.EventProblemSubmitted, pl, "", ` AND (w.source = '' OR w.source = ?)`, []any{pl.Source})
}

// supervisionIssued tells of a supervision notice: its reply is needed
// from the unit's admins; the responsible person and the county leaders
// of the township are told of it; and supervision_notice is queued.
func supervisionIssued(tx *Tx, id int64) error {
	q, args := supervisionSrc("督办通知待回复：", []int64{id})
	if _, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeReplyNeeded, targetKind: "supervision", query: q, args: args, admins: true}); err != nil {
		return err
	}
	q, args = supervisionSrc("督办通知：", []int64{id})
	if _, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeSupervision, targetKind: "supervision", query: q, args: args,
		person: true, leaders: true}); err != nil {
		return err
	}
	var pl sanlian.Payload
	err := tx.queryRow(`SELECT s.target_ref, COALESCE((SELECT name FROM units WHERE id = s.unit_id), ''), s.reply_due, s.text
		FROM supervisions s WHERE s.id = ?`, id).Scan(&pl.Subject, &pl.Unit, &pl.Deadline, &pl.Text)
	if err != nil {
		return fmt.Errorf("supervision %d payload: %w", id, err)
	}
	pl.Title, pl.Link = "督办通知", fmt.Sprintf("/supervisions/%d", id)
	return enqueue(tx, sanlian.EventSupervisionNotice, pl, "")
}

// supervisionsRaised tells the unit's admins, the responsible person and
// the township's county leaders of cards just given or turned red.
func supervisionsRaised(tx *Tx, ids []int64, level string) error {
	if len(ids) == 0 {
		return nil
	}
	q, args := supervisionSrc(sanlian.LevelLabel(level)+"：", ids)
	_, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeSupervision, targetKind: "supervision", query: q, args: args,
		admins: true, person: true, leaders: true})
	return err
}

// supervisionRed tells of a card on problem turned red, and queues
// supervision_red.
func supervisionRed(tx *Tx, id, problem int64) error {
	if err := supervisionsRaised(tx, []int64{id}, sanlian.LevelRed); err != nil {
		return err
	}
	return enqueueProblem(tx, sanlian.EventSupervisionRed, "红牌督办", problem, fmt.Sprintf("red:%d", id))
}

// NoticesDailyJob is the name of the daily job that writes the "due
// tomorrow" and "overdue" notices and queues problem_overdue.
const NoticesDailyJob = "notices_daily"

// NoticesDaily is the NoticesDailyJob's work for the day starting at at
// (00:00 Asia/Shanghai): a notice to the unit's admins and the
// responsible person of each open problem whose resolve deadline ends
// tomorrow, and of each open problem past its deadline, once per problem
// (and per reopening); problem_overdue for those whose deadline ended in
// the last day; and a reminder to the admins of a unit whose
// self-criticism is due within 2 working days and not filed, once per
// self-criticism (selfCriticismsDueSoon). Keys make a rerun write nothing
// twice.
func NoticesDaily(tx *Tx, _ string, at time.Time) error {
	at = at.UTC()
	open := "p.state IN ('assigned', 'accepted') AND p.unit_id IS NOT NULL"
	tomorrow := at.AddDate(0, 0, 1).In(sanlian.Shanghai).Format("2006-01-02")
	q, args := problemSrc("明日到期：", "，办结期限 "+tomorrow, "due_tomorrow:"+tomorrow+":",
		open+" AND p.resolve_due > ? AND p.resolve_due <= ?", at.AddDate(0, 0, 1), at.AddDate(0, 0, 2))
	due, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeDueTomorrow, targetKind: sanlian.TargetProblem, query: q, args: args,
		admins: true, person: true})
	if err != nil {
		return err
	}
	q, args = problemSrc("已逾期：", "，已超过办结期限", "overdue:", open+" AND p.resolve_due <= ?", at)
	over, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeOverdue, targetKind: sanlian.TargetProblem, query: q, args: args,
		admins: true, person: true})
	if err != nil {
		return err
	}
	intake, err := intakeOverdue(tx, at)
	if err != nil {
		return err
	}
	selfCrit, err := selfCriticismsDueSoon(tx, at)
	if err != nil {
		return err
	}
	reminded, err := calendarReminder(tx, at)
	if err != nil {
		return err
	}
	if due+over+intake+selfCrit+reminded > 0 {
		ch := changes{sanlian.NoticeDueTomorrow: {nil, due}, sanlian.NoticeOverdue: {nil, over}, sanlian.NoticeIntakeOverdue: {nil, intake},
			sanlian.NoticeSelfCritDue: {nil, selfCrit}}
		if reminded > 0 {
			ch[sanlian.NoticeCalendar] = [2]any{nil, reminded}
		}
		if err := tx.audit("notify", "notice", at.In(sanlian.Shanghai).Format("2006-01-02"), ch); err != nil {
			return err
		}
	}
	subscribed, err := subscribed(tx, sanlian.EventProblemOverdue)
	if err != nil || !subscribed {
		return err
	}
	type ov struct{ id, reopened int64 }
	var list []ov
	err = eachRow(tx, `SELECT p.id, p.reopened FROM problems p WHERE `+open+` AND p.resolve_due > ? AND p.resolve_due <= ? ORDER BY p.id`,
		[]any{at.AddDate(0, 0, -1), at}, func(sc scanner) error {
			var o ov
			err := sc.Scan(&o.id, &o.reopened)
			list = append(list, o)
			return err
		})
	if err != nil {
		return fmt.Errorf("overdue problems: %w", err)
	}
	for _, o := range list {
		if err := enqueueProblem(tx, sanlian.EventProblemOverdue, "问题逾期", o.id, fmt.Sprintf("overdue:%d:%d", o.id, o.reopened)); err != nil {
			return err
		}
	}
	return nil
}

// calendarReminder tells every office account, from 1 November until the
// office enters next year's calendar, that the State Council's schedule
// awaits entry (sanlian.CalendarReminderYear): at most once a week per
// account, the dedupe key naming the ISO week of the day starting at at.
func calendarReminder(tx *Tx, at time.Time) (int64, error) {
	cal, err := tx.db.calendarIn(tx)
	if err != nil {
		return 0, err
	}
	year := sanlian.CalendarReminderYear(at, cal)
	if year == 0 {
		return 0, nil
	}
	q := `SELECT 0 AS tid, CAST(NULL AS BIGINT) AS unit_id, CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS TEXT) AS township,
		CAST(? AS TEXT) AS title, CAST(? AS TEXT) AS body, CAST(? AS TEXT) AS link, CAST(? AS TEXT) AS dkey`
	n, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeCalendar, query: q, office: true, args: []any{
		fmt.Sprintf("请确认 %d 年节假日安排", year),
		fmt.Sprintf("%d 年的工作日历尚未确认，到期日暂按法定节假日推算。国务院办公厅公布节假日安排后，请在工作日历中录入并保存。", year),
		fmt.Sprintf("/calendar?year=%d", year), sanlian.CalendarReminderKey(year, at)}})
	if err != nil {
		return 0, fmt.Errorf("calendar reminder %d: %w", year, err)
	}
	return n, nil
}

// NoticesDailyAt runs the daily notices for the day starting at at, as
// the system, outside the scheduler (for tests and the demo).
func (db *NoticeStore) NoticesDailyAt(ctx context.Context, at time.Time) error {
	return db.inTx(sanlian.NewSystemContext(ctx), func(tx *Tx) error { return NoticesDaily(tx, "", at) })
}

// ReadNoticesBefore marks read every notice written before t, for the
// office (the demo's users have read their older notices). It returns how
// many it marked.
func (db *NoticeStore) ReadNoticesBefore(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if !s.office() {
			return errForbidden("只有县领导小组办公室可以批量处理消息")
		}
		res, err := tx.exec(`UPDATE notices SET read_at = created_at WHERE read_at IS NULL AND created_at < ?`, t.UTC())
		if err != nil {
			return fmt.Errorf("read notices before %s: %w", t, err)
		}
		n, _ = res.RowsAffected()
		return tx.audit("read_all", "notice", nil, changes{"before": {nil, t.UTC().Format(time.RFC3339)}, "count": {nil, n}})
	})
	return int(n), err
}

// NoticeTotals counts every user's notices and the unread ones, for the
// office.
func (db *NoticeStore) NoticeTotals(ctx context.Context) (total, unread int, err error) {
	if err := db.webhookOffice(ctx, db.reader(ctx)); err != nil {
		return 0, 0, err
	}
	err = db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) FROM notices`).Scan(&total, &unread)
	if err != nil {
		return 0, 0, fmt.Errorf("notice totals: %w", err)
	}
	return total, unread, nil
}
