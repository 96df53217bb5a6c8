package web_test

import "sanlian"

// allowedNotices is the expected policy of notices and webhooks.
var allowedNotices = map[string][]sanlian.Role{}
