package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// apiPatterns are the server's routes under /api/v1, "METHOD /path". The
// one place the test reads the route lists.
func apiPatterns(srv *web.Server) []string {
	var out []string
	for _, p := range srv.Routes() {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/") {
			out = append(out, p)
		}
	}
	return out
}

// openAPIShapes are the GET endpoints whose answers are checked against
// the document, with the role that calls each. A path may name the first
// item of a list answer as {first:/api/v1/list}.
var openAPIShapes = []struct{ user, path string }{
	{"", "/api/v1/openapi.json"},
	{"", "/api/v1/public/form"},
	{"", "/api/v1/public/challenge"},
	{"", "/api/v1/public/results"},
	{"office", "/api/v1/me"},
	{"office", "/api/v1/me/sessions"},
	{"office", "/api/v1/password-policy"},
	{"office", "/api/v1/audit/logins"},
	{"office", "/api/v1/regions"},
	{"office", "/api/v1/regions/" + sqldbtest.County},
	{"office", "/api/v1/units"},
	{"office", "/api/v1/units/{first:/api/v1/units}"},
	{"office", "/api/v1/cadres"},
	{"office", "/api/v1/cadres/{first:/api/v1/cadres}"},
	{"office", "/api/v1/households"},
	{"office", "/api/v1/households/{first:/api/v1/households}"},
	{"office", "/api/v1/links"},
	{"office", "/api/v1/links/coverage"},
	{"office", "/api/v1/problems"},
	{"office", "/api/v1/problems/counts"},
	{"office", "/api/v1/problems/{first:/api/v1/problems}"},
	{"office", "/api/v1/problems/{first:/api/v1/problems}/events"},
	{"office", "/api/v1/problems/{first:/api/v1/problems}/attachments"},
	{"office", "/api/v1/categories"},
	{"office", "/api/v1/routing-rules"},
	{"office", "/api/v1/intake-limits"},
	{"office", "/api/v1/returns"},
	{"office", "/api/v1/topics"},
	{"office", "/api/v1/visits"},
	{"office", "/api/v1/coverage"},
	{"office", "/api/v1/activities"},
	{"office", "/api/v1/activities/totals"},
	{"office", "/api/v1/activity-types"},
	{"office", "/api/v1/projects"},
	{"office", "/api/v1/responsibilities"},
	{"office", "/api/v1/lists"},
	{"office", "/api/v1/metrics"},
	{"office", "/api/v1/metric-configs"},
	{"office", "/api/v1/supervisions"},
	{"office", "/api/v1/bulletins"},
	{"office", "/api/v1/self-criticisms"},
	{"office", "/api/v1/dispatches"},
	{"office", "/api/v1/calendar/2021"},
	{"office", "/api/v1/calendar/due?from=2021-05-10&days=5"},
	{"office", "/api/v1/themes"},
	{"office", "/api/v1/cockpit"},
	{"office", "/api/v1/message-settings"},
	{"office", "/api/v1/messages"},
	{"office", "/api/v1/notices"},
	{"unitadmin", "/api/v1/notices"},
	{"office", "/api/v1/visits/{first:/api/v1/visits}"},
	{"office", "/api/v1/activities/{first:/api/v1/activities}"},
	{"office", "/api/v1/projects/{first:/api/v1/projects}"},
	{"office", "/api/v1/projects/{first:/api/v1/projects}/progress"},
	{"office", "/api/v1/responsibilities/{first:/api/v1/responsibilities}"},
	{"office", "/api/v1/supervisions/{first:/api/v1/supervisions}"},
	{"office", "/api/v1/routing-rules/{first:/api/v1/routing-rules}"},
	{"office", "/api/v1/themes/{first:/api/v1/themes}"},
	{"office", "/api/v1/themes/{first:/api/v1/themes}/problems"},
	{"office", "/api/v1/webhooks/{first:/api/v1/webhooks}/deliveries"},
	{"office", "/api/v1/metrics/problems?key=1&measure=assigned"},
	{"office", "/api/v1/problems/similar?village=" + sqldbtest.VillageA + "&text=村道路灯不亮"},
	{"office", "/api/v1/webhooks"},
	{"office", "/api/v1/api-keys"},
	{"auditor", "/api/v1/audit"},
	{"sysadmin", "/api/v1/users"},
	{"sysadmin", "/api/v1/users/{first:/api/v1/users}"},
	{"sysadmin", "/api/v1/users/{first:/api/v1/users}/sessions"},
	{"secadmin", "/api/v1/grants"},
}

// TestOpenAPI checks the document against the routes and the handlers'
// answers against the document.
func TestOpenAPI(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		res, body := a.do("GET", "/api/v1/openapi.json", "", "")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		doc := decode[map[string]any](t, body)
		if doc["openapi"] != "3.1.0" {
			t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
		}
		for _, k := range []string{"info", "paths", "components"} {
			if doc[k] == nil {
				t.Errorf("document has no %s", k)
			}
		}

		seedOpenAPI(t, a, doc)

		t.Run("Routes", func(t *testing.T) {
			documented := documentedOps(doc)
			served := apiPatterns(a.srv)
			for _, p := range served {
				if !slices.Contains(documented, p) {
					t.Errorf("route %q is not in the document", p)
				}
			}
			for _, p := range documented {
				if !slices.Contains(served, p) {
					t.Errorf("the document has %q, which the server does not answer", p)
				}
			}
			t.Logf("%d operations on %d paths", len(documented), len(doc["paths"].(map[string]any)))
			for path, item := range doc["paths"].(map[string]any) {
				for method, op := range item.(map[string]any) {
					op := op.(map[string]any)
					if s, _ := op["summary"].(string); !hasHan(s) {
						t.Errorf("%s %s: summary %q is not in Chinese", method, path, s)
					}
					for status, r := range op["responses"].(map[string]any) {
						if d, _ := r.(map[string]any)["description"].(string); status != "default" && !hasHan(d) {
							t.Errorf("%s %s: response %s has no Chinese description", method, path, status)
						}
					}
				}
			}
		})

		t.Run("Shapes", func(t *testing.T) {
			checked := 0
			for _, c := range openAPIShapes {
				path := c.path
				if i := strings.Index(path, "{first:"); i >= 0 {
					j := strings.Index(path[i:], "}")
					id, ok := firstID(t, a, c.user, path[i+len("{first:"):i+j])
					if !ok {
						t.Errorf("%s: the list is empty; the test county should give it an item", path)
						continue
					}
					path = path[:i] + id + path[i+j+1:]
				}
				tok := ""
				if c.user != "" {
					tok = a.token(c.user)
				}
				res, body := a.do("GET", path, tok, "")
				if res.StatusCode != 200 {
					t.Errorf("GET %s as %q: %d %.300s", path, c.user, res.StatusCode, body)
					continue
				}
				schema := responseSchema(t, doc, "GET", path, "200", "application/json")
				if schema == nil {
					continue
				}
				var v any
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					t.Errorf("GET %s: %v", path, err)
					continue
				}
				for _, e := range validate(doc, schema, v, "") {
					t.Errorf("GET %s: %s", path, e)
				}
				if items, ok := lookup(v, "items").([]any); ok && len(items) == 0 {
					t.Logf("GET %s: no items to check", path)
				}
				checked++
			}
			t.Logf("%d answers checked against their schemas", checked)
		})

		t.Run("Error", func(t *testing.T) {
			schema := lookup(doc, "components", "responses", "Error", "content", "application/problem+json", "schema").(map[string]any)
			for _, c := range []struct{ method, path, body string }{
				{"GET", "/api/v1/units/987654", ""},
				{"POST", "/api/v1/units", `{"name":""}`},
				{"POST", "/api/v1/units", `{"nmae":"x"}`},
			} {
				res, body := a.do(c.method, c.path, a.token("office"), c.body)
				if res.StatusCode < 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s %s: %d %s, want a problem", c.method, c.path, res.StatusCode, res.Header.Get("Content-Type"))
					continue
				}
				v := decode[any](t, body)
				for _, e := range validate(doc, schema, v, "") {
					t.Errorf("%s %s: %s", c.method, c.path, e)
				}
				if res.StatusCode != 404 && v.(map[string]any)["errors"] == nil {
					t.Errorf("%s %s: no field errors in %s", c.method, c.path, body)
				}
			}
		})
	})
}

// seedOpenAPI enters a record of each kind the shapes are checked on, so
// that the lists' items are checked too, not only their envelopes; the
// answers of these POSTs are checked against the document as well.
func seedOpenAPI(t *testing.T, a *app, doc map[string]any) {
	t.Helper()
	p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "村道路灯不亮", "村道三盏路灯不亮，夜间出行不便")
	if code, body, _ := a.problemAct(a.token("office"), p, "assign", `,"unit_id":1,"person_id":2`); code != 200 {
		t.Fatalf("assign: %d %s", code, body)
	}
	today := todayIn()
	a.newActivity("office", "relief", today, sqldbtest.VillageA, 1, []int64{2}, 0, 15, "走访慰问困难群众")
	for _, c := range []struct{ user, path, body string }{
		{"office", "/api/v1/topics", `{"category":"transport","question":"桥梁安全吗？"}`},
		{"cadre", "/api/v1/visits", `{"kind":"household","household_id":1,"date":"` + today + `","met":"户主","findings":"老人说医保报销慢"}`},
		{"office", "/api/v1/projects", projectBody("残疾人轮椅适配", "")},
		{"office", "/api/v1/responsibilities", `{"unit_id":1,"task":"完成低保年度复核","person_id":2,"deadline":"2031-06-30"}`},
		{"office", "/api/v1/supervisions", fmt.Sprintf(`{"target_kind":"problem","target_id":%d,"text":"请于三日内报告进展","reply_due":"2099-01-01"}`, p.ID)},
		{"office", "/api/v1/routing-rules", `{"category":"transport","region":"` + sqldbtest.VillageA + `","unit_id":1,"person_id":2,"sort":1}`},
		{"office", "/api/v1/webhooks", `{"name":"12345热线平台","kind":"json","url":"https://example.com/12345","events":["problem_accepted"]}`},
		{"office", "/api/v1/api-keys", `{"name":"12345热线","source":"hotline"}`},
		{"office", "/api/v1/themes", `{"month":"` + today[:7] + `","name":"农村饮水安全","keywords":["饮水"]}`},
		{"office", "/api/v1/metric-configs", `{"from":"2021-05","weights":{"response":40,"resolution":30,"satisfaction":30},"rules":{"self_criticism_days":5,"red_after_days":5}}`},
		{"secadmin", "/api/v1/grants", `{"user_id":4,"role":"office","version":1}`},
	} {
		res, body := a.do("POST", c.path, a.token(c.user), c.body)
		if res.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %d %.300s", c.path, res.StatusCode, body)
		}
		if schema := responseSchema(t, doc, "POST", c.path, fmt.Sprint(res.StatusCode), "application/json"); schema != nil {
			for _, e := range validate(doc, schema, decode[any](t, body), "") {
				t.Errorf("POST %s: %s", c.path, e)
			}
		}
	}
}

// documentedOps are the document's operations as "METHOD /path".
func documentedOps(doc map[string]any) []string {
	var out []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// firstID is the id of the first item of a list answer that has one.
func firstID(t *testing.T, a *app, user, path string) (string, bool) {
	t.Helper()
	res, body := a.do("GET", path, a.token(user), "")
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %.300s", path, res.StatusCode, body)
	}
	var l struct{ Items []struct{ ID int64 } }
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	for _, it := range l.Items {
		if it.ID != 0 { // a derived line (responsibilities) has none
			return fmt.Sprint(it.ID), true
		}
	}
	return "", false
}

// responseSchema finds the operation a concrete path falls under (the
// template with the most literal segments wins, as in http.ServeMux) and
// returns its schema for status and media type.
func responseSchema(t *testing.T, doc map[string]any, method, path, status, media string) map[string]any {
	t.Helper()
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	best, bestScore := "", -1
	for tmpl, item := range doc["paths"].(map[string]any) {
		if item.(map[string]any)[strings.ToLower(method)] == nil {
			continue
		}
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		score := 0
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				continue
			}
			if ts[i] != segs[i] {
				score = -1
				break
			}
			score++
		}
		if score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	if best == "" {
		t.Errorf("%s %s: no operation in the document", method, path)
		return nil
	}
	s, ok := lookup(doc, "paths", best, strings.ToLower(method), "responses", status, "content", media, "schema").(map[string]any)
	if !ok {
		t.Errorf("%s %s: the document gives no %s %s schema", method, best, status, media)
	}
	return s
}

func lookup(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// validate checks v against a JSON Schema subset: $ref, anyOf, oneOf,
// type (a name or an array of names), enum, required, properties,
// additionalProperties (false or a schema) and items.
func validate(doc, s map[string]any, v any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		target, _ := lookup(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...).(map[string]any)
		if target == nil {
			return []string{at + ": unresolved " + ref}
		}
		return validate(doc, target, v, at)
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[k].([]any); ok {
			var all []string
			for _, alt := range alts {
				errs := validate(doc, alt.(map[string]any), v, at)
				if len(errs) == 0 {
					all = nil
					break
				}
				all = append(all, errs...)
			}
			if all != nil {
				return []string{at + ": matches none of " + k + ": " + strings.Join(all, "; ")}
			}
		}
	}
	if tp, ok := s["type"]; ok {
		var types []string
		switch tp := tp.(type) {
		case string:
			types = []string{tp}
		case []any:
			for _, x := range tp {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
			return []string{fmt.Sprintf("%s: %s, want %s", at, jsonType(v), strings.Join(types, " or "))}
		}
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, v) {
		return []string{fmt.Sprintf("%s: %v is not one of %v", at, v, e)}
	}
	var errs []string
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := v[r.(string)]; !ok {
					errs = append(errs, fmt.Sprintf("%s: no %q", at, r))
				}
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validate(doc, ps, v[k], at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: undocumented property %q", at, k))
				}
			case map[string]any:
				errs = append(errs, validate(doc, ap, v[k], at+"."+k)...)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range v {
				errs = append(errs, validate(doc, items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

// jsonType is the JSON Schema type of a decoded value.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == math.Trunc(v) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
