package web_test

import (
	"fmt"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestAPI_BadInput sends every kind of bad request the issue names and
// checks the status, a Chinese problem+json detail, the field named, and
// that nothing was written.
func TestAPI_BadInput(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, unitadmin := a.token("office"), a.token("unitadmin")
		valid := `{"village":"` + sqldbtest.VillageA + `","head_name":"谭新民","id_number":"` + sqldbtest.IDNumber("43092319650301001") +
			`","phone":"13912345678","address":"3组8号","members":4}`
		big := `{"head_name":"` + strings.Repeat("长", 400_000) + `"}`
		cases := []struct {
			name, method, path, token, body string
			status                          int
			field                           string
		}{
			{"malformed JSON", "POST", "/api/v1/households", office, `{"village": "4309`, 400, ""},
			{"not an object", "POST", "/api/v1/households", office, `[1, 2]`, 400, ""},
			{"two objects", "POST", "/api/v1/households", office, `{} {}`, 400, ""},
			{"empty body", "POST", "/api/v1/households", office, ``, 400, ""},
			{"unknown field", "POST", "/api/v1/households", office, strings.Replace(valid, `"members":4`, `"members":4,"income":1`, 1), 400, "income"},
			{"wrong type", "POST", "/api/v1/households", office, strings.Replace(valid, `"members":4`, `"members":"四"`, 1), 400, "members"},
			{"oversized body", "POST", "/api/v1/households", office, big, 413, ""},
			{"missing required", "POST", "/api/v1/households", office, `{"village":"` + sqldbtest.VillageA + `","members":2}`, 422, "head_name"},
			{"bad ID check digit", "POST", "/api/v1/households", office, strings.Replace(valid, sqldbtest.IDNumber("43092319650301001"), "430923196503010010", 1), 422, "id_number"},
			{"bad phone", "POST", "/api/v1/households", office, strings.Replace(valid, "13912345678", "1391234", 1), 422, "phone"},
			{"unknown village", "POST", "/api/v1/households", office, strings.Replace(valid, sqldbtest.VillageA, "430923199999", 1), 422, "village"},
			{"village outside scope", "POST", "/api/v1/households", unitadmin, strings.Replace(valid, sqldbtest.VillageA, sqldbtest.VillageC, 1), 403, ""},
			{"link cadre of another scope", "POST", "/api/v1/links", unitadmin, `{"kind":"household","cadre_id":4,"household_id":5}`, 403, ""},
			{"batch with one bad link", "POST", "/api/v1/links", office, `[{"kind":"household","cadre_id":6,"household_id":5},{"kind":"household","cadre_id":6,"household_id":999}]`, 422, "household_id"},
			{"stale version", "PATCH", "/api/v1/households/1", office, `{"head_name":"改名","version":7}`, 409, ""},
			{"missing version", "PATCH", "/api/v1/households/1", office, `{"head_name":"改名"}`, 422, "version"},
			{"not found", "PATCH", "/api/v1/households/9999", office, `{"head_name":"改名","version":1}`, 404, ""},
			{"out of scope is not found", "GET", "/api/v1/households/16", a.token("cadre"), ``, 404, ""},
			{"forbidden role", "GET", "/api/v1/households", a.token("sysadmin"), ``, 403, ""},
			{"no session", "GET", "/api/v1/households", "", ``, 401, ""},
			{"bad token", "GET", "/api/v1/households", "nonsense", ``, 401, ""},
			{"bad query parameter", "GET", "/api/v1/households?linked=maybe", office, ``, 400, "linked"},
			{"bad cursor", "GET", "/api/v1/households?cursor=bm90LWEtY3Vyc29y", office, ``, 400, "cursor"},
			{"bad limit", "GET", "/api/v1/households?limit=100000", office, ``, 400, "limit"},
		}
		before, auditBefore := a.households(), a.auditRows()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, body := a.do(c.method, c.path, c.token, c.body)
				if res.StatusCode != c.status {
					t.Fatalf("status %d, want %d: %.300s", res.StatusCode, c.status, body)
				}
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("content type %q", ct)
				}
				p := decode[problem](t, body)
				if p.Status != c.status || !hasHan(p.Detail) || !hasHan(p.Title) {
					t.Errorf("problem %+v: want status %d and a Chinese title and detail", p, c.status)
				}
				if c.field != "" && !hasHan(p.Errors[c.field]) {
					t.Errorf("errors %v: want a Chinese message for %q", p.Errors, c.field)
				}
			})
		}
		if n := a.households(); n != before {
			t.Errorf("households %d after bad input, want %d", n, before)
		}
		// Reading the audit log itself and logging in are audited; the bad
		// writes are not. Count only rows other than logins.
		if n := a.auditRows(); n != auditBefore {
			t.Errorf("audit rows %d after bad input, want %d", n, auditBefore)
		}
	})
}

// TestAPI_HouseholdLifecycle creates, reads, updates and reveals a
// household through the API, checking masking and versions.
func TestAPI_HouseholdLifecycle(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		idn := sqldbtest.IDNumber("43092319650301001")
		res, body := a.do("POST", "/api/v1/households", office, `{"village":"`+sqldbtest.VillageA+`","head_name":"谭新民","id_number":"`+idn+
			`","phone":"13912345678","address":"3组8号","members":4,"tags":[{"kind":"key_group","sub":"低保"}]}`)
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		type hh struct {
			ID       int64
			IDNumber string `json:"id_number"`
			Phone    string
			Version  int64
			HeadName string `json:"head_name"`
		}
		h := decode[hh](t, body)
		if h.IDNumber != "430923********"+idn[14:] || h.Phone != "139****5678" {
			t.Errorf("created household not masked: %+v", h)
		}
		if strings.Contains(body, idn) || strings.Contains(body, "13912345678") {
			t.Errorf("answer carries whole personal data: %s", body)
		}
		path := fmt.Sprintf("/api/v1/households/%d", h.ID)
		res, body = a.do("PATCH", path, office, fmt.Sprintf(`{"head_name":"谭新明","version":%d}`, h.Version))
		if res.StatusCode != 200 {
			t.Fatalf("update: %d %s", res.StatusCode, body)
		}
		if u := decode[hh](t, body); u.HeadName != "谭新明" || u.Version != h.Version+1 {
			t.Errorf("updated: %+v", u)
		}
		res, body = a.do("PATCH", path, office, fmt.Sprintf(`{"head_name":"谭某","version":%d}`, h.Version))
		if res.StatusCode != 409 || !strings.Contains(body, "已被他人修改") {
			t.Errorf("stale update: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", path+"/reveal", office, "")
		if res.StatusCode != 200 || !strings.Contains(body, idn) || !strings.Contains(body, "13912345678") {
			t.Errorf("reveal: %d %s", res.StatusCode, body)
		}
		res, body = a.do("GET", fmt.Sprintf("/api/v1/audit?entity=household&entity_id=%d&action=reveal", h.ID), a.token("auditor"), "")
		if res.StatusCode != 200 || !strings.Contains(body, `"actor":"office"`) {
			t.Errorf("reveal not audited: %s", body)
		}
		res, body = a.do("POST", path+"/reveal", a.token("leader"), "")
		if res.StatusCode != 403 {
			t.Errorf("leader reveal: %d %s", res.StatusCode, body)
		}
	})
}

// TestAPI_NoWholePersonalData reads every list the API has, as every role
// that may, and finds no whole ID number or phone of the county in them.
func TestAPI_NoWholePersonalData(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	c := sqldbtest.SmallCounty()
	var secrets []string
	for _, h := range c.Households {
		secrets = append(secrets, h.IDNumber, h.Phone)
	}
	for _, x := range c.Cadres {
		secrets = append(secrets, x.Phone)
	}
	paths := []string{"/api/v1/households?limit=500", "/api/v1/households/1", "/api/v1/cadres?limit=500", "/api/v1/cadres/2",
		"/api/v1/links?limit=500", "/api/v1/audit?limit=500", "/households", "/households/1", "/cadres", "/cadres/2", "/units/1", "/audit", "/links?unit_id=1&cadre_id=2&township=" + sqldbtest.Dongping + "&village=" + sqldbtest.VillageA}
	for _, user := range []string{"office", "leader", "unitadmin", "cadre", "auditor"} {
		for _, p := range paths {
			res, body := a.do("GET", p, a.token(user), "")
			if res.StatusCode != 200 {
				continue
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("%s as %s shows %s whole", p, user, s)
				}
			}
		}
	}
}

// TestHealthz answers 200 with a live database.
func TestHealthz(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	if res, body := a.do("GET", "/healthz", "", ""); res.StatusCode != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %s", res.StatusCode, body)
	}
}
