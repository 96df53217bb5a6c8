package web_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// TestPublic_Load floods POST /submit with 1,000 submissions from one
// address on loopback (127.0.0.1) while a second address (127.0.0.2)
// submits as a person does, at the production settings: rate limits,
// 18-bit proof of work, 3-second least fill time. Run with SANLIAN_LOAD=1.
func TestPublic_Load(t *testing.T) {
	if os.Getenv("SANLIAN_LOAD") == "" {
		t.Skip("load test: set SANLIAN_LOAD=1")
	}
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{PowBits: web.DefaultPowBits, MinFill: web.DefaultMinFill})
	client := func(local string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
		return &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}}
	}
	flooder, person := client("127.0.0.1"), client("127.0.0.2")

	form := func(c *http.Client) (challenge string) {
		res, err := c.Get(a.ts.URL + "/submit")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := challengeRE.FindSubmatch(b)
		if res.StatusCode != 200 || m == nil {
			t.Fatalf("form: %d", res.StatusCode)
		}
		return html.UnescapeString(string(m[1]))
	}
	body := func(ch, desc string) ([]byte, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		v := url.Values{"via": {"portal"}, "challenge": {ch}, "nonce": {web.SolveChallenge(ch, web.DefaultPowBits)},
			"category": {"transport"}, "village": {sqldbtest.VillageA}, "description": {desc}}
		for k := range v {
			mw.WriteField(k, v.Get(k))
		}
		mw.Close()
		return buf.Bytes(), mw.FormDataContentType()
	}
	post := func(c *http.Client, b []byte, ct string) (int, time.Duration) {
		start := time.Now()
		res, err := c.Post(a.ts.URL+"/submit", ct, bytes.NewReader(b))
		if err != nil {
			t.Error(err)
			return 0, 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, time.Since(start)
	}

	// The flood: one solved form sent 1,000 times over up to 32
	// connections.
	ch := form(flooder)
	time.Sleep(web.DefaultMinFill)
	fb, fct := body(ch, "刷屏内容：村里的路灯坏了")
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		refusals []time.Duration
		wg       sync.WaitGroup
	)
	jobs := make(chan int)
	start := time.Now()
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				s, d := post(flooder, fb, fct)
				mu.Lock()
				statuses[s]++
				if s == http.StatusTooManyRequests {
					refusals = append(refusals, d)
				}
				mu.Unlock()
			}
		}()
	}
	// The person: three problems, each through the form at a person's
	// pace, while the flood runs.
	var personStatus []int
	var personTimes []time.Duration
	var pwg sync.WaitGroup
	pwg.Add(1)
	go func() {
		defer pwg.Done()
		for i := 0; i < 3; i++ {
			ch := form(person)
			time.Sleep(web.DefaultMinFill)
			b, ct := body(ch, fmt.Sprintf("第 %d 个问题：河边护栏松动了", i+1))
			s, d := post(person, b, ct)
			personStatus, personTimes = append(personStatus, s), append(personTimes, d)
		}
	}()
	// Paced at one post every 10 ms, so that the flood lasts the ten
	// seconds the person takes.
	tick := time.NewTicker(10 * time.Millisecond)
	for i := 0; i < 1000; i++ {
		<-tick.C
		jobs <- i
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	flood := time.Since(start)
	pwg.Wait()

	slices.Sort(refusals)
	pct := func(p float64) time.Duration {
		if len(refusals) == 0 {
			return 0
		}
		return refusals[min(len(refusals)-1, int(float64(len(refusals))*p))]
	}
	var codes []string
	for s, n := range statuses {
		codes = append(codes, fmt.Sprintf("%d×%d", s, n))
	}
	slices.Sort(codes)
	t.Logf("flood from 127.0.0.1: 1000 posts over %v: %s; refusal latency p50 %v, p99 %v, max %v",
		flood.Round(time.Millisecond), strings.Join(codes, " "), pct(0.50), pct(0.99), pct(1))
	t.Logf("person at 127.0.0.2: statuses %v, times %v", personStatus, personTimes)
	if statuses[http.StatusTooManyRequests] < 980 || statuses[http.StatusOK] > 1 {
		t.Errorf("flood: %v, want at least 980 refused with 429 and at most one accepted", statuses)
	}
	if !slices.Equal(personStatus, []int{200, 200, 200}) {
		t.Errorf("the second address was not served: %v", personStatus)
	}
	if n := a.tracked(); n != 4 {
		t.Errorf("%d problems entered, want 4 (one from the flood, three from the person)", n)
	}
}
