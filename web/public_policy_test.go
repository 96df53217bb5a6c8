package web_test

import "sanlian"

// allowedPublic is the expected policy of the people's side: anyone (nil).
var allowedPublic = map[string][]sanlian.Role{
	"GET /submit":             nil,
	"POST /submit":            nil,
	"GET /track":              nil,
	"GET /track/{code}":       nil,
	"POST /track/{code}/rate": nil,
	"GET /results":            nil,

	"GET /api/v1/public/form":                    nil,
	"GET /api/v1/public/challenge":               nil,
	"POST /api/v1/public/problems":               nil,
	"GET /api/v1/public/problems/{code}":         nil,
	"POST /api/v1/public/problems/{code}/rating": nil,
	"GET /api/v1/public/results":                 nil,
}

// allowedLookup is the expected policy of tracking by phone, the SMS
// unsubscribe link and the WeChat entry: anyone (nil).
var allowedLookup = map[string][]sanlian.Role{
	"POST /track/lookup":                nil,
	"POST /track/lookup/verify":         nil,
	"POST /track/{code}/unsubscribe":    nil,
	"GET /wechat/oauth":                 nil,
	"POST /api/v1/public/lookup":        nil,
	"POST /api/v1/public/lookup/verify": nil,
}
