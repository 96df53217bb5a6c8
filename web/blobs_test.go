package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"sanlian/blobs"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// streamStore hands out streams that cannot seek, as an object store's
// are, and can stop answering.
type streamStore struct {
	blobs.Store
	down bool
}

func (s *streamStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if s.down {
		return nil, fmt.Errorf("%w: connection refused", blobs.ErrUnavailable)
	}
	rc, err := s.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{rc, rc}, nil
}

func (s *streamStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if s.down {
		return fmt.Errorf("%w: connection refused", blobs.ErrUnavailable)
	}
	return s.Store.Put(ctx, key, r, size)
}

func TestAttachments_BlobStore(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		store := &streamStore{Store: db.Blobs}
		db.Blobs = store
		cadre := a.token("cadre")
		id := a.newProblemAPI("cadre", "村口石桥开裂")
		base := fmt.Sprintf("/api/v1/problems/%d/attachments", id)
		img := pngBytes(t, 400, 300)
		res, body := a.upload(base, cadre, nil, "", file{"石桥裂缝.png", img}, file{"鉴定报告.pdf", []byte(minimalPDF)})
		if res.StatusCode != 201 {
			t.Fatalf("upload: %d %s", res.StatusCode, body)
		}
		added := decode[struct{ Items []attachmentJSON }](t, body).Items
		photo, pdf := added[0], added[1]

		t.Run("Streamed", func(t *testing.T) {
			res, body := a.do("GET", fmt.Sprintf("/attachments/%d", photo.ID), cadre, "")
			h := res.Header
			if res.StatusCode != 200 || body != string(img) || h.Get("Content-Type") != "image/png" ||
				h.Get("Content-Length") != strconv.Itoa(len(img)) || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || !strings.HasPrefix(h.Get("Content-Disposition"), "inline; ") ||
				!strings.HasPrefix(h.Get("Cache-Control"), "private") || h.Get("Last-Modified") == "" {
				t.Fatalf("photo: %d, %d bytes, %v", res.StatusCode, len(body), h)
			}
			etag := h.Get("ETag")
			if res, body := a.do("GET", fmt.Sprintf("/attachments/%d", photo.ID), cadre, "", "If-None-Match", etag); res.StatusCode != 304 || body != "" {
				t.Errorf("If-None-Match: %d %q", res.StatusCode, body)
			}
			if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d", photo.ID), cadre, "", "If-None-Match", `"other"`); res.StatusCode != 200 {
				t.Errorf("If-None-Match of another: %d", res.StatusCode)
			}
			if res, body := a.do("HEAD", fmt.Sprintf("/attachments/%d", pdf.ID), cadre, ""); res.StatusCode != 200 || body != "" ||
				res.Header.Get("Content-Length") != strconv.Itoa(len(minimalPDF)) {
				t.Errorf("HEAD: %d %q %v", res.StatusCode, body, res.Header)
			}
			res, body = a.do("GET", fmt.Sprintf("/attachments/%d/thumb", photo.ID), cadre, "")
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(body, "\xff\xd8") {
				t.Errorf("thumb: %d %v", res.StatusCode, res.Header)
			}
		})

		t.Run("ErrStoreDown", func(t *testing.T) {
			store.down = true
			defer func() { store.down = false }()
			res, body := a.do("GET", fmt.Sprintf("/attachments/%d", pdf.ID), cadre, "")
			if res.StatusCode != 503 || !strings.Contains(body, "文件存储暂不可用") || !strings.Contains(body, "鉴定报告.pdf") {
				t.Errorf("download: %d %s", res.StatusCode, body)
			}
			res, body = a.upload(base, cadre, nil, "", file{"补充.pdf", []byte(minimalPDF)})
			if p := decode[problem](t, body); res.StatusCode != 503 || p.Code != "unavailable" || !strings.Contains(p.Detail, "补充.pdf") {
				t.Errorf("API upload: %d %s", res.StatusCode, body)
			}
			// The page keeps the form and says why.
			b := a.browser()
			b.login("cadre", sqldbtest.Password)
			res, body = a.upload(fmt.Sprintf("/problems/%d/attachments", id), "", b, "problem", file{"补充.pdf", []byte(minimalPDF)})
			if res.StatusCode != 503 || !strings.Contains(body, "文件存储暂不可用") || !strings.Contains(body, "<form") {
				t.Errorf("page upload: %d %s", res.StatusCode, body)
			}
			_, body = a.do("GET", base, cadre, "")
			if n := len(decode[struct{ Items []attachmentJSON }](t, body).Items); n != 2 {
				t.Errorf("%d attachments after failed uploads, want 2", n)
			}
		})

		t.Run("ErrMissing", func(t *testing.T) {
			if err := store.Delete(context.Background(), blobs.Key([]byte(minimalPDF))); err != nil {
				t.Fatal(err)
			}
			res, body := a.do("GET", fmt.Sprintf("/attachments/%d", pdf.ID), cadre, "")
			if res.StatusCode != 404 || !strings.Contains(body, "鉴定报告.pdf") || !strings.Contains(body, "缺失") ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("missing file: %d %s", res.StatusCode, body)
			}
			// The others still open.
			if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d", photo.ID), cadre, ""); res.StatusCode != 200 {
				t.Errorf("photo after another went missing: %d", res.StatusCode)
			}
		})
	})
}

// TestAttachments_BlobStoreModifiedSince: a stream answers If-Modified-Since as
// http.ServeContent would.
func TestAttachments_BlobStoreModifiedSince(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	db.Blobs = &streamStore{Store: db.Blobs}
	cadre := a.token("cadre")
	id := a.newProblemAPI("cadre", "村口石桥开裂")
	res, body := a.upload(fmt.Sprintf("/api/v1/problems/%d/attachments", id), cadre, nil, "", file{"报告.pdf", []byte(minimalPDF)})
	if res.StatusCode != 201 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	att := decode[struct{ Items []attachmentJSON }](t, body).Items[0]
	res, _ = a.do("GET", fmt.Sprintf("/attachments/%d", att.ID), cadre, "")
	lm := res.Header.Get("Last-Modified")
	if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d", att.ID), cadre, "", "If-Modified-Since", lm); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since %s: %d", lm, res.StatusCode)
	}
	if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d", att.ID), cadre, "", "If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"); res.StatusCode != 200 {
		t.Errorf("If-Modified-Since long ago: %d", res.StatusCode)
	}
}
