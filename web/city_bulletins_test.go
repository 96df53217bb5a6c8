package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// TestCity_Bulletins: the city reads each county's published half-month
// bulletin (a draft stays the county's), one county's bulletin on its own
// page, and is refused a period that is not a half-month, a county not in
// the deployment and an unpublished bulletin.
func TestCity_Bulletins(t *testing.T) {
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a, b := newApp(t, sqldbtest.Open(t, engine)), newApp(t, sqldbtest.Open(t, engine))
			const period = "2026-11-H2"
			draft, err := a.db.Reports.GenerateBulletin(sqldbtest.As(a.user("office")), period)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.db.Reports.PublishBulletin(sqldbtest.As(a.user("office")), period, draft.Version); err != nil {
				t.Fatal(err)
			}
			if _, err := b.db.Reports.GenerateBulletin(sqldbtest.As(b.user("office")), period); err != nil {
				t.Fatal(err)
			}
			accounts := &fakeCityAccounts{users: map[string]string{"city": "Sanlian@2021"}, tokens: map[string]*sanlian.User{}}
			city := web.NewCity(web.CityConfig{Name: "益阳市", Accounts: accounts, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
				Now: func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, sanlian.Shanghai) },
				Counties: func(context.Context) ([]web.CityCounty, error) {
					return []web.CityCounty{
						{Code: "430921", Name: "南县", Cockpit: b.db.Reports, Metrics: b.db.Reports, Bulletins: b.db.Reports},
						{Code: "430923", Name: "安化县", Cockpit: a.db.Reports, Metrics: a.db.Reports, Bulletins: a.db.Reports},
					}, nil
				}})
			get := func(path, cookie string) (int, string) {
				req := httptest.NewRequest("GET", "http://city.example.test"+path, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				rec := httptest.NewRecorder()
				city.ServeHTTP(rec, req)
				body, _ := io.ReadAll(rec.Body)
				return rec.Code, string(body)
			}
			req := httptest.NewRequest("POST", "http://city.example.test/login", strings.NewReader(url.Values{"username": {"city"}, "password": {"Sanlian@2021"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			city.ServeHTTP(rec, req)
			var cookie string
			for _, c := range rec.Result().Cookies() {
				cookie = c.Name + "=" + c.Value
			}
			if rec.Code != http.StatusSeeOther || cookie == "" {
				t.Fatalf("login: %d", rec.Code)
			}

			for _, path := range []string{"/bulletins", "/bulletins?period=" + period, "/bulletins?period_year=2026&period_month=11&period_part=H2"} {
				code, body := get(path, cookie)
				if code != 200 || !strings.Contains(body, "2026年11月下半月") || !strings.Contains(body, "2 个县（市、区）中 1 个已发布本期通报") {
					t.Fatalf("%s: %d %.800s", path, code, body)
				}
				if row := rowOf(t, body, "430923"); !strings.Contains(row, `href="/bulletins/430923/`+period+`"`) || !strings.Contains(row, "〔2026〕第1期") {
					t.Errorf("the published county's row: %s", row)
				}
				if row := rowOf(t, body, "430921"); !strings.Contains(row, "尚未发布") || strings.Contains(row, "/bulletins/430921") {
					t.Errorf("a draft is shown to the city: %s", row)
				}
			}
			code, body := get("/bulletins/430923/"+period, cookie)
			if code != 200 || !strings.Contains(body, "安化县 · 关于2026年11月下半月“我为群众办实事”半月督查情况的通报") ||
				!strings.Contains(body, `id="bulletin-units"`) || !strings.Contains(body, "问题明细只在县内系统中查看") {
				t.Fatalf("one bulletin: %d %.800s", code, body)
			}
			for _, c := range []struct {
				path, want string
				status     int
			}{
				{"/bulletins/430921/" + period, "南县尚未发布2026年11月下半月的半月督查通报", http.StatusNotFound},
				{"/bulletins/430999/" + period, "没有代码为“430999”", http.StatusNotFound},
				{"/bulletins?period=2026-11", "此处按半月选择", http.StatusBadRequest},
				{"/bulletins/430923/2026-11", "此处按半月选择", http.StatusBadRequest},
				{"/bulletins?period=2026-13-H1", "无效", http.StatusBadRequest},
				{"/bulletins?period_year=2026&period_month=12&period_part=H2", "还没有到", http.StatusBadRequest},
			} {
				if code, body := get(c.path, cookie); code != c.status || !strings.Contains(body, c.want) {
					t.Errorf("%s: %d %.400s", c.path, code, body)
				}
			}
			if code, _ := get("/bulletins", ""); code != http.StatusUnauthorized {
				t.Errorf("not signed in: %d", code)
			}
		})
	}
}
