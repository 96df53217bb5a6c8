package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"sanlian"
	"sanlian/sms"
)

// Messages to residents: the office's settings and delivery log, and the
// endpoint where SMS providers push residents' replies.

// apiMessageSettings is GET /api/v1/message-settings.
func (s *peopleHandlers) apiMessageSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Messages.MessageSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// apiUpdateMessageSettings is PUT /api/v1/message-settings: the whole
// settings with the version they were read at.
func (s *peopleHandlers) apiUpdateMessageSettings(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.MsgSettings
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := needVersion(in.Version); err != nil {
		return err
	}
	v, err := s.Messages.UpdateMessageSettings(r.Context(), &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// messageFilter reads the log's filter from the query.
func messageFilter(p *params) sanlian.MsgFilter {
	return sanlian.MsgFilter{State: p.oneOf("state", sanlian.MsgPending, sanlian.MsgSent, sanlian.MsgFailed, sanlian.MsgSkipped),
		Event: p.oneOf("event", sanlian.MsgTemplateEvents...), Cursor: p.str("cursor"), Limit: p.limit()}
}

// apiMessages is GET /api/v1/messages: the delivery log.
func (s *peopleHandlers) apiMessages(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := messageFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Messages.FindMessages(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiRetryMessage is POST /api/v1/messages/{id}/retry.
func (s *peopleHandlers) apiRetryMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Messages.RetryMessage(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// smsInbound is POST /api/v1/public/sms/inbound/{provider}: residents'
// replies as the provider in effect pushes them. The county's gateway
// signs its posts; the clouds do not, so their pushes must carry the key
// file's inbound_token, without which they are refused.
func (s *peopleHandlers) smsInbound(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("provider")
	set, err := s.Messages.EffectiveMessageSettings(r.Context())
	if err != nil {
		return err
	}
	if kind != set.Provider || !slices.Contains(sanlian.SMSProviders, kind) {
		return sanlian.Errorf(sanlian.ENOTFOUND, "本平台未使用该短信服务商（%s）", kind)
	}
	if kind != sms.KindHTTP && s.cfg.SMSKeys.InboundToken == "" {
		return sanlian.Errorf(sanlian.EUNAUTHORIZED, "未在密钥文件中设置 inbound_token，不接收%s的上行短信", sanlian.ProviderLabel(kind))
	}
	in, err := sms.ParseInbound(kind, r, s.cfg.SMSKeys)
	if errors.Is(err, sms.ErrSignature) {
		return sanlian.Errorf(sanlian.EUNAUTHORIZED, "%s", err.Error())
	} else if err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "%s", err.Error())
	}
	replies := make([]sanlian.InboundSMS, len(in))
	for i, m := range in {
		replies[i] = sanlian.InboundSMS{Provider: kind, From: m.From, Text: m.Text, At: m.At}
	}
	if _, err := s.Messages.ReceiveSMS(r.Context(), replies); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(sms.InboundAck(kind))
	return nil
}

// msgEventRow is one event of the settings form.
type msgEventRow struct {
	Event, Label            string
	SMS, Wechat             string // the template ids as typed
	SMSReason, WechatReason string // why it is not sent, "" when it is
}

// messagesPage is the office's page of messages to residents.
type messagesPage struct {
	basePage
	View       *sanlian.MsgSettingsView
	Form       url.Values
	FormError  string
	Fields     map[string]string
	Events     []msgEventRow
	Providers  []projectOption
	Items      []*sanlian.ResidentMessage
	Inbound    []*sanlian.InboundReply
	State      string
	Event      string
	States     []projectOption
	EventOpts  []projectOption
	Next       string
	First      bool
	FirstURL   string
	RetryError string
}

// MaxDaily is how many messages a phone is sent a day.
func (messagesPage) MaxDaily() int { return sanlian.MsgDailyCap }

// StateClass is the CSS class of a message state's badge.
func (messagesPage) StateClass(state string) string {
	switch state {
	case sanlian.MsgSent:
		return "green"
	case sanlian.MsgFailed:
		return "red"
	case sanlian.MsgSkipped:
		return ""
	}
	return "yellow"
}

// settingsValues fills the form from stored settings.
func settingsValues(st sanlian.MsgSettings) url.Values {
	v := url.Values{"provider": {st.Provider}, "endpoint": {st.Endpoint}, "public_url": {st.PublicURL},
		"version": {strconv.FormatInt(st.Version, 10)}}
	if st.Enabled {
		v.Set("enabled", "1")
	}
	for _, e := range sanlian.MsgTemplateEvents {
		v.Set("sms_"+e, st.SMS[e])
		v.Set("wechat_"+e, st.Wechat[e])
	}
	return v
}

// settingsInput reads the settings form.
func settingsInput(f url.Values) (*sanlian.MsgSettings, error) {
	in := &sanlian.MsgSettings{Enabled: f.Get("enabled") == "1", Provider: f.Get("provider"), Endpoint: f.Get("endpoint"),
		PublicURL: f.Get("public_url"), SMS: map[string]string{}, Wechat: map[string]string{}}
	for _, e := range sanlian.MsgTemplateEvents {
		if v := strings.TrimSpace(f.Get("sms_" + e)); v != "" {
			in.SMS[e] = v
		}
		if v := strings.TrimSpace(f.Get("wechat_" + e)); v != "" {
			in.Wechat[e] = v
		}
	}
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil || version <= 0 {
		return in, sanlian.FieldErrors(map[string]string{"version": "表单已损坏，请刷新页面后重试"})
	}
	in.Version = version
	return in, nil
}

// messagesGet is GET /messages.
func (s *peopleHandlers) messagesGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Messages.MessageSettings(r.Context())
	if err != nil {
		return err
	}
	return s.renderMessages(w, r, http.StatusOK, v, settingsValues(v.Stored), nil, "")
}

func (s *peopleHandlers) renderMessages(w http.ResponseWriter, r *http.Request, status int, v *sanlian.MsgSettingsView, form url.Values, ferr error, retryErr string) error {
	p := newParams(r)
	f := messageFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		f = sanlian.MsgFilter{}
	}
	f.Limit = 30
	page := &messagesPage{basePage: s.base(r, "群众消息告知", "messages"), View: v, Form: form, State: f.State, Event: f.Event,
		First: f.Cursor == "", RetryError: retryErr}
	if ferr != nil {
		page.FormError, page.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	for _, e := range sanlian.MsgTemplateEvents {
		page.Events = append(page.Events, msgEventRow{Event: e, Label: sanlian.MsgEventLabel(e), SMS: form.Get("sms_" + e),
			Wechat: form.Get("wechat_" + e), SMSReason: v.Skip[sanlian.ChannelSMS][e], WechatReason: v.Skip[sanlian.ChannelWechat][e]})
	}
	page.Providers = append(page.Providers, projectOption{Value: "", Label: sanlian.ProviderLabel(""), Selected: form.Get("provider") == ""})
	for _, k := range sanlian.SMSProviders {
		label := sanlian.ProviderLabel(k)
		if k == sanlian.ProviderHTTP {
			label = "自建短信网关" // the whole label is too wide for a phone's select
		}
		page.Providers = append(page.Providers, projectOption{Value: k, Label: label, Selected: form.Get("provider") == k})
	}
	for _, st := range []string{sanlian.MsgPending, sanlian.MsgSent, sanlian.MsgFailed, sanlian.MsgSkipped} {
		page.States = append(page.States, projectOption{Value: st, Label: sanlian.MsgStateLabel(st), Selected: st == f.State})
	}
	for _, e := range sanlian.MsgTemplateEvents {
		page.EventOpts = append(page.EventOpts, projectOption{Value: e, Label: sanlian.MsgEventLabel(e), Selected: e == f.Event})
	}
	items, next, err := s.Messages.FindMessages(r.Context(), f)
	if err != nil {
		return err
	}
	page.Items = items
	q := url.Values{}
	if f.State != "" {
		q.Set("state", f.State)
	}
	if f.Event != "" {
		q.Set("event", f.Event)
	}
	page.FirstURL = "/messages?" + q.Encode()
	if next != "" {
		q.Set("cursor", next)
		page.Next = "/messages?" + q.Encode()
	}
	if page.Inbound, err = s.Messages.RecentInbound(r.Context(), 20); err != nil {
		return err
	}
	return s.render(w, r, status, "messages", page)
}

// messagesSettingsSubmit is POST /messages/settings.
func (s *peopleHandlers) messagesSettingsSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	in, err := settingsInput(r.PostForm)
	if err == nil {
		_, err = s.Messages.UpdateMessageSettings(r.Context(), in)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		v, verr := s.Messages.MessageSettings(r.Context())
		if verr != nil {
			return verr
		}
		f := r.PostForm
		if code == sanlian.ECONFLICT {
			f.Set("version", strconv.FormatInt(v.Stored.Version, 10))
		}
		return s.renderMessages(w, r, sanlian.HTTPStatus(code), v, f, err, "")
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/messages?ok="+url.QueryEscape("已保存"), http.StatusSeeOther)
	return nil
}

// messageRetrySubmit is POST /messages/{id}/retry: sends a failed
// message again.
func (s *peopleHandlers) messageRetrySubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	_, err = s.Messages.RetryMessage(r.Context(), id)
	if code := sanlian.ErrorCode(err); code == sanlian.ECONFLICT || code == sanlian.ENOTFOUND {
		v, verr := s.Messages.MessageSettings(r.Context())
		if verr != nil {
			return verr
		}
		return s.renderMessages(w, r, sanlian.HTTPStatus(code), v, settingsValues(v.Stored), nil, sanlian.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/messages?ok="+url.QueryEscape("已重新排队发送"), http.StatusSeeOther)
	return nil
}
