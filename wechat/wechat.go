// Package wechat speaks to a county's WeChat service account (公众号): it
// sends template messages to the residents who follow it and turns the
// code of the silent OAuth step (snsapi_base) into the resident's openid.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultBase is the WeChat API's base URL.
const DefaultBase = "https://api.weixin.qq.com"

// OAuthAuthorize is where a resident's browser inside WeChat is sent for
// the OAuth step.
const OAuthAuthorize = "https://open.weixin.qq.com/connect/oauth2/authorize"

// DefaultTimeout bounds one call when the Client has no HTTP client.
const DefaultTimeout = 10 * time.Second

// tokenMargin is how long before its expires_in an access token is
// replaced; WeChat keeps the old token valid for five minutes after a new
// one is issued.
const tokenMargin = 5 * time.Minute

// Error codes that mean the access token is no longer good: invalid
// credential, expired, invalid token. SendTemplate fetches a new token and
// tries once more on them.
const (
	ErrCodeInvalidCredential = 40001
	ErrCodeTokenExpired      = 42001
	ErrCodeInvalidToken      = 40014
)

// Client calls the WeChat API for one service account. Its zero value
// with AppID and Secret set is ready; it caches the access token and is
// safe for concurrent use. Do not copy a Client after first use.
type Client struct {
	Base   string       // API base URL; empty means DefaultBase
	AppID  string       // the service account's AppID (wechat_app_id)
	Secret string       // its AppSecret (wechat_app_secret)
	HTTP   *http.Client // nil means one with DefaultTimeout

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// Error is a failed call. Its text is Chinese and never carries the
// AppSecret, an access token or a code.
type Error struct {
	Op      string // token, template, oauth
	Status  int    // HTTP status; 0 when there was no answer
	ErrCode int    // WeChat's errcode, when it gave one
	ErrMsg  string // WeChat's errmsg
	Message string // Chinese
}

// Error implements the error interface.
func (e *Error) Error() string {
	op := map[string]string{"token": "获取 access_token", "template": "发送模板消息", "oauth": "网页授权换取 openid"}[e.Op]
	s := "微信服务号" + op + "失败：" + e.Message
	if e.ErrCode != 0 {
		s += fmt.Sprintf("［errcode=%d %s］", e.ErrCode, e.ErrMsg)
	}
	return s
}

func (c *Client) base() string {
	if c.Base == "" {
		return DefaultBase
	}
	return strings.TrimRight(c.Base, "/")
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// answer is the fields every WeChat answer may carry.
type answer struct {
	ErrCode     int         `json:"errcode"`
	ErrMsg      string      `json:"errmsg"`
	AccessToken string      `json:"access_token"`
	ExpiresIn   int64       `json:"expires_in"`
	OpenID      string      `json:"openid"`
	MsgID       json.Number `json:"msgid"`
}

// call sends req and decodes WeChat's JSON answer. Errors never show the
// URL, which carries the secret or the token, nor any of hide.
func (c *Client) call(op string, req *http.Request, hide ...string) (answer, error) {
	scrub := func(s string) string {
		for _, h := range append(hide, c.Secret) {
			if h != "" {
				s = strings.ReplaceAll(s, h, "…")
			}
		}
		return s
	}
	res, err := c.client().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg := "连接失败：" + err.Error()
		var t interface{ Timeout() bool }
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout()) {
			msg = "等待应答超时"
		}
		return answer{}, &Error{Op: op, Message: scrub(msg)}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return answer{}, &Error{Op: op, Status: res.StatusCode, Message: "读取应答失败"}
	}
	if res.StatusCode != http.StatusOK {
		return answer{}, &Error{Op: op, Status: res.StatusCode, Message: fmt.Sprintf("微信接口返回 HTTP %d", res.StatusCode)}
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return answer{}, &Error{Op: op, Status: res.StatusCode, Message: "微信接口的应答不是 JSON"}
	}
	if a.ErrCode != 0 {
		return a, &Error{Op: op, Status: res.StatusCode, ErrCode: a.ErrCode, ErrMsg: scrub(a.ErrMsg), Message: "微信接口拒绝"}
	}
	return a, nil
}

// AccessToken returns the cached access token, fetching a new one when
// there is none, it is within five minutes of expiring, or force is set.
func (c *Client) AccessToken(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.token != "" && time.Now().Before(c.renewAt) {
		return c.token, nil
	}
	if c.AppID == "" || c.Secret == "" {
		return "", &Error{Op: "token", Message: "未配置 wechat_app_id 或 wechat_app_secret"}
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.AppID}, "secret": {c.Secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base()+"/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", &Error{Op: "token", Message: "接口地址无效"}
	}
	a, err := c.call("token", req)
	if err != nil {
		return "", err
	}
	if a.AccessToken == "" {
		return "", &Error{Op: "token", Status: http.StatusOK, Message: "应答中没有 access_token"}
	}
	c.token = a.AccessToken
	c.renewAt = time.Now().Add(time.Duration(a.ExpiresIn)*time.Second - tokenMargin)
	return c.token, nil
}

// dropToken forgets tok if it is still the cached one.
func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// TemplateMessage is the body of a template message send.
type TemplateMessage struct {
	ToUser     string                       `json:"touser"`
	TemplateID string                       `json:"template_id"`
	URL        string                       `json:"url,omitempty"`
	Data       map[string]map[string]string `json:"data"`
}

// SendTemplate sends template templateID to the follower openID, opening
// link when tapped (may be empty), with data as the template's fields
// ({"k": {"value": v}}). It returns WeChat's msgid. Success is errcode 0
// only; on an errcode meaning the token is stale it fetches a new token and
// tries once more.
func (c *Client) SendTemplate(ctx context.Context, openID, templateID, link string, data map[string]string) (msgID string, err error) {
	if strings.TrimSpace(openID) == "" || strings.TrimSpace(templateID) == "" {
		return "", &Error{Op: "template", Message: "缺少接收者 openid 或模板编号"}
	}
	m := TemplateMessage{ToUser: openID, TemplateID: templateID, URL: link, Data: make(map[string]map[string]string, len(data))}
	for k, v := range data {
		m.Data[k] = map[string]string{"value": v}
	}
	body, err := json.Marshal(m)
	if err != nil {
		return "", &Error{Op: "template", Message: "无法生成请求"}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.AccessToken(ctx, false)
		if err != nil {
			return "", err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			c.base()+"/cgi-bin/message/template/send?access_token="+url.QueryEscape(tok), bytes.NewReader(body))
		if err != nil {
			return "", &Error{Op: "template", Message: "接口地址无效"}
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		a, err := c.call("template", req, tok)
		var we *Error
		if errors.As(err, &we) && attempt == 0 &&
			(we.ErrCode == ErrCodeInvalidCredential || we.ErrCode == ErrCodeTokenExpired || we.ErrCode == ErrCodeInvalidToken) {
			c.dropToken(tok)
			continue
		}
		if err != nil {
			return "", err
		}
		return a.MsgID.String(), nil
	}
}

// OAuthURL is where to send a resident's browser inside WeChat so that it
// comes back to redirect with a code and state, silently (snsapi_base).
// WeChat wants the parameters in this order.
func (c *Client) OAuthURL(redirect, state string) string {
	return OAuthAuthorize + "?appid=" + url.QueryEscape(c.AppID) + "&redirect_uri=" + url.QueryEscape(redirect) +
		"&response_type=code&scope=snsapi_base&state=" + url.QueryEscape(state) + "#wechat_redirect"
}

// ExchangeCode turns the code WeChat appended to the redirect into the
// resident's openid.
func (c *Client) ExchangeCode(ctx context.Context, code string) (openID string, err error) {
	if strings.TrimSpace(code) == "" {
		return "", &Error{Op: "oauth", Message: "缺少授权 code"}
	}
	q := url.Values{"appid": {c.AppID}, "secret": {c.Secret}, "code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base()+"/sns/oauth2/access_token?"+q.Encode(), nil)
	if err != nil {
		return "", &Error{Op: "oauth", Message: "接口地址无效"}
	}
	a, err := c.call("oauth", req, code)
	if err != nil {
		return "", err
	}
	if a.OpenID == "" {
		return "", &Error{Op: "oauth", Status: http.StatusOK, Message: "应答中没有 openid"}
	}
	return a.OpenID, nil
}
