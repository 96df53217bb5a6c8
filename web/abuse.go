package web

// Anti-abuse for what strangers may send: the client's key, per-client rate
// limits, and a self-hosted proof-of-work challenge. No outside service is
// asked.
//
// The limits are kept in memory on each node: with several nodes behind a
// balancer each node limits on its own, so a client may get up to the
// limit once per node. The proof of work and its single use are shared by
// every node through the database (PublicService.PublicKey and
// SpendChallenge).

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"sanlian"
)

// Rate-limit buckets.
const (
	BucketSubmit      = "submit"       // public submissions (pages and API)
	BucketTrack       = "track"        // looking a problem up by tracking code
	BucketRate        = "rate"         // rating a resolved problem
	BucketOpen311Post = "open311-post" // Open311 service requests
	BucketChallenge   = "challenge"    // proof-of-work challenges handed out
	// BucketRateCode limits ratings per tracking code, whoever sends
	// them: the phone's last four digits cannot be tried from many
	// addresses at once.
	BucketRateCode = "rate-code"
)

// Limit is one bucket's rate: Burst requests at once, then one every
// Every. A zero Limit does not limit.
type Limit struct {
	Every time.Duration
	Burst int
}

// PerMinute is a Limit of n a minute with the given burst.
func PerMinute(n, burst int) Limit { return Limit{Every: time.Minute / time.Duration(n), Burst: burst} }

// DefaultLimits are the buckets' rates unless Config.Limits says
// otherwise.
var DefaultLimits = map[string]Limit{
	BucketSubmit:      PerMinute(5, 10),
	BucketTrack:       PerMinute(30, 30),
	BucketRate:        PerMinute(10, 5),
	BucketOpen311Post: PerMinute(10, 20),
	BucketChallenge:   PerMinute(30, 30),
	BucketRateCode:    {Every: 6 * time.Minute, Burst: 10},
	BucketLoginFail:   {Every: time.Minute, Burst: 10}, // throttle.go
}

// Proof-of-work defaults.
const (
	// DefaultPowBits is the work a challenge asks: 2^16 hashes on
	// average. crypto.subtle.digest, called in batches as public.js does,
	// ran about 90,000 hashes a second in headless Chromium on a 2-core
	// server, so a phone takes one to two seconds; 18 bits took 3 to 11
	// seconds there, too long for a person waiting.
	DefaultPowBits = 16
	// DefaultChallengeTTL is how long a challenge can be answered.
	DefaultChallengeTTL = 30 * time.Minute
	// DefaultMinFill is the least time between a form's challenge and
	// its submission: a person takes longer to write a problem.
	DefaultMinFill = 3 * time.Second
	// maxLimiterKeys bounds the limiter's memory.
	maxLimiterKeys = 100_000
)

// clientAddr is who a request comes from, for rate limits: the peer's
// address, or, when the peer is a trusted proxy, the rightmost address in
// X-Forwarded-For that is not itself a trusted proxy. keyOf keys IPv6
// addresses by their /64 (one household or device), IPv4 by the address.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap().WithZone("")
	if !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A hop that is not an address is where the chain stops
			// being trustworthy: the last good one is the client.
			break
		}
		addr = a.Unmap().WithZone("")
		if !isTrusted(addr, trusted) {
			break
		}
	}
	return addr
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// keyOf is an address's limiter key: an IPv6 address by its /64.
func keyOf(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// ParseTrustedProxies reads a comma-separated list of CIDRs or addresses.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("可信代理 %q 不是 IP 地址或 CIDR 网段", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("可信代理 %q 不是 IP 地址或 CIDR 网段", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// limiter is a token bucket per (bucket, client key), in memory. Keys
// whose bucket has refilled are forgotten once a minute, and the number of
// keys is bounded: past the bound, arbitrary keys are forgotten (which
// only gives them a fresh bucket).
type limiter struct {
	mu        sync.Mutex
	limits    map[string]Limit
	keys      map[limitKey]*tokens
	lastSweep time.Time
	max       int
	now       func() time.Time
	trusted   []netip.Prefix
}

type limitKey struct{ bucket, client string }

type tokens struct {
	n    float64
	last time.Time
}

func newLimiter(over map[string]Limit, trusted []netip.Prefix) *limiter {
	l := &limiter{limits: map[string]Limit{}, keys: map[limitKey]*tokens{}, max: maxLimiterKeys, now: time.Now, trusted: trusted}
	for b, lim := range DefaultLimits {
		l.limits[b] = lim
	}
	for b, lim := range over {
		l.limits[b] = lim
	}
	return l
}

// allow takes one token from the bucket of the request's client. When
// none is left it answers false and how long until one is.
func (l *limiter) allow(r *http.Request, bucket string) (ok bool, retryAfter time.Duration) {
	return l.take(bucket, keyOf(clientAddr(r, l.trusted)))
}

func (l *limiter) take(bucket, client string) (bool, time.Duration) {
	lim, ok := l.limits[bucket]
	if !ok || lim.Burst <= 0 || lim.Every <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) > time.Minute || len(l.keys) >= l.max {
		l.sweep(now)
	}
	k := limitKey{bucket, client}
	t := l.keys[k]
	if t == nil {
		t = &tokens{n: float64(lim.Burst), last: now}
		l.keys[k] = t
	}
	if el := now.Sub(t.last); el > 0 {
		t.n = math.Min(float64(lim.Burst), t.n+float64(el)/float64(lim.Every))
		t.last = now
	}
	if t.n >= 1 {
		t.n--
		return true, 0
	}
	wait := time.Duration((1 - t.n) * float64(lim.Every))
	return false, wait
}

// sweep forgets the keys whose bucket is full again; if that is not
// enough, arbitrary keys down to three quarters of the bound.
func (l *limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, t := range l.keys {
		lim := l.limits[k.bucket]
		if float64(now.Sub(t.last))/float64(lim.Every)+t.n >= float64(lim.Burst) {
			delete(l.keys, k)
		}
	}
	for k := range l.keys {
		if len(l.keys) < l.max*3/4 {
			break
		}
		delete(l.keys, k)
	}
}

// limit takes a token for the request's client from bucket. When none is
// left it answers 429 with Retry-After and a Chinese message (problem+json
// under /api/ and /open311/, a page otherwise) and returns false: the
// handler then returns nil.
func (s *Server) limit(w http.ResponseWriter, r *http.Request, bucket string) bool {
	ok, wait := s.limits.allow(r, bucket)
	if !ok {
		s.tooMany(w, r, wait)
	}
	return ok
}

// limitKey takes a token from bucket for key rather than for the
// request's client; it answers as limit does.
func (s *Server) limitKey(w http.ResponseWriter, r *http.Request, bucket, key string) bool {
	ok, wait := s.limits.take(bucket, key)
	if !ok {
		s.tooMany(w, r, wait)
	}
	return ok
}

// tooMany answers 429 with Retry-After.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(sanlian.RetrySeconds(wait)))
	msg := sanlian.TooManyMessage(wait)
	if isAPI(r) || strings.HasPrefix(r.URL.Path, "/open311/") {
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusTooManyRequests)
		json.NewEncoder(w).Encode(problem{Type: "https://sanlian.invalid/errors/too_many_requests", Title: "请求过于频繁",
			Status: http.StatusTooManyRequests, Detail: msg, Code: "too_many_requests"})
		return
	}
	s.people.renderPublicError(w, r, http.StatusTooManyRequests, "请求过于频繁", msg, nil)
}

// Proof of work.
//
// A challenge is the string "v1.<id>.<issued>.<expires>.<bits>.<sig>":
// id 16 random bytes in base64url, issued and expires Unix milliseconds, bits
// the leading zero bits asked, sig the base64url HMAC-SHA256 of everything
// before it under PublicService.PublicKey. The answer is a nonce (decimal,
// at most 20 digits) such that SHA-256(challenge + ":" + nonce) starts
// with bits zero bits. A challenge is answered once.

// Challenge is what a client is given to solve.
type Challenge struct {
	Challenge string    `json:"challenge"`
	Bits      int       `json:"bits"`
	Issued    time.Time `json:"issued"`
	Expires   time.Time `json:"expires"`
	// NotBefore is the earliest the answer is taken (the least fill
	// time after Issued).
	NotBefore time.Time `json:"not_before"`
}

// parsedChallenge is a challenge read back.
type parsedChallenge struct {
	id      string
	issued  time.Time
	expires time.Time
	bits    int
}

// publicState is what the people's side keeps between requests: the
// challenges' signing key, and the results page for a minute.
type publicState struct {
	mu  sync.Mutex
	key []byte

	resultsMu sync.Mutex
	results   *sanlian.PublicResults
	resultsAt time.Time
}

func (s *Server) powKey(ctx context.Context) ([]byte, error) {
	s.pow.mu.Lock()
	defer s.pow.mu.Unlock()
	if s.pow.key != nil {
		return s.pow.key, nil
	}
	if s.Public == nil {
		return nil, sanlian.Errorf(sanlian.EINTERNAL, "public service missing")
	}
	k, err := s.Public.PublicKey(sanlian.NewPublicContext(ctx))
	if err != nil {
		return nil, err
	}
	if len(k) < 16 {
		return nil, sanlian.Errorf(sanlian.EINTERNAL, "public key too short")
	}
	s.pow.key = k
	return k, nil
}

func (s *Server) powBits() int {
	if s.cfg.PowBits > 0 {
		return s.cfg.PowBits
	}
	return DefaultPowBits
}

func (s *Server) challengeTTL() time.Duration {
	if s.cfg.ChallengeTTL > 0 {
		return s.cfg.ChallengeTTL
	}
	return DefaultChallengeTTL
}

func (s *Server) minFill() time.Duration {
	switch {
	case s.cfg.MinFill < 0:
		return 0
	case s.cfg.MinFill == 0:
		return DefaultMinFill
	}
	return s.cfg.MinFill
}

// SignChallenge makes a challenge string under key; the server's own
// challenges come from newChallenge, this is exposed for tests.
func SignChallenge(key []byte, id string, issued, expires time.Time, bits int) string {
	body := fmt.Sprintf("v1.%s.%d.%d.%d", id, issued.UnixMilli(), expires.UnixMilli(), bits)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newChallenge issues a fresh signed challenge.
func (s *Server) newChallenge(ctx context.Context) (*Challenge, error) {
	key, err := s.powKey(ctx)
	if err != nil {
		return nil, err
	}
	var b [16]byte
	rand.Read(b[:])
	now := time.Now().Truncate(time.Millisecond)
	c := &Challenge{Bits: s.powBits(), Issued: now, Expires: now.Add(s.challengeTTL()), NotBefore: now.Add(s.minFill())}
	c.Challenge = SignChallenge(key, base64.RawURLEncoding.EncodeToString(b[:]), c.Issued, c.Expires, c.Bits)
	return c, nil
}

var (
	errChallengeMissing = &sanlian.Error{Code: sanlian.EFORBIDDEN, Message: "缺少安全验证，请刷新页面后重新提交",
		Fields: map[string]string{"challenge": "缺少安全验证"}}
	errChallengeForged = &sanlian.Error{Code: sanlian.EFORBIDDEN, Message: "安全验证无效，请刷新页面后重新提交",
		Fields: map[string]string{"challenge": "安全验证无效"}}
	errChallengeExpired = &sanlian.Error{Code: sanlian.EFORBIDDEN, Message: "安全验证已过期，请刷新页面后重新提交（您填写的内容仍在页面上）",
		Fields: map[string]string{"challenge": "安全验证已过期"}}
	errChallengeWork = &sanlian.Error{Code: sanlian.EFORBIDDEN, Message: "安全验证未通过，请等待页面完成验证后再提交",
		Fields: map[string]string{"nonce": "安全验证未通过"}}
	errChallengeSpent = &sanlian.Error{Code: sanlian.ECONFLICT, Message: "这份表单已经提交过了，请勿重复提交；如需再反映问题，请刷新页面重新填写",
		Fields: map[string]string{"challenge": "安全验证已使用过"}}
	errTooFast = &sanlian.Error{Code: sanlian.EFORBIDDEN, Message: "提交过快，请稍候几秒再提交",
		Fields: map[string]string{"challenge": "提交过快"}}
)

// parseChallenge checks a challenge's form and signature.
func (s *Server) parseChallenge(ctx context.Context, ch string) (*parsedChallenge, error) {
	if ch == "" {
		return nil, errChallengeMissing
	}
	if len(ch) > 200 {
		return nil, errChallengeForged
	}
	parts := strings.Split(ch, ".")
	if len(parts) != 6 || parts[0] != "v1" {
		return nil, errChallengeForged
	}
	key, err := s.powKey(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ch[:strings.LastIndexByte(ch, '.')]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[5])
	if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
		return nil, errChallengeForged
	}
	iss, err1 := strconv.ParseInt(parts[2], 10, 64)
	exp, err2 := strconv.ParseInt(parts[3], 10, 64)
	bits, err3 := strconv.Atoi(parts[4])
	if err1 != nil || err2 != nil || err3 != nil || bits < 0 || bits > 64 {
		return nil, errChallengeForged
	}
	return &parsedChallenge{id: parts[1], issued: time.UnixMilli(iss), expires: time.UnixMilli(exp), bits: bits}, nil
}

// verifyChallenge checks an answered challenge: signed by us, not
// expired, not answered sooner than the least fill time, the work done,
// and not answered before (it is spent here, once for every node).
func (s *Server) verifyChallenge(ctx context.Context, ch, nonce string) error {
	c, err := s.parseChallenge(ctx, ch)
	if err != nil {
		return err
	}
	now := time.Now()
	if !now.Before(c.expires) {
		return errChallengeExpired
	}
	if c.bits < s.powBits() {
		return errChallengeForged
	}
	if now.Sub(c.issued) < s.minFill() {
		return errTooFast
	}
	if !powSolved(ch, nonce, c.bits) {
		return errChallengeWork
	}
	err = s.Public.SpendChallenge(sanlian.NewPublicContext(ctx), c.id, c.expires)
	if sanlian.ErrorCode(err) == sanlian.ECONFLICT {
		return errChallengeSpent
	}
	return err
}

// powSolved reports whether nonce answers the challenge with bits leading
// zero bits.
func powSolved(ch, nonce string, bits int) bool {
	if nonce == "" || len(nonce) > 20 {
		return false
	}
	for i := 0; i < len(nonce); i++ {
		if nonce[i] < '0' || nonce[i] > '9' {
			return false
		}
	}
	sum := sha256.Sum256([]byte(ch + ":" + nonce))
	return leadingZeroBits(sum[:]) >= bits
}

func leadingZeroBits(b []byte) int {
	n := 0
	for _, c := range b {
		if c == 0 {
			n += 8
			continue
		}
		for c&0x80 == 0 {
			n++
			c <<= 1
		}
		break
	}
	return n
}

// SolveChallenge finds the nonce of a challenge, as a client's script
// does; for tests and load tests.
func SolveChallenge(ch string, bits int) string {
	for i := 0; ; i++ {
		n := strconv.Itoa(i)
		if powSolved(ch, n, bits) {
			return n
		}
	}
}

// initAbuse sets up the limiter and the proof-of-work key cache.
func (s *Server) initAbuse() {
	s.limits = newLimiter(s.cfg.Limits, s.cfg.TrustedProxies)
	s.pow = &publicState{}
}
