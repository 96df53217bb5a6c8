// Package open311 serves Open311 GeoReport v2 under /open311/v2/:
// services are the active problem categories, service requests are
// problems. Reading is public and shows only public fields; posting needs
// an API key the office issued. Errors are the spec's own lists, in the
// format asked, never problem+json. docs/open311.md is its contract.
//
// The web server mounts it (web.Server.Mount, wired in cmd/sanlian), so
// that its common wrapping (security headers, cross-origin protection,
// the request hygiene, the request's meta in its context) applies here as
// on every other route.
package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sanlian"
)

// Service is what GeoReport needs of the domain: the API keys and the
// requests' reading (sanlian.Open311Service), the active categories
// (sanlian.ProblemService) and the people's submission
// (sanlian.PublicService).
type Service interface {
	sanlian.Open311Service
	// FindCategories lists the categories (inactive ones too when all).
	FindCategories(ctx context.Context, all bool) ([]*sanlian.Category, error)
	// SubmitPublic enters a problem as the people's side does.
	SubmitPublic(ctx context.Context, s *sanlian.PublicSubmission) (*sanlian.PublicReceipt, error)
}

// Config tunes the handler.
type Config struct {
	Log *slog.Logger
	// Now is the clock of the requests' default date range (default
	// time.Now).
	Now func() time.Time
	// CountyBounds is the box posted coordinates must fall in; the zero
	// box is sanlian.DefaultCountyBounds.
	CountyBounds sanlian.Bounds
	// Secure: served behind HTTPS, so the discovery document names https
	// whatever the connection it came on.
	Secure bool
	// Allow takes one token of the posting limit for the request's
	// client; when none is left it answers false and how long until one
	// is. Nil: posting is not limited.
	Allow func(r *http.Request) (ok bool, retryAfter time.Duration)
}

// Handler serves GeoReport v2.
type Handler struct {
	svc    Service
	cfg    Config
	log    *slog.Logger
	routes []route
	mux    *http.ServeMux
}

// access is who may use a route.
type access string

const (
	public = access("public")  // anyone, no account
	apiKey = access("api key") // anyone holding a key the office issued, checked by the handler
)

// route is one entry of the route list.
type route struct {
	pattern string // "METHOD /path", as http.ServeMux takes it
	access  access
	h       http.HandlerFunc
}

// New builds the handler over svc.
func New(svc Service, cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{svc: svc, cfg: cfg, log: cfg.Log, mux: http.NewServeMux()}
	h.routes = h.routeList()
	for _, rt := range h.routes {
		h.mux.Handle(rt.pattern, rt.h)
	}
	return h
}

// routeList is GeoReport v2 under /open311/v2/, each route with who may
// use it. No route asks for an account: posting asks for an API key.
func (h *Handler) routeList() []route {
	return []route{
		{"GET /open311/v2/{file}", public, h.open311(h.open311Root)}, // services, requests, discovery
		{"POST /open311/v2/{file}", apiKey, h.open311(h.open311Post)},
		{"GET /open311/v2/services/{file}", public, h.open311(h.open311Definition)},
		// service/{code}: the singular path some clients (open311 1.1) ask
		// for the same definition.
		{"GET /open311/v2/service/{file}", public, h.open311(h.open311Definition)},
		{"GET /open311/v2/requests/{file}", public, h.open311(h.open311Request)},
		{"GET /open311/v2/tokens/{file}", public, h.open311(h.open311Token)},
		{"GET /open311/v2/{rest...}", public, h.open311Unknown}, // any other path: the spec's 404
		{"POST /open311/v2/{rest...}", public, h.open311Unknown},
	}
}

// Patterns lists the route patterns, for the server that mounts the
// handler.
func (h *Handler) Patterns() []string {
	out := make([]string, len(h.routes))
	for i, rt := range h.routes {
		out[i] = rt.pattern
	}
	return out
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// WriteError writes err as the spec's error list, in XML when the path
// ends in .xml: for the server that mounts the handler, when its common
// wrapping refuses a request (text no field takes) before the handler
// sees it.
func (h *Handler) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	format := formatJSON
	if strings.HasSuffix(r.URL.Path, ".xml") {
		format = formatXML
	}
	h.writeError(w, r, format, err)
}

// Formats of a resource, by its file extension.
const (
	formatJSON = "json"
	formatXML  = "xml"
)

// open311Handler answers one Open311 resource, named base, in format.
type open311Handler func(w http.ResponseWriter, r *http.Request, base, format string) error

// open311 adapts an Open311 handler: it reads the format from the file
// name, checks jurisdiction_id and writes any error in the spec's format.
func (h *Handler) open311(next open311Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		base, format := file, formatJSON
		switch {
		case strings.HasSuffix(file, ".json"):
			base = strings.TrimSuffix(file, ".json")
		case strings.HasSuffix(file, ".xml"):
			base, format = strings.TrimSuffix(file, ".xml"), formatXML
		default:
			h.writeError(w, r, formatJSON, sanlian.Errorf(sanlian.ENOTFOUND, "资源须以 .json 或 .xml 结尾 (format must be json or xml)"))
			return
		}
		err := h.open311Form(w, r)
		if err == nil {
			err = h.open311Jurisdiction(r)
		}
		if err == nil {
			err = next(w, r, base, format)
		}
		if err != nil {
			h.writeError(w, r, format, err)
		}
	}
}

// maxOpen311Body bounds a posted request.
const maxOpen311Body = 64 << 10

// open311Form parses a POST body: the spec's form encoding, or multipart
// (its files are not kept; media_url is the way to send a photo).
func (h *Handler) open311Form(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOpen311Body)
	var err error
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "multipart/form-data"):
		err = r.ParseMultipartForm(maxOpen311Body)
	case ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		err = r.ParseForm()
	default:
		return sanlian.Errorf(sanlian.EINVALID, "请求体须为表单编码 application/x-www-form-urlencoded，如 GeoReport v2 所定 (body must be form-encoded)")
	}
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return sanlian.Errorf(sanlian.ETOOLARGE, "请求体超过 %d KB 的上限 (request too large)", maxOpen311Body>>10)
	case err != nil:
		return sanlian.Errorf(sanlian.EINVALID, "无法解析表单 (malformed form)")
	}
	if r.MultipartForm != nil {
		for name, vs := range r.MultipartForm.Value {
			for _, v := range vs {
				if err := checkField(name, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// open311Jurisdiction accepts no jurisdiction_id, or the county's code;
// any other is not served here (404, as the spec says).
func (h *Handler) open311Jurisdiction(r *http.Request) error {
	j := strings.TrimSpace(r.FormValue("jurisdiction_id"))
	if j == "" {
		return nil
	}
	code, err := h.svc.Open311Jurisdiction(r.Context())
	if err != nil {
		return err
	}
	if j != code {
		return sanlian.Errorf(sanlian.ENOTFOUND, "jurisdiction_id %q 不是本平台服务的辖区，本平台为 %s (jurisdiction not found)", clipText(j, 20), code)
	}
	return nil
}

// open311Status maps a domain error code to the spec's statuses: the
// API's (statusOf), save that the spec knows no 422 and no 401.
func open311Status(code string) int {
	switch code {
	case sanlian.EUNPROCESSABLE:
		return http.StatusBadRequest
	case sanlian.EUNAUTHORIZED:
		return http.StatusForbidden
	}
	return sanlian.HTTPStatus(code)
}

// open311ErrorItem is one error of the spec's list.
type open311ErrorItem struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type open311Errors struct {
	XMLName xml.Name           `xml:"errors"`
	Items   []open311ErrorItem `xml:"error"`
}

// writeError is the one exit for Open311 errors: a list with one entry,
// or one per field of a refused request.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, format string, err error) {
	h.logInternal(r, err)
	code := sanlian.ErrorCode(err)
	status := open311Status(code)
	var items []open311ErrorItem
	if fields := sanlian.ErrorFields(err); len(fields) > 0 {
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			items = append(items, open311ErrorItem{Code: status, Description: open311Field(k) + "：" + fields[k]})
		}
	} else {
		items = []open311ErrorItem{{Code: status, Description: sanlian.ErrorMessage(err)}}
	}
	h.write(w, status, format, items, open311Errors{Items: items})
}

// open311Field names a field of the people's side by the spec's name.
func open311Field(k string) string {
	switch k {
	case "category":
		return "service_code"
	case "village":
		return "address_id"
	case "reporter_name":
		return "first_name/last_name"
	case "reporter_phone":
		return "phone"
	}
	return k
}

// write writes v as JSON, or x as XML with its declaration.
func (h *Handler) write(w http.ResponseWriter, status int, format string, v, x any) {
	if format != formatXML {
		writeJSON(w, status, v)
		return
	}
	b, err := xml.Marshal(x)
	if err != nil {
		h.log.Error("open311 xml", "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(b)
}

// open311Root is GET /open311/v2/{file}: services, requests and the
// discovery document.
func (h *Handler) open311Root(w http.ResponseWriter, r *http.Request, base, format string) error {
	switch base {
	case "services":
		return h.open311Services(w, r, format)
	case "requests":
		return h.open311Requests(w, r, format)
	case "discovery":
		return h.open311Discovery(w, r, format)
	}
	return open311NotFound()
}

// open311Unknown answers any other path under /open311/v2/ with the
// spec's error list, 404, in XML when the path ends in .xml, so that a
// client reads the error as it reads every other.
func (h *Handler) open311Unknown(w http.ResponseWriter, r *http.Request) {
	h.WriteError(w, r, open311NotFound())
}

func open311NotFound() error {
	return sanlian.Errorf(sanlian.ENOTFOUND, "资源不存在 (not found)")
}

// Services.

type open311Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type open311ServicesXML struct {
	XMLName xml.Name         `xml:"services"`
	Items   []open311Service `xml:"service"`
}

// open311Group is the group of every service: the people's problems.
const open311Group = "群众诉求"

func (h *Handler) activeCategories(r *http.Request) ([]*sanlian.Category, error) {
	return h.svc.FindCategories(sanlian.NewPublicContext(r.Context()), false)
}

// open311Services is GET services.{format}.
func (h *Handler) open311Services(w http.ResponseWriter, r *http.Request, format string) error {
	cats, err := h.activeCategories(r)
	if err != nil {
		return err
	}
	out := make([]open311Service, len(cats))
	for i, c := range cats {
		out[i] = open311Service{ServiceCode: c.Code, ServiceName: c.Name, Description: c.Name + "方面的问题和诉求",
			Metadata: true, Type: "realtime", Keywords: c.Name + "," + c.Code, Group: open311Group}
	}
	h.write(w, http.StatusOK, format, out, open311ServicesXML{Items: out})
	return nil
}

type open311Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

type open311Attribute struct {
	Variable            bool           `json:"variable" xml:"variable"`
	Code                string         `json:"code" xml:"code"`
	Datatype            string         `json:"datatype" xml:"datatype"`
	Required            bool           `json:"required" xml:"required"`
	DatatypeDescription string         `json:"datatype_description" xml:"datatype_description"`
	Order               int            `json:"order" xml:"order"`
	Description         string         `json:"description" xml:"description"`
	Values              []open311Value `json:"values" xml:"values>value"`
}

type open311Definition struct {
	XMLName     xml.Name           `json:"-" xml:"service_definition"`
	ServiceCode string             `json:"service_code" xml:"service_code"`
	Attributes  []open311Attribute `json:"attributes" xml:"attributes>attribute"`
}

// open311Attributes is the one attribute every service takes: the
// urgency of the problem, which halves its deadlines.
func open311Attributes() []open311Attribute {
	return []open311Attribute{{Variable: true, Code: "urgency", Datatype: "singlevaluelist", Required: false,
		DatatypeDescription: "normal 或 urgent，默认 normal", Order: 1,
		Description: "紧急程度：紧急问题的签收和办结时限减半",
		Values:      []open311Value{{Key: sanlian.UrgencyNormal, Name: "一般"}, {Key: sanlian.UrgencyUrgent, Name: "紧急"}}}}
}

// open311Definition is GET services/{service_code}.{format}.
func (h *Handler) open311Definition(w http.ResponseWriter, r *http.Request, code, format string) error {
	if _, err := h.open311Category(r, code); err != nil {
		return err
	}
	d := open311Definition{ServiceCode: code, Attributes: open311Attributes()}
	h.write(w, http.StatusOK, format, d, d)
	return nil
}

// open311Category returns the active category of a service_code.
func (h *Handler) open311Category(r *http.Request, code string) (*sanlian.Category, error) {
	cats, err := h.activeCategories(r)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		if c.Code == code {
			return c, nil
		}
	}
	return nil, sanlian.Errorf(sanlian.ENOTFOUND, "service_code %q 不存在 (service_code not found)", clipText(code, 32))
}

// Requests.

type open311Request struct {
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime" xml:"expected_datetime,omitempty"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               *float64 `json:"lat" xml:"lat,omitempty"`
	Long              *float64 `json:"long" xml:"long,omitempty"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
}

type open311RequestsXML struct {
	XMLName xml.Name         `xml:"service_requests"`
	Items   []open311Request `xml:"request"`
}

// w3c is the spec's datetime form, in the county's zone.
func w3c(t time.Time) string { return t.In(sanlian.Shanghai).Format(time.RFC3339) }

func toOpen311(x *sanlian.Open311Request) open311Request {
	o := open311Request{ServiceRequestID: strconv.FormatInt(x.ID, 10), Status: x.Status, StatusNotes: x.StatusNotes,
		ServiceName: x.ServiceName, ServiceCode: x.ServiceCode, Description: x.Description,
		AgencyResponsible: x.AgencyResponsible, RequestedDatetime: w3c(x.RequestedAt), UpdatedDatetime: w3c(x.UpdatedAt),
		Address: x.Address, AddressID: x.AddressID, Lat: x.Lat, Long: x.Long, MediaURL: x.MediaURL}
	if !x.ExpectedAt.IsZero() {
		e := w3c(x.ExpectedAt)
		o.ExpectedDatetime = &e
	}
	return o
}

func (h *Handler) writeOpen311Requests(w http.ResponseWriter, format string, xs []*sanlian.Open311Request) {
	out := make([]open311Request, len(xs))
	for i, x := range xs {
		out[i] = toOpen311(x)
	}
	h.write(w, http.StatusOK, format, out, open311RequestsXML{Items: out})
}

// parseW3C reads a start_date or end_date: a W3C datetime with its zone,
// or a bare date, taken in the county's zone.
func parseW3C(name, v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, sanlian.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, sanlian.Errorf(sanlian.EINVALID, "%s 须为 W3C 日期时间，如 2021-05-10T09:00:00+08:00 (bad %s)", name, name)
}

// commaList splits a comma-delimited parameter.
func commaList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// open311Requests is GET requests.{format}, with the spec's filters.
func (h *Handler) open311Requests(w http.ResponseWriter, r *http.Request, format string) error {
	q := r.URL.Query()
	f := sanlian.Open311Filter{ServiceCodes: commaList(q.Get("service_code")), Statuses: commaList(strings.ToLower(q.Get("status")))}
	for _, v := range commaList(q.Get("service_request_id")) {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return sanlian.Errorf(sanlian.EINVALID, "service_request_id 须为以逗号分隔的数字 (bad service_request_id)")
		}
		f.IDs = append(f.IDs, id)
	}
	var err error
	if v := strings.TrimSpace(q.Get("start_date")); v != "" {
		if f.Start, err = parseW3C("start_date", v); err != nil {
			return err
		}
	}
	if v := strings.TrimSpace(q.Get("end_date")); v != "" {
		if f.End, err = parseW3C("end_date", v); err != nil {
			return err
		}
	}
	if len(f.IDs) == 0 { // with ids the range is ignored, as the spec says
		if _, _, err := sanlian.Open311Range(f.Start, f.End, h.cfg.Now()); err != nil {
			return err
		}
	}
	xs, err := h.svc.FindOpen311Requests(r.Context(), f)
	if err != nil {
		return err
	}
	h.writeOpen311Requests(w, format, xs)
	return nil
}

// open311Request is GET requests/{service_request_id}.{format}.
func (h *Handler) open311Request(w http.ResponseWriter, r *http.Request, base, format string) error {
	id, err := strconv.ParseInt(base, 10, 64)
	if err != nil || id <= 0 {
		return sanlian.Errorf(sanlian.ENOTFOUND, "service_request_id %q 不存在 (service request not found)", clipText(base, 20))
	}
	xs, err := h.svc.FindOpen311Requests(r.Context(), sanlian.Open311Filter{IDs: []int64{id}})
	if err != nil {
		return err
	}
	if len(xs) == 0 {
		return sanlian.Errorf(sanlian.ENOTFOUND, "service_request_id %d 不存在 (service request not found)", id)
	}
	h.writeOpen311Requests(w, format, xs)
	return nil
}

type open311TokenAnswer struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

type open311TokensXML struct {
	XMLName xml.Name             `xml:"service_requests"`
	Items   []open311TokenAnswer `xml:"request"`
}

// open311Token is GET tokens/{token}.{format}: the token is the tracking
// code, and it answers its request's id.
func (h *Handler) open311Token(w http.ResponseWriter, r *http.Request, token, format string) error {
	id, err := h.svc.Open311RequestByToken(r.Context(), token)
	if err != nil {
		return err
	}
	out := []open311TokenAnswer{{ServiceRequestID: strconv.FormatInt(id, 10), Token: sanlian.FormatTrackingCode(sanlian.NormalizeTrackingCode(token))}}
	h.write(w, http.StatusOK, format, out, open311TokensXML{Items: out})
	return nil
}

// Posting a request.

type open311Posted struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	Token            string  `json:"token" xml:"token"`
	ServiceNotice    string  `json:"service_notice" xml:"service_notice"`
	AccountID        *string `json:"account_id" xml:"-"`
	AccountIDXML     string  `json:"-" xml:"account_id"`
}

type open311PostedXML struct {
	XMLName xml.Name        `xml:"service_requests"`
	Items   []open311Posted `xml:"request"`
}

// open311Post is POST requests.{format}: a problem entered through the
// people's side with the source of the API key.
func (h *Handler) open311Post(w http.ResponseWriter, r *http.Request, base, format string) error {
	if base != "requests" {
		return open311NotFound()
	}
	if ok, wait := h.allow(r); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(sanlian.RetrySeconds(wait)))
		items := []open311ErrorItem{{Code: http.StatusTooManyRequests, Description: sanlian.TooManyMessage(wait) + " (too many requests)"}}
		h.write(w, http.StatusTooManyRequests, format, items, open311Errors{Items: items})
		return nil
	}
	ctx := r.Context()
	// The spec puts api_key in the form body; some clients send it in the
	// query string of the POST, which is taken when the body has none.
	apiKey := r.PostFormValue("api_key")
	if apiKey == "" {
		apiKey = r.URL.Query().Get("api_key")
	}
	key, err := h.svc.VerifyAPIKey(ctx, apiKey)
	if err != nil {
		return err
	}
	f := r.PostForm
	code := strings.TrimSpace(f.Get("service_code"))
	if code == "" {
		return sanlian.Errorf(sanlian.EINVALID, "缺少 service_code (service_code required)")
	}
	if _, err := h.open311Category(r, code); err != nil {
		return err
	}
	extra, err := open311Extra(f, key.ID, h.cfg.CountyBounds.OrDefault())
	if err != nil {
		return err
	}
	addressID, addressString := strings.TrimSpace(f.Get("address_id")), strings.TrimSpace(f.Get("address_string"))
	description, note := f.Get("description"), ""
	var village *sanlian.Region
	switch {
	case addressID != "" || addressString != "":
		if village, err = h.svc.Open311Village(ctx, addressID, addressString); err != nil {
			return err
		}
	case extra.Lat != nil:
		// Coordinates alone: the township whose boundary holds them, and
		// a village there the office checks before it assigns.
		place, err := h.svc.Open311VillageAt(ctx, *extra.Lat, *extra.Long)
		if err != nil {
			return err
		}
		village, note = place.Village, place.Note()
	default:
		return sanlian.Errorf(sanlian.EINVALID, "缺少位置：请提供 address_id（村(社区)代码）、address_string（乡镇和村名）或 lat 和 long (location required)")
	}
	if note != "" && strings.TrimSpace(description) != "" {
		if room := sanlian.MaxPublicDescription - utf8.RuneCountInString(note); utf8.RuneCountInString(strings.TrimSpace(description)) > room {
			return sanlian.Errorf(sanlian.EINVALID, "仅凭坐标定位时，description 不能超过 %d 字（须留出定位说明），或请改用 address_id (description too long)", room)
		}
		description = strings.TrimSpace(description) + note
	}
	extra.AddressString = addressString
	sub := &sanlian.PublicSubmission{Source: key.Source, Category: code, VillageCode: village.Code,
		Description:   description,
		ReporterName:  strings.TrimSpace(f.Get("last_name")) + strings.TrimSpace(f.Get("first_name")),
		ReporterPhone: strings.TrimSpace(f.Get("phone"))}
	// The platform that holds the key took the resident's name and phone
	// and vouches for their consent; email, device_id and account_id are
	// not kept.
	sub.Consent = sub.ReporterName != "" || sub.ReporterPhone != ""
	if strings.TrimSpace(sub.Description) == "" {
		return sanlian.Errorf(sanlian.EINVALID, "缺少 description：请写下反映的问题 (description required)")
	}
	sub.Normalize()
	sub.Open311 = extra
	rc, err := h.svc.SubmitPublic(sanlian.NewPublicContext(ctx), sub)
	if err != nil {
		return err
	}
	notice := fmt.Sprintf("已登记，编号 %s；可凭 token 查询办理进展", rc.Number)
	if rc.Merged {
		notice = fmt.Sprintf("24 小时内同一电话已反映过相同问题，沿用原编号 %s，未重复登记", rc.Number)
	}
	out := []open311Posted{{ServiceRequestID: strconv.FormatInt(rc.ProblemID, 10), Token: sanlian.FormatTrackingCode(rc.Code),
		ServiceNotice: notice}}
	h.write(w, http.StatusOK, format, out, open311PostedXML{Items: out})
	return nil
}

// open311Extra reads what a posted request carries beside the problem:
// coordinates inside the county, a media_url and the urgency attribute.
func open311Extra(f url.Values, keyID int64, bounds sanlian.Bounds) (*sanlian.Open311Extra, error) {
	x := &sanlian.Open311Extra{KeyID: keyID}
	lat, long := strings.TrimSpace(f.Get("lat")), strings.TrimSpace(f.Get("long"))
	if lat != "" || long != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(lo) {
			return nil, sanlian.Errorf(sanlian.EINVALID, "lat 和 long 须同时提供，且为十进制度数 (bad lat/long)")
		}
		if !bounds.Contains(la, lo) {
			return nil, sanlian.Errorf(sanlian.EINVALID, "坐标 %.5f, %.5f 不在本县范围内 (location not ours)", la, lo)
		}
		x.Lat, x.Long = &la, &lo
	}
	if m := strings.TrimSpace(f.Get("media_url")); m != "" {
		u, err := url.Parse(m)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || utf8.RuneCountInString(m) > sanlian.MaxMediaURL {
			return nil, sanlian.Errorf(sanlian.EINVALID, "media_url 须为 http(s) 网址，不超过 500 字符 (bad media_url)")
		}
		x.MediaURL = m
	}
	switch u := strings.TrimSpace(f.Get("attribute[urgency]")); u {
	case "", sanlian.UrgencyNormal, sanlian.UrgencyUrgent:
		x.Urgency = u
	default:
		return nil, sanlian.Errorf(sanlian.EINVALID, "attribute[urgency] 须为 normal 或 urgent (bad attribute)")
	}
	if utf8.RuneCountInString(f.Get("address_string")) > 200 {
		return nil, sanlian.Errorf(sanlian.EINVALID, "address_string 不能超过 200 字 (address_string too long)")
	}
	return x, nil
}

// Discovery.

type open311Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type open311DiscoveryDoc struct {
	XMLName    xml.Name          `json:"-" xml:"discovery"`
	Changeset  string            `json:"changeset" xml:"changeset"`
	Contact    string            `json:"contact" xml:"contact"`
	KeyService string            `json:"key_service" xml:"key_service"`
	Endpoints  []open311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// open311Changeset is when this surface last changed.
const open311Changeset = "2026-11-27T00:00:00+08:00"

// open311Discovery is GET discovery.{format}.
func (h *Handler) open311Discovery(w http.ResponseWriter, r *http.Request, format string) error {
	scheme := "http"
	if r.TLS != nil || h.cfg.Secure {
		scheme = "https"
	}
	d := open311DiscoveryDoc{Changeset: open311Changeset, Contact: "县三联三清工作领导小组办公室",
		KeyService: "接口密钥由县办公室发放",
		Endpoints: []open311Endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: scheme + "://" + r.Host + "/open311/v2",
			Changeset: open311Changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	h.write(w, http.StatusOK, format, d, d)
	return nil
}

// allow takes a token of the posting limit (Config.Allow).
func (h *Handler) allow(r *http.Request) (bool, time.Duration) {
	if h.cfg.Allow == nil {
		return true, 0
	}
	return h.cfg.Allow(r)
}

// checkField is the hygiene check of one text field of a multipart form,
// which the server's common check leaves to the form's reader.
func checkField(name, value string) error {
	if p := sanlian.ControlProblem(value); p != "" {
		return sanlian.TextFieldError(name, p)
	}
	return nil
}

// logInternal logs an error the client is not told about.
func (h *Handler) logInternal(r *http.Request, err error) {
	if sanlian.ErrorCode(err) == sanlian.EINTERNAL {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// writeJSON writes v as the web API writes its JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// clipText cuts s to n characters, for echoing input in a message.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
