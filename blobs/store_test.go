package blobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
)

// testPartSize keeps the S3 store's multipart path cheap to reach.
const testPartSize = 64 << 10

// fakeS3 starts gofakes3 in-process with one bucket and returns its
// handler and a server over it.
func fakeS3(t *testing.T) (http.Handler, *httptest.Server) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("files"); err != nil {
		t.Fatal(err)
	}
	h := gofakes3.New(backend).Server()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

// newTestS3 returns an S3 store over the server at rawURL.
func newTestS3(t *testing.T, rawURL string) *S3 {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewS3(S3Config{Endpoint: u.Host, Bucket: "files", Prefix: "county", AccessKey: "test", SecretKey: "test-secret",
		PartSize: testPartSize, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// backends lists the stores every conformance test runs on.
func backends() map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"dir": func(t *testing.T) Store {
			d, err := NewDir(filepath.Join(t.TempDir(), "files"))
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
		"s3": func(t *testing.T) Store {
			_, srv := fakeS3(t)
			return newTestS3(t, srv.URL)
		},
	}
}

func readAll(t *testing.T, s Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func keys(t *testing.T, s Store, prefix string) []string {
	t.Helper()
	var out []string
	if err := s.Walk(context.Background(), prefix, func(k string, _ int64) error { out = append(out, k); return nil }); err != nil {
		t.Fatalf("walk: %v", err)
	}
	sort.Strings(out)
	return out
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

func mustAbsent(t *testing.T, s Store, key string) {
	t.Helper()
	if _, err := s.Open(context.Background(), key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open %s: %v, want ErrNotFound", key, err)
	}
	if _, err := s.Stat(context.Background(), key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("stat %s: %v, want ErrNotFound", key, err)
	}
	if ks := keys(t, s, ""); len(ks) != 0 {
		t.Fatalf("walk lists %v after a failed put", ks)
	}
}

// TestStore is the conformance test every backend passes.
func TestStore(t *testing.T) {
	ctx := context.Background()
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Run("PutOpenStatDelete", func(t *testing.T) {
				s := open(t)
				data := []byte("一份走访照片的字节")
				key := Key(data)
				if SumOfKey(key) == "" {
					t.Fatalf("Key(%q) = %q is not content-addressed", data, key)
				}
				if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
					t.Fatal(err)
				}
				if got := readAll(t, s, key); !bytes.Equal(got, data) {
					t.Fatalf("open: %q, want %q", got, data)
				}
				if n, err := s.Stat(ctx, key); err != nil || n != int64(len(data)) {
					t.Fatalf("stat: %d, %v", n, err)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Fatal(err)
				}
				mustAbsent(t, s, key)
				if err := s.Delete(ctx, key); err != nil {
					t.Fatalf("delete of an absent key: %v", err)
				}
			})
			t.Run("IdempotentPut", func(t *testing.T) {
				s := open(t)
				data := []byte("same bytes")
				key := Key(data)
				for range 2 {
					if err := s.Put(ctx, key, bytes.NewReader(data), -1); err != nil {
						t.Fatal(err)
					}
				}
				if got := keys(t, s, ""); len(got) != 1 || got[0] != key {
					t.Fatalf("walk: %v, want [%s]", got, key)
				}
				if got := readAll(t, s, key); !bytes.Equal(got, data) {
					t.Fatalf("open: %q", got)
				}
			})
			t.Run("Walk", func(t *testing.T) {
				s := open(t)
				want := []string{"exports/2026/a.xlsx", "sha256/ab/x", "sha256/cd/y"}
				for _, k := range want {
					if err := s.Put(ctx, k, strings.NewReader(k), int64(len(k))); err != nil {
						t.Fatal(err)
					}
				}
				if got := keys(t, s, ""); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Fatalf("walk all: %v", got)
				}
				if got := keys(t, s, "sha256/"); strings.Join(got, " ") != "sha256/ab/x sha256/cd/y" {
					t.Fatalf("walk sha256/: %v", got)
				}
				stop := errors.New("stop")
				n := 0
				err := s.Walk(ctx, "", func(string, int64) error { n++; return stop })
				if !errors.Is(err, stop) || n != 1 {
					t.Fatalf("walk stopped by fn: %v after %d", err, n)
				}
			})
			t.Run("InvalidKeys", func(t *testing.T) {
				s := open(t)
				for _, k := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "a\\b", "./a", "a/"} {
					if err := s.Put(ctx, k, strings.NewReader("x"), 1); !errors.Is(err, ErrInvalidKey) {
						t.Errorf("put %q: %v, want ErrInvalidKey", k, err)
					}
					if _, err := s.Open(ctx, k); !errors.Is(err, ErrInvalidKey) {
						t.Errorf("open %q: %v, want ErrInvalidKey", k, err)
					}
					if _, err := s.Stat(ctx, k); !errors.Is(err, ErrInvalidKey) {
						t.Errorf("stat %q: %v, want ErrInvalidKey", k, err)
					}
					if err := s.Delete(ctx, k); !errors.Is(err, ErrInvalidKey) {
						t.Errorf("delete %q: %v, want ErrInvalidKey", k, err)
					}
				}
				if ks := keys(t, s, ""); len(ks) != 0 {
					t.Fatalf("invalid keys stored: %v", ks)
				}
			})
			t.Run("FailingReader", func(t *testing.T) {
				for _, n := range []int{0, 1000, testPartSize + 1000, 3*testPartSize + 7} {
					s := open(t)
					broken := errors.New("disk read error")
					err := s.Put(ctx, "sha256/aa/broken", &failingReader{n: n, err: broken}, -1)
					if !errors.Is(err, broken) {
						t.Fatalf("put failing after %d bytes: %v", n, err)
					}
					mustAbsent(t, s, "sha256/aa/broken")
				}
			})
			t.Run("WrongSize", func(t *testing.T) {
				for _, n := range []int{10, 2*testPartSize + 3} {
					s := open(t)
					data := bytes.Repeat([]byte("z"), n)
					if err := s.Put(ctx, "sha256/aa/short", bytes.NewReader(data), int64(n+1)); err == nil {
						t.Fatalf("put of %d bytes announced as %d: no error", n, n+1)
					}
					mustAbsent(t, s, "sha256/aa/short")
				}
			})
			t.Run("Large", func(t *testing.T) {
				s := open(t)
				data := make([]byte, 3*testPartSize+12345)
				for i := range data {
					data[i] = byte(i * 7)
				}
				key := Key(data)
				for _, size := range []int64{-1, int64(len(data))} {
					if err := s.Put(ctx, key, bytes.NewReader(data), size); err != nil {
						t.Fatal(err)
					}
					if got := readAll(t, s, key); !bytes.Equal(got, data) {
						t.Fatalf("large blob read back differs (%d bytes, want %d)", len(got), len(data))
					}
				}
				// Exactly one part, and one part and a byte.
				for _, n := range []int{testPartSize, testPartSize + 1} {
					d := data[:n]
					if err := s.Put(ctx, Key(d), bytes.NewReader(d), -1); err != nil {
						t.Fatal(err)
					}
					if got := readAll(t, s, Key(d)); !bytes.Equal(got, d) {
						t.Fatalf("%d bytes read back as %d", n, len(got))
					}
				}
			})
			t.Run("ContextCancel", func(t *testing.T) {
				s := open(t)
				data := []byte("kept")
				if err := s.Put(ctx, Key(data), bytes.NewReader(data), 4); err != nil {
					t.Fatal(err)
				}
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				if err := s.Put(cctx, "sha256/bb/cancelled", strings.NewReader("never"), 5); !errors.Is(err, context.Canceled) {
					t.Fatalf("put with a cancelled context: %v", err)
				}
				if _, err := s.Open(ctx, "sha256/bb/cancelled"); !errors.Is(err, ErrNotFound) {
					t.Fatalf("cancelled put visible: %v", err)
				}
				// A reader that cancels the context half-way through.
				cctx, cancel = context.WithCancel(ctx)
				r := io.MultiReader(strings.NewReader(strings.Repeat("a", 2*testPartSize)), readerFunc(func([]byte) (int, error) {
					cancel()
					return 0, cctx.Err()
				}))
				if err := s.Put(cctx, "sha256/bb/halfway", r, -1); !errors.Is(err, context.Canceled) {
					t.Fatalf("put cancelled half-way: %v", err)
				}
				if _, err := s.Open(ctx, "sha256/bb/halfway"); !errors.Is(err, ErrNotFound) {
					t.Fatalf("half-way put visible: %v", err)
				}
				if err := s.Walk(cctx, "", func(string, int64) error { return nil }); !errors.Is(err, context.Canceled) && name != "dir" {
					t.Fatalf("walk with a cancelled context: %v", err)
				}
			})
		})
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestS3_DroppedUpload puts through a server that reads part of each
// upload's body and then drops the connection: Put fails and nothing is
// visible, whether the blob goes in one PUT or in parts.
func TestS3_DroppedUpload(t *testing.T) {
	h, direct := fakeS3(t)
	var dropped int
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.ContentLength > 1000 {
			dropped++
			io.CopyN(io.Discard, r.Body, r.ContentLength/2)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(drop.Close)
	s, check := newTestS3(t, drop.URL), newTestS3(t, direct.URL)
	ctx := context.Background()
	for _, n := range []int{5000, 3 * testPartSize} {
		data := bytes.Repeat([]byte("p"), n)
		key := Key(data)
		err := s.Put(ctx, key, bytes.NewReader(data), int64(n))
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("put of %d bytes through a dropping server: %v, want ErrUnavailable", n, err)
		}
		mustAbsent(t, check, key)
	}
	if dropped == 0 {
		t.Fatal("the server dropped nothing")
	}
	// No multipart upload was left open.
	res, err := check.core.ListMultipartUploads(ctx, "files", "", "", "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploads) != 0 {
		t.Fatalf("uploads left open: %+v", res.Uploads)
	}
}

// TestS3_Down: a store that does not answer is ErrUnavailable, never
// ErrNotFound.
// downS3 is a store whose server does not answer: nothing listens at its
// address.
func downS3(t *testing.T) *S3 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return newTestS3(t, "http://"+addr)
}

func TestS3_Down(t *testing.T) {
	s := downS3(t)
	ctx := context.Background()
	if _, err := s.Open(ctx, "sha256/aa/x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("open: %v, want ErrUnavailable", err)
	}
	if _, err := s.Stat(ctx, "sha256/aa/x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("stat: %v, want ErrUnavailable", err)
	}
	if err := s.Put(ctx, "sha256/aa/x", strings.NewReader("x"), 1); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("put: %v, want ErrUnavailable", err)
	}
	if err := s.Walk(ctx, "", func(string, int64) error { return nil }); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("walk: %v, want ErrUnavailable", err)
	}
}

// TestS3_Prefix: keys live under the configured prefix, and Walk gives
// them back without it.
func TestS3_Prefix(t *testing.T) {
	_, srv := fakeS3(t)
	s := newTestS3(t, srv.URL)
	ctx := context.Background()
	if err := s.Put(ctx, "sha256/aa/x", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.StatObject(ctx, "files", "county/sha256/aa/x", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("object not under the prefix: %v", err)
	}
	if got := keys(t, s, ""); len(got) != 1 || got[0] != "sha256/aa/x" {
		t.Fatalf("walk: %v", got)
	}
}

// TestOpen_Locations parses the locations a deployment gives.
func TestOpen_Locations(t *testing.T) {
	dir := t.TempDir()
	for _, loc := range []string{dir + "/a", "file://" + dir + "/b"} {
		s, err := Open(loc)
		if err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		if _, ok := s.(*Dir); !ok {
			t.Fatalf("%s: %T", loc, s)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("SANLIAN_S3_ACCESS_KEY", "")
	t.Setenv("SANLIAN_S3_SECRET_KEY", "")
	bad := map[string]string{
		"s3://files?endpoint=127.0.0.1:9000":              "no access key",
		"s3://files":                                      "endpoint",
		"s3://ak:sk@files?endpoint=127.0.0.1:9000":        "keys do not belong in the URL",
		"s3://files?endpoint=127.0.0.1:9000&secure=maybe": "secure",
		"s3://files?endpoint=127.0.0.1:9000&access_key=x": "unknown parameter",
		"ftp://files": "unknown scheme",
		"s3://files?endpoint=127.0.0.1:9000&prefix=../elsewhere": "prefix",
	}
	for loc, want := range bad {
		if _, err := Open(loc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", loc, err, want)
		} else if strings.Contains(err.Error(), "sk@") {
			t.Errorf("%s: the error shows the secret: %v", loc, err)
		}
	}
	t.Setenv("SANLIAN_S3_ACCESS_KEY", "ak")
	t.Setenv("SANLIAN_S3_SECRET_KEY", "sk-secret")
	s, err := Open("s3://files/county?endpoint=127.0.0.1:9000&secure=false&region=cn-east-1")
	if err != nil {
		t.Fatal(err)
	}
	s3 := s.(*S3)
	if s3.prefix != "county/" || s3.bucket != "files" || strings.Contains(s.String(), "sk-secret") || strings.Contains(s.String(), "ak") {
		t.Fatalf("parsed %+v, named %s", s3, s)
	}
}
