package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// bulletinCols are the columns scanBulletin reads.
const bulletinCols = `b.id, b.period, b.year, COALESCE(b.number, 0), b.state, b.content, b.commentary, b.overrides, b.config,
	b.version, b.created_at, b.updated_at, b.published_at, COALESCE(b.published_by, 0)`

func scanBulletin(sc scanner) (*sanlian.Bulletin, error) {
	b := &sanlian.Bulletin{}
	var content, overrides, config string
	var published sql.NullTime
	if err := sc.Scan(&b.ID, &b.Period, &b.Year, &b.Number, &b.State, &content, &b.Commentary, &overrides, &config,
		&b.Version, &b.CreatedAt, &b.UpdatedAt, &published, &b.PublishedBy); err != nil {
		return nil, err
	}
	if published.Valid {
		t := published.Time
		b.PublishedAt = &t
	}
	b.Content = &sanlian.BulletinContent{}
	if err := json.Unmarshal([]byte(content), b.Content); err != nil {
		return nil, fmt.Errorf("bulletin %s content: %w", b.Period, err)
	}
	b.Overrides = []sanlian.BulletinOverride{}
	if overrides != "" {
		if err := json.Unmarshal([]byte(overrides), &b.Overrides); err != nil {
			return nil, fmt.Errorf("bulletin %s overrides: %w", b.Period, err)
		}
	}
	if config != "" {
		b.Config = &sanlian.MetricConfig{}
		if err := json.Unmarshal([]byte(config), b.Config); err != nil {
			return nil, fmt.Errorf("bulletin %s config: %w", b.Period, err)
		}
	}
	return b, nil
}

// FindBulletins lists the bulletins, newest period first; drafts only for
// the office.
func (db *ReportStore) FindBulletins(ctx context.Context) ([]*sanlian.Bulletin, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	var w where
	if !s.office() {
		w.add("b.state = ?", sanlian.BulletinPublished)
	}
	rows, err := q.queryRows(`SELECT `+bulletinCols+` FROM bulletins b`+w.sql()+` ORDER BY b.period DESC`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find bulletins: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.Bulletin{}
	for rows.Next() {
		b, err := scanBulletin(rows)
		if err != nil {
			return nil, fmt.Errorf("find bulletins: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// FindBulletin returns a period's bulletin.
func (db *ReportStore) FindBulletin(ctx context.Context, period string) (*sanlian.Bulletin, error) {
	if _, err := sanlian.HalfMonth(period); err != nil {
		return nil, err
	}
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	b, err := findBulletin(q, period)
	if err != nil {
		return nil, err
	}
	if b == nil || (!b.Published() && !s.office()) {
		return nil, sanlian.Errorf(sanlian.ENOTFOUND, "%s的督查通报尚未发布", periodLabel(period))
	}
	return b, nil
}

func periodLabel(id string) string {
	p, err := sanlian.ParsePeriod(id)
	if err != nil {
		return id
	}
	return p.Label()
}

// findBulletin returns the bulletin of period, or nil.
func findBulletin(q querier, period string) (*sanlian.Bulletin, error) {
	b, err := scanBulletin(q.queryOne(`SELECT `+bulletinCols+` FROM bulletins b WHERE b.period = ?`, period))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find bulletin %s: %w", period, err)
	}
	return b, nil
}

// officeOnly returns EFORBIDDEN unless the caller has the office's reach.
func (db *ReportStore) officeOnly(ctx context.Context, what string) error {
	u, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if u.Role != sanlian.RoleOffice {
		return errForbidden("只有县领导小组办公室可以" + what)
	}
	return nil
}

func errPublished(b *sanlian.Bulletin) error {
	return sanlian.Errorf(sanlian.ECONFLICT, "已发布的通报不能修改（%s已于%s发布）", b.NumberLabel(),
		b.PublishedAt.In(sanlian.Shanghai).Format("2006年1月2日"))
}

// bulletinMetrics computes the metrics of a period by unit.
func (db *ReportStore) bulletinMetrics(ctx context.Context, p sanlian.Period) (*sanlian.Metrics, error) {
	m, err := db.Metrics(ctx, sanlian.MetricsQuery{Period: p.ID, By: sanlian.ByUnit})
	if err != nil {
		return nil, fmt.Errorf("bulletin %s metrics: %w", p.ID, err)
	}
	return m, nil
}

// maxOverdueListed is how many of the longest overdue problems a bulletin names.
const maxOverdueListed = 10

// computeBulletin computes the content of a period's bulletin from the
// ledger as it stands, with overrides applied, and the configuration used.
func (db *ReportStore) computeBulletin(ctx context.Context, p sanlian.Period, overrides []sanlian.BulletinOverride) (*sanlian.BulletinContent, *sanlian.MetricConfig, error) {
	m, err := db.bulletinMetrics(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	cfg := m.Config
	if cfg == nil {
		d := sanlian.DefaultMetricConfig()
		cfg = &d
	}
	q := db.reader(ctx)
	t := m.Total
	c := &sanlian.BulletinContent{Period: p.ID, Label: p.Label(), From: p.Start.Format(time.DateOnly),
		To: p.End.AddDate(0, 0, -1).Format(time.DateOnly), ComputedAt: db.Now().UTC().Truncate(time.Second),
		Overview: sanlian.BulletinOverview{Assigned: t.Assigned, Resolved: t.Resolved, Overdue: t.Overdue, Callbacks: t.Callbacks,
			ResponseRate: sanlian.Figure(t.ResponseRate), OnTimeRate: sanlian.Figure(t.OnTimeRate),
			ResolutionRate: sanlian.Figure(t.ResolutionRate), SatisfactionRate: sanlian.Figure(t.SatisfactionRate),
			Score: sanlian.Figure(t.Score)},
		Units: []sanlian.BulletinRow{}, SelfCriticisms: []sanlian.BulletinSelfCriticism{}, Overdue: []sanlian.BulletinProblem{},
		Intake: m.Intake}
	set := m.ConfigSet()
	c.Configs = &set
	for _, r := range m.Rows {
		c.Units = append(c.Units, sanlian.NewBulletinRow(r))
	}
	start, end := p.Start.UTC(), p.End.UTC()
	if err := q.queryOne(`SELECT COUNT(*) FROM problems WHERE created_at >= ? AND created_at < ?`, start, end).
		Scan(&c.Overview.Collected); err != nil {
		return nil, nil, fmt.Errorf("bulletin %s collected: %w", p.ID, err)
	}
	if err := q.queryOne(`SELECT COUNT(*) FROM problem_events WHERE action = ? AND at >= ? AND at < ?`,
		sanlian.ActionClose, start, end).Scan(&c.Overview.Closed); err != nil {
		return nil, nil, fmt.Errorf("bulletin %s closed: %w", p.ID, err)
	}
	if err := db.bulletinOverdue(ctx, q, p, c); err != nil {
		return nil, nil, err
	}
	if err := db.bulletinSelfCriticisms(q, p, c); err != nil {
		return nil, nil, err
	}
	acts, err := db.Work.ActivityTotals(ctx, sanlian.ActivityFilter{From: c.From, To: c.To})
	if err != nil {
		return nil, nil, fmt.Errorf("bulletin %s activities: %w", p.ID, err)
	}
	c.Activities = acts.All
	c.Commended, c.Criticised = sanlian.Judge(c.Units, set)
	names, err := unitNames(q, overrides)
	if err != nil {
		return nil, nil, err
	}
	c.Apply(overrides, names)
	return c, cfg, nil
}

// bulletinOverdue lists the problems still open whose resolve deadline
// had passed by the period's end, longest overdue first.
func (db *ReportStore) bulletinOverdue(ctx context.Context, q querier, p sanlian.Period, c *sanlian.BulletinContent) error {
	cal, err := db.calendarIn(q)
	if err != nil {
		return err
	}
	rows, err := q.queryRows(`SELECT p.id, p.number, p.title, COALESCE(u.name, ''), p.resolve_due FROM problems p
		LEFT JOIN units u ON u.id = p.unit_id
		WHERE p.state IN ('assigned', 'accepted') AND p.resolve_due < ? AND p.assigned_at < ?
		ORDER BY p.resolve_due, p.id LIMIT ?`, p.End.UTC(), p.End.UTC(), maxOverdueListed)
	if err != nil {
		return fmt.Errorf("bulletin %s overdue: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var o sanlian.BulletinProblem
		if err := rows.Scan(&o.ID, &o.Number, &o.Title, &o.UnitName, &o.ResolveDue); err != nil {
			return fmt.Errorf("bulletin %s overdue: %w", p.ID, err)
		}
		o.Title = sanlian.MaskContacts(o.Title) // the bulletin is published
		// The deadline is 00:00 after its last day: that day is not late.
		o.OverdueDays = cal.WorkdaysBetween(o.ResolveDue.Add(-time.Second), p.End.Add(-time.Second))
		c.Overdue = append(c.Overdue, o)
	}
	_ = ctx
	return rows.Err()
}

// bulletinSelfCriticisms lists the self-criticisms of earlier bulletins
// not handed in by their due date: those due before the period's end and
// still outstanding at its end, and those handed in late during it.
func (db *ReportStore) bulletinSelfCriticisms(q querier, p sanlian.Period, c *sanlian.BulletinContent) error {
	start, end := p.Start.UTC(), p.End.UTC()
	rows, err := q.queryRows(`SELECT s.id, b.year, b.number, s.unit_id, u.name, s.due_at, s.filed_at FROM self_criticisms s
		JOIN bulletins b ON b.id = s.bulletin_id JOIN units u ON u.id = s.unit_id
		WHERE b.period < ? AND s.due_at < ?
		AND (s.filed_at IS NULL OR s.filed_at >= ? OR (s.filed_at > s.due_at AND s.filed_at >= ?))
		ORDER BY s.due_at, s.id`, p.ID, end, end, start)
	if err != nil {
		return fmt.Errorf("bulletin %s self-criticisms: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s sanlian.BulletinSelfCriticism
		var year, number int
		var filed sql.NullTime
		if err := rows.Scan(&s.ID, &year, &number, &s.UnitID, &s.UnitName, &s.DueAt, &filed); err != nil {
			return fmt.Errorf("bulletin %s self-criticisms: %w", p.ID, err)
		}
		s.Bulletin = fmt.Sprintf("〔%d〕第%d期", year, number)
		if filed.Valid && filed.Time.Before(end) {
			t := filed.Time
			s.FiledAt = &t
		}
		c.SelfCriticisms = append(c.SelfCriticisms, s)
	}
	return rows.Err()
}

// unitNames returns the names of the overridden units; ENOTFOUND-like
// field errors are the caller's (checkOverrides).
func unitNames(q querier, os []sanlian.BulletinOverride) (map[int64]string, error) {
	names := map[int64]string{}
	for _, o := range os {
		var name string
		err := q.queryOne(`SELECT name FROM units WHERE id = ?`, o.UnitID).Scan(&name)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("unit %d: %w", o.UnitID, err)
		}
		names[o.UnitID] = name
	}
	return names, nil
}

// checkOverrides validates overrides and that each names a unit.
func checkOverrides(q querier, os []sanlian.BulletinOverride) error {
	if err := sanlian.ValidateOverrides(os); err != nil {
		return err
	}
	f := map[string]string{}
	for i, o := range os {
		var n int
		if err := q.queryOne(`SELECT COUNT(*) FROM units WHERE id = ?`, o.UnitID).Scan(&n); err != nil {
			return fmt.Errorf("check override unit %d: %w", o.UnitID, err)
		}
		if n == 0 {
			f["overrides["+strconv.Itoa(i)+"].unit_id"] = "单位不存在"
		}
	}
	return sanlian.FieldErrors(f)
}

// writeDraft inserts or rewrites the draft of p inside tx, returning its version.
func writeDraft(tx *Tx, b *sanlian.Bulletin, p sanlian.Period, c *sanlian.BulletinContent, cfg *sanlian.MetricConfig,
	commentary string, overrides []sanlian.BulletinOverride) (int64, error) {
	content, err := jsonMarshal(c)
	if err != nil {
		return 0, fmt.Errorf("bulletin content: %w", err)
	}
	ov, err := jsonMarshal(overrides)
	if err != nil {
		return 0, err
	}
	conf, err := jsonMarshal(cfg)
	if err != nil {
		return 0, err
	}
	if b == nil {
		_, err := tx.insertID(`INSERT INTO bulletins (period, year, state, content, commentary, overrides, config, version, created_at, updated_at)
			VALUES (?, ?, 'draft', ?, ?, ?, ?, 1, ?, ?)`, p.ID, p.Start.Year(), content, commentary, ov, conf, tx.now, tx.now)
		if errors.Is(err, errUnique) {
			return 0, sanlian.Errorf(sanlian.ECONFLICT, "%s的通报刚由他人生成，请刷新后重试", p.Label())
		} else if err != nil {
			return 0, fmt.Errorf("insert bulletin %s: %w", p.ID, err)
		}
		return 1, tx.audit("generate", "bulletin", p.ID, nil)
	}
	res, err := tx.exec(`UPDATE bulletins SET content = ?, commentary = ?, overrides = ?, config = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ? AND state = 'draft'`, content, commentary, ov, conf, tx.now, b.ID, b.Version)
	if err != nil {
		return 0, fmt.Errorf("update bulletin %s: %w", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, errStale("通报草稿")
	}
	return b.Version + 1, nil
}

// periodStarted refuses a bulletin of a half month still to come.
func (db *ReportStore) periodStarted(p sanlian.Period) error {
	if db.Now().Before(p.Start) {
		return sanlian.Errorf(sanlian.EINVALID, "%s尚未开始，不能编制该期通报", p.Label())
	}
	return nil
}

// GenerateBulletin creates or recomputes the draft of a period.
func (db *ReportStore) GenerateBulletin(ctx context.Context, period string) (*sanlian.Bulletin, error) {
	p, err := sanlian.HalfMonth(period)
	if err != nil {
		return nil, err
	}
	if err := db.officeOnly(ctx, "生成督查通报"); err != nil {
		return nil, err
	}
	if err := db.periodStarted(p); err != nil {
		return nil, err
	}
	old, err := findBulletin(db.reader(ctx), period)
	if err != nil {
		return nil, err
	}
	if old != nil && old.Published() {
		return nil, errPublished(old)
	}
	var overrides []sanlian.BulletinOverride
	commentary := ""
	if old != nil {
		overrides, commentary = old.Overrides, old.Commentary
	}
	c, cfg, err := db.computeBulletin(ctx, p, overrides)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		cur, err := findBulletin(tx, period)
		if err != nil {
			return err
		}
		if cur != nil && cur.Published() {
			return errPublished(cur)
		}
		if cur != nil && cur.Version != versionOf(old) {
			return errStale("通报草稿")
		}
		if _, err := writeDraft(tx, cur, p, c, cfg, commentary, orEmpty(overrides)); err != nil {
			return err
		}
		if cur != nil {
			return tx.audit("regenerate", "bulletin", p.ID, nil)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return findBulletin(db.reader(ctx), period)
}

func versionOf(b *sanlian.Bulletin) int64 {
	if b == nil {
		return 0
	}
	return b.Version
}

func orEmpty(os []sanlian.BulletinOverride) []sanlian.BulletinOverride {
	if os == nil {
		return []sanlian.BulletinOverride{}
	}
	return os
}

// SaveBulletin edits the draft's commentary and overrides.
func (db *ReportStore) SaveBulletin(ctx context.Context, period, commentary string, overrides []sanlian.BulletinOverride, version int64) (*sanlian.Bulletin, error) {
	p, err := sanlian.HalfMonth(period)
	if err != nil {
		return nil, err
	}
	if err := db.officeOnly(ctx, "编辑督查通报"); err != nil {
		return nil, err
	}
	if err := db.periodStarted(p); err != nil {
		return nil, err
	}
	commentary = strings.TrimSpace(commentary)
	if n := len([]rune(commentary)); n > 20000 {
		return nil, sanlian.FieldErrors(map[string]string{"commentary": fmt.Sprintf("按语不能超过 20000 字（现 %d 字）", n)})
	}
	overrides = orEmpty(overrides)
	for i := range overrides {
		overrides[i].Reason = strings.TrimSpace(overrides[i].Reason)
	}
	q := db.reader(ctx)
	if err := checkOverrides(q, overrides); err != nil {
		return nil, err
	}
	old, err := findBulletin(q, period)
	if err != nil {
		return nil, err
	}
	if old != nil && old.Published() {
		return nil, errPublished(old)
	}
	if old != nil && old.Version != version || old == nil && version != 0 {
		return nil, errStale("通报草稿")
	}
	c, cfg, err := db.computeBulletin(ctx, p, overrides)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		cur, err := findBulletin(tx, period)
		if err != nil {
			return err
		}
		if cur != nil && cur.Published() {
			return errPublished(cur)
		}
		if versionOf(cur) != version {
			return errStale("通报草稿")
		}
		if _, err := writeDraft(tx, cur, p, c, cfg, commentary, overrides); err != nil {
			return err
		}
		ch := changes{}
		before := &sanlian.Bulletin{Overrides: []sanlian.BulletinOverride{}}
		if cur != nil {
			before = cur
		}
		ch.set("commentary", before.Commentary, commentary)
		bo, _ := jsonMarshal(before.Overrides)
		ao, _ := jsonMarshal(overrides)
		ch.set("overrides", bo, ao)
		return tx.audit("update", "bulletin", p.ID, ch)
	})
	if err != nil {
		return nil, err
	}
	return findBulletin(db.reader(ctx), period)
}

// PublishBulletin computes the final content, numbers the bulletin and
// freezes it, and asks the criticised units for self-criticisms.
func (db *ReportStore) PublishBulletin(ctx context.Context, period string, version int64) (*sanlian.Bulletin, error) {
	p, err := sanlian.HalfMonth(period)
	if err != nil {
		return nil, err
	}
	if err := db.officeOnly(ctx, "发布督查通报"); err != nil {
		return nil, err
	}
	old, err := findBulletin(db.reader(ctx), period)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, sanlian.Errorf(sanlian.ENOTFOUND, "%s的通报还没有草稿，请先生成", p.Label())
	}
	if old.Published() {
		return nil, errPublished(old)
	}
	if old.Version != version {
		return nil, errStale("通报草稿")
	}
	if !db.Now().After(p.End) {
		return nil, sanlian.Errorf(sanlian.ECONFLICT, "%s尚未结束，不能发布该期通报", p.Label())
	}
	c, cfg, err := db.computeBulletin(ctx, p, old.Overrides)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		cur, err := findBulletin(tx, period)
		if err != nil {
			return err
		}
		if cur == nil || cur.Version != version {
			return errStale("通报草稿")
		}
		if cur.Published() {
			return errPublished(cur)
		}
		if db.Dialect == Postgres {
			// Bulletins of two periods published at once take numbers one
			// after the other (SQLite's single writer does this anyway).
			if _, err := tx.exec("SELECT pg_advisory_xact_lock(?)", bulletinNumberLock+int64(cur.Year)); err != nil {
				return fmt.Errorf("bulletin number lock: %w", err)
			}
		}
		var number int
		if err := tx.queryRow(`SELECT COALESCE(MAX(number), 0) + 1 FROM bulletins WHERE year = ? AND state = 'published'`,
			cur.Year).Scan(&number); err != nil {
			return fmt.Errorf("bulletin number: %w", err)
		}
		c.ComputedAt = tx.now.Truncate(time.Second)
		content, err := jsonMarshal(c)
		if err != nil {
			return fmt.Errorf("bulletin content: %w", err)
		}
		conf, err := jsonMarshal(cfg)
		if err != nil {
			return err
		}
		u := sanlian.UserFromContext(ctx)
		res, err := tx.exec(`UPDATE bulletins SET state = 'published', number = ?, content = ?, config = ?, version = version + 1,
			updated_at = ?, published_at = ?, published_by = ? WHERE id = ? AND version = ? AND state = 'draft'`,
			number, content, conf, tx.now, tx.now, nullInt(u.ID), cur.ID, version)
		if errors.Is(err, errUnique) {
			return sanlian.Errorf(sanlian.ECONFLICT, "第%d期通报刚由他人发布，请刷新后重试", number)
		} else if err != nil {
			return fmt.Errorf("publish bulletin %s: %w", period, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale("通报草稿")
		}
		cal, err := db.calendarIn(tx)
		if err != nil {
			return err
		}
		due := cal.Deadline(tx.now, cfg.Rules.SelfCriticismDays)
		for _, u := range c.Criticised {
			if _, err := tx.insertID(`INSERT INTO self_criticisms (bulletin_id, unit_id, reason, due_at, created_at) VALUES (?, ?, ?, ?, ?)`,
				cur.ID, u.UnitID, u.Reason, due.UTC(), tx.now); err != nil {
				return fmt.Errorf("self-criticism of unit %d: %w", u.UnitID, err)
			}
		}
		if err := unitsCriticised(tx, cur.ID, due); err != nil {
			return err
		}
		return tx.audit("publish", "bulletin", period, changes{"number": {nil, fmt.Sprintf("〔%d〕第%d期", cur.Year, number)},
			"criticised": {nil, len(c.Criticised)}, "commended": {nil, len(c.Commended)}})
	})
	if err != nil {
		return nil, err
	}
	return findBulletin(db.reader(ctx), period)
}

// bulletinNumberLock (plus the year) is the PostgreSQL advisory lock
// under which a bulletin takes its number.
const bulletinNumberLock = 0x5a4c_4255_0000_0000

// selfCriticismCols are the columns scanSelfCriticism reads (no file data).
const selfCriticismCols = `s.id, b.period, b.year, COALESCE(b.number, 0), s.unit_id, u.name, s.reason, s.due_at, s.filed_at,
	COALESCE(s.filed_by, 0), s.filename, s.content_type, s.size, s.received_at, COALESCE(s.received_by, 0), s.version, s.created_at`

const selfCriticismFrom = ` FROM self_criticisms s JOIN bulletins b ON b.id = s.bulletin_id JOIN units u ON u.id = s.unit_id`

func scanSelfCriticism(sc scanner, now time.Time) (*sanlian.SelfCriticism, error) {
	s := &sanlian.SelfCriticism{}
	var year, number int
	var filed, received sql.NullTime
	if err := sc.Scan(&s.ID, &s.Period, &year, &number, &s.UnitID, &s.UnitName, &s.Reason, &s.DueAt, &filed, &s.FiledBy,
		&s.Filename, &s.ContentType, &s.Size, &received, &s.ReceivedBy, &s.Version, &s.CreatedAt); err != nil {
		return nil, err
	}
	s.Bulletin = fmt.Sprintf("〔%d〕第%d期", year, number)
	if filed.Valid {
		t := filed.Time
		s.FiledAt = &t
	}
	if received.Valid {
		t := received.Time
		s.ReceivedAt = &t
	}
	s.Finish(now)
	return s, nil
}

// FindSelfCriticisms lists self-criticisms in the caller's scope.
func (db *ReportStore) FindSelfCriticisms(ctx context.Context, f sanlian.SelfCriticismFilter) ([]*sanlian.SelfCriticism, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	var w where
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleLeader:
	case sanlian.RoleUnitAdmin:
		w.add(inList("s.unit_id", len(s.unitIDs)), int64s(s.unitIDs)...)
	default:
		return nil, errForbidden("您的角色无权查看书面检讨")
	}
	if f.Period != "" {
		if _, err := sanlian.HalfMonth(f.Period); err != nil {
			return nil, err
		}
		w.add("b.period = ?", f.Period)
	}
	if f.UnitID != 0 {
		w.add("s.unit_id = ?", f.UnitID)
	}
	switch f.State {
	case "":
	case sanlian.SelfCriticismOwed:
		w.add("s.filed_at IS NULL")
	case sanlian.SelfCriticismFiled:
		w.add("s.filed_at IS NOT NULL AND s.received_at IS NULL")
	case sanlian.SelfCriticismReceived:
		w.add("s.received_at IS NOT NULL")
	default:
		return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: "状态应为待提交、已提交或已签收",
			Fields: map[string]string{"state": "无效的状态"}}
	}
	if f.Overdue != nil {
		// Not filed, and past due (true) or not yet due (false), as Finish
		// sets OverdueNow.
		if *f.Overdue {
			w.add("s.filed_at IS NULL AND s.due_at < ?", db.Now().UTC())
		} else {
			w.add("s.filed_at IS NULL AND s.due_at >= ?", db.Now().UTC())
		}
	}
	rows, err := q.queryRows(`SELECT `+selfCriticismCols+selfCriticismFrom+w.sql()+` ORDER BY s.id DESC LIMIT 1000`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find self-criticisms: %w", err)
	}
	defer rows.Close()
	now := db.Now()
	out := []*sanlian.SelfCriticism{}
	for rows.Next() {
		sc, err := scanSelfCriticism(rows, now)
		if err != nil {
			return nil, fmt.Errorf("find self-criticisms: %w", err)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

func findSelfCriticism(q querier, id int64, now time.Time) (*sanlian.SelfCriticism, error) {
	s, err := scanSelfCriticism(q.queryOne(`SELECT `+selfCriticismCols+selfCriticismFrom+` WHERE s.id = ?`, id), now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("书面检讨")
	} else if err != nil {
		return nil, fmt.Errorf("find self-criticism %d: %w", id, err)
	}
	return s, nil
}

// OpenSelfCriticism returns a filed self-criticism and a stream of its
// file, under the list's scope: the office and leaders, and the unit's
// admin. A file missing from the blob store is ENOTFOUND, a store that
// does not answer EUNAVAILABLE.
func (db *ReportStore) OpenSelfCriticism(ctx context.Context, id int64) (*sanlian.SelfCriticism, io.ReadCloser, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	sc, err := findSelfCriticism(q, id, db.Now())
	if err != nil {
		return nil, nil, err
	}
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleLeader:
	case sanlian.RoleUnitAdmin:
		if !s.hasUnit(sc.UnitID) {
			return nil, nil, errNotFound("书面检讨")
		}
	default:
		return nil, nil, errForbidden("您的角色无权查看书面检讨")
	}
	if sc.FiledAt == nil {
		return nil, nil, &sanlian.Error{Code: sanlian.ENOTFOUND, Message: "这份书面检讨尚未提交"}
	}
	var data []byte
	var key sql.NullString
	if err := q.queryOne(`SELECT data, blob_key FROM self_criticisms WHERE id = ?`, id).Scan(&data, &key); err != nil {
		return nil, nil, fmt.Errorf("open self-criticism %d: %w", id, err)
	}
	if !key.Valid { // not yet moved to the store
		return sc, memFile{bytes.NewReader(data)}, nil
	}
	rc, err := db.openBlob(ctx, "书面检讨「"+sc.Filename+"」", key.String)
	if err != nil {
		return nil, nil, fmt.Errorf("open self-criticism %d: %w", id, err)
	}
	return sc, rc, nil
}

// FileSelfCriticism hands in a unit's self-criticism.
func (db *ReportStore) FileSelfCriticism(ctx context.Context, id int64, filename string, r io.Reader, max int64) (*sanlian.SelfCriticism, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != sanlian.RoleUnitAdmin {
		return nil, errForbidden("书面检讨由被批评单位的管理员提交")
	}
	if max <= 0 {
		max = sanlian.DefaultMaxUpload
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read self-criticism: %w", err)
	}
	f, err := checkUpload(filename, data, max)
	if err != nil {
		return nil, err
	}
	name, ft := f.Stored, f.Type
	// Put first, outside the transaction: should the row not be written,
	// the blob left is a harmless orphan.
	key, err := db.putBlob(ctx, name, data)
	if err != nil {
		return nil, fmt.Errorf("file self-criticism %d: %w", id, err)
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		sc, err := findSelfCriticism(tx, id, tx.now)
		if err != nil {
			return err
		}
		if sc.UnitID != u.UnitID {
			if s.hasUnit(sc.UnitID) {
				return errForbidden("书面检讨须由被批评单位「" + sc.UnitName + "」的管理员提交")
			}
			return errNotFound("书面检讨")
		}
		if sc.ReceivedAt != nil {
			return sanlian.Errorf(sanlian.ECONFLICT, "这份书面检讨已由县领导小组办公室签收，不能再更换")
		}
		if _, err := tx.exec(`UPDATE self_criticisms SET filed_at = ?, filed_by = ?, filename = ?, content_type = ?, size = ?, data = NULL,
			blob_key = ?, version = version + 1 WHERE id = ?`, tx.now, u.ID, name, ft.ContentType, len(data), key, id); err != nil {
			return fmt.Errorf("file self-criticism %d: %w", id, err)
		}
		ch := changes{"filename": {nil, name}}
		if tx.now.After(sc.DueAt) {
			ch["late"] = [2]any{nil, true}
		}
		return tx.audit("file", "self_criticism", id, ch)
	})
	if err != nil {
		return nil, err
	}
	return findSelfCriticism(db.reader(ctx), id, db.Now())
}

// ReceiveSelfCriticism records the office's receipt of a filed self-criticism.
func (db *ReportStore) ReceiveSelfCriticism(ctx context.Context, id int64) (*sanlian.SelfCriticism, error) {
	if err := db.officeOnly(ctx, "签收书面检讨"); err != nil {
		return nil, err
	}
	u := sanlian.UserFromContext(ctx)
	err := db.inTx(ctx, func(tx *Tx) error {
		sc, err := findSelfCriticism(tx, id, tx.now)
		if err != nil {
			return err
		}
		if sc.FiledAt == nil {
			return sanlian.Errorf(sanlian.ECONFLICT, "「%s」尚未提交书面检讨，不能签收", sc.UnitName)
		}
		if sc.ReceivedAt != nil {
			return sanlian.Errorf(sanlian.ECONFLICT, "这份书面检讨已签收")
		}
		if _, err := tx.exec(`UPDATE self_criticisms SET received_at = ?, received_by = ?, version = version + 1 WHERE id = ?`,
			tx.now, nullInt(u.ID), id); err != nil {
			return fmt.Errorf("receive self-criticism %d: %w", id, err)
		}
		return tx.audit("receive", "self_criticism", id, nil)
	})
	if err != nil {
		return nil, err
	}
	return findSelfCriticism(db.reader(ctx), id, db.Now())
}

// BulletinDraftJob is the name of the half-month job that drafts the
// bulletin of the period just ended.
const BulletinDraftJob = "bulletin_draft"

// DraftBulletinJob is the JobFunc of BulletinDraftJob (kind
// sanlian.JobHalf): it creates or recomputes the draft of the period key,
// leaving a published bulletin as it is.
func DraftBulletinJob(tx *Tx, key string, _ time.Time) error {
	p, err := sanlian.HalfMonth(key)
	if err != nil {
		return err
	}
	cur, err := findBulletin(tx, key)
	if err != nil || cur != nil && cur.Published() {
		return err
	}
	var overrides []sanlian.BulletinOverride
	commentary := ""
	if cur != nil {
		overrides, commentary = cur.Overrides, cur.Commentary
	}
	c, cfg, err := tx.db.Reports.computeBulletin(tx.ctx, p, overrides)
	if err != nil {
		return err
	}
	_, err = writeDraft(tx, cur, p, c, cfg, commentary, orEmpty(overrides))
	return err
}
