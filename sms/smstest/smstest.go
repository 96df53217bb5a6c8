// Package smstest runs stand-ins for Aliyun SMS, Tencent Cloud SMS and a
// county's SMS gateway on httptest servers. Each checks requests as the
// real service does — it recomputes the signature with the secret and
// refuses a mismatch in the service's own error format — records the
// messages it took, and can be switched to fail.
package smstest

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian/sms"
)

// Mode is how a fake answers a request that passes its checks.
type Mode int

// The modes a fake can be switched to.
const (
	OK            Mode = iota // take the message
	Fail500                   // answer HTTP 500
	Hang                      // answer nothing until the client gives up
	ProviderError             // answer 200 with the provider's error code (rate limit)
)

// Error codes the fakes answer in ProviderError mode.
const (
	AliyunLimitCode  = "isv.BUSINESS_LIMIT_CONTROL"
	TencentLimitCode = "LimitExceeded.PhoneNumberDailyLimit"
	GatewayLimitCode = "RATE_LIMIT"
)

// Received is one message a fake took.
type Received struct {
	ID         string      // OutId (Aliyun), SessionContext (Tencent), id (gateway)
	To         string      // as sent: 11 digits, or +86 and 11 digits for Tencent
	SignName   string      // clouds
	TemplateID string      // TemplateCode / TemplateId / template
	Params     []sms.Param // in the order sent; Tencent's have no names
	Text       string      // gateway
	Event      string      // gateway
}

// Fake is one running stand-in. URL is its endpoint.
type Fake struct {
	URL string

	srv    *httptest.Server
	kind   string
	keys   sms.Keys
	done   chan struct{}
	mu     sync.Mutex
	mode   Mode
	custom *answer
	got    []Received
	nonces map[string]bool
	seq    int
}

type answer struct {
	status      int
	contentType string
	body        string
}

func start(t testing.TB, kind string, keys sms.Keys) *Fake {
	f := &Fake{kind: kind, keys: keys, done: make(chan struct{}), nonces: map[string]bool{}}
	switch kind {
	case sms.KindAliyun:
		f.srv = httptest.NewServer(http.HandlerFunc(f.aliyun))
	case sms.KindTencent:
		f.srv = httptest.NewServer(http.HandlerFunc(f.tencent))
	default:
		f.srv = httptest.NewServer(http.HandlerFunc(f.gateway))
	}
	f.URL = f.srv.URL + "/"
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.done) }) // runs first: lets hanging handlers go
	return f
}

// NewAliyun starts a fake Aliyun SMS (dysmsapi SendSms) that knows keys'
// access key pair and sign name.
func NewAliyun(t testing.TB, keys sms.Keys) *Fake { return start(t, sms.KindAliyun, keys) }

// NewTencent starts a fake Tencent Cloud SMS (SendSms 2021-01-11) that
// knows keys' secret pair, SDK app id and sign name.
func NewTencent(t testing.TB, keys sms.Keys) *Fake { return start(t, sms.KindTencent, keys) }

// NewHTTP starts a fake county gateway that checks signatures with secret.
func NewHTTP(t testing.TB, secret string) *Fake {
	return start(t, sms.KindHTTP, sms.Keys{Secret: secret})
}

// SetMode switches how the fake answers from now on.
func (f *Fake) SetMode(m Mode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode, f.custom = m, nil
}

// Respond makes the fake answer every request that passes its checks with
// this status and body instead of its own answer, until SetMode. Messages
// answered so are not recorded.
func (f *Fake) Respond(status int, contentType, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.custom = &answer{status, contentType, body}
}

// Received returns the messages the fake took, in order.
func (f *Fake) Received() []Received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Received(nil), f.got...)
}

// before applies the server-trouble modes; it reports whether the request
// was answered.
func (f *Fake) before(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	mode := f.mode
	f.mu.Unlock()
	switch mode {
	case Fail500:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return true
	case Hang:
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
		return true
	}
	return false
}

// take records m and answers with the custom answer or ok, or the
// provider's error in ProviderError mode via limit.
func (f *Fake) take(w http.ResponseWriter, m Received, ok func(seq int), limit func()) {
	f.mu.Lock()
	mode, custom := f.mode, f.custom
	if custom == nil && mode == ProviderError {
		f.mu.Unlock()
		limit()
		return
	}
	f.seq++
	seq := f.seq
	if custom == nil {
		f.got = append(f.got, m)
	}
	f.mu.Unlock()
	if custom != nil {
		w.Header().Set("Content-Type", custom.contentType)
		w.WriteHeader(custom.status)
		io.WriteString(w, custom.body)
		return
	}
	ok(seq)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func requestID() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }

// aliyun serves dysmsapi's SendSms as an RPC call (GET query or POST form).
func (f *Fake) aliyun(w http.ResponseWriter, r *http.Request) {
	if f.before(w, r) {
		return
	}
	refuse := func(status int, code, msg string) {
		writeJSON(w, status, map[string]string{"Code": code, "Message": msg, "RequestId": requestID(), "HostId": "dysmsapi.aliyuncs.com"})
	}
	if err := r.ParseForm(); err != nil {
		refuse(400, "InvalidParameter", "The request body is malformed.")
		return
	}
	p := r.Form
	for _, name := range []string{"AccessKeyId", "Action", "Signature", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version"} {
		if p.Get(name) == "" {
			refuse(400, "MissingParameter", "The input parameter \""+name+"\" that is mandatory for processing this request is not supplied.")
			return
		}
	}
	if p.Get("Action") != "SendSms" || p.Get("Version") != sms.AliyunVersion {
		refuse(404, "InvalidVersion", "Specified parameter Version is not valid.")
		return
	}
	if p.Get("SignatureMethod") != "HMAC-SHA1" || p.Get("SignatureVersion") != "1.0" {
		refuse(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
		return
	}
	if p.Get("AccessKeyId") != f.keys.AccessKeyID {
		refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
		return
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", p.Get("Timestamp"))
	if err != nil {
		refuse(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
		return
	}
	if d := time.Since(ts); d > 15*time.Minute || d < -15*time.Minute {
		refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
		return
	}
	want := sms.AliyunSignature(r.Method, p, f.keys.AccessKeySecret)
	if !hmac.Equal([]byte(p.Get("Signature")), []byte(want)) {
		refuse(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
		return
	}
	f.mu.Lock()
	used := f.nonces[p.Get("SignatureNonce")]
	f.nonces[p.Get("SignatureNonce")] = true
	f.mu.Unlock()
	if used {
		refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
		return
	}
	m := Received{ID: p.Get("OutId"), To: p.Get("PhoneNumbers"), SignName: p.Get("SignName"), TemplateID: p.Get("TemplateCode")}
	switch {
	case m.To == "":
		refuse(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
		return
	case m.SignName != f.keys.SignName:
		refuse(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
		return
	case m.TemplateID == "":
		refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
		return
	}
	if tp := p.Get("TemplateParam"); tp != "" {
		if m.Params, err = orderedObject(tp); err != nil {
			refuse(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
			return
		}
	}
	f.take(w, m, func(seq int) {
		writeJSON(w, 200, map[string]string{"Code": "OK", "Message": "OK", "BizId": fmt.Sprintf("%d^0", 900000+seq), "RequestId": requestID()})
	}, func() {
		refuse(200, AliyunLimitCode, "触发小时级流控Permits:5")
	})
}

// orderedObject reads a JSON object of string values, keeping their order.
func orderedObject(s string) ([]sms.Param, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object")
	}
	var out []sms.Param
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		v, err := dec.Token()
		if err != nil {
			return nil, err
		}
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("not a string")
		}
		out = append(out, sms.Param{Name: ks, Value: vs})
	}
	return out, nil
}

// tencent serves SendSms of the TencentCloud API 3.0.
func (f *Fake) tencent(w http.ResponseWriter, r *http.Request) {
	if f.before(w, r) {
		return
	}
	refuse := func(code, msg string) {
		writeJSON(w, 200, map[string]any{"Response": map[string]any{"Error": map[string]string{"Code": code, "Message": msg}, "RequestId": requestID()}})
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		refuse("InvalidParameter", "The request must be a POST with a JSON body.")
		return
	}
	if r.Header.Get("X-TC-Action") != "SendSms" {
		refuse("InvalidAction", "Action not found.")
		return
	}
	if r.Header.Get("X-TC-Version") != sms.TencentVersion {
		refuse("NoSuchVersion", "The requested version does not exist or is not supported.")
		return
	}
	if r.Header.Get("X-TC-Region") == "" {
		refuse("InvalidParameter.MissingRegion", "The region is required.")
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		refuse("MissingParameter", "The request is missing a required parameter `Timestamp`.")
		return
	}
	if d := time.Since(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		refuse("AuthFailure.SignatureExpire", "Signature expired. Timestamp and server time cannot differ by more than 5 minutes.")
		return
	}
	auth := r.Header.Get("Authorization")
	cred, _, _ := strings.Cut(strings.TrimPrefix(auth, "TC3-HMAC-SHA256 Credential="), "/")
	if !strings.HasPrefix(auth, "TC3-HMAC-SHA256 ") || cred == "" {
		refuse("AuthFailure.InvalidAuthorization", "Authorization is invalid.")
		return
	}
	if cred != f.keys.SecretID {
		refuse("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
		return
	}
	if r.Header.Get("Content-Type") != sms.TencentContentType {
		refuse("AuthFailure.SignatureFailure", "The provided credentials could not be validated because of the content type.")
		return
	}
	want := sms.TencentAuthorization(f.keys.SecretID, f.keys.SecretKey, "sms", r.Host, ts, body)
	if !hmac.Equal([]byte(auth), []byte(want)) {
		refuse("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
		return
	}
	var req sms.TencentRequest
	if err := json.Unmarshal(body, &req); err != nil {
		refuse("InvalidParameter", "The JSON body is malformed.")
		return
	}
	switch {
	case req.SmsSdkAppID != f.keys.SDKAppID:
		refuse("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exist.")
		return
	case req.SignName != f.keys.SignName:
		refuse("FailedOperation.SignatureIncorrectOrUnapproved", "signature format is incorrect or signature is not approved")
		return
	case req.TemplateID == "":
		refuse("FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved or request content does not match the approved template content")
		return
	case len(req.PhoneNumberSet) == 0:
		refuse("MissingParameter", "The request is missing a required parameter `PhoneNumberSet`.")
		return
	}
	m := Received{ID: req.SessionContext, To: req.PhoneNumberSet[0], SignName: req.SignName, TemplateID: req.TemplateID}
	for _, v := range req.TemplateParamSet {
		m.Params = append(m.Params, sms.Param{Value: v})
	}
	status := func(serial, code, msg string, fee int) map[string]any {
		set := make([]map[string]any, 0, len(req.PhoneNumberSet))
		for _, n := range req.PhoneNumberSet {
			set = append(set, map[string]any{"SerialNo": serial, "PhoneNumber": n, "Fee": fee, "SessionContext": req.SessionContext,
				"Code": code, "Message": msg, "IsoCode": "CN"})
		}
		return map[string]any{"Response": map[string]any{"SendStatusSet": set, "RequestId": requestID()}}
	}
	f.take(w, m, func(seq int) {
		writeJSON(w, 200, status(fmt.Sprintf("2640:%d", 1000000+seq), "Ok", "send success", 1))
	}, func() {
		writeJSON(w, 200, status("", TencentLimitCode, "the number of SMS messages sent from a single mobile number every day exceeds the upper limit", 0))
	})
}

// gateway serves a county gateway's signed JSON endpoint.
func (f *Fake) gateway(w http.ResponseWriter, r *http.Request) {
	if f.before(w, r) {
		return
	}
	refuse := func(status int, msg string) {
		writeJSON(w, status, map[string]any{"ok": false, "message": msg})
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		refuse(405, "POST only")
		return
	}
	ts := r.Header.Get(sms.HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		refuse(401, "missing timestamp")
		return
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		refuse(401, "stale timestamp")
		return
	}
	if !hmac.Equal([]byte(r.Header.Get(sms.HeaderSignature)), []byte(sms.Sign(f.keys.Secret, ts, body))) {
		refuse(401, "signature mismatch")
		return
	}
	var m sms.GatewayMessage
	if err := json.Unmarshal(body, &m); err != nil || m.To == "" || m.Text == "" {
		refuse(400, "bad message")
		return
	}
	got := Received{ID: strconv.FormatInt(m.ID, 10), To: m.To, TemplateID: m.Template, Params: m.Params, Text: m.Text, Event: m.Event}
	f.take(w, got, func(seq int) {
		writeJSON(w, 200, map[string]any{"ok": true, "id": fmt.Sprintf("gw-%d", seq)})
	}, func() {
		writeJSON(w, 200, map[string]any{"code": GatewayLimitCode, "message": "发送过于频繁"})
	})
}
