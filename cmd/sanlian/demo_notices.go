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
		if _, err := db.CreateWebhook(office, in); err != nil {
			return nil, err
		}
	}
	// The days are caught up now, after the ledger and the supervision
	// played before: notices listed newest first stay in time order.
	setNow(today)
	for d := start.AddDate(0, 0, 1); !d.After(day(today)); d = d.AddDate(0, 0, 1) {
		if err := db.NoticesDailyAt(ctx, d); err != nil {
			return nil, err
		}
	}
	if _, err := db.ReadNoticesBefore(office, day(today).AddDate(0, 0, -7)); err != nil {
		return nil, err
	}
	w := &notify.Worker{Queue: db, Batch: 100, Sender: &notify.Sender{Now: func() time.Time { return today }}}
	for {
		_, n, err := w.RunOnce(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	total, unread, err := db.NoticeTotals(office)
	if err != nil {
		return nil, err
	}
	hooks, err := db.FindWebhooks(office)
	if err != nil {
		return nil, err
	}
	pending := 0
	for _, h := range hooks {
		pending += h.Pending
	}
	return summary(fmt.Sprintf("消息：%d 条，未读 %d 条；消息推送 %d 个（指向无法访问的地址），待重试 %d 条", total, unread, len(hooks), pending)), nil
}
