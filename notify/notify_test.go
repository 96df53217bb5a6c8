package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/notify"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

var payload = sanlian.Payload{Title: "问题交办", Number: "安化-2021-000007", Subject: "村道路灯损坏", Village: "黄沙坪村",
	Unit: "县民政局", Deadline: "2021-05-31", Link: "/problems/7"}

func job(kind, url, secret string) *sanlian.DeliveryJob {
	return &sanlian.DeliveryJob{
		Delivery: sanlian.WebhookDelivery{ID: 42, WebhookID: 1, Event: sanlian.EventProblemAssigned, Payload: payload,
			CreatedAt: time.Date(2021, 5, 10, 1, 0, 0, 0, time.UTC)},
		Hook: sanlian.Webhook{ID: 1, Kind: kind, URL: url, Secret: secret},
	}
}

// received is one request a test receiver got.
type received struct {
	query  string
	header http.Header
	body   []byte
}

func receiver(t *testing.T, answer string) (*httptest.Server, func() []received) {
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.URL.RawQuery, r.Header.Clone(), b})
		mu.Unlock()
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received { mu.Lock(); defer mu.Unlock(); return append([]received(nil), got...) }
}

func TestSender_Formats(t *testing.T) {
	t.Run("WeCom", func(t *testing.T) {
		srv, got := receiver(t, `{"errcode":0,"errmsg":"ok"}`)
		s := &notify.Sender{}
		a, ok := s.Send(context.Background(), job(sanlian.WebhookWeCom, srv.URL+"/cgi-bin/webhook/send?key=abc", ""))
		if !ok || a.Status != 200 {
			t.Fatalf("attempt %+v", a)
		}
		var body struct {
			MsgType  string            `json:"msgtype"`
			Markdown map[string]string `json:"markdown"`
		}
		r := got()[0]
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		if body.MsgType != "markdown" || len(body.Markdown) != 1 || !strings.Contains(body.Markdown["content"], "安化-2021-000007") ||
			!strings.Contains(body.Markdown["content"], "黄沙坪村") || r.query != "key=abc" {
			t.Fatalf("WeCom body %s query %s", r.body, r.query)
		}
	})
	t.Run("DingTalkSigned", func(t *testing.T) {
		srv, got := receiver(t, `{"errcode":0,"errmsg":"ok"}`)
		now := time.Date(2021, 5, 10, 1, 2, 3, 0, time.UTC)
		s := &notify.Sender{Now: func() time.Time { return now }}
		const secret = "SECb6f3e0b1a2c3d4e5f60718293a4b5c6d7e8f9"
		if _, ok := s.Send(context.Background(), job(sanlian.WebhookDingTalk, srv.URL+"/robot/send?access_token=tok", secret)); !ok {
			t.Fatal("not delivered")
		}
		r := got()[0]
		var body struct {
			MsgType  string            `json:"msgtype"`
			Markdown map[string]string `json:"markdown"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		if body.MsgType != "markdown" || body.Markdown["title"] != "问题交办" || !strings.Contains(body.Markdown["text"], "村道路灯损坏") {
			t.Fatalf("DingTalk body %s", r.body)
		}
		q, err := parseQuery(r.query)
		if err != nil {
			t.Fatal(err)
		}
		ms := strconv.FormatInt(now.UnixMilli(), 10)
		if q["access_token"] != "tok" || q["timestamp"] != ms {
			t.Fatalf("query %s", r.query)
		}
		// The receiver's own check: HmacSHA256(secret, timestamp+"\n"+secret), base64.
		if want := notify.DingTalkSign(secret, now.UnixMilli()); q["sign"] != want || !hmac.Equal([]byte(q["sign"]), []byte(dingSign(secret, ms))) {
			t.Fatalf("sign %q, want %q", q["sign"], want)
		}
	})
	t.Run("JSONSigned", func(t *testing.T) {
		const secret = "s3cret-for-json"
		var verified bool
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			ts := r.Header.Get("X-Sanlian-Timestamp")
			sig := r.Header.Get("X-Sanlian-Signature")
			verified = hmac.Equal([]byte(sig), []byte(hmacHex(secret, ts+"."+string(b)))) &&
				r.Header.Get("X-Sanlian-Event") == sanlian.EventProblemAssigned && r.Header.Get("X-Sanlian-Delivery") == "42"
			var body map[string]any
			json.Unmarshal(b, &body)
			data, _ := body["data"].(map[string]any)
			if body["event"] != sanlian.EventProblemAssigned || body["id"] != float64(42) || body["at"] != "2021-05-10T01:00:00Z" ||
				data["number"] != "安化-2021-000007" {
				verified = false
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		a, ok := (&notify.Sender{}).Send(context.Background(), job(sanlian.WebhookJSON, srv.URL+"/hook", secret))
		if !ok || a.Status != 204 || !verified {
			t.Fatalf("attempt %+v, signature verified %v", a, verified)
		}
	})
	t.Run("ErrCode", func(t *testing.T) {
		srv, _ := receiver(t, `{"errcode":93000,"errmsg":"invalid webhook url"}`)
		a, ok := (&notify.Sender{}).Send(context.Background(), job(sanlian.WebhookWeCom, srv.URL+"/send?key=abcdef", ""))
		if ok || a.Status != 200 || !strings.Contains(a.Error, "errcode=93000") {
			t.Fatalf("an errcode of 93000 counted as delivered: %+v", a)
		}
		srv2, _ := receiver(t, `<html>not a robot</html>`)
		if a, ok := (&notify.Sender{}).Send(context.Background(), job(sanlian.WebhookDingTalk, srv2.URL, "")); ok {
			t.Fatalf("a page that is not the robot's answer counted as delivered: %+v", a)
		}
	})
	t.Run("ErrDown", func(t *testing.T) {
		srv, _ := receiver(t, "")
		u := srv.URL + "/send?key=topsecretkey"
		srv.Close()
		a, ok := (&notify.Sender{}).Send(context.Background(), job(sanlian.WebhookWeCom, u, ""))
		if ok || a.Status != 0 || !strings.HasPrefix(a.Error, "连接失败") || strings.Contains(a.Error, "topsecretkey") {
			t.Fatalf("attempt on a closed listener: %+v", a)
		}
	})
}

func parseQuery(q string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		uv, err := urlUnescape(v)
		if err != nil {
			return nil, err
		}
		out[k] = uv
	}
	return out, nil
}

// clock is a test clock shared by DB handles.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
func newClock(s string) *clock {
	t, _ := time.ParseInLocation("2006-01-02 15:04", s, sanlian.Shanghai)
	return &clock{t: t}
}
func as(u *sanlian.User) context.Context { return sqldbtest.As(u) }

// submit enters n hotline problems, each queuing problem_submitted.
func submit(t *testing.T, db *sqldb.DB, u *sanlian.User, n int) {
	t.Helper()
	for i := range n {
		_, err := db.Problems.CreateProblem(as(u), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: fmt.Sprintf("热线来电 %d", i), Description: "桥面坑洼，车辆难行",
			ReporterName: "刘大爷", ReporterPhone: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestWorker_DownThenUp: the target is down (a closed listener), then
// answers 500, then is up: the delivery waits in the database, is retried
// after its delays and delivered exactly once; each attempt is logged.
func TestWorker_DownThenUp(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		users := sqldbtest.LoadSmall(t, db)
		clk := newClock("2021-05-10 09:00")
		db.Now = clk.now
		office := users["office"]

		dead := httptest.NewServer(http.NotFoundHandler())
		deadURL := dead.URL + "/hook"
		dead.Close()
		h, err := db.Notices.CreateWebhook(as(office), &sanlian.WebhookInput{Name: "接收方", Kind: sanlian.WebhookJSON, URL: deadURL,
			Secret: "k", Events: []string{sanlian.EventProblemSubmitted}})
		if err != nil {
			t.Fatal(err)
		}
		submit(t, db, office, 1)

		var mu sync.Mutex
		status := http.StatusInternalServerError
		seen := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if status == http.StatusOK {
				seen[r.Header.Get("X-Sanlian-Delivery")]++
			}
			w.WriteHeader(status)
		}))
		defer srv.Close()
		w := &notify.Worker{Queue: db.Notices, Sender: &notify.Sender{Now: clk.now}}
		run := func(wantDelivered, wantAttempted int) {
			t.Helper()
			d, a, err := w.RunOnce(context.Background())
			if err != nil || d != wantDelivered || a != wantAttempted {
				t.Fatalf("run: delivered %d attempted %d (%v), want %d %d", d, a, err, wantDelivered, wantAttempted)
			}
		}
		run(0, 1) // down
		run(0, 0) // not due before its delay
		if _, err := db.Notices.UpdateWebhook(as(office), h.ID, &sanlian.WebhookInput{Name: h.Name, Kind: h.Kind, URL: srv.URL + "/hook",
			Events: h.Events, Version: h.Version}); err != nil {
			t.Fatal(err)
		}
		clk.add(31 * time.Second)
		run(0, 1) // 500
		clk.add(time.Minute)
		run(0, 0) // the second delay is 2 minutes
		mu.Lock()
		status = http.StatusOK
		mu.Unlock()
		clk.add(time.Minute + time.Second)
		run(1, 1)
		clk.add(24 * time.Hour)
		run(0, 0)
		ds, _, err := db.Notices.FindDeliveries(as(office), h.ID, "", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].State != sanlian.DeliveryDelivered || ds[0].Attempts != 3 || len(ds[0].Log) != 3 {
			t.Fatalf("delivery %+v", ds)
		}
		log := ds[0].Log
		if log[0].Status != 0 || !strings.HasPrefix(log[0].Error, "连接失败") || log[1].Status != 500 || log[2].Status != 200 || log[2].Error != "" {
			t.Fatalf("attempt log %+v", log)
		}
		if len(seen) != 1 || seen[strconv.FormatInt(ds[0].ID, 10)] != 1 {
			t.Fatalf("receiver took %v", seen)
		}
	})
}

// TestWorker_GivesUp: after MaxDeliveryAttempts failures a delivery is
// failed, and the office's resend delivers it.
func TestWorker_GivesUp(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	users := sqldbtest.LoadSmall(t, db)
	clk := newClock("2021-05-10 09:00")
	db.Now = clk.now
	srv, got := receiver(t, `{"errcode":310000,"errmsg":"sign not match"}`)
	h, err := db.Notices.CreateWebhook(as(users["office"]), &sanlian.WebhookInput{Name: "钉钉", Kind: sanlian.WebhookDingTalk, URL: srv.URL,
		Secret: "SECwrong", Events: []string{sanlian.EventProblemSubmitted}})
	if err != nil {
		t.Fatal(err)
	}
	submit(t, db, users["office"], 1)
	w := &notify.Worker{Queue: db.Notices, Sender: &notify.Sender{Now: clk.now}}
	for range sanlian.MaxDeliveryAttempts + 2 {
		if _, _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.add(7 * time.Hour)
	}
	if n := len(got()); n != sanlian.MaxDeliveryAttempts {
		t.Fatalf("attempts %d, want %d", n, sanlian.MaxDeliveryAttempts)
	}
	ds, _, _ := db.Notices.FindDeliveries(as(users["office"]), h.ID, sanlian.DeliveryFailed, "", 0)
	if len(ds) != 1 || !strings.Contains(ds[0].LastError, "errcode=310000") {
		t.Fatalf("failed deliveries %+v", ds)
	}
	if _, err := db.Notices.RetryDelivery(as(users["office"]), h.ID, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, a, _ := w.RunOnce(context.Background()); a != 1 {
		t.Fatalf("the resent delivery was attempted %d times", a)
	}
}

// TestWorker_TwoNodes: two workers on two handles of one database (two
// nodes on one PostgreSQL) send every delivery exactly once.
func TestWorker_TwoNodes(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		users := sqldbtest.LoadSmall(t, db)
		clk := newClock("2021-05-10 09:00")
		db.Now = clk.now
		var mu sync.Mutex
		seen := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			seen[r.Header.Get("X-Sanlian-Delivery")]++
			mu.Unlock()
		}))
		defer srv.Close()
		for _, name := range []string{"甲", "乙"} {
			if _, err := db.Notices.CreateWebhook(as(users["office"]), &sanlian.WebhookInput{Name: name, Kind: sanlian.WebhookJSON, URL: srv.URL,
				Events: []string{sanlian.EventProblemSubmitted}}); err != nil {
				t.Fatal(err)
			}
		}
		const problems = 40
		submit(t, db, users["office"], problems)
		other := sqldbtest.Reopen(t, db)
		other.Now = clk.now
		var wg sync.WaitGroup
		var total sync.Map
		for i, node := range []*sqldb.DB{db, other, db, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &notify.Worker{Queue: node.Notices, Batch: 3, Sender: &notify.Sender{Now: clk.now}}
				for {
					d, a, err := w.RunOnce(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if a == 0 {
						return
					}
					v, _ := total.LoadOrStore(i, new(int))
					*v.(*int) += d
				}
			}()
		}
		wg.Wait()
		if len(seen) != 2*problems {
			t.Fatalf("receiver saw %d deliveries, want %d", len(seen), 2*problems)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("delivery %s sent %d times", id, n)
			}
		}
		var sum int
		total.Range(func(_, v any) bool { sum += *v.(*int); return true })
		if sum != 2*problems {
			t.Fatalf("workers delivered %d, want %d", sum, 2*problems)
		}
	})
}

// The receiver's side of the signatures, written apart from the sender's.

func dingSign(secret, ms string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ms + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func hmacHex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }

// TestText: what people typed cannot make links, headings or lines of its
// own in a robot's message.
func TestText(t *testing.T) {
	_, md := notify.Text(sanlian.EventProblemSubmitted, sanlian.Payload{Subject: "路灯坏了[点此](http://evil.example/)\n### 假标题 <b>**急**</b>"})
	for _, bad := range []string{"](", "\n### ", "<b>", "**"} {
		if strings.Contains(md, bad) {
			t.Fatalf("markdown %q carries %q", md, bad)
		}
	}
	if !strings.Contains(md, "路灯坏了［点此］") {
		t.Fatalf("markdown %q", md)
	}
}
