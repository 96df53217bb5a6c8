package sms_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"sanlian/sms"
)

// signed is a gateway's push of body signed with secret at t.
func signed(body, secret string, t time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/sms/inbound/http", strings.NewReader(body))
	ts := strconv.FormatInt(t.Unix(), 10)
	r.Header.Set(sms.HeaderTimestamp, ts)
	r.Header.Set(sms.HeaderSignature, sms.Sign(secret, ts, []byte(body)))
	return r
}

func push(target, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestParseInbound_Gateway(t *testing.T) {
	keys := sms.Keys{Secret: gwSecret}
	t.Run("OK", func(t *testing.T) {
		body := `{"from":"+8613812345678","text":"已解决，谢谢","at":"2026-12-07T09:30:00+08:00","channel":"unknown field"}`
		got, err := sms.ParseInbound("http", signed(body, gwSecret, time.Now()), keys)
		if err != nil {
			t.Fatal(err)
		}
		want := []sms.Inbound{{From: "13812345678", Text: "已解决，谢谢", At: time.Date(2026, 12, 7, 1, 30, 0, 0, time.UTC)}}
		if len(got) != 1 || got[0].From != want[0].From || got[0].Text != want[0].Text || !got[0].At.Equal(want[0].At) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("OKArrayWithoutAt", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		got, err := sms.ParseInbound("http", signed(`[{"from":"13812345678","text":"1"},{"from":"13912345678","text":"2"}]`, gwSecret, time.Now()), keys)
		if err != nil || len(got) != 2 || got[1].From != "13912345678" || got[0].At.Before(before) {
			t.Fatalf("got %+v %v", got, err)
		}
	})
	sigErr := map[string]*http.Request{
		"ErrWrongSecret": signed(`{"from":"13812345678","text":"1"}`, "other-secret", time.Now()),
		"ErrStale":       signed(`{"from":"13812345678","text":"1"}`, gwSecret, time.Now().Add(-6*time.Minute)),
		"ErrFuture":      signed(`{"from":"13812345678","text":"1"}`, gwSecret, time.Now().Add(6*time.Minute)),
		"ErrUnsigned":    push("/sms/inbound/http", `{"from":"13812345678","text":"1"}`),
	}
	tampered := signed(`{"from":"13812345678","text":"1"}`, gwSecret, time.Now())
	tampered.Body = http.NoBody
	sigErr["ErrTampered"] = tampered
	notNumber := signed(`{"from":"13812345678","text":"1"}`, gwSecret, time.Now())
	notNumber.Header.Set(sms.HeaderTimestamp, "yesterday")
	sigErr["ErrTimestampNotNumber"] = notNumber
	for name, r := range sigErr {
		t.Run(name, func(t *testing.T) {
			_, err := sms.ParseInbound("http", r, keys)
			if !errors.Is(err, sms.ErrSignature) {
				t.Fatalf("err %v", err)
			}
		})
	}
	bad := map[string]string{
		"ErrJSON":      `{"from":"13812345678","text":`,
		"ErrType":      `{"from":13812345678,"text":"1"}`,
		"ErrEmpty":     ``,
		"ErrNoFrom":    `{"text":"1"}`,
		"ErrBadNumber": `{"from":"12345","text":"1"}`,
		"ErrBadAt":     `{"from":"13812345678","text":"1","at":"昨天"}`,
	}
	for name, body := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := sms.ParseInbound("http", signed(body, gwSecret, time.Now()), keys)
			if err == nil || errors.Is(err, sms.ErrSignature) || strings.Contains(err.Error(), "13812345678") {
				t.Fatalf("err %v", err)
			}
		})
	}
	t.Run("ErrNoSecret", func(t *testing.T) {
		if _, err := sms.ParseInbound("http", signed(`{"from":"13812345678","text":"1"}`, "", time.Now()), sms.Keys{}); err == nil {
			t.Fatal("took a push with no secret configured")
		}
	})
	t.Run("ErrMethod", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/sms/inbound/http", nil)
		if _, err := sms.ParseInbound("http", r, keys); err == nil || !strings.Contains(err.Error(), "POST") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		body := `{"from":"13812345678","text":"` + strings.Repeat("a", sms.MaxInboundBytes) + `"}`
		if _, err := sms.ParseInbound("http", signed(body, gwSecret, time.Now()), keys); err == nil || !strings.Contains(err.Error(), "超过") {
			t.Fatalf("err %v", err)
		}
	})
}

// The sample of Aliyun's SmsUp documentation, with a real-shaped number,
// sequence_id as a number and as a string, and a field the docs do not list.
const aliyunSample = `[
  {"phone_number":"13812345678","send_time":"2017-09-01 00:00:00","content":"内容","sign_name":"签名","dest_code":"1234","sequence_id":1234567890},
  {"phone_number":"8613912345678","content":"已收到","send_time":"2017-09-01 08:05:09","dest_code":"1234","sequence_id":"1234567891","extra":{"a":1}}
]`

func TestParseInbound_Aliyun(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		got, err := sms.ParseInbound("aliyun", push("/sms/inbound/aliyun", aliyunSample), sms.Keys{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].From != "13812345678" || got[0].Text != "内容" || got[1].From != "13912345678" {
			t.Fatalf("got %+v", got)
		}
		if want := time.Date(2017, 8, 31, 16, 0, 0, 0, time.UTC); !got[0].At.Equal(want) {
			t.Fatalf("at %v, want %v (Beijing time)", got[0].At, want)
		}
	})
	t.Run("OKOldTimeFormat", func(t *testing.T) {
		got, err := sms.ParseInbound("aliyun", push("/", `[{"phone_number":"18612345678","send_time":"20170901000000","content":"内容","dest_code":"1234","sequence_id":1}]`), sms.Keys{})
		if err != nil || !got[0].At.Equal(time.Date(2017, 8, 31, 16, 0, 0, 0, time.UTC)) {
			t.Fatalf("got %+v %v", got, err)
		}
	})
	t.Run("OKToken", func(t *testing.T) {
		if _, err := sms.ParseInbound("aliyun", push("/sms/inbound/aliyun?token=t0k", aliyunSample), sms.Keys{InboundToken: "t0k"}); err != nil {
			t.Fatal(err)
		}
	})
	for name, target := range map[string]string{"ErrNoToken": "/sms/inbound/aliyun", "ErrWrongToken": "/sms/inbound/aliyun?token=guess"} {
		t.Run(name, func(t *testing.T) {
			_, err := sms.ParseInbound("aliyun", push(target, aliyunSample), sms.Keys{InboundToken: "t0k"})
			if !errors.Is(err, sms.ErrSignature) {
				t.Fatalf("err %v", err)
			}
		})
	}
	for name, body := range map[string]string{
		"ErrJSON":     `[{"phone_number":"13812345678",`,
		"ErrType":     `[{"phone_number":13812345678,"send_time":"2017-09-01 00:00:00","content":"x"}]`,
		"ErrTime":     `[{"phone_number":"13812345678","send_time":"9月1日","content":"x"}]`,
		"ErrNoNumber": `[{"send_time":"2017-09-01 00:00:00","content":"x"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sms.ParseInbound("aliyun", push("/", body), sms.Keys{})
			if err == nil || errors.Is(err, sms.ErrSignature) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestParseInbound_Tencent(t *testing.T) {
	t.Run("OKObject", func(t *testing.T) {
		body := `{"extend":"","mobile":"13812345678","nationcode":"86","sign":"安化县三联三清","text":"满意","time":1457336869,"new_field":true}`
		got, err := sms.ParseInbound("tencent", push("/", body), sms.Keys{})
		want := []sms.Inbound{{From: "13812345678", Text: "满意", At: time.Unix(1457336869, 0)}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v %v", got, err)
		}
	})
	t.Run("OKArray", func(t *testing.T) {
		body := `[{"mobile":"13812345678","nationcode":"86","text":"1","time":1457336869},{"mobile":"61234567","nationcode":"852","text":"2","time":1457336870}]`
		got, err := sms.ParseInbound("tencent", push("/", body), sms.Keys{})
		if err != nil || len(got) != 2 || got[1].From != "+85261234567" {
			t.Fatalf("got %+v %v", got, err)
		}
	})
	t.Run("ErrWrongToken", func(t *testing.T) {
		_, err := sms.ParseInbound("tencent", push("/?token=x", `{"mobile":"13812345678","text":"1","time":1}`), sms.Keys{InboundToken: "y"})
		if !errors.Is(err, sms.ErrSignature) {
			t.Fatalf("err %v", err)
		}
	})
	for name, body := range map[string]string{
		"ErrJSON":   `{"mobile":"13812345678"`,
		"ErrType":   `{"mobile":"13812345678","text":"1","time":"1457336869"}`,
		"ErrNoTime": `{"mobile":"13812345678","nationcode":"86","text":"1"}`,
		"ErrNumber": `{"mobile":"1381234","nationcode":"86","text":"1","time":1457336869}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sms.ParseInbound("tencent", push("/", body), sms.Keys{})
			if err == nil || errors.Is(err, sms.ErrSignature) {
				t.Fatalf("err %v", err)
			}
		})
	}
	t.Run("ErrKind", func(t *testing.T) {
		if _, err := sms.ParseInbound("sms4", push("/", `{}`), sms.Keys{}); err == nil {
			t.Fatal("took an unknown kind")
		}
	})
}

func TestInboundAck(t *testing.T) {
	for kind, want := range map[string]string{
		"aliyun":  `{"code":0,"msg":"接收成功"}`,
		"tencent": `{"result":0,"errmsg":"OK"}`,
		"http":    `{"ok":true}`,
	} {
		if got := string(sms.InboundAck(kind)); got != want {
			t.Errorf("InboundAck(%s) = %s", kind, got)
		}
	}
}
