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
	"unicode/utf8"

	"sanlian"
)

const webhookSelect = `SELECT w.id, w.name, w.kind, w.url, w.secret, w.events, w.source, w.active, w.version, w.created_at, w.updated_at,
	(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'pending'),
	(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'failed')
	FROM webhooks w`

func scanWebhook(sc scanner) (*sanlian.Webhook, error) {
	h := &sanlian.Webhook{}
	var events string
	err := sc.Scan(&h.ID, &h.Name, &h.Kind, &h.URL, &h.Secret, &events, &h.Source, &h.Active, &h.Version, &h.CreatedAt, &h.UpdatedAt,
		&h.Pending, &h.Failed)
	h.Events = splitEvents(events)
	h.Shown()
	return h, err
}

// joinEvents stores events comma-wrapped, so that "%,event,%" finds a
// subscriber.
func joinEvents(es []string) string { return "," + strings.Join(es, ",") + "," }

func splitEvents(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

// webhookOffice refuses anyone but the office: webhooks send the county's
// events out of the system.
func (db *NoticeStore) webhookOffice(ctx context.Context, q querier) error {
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return err
	}
	if !s.office() {
		return errForbidden("只有县领导小组办公室可以管理消息推送")
	}
	return nil
}

// FindWebhooks implements sanlian.NoticeService.
func (db *NoticeStore) FindWebhooks(ctx context.Context) ([]*sanlian.Webhook, error) {
	if err := db.webhookOffice(ctx, db.reader(ctx)); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, webhookSelect+" ORDER BY w.id")
	if err != nil {
		return nil, fmt.Errorf("find webhooks: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.Webhook
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("find webhooks: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// FindWebhookByID implements sanlian.NoticeService.
func (db *NoticeStore) FindWebhookByID(ctx context.Context, id int64) (*sanlian.Webhook, error) {
	if err := db.webhookOffice(ctx, db.reader(ctx)); err != nil {
		return nil, err
	}
	return findWebhook(db.reader(ctx), id)
}

func findWebhook(q querier, id int64) (*sanlian.Webhook, error) {
	h, err := scanWebhook(q.queryOne(webhookSelect+" WHERE w.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sanlian.Errorf(sanlian.ENOTFOUND, "消息推送不存在")
	} else if err != nil {
		return nil, fmt.Errorf("find webhook %d: %w", id, err)
	}
	return h, nil
}

// CreateWebhook implements sanlian.NoticeService.
func (db *NoticeStore) CreateWebhook(ctx context.Context, in *sanlian.WebhookInput) (*sanlian.Webhook, error) {
	var out *sanlian.Webhook
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.webhookOffice(ctx, tx); err != nil {
			return err
		}
		if err := in.Validate(false); err != nil {
			return err
		}
		active := in.Active == nil || *in.Active
		source := ""
		if in.Source != nil {
			source = *in.Source
		}
		id, err := tx.insertID(`INSERT INTO webhooks (name, kind, url, secret, events, source, active, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, in.Name, in.Kind, in.URL, in.Secret, joinEvents(in.Events), source, active, tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		if err := tx.audit("create", "webhook", id, changes{"name": {nil, in.Name}, "kind": {nil, in.Kind},
			"url": {nil, sanlian.MaskURL(in.URL)}, "events": {nil, strings.Join(in.Events, ",")}, "source": {nil, source},
			"secret": {nil, sanlian.MaskSecret(in.Secret)}, "active": {nil, active}}); err != nil {
			return err
		}
		out, err = findWebhook(tx, id)
		return err
	})
	return out, err
}

// UpdateWebhook implements sanlian.NoticeService.
func (db *NoticeStore) UpdateWebhook(ctx context.Context, id int64, in *sanlian.WebhookInput) (*sanlian.Webhook, error) {
	var out *sanlian.Webhook
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.webhookOffice(ctx, tx); err != nil {
			return err
		}
		cur, err := findWebhook(tx, id)
		if err != nil {
			return err
		}
		if in.Version <= 0 {
			return fieldErr("version", "请提供所修改记录的 version，以免覆盖他人的修改")
		}
		if err := in.Validate(true); err != nil {
			return err
		}
		if in.Version != cur.Version {
			return errStale("消息推送")
		}
		next := *cur
		next.Name, next.Kind, next.Events = in.Name, in.Kind, in.Events
		if in.URL != "" {
			next.URL = in.URL
		}
		if in.ClearSecret {
			next.Secret = ""
		} else if in.Secret != "" {
			next.Secret = in.Secret
		}
		if in.Active != nil {
			next.Active = *in.Active
		}
		if in.Source != nil {
			next.Source = *in.Source
		}
		res, err := tx.exec(`UPDATE webhooks SET name = ?, kind = ?, url = ?, secret = ?, events = ?, source = ?, active = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			next.Name, next.Kind, next.URL, next.Secret, joinEvents(next.Events), next.Source, next.Active, tx.now, id, in.Version)
		if err != nil {
			return fmt.Errorf("update webhook %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale("消息推送")
		}
		ch := changes{}
		ch.set("name", cur.Name, next.Name)
		ch.set("kind", cur.Kind, next.Kind)
		ch.set("url", sanlian.MaskURL(cur.URL), sanlian.MaskURL(next.URL))
		ch.set("events", strings.Join(cur.Events, ","), strings.Join(next.Events, ","))
		ch.set("source", cur.Source, next.Source)
		ch.set("active", cur.Active, next.Active)
		if cur.Secret != next.Secret {
			ch["secret"] = [2]any{sanlian.MaskSecret(cur.Secret), sanlian.MaskSecret(next.Secret)}
		}
		if err := tx.audit("update", "webhook", id, ch); err != nil {
			return err
		}
		out, err = findWebhook(tx, id)
		return err
	})
	return out, err
}

const deliverySelect = `SELECT d.id, d.webhook_id, d.event, d.state, d.attempts, d.next_at, d.last_status, d.last_error, d.payload,
	d.created_at, d.delivered_at FROM webhook_deliveries d`

func scanDelivery(sc scanner) (*sanlian.WebhookDelivery, error) {
	d := &sanlian.WebhookDelivery{}
	var payload string
	err := sc.Scan(&d.ID, &d.WebhookID, &d.Event, &d.State, &d.Attempts, &d.NextAt, &d.LastStatus, &d.LastError, &payload,
		&d.CreatedAt, timeDst{&d.DeliveredAt})
	if err != nil {
		return nil, err
	}
	if d.State != sanlian.DeliveryPending {
		d.NextAt = time.Time{}
	}
	if err := json.Unmarshal([]byte(payload), &d.Payload); err != nil {
		return nil, fmt.Errorf("delivery %d payload: %w", d.ID, err)
	}
	return d, nil
}

// FindDeliveries implements sanlian.NoticeService.
func (db *NoticeStore) FindDeliveries(ctx context.Context, webhookID int64, state, cursor string, limit int) ([]*sanlian.WebhookDelivery, string, error) {
	if err := db.webhookOffice(ctx, db.reader(ctx)); err != nil {
		return nil, "", err
	}
	if _, err := findWebhook(db.reader(ctx), webhookID); err != nil {
		return nil, "", err
	}
	w := &where{}
	w.add("d.webhook_id = ?", webhookID)
	switch state {
	case "":
	case sanlian.DeliveryPending, sanlian.DeliveryDelivered, sanlian.DeliveryFailed:
		w.add("d.state = ?", state)
	default:
		return nil, "", &sanlian.Error{Code: sanlian.EINVALID, Message: "筛选条件有误",
			Fields: map[string]string{"state": "状态须为 pending、delivered 或 failed"}}
	}
	items, next, err := readPage(ctx, db.DB, "find deliveries", deliverySelect, w, cursor, limit, byID("d.id", true),
		scanDelivery, func(d *sanlian.WebhookDelivery) string { return idKey(d.ID) })
	if err != nil || len(items) == 0 {
		return items, next, err
	}
	byID := map[int64]*sanlian.WebhookDelivery{}
	ids := make([]int64, len(items))
	for i, d := range items {
		byID[d.ID], ids[i] = d, d.ID
	}
	rows, err := db.query(ctx, `SELECT delivery_id, at, status, error, duration_ms FROM webhook_attempts WHERE `+
		inList("delivery_id", len(ids))+` ORDER BY id`, int64s(ids)...)
	if err != nil {
		return nil, "", fmt.Errorf("delivery attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a sanlian.DeliveryAttempt
		if err := rows.Scan(&id, &a.At, &a.Status, &a.Error, &a.Duration); err != nil {
			return nil, "", fmt.Errorf("delivery attempts: %w", err)
		}
		byID[id].Log = append(byID[id].Log, a)
	}
	return items, next, rows.Err()
}

// RetryDelivery implements sanlian.NoticeService.
func (db *NoticeStore) RetryDelivery(ctx context.Context, webhookID, deliveryID int64) (*sanlian.WebhookDelivery, error) {
	var out *sanlian.WebhookDelivery
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.webhookOffice(ctx, tx); err != nil {
			return err
		}
		d, err := scanDelivery(tx.queryRow(deliverySelect+" WHERE d.id = ? AND d.webhook_id = ?", deliveryID, webhookID))
		if errors.Is(err, sql.ErrNoRows) {
			return sanlian.Errorf(sanlian.ENOTFOUND, "推送记录不存在")
		} else if err != nil {
			return fmt.Errorf("retry delivery %d: %w", deliveryID, err)
		}
		if d.State != sanlian.DeliveryFailed {
			return sanlian.Errorf(sanlian.ECONFLICT, "只有发送失败的推送可以重新发送（当前为“%s”）", d.StateLabel())
		}
		res, err := tx.exec(`UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_at = ?, claimed_until = NULL
			WHERE id = ? AND state = 'failed'`, tx.now, deliveryID)
		if err != nil {
			return fmt.Errorf("retry delivery %d: %w", deliveryID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale("推送记录")
		}
		if err := tx.audit("retry", "webhook_delivery", deliveryID, changes{"state": {d.State, sanlian.DeliveryPending}}); err != nil {
			return err
		}
		out, err = scanDelivery(tx.queryRow(deliverySelect+" WHERE d.id = ?", deliveryID))
		return err
	})
	return out, err
}

// subscribed reports whether an active webhook takes event.
func subscribed(tx *Tx, event string) (bool, error) {
	var n int
	// The pattern is built in SQL: a bound pattern makes SQLite prepare
	// the statement again on every run (its LIKE optimisation).
	if err := tx.queryRow(`SELECT COUNT(*) FROM webhooks WHERE active = ? AND events LIKE '%,' || ? || ',%'`, true, event).Scan(&n); err != nil {
		return false, fmt.Errorf("webhooks of %s: %w", event, err)
	}
	return n > 0, nil
}

// enqueue queues event with its payload for every active webhook that
// takes it, inside the transaction of the event itself, with phones and ID
// numbers in its text masked. A dedupe key
// already queued for a webhook is not queued again. It is for events not
// about a problem: a webhook's source filter does not apply.
func enqueue(tx *Tx, event string, pl sanlian.Payload, dedupe string) error {
	return enqueueTo(tx, event, pl, dedupe, "", nil)
}

// enqueueTo is enqueue with a further condition on the webhooks w that
// take it.
func enqueueTo(tx *Tx, event string, pl sanlian.Payload, dedupe, cond string, args []any) error {
	body, err := json.Marshal(pl.Masked())
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", event, err)
	}
	a := []any{event, string(body), nullStr(dedupe), tx.now, tx.now, true, event}
	_, err = tx.exec(`INSERT INTO webhook_deliveries (webhook_id, event, payload, dedupe_key, state, attempts, next_at, created_at)
		SELECT w.id, ?, ?, ?, 'pending', 0, ?, ? FROM webhooks w WHERE w.active = ? AND w.events LIKE '%,' || ? || ',%'`+cond+`
		ON CONFLICT (webhook_id, dedupe_key) DO NOTHING`, append(a, args...)...)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", event, err)
	}
	return nil
}

// enqueueProblem queues event about problem id: its number, title,
// village, unit, deadline and source, and the Open311 id of a problem
// that came through Open311; never its reporter. A webhook limited to a
// source takes it only when the problem came from that source.
func enqueueProblem(tx *Tx, event, headline string, id int64, dedupe string) error {
	return enqueueProblemWith(tx, event, headline, id, dedupe, nil)
}

// enqueueProblemWith is enqueueProblem with more of the payload (the
// result, the callback's outcome) filled by more.
func enqueueProblemWith(tx *Tx, event, headline string, id int64, dedupe string, more func(pl *sanlian.Payload)) error {
	// Whether a webhook takes it, and the payload's data, in one query;
	// the pattern is built in SQL (see subscribed).
	pl := sanlian.Payload{Title: headline, Link: fmt.Sprintf("/problems/%d", id)}
	var due, assignDue time.Time
	var open311, taken bool
	err := tx.queryRow(`SELECT EXISTS (SELECT 1 FROM webhooks WHERE active = ? AND events LIKE '%,' || ? || ',%'),
		p.number, p.title, COALESCE((SELECT name FROM regions WHERE code = p.village_code), ''),
		COALESCE((SELECT name FROM units WHERE id = p.unit_id), ''), p.resolve_due, p.assign_due, p.source,
		EXISTS (SELECT 1 FROM open311_requests o WHERE o.problem_id = p.id)
		FROM problems p WHERE p.id = ?`, true, event, id).
		Scan(&taken, &pl.Number, &pl.Subject, &pl.Village, &pl.Unit, timeDst{&due}, timeDst{&assignDue}, &pl.Source, &open311)
	if err != nil {
		return fmt.Errorf("problem %d payload: %w", id, err)
	}
	if !taken {
		return nil
	}
	if due.IsZero() { // still with the office: its dispatch deadline
		due = assignDue
	}
	if !due.IsZero() {
		pl.Deadline = sanlian.DeadlineDate(due)
	}
	if open311 { // GeoReport v2's service_request_id is the problem's id
		pl.ServiceRequestID = strconv.FormatInt(id, 10)
	}
	if more != nil {
		more(&pl)
	}
	return enqueueTo(tx, event, pl, dedupe, ` AND (w.source = '' OR w.source = ?)`, []any{pl.Source})
}

// problemWebhooks queues what an action on a problem tells the outside
// platforms, in the action's transaction: problem_accepted when its unit
// signed for it, problem_resolved with the result anonymised as the
// public results page shows it, problem_closed with the callback's
// outcome, and problem_reopened, with why, when it went back to its unit
// (by the office, or by an unsatisfied callback).
func problemWebhooks(tx *Tx, action string, before, p *sanlian.Problem) error {
	switch {
	case p.Reopened > before.Reopened:
		if ok, err := subscribed(tx, sanlian.EventProblemReopened); err != nil || !ok {
			return err
		}
		var note string
		err := tx.queryRow(`SELECT note FROM problem_events WHERE problem_id = ? ORDER BY id DESC LIMIT 1`, p.ID).Scan(&note)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("reopened problem %d: %w", p.ID, err)
		}
		return enqueueProblemWith(tx, sanlian.EventProblemReopened, "退回重办", p.ID, fmt.Sprintf("reopened:%d:%d", p.ID, p.Reopened),
			func(pl *sanlian.Payload) {
				pl.Text = sanlian.AnonymizeText(note)
				if action == sanlian.ActionCallback {
					pl.Outcome = sanlian.CallbackOutcome(p.CallbackSolved, p.CallbackSatisfaction)
					pl.Solved, pl.Satisfaction = p.CallbackSolved, p.CallbackSatisfaction
				}
			})
	case action == sanlian.ActionAccept && p.State == sanlian.StateAccepted:
		return enqueueProblem(tx, sanlian.EventProblemAccepted, "问题签收", p.ID, "")
	case action == sanlian.ActionResolve && p.State == sanlian.StateResolved:
		return enqueueProblemWith(tx, sanlian.EventProblemResolved, "问题办结", p.ID, "", func(pl *sanlian.Payload) {
			pl.Result = sanlian.AnonymizeText(p.Result)
		})
	case action == sanlian.ActionClose && p.State == sanlian.StateClosed:
		return enqueueProblemWith(tx, sanlian.EventProblemClosed, "问题销号", p.ID, "", func(pl *sanlian.Payload) {
			pl.Outcome = sanlian.CallbackOutcome(p.CallbackSolved, p.CallbackSatisfaction)
			pl.Solved, pl.Satisfaction = p.CallbackSolved, p.CallbackSatisfaction
		})
	}
	return nil
}

// ClaimDeliveries implements sanlian.DeliveryQueue. On PostgreSQL the
// rows are locked with FOR UPDATE SKIP LOCKED, so that workers on several
// nodes take different rows without waiting for one another; the lease
// (claimed_until) keeps a claimed row from being taken again until its
// attempt is recorded or the lease ends. SQLite has one writer.
func (db *NoticeStore) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*sanlian.DeliveryJob, error) {
	ctx = sanlian.NewSystemContext(ctx)
	var out []*sanlian.DeliveryJob
	err := db.inTx(ctx, func(tx *Tx) error {
		// A webhook the office stopped keeps its queue until it is started
		// again.
		pick := `SELECT d.id FROM webhook_deliveries d WHERE d.state = 'pending' AND d.next_at <= ?
			AND (d.claimed_until IS NULL OR d.claimed_until <= ?)
			AND d.webhook_id IN (SELECT w.id FROM webhooks w WHERE w.active = ?) ORDER BY d.next_at, d.id LIMIT ?`
		if db.Dialect == Postgres {
			pick += " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.query(`UPDATE webhook_deliveries SET claimed_until = ? WHERE id IN (`+pick+`) RETURNING id`,
			tx.now.Add(lease), tx.now, tx.now, true, limit)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("claim deliveries: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		rows, err = tx.query(`SELECT d.id, d.webhook_id, d.event, d.state, d.attempts, d.next_at, d.last_status, d.last_error, d.payload,
			d.created_at, d.delivered_at, w.name, w.kind, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE `+inList("d.id", len(ids))+` ORDER BY d.id`, int64s(ids)...)
		if err != nil {
			return fmt.Errorf("claimed deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			j := &sanlian.DeliveryJob{}
			d := &j.Delivery
			var payload string
			if err := rows.Scan(&d.ID, &d.WebhookID, &d.Event, &d.State, &d.Attempts, &d.NextAt, &d.LastStatus, &d.LastError, &payload,
				&d.CreatedAt, timeDst{&d.DeliveredAt}, &j.Hook.Name, &j.Hook.Kind, &j.Hook.URL, &j.Hook.Secret); err != nil {
				return fmt.Errorf("claimed deliveries: %w", err)
			}
			if err := json.Unmarshal([]byte(payload), &d.Payload); err != nil {
				return fmt.Errorf("delivery %d payload: %w", d.ID, err)
			}
			j.Hook.ID = d.WebhookID
			out = append(out, j)
		}
		return rows.Err()
	})
	return out, err
}

// FinishAttempt implements sanlian.DeliveryQueue. The attempt log is the
// record of the machine's sending; it takes no audit row.
func (db *NoticeStore) FinishAttempt(ctx context.Context, id int64, a sanlian.DeliveryAttempt, ok bool) error {
	ctx = sanlian.NewSystemContext(ctx)
	if utf8.RuneCountInString(a.Error) > 500 {
		a.Error = string([]rune(a.Error)[:500])
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var state string
		var attempts int
		err := tx.queryRow(`SELECT state, attempts FROM webhook_deliveries WHERE id = ?`, id).Scan(&state, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return sanlian.Errorf(sanlian.ENOTFOUND, "推送记录不存在")
		} else if err != nil {
			return fmt.Errorf("finish delivery %d: %w", id, err)
		}
		at := a.At
		if at.IsZero() {
			at = tx.now
		}
		if _, err := tx.exec(`INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?)`,
			id, at.UTC(), a.Status, a.Error, a.Duration); err != nil {
			return fmt.Errorf("log delivery %d: %w", id, err)
		}
		if state != sanlian.DeliveryPending {
			return nil // already settled
		}
		attempts++
		switch {
		case ok:
			_, err = tx.exec(`UPDATE webhook_deliveries SET state = 'delivered', attempts = ?, last_status = ?, last_error = '',
				delivered_at = ?, claimed_until = NULL WHERE id = ?`, attempts, a.Status, tx.now, id)
		case attempts >= sanlian.MaxDeliveryAttempts:
			_, err = tx.exec(`UPDATE webhook_deliveries SET state = 'failed', attempts = ?, last_status = ?, last_error = ?,
				claimed_until = NULL WHERE id = ?`, attempts, a.Status, a.Error, id)
		default:
			_, err = tx.exec(`UPDATE webhook_deliveries SET attempts = ?, last_status = ?, last_error = ?, next_at = ?,
				claimed_until = NULL WHERE id = ?`, attempts, a.Status, a.Error, tx.now.Add(sanlian.RetryDelay(attempts)), id)
		}
		if err != nil {
			return fmt.Errorf("finish delivery %d: %w", id, err)
		}
		return nil
	})
}
