package sanlian

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Notice kinds: why a user is told something.
const (
	NoticeAssigned    = "assigned"     // 交办给您: a problem assigned or transferred to you or your unit
	NoticeDueTomorrow = "due_tomorrow" // 明日到期: the resolve deadline ends tomorrow
	NoticeOverdue     = "overdue"      // 已逾期: the resolve deadline has passed
	NoticeSupervision = "supervision"  // 督办: a yellow or red card, or a notice issued
	NoticeReplyNeeded = "reply_needed" // 待回复: a supervision notice your unit must answer
	// NoticeIntakeOverdue tells the office a submitted problem passed its
	// dispatch deadline (受理派单超时).
	NoticeIntakeOverdue = "intake_overdue"
	NoticeReturned      = "returned"           // 退单: a unit sent a problem back to the office
	NoticeCoUnit        = "co_unit"            // 配合办理: your unit is named to help on a problem
	NoticeCalendar      = "calendar"           // 节假日: next year's schedule awaits confirmation
	NoticeCriticised    = "criticised"         // 通报批评: your unit was criticised in a bulletin
	NoticeSelfCritDue   = "self_criticism_due" // 检讨将到期: a self-criticism is due soon and not filed
)

// NoticeKinds lists the kinds in display order.
var NoticeKinds = []string{NoticeAssigned, NoticeDueTomorrow, NoticeOverdue, NoticeSupervision, NoticeReplyNeeded,
	NoticeIntakeOverdue, NoticeReturned, NoticeCoUnit, NoticeCalendar, NoticeCriticised, NoticeSelfCritDue}

// NoticeKindLabel returns the Chinese name of a notice kind.
func NoticeKindLabel(k string) string {
	switch k {
	case NoticeAssigned:
		return "交办"
	case NoticeDueTomorrow:
		return "明日到期"
	case NoticeOverdue:
		return "已逾期"
	case NoticeSupervision:
		return "督办"
	case NoticeReplyNeeded:
		return "待回复"
	case NoticeIntakeOverdue:
		return "派单超时"
	case NoticeReturned:
		return "退单"
	case NoticeCoUnit:
		return "配合办理"
	case NoticeCalendar:
		return "节假日安排"
	case NoticeCriticised:
		return "通报批评"
	case NoticeSelfCritDue:
		return "检讨将到期"
	}
	return k
}

// Notice is an in-app message to one user. Notices are written by the
// service in the same transaction as the event that causes them (an
// assignment, a supervision) or by the daily job; a user reads only their
// own.
type Notice struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	Body       string    `json:"body,omitempty"`
	Link       string    `json:"link,omitempty"` // a path in this site, e.g. /problems/12
	TargetKind string    `json:"target_kind,omitempty"`
	TargetID   int64     `json:"target_id,omitempty"`
	ReadAt     time.Time `json:"read_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
}

// KindLabel is the Chinese name of the notice's kind.
func (n *Notice) KindLabel() string { return NoticeKindLabel(n.Kind) }

// Unread reports whether the notice has not been read.
func (n *Notice) Unread() bool { return n.ReadAt.IsZero() }

// NoticeFilter selects the caller's notices, newest first.
type NoticeFilter struct {
	Kind   string
	Unread bool
	Cursor string
	Limit  int
}

// Webhook events: what the office's webhooks may subscribe to.
const (
	EventProblemSubmitted  = "problem_submitted"  // a problem from the portal, WeChat or the hotline
	EventProblemAssigned   = "problem_assigned"   // assigned or transferred to a unit
	EventProblemOverdue    = "problem_overdue"    // its resolve deadline has just passed
	EventSupervisionRed    = "supervision_red"    // a yellow card turned red
	EventSupervisionNotice = "supervision_notice" // a supervision notice was issued
	// EventIntakeOverdue: a submitted problem passed the office's dispatch deadline.
	EventIntakeOverdue   = "problem_intake_overdue"
	EventProblemReturned = "problem_returned" // a unit sent a problem back to the office
	// EventUnitCriticised: a published bulletin criticised a unit; the
	// payload names the self-criticism's due date.
	EventUnitCriticised = "unit_criticised"
	// EventProblemAccepted: the responsible unit signed for a problem (签收).
	EventProblemAccepted = "problem_accepted"
	// EventProblemResolved: the unit resolved a problem; the payload
	// carries the result, anonymised as the public results page shows it.
	EventProblemResolved = "problem_resolved"
	// EventProblemClosed: the office closed a problem out after its
	// callback; the payload carries the callback's outcome.
	EventProblemClosed = "problem_closed"
	// EventProblemReopened: a resolved or closed problem went back to its
	// unit (退回重办), by the office or by an unsatisfied callback.
	EventProblemReopened = "problem_reopened"
)

// WebhookEvents lists the events in display order.
var WebhookEvents = []string{EventProblemSubmitted, EventProblemAssigned, EventProblemOverdue, EventSupervisionRed, EventSupervisionNotice,
	EventIntakeOverdue, EventProblemReturned, EventUnitCriticised,
	EventProblemAccepted, EventProblemResolved, EventProblemClosed, EventProblemReopened}

// WebhookEventLabel returns the Chinese name of an event.
func WebhookEventLabel(e string) string {
	switch e {
	case EventProblemSubmitted:
		return "群众来件"
	case EventProblemAssigned:
		return "问题交办"
	case EventProblemOverdue:
		return "问题逾期"
	case EventSupervisionRed:
		return "红牌督办"
	case EventSupervisionNotice:
		return "督办通知"
	case EventIntakeOverdue:
		return "派单超时"
	case EventProblemReturned:
		return "问题退单"
	case EventUnitCriticised:
		return "单位被通报批评"
	case EventProblemAccepted:
		return "问题签收"
	case EventProblemResolved:
		return "问题办结"
	case EventProblemClosed:
		return "问题销号"
	case EventProblemReopened:
		return "退回重办"
	}
	return e
}

// Webhook formats: how a delivery's body is shaped.
const (
	WebhookWeCom    = "wecom"    // 企业微信群机器人 markdown message
	WebhookDingTalk = "dingtalk" // 钉钉自定义机器人 markdown message, signed when a secret is set
	WebhookJSON     = "json"     // plain JSON signed with HMAC-SHA256
)

// WebhookKinds lists the formats in display order.
var WebhookKinds = []string{WebhookWeCom, WebhookDingTalk, WebhookJSON}

// WebhookKindLabel returns the Chinese name of a format.
func WebhookKindLabel(k string) string {
	switch k {
	case WebhookWeCom:
		return "企业微信群机器人"
	case WebhookDingTalk:
		return "钉钉机器人"
	case WebhookJSON:
		return "通用 JSON（签名）"
	}
	return k
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // 待发送: queued, or waiting for its next retry
	DeliveryDelivered = "delivered" // 已送达
	DeliveryFailed    = "failed"    // 发送失败: every attempt failed
)

// DeliveryStateLabel returns the Chinese name of a delivery state.
func DeliveryStateLabel(s string) string {
	switch s {
	case DeliveryPending:
		return "待发送"
	case DeliveryDelivered:
		return "已送达"
	case DeliveryFailed:
		return "发送失败"
	}
	return s
}

// Webhook is an outbound target the office configures. Its secret is
// write-only: it is kept for signing and shown back only masked; the URL,
// which for robots carries an access token, is shown with its query
// values masked.
type Webhook struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Kind   string   `json:"kind"`
	URL    string   `json:"-"`
	Secret string   `json:"-"`
	Events []string `json:"events"`
	// Source limits the problem events to problems from one source (e.g.
	// hotline, so that the 12345 platform hears only of its own); ""
	// takes every source. Events not about a problem ignore it.
	Source    string    `json:"source"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Shown in place of URL and Secret.
	URLShown    string `json:"url"`
	SecretShown string `json:"secret,omitempty"`
	// Read-only counts of its deliveries.
	Pending int `json:"pending"`
	Failed  int `json:"failed"`
}

// KindLabel is the Chinese name of the webhook's format.
func (w *Webhook) KindLabel() string { return WebhookKindLabel(w.Kind) }

// Subscribes reports whether the webhook takes event.
func (w *Webhook) Subscribes(event string) bool { return contains(w.Events, event) }

// SourceLabel is the Chinese name of the webhook's source filter.
func (w *Webhook) SourceLabel() string { return WebhookSourceLabel(w.Source) }

// WebhookSourceLabel names a webhook's source filter in Chinese: "" is
// every source.
func WebhookSourceLabel(s string) string {
	if s == "" {
		return "全部来源"
	}
	return SourceLabel(s)
}

// Shown fills URLShown and SecretShown from URL and Secret.
func (w *Webhook) Shown() {
	w.URLShown, w.SecretShown = MaskURL(w.URL), MaskSecret(w.Secret)
}

// MaskSecret shows the first 3 and last 2 characters of a secret, or
// nothing of a short one.
func MaskSecret(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) < 10 {
		return "****"
	}
	return string(r[:3]) + "****" + string(r[len(r)-2:])
}

// MaskURL masks the query values of a URL (robots carry their access token
// there) and any user information.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	q := u.Query()
	for k, vs := range q {
		for i := range vs {
			vs[i] = MaskSecret(vs[i])
		}
		q[k] = vs
	}
	u.RawQuery = strings.ReplaceAll(q.Encode(), "%2A", "*") // the mask reads as stars
	return u.String()
}

// MaxWebhooks caps webhook names; the URL and secret have limits of their own.
const (
	MaxWebhookName   = 60
	MaxWebhookURL    = 1000
	MaxWebhookSecret = 200
)

// WebhookInput creates or changes a webhook. On an update, an empty URL
// or Secret keeps the stored one; ClearSecret removes the secret; a nil
// Source keeps the stored filter (on a creation: every source).
type WebhookInput struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	URL         string   `json:"url"`
	Secret      string   `json:"secret"`
	ClearSecret bool     `json:"clear_secret"`
	Events      []string `json:"events"`
	Source      *string  `json:"source"` // a problem source, or "" for all
	Active      *bool    `json:"active"`
	Version     int64    `json:"version"` // required on update
}

// Validate checks the input; update is true for a change of an existing
// webhook, where an empty URL keeps the stored one.
func (in *WebhookInput) Validate(update bool) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Kind = strings.TrimSpace(in.Kind)
	in.URL = strings.TrimSpace(in.URL)
	in.Secret = strings.TrimSpace(in.Secret)
	f := map[string]string{}
	if in.Name == "" {
		f["name"] = "请填写名称"
	} else if utf8.RuneCountInString(in.Name) > MaxWebhookName {
		f["name"] = "名称不能超过 60 字"
	}
	checkTexts(f, oneLine("name", "名称", in.Name))
	if !contains(WebhookKinds, in.Kind) {
		f["kind"] = "格式须为 企业微信群机器人（wecom）、钉钉机器人（dingtalk）或 通用 JSON（json）"
	}
	if in.URL != "" || !update {
		if msg := CheckWebhookURL(in.URL); msg != "" {
			f["url"] = msg
		}
	}
	if utf8.RuneCountInString(in.Secret) > MaxWebhookSecret {
		f["secret"] = "密钥不能超过 200 个字符"
	}
	seen := map[string]bool{}
	var events []string
	for _, e := range in.Events {
		e = strings.TrimSpace(e)
		if e == "" || seen[e] {
			continue
		}
		if !contains(WebhookEvents, e) {
			f["events"] = "未知的事件“" + e + "”，可选：" + strings.Join(WebhookEvents, "、")
			break
		}
		seen[e] = true
		events = append(events, e)
	}
	if len(events) == 0 && f["events"] == "" {
		f["events"] = "请至少选择一个事件"
	}
	in.Events = events
	if in.Source != nil {
		src := strings.TrimSpace(*in.Source)
		in.Source = &src
		if src != "" && !contains(Sources, src) {
			f["source"] = "未知的来源“" + string([]rune(src)[:min(utf8.RuneCountInString(src), 20)]) + "”，可选：留空（全部来源）或 " + strings.Join(Sources, "、")
		}
	}
	return FieldErrors(f)
}

// CheckWebhookURL returns a Chinese message for a URL a webhook cannot
// use, or "" for a good one: only absolute http and https URLs.
func CheckWebhookURL(raw string) string {
	if raw == "" {
		return "请填写接收地址"
	}
	if len(raw) > MaxWebhookURL {
		return "接收地址不能超过 1000 个字符"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "接收地址无效，应形如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "接收地址只能以 http:// 或 https:// 开头"
	}
	return ""
}

// WebhookDelivery is one event queued for one webhook. It is written in
// the same transaction as the event, so nothing is lost while the target
// is down; a worker sends it, retrying with growing delays, until it is
// delivered or has failed MaxDeliveryAttempts times.
type WebhookDelivery struct {
	ID         int64     `json:"id"`
	WebhookID  int64     `json:"webhook_id"`
	Event      string    `json:"event"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at,omitzero"`
	LastStatus int       `json:"last_status,omitempty"` // HTTP status of the last attempt; 0 when none came back
	LastError  string    `json:"last_error,omitempty"`
	Payload    Payload   `json:"payload"`
	CreatedAt  time.Time `json:"created_at"`
	// DeliveredAt is when the target took it.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// Log holds the attempts, oldest first, when listed with them.
	Log []DeliveryAttempt `json:"log,omitempty"`
}

// StateLabel is the Chinese name of the delivery's state.
func (d *WebhookDelivery) StateLabel() string { return DeliveryStateLabel(d.State) }

// EventLabel is the Chinese name of the delivery's event.
func (d *WebhookDelivery) EventLabel() string { return WebhookEventLabel(d.Event) }

// DeliveryAttempt is one try at sending a delivery.
type DeliveryAttempt struct {
	At       time.Time `json:"at"`
	Status   int       `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
	Duration int64     `json:"duration_ms"`
}

// Payload is what a webhook message says about an event: the problem's
// number, title, village, unit and deadline and the path of its page.
// It never carries a reporter's name, phone or ID number: it leaves the
// system.
type Payload struct {
	Title    string `json:"title"` // the headline, e.g. 问题交办
	Number   string `json:"number,omitempty"`
	Subject  string `json:"subject,omitempty"` // the problem's title, or a project's or task's name
	Village  string `json:"village,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Deadline string `json:"deadline,omitempty"` // 2006-01-02, the last day
	Text     string `json:"text,omitempty"`     // a notice's text, or why a problem was reopened
	Link     string `json:"link,omitempty"`     // a path in this site

	// Source is a problem's source code (hotline, portal …).
	Source string `json:"source,omitempty"`
	// ServiceRequestID is the Open311 service_request_id the platform
	// that sent the problem through Open311 holds, so that it can match
	// the event to its own ticket; empty for other problems.
	ServiceRequestID string `json:"service_request_id,omitempty"`
	// Result is a resolved problem's result, anonymised as the public
	// results page shows it (AnonymizeText).
	Result string `json:"result,omitempty"`
	// Outcome is the callback's answer in Chinese, e.g. 已解决，满意;
	// Solved and Satisfaction are its codes.
	Outcome      string `json:"outcome,omitempty"`
	Solved       string `json:"solved,omitempty"`
	Satisfaction string `json:"satisfaction,omitempty"`
}

// Masked returns the payload with the phones and ID numbers typed into its
// free text masked: it is what is stored and sent.
func (p Payload) Masked() Payload {
	p.Title, p.Subject, p.Text = MaskContacts(p.Title), MaskContacts(p.Subject), MaskContacts(p.Text)
	p.Village, p.Unit, p.Result = MaskContacts(p.Village), MaskContacts(p.Unit), MaskContacts(p.Result)
	return p
}

// CallbackOutcome names a callback's answer in Chinese, e.g. 已解决，满意;
// "" when there was none.
func CallbackOutcome(solved, satisfaction string) string {
	if solved == "" && satisfaction == "" {
		return ""
	}
	return SolvedLabel(solved) + "，" + SatisfactionLabel(satisfaction)
}

// Retry policy of deliveries.
const (
	MaxDeliveryAttempts = 8
	DeliveryTimeout     = 10 * time.Second
)

// RetryDelay is how long a delivery waits after its n-th failed attempt
// (n from 1): 30 s, 2 min, 10 min, 1 h, then 6 h.
func RetryDelay(n int) time.Duration {
	switch {
	case n <= 1:
		return 30 * time.Second
	case n == 2:
		return 2 * time.Minute
	case n == 3:
		return 10 * time.Minute
	case n == 4:
		return time.Hour
	}
	return 6 * time.Hour
}

// DeliveryJob is a claimed delivery with what its sender needs: the
// webhook's whole URL and secret.
type DeliveryJob struct {
	Delivery WebhookDelivery
	Hook     Webhook
}

// NoticeService keeps in-app notices and the office's outbound webhooks.
// Notices: every signed-in user reads and marks their own; another user's
// notice is ENOTFOUND. Webhooks: the office only (EFORBIDDEN otherwise).
// Every write is audited.
type NoticeService interface {
	// FindNotices lists the caller's notices, newest first, by keyset.
	FindNotices(ctx context.Context, f NoticeFilter) ([]*Notice, string, error)
	// CountUnread counts the caller's unread notices.
	CountUnread(ctx context.Context) (int, error)
	// MarkNoticeRead marks one of the caller's notices read; ENOTFOUND for
	// another user's. Marking a read notice again changes nothing.
	MarkNoticeRead(ctx context.Context, id int64) (*Notice, error)
	// MarkAllNoticesRead marks every unread notice of the caller read and
	// returns how many.
	MarkAllNoticesRead(ctx context.Context) (int, error)

	// FindWebhooks lists the webhooks by id.
	FindWebhooks(ctx context.Context) ([]*Webhook, error)
	// FindWebhookByID returns ENOTFOUND for an unknown id.
	FindWebhookByID(ctx context.Context, id int64) (*Webhook, error)
	// CreateWebhook returns EUNPROCESSABLE with field errors.
	CreateWebhook(ctx context.Context, in *WebhookInput) (*Webhook, error)
	// UpdateWebhook changes a webhook on the version read; ECONFLICT on a
	// stale version, EUNPROCESSABLE with field errors.
	UpdateWebhook(ctx context.Context, id int64, in *WebhookInput) (*Webhook, error)
	// FindDeliveries lists a webhook's deliveries with their attempts,
	// newest first, by keyset; state filters.
	FindDeliveries(ctx context.Context, webhookID int64, state, cursor string, limit int) ([]*WebhookDelivery, string, error)
	// RetryDelivery queues a failed delivery again, with a fresh count of
	// attempts; ECONFLICT for one that is not failed.
	RetryDelivery(ctx context.Context, webhookID, deliveryID int64) (*WebhookDelivery, error)
}

// DeliveryQueue is what a delivery worker takes its work from. Several
// workers, on one node or many, may share one queue: a claimed delivery
// is sent by one of them only.
type DeliveryQueue interface {
	// ClaimDeliveries takes up to limit pending deliveries due by now for
	// lease; a delivery whose lease ends without a result is due again.
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*DeliveryJob, error)
	// FinishAttempt records one attempt of a claimed delivery: delivered
	// when a is a success, otherwise pending again after RetryDelay, or
	// failed after MaxDeliveryAttempts.
	FinishAttempt(ctx context.Context, deliveryID int64, a DeliveryAttempt, ok bool) error
}
