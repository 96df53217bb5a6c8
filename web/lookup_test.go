package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// rawDB opens a second connection on the test's database, to read the
// lookup codes the SMS queue holds (the resident reads them on the phone).
func rawDB(t *testing.T, db *sqldb.DB) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+strings.TrimPrefix(db.DSN, "file:")+"?_pragma=busy_timeout(10000)"
	if db.Dialect == sqldb.Postgres {
		driver, dsn = "pgx", db.DSN
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

var otpRE = regexp.MustCompile(`\d{6}`)

// sentCodes are the lookup codes queued by SMS, oldest first.
func sentCodes(t *testing.T, raw *sql.DB) []string {
	t.Helper()
	rows, err := raw.Query(`SELECT text FROM resident_messages WHERE event = 'lookup_code' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, otpRE.FindString(s))
	}
	return out
}

// lookupFields reads the lookup form's challenge on GET /track and
// answers it for phone.
func lookupFields(t *testing.T, b *browser, phone string) url.Values {
	t.Helper()
	res, body := b.get("/track")
	m, bits := challengeRE.FindStringSubmatch(body), bitsRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil || bits == nil || !strings.Contains(body, `id="lookup-form"`) || !strings.Contains(body, `for="lookup-phone"`) {
		t.Fatalf("track form without the lookup form: %d %s", res.StatusCode, body)
	}
	ch := html.UnescapeString(m[1])
	var n int
	fmt.Sscan(bits[1], &n)
	return url.Values{"phone": {phone}, "challenge": {ch}, "nonce": {web.SolveChallenge(ch, n)}}
}

// TestLookup_Pages: tracking by phone through the pages, with the bad
// inputs of each step.
func TestLookup_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newPublicApp(t, db, web.Config{})
		raw := rawDB(t, db)
		const phone = "13912345678"
		code := a.submitOK("村口的路灯坏了一个多月", phone)
		b := a.browser()

		for _, bad := range []string{"0731-7221234", "1391234567", "139abc45678"} {
			res, body := b.post("/track/lookup", lookupFields(t, b, bad))
			if res.StatusCode != 422 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "11 位手机号") ||
				!strings.Contains(body, `value="`+html.EscapeString(bad)+`"`) {
				t.Fatalf("phone %q: %d %s", bad, res.StatusCode, body)
			}
		}
		res, sent := b.post("/track/lookup", lookupFields(t, b, phone))
		if res.StatusCode != 202 || !strings.Contains(sent, sanlian.LookupSent) || !strings.Contains(sent, `for="lookup-code"`) {
			t.Fatalf("request: %d %s", res.StatusCode, sent)
		}
		if codes := sentCodes(t, raw); len(codes) != 1 {
			t.Fatalf("codes sent: %v", codes)
		}
		// A phone without problems: the same page, and no SMS.
		const stranger = "15800002222"
		res, other := b.post("/track/lookup", lookupFields(t, b, stranger))
		if res.StatusCode != 202 || strings.ReplaceAll(other, stranger, phone) != sent {
			t.Fatalf("a phone without problems answered otherwise: %d %s", res.StatusCode, other)
		}
		codes := sentCodes(t, raw)
		if len(codes) != 1 {
			t.Fatalf("an SMS went to a phone without problems: %v", codes)
		}
		otp := codes[0]
		wrong := "000000"
		if otp == wrong {
			wrong = "111111"
		}
		res, body := b.post("/track/lookup/verify", url.Values{"phone": {phone}, "code": {wrong}})
		if res.StatusCode != 422 || !strings.Contains(body, "还可以再试 4 次") || !strings.Contains(body, `role="alert"`) {
			t.Fatalf("wrong code: %d %s", res.StatusCode, body)
		}
		res, body = b.post("/track/lookup/verify", url.Values{"phone": {phone}, "code": {otp}})
		if res.StatusCode != 200 || !strings.Contains(body, `href="/track/`+code+`"`) || !strings.Contains(body, "待受理") ||
			!strings.Contains(body, "139****5678") {
			t.Fatalf("list: %d %s", res.StatusCode, body)
		}
		for _, secret := range []string{"路灯", "王阿姨", phone} {
			if strings.Contains(body, secret) {
				t.Errorf("the list shows %q", secret)
			}
		}
		res, body = b.post("/track/lookup/verify", url.Values{"phone": {phone}, "code": {otp}})
		if res.StatusCode != 422 || !strings.Contains(body, "已经使用过") {
			t.Fatalf("reused: %d %s", res.StatusCode, body)
		}
		// Within the minute, no second code for the phone.
		res, body = b.post("/track/lookup", lookupFields(t, b, phone))
		if res.StatusCode != 429 || !strings.Contains(body, "秒后") {
			t.Fatalf("second code within a minute: %d %s", res.StatusCode, body)
		}
	})
}

// apiChallenge answers a fresh challenge of the API.
func apiChallenge(t *testing.T, a *app) (string, string) {
	t.Helper()
	_, body := a.do("GET", "/api/v1/public/challenge", "", "")
	var ch web.Challenge
	if err := json.Unmarshal([]byte(body), &ch); err != nil {
		t.Fatal(err)
	}
	return ch.Challenge, web.SolveChallenge(ch.Challenge, ch.Bits)
}

func lookupBody(t *testing.T, a *app, phone string) string {
	ch, nonce := apiChallenge(t, a)
	b, _ := json.Marshal(map[string]string{"phone": phone, "challenge": ch, "nonce": nonce})
	return string(b)
}

// TestLookup_API: the JSON API, its errors as problem+json, the lock
// after five wrong codes, an expired code and the client's limit.
func TestLookup_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newPublicApp(t, db, web.Config{})
		raw := rawDB(t, db)
		const phone = "13912345678"
		code := a.submitOK("村口的路灯坏了一个多月", phone)
		now := time.Now()
		db.Now = func() time.Time { return now }

		problemJSON := func(res *http.Response, body string, status int, want string) {
			t.Helper()
			if res.StatusCode != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, want) {
				t.Fatalf("want %d %q: %d %s %s", status, want, res.StatusCode, res.Header.Get("Content-Type"), body)
			}
		}
		res, body := a.do("POST", "/api/v1/public/lookup", "", lookupBody(t, a, "12345"))
		problemJSON(res, body, 422, "11 位手机号")
		res, body = a.do("POST", "/api/v1/public/lookup", "", `{"phone":"13912345678"}`)
		problemJSON(res, body, 403, "缺少安全验证")

		res, body = a.do("POST", "/api/v1/public/lookup", "", lookupBody(t, a, phone))
		if res.StatusCode != 202 || !strings.Contains(body, sanlian.LookupSent) {
			t.Fatalf("request: %d %s", res.StatusCode, body)
		}
		otp := sentCodes(t, raw)[0]
		res, body = a.do("POST", "/api/v1/public/lookup/verify", "", `{"phone":"13912345678","code":"`+otp+`"}`)
		var out struct {
			Items []map[string]any `json:"items"`
		}
		json.Unmarshal([]byte(body), &out)
		if res.StatusCode != 200 || len(out.Items) != 1 || out.Items[0]["tracking_code"] != code || out.Items[0]["state_label"] != "待受理" || len(out.Items[0]) != 4 {
			t.Fatalf("verify: %d %s", res.StatusCode, body)
		}

		t.Run("ErrExpired", func(t *testing.T) {
			now = now.Add(2 * time.Minute)
			res, body := a.do("POST", "/api/v1/public/lookup", "", lookupBody(t, a, phone))
			if res.StatusCode != 202 {
				t.Fatalf("request: %d %s", res.StatusCode, body)
			}
			codes := sentCodes(t, raw)
			now = now.Add(sanlian.LookupCodeTTL + time.Second)
			res, body = a.do("POST", "/api/v1/public/lookup/verify", "", `{"phone":"13912345678","code":"`+codes[len(codes)-1]+`"}`)
			problemJSON(res, body, 422, "已过期")
		})
		t.Run("ErrLocked", func(t *testing.T) {
			now = now.Add(2 * time.Minute)
			res, _ := a.do("POST", "/api/v1/public/lookup", "", lookupBody(t, a, phone))
			if res.StatusCode != 202 {
				t.Fatalf("request: %d", res.StatusCode)
			}
			codes := sentCodes(t, raw)
			right := codes[len(codes)-1]
			wrong := "000000"
			if right == wrong {
				wrong = "111111"
			}
			for i := 1; i < sanlian.LookupMaxWrong; i++ {
				res, body := a.do("POST", "/api/v1/public/lookup/verify", "", `{"phone":"13912345678","code":"`+wrong+`"}`)
				problemJSON(res, body, 422, fmt.Sprintf("还可以再试 %d 次", sanlian.LookupMaxWrong-i))
			}
			res, body := a.do("POST", "/api/v1/public/lookup/verify", "", `{"phone":"13912345678","code":"`+wrong+`"}`)
			problemJSON(res, body, 429, "已锁定")
			res, body = a.do("POST", "/api/v1/public/lookup/verify", "", `{"phone":"13912345678","code":"`+right+`"}`)
			problemJSON(res, body, 429, "已锁定")
		})
		t.Run("ErrClient", func(t *testing.T) {
			// This client asked for 3 codes already; 10 an hour in all.
			for i := 3; i < sanlian.LookupPerClientHour; i++ {
				res, body := a.do("POST", "/api/v1/public/lookup", "", lookupBody(t, a, fmt.Sprintf("1500000%04d", i)))
				if res.StatusCode != 202 {
					t.Fatalf("code %d: %d %s", i+1, res.StatusCode, body)
				}
			}
			res, body := a.do("POST", "/api/v1/public/lookup", "", lookupBody(t, a, "15100000000"))
			problemJSON(res, body, 429, "一小时后")
		})
	})
}

// postForm sends a submission as multipart with every field given, from
// browser b (its cookies too).
func postForm(t *testing.T, b *browser, fields url.Values) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.a.ts.URL+"/submit", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, string(out)
}

// TestSubmit_NotifySMS: the consent to SMS on the form, its receipt, and
// the link on the problem's page that ends it.
func TestSubmit_NotifySMS(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newPublicApp(t, db, web.Config{})
		b := a.browser()
		if _, body := b.get("/submit"); !strings.Contains(body, `id="notify_sms"`) || !strings.Contains(body, "接收办理进度短信（需填写手机号）") {
			t.Fatalf("no SMS consent on the form: %s", body)
		}
		before := a.tracked()
		f := a.openForm("").fields("桥上的护栏松动了很危险", "0731-7221234")
		f.Set("notify_sms", "1")
		res, body := postForm(t, b, f)
		if res.StatusCode != 422 || !strings.Contains(body, "接收短信告知，请填写 11 位手机号") || !strings.Contains(body, "桥上的护栏松动了很危险") || a.tracked() != before {
			t.Fatalf("SMS with a landline: %d %s", res.StatusCode, body)
		}
		f = a.openForm("").fields("桥上的护栏松动了很危险", "13912345678")
		f.Set("notify_sms", "1")
		res, body = postForm(t, b, f)
		m := codeRE.FindStringSubmatch(body)
		if res.StatusCode != 200 || m == nil || !strings.Contains(body, "办理进度将以短信告知") {
			t.Fatalf("receipt: %d %s", res.StatusCode, body)
		}
		code := strings.ReplaceAll(m[1], "-", "")
		if _, body := b.get("/track/" + code); !strings.Contains(body, `action="/track/`+code+`/unsubscribe"`) || !strings.Contains(body, `for="unsub_last4"`) {
			t.Fatalf("no unsubscribe form: %s", body)
		}
		res, body = b.post("/track/"+code+"/unsubscribe", url.Values{"phone_last4": {"0000"}})
		if res.StatusCode != 404 || !strings.Contains(body, "后四位不正确") || !strings.Contains(body, `role="alert"`) {
			t.Fatalf("wrong digits: %d %s", res.StatusCode, body)
		}
		res, _ = b.post("/track/"+code+"/unsubscribe", url.Values{"phone_last4": {"5678"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/track/"+code+"?unsubscribed=1" {
			t.Fatalf("unsubscribe: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if _, body := b.get("/track/" + code + "?unsubscribed=1"); !strings.Contains(body, "已退订") || strings.Contains(body, "/unsubscribe\"") {
			t.Fatalf("after unsubscribing: %s", body)
		}
		// Without consent: no SMS line on the receipt, no form.
		res, body = postForm(t, b, a.openForm("").fields("另一处护栏也松动了", "13912345678"))
		m = codeRE.FindStringSubmatch(body)
		if res.StatusCode != 200 || m == nil || !strings.Contains(body, "您未选择短信告知") {
			t.Fatalf("receipt without SMS: %d %s", res.StatusCode, body)
		}
		if _, body := b.get("/track/" + strings.ReplaceAll(m[1], "-", "")); strings.Contains(body, "不再接收短信") {
			t.Error("unsubscribe offered without consent")
		}
		// The JSON API takes notify_sms.
		ch, nonce := apiChallenge(t, a)
		res, body = a.do("POST", "/api/v1/public/problems", "", fmt.Sprintf(`{"category":"transport","village":%q,"description":"路面塌陷需要修补",
			"reporter_phone":"13912345678","consent":true,"notify_sms":true,"challenge":%q,"nonce":%q}`, sqldbtest.VillageA, ch, nonce))
		var rec struct {
			Code string `json:"tracking_code"`
		}
		json.Unmarshal([]byte(body), &rec)
		if res.StatusCode != 201 {
			t.Fatalf("API submission: %d %s", res.StatusCode, body)
		}
		if _, body := a.do("GET", "/api/v1/public/problems/"+rec.Code, "", ""); !strings.Contains(body, `"notify_sms":true`) {
			t.Fatalf("API consent not kept: %s", body)
		}
	})
}

// fakeOAuth stands for WeChat's OAuth: the code "good" is the OpenID
// oRESIDENT1.
type fakeOAuth struct{ exchanged int }

func (f *fakeOAuth) OAuthURL(redirect, state string) string {
	return "https://open.weixin.qq.com/connect/oauth2/authorize?" + url.Values{"appid": {"wxTEST"}, "redirect_uri": {redirect},
		"response_type": {"code"}, "scope": {"snsapi_base"}, "state": {state}}.Encode() + "#wechat_redirect"
}

func (f *fakeOAuth) ExchangeCode(_ context.Context, code string) (string, error) {
	f.exchanged++
	if code != "good" {
		return "", fmt.Errorf("invalid code")
	}
	return "oRESIDENT1", nil
}

// TestWechat_Entry: from WeChat's link the form goes once through OAuth,
// keeps the OpenID in a signed HttpOnly cookie, offers WeChat messages,
// and puts the OpenID on the submission only from a cookie of ours.
func TestWechat_Entry(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newPublicApp(t, db, web.Config{})
		// No WeChat app: the form, with no WeChat choice.
		b := a.browser()
		if res, body := b.get("/submit?via=wechat"); res.StatusCode != 200 || strings.Contains(body, "notify_wechat") {
			t.Fatalf("without a WeChat app: %d", res.StatusCode)
		}
		fake := &fakeOAuth{}
		a.srv.Wechat = fake

		res, _ := b.get("/submit?via=wechat")
		loc, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != 302 || loc == nil || loc.Host != "open.weixin.qq.com" || loc.Query().Get("scope") != "snsapi_base" ||
			loc.Query().Get("redirect_uri") != a.ts.URL+"/wechat/oauth" {
			t.Fatalf("entry: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		state := loc.Query().Get("state")
		// The portal's form is not sent round.
		if res, _ := b.get("/submit"); res.StatusCode != 200 {
			t.Fatalf("portal form: %d", res.StatusCode)
		}
		// A forged state or a bad code: back to the form, no cookie.
		for _, q := range []string{"code=good&state=9999999999.forged", "code=bad&state=" + url.QueryEscape(state)} {
			res, _ := b.get("/wechat/oauth?" + q)
			if res.StatusCode != 303 || res.Header.Get("Location") != "/submit?via=wechat&oauth=1" || len(res.Cookies()) != 0 {
				t.Fatalf("%s: %d %s %v", q, res.StatusCode, res.Header.Get("Location"), res.Cookies())
			}
		}
		res, _ = b.get("/wechat/oauth?code=good&state=" + url.QueryEscape(state))
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "sanlian_wx" {
				cookie = c
			}
		}
		if res.StatusCode != 303 || cookie == nil || !cookie.HttpOnly || !strings.HasPrefix(cookie.Value, "oRESIDENT1.") {
			t.Fatalf("oauth: %d %+v", res.StatusCode, cookie)
		}
		// Once through: the form, with the WeChat choice.
		res, body := b.get("/submit?via=wechat")
		if res.StatusCode != 200 || !strings.Contains(body, `id="notify_wechat"`) || !strings.Contains(body, "通过微信接收办理进度") {
			t.Fatalf("form after oauth: %d %s", res.StatusCode, body)
		}
		f := a.openForm("?via=wechat&oauth=1").fields("村里的自来水浑浊不能喝", "13912345678")
		f.Set("notify_wechat", "1")
		res, body = postForm(t, b, f)
		if res.StatusCode != 200 || !strings.Contains(body, "也将通过微信告知") {
			t.Fatalf("submission through WeChat: %d %s", res.StatusCode, body)
		}
		raw := rawDB(t, db)
		var stored string
		if err := raw.QueryRow(`SELECT wechat_openid FROM problems WHERE description = '村里的自来水浑浊不能喝'`).Scan(&stored); err != nil || stored == "" {
			t.Fatalf("OpenID not stored: %q %v", stored, err)
		}
		if db.Encrypted() && strings.Contains(stored, "oRESIDENT1") {
			t.Errorf("OpenID stored in clear: %q", stored)
		}

		// A forged cookie: refused, with the text kept and nothing entered.
		forger := a.browser()
		u, _ := url.Parse(a.ts.URL)
		forger.c.Jar.SetCookies(u, []*http.Cookie{{Name: "sanlian_wx", Value: "oSOMEONEELSE.c2lnbmF0dXJl", Path: "/"}})
		if res, body := forger.get("/submit?via=wechat&oauth=1"); res.StatusCode != 200 || strings.Contains(body, `id="notify_wechat"`) {
			t.Fatalf("forged cookie offered WeChat: %d", res.StatusCode)
		}
		before := a.tracked()
		f = a.openForm("?via=wechat&oauth=1").fields("冒用别人的微信身份提交", "13912345678")
		f.Set("notify_wechat", "1")
		res, body = postForm(t, forger, f)
		if res.StatusCode != 422 || !strings.Contains(body, "微信身份校验未通过") || !strings.Contains(body, "冒用别人的微信身份提交") || a.tracked() != before {
			t.Fatalf("forged cookie: %d %s", res.StatusCode, body)
		}
	})
}
