package web_test

import "sanlian"

// allowedPublic is the expected policy of the people's side.
var allowedPublic = map[string][]sanlian.Role{}
