package sanlian

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Messages to residents (告知群众): what a resident who gave consent is
// told of their problem by SMS or by a WeChat template message, and the
// one-time codes of tracking by phone. The rules here are pure; the queue
// that carries the messages is written in the transaction of their event.

// Resident message events.
const (
	MsgReceived   = "received"    // 已受理: the tracking code and the link
	MsgAccepted   = "accepted"    // a unit took the problem on
	MsgResolved   = "resolved"    // 已办结: asks for the rating, by link or by reply 1/2/3
	MsgClosed     = "closed"      // 已销号
	MsgReopened   = "reopened"    // sent back to be handled again
	MsgLookupCode = "lookup_code" // the one-time code of tracking by phone
)

// MsgEvents lists the events of a problem's life that a resident is told
// of, in the order they happen; the office sets a template for each.
var MsgEvents = []string{MsgReceived, MsgAccepted, MsgResolved, MsgClosed, MsgReopened}

// MsgTemplateEvents lists every event that needs a provider template:
// the problem's events and the lookup code.
var MsgTemplateEvents = append(append([]string{}, MsgEvents...), MsgLookupCode)

// MsgEventLabel names a message event in Chinese.
func MsgEventLabel(e string) string {
	switch e {
	case MsgReceived:
		return "受理告知"
	case MsgAccepted:
		return "签收告知"
	case MsgResolved:
		return "办结告知（请评价）"
	case MsgClosed:
		return "销号告知"
	case MsgReopened:
		return "重办告知"
	case MsgLookupCode:
		return "查询验证码"
	}
	return e
}

// Message channels.
const (
	ChannelSMS    = "sms"
	ChannelWechat = "wechat"
)

// ChannelLabel names a channel in Chinese.
func ChannelLabel(c string) string {
	switch c {
	case ChannelSMS:
		return "短信"
	case ChannelWechat:
		return "微信模板消息"
	}
	return c
}

// Message states.
const (
	MsgPending = "pending" // 待发送: queued, held for the morning, or waiting for a retry
	MsgSent    = "sent"    // 已发送: the provider took it
	MsgFailed  = "failed"  // 发送失败: every attempt failed
	MsgSkipped = "skipped" // 未发送: not sent, for the reason in its note
)

// MsgStateLabel names a message state in Chinese.
func MsgStateLabel(s string) string {
	switch s {
	case MsgPending:
		return "待发送"
	case MsgSent:
		return "已发送"
	case MsgFailed:
		return "发送失败"
	case MsgSkipped:
		return "未发送"
	}
	return s
}

// Limits of messages to residents.
const (
	// MsgDailyCap is how many messages of a problem's life one phone is
	// sent in a day (Shanghai); more are skipped. Lookup codes count apart.
	MsgDailyCap = 5
	// MsgMaxAttempts is how many times a message is tried before it fails.
	MsgMaxAttempts = 8
	// QuietFrom and QuietTo bound the quiet hours (Shanghai): a message of a
	// problem's life due in them is held until QuietTo. Lookup codes are
	// sent at once: the resident is waiting for them.
	QuietFrom = 22
	QuietTo   = 8
)

// MsgVars are the values a message to a resident may carry. Nothing else
// goes in: no internal note, no name of a staff member, no ID number.
type MsgVars struct {
	Code    string // the tracking code, formatted (ABCDE-FGHJK)
	Number  string // the problem's ledger number
	Unit    string // the responsible unit's name (a unit, never a person)
	Link    string // the tracking page of the problem, absolute
	Outcome string // closed: the callback's answer, e.g. 已解决，满意
	OTP     string // lookup_code: the six digits
}

// MsgParam is one named template parameter, in a provider's order.
type MsgParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// RenderMessage returns the text a resident reads for event and the
// template parameters that carry it to a cloud provider, which keeps the
// text in its approved template. The link is always the last part of the
// text, so that shortening keeps it.
func RenderMessage(event string, v MsgVars) (text string, params []MsgParam) {
	code := MsgParam{"code", v.Code}
	link := MsgParam{"link", v.Link}
	switch event {
	case MsgReceived:
		text = fmt.Sprintf("您反映的问题已受理，查询码 %s，请留存。办理进度请查看：", v.Code)
		params = []MsgParam{code, link}
	case MsgAccepted:
		text = fmt.Sprintf("您反映的问题（查询码 %s）已由%s签收办理。查看：", v.Code, v.Unit)
		params = []MsgParam{code, {"unit", v.Unit}, link}
	case MsgResolved:
		text = fmt.Sprintf("您反映的问题（查询码 %s）已办结。请直接回复 1 已解决、2 部分解决、3 未解决，或打开链接评价：", v.Code)
		params = []MsgParam{code, link}
	case MsgClosed:
		text = fmt.Sprintf("您反映的问题（查询码 %s）已销号，回访结果：%s。感谢您的监督。查看：", v.Code, v.Outcome)
		params = []MsgParam{code, {"outcome", v.Outcome}, link}
	case MsgReopened:
		text = fmt.Sprintf("您反映的问题（查询码 %s）已退回重新办理，我们会继续跟进。查看：", v.Code)
		params = []MsgParam{code, link}
	case MsgLookupCode:
		return fmt.Sprintf("您的查询验证码为 %s，10 分钟内有效，仅可使用一次。如非本人操作，请忽略。", v.OTP),
			[]MsgParam{{"code", v.OTP}}
	default:
		return "", nil
	}
	return text + v.Link + " 回复 TD 退订", params
}

// FitMessage shortens text to at most max characters (runes, as SMS
// providers count them), cutting the words before link and keeping link
// and what follows it whole. A text that fits is returned as it is. When
// even the link does not fit, the text is cut at max.
func FitMessage(text, link string, max int) string {
	if max <= 0 || utf8.RuneCountInString(text) <= max {
		return text
	}
	const ellipsis = "…"
	i := -1
	if link != "" {
		i = strings.LastIndex(text, link)
	}
	if i < 0 {
		r := []rune(text)
		return string(r[:max-1]) + ellipsis
	}
	head, tail := []rune(text[:i]), text[i:]
	room := max - utf8.RuneCountInString(tail) - 1
	if room < 0 {
		r := []rune(text)
		return string(r[:max])
	}
	return string(head[:room]) + ellipsis + tail
}

// QuietUntil returns when a message of a problem's life queued at now may
// be sent: now, or the next QuietTo o'clock (Shanghai) when now falls in
// the quiet hours.
func QuietUntil(now time.Time) time.Time {
	t := now.In(Shanghai)
	h := t.Hour()
	if h >= QuietTo && h < QuietFrom {
		return now
	}
	day := t
	if h >= QuietFrom {
		day = t.AddDate(0, 0, 1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), QuietTo, 0, 0, 0, Shanghai)
}

// TrackLink returns the link of a problem's tracking page under the
// site's public address base.
func TrackLink(base, code string) string {
	return strings.TrimRight(base, "/") + "/track/" + code
}

// MsgDay returns the Shanghai day of t as [start, end), the span a daily
// cap counts in.
func MsgDay(t time.Time) (start, end time.Time) {
	s := t.In(Shanghai)
	start = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, Shanghai)
	return start, start.AddDate(0, 0, 1)
}

// ValidMobile accepts a mainland mobile number: 11 digits starting 13–19.
func ValidMobile(s string) bool { return mobileRE.MatchString(s) }

// NormalizeMobile returns a mainland mobile number without spaces, dashes
// or a +86/0086/86 prefix, or "" when it is not one.
func NormalizeMobile(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\u3000', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	for _, p := range []string{"+86", "0086", "86"} {
		if len(s) == 11+len(p) && strings.HasPrefix(s, p) {
			s = s[len(p):]
			break
		}
	}
	if !ValidMobile(s) {
		return ""
	}
	return s
}

// Reply is what a resident's SMS reply means.
type Reply struct {
	Stop         bool   // 退订: no more messages to this phone
	Solved       string // a callback: yes, partly or no
	Satisfaction string // the satisfaction that goes with it
}

// ParseReply reads a resident's SMS reply: 1 (solved and satisfied), 2
// (partly solved, basically satisfied), 3 (not solved, unsatisfied), or a
// stop word (TD, T, STOP, N, 退订, 取消). Full-width digits and letters and
// surrounding punctuation are accepted. ok is false for anything else.
func ParseReply(text string) (r Reply, ok bool) {
	s := strings.ToUpper(strings.Map(func(c rune) rune {
		if c >= '！' && c <= '～' { // full-width ASCII
			return c - 0xFEE0
		}
		return c
	}, text))
	s = strings.Trim(s, " \t\r\n\u3000.,;!?。，；！？、")
	switch s {
	case "1":
		return Reply{Solved: SolvedYes, Satisfaction: Satisfied}, true
	case "2":
		return Reply{Solved: SolvedPartly, Satisfaction: Basic}, true
	case "3":
		return Reply{Solved: SolvedNo, Satisfaction: Unsatisfied}, true
	case "TD", "T", "STOP", "N", "退订", "取消", "UNSUBSCRIBE":
		return Reply{Stop: true}, true
	}
	return Reply{}, false
}

// MsgSettings are the office's settings of messages to residents: the
// provider and, per event, the provider's template and the WeChat
// template. Secrets are not here: they come from the key file.
type MsgSettings struct {
	Enabled  bool   `json:"enabled"`
	Provider string `json:"provider"` // aliyun, tencent, http; "" = none
	Endpoint string `json:"endpoint"`
	// PublicURL is the site's address as residents reach it, e.g.
	// https://sanlian.example.gov.cn; links in messages start with it.
	PublicURL string            `json:"public_url"`
	SMS       map[string]string `json:"sms_templates"`    // event → provider template id
	Wechat    map[string]string `json:"wechat_templates"` // event → WeChat template id
	Version   int64             `json:"version"`
	// UpdatedBy and UpdatedAt tell who changed them last.
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// SMS providers.
const (
	ProviderAliyun  = "aliyun"
	ProviderTencent = "tencent"
	ProviderHTTP    = "http"
)

// SMSProviders lists the providers in display order.
var SMSProviders = []string{ProviderAliyun, ProviderTencent, ProviderHTTP}

// ProviderLabel names a provider in Chinese.
func ProviderLabel(p string) string {
	switch p {
	case ProviderAliyun:
		return "阿里云短信"
	case ProviderTencent:
		return "腾讯云短信"
	case ProviderHTTP:
		return "自建短信网关（HTTP JSON，HMAC-SHA256 签名）"
	case "":
		return "未配置"
	}
	return p
}

// NeedsTemplate reports whether provider sends by template id (the cloud
// providers) rather than by text (the county's own gateway).
func NeedsTemplate(provider string) bool {
	return provider == ProviderAliyun || provider == ProviderTencent
}

// MsgSkipReason says, in Chinese, why a message of event on channel would
// not be sent under settings s, or "" when it would be. It is what the
// office's page shows against each event.
func (s *MsgSettings) MsgSkipReason(channel, event string) string {
	switch channel {
	case ChannelSMS:
		if !s.Enabled {
			return "短信告知未启用"
		}
		if s.Provider == "" {
			return "未配置短信服务商"
		}
		if NeedsTemplate(s.Provider) && strings.TrimSpace(s.SMS[event]) == "" {
			return "未设置“" + MsgEventLabel(event) + "”的短信模板编号，该事件不发送"
		}
	case ChannelWechat:
		if strings.TrimSpace(s.Wechat[event]) == "" {
			return "未设置“" + MsgEventLabel(event) + "”的微信模板编号，该事件不发送"
		}
	}
	return ""
}

// Validate checks the settings, in Chinese, field by field.
func (s *MsgSettings) Validate() error {
	f := map[string]string{}
	s.Provider, s.Endpoint = strings.TrimSpace(s.Provider), strings.TrimSpace(s.Endpoint)
	if s.Provider != "" && !contains(SMSProviders, s.Provider) {
		f["provider"] = "短信服务商只能是阿里云、腾讯云或自建网关"
	}
	if s.Provider == ProviderHTTP && s.Endpoint == "" {
		f["endpoint"] = "自建短信网关须填写接口地址"
	}
	if s.Endpoint != "" {
		if u, err := url.Parse(s.Endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || len(s.Endpoint) > MaxWebhookURL {
			f["endpoint"] = "接口地址无效，应以 http:// 或 https:// 开头，如 https://sms.example.gov.cn/send"
		}
	}
	s.PublicURL = strings.TrimRight(strings.TrimSpace(s.PublicURL), "/")
	if s.PublicURL != "" {
		if u, err := url.Parse(s.PublicURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" {
			f["public_url"] = "网站地址无效，应形如 https://sanlian.example.gov.cn"
		}
	}
	for _, m := range []map[string]string{s.SMS, s.Wechat} {
		for e, id := range m {
			if !contains(MsgTemplateEvents, e) {
				f["templates"] = "未知的事件“" + e + "”"
				continue
			}
			id = strings.TrimSpace(id)
			m[e] = id
			if len(id) > 64 || strings.ContainsAny(id, " \t\r\n<>\"'") {
				f["template_"+e] = "“" + MsgEventLabel(e) + "”的模板编号不正确"
			}
		}
	}
	if s.Enabled && s.Provider == "" {
		f["provider"] = "启用短信告知前，请选择短信服务商"
	}
	if s.Enabled && s.PublicURL == "" {
		f["public_url"] = "启用短信告知前，请填写群众访问本平台的网站地址（短信中的链接以它开头）"
	}
	return FieldErrors(f)
}
