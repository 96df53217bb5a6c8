package web

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
	"time"

	"sanlian"
)

// The people's side: a resident raises a problem without an account from a
// phone (in WeChat's browser too), follows it by its tracking code, and
// rates the result. Everything a stranger sends passes the rate limits,
// the proof of work, the honeypot and the least fill time (abuse.go), and
// a size limit on every field and photo.

// publicRoutes are the people's side: submission, tracking, rating and the
// results page, open to anyone, with no account.
func (s *peopleHandlers) publicRoutes() []route {
	return []route{
		{pattern: "GET /submit", h: s.submitPage, acc: public()},
		{pattern: "POST /submit", h: s.submitForm, acc: public()},
		{pattern: "GET /track", h: s.trackForm, acc: public()},
		{pattern: "GET /track/{code}", h: s.trackPage, acc: public()},
		{pattern: "POST /track/{code}/rate", h: s.rateForm, acc: public()},
		{pattern: "GET /results", h: s.resultsPage, acc: public()},

		{pattern: "GET /api/v1/public/form", h: s.apiPublicForm, acc: public()},
		{pattern: "GET /api/v1/public/challenge", h: s.apiPublicChallenge, acc: public()},
		{pattern: "POST /api/v1/public/problems", h: s.apiPublicSubmit, acc: public()},
		{pattern: "GET /api/v1/public/problems/{code}", h: s.apiPublicTrack, acc: public()},
		{pattern: "POST /api/v1/public/problems/{code}/rating", h: s.apiPublicRate, acc: public()},
		{pattern: "GET /api/v1/public/results", h: s.apiPublicResults, acc: public()},
	}
}

// Limits of what a submission's body may hold.
const (
	// publicEnvelope is the text fields and multipart headers.
	publicEnvelope = 64 << 10
	// maxPublicBody caps a whole submission: the photos and the envelope.
	maxPublicBody = sanlian.MaxPublicPhotos*sanlian.MaxPublicPhoto + publicEnvelope
	// maxPublicField caps one text field (the description's 2,000
	// characters are at most 8 KB in UTF-8).
	maxPublicField = 16 << 10
	// honeypotField must stay empty: people do not see it.
	honeypotField = "website"
)

// ConsentText says how the name and phone are used; the form shows it
// beside the checkbox and the API hands it out.
const ConsentText = "我同意将姓名和手机号仅用于工作人员联系我核实、反馈办理情况和回访；手机号在系统中脱敏显示，不对外公开，不作他用。"

// publicBase is what the people's side's layout needs.
type publicBase struct {
	Title  string
	Via    string // wechat when entered from WeChat's link
	County string // the county's name, set by renderPublic
	// Base is the path prefix the page is served under (/c/430923 on a
	// deployment's shared host), "" at the root; every link starts with it.
	Base string
	// Elder is 长辈版 (large type), set by renderPublic from ?elder= or
	// the device's cookie.
	Elder bool
	// Here is the address that shows this page again by GET, where the
	// 长辈版 switch sends; a handler answering a POST may set it (the
	// receipt's is its tracking page), or renderPublic derives it.
	Here string
	// Keep is the query Here carries on in the switch's links.
	Keep []keptParam
}

// keptParam is one query parameter the 长辈版 switch carries on.
type keptParam struct{ Name, Value string }

// ElderHref is the switch's link to this page with 长辈版 on ("1") or
// off ("0").
func (b *publicBase) ElderHref(on string) string {
	q := url.Values{}
	for _, k := range b.Keep {
		q.Set(k.Name, k.Value)
	}
	q.Set("elder", on)
	return b.Base + b.Here + "?" + q.Encode()
}

func (b *publicBase) base() *publicBase { return b }

// elderCookie remembers 长辈版 on the device: "1", or absent.
const elderCookie = "elder"

// elderMode reads 长辈版 from the request: ?elder=1 turns it on and
// ?elder=0 off, remembered in the cookie; without the query, the cookie
// decides.
func (s *peopleHandlers) elderMode(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Query().Get("elder") {
	case "1":
		http.SetCookie(w, &http.Cookie{Name: elderCookie, Value: "1", Path: "/", MaxAge: 365 * 24 * 3600,
			Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
		return true
	case "0":
		http.SetCookie(w, &http.Cookie{Name: elderCookie, Value: "", Path: "/", MaxAge: -1,
			Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
		return false
	}
	c, err := r.Cookie(elderCookie)
	return err == nil && c.Value == "1"
}

// setHere fills in where the switch sends: the page's own GET address,
// with the query parameters that choose what it shows; an answer to a
// POST goes to the GET page it came from.
func (b *publicBase) setHere(r *http.Request) {
	if b.Here == "" {
		b.Here = r.URL.Path
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			b.Here = strings.TrimSuffix(b.Here, "/rate")
		}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if v := r.URL.Query().Get("code"); v != "" && len(v) <= 40 {
			b.Keep = append(b.Keep, keptParam{"code", v})
		}
	}
	if b.Via == sanlian.SourceWechat {
		b.Keep = append(b.Keep, keptParam{"via", sanlian.SourceWechat})
	}
}

// publicErrorPage is a refusal on the people's side.
type publicErrorPage struct {
	publicBase
	Message string
	Fields  map[string]string
}

// renderPublic writes a page of the people's side in its own phone-first
// layout, with no staff menu.
func (s *peopleHandlers) renderPublic(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	if p, ok := data.(interface{ base() *publicBase }); ok {
		b := p.base()
		b.County = s.countyName(r.Context())
		b.Base = basePath(r.Context())
		b.Elder = s.elderMode(w, r)
		b.setHere(r)
	}
	return s.renderIn(w, status, name, "public_layout", data)
}

// renderPublicError answers a refusal on the people's side as a page.
func (s *peopleHandlers) renderPublicError(w http.ResponseWriter, r *http.Request, status int, title, msg string, fields map[string]string) {
	p := &publicErrorPage{publicBase: publicBase{Title: title, Via: viaOf(r)}, Message: msg, Fields: fields}
	if err := s.renderPublic(w, r, status, "public_error", p); err != nil {
		s.log.Error("render public error page", "err", err)
		http.Error(w, msg, status)
	}
}

// publicFail answers an error of the people's pages in their layout.
func (s *peopleHandlers) publicFail(w http.ResponseWriter, r *http.Request, err error) error {
	s.logInternal(r, err)
	code := sanlian.ErrorCode(err)
	s.renderPublicError(w, r, sanlian.HTTPStatus(code), titleOf(code), sanlian.ErrorMessage(err), sanlian.ErrorFields(err))
	return nil
}

// viaOf is the entry link's source: wechat, or portal.
func viaOf(r *http.Request) string {
	v := r.URL.Query().Get("via")
	if v == "" && r.Form != nil { // only once the handler has read the form
		v = r.Form.Get("via")
	}
	if v == sanlian.SourceWechat {
		return sanlian.SourceWechat
	}
	return sanlian.SourcePortal
}

// publicTownship is a township with its villages, for the pickers.
type publicTownship struct {
	Code     string           `json:"code"`
	Name     string           `json:"name"`
	Villages []*publicVillage `json:"villages"`
}

type publicVillage struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type publicCategory struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// publicOptions are the form's choices: the categories in use, and the
// townships with their villages. They are public dictionaries, read as
// the system.
func (s *peopleHandlers) publicOptions(ctx context.Context) ([]publicCategory, []*publicTownship, error) {
	sys := sanlian.NewSystemContext(ctx)
	cats, err := s.Problems.FindCategories(sys, false)
	if err != nil {
		return nil, nil, err
	}
	cs := make([]publicCategory, 0, len(cats))
	for _, c := range cats {
		cs = append(cs, publicCategory{Code: c.Code, Name: c.Name})
	}
	var towns []*publicTownship
	byCode := map[string]*publicTownship{}
	for _, kind := range []string{sanlian.RegionTownship, sanlian.RegionVillage} {
		cursor := ""
		for {
			rs, next, err := s.Regions.FindRegions(sys, sanlian.RegionFilter{Kind: kind, Cursor: cursor, Limit: 500})
			if err != nil {
				return nil, nil, err
			}
			for _, r := range rs {
				if kind == sanlian.RegionTownship {
					t := &publicTownship{Code: r.Code, Name: r.Name}
					towns = append(towns, t)
					byCode[r.Code] = t
				} else if t := byCode[r.ParentCode]; t != nil {
					t.Villages = append(t.Villages, &publicVillage{Code: r.Code, Name: r.Name})
				}
			}
			if next == "" || len(rs) == 0 {
				break
			}
			cursor = next
		}
	}
	return cs, towns, nil
}

// townshipOf is the township of a village code among the options.
func townshipOf(towns []*publicTownship, village string) string {
	for _, t := range towns {
		for _, v := range t.Villages {
			if v.Code == village {
				return t.Code
			}
		}
	}
	return ""
}

// submitPageData is the submission form.
type submitPageData struct {
	publicBase
	Challenge   *Challenge
	Categories  []publicCategory
	Townships   []*publicTownship
	Township    string
	Form        sanlian.PublicSubmission
	Errors      map[string]string
	Message     string
	Consent     string
	MaxPhotos   int
	MaxPhotoMB  int
	MaxDescribe int
	// Wechat: entered through WeChat with a signed OpenID, so the form
	// offers WeChat template messages.
	Wechat bool
}

// submitPage is GET /submit (?via=wechat from WeChat's link).
func (s *peopleHandlers) submitPage(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketChallenge) {
		return nil
	}
	if s.wechatEntry(w, r) {
		return nil
	}
	return s.renderSubmit(w, r, http.StatusOK, &sanlian.PublicSubmission{Source: viaOf(r)}, nil)
}

// renderSubmit shows the form with what was typed and the errors, with a
// fresh challenge.
func (s *peopleHandlers) renderSubmit(w http.ResponseWriter, r *http.Request, status int, sub *sanlian.PublicSubmission, err error) error {
	ch, e := s.newChallenge(r.Context())
	if e != nil {
		return s.publicFail(w, r, e)
	}
	cats, towns, e := s.publicOptions(r.Context())
	if e != nil {
		return s.publicFail(w, r, e)
	}
	p := &submitPageData{publicBase: publicBase{Title: "我要反映问题", Via: sub.Source}, Challenge: ch,
		Categories: cats, Townships: towns, Township: townshipOf(towns, sub.VillageCode), Form: *sub,
		Consent: ConsentText, MaxPhotos: sanlian.MaxPublicPhotos, MaxPhotoMB: sanlian.MaxPublicPhoto >> 20,
		MaxDescribe: sanlian.MaxPublicDescription}
	if p.Via != sanlian.SourceWechat {
		p.Via = sanlian.SourcePortal
	}
	p.Wechat = p.Via == sanlian.SourceWechat && s.Wechat != nil && s.wechatOpenID(r) != ""
	if err != nil {
		s.logInternal(r, err)
		p.Message = sanlian.ErrorMessage(err)
		p.Errors = sanlian.ErrorFields(err)
		status = sanlian.HTTPStatus(sanlian.ErrorCode(err))
	}
	return s.renderPublic(w, r, status, "public_submit", p)
}

// publicPhoto is one photo of a submission, read whole and checked before
// anything is stored.
type publicPhoto struct {
	name string
	data []byte
}

var errPublicTooLarge = &sanlian.Error{Code: sanlian.ETOOLARGE,
	Message: fmt.Sprintf("照片太大：每张不能超过 %d MB，最多 %d 张。请压缩或换一张照片后重新提交，您填写的文字不会丢失。",
		sanlian.MaxPublicPhoto>>20, sanlian.MaxPublicPhotos),
	Fields: map[string]string{"photos": fmt.Sprintf("每张照片不能超过 %d MB", sanlian.MaxPublicPhoto>>20)}}

// readPublicForm reads a submission form as it streams: text fields, each
// at most maxPublicField, and up to MaxPublicPhotos photos (field photos)
// of at most MaxPublicPhoto each; the whole body at most maxPublicBody.
// The form puts its photos last: the text read before a photo turned out
// too large is returned with the error, so that the form comes back
// filled in, and the rest of the body is not read.
func readPublicForm(w http.ResponseWriter, r *http.Request) (url.Values, []publicPhoto, error) {
	form := url.Values{}
	r.Body = http.MaxBytesReader(w, r.Body, maxPublicBody)
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(w, r.Body, publicEnvelope)
		if err := r.ParseForm(); err != nil {
			return form, nil, sanlian.Errorf(sanlian.EINVALID, "提交的内容格式有误或过长，请返回重新填写")
		}
		return r.PostForm, nil, nil
	}
	r.Form = form
	mr, err := r.MultipartReader()
	if err != nil {
		return form, nil, sanlian.Errorf(sanlian.EINVALID, "提交的内容格式有误，请从“我要反映”页面提交")
	}
	broken := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errPublicTooLarge
		}
		return sanlian.Errorf(sanlian.EINVALID, "提交的内容不完整，请检查网络后重新提交")
	}
	var photos []publicPhoto
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return form, nil, broken(err)
		}
		name := part.FormName()
		switch {
		case name == "photos":
			data, err := io.ReadAll(io.LimitReader(part, sanlian.MaxPublicPhoto+1))
			if err != nil {
				return form, nil, broken(err)
			}
			if part.FileName() == "" && len(data) == 0 {
				continue // the file input left empty
			}
			if len(data) > sanlian.MaxPublicPhoto {
				return form, nil, errPublicTooLarge
			}
			if len(photos) == sanlian.MaxPublicPhotos {
				return form, nil, sanlian.FieldErrors(map[string]string{"photos": fmt.Sprintf("最多上传 %d 张照片", sanlian.MaxPublicPhotos)})
			}
			photos = append(photos, publicPhoto{name: part.FileName(), data: data})
		case name != "" && part.FileName() == "":
			b, err := io.ReadAll(io.LimitReader(part, maxPublicField+1))
			if err != nil {
				return form, nil, broken(err)
			}
			if len(b) > maxPublicField {
				return form, nil, sanlian.FieldErrors(map[string]string{name: "内容过长"})
			}
			if err := checkFormField(name, string(b)); err != nil {
				return form, nil, err
			}
			form.Add(name, string(b))
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return form, nil, broken(err)
			}
		}
	}
	return form, photos, nil
}

// submissionFrom reads the submission's fields from a form.
func submissionFrom(f url.Values) *sanlian.PublicSubmission {
	sub := &sanlian.PublicSubmission{
		Source:        f.Get("via"),
		Category:      f.Get("category"),
		VillageCode:   f.Get("village"),
		Description:   f.Get("description"),
		ReporterName:  f.Get("reporter_name"),
		ReporterPhone: f.Get("reporter_phone"),
		Consent:       f.Get("consent") != "",
		NotifySMS:     f.Get("notify_sms") != "",
	}
	if sub.Source != sanlian.SourceWechat {
		sub.Source = sanlian.SourcePortal
	}
	sub.Normalize()
	return sub
}

var errHoneypot = &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "提交未通过校验，请刷新页面后重新填写提交"}

// receiptPage answers a submission.
type receiptPage struct {
	publicBase
	Code   string // formatted
	Raw    string
	Number string
	Merged bool
	Photos int
	// NotifySMS and NotifyWechat say which progress messages were asked for.
	NotifySMS, NotifyWechat bool
}

// submitForm is POST /submit.
func (s *peopleHandlers) submitForm(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketSubmit) {
		return nil
	}
	form, photos, err := readPublicForm(w, r)
	sub := submissionFrom(form)
	if err == nil {
		err = s.wechatConsent(r, sub, form.Get("notify_wechat") != "")
	}
	if err != nil {
		return s.renderSubmit(w, r, 0, sub, err)
	}
	rec, err := s.submitPublic(r, sub, form.Get(honeypotField), form.Get("challenge"), form.Get("nonce"), photos)
	if err != nil {
		return s.renderSubmit(w, r, 0, sub, err)
	}
	p := &receiptPage{publicBase: publicBase{Title: "提交成功", Via: sub.Source, Here: "/track/" + rec.Code}, Code: sanlian.FormatTrackingCode(rec.Code),
		Raw: rec.Code, Number: rec.Number, Merged: rec.Merged, Photos: len(photos),
		NotifySMS: sub.NotifySMS, NotifyWechat: sub.WechatOpenID != ""}
	if rec.Merged {
		p.Title, p.Photos = "已收到过这个问题", 0
	}
	return s.renderPublic(w, r, http.StatusOK, "public_receipt", p)
}

// submitPublic is one submission through every check, in order of cost:
// honeypot, the fields, the photos' type, the proof of work (which spends
// the challenge), then the problem and its photos.
func (s *peopleHandlers) submitPublic(r *http.Request, sub *sanlian.PublicSubmission, honeypot, challenge, nonce string, photos []publicPhoto) (*sanlian.PublicReceipt, error) {
	if honeypot != "" {
		return nil, errHoneypot
	}
	if err := sub.Validate(); err != nil {
		return nil, err
	}
	for _, p := range photos {
		if err := checkPhoto(p.name, p.data, sanlian.MaxPublicPhoto); err != nil {
			return nil, fieldAs(err, "photos")
		}
	}
	ctx := r.Context()
	if err := s.verifyChallenge(ctx, challenge, nonce); err != nil {
		return nil, err
	}
	rec, err := s.Public.SubmitPublic(sanlian.NewPublicContext(ctx), sub)
	if err != nil {
		return nil, err
	}
	if rec.Merged {
		return rec, nil // the same problem, received before: nothing doubled
	}
	// The server vouches for the photos it has just checked, on the
	// problem it has just entered.
	sys := sanlian.NewSystemContext(ctx)
	for _, p := range photos {
		if _, err := s.Attachments.AddAttachment(sys, rec.ProblemID, sanlian.AttachProblem, p.name, bytes.NewReader(p.data), sanlian.MaxPublicPhoto); err != nil {
			s.log.Error("public photo", "problem", rec.ProblemID, "err", err)
			return nil, err
		}
	}
	return rec, nil
}

// fieldAs puts an error's message on a form field, for the form to show.
func fieldAs(err error, field string) error {
	var e *sanlian.Error
	if errors.As(err, &e) && len(e.Fields) == 0 {
		return &sanlian.Error{Code: e.Code, Message: e.Message, Fields: map[string]string{field: e.Message}}
	}
	return err
}

// trackFormPage asks for a tracking code.
type trackFormPage struct {
	publicBase
	Code    string
	Message string
	Lookup  *lookupBlock // the form "用手机号查询" (lookup.go); nil: not shown
}

// trackForm is GET /track (?code= sends on to the problem's page).
func (s *peopleHandlers) trackForm(w http.ResponseWriter, r *http.Request) error {
	if q := strings.TrimSpace(r.URL.Query().Get("code")); q != "" {
		if len(q) > 40 {
			q = q[:40]
		}
		code := sanlian.NormalizeTrackingCode(q)
		if code == "" {
			if !s.limit(w, r, BucketTrack) {
				return nil
			}
			return s.renderPublic(w, r, http.StatusNotFound, "public_track_form", &trackFormPage{publicBase: publicBase{Title: "进度查询", Via: viaOf(r)},
				Code: q, Message: sanlian.ErrorMessage(errNoTracking)})
		}
		http.Redirect(w, r, basePath(r.Context())+"/track/"+code, http.StatusSeeOther)
		return nil
	}
	return s.renderPublic(w, r, http.StatusOK, "public_track_form", &trackFormPage{publicBase: publicBase{Title: "进度查询", Via: viaOf(r)},
		Lookup: s.newLookupBlock(r)})
}

// errNoTracking is the one answer for a code not found, whatever the
// reason: the same words the service uses.
var errNoTracking = sanlian.Errorf(sanlian.ENOTFOUND, "没有找到这个查询码对应的问题，请核对查询码（和手机号后四位）")

// trackPageData is a problem as its reporter follows it.
type trackPageData struct {
	publicBase
	P       *sanlian.PublicProblem
	Code    string // formatted
	Raw     string // for links
	Rated   bool
	Rating  sanlian.PublicRating
	Errors  map[string]string
	Message string
	// Unsubscribe is the outcome of the link that ends SMS messages
	// (lookup.go); nil when none was sent.
	Unsubscribe *unsubscribeBlock
}

// trackPage is GET /track/{code}.
func (s *peopleHandlers) trackPage(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketTrack) {
		return nil
	}
	p, err := s.Public.TrackPublic(sanlian.NewPublicContext(r.Context()), r.PathValue("code"))
	if err != nil {
		return s.trackFail(w, r, err)
	}
	d := &trackPageData{publicBase: publicBase{Title: "办理进度", Via: viaOf(r)}, P: p, Code: sanlian.FormatTrackingCode(sanlian.NormalizeTrackingCode(p.Code)),
		Raw: sanlian.NormalizeTrackingCode(p.Code), Rated: r.URL.Query().Get("rated") == "1"}
	if r.URL.Query().Get("unsubscribed") == "1" {
		d.Unsubscribe = &unsubscribeBlock{Done: true}
	}
	return s.renderPublic(w, r, http.StatusOK, "public_track", d)
}

// trackFail answers a tracking or rating error; not found is one answer
// whatever its reason.
func (s *peopleHandlers) trackFail(w http.ResponseWriter, r *http.Request, err error) error {
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		// Here is the form's address, not the code's: the answer is the
		// same whatever code was asked for.
		return s.renderPublic(w, r, http.StatusNotFound, "public_track_form", &trackFormPage{publicBase: publicBase{Title: "进度查询", Via: viaOf(r), Here: "/track"},
			Message: sanlian.ErrorMessage(errNoTracking)})
	}
	return s.publicFail(w, r, err)
}

// rateKey is the tracking code a rating is for, as the limiter keys it:
// any string a stranger sends is cut short first.
func rateKey(r *http.Request) string {
	c := r.PathValue("code")
	if n := sanlian.NormalizeTrackingCode(c); n != "" {
		return n
	}
	if len(c) > 16 {
		c = c[:16]
	}
	return c
}

// ratingFrom reads a rating from a form.
func ratingFrom(f url.Values) *sanlian.PublicRating {
	return &sanlian.PublicRating{
		PhoneLast4:   strings.TrimSpace(f.Get("phone_last4")),
		Solved:       strings.TrimSpace(f.Get("solved")),
		Satisfaction: strings.TrimSpace(f.Get("satisfaction")),
		Comment:      strings.TrimSpace(f.Get("comment")),
	}
}

// rateForm is POST /track/{code}/rate.
func (s *peopleHandlers) rateForm(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketRate) || !s.limitKey(w, r, BucketRateCode, rateKey(r)) {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, publicEnvelope)
	if err := r.ParseForm(); err != nil {
		return s.publicFail(w, r, sanlian.Errorf(sanlian.EINVALID, "提交的内容格式有误或过长，请返回重新填写"))
	}
	code := r.PathValue("code")
	rt := ratingFrom(r.PostForm)
	ctx := sanlian.NewPublicContext(r.Context())
	_, err := s.Public.RatePublic(ctx, code, rt)
	if err == nil {
		http.Redirect(w, r, basePath(r.Context())+"/track/"+sanlian.NormalizeTrackingCode(code)+"?rated=1", http.StatusSeeOther)
		return nil
	}
	if c := sanlian.ErrorCode(err); c == sanlian.ENOTFOUND {
		return s.trackFail(w, r, err)
	} else if c != sanlian.EUNPROCESSABLE && c != sanlian.ECONFLICT {
		return s.publicFail(w, r, err)
	}
	// A rating that cannot be taken as it is: the problem's page again,
	// with what was chosen and why. The code was found, or the service
	// would have answered not found, so showing it reveals nothing.
	p, terr := s.Public.TrackPublic(ctx, code)
	if terr != nil {
		return s.trackFail(w, r, terr)
	}
	d := &trackPageData{publicBase: publicBase{Title: "办理进度", Via: viaOf(r)}, P: p, Code: sanlian.FormatTrackingCode(sanlian.NormalizeTrackingCode(p.Code)),
		Raw: sanlian.NormalizeTrackingCode(p.Code), Rating: *rt, Errors: sanlian.ErrorFields(err), Message: sanlian.ErrorMessage(err)}
	return s.renderPublic(w, r, sanlian.HTTPStatus(sanlian.ErrorCode(err)), "public_track", d)
}

// resultsPageData is the results page (成效公示).
type resultsPageData struct {
	publicBase
	R         *sanlian.PublicResults
	Projects  []publicProjectView
	ChartJSON string
}

// publicProjectView is a project with its status in words.
type publicProjectView struct {
	sanlian.PublicProject
	StatusLabel string
}

// resultsTTL is how long the results page is served from memory: it
// counts a year of problems, and anyone may ask for it.
const resultsTTL = time.Minute

// publicResults is the results page, built at most once a minute per node.
func (s *peopleHandlers) publicResults(ctx context.Context) (*sanlian.PublicResults, error) {
	st := s.pow
	st.resultsMu.Lock()
	defer st.resultsMu.Unlock()
	if st.results != nil && time.Since(st.resultsAt) < resultsTTL {
		return st.results, nil
	}
	res, err := s.Public.PublicResults(sanlian.NewPublicContext(ctx))
	if err != nil {
		return nil, err
	}
	st.results, st.resultsAt = res, time.Now()
	return res, nil
}

// resultsPage is GET /results.
func (s *peopleHandlers) resultsPage(w http.ResponseWriter, r *http.Request) error {
	res, err := s.publicResults(r.Context())
	if err != nil {
		return s.publicFail(w, r, err)
	}
	chart := struct {
		Names     []string `json:"names"`
		Collected []int    `json:"collected"`
		Resolved  []int    `json:"resolved"`
	}{Names: []string{}, Collected: []int{}, Resolved: []int{}}
	for _, t := range res.Townships {
		chart.Names = append(chart.Names, t.Name)
		chart.Collected = append(chart.Collected, t.Collected)
		chart.Resolved = append(chart.Resolved, t.Resolved)
	}
	b, _ := json.Marshal(chart)
	d := &resultsPageData{publicBase: publicBase{Title: "成效公示", Via: viaOf(r)}, R: res, ChartJSON: string(b)}
	for _, p := range res.Projects {
		d.Projects = append(d.Projects, publicProjectView{PublicProject: p, StatusLabel: sanlian.ProjectStatusLabel(p.Status)})
	}
	return s.renderPublic(w, r, http.StatusOK, "public_results", d)
}

// The JSON API of the people's side, for a WeChat mini-program: the same
// checks as the pages.

// publicFormJSON is GET /api/v1/public/form.
type publicFormJSON struct {
	Categories     []publicCategory  `json:"categories"`
	Townships      []*publicTownship `json:"townships"`
	Consent        string            `json:"consent"`
	MaxDescription int               `json:"max_description"`
	MaxName        int               `json:"max_name"`
}

func (s *peopleHandlers) apiPublicForm(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketChallenge) {
		return nil
	}
	cats, towns, err := s.publicOptions(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, publicFormJSON{Categories: cats, Townships: towns, Consent: ConsentText,
		MaxDescription: sanlian.MaxPublicDescription, MaxName: sanlian.MaxPublicName})
	return nil
}

// apiPublicChallenge is GET /api/v1/public/challenge.
func (s *peopleHandlers) apiPublicChallenge(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketChallenge) {
		return nil
	}
	c, err := s.newChallenge(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
	return nil
}

// publicSubmitJSON is the body of POST /api/v1/public/problems.
type publicSubmitJSON struct {
	sanlian.PublicSubmission
	Challenge string `json:"challenge"`
	Nonce     string `json:"nonce"`
	Website   string `json:"website"` // the honeypot: must stay empty
}

// publicReceiptJSON answers a submission.
type publicReceiptJSON struct {
	Code      string `json:"tracking_code"`
	Formatted string `json:"tracking_code_display"`
	Number    string `json:"number"`
	Merged    bool   `json:"merged"`
	Message   string `json:"message"`
}

// apiPublicSubmit is POST /api/v1/public/problems.
func (s *peopleHandlers) apiPublicSubmit(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketSubmit) {
		return nil
	}
	var in publicSubmitJSON
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	sub := in.PublicSubmission
	if sub.Source == "" {
		sub.Source = sanlian.SourceWechat
	}
	if sub.Source != sanlian.SourceWechat && sub.Source != sanlian.SourcePortal {
		return sanlian.FieldErrors(map[string]string{"source": "来源只能是 portal 或 wechat"})
	}
	sub.Normalize()
	rec, err := s.submitPublic(r, &sub, in.Website, in.Challenge, in.Nonce, nil)
	if err != nil {
		return err
	}
	out := publicReceiptJSON{Code: rec.Code, Formatted: sanlian.FormatTrackingCode(rec.Code), Number: rec.Number, Merged: rec.Merged,
		Message: "提交成功，请保存查询码，凭它查询办理进度"}
	status := http.StatusCreated
	if rec.Merged {
		out.Message, status = "这个问题此前已经收到，正在办理，请凭原查询码查询进度", http.StatusOK
	}
	writeJSON(w, status, out)
	return nil
}

// apiPublicTrack is GET /api/v1/public/problems/{code}.
func (s *peopleHandlers) apiPublicTrack(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketTrack) {
		return nil
	}
	p, err := s.Public.TrackPublic(sanlian.NewPublicContext(r.Context()), r.PathValue("code"))
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		return errNoTracking
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// apiPublicRate is POST /api/v1/public/problems/{code}/rating.
func (s *peopleHandlers) apiPublicRate(w http.ResponseWriter, r *http.Request) error {
	if !s.limit(w, r, BucketRate) || !s.limitKey(w, r, BucketRateCode, rateKey(r)) {
		return nil
	}
	var rt sanlian.PublicRating
	if err := decodeJSON(w, r, &rt); err != nil {
		return err
	}
	p, err := s.Public.RatePublic(sanlian.NewPublicContext(r.Context()), r.PathValue("code"), &rt)
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		return errNoTracking
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// apiPublicResults is GET /api/v1/public/results.
func (s *peopleHandlers) apiPublicResults(w http.ResponseWriter, r *http.Request) error {
	res, err := s.publicResults(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, res)
	return nil
}
