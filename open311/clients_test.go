package open311_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// Three third-party GeoReport v2 clients, each reduced to the HTTP
// requests it sends and the parsing it does of the answers, driven
// against the running server:
//
//   - georeport 0.3.1 (requests + xmltodict, JSON by default): services,
//     a service definition, requests with params, one request; it has no
//     call to post a request or to read a token.
//   - open311 1.1 (urllib2, XML by default): every call carries
//     jurisdiction_id; the service list is always services.xml; the
//     service definition is read from service/{code} (singular, not the
//     spec's path); a POST carries jurisdiction_id and api_key in its
//     query string and the fields form-encoded in its body.
//   - three 0.8.0 (requests, JSON by default): the endpoint ends with a
//     slash; dates of a range are sent as %Y-%m-%dT%H:%M:%SZ; a POST
//     form-encodes its keywords with api_key among them, name split into
//     first_name and last_name.
//
// go test ./open311 -run TestOpen311_Clients -v prints one line per client
// and operation.

// clientTownships are the boundaries that let a client post coordinates
// alone.
const clientTownships = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"东坪镇"},"geometry":{"type":"Polygon","coordinates":[
   [[111.0,28.0],[111.4,28.0],[111.4,28.4],[111.0,28.4],[111.0,28.0]]]}},
 {"type":"Feature","properties":{"name":"梅城镇"},"geometry":{"type":"Polygon","coordinates":[
   [[111.4,28.0],[111.8,28.0],[111.8,28.4],[111.4,28.4],[111.4,28.0]]]}}]}`

// pyHTTP sends requests as the Python libraries do.
type pyHTTP struct{ hc *http.Client }

// send returns the status and body of one request; a form body is sent
// form-encoded, as requests' data= and urllib2's data argument send it.
func (h pyHTTP) send(method, u string, form url.Values) (int, []byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return 0, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := h.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// ok2xx is requests' raise_for_status and urllib2's HTTPError: anything
// but 2xx is a failure.
func ok2xx(status int, b []byte) error {
	if status < 200 || status > 299 {
		return fmt.Errorf("HTTP %d: %.160s", status, b)
	}
	return nil
}

// jsonList parses a JSON array of objects and checks that the first has
// key, as a caller of response.json() reads it.
func jsonList(b []byte, key string) ([]map[string]any, error) {
	var v []map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("not a JSON list: %v: %.120s", err, b)
	}
	if len(v) == 0 || v[0][key] == nil || v[0][key] == "" {
		return v, fmt.Errorf("no %s in %.160s", key, b)
	}
	return v, nil
}

// xnode is an XML element as xmltodict and xml2dict see it.
type xnode struct {
	XMLName xml.Name
	Nodes   []xnode `xml:",any"`
	Text    string  `xml:",chardata"`
}

func (n *xnode) child(name string) *xnode {
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == name {
			return &n.Nodes[i]
		}
	}
	return nil
}

// xmlPath parses b and walks root → item → field, as data['root']['item']
// indexes the parsed dict, and returns the field's text.
func xmlPath(b []byte, root, item, field string) (string, error) {
	var n xnode
	if err := xml.Unmarshal(b, &n); err != nil {
		return "", fmt.Errorf("not XML: %v: %.120s", err, b)
	}
	if n.XMLName.Local != root {
		return "", fmt.Errorf("root <%s>, want <%s>", n.XMLName.Local, root)
	}
	c := n.child(item)
	if c == nil {
		return "", fmt.Errorf("no <%s> in <%s>", item, root)
	}
	if field == "" {
		return "", nil
	}
	f := c.child(field)
	if f == nil || strings.TrimSpace(f.Text) == "" {
		return "", fmt.Errorf("no <%s> in <%s>", field, item)
	}
	return strings.TrimSpace(f.Text), nil
}

// clientOp is one operation of a client: what it does, whether this
// server is meant to serve it as the client shapes it, and the call.
type clientOp struct {
	name string
	want bool
	run  func() error
}

// TestOpen311_Clients runs each client's operations and logs a
// PASS/FAIL line for each; an operation the client does not have is
// logged n/a. It fails when an operation's outcome is not the one
// expected: every operation passes. open311 1.1 asks for a service
// definition at service/{code}, a path GeoReport v2 does not name; the
// server answers it as services/{code}.
func TestOpen311_Clients(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		_, key := issueKey(t, a, "12345热线", "hotline")
		if _, err := db.Reports.SaveTownshipMap(sanlian.NewSystemContext(context.Background()), []byte(clientTownships)); err != nil {
			t.Fatal(err)
		}
		h := pyHTTP{hc: &http.Client{}}
		root := a.ts.URL + "/open311/v2"
		juris := url.Values{"jurisdiction_id": {sqldbtest.County}}.Encode()

		// One request entered beforehand, for the clients that cannot post.
		status, b, err := h.send("POST", root+"/requests.json", url.Values{"api_key": {key}, "service_code": {"transport"},
			"address_id": {sqldbtest.VillageA}, "description": {"村口的路灯坏了，晚上看不清路"}})
		if err != nil || status != 200 {
			t.Fatalf("seed request: %d %v %s", status, err, b)
		}
		seed, err := jsonList(b, "service_request_id")
		if err != nil {
			t.Fatal(err)
		}
		seedID, seedToken := seed[0]["service_request_id"].(string), seed[0]["token"].(string)

		now := time.Now().UTC()
		w3 := func(t time.Time) string { return t.Format("2006-01-02T15:04:05Z") }
		day := func(t time.Time) string { return t.Format("2006-01-02") + "T00:00:00Z" } // three: a date at midnight, Z
		getJSON := func(u, key string) ([]map[string]any, error) {
			status, b, err := h.send("GET", u, nil)
			if err != nil {
				return nil, err
			}
			if err := ok2xx(status, b); err != nil {
				return nil, err
			}
			return jsonList(b, key)
		}
		getJSONObject := func(u, key string) error {
			status, b, err := h.send("GET", u, nil)
			if err != nil {
				return err
			}
			if err := ok2xx(status, b); err != nil {
				return err
			}
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil || v[key] == nil {
				return fmt.Errorf("not an object with %s: %.160s", key, b)
			}
			return nil
		}
		getXML := func(u, root, item, field string) (string, error) {
			status, b, err := h.send("GET", u, nil)
			if err != nil {
				return "", err
			}
			if err := ok2xx(status, b); err != nil {
				return "", err
			}
			return xmlPath(b, root, item, field)
		}

		var o311Token, threeToken string
		clients := []struct {
			name string
			ops  []clientOp
		}{
			{"georeport 0.3.1", []clientOp{
				{"services", true, func() error { _, err := getJSON(root+"/services.json?"+juris, "service_code"); return err }},
				{"service definition", true, func() error { return getJSONObject(root+"/services/transport.json?"+juris, "service_code") }},
				{"post request", true, nil},
				{"get requests (date range)", true, func() error {
					q := url.Values{"start_date": {w3(now.AddDate(0, 0, -30))}, "end_date": {w3(now.Add(time.Hour))}, "jurisdiction_id": {sqldbtest.County}}
					_, err := getJSON(root+"/requests.json?"+q.Encode(), "service_request_id")
					return err
				}},
				{"get one request", true, func() error {
					v, err := getJSON(root+"/requests/"+seedID+".json?"+juris, "service_request_id") // response.json()[0]
					if err == nil && v[0]["service_request_id"] != seedID {
						err = fmt.Errorf("request %v, want %s", v[0]["service_request_id"], seedID)
					}
					return err
				}},
				{"tokens", true, nil},
			}},
			{"open311 1.1", []clientOp{
				{"services", true, func() error {
					_, err := getXML(root+"/services.xml?"+juris, "services", "service", "service_code")
					return err
				}},
				{"service definition", true, func() error {
					_, err := getXML(root+"/service/transport.xml?"+juris, "service_definition", "service_code", "")
					return err
				}},
				{"post request", true, func() error {
					q := url.Values{"jurisdiction_id": {sqldbtest.County}, "api_key": {key}}
					form := url.Values{"service_code": {"transport"}, "address_string": {"东坪镇黄沙坪村"}, "first_name": {"小明"},
						"last_name": {"王"}, "phone": {"13912345601"}, "email": {"me@example.org"},
						"description": {"组里的排水沟堵塞，下雨后污水漫到路面上"}, "media_url": {"https://example.org/ditch.jpg"}}
					status, b, err := h.send("POST", root+"/requests.xml?"+q.Encode(), form)
					if err != nil {
						return err
					}
					if err := ok2xx(status, b); err != nil {
						return err
					}
					o311Token, err = xmlPath(b, "service_requests", "request", "token")
					return err
				}},
				{"get requests (date range)", true, func() error {
					q := url.Values{"start_date": {w3(now.AddDate(0, 0, -7))}, "end_date": {w3(now.Add(time.Hour))}, "jurisdiction_id": {sqldbtest.County}}
					_, err := getXML(root+"/requests.xml?"+q.Encode(), "service_requests", "request", "service_request_id")
					return err
				}},
				{"get one request", true, func() error {
					id, err := getXML(root+"/requests/"+seedID+".xml?"+juris, "service_requests", "request", "service_request_id")
					if err == nil && id != seedID {
						err = fmt.Errorf("request %s, want %s", id, seedID)
					}
					return err
				}},
				{"tokens", true, func() error {
					tok := o311Token
					if tok == "" {
						tok = seedToken
					}
					_, err := getXML(root+"/tokens/"+url.PathEscape(tok)+".xml?"+juris, "service_requests", "request", "service_request_id")
					return err
				}},
			}},
			{"three 0.8.0", []clientOp{
				{"services", true, func() error { _, err := getJSON(root+"/services.json?"+juris, "service_code"); return err }},
				{"service definition", true, func() error { return getJSONObject(root+"/services/transport.json?"+juris, "service_code") }},
				{"post request", true, func() error {
					// Three('…/open311/v2', api_key=…, jurisdiction=…).post('transport', name='小明 王',
					// phone=…, description=…, lat=…, long=…): a phone app's post, coordinates only.
					form := url.Values{"service_code": {"transport"}, "jurisdiction_id": {sqldbtest.County}, "first_name": {"小明"},
						"last_name": {"王"}, "api_key": {key}, "phone": {"13912345602"}, "lat": {"28.3"}, "long": {"111.3"},
						"description": {"桥头的护栏被撞坏了，夜里很危险"}}
					status, b, err := h.send("POST", root+"/requests.json", form)
					if err != nil {
						return err
					}
					if err := ok2xx(status, b); err != nil {
						return err
					}
					v, err := jsonList(b, "token")
					if err == nil {
						threeToken, _ = v[0]["token"].(string)
					}
					return err
				}},
				{"get requests (date range)", true, func() error {
					q := url.Values{"jurisdiction_id": {sqldbtest.County}, "start_date": {day(now.AddDate(0, 0, -30))}, "end_date": {day(now.AddDate(0, 0, 1))}}
					_, err := getJSON(root+"/requests.json?"+q.Encode(), "service_request_id")
					return err
				}},
				{"get one request", true, func() error {
					_, err := getJSON(root+"/requests/"+seedID+".json?"+juris, "service_request_id")
					return err
				}},
				{"tokens", true, func() error {
					tok := threeToken
					if tok == "" {
						tok = seedToken
					}
					_, err := getJSON(root+"/tokens/"+url.PathEscape(tok)+".json?"+juris, "service_request_id")
					return err
				}},
			}},
		}
		pass, total := 0, 0
		for _, c := range clients {
			for _, op := range c.ops {
				if op.run == nil {
					t.Logf("%-16s %-26s n/a  (the client has no such call)", c.name, op.name)
					continue
				}
				total++
				err := op.run()
				if err == nil {
					pass++
					t.Logf("%-16s %-26s PASS", c.name, op.name)
				} else {
					t.Logf("%-16s %-26s FAIL %v", c.name, op.name, err)
				}
				if (err == nil) != op.want {
					t.Errorf("%s %s: passed %v, expected %v", c.name, op.name, err == nil, op.want)
				}
			}
		}
		t.Logf("%d of %d operations pass", pass, total)
	})
}
