package web

import "slices"

// menuEntry is one link of the top menu. Who sees it is not written here:
// an entry shows when the policy table lets the user GET its route.
type menuEntry struct {
	Label  string
	Href   string
	Route  string // the policy key the link leads to, e.g. "GET /assessment"
	Active string // the page's active key (basePage.Active) that highlights it
}

// menuSection is a heading of the menu with its entries.
type menuSection struct {
	Label   string
	Entries []menuEntry
}

// menu is the whole menu, in order: at most seven sections. Names follow
// SPEC's glossary and the pages' headings: 问题清单 is the ledger of
// problems, 三个清单总览 the three lists side by side; 联系覆盖 counts
// links, 走访覆盖 counts visits.
var menu = []menuSection{
	{Label: "工作台", Entries: []menuEntry{
		{"工作台", "/", "GET /{$}", "home"},
		{"领导驾驶舱", "/cockpit", "GET /cockpit", "cockpit"},
		{"联系乡镇", "/leader", "GET /leader", "leader"},
	}},
	{Label: "问题办理", Entries: []menuEntry{
		{"问题清单", "/problems", "GET /problems", "problems"},
		{"登记问题", "/problems/new", "GET /problems/new", "problems"},
		{"督办", "/supervisions", "GET /supervisions", "supervisions"},
		{"派单规则", "/routing-rules", "GET /routing-rules", "problems"},
	}},
	{Label: "走访联系", Entries: []menuEntry{
		{"走访记录", "/visits", "GET /visits", "visits"},
		{"农户", "/households", "GET /households", "households"},
		{"联系管理", "/links", "GET /links", "links"},
		{"联系覆盖", "/coverage", "GET /coverage", "coverage"},
		{"走访覆盖", "/coverage/visits", "GET /coverage/visits", "coverage-visits"},
	}},
	{Label: "清单项目", Entries: []menuEntry{
		{"三个清单总览", "/lists", "GET /lists", "lists"},
		{"项目清单", "/projects", "GET /projects", "projects"},
		{"责任清单", "/responsibilities", "GET /responsibilities", "responsibilities"},
		{"志愿服务", "/activities", "GET /activities", "activities"},
		{"每月一题", "/themes", "GET /themes", "themes"},
	}},
	{Label: "督查考核", Entries: []menuEntry{
		{"考核指标", "/assessment", "GET /assessment", "metrics"},
		{"督查通报", "/bulletins", "GET /bulletins", "bulletins"},
		{"书面检讨", "/self-criticisms", "GET /self-criticisms", "self-criticisms"},
		{"月度调度", "/dispatches", "GET /dispatches", "dispatches"},
	}},
	{Label: "基础数据", Entries: []menuEntry{
		{"行政区划", "/regions", "GET /regions", "regions"},
		{"单位", "/units", "GET /units", "units"},
		{"干部", "/cadres", "GET /cadres", "cadres"},
		{"Excel 导入", "/imports", "GET /imports", "imports"},
		{"工作日历", "/calendar", "GET /calendar", "calendar"},
	}},
	{Label: "系统", Entries: []menuEntry{
		{"审计日志", "/audit", "GET /audit", "audit"},
		{"登录日志", "/audit/logins", "GET /audit/logins", "audit-logins"},
		{"账号", "/users", "GET /users", "users"},
		{"授权审批", "/grants", "GET /grants", "grants"},
		{"接口密钥", "/api-keys", "GET /api-keys", "api-keys"},
		{"消息推送", "/webhooks", "GET /webhooks", "webhooks"},
		{"群众消息告知", "/messages", "GET /messages", "messages"},
	}},
}

// May reports whether the page's user may use route ("GET /assessment"),
// by the route's declared access: the menu and links show only what the
// user may open.
func (b basePage) May(route string) bool {
	if b.User == nil {
		return false
	}
	a, ok := b.access[route]
	if !ok {
		return false
	}
	return a.public || slices.Contains(a.roles, b.User.Role)
}

// pageMenuSection is a menu section as one user sees it.
type pageMenuSection struct {
	Label   string
	Current bool // the page shown is one of its entries
	Entries []menuEntry
}

// Menu is the menu the page's user may use: the sections with at least
// one entry the policy allows.
func (b basePage) Menu() []pageMenuSection {
	cur := b.CurrentHref()
	var out []pageMenuSection
	for _, s := range menu {
		ps := pageMenuSection{Label: s.Label}
		for _, e := range s.Entries {
			if b.May(e.Route) {
				ps.Entries = append(ps.Entries, e)
				ps.Current = ps.Current || e.Href == cur
			}
		}
		if len(ps.Entries) > 0 {
			out = append(out, ps)
		}
	}
	return out
}

// CurrentHref is the menu entry the page belongs to: the one at the
// page's path, else the first of the page's active key.
func (b basePage) CurrentHref() string {
	for _, s := range menu {
		for _, e := range s.Entries {
			if e.Href == b.Path {
				return e.Href
			}
		}
	}
	if b.Active == "" {
		return ""
	}
	for _, s := range menu {
		for _, e := range s.Entries {
			if e.Active == b.Active && b.May(e.Route) {
				return e.Href
			}
		}
	}
	return ""
}
