package sanlian

// NoticeService keeps in-app notices and delivers outbound webhooks.
type NoticeService interface{}
