package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
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

// newPublicApp is newApp with the people's side tuned by cfg: a low proof
// of work and no least fill time unless cfg says otherwise.
func newPublicApp(t *testing.T, db *sqldb.DB, cfg web.Config) *app {
	t.Helper()
	if cfg.PowBits == 0 {
		cfg.PowBits = 4
	}
	if cfg.MinFill == 0 {
		cfg.MinFill = -1
	}
	return newAppConfig(t, db, cfg)
}

// publicForm is the submission form as the page hands it out.
type publicForm struct {
	challenge string
	bits      int
	via       string
}

var (
	challengeRE = regexp.MustCompile(`name="challenge" value="([^"]+)"`)
	bitsRE      = regexp.MustCompile(`data-bits="(\d+)"`)
	viaRE       = regexp.MustCompile(`name="via" value="([^"]*)"`)
	codeRE      = regexp.MustCompile(`id="tracking-code">([0-9A-Z]{5}-[0-9A-Z]{5})<`)
)

// openForm fetches GET /submit (with a query) and reads its challenge.
func (a *app) openForm(query string, hdr ...string) publicForm {
	a.t.Helper()
	res, body := a.do("GET", "/submit"+query, "", "", hdr...)
	if res.StatusCode != 200 {
		a.t.Fatalf("submit form: %d %s", res.StatusCode, body)
	}
	m, b, v := challengeRE.FindStringSubmatch(body), bitsRE.FindStringSubmatch(body), viaRE.FindStringSubmatch(body)
	if m == nil || b == nil || v == nil {
		a.t.Fatalf("submit form without challenge, bits or via: %s", body)
	}
	var bits int
	fmt.Sscan(b[1], &bits)
	return publicForm{challenge: html.UnescapeString(m[1]), bits: bits, via: v[1]}
}

// fields is a valid submission with the form's challenge solved.
func (f publicForm) fields(desc, phone string) url.Values {
	v := url.Values{
		"via": {f.via}, "challenge": {f.challenge}, "nonce": {web.SolveChallenge(f.challenge, f.bits)},
		"category": {"transport"}, "township": {sqldbtest.Dongping}, "village": {sqldbtest.VillageA},
		"description": {desc}, "website": {""},
	}
	if phone != "" {
		v.Set("reporter_name", "王阿姨")
		v.Set("reporter_phone", phone)
		v.Set("consent", "1")
	}
	return v
}

// photo is one photo part of a submission.
type photo struct {
	name string
	r    io.Reader
}

// postSubmit sends the form as a browser does: text fields, then photos.
func (a *app) postSubmit(fields url.Values, photos []photo, hdr ...string) (*http.Response, string) {
	a.t.Helper()
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for _, k := range []string{"via", "challenge", "nonce", "website", "category", "township", "village", "description", "reporter_name", "reporter_phone", "consent"} {
		for _, v := range fields[k] {
			mw.WriteField(k, v)
		}
	}
	readers := []io.Reader{&head}
	for _, p := range photos {
		var part bytes.Buffer
		fmt.Fprintf(&part, "\r\n--%s\r\nContent-Disposition: form-data; name=\"photos\"; filename=%q\r\nContent-Type: image/png\r\n\r\n", mw.Boundary(), p.name)
		if head.Len() == 0 {
			part.Next(2)
		}
		readers = append(readers, &part, p.r)
	}
	readers = append(readers, strings.NewReader("\r\n--"+mw.Boundary()+"--\r\n"))
	req, err := http.NewRequest("POST", a.ts.URL+"/submit", io.MultiReader(readers...))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, string(out)
}

// tracked counts the problems with a tracking code.
func (a *app) tracked() int {
	a.t.Helper()
	_, total, _, err := a.db.Public.FindTracked(sqldbtest.As(&sanlian.User{Username: "office", Role: sanlian.RoleOffice}), "", 1)
	if err != nil {
		a.t.Fatal(err)
	}
	return total
}

// submitOK submits a valid problem and returns its tracking code.
func (a *app) submitOK(desc, phone string, photos ...photo) string {
	a.t.Helper()
	res, body := a.postSubmit(a.openForm("").fields(desc, phone), photos)
	m := codeRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		a.t.Fatalf("submission: %d %s", res.StatusCode, body)
	}
	return strings.ReplaceAll(m[1], "-", "")
}

// problemIDOf is the office's id of the problem with the tracking code.
func (a *app) problemIDOf(code string) int64 {
	a.t.Helper()
	p, err := a.db.Public.TrackPublic(sanlian.NewPublicContext(context.Background()), code)
	if err != nil {
		a.t.Fatal(err)
	}
	res, body := a.do("GET", "/api/v1/problems?limit=200", a.token("office"), "")
	var out struct {
		Items []struct {
			ID     int64
			Number string
		}
	}
	json.Unmarshal([]byte(body), &out)
	for _, it := range out.Items {
		if it.Number == p.Number {
			return it.ID
		}
	}
	a.t.Fatalf("problem %s not listed: %d %s", p.Number, res.StatusCode, body)
	return 0
}

// resolve has the office assign, the cadre accept and resolve a problem.
func (a *app) resolve(id int64) {
	a.t.Helper()
	_, body := a.do("GET", fmt.Sprintf("/api/v1/problems/%d", id), a.token("office"), "")
	p := decode[apiProblem](a.t, body)
	for _, step := range []struct{ who, action, extra string }{
		{"office", "assign", `,"unit_id":1,"person_id":2`},
		{"cadre", "accept", ``},
		{"cadre", "resolve", `,"measures":"协调交通局修补","result":"路面已修补完毕"`},
	} {
		var status int
		status, body, p = a.problemAct(a.token(step.who), p, step.action, step.extra)
		if status != 200 {
			a.t.Fatalf("%s: %d %s", step.action, status, body)
		}
	}
}

func TestPublic_Journey(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newPublicApp(t, db, web.Config{})
		// From WeChat's link the source is wechat; an unknown via is the portal.
		if f := a.openForm("?via=wechat"); f.via != "wechat" {
			t.Errorf("via=wechat gave %q", f.via)
		}
		if f := a.openForm("?via=evil"); f.via != "portal" {
			t.Errorf("via=evil gave %q", f.via)
		}
		f := a.openForm("?via=wechat")
		res, body := a.postSubmit(f.fields("东坪镇黄沙坪村口的路面塌了一个大坑，晚上很危险", "13912345678"),
			[]photo{{"路面.png", bytes.NewReader(pngBytes(t, 40, 30))}})
		m := codeRE.FindStringSubmatch(body)
		if res.StatusCode != 200 || m == nil || !strings.Contains(body, "提交成功") || !strings.Contains(body, "1 张照片") {
			t.Fatalf("submission: %d %s", res.StatusCode, body)
		}
		code := strings.ReplaceAll(m[1], "-", "")
		id := a.problemIDOf(code)
		if atts, err := db.Problems.FindAttachments(sqldbtest.As(&sanlian.User{Username: "office", Role: sanlian.RoleOffice}), id); err != nil || len(atts) != 1 {
			t.Errorf("photos on the problem: %d, %v", len(atts), err)
		}
		_, body = a.do("GET", fmt.Sprintf("/api/v1/problems/%d", id), a.token("office"), "")
		if !strings.Contains(body, `"source":"wechat"`) {
			t.Errorf("source not wechat: %s", body)
		}

		// The same text from the same phone within a day is merged.
		before := a.tracked()
		res, body = a.postSubmit(a.openForm("").fields("东坪镇黄沙坪村口的路面塌了一个大坑，晚上很危险", "13912345678"), nil)
		if res.StatusCode != 200 || !strings.Contains(body, "此前已经收到") || !strings.Contains(body, m[1]) || a.tracked() != before {
			t.Errorf("repeat: %d, %d problems (was %d): %s", res.StatusCode, a.tracked(), before, body)
		}

		// Following: state and public notes, no phone or name.
		res, body = a.do("GET", "/track/"+strings.ToLower(m[1]), "", "")
		if res.StatusCode != 200 || !strings.Contains(body, "办理进度") || !strings.Contains(body, "路面塌了") ||
			strings.Contains(body, "13912345678") || strings.Contains(body, "5678") || strings.Contains(body, "王阿姨") {
			t.Errorf("tracking page: %d %s", res.StatusCode, body)
		}
		if strings.Contains(body, `action="/track/`+code+`/rate"`) {
			t.Error("rating form before resolution")
		}
		res, _ = a.do("GET", "/track?code="+url.QueryEscape(" "+strings.ToLower(m[1])), "", "")
		if res.StatusCode != 303 || res.Header.Get("Location") != "/track/"+code {
			t.Errorf("track form: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}

		// Rating before resolution is refused.
		res, body = a.do("POST", "/track/"+code+"/rate", "", "phone_last4=5678&solved=yes&satisfaction=satisfied")
		if res.StatusCode != 409 || !strings.Contains(body, "办结后才能评价") {
			t.Errorf("rating an open problem: %d %s", res.StatusCode, body)
		}
		a.resolve(id)
		_, body = a.do("GET", "/track/"+code, "", "")
		if !strings.Contains(body, `action="/track/`+code+`/rate"`) || !strings.Contains(body, "路面已修补完毕") {
			t.Errorf("resolved problem's page lacks the rating form or result: %s", body)
		}
		// A rating with a choice missing comes back with what was typed.
		res, body = a.do("POST", "/track/"+code+"/rate", "", "phone_last4=5678&solved=yes&comment=谢谢")
		if res.StatusCode != 422 || !strings.Contains(body, "请选择是否满意") || !strings.Contains(body, "谢谢") {
			t.Errorf("incomplete rating: %d %s", res.StatusCode, body)
		}
		res, _ = a.do("POST", "/track/"+code+"/rate", "", "phone_last4=5678&solved=yes&satisfaction=satisfied&comment="+url.QueryEscape("<script>alert(1)</script>修得很快"))
		if res.StatusCode != 303 {
			t.Fatalf("rating: %d", res.StatusCode)
		}
		_, body = a.do("GET", res.Header.Get("Location"), "", "")
		if !strings.Contains(body, "感谢您的评价") || !strings.Contains(body, "已解决 · 满意") || strings.Contains(body, "<script>alert") {
			t.Errorf("rated page: %s", body)
		}
		// The rating is the callback.
		_, body = a.do("GET", fmt.Sprintf("/api/v1/problems/%d", id), a.token("office"), "")
		if !strings.Contains(body, `"callback_solved":"yes"`) {
			t.Errorf("callback not recorded: %s", body)
		}
		res, body = a.do("POST", "/track/"+code+"/rate", "", "phone_last4=5678&solved=yes&satisfaction=satisfied")
		if res.StatusCode != 409 || !strings.Contains(body, "已经评价过") {
			t.Errorf("second rating: %d %s", res.StatusCode, body)
		}

		// The results page: totals, no phones or names.
		res, body = a.do("GET", "/results", "", "")
		if res.StatusCode != 200 || !strings.Contains(body, "成效公示") || !strings.Contains(body, `id="county-totals"`) ||
			strings.Contains(body, "13912345678") || strings.Contains(body, "王阿姨") {
			t.Errorf("results page: %d %s", res.StatusCode, body)
		}
	})
}

func TestPublic_API(t *testing.T) {
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{})
	res, body := a.do("GET", "/api/v1/public/form", "", "")
	if res.StatusCode != 200 || !strings.Contains(body, sqldbtest.VillageA) || !strings.Contains(body, `"transport"`) {
		t.Fatalf("form: %d %s", res.StatusCode, body)
	}
	res, body = a.do("GET", "/api/v1/public/challenge", "", "")
	ch := decode[web.Challenge](t, body)
	if res.StatusCode != 200 || ch.Bits != 4 || ch.Challenge == "" {
		t.Fatalf("challenge: %d %s", res.StatusCode, body)
	}
	sub := func(ch web.Challenge, nonce, extra string) (*http.Response, string) {
		return a.do("POST", "/api/v1/public/problems", "", fmt.Sprintf(`{"category":"transport","village":%q,
			"description":"村里的自来水三天没来了","reporter_phone":"13800001234","consent":true,
			"challenge":%q,"nonce":%q%s}`, sqldbtest.VillageA, ch.Challenge, nonce, extra))
	}
	res, body = sub(ch, web.SolveChallenge(ch.Challenge, ch.Bits), "")
	rec := decode[struct {
		Code   string `json:"tracking_code"`
		Merged bool
	}](t, body)
	if res.StatusCode != 201 || len(rec.Code) != 10 {
		t.Fatalf("submit: %d %s", res.StatusCode, body)
	}
	// Replayed.
	res, body = sub(ch, web.SolveChallenge(ch.Challenge, ch.Bits), "")
	if res.StatusCode != 409 || !hasHan(decode[problem](t, body).Detail) {
		t.Errorf("replayed challenge: %d %s", res.StatusCode, body)
	}
	res, body = a.do("GET", "/api/v1/public/problems/"+rec.Code, "", "")
	if res.StatusCode != 200 || !strings.Contains(body, `"source":"wechat"`) || strings.Contains(body, "1234") {
		t.Errorf("track: %d %s", res.StatusCode, body)
	}
	// Unknown fields, the honeypot, a bad source.
	_, body = a.do("GET", "/api/v1/public/challenge", "", "")
	ch = decode[web.Challenge](t, body)
	for _, c := range []struct {
		extra  string
		status int
	}{{`,"website":"http://spam"`, 422}, {`,"source":"visit"`, 422}, {`,"admin":true`, 400}} {
		res, body = sub(ch, web.SolveChallenge(ch.Challenge, ch.Bits), c.extra)
		if res.StatusCode != c.status || !hasHan(decode[problem](t, body).Detail) {
			t.Errorf("%s: %d %s", c.extra, res.StatusCode, body)
		}
	}
	a.resolve(a.problemIDOf(rec.Code))
	res, body = a.do("POST", "/api/v1/public/problems/"+rec.Code+"/rating", "", `{"phone_last4":"1234","solved":"partly","satisfaction":"basic"}`)
	if res.StatusCode != 200 || !strings.Contains(body, `"solved":"partly"`) {
		t.Errorf("rating: %d %s", res.StatusCode, body)
	}
	res, body = a.do("GET", "/api/v1/public/results", "", "")
	if res.StatusCode != 200 || !strings.Contains(body, `"county"`) || strings.Contains(body, "13800001234") {
		t.Errorf("results: %d %s", res.StatusCode, body)
	}
}

// TestPublic_BadInput: honeypot, too fast, forged, expired, replayed and
// unworked challenges, each refused in Chinese with the text kept and
// nothing entered.
func TestPublic_BadInput(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newPublicApp(t, db, web.Config{MinFill: 300 * time.Millisecond, Limits: map[string]web.Limit{web.BucketSubmit: web.PerMinute(60, 100)}})
	key, err := db.Public.PublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const desc = "村口的桥栏杆断了好几根"
	f := a.openForm("")
	time.Sleep(time.Second) // past the least fill time, and the next second for issue times
	now := time.Now()
	expired := web.SignChallenge(key, "old", now.Add(-time.Hour), now.Add(-time.Minute), 4)
	easy := web.SignChallenge(key, "easy", now.Add(-time.Minute), now.Add(time.Minute), 0)
	forged := web.SignChallenge([]byte("not-the-server-key-0123456789abc"), "forged", now.Add(-time.Minute), now.Add(time.Minute), 4)
	tampered := strings.Replace(f.challenge, ".4.", ".1.", 1)
	cases := []struct {
		name   string
		edit   func(v url.Values)
		status int
		want   string
	}{
		{"honeypot filled", func(v url.Values) { v.Set("website", "http://spam.example") }, 422, "提交未通过校验"},
		{"no challenge", func(v url.Values) { v.Del("challenge") }, 403, "缺少安全验证"},
		{"forged signature", func(v url.Values) { v.Set("challenge", forged); v.Set("nonce", web.SolveChallenge(forged, 4)) }, 403, "安全验证无效"},
		{"tampered difficulty", func(v url.Values) { v.Set("challenge", tampered); v.Set("nonce", web.SolveChallenge(tampered, 1)) }, 403, "安全验证无效"},
		{"below the server's difficulty", func(v url.Values) { v.Set("challenge", easy); v.Set("nonce", "0") }, 403, "安全验证无效"},
		{"expired", func(v url.Values) { v.Set("challenge", expired); v.Set("nonce", web.SolveChallenge(expired, 4)) }, 403, "已过期"},
		{"work not done", func(v url.Values) { v.Set("nonce", "") }, 403, "安全验证未通过"},
		{"wrong nonce", func(v url.Values) {
			// The solver answers the least nonce: any below it fails.
			if v.Get("nonce") != "0" {
				v.Set("nonce", "0")
			} else {
				v.Set("nonce", "x")
			}
		}, 403, "安全验证未通过"},
		{"bad village", func(v url.Values) { v.Set("village", "999") }, 422, "请选择所在乡镇"},
		{"phone without consent", func(v url.Values) { v.Del("consent") }, 422, "勾选同意"},
		{"not a photo", nil, 422, "照片只接收"},
	}
	for _, c := range cases {
		v := f.fields(desc, "13912345678")
		var photos []photo
		if c.edit != nil {
			c.edit(v)
		} else {
			photos = []photo{{"x.png", strings.NewReader("MZ this is a program, not a picture")}}
		}
		res, body := a.postSubmit(v, photos)
		if res.StatusCode != c.status || !strings.Contains(body, c.want) || !strings.Contains(body, desc) || !strings.Contains(body, "13912345678") {
			t.Errorf("%s: %d, want %d with %q and the text kept: %.300s", c.name, res.StatusCode, c.status, c.want, body)
		}
	}
	if n := a.tracked(); n != 0 {
		t.Fatalf("%d problems entered by refused submissions", n)
	}
	// The form's own challenge is still good: it was never spent.
	res, body := a.postSubmit(f.fields(desc, "13912345678"), nil)
	if res.StatusCode != 200 || !codeRE.MatchString(body) {
		t.Fatalf("good submission: %d %s", res.StatusCode, body)
	}
	// Replayed, even with other text.
	res, body = a.postSubmit(f.fields("另一个问题：路灯不亮了", ""), nil)
	if res.StatusCode != 409 || !strings.Contains(body, "已经提交过") || !strings.Contains(body, "路灯不亮了") {
		t.Errorf("replay: %d %.300s", res.StatusCode, body)
	}
	// Too fast: answered under the least fill time.
	f2 := a.openForm("")
	res, body = a.postSubmit(f2.fields("刚打开页面就提交的内容", ""), nil)
	if res.StatusCode != 403 || !strings.Contains(body, "提交过快") {
		t.Errorf("too fast: %d %.300s", res.StatusCode, body)
	}
	if n := a.tracked(); n != 1 {
		t.Errorf("%d problems, want 1", n)
	}
}

// TestPublic_HTMLStoredAsText: markup in every public field is kept as
// typed and escaped on the tracking page and on the office's page.
func TestPublic_HTMLStoredAsText(t *testing.T) {
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{})
	const desc = `<script>alert("x")</script><img src=x onerror=alert(1)> 路边的<b>垃圾</b>没人清`
	f := a.openForm("")
	v := f.fields(desc, "13912345678")
	v.Set("reporter_name", `<i>张</i>"三'`)
	res, body := a.postSubmit(v, nil)
	m := codeRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("submission: %d %s", res.StatusCode, body)
	}
	code := strings.ReplaceAll(m[1], "-", "")
	p, err := a.db.Public.TrackPublic(sanlian.NewPublicContext(context.Background()), code)
	if err != nil || p.Description != desc {
		t.Fatalf("stored description %q, %v", p.Description, err)
	}
	_, body = a.do("GET", "/track/"+code, "", "")
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || !strings.Contains(body, "&lt;script&gt;alert") {
		t.Errorf("tracking page does not escape: %s", body)
	}
	b := a.browser()
	b.login("office", sqldbtest.Password)
	_, page := b.get(fmt.Sprintf("/problems/%d", a.problemIDOf(code)))
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") || strings.Contains(page, "<i>张</i>") ||
		!strings.Contains(page, "&lt;script&gt;alert") {
		t.Errorf("office's page does not escape")
	}
}

// TestPublic_LargePhoto: a 50 MB photo is answered 413 in Chinese, the
// text comes back, nothing is entered; a fourth photo is refused too.
func TestPublic_LargePhoto(t *testing.T) {
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{})
	const desc = "河道里漂着很多垃圾，气味很大"
	big := io.MultiReader(bytes.NewReader(pngBytes(t, 10, 10)), io.LimitReader(zeros{}, 50<<20))
	res, body := a.postSubmit(a.openForm("").fields(desc, ""), []photo{{"大照片.png", big}})
	if res.StatusCode != 413 || !strings.Contains(body, "照片太大") || !strings.Contains(body, desc) {
		t.Errorf("50 MB photo: %d %.400s", res.StatusCode, body)
	}
	four := []photo{}
	for i := 0; i < 4; i++ {
		four = append(four, photo{fmt.Sprintf("%d.png", i), bytes.NewReader(pngBytes(t, 8, 8))})
	}
	res, body = a.postSubmit(a.openForm("").fields(desc, ""), four)
	if res.StatusCode != 422 || !strings.Contains(body, "最多上传 3 张") {
		t.Errorf("four photos: %d %.400s", res.StatusCode, body)
	}
	if n := a.tracked(); n != 0 {
		t.Errorf("%d problems entered", n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestPublic_NoOracle: an unknown code and a wrong phone's last four get
// the same answer, and guessing is rate limited.
func TestPublic_NoOracle(t *testing.T) {
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{Limits: map[string]web.Limit{web.BucketTrack: web.PerMinute(1, 20)}})
	code := a.submitOK("楼道里的灯坏了很久了", "13912345678")
	a.resolve(a.problemIDOf(code))
	guess := sanlian.NewTrackingCode()
	form := "solved=yes&satisfaction=satisfied&phone_last4="
	r1, b1 := a.do("POST", "/track/"+guess+"/rate", "", form+"5678")
	r2, b2 := a.do("POST", "/track/"+code+"/rate", "", form+"0000")
	r3, b3 := a.do("POST", "/track/"+code+"/rate", "", form)
	if r1.StatusCode != 404 || r2.StatusCode != 404 || r3.StatusCode != 404 || b1 != b2 || b2 != b3 || !strings.Contains(b1, "没有找到") {
		t.Errorf("unknown code %d, wrong last four %d, none %d; bodies equal %v %v", r1.StatusCode, r2.StatusCode, r3.StatusCode, b1 == b2, b2 == b3)
	}
	j1, c1 := a.do("POST", "/api/v1/public/problems/"+guess+"/rating", "", `{"phone_last4":"5678","solved":"yes","satisfaction":"satisfied"}`)
	j2, c2 := a.do("POST", "/api/v1/public/problems/"+code+"/rating", "", `{"phone_last4":"0000","solved":"yes","satisfaction":"satisfied"}`)
	if j1.StatusCode != 404 || j2.StatusCode != 404 || c1 != c2 {
		t.Errorf("API: unknown code %d %s, wrong last four %d %s", j1.StatusCode, c1, j2.StatusCode, c2)
	}
	// Guessing codes at random runs into the limit.
	refused := 0
	for i := 0; i < 40; i++ {
		res, body := a.do("GET", "/track/"+sanlian.NewTrackingCode(), "", "")
		switch res.StatusCode {
		case 404:
		case 429:
			refused++
			if res.Header.Get("Retry-After") == "" || !strings.Contains(body, "操作过于频繁") {
				t.Errorf("429 without Retry-After or Chinese: %s", body)
			}
		default:
			t.Fatalf("guess: %d", res.StatusCode)
		}
	}
	if refused < 19 {
		t.Errorf("%d of 40 guesses refused, want at least 19", refused)
	}
}

// TestPublic_Flood: a POST flood from one address is refused with 429
// while another client still submits; X-Forwarded-For counts only from a
// trusted proxy, and IPv6 clients are grouped by their /64.
func TestPublic_Flood(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	lim := map[string]web.Limit{web.BucketSubmit: web.PerMinute(1, 3)}
	// Not behind a proxy: a forged X-Forwarded-For changes nothing.
	a := newPublicApp(t, db, web.Config{Limits: lim})
	codes := 0
	for i := 0; i < 10; i++ {
		res, body := a.postSubmit(a.openForm("").fields(fmt.Sprintf("第 %d 次提交：村里的水渠堵了", i), ""), nil,
			"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		switch res.StatusCode {
		case 200:
			codes++
		case 429:
			if res.Header.Get("Retry-After") == "" || !strings.Contains(body, "操作过于频繁") {
				t.Errorf("429 without Retry-After or Chinese: %s", body)
			}
		default:
			t.Fatalf("flood %d: %d %s", i, res.StatusCode, body)
		}
	}
	if codes != 3 || a.tracked() != 3 {
		t.Errorf("%d accepted, %d entered; want 3 (the burst)", codes, a.tracked())
	}
	res, body := a.do("POST", "/api/v1/public/problems", "", `{}`)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !hasHan(decode[problem](t, body).Detail) {
		t.Errorf("API flood: %d %s", res.StatusCode, body)
	}

	// Behind a trusted proxy: each forwarded client has its own bucket, an
	// IPv6 /64 is one client.
	b := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{Limits: lim,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	send := func(client string, i int) int {
		res, _ := b.postSubmit(b.openForm("").fields(fmt.Sprintf("%s 第 %d 次：桥头路灯不亮", client, i), ""), nil,
			"X-Forwarded-For", "6.6.6.6, "+client)
		return res.StatusCode
	}
	for i := 0; i < 3; i++ {
		if s := send("2001:db8:1:1::1", i); s != 200 {
			t.Fatalf("first /64, submission %d: %d", i, s)
		}
	}
	if s := send("2001:db8:1:1:ffff::2", 9); s != 429 {
		t.Errorf("same /64, other address: %d, want 429", s)
	}
	if s := send("2001:db8:1:2::1", 0); s != 200 {
		t.Errorf("next /64: %d, want 200", s)
	}
	if s := send("203.0.113.5", 0); s != 200 {
		t.Errorf("another IPv4 client: %d, want 200", s)
	}
}

// fullResults is the people's side with a results page that has one of
// everything, for the page's template.
type fullResults struct{ sanlian.PublicService }

func (fullResults) PublicResults(context.Context) (*sanlian.PublicResults, error) {
	rate := 0.875
	tot := sanlian.PublicTotals{Code: sqldbtest.Dongping, Name: "东坪镇", Collected: 8, Resolved: 7, Closed: 6, Open: 1, Callbacks: 8, Solved: 7, Satisfied: 7,
		ResolvedRate: &rate, Satisfaction: &rate}
	county := tot
	county.Code, county.Name = "", "全县"
	return &sanlian.PublicResults{Since: time.Now().AddDate(-1, 0, 0), County: county, Townships: []sanlian.PublicTotals{tot},
		Closed: []sanlian.PublicClosed{{Number: "安化-2026-000001", CategoryName: "交通出行", TownshipName: "东坪镇", VillageName: "黄沙坪村",
			Title: "<b>村口</b>路面塌陷", Result: "已修补", UnitName: "县交通局", ClosedAt: time.Now(), Days: 3}},
		Projects:   []sanlian.PublicProject{{Name: "安全饮水", UnitName: "县水利局", Target: "全覆盖", Percent: 60, Status: "ongoing"}},
		Activities: []sanlian.PublicActivityTotal{{TypeName: "助老", Activities: 3, Volunteers: 20, Served: 45}},
		At:         time.Now()}, nil
}

func TestPublic_ResultsPage(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	sqldbtest.LoadSmall(t, db)
	srv := web.New(web.Services{Public: fullResults{db.Public}, Regions: db.Org, Problems: db.Problems, Users: db.Accounts},
		web.Config{Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	res, err := http.Get(ts.URL + "/results")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	for _, want := range []string{"88%", "东坪镇", "&lt;b&gt;村口&lt;/b&gt;路面塌陷", "用时 3 个工作日", "安全饮水", "进度 60%", "助老", ">45<", `data-chart="{&#34;names&#34;:[&#34;东坪镇&#34;]`} {
		if !strings.Contains(page, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	if res.StatusCode != 200 || strings.Contains(page, "ongoing") {
		t.Errorf("results page: %d, status code word shown", res.StatusCode)
	}
}

// TestPublic_RatePerCode: the phone's last four digits of one code cannot
// be tried from many addresses at once.
func TestPublic_RatePerCode(t *testing.T) {
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	code := a.submitOK("楼下的下水道堵了好几天", "13912345678")
	a.resolve(a.problemIDOf(code))
	try := func(code string, i int) int {
		res, _ := a.do("POST", "/track/"+code+"/rate", "", fmt.Sprintf("solved=yes&satisfaction=satisfied&phone_last4=%04d", i),
			"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		return res.StatusCode
	}
	for i := 0; i < 10; i++ {
		if s := try(code, i); s != 404 {
			t.Fatalf("try %d: %d, want 404", i, s)
		}
	}
	if s := try(code, 5678); s != 429 {
		t.Errorf("eleventh try on one code, even the right digits: %d, want 429", s)
	}
	if s := try(sanlian.NewTrackingCode(), 11); s != 404 {
		t.Errorf("another code: %d, want 404", s)
	}
}

// TestAuditIPBehindProxy: the audit log records the client a configured
// proxy forwarded, and the peer itself when the peer is not a proxy.
func TestAuditIPBehindProxy(t *testing.T) {
	for _, c := range []struct {
		trusted []netip.Prefix
		want    string
	}{
		{[]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "203.0.113.9"},
		{nil, "127.0.0.1"},
	} {
		a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{TrustedProxies: c.trusted})
		a.submitOK("村头的垃圾桶满了没人清运", "")
		res, _ := a.do("POST", "/api/v1/households", a.token("office"),
			`{"village":"`+sqldbtest.VillageA+`","head_name":"代理后","members":1}`, "X-Forwarded-For", "203.0.113.9")
		if res.StatusCode != 201 {
			t.Fatalf("create household: %d", res.StatusCode)
		}
		rows, _, err := a.db.FindAudit(sanlian.NewSystemContext(context.Background()), sanlian.AuditFilter{Entity: "household"})
		if err != nil || len(rows) == 0 {
			t.Fatalf("audit: %v", err)
		}
		if rows[0].IP != c.want {
			t.Errorf("trusted %v: audit IP %q, want %q", c.trusted, rows[0].IP, c.want)
		}
	}
}
