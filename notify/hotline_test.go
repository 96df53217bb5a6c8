package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/notify"
)

// closedPayload is a problem_closed payload as the hotline hears it: a
// problem that came through Open311, with its result and callback.
var closedPayload = sanlian.Payload{Title: "问题销号", Number: "安化-2021-000009", Subject: "组里路灯坏了", Village: "黄沙坪村",
	Unit: "县住建局", Deadline: "2021-05-31", Link: "/problems/9", Source: sanlian.SourceHotline, ServiceRequestID: "9",
	Result: "已更换路灯 3 盏，13912345678 已回电", Outcome: "已解决，满意", Solved: sanlian.SolvedYes, Satisfaction: sanlian.Satisfied}

// TestSender_ProblemClosed sends one problem_closed delivery in each of
// the three formats: the robots' markdown shows the source, the Open311
// id, the result and the callback's outcome; the signed JSON carries them
// as fields; a phone in the result goes out masked in all three.
func TestSender_ProblemClosed(t *testing.T) {
	closed := func(kind, url, secret string) *sanlian.DeliveryJob {
		return &sanlian.DeliveryJob{
			Delivery: sanlian.WebhookDelivery{ID: 43, WebhookID: 2, Event: sanlian.EventProblemClosed, Payload: closedPayload,
				CreatedAt: time.Date(2021, 5, 20, 1, 0, 0, 0, time.UTC)},
			Hook: sanlian.Webhook{ID: 2, Kind: kind, URL: url, Secret: secret},
		}
	}
	wantMD := []string{"### 问题销号", "来源：热线电话", "诉求编号(Open311)：9", "办理结果：已更换路灯 3 盏，139＊＊＊＊5678 已回电", "回访结果：已解决，满意"}
	for _, kind := range []string{sanlian.WebhookWeCom, sanlian.WebhookDingTalk} {
		t.Run(kind, func(t *testing.T) {
			srv, got := receiver(t, `{"errcode":0,"errmsg":"ok"}`)
			secret := ""
			if kind == sanlian.WebhookDingTalk {
				secret = "SECb6f3e0b1a2c3d4e5f60718293a4b5c6d7e8f9"
			}
			if a, ok := (&notify.Sender{}).Send(context.Background(), closed(kind, srv.URL+"/send?key=abc", secret)); !ok {
				t.Fatalf("not delivered: %+v", a)
			}
			var body struct {
				MsgType  string            `json:"msgtype"`
				Markdown map[string]string `json:"markdown"`
			}
			r := got()[0]
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}
			md := body.Markdown["content"] + body.Markdown["text"]
			for _, w := range wantMD {
				if !strings.Contains(md, w) {
					t.Errorf("markdown lacks %q:\n%s", w, md)
				}
			}
			if strings.Contains(string(r.body), "13912345678") {
				t.Errorf("the phone leaves whole: %s", r.body)
			}
		})
	}
	t.Run(sanlian.WebhookJSON, func(t *testing.T) {
		var body struct {
			Event string          `json:"event"`
			Data  sanlian.Payload `json:"data"`
		}
		var raw []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, _ = io.ReadAll(r.Body)
			if r.Header.Get("X-Sanlian-Event") != sanlian.EventProblemClosed ||
				r.Header.Get("X-Sanlian-Signature") != notify.Sign("s3cret", r.Header.Get("X-Sanlian-Timestamp"), raw) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		if a, ok := (&notify.Sender{}).Send(context.Background(), closed(sanlian.WebhookJSON, srv.URL+"/hook", "s3cret")); !ok {
			t.Fatalf("not delivered: %+v", a)
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatal(err)
		}
		d := body.Data
		if body.Event != sanlian.EventProblemClosed || d.Source != "hotline" || d.ServiceRequestID != "9" || d.Outcome != "已解决，满意" ||
			d.Solved != "yes" || d.Satisfaction != "satisfied" || d.Result != "已更换路灯 3 盏，139****5678 已回电" {
			t.Fatalf("json body %s", raw)
		}
		for _, k := range []string{`"source":`, `"service_request_id":`, `"result":`, `"outcome":`, `"solved":`, `"satisfaction":`} {
			if !strings.Contains(string(raw), k) {
				t.Errorf("json body lacks %s: %s", k, raw)
			}
		}
	})
}
