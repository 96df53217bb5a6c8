package web

// Tracking by phone (按手机号查询) on the people's side: the phone gets a
// one-time code by SMS, the code lists the phone's problems; and the link
// on a problem's page that ends its SMS messages. Asking for a code costs
// a proof of work (abuse.go) as a submission does, since it may send an
// SMS; the limits per phone, per client and per county are kept by the
// storage (sanlian.LookupService), shared by every node.

import (
	"net/http"
	"strings"

	"sanlian"
)

// lookupRoutes are tracking by phone, the unsubscribe link and the WeChat
// entry, open to anyone.
func (s *peopleHandlers) lookupRoutes() []route {
	return []route{
		{pattern: "POST /track/lookup", h: s.lookupForm, acc: public()},
		{pattern: "POST /track/lookup/verify", h: s.lookupVerifyForm, acc: public()},
		{pattern: "POST /track/{code}/unsubscribe", h: s.unsubscribeForm, acc: public()},
		{pattern: "GET /wechat/oauth", h: s.wechatOAuth, acc: public()},

		{pattern: "POST /api/v1/public/lookup", h: s.apiLookup, acc: public()},
		{pattern: "POST /api/v1/public/lookup/verify", h: s.apiLookupVerify, acc: public()},
	}
}

// lookupBlock is the form "用手机号查询" on the tracking form page.
type lookupBlock struct {
	Base      string // the path prefix of the page (publicBase.Base)
	Challenge *Challenge
	Phone     string
	Message   string
	Errors    map[string]string
}

// newLookupBlock is the form with a fresh challenge; nil when tracking by
// phone is not served or no challenge can be made (the page then shows
// only the tracking code's form).
func (s *peopleHandlers) newLookupBlock(r *http.Request) *lookupBlock {
	if s.Lookup == nil {
		return nil
	}
	ch, err := s.newChallenge(r.Context())
	if err != nil {
		s.logInternal(r, err)
		return nil
	}
	return &lookupBlock{Base: basePath(r.Context()), Challenge: ch}
}

// lookupPage is the second and third steps: the code's form, then the
// phone's problems.
type lookupPage struct {
	publicBase
	Phone   string // as typed, for the code's form
	Sent    string // the one answer to a request for a code
	Message string
	Errors  map[string]string
	Items   []lookupRow
	Listed  bool // the code was right: Items is the list
}

// lookupRow is one problem of the list.
type lookupRow struct {
	sanlian.LookupItem
	Formatted string
}

// lookupClient is the limiter key of the request's client, which the
// storage counts codes by.
func (s *peopleHandlers) lookupClient(r *http.Request) string {
	return keyOf(clientAddr(r, s.cfg.TrustedProxies))
}

// errLookupOff answers when the server has no lookup service.
var errLookupOff = sanlian.Errorf(sanlian.ENOTFOUND, "本平台未开通按手机号查询，请凭查询码查询")

// requestLookup is one request for a code through every check: the
// proof of work, then the storage's limits.
func (s *peopleHandlers) requestLookup(r *http.Request, phone, challenge, nonce string) error {
	if s.Lookup == nil {
		return errLookupOff
	}
	if sanlian.NormalizeMobile(phone) == "" {
		// Refused before the proof of work is spent: the resident
		// fixes the number on the same challenge.
		return &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请输入 11 位手机号（中国大陆手机号码）",
			Fields: map[string]string{"phone": "请输入 11 位手机号"}}
	}
	if err := s.verifyChallenge(r.Context(), challenge, nonce); err != nil {
		return err
	}
	return s.Lookup.RequestLookup(sanlian.NewPublicContext(r.Context()), phone, s.lookupClient(r))
}

// parsePublicForm reads a small form of the people's side.
func parsePublicForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, publicEnvelope)
	if err := r.ParseForm(); err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "提交的内容格式有误或过长，请返回重新填写")
	}
	return nil
}

// lookupForm is POST /track/lookup: a code is asked for.
func (s *peopleHandlers) lookupForm(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketTrack) {
		return nil
	}
	if err := parsePublicForm(w, r); err != nil {
		return s.publicFail(w, r, err)
	}
	phone := strings.TrimSpace(r.PostForm.Get("phone"))
	if len(phone) > 20 {
		phone = phone[:20]
	}
	err := s.requestLookup(r, phone, r.PostForm.Get("challenge"), r.PostForm.Get("nonce"))
	if err != nil {
		// Back to the tracking form, with the number typed and why.
		s.logInternal(r, err)
		blk := s.newLookupBlock(r)
		if blk == nil {
			return s.publicFail(w, r, err)
		}
		blk.Phone, blk.Message, blk.Errors = phone, sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		if ch := sanlian.ErrorFields(err)["challenge"]; ch != "" && blk.Errors["phone"] == "" {
			blk.Errors = map[string]string{"phone": ch}
		}
		return s.renderPublic(w, r, sanlian.HTTPStatus(sanlian.ErrorCode(err)), "public_track_form",
			&trackFormPage{publicBase: publicBase{Title: "进度查询", Via: viaOf(r), Here: "/track"}, Lookup: blk})
	}
	return s.renderPublic(w, r, http.StatusAccepted, "public_lookup", &lookupPage{publicBase: publicBase{Title: "按手机号查询", Via: viaOf(r), Here: "/track"},
		Phone: phone, Sent: sanlian.LookupSent})
}

// lookupVerifyForm is POST /track/lookup/verify: the code is typed.
func (s *peopleHandlers) lookupVerifyForm(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketTrack) {
		return nil
	}
	if err := parsePublicForm(w, r); err != nil {
		return s.publicFail(w, r, err)
	}
	if s.Lookup == nil {
		return s.publicFail(w, r, errLookupOff)
	}
	phone := strings.TrimSpace(r.PostForm.Get("phone"))
	if len(phone) > 20 {
		phone = phone[:20]
	}
	p := &lookupPage{publicBase: publicBase{Title: "按手机号查询", Via: viaOf(r), Here: "/track"}, Phone: phone}
	items, err := s.Lookup.VerifyLookup(sanlian.NewPublicContext(r.Context()), phone, r.PostForm.Get("code"))
	if err != nil {
		s.logInternal(r, err)
		if c := sanlian.ErrorCode(err); c != sanlian.EUNPROCESSABLE && c != sanlian.ETOOMANY {
			return s.publicFail(w, r, err)
		}
		p.Message, p.Errors = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		return s.renderPublic(w, r, sanlian.HTTPStatus(sanlian.ErrorCode(err)), "public_lookup", p)
	}
	p.Listed, p.Phone = true, sanlian.MaskPhone(sanlian.NormalizeMobile(phone))
	for _, it := range items {
		p.Items = append(p.Items, lookupRow{LookupItem: it, Formatted: sanlian.FormatTrackingCode(it.Code)})
	}
	return s.renderPublic(w, r, http.StatusOK, "public_lookup", p)
}

// unsubscribeForm is POST /track/{code}/unsubscribe: the link that ends a
// problem's SMS messages, for whoever knows the phone's last four digits.
func (s *peopleHandlers) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketRate) || !s.limitKey(w, r, BucketRateCode, rateKey(r)) {
		return nil
	}
	if err := parsePublicForm(w, r); err != nil {
		return s.publicFail(w, r, err)
	}
	if s.Lookup == nil {
		return s.publicFail(w, r, errLookupOff)
	}
	code := r.PathValue("code")
	ctx := sanlian.NewPublicContext(r.Context())
	err := s.Lookup.UnsubscribePublic(ctx, code, r.PostForm.Get("phone_last4"))
	if err == nil {
		http.Redirect(w, r, basePath(r.Context())+"/track/"+sanlian.NormalizeTrackingCode(code)+"?unsubscribed=1", http.StatusSeeOther)
		return nil
	}
	c := sanlian.ErrorCode(err)
	if c == sanlian.ENOTFOUND && sanlian.NormalizeTrackingCode(code) == "" {
		return s.trackFail(w, r, err)
	}
	if c != sanlian.ENOTFOUND && c != sanlian.EUNPROCESSABLE && c != sanlian.ECONFLICT {
		return s.publicFail(w, r, err)
	}
	// The problem's page again, with why. A wrong number and an unknown
	// code are one answer: the page of an unknown code is not found.
	p, terr := s.Public.TrackPublic(ctx, code)
	if terr != nil {
		return s.trackFail(w, r, terr)
	}
	d := &trackPageData{publicBase: publicBase{Title: "办理进度", Via: viaOf(r), Here: "/track/" + sanlian.NormalizeTrackingCode(p.Code)}, P: p, Code: sanlian.FormatTrackingCode(sanlian.NormalizeTrackingCode(p.Code)),
		Raw: sanlian.NormalizeTrackingCode(p.Code)}
	d.Unsubscribe = &unsubscribeBlock{Message: sanlian.ErrorMessage(err)}
	if c == sanlian.ENOTFOUND {
		d.Unsubscribe.Message = "手机号后四位不正确，请核对提交问题时所留的手机号"
	}
	return s.renderPublic(w, r, sanlian.HTTPStatus(c), "public_track", d)
}

// unsubscribeBlock is the unsubscribe form's outcome on a problem's page.
type unsubscribeBlock struct {
	Done    bool
	Message string
}

// lookupJSON is the body of POST /api/v1/public/lookup.
type lookupJSON struct {
	Phone     string `json:"phone"`
	Challenge string `json:"challenge"`
	Nonce     string `json:"nonce"`
}

// lookupVerifyJSON is the body of POST /api/v1/public/lookup/verify.
type lookupVerifyJSON struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// apiLookup is POST /api/v1/public/lookup: 202 and the one answer.
func (s *peopleHandlers) apiLookup(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketTrack) {
		return nil
	}
	var in lookupJSON
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.requestLookup(r, in.Phone, in.Challenge, in.Nonce); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"message": sanlian.LookupSent})
	return nil
}

// apiLookupVerify is POST /api/v1/public/lookup/verify.
func (s *peopleHandlers) apiLookupVerify(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketTrack) {
		return nil
	}
	var in lookupVerifyJSON
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if s.Lookup == nil {
		return errLookupOff
	}
	items, err := s.Lookup.VerifyLookup(sanlian.NewPublicContext(r.Context()), in.Phone, in.Code)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		Items []sanlian.LookupItem `json:"items"`
	}{items})
	return nil
}
