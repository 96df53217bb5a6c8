package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"sanlian"
	"sanlian/seal"
)

// msgConfig is what the server was started with for messages to
// residents: the flags that override the office's settings, and whether
// it has the WeChat account's keys.
type msgConfig struct {
	overrides   sanlian.MsgOverrides
	wechatReady bool
}

// SetMessageConfig sets the server's overrides of the office's settings
// of messages to residents (its --sms-provider, --sms-endpoint and
// --public-url flags, and the provider's longest text) and whether it can
// send WeChat template messages. Call it before serving.
func (db *NoticeStore) SetMessageConfig(o sanlian.MsgOverrides, wechatReady bool) {
	db.msg = msgConfig{overrides: o, wechatReady: wechatReady}
}

// storedMsgSettings reads the office's stored settings.
func storedMsgSettings(q querier) (sanlian.MsgSettings, error) {
	var s sanlian.MsgSettings
	var raw string
	err := q.queryOne(`SELECT settings, version, updated_by, updated_at FROM message_settings WHERE id = 1`).
		Scan(&raw, &s.Version, &s.UpdatedBy, timeDst{&s.UpdatedAt})
	if err != nil {
		return s, fmt.Errorf("message settings: %w", err)
	}
	v, by, at := s.Version, s.UpdatedBy, s.UpdatedAt
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, fmt.Errorf("message settings: %w", err)
	}
	s.Version, s.UpdatedBy, s.UpdatedAt = v, by, at
	if s.SMS == nil {
		s.SMS = map[string]string{}
	}
	if s.Wechat == nil {
		s.Wechat = map[string]string{}
	}
	return s, nil
}

// msgSettings returns the settings in effect, read in tx.
func msgSettings(tx *Tx) (sanlian.MsgSettings, error) {
	s, err := storedMsgSettings(tx)
	return s.Effective(tx.db.msg.overrides), err
}

// EffectiveMessageSettings implements sanlian.MessageQueue.
func (db *NoticeStore) EffectiveMessageSettings(ctx context.Context) (sanlian.MsgSettings, error) {
	s, err := storedMsgSettings(db.reader(ctx))
	return s.Effective(db.msg.overrides), err
}

// messageOffice refuses anyone but the office: messages to residents
// carry their phones.
func (db *NoticeStore) messageOffice(ctx context.Context, q querier) error {
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return err
	}
	if !s.office() || s.role() != sanlian.RoleOffice {
		return errForbidden("只有县领导小组办公室可以管理群众消息告知")
	}
	return nil
}

// MessageSettings implements sanlian.MessageService.
func (db *NoticeStore) MessageSettings(ctx context.Context) (*sanlian.MsgSettingsView, error) {
	q := db.reader(ctx)
	if err := db.messageOffice(ctx, q); err != nil {
		return nil, err
	}
	s, err := storedMsgSettings(q)
	if err != nil {
		return nil, err
	}
	return sanlian.NewMsgSettingsView(s, db.msg.overrides, db.msg.wechatReady), nil
}

// UpdateMessageSettings implements sanlian.MessageService.
func (db *NoticeStore) UpdateMessageSettings(ctx context.Context, in *sanlian.MsgSettings) (*sanlian.MsgSettingsView, error) {
	var out *sanlian.MsgSettingsView
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.messageOffice(ctx, tx); err != nil {
			return err
		}
		if in.SMS == nil {
			in.SMS = map[string]string{}
		}
		if in.Wechat == nil {
			in.Wechat = map[string]string{}
		}
		if err := db.checkMsgSettings(in); err != nil {
			return err
		}
		before, err := storedMsgSettings(tx)
		if err != nil {
			return err
		}
		if in.Version != before.Version {
			return errStale("消息告知设置")
		}
		store := *in
		store.Version, store.UpdatedBy, store.UpdatedAt = 0, "", time.Time{}
		raw, err := jsonMarshal(store)
		if err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE message_settings SET settings = ?, version = version + 1, updated_by = ?, updated_at = ?
			WHERE id = 1 AND version = ?`, raw, actorName(tx.ctx), tx.now, in.Version)
		if err != nil {
			return fmt.Errorf("update message settings: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale("消息告知设置")
		}
		ch := changes{}
		ch.set("enabled", before.Enabled, in.Enabled)
		ch.set("provider", before.Provider, in.Provider)
		ch.set("endpoint", sanlian.MaskURL(before.Endpoint), sanlian.MaskURL(in.Endpoint))
		ch.set("public_url", before.PublicURL, in.PublicURL)
		ch.set("sms_templates", fmt.Sprint(before.SMS), fmt.Sprint(in.SMS))
		ch.set("wechat_templates", fmt.Sprint(before.Wechat), fmt.Sprint(in.Wechat))
		if err := tx.audit("update", "message_settings", 1, ch); err != nil {
			return err
		}
		s, err := storedMsgSettings(tx)
		if err != nil {
			return err
		}
		out = sanlian.NewMsgSettingsView(s, db.msg.overrides, db.msg.wechatReady)
		return nil
	})
	return out, err
}

// checkMsgSettings validates in as stored and as it will be in effect
// under the server's flags: a field the flags set is checked only as
// they set it.
func (db *NoticeStore) checkMsgSettings(in *sanlian.MsgSettings) error {
	fields := map[string]string{}
	var stored, eff *sanlian.Error
	if errors.As(in.Validate(), &stored) {
		view := sanlian.NewMsgSettingsView(*in, db.msg.overrides, false)
		for k, v := range stored.Fields {
			if !view.SetByFlag(k) {
				fields[k] = v
			}
		}
	}
	e := in.Effective(db.msg.overrides)
	if errors.As(e.Validate(), &eff) {
		for k, v := range eff.Fields {
			fields[k] = v
		}
	}
	return sanlian.FieldErrors(fields)
}

// actorName is the acting user's name, "system" without one.
func actorName(ctx context.Context) string {
	if u := sanlian.UserFromContext(ctx); u != nil {
		return u.Username
	}
	return "system"
}

const messageSelect = `SELECT m.id, COALESCE(m.problem_id, 0), COALESCE(p.number, ''), m.channel, m.event, m.phone, m.openid,
	m.text, m.state, m.note, m.attempts, m.next_at, m.last_error, m.provider_id, m.sent_at, m.created_at
	FROM resident_messages m LEFT JOIN problems p ON p.id = m.problem_id`

// scanMessage reads a log row, its recipient opened and masked.
func (db *NoticeStore) scanMessage(sc scanner) (*sanlian.ResidentMessage, error) {
	m := &sanlian.ResidentMessage{Log: []sanlian.MsgAttempt{}}
	var phone, openid string
	err := sc.Scan(&m.ID, &m.ProblemID, &m.ProblemNumber, &m.Channel, &m.Event, db.sealed(aadMessagePhone, &phone, &m.ID),
		db.sealed(aadMessageOpenID, &openid, &m.ID), &m.Text, &m.State, &m.Note, &m.Attempts, &m.NextAt, &m.LastError,
		&m.ProviderID, timeDst{&m.SentAt}, &m.CreatedAt)
	if err != nil {
		return nil, err
	}
	if m.Channel == sanlian.ChannelSMS {
		m.To = sanlian.MaskPhone(phone)
	} else {
		m.To = maskOpenID(openid)
	}
	m.Text = sanlian.MaskContacts(m.Text)
	if m.State != sanlian.MsgPending {
		m.NextAt = time.Time{}
	}
	return m, nil
}

// maskOpenID keeps an OpenID's first four characters.
func maskOpenID(s string) string {
	if utf8.RuneCountInString(s) <= 6 {
		return "****"
	}
	return string([]rune(s)[:4]) + "****"
}

// FindMessages implements sanlian.MessageService.
func (db *NoticeStore) FindMessages(ctx context.Context, f sanlian.MsgFilter) ([]*sanlian.ResidentMessage, string, error) {
	if err := db.messageOffice(ctx, db.reader(ctx)); err != nil {
		return nil, "", err
	}
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	w := &where{}
	if f.State != "" {
		w.add("m.state = ?", f.State)
	}
	if f.Event != "" {
		w.add("m.event = ?", f.Event)
	}
	items, next, err := readPage(ctx, db.DB, "find messages", messageSelect, w, f.Cursor, f.Limit, byID("m.id", true),
		db.scanMessage, func(m *sanlian.ResidentMessage) string { return idKey(m.ID) })
	if err != nil || len(items) == 0 {
		return items, next, err
	}
	return items, next, db.messageAttempts(db.reader(ctx), items)
}

// messageAttempts fills the attempts of messages.
func (db *NoticeStore) messageAttempts(q querier, items []*sanlian.ResidentMessage) error {
	byID := map[int64]*sanlian.ResidentMessage{}
	ids := make([]int64, len(items))
	for i, m := range items {
		byID[m.ID], ids[i] = m, m.ID
	}
	rows, err := q.queryRows(`SELECT message_id, at, status, error, provider_id, duration_ms FROM resident_message_attempts WHERE `+
		inList("message_id", len(ids))+` ORDER BY id`, int64s(ids)...)
	if err != nil {
		return fmt.Errorf("message attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a sanlian.MsgAttempt
		if err := rows.Scan(&id, &a.At, &a.Status, &a.Error, &a.ProviderID, &a.Duration); err != nil {
			return fmt.Errorf("message attempts: %w", err)
		}
		byID[id].Log = append(byID[id].Log, a)
	}
	return rows.Err()
}

// RetryMessage implements sanlian.MessageService.
func (db *NoticeStore) RetryMessage(ctx context.Context, id int64) (*sanlian.ResidentMessage, error) {
	var out *sanlian.ResidentMessage
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.messageOffice(ctx, tx); err != nil {
			return err
		}
		m, err := db.scanMessage(tx.queryRow(messageSelect+" WHERE m.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return sanlian.Errorf(sanlian.ENOTFOUND, "消息记录不存在")
		} else if err != nil {
			return fmt.Errorf("retry message %d: %w", id, err)
		}
		if m.State != sanlian.MsgFailed {
			return sanlian.Errorf(sanlian.ECONFLICT, "只有发送失败的消息可以重新发送（当前为“%s”）", m.StateLabel())
		}
		res, err := tx.exec(`UPDATE resident_messages SET state = 'pending', attempts = 0, next_at = ?, claimed_until = NULL, note = ''
			WHERE id = ? AND state = 'failed'`, tx.now, id)
		if err != nil {
			return fmt.Errorf("retry message %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale("消息记录")
		}
		if err := tx.audit("retry", "resident_message", id, changes{"state": {m.State, sanlian.MsgPending}}); err != nil {
			return err
		}
		if out, err = db.scanMessage(tx.queryRow(messageSelect+" WHERE m.id = ?", id)); err != nil {
			return err
		}
		return db.messageAttempts(tx, []*sanlian.ResidentMessage{out})
	})
	return out, err
}

// ClaimMessages implements sanlian.MessageQueue. On PostgreSQL the rows
// are locked with FOR UPDATE SKIP LOCKED, as ClaimDeliveries does, so that
// workers on several nodes take different rows; the lease keeps a claimed
// row from being taken again until its attempt is recorded.
func (db *NoticeStore) ClaimMessages(ctx context.Context, limit int, lease time.Duration) ([]*sanlian.MsgJob, error) {
	ctx = sanlian.NewSystemContext(ctx)
	var out []*sanlian.MsgJob
	err := db.inTx(ctx, func(tx *Tx) error {
		pick := `SELECT m.id FROM resident_messages m WHERE m.state = 'pending' AND m.next_at <= ?
			AND (m.claimed_until IS NULL OR m.claimed_until <= ?) ORDER BY m.next_at, m.id LIMIT ?`
		if db.Dialect == Postgres {
			pick += " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.query(`UPDATE resident_messages SET claimed_until = ? WHERE id IN (`+pick+`) RETURNING id`,
			tx.now.Add(lease), tx.now, tx.now, limit)
		if err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("claim messages: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.query(`SELECT id, channel, event, phone, openid, text, params, attempts FROM resident_messages
			WHERE `+inList("id", len(ids))+` ORDER BY id`, int64s(ids)...)
		if err != nil {
			return fmt.Errorf("claimed messages: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			j := &sanlian.MsgJob{}
			var phone, openid, params string
			if err := rows.Scan(&j.ID, &j.Channel, &j.Event, db.sealed(aadMessagePhone, &phone, &j.ID), db.sealed(aadMessageOpenID, &openid, &j.ID),
				&j.Text, &params, &j.Attempts); err != nil {
				return fmt.Errorf("claimed messages: %w", err)
			}
			if err := json.Unmarshal([]byte(params), &j.Params); err != nil {
				return fmt.Errorf("message %d params: %w", j.ID, err)
			}
			j.To = phone
			if j.Channel == sanlian.ChannelWechat {
				j.To = openid
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	return out, err
}

// FinishMessage implements sanlian.MessageQueue. The attempt log is the
// record of the machine's sending; it takes no audit row.
func (db *NoticeStore) FinishMessage(ctx context.Context, id int64, a sanlian.MsgAttempt, ok, permanent bool) error {
	ctx = sanlian.NewSystemContext(ctx)
	a.Error = sanlian.MaskContacts(a.Error)
	if utf8.RuneCountInString(a.Error) > 500 {
		a.Error = string([]rune(a.Error)[:500])
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var state, event string
		var attempts int
		err := tx.queryRow(`SELECT state, event, attempts FROM resident_messages WHERE id = ?`, id).Scan(&state, &event, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return sanlian.Errorf(sanlian.ENOTFOUND, "消息记录不存在")
		} else if err != nil {
			return fmt.Errorf("finish message %d: %w", id, err)
		}
		at := a.At
		if at.IsZero() {
			at = tx.now
		}
		if _, err := tx.exec(`INSERT INTO resident_message_attempts (message_id, at, status, error, provider_id, duration_ms)
			VALUES (?, ?, ?, ?, ?, ?)`, id, at.UTC(), a.Status, a.Error, a.ProviderID, a.Duration); err != nil {
			return fmt.Errorf("log message %d: %w", id, err)
		}
		if state != sanlian.MsgPending {
			return nil // already settled
		}
		attempts++
		next, again := sanlian.MsgRetryAt(event, attempts, tx.now)
		next = next.UTC() // stored times compare as text on SQLite
		switch {
		case ok:
			_, err = tx.exec(`UPDATE resident_messages SET state = 'sent', attempts = ?, last_error = '', provider_id = ?, note = '',
				sent_at = ?, claimed_until = NULL WHERE id = ?`, attempts, a.ProviderID, tx.now, id)
		case permanent || !again:
			note := fmt.Sprintf("已尝试 %d 次，均未成功", attempts)
			if permanent {
				note = "服务商拒收，重发也不会成功"
			}
			_, err = tx.exec(`UPDATE resident_messages SET state = 'failed', attempts = ?, last_error = ?, note = ?,
				claimed_until = NULL WHERE id = ?`, attempts, a.Error, note, id)
		default:
			_, err = tx.exec(`UPDATE resident_messages SET attempts = ?, last_error = ?, next_at = ?, note = ?,
				claimed_until = NULL WHERE id = ?`, attempts, a.Error, next,
				"第 "+fmt.Sprint(attempts)+" 次发送失败，"+next.In(sanlian.Shanghai).Format("1月2日 15:04")+"重试", id)
		}
		if err != nil {
			return fmt.Errorf("finish message %d: %w", id, err)
		}
		return nil
	})
}

// SkipMessage implements sanlian.MessageQueue.
func (db *NoticeStore) SkipMessage(ctx context.Context, id int64, reason string) error {
	ctx = sanlian.NewSystemContext(ctx)
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE resident_messages SET state = 'skipped', note = ?, claimed_until = NULL
			WHERE id = ? AND state = 'pending'`, reason, id); err != nil {
			return fmt.Errorf("skip message %d: %w", id, err)
		}
		return nil
	})
}

// ReceiveSMS implements sanlian.MessageService. A stop word puts the
// phone on the stop list (and skips what is still queued to it); 1, 2 or
// 3 is the callback of the phone's latest resolved problem awaiting a
// rating whose resolved message was sent, recorded as the public rating
// page records one; anything else changes nothing. Every reply is kept in
// the inbound log, its phone sealed and its digits masked.
func (db *NoticeStore) ReceiveSMS(ctx context.Context, in []sanlian.InboundSMS) ([]sanlian.InboundResult, error) {
	ctx = sanlian.NewSystemContext(ctx)
	out := make([]sanlian.InboundResult, 0, len(in))
	for _, m := range in {
		r, err := db.receiveOne(ctx, m)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (db *NoticeStore) receiveOne(ctx context.Context, m sanlian.InboundSMS) (sanlian.InboundResult, error) {
	res := sanlian.InboundResult{Outcome: sanlian.InboundUnknown}
	phone := sanlian.NormalizeMobile(m.From)
	if phone == "" {
		phone = m.From
	}
	bi := db.index(seal.Phone, phone)
	reply, ok := sanlian.ParseReply(m.Text)
	var problemID int64
	switch {
	case !ok:
	case reply.Stop:
		res.Outcome = sanlian.InboundOptOut
		if err := db.inTx(ctx, func(tx *Tx) error { return optOut(tx, phone, bi) }); err != nil {
			return res, err
		}
	default:
		res.Outcome = sanlian.InboundNoMatch
		var version int64
		var number string
		err := db.reader(ctx).queryOne(`SELECT p.id, p.version, p.number FROM problems p
			WHERE p.reporter_phone_bi = ? AND p.tracking_code IS NOT NULL AND p.state = 'resolved'
			AND (p.callback_at IS NULL OR p.callback_at < p.resolved_at)
			AND EXISTS (SELECT 1 FROM resident_messages r WHERE r.problem_id = p.id AND r.event = 'resolved'
				AND r.channel = 'sms' AND r.state = 'sent')
			ORDER BY p.resolved_at DESC, p.id DESC LIMIT 1`, bi).Scan(&problemID, &version, &number)
		if errors.Is(err, sql.ErrNoRows) {
			break
		} else if err != nil {
			return res, fmt.Errorf("inbound sms: %w", err)
		}
		err = db.Public.rateByResident(ctx, problemID, version, reply.Solved, reply.Satisfaction,
			"群众短信回复："+sanlian.MaskContacts(m.Text))
		if sanlian.ErrorCode(err) == sanlian.ECONFLICT {
			res.Outcome, problemID = sanlian.InboundNoMatch, 0
			break
		} else if err != nil {
			return res, err
		}
		res.Outcome, res.ProblemNumber = sanlian.InboundCallback, number
	}
	at := m.At
	err := db.inTx(ctx, func(tx *Tx) error {
		if at.IsZero() {
			at = tx.now
		}
		text := []rune(sanlian.MaskContacts(m.Text))
		if len(text) > 200 {
			text = text[:200]
		}
		_, err := tx.exec(`INSERT INTO sms_inbound (provider, phone, phone_bi, text, outcome, problem_id, received_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.Provider, db.seal(phone, aadInboundPhone), bi, string(text), res.Outcome,
			nullInt(problemID), at.UTC(), tx.now)
		if err != nil {
			return fmt.Errorf("inbound sms log: %w", err)
		}
		return nil
	})
	return res, err
}

// aadInboundPhone is the AAD of sms_inbound.phone.
const aadInboundPhone = "sms_inbound.phone"

// optOut puts a phone on the stop list, through a reply by SMS, and
// skips the messages of problems still queued to it.
func optOut(tx *Tx, phone, bi string) error {
	var id int64
	err := tx.queryRow(`INSERT INTO sms_optouts (phone, phone_bi, via, at) VALUES (?, ?, 'sms', ?)
		ON CONFLICT (phone_bi) DO NOTHING RETURNING id`, tx.db.seal(phone, aadOptoutPhone), bi, tx.now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // already on it
	} else if err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	if _, err := tx.exec(`UPDATE resident_messages SET state = 'skipped', note = '群众已回复退订，不再发送', claimed_until = NULL
		WHERE phone_bi = ? AND state = 'pending' AND event <> ?`, bi, sanlian.MsgLookupCode); err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	return tx.audit("optout", "sms_optout", id, changes{"phone": {nil, sanlian.MaskPhone(phone)}, "via": {nil, "sms"}})
}

// RecentInbound lists the last limit replies, newest first, for the
// office.
func (db *NoticeStore) RecentInbound(ctx context.Context, limit int) ([]*sanlian.InboundReply, error) {
	q := db.reader(ctx)
	if err := db.messageOffice(ctx, q); err != nil {
		return nil, err
	}
	rows, err := q.queryRows(`SELECT i.id, i.provider, i.phone, i.text, i.outcome, COALESCE(p.number, ''), i.received_at
		FROM sms_inbound i LEFT JOIN problems p ON p.id = i.problem_id ORDER BY i.id DESC LIMIT ?`, pageLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("inbound sms: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.InboundReply
	for rows.Next() {
		r := &sanlian.InboundReply{}
		var phone string
		if err := rows.Scan(&r.ID, &r.Provider, db.sealed(aadInboundPhone, &phone, &r.ID), &r.Text, &r.Outcome, &r.ProblemNumber, &r.ReceivedAt); err != nil {
			return nil, fmt.Errorf("inbound sms: %w", err)
		}
		r.From = sanlian.MaskPhone(phone)
		out = append(out, r)
	}
	return out, rows.Err()
}
