package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// TestReadyz: /readyz answers 200 while the database answers and its schema
// is current, 503 with a Chinese detail otherwise; /healthz stays 200.
func TestReadyz(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		if res, body := a.do("GET", "/readyz", "", ""); res.StatusCode != http.StatusOK || body != "{\"status\":\"ok\"}\n" {
			t.Fatalf("ready: %d %q", res.StatusCode, body)
		}

		behind := web.New(web.Services{Users: db.Accounts, Regions: db.Org, Ping: db.Ping,
			Ready: func(context.Context) error { return errors.New("1 migrations pending, the first 0037_x.sql") },
		}, web.Config{Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
		ts := httptest.NewServer(behind)
		defer ts.Close()
		res, err := http.Get(ts.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got map[string]string
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusServiceUnavailable || got["status"] != "unavailable" || got["detail"] != "数据库无响应或尚未升级到本版本" {
			t.Fatalf("behind: %d %v", res.StatusCode, got)
		}
		if res, err := http.Get(ts.URL + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("healthz beside: %v %v", res, err)
		}
	})
}
