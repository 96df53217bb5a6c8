package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// allowed is the expected policy, written out again by hand so that a
// change to a route's declared access (routes.go and the lists of the
// other surfaces) must be made here too, knowingly.
var allowed = map[string][]sanlian.Role{
	"GET /healthz":                              nil, // public
	"GET /readyz":                               nil, // public
	"GET /metrics":                              nil, // public: Prometheus, no personal data
	"GET /static/{file}":                        nil,
	"POST /api/v1/login":                        nil,
	"GET /api/v1/openapi.json":                  nil,
	"POST /api/v1/logout":                       sanlian.Roles,
	"GET /api/v1/me":                            sanlian.Roles,
	"POST /api/v1/me/password":                  sanlian.Roles,
	"GET /api/v1/me/sessions":                   sanlian.Roles,
	"DELETE /api/v1/me/sessions/{id}":           sanlian.Roles,
	"GET /api/v1/audit/logins":                  {"office", "auditor"},
	"GET /login/2fa":                            nil,
	"POST /login/2fa":                           nil,
	"GET /me/password":                          sanlian.Roles,
	"POST /me/password":                         sanlian.Roles,
	"GET /me/sessions":                          sanlian.Roles,
	"POST /me/sessions/{id}/end":                sanlian.Roles,
	"GET /me/2fa":                               sanlian.Roles,
	"POST /me/2fa":                              sanlian.Roles,
	"POST /me/2fa/disable":                      sanlian.Roles,
	"GET /audit/logins":                         {"office", "auditor"},
	"GET /api/v1/password-policy":               sanlian.Roles,
	"PUT /api/v1/password-policy":               {"secadmin"},
	"GET /api/v1/regions":                       {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /api/v1/regions/{code}":                {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /api/v1/units":                         {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /api/v1/units/{id}":                    {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"POST /api/v1/units":                        {"office", "unit_admin"},
	"PATCH /api/v1/units/{id}":                  {"office", "unit_admin"},
	"GET /api/v1/cadres":                        {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /api/v1/cadres/{id}":                   {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"POST /api/v1/cadres":                       {"office", "unit_admin"},
	"PATCH /api/v1/cadres/{id}":                 {"office", "unit_admin"},
	"POST /api/v1/cadres/{id}/reveal":           {"office", "unit_admin", "cadre"},
	"GET /api/v1/households":                    {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/households/{id}":               {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/households":                   {"office", "unit_admin"},
	"PATCH /api/v1/households/{id}":             {"office", "unit_admin"},
	"POST /api/v1/households/{id}/reveal":       {"office", "unit_admin", "cadre"},
	"GET /api/v1/links":                         {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/links":                        {"office", "unit_admin"},
	"POST /api/v1/links/{id}/end":               {"office", "unit_admin"},
	"GET /api/v1/links/coverage":                {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/problems":                      {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/problems/counts":               {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/problems/similar":              {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/problems":                     {"office", "unit_admin", "cadre"},
	"GET /api/v1/problems/{id}":                 {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/problems/{id}/events":          {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/problems/{id}/reveal":         {"office", "unit_admin", "cadre"},
	"POST /api/v1/problems/{id}/reveal-text":    {"office", "unit_admin", "cadre"},
	"GET /api/v1/problems/{id}/attachments":     {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/problems/{id}/attachments":    {"office", "unit_admin", "cadre"},
	"POST /api/v1/problems/{id}/{action}":       {"office", "unit_admin", "cadre"},
	"GET /api/v1/categories":                    sanlian.Roles,
	"POST /api/v1/categories":                   {"office"},
	"PUT /api/v1/categories/{code}":             {"office"},
	"GET /api/v1/topics":                        sanlian.Roles,
	"POST /api/v1/topics":                       {"office"},
	"PATCH /api/v1/topics/{id}":                 {"office"},
	"GET /api/v1/visits":                        {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/visits":                       {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/visits/{id}":                   {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/visits/{id}/photos":           {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/coverage":                      {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/activities":                    {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/activities":                   {"office", "unit_admin"},
	"GET /api/v1/activities/totals":             {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/activities/{id}":               {"office", "leader", "unit_admin", "cadre"},
	"PATCH /api/v1/activities/{id}":             {"office", "unit_admin"},
	"GET /api/v1/activity-types":                {"office", "leader", "unit_admin", "cadre"},
	"PUT /api/v1/activity-types/{code}":         {"office"},
	"GET /api/v1/calendar/{year}":               sanlian.Roles,
	"PUT /api/v1/calendar/{year}":               {"office"},
	"GET /api/v1/calendar/due":                  sanlian.Roles,
	"GET /api/v1/audit":                         {"office", "auditor"},
	"GET /api/v1/users":                         {"sysadmin", "secadmin"},
	"POST /api/v1/users":                        {"sysadmin"},
	"GET /api/v1/users/{id}":                    {"sysadmin", "secadmin"},
	"POST /api/v1/users/{id}/reset-password":    {"sysadmin"},
	"POST /api/v1/users/{id}/disable":           {"sysadmin"},
	"POST /api/v1/users/{id}/enable":            {"sysadmin"},
	"POST /api/v1/users/{id}/unlock":            {"sysadmin"},
	"GET /api/v1/users/{id}/sessions":           {"sysadmin"},
	"DELETE /api/v1/users/{id}/sessions/{sid}":  {"sysadmin"},
	"GET /api/v1/grants":                        {"sysadmin", "secadmin"},
	"POST /api/v1/grants":                       {"sysadmin", "secadmin"},
	"POST /api/v1/grants/{id}/approve":          {"sysadmin", "secadmin"},
	"POST /api/v1/grants/{id}/refuse":           {"sysadmin", "secadmin"},
	"POST /api/v1/grants/{id}/withdraw":         {"sysadmin", "secadmin"},
	"GET /login":                                nil,
	"POST /login":                               nil,
	"POST /logout":                              sanlian.Roles,
	"GET /{$}":                                  sanlian.Roles,
	"GET /regions":                              {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /regions/villages":                     {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /units":                                {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /units/{id}":                           {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /cadres":                               {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /cadres/{id}":                          {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /households":                           {"office", "leader", "unit_admin", "cadre"},
	"GET /households/{id}":                      {"office", "leader", "unit_admin", "cadre"},
	"GET /households/{id}/edit":                 {"office", "unit_admin"},
	"POST /households/{id}":                     {"office", "unit_admin"},
	"POST /households/{id}/reveal":              {"office", "unit_admin", "cadre"},
	"GET /links":                                {"office", "unit_admin"},
	"POST /links":                               {"office", "unit_admin"},
	"POST /links/{id}/end":                      {"office", "unit_admin"},
	"GET /coverage":                             {"office", "leader", "unit_admin", "cadre"},
	"GET /problems":                             {"office", "leader", "unit_admin", "cadre"},
	"GET /problems/new":                         {"office", "unit_admin", "cadre"},
	"GET /problems/similar":                     {"office", "leader", "unit_admin", "cadre"},
	"POST /problems":                            {"office", "unit_admin", "cadre"},
	"GET /problems/{id}":                        {"office", "leader", "unit_admin", "cadre"},
	"POST /problems/{id}/reveal":                {"office", "unit_admin", "cadre"},
	"POST /problems/{id}/reveal-text":           {"office", "unit_admin", "cadre"},
	"POST /problems/{id}/attachments":           {"office", "unit_admin", "cadre"},
	"GET /attachments/{id}":                     {"office", "leader", "unit_admin", "cadre"},
	"GET /attachments/{id}/thumb":               {"office", "leader", "unit_admin", "cadre"},
	"GET /problems/export.xlsx":                 {"office", "leader", "unit_admin", "cadre"},
	"POST /problems/{id}/{action}":              {"office", "unit_admin", "cadre"},
	"GET /categories":                           {"office"},
	"GET /api/v1/routing-rules":                 {"office"},
	"POST /api/v1/routing-rules":                {"office"},
	"GET /api/v1/routing-rules/{id}":            {"office"},
	"PUT /api/v1/routing-rules/{id}":            {"office"},
	"DELETE /api/v1/routing-rules/{id}":         {"office"},
	"GET /api/v1/intake-limits":                 {"office"},
	"PUT /api/v1/intake-limits":                 {"office"},
	"GET /api/v1/returns":                       {"office"},
	"GET /routing-rules":                        {"office"},
	"POST /routing-rules":                       {"office"},
	"POST /routing-rules/intake":                {"office"},
	"POST /routing-rules/{id}/toggle":           {"office"},
	"POST /routing-rules/{id}/delete":           {"office"},
	"GET /routing-rules/export.xlsx":            {"office"},
	"GET /cadres/options":                       {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"POST /categories":                          {"office"},
	"GET /topics":                               sanlian.Roles,
	"POST /topics":                              {"office"},
	"POST /topics/import":                       {"office"},
	"POST /topics/{id}":                         {"office"},
	"GET /visits":                               {"office", "leader", "unit_admin", "cadre"},
	"GET /visits/new":                           {"office", "leader", "unit_admin", "cadre"},
	"POST /visits":                              {"office", "leader", "unit_admin", "cadre"},
	"GET /visits/{id}":                          {"office", "leader", "unit_admin", "cadre"},
	"POST /visits/{id}/photos":                  {"office", "leader", "unit_admin", "cadre"},
	"GET /coverage/visits":                      {"office", "leader", "unit_admin", "cadre"},
	"GET /coverage/visits.xlsx":                 {"office", "leader", "unit_admin", "cadre"},
	"GET /activities":                           {"office", "leader", "unit_admin", "cadre"},
	"GET /activities/totals":                    {"office", "leader", "unit_admin", "cadre"},
	"GET /activities/new":                       {"office", "unit_admin"},
	"POST /activities":                          {"office", "unit_admin"},
	"GET /activities/{id}/edit":                 {"office", "unit_admin"},
	"POST /activities/{id}":                     {"office", "unit_admin"},
	"GET /activities/{id}":                      {"office", "leader", "unit_admin", "cadre"},
	"GET /leader":                               {"office", "leader"},
	"GET /calendar":                             sanlian.Roles,
	"POST /calendar/{year}":                     {"office"},
	"GET /audit":                                {"office", "auditor"},
	"GET /users":                                {"sysadmin", "secadmin"},
	"POST /users":                               {"sysadmin"},
	"GET /users/{id}":                           {"sysadmin", "secadmin"},
	"POST /users/{id}/reset-password":           {"sysadmin"},
	"POST /users/{id}/disable":                  {"sysadmin"},
	"POST /users/{id}/enable":                   {"sysadmin"},
	"POST /users/{id}/unlock":                   {"sysadmin"},
	"POST /users/{id}/sessions/{sid}/end":       {"sysadmin"},
	"POST /users/{id}/grant":                    {"sysadmin", "secadmin"},
	"GET /grants":                               {"sysadmin", "secadmin"},
	"POST /grants/{id}/approve":                 {"sysadmin", "secadmin"},
	"POST /grants/{id}/refuse":                  {"sysadmin", "secadmin"},
	"POST /grants/{id}/withdraw":                {"sysadmin", "secadmin"},
	"GET /api/v1/projects":                      {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/projects":                     {"office", "unit_admin"},
	"GET /api/v1/projects/{id}":                 {"office", "leader", "unit_admin", "cadre"},
	"PATCH /api/v1/projects/{id}":               {"office", "unit_admin"},
	"GET /api/v1/projects/{id}/progress":        {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/projects/{id}/progress":       {"office", "unit_admin", "cadre"},
	"POST /api/v1/progress/{id}/evidence":       {"office", "unit_admin", "cadre"},
	"GET /projects":                             {"office", "leader", "unit_admin", "cadre"},
	"GET /projects/export.xlsx":                 {"office", "leader", "unit_admin", "cadre"},
	"GET /projects/new":                         {"office", "unit_admin"},
	"POST /projects":                            {"office", "unit_admin"},
	"GET /projects/{id}":                        {"office", "leader", "unit_admin", "cadre"},
	"GET /projects/{id}/edit":                   {"office", "unit_admin"},
	"POST /projects/{id}":                       {"office", "unit_admin"},
	"POST /projects/{id}/progress":              {"office", "unit_admin", "cadre"},
	"POST /progress/{id}/evidence":              {"office", "unit_admin", "cadre"},
	"GET /api/v1/responsibilities":              {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/responsibilities":             {"office", "unit_admin"},
	"GET /api/v1/responsibilities/{id}":         {"office", "leader", "unit_admin", "cadre"},
	"PATCH /api/v1/responsibilities/{id}":       {"office", "unit_admin", "cadre"},
	"GET /responsibilities":                     {"office", "leader", "unit_admin", "cadre"},
	"GET /responsibilities/export.xlsx":         {"office", "leader", "unit_admin", "cadre"},
	"GET /responsibilities/new":                 {"office", "unit_admin"},
	"POST /responsibilities":                    {"office", "unit_admin"},
	"GET /responsibilities/{id}":                {"office", "leader", "unit_admin", "cadre"},
	"GET /responsibilities/{id}/edit":           {"office", "unit_admin", "cadre"},
	"POST /responsibilities/{id}":               {"office", "unit_admin", "cadre"},
	"GET /api/v1/lists":                         {"office", "leader", "unit_admin", "cadre"},
	"GET /lists":                                {"office", "leader", "unit_admin", "cadre"},
	"GET /lists.xlsx":                           {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/imports":                      {"office", "unit_admin"},
	"GET /api/v1/imports/{kind}/template.xlsx":  {"office", "unit_admin"},
	"GET /imports":                              {"office", "unit_admin"},
	"POST /imports":                             {"office", "unit_admin"},
	"GET /imports/{kind}/template.xlsx":         {"office", "unit_admin"},
	"POST /api/v1/activities/{id}/photos":       {"office", "unit_admin"},
	"POST /activities/{id}/photos":              {"office", "unit_admin"},
	"GET /activities/export.xlsx":               {"office", "leader", "unit_admin", "cadre"},
	"GET /activity-types":                       {"office"},
	"POST /activity-types":                      {"office"},
	"GET /volunteers/{id}":                      {"office", "leader", "unit_admin", "cadre"},
	"GET /regions/export.xlsx":                  {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /units/export.xlsx":                    {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /cadres/export.xlsx":                   {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /households/export.xlsx":               {"office", "leader", "unit_admin", "cadre"},
	"GET /links/export.xlsx":                    {"office", "unit_admin"},
	"GET /topics/export.xlsx":                   sanlian.Roles,
	"GET /visits/export.xlsx":                   {"office", "leader", "unit_admin", "cadre"},
	"GET /audit/export.xlsx":                    {"auditor", "office"},
	"GET /users/export.xlsx":                    {"sysadmin", "secadmin"},
	"GET /api/v1/metrics":                       {"office", "leader", "unit_admin"},
	"GET /api/v1/metrics/problems":              {"office", "leader", "unit_admin"},
	"GET /api/v1/metric-configs":                {"office"},
	"POST /api/v1/metric-configs":               {"office"},
	"GET /assessment":                           {"office", "leader", "unit_admin"},
	"GET /assessment/problems":                  {"office", "leader", "unit_admin"},
	"GET /metric-configs":                       {"office"},
	"POST /metric-configs":                      {"office"},
	"GET /scorecard/{id}":                       {"office", "leader", "unit_admin"},
	"GET /api/v1/supervisions":                  {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/supervisions":                 {"office", "leader"},
	"GET /api/v1/supervisions/{id}":             {"office", "leader", "unit_admin", "cadre"},
	"POST /api/v1/supervisions/{id}/reply":      {"unit_admin", "cadre"},
	"GET /supervisions":                         {"office", "leader", "unit_admin", "cadre"},
	"POST /supervisions":                        {"office", "leader"},
	"GET /supervisions/{id}":                    {"office", "leader", "unit_admin", "cadre"},
	"POST /supervisions/{id}/reply":             {"unit_admin", "cadre"},
	"GET /api/v1/bulletins":                     {"office", "leader", "unit_admin", "cadre"},
	"GET /api/v1/bulletins/{period}":            {"office", "leader", "unit_admin", "cadre"},
	"PUT /api/v1/bulletins/{period}":            {"office"},
	"POST /api/v1/bulletins/{period}/publish":   {"office"},
	"GET /api/v1/self-criticisms":               {"office", "leader", "unit_admin"},
	"POST /api/v1/self-criticisms/{id}/file":    {"unit_admin"},
	"POST /api/v1/self-criticisms/{id}/receive": {"office"},
	"GET /bulletins":                            {"office", "leader", "unit_admin", "cadre"},
	"GET /bulletins/{period}":                   {"office", "leader", "unit_admin", "cadre"},
	"POST /bulletins/{period}":                  {"office"},
	"POST /bulletins/{period}/publish":          {"office"},
	"GET /bulletins/{period}/print":             {"office", "leader", "unit_admin", "cadre"},
	"GET /bulletins/{period}/annex.xlsx":        {"office", "leader", "unit_admin", "cadre"},
	"GET /self-criticisms":                      {"office", "leader", "unit_admin"},
	"GET /self-criticisms/{id}/file":            {"office", "leader", "unit_admin"},
	"POST /self-criticisms/{id}/file":           {"unit_admin"},
	"POST /self-criticisms/{id}/receive":        {"office"},
	"GET /api/v1/dispatches":                    {"office", "leader", "unit_admin"},
	"GET /api/v1/dispatches/{month}":            {"office", "leader", "unit_admin"},
	"PUT /api/v1/dispatches/{month}":            {"office"},
	"POST /api/v1/dispatches/{month}/decisions": {"office"},
	"GET /dispatches":                           {"office", "leader", "unit_admin"},
	"GET /dispatches/{month}":                   {"office", "leader", "unit_admin"},
	"POST /dispatches/{month}":                  {"office"},
	"POST /dispatches/{month}/decisions":        {"office"},

	// 每月一题 (the month's themes).
	"GET /api/v1/themes":                {"office", "leader", "unit_admin"},
	"POST /api/v1/themes":               {"office"},
	"GET /api/v1/themes/{id}":           {"office", "leader", "unit_admin"},
	"GET /api/v1/themes/{id}/problems":  {"office", "leader", "unit_admin"},
	"GET /themes":                       {"office", "leader", "unit_admin"},
	"GET /themes/new":                   {"office"},
	"POST /themes":                      {"office"},
	"GET /themes/{id}":                  {"office", "leader", "unit_admin"},
	"GET /themes/{id}/edit":             {"office"},
	"POST /themes/{id}":                 {"office"},
	"GET /themes/{id}/report":           {"office", "leader", "unit_admin"},
	"GET /themes/{id}/report.xlsx":      {"office", "leader", "unit_admin"},
	"POST /themes/{id}/problems":        {"office"},
	"POST /themes/{id}/problems/remove": {"office"},
	"POST /themes/{id}/measures":        {"office"},
	"POST /themes/{id}/measures/delete": {"office"},

	// pickers: suggestions for the fields that find cadres, units and problems by name or number
	"GET /suggest/cadres":   {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /suggest/units":    {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin"},
	"GET /suggest/problems": {"office", "leader", "unit_admin", "cadre"},
	"GET /suggest/targets":  {"office", "leader", "unit_admin"},

	// The leaders' cockpit (领导驾驶舱) and its big screen.
	"GET /cockpit":             {"office", "leader"},
	"GET /api/v1/cockpit":      {"office", "leader"},
	"POST /cockpit/settings":   {"office"},
	"POST /cockpit/map":        {"office"},
	"POST /cockpit/map/delete": {"office"},
	"GET /cockpit/map.json":    {"office", "leader"},

	// Messages to residents.
	"GET /messages":                              {"office"},
	"POST /messages/settings":                    {"office"},
	"POST /messages/{id}/retry":                  {"office"},
	"GET /api/v1/message-settings":               {"office"},
	"PUT /api/v1/message-settings":               {"office"},
	"GET /api/v1/messages":                       {"office"},
	"POST /api/v1/messages/{id}/retry":           {"office"},
	"POST /api/v1/public/sms/inbound/{provider}": nil,
}

// init adds the tables kept beside the tests of the people's side,
// Open311 and notices.
func init() {
	for _, t := range []map[string][]sanlian.Role{allowedPublic, allowedLookup, allowedAPIKeys, allowedNotices} {
		for k, v := range t {
			if _, dup := allowed[k]; dup {
				panic("policy test: " + k + " is listed twice")
			}
			allowed[k] = v
		}
	}
}

// users maps each role to an account of the small county.
var users = map[sanlian.Role]string{
	"office": "office", "leader": "leader", "unit_admin": "unitadmin", "cadre": "cadre", "sysadmin": "sysadmin", "auditor": "auditor",
	"secadmin": "secadmin",
}

// examplePath fills a route pattern's wildcards with values that exist in
// the small county and lie in most roles' scope.
func examplePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.Replace(path, "/categories/{code}", "/categories/employment", 1)
	r := strings.NewReplacer("{id}", "1", "{year}", "2021", "{action}", "extend", "{code}", sqldbtest.County, "{file}", "app.css", "{$}", "", "{kind}", "households", "{period}", "2021-05-H1", "{month}", "2021-05", "{sid}", "no-such-session", "{rest...}", "service/x.xml")
	return method, r.Replace(path)
}

// TestPolicy runs every route for every role and checks allowed or denied
// against the table above, which must name every route.
func TestPolicy(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	routes := a.srv.Routes()
	for _, rt := range routes {
		if _, ok := allowed[rt]; !ok {
			t.Errorf("route %q has no entry in the test's policy table", rt)
		}
	}
	for p := range allowed {
		if !slices.Contains(routes, p) {
			t.Errorf("policy entry %q names no route", p)
		}
	}
	t.Logf("%d routes × %d roles", len(routes), len(sanlian.Roles))
	for _, rt := range routes {
		method, path := examplePath(rt)
		for _, role := range sanlian.Roles {
			t.Run(rt+"/"+string(role), func(t *testing.T) {
				tok := a.token(users[role])
				if strings.HasSuffix(path, "/logout") {
					tok = a.login(users[role]) // a session of its own to end
				}
				body := ""
				if method == "POST" || method == "PATCH" {
					body = "{}"
					if !strings.HasPrefix(path, "/api/") {
						body = "x=1"
					}
				}
				res, resBody := a.do(method, path, tok, body)
				want := allowed[rt]
				if want == nil {
					if res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized {
						t.Errorf("public route answered %d: %s", res.StatusCode, resBody)
					}
					return
				}
				denied := res.StatusCode == http.StatusForbidden
				if slices.Contains(want, role) {
					if denied || res.StatusCode == http.StatusUnauthorized || res.StatusCode >= 500 {
						t.Errorf("allowed role got %d: %.200s", res.StatusCode, resBody)
					}
				} else if !denied {
					t.Errorf("denied role got %d, want 403: %.200s", res.StatusCode, resBody)
				}
			})
		}
	}
}

// TestPolicy_Declared compares each route's declared access with the
// hand-written copy above, without a request, so that an access changed
// in one place only is named at once (TestPolicy then shows what it does).
func TestPolicy_Declared(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	declared := web.RouteRoles(a.srv)
	for _, rt := range a.srv.Routes() {
		want, ok := allowed[rt]
		if !ok {
			continue // TestPolicy names it
		}
		got := declared[rt]
		if (got == nil) != (want == nil) || !sameRoles(got, want) {
			t.Errorf("%s: declared %v, the test's copy says %v", rt, got, want)
		}
	}
}

// sameRoles reports whether a and b hold the same roles, in any order.
func sameRoles(a, b []sanlian.Role) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestPolicy_ProblemActions runs the actions that share the generic
// action routes (co_units and part among them) for every role: a role the
// action table never lets take an action is refused with 403 on the API
// and the pages alike, and every role it lets take one may use the route.
func TestPolicy_ProblemActions(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	for _, pattern := range []string{"POST /api/v1/problems/{id}/{action}", "POST /problems/{id}/{action}"} {
		for _, action := range sanlian.Actions {
			for _, role := range sanlian.Roles {
				may := sanlian.MayEverAct(action, role)
				if may && !slices.Contains(allowed[pattern], role) {
					t.Errorf("%s: %s may %s but not use the route", pattern, role, action)
				}
				if may {
					continue
				}
				method, path := examplePath(pattern)
				path = strings.Replace(path, "/extend", "/"+action, 1)
				body := `{"version":1}`
				if !strings.HasPrefix(path, "/api/") {
					body = "version=1"
				}
				if res, resBody := a.do(method, path, a.token(users[role]), body); res.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d, want 403: %.200s", method, path, role, res.StatusCode, resBody)
				}
			}
		}
	}
}

// TestPolicy_Anonymous checks that every non-public route refuses a
// request without a session: 401 for the API, a redirect to the login page
// for pages.
func TestPolicy_Anonymous(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	for _, rt := range a.srv.Routes() {
		if allowed[rt] == nil {
			continue
		}
		method, path := examplePath(rt)
		res, body := a.do(method, path, "", "")
		switch {
		case strings.HasPrefix(path, "/api/"):
			if res.StatusCode != 401 || !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: got %d %s", rt, res.StatusCode, body)
			}
		case method == "GET":
			if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
				t.Errorf("%s: got %d to %q", rt, res.StatusCode, res.Header.Get("Location"))
			}
		default:
			if res.StatusCode != 401 {
				t.Errorf("%s: got %d", rt, res.StatusCode)
			}
		}
	}
}

var _ = sqldb.SQLite
