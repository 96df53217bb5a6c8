package blobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPing: every backend answers the readiness check while it can serve,
// and wraps ErrUnavailable when it cannot.
func TestPing(t *testing.T) {
	ctx := context.Background()
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			if err := Ping(ctx, s); err != nil {
				t.Fatalf("ping: %v", err)
			}
			// A store of another kind is probed by a key.
			if err := Ping(ctx, struct{ Store }{s}); err != nil {
				t.Fatalf("probe: %v", err)
			}
		})
	}
	t.Run("ErrDirGone", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "files")
		d, err := NewDir(root)
		if err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(root)
		if err := Ping(ctx, d); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("a removed directory: %v", err)
		}
		os.WriteFile(root, []byte("x"), 0o600)
		if err := Ping(ctx, d); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("a file instead of the directory: %v", err)
		}
	})
	t.Run("ErrS3Down", func(t *testing.T) {
		s := downS3(t)
		if err := Ping(ctx, s); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("a server that is down: %v", err)
		}
		if err := Ping(ctx, struct{ Store }{s}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("probed, a server that is down: %v", err)
		}
	})
	t.Run("ErrS3NoBucket", func(t *testing.T) {
		_, srv := fakeS3(t)
		s := newTestS3(t, srv.URL)
		s.bucket = "no-such-bucket"
		if err := Ping(ctx, s); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("a missing bucket: %v", err)
		}
	})
}
