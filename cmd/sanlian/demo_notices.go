package main

import (
	"context"
	"fmt"
	"time"

	"sanlian"
	"sanlian/notify"
	"sanlian/sqldb"
)

// demoWebhookURL is where the demo's webhooks point: the discard port of
// the machine itself, where nothing listens, so that the delivery log
// shows deliveries queued and retried as they would be while a robot is
// unreachable.
const demoWebhookURL = "http://127.0.0.1:9/"

// demoHotlineEvents are what the 12345 hotline platform hears back of the
// problems it sent: signed for, resolved, closed out, reopened, returned.
var demoHotlineEvents = []string{sanlian.EventProblemAccepted, sanlian.EventProblemResolved, sanlian.EventProblemClosed,
	sanlian.EventProblemReopened, sanlian.EventProblemReturned}

// demoHotlineHook sets up the 12345 hotline platform's webhook while the
// ledger plays: the office adds it a week before today, limited to
// hotline problems, so that the last week's work on them is queued for
// it as it happens. Use its setNow as the ledger's clock, then check err.
type demoHotlineHook struct {
	ctx  context.Context
	db   *sqldb.DB
	set  func(time.Time)
	from time.Time
	seed uint64
	done bool
	err  error
}

func newDemoHotlineHook(ctx context.Context, db *sqldb.DB, setNow func(time.Time), today time.Time, seed uint64) *demoHotlineHook {
	t := today.In(sanlian.Shanghai)
	from := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, sanlian.Shanghai).AddDate(0, 0, -7)
	return &demoHotlineHook{ctx: ctx, db: db, set: setNow, from: from, seed: seed}
}

// setNow moves the ledger's clock, and adds the webhook the first time
// the clock reaches a week before today.
func (h *demoHotlineHook) setNow(t time.Time) {
	h.set(t)
	if h.done || t.Before(h.from) {
		return
	}
	h.done = true
	hotline := sanlian.SourceHotline
	_, h.err = h.db.Notices.CreateWebhook(sanlian.NewSystemContext(h.ctx), &sanlian.WebhookInput{Name: "12345热线平台（通用 JSON）",
		Kind: sanlian.WebhookJSON, URL: demoWebhookURL + "open311/callback", Secret: fmt.Sprintf("demo-hotline-%016x", h.seed),
		Events: demoHotlineEvents, Source: &hotline})
}

// demoNotices loads the demo's notices: users' in-app notices and the office's webhooks with their deliveries.
//
// The ledger played before wrote the notices of every assignment; the
// demo's users have read those older than a week. The daily job runs as
// for each of the last seven days, after two webhooks (a WeCom group and a
// DingTalk group) were set up a week ago, so the problems that went
// overdue that week are queued for them; one attempt to send each is
// made, and fails.
func demoNotices(ctx context.Context, db *sqldb.DB, setNow func(time.Time), c *sanlian.County, today time.Time, seed uint64) (fmt.Stringer, error) {
	office := sanlian.NewSystemContext(ctx)
	day := func(t time.Time) time.Time {
		t = t.In(sanlian.Shanghai)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	}
	start := day(today).AddDate(0, 0, -7)
	setNow(start.Add(-14 * time.Hour)) // the afternoon before
	all := sanlian.WebhookEvents
	for _, in := range []*sanlian.WebhookInput{
		{Name: "县办督查工作群（企业微信）", Kind: sanlian.WebhookWeCom, URL: demoWebhookURL + "cgi-bin/webhook/send?key=demo-wecom-robot-key",
			Events: all},
		{Name: "县领导小组工作群（钉钉）", Kind: sanlian.WebhookDingTalk, URL: demoWebhookURL + "robot/send?access_token=demo-dingtalk-token",
			Secret: fmt.Sprintf("SECdemo%016x", seed), Events: []string{sanlian.EventProblemOverdue, sanlian.EventSupervisionRed, sanlian.EventSupervisionNotice}},
	} {
		if _, err := db.Notices.CreateWebhook(office, in); err != nil {
			return nil, err
		}
	}
	// The days are caught up now, after the ledger and the supervision
	// played before: notices listed newest first stay in time order.
	setNow(today)
	for d := start.AddDate(0, 0, 1); !d.After(day(today)); d = d.AddDate(0, 0, 1) {
		if err := db.Notices.NoticesDailyAt(ctx, d); err != nil {
			return nil, err
		}
	}
	if _, err := db.Notices.ReadNoticesBefore(office, day(today).AddDate(0, 0, -7)); err != nil {
		return nil, err
	}
	w := &notify.Worker{Queue: db.Notices, Batch: 100, Sender: &notify.Sender{Now: func() time.Time { return today }}}
	for {
		_, n, err := w.RunOnce(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	total, unread, err := db.Notices.NoticeTotals(office)
	if err != nil {
		return nil, err
	}
	hooks, err := db.Notices.FindWebhooks(office)
	if err != nil {
		return nil, err
	}
	pending := 0
	for _, h := range hooks {
		pending += h.Pending
	}
	return summary(fmt.Sprintf("消息：%d 条，未读 %d 条；消息推送 %d 个（指向无法访问的地址），待重试 %d 条", total, unread, len(hooks), pending)), nil
}
