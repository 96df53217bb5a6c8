package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"sanlian/blobs"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// deadStore is a file store that does not answer.
type deadStore struct{ blobs.Store }

func (deadStore) Stat(context.Context, string) (int64, error) {
	return 0, fmt.Errorf("%w: connection refused", blobs.ErrUnavailable)
}

// TestReadyz_FileStore: /readyz answers 503 naming the file store when the
// store does not answer, and 200 again once it does.
func TestReadyz_FileStore(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		store := db.Blobs
		db.Blobs = deadStore{store}
		res, body := a.do("GET", "/readyz", "", "")
		if res.StatusCode != http.StatusServiceUnavailable || body != "{\"detail\":\"文件存储无响应\",\"status\":\"unavailable\"}\n" {
			t.Fatalf("store down: %d %q", res.StatusCode, body)
		}
		if res, _ := a.do("GET", "/healthz", "", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %d", res.StatusCode)
		}
		db.Blobs = store
		if res, body := a.do("GET", "/readyz", "", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("store back: %d %q", res.StatusCode, body)
		}
	})
}
