package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// twoCounties builds two county servers on their own databases: 430923
// with three problems, 430921 with one, as a deployment's top-level
// handler would find them, and the city server over them.
type twoCounties struct {
	a, b   *app
	city   *web.CityServer
	dep    *web.Deployment
	ts     *httptest.Server
	client *http.Client
	logins *fakeCityAccounts
}

func newTwoCounties(t *testing.T, engine string) *twoCounties {
	t.Helper()
	tc := &twoCounties{a: newApp(t, sqldbtest.Open(t, engine)), b: newApp(t, sqldbtest.Open(t, engine))}
	for _, title := range []string{"甲县村道塌方", "甲县路灯不亮", "甲县饮水困难"} {
		tc.a.mustProblem(title)
	}
	tc.b.mustProblem("乙县河堤破损")
	servers := map[string]*app{"430923": tc.a, "430921": tc.b}
	names := map[string]string{"430923": "安化县", "430921": "南县"}
	tc.logins = &fakeCityAccounts{users: map[string]string{"city": "Sanlian@2021"}, tokens: map[string]*sanlian.User{}}
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	tc.city = web.NewCity(web.CityConfig{Name: "益阳市", Accounts: tc.logins, Log: log,
		Counties: func(ctx context.Context) ([]web.CityCounty, error) {
			var out []web.CityCounty
			for _, code := range []string{"430921", "430923"} {
				db := servers[code].db
				out = append(out, web.CityCounty{Code: code, Name: names[code], Cockpit: db.Reports, Metrics: db.Reports})
			}
			return out, nil
		}})
	tc.dep = web.NewDeployment(web.DeploymentConfig{BaseHost: "example.test", City: tc.city, Log: log,
		Counties: func(ctx context.Context) ([]sanlian.DeployedCounty, error) {
			return []sanlian.DeployedCounty{{Code: "430921", Name: "南县"}, {Code: "430923", Name: "安化县", Hosts: []string{"anhua.example.test"}}}, nil
		},
		County: func(ctx context.Context, code string) (http.Handler, error) {
			if a, ok := servers[code]; ok {
				return a.srv, nil
			}
			return nil, sanlian.Errorf(sanlian.ENOTFOUND, "no county %s", code)
		}})
	tc.ts = httptest.NewServer(tc.dep)
	t.Cleanup(tc.ts.Close)
	tc.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return tc
}

// mustProblem enters a problem as the cadre.
func (a *app) mustProblem(title string) {
	a.t.Helper()
	_, err := a.db.Problems.CreateProblem(sqldbtest.As(a.user("cadre")), &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
		Title: title, Description: title + "，群众反映强烈", ReporterName: "刘大爷", ReporterPhone: "13912345678"})
	if err != nil {
		a.t.Fatal(err)
	}
}

// user is SmallCounty's account of that name.
func (a *app) user(name string) *sanlian.User {
	a.t.Helper()
	us, err := a.db.Accounts.FindUsers(sanlian.NewSystemContext(context.Background()))
	if err != nil {
		a.t.Fatal(err)
	}
	for _, u := range us {
		if u.Username == name {
			return u
		}
	}
	a.t.Fatalf("no user %s", name)
	return nil
}

// get sends a request to the deployment with the given Host header.
func (tc *twoCounties) send(t *testing.T, method, host, path, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, tc.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := tc.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestDeployment_Hosts(t *testing.T) {
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			tc := newTwoCounties(t, engine)
			tokA := tc.a.login("office")
			auth := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
			t.Run("ByCode", func(t *testing.T) {
				res, body := tc.send(t, "GET", "430923.example.test", "/api/v1/problems", "", auth(tokA)...)
				if res.StatusCode != 200 || !strings.Contains(body, "甲县村道塌方") || strings.Contains(body, "乙县") {
					t.Fatalf("A's problems at A's host: %d %.300s", res.StatusCode, body)
				}
			})
			t.Run("ByListedHost", func(t *testing.T) {
				res, body := tc.send(t, "GET", "anhua.example.test:8080", "/api/v1/problems", "", auth(tokA)...)
				if res.StatusCode != 200 || !strings.Contains(body, "甲县饮水困难") {
					t.Fatalf("A's listed host: %d %.300s", res.StatusCode, body)
				}
			})
			t.Run("ErrTokenAtOtherCounty", func(t *testing.T) {
				res, body := tc.send(t, "GET", "430921.example.test", "/api/v1/problems", "", auth(tokA)...)
				if res.StatusCode != http.StatusUnauthorized || strings.Contains(body, "甲县") {
					t.Fatalf("A's token at B: %d %.300s", res.StatusCode, body)
				}
			})
			t.Run("PublicSubmitForm", func(t *testing.T) {
				res, body := tc.send(t, "GET", "430921.example.test", "/submit", "")
				if res.StatusCode != 200 || !strings.Contains(body, `action="/submit"`) {
					t.Fatalf("B's submit form: %d %.300s", res.StatusCode, body)
				}
			})
			t.Run("PrefixRedirects", func(t *testing.T) {
				res, _ := tc.send(t, "GET", "example.test:8080", "/c/430923/problems?state=open", "")
				if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "http://430923.example.test:8080/problems?state=open" {
					t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Location"))
				}
			})
			t.Run("ErrUnknownCounty", func(t *testing.T) {
				for _, c := range []struct{ host, path string }{
					{"430999.example.test", "/submit"}, {"example.test", "/c/430999/submit"}, {"example.test", "/c/abc/submit"},
					{"nosuch.example.test", "/"},
				} {
					res, body := tc.send(t, "GET", c.host, c.path, "")
					if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "没有代码为") {
						t.Errorf("%s%s: %d %.200s", c.host, c.path, res.StatusCode, body)
					}
				}
			})
			t.Run("Index", func(t *testing.T) {
				res, body := tc.send(t, "GET", "example.test:8080", "/", "")
				if res.StatusCode != 200 || !strings.Contains(body, "http://430921.example.test:8080/submit") || !strings.Contains(body, "安化县") ||
					!strings.Contains(body, "http://city.example.test:8080/") {
					t.Fatalf("index: %d %.500s", res.StatusCode, body)
				}
			})
		})
	}
}

// fakeCityAccounts keeps the city's accounts in memory (the real ones
// are sqldb.Deployment's, tested there on PostgreSQL).
type fakeCityAccounts struct {
	mu     sync.Mutex
	users  map[string]string
	tokens map[string]*sanlian.User
}

func (f *fakeCityAccounts) CityLogin(ctx context.Context, username, password string) (string, *sanlian.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pw, ok := f.users[username]; !ok || pw != password {
		return "", nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, sanlian.LoginRefused)
	}
	tok := "tok-" + username + "-" + time.Now().Format("150405.000000000")
	u := &sanlian.User{Username: username, DisplayName: "益阳市办公室", Role: sanlian.RoleCityOffice}
	f.tokens[tok] = u
	return tok, u, nil
}

func (f *fakeCityAccounts) CityAuthenticate(ctx context.Context, token string) (*sanlian.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.tokens[token]; ok {
		return u, nil
	}
	return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "请先登录")
}

func (f *fakeCityAccounts) CityLogout(ctx context.Context, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.tokens, token)
	return nil
}

// cityLogin logs in at the city host and returns the session cookie.
func (tc *twoCounties) cityLogin(t *testing.T) string {
	t.Helper()
	res, body := tc.send(t, "POST", "city.example.test", "/login", url.Values{"username": {"city"}, "password": {"Sanlian@2021"}}.Encode())
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("city login: %d %.300s", res.StatusCode, body)
	}
	for _, c := range res.Cookies() {
		if c.Name == "sanlian_city" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatal("no city cookie")
	return ""
}

func TestCity(t *testing.T) {
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			tc := newTwoCounties(t, engine)
			t.Run("ErrNotSignedIn", func(t *testing.T) {
				res, _ := tc.send(t, "GET", "city.example.test", "/", "")
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
					t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Location"))
				}
				res, body := tc.send(t, "GET", "city.example.test", "/ranking", "")
				if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "请先以市级办公室账号登录") {
					t.Fatalf("got %d %.200s", res.StatusCode, body)
				}
			})
			t.Run("ErrWrongPassword", func(t *testing.T) {
				res, body := tc.send(t, "POST", "city.example.test", "/login", "username=city&password=wrong")
				if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, sanlian.LoginRefused) {
					t.Fatalf("got %d %.300s", res.StatusCode, body)
				}
				res, body = tc.send(t, "POST", "city.example.test", "/login", "username=&password=")
				if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写用户名和密码") {
					t.Fatalf("got %d %.300s", res.StatusCode, body)
				}
			})
			cookie := tc.cityLogin(t)
			t.Run("Cockpit", func(t *testing.T) {
				res, body := tc.send(t, "GET", "city.example.test", "/", "", "Cookie", cookie)
				if res.StatusCode != 200 || !strings.Contains(body, "用时") || !strings.Contains(body, "毫秒") {
					t.Fatalf("got %d %.500s", res.StatusCode, body)
				}
				// Each county's row carries its own month's intake: 3 at A, 1 at B.
				for code, received := range map[string]string{"430923": "3", "430921": "1"} {
					row := rowOf(t, body, code)
					if !strings.Contains(row, `<td class="num" data-label="本月收件">`+received+`</td>`) {
						t.Errorf("%s: row %s, want %s received", code, row, received)
					}
				}
				if strings.Contains(body, "刘大爷") || strings.Contains(body, "139") || strings.Contains(body, "村道塌方") {
					t.Errorf("the city cockpit shows a problem's or a person's details: %.800s", body)
				}
			})
			t.Run("Ranking", func(t *testing.T) {
				res, body := tc.send(t, "GET", "city.example.test", "/ranking?period=2026-11-H1", "", "Cookie", cookie)
				if res.StatusCode != 200 || !strings.Contains(body, "用时") || !strings.Contains(body, "本期无办结问题") ||
					!strings.Contains(body, "安化县") || !strings.Contains(body, "南县") {
					t.Fatalf("got %d %.800s", res.StatusCode, body)
				}
			})
			t.Run("ErrBadPeriod", func(t *testing.T) {
				res, body := tc.send(t, "GET", "city.example.test", "/ranking?period=2026-13", "", "Cookie", cookie)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "无效") {
					t.Fatalf("got %d %.500s", res.StatusCode, body)
				}
			})
			t.Run("ErrCountyPages", func(t *testing.T) {
				for _, c := range []struct{ method, path string }{
					{"POST", "/api/v1/problems/1/reveal"}, {"POST", "/households/1/reveal"}, {"GET", "/households"},
					{"GET", "/problems/1"}, {"GET", "/api/v1/problems"}, {"GET", "/c/430923/problems"},
				} {
					res, body := tc.send(t, c.method, "city.example.test", c.path, "", "Cookie", cookie)
					if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "市级账号只能查看各县（市、区）的汇总数字") {
						t.Errorf("%s %s: %d %.300s", c.method, c.path, res.StatusCode, body)
					}
				}
			})
			t.Run("ErrCityCookieAtCounty", func(t *testing.T) {
				res, body := tc.send(t, "GET", "430923.example.test", "/api/v1/problems", "", "Cookie", cookie)
				if res.StatusCode != http.StatusUnauthorized || strings.Contains(body, "甲县") {
					t.Fatalf("the city's session at a county: %d %.300s", res.StatusCode, body)
				}
			})
			t.Run("Logout", func(t *testing.T) {
				res, _ := tc.send(t, "POST", "city.example.test", "/logout", "", "Cookie", cookie, "Origin", "http://city.example.test")
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("logout: %d", res.StatusCode)
				}
				if res, _ := tc.send(t, "GET", "city.example.test", "/ranking", "", "Cookie", cookie); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("after logout: %d", res.StatusCode)
				}
			})
		})
	}
}

// rowOf is the table row of a county on a city page.
func rowOf(t *testing.T, body, code string) string {
	t.Helper()
	i := strings.Index(body, `data-county="`+code+`"`)
	if i < 0 {
		t.Fatalf("no row for %s", code)
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

// TestPolicy_NoCityRole: no route of a county's server lets a city
// (or province) office in.
func TestPolicy_NoCityRole(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	for pattern, roles := range web.RouteRoles(a.srv) {
		for _, r := range roles {
			if r.IsCity() {
				t.Errorf("%s admits %s", pattern, r)
			}
		}
	}
}
