package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.1, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer, xff, want string
	}{
		{"ipv4 peer", "203.0.113.7:5000", "", "203.0.113.7"},
		{"xff ignored from an untrusted peer", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"xff from a trusted proxy", "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"rightmost untrusted hop", "10.1.2.3:5000", "1.1.1.1, 198.51.100.1, 192.168.1.1", "198.51.100.1"},
		{"spoofed leftmost hop ignored", "192.168.1.1:80", "6.6.6.6, 198.51.100.9", "198.51.100.9"},
		{"garbage hop stops the chain", "10.1.2.3:5000", "198.51.100.1, bogus", "10.1.2.3"},
		{"trusted proxy with no header", "10.1.2.3:5000", "", "10.1.2.3"},
		{"ipv6 keyed by /64", "[2001:db8:1:2:aaaa::1]:443", "", "2001:db8:1:2::/64"},
		{"ipv6 through a trusted v6 proxy", "[fd00::1]:443", "2001:db8:9:9:1::5", "2001:db8:9:9::/64"},
		{"ipv4-mapped ipv6 is ipv4", "[::ffff:203.0.113.7]:1", "", "203.0.113.7"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := keyOf(clientAddr(r, trusted)); got != c.want {
			t.Errorf("%s: key %q, want %q", c.name, got, c.want)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad proxy list was taken")
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(map[string]Limit{"x": PerMinute(60, 3)}, nil)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if ok, _ := l.take("x", "a"); !ok {
			t.Fatalf("burst request %d refused", i)
		}
	}
	ok, wait := l.take("x", "a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("fourth request: ok %v wait %v; want refused within a second", ok, wait)
	}
	if ok, _ := l.take("x", "b"); !ok {
		t.Fatal("another client was refused")
	}
	if ok, _ := l.take("unlimited", "a"); !ok {
		t.Fatal("a bucket with no limit refused")
	}
	now = now.Add(time.Second)
	if ok, _ := l.take("x", "a"); !ok {
		t.Fatal("refilled token refused")
	}
	// Idle keys are forgotten; the number of keys stays bounded.
	now = now.Add(time.Hour)
	l.take("x", "c")
	if len(l.keys) != 1 {
		t.Fatalf("%d keys after a sweep, want 1", len(l.keys))
	}
	l.max = 100
	for i := 0; i < 1000; i++ {
		l.take("x", strings.Repeat("k", i%50)+string(rune('a'+i%26))+time.Duration(i).String())
	}
	if len(l.keys) > l.max {
		t.Fatalf("%d keys, bound %d", len(l.keys), l.max)
	}
}

func TestPowWork(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Now()
	ch := SignChallenge(key, "id", now, now.Add(time.Minute), 8)
	n := SolveChallenge(ch, 8)
	if !powSolved(ch, n, 8) {
		t.Fatal("the solver's nonce does not answer")
	}
	for _, bad := range []string{"", "-1", "1e5", "abc", strings.Repeat("9", 21)} {
		if powSolved(ch, bad, 0) {
			t.Errorf("nonce %q taken", bad)
		}
	}
	if got := leadingZeroBits([]byte{0, 0x1f}); got != 11 {
		t.Errorf("leading zero bits %d, want 11", got)
	}
}

func TestTooManyAnswers(t *testing.T) {
	s := &Server{cfg: Config{}}
	s.initAbuse()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/v1/public/problems", nil)
	s.tooMany(w, r, 1500*time.Millisecond)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "2" || !strings.Contains(w.Body.String(), "操作过于频繁") {
		t.Fatalf("429: %d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}

var _ = netip.Addr{}
