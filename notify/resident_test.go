package notify_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
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
	"sanlian/wechat"
	"sanlian/wechat/wechattest"
)

var testKeys = sms.Keys{AccessKeyID: "LTAI-test", AccessKeySecret: "aliyun-secret", SecretID: "AKID-test", SecretKey: "tencent-secret",
	SDKAppID: "1400000000", SignName: "安化县三联三清", Secret: "gateway-secret"}

// startFake starts the fake of kind.
func startFake(t *testing.T, kind string) *smstest.Fake {
	switch kind {
	case sms.KindAliyun:
		return smstest.NewAliyun(t, testKeys)
	case sms.KindTencent:
		return smstest.NewTencent(t, testKeys)
	}
	return smstest.NewHTTP(t, testKeys.Secret)
}

// allTemplates sets a template for every event of both channels.
func allTemplates() (smsT, wx map[string]string) {
	smsT, wx = map[string]string{}, map[string]string{}
	for i, e := range sanlian.MsgEvents {
		smsT[e] = "SMS_1000" + string(rune('0'+i))
		wx[e] = "wx-tpl-" + e
	}
	return smsT, wx
}

// msgSetup is one database with the small county, settings pointing at a
// fake provider, and a worker.
type msgSetup struct {
	db     *sqldb.DB
	users  map[string]*sanlian.User
	fake   *smstest.Fake
	wx     *wechattest.Server
	worker *notify.MessageWorker
	now    time.Time
}

func newMsgSetup(t *testing.T, db *sqldb.DB, kind string) *msgSetup {
	s := &msgSetup{db: db, users: sqldbtest.LoadSmall(t, db), fake: startFake(t, kind), wx: wechattest.New(t, "wx-app-id", "wx-app-secret"),
		now: time.Date(2021, 5, 10, 9, 0, 0, 0, sanlian.Shanghai)}
	db.Now = func() time.Time { return s.now }
	db.Notices.SetMessageConfig(sanlian.MsgOverrides{MaxRunes: sms.DefaultMaxRunes}, true)
	smsT, wx := allTemplates()
	office := sqldbtest.As(s.users["office"])
	cur, err := db.Notices.MessageSettings(office)
	must(t, err)
	_, err = db.Notices.UpdateMessageSettings(office, &sanlian.MsgSettings{Enabled: true, Provider: kind, Endpoint: s.fake.URL,
		PublicURL: "https://sl.anhua.gov.cn", SMS: smsT, Wechat: wx, Version: cur.Stored.Version})
	must(t, err)
	s.worker = &notify.MessageWorker{Queue: db.Notices, Keys: testKeys, Client: &http.Client{Timeout: 2 * time.Second},
		Wechat: &wechat.Client{Base: s.wx.URL, AppID: "wx-app-id", Secret: "wx-app-secret"}}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%v %v", err, sanlian.ErrorFields(err))
	}
}

func (s *msgSetup) act(t *testing.T, who string, p *sanlian.Problem, action string, req sanlian.ActionRequest) *sanlian.Problem {
	t.Helper()
	s.now = s.now.Add(time.Hour)
	req.Version = p.Version
	out, err := s.db.Problems.Act(sqldbtest.As(s.users[who]), p.ID, action, req)
	must(t, err)
	return out
}

// run runs the worker once and returns how many it sent.
func (s *msgSetup) run(t *testing.T) int {
	t.Helper()
	sent, _, err := s.worker.RunOnce(context.Background())
	must(t, err)
	return sent
}

func (s *msgSetup) log(t *testing.T, f sanlian.MsgFilter) []*sanlian.ResidentMessage {
	t.Helper()
	items, _, err := s.db.Notices.FindMessages(sqldbtest.As(s.users["office"]), f)
	must(t, err)
	return items
}

const residentPhone = "13912345678"

func (s *msgSetup) submit(t *testing.T, openid string) *sanlian.PublicReceipt {
	t.Helper()
	rc, err := s.db.Public.SubmitPublic(sanlian.NewPublicContext(context.Background()), &sanlian.PublicSubmission{Source: sanlian.SourceWechat,
		Category: "transport", VillageCode: sqldbtest.VillageA, Description: "村口的桥栏杆断了，孩子上学危险", ReporterName: "王大妈",
		ReporterPhone: residentPhone, Consent: true, NotifySMS: true, WechatOpenID: openid})
	must(t, err)
	return rc
}

// TestResidentMessages_Life: one problem's whole life with consent to SMS
// and WeChat, sent through each fake provider, which checks every
// signature: received, accepted, resolved, reopened (an unsatisfied
// rating), resolved again and closed.
func TestResidentMessages_Life(t *testing.T) {
	for _, kind := range []string{sms.KindAliyun, sms.KindTencent, sms.KindHTTP} {
		t.Run(kind, func(t *testing.T) {
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				s := newMsgSetup(t, db, kind)
				rc := s.submit(t, "oWx-resident-0001")
				code := sanlian.FormatTrackingCode(rc.Code)
				office := sqldbtest.As(s.users["office"])
				p, err := db.Problems.FindProblemByID(office, rc.ProblemID)
				must(t, err)
				want := []string{sanlian.MsgReceived}
				if n := s.run(t); n != 2 {
					t.Fatalf("received: %d sent, want 2 (SMS and WeChat)", n)
				}
				p = s.act(t, "office", p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2, Note: "内部：请李明先电话联系"})
				p = s.act(t, "cadre", p, sanlian.ActionAccept, sanlian.ActionRequest{})
				s.act(t, "cadre", p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "焊接栏杆", Result: "栏杆已修复"})
				want = append(want, sanlian.MsgAccepted, sanlian.MsgResolved)
				s.run(t)
				_, err = db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "5678", Solved: "no", Satisfaction: "unsatisfied"})
				must(t, err)
				s.run(t)
				p, _ = db.Problems.FindProblemByID(office, rc.ProblemID)
				s.act(t, "cadre", p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换整段栏杆", Result: "已全部更换"})
				want = append(want, sanlian.MsgReopened, sanlian.MsgResolved)
				s.run(t)
				// The next day: a phone is sent at most MsgDailyCap a day.
				s.now = s.now.Add(24 * time.Hour)
				_, err = db.Public.RatePublic(context.Background(), rc.Code, &sanlian.PublicRating{PhoneLast4: "5678", Solved: "yes", Satisfaction: "satisfied"})
				must(t, err)
				p, _ = db.Problems.FindProblemByID(office, rc.ProblemID)
				s.act(t, "office", p, sanlian.ActionClose, sanlian.ActionRequest{})
				want = append(want, sanlian.MsgClosed)
				s.run(t)

				got := s.fake.Received()
				// Sent four at a time: in the queue's order by id.
				slices.SortFunc(got, func(a, b smstest.Received) int {
					x, _ := strconv.Atoi(a.ID)
					y, _ := strconv.Atoi(b.ID)
					return x - y
				})
				if len(got) != len(want) {
					t.Fatalf("provider took %d messages, want %d: %+v", len(got), len(want), got)
				}
				smsT, wxT := allTemplates()
				for i, r := range got {
					if r.ID == "" || !strings.HasSuffix(r.To, residentPhone) {
						t.Errorf("message %d: id %q to %q", i, r.ID, r.To)
					}
					if kind == sms.KindHTTP {
						if r.Event != want[i] || !strings.Contains(r.Text, code) || !strings.Contains(r.Text, "https://sl.anhua.gov.cn/track/"+rc.Code) {
							t.Errorf("message %d: %+v", i, r)
						}
					} else if r.TemplateID != smsT[want[i]] || r.SignName != testKeys.SignName || len(r.Params) == 0 || r.Params[0].Value != code {
						t.Errorf("message %d (%s): %+v", i, want[i], r)
					}
				}
				wx := s.wx.Messages()
				if len(wx) != len(want) {
					t.Fatalf("wechat took %d: %+v", len(wx), wx)
				}
				if m := wx[0]; m.ToUser != "oWx-resident-0001" || m.URL != "https://sl.anhua.gov.cn/track/"+rc.Code || m.Data["code"] != code {
					t.Errorf("wechat: %+v", m)
				}
				for _, m := range wx {
					if !slices.Contains(slices.Collect(maps.Values(wxT)), m.TemplateID) {
						t.Errorf("wechat template %q", m.TemplateID)
					}
				}
				log := s.log(t, sanlian.MsgFilter{Limit: 100})
				var texts []string
				for i := len(log) - 1; i >= 0; i-- {
					m := log[i]
					if m.State != sanlian.MsgSent || len(m.Log) != 1 || m.Log[0].Error != "" {
						t.Errorf("log row %+v", m)
					}
					if m.Channel == sanlian.ChannelSMS {
						if m.To != "139****5678" {
							t.Errorf("phone shown as %q", m.To)
						}
						texts = append(texts, m.Event+": "+m.Text)
						t.Logf("%s %-9s %s", kind, m.Event, m.Text)
					}
					for _, secret := range []string{"内部", "李明", "王大妈"} {
						if strings.Contains(m.Text, secret) {
							t.Errorf("message carries %q: %s", secret, m.Text)
						}
					}
				}
				if !strings.Contains(texts[1], "县民政局") || !strings.Contains(texts[len(texts)-1], "已解决，满意") {
					t.Errorf("texts: %q", texts)
				}
			})
		})
	}
}

// TestResidentMessages_Outage: the provider answers 500 twice, then takes
// the message; the delivery log lists the attempts, then sent. The other
// failures (a timeout, a provider's error code) are retried too and never
// marked sent.
func TestResidentMessages_Outage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := newMsgSetup(t, db, sms.KindAliyun)
		s.worker.Client = &http.Client{Timeout: 300 * time.Millisecond}
		s.submit(t, "")
		s.fake.SetMode(smstest.Fail500)
		for range 2 {
			if n := s.run(t); n != 0 {
				t.Fatalf("sent during the outage: %d", n)
			}
			m := s.log(t, sanlian.MsgFilter{})[0]
			if m.State != sanlian.MsgPending || m.NextAt.IsZero() || !strings.Contains(m.LastError, "500") {
				t.Fatalf("after a 500: %+v", m)
			}
			s.now = m.NextAt
		}
		s.fake.SetMode(smstest.OK)
		if n := s.run(t); n != 1 {
			t.Fatalf("after the outage: %d sent", n)
		}
		m := s.log(t, sanlian.MsgFilter{})[0]
		if m.State != sanlian.MsgSent || m.Attempts != 3 || len(m.Log) != 3 || m.Log[2].ProviderID == "" || m.ProviderID == "" {
			t.Fatalf("log %+v", m)
		}
		t.Logf("消息 #%d %s → %s：%s（共 %d 次）", m.ID, m.EventLabel(), m.To, m.StateLabel(), m.Attempts)
		for i, a := range m.Log {
			t.Logf("  第 %d 次 %s HTTP %d %s %s", i+1, a.At.In(sanlian.Shanghai).Format("15:04:05"), a.Status, a.ProviderID, a.Error)
		}

		// A timeout and a provider's error code: retried, never sent.
		for _, mode := range []smstest.Mode{smstest.Hang, smstest.ProviderError} {
			s.now = s.now.Add(time.Hour)
			p, err := db.Problems.FindProblemByID(sqldbtest.As(s.users["office"]), m.ProblemID)
			must(t, err)
			s.fake.SetMode(mode)
			ev := sanlian.MsgAccepted
			if mode == smstest.Hang {
				s.act(t, "office", p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
				p, _ = db.Problems.FindProblemByID(sqldbtest.As(s.users["office"]), m.ProblemID)
				s.act(t, "cadre", p, sanlian.ActionAccept, sanlian.ActionRequest{})
			} else {
				s.act(t, "cadre", p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "焊接", Result: "已修复"})
				ev = sanlian.MsgResolved
			}
			if n := s.run(t); n != 0 {
				t.Fatalf("%v: sent", mode)
			}
			got := s.log(t, sanlian.MsgFilter{Event: ev})
			if len(got) != 1 || got[0].State != sanlian.MsgPending || got[0].Attempts != 1 || got[0].LastError == "" || got[0].ProviderID != "" {
				t.Fatalf("%v: %+v", mode, got)
			}
			if strings.Contains(got[0].LastError, residentPhone) || strings.Contains(got[0].LastError, "aliyun-secret") {
				t.Errorf("error shows the phone or secret: %s", got[0].LastError)
			}
			t.Logf("%s: %s", ev, got[0].LastError)
		}
		s.fake.SetMode(smstest.ProviderError)
		// Retried up to MsgMaxAttempts, then failed; the office retries it.
		// A retry is due at most 6 hours on, or at 08:00 after the quiet
		// hours: 17 hours apart, every run tries both again.
		failed := s.log(t, sanlian.MsgFilter{State: sanlian.MsgFailed})
		for i := 0; i < 2*sanlian.MsgMaxAttempts && len(failed) < 2; i++ {
			s.now = s.now.Add(17 * time.Hour)
			s.run(t)
			failed = s.log(t, sanlian.MsgFilter{State: sanlian.MsgFailed})
		}
		if len(failed) != 2 {
			t.Fatalf("failed: %+v", failed)
		}
		for _, f := range failed {
			if f.Attempts != sanlian.MsgMaxAttempts || len(f.Log) != sanlian.MsgMaxAttempts {
				t.Errorf("failed after %d attempts (%d logged)", f.Attempts, len(f.Log))
			}
		}
		_, err := db.Notices.RetryMessage(sqldbtest.As(s.users["cadre"]), failed[0].ID)
		if sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
			t.Errorf("cadre retries: %v", err)
		}
		s.fake.SetMode(smstest.OK)
		r, err := db.Notices.RetryMessage(sqldbtest.As(s.users["office"]), failed[0].ID)
		must(t, err)
		if r.State != sanlian.MsgPending {
			t.Errorf("retried: %+v", r)
		}
		if _, err := db.Notices.RetryMessage(sqldbtest.As(s.users["office"]), failed[0].ID); sanlian.ErrorCode(err) != sanlian.ECONFLICT {
			t.Errorf("retry a pending one: %v", err)
		}
		if n := s.run(t); n != 1 {
			t.Errorf("after retry: %d sent", n)
		}
	})
}

// TestResidentMessages_MissingTemplate: an event without a template is
// queued skipped with the reason; a template removed before sending skips
// the queued message at send time; a problem entered by staff sends
// nothing.
func TestResidentMessages_MissingTemplate(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := newMsgSetup(t, db, sms.KindTencent)
		office := sqldbtest.As(s.users["office"])
		cur, err := db.Notices.MessageSettings(office)
		must(t, err)
		st := cur.Stored
		delete(st.SMS, sanlian.MsgAccepted)
		_, err = db.Notices.UpdateMessageSettings(office, &st)
		must(t, err)
		rc := s.submit(t, "")
		// The received template goes before the worker runs.
		cur, _ = db.Notices.MessageSettings(office)
		st = cur.Stored
		delete(st.SMS, sanlian.MsgReceived)
		view, err := db.Notices.UpdateMessageSettings(office, &st)
		must(t, err)
		if !strings.Contains(view.Skip[sanlian.ChannelSMS][sanlian.MsgReceived], "未设置“受理告知”的短信模板编号") {
			t.Errorf("view: %+v", view.Skip)
		}
		s.run(t)
		p, _ := db.Problems.FindProblemByID(office, rc.ProblemID)
		p = s.act(t, "office", p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		s.act(t, "cadre", p, sanlian.ActionAccept, sanlian.ActionRequest{})
		s.run(t)
		if n := len(s.fake.Received()); n != 0 {
			t.Fatalf("sent %d", n)
		}
		for _, m := range s.log(t, sanlian.MsgFilter{}) {
			if m.State != sanlian.MsgSkipped || !strings.Contains(m.Note, "短信模板编号") || len(m.Log) != 0 {
				t.Errorf("%s: %+v", m.Event, m)
			}
		}
		// Staff enter a problem with a reporter's phone: no consent, nothing.
		before := len(s.log(t, sanlian.MsgFilter{}))
		q, err := db.Problems.CreateProblem(office, &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport", VillageCode: sqldbtest.VillageA,
			Description: "路灯不亮", ReporterName: "李大爷", ReporterPhone: "13800001111", Urgency: sanlian.UrgencyNormal})
		must(t, err)
		q = s.act(t, "office", q, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		s.act(t, "cadre", q, sanlian.ActionAccept, sanlian.ActionRequest{})
		if after := len(s.log(t, sanlian.MsgFilter{})); after != before {
			t.Errorf("staff problem queued %d messages", after-before)
		}
	})
}

// TestResidentMessages_QuietHours: a problem submitted at 23:30 is told
// nothing until 08:00, then at once; a retry due in the night waits for
// the morning too.
func TestResidentMessages_QuietHours(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := newMsgSetup(t, db, sms.KindHTTP)
		s.now = time.Date(2021, 5, 10, 23, 30, 0, 0, sanlian.Shanghai)
		s.submit(t, "")
		s.now = s.now.Add(time.Minute)
		if n := s.run(t); n != 0 {
			t.Fatalf("sent at night: %d", n)
		}
		m := s.log(t, sanlian.MsgFilter{})[0]
		if m.State != sanlian.MsgPending || !strings.Contains(m.Note, "夜间免打扰") {
			t.Fatalf("held: %+v", m)
		}
		s.now = time.Date(2021, 5, 11, 8, 0, 1, 0, sanlian.Shanghai)
		s.fake.SetMode(smstest.Fail500)
		s.run(t)
		m = s.log(t, sanlian.MsgFilter{})[0]
		if m.Attempts != 1 || m.State != sanlian.MsgPending {
			t.Fatalf("not tried at 08:00: %+v", m)
		}
		// The 5th failure at 21:00 waits 6 hours: past 22:00, so until 08:00.
		if at, ok := sanlian.MsgRetryAt(sanlian.MsgReceived, 5, time.Date(2021, 5, 11, 21, 0, 0, 0, sanlian.Shanghai)); !ok ||
			!at.Equal(time.Date(2021, 5, 12, 8, 0, 0, 0, sanlian.Shanghai)) {
			t.Errorf("retry at %v", at)
		}
		s.fake.SetMode(smstest.OK)
		s.now = m.NextAt.Add(time.Second)
		if n := s.run(t); n != 1 {
			t.Fatalf("retry: %d sent", n)
		}
	})
}

// TestResidentMessages_ProviderErrors: with each provider, an answer of
// 500, no answer before the timeout, and a 200 carrying the provider's
// error code are attempts that failed: logged, retried later, never sent.
func TestResidentMessages_ProviderErrors(t *testing.T) {
	for _, kind := range []string{sms.KindAliyun, sms.KindTencent, sms.KindHTTP} {
		t.Run(kind, func(t *testing.T) {
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				s := newMsgSetup(t, db, kind)
				s.worker.Client = &http.Client{Timeout: 300 * time.Millisecond}
				s.submit(t, "")
				for i, mode := range []smstest.Mode{smstest.Fail500, smstest.Hang, smstest.ProviderError} {
					s.fake.SetMode(mode)
					if n := s.run(t); n != 0 {
						t.Fatalf("mode %d: sent", mode)
					}
					m := s.log(t, sanlian.MsgFilter{})[0]
					if m.State != sanlian.MsgPending || m.Attempts != i+1 || len(m.Log) != i+1 || m.ProviderID != "" || m.NextAt.IsZero() {
						t.Fatalf("mode %d: %+v", mode, m)
					}
					a := m.Log[i]
					if a.Error == "" || a.ProviderID != "" || strings.Contains(a.Error, residentPhone) {
						t.Fatalf("mode %d: attempt %+v", mode, a)
					}
					t.Logf("%s: %s", kind, a.Error)
					s.now = m.NextAt
				}
				if len(s.fake.Received()) != 0 {
					t.Errorf("the fake recorded a message it refused: %+v", s.fake.Received())
				}
			})
		})
	}
}

// TestResidentMessages_WechatError: WeChat answering an errcode is an
// attempt that failed, retried later; the SMS of the same event is sent
// all the same.
func TestResidentMessages_WechatError(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := newMsgSetup(t, db, sms.KindHTTP)
		s.wx.FailTemplates(45009, "reach max api daily quota limit")
		s.submit(t, "oWx-resident-0002")
		if n := s.run(t); n != 1 {
			t.Fatalf("sent %d, want the SMS only", n)
		}
		for _, m := range s.log(t, sanlian.MsgFilter{}) {
			switch m.Channel {
			case sanlian.ChannelWechat:
				if m.State != sanlian.MsgPending || m.Attempts != 1 || !strings.Contains(m.LastError, "45009") || m.To != "oWx-****" {
					t.Errorf("wechat: %+v", m)
				}
			default:
				if m.State != sanlian.MsgSent {
					t.Errorf("sms: %+v", m)
				}
			}
		}
	})
}
