// Package blobs keeps the files of a deployment — attachments, photos,
// evidence, self-criticism files and exports — outside the database, behind
// one interface with two backends: a local directory (the default for a
// county) and any S3-compatible object store (several nodes).
//
// Keys are content addresses ("sha256/ab/abcdef…"), so a put is idempotent,
// a file stored twice takes the room of one, and a checksum check needs
// nothing but the key.
package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ErrNotFound is returned by Open and Stat for a key the store does not hold.
var ErrNotFound = errors.New("blob not found")

// ErrInvalidKey is returned for a key that is not a relative path of
// plain segments.
var ErrInvalidKey = errors.New("invalid blob key")

// ErrUnavailable wraps every failure of the store itself (a directory that
// cannot be written, an object store that does not answer).
var ErrUnavailable = errors.New("blob store unavailable")

// Ping tells whether s answers: a directory that is there, a bucket that
// exists on a server that answers. Otherwise the error wraps
// ErrUnavailable. A store of another kind is asked for a key no content
// hashes to, and answering "not found" is answering.
func Ping(ctx context.Context, s Store) error {
	if p, ok := s.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	_, err := s.Stat(ctx, "sha256/00/ready-probe")
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	if !errors.Is(err, ErrUnavailable) {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// Store keeps blobs by key.
type Store interface {
	// Put stores the bytes of r under key. It is atomic: after an error the
	// key holds what it held before (nothing, or the same bytes), never a
	// part. size is the length of r, or -1 when unknown.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open streams the blob under key. Returns ErrNotFound when absent.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat returns the size of the blob under key, or ErrNotFound.
	Stat(ctx context.Context, key string) (int64, error)
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// Walk calls fn for every key under prefix ("" for all), in no set order.
	Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error
	// String names the store for logs and status output, without secrets.
	String() string
}

// Key is the content address of data: "sha256/" + the first two hex digits
// + "/" + the whole digest.
func Key(data []byte) string {
	sum := sha256.Sum256(data)
	return KeyOfSum(hex.EncodeToString(sum[:]))
}

// KeyOfSum is the key of a blob whose SHA-256 is the hex digest sum.
func KeyOfSum(sum string) string {
	if len(sum) < 2 {
		return "sha256/" + sum
	}
	return "sha256/" + sum[:2] + "/" + sum
}

// SumOfKey returns the hex SHA-256 a content-addressed key names, or "" for
// a key of another form.
func SumOfKey(key string) string {
	rest, ok := strings.CutPrefix(key, "sha256/")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		rest = rest[i+1:]
	}
	if len(rest) != 64 {
		return ""
	}
	return rest
}

// validKey refuses keys that could leave the store's root.
func validKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return fmt.Errorf("%w %q: not a relative path", ErrInvalidKey, key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("%w %q: empty, . or .. segment", ErrInvalidKey, key)
		}
	}
	return nil
}

// Open opens the store a location names:
//
//	file:///var/lib/sanlian/files   a local directory
//	/var/lib/sanlian/files          the same
//	s3://BUCKET?endpoint=host:9000&region=…&secure=false&prefix=…
//
// An S3 store takes its keys from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (or SANLIAN_S3_ACCESS_KEY, SANLIAN_S3_SECRET_KEY).
func Open(location string) (Store, error) {
	if !strings.Contains(location, "://") {
		return NewDir(location)
	}
	u, err := url.Parse(location)
	if err != nil {
		return nil, fmt.Errorf("blob store %q: %w", location, err)
	}
	switch u.Scheme {
	case "file":
		return NewDir(u.Path)
	case "s3":
		return openS3(u)
	}
	return nil, fmt.Errorf("blob store %q: unknown scheme %q (want file:// or s3://)", location, u.Scheme)
}
