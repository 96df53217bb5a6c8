// Package notify sends the office's outbound webhooks: it shapes a queued
// delivery as a WeCom group-robot message, a DingTalk robot message or a
// plain signed JSON body, posts it, and records the attempt in the
// delivery queue, which retries it later when it fails.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"sanlian"
	"sanlian/sms"
)

// Text returns a delivery's headline and its markdown text, in Chinese.
// Nothing of a reporter is in the payload, so nothing of one is here.
func Text(event string, pl sanlian.Payload) (title, markdown string) {
	title = pl.Title
	if title == "" {
		title = sanlian.WebhookEventLabel(event)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", title)
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "> %s：%s\n", label, plain.Replace(v))
		}
	}
	line("编号", pl.Number)
	line("事项", pl.Subject)
	line("村(社区)", pl.Village)
	line("责任单位", pl.Unit)
	line("期限", pl.Deadline)
	if pl.Source != "" {
		line("来源", sanlian.SourceLabel(pl.Source))
	}
	line("诉求编号(Open311)", pl.ServiceRequestID)
	line("办理结果", pl.Result)
	line("回访结果", pl.Outcome)
	line("内容", pl.Text)
	line("链接", pl.Link)
	return title, b.String()
}

// plain keeps text typed by people (a problem's title, a notice) from
// acting as markdown in a robot's message: no links, emphasis, headings or
// extra lines of its own.
var plain = strings.NewReplacer("[", "［", "]", "］", "<", "＜", ">", "＞", "`", "｀", "*", "＊", "#", "＃", "_", "＿",
	"\r\n", " ", "\n", " ", "\r", " ")

// jsonBody is the plain JSON format's body.
type jsonBody struct {
	Event string          `json:"event"`
	ID    int64           `json:"id"`
	At    string          `json:"at"`
	Data  sanlian.Payload `json:"data"`
}

// Sign is the plain JSON format's signature of body sent at timestamp
// (Unix seconds): "sha256=" and the hex HMAC-SHA256 of timestamp + "." +
// body under the secret. It is the county gateway's SMS signature too.
func Sign(secret, timestamp string, body []byte) string { return sms.Sign(secret, timestamp, body) }

// DingTalkSign is DingTalk's robot signature: base64 of HMAC-SHA256 of
// timestamp (Unix milliseconds) + "\n" + secret under the secret, before
// URL encoding.
func DingTalkSign(secret string, ms int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ms, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Request builds the HTTP request of a claimed delivery at now.
func Request(ctx context.Context, j *sanlian.DeliveryJob, now time.Time) (*http.Request, error) {
	d, h := &j.Delivery, &j.Hook
	// Stored masked; masked again for a delivery queued before that.
	pl := d.Payload.Masked()
	title, md := Text(d.Event, pl)
	target := h.URL
	var body []byte
	var err error
	hdr := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "User-Agent": {"sanlian-webhook/1"}}
	switch h.Kind {
	case sanlian.WebhookWeCom:
		body, err = json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": md}})
	case sanlian.WebhookDingTalk:
		body, err = json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": title, "text": md}})
		if h.Secret != "" {
			ms := now.UnixMilli()
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			target += sep + "timestamp=" + strconv.FormatInt(ms, 10) + "&sign=" + url.QueryEscape(DingTalkSign(h.Secret, ms))
		}
	case sanlian.WebhookJSON:
		body, err = json.Marshal(jsonBody{Event: d.Event, ID: d.ID, At: d.CreatedAt.UTC().Format(time.RFC3339), Data: pl})
		ts := strconv.FormatInt(now.Unix(), 10)
		hdr.Set("X-Sanlian-Event", d.Event)
		hdr.Set("X-Sanlian-Delivery", strconv.FormatInt(d.ID, 10))
		hdr.Set("X-Sanlian-Timestamp", ts)
		if h.Secret != "" {
			hdr.Set("X-Sanlian-Signature", Sign(h.Secret, ts, body))
		}
	default:
		return nil, fmt.Errorf("未知的推送格式 %q", h.Kind)
	}
	if err != nil {
		return nil, err
	}
	if msg := sanlian.CheckWebhookURL(h.URL); msg != "" {
		return nil, errors.New(msg)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = hdr
	return req, nil
}

// Sender posts deliveries.
type Sender struct {
	Client *http.Client // nil: one with sanlian.DeliveryTimeout
	Now    func() time.Time
}

func (s *Sender) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: sanlian.DeliveryTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Send posts one delivery and reports the attempt and whether the target
// took it: a 2xx answer, and for the robots an errcode of 0 in its body.
func (s *Sender) Send(ctx context.Context, j *sanlian.DeliveryJob) (sanlian.DeliveryAttempt, bool) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	a := sanlian.DeliveryAttempt{At: now}
	start := time.Now()
	req, err := Request(ctx, j, now)
	if err != nil {
		a.Error = "无法生成请求：" + err.Error()
		a.Duration = time.Since(start).Milliseconds()
		return a, false
	}
	res, err := s.client().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which carries the robot's token
		}
		a.Error = "连接失败：" + redact(err.Error(), j.Hook.URL)
		a.Duration = time.Since(start).Milliseconds()
		return a, false
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	a.Status = res.StatusCode
	a.Duration = time.Since(start).Milliseconds()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		a.Error = fmt.Sprintf("接收方返回 HTTP %d", res.StatusCode)
		return a, false
	}
	if j.Hook.Kind == sanlian.WebhookWeCom || j.Hook.Kind == sanlian.WebhookDingTalk {
		var r struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if err := json.Unmarshal(body, &r); err != nil || r.ErrCode == nil {
			a.Error = "接收方的应答不是机器人接口的格式"
			return a, false
		}
		if *r.ErrCode != 0 {
			a.Error = fmt.Sprintf("接收方返回 errcode=%d：%s", *r.ErrCode, sanlian.MaskContacts(r.ErrMsg))
			return a, false
		}
	}
	return a, true
}

// redact keeps a robot's access token out of an error text.
func redact(msg, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return msg
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) > 3 {
				msg = strings.ReplaceAll(msg, v, sanlian.MaskSecret(v))
				msg = strings.ReplaceAll(msg, url.QueryEscape(v), sanlian.MaskSecret(v))
			}
		}
	}
	return msg
}

// Worker takes due deliveries from a queue and sends them.
type Worker struct {
	Queue  sanlian.DeliveryQueue
	Sender *Sender
	Batch  int           // deliveries claimed at once (default 20)
	Lease  time.Duration // how long a claim holds (default 2 minutes)
	Log    *slog.Logger
}

// RunOnce claims one batch and sends it, four at a time, and returns how
// many were delivered and how many attempted.
func (w *Worker) RunOnce(ctx context.Context) (delivered, attempted int, err error) {
	batch, lease := batchLease(w.Batch, w.Lease)
	jobs, err := w.Queue.ClaimDeliveries(ctx, batch, lease)
	if err != nil || len(jobs) == 0 {
		return 0, 0, err
	}
	sender := w.Sender
	if sender == nil {
		sender = &Sender{}
	}
	return sendAll(jobs, func(j *sanlian.DeliveryJob) (bool, bool, error) {
		a, ok := sender.Send(ctx, j)
		return true, ok, w.Queue.FinishAttempt(context.WithoutCancel(ctx), j.Delivery.ID, a, ok)
	})
}

// batchLease returns a worker's batch size and lease, or their defaults:
// 20 jobs claimed for 2 minutes.
func batchLease(batch int, lease time.Duration) (int, time.Duration) {
	if batch <= 0 {
		batch = 20
	}
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	return batch, lease
}

// sendAll runs send on each claimed job, four at a time, and counts the
// jobs it tried and those that went through; the errors are joined.
func sendAll[J any](jobs []J, send func(J) (tried, ok bool, err error)) (okN, tried int, err error) {
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t, ok, err := send(j)
			mu.Lock()
			defer mu.Unlock()
			if t {
				tried++
			}
			if ok {
				okN++
			}
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	return okN, tried, errors.Join(errs...)
}

// Run sends due deliveries every interval until ctx ends; a full batch is
// followed at once by the next.
func (w *Worker) Run(ctx context.Context, every time.Duration) {
	runEvery(ctx, every, w.Log, "webhook deliveries", w.RunOnce)
}

// runEvery calls once every interval until ctx ends, and again at once
// after a call that attempted something, until one attempts nothing or
// fails; errors go to log under what.
func runEvery(ctx context.Context, every time.Duration, log *slog.Logger, what string, once func(context.Context) (int, int, error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		for {
			_, n, err := once(ctx)
			if err != nil && ctx.Err() == nil && log != nil {
				log.Error(what, "err", err)
			}
			if err != nil || n == 0 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
