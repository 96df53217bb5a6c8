package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/notify"
	"sanlian/sms"
	"sanlian/sms/smstest"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

var msgKeys = sms.Keys{AccessKeyID: "LTAI-test", AccessKeySecret: "aliyun-secret", SecretID: "AKID-test", SecretKey: "tencent-secret",
	SDKAppID: "1400000000", SignName: "安化县三联三清", Secret: "gateway-secret", InboundToken: "inbound-token-123"}

// msgApp is an app whose messages go to a fake provider of kind.
type msgApp struct {
	*app
	kind   string
	fake   *smstest.Fake
	worker *notify.MessageWorker
}

func newMsgApp(t *testing.T, db *sqldb.DB, kind string) *msgApp {
	// In the day, whenever the test runs: messages wait out the night.
	start := time.Now()
	y, m, d := start.In(sanlian.Shanghai).Date()
	day := time.Date(y, m, d, 10, 0, 0, 0, sanlian.Shanghai)
	db.Now = func() time.Time { return day.Add(time.Since(start)) }
	a := &msgApp{app: newAppConfig(t, db, web.Config{SMSKeys: msgKeys}), kind: kind}
	switch kind {
	case sms.KindAliyun:
		a.fake = smstest.NewAliyun(t, msgKeys)
	case sms.KindTencent:
		a.fake = smstest.NewTencent(t, msgKeys)
	default:
		a.fake = smstest.NewHTTP(t, msgKeys.Secret)
	}
	tpl := map[string]string{}
	for _, e := range sanlian.MsgEvents {
		tpl[e] = "SMS_" + e
	}
	js, _ := json.Marshal(map[string]any{"enabled": true, "provider": kind, "endpoint": a.fake.URL, "public_url": "https://sl.anhua.gov.cn",
		"sms_templates": tpl, "wechat_templates": map[string]string{}, "version": 1})
	if res, body := a.do("PUT", "/api/v1/message-settings", a.token("office"), string(js)); res.StatusCode != 200 {
		t.Fatalf("settings: %d %s", res.StatusCode, body)
	}
	a.worker = &notify.MessageWorker{Queue: db.Notices, Keys: msgKeys}
	return a
}

// resolvedFor submits a problem with consent from phone, has it resolved
// through the API and its messages sent, and returns its id and code.
func (a *msgApp) resolvedFor(phone string) (int64, string) {
	t := a.t
	t.Helper()
	ctx := context.Background()
	rc, err := a.db.Public.SubmitPublic(sanlian.NewPublicContext(ctx), &sanlian.PublicSubmission{Source: sanlian.SourcePortal, Category: "transport",
		VillageCode: sqldbtest.VillageA, Description: "路灯坏了 " + phone, ReporterPhone: phone, ReporterName: "张三", Consent: true, NotifySMS: true})
	if err != nil {
		t.Fatal(err)
	}
	p := apiProblem{ID: rc.ProblemID, Version: a.problem(rc.ProblemID).Version}
	for _, s := range [][3]string{{"office", "assign", `,"unit_id":1,"person_id":2`}, {"cadre", "accept", ""},
		{"cadre", "resolve", `,"measures":"更换灯泡","result":"已修好"`}} {
		var st int
		var body string
		if st, body, p = a.problemAct(a.token(s[0]), p, s[1], s[2]); st != 200 {
			t.Fatalf("%s: %d %s", s[1], st, body)
		}
	}
	a.send()
	return rc.ProblemID, rc.Code
}

// send runs the worker until nothing is due.
func (a *msgApp) send() {
	for {
		_, n, err := a.worker.RunOnce(context.Background())
		if err != nil {
			a.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// ratedProblem is a problem as the API shows it, with its callback.
type ratedProblem struct {
	State        string
	Version      int64
	Solved       string `json:"callback_solved"`
	Satisfaction string `json:"callback_satisfaction"`
}

func (a *msgApp) problem(id int64) ratedProblem {
	a.t.Helper()
	res, body := a.do("GET", fmt.Sprintf("/api/v1/problems/%d", id), a.token("office"), "")
	if res.StatusCode != 200 {
		a.t.Fatalf("problem %d: %d %s", id, res.StatusCode, body)
	}
	return decode[ratedProblem](a.t, body)
}

// messages reads the delivery log through the API.
func (a *msgApp) messages(query string) []sanlian.ResidentMessage {
	a.t.Helper()
	res, body := a.do("GET", "/api/v1/messages?"+query, a.token("office"), "")
	if res.StatusCode != 200 {
		a.t.Fatalf("messages: %d %s", res.StatusCode, body)
	}
	return decode[struct{ Items []sanlian.ResidentMessage }](a.t, body).Items
}

// reply posts a resident's reply in the provider's own inbound format.
func (a *msgApp) reply(from, text string) (*http.Response, string) {
	a.t.Helper()
	var body []byte
	var hdr []string
	path := "/api/v1/public/sms/inbound/" + a.kind
	switch a.kind {
	case sms.KindAliyun:
		body, _ = json.Marshal([]map[string]any{{"phone_number": from, "send_time": "2021-05-10 10:00:00", "content": text,
			"sign_name": msgKeys.SignName, "dest_code": "1234", "sequence_id": 1001}})
		path += "?token=" + msgKeys.InboundToken
	case sms.KindTencent:
		body, _ = json.Marshal(map[string]any{"mobile": from, "nationcode": "86", "text": text, "sign": msgKeys.SignName,
			"time": time.Now().Unix(), "extend": ""})
		path += "?token=" + msgKeys.InboundToken
	default:
		body, _ = json.Marshal(map[string]any{"from": from, "text": text})
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		hdr = []string{sms.HeaderTimestamp, ts, sms.HeaderSignature, sms.Sign(msgKeys.Secret, ts, body)}
	}
	return a.do("POST", path, "", string(body), hdr...)
}

// lastEvent is the problem's last timeline entry: who and what note.
func (a *msgApp) lastEvent(id int64) (actor, note string) {
	a.t.Helper()
	res, body := a.do("GET", fmt.Sprintf("/api/v1/problems/%d/events", id), a.token("office"), "")
	if res.StatusCode != 200 {
		a.t.Fatalf("events: %d %s", res.StatusCode, body)
	}
	var out struct {
		Items []struct {
			Actor, Note string
		}
	}
	json.Unmarshal([]byte(body), &out)
	if len(out.Items) == 0 {
		a.t.Fatalf("no events: %s", body)
	}
	e := out.Items[len(out.Items)-1]
	return e.Actor, e.Note
}

// TestInboundSMS_Callback: replies 1/2/3 and TD through each provider's
// inbound format become callbacks and opt-outs exactly as the rating
// page's; a phone with nothing to rate, an unknown reply, a bad signature
// or token, bad JSON and a provider not in use change nothing.
func TestInboundSMS_Callback(t *testing.T) {
	for _, kind := range []string{sms.KindAliyun, sms.KindTencent, sms.KindHTTP} {
		t.Run(kind, func(t *testing.T) {
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				a := newMsgApp(t, db, kind)
				ack := string(sms.InboundAck(kind))
				// Rated on the page, for comparison.
				pageID, code := a.resolvedFor("13700000000")
				if _, err := db.Public.RatePublic(context.Background(), code, &sanlian.PublicRating{PhoneLast4: "0000", Solved: "yes", Satisfaction: "satisfied"}); err != nil {
					t.Fatal(err)
				}
				pageActor, _ := a.lastEvent(pageID)
				pageP := a.problem(pageID)

				cases := []struct {
					phone, text        string
					solved, sat, state string
				}{
					{"13711110001", "1", sanlian.SolvedYes, sanlian.Satisfied, sanlian.StateResolved},
					{"13711110002", "２。", sanlian.SolvedPartly, sanlian.Basic, sanlian.StateResolved},
					{"13711110003", "3", sanlian.SolvedNo, sanlian.Unsatisfied, sanlian.StateAccepted},
				}
				ids := map[string]int64{}
				for _, c := range cases {
					id, _ := a.resolvedFor(c.phone)
					ids[c.phone] = id
					res, body := a.reply(c.phone, c.text)
					if res.StatusCode != 200 || body != ack {
						t.Fatalf("reply %q: %d %s", c.text, res.StatusCode, body)
					}
					p := a.problem(id)
					if p.Solved != c.solved || p.Satisfaction != c.sat || p.State != c.state {
						t.Errorf("reply %q: %+v", c.text, p)
					}
					actor, note := a.lastEvent(id)
					if actor != pageActor || !strings.Contains(note, "群众短信回复："+c.text) || !strings.HasPrefix(note, sanlian.SolvedLabel(c.solved)) {
						t.Errorf("reply %q: timeline %s %q (the page's: %s)", c.text, actor, note, pageActor)
					}
					if c.text == "1" && p != pageP {
						t.Errorf("reply 1 %+v differs from the page's rating %+v", p, pageP)
					}
					t.Logf("%s 回复 %q → %s，%s（%s），时间线：%s", kind, c.text, sanlian.SolvedLabel(p.Solved), sanlian.SatisfactionLabel(p.Satisfaction),
						sanlian.StateLabel(p.State), note)
					// Rated once: the same reply again changes nothing.
					a.reply(c.phone, c.text)
					if a.problem(id).Version != p.Version {
						t.Errorf("reply %q counted twice", c.text)
					}
				}
				// Unsatisfied reopened it: the resident is told.
				if items := a.messages("event=reopened"); len(items) != 1 || items[0].To != "137****0003" {
					t.Errorf("reopened message: %+v", items)
				}

				// Nothing to rate, and an unknown reply: nothing changes.
				before := a.auditRows()
				for _, r := range [][2]string{{"13900009999", "1"}, {"13711110001", "谢谢你们"}} {
					if res, body := a.reply(r[0], r[1]); res.StatusCode != 200 || body != ack {
						t.Errorf("%v: %d %s", r, res.StatusCode, body)
					}
				}
				if after := a.auditRows(); after != before {
					t.Errorf("no-match replies wrote %d audit rows", after-before)
				}
				office := sqldbtest.As(&sanlian.User{ID: 1, Username: "office", Role: sanlian.RoleOffice})
				in, err := db.Notices.RecentInbound(office, 50)
				if err != nil || len(in) < 2 || in[0].Outcome != sanlian.InboundUnknown || in[1].Outcome != sanlian.InboundNoMatch || in[1].From != "139****9999" {
					t.Errorf("inbound log: %v %+v", err, in)
				}

				// TD: the phone is on the stop list; its next message is skipped.
				if res, _ := a.reply("13711110003", "退订"); res.StatusCode != 200 {
					t.Fatalf("TD: %d", res.StatusCode)
				}
				id := ids["13711110003"]
				if st, body, _ := a.problemAct(a.token("cadre"), apiProblem{ID: id, Version: a.problem(id).Version}, "resolve",
					`,"measures":"再修","result":"已修好"`); st != 200 {
					t.Fatalf("resolve again: %d %s", st, body)
				}
				items := a.messages("event=resolved&limit=1")
				if len(items) != 1 || items[0].State != sanlian.MsgSkipped || !strings.Contains(items[0].Note, "退订") {
					t.Errorf("after TD: %+v", items)
				}
				inboundRows := func() int {
					in, err := db.Notices.RecentInbound(office, 100)
					if err != nil {
						t.Fatal(err)
					}
					return len(in)
				}
				n := inboundRows()

				// Bad requests: refused, nothing recorded.
				bad := []struct {
					name, path, body string
					hdr              []string
					status           int
				}{
					{"bad JSON", "/api/v1/public/sms/inbound/" + kind + "?token=" + msgKeys.InboundToken, `{"from":`, nil, 400},
					{"not in use", "/api/v1/public/sms/inbound/" + other(kind) + "?token=" + msgKeys.InboundToken, `{}`, nil, 404},
				}
				if kind == sms.KindHTTP {
					body := `{"from":"13711110001","text":"TD"}`
					ts := strconv.FormatInt(time.Now().Unix(), 10)
					bad = append(bad, struct {
						name, path, body string
						hdr              []string
						status           int
					}{"bad signature", "/api/v1/public/sms/inbound/http", body, []string{sms.HeaderTimestamp, ts, sms.HeaderSignature, sms.Sign("wrong", ts, []byte(body))}, 401})
					bad[0].hdr = []string{sms.HeaderTimestamp, ts, sms.HeaderSignature, sms.Sign(msgKeys.Secret, ts, []byte(bad[0].body))}
				} else {
					bad = append(bad, struct {
						name, path, body string
						hdr              []string
						status           int
					}{"bad token", "/api/v1/public/sms/inbound/" + kind + "?token=wrong", `[]`, nil, 401})
				}
				for _, b := range bad {
					res, body := a.do("POST", b.path, "", b.body, b.hdr...)
					if res.StatusCode != b.status || !strings.Contains(res.Header.Get("Content-Type"), "problem+json") {
						t.Errorf("%s: %d %s", b.name, res.StatusCode, body)
					}
				}
				if inboundRows() != n {
					t.Error("a refused request was recorded")
				}
			})
		})
	}
}

func other(kind string) string {
	if kind == sms.KindHTTP {
		return sms.KindAliyun
	}
	return sms.KindHTTP
}

// TestMessagesPage: the office's page shows why an event is not sent,
// refuses invalid settings and a stale version with what was typed kept,
// and is the office's alone; the JSON API likewise.
func TestMessagesPage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newAppConfig(t, db, web.Config{SMSKeys: msgKeys})
		b := a.browser()
		b.login("office", sqldbtest.Password)
		res, body := b.get("/messages")
		if res.StatusCode != 200 || !strings.Contains(body, "不发送：短信告知未启用") || !strings.Contains(body, "群众消息告知") {
			t.Fatalf("page: %d", res.StatusCode)
		}
		form := url.Values{"version": {"1"}, "enabled": {"1"}, "provider": {"aliyun"}, "public_url": {"https://sl.anhua.gov.cn"},
			"sms_received": {"SMS_1"}, "sms_resolved": {"SMS_3"}}
		// Invalid: enabled without a public address; kept as typed.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("public_url", "ftp://x")
		res, body = b.post("/messages/settings", bad)
		if res.StatusCode != 422 || !strings.Contains(body, "网站地址无效") || !strings.Contains(body, `value="SMS_3"`) {
			t.Errorf("invalid: %d", res.StatusCode)
		}
		res, _ = b.post("/messages/settings", form)
		if res.StatusCode != 303 {
			t.Fatalf("save: %d", res.StatusCode)
		}
		_, body = b.get("/messages")
		if !strings.Contains(body, "不发送：未设置“签收告知”的短信模板编号，该事件不发送") || strings.Contains(body, "未设置“受理告知”的短信模板编号") {
			t.Errorf("reasons not shown: %s", body[strings.Index(body, "message-events"):][:3000])
		}
		// The same form again is stale.
		res, body = b.post("/messages/settings", form)
		if res.StatusCode != 409 || !strings.Contains(body, "已被他人修改") || !strings.Contains(body, `name="version" value="2"`) {
			t.Errorf("stale: %d", res.StatusCode)
		}
		// The JSON API.
		res, body = a.do("GET", "/api/v1/message-settings", a.token("office"), "")
		var v sanlian.MsgSettingsView
		json.Unmarshal([]byte(body), &v)
		if res.StatusCode != 200 || v.Stored.Version != 2 || v.Skip["sms"]["accepted"] == "" || v.Skip["sms"]["received"] != "" {
			t.Errorf("api: %d %s", res.StatusCode, body)
		}
		res, body = a.do("PUT", "/api/v1/message-settings", a.token("office"), `{"enabled":true,"provider":"nosuch","version":2}`)
		if res.StatusCode != 422 || !strings.Contains(body, "provider") {
			t.Errorf("invalid provider: %d %s", res.StatusCode, body)
		}
		res, _ = a.do("PUT", "/api/v1/message-settings", a.token("office"), `{"enabled":false,"version":1}`)
		if res.StatusCode != 409 {
			t.Errorf("stale api: %d", res.StatusCode)
		}
		for _, u := range []string{"leader", "unitadmin", "cadre", "sysadmin", "auditor"} {
			if res, _ := a.do("GET", "/api/v1/messages", a.token(u), ""); res.StatusCode != 403 {
				t.Errorf("%s reads the log: %d", u, res.StatusCode)
			}
		}
		if res, _ := a.do("GET", "/api/v1/messages?state=nosuch", a.token("office"), ""); res.StatusCode != 400 {
			t.Errorf("bad filter: %d", res.StatusCode)
		}
	})
}
