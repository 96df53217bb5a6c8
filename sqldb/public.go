package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sanlian"
	"sanlian/seal"
)

// The people's side (sanlian.PublicService). Submissions are problems with
// a tracking code, entered as the public (sanlian.NewPublicContext); the
// public reads only what PublicProblem and PublicResults carry, never a
// user's scope.

// errNoTracking is the one answer for an unknown code and for a wrong
// phone: the page gives no hint which it was.
var errNoTracking = sanlian.Errorf(sanlian.ENOTFOUND, "没有找到这个查询码对应的问题，请核对查询码（和手机号后四位）")

// publicReader reads problems for the people's side: every problem, of
// which the caller copies only the fields the public may see.
var publicReader = &scope{user: &sanlian.User{Username: "public", Role: sanlian.RoleOffice}, all: true}

// SubmitPublic implements sanlian.PublicService.
func (db *PublicStore) SubmitPublic(ctx context.Context, sub *sanlian.PublicSubmission) (*sanlian.PublicReceipt, error) {
	u := sanlian.UserFromContext(ctx)
	if u == nil || u.Role != sanlian.RolePublic {
		return nil, errForbidden("只有群众端可以这样提交问题")
	}
	sub.Normalize()
	if err := sub.Validate(); err != nil {
		return nil, err
	}
	in := &sanlian.ProblemInput{Source: sub.Source, Category: sub.Category, VillageCode: sub.VillageCode,
		ReporterName: sub.ReporterName, ReporterPhone: sub.ReporterPhone, Description: sub.Description,
		Urgency: sanlian.UrgencyNormal}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if sub.Open311 != nil {
		if err := checkOpen311Extra(sub.Open311, db.CountyBounds.OrDefault()); err != nil {
			return nil, err
		}
		// Entered urgent at once, so that a routing rule that assigns it
		// on entry counts its deadlines as urgent.
		if sub.Open311.Urgency != "" {
			in.Urgency = sub.Open311.Urgency
		}
	}
	var out *sanlian.PublicReceipt
	err := db.inTx(ctx, func(tx *Tx) error {
		if in.ReporterPhone != "" {
			// The phone is sealed: the same phone is found by its blind
			// index. Two copies of one text sent at once must not both pass
			// the check below: on PostgreSQL they queue on that index.
			bi := db.index(seal.Phone, in.ReporterPhone)
			if db.Dialect == Postgres {
				if _, err := tx.exec(`SELECT pg_advisory_xact_lock(hashtext(?))`, "public-phone:"+bi); err != nil {
					return err
				}
			}
			var id int64
			var code, number string
			err := tx.queryRow(`SELECT id, tracking_code, number FROM problems
				WHERE tracking_code IS NOT NULL AND reporter_phone_bi = ? AND created_at > ? AND description = ?
				ORDER BY id LIMIT 1`, bi, tx.now.Add(-sanlian.PublicDedupWindow), in.Description).Scan(&id, &code, &number)
			if err == nil {
				out = &sanlian.PublicReceipt{Code: code, Number: number, Merged: true, ProblemID: id}
				return tx.audit("public_repeat", "problem", id, changes{"source": {nil, in.Source}})
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		id, err := db.Problems.createProblem(tx, &scope{user: u}, in, 0)
		if err != nil {
			return err
		}
		code := sanlian.NewTrackingCode()
		openid := ""
		if sub.WechatOpenID != "" {
			openid = db.seal(sub.WechatOpenID, aadProblemOpenID)
		}
		if _, err := tx.exec(`UPDATE problems SET tracking_code = ?, notify_sms = ?, wechat_openid = ? WHERE id = ?`,
			code, sub.NotifySMS, openid, id); err != nil {
			return fmt.Errorf("tracking code: %w", err)
		}
		if err := lifeMessages(tx, id, sanlian.MsgReceived); err != nil {
			return err
		}
		var number string
		if err := tx.queryRow(`SELECT number FROM problems WHERE id = ?`, id).Scan(&number); err != nil {
			return err
		}
		out = &sanlian.PublicReceipt{Code: code, Number: number, ProblemID: id}
		if sub.Open311 != nil {
			return recordOpen311(tx, id, sub.Open311)
		}
		return nil
	})
	return out, err
}

// tracked finds the problem with a tracking code, and whether it has a
// reporter's phone (sealed: only its presence is read).
func tracked(q querier, code string) (id int64, hasPhone bool, err error) {
	code = sanlian.NormalizeTrackingCode(code)
	if code == "" {
		return 0, false, errNoTracking
	}
	var phone string
	err = q.queryOne(`SELECT id, reporter_phone FROM problems WHERE tracking_code = ?`, code).Scan(&id, &phone)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, errNoTracking
	}
	return id, phone != "", err
}

// TrackPublic implements sanlian.PublicService.
func (db *PublicStore) TrackPublic(ctx context.Context, code string) (*sanlian.PublicProblem, error) {
	q := db.reader(ctx)
	id, hasPhone, err := tracked(q, code)
	if err != nil {
		return nil, err
	}
	p, err := db.Problems.findProblem(q, publicReader, id)
	if err != nil {
		return nil, err
	}
	code = sanlian.NormalizeTrackingCode(code)
	out := &sanlian.PublicProblem{Code: sanlian.FormatTrackingCode(code), Number: p.Number, State: p.State,
		StateLabel: p.StateLabel(), Source: p.Source, Category: p.Category, CategoryName: p.CategoryName,
		VillageCode: p.VillageCode, VillageName: p.VillageName, TownshipName: p.TownshipName,
		Description: sanlian.MaskContacts(p.Description), UnitName: p.UnitName, Result: sanlian.AnonymizeText(p.Result),
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, NeedsPhone: hasPhone}
	if err := q.queryOne(`SELECT notify_sms FROM problems WHERE id = ?`, id).Scan(&out.NotifySMS); err != nil {
		return nil, err
	}
	out.Rateable = rateable(p.State, p.CallbackAt, p.ResolvedAt)
	if !p.CallbackAt.IsZero() {
		out.Solved, out.Satisfaction, out.RatedAt = p.CallbackSolved, p.CallbackSatisfaction, p.CallbackAt
	}
	out.Notes, err = publicNotes(q, p)
	return out, err
}

// publicNotes tells the problem's timeline in standard words: which unit
// has it, the result and the reasons the office gave. Notes written by
// staff, and who wrote them, stay inside.
func publicNotes(q querier, p *sanlian.Problem) ([]sanlian.PublicNote, error) {
	rows, err := q.queryRows(`SELECT e.action, e.at, e.to_state, e.changes FROM problem_events e
		WHERE e.problem_id = ? ORDER BY e.id`, p.ID)
	if err != nil {
		return nil, err
	}
	type ev struct {
		action, to, changes string
		at                  time.Time
	}
	var evs []ev
	unitIDs := map[int64]bool{}
	for rows.Next() {
		var e ev
		if err := rows.Scan(&e.action, &e.at, &e.to, &e.changes); err != nil {
			rows.Close()
			return nil, err
		}
		if u := eventUnit(e.changes); u != 0 {
			unitIDs[u] = true
		}
		evs = append(evs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	units := map[int64]string{}
	if len(unitIDs) > 0 {
		ids := make([]int64, 0, len(unitIDs))
		for id := range unitIDs {
			ids = append(ids, id)
		}
		rows, err := q.queryRows(`SELECT id, name FROM units WHERE `+inList("id", len(ids)), int64s(ids)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			units[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	notes := []sanlian.PublicNote{}
	for _, e := range evs {
		text := ""
		switch e.action {
		case sanlian.ActionCreate:
			text = "已收到您反映的问题，等待受理"
		case sanlian.ActionAssign:
			if name := units[eventUnit(e.changes)]; name != "" {
				text = "已交由" + name + "办理"
			} else if strings.Contains(e.changes, `"state"`) {
				text = "已受理并交办"
			}
		case sanlian.ActionTransfer:
			text = "已转交" + units[eventUnit(e.changes)] + "办理"
		case sanlian.ActionAccept:
			text = "承办单位已接手，正在办理"
		case sanlian.ActionExtend:
			if strings.Contains(e.changes, `"resolve_due"`) {
				text = "办理期限已经县办批准延长"
			}
		case sanlian.ActionResolve:
			text = "已办结"
			if p.Result != "" {
				text += "：" + sanlian.AnonymizeText(p.Result)
			}
		case sanlian.ActionCallback:
			text = "已回访"
			if e.to == sanlian.StateAccepted {
				text += "，群众不满意，重新办理"
			}
		case sanlian.ActionReopen:
			text = "退回重新办理"
		case sanlian.ActionClose:
			text = "已销号，办理完毕"
		case sanlian.ActionReject:
			text = "不予受理"
			if p.RejectReason != "" {
				text += "：" + sanlian.AnonymizeText(p.RejectReason)
			}
		case sanlian.ActionMerge:
			text = "与反映同一事项的问题合并办理"
		}
		if text != "" {
			notes = append(notes, sanlian.PublicNote{At: e.at, State: e.to, Text: text})
		}
	}
	return notes, nil
}

// eventUnit reads the unit an event's changes moved the problem to.
func eventUnit(raw string) int64 {
	ch, err := sanlian.ParseEventChanges(raw)
	if err != nil {
		return 0
	}
	return ch.Int("unit_id")
}

// rateable reports whether a problem awaits its reporter's rating:
// resolved, and not called back since.
func rateable(state string, callbackAt, resolvedAt time.Time) bool {
	return state == sanlian.StateResolved && (callbackAt.IsZero() || callbackAt.Before(resolvedAt))
}

// RatePublic implements sanlian.PublicService. The rating is the
// callback, taken through Act as the office would take it on the phone,
// recorded as by "public".
func (db *PublicStore) RatePublic(ctx context.Context, code string, r *sanlian.PublicRating) (*sanlian.PublicProblem, error) {
	r.PhoneLast4 = strings.TrimSpace(r.PhoneLast4)
	r.Comment = strings.TrimSpace(r.Comment)
	if err := r.Validate(); err != nil {
		return nil, err
	}
	c := sanlian.NormalizeTrackingCode(code)
	if c == "" {
		return nil, errNoTracking
	}
	var id, version int64
	var phone, state string
	var callbackAt, resolvedAt time.Time
	err := db.reader(ctx).queryOne(`SELECT id, reporter_phone, version, state, callback_at, resolved_at
		FROM problems WHERE tracking_code = ?`, c).Scan(&id, db.sealed(aadReporterPhone, &phone, &id), &version, &state, timeDst{&callbackAt}, timeDst{&resolvedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoTracking
	} else if err != nil {
		return nil, err
	}
	if phone != "" {
		last4 := phone[max(len(phone)-4, 0):]
		if subtle.ConstantTimeCompare([]byte(last4), []byte(r.PhoneLast4)) != 1 {
			return nil, errNoTracking
		}
	}
	if !rateable(state, callbackAt, resolvedAt) {
		if state == sanlian.StateResolved || state == sanlian.StateClosed {
			return nil, sanlian.Errorf(sanlian.ECONFLICT, "这个问题已经评价过了，谢谢您")
		}
		return nil, sanlian.Errorf(sanlian.ECONFLICT, "问题还在办理中（%s），办结后才能评价", sanlian.StateLabel(state))
	}
	note := "群众通过查询码评价"
	if r.Comment != "" {
		note += "：" + r.Comment
	}
	if err := db.rateByResident(ctx, id, version, r.Solved, r.Satisfaction, note); err != nil {
		return nil, err
	}
	return db.TrackPublic(ctx, code)
}

// rateByResident records a resident's rating of problem id at version,
// by the rating page or by an SMS reply: the callback, taken through Act
// as the office would take it on the phone, recorded as by "public".
func (db *PublicStore) rateByResident(ctx context.Context, id, version int64, solved, satisfaction, note string) error {
	actor := sanlian.NewContextWithUser(ctx, &sanlian.User{Username: "public", DisplayName: "群众", Role: sanlian.RoleOffice})
	_, err := db.Problems.Act(actor, id, sanlian.ActionCallback, sanlian.ActionRequest{Version: version, Note: note,
		Solved: solved, Satisfaction: satisfaction})
	if sanlian.ErrorCode(err) == sanlian.ECONFLICT {
		return sanlian.Errorf(sanlian.ECONFLICT, "这个问题刚刚有了变化，请刷新后再评价")
	}
	return err
}

// PublicResults implements sanlian.PublicService: the last 365 days'
// problems by township, the 20 closed last, the projects under way and the
// year's volunteer activities.
func (db *PublicStore) PublicResults(ctx context.Context) (*sanlian.PublicResults, error) {
	now := db.Now()
	out := &sanlian.PublicResults{At: now, Since: now.AddDate(-1, 0, 0), County: sanlian.PublicTotals{Name: "全县"}}
	q := db.reader(ctx)
	err := func() error {
		rows, err := q.queryRows(`SELECT p.township_code, COALESCE(r.name, ''),
			COUNT(*),
			SUM(CASE WHEN p.state IN ('resolved', 'closed') THEN 1 ELSE 0 END),
			SUM(CASE WHEN p.state = 'closed' THEN 1 ELSE 0 END),
			SUM(CASE WHEN p.state IN ('submitted', 'assigned', 'accepted') THEN 1 ELSE 0 END),
			SUM(CASE WHEN p.callback_at IS NOT NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN p.callback_at IS NOT NULL AND p.callback_solved = 'yes' THEN 1 ELSE 0 END),
			SUM(CASE WHEN p.callback_at IS NOT NULL AND p.callback_satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END)
			FROM problems p LEFT JOIN regions r ON r.code = p.township_code
			WHERE p.created_at >= ? AND p.state NOT IN ('merged', 'rejected')
			GROUP BY p.township_code, r.name ORDER BY p.township_code`, out.Since)
		if err != nil {
			return fmt.Errorf("public totals: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t := sanlian.PublicTotals{}
			if err := rows.Scan(&t.Code, &t.Name, &t.Collected, &t.Resolved, &t.Closed, &t.Open, &t.Callbacks, &t.Solved, &t.Satisfied); err != nil {
				return err
			}
			c := &out.County
			c.Collected, c.Resolved, c.Closed, c.Open = c.Collected+t.Collected, c.Resolved+t.Resolved, c.Closed+t.Closed, c.Open+t.Open
			c.Callbacks, c.Solved, c.Satisfied = c.Callbacks+t.Callbacks, c.Solved+t.Solved, c.Satisfied+t.Satisfied
			out.Townships = append(out.Townships, t)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out.Townships {
			publicRates(&out.Townships[i])
		}
		publicRates(&out.County)
		if out.Closed, err = db.publicClosed(q); err != nil {
			return err
		}
		return db.publicProjects(q, out)
	}()
	if err != nil {
		return nil, err
	}
	year := now.In(sanlian.Shanghai).Format("2006")
	totals, err := db.Work.ActivityTotals(sanlian.NewSystemContext(ctx), sanlian.ActivityFilter{From: year + "-01-01", To: year + "-12-31"})
	if err != nil {
		return nil, err
	}
	for _, t := range totals.ByType {
		out.Activities = append(out.Activities, sanlian.PublicActivityTotal{TypeName: t.Name, Activities: t.Activities,
			Volunteers: t.Volunteers, Served: t.Served})
	}
	return out, nil
}

// publicRates fills the two rates of t, nil without callbacks.
func publicRates(t *sanlian.PublicTotals) {
	if t.Callbacks == 0 {
		return
	}
	solved, satisfied := float64(t.Solved)/float64(t.Callbacks), float64(t.Satisfied)/float64(t.Callbacks)
	t.ResolvedRate, t.Satisfaction = &solved, &satisfied
}

// publicClosed lists the 20 problems closed last, anonymised.
func (db *PublicStore) publicClosed(q querier) ([]sanlian.PublicClosed, error) {
	cal, err := db.calendarIn(q)
	if err != nil {
		return nil, err
	}
	rows, err := q.queryRows(`SELECT p.number, COALESCE(c.name, ''), COALESCE(t.name, ''), COALESCE(v.name, ''),
		p.title, p.result, COALESCE(u.name, ''), p.closed_at, p.created_at, p.resolved_at
		FROM problems p LEFT JOIN categories c ON c.code = p.category
		LEFT JOIN regions t ON t.code = p.township_code LEFT JOIN regions v ON v.code = p.village_code
		LEFT JOIN units u ON u.id = p.unit_id
		WHERE p.state = 'closed' AND p.closed_at IS NOT NULL ORDER BY p.closed_at DESC, p.id DESC LIMIT 20`)
	if err != nil {
		return nil, fmt.Errorf("public closed: %w", err)
	}
	defer rows.Close()
	var out []sanlian.PublicClosed
	for rows.Next() {
		var c sanlian.PublicClosed
		var created, resolved time.Time
		if err := rows.Scan(&c.Number, &c.CategoryName, &c.TownshipName, &c.VillageName, &c.Title, &c.Result,
			&c.UnitName, &c.ClosedAt, &created, timeDst{&resolved}); err != nil {
			return nil, err
		}
		c.Title, c.Result = sanlian.AnonymizeText(c.Title), sanlian.AnonymizeText(c.Result)
		if !resolved.IsZero() {
			c.Days = cal.WorkdaysBetween(created, resolved)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// publicProjects lists the top-level projects not suspended, the latest
// ending first.
func (db *PublicStore) publicProjects(q querier, out *sanlian.PublicResults) error {
	rows, err := q.queryRows(`SELECT p.title, COALESCE(u.name, ''), p.target, p.measure, p.progress, p.status
		FROM projects p JOIN units u ON u.id = p.unit_id
		WHERE p.parent_id IS NULL AND p.status IN ('ongoing', 'done')
		ORDER BY p.end_date DESC, p.id DESC LIMIT 30`)
	if err != nil {
		return fmt.Errorf("public projects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p sanlian.PublicProject
		var target int
		var measure string
		if err := rows.Scan(&p.Name, &p.UnitName, &target, &measure, &p.Percent, &p.Status); err != nil {
			return err
		}
		if target > 0 {
			p.Target = strconv.Itoa(target) + measure
		}
		out.Projects = append(out.Projects, p)
	}
	return rows.Err()
}

// PublicKey implements sanlian.PublicService.
func (db *PublicStore) PublicKey(ctx context.Context) ([]byte, error) {
	const name = "public-challenge"
	var v string
	err := db.queryRow(ctx, `SELECT value FROM server_keys WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		// Two nodes starting together: the first key written wins, and
		// both read it back.
		err = db.inTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(`INSERT INTO server_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(k))
			return err
		})
		if err == nil {
			err = db.queryRow(ctx, `SELECT value FROM server_keys WHERE name = ?`, name).Scan(&v)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return hex.DecodeString(v)
}

// SpendChallenge implements sanlian.PublicService.
func (db *PublicStore) SpendChallenge(ctx context.Context, id string, expires time.Time) error {
	if id == "" || len(id) > 64 {
		return sanlian.Errorf(sanlian.EUNPROCESSABLE, "验证信息无效，请刷新页面后重试")
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM public_challenges_spent WHERE expires_at < ?`, tx.now); err != nil {
			return err
		}
		res, err := tx.exec(`INSERT INTO public_challenges_spent (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, expires.UTC())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sanlian.Errorf(sanlian.ECONFLICT, "这份表单已经提交过了，请刷新页面后重新填写")
		}
		return nil
	})
}

// Tracked is a problem from the people's side as the office finds it by
// its tracking code.
type Tracked struct {
	Code, Number, State, PhoneLast4 string
	Rated                           bool
}

// FindTracked lists up to limit problems with a tracking code in state
// (any state when ""), newest first, and counts all those with a code and
// those rated by their reporters. Office only: it carries phone digits.
func (db *PublicStore) FindTracked(ctx context.Context, state string, limit int) (list []Tracked, total, rated int, err error) {
	if u := sanlian.UserFromContext(ctx); u == nil || u.Role != sanlian.RoleOffice {
		return nil, 0, 0, errForbidden("只有县办公室可以按查询码查找")
	}
	q := db.reader(ctx)
	if err := q.queryOne(`SELECT COUNT(*), COUNT(DISTINCT e.problem_id) FROM problems p
		LEFT JOIN problem_events e ON e.problem_id = p.id AND e.action = 'callback' AND e.actor = '群众'
		WHERE p.tracking_code IS NOT NULL`).Scan(&total, &rated); err != nil {
		return nil, 0, 0, err
	}
	rows, err := q.queryRows(`SELECT id, tracking_code, number, state, reporter_phone,
		CASE WHEN callback_at IS NOT NULL AND (resolved_at IS NULL OR callback_at > resolved_at) THEN 1 ELSE 0 END
		FROM problems WHERE tracking_code IS NOT NULL AND (? = '' OR state = ?) ORDER BY id DESC LIMIT ?`, state, state, limit)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var t Tracked
		var phone string
		var r int
		var id int64
		if err := rows.Scan(&id, &t.Code, &t.Number, &t.State, db.sealed(aadReporterPhone, &phone, &id), &r); err != nil {
			return nil, 0, 0, err
		}
		t.Code, t.PhoneLast4, t.Rated = sanlian.FormatTrackingCode(t.Code), phone[max(len(phone)-4, 0):], r == 1
		list = append(list, t)
	}
	return list, total, rated, rows.Err()
}
