package web_test

import "sanlian"

// allowedOpen311 is the expected policy of Open311 and API keys.
var allowedOpen311 = map[string][]sanlian.Role{}
