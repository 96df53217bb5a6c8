package web

// Login throttling per client address. The account's own lockout (after
// Auth.MaxFailures wrong passwords) is kept by the storage; this limits how
// many failed logins one address may make, whatever names it tries, so
// that one client can neither guess passwords across many accounts nor
// keep every account locked. The count is kept in memory on each node,
// like the people's side's limits (abuse.go): with several nodes a client
// may fail up to the limit once per node.

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"sanlian"
)

// BucketLoginFail counts failed logins per client address; its default
// (DefaultLimits) is ten at once, then one more a minute (ten in ten
// minutes).
const BucketLoginFail = "login-fail"

// peek reports whether the client's bucket holds a token, without taking
// it, and if not how long until it does.
func (l *limiter) peek(bucket, client string) (bool, time.Duration) {
	lim, ok := l.limits[bucket]
	if !ok || lim.Burst <= 0 || lim.Every <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.keys[limitKey{bucket, client}]
	if t == nil {
		return true, 0
	}
	n := t.n
	if el := l.now().Sub(t.last); el > 0 {
		n = math.Min(float64(lim.Burst), n+float64(el)/float64(lim.Every))
	}
	if n >= 1 {
		return true, 0
	}
	return false, time.Duration((1 - n) * float64(lim.Every))
}

// loginClient is the limiter key of the request's client.
func (s *Server) loginClient(r *http.Request) string {
	return keyOf(clientAddr(r, s.cfg.TrustedProxies))
}

// loginAllowed answers 429 with Retry-After and the login refusal's words
// when the client has used up its failed logins, and returns false.
func (s *Server) loginAllowed(w http.ResponseWriter, r *http.Request, render func(status int) error) (bool, error) {
	ok, wait := s.limits.peek(BucketLoginFail, s.loginClient(r))
	if ok {
		return true, nil
	}
	s.loginRefused(LoginFailThrottled)
	w.Header().Set("Retry-After", strconv.Itoa(sanlian.RetrySeconds(wait)))
	if isAPI(r) {
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		json.NewEncoder(w).Encode(problem{Type: "https://sanlian.invalid/errors/too_many_requests", Title: "请求过于频繁",
			Status: http.StatusTooManyRequests, Detail: sanlian.LoginRefused, Code: "too_many_requests"})
		return false, nil
	}
	return false, render(http.StatusTooManyRequests)
}

// loginFailed counts a refused login against the client, and in the
// metrics by reason (observe.go).
func (s *Server) loginFailed(r *http.Request, reason string) {
	s.loginRefused(reason)
	s.limits.take(BucketLoginFail, s.loginClient(r))
}
