// Package sms sends the text messages residents receive (a problem received,
// accepted, resolved, closed or reopened, a lookup code) through one of three
// providers — Aliyun SMS, Tencent Cloud SMS or a county's own HTTP JSON
// gateway — and reads the replies residents send back. It knows nothing of
// storage: the caller keeps the queue and retries what Send refuses.
package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"sanlian"
)

// Provider kinds, as written in --sms-provider and the key file's comments.
const (
	KindAliyun  = "aliyun"
	KindTencent = "tencent"
	KindHTTP    = "http"
)

// Default endpoints of the cloud providers; New uses them when its endpoint
// is empty.
const (
	AliyunEndpoint  = "https://dysmsapi.aliyuncs.com/"
	TencentEndpoint = "https://sms.tencentcloudapi.com/"
)

// DefaultMaxRunes is the longest text a provider takes unless told
// otherwise: both clouds split a long message of up to 500 characters,
// signature included, into parts the handset joins again.
const DefaultMaxRunes = 500

// DefaultTimeout bounds one send when New is given no client.
const DefaultTimeout = 10 * time.Second

// Message is one SMS to send.
type Message struct {
	ID         int64   // the queue's id; the generic provider sends it for idempotency, the clouds as OutId / SessionContext
	To         string  // mainland mobile, 11 digits
	Event      string  // received, accepted, resolved, closed, reopened, lookup_code
	TemplateID string  // the provider's template code for this event (cloud providers)
	Params     []Param // ordered template parameters (name, value)
	Text       string  // the whole rendered text (what the resident reads; the generic provider sends it)
}

// Param is one named template parameter. Aliyun takes them by name, Tencent
// by position, so the order is kept. The gateway receives it as
// {"name": …, "value": …}.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Result is what a provider answered to a message it took.
type Result struct {
	ProviderID string // the provider's message id: Aliyun's BizId, Tencent's SerialNo, the gateway's id
	Status     int    // the HTTP status of the answer
	Code       string // the provider's own success code ("OK", "Ok", or the gateway's)
}

// Provider sends one message at a time.
type Provider interface {
	// Name is "aliyun", "tencent" or "http".
	Name() string
	// MaxRunes is the longest text the provider takes (long SMS).
	MaxRunes() int
	// Send sends m. A nil error means the provider took the message; any
	// error means it was not sent and may be retried later (see *Error and
	// its Permanent field). Send never reports success on a provider's
	// error code.
	Send(ctx context.Context, m *Message) (Result, error)
}

// Error is a refused or failed send. Its text is Chinese, names the
// provider and never carries a secret or a whole phone number.
type Error struct {
	Provider string // aliyun, tencent, http
	Status   int    // HTTP status of the answer; 0 when there was none
	Code     string // the provider's error code, when it gave one
	Message  string // Chinese, for the queue's log and the office's page
	// Permanent is set when sending the same message again cannot succeed
	// (a malformed number, a text too long, a number the provider refuses
	// for good). A caller may stop retrying such a message.
	Permanent bool
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("短信发送失败（")
	b.WriteString(providerLabel(e.Provider))
	b.WriteString("）：")
	b.WriteString(e.Message)
	if e.Code != "" {
		b.WriteString("［")
		b.WriteString(e.Code)
		b.WriteString("］")
	}
	return b.String()
}

func providerLabel(kind string) string {
	switch kind {
	case KindAliyun:
		return "阿里云短信"
	case KindTencent:
		return "腾讯云短信"
	case KindHTTP:
		return "短信网关"
	}
	return kind
}

// New returns the provider of kind ("aliyun", "tencent", "http") posting to
// endpoint (empty: the cloud's own; required for "http") with keys. A nil
// client gets one with DefaultTimeout that does not follow redirects. It
// fails with a Chinese message when the kind is unknown, the endpoint is
// not an http(s) URL or a key the kind needs is missing.
func New(kind, endpoint string, keys Keys, client *http.Client) (Provider, error) {
	if err := keys.Require(kind); err != nil {
		return nil, err
	}
	switch kind {
	case KindAliyun:
		if endpoint == "" {
			endpoint = AliyunEndpoint
		}
	case KindTencent:
		if endpoint == "" {
			endpoint = TencentEndpoint
		}
	case KindHTTP:
		if endpoint == "" {
			return nil, errors.New("短信网关（http）需要填写接口地址")
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("短信接口地址不是有效的 http(s) 地址：%q", redactURL(endpoint))
	}
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	b := base{kind: kind, endpoint: u, keys: keys, client: client}
	switch kind {
	case KindAliyun:
		return &aliyun{b}, nil
	case KindTencent:
		return &tencent{b}, nil
	default:
		return &gateway{b}, nil
	}
}

// base is what every provider holds.
type base struct {
	kind     string
	endpoint *url.URL
	keys     Keys
	client   *http.Client
}

func (b *base) Name() string { return b.kind }

func (b *base) MaxRunes() int {
	if b.kind == KindHTTP && b.keys.MaxRunes > 0 {
		return b.keys.MaxRunes
	}
	return DefaultMaxRunes
}

// fail builds an *Error of this provider.
func (b *base) fail(status int, code, format string, args ...any) *Error {
	return &Error{Provider: b.kind, Status: status, Code: maskDigits(code), Message: maskDigits(fmt.Sprintf(format, args...))}
}

// check refuses a message no provider could send, before any request.
func (b *base) check(m *Message) error {
	if m == nil {
		return &Error{Provider: b.kind, Message: "没有要发送的短信", Permanent: true}
	}
	if !sanlian.ValidMobile(m.To) {
		return &Error{Provider: b.kind, Message: fmt.Sprintf("手机号 %s 不是 11 位大陆手机号", sanlian.MaskPhone(m.To)), Permanent: true}
	}
	if n := len([]rune(m.Text)); n > b.MaxRunes() {
		return &Error{Provider: b.kind, Message: fmt.Sprintf("短信正文 %d 字，超过服务商上限 %d 字", n, b.MaxRunes()), Permanent: true}
	}
	if b.kind != KindHTTP && strings.TrimSpace(m.TemplateID) == "" {
		return &Error{Provider: b.kind, Message: fmt.Sprintf("事件 %q 没有配置短信模板编号", m.Event), Permanent: true}
	}
	if b.kind == KindHTTP && strings.TrimSpace(m.Text) == "" {
		return &Error{Provider: b.kind, Message: "短信正文为空", Permanent: true}
	}
	return nil
}

// maxAnswer bounds how much of a provider's answer is read.
const maxAnswer = 64 << 10

// do sends req and reads the answer. Connection errors and timeouts come
// back as an *Error without the URL (a gateway's may carry a token).
func (b *base) do(req *http.Request) (status int, body []byte, err error) {
	res, err := b.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg := "连接失败：" + err.Error()
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			msg = "等待应答超时"
		} else if errors.Is(err, context.Canceled) {
			msg = "发送被取消"
		}
		return 0, nil, b.fail(0, "", "%s", redact(msg, b.endpoint.String()))
	}
	defer res.Body.Close()
	body, err = io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return res.StatusCode, nil, b.fail(res.StatusCode, "", "读取应答失败：%s", redact(err.Error(), b.endpoint.String()))
	}
	return res.StatusCode, body, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// post builds a POST of body to the provider's endpoint.
func (b *base) post(ctx context.Context, contentType string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return nil, b.fail(0, "", "无法生成请求")
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "sanlian-sms/1")
	return req, nil
}

// Sign is the generic gateway's signature of body sent at timestamp (Unix
// seconds): "sha256=" and the hex HMAC-SHA256 of timestamp + "." + body
// under the secret — the scheme of the office's plain JSON webhooks.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// longDigits finds runs of digits long enough to be a phone number, which a
// provider may echo back in its message.
var longDigits = regexp.MustCompile(`\+?[0-9]{11,13}`)

func maskDigits(s string) string {
	return longDigits.ReplaceAllStringFunc(s, sanlian.MaskPhone)
}

// redact keeps an endpoint's query (where a gateway may take its token) out
// of an error text.
func redact(s, endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.RawQuery != "" {
		s = strings.ReplaceAll(s, u.RawQuery, "…")
	}
	return s
}

// redactURL shows an endpoint without its query and user info.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "…"
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}
