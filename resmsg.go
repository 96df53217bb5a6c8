package sanlian

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// The queue of messages to residents as the office sees and the worker
// takes it: the delivery log, its attempts, the settings in effect, and
// the replies residents send by SMS.

// MsgOverrides are the settings given to the server at start (flags),
// which take the place of the office's stored ones when set, and the
// longest text the configured provider takes.
type MsgOverrides struct {
	Provider  string // --sms-provider
	Endpoint  string // --sms-endpoint
	PublicURL string // --public-url
	// MaxRunes is the provider's longest text; 0: no shortening.
	MaxRunes int
}

// Effective returns s with the set overrides in place of the stored
// values: what enqueue and the worker use.
func (s MsgSettings) Effective(o MsgOverrides) MsgSettings {
	if o.Provider != "" {
		s.Provider = o.Provider
	}
	if o.Endpoint != "" {
		s.Endpoint = o.Endpoint
	}
	if o.PublicURL != "" {
		s.PublicURL = strings.TrimRight(o.PublicURL, "/")
	}
	return s
}

// MsgSettingsView is the settings page's content: what the office stored,
// what is in effect, which fields the server's flags set, and, per event
// and channel, why a message would not be sent ("" when it would).
type MsgSettingsView struct {
	Stored    MsgSettings `json:"stored"`
	Effective MsgSettings `json:"effective"`
	// ByFlag names the fields set by the server's flags: provider,
	// endpoint, public_url.
	ByFlag []string `json:"by_flag"`
	// Skip maps channel → event → the reason a message is not sent.
	Skip map[string]map[string]string `json:"skip"`
	// WechatReady tells whether the server has the WeChat account's keys.
	WechatReady bool `json:"wechat_ready"`
}

// NewMsgSettingsView builds the page's view of stored settings under the
// overrides o.
func NewMsgSettingsView(stored MsgSettings, o MsgOverrides, wechatReady bool) *MsgSettingsView {
	eff := stored.Effective(o)
	v := &MsgSettingsView{Stored: stored, Effective: eff, WechatReady: wechatReady, ByFlag: []string{},
		Skip: map[string]map[string]string{ChannelSMS: {}, ChannelWechat: {}}}
	if o.Provider != "" {
		v.ByFlag = append(v.ByFlag, "provider")
	}
	if o.Endpoint != "" {
		v.ByFlag = append(v.ByFlag, "endpoint")
	}
	if o.PublicURL != "" {
		v.ByFlag = append(v.ByFlag, "public_url")
	}
	for _, c := range []string{ChannelSMS, ChannelWechat} {
		for _, e := range MsgTemplateEvents {
			v.Skip[c][e] = eff.MsgSkipReason(c, e)
		}
	}
	return v
}

// SetByFlag reports whether the server's flags set field.
func (v *MsgSettingsView) SetByFlag(field string) bool {
	for _, f := range v.ByFlag {
		if f == field {
			return true
		}
	}
	return false
}

// MsgAttempt is one attempt to send a message to a resident.
type MsgAttempt struct {
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"` // the provider's HTTP status
	Error      string    `json:"error,omitempty"`  // masked: no whole phone, no secret
	ProviderID string    `json:"provider_id,omitempty"`
	Duration   int64     `json:"duration_ms"`
}

// ResidentMessage is one row of the delivery log. To is masked
// (138****5678, or the OpenID's first characters).
type ResidentMessage struct {
	ID            int64        `json:"id"`
	ProblemID     int64        `json:"problem_id,omitempty"`
	ProblemNumber string       `json:"problem_number,omitempty"`
	Channel       string       `json:"channel"`
	Event         string       `json:"event"`
	To            string       `json:"to"`
	Text          string       `json:"text"`
	State         string       `json:"state"`
	Note          string       `json:"note,omitempty"`
	Attempts      int          `json:"attempts"`
	NextAt        time.Time    `json:"next_at,omitzero"`
	LastError     string       `json:"last_error,omitempty"`
	ProviderID    string       `json:"provider_id,omitempty"`
	SentAt        time.Time    `json:"sent_at,omitzero"`
	CreatedAt     time.Time    `json:"created_at"`
	Log           []MsgAttempt `json:"attempts_log"`
}

// EventLabel names the message's event in Chinese.
func (m *ResidentMessage) EventLabel() string { return MsgEventLabel(m.Event) }

// StateLabel names the message's state in Chinese.
func (m *ResidentMessage) StateLabel() string { return MsgStateLabel(m.State) }

// ChannelLabel names the message's channel in Chinese.
func (m *ResidentMessage) ChannelLabel() string { return ChannelLabel(m.Channel) }

// MsgFilter selects rows of the delivery log.
type MsgFilter struct {
	State  string // pending, sent, failed, skipped; "" for all
	Event  string // one of MsgTemplateEvents; "" for all
	Cursor string
	Limit  int
}

// Validate checks the filter, in Chinese.
func (f *MsgFilter) Validate() error {
	fe := map[string]string{}
	if f.State != "" && MsgStateLabel(f.State) == f.State {
		fe["state"] = "状态须为 pending、sent、failed 或 skipped"
	}
	if f.Event != "" && !contains(MsgTemplateEvents, f.Event) {
		fe["event"] = "未知的消息事件"
	}
	return FieldErrors(fe)
}

// MsgJob is a claimed message with what the worker needs to send it: the
// whole recipient (opened only for sending) and its template parameters.
type MsgJob struct {
	ID       int64
	Channel  string
	Event    string
	To       string // the whole mobile number or OpenID
	Text     string
	Params   []MsgParam
	Attempts int // attempts before this one
}

// Link returns the tracking link the message carries, if any.
func (j *MsgJob) Link() string {
	for _, p := range j.Params {
		if p.Name == "link" {
			return p.Value
		}
	}
	return ""
}

// MsgRetryAt returns when a message of event that failed its n-th attempt
// at now is tried again, and false when it has failed for good: after
// MsgMaxAttempts, or after 3 for a lookup code, which is of no use once
// it has expired. A message of a problem's life is not retried in the
// quiet hours either.
func MsgRetryAt(event string, n int, now time.Time) (time.Time, bool) {
	if event == MsgLookupCode {
		if n >= 3 {
			return time.Time{}, false
		}
		return now.Add(RetryDelay(n)), true
	}
	if n >= MsgMaxAttempts {
		return time.Time{}, false
	}
	return QuietUntil(now.Add(RetryDelay(n))), true
}

// MsgOutcome is the closed message's outcome: the callback's answers in
// words, e.g. 已解决，满意.
func MsgOutcome(solved, satisfaction string) string {
	s, f := SolvedLabel(solved), SatisfactionLabel(satisfaction)
	switch {
	case s != "" && f != "":
		return s + "，" + f
	case s != "":
		return s
	}
	return f
}

// Outcomes of a resident's SMS reply, as the inbound log records them.
const (
	InboundOptOut   = "optout"   // 已退订
	InboundCallback = "callback" // 已记录回访评价
	InboundUnknown  = "unknown"  // 无法识别的回复
	InboundNoMatch  = "no_match" // 没有待评价的问题
)

// InboundOutcomeLabel names an inbound reply's outcome in Chinese.
func InboundOutcomeLabel(o string) string {
	switch o {
	case InboundOptOut:
		return "已退订"
	case InboundCallback:
		return "已记录回访评价"
	case InboundUnknown:
		return "无法识别的回复，未处理"
	case InboundNoMatch:
		return "该号码没有待评价的已办结问题，未处理"
	}
	return o
}

// InboundSMS is one reply a resident sent by SMS.
type InboundSMS struct {
	Provider string
	From     string
	Text     string
	At       time.Time
}

// InboundResult is what became of one reply.
type InboundResult struct {
	Outcome       string `json:"outcome"`
	ProblemNumber string `json:"problem_number,omitempty"`
}

// InboundReply is one reply of the inbound log as the office sees it.
type InboundReply struct {
	ID            int64     `json:"id"`
	Provider      string    `json:"provider"`
	From          string    `json:"from"` // masked
	Text          string    `json:"text"` // digits masked
	Outcome       string    `json:"outcome"`
	ProblemNumber string    `json:"problem_number,omitempty"`
	ReceivedAt    time.Time `json:"received_at"`
}

// OutcomeLabel names the reply's outcome in Chinese.
func (r *InboundReply) OutcomeLabel() string { return InboundOutcomeLabel(r.Outcome) }

// MessageService is the office's side of messages to residents.
type MessageService interface {
	// EffectiveMessageSettings returns the settings in effect, for the
	// endpoint of residents' replies.
	EffectiveMessageSettings(ctx context.Context) (MsgSettings, error)
	// MessageSettings returns the settings view. EFORBIDDEN for anyone but
	// the office.
	MessageSettings(ctx context.Context) (*MsgSettingsView, error)
	// UpdateMessageSettings stores s at s.Version. EINVALID for invalid
	// settings, ECONFLICT for a stale version, EFORBIDDEN for anyone but
	// the office.
	UpdateMessageSettings(ctx context.Context, s *MsgSettings) (*MsgSettingsView, error)
	// FindMessages lists the delivery log, newest first, with each
	// message's attempts. EINVALID for a bad filter, EFORBIDDEN.
	FindMessages(ctx context.Context, f MsgFilter) ([]*ResidentMessage, string, error)
	// RetryMessage sends a failed message again. ENOTFOUND, ECONFLICT
	// when it has not failed, EFORBIDDEN.
	RetryMessage(ctx context.Context, id int64) (*ResidentMessage, error)
	// ReceiveSMS records residents' replies: opt-outs, callbacks by reply
	// 1/2/3, and the rest in the inbound log.
	ReceiveSMS(ctx context.Context, in []InboundSMS) ([]InboundResult, error)
	// RecentInbound lists the last limit replies, newest first.
	// EFORBIDDEN for anyone but the office.
	RecentInbound(ctx context.Context, limit int) ([]*InboundReply, error)
}

// MessageQueue is the worker's side of messages to residents.
type MessageQueue interface {
	// EffectiveMessageSettings returns the settings in effect.
	EffectiveMessageSettings(ctx context.Context) (MsgSettings, error)
	// ClaimMessages takes up to limit pending messages due by now for
	// lease; a message whose lease ends without a result is due again.
	ClaimMessages(ctx context.Context, limit int, lease time.Duration) ([]*MsgJob, error)
	// FinishMessage records one attempt of a claimed message: sent when
	// ok, otherwise pending again at MsgRetryAt, or failed (at once when
	// permanent).
	FinishMessage(ctx context.Context, id int64, a MsgAttempt, ok, permanent bool) error
	// SkipMessage settles a claimed message as not sent, for reason.
	SkipMessage(ctx context.Context, id int64, reason string) error
}

// MsgEventOf returns the message event a change of a problem from before
// to after tells its reporter of, or "" for none: reopened when it was
// sent back (by the office or by an unsatisfied callback), accepted when
// a unit took it on, resolved, closed.
func MsgEventOf(before, after *Problem) string {
	switch {
	case after.Reopened > before.Reopened:
		return MsgReopened
	case after.State == before.State:
		return ""
	case after.State == StateAccepted:
		return MsgAccepted
	case after.State == StateResolved:
		return MsgResolved
	case after.State == StateClosed:
		return MsgClosed
	}
	return ""
}

// MsgDedupeKey is the key that makes one message of event per problem,
// channel and reopening: a problem sent back is told of again.
func MsgDedupeKey(problemID int64, event, channel string, reopened int) string {
	return "p" + itoa(problemID) + ":" + event + ":" + itoa(int64(reopened)) + ":" + channel
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
