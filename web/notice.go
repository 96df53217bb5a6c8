package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// noticeRoutes are in-app notices and the office's outbound webhooks:
// every signed-in role has its own notices; webhooks send the county's
// events out, so only the office configures them.
func (s *officeHandlers) noticeRoutes() []route {
	return []route{
		{pattern: "GET /api/v1/notices", h: s.apiNotices, acc: everyone},
		{pattern: "POST /api/v1/notices/{id}/read", h: s.apiReadNotice, acc: everyone},
		{pattern: "GET /api/v1/webhooks", h: s.apiWebhooks, acc: roles(office)},
		{pattern: "POST /api/v1/webhooks", h: s.apiCreateWebhook, acc: roles(office)},
		{pattern: "PATCH /api/v1/webhooks/{id}", h: s.apiUpdateWebhook, acc: roles(office)},
		{pattern: "GET /api/v1/webhooks/{id}/deliveries", h: s.apiDeliveries, acc: roles(office)},

		{pattern: "GET /notices", h: s.noticesPage, acc: everyone},
		{pattern: "POST /notices/{id}/read", h: s.noticeReadSubmit, acc: everyone},
		{pattern: "POST /notices/read-all", h: s.noticesReadAllSubmit, acc: everyone},
		{pattern: "GET /webhooks", h: s.webhooksPage, acc: roles(office)},
		{pattern: "POST /webhooks", h: s.webhookCreateSubmit, acc: roles(office)},
		{pattern: "GET /webhooks/{id}", h: s.webhookPage, acc: roles(office)},
		{pattern: "POST /webhooks/{id}", h: s.webhookUpdateSubmit, acc: roles(office)},
		{pattern: "POST /webhooks/{id}/deliveries/retry", h: s.deliveryRetrySubmit, acc: roles(office)},
	}
}

func noticeFilter(p *params) sanlian.NoticeFilter {
	f := sanlian.NoticeFilter{Kind: p.oneOf("kind", sanlian.NoticeKinds...), Cursor: p.str("cursor"), Limit: p.limit()}
	if b := p.boolPtr("unread"); b != nil {
		f.Unread = *b
	}
	return f
}

// noticeList is the answer of GET /api/v1/notices: a page of notices and
// the caller's unread count.
type noticeList struct {
	Items      []*sanlian.Notice `json:"items"`
	NextCursor string            `json:"next_cursor"`
	Unread     int               `json:"unread"`
}

// apiNotices is GET /api/v1/notices.
func (s *officeHandlers) apiNotices(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := noticeFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Notices.FindNotices(r.Context(), f)
	if err != nil {
		return err
	}
	n, err := s.Notices.CountUnread(r.Context())
	if err != nil {
		return err
	}
	if items == nil {
		items = []*sanlian.Notice{}
	}
	writeJSON(w, http.StatusOK, noticeList{Items: items, NextCursor: next, Unread: n})
	return nil
}

// apiReadNotice is POST /api/v1/notices/{id}/read.
func (s *officeHandlers) apiReadNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.Notices.MarkNoticeRead(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// apiWebhooks is GET /api/v1/webhooks.
func (s *officeHandlers) apiWebhooks(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Notices.FindWebhooks(r.Context())
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// apiCreateWebhook is POST /api/v1/webhooks.
func (s *officeHandlers) apiCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	h, err := s.Notices.CreateWebhook(r.Context(), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(h.ID, 10))
	writeJSON(w, http.StatusCreated, h)
	return nil
}

// apiUpdateWebhook is PATCH /api/v1/webhooks/{id}: the fields sent
// change, the others stay; version is required.
func (s *officeHandlers) apiUpdateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sanlian.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := needVersion(in.Version); err != nil {
		return err
	}
	cur, err := s.Notices.FindWebhookByID(r.Context(), id)
	if err != nil {
		return err
	}
	if in.Name == "" {
		in.Name = cur.Name
	}
	if in.Kind == "" {
		in.Kind = cur.Kind
	}
	if in.Events == nil {
		in.Events = cur.Events
	}
	h, err := s.Notices.UpdateWebhook(r.Context(), id, &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// apiDeliveries is GET /api/v1/webhooks/{id}/deliveries: the delivery
// log, newest first, each with its attempts.
func (s *officeHandlers) apiDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := newParams(r)
	state := p.oneOf("state", sanlian.DeliveryPending, sanlian.DeliveryDelivered, sanlian.DeliveryFailed)
	limit := p.limit()
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Notices.FindDeliveries(r.Context(), id, state, p.str("cursor"), limit)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// Pages.

type noticesPage struct {
	basePage
	Items    []*sanlian.Notice
	F        sanlian.NoticeFilter
	Kinds    []projectOption
	Next     string
	First    bool
	FirstURL string
}

// noticesPage is GET /notices: the caller's notices, newest first.
func (s *officeHandlers) noticesPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := noticeFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	page := &noticesPage{basePage: s.base(r, "消息", "notices"), F: f, First: f.Cursor == ""}
	for _, k := range sanlian.NoticeKinds {
		page.Kinds = append(page.Kinds, projectOption{Value: k, Label: sanlian.NoticeKindLabel(k), Selected: k == f.Kind})
	}
	items, next, err := s.Notices.FindNotices(r.Context(), f)
	if err != nil {
		return err
	}
	page.Items, page.Next = items, nextURL(r, next)
	q := r.URL.Query()
	q.Del("cursor")
	page.FirstURL = "/notices?" + q.Encode()
	return s.render(w, r, http.StatusOK, "notices", page)
}

// localPath reports whether link is a path on this site, safe to
// redirect to.
func localPath(link string) bool {
	return strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") && !strings.ContainsAny(link, "\\\r\n")
}

// noticeReadSubmit is POST /notices/{id}/read: marks the notice read and,
// with open=1, goes on to what it is about; otherwise back to the list.
func (s *officeHandlers) noticeReadSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	n, err := s.Notices.MarkNoticeRead(r.Context(), id)
	if err != nil {
		return err
	}
	to := "/notices?ok=" + url.QueryEscape("已标为已读")
	if r.PostForm.Get("open") == "1" && localPath(n.Link) {
		to = n.Link
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// noticesReadAllSubmit is POST /notices/read-all.
func (s *officeHandlers) noticesReadAllSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	n, err := s.Notices.MarkAllNoticesRead(r.Context())
	if err != nil {
		return err
	}
	msg := "没有未读消息"
	if n > 0 {
		msg = "已将 " + strconv.Itoa(n) + " 条消息标为已读"
	}
	http.Redirect(w, r, "/notices?ok="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// webhookForm is the create and edit form as typed.
type webhookForm struct {
	Values url.Values
	Error  string
	Fields map[string]string
}

// Has reports whether the form's events include e.
func (f webhookForm) Has(e string) bool {
	for _, v := range f.Values["events"] {
		if v == e {
			return true
		}
	}
	return false
}

// webhookView is what the webhook pages share.
type webhookView struct{}

// Kinds are the formats, for the form's select.
func (webhookView) Kinds() []projectOption {
	out := make([]projectOption, len(sanlian.WebhookKinds))
	for i, k := range sanlian.WebhookKinds {
		out[i] = projectOption{Value: k, Label: sanlian.WebhookKindLabel(k)}
	}
	return out
}

// Events are the events, for the form's checkboxes.
func (webhookView) Events() []projectOption {
	out := make([]projectOption, len(sanlian.WebhookEvents))
	for i, e := range sanlian.WebhookEvents {
		out[i] = projectOption{Value: e, Label: sanlian.WebhookEventLabel(e)}
	}
	return out
}

// EventLabel is the Chinese name of an event.
func (webhookView) EventLabel(e string) string { return sanlian.WebhookEventLabel(e) }

// Sources are the source filters, for the form's select: every source
// first.
func (webhookView) Sources() []projectOption {
	out := []projectOption{{Value: "", Label: sanlian.WebhookSourceLabel("")}}
	for _, s := range sanlian.Sources {
		out = append(out, projectOption{Value: s, Label: sanlian.SourceLabel(s)})
	}
	return out
}

// StateClass is the CSS class of a delivery state's badge.
func (webhookView) StateClass(state string) string {
	switch state {
	case sanlian.DeliveryDelivered:
		return "green"
	case sanlian.DeliveryFailed:
		return "red"
	}
	return "yellow"
}

type webhooksPage struct {
	basePage
	webhookView
	Items []*sanlian.Webhook
	H     *sanlian.Webhook // none: the form is for a new webhook
	Form  webhookForm
}

// webhooksPage is GET /webhooks: the office's webhooks and the form for
// a new one.
func (s *officeHandlers) webhooksPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderWebhooks(w, r, http.StatusOK, url.Values{"kind": {sanlian.WebhookWeCom}, "active": {"1"}}, nil)
}

func (s *officeHandlers) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	items, err := s.Notices.FindWebhooks(r.Context())
	if err != nil {
		return err
	}
	page := &webhooksPage{basePage: s.base(r, "消息推送", "webhooks"), Items: items, Form: webhookForm{Values: form}}
	if ferr != nil {
		page.Form.Error, page.Form.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	return s.render(w, r, status, "webhooks", page)
}

// webhookInput reads the webhook form.
func webhookInput(f url.Values) *sanlian.WebhookInput {
	active := f.Get("active") == "1"
	source := f.Get("source")
	return &sanlian.WebhookInput{Name: f.Get("name"), Kind: f.Get("kind"), URL: f.Get("url"), Secret: f.Get("secret"),
		ClearSecret: f.Get("clear_secret") == "1", Events: f["events"], Source: &source, Active: &active}
}

// webhookCreateSubmit is POST /webhooks.
func (s *officeHandlers) webhookCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	h, err := s.Notices.CreateWebhook(r.Context(), webhookInput(r.PostForm))
	if sanlian.ErrorCode(err) == sanlian.EUNPROCESSABLE {
		f := r.PostForm
		f.Del("secret") // never echoed back
		return s.renderWebhooks(w, r, http.StatusUnprocessableEntity, f, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/webhooks/"+strconv.FormatInt(h.ID, 10)+"?ok="+url.QueryEscape("已添加消息推送"), http.StatusSeeOther)
	return nil
}

type webhookPage struct {
	basePage
	webhookView
	H          *sanlian.Webhook
	Form       webhookForm
	Deliveries []*sanlian.WebhookDelivery
	State      string
	Next       string
	First      bool
	FirstURL   string
	RetryError string
}

// webhookPage is GET /webhooks/{id}: the edit form and the delivery log.
func (s *officeHandlers) webhookPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.Notices.FindWebhookByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderWebhook(w, r, http.StatusOK, h, webhookValues(h), nil, "")
}

// webhookValues fills the edit form from h; URL and secret stay empty,
// meaning "keep".
func webhookValues(h *sanlian.Webhook) url.Values {
	v := url.Values{"name": {h.Name}, "kind": {h.Kind}, "events": h.Events, "source": {h.Source}, "version": {strconv.FormatInt(h.Version, 10)}}
	if h.Active {
		v.Set("active", "1")
	}
	return v
}

func (s *officeHandlers) renderWebhook(w http.ResponseWriter, r *http.Request, status int, h *sanlian.Webhook, form url.Values, ferr error, retryErr string) error {
	p := newParams(r)
	state := p.oneOf("state", sanlian.DeliveryPending, sanlian.DeliveryDelivered, sanlian.DeliveryFailed)
	cursor := p.str("cursor")
	if err := p.err(); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		state, cursor = "", ""
	}
	page := &webhookPage{basePage: s.base(r, "消息推送 · "+h.Name, "webhooks"), H: h, Form: webhookForm{Values: form},
		State: state, First: cursor == "", RetryError: retryErr}
	if ferr != nil {
		page.Form.Error, page.Form.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	ds, next, err := s.Notices.FindDeliveries(r.Context(), h.ID, state, cursor, 30)
	if err != nil {
		return err
	}
	page.Deliveries = ds
	if r.Method == http.MethodGet {
		page.Next = nextURL(r, next)
	} else if next != "" {
		page.Next = "/webhooks/" + strconv.FormatInt(h.ID, 10) + "?cursor=" + url.QueryEscape(next)
	}
	page.FirstURL = "/webhooks/" + strconv.FormatInt(h.ID, 10)
	if state != "" {
		page.FirstURL += "?state=" + state
	}
	return s.render(w, r, status, "webhooks_detail", page)
}

// webhookUpdateSubmit is POST /webhooks/{id}: the edit form with the
// version it was read at.
func (s *officeHandlers) webhookUpdateSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	f := r.PostForm
	in := webhookInput(f)
	version, verr := strconv.ParseInt(f.Get("version"), 10, 64)
	if verr != nil || version <= 0 {
		err = sanlian.FieldErrors(map[string]string{"version": "表单已损坏，请刷新页面后重试"})
	} else {
		in.Version = version
		_, err = s.Notices.UpdateWebhook(r.Context(), id, in)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		h, ferr := s.Notices.FindWebhookByID(r.Context(), id)
		if ferr != nil {
			return ferr
		}
		if code == sanlian.ECONFLICT {
			f.Set("version", strconv.FormatInt(h.Version, 10))
		}
		f.Del("secret")
		return s.renderWebhook(w, r, sanlian.HTTPStatus(code), h, f, err, "")
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/webhooks/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已保存"), http.StatusSeeOther)
	return nil
}

// deliveryRetrySubmit is POST /webhooks/{id}/deliveries/retry with the
// delivery's id in the form: sends a failed delivery again.
func (s *officeHandlers) deliveryRetrySubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	h, err := s.Notices.FindWebhookByID(r.Context(), id)
	if err != nil {
		return err
	}
	d, perr := strconv.ParseInt(strings.TrimSpace(r.Form.Get("delivery")), 10, 64) // the form or ?delivery=
	if perr != nil || d <= 0 {
		err = sanlian.FieldErrors(map[string]string{"delivery": "请选择要重新发送的推送记录"})
	} else {
		_, err = s.Notices.RetryDelivery(r.Context(), id, d)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT || code == sanlian.ENOTFOUND {
		return s.renderWebhook(w, r, sanlian.HTTPStatus(code), h, webhookValues(h), nil, sanlian.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/webhooks/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已重新排队发送"), http.StatusSeeOther)
	return nil
}
