package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"sanlian"
	"sanlian/notify"
	"sanlian/sms"
	"sanlian/sqldb"
)

// demoSMSEndpoint is where the demo's SMS gateway is: the discard port of
// the machine itself, as the demo's webhooks, so that messages of the last
// days wait for their retries.
const demoSMSEndpoint = "http://127.0.0.1:9/sms"

// demoGateway stands for the county's gateway in the days before the
// demo's last two: it takes every message, as a reachable gateway would.
type demoGateway struct{ n int }

func (g *demoGateway) Name() string  { return sms.KindHTTP }
func (g *demoGateway) MaxRunes() int { return sms.DefaultMaxRunes }
func (g *demoGateway) Send(_ context.Context, m *sms.Message) (sms.Result, error) {
	g.n++
	return sms.Result{ProviderID: "gw-" + strconv.FormatInt(m.ID, 10), Status: http.StatusOK, Code: "OK"}, nil
}

// demoMessages sets the office's messages to residents (the county's own
// gateway, at an address that refuses; the WeChat template of one event
// left empty, so the page says why it is not sent) and plays five
// residents' problems over the last week: the messages of the days when
// the gateway answered were sent, a resident rated by replying 1,
// another reopened hers by replying 3, a third replied TD and was told
// nothing more, one submitted at night was held until the morning, and
// the messages of the last two days wait for their retries.
func demoMessages(ctx context.Context, db *sqldb.DB, setNow func(time.Time), c *sanlian.County, today time.Time) (fmt.Stringer, error) {
	office := sanlian.NewSystemContext(ctx)
	cur, err := db.Notices.MessageSettings(office)
	if err != nil {
		return nil, err
	}
	smsT, wx := map[string]string{}, map[string]string{}
	for _, e := range sanlian.MsgEvents {
		smsT[e] = "SANLIAN_" + e
		if e != sanlian.MsgReopened {
			wx[e] = "demo-wx-" + e
		}
	}
	if _, err := db.Notices.UpdateMessageSettings(office, &sanlian.MsgSettings{Enabled: true, Provider: sanlian.ProviderHTTP,
		Endpoint: demoSMSEndpoint, PublicURL: "http://localhost:8080", SMS: smsT, Wechat: wx, Version: cur.Stored.Version}); err != nil {
		return nil, err
	}
	village, admin := "", (*sanlian.User)(nil)
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionVillage {
			village = r.Code
			break
		}
	}
	// Each unit acts through its admin account, or one made for the demo
	// when it has none: routing rules may assign the problems anywhere.
	admins := map[int64]*sanlian.User{}
	for _, a := range c.Accounts {
		if u := a.User; u.Role == sanlian.RoleUnitAdmin && admins[u.UnitID] == nil {
			admins[u.UnitID] = u
			if admin == nil {
				admin = u
			}
		}
	}
	unitAdmin := func(unit int64) context.Context {
		u := admins[unit]
		if u == nil {
			u = &sanlian.User{Username: "unit-" + strconv.FormatInt(unit, 10), DisplayName: "单位管理员", Role: sanlian.RoleUnitAdmin, UnitID: unit}
			admins[unit] = u
		}
		return sanlian.NewContextWithUser(ctx, u)
	}
	if village == "" || admin == nil {
		return demoNothing("群众消息告知"), nil
	}
	day := today.In(sanlian.Shanghai)
	at := func(d, h, m int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day()+d, h, m, 0, 0, sanlian.Shanghai)
	}
	gw := &demoGateway{}
	sent := &notify.MessageWorker{Queue: db.Notices, Batch: 100, NewProvider: func(string, string, sms.Keys, *http.Client) (sms.Provider, error) { return gw, nil }}
	down := &notify.MessageWorker{Queue: db.Notices, Batch: 100, Keys: sms.Keys{Secret: demoGatewaySecret}, Client: &http.Client{Timeout: 2 * time.Second}}
	send := func(t time.Time) error {
		w := sent
		if !t.Before(at(-1, 0, 0)) {
			w = down
		}
		setNow(t)
		for {
			_, n, err := w.RunOnce(ctx)
			if err != nil || n == 0 {
				return err
			}
		}
	}
	ids := map[string]int64{}
	type step struct {
		t     time.Time
		who   string // phone of the resident, or "office" / "unit"
		what  string // submit, assign, accept, resolve, close, or a reply's text
		phone string
	}
	phones := []string{"13707310001", "13707310002", "13707310003", "13707310004", "13707310005"}
	steps := []step{
		{at(-6, 9, 10), "", "submit", phones[0]}, {at(-6, 10, 0), "office", "assign", phones[0]}, {at(-6, 14, 0), "unit", "accept", phones[0]},
		{at(-4, 15, 0), "unit", "resolve", phones[0]}, {at(-4, 16, 20), "", "1", phones[0]}, {at(-3, 10, 0), "office", "close", phones[0]},
		{at(-5, 8, 40), "", "submit", phones[1]}, {at(-5, 9, 30), "office", "assign", phones[1]}, {at(-5, 11, 0), "unit", "accept", phones[1]},
		{at(-3, 16, 0), "unit", "resolve", phones[1]}, {at(-3, 18, 5), "", "3", phones[1]}, {at(-1, 15, 0), "unit", "resolve", phones[1]},
		{at(-4, 23, 30), "", "submit", phones[2]}, {at(-3, 9, 0), "office", "assign", phones[2]}, {at(-3, 10, 0), "unit", "accept", phones[2]},
		{at(-3, 12, 0), "", "TD", phones[2]}, {at(-2, 11, 0), "unit", "resolve", phones[2]},
		{at(-2, 10, 0), "", "submit", phones[3]}, {at(-1, 9, 0), "office", "assign", phones[3]}, {at(-1, 10, 30), "unit", "accept", phones[3]},
		{today.Add(-40 * time.Minute), "", "submit", phones[4]},
	}
	// Played in time order, the messages sent as they came due.
	for i := 1; i < len(steps); i++ {
		for j := i; j > 0 && steps[j].t.Before(steps[j-1].t); j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
		}
	}
	for _, s := range steps {
		if err := send(s.t); err != nil {
			return nil, err
		}
		id := ids[s.phone]
		var p *sanlian.Problem
		if id != 0 {
			if p, err = db.Problems.FindProblemByID(office, id); err != nil {
				return nil, err
			}
		}
		switch s.what {
		case "submit":
			rc, err := db.Public.SubmitPublic(sanlian.NewPublicContext(ctx), &sanlian.PublicSubmission{Source: sanlian.SourcePortal, Category: "transport",
				VillageCode: village, Description: demoMessageTexts[len(ids)%len(demoMessageTexts)], ReporterName: "群众", ReporterPhone: s.phone,
				Consent: true, NotifySMS: true})
			if err != nil {
				return nil, err
			}
			ids[s.phone] = rc.ProblemID
		case "assign":
			if p.State == sanlian.StateSubmitted {
				_, err = db.Problems.Act(office, id, sanlian.ActionAssign, sanlian.ActionRequest{Version: p.Version, UnitID: admin.UnitID})
			}
		case "accept":
			if p.State == sanlian.StateAssigned {
				_, err = db.Problems.Act(unitAdmin(p.UnitID), id, sanlian.ActionAccept, sanlian.ActionRequest{Version: p.Version})
			}
		case "resolve":
			if p.State == sanlian.StateAccepted {
				_, err = db.Problems.Act(unitAdmin(p.UnitID), id, sanlian.ActionResolve, sanlian.ActionRequest{Version: p.Version, Measures: "现场查看并安排维修",
					Result: "已修复，群众可正常通行"})
			}
		case "close":
			if p.State == sanlian.StateResolved && !p.CallbackAt.IsZero() {
				_, err = db.Problems.Act(office, id, sanlian.ActionClose, sanlian.ActionRequest{Version: p.Version})
			}
		default:
			_, err = db.Notices.ReceiveSMS(ctx, []sanlian.InboundSMS{{Provider: sanlian.ProviderHTTP, From: s.phone, Text: s.what, At: s.t}})
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.what, sanlian.MaskPhone(s.phone), err)
		}
	}
	if err := send(today); err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, st := range []string{sanlian.MsgSent, sanlian.MsgPending, sanlian.MsgSkipped} {
		items, _, err := db.Notices.FindMessages(office, sanlian.MsgFilter{State: st, Limit: 500})
		if err != nil {
			return nil, err
		}
		count[st] = len(items)
	}
	return demoText(fmt.Sprintf("群众消息告知：已发送 %d 条、待发送（含待重试）%d 条、未发送 %d 条；短信网关指向无法访问的地址",
		count[sanlian.MsgSent], count[sanlian.MsgPending], count[sanlian.MsgSkipped])), nil
}

// demoMessageTexts are what the demo's residents wrote.
var demoMessageTexts = []string{
	"村口通往小学的桥栏杆断了一截，孩子上学经过很危险，请尽快修复。",
	"组里的路灯坏了半个多月，晚上老人出门看不清路。",
	"菜市场旁边的下水道堵了，一下雨就漫到路上。",
	"公交站台的顶棚被风吹坏了，等车时淋雨。",
	"村道上有个大坑，电动车晚上经过容易摔倒。",
}

// demoGatewaySecret signs the demo's SMS to its gateway, whose address
// refuses: a served demo without a key file uses it too, so that its
// retries fail on the connection, as a county's would while its gateway
// is down, and not on a missing secret.
const demoGatewaySecret = "demo-gateway-secret"
