package open311_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"sanlian"
	"sanlian/open311"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// An Open311 GeoReport v2 client, as another platform would write it,
// driven against the running server in JSON and in XML.

type o311Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type o311Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

type o311Attribute struct {
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
	Order               int         `json:"order" xml:"order"`
	Description         string      `json:"description" xml:"description"`
	Values              []o311Value `json:"values" xml:"values>value"`
}

type o311Definition struct {
	XMLName     xml.Name        `json:"-" xml:"service_definition"`
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

type o311Request struct {
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
	ExpectedDatetime  *string  `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               *float64 `json:"lat" xml:"lat"`
	Long              *float64 `json:"long" xml:"long"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
	// Answers to a POST and to tokens/.
	Token     string  `json:"token" xml:"token"`
	AccountID *string `json:"account_id" xml:"account_id"`
}

type o311Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// o311Failure is an answer in the spec's error format.
type o311Failure struct {
	Status     int
	RetryAfter string
	Errors     []o311Error
}

func (f *o311Failure) Error() string { return fmt.Sprintf("open311 %d: %+v", f.Status, f.Errors) }

// o311Client speaks GeoReport v2 in one format.
type o311Client struct {
	base   string // …/open311/v2
	format string // json or xml
	key    string
	hc     *http.Client
	// calls counts the requests by endpoint, for the closing figures.
	mu    *sync.Mutex
	calls map[string]int
}

func newO311Client(base, format, key string, calls map[string]int, mu *sync.Mutex) *o311Client {
	return &o311Client{base: base + "/open311/v2", format: format, key: key, hc: &http.Client{}, calls: calls, mu: mu}
}

// do sends one request and decodes its answer into v (JSON) or x (XML),
// or returns an *o311Failure. It checks the content type, the XML
// declaration and that JSON error bodies are the spec's lists.
func (c *o311Client) do(method, path string, form url.Values, v, x any) (raw string, err error) {
	u := c.base + "/" + path
	var req *http.Request
	if method == http.MethodPost {
		req, _ = http.NewRequest(method, u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		if len(form) > 0 {
			u += "?" + form.Encode()
		}
		req, _ = http.NewRequest(method, u, nil)
	}
	c.mu.Lock()
	c.calls[method+" "+endpointOf(path)+" "+c.format]++
	c.mu.Unlock()
	res, err := c.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	raw = string(b)
	ct := res.Header.Get("Content-Type")
	if c.format == "xml" {
		if !strings.HasPrefix(ct, "text/xml") || !strings.HasPrefix(raw, `<?xml version="1.0" encoding="UTF-8"?>`) {
			return raw, fmt.Errorf("xml answer with %q: %.200s", ct, raw)
		}
	} else if !strings.HasPrefix(ct, "application/json") {
		return raw, fmt.Errorf("json answer with %q: %.200s", ct, raw)
	}
	if res.StatusCode != http.StatusOK {
		f := &o311Failure{Status: res.StatusCode, RetryAfter: res.Header.Get("Retry-After")}
		if c.format == "xml" {
			var e struct {
				XMLName xml.Name    `xml:"errors"`
				Items   []o311Error `xml:"error"`
			}
			if err := xml.Unmarshal(b, &e); err != nil {
				return raw, fmt.Errorf("xml errors: %v: %s", err, raw)
			}
			f.Errors = e.Items
		} else if err := json.Unmarshal(b, &f.Errors); err != nil {
			return raw, fmt.Errorf("json errors: %v: %s", err, raw)
		}
		return raw, f
	}
	if c.format == "xml" {
		err = xml.Unmarshal(b, x)
	} else {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return raw, fmt.Errorf("decode %s: %v: %.300s", path, err, raw)
	}
	return raw, nil
}

func endpointOf(path string) string {
	p, _, _ := strings.Cut(path, "?")
	p = strings.TrimSuffix(strings.TrimSuffix(p, ".json"), ".xml")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i] + "/{id}"
	}
	return p
}

type o311RequestsXML struct {
	XMLName xml.Name      `xml:"service_requests"`
	Items   []o311Request `xml:"request"`
}

func (c *o311Client) Services(q url.Values) ([]o311Service, error) {
	var v []o311Service
	var x struct {
		XMLName xml.Name      `xml:"services"`
		Items   []o311Service `xml:"service"`
	}
	_, err := c.do("GET", "services."+c.format, q, &v, &x)
	if c.format == "xml" {
		v = x.Items
	}
	return v, err
}

func (c *o311Client) Definition(code string) (*o311Definition, error) {
	d := &o311Definition{}
	_, err := c.do("GET", "services/"+url.PathEscape(code)+"."+c.format, nil, d, d)
	return d, err
}

func (c *o311Client) requests(path string, q url.Values) ([]o311Request, string, error) {
	var v []o311Request
	var x o311RequestsXML
	raw, err := c.do("GET", path, q, &v, &x)
	if c.format == "xml" {
		v = x.Items
	}
	return v, raw, err
}

func (c *o311Client) Requests(q url.Values) ([]o311Request, string, error) {
	return c.requests("requests."+c.format, q)
}

func (c *o311Client) Request(id string) ([]o311Request, string, error) {
	return c.requests("requests/"+url.PathEscape(id)+"."+c.format, nil)
}

func (c *o311Client) Token(tok string) ([]o311Request, string, error) {
	return c.requests("tokens/"+url.PathEscape(tok)+"."+c.format, nil)
}

// Post sends a service request with the client's key (when it has one).
func (c *o311Client) Post(form url.Values) ([]o311Request, error) {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if c.key != "" {
		f.Set("api_key", c.key)
	}
	var v []o311Request
	var x o311RequestsXML
	_, err := c.do("POST", "requests."+c.format, f, &v, &x)
	if c.format == "xml" {
		v = x.Items
	}
	return v, err
}

// mustFail checks that err is the spec's error with status.
func mustFail(t *testing.T, what string, err error, status int) *o311Failure {
	t.Helper()
	f, ok := err.(*o311Failure)
	if !ok {
		t.Fatalf("%s: want a %d in the spec's format, got %v", what, status, err)
	}
	if f.Status != status || len(f.Errors) == 0 || f.Errors[0].Code != status || !hasHan(f.Errors[0].Description) {
		t.Fatalf("%s: %+v, want %d with a Chinese description", what, f, status)
	}
	return f
}

// TestOpen311_Client runs the client against the server: every endpoint
// in JSON and XML, a request posted then read back by id, by token and by
// the filters, and every refusal in the spec's format.
func TestOpen311_Client(t *testing.T) {
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) { testOpen311Client(t, engine) })
	}
}

func testOpen311Client(t *testing.T, engine string) {
	// The client posts some forty requests from one address, over the
	// default burst: the flood has a test of its own.
	a := newApp(t, sqldbtest.Open(t, engine))
	keyID, key := issueKey(t, a, "12345热线", "hotline")
	revokedID, revoked := issueKey(t, a, "旧平台", "other")
	revokeKey(t, a, revokedID)
	calls, mu := map[string]int{}, &sync.Mutex{}
	errorsSeen := map[int]int{}
	fail := func(t *testing.T, what string, err error, status int) {
		t.Helper()
		mustFail(t, what, err, status)
		mu.Lock()
		errorsSeen[status]++
		mu.Unlock()
	}
	script := `<script>alert("x")</script> & 路灯不亮，晚上出行不便`

	for i, format := range []string{"json", "xml"} {
		t.Run(format, func(t *testing.T) {
			c := newO311Client(a.ts.URL, format, key, calls, mu)

			svcs, err := c.Services(nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(svcs) != 12 || svcs[0] != (o311Service{ServiceCode: "employment", ServiceName: "就业创业", Description: "就业创业方面的问题和诉求",
				Metadata: true, Type: "realtime", Keywords: "就业创业,employment", Group: "群众诉求"}) {
				t.Fatalf("services %+v", svcs)
			}
			if s, err := c.Services(url.Values{"jurisdiction_id": {sqldbtest.County}}); err != nil || len(s) != 12 {
				t.Fatalf("with our jurisdiction_id: %d %v", len(s), err)
			}

			d, err := c.Definition("transport")
			if err != nil {
				t.Fatal(err)
			}
			if d.ServiceCode != "transport" || len(d.Attributes) != 1 {
				t.Fatalf("definition %+v", d)
			}
			at := d.Attributes[0]
			if !at.Variable || at.Code != "urgency" || at.Datatype != "singlevaluelist" || at.Required || at.Order != 1 ||
				len(at.Values) != 2 || at.Values[1] != (o311Value{Key: "urgent", Name: "紧急"}) {
				t.Fatalf("attribute %+v", at)
			}

			// POST, then GET by id and by token.
			phone := fmt.Sprintf("1391234560%d", i)
			posted, err := c.Post(url.Values{"service_code": {"transport"}, "address_string": {"东坪镇 黄沙坪村 3组"},
				"lat": {"28.38"}, "long": {"111.22"}, "description": {script}, "last_name": {"王"}, "first_name": {"<b>小明</b>"},
				"phone": {phone}, "email": {"a@example.org"}, "attribute[urgency]": {"urgent"},
				"media_url": {"https://example.org/photo.jpg?a=1&b=<2>"}, "jurisdiction_id": {sqldbtest.County}})
			if err != nil {
				t.Fatal(err)
			}
			if len(posted) != 1 || posted[0].ServiceRequestID == "" || sanlian.NormalizeTrackingCode(posted[0].Token) == "" ||
				!strings.Contains(posted[0].ServiceNotice, "已登记") {
				t.Fatalf("posted %+v", posted)
			}
			if format == "json" && posted[0].AccountID != nil {
				t.Fatalf("account_id %v", *posted[0].AccountID)
			}
			id, tok := posted[0].ServiceRequestID, posted[0].Token

			got, raw, err := c.Request(id)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("by id: %d", len(got))
			}
			r := got[0]
			if r.ServiceRequestID != id || r.Status != "open" || r.StatusNotes != "待受理" || r.ServiceCode != "transport" ||
				r.ServiceName != "交通出行" || r.Description != script || r.Address != "东坪镇黄沙坪村" || r.AddressID != sqldbtest.VillageA ||
				r.Lat == nil || *r.Lat != 28.38 || r.Long == nil || *r.Long != 111.22 || r.MediaURL != "https://example.org/photo.jpg?a=1&b=<2>" ||
				!strings.HasSuffix(r.RequestedDatetime, "+08:00") || r.ExpectedDatetime != nil {
				t.Fatalf("by id: %+v", r)
			}
			// Stored as text, escaped on the wire; never the reporter.
			if strings.Contains(raw, "<script>") || strings.Contains(raw, "<b>") || strings.Contains(raw, "<2>") {
				t.Fatalf("unescaped markup on the wire: %s", raw)
			}
			if strings.Contains(raw, "小明") || strings.Contains(raw, phone) || strings.Contains(raw, "a@example.org") {
				t.Fatalf("reporter on the wire: %s", raw)
			}

			byTok, _, err := c.Token(tok)
			if err != nil {
				t.Fatal(err)
			}
			if len(byTok) != 1 || byTok[0].ServiceRequestID != id || byTok[0].Token != tok {
				t.Fatalf("by token %+v", byTok)
			}
			if byTok, _, err = c.Token(strings.ToLower(strings.ReplaceAll(tok, "-", ""))); err != nil || byTok[0].ServiceRequestID != id {
				t.Fatalf("by token as typed: %+v %v", byTok, err)
			}

			// The same text from the same phone within a day: nothing doubled.
			again, err := c.Post(url.Values{"service_code": {"transport"}, "address_id": {sqldbtest.VillageA},
				"description": {script}, "phone": {phone}})
			if err != nil {
				t.Fatal(err)
			}
			if again[0].ServiceRequestID != id || !strings.Contains(again[0].ServiceNotice, "未重复登记") {
				t.Fatalf("repeat %+v", again)
			}
			other, err := c.Post(url.Values{"service_code": {"education"}, "address_id": {sqldbtest.VillageC},
				"description": {"学校门口缺少减速带，上下学不安全"}})
			if err != nil {
				t.Fatal(err)
			}

			// Filters.
			for _, f := range []struct {
				q    url.Values
				want []string
			}{
				{url.Values{"service_request_id": {id + "," + other[0].ServiceRequestID}}, []string{other[0].ServiceRequestID, id}},
				{url.Values{"service_code": {"education"}}, nil}, // checked below: only education
				{url.Values{"service_code": {"transport"}, "status": {"open"}}, nil},
				{url.Values{"status": {"closed"}}, []string{}},
				{url.Values{"start_date": {"2020-01-01T00:00:00+08:00"}, "end_date": {"2020-02-01T00:00:00Z"}}, []string{}},
			} {
				rs, _, err := c.Requests(f.q)
				if err != nil {
					t.Fatalf("%v: %v", f.q, err)
				}
				ids := []string{}
				for _, r := range rs {
					ids = append(ids, r.ServiceRequestID)
					if code := f.q.Get("service_code"); code != "" && r.ServiceCode != code {
						t.Errorf("%v: got %s", f.q, r.ServiceCode)
					}
				}
				if f.want != nil && strings.Join(ids, ",") != strings.Join(f.want, ",") {
					t.Errorf("%v: %v, want %v", f.q, ids, f.want)
				}
				if f.want == nil && len(ids) == 0 {
					t.Errorf("%v: nothing", f.q)
				}
			}
			all, _, err := c.Requests(nil)
			if err != nil || len(all) != 2*(i+1) {
				t.Fatalf("default window: %d %v", len(all), err)
			}

			// Refusals, in the spec's format.
			nokey := newO311Client(a.ts.URL, format, "", calls, mu)
			_, err = nokey.Post(url.Values{"service_code": {"transport"}, "address_id": {sqldbtest.VillageA}, "description": {"没有密钥的请求"}})
			fail(t, "no api_key", err, 403)
			old := newO311Client(a.ts.URL, format, revoked, calls, mu)
			_, err = old.Post(url.Values{"service_code": {"transport"}, "address_id": {sqldbtest.VillageA}, "description": {"已停用密钥的请求"}})
			fail(t, "revoked api_key", err, 403)
			base := url.Values{"service_code": {"transport"}, "address_id": {sqldbtest.VillageA}, "description": {"村道坑洼不平，需要修补"}}
			for _, bad := range []struct {
				what   string
				set    url.Values
				status int
			}{
				{"unknown service_code", url.Values{"service_code": {"<nosuch>"}}, 404},
				{"no service_code", url.Values{"service_code": {""}}, 400},
				{"address_id not ours", url.Values{"address_id": {"110101001001"}}, 400},
				{"address_id a township", url.Values{"address_id": {sqldbtest.Dongping}}, 400},
				{"address_string not ours", url.Values{"address_id": {""}, "address_string": {"北京市朝阳区<script>"}}, 400},
				{"no location", url.Values{"address_id": {""}}, 400},
				{"lat/long alone", url.Values{"address_id": {""}, "lat": {"28.3"}, "long": {"111.2"}}, 400},
				{"lat/long not ours", url.Values{"lat": {"39.9"}, "long": {"116.4"}}, 400},
				{"lat without long", url.Values{"lat": {"28.3"}}, 400},
				{"no description", url.Values{"description": {" "}}, 400},
				{"description too short", url.Values{"description": {"坏"}}, 400},
				{"bad phone", url.Values{"phone": {"<script>"}}, 400},
				{"bad media_url", url.Values{"media_url": {"javascript:alert(1)"}}, 400},
				{"bad urgency", url.Values{"attribute[urgency]": {"asap"}}, 400},
				{"other jurisdiction", url.Values{"jurisdiction_id": {"110101000000"}}, 404},
			} {
				f := url.Values{}
				for k, v := range base {
					f[k] = v
				}
				for k, v := range bad.set {
					f[k] = v
				}
				_, err := c.Post(f)
				fail(t, bad.what, err, bad.status)
			}
			_, err = c.Definition("nosuch")
			fail(t, "unknown service definition", err, 404)
			_, _, err = c.Request("999999")
			fail(t, "unknown request", err, 404)
			_, _, err = c.Request("abc")
			fail(t, "request id not a number", err, 404)
			_, _, err = c.Token("ZZZZZ-ZZZZZ")
			fail(t, "unknown token", err, 404)
			_, _, err = c.Requests(url.Values{"start_date": {"yesterday"}})
			fail(t, "bad start_date", err, 400)
			_, _, err = c.Requests(url.Values{"status": {"pending"}})
			fail(t, "bad status", err, 400)
			_, _, err = c.Requests(url.Values{"service_request_id": {"1,x"}})
			fail(t, "bad service_request_id", err, 400)
			_, err = c.Services(url.Values{"jurisdiction_id": {"nowhere"}})
			fail(t, "unknown jurisdiction", err, 404)

			// Discovery.
			var disc struct {
				XMLName   xml.Name `json:"-" xml:"discovery"`
				Endpoints []struct {
					URL     string   `json:"url" xml:"url"`
					Formats []string `json:"formats" xml:"formats>format"`
				} `json:"endpoints" xml:"endpoints>endpoint"`
			}
			if _, err := c.do("GET", "discovery."+format, nil, &disc, &disc); err != nil || len(disc.Endpoints) != 1 ||
				!strings.HasSuffix(disc.Endpoints[0].URL, "/open311/v2") || len(disc.Endpoints[0].Formats) != 2 {
				t.Fatalf("discovery %+v %v", disc, err)
			}
		})
	}

	t.Run("JSONBody", func(t *testing.T) {
		res, body := a.do("POST", "/open311/v2/requests.json", `{"api_key":"`+key+`","service_code":"transport"}`)
		var errs []o311Error
		if res.StatusCode != 400 || json.Unmarshal([]byte(body), &errs) != nil || len(errs) != 1 || !strings.Contains(errs[0].Description, "表单") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})

	t.Run("UnknownFormat", func(t *testing.T) {
		res, body := a.do("GET", "/open311/v2/services.html", "")
		var errs []o311Error
		if res.StatusCode != 404 || json.Unmarshal([]byte(body), &errs) != nil || len(errs) != 1 || errs[0].Code != 404 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})

	t.Run("KeyCountsRequests", func(t *testing.T) {
		keys, err := a.db.Public.FindAPIKeys(sqldbtest.As(a.office()))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(keys)
		for _, k := range keys {
			if k.ID == keyID && k.Requests != 4 {
				t.Errorf("key %s counts %d requests, want 4", k.Name, k.Requests)
			}
			if strings.Contains(string(body), key) || strings.Contains(string(body), revoked) {
				t.Fatalf("a key is listed whole")
			}
		}
	})

	// The closing figures: what the client sent and what it was refused.
	names := make([]string, 0, len(calls))
	total := 0
	for k, n := range calls {
		names = append(names, fmt.Sprintf("%s ×%d", k, n))
		total += n
	}
	sort.Strings(names)
	t.Logf("Open311 client: %d requests over %d endpoint × format pairs: %s", total, len(calls), strings.Join(names, "; "))
	t.Logf("Open311 client: refusals in the spec's format by status: %v", errorsSeen)
}

// TestOpen311_QueryKeyAndUnknownPath: an API key in the POST's query
// string is taken, as the open311 1.1 client sends it, and any unknown
// path under /open311/v2/ answers the spec's error list.
func TestOpen311_QueryKeyAndUnknownPath(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		_, key := issueKey(t, a, "12345热线", "hotline")
		t.Run("APIKeyInQuery", func(t *testing.T) {
			// As the open311 1.1 client sends it: the key in the POST's query.
			form := url.Values{"service_code": {"transport"}, "address_id": {sqldbtest.VillageA}, "description": {"路灯不亮，夜里看不见路"}}
			res, body := a.do("POST", "/open311/v2/requests.json?api_key="+url.QueryEscape(key), form.Encode())
			if res.StatusCode != 200 || !strings.Contains(body, "service_request_id") {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			res, body = a.do("POST", "/open311/v2/requests.json?api_key=wrong", form.Encode())
			if res.StatusCode != 403 {
				t.Fatalf("wrong key in the query: %d %s", res.StatusCode, body)
			}
		})

		t.Run("UnknownPath", func(t *testing.T) {
			res, body := a.do("GET", "/open311/v2/service/x.xml", "")
			var x struct {
				Errors []o311Error `xml:"error"`
			}
			if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") ||
				xml.Unmarshal([]byte(body), &x) != nil || len(x.Errors) != 1 || x.Errors[0].Code != 404 {
				t.Fatalf("xml: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			for _, path := range []string{"/open311/v2/a/b/c.json", "/open311/v2/"} {
				res, body := a.do("GET", path, "")
				var errs []o311Error
				if res.StatusCode != 404 || json.Unmarshal([]byte(body), &errs) != nil || len(errs) != 1 || errs[0].Code != 404 {
					t.Fatalf("%s: %d %s", path, res.StatusCode, body)
				}
			}
		})

	})
}

// TestOpen311_Public runs every route without an account or a key: none
// answers 401 or 403 but a post's refused key.
func TestOpen311_Public(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	for _, p := range open311.New(a.db.Public, open311.Config{}).Patterns() {
		method, path, _ := strings.Cut(p, " ")
		path = strings.NewReplacer("{file}", "services.json", "{rest...}", "service/x.xml").Replace(path)
		body := ""
		if method == "POST" {
			body = "x=1"
		}
		res, resBody := a.do(method, path, body)
		if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
			t.Errorf("%s: %d %s", p, res.StatusCode, resBody)
		}
	}
}
