package notify_test

import (
	"context"
	"strings"
	"testing"

	"sanlian"
	"sanlian/notify"
)

// A phone or ID number typed into a problem's text leaves the system
// masked in every format, also from a delivery queued before payloads
// were stored masked, and a receiver's echo of it is not logged whole.
func TestSender_MasksContacts(t *testing.T) {
	for _, kind := range []string{sanlian.WebhookWeCom, sanlian.WebhookDingTalk, sanlian.WebhookJSON} {
		t.Run(kind, func(t *testing.T) {
			srv, got := receiver(t, `{"errcode":0,"errmsg":"ok"}`)
			j := job(kind, srv.URL+"/hook", "")
			j.Delivery.Payload.Subject = "我电话13600002222"
			j.Delivery.Payload.Text = "身份证号430923198802023456"
			if a, ok := (&notify.Sender{}).Send(context.Background(), j); !ok {
				t.Fatalf("attempt %+v", a)
			}
			// Markdown writes an asterisk full-width.
			body := strings.ReplaceAll(string(got()[0].body), "＊", "*")
			if strings.Contains(body, "13600002222") || strings.Contains(body, "198802023456") ||
				!strings.Contains(body, "136****2222") || !strings.Contains(body, "430923********3456") {
				t.Fatalf("%s body %s", kind, body)
			}
		})
	}
	t.Run("Echo", func(t *testing.T) {
		srv, _ := receiver(t, `{"errcode":40058,"errmsg":"bad content 我电话13600002222"}`)
		a, ok := (&notify.Sender{}).Send(context.Background(), job(sanlian.WebhookWeCom, srv.URL+"/hook", ""))
		if ok || strings.Contains(a.Error, "13600002222") || !strings.Contains(a.Error, "136****2222") {
			t.Fatalf("attempt %+v", a)
		}
	})
}
