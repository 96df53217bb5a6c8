package web_test

import "sanlian"

// allowedNotices is the expected policy of notices and webhooks: every
// signed-in role has its own notices; webhooks are the office's.
var allowedNotices = map[string][]sanlian.Role{
	"GET /api/v1/notices":            {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin", "auditor"},
	"POST /api/v1/notices/{id}/read": {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin", "auditor"},
	"GET /notices":                   {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin", "auditor"},
	"POST /notices/{id}/read":        {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin", "auditor"},
	"POST /notices/read-all":         {"office", "leader", "unit_admin", "cadre", "sysadmin", "secadmin", "auditor"},

	"GET /api/v1/webhooks":                 {"office"},
	"POST /api/v1/webhooks":                {"office"},
	"PATCH /api/v1/webhooks/{id}":          {"office"},
	"GET /api/v1/webhooks/{id}/deliveries": {"office"},
	"GET /webhooks":                        {"office"},
	"POST /webhooks":                       {"office"},
	"GET /webhooks/{id}":                   {"office"},
	"POST /webhooks/{id}":                  {"office"},
	"POST /webhooks/{id}/deliveries/retry": {"office"},
}
