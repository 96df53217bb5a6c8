package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"sanlian"
	"sanlian/sms"
)

// WechatSender sends a WeChat service account's template message and
// returns WeChat's message id (wechat.Client).
type WechatSender interface {
	SendTemplate(ctx context.Context, openID, templateID, url string, data map[string]string) (string, error)
}

// MessageWorker sends the queued messages to residents: SMS through the
// provider the settings in effect name, WeChat template messages through
// Wechat. Every attempt is recorded; a provider's error is retried later
// and never counted as sent.
type MessageWorker struct {
	Queue  sanlian.MessageQueue
	Keys   sms.Keys     // the key file's secrets
	Client *http.Client // for the SMS provider; nil: sms.New's default
	Wechat WechatSender // nil: WeChat messages are skipped
	Batch  int          // messages claimed at once (default 20)
	Lease  time.Duration
	Log    *slog.Logger
	// NewProvider builds the SMS provider; nil: sms.New. Tests replace it.
	NewProvider func(kind, endpoint string, keys sms.Keys, client *http.Client) (sms.Provider, error)

	mu      sync.Mutex
	prov    sms.Provider
	provKey string
}

// provider returns the SMS provider of the settings s, built once per
// provider and endpoint.
func (w *MessageWorker) provider(s sanlian.MsgSettings) (sms.Provider, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := s.Provider + " " + s.Endpoint
	if w.prov != nil && w.provKey == key {
		return w.prov, nil
	}
	mk := w.NewProvider
	if mk == nil {
		mk = sms.New
	}
	p, err := mk(s.Provider, s.Endpoint, w.Keys, w.Client)
	if err != nil {
		return nil, err
	}
	w.prov, w.provKey = p, key
	return p, nil
}

// RunOnce claims one batch and sends it, four at a time, and returns how
// many were sent and how many attempted (skipped ones count as neither).
func (w *MessageWorker) RunOnce(ctx context.Context) (sent, attempted int, err error) {
	batch, lease := batchLease(w.Batch, w.Lease)
	jobs, err := w.Queue.ClaimMessages(ctx, batch, lease)
	if err != nil || len(jobs) == 0 {
		return 0, 0, err
	}
	// The settings are read once a batch, and only when there is one.
	s, err := w.Queue.EffectiveMessageSettings(ctx)
	if err != nil {
		return 0, 0, err
	}
	return sendAll(jobs, func(j *sanlian.MsgJob) (bool, bool, error) { return w.send(ctx, s, j) })
}

// send sends one claimed message and records what happened.
func (w *MessageWorker) send(ctx context.Context, s sanlian.MsgSettings, j *sanlian.MsgJob) (tried, ok bool, err error) {
	done := context.WithoutCancel(ctx)
	if reason := s.MsgSkipReason(j.Channel, j.Event); reason != "" {
		return false, false, w.Queue.SkipMessage(done, j.ID, reason)
	}
	if j.Channel == sanlian.ChannelWechat && w.Wechat == nil {
		return false, false, w.Queue.SkipMessage(done, j.ID, "未配置微信公众号的 AppID 和 AppSecret，微信消息不发送")
	}
	// The attempt's time is the queue's clock, set when it is recorded.
	start := time.Now()
	a := sanlian.MsgAttempt{}
	permanent := false
	switch j.Channel {
	case sanlian.ChannelSMS:
		var p sms.Provider
		if p, err = w.provider(s); err != nil {
			a.Error = "短信服务商配置有误：" + err.Error()
			break
		}
		params := make([]sms.Param, len(j.Params))
		for i, v := range j.Params {
			params[i] = sms.Param{Name: v.Name, Value: v.Value}
		}
		var res sms.Result
		res, err = p.Send(ctx, &sms.Message{ID: j.ID, To: j.To, Event: j.Event, TemplateID: s.SMS[j.Event], Params: params, Text: j.Text})
		a.Status, a.ProviderID = res.Status, res.ProviderID
		var se *sms.Error
		if errors.As(err, &se) {
			permanent = se.Permanent
			if a.Status == 0 {
				a.Status = se.Status
			}
		}
	case sanlian.ChannelWechat:
		data := map[string]string{}
		for _, v := range j.Params {
			data[v.Name] = v.Value
		}
		a.ProviderID, err = w.Wechat.SendTemplate(ctx, j.To, s.Wechat[j.Event], j.Link(), data)
	default:
		err = fmt.Errorf("未知的消息渠道 %q", j.Channel)
		permanent = true
	}
	a.Duration = time.Since(start).Milliseconds()
	if err != nil && a.Error == "" {
		a.Error = sanlian.MaskContacts(err.Error())
	}
	ok = err == nil
	if !ok && w.Log != nil {
		w.Log.Warn("resident message not sent", "id", j.ID, "channel", j.Channel, "event", j.Event, "err", a.Error)
	}
	return true, ok, w.Queue.FinishMessage(done, j.ID, a, ok, permanent)
}

// Run sends due messages every interval until ctx ends; a full batch is
// followed at once by the next.
func (w *MessageWorker) Run(ctx context.Context, every time.Duration) {
	runEvery(ctx, every, w.Log, "resident messages", w.RunOnce)
}
