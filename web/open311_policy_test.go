package web_test

import "sanlian"

// allowedOpen311 is the expected policy of Open311 and API keys: Open311
// is public (posting needs an API key, not an account); the keys are the
// office's.
var allowedOpen311 = map[string][]sanlian.Role{
	"GET /open311/v2/{file}":          nil,
	"POST /open311/v2/{file}":         nil,
	"GET /open311/v2/services/{file}": nil,
	"GET /open311/v2/service/{file}":  nil,
	"GET /open311/v2/requests/{file}": nil,
	"GET /open311/v2/tokens/{file}":   nil,
	"GET /open311/v2/{rest...}":       nil,
	"POST /open311/v2/{rest...}":      nil,

	"GET /api-keys":                     {"office"},
	"POST /api-keys":                    {"office"},
	"POST /api-keys/{id}/revoke":        {"office"},
	"GET /api/v1/api-keys":              {"office"},
	"POST /api/v1/api-keys":             {"office"},
	"POST /api/v1/api-keys/{id}/revoke": {"office"},
}
