package sms_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"sanlian/notify"
	"sanlian/sms"
	"sanlian/sms/smstest"
)

var (
	aliyunKeys  = sms.Keys{AccessKeyID: "LTAI5tTestKeyId", AccessKeySecret: "aliyun-secret-value", SignName: "安化县三联三清"}
	tencentKeys = sms.Keys{SecretID: "AKIDtestSecretId", SecretKey: "tencent-secret-value", SDKAppID: "1400006666", SignName: "安化县三联三清"}
	gwSecret    = "gateway-secret-value"
)

func message() *sms.Message {
	return &sms.Message{ID: 42, To: "13812345678", Event: "accepted", TemplateID: "SMS_465001234",
		Params: []sms.Param{{"number", "安化-2021-000007"}, {"unit", "县民政局"}},
		Text:   "【安化县三联三清】您反映的问题（安化-2021-000007）已由县民政局受理。"}
}

// quick is a client that gives up soon, for the Hang mode.
func quick() *http.Client { return &http.Client{Timeout: 300 * time.Millisecond} }

// provider starts the fake of kind and a provider of that kind pointed at
// it with keys.
func provider(t *testing.T, kind string, keys sms.Keys) (*smstest.Fake, sms.Provider) {
	t.Helper()
	var f *smstest.Fake
	switch kind {
	case "aliyun":
		f = smstest.NewAliyun(t, aliyunKeys)
	case "tencent":
		f = smstest.NewTencent(t, tencentKeys)
	default:
		f = smstest.NewHTTP(t, gwSecret)
	}
	p, err := sms.New(kind, f.URL, keys, quick())
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

// sendErr sends and wants an *sms.Error carrying code (when not empty)
// whose text leaks neither a secret nor the whole phone number.
func sendErr(t *testing.T, p sms.Provider, m *sms.Message, code string) *sms.Error {
	t.Helper()
	res, err := p.Send(context.Background(), m)
	var e *sms.Error
	if !errors.As(err, &e) {
		t.Fatalf("Send = %+v, %v; want *sms.Error", res, err)
	}
	if code != "" && e.Code != code {
		t.Fatalf("code %q, want %q (%v)", e.Code, code, err)
	}
	for _, secret := range []string{aliyunKeys.AccessKeySecret, tencentKeys.SecretKey, gwSecret, "-secret-value", m.To} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error %q contains %q", err, secret)
		}
	}
	if !strings.Contains(err.Error(), "短信发送失败") {
		t.Fatalf("error text %q", err)
	}
	return e
}

func TestAliyun_Send(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f, p := provider(t, "aliyun", aliyunKeys)
		res, err := p.Send(context.Background(), message())
		if err != nil {
			t.Fatal(err)
		}
		if res.ProviderID != "900001^0" || res.Status != 200 || res.Code != "OK" {
			t.Fatalf("result %+v", res)
		}
		// A second message gets a fresh nonce, which the fake insists on.
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
		got := f.Received()
		want := smstest.Received{ID: "42", To: "13812345678", SignName: "安化县三联三清", TemplateID: "SMS_465001234",
			Params: []sms.Param{{"number", "安化-2021-000007"}, {"unit", "县民政局"}}}
		if len(got) != 2 || !reflect.DeepEqual(got[0], want) {
			t.Fatalf("received %+v", got)
		}
	})
	t.Run("Err500", func(t *testing.T) {
		f, p := provider(t, "aliyun", aliyunKeys)
		f.SetMode(smstest.Fail500)
		if e := sendErr(t, p, message(), ""); e.Status != 500 || e.Permanent {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		f, p := provider(t, "aliyun", aliyunKeys)
		f.SetMode(smstest.Hang)
		if e := sendErr(t, p, message(), ""); e.Status != 0 || !strings.Contains(e.Message, "超时") {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrProviderCode", func(t *testing.T) {
		f, p := provider(t, "aliyun", aliyunKeys)
		f.SetMode(smstest.ProviderError)
		if e := sendErr(t, p, message(), smstest.AliyunLimitCode); e.Status != 200 || e.Permanent {
			t.Fatalf("error %+v", e)
		}
		if len(f.Received()) != 0 {
			t.Fatal("recorded a refused message")
		}
	})
	t.Run("ErrSignature", func(t *testing.T) {
		f, p := provider(t, "aliyun", sms.Keys{AccessKeyID: aliyunKeys.AccessKeyID, AccessKeySecret: "wrong-secret-value", SignName: aliyunKeys.SignName})
		sendErr(t, p, message(), "SignatureDoesNotMatch")
		if len(f.Received()) != 0 {
			t.Fatal("took a badly signed message")
		}
	})
	t.Run("ErrAccessKeyID", func(t *testing.T) {
		_, p := provider(t, "aliyun", sms.Keys{AccessKeyID: "LTAIother", AccessKeySecret: aliyunKeys.AccessKeySecret, SignName: aliyunKeys.SignName})
		if e := sendErr(t, p, message(), "InvalidAccessKeyId.NotFound"); e.Status != 404 {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrSignName", func(t *testing.T) {
		k := aliyunKeys
		k.SignName = "别的签名"
		_, p := provider(t, "aliyun", k)
		sendErr(t, p, message(), "isv.SMS_SIGNATURE_ILLEGAL")
	})
	t.Run("ErrNotJSON", func(t *testing.T) {
		f, p := provider(t, "aliyun", aliyunKeys)
		f.Respond(200, "text/html", "<html>OK</html>")
		sendErr(t, p, message(), "")
		f.Respond(200, "application/json", `{"Message":"OK"}`) // no Code: not an answer of SendSms
		sendErr(t, p, message(), "")
	})
	t.Run("ErrPermanent", func(t *testing.T) {
		f, p := provider(t, "aliyun", aliyunKeys)
		f.Respond(200, "application/json", `{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"非法手机号 13812345678"}`)
		if e := sendErr(t, p, message(), "isv.MOBILE_NUMBER_ILLEGAL"); !e.Permanent || !strings.Contains(e.Message, "138****5678") {
			t.Fatalf("error %+v", e)
		}
	})
}

func TestTencent_Send(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f, p := provider(t, "tencent", tencentKeys)
		res, err := p.Send(context.Background(), message())
		if err != nil {
			t.Fatal(err)
		}
		if res.ProviderID != "2640:1000001" || res.Status != 200 || res.Code != "Ok" {
			t.Fatalf("result %+v", res)
		}
		want := []smstest.Received{{ID: "42", To: "+8613812345678", SignName: "安化县三联三清", TemplateID: "SMS_465001234",
			Params: []sms.Param{{Value: "安化-2021-000007"}, {Value: "县民政局"}}}}
		if got := f.Received(); !reflect.DeepEqual(got, want) {
			t.Fatalf("received %+v", got)
		}
	})
	t.Run("Err500", func(t *testing.T) {
		f, p := provider(t, "tencent", tencentKeys)
		f.SetMode(smstest.Fail500)
		if e := sendErr(t, p, message(), ""); e.Status != 500 {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		f, p := provider(t, "tencent", tencentKeys)
		f.SetMode(smstest.Hang)
		sendErr(t, p, message(), "")
	})
	t.Run("ErrProviderCode", func(t *testing.T) {
		f, p := provider(t, "tencent", tencentKeys)
		f.SetMode(smstest.ProviderError)
		if e := sendErr(t, p, message(), smstest.TencentLimitCode); e.Permanent {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrSignature", func(t *testing.T) {
		k := tencentKeys
		k.SecretKey = "wrong-secret-value"
		f, p := provider(t, "tencent", k)
		sendErr(t, p, message(), "AuthFailure.SignatureFailure")
		if len(f.Received()) != 0 {
			t.Fatal("took a badly signed message")
		}
	})
	t.Run("ErrSecretID", func(t *testing.T) {
		k := tencentKeys
		k.SecretID = "AKIDother"
		_, p := provider(t, "tencent", k)
		sendErr(t, p, message(), "AuthFailure.SecretIdNotFound")
	})
	t.Run("ErrSdkAppID", func(t *testing.T) {
		k := tencentKeys
		k.SDKAppID = "1400000000"
		_, p := provider(t, "tencent", k)
		sendErr(t, p, message(), "InvalidParameterValue.SdkAppIdNotExist")
	})
	t.Run("ErrOneStatusFailed", func(t *testing.T) {
		f, p := provider(t, "tencent", tencentKeys)
		f.Respond(200, "application/json", `{"Response":{"SendStatusSet":[{"SerialNo":"1","Code":"Ok"},`+
			`{"SerialNo":"","Code":"InvalidParameterValue.IncorrectPhoneNumber","Message":"incorrect number +8613812345678"}],"RequestId":"r"}}`)
		if e := sendErr(t, p, message(), "InvalidParameterValue.IncorrectPhoneNumber"); !e.Permanent {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrEmptyStatus", func(t *testing.T) {
		f, p := provider(t, "tencent", tencentKeys)
		f.Respond(200, "application/json", `{"Response":{"SendStatusSet":[],"RequestId":"r"}}`)
		sendErr(t, p, message(), "")
	})
	t.Run("ErrNotJSON", func(t *testing.T) {
		f, p := provider(t, "tencent", tencentKeys)
		f.Respond(200, "text/plain", "ok")
		sendErr(t, p, message(), "")
	})
}

func TestGateway_Send(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		f, p := provider(t, "http", sms.Keys{Secret: gwSecret})
		m := message()
		res, err := p.Send(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		if res.ProviderID != "gw-1" || res.Status != 200 || res.Code != "ok" {
			t.Fatalf("result %+v", res)
		}
		want := []smstest.Received{{ID: "42", To: "13812345678", TemplateID: "SMS_465001234", Params: m.Params, Text: m.Text, Event: "accepted"}}
		if got := f.Received(); !reflect.DeepEqual(got, want) {
			t.Fatalf("received %+v", got)
		}
	})
	t.Run("OKAnswers", func(t *testing.T) {
		f, p := provider(t, "http", sms.Keys{Secret: gwSecret})
		for _, a := range []struct {
			status      int
			body, id    string
			contentType string
		}{
			{200, "OK", "", "text/plain"},
			{204, "", "", "text/plain"},
			{202, `{"code":0,"id":17}`, "17", "application/json"},
			{200, `{"code":"OK","id":"a1"}`, "a1", "application/json"},
			{200, `{"queued":true}`, "", "application/json"},
		} {
			f.Respond(a.status, a.contentType, a.body)
			res, err := p.Send(context.Background(), message())
			if err != nil || res.ProviderID != a.id || res.Status != a.status {
				t.Errorf("answer %d %q: %+v %v", a.status, a.body, res, err)
			}
		}
	})
	t.Run("Err500", func(t *testing.T) {
		f, p := provider(t, "http", sms.Keys{Secret: gwSecret})
		f.SetMode(smstest.Fail500)
		sendErr(t, p, message(), "")
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		f, p := provider(t, "http", sms.Keys{Secret: gwSecret})
		f.SetMode(smstest.Hang)
		sendErr(t, p, message(), "")
	})
	t.Run("ErrProviderCode", func(t *testing.T) {
		f, p := provider(t, "http", sms.Keys{Secret: gwSecret})
		f.SetMode(smstest.ProviderError)
		if e := sendErr(t, p, message(), smstest.GatewayLimitCode); !strings.Contains(e.Message, "发送过于频繁") {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrSignature", func(t *testing.T) {
		f, p := provider(t, "http", sms.Keys{Secret: "wrong-secret-value"})
		if e := sendErr(t, p, message(), ""); e.Status != 401 {
			t.Fatalf("error %+v", e)
		}
		if len(f.Received()) != 0 {
			t.Fatal("took a badly signed message")
		}
	})
	t.Run("ErrAnswers", func(t *testing.T) {
		f, p := provider(t, "http", sms.Keys{Secret: gwSecret})
		for _, body := range []string{`{"ok":false}`, `{"ok":"yes"}`, `{"code":1,"msg":"余额不足"}`, `{"code":"FAIL"}`, `{"ok":true,`} {
			f.Respond(200, "application/json", body)
			if _, err := p.Send(context.Background(), message()); err == nil {
				t.Errorf("answer %s taken as sent", body)
			}
		}
	})
	t.Run("ErrConnection", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		target := srv.URL + "/send?token=topsecret"
		srv.Close()
		p, err := sms.New("http", target, sms.Keys{Secret: gwSecret}, quick())
		if err != nil {
			t.Fatal(err)
		}
		e := sendErr(t, p, message(), "")
		if strings.Contains(e.Error(), "topsecret") || !strings.Contains(e.Message, "连接失败") {
			t.Fatalf("error %v", e)
		}
	})
	t.Run("WireFormat", func(t *testing.T) {
		var body []byte
		var hdr http.Header
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ = io.ReadAll(r.Body)
			hdr = r.Header.Clone()
		}))
		defer srv.Close()
		p, err := sms.New("http", srv.URL+"/send", sms.Keys{Secret: gwSecret}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
		want := `{"id":42,"to":"13812345678","text":"【安化县三联三清】您反映的问题（安化-2021-000007）已由县民政局受理。","event":"accepted",` +
			`"template":"SMS_465001234","params":[{"name":"number","value":"安化-2021-000007"},{"name":"unit","value":"县民政局"}]}`
		if string(body) != want {
			t.Fatalf("body\n got %s\nwant %s", body, want)
		}
		ts := hdr.Get("X-Sanlian-Timestamp")
		if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)) > time.Minute {
			t.Fatalf("timestamp %q", ts)
		}
		if hdr.Get("X-Sanlian-Signature") != notify.Sign(gwSecret, ts, body) || hdr.Get("X-Sanlian-Event") != "accepted" ||
			hdr.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("headers %v", hdr)
		}
	})
	t.Run("SameSignatureAsWebhooks", func(t *testing.T) {
		body := []byte(`{"id":1}`)
		if sms.Sign("k", "1700000000", body) != notify.Sign("k", "1700000000", body) {
			t.Fatal("gateway and webhook signatures differ")
		}
	})
}

// Messages no provider could send are refused before any request.
func TestSend_BadMessage(t *testing.T) {
	long := strings.Repeat("字", sms.DefaultMaxRunes+1)
	for _, kind := range []string{"aliyun", "tencent", "http"} {
		keys := map[string]sms.Keys{"aliyun": aliyunKeys, "tencent": tencentKeys, "http": {Secret: gwSecret}}[kind]
		f, p := provider(t, kind, keys)
		cases := map[string]*sms.Message{
			"Nil":         nil,
			"ShortNumber": {To: "1381234567", TemplateID: "T", Text: "x"},
			"Landline":    {To: "07377221234", TemplateID: "T", Text: "x"},
			"Plus86":      {To: "+8613812345678", TemplateID: "T", Text: "x"},
			"TooLong":     {To: "13812345678", TemplateID: "T", Text: long},
		}
		if kind == "http" {
			cases["NoText"] = &sms.Message{To: "13812345678", Text: " "}
		} else {
			cases["NoTemplate"] = &sms.Message{To: "13812345678", Event: "resolved", Text: "x"}
		}
		for name, m := range cases {
			_, err := p.Send(context.Background(), m)
			var e *sms.Error
			if !errors.As(err, &e) || !e.Permanent {
				t.Errorf("%s %s: %v", kind, name, err)
			}
			if m != nil && strings.Contains(err.Error(), "13812345678") {
				t.Errorf("%s %s: error shows the number: %v", kind, name, err)
			}
		}
		if n := len(f.Received()); n != 0 {
			t.Errorf("%s: %d bad messages reached the provider", kind, n)
		}
	}
}

// capture answers every request with answer and keeps the last one.
func capture(t *testing.T, answer string) (endpoint string, last func() (*http.Request, []byte)) {
	var req *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		req = r.Clone(context.Background())
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", func() (*http.Request, []byte) { return req, body }
}

// The requests as the providers' documents spell them, independent of the
// fakes, which share the request types.
func TestSend_WireFormat(t *testing.T) {
	t.Run("Aliyun", func(t *testing.T) {
		u, last := capture(t, `{"Code":"OK","Message":"OK","BizId":"1^0","RequestId":"r"}`)
		p, err := sms.New("aliyun", u, aliyunKeys, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
		r, body := last()
		form, err := url.ParseQuery(string(body))
		if err != nil || r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Fatalf("%s %s %v", r.Method, r.Header.Get("Content-Type"), err)
		}
		for k, v := range map[string]string{"Action": "SendSms", "Version": "2017-05-25", "Format": "JSON", "RegionId": "cn-hangzhou",
			"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "AccessKeyId": aliyunKeys.AccessKeyID,
			"PhoneNumbers": "13812345678", "SignName": "安化县三联三清", "TemplateCode": "SMS_465001234", "OutId": "42",
			"TemplateParam": `{"number":"安化-2021-000007","unit":"县民政局"}`} {
			if got := form.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if len(form.Get("SignatureNonce")) < 16 || form.Get("Signature") == "" || strings.Contains(string(body), aliyunKeys.AccessKeySecret) {
			t.Errorf("form %v", form)
		}
		if _, err := time.Parse("2006-01-02T15:04:05Z", form.Get("Timestamp")); err != nil {
			t.Errorf("Timestamp %q", form.Get("Timestamp"))
		}
	})
	t.Run("Tencent", func(t *testing.T) {
		u, last := capture(t, `{"Response":{"SendStatusSet":[{"SerialNo":"s","Code":"Ok"}],"RequestId":"r"}}`)
		k := tencentKeys
		k.Region = "ap-nanjing"
		p, err := sms.New("tencent", u, k, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
		r, body := last()
		want := `{"PhoneNumberSet":["+8613812345678"],"SmsSdkAppId":"1400006666","SignName":"安化县三联三清","TemplateId":"SMS_465001234",` +
			`"TemplateParamSet":["安化-2021-000007","县民政局"],"SessionContext":"42"}`
		if string(body) != want {
			t.Fatalf("body\n got %s\nwant %s", body, want)
		}
		for h, v := range map[string]string{"X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Region": "ap-nanjing",
			"Content-Type": "application/json; charset=utf-8"} {
			if got := r.Header.Get(h); got != v {
				t.Errorf("%s = %q, want %q", h, got, v)
			}
		}
		ts, _ := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
		date := time.Unix(ts, 0).UTC().Format("2006-01-02")
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/"+date+"/sms/tc3_request, SignedHeaders=content-type;host, Signature=") {
			t.Errorf("Authorization %q", auth)
		}
	})
}
