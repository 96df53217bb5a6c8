package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkObserve measures what observe adds to a request: the id, the
// counter and histogram by route, and the access log line (as JSON, to a
// discarding writer), against the same handler bare.
func BenchmarkObserve(b *testing.B) {
	s := New(Services{}, Config{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoOf(r.Context()); info != nil {
			info.route = "GET /api/v1/problems/{id}"
		}
		w.Write([]byte("{}"))
	})
	req := httptest.NewRequest("GET", "/api/v1/problems/1", nil)
	for name, handler := range map[string]http.Handler{"bare": h, "observed": s.observe(h)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				handler.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
