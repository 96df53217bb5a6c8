package web_test

import "sanlian"

// allowedAPIKeys is the expected policy of the Open311 API keys: the
// office's. (Open311 itself is package open311's, mounted, public.)
var allowedAPIKeys = map[string][]sanlian.Role{
	"GET /api-keys":                     {"office"},
	"POST /api-keys":                    {"office"},
	"POST /api-keys/{id}/revoke":        {"office"},
	"GET /api/v1/api-keys":              {"office"},
	"POST /api/v1/api-keys":             {"office"},
	"POST /api/v1/api-keys/{id}/revoke": {"office"},
}
