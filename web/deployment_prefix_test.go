package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// prefixed is a deployment of two counties reached only through the
// shared host's /c/<code>/ prefix.
type prefixed struct {
	a, b *app
	ts   *httptest.Server
}

func newPrefixed(t *testing.T, engine string) *prefixed {
	t.Helper()
	p := &prefixed{a: newPublicApp(t, sqldbtest.Open(t, engine), web.Config{}), b: newPublicApp(t, sqldbtest.Open(t, engine), web.Config{})}
	servers := map[string]*app{"430923": p.a, "430921": p.b}
	dep := web.NewDeployment(web.DeploymentConfig{BaseHost: "example.test", Log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		City: http.NotFoundHandler(),
		Counties: func(ctx context.Context) ([]sanlian.DeployedCounty, error) {
			return []sanlian.DeployedCounty{{Code: "430921", Name: "南县"}, {Code: "430923", Name: "安化县"}}, nil
		},
		County: func(ctx context.Context, code string) (http.Handler, error) {
			if a, ok := servers[code]; ok {
				return a.srv, nil
			}
			return nil, sanlian.Errorf(sanlian.ENOTFOUND, "no county %s", code)
		}})
	p.ts = httptest.NewServer(dep)
	t.Cleanup(p.ts.Close)
	return p
}

// do sends a request to the shared host example.test.
func (p *prefixed) do(t *testing.T, method, path, ctype string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, p.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "example.test"
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// form opens the submission form under prefix and returns a filled-in,
// solved submission as a multipart body.
func (p *prefixed) form(t *testing.T, prefix, desc string) (ctype string, body *bytes.Buffer, page string) {
	t.Helper()
	res, page := p.do(t, "GET", prefix+"/submit", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("%s/submit: %d %.300s", prefix, res.StatusCode, page)
	}
	m, b := challengeRE.FindStringSubmatch(page), bitsRE.FindStringSubmatch(page)
	if m == nil || b == nil {
		t.Fatalf("no challenge in %.500s", page)
	}
	var bits int
	fmt.Sscan(b[1], &bits)
	f := publicForm{challenge: html.UnescapeString(m[1]), bits: bits, via: "web"}.fields(desc, "13912345678")
	body = &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	for k, vs := range f {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), body, page
}

// TestDeployment_PeopleUnderPrefix: on the shared host, /c/<code>/ serves
// that county's people's side with every link kept under the prefix, a
// submission lands in that county alone, and the staff's pages redirect
// to the county's own host.
func TestDeployment_PeopleUnderPrefix(t *testing.T) {
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			p := newPrefixed(t, engine)
			ctype, body, page := p.form(t, "/c/430923", "村口路灯坏了一个月，晚上走路看不见")
			for _, want := range []string{`action="/c/430923/submit"`, `href="/c/430923/track"`, `href="/c/430923/results"`,
				`href="/c/430923/submit?elder=1"`} {
				if !strings.Contains(page, want) {
					t.Errorf("the form lacks %s", want)
				}
			}
			// Every address the page names is under the prefix.
			for _, m := range regexp.MustCompile(`(?:href|src|action|data-echarts)="(/[^"]*)"`).FindAllStringSubmatch(page, -1) {
				if !strings.HasPrefix(m[1], "/c/430923/") {
					t.Errorf("an address outside the prefix: %s", m[1])
				}
			}
			css := regexp.MustCompile(`href="(/c/430923/static/app\.css[^"]*)"`).FindStringSubmatch(page)
			if css == nil {
				t.Fatal("no stylesheet under the prefix")
			}
			if res, _ := p.do(t, "GET", html.UnescapeString(css[1]), "", nil); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
				t.Fatalf("stylesheet under the prefix: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}

			res, receipt := p.do(t, "POST", "/c/430923/submit", ctype, body)
			code := codeRE.FindStringSubmatch(receipt)
			if res.StatusCode != 200 || code == nil {
				t.Fatalf("submission under the prefix: %d %.500s", res.StatusCode, receipt)
			}
			raw := strings.ReplaceAll(code[1], "-", "")
			if !strings.Contains(receipt, `href="/c/430923/track/`+raw+`"`) {
				t.Errorf("the receipt's tracking link is not under the prefix: %.800s", receipt)
			}
			if p.a.tracked() != 1 || p.b.tracked() != 0 {
				t.Fatalf("the submission went to %d (安化县) and %d (南县), want 1 and 0", p.a.tracked(), p.b.tracked())
			}
			if res, page := p.do(t, "GET", "/c/430923/track/"+raw, "", nil); res.StatusCode != 200 || !strings.Contains(page, "村口路灯") {
				t.Fatalf("tracking under the prefix: %d %.300s", res.StatusCode, page)
			}

			t.Run("ErrOtherCountysCode", func(t *testing.T) {
				res, page := p.do(t, "GET", "/c/430921/track/"+raw, "", nil)
				if res.StatusCode != http.StatusNotFound || strings.Contains(page, "村口路灯") {
					t.Fatalf("A's code at B: %d %.300s", res.StatusCode, page)
				}
			})
			t.Run("ErrOtherCountysChallenge", func(t *testing.T) {
				ctype, body, _ := p.form(t, "/c/430923", "一份拿到甲县题目却送到乙县的反映")
				res, page := p.do(t, "POST", "/c/430921/submit", ctype, body)
				if res.StatusCode < 400 || res.StatusCode >= 500 || p.b.tracked() != 0 || p.a.tracked() != 1 {
					t.Fatalf("A's challenge at B: %d, tracked %d/%d %.300s", res.StatusCode, p.a.tracked(), p.b.tracked(), page)
				}
			})
			t.Run("FrontDoor", func(t *testing.T) {
				res, _ := p.do(t, "GET", "/c/430921/?via=wechat", "", nil)
				if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/c/430921/submit?via=wechat" {
					t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Location"))
				}
			})
			t.Run("StaffRedirectsToHost", func(t *testing.T) {
				res, _ := p.do(t, "GET", "/c/430921/login?next=%2Fproblems", "", nil)
				if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "http://430921.example.test/login?next=%2Fproblems" {
					t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Location"))
				}
			})
			t.Run("ErrUnknownCounty", func(t *testing.T) {
				res, page := p.do(t, "GET", "/c/430999/submit", "", nil)
				if res.StatusCode != http.StatusNotFound || !strings.Contains(page, "没有代码为") {
					t.Fatalf("got %d %.200s", res.StatusCode, page)
				}
			})
		})
	}
}

// TestCity_LoginThrottled: an address that has used up its failed logins
// at the city's login is refused, even with the right password, until
// its bucket refills; another address is not.
func TestCity_LoginThrottled(t *testing.T) {
	logins := &fakeCityAccounts{users: map[string]string{"city": "Sanlian@2021"}, tokens: map[string]*sanlian.User{}}
	city := web.NewCity(web.CityConfig{Name: "益阳市", Accounts: logins, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		Limits:   map[string]web.Limit{web.BucketLoginFail: {Every: time.Hour, Burst: 3}},
		Counties: func(context.Context) ([]web.CityCounty, error) { return nil, nil }})
	login := func(addr, password string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "http://city.example.test/login", strings.NewReader("username=city&password="+password))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr + ":40000"
		rec := httptest.NewRecorder()
		city.ServeHTTP(rec, req)
		return rec
	}
	for i := range 3 {
		if rec := login("203.0.113.9", "wrong"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, rec.Code)
		}
	}
	rec := login("203.0.113.9", "Sanlian@2021")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), sanlian.LoginRefused) ||
		rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("the throttled address: %d %q %.300s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	if rec := login("203.0.113.10", "Sanlian@2021"); rec.Code != http.StatusSeeOther {
		t.Fatalf("another address: %d %.300s", rec.Code, rec.Body.String())
	}
}
