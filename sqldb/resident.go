package sqldb

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"sanlian"
	"sanlian/seal"
)

// The AADs of the sealed columns of messages to residents.
const (
	aadMessagePhone  = "resident_messages.phone"
	aadMessageOpenID = "resident_messages.openid"
	aadOptoutPhone   = "sms_optouts.phone"
	aadProblemOpenID = "problems.wechat_openid"
)

// residentMsg is one message to a resident to queue.
type residentMsg struct {
	problemID int64 // 0 for a lookup code
	channel   string
	event     string
	to        string // the mobile number, or the WeChat OpenID
	vars      sanlian.MsgVars
	dedupe    string // one message per key; "" for none
	maxRunes  int    // the provider's longest text; 0 for no limit
	// skip, when not "", queues the message as skipped with it as the
	// reason (settings missing for the event): the office's log says why.
	skip string
}

// queueResidentMessage queues m in the transaction of its event and
// returns its id and state, applying the rules of messages to residents:
// a phone that replied TD is not written to (lookup codes aside, which the
// resident asked for), a phone gets at most MsgDailyCap messages of
// problems a day, and a message of a problem due in the quiet hours is
// held until the morning. A dedupe key already queued queues nothing and
// returns id 0.
func queueResidentMessage(tx *Tx, m residentMsg) (id int64, state string, err error) {
	text, params := sanlian.RenderMessage(m.event, m.vars)
	if text == "" {
		return 0, "", fmt.Errorf("resident message: unknown event %q", m.event)
	}
	text = sanlian.FitMessage(text, m.vars.Link, m.maxRunes)
	pj, err := json.Marshal(params)
	if err != nil {
		return 0, "", err
	}
	bi := ""
	if m.channel == sanlian.ChannelSMS {
		bi = tx.db.index(seal.Phone, m.to)
	}
	state, note, next := sanlian.MsgPending, "", tx.now
	lookup := m.event == sanlian.MsgLookupCode
	switch {
	case m.skip != "":
		state, note = sanlian.MsgSkipped, m.skip
	case bi != "" && !lookup:
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM sms_optouts WHERE phone_bi = ?`, bi).Scan(&n); err != nil {
			return 0, "", fmt.Errorf("resident message opt-out: %w", err)
		}
		if n > 0 {
			state, note = sanlian.MsgSkipped, "群众已回复退订，不再发送"
			break
		}
		from, to := sanlian.MsgDay(tx.now)
		if err := tx.queryRow(`SELECT COUNT(*) FROM resident_messages WHERE phone_bi = ? AND created_at >= ? AND created_at < ?
			AND event <> ? AND state <> ?`, bi, from, to, sanlian.MsgLookupCode, sanlian.MsgSkipped).Scan(&n); err != nil {
			return 0, "", fmt.Errorf("resident message cap: %w", err)
		}
		if n >= sanlian.MsgDailyCap {
			state, note = sanlian.MsgSkipped, fmt.Sprintf("该号码今日已发 %d 条，超过每日上限，不再发送", n)
		}
	}
	if state == sanlian.MsgPending && !lookup {
		if q := sanlian.QuietUntil(tx.now); q.After(tx.now) {
			next, note = q.UTC(), "夜间免打扰，"+q.In(sanlian.Shanghai).Format("1月2日 15:04")+"后发送"
		}
	}
	phone, openid := "", ""
	if m.channel == sanlian.ChannelSMS {
		phone = tx.db.seal(m.to, aadMessagePhone)
	} else {
		openid = tx.db.seal(m.to, aadMessageOpenID)
	}
	err = tx.queryRow(`INSERT INTO resident_messages (problem_id, channel, event, phone, phone_bi, openid, text, params, dedupe_key,
		state, note, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
		ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		nullInt(m.problemID), m.channel, m.event, phone, bi, openid, text, string(pj), nullStr(m.dedupe),
		state, note, next, tx.now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("queue resident message: %w", err)
	}
	return id, state, nil
}

// problemMessages queues, in the transaction of an action on a problem,
// the message its reporter is sent of it (sanlian.MsgEventOf), one per
// channel the reporter consented to.
func problemMessages(tx *Tx, action string, before, p *sanlian.Problem) error {
	if action == sanlian.ActionMerge {
		return nil
	}
	event := sanlian.MsgEventOf(before, p)
	if event == "" {
		return nil
	}
	return lifeMessages(tx, p.ID, event)
}

// lifeMessages queues event of problem id to its reporter by SMS when the
// submission consented to it and by WeChat when it came with an OpenID.
// A problem entered by staff has neither: nothing is sent. An event the
// settings do not send is queued skipped, with the reason.
func lifeMessages(tx *Tx, id int64, event string) error {
	var code sql.NullString
	var notify bool
	var phone, openid, number, unit, solved, satisfaction string
	var reopened int
	err := tx.queryRow(`SELECT p.tracking_code, p.notify_sms, p.reporter_phone, p.wechat_openid, p.number,
		COALESCE(u.name, ''), p.callback_solved, p.callback_satisfaction, p.reopened
		FROM problems p LEFT JOIN units u ON u.id = p.unit_id WHERE p.id = ?`, id).
		Scan(&code, &notify, tx.db.sealed(aadReporterPhone, &phone, &id), tx.db.sealed(aadProblemOpenID, &openid, &id),
			&number, &unit, &solved, &satisfaction, &reopened)
	if err != nil {
		return fmt.Errorf("messages of problem %d: %w", id, err)
	}
	if !code.Valid || (!notify && openid == "") {
		return nil
	}
	s, err := msgSettings(tx)
	if err != nil {
		return err
	}
	v := sanlian.MsgVars{Code: sanlian.FormatTrackingCode(code.String), Number: number, Unit: unit,
		Link: sanlian.TrackLink(s.PublicURL, code.String), Outcome: sanlian.MsgOutcome(solved, satisfaction)}
	if notify {
		m := residentMsg{problemID: id, channel: sanlian.ChannelSMS, event: event, to: sanlian.NormalizeMobile(phone), vars: v,
			dedupe: sanlian.MsgDedupeKey(id, event, sanlian.ChannelSMS, reopened), maxRunes: tx.db.msg.overrides.MaxRunes,
			skip: s.MsgSkipReason(sanlian.ChannelSMS, event)}
		if m.to == "" {
			m.to, m.skip = phone, "群众留的不是手机号，无法发送短信"
		}
		if _, _, err := queueResidentMessage(tx, m); err != nil {
			return err
		}
	}
	if openid != "" {
		m := residentMsg{problemID: id, channel: sanlian.ChannelWechat, event: event, to: openid, vars: v,
			dedupe: sanlian.MsgDedupeKey(id, event, sanlian.ChannelWechat, reopened), skip: s.MsgSkipReason(sanlian.ChannelWechat, event)}
		if m.skip == "" && !tx.db.msg.wechatReady {
			m.skip = "未配置微信公众号的 AppID 和 AppSecret，微信消息不发送"
		}
		if _, _, err := queueResidentMessage(tx, m); err != nil {
			return err
		}
	}
	return nil
}
