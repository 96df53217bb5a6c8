package blobs

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultPartSize is the size of one part of a multipart upload, and the
// largest blob sent in a single PUT. S3 wants parts of 5 MiB at least.
const DefaultPartSize = 16 << 20

// S3Config describes an S3-compatible object store.
type S3Config struct {
	Endpoint  string // host:port
	Bucket    string
	Region    string // "" is us-east-1, which MinIO and most compatible stores accept
	Prefix    string // prepended to every key, e.g. "sanlian/"
	Secure    bool   // HTTPS
	AccessKey string
	SecretKey string
	// PartSize is DefaultPartSize when 0; tests make it small.
	PartSize int64
	// MaxRetries is how often a failed request is tried again; 0 is 3.
	MaxRetries int
	// Transport is the HTTP transport; nil is the default one.
	Transport http.RoundTripper
}

// S3 keeps blobs as objects in one bucket of an S3-compatible store.
//
// A put is atomic: a blob that fits in one part goes in a single PUT, which
// S3 makes visible whole or not at all; a larger one goes in a multipart
// upload that becomes visible only when completed, and is aborted on any
// failure so no parts are left behind.
type S3 struct {
	client   *minio.Client
	core     minio.Core
	bucket   string
	prefix   string
	endpoint string
	partSize int64
}

// NewS3 returns a store over the bucket cfg names. It sends no request.
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("S3 blob store: endpoint (host:port) is required")
	}
	if cfg.Bucket == "" {
		return nil, errors.New("S3 blob store: bucket is required")
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("S3 blob store: no access key; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or SANLIAN_S3_ACCESS_KEY and SANLIAN_S3_SECRET_KEY)")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := validKey(prefix); err != nil {
			return nil, fmt.Errorf("S3 blob store: prefix: %w", err)
		}
		prefix += "/"
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.Secure,
		Region:     cfg.Region,
		Transport:  cfg.Transport,
		MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 blob store %s: %w", cfg.Endpoint, err)
	}
	return &S3{client: c, core: minio.Core{Client: c}, bucket: cfg.Bucket, prefix: prefix, endpoint: cfg.Endpoint, partSize: cfg.PartSize}, nil
}

// openS3 opens s3://BUCKET?endpoint=host:port&region=…&secure=false&prefix=…
// with its keys from the environment; see Open.
func openS3(u *url.URL) (Store, error) {
	if u.User != nil {
		return nil, errors.New("S3 blob store: keys do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or SANLIAN_S3_ACCESS_KEY and SANLIAN_S3_SECRET_KEY)")
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "secure", "prefix":
		default:
			return nil, fmt.Errorf("S3 blob store: unknown parameter %q (want endpoint, region, secure, prefix)", k)
		}
	}
	cfg := S3Config{Endpoint: q.Get("endpoint"), Bucket: u.Host, Region: q.Get("region"), Prefix: strings.Trim(u.Path, "/"), Secure: true}
	if p := q.Get("prefix"); p != "" {
		cfg.Prefix = p
	}
	if p := strings.Trim(cfg.Prefix, "/"); p != "" {
		if err := validKey(p); err != nil {
			return nil, fmt.Errorf("S3 blob store: prefix: %w", err)
		}
	}
	if s := q.Get("secure"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("S3 blob store: secure=%q: want true or false", s)
		}
		cfg.Secure = b
	}
	cfg.AccessKey, cfg.SecretKey = os.Getenv("SANLIAN_S3_ACCESS_KEY"), os.Getenv("SANLIAN_S3_SECRET_KEY")
	if cfg.AccessKey == "" {
		cfg.AccessKey, cfg.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	return NewS3(cfg)
}

func (s *S3) String() string {
	return "s3://" + s.bucket + "/" + s.prefix + " (" + s.endpoint + ")"
}

func (s *S3) object(key string) (string, error) {
	if err := validKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// s3Err maps an error of the client: a missing object to ErrNotFound, the
// caller's own cancellation to itself, anything else (the store refusing,
// not answering, a missing bucket) to ErrUnavailable.
func s3Err(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", op, key, ctx.Err())
	}
	r := minio.ToErrorResponse(err)
	if r.Code == minio.NoSuchKey || (r.StatusCode == http.StatusNotFound && r.Code != minio.NoSuchBucket) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("%w: %s %s: %v", ErrUnavailable, op, key, err)
}

// Put implements Store. The first part is read before anything is sent, so
// a reader failing early sends nothing; a blob larger than a part goes in
// a multipart upload, aborted on any failure.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	obj, err := s.object(key)
	if err != nil {
		return err
	}
	r = &ctxReader{ctx: ctx, r: r}
	first, err := readPart(r, s.partSize+1)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if int64(len(first)) <= s.partSize {
		if size >= 0 && int64(len(first)) != size {
			return fmt.Errorf("put %s: %d bytes read, %d expected", key, len(first), size)
		}
		_, err := s.client.PutObject(ctx, s.bucket, obj, bytes.NewReader(first), int64(len(first)),
			minio.PutObjectOptions{DisableMultipart: true, ContentType: "application/octet-stream"})
		return s3Err(ctx, "put", key, err)
	}
	return s.putMultipart(ctx, key, obj, first, r, size)
}

// readPart reads up to n bytes of r; a short read at EOF is not an error.
func readPart(r io.Reader, n int64) ([]byte, error) {
	var b bytes.Buffer
	_, err := io.Copy(&b, io.LimitReader(r, n))
	return b.Bytes(), err
}

// putMultipart uploads first and the rest of r in parts, completing the
// upload only when every byte is sent and the size is as announced.
func (s *S3) putMultipart(ctx context.Context, key, obj string, first []byte, r io.Reader, size int64) (err error) {
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, obj, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return s3Err(ctx, "put", key, err)
	}
	defer func() {
		if err != nil {
			// Abort even when ctx has ended: a dangling upload keeps its
			// parts (and the bill) until a lifecycle rule removes them.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if aerr := s.core.AbortMultipartUpload(actx, s.bucket, obj, id); aerr != nil {
				err = fmt.Errorf("%w (and the upload %s could not be aborted: %v)", err, id, aerr)
			}
		}
	}()
	var parts []minio.CompletePart
	var total int64
	// The first buffer holds one byte more than a part: the part is its
	// head, and the byte leads the next one.
	part, carry := first[:s.partSize], first[s.partSize:]
	for n := 1; len(part) > 0; n++ {
		// The part's own checksums let the store refuse a part damaged
		// on the way, and sign it whole rather than in streamed chunks.
		md := md5.Sum(part)
		sh := sha256.Sum256(part)
		p, err := s.core.PutObjectPart(ctx, s.bucket, obj, id, n, bytes.NewReader(part), int64(len(part)),
			minio.PutObjectPartOptions{Md5Base64: base64.StdEncoding.EncodeToString(md[:]), Sha256Hex: hex.EncodeToString(sh[:]), DisableContentSha256: true})
		if err != nil {
			return s3Err(ctx, "put", key, err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: n, ETag: p.ETag})
		total += int64(len(part))
		rest, err := readPart(r, s.partSize-int64(len(carry)))
		if err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		part = append(append([]byte(nil), carry...), rest...)
		carry = nil
	}
	if size >= 0 && total != size {
		return fmt.Errorf("put %s: %d bytes read, %d expected", key, total, size)
	}
	_, err = s.core.CompleteMultipartUpload(ctx, s.bucket, obj, id, parts, minio.PutObjectOptions{})
	return s3Err(ctx, "put", key, err)
}

// Open implements Store. The request is made here, so a missing blob or a
// store that does not answer is told now, not at the first read.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.object(key)
	if err != nil {
		return nil, err
	}
	rc, _, _, err := s.core.GetObject(ctx, s.bucket, obj, minio.GetObjectOptions{})
	if err != nil {
		return nil, s3Err(ctx, "open", key, err)
	}
	return rc, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (int64, error) {
	obj, err := s.object(key)
	if err != nil {
		return 0, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, obj, minio.StatObjectOptions{})
	if err != nil {
		return 0, s3Err(ctx, "stat", key, err)
	}
	return info.Size, nil
}

// Ping implements the readiness check (blobs.Ping): the bucket exists.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s3Err(ctx, "ping", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("%w: bucket %s does not exist", ErrUnavailable, s.bucket)
	}
	return nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	obj, err := s.object(key)
	if err != nil {
		return err
	}
	err = s.client.RemoveObject(ctx, s.bucket, obj, minio.RemoveObjectOptions{})
	if err := s3Err(ctx, "delete", key, err); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// Walk implements Store.
func (s *S3) Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error {
	for o := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return s3Err(ctx, "walk", prefix, o.Err)
		}
		if err := fn(strings.TrimPrefix(o.Key, s.prefix), o.Size); err != nil {
			return err
		}
	}
	return ctx.Err()
}
