package web

import "sanlian"

// access says who may use a route: anyone (public), or the listed roles.
// Data scope inside a route is the services' business.
type access struct {
	public bool
	roles  []sanlian.Role
	// restricted: open also to a session that must first change its
	// password or enrol a second factor (sanlian.Restriction); every
	// other route sends such a session to that step.
	restricted bool
}

func public() access { return access{public: true} }

func roles(rs ...sanlian.Role) access { return access{roles: rs} }

// evenRestricted returns a with restricted sessions let in.
func (a access) evenRestricted() access { a.restricted = true; return a }

const (
	office    = sanlian.RoleOffice
	leader    = sanlian.RoleLeader
	unitAdmin = sanlian.RoleUnitAdmin
	cadre     = sanlian.RoleCadre
	sysadmin  = sanlian.RoleSysadmin
	secadmin  = sanlian.RoleSecadmin
	auditor   = sanlian.RoleAuditor
)

var (
	everyone  = roles(office, leader, unitAdmin, cadre, sysadmin, secadmin, auditor)
	orgReader = roles(office, leader, unitAdmin, cadre, sysadmin, secadmin) // the organisation, no personal data
	citizens  = roles(office, leader, unitAdmin, cadre)                     // households and links
	orgWriter = roles(office, unitAdmin)                                    // units, cadres, households, links
	revealers = roles(office, unitAdmin, cadre)                             // whole ID numbers and phones
	entrants  = roles(office, unitAdmin, cadre)                             // enter and act on problems
	auditors  = roles(auditor, office)                                      // the audit log
	// The three administrators (三权分立) do not share work: the system
	// administrator makes and keeps accounts, the security administrator
	// decides the grants the system administrator asks for (and asks for
	// role and scope changes the system administrator decides), the
	// auditor reads the audit log. The office no longer manages accounts.
	accountMaker   = roles(sysadmin)           // create accounts, reset, disable, unlock, end sessions
	accountReaders = roles(sysadmin, secadmin) // the account list and an account's page
	granters       = roles(sysadmin, secadmin) // grant requests: ask, approve, refuse, withdraw
)

// policy is the one table of who may use which route (SPEC §6). Every
// route in routeList must have an entry; New panics otherwise and
// TestPolicy checks each entry for every role.
var policy = map[string]access{
	"GET /healthz":        public(),
	"GET /static/{file}":  public(),
	"POST /api/v1/login":  public(),
	"POST /api/v1/logout": everyone.evenRestricted(),
	"GET /api/v1/me":      everyone.evenRestricted(),

	// The API's description (openapi.go).
	"GET /api/v1/openapi.json": public(),

	// Every user's own account: password, sessions, second factor.
	"POST /api/v1/me/password":        everyone.evenRestricted(),
	"GET /api/v1/me/sessions":         everyone,
	"DELETE /api/v1/me/sessions/{id}": everyone,
	"GET /me/password":                everyone.evenRestricted(),
	"POST /me/password":               everyone.evenRestricted(),
	"GET /me/sessions":                everyone,
	"POST /me/sessions/{id}/end":      everyone,
	"GET /me/2fa":                     everyone.evenRestricted(),
	"POST /me/2fa":                    everyone.evenRestricted(),
	"POST /me/2fa/disable":            everyone,
	"GET /login/2fa":                  public(), // a pending login's second page
	"POST /login/2fa":                 public(),
	"GET /audit/logins":               auditors, // the login log
	"GET /api/v1/audit/logins":        auditors,
	"GET /api/v1/password-policy":     everyone,
	"PUT /api/v1/password-policy":     roles(sanlian.RoleSecadmin), // the security administrator's

	"GET /api/v1/regions":        orgReader,
	"GET /api/v1/regions/{code}": orgReader,

	"GET /api/v1/units":        orgReader,
	"GET /api/v1/units/{id}":   orgReader,
	"POST /api/v1/units":       orgWriter,
	"PATCH /api/v1/units/{id}": orgWriter,

	"GET /api/v1/cadres":              orgReader,
	"GET /api/v1/cadres/{id}":         orgReader,
	"POST /api/v1/cadres":             orgWriter,
	"PATCH /api/v1/cadres/{id}":       orgWriter,
	"POST /api/v1/cadres/{id}/reveal": revealers,

	"GET /api/v1/households":              citizens,
	"GET /api/v1/households/{id}":         citizens,
	"POST /api/v1/households":             orgWriter,
	"PATCH /api/v1/households/{id}":       orgWriter,
	"POST /api/v1/households/{id}/reveal": revealers,

	"GET /api/v1/links":           citizens,
	"POST /api/v1/links":          orgWriter,
	"POST /api/v1/links/{id}/end": orgWriter,
	"GET /api/v1/links/coverage":  citizens,

	"GET /api/v1/problems":                   citizens,
	"GET /api/v1/problems/counts":            citizens,
	"GET /api/v1/problems/similar":           citizens,
	"POST /api/v1/problems":                  entrants,
	"GET /api/v1/problems/{id}":              citizens,
	"GET /api/v1/problems/{id}/events":       citizens,
	"POST /api/v1/problems/{id}/reveal":      revealers,
	"POST /api/v1/problems/{id}/reveal-text": revealers,
	"GET /api/v1/problems/{id}/attachments":  citizens,
	"POST /api/v1/problems/{id}/attachments": entrants,
	"POST /api/v1/problems/{id}/{action}":    entrants, // per action: sanlian.ActionRules (co_units: office; part: a co-unit's admin or cadre)
	"GET /api/v1/categories":                 everyone,
	"POST /api/v1/categories":                roles(office),
	"PUT /api/v1/categories/{code}":          roles(office),
	"GET /api/v1/routing-rules":              roles(office),
	"POST /api/v1/routing-rules":             roles(office),
	"GET /api/v1/routing-rules/{id}":         roles(office),
	"PUT /api/v1/routing-rules/{id}":         roles(office),
	"DELETE /api/v1/routing-rules/{id}":      roles(office),
	"GET /api/v1/intake-limits":              roles(office),
	"PUT /api/v1/intake-limits":              roles(office),
	"GET /api/v1/returns":                    roles(office),
	"GET /api/v1/topics":                     everyone,
	"POST /api/v1/topics":                    roles(office),
	"PATCH /api/v1/topics/{id}":              roles(office),
	"GET /api/v1/visits":                     citizens,
	"POST /api/v1/visits":                    citizens, // who visits: office, leader, unit admin, cadre
	"GET /api/v1/visits/{id}":                citizens,
	"POST /api/v1/visits/{id}/photos":        citizens,
	"GET /api/v1/coverage":                   citizens,
	"GET /api/v1/activities":                 citizens,
	"POST /api/v1/activities":                orgWriter,
	"GET /api/v1/activities/totals":          citizens,
	"GET /api/v1/activities/{id}":            citizens,
	"PATCH /api/v1/activities/{id}":          orgWriter,
	"GET /api/v1/activity-types":             citizens,
	"PUT /api/v1/activity-types/{code}":      roles(office),
	"GET /api/v1/calendar/{year}":            everyone,
	"PUT /api/v1/calendar/{year}":            roles(office),
	"GET /api/v1/calendar/due":               everyone,

	"GET /api/v1/projects":                     citizens,
	"POST /api/v1/projects":                    orgWriter,
	"GET /api/v1/projects/{id}":                citizens,
	"PATCH /api/v1/projects/{id}":              orgWriter,
	"GET /api/v1/projects/{id}/progress":       citizens,
	"POST /api/v1/projects/{id}/progress":      entrants,
	"POST /api/v1/progress/{id}/evidence":      entrants,
	"GET /api/v1/responsibilities":             citizens,
	"POST /api/v1/responsibilities":            orgWriter,
	"GET /api/v1/responsibilities/{id}":        citizens,
	"PATCH /api/v1/responsibilities/{id}":      entrants,
	"GET /api/v1/lists":                        citizens,
	"POST /api/v1/imports":                     orgWriter,
	"GET /api/v1/imports/{kind}/template.xlsx": orgWriter,
	"POST /api/v1/activities/{id}/photos":      orgWriter,

	"GET /api/v1/metrics":                       roles(office, leader, unitAdmin),
	"GET /api/v1/metrics/problems":              roles(office, leader, unitAdmin),
	"GET /api/v1/metric-configs":                roles(office),
	"POST /api/v1/metric-configs":               roles(office),
	"GET /api/v1/supervisions":                  citizens,
	"POST /api/v1/supervisions":                 roles(office, leader),
	"GET /api/v1/supervisions/{id}":             citizens,
	"POST /api/v1/supervisions/{id}/reply":      roles(unitAdmin, cadre),
	"GET /api/v1/bulletins":                     citizens,
	"GET /api/v1/bulletins/{period}":            citizens,
	"PUT /api/v1/bulletins/{period}":            roles(office),
	"POST /api/v1/bulletins/{period}/publish":   roles(office),
	"GET /api/v1/self-criticisms":               roles(office, leader, unitAdmin),
	"POST /api/v1/self-criticisms/{id}/file":    roles(unitAdmin),
	"POST /api/v1/self-criticisms/{id}/receive": roles(office),
	"GET /api/v1/dispatches":                    roles(office, leader, unitAdmin),
	"GET /api/v1/dispatches/{month}":            roles(office, leader, unitAdmin),
	"PUT /api/v1/dispatches/{month}":            roles(office),
	"POST /api/v1/dispatches/{month}/decisions": roles(office),

	"GET /api/v1/audit": auditors,

	"GET /api/v1/users":                        accountReaders,
	"POST /api/v1/users":                       accountMaker,
	"GET /api/v1/users/{id}":                   accountReaders,
	"POST /api/v1/users/{id}/reset-password":   accountMaker,
	"POST /api/v1/users/{id}/disable":          accountMaker,
	"POST /api/v1/users/{id}/enable":           accountMaker,
	"POST /api/v1/users/{id}/unlock":           accountMaker,
	"GET /api/v1/users/{id}/sessions":          accountMaker,
	"DELETE /api/v1/users/{id}/sessions/{sid}": accountMaker,
	"GET /api/v1/grants":                       granters,
	"POST /api/v1/grants":                      granters,
	"POST /api/v1/grants/{id}/approve":         granters,
	"POST /api/v1/grants/{id}/refuse":          granters,
	"POST /api/v1/grants/{id}/withdraw":        granters,

	// Pages.
	"GET /login":                         public(),
	"POST /login":                        public(),
	"POST /logout":                       everyone.evenRestricted(),
	"GET /{$}":                           everyone,
	"GET /regions":                       orgReader,
	"GET /regions/villages":              orgReader,
	"GET /units":                         orgReader,
	"GET /units/{id}":                    orgReader,
	"GET /cadres":                        orgReader,
	"GET /cadres/{id}":                   orgReader,
	"GET /households":                    citizens,
	"GET /households/{id}":               citizens,
	"GET /households/{id}/edit":          orgWriter,
	"POST /households/{id}":              orgWriter,
	"POST /households/{id}/reveal":       revealers,
	"GET /links":                         orgWriter,
	"POST /links":                        orgWriter,
	"POST /links/{id}/end":               orgWriter,
	"GET /coverage":                      citizens,
	"GET /problems":                      citizens,
	"GET /problems/new":                  entrants,
	"GET /problems/similar":              citizens,
	"POST /problems":                     entrants,
	"GET /problems/{id}":                 citizens,
	"POST /problems/{id}/reveal":         revealers,
	"POST /problems/{id}/reveal-text":    revealers,
	"POST /problems/{id}/attachments":    entrants,
	"GET /attachments/{id}":              citizens,
	"GET /attachments/{id}/thumb":        citizens,
	"GET /problems/export.xlsx":          citizens,
	"POST /problems/{id}/{action}":       entrants, // as its API twin
	"GET /routing-rules":                 roles(office),
	"POST /routing-rules":                roles(office),
	"POST /routing-rules/intake":         roles(office),
	"POST /routing-rules/{id}/toggle":    roles(office),
	"POST /routing-rules/{id}/delete":    roles(office),
	"GET /routing-rules/export.xlsx":     roles(office),
	"GET /cadres/options":                orgReader,
	"GET /categories":                    roles(office),
	"POST /categories":                   roles(office),
	"GET /topics":                        everyone,
	"POST /topics":                       roles(office),
	"POST /topics/import":                roles(office),
	"POST /topics/{id}":                  roles(office),
	"GET /visits":                        citizens,
	"GET /visits/new":                    citizens,
	"POST /visits":                       citizens,
	"GET /visits/{id}":                   citizens,
	"POST /visits/{id}/photos":           citizens,
	"GET /coverage/visits":               citizens,
	"GET /coverage/visits.xlsx":          citizens,
	"GET /activities":                    citizens,
	"GET /activities/totals":             citizens,
	"GET /activities/new":                orgWriter,
	"POST /activities":                   orgWriter,
	"GET /activities/{id}/edit":          orgWriter,
	"POST /activities/{id}":              orgWriter,
	"GET /activities/{id}":               citizens,
	"GET /projects":                      citizens,
	"GET /projects/export.xlsx":          citizens,
	"GET /projects/new":                  orgWriter,
	"POST /projects":                     orgWriter,
	"GET /projects/{id}":                 citizens,
	"GET /projects/{id}/edit":            orgWriter,
	"POST /projects/{id}":                orgWriter,
	"POST /projects/{id}/progress":       entrants,
	"POST /progress/{id}/evidence":       entrants,
	"GET /responsibilities":              citizens,
	"GET /responsibilities/export.xlsx":  citizens,
	"GET /responsibilities/new":          orgWriter,
	"POST /responsibilities":             orgWriter,
	"GET /responsibilities/{id}":         citizens,
	"GET /responsibilities/{id}/edit":    entrants,
	"POST /responsibilities/{id}":        entrants,
	"GET /lists":                         citizens,
	"GET /lists.xlsx":                    citizens,
	"GET /imports":                       orgWriter,
	"POST /imports":                      orgWriter,
	"GET /imports/{kind}/template.xlsx":  orgWriter,
	"POST /activities/{id}/photos":       orgWriter,
	"GET /activities/export.xlsx":        citizens,
	"GET /activity-types":                roles(office),
	"POST /activity-types":               roles(office),
	"GET /volunteers/{id}":               citizens,
	"GET /regions/export.xlsx":           orgReader,
	"GET /units/export.xlsx":             orgReader,
	"GET /cadres/export.xlsx":            orgReader,
	"GET /households/export.xlsx":        citizens,
	"GET /links/export.xlsx":             orgWriter,
	"GET /topics/export.xlsx":            everyone,
	"GET /visits/export.xlsx":            citizens,
	"GET /audit/export.xlsx":             auditors,
	"GET /metrics":                       roles(office, leader, unitAdmin),
	"GET /metrics/problems":              roles(office, leader, unitAdmin),
	"GET /metric-configs":                roles(office),
	"POST /metric-configs":               roles(office),
	"GET /scorecard/{id}":                roles(office, leader, unitAdmin),
	"GET /supervisions":                  citizens,
	"POST /supervisions":                 roles(office, leader),
	"GET /supervisions/{id}":             citizens,
	"POST /supervisions/{id}/reply":      roles(unitAdmin, cadre),
	"GET /bulletins":                     citizens,
	"GET /bulletins/{period}":            citizens,
	"POST /bulletins/{period}":           roles(office),
	"POST /bulletins/{period}/publish":   roles(office),
	"GET /bulletins/{period}/print":      citizens,
	"GET /bulletins/{period}/annex.xlsx": citizens,
	"GET /self-criticisms":               roles(office, leader, unitAdmin),
	"GET /self-criticisms/{id}/file":     roles(office, leader, unitAdmin),
	"POST /self-criticisms/{id}/file":    roles(unitAdmin),
	"POST /self-criticisms/{id}/receive": roles(office),
	"GET /dispatches":                    roles(office, leader, unitAdmin),
	"GET /dispatches/{month}":            roles(office, leader, unitAdmin),
	"POST /dispatches/{month}":           roles(office),
	"POST /dispatches/{month}/decisions": roles(office),
	"GET /leader":                        roles(office, leader),
	"GET /calendar":                      everyone,
	"POST /calendar/{year}":              roles(office),
	"GET /audit":                         auditors,

	// Accounts and grant requests (三权分立): users.go.
	"GET /users/export.xlsx":              accountReaders,
	"GET /users":                          accountReaders,
	"POST /users":                         accountMaker,
	"GET /users/{id}":                     accountReaders,
	"POST /users/{id}/reset-password":     accountMaker,
	"POST /users/{id}/disable":            accountMaker,
	"POST /users/{id}/enable":             accountMaker,
	"POST /users/{id}/unlock":             accountMaker,
	"POST /users/{id}/sessions/{sid}/end": accountMaker,
	"POST /users/{id}/grant":              granters,
	"GET /grants":                         granters,
	"POST /grants/{id}/approve":           granters,
	"POST /grants/{id}/refuse":            granters,
	"POST /grants/{id}/withdraw":          granters,

	// 每月一题 (the month's themes): the office sets them; leaders and unit
	// admins read them, counted in their scope.
	"GET /api/v1/themes":                roles(office, leader, unitAdmin),
	"POST /api/v1/themes":               roles(office),
	"GET /api/v1/themes/{id}":           roles(office, leader, unitAdmin),
	"GET /api/v1/themes/{id}/problems":  roles(office, leader, unitAdmin),
	"GET /themes":                       roles(office, leader, unitAdmin),
	"GET /themes/new":                   roles(office),
	"POST /themes":                      roles(office),
	"GET /themes/{id}":                  roles(office, leader, unitAdmin),
	"GET /themes/{id}/edit":             roles(office),
	"POST /themes/{id}":                 roles(office),
	"GET /themes/{id}/report":           roles(office, leader, unitAdmin),
	"GET /themes/{id}/report.xlsx":      roles(office, leader, unitAdmin),
	"POST /themes/{id}/problems":        roles(office),
	"POST /themes/{id}/problems/remove": roles(office),
	"POST /themes/{id}/measures":        roles(office),
	"POST /themes/{id}/measures/delete": roles(office),

	// pickers: the roles of the pages whose fields use the suggestions; scope is the services'
	"GET /suggest/cadres":   orgReader,                        // coverage, activities, links, users, grants
	"GET /suggest/units":    orgReader,                        // users, projects, responsibilities, routing, grants
	"GET /suggest/problems": citizens,                         // the problems list
	"GET /suggest/targets":  roles(office, leader, unitAdmin), // the supervision notice form, a responsibility's source

	// The leaders' cockpit (领导驾驶舱) and its big screen.
	"GET /cockpit":             roles(office, leader),
	"GET /api/v1/cockpit":      roles(office, leader),
	"POST /cockpit/settings":   roles(office),
	"POST /cockpit/map":        roles(office),
	"POST /cockpit/map/delete": roles(office),
	"GET /cockpit/map.json":    roles(office, leader),

	// Messages to residents: they carry residents' phones; the office's
	// alone. Providers push replies without an account, verified by
	// their signature or token.
	"GET /messages":                              roles(office),
	"POST /messages/settings":                    roles(office),
	"POST /messages/{id}/retry":                  roles(office),
	"GET /api/v1/message-settings":               roles(office),
	"PUT /api/v1/message-settings":               roles(office),
	"GET /api/v1/messages":                       roles(office),
	"POST /api/v1/messages/{id}/retry":           roles(office),
	"POST /api/v1/public/sms/inbound/{provider}": public(),
}

// policyFor returns the access of a route: from the table above, or from
// the tables of the people's side, the Open311 API keys and notices, kept beside their
// handlers.
func policyFor(pattern string) (access, bool) {
	for _, t := range []map[string]access{policy, publicPolicy, lookupPolicy, apiKeyPolicy, noticePolicy} {
		if a, ok := t[pattern]; ok {
			return a, true
		}
	}
	return access{}, false
}
