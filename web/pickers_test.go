package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// pickerNow is the pages' clock in these tests: 2026-12-07 10:00 in
// Shanghai, inside the half-month 2026-12-H1.
var pickerNow = time.Date(2026, 12, 7, 10, 0, 0, 0, sanlian.Shanghai)

// pickerApp is an app whose pages and database run on pickerNow, with a
// browser logged in as user.
func pickerApp(t *testing.T, db *sqldb.DB, user string) (*app, *browser) {
	t.Helper()
	a := newAppConfig(t, db, web.Config{Now: func() time.Time { return pickerNow }})
	db.Now = func() time.Time { return pickerNow }
	b := a.browser()
	if res := b.login(user, sqldbtest.Password); res.StatusCode != 303 {
		t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	return a, b
}

// TestPeriodPicker_Bulletins: the office opens a bulletin by the picker's
// fields, by the code in links or by the Chinese words people type; an
// impossible period comes back with the field named and the choice kept.
func TestPeriodPicker_Bulletins(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, b := pickerApp(t, db, "office")
		for query, want := range map[string]string{
			"period_year=2026&period_month=11&period_part=H2": "/bulletins/2026-11-H2",
			"period_year=2026&period_month=12&period_part=H1": "/bulletins/2026-12-H1", // the half under way
			"period=2026-11-H1": "/bulletins/2026-11-H1",
			"period=" + url.QueryEscape("2026年11月下半月"): "/bulletins/2026-11-H2",
			"period=" + url.QueryEscape("2026年 3月上半月"): "/bulletins/2026-03-H1",
		} {
			if res, body := b.get("/bulletins?" + query); res.StatusCode != 303 || res.Header.Get("Location") != want {
				t.Errorf("%s: %d %s %s", query, res.StatusCode, res.Header.Get("Location"), body)
			}
		}
		for _, c := range []struct{ query, msg, kept string }{
			{"period_year=2026&period_month=13&period_part=H1", "通报期间：月份“13”无效，应为 1 到 12 月", `<option value="13" selected>13月</option>`},
			{"period=2026-13-H1", "通报期间：月份“13”无效", `<option value="13" selected>13月</option>`},
			{"period_year=2027&period_month=1&period_part=H1", "通报期间：2027年1月上半月无效：2027年还没有到", `<option value="2027" selected>2027年</option>`},
			{"period_year=2026&period_month=12&period_part=H2", "通报期间：2026年12月下半月还没有到，不能晚于本半月（2026年12月上半月）", `<option value="H2" selected>下半月</option>`},
			{"period=" + url.QueryEscape("2026年11月"), "通报期间：2026年11月无效：此处按半月选择", `<option value="11" selected>11月</option>`},
			{"period=" + url.QueryEscape("明年一月"), "通报期间：“明年一月”无法识别", `name="period_year"`},
			{"period_year=2026&period_month=11", "通报期间：请选择上半月或下半月", `<option value="11" selected>11月</option>`},
		} {
			res, body := b.get("/bulletins?" + c.query)
			if res.StatusCode != 400 || !strings.Contains(body, c.msg) || !strings.Contains(body, c.kept) {
				t.Errorf("%s: %d, want 400 with %q and %q kept", c.query, res.StatusCode, c.msg, c.kept)
			}
		}
		// The picker offers halves only, and opens on the last half that ended.
		_, body := b.get("/bulletins")
		if !strings.Contains(body, `<option value="11" selected>11月</option>`) || !strings.Contains(body, `<option value="H2" selected>下半月</option>`) ||
			strings.Contains(body, `value="M"`) || strings.Contains(body, `name="period" `) {
			t.Errorf("bulletins picker:\n%s", pickerHTML(body))
		}
	})
}

// TestPeriodPicker_MetricsAndSelfCriticisms: metrics take half-months and
// whole months; the self-criticisms filter may stay empty.
func TestPeriodPicker_MetricsAndSelfCriticisms(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, b := pickerApp(t, db, "office")
		for query, label := range map[string]string{
			"period_year=2026&period_month=11&period_part=M":  "2026年11月（2026-11-01 至 2026-11-30）",
			"period_year=2026&period_month=11&period_part=H1": "2026年11月上半月（2026-11-01 至 2026-11-15）",
			"period=" + url.QueryEscape("2026年10月下半月"):        "2026年10月下半月（2026-10-16 至 2026-10-31）",
			"period=2026-09": "2026年9月（2026-09-01 至 2026-09-30）",
		} {
			if res, body := b.get("/metrics?" + query); res.StatusCode != 200 || !strings.Contains(body, label) {
				t.Errorf("metrics %s: %d, want %q", query, res.StatusCode, label)
			}
		}
		_, body := b.get("/metrics")
		if !strings.Contains(body, `<option value="M">全月</option>`) || !strings.Contains(body, `<option value="H1" selected>上半月</option>`) {
			t.Errorf("metrics picker offers halves and months, on the current half:\n%s", pickerHTML(body))
		}
		for query, msg := range map[string]string{
			"period_year=2026&period_month=13&period_part=M": "统计期间：月份“13”无效",
			"period_year=2027&period_month=2&period_part=H1": "统计期间：2027年2月上半月无效：2027年还没有到",
			"period=2026-12-H2": "统计期间：2026年12月下半月还没有到",
		} {
			if res, body := b.get("/metrics?" + query); res.StatusCode != 400 || !strings.Contains(body, msg) {
				t.Errorf("metrics %s: %d, want 400 %q", query, res.StatusCode, msg)
			}
		}
		// The API keeps its codes: a Chinese period is not its business.
		if res, _ := b.get("/self-criticisms?period_year=2026&period_month=11&period_part=H2"); res.StatusCode != 200 {
			t.Errorf("self-criticisms by picker: %d", res.StatusCode)
		}
		if res, body := b.get("/self-criticisms?period_year=&period_month="); res.StatusCode != 200 || !strings.Contains(body, `<option value="" selected>不限</option>`) && !strings.Contains(body, `<option value="">不限</option>`) {
			t.Errorf("self-criticisms without a period: %d", res.StatusCode)
		}
		if res, body := b.get("/self-criticisms?period=" + url.QueryEscape("2026年13月上半月")); res.StatusCode != 400 || !strings.Contains(body, "通报期间：月份“13”无效") {
			t.Errorf("self-criticisms month 13: %d", res.StatusCode)
		}
	})
}

// pickerHTML cuts the period picker out of a page, for failure messages.
func pickerHTML(body string) string {
	i := strings.Index(body, `<fieldset class="period-picker"`)
	if i < 0 {
		return "(no picker)"
	}
	j := strings.Index(body[i:], "</fieldset>")
	return body[i : i+j]
}
