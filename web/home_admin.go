package web

import (
	"net/http"
	"net/url"

	"sanlian"
)

// homeAdminRows is how many recent accounts or audit rows a home lists.
const homeAdminRows = 10

type homeSysadminPage struct {
	basePage
	Summary *sanlian.AccountSummary
	Total   homeFigure
	ByRole  []homeFigure
	States  []homeFigure
	Recent  []*sanlian.User
}

// usersURL is the account list filtered by role and state.
func usersURL(role sanlian.Role, status string) string {
	q := url.Values{}
	if role != "" {
		q.Set("role", string(role))
	}
	if status != "" {
		q.Set("status", status)
	}
	if len(q) == 0 {
		return "/users"
	}
	return "/users?" + q.Encode()
}

// homeSysadmin is the system administrator's workbench: the accounts by
// role and by state (locked, disabled, never logged in, recently
// created), each linking to the account list so filtered. No citizens'
// data.
func (s *deskHandlers) homeSysadmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := &homeSysadminPage{basePage: s.base(r, "工作台", "home")}
	var err error
	if p.Summary, err = s.Workbench.AccountSummary(ctx); err != nil {
		return err
	}
	p.Total = homeFigure{ID: "count-accounts", Label: "全部账号", Count: p.Summary.Total, URL: "/users", Unit: "个"}
	for _, rc := range p.Summary.ByRole {
		p.ByRole = append(p.ByRole, homeFigure{ID: "count-role-" + string(rc.Role), Label: rc.Role.Label(), Count: rc.Count, URL: usersURL(rc.Role, "")})
	}
	for _, st := range []struct {
		status string
		n      int
		warn   bool
	}{{sanlian.AccountLocked, p.Summary.Locked, true}, {sanlian.AccountDisabled, p.Summary.Disabled, false},
		{sanlian.AccountNever, p.Summary.Never, false}, {sanlian.AccountRecent, p.Summary.Recent, false},
		{sanlian.AccountNo2FA, p.Summary.No2FA, false}} {
		p.States = append(p.States, homeFigure{ID: "count-" + st.status, Label: sanlian.AccountStatusLabel(st.status), Count: st.n,
			URL: usersURL("", st.status), Warn: st.warn})
	}
	recent, err := s.Workbench.FindAccounts(ctx, sanlian.AccountFilter{Status: sanlian.AccountRecent})
	if err != nil {
		return err
	}
	for i := len(recent) - 1; i >= 0 && len(p.Recent) < homeAdminRows; i-- { // newest first
		p.Recent = append(p.Recent, recent[i])
	}
	return s.render(w, r, http.StatusOK, "home_sysadmin", p)
}

// auditAction is one action's count on the auditor's home, with the
// audit list so filtered.
type auditAction struct {
	Action string
	Label  string
	Count  int
	URL    string
}

// auditLine is an audit row with its action named in Chinese.
type auditLine struct {
	*sanlian.AuditEntry
	Label string
}

type homeAuditorPage struct {
	basePage
	Summary   *sanlian.AuditSummary
	Today     []auditAction
	Week      []auditAction
	TodayFig  homeFigure
	WeekFig   homeFigure
	Reveals   homeFigure
	Figures   []homeFigure // today, 7 days, reveals
	Latest    []auditLine
	TodayDate string
	WeekDate  string
}

// auditURL is the audit list of one action ("" for all) from a day to a day.
func auditURL(action, from, to string) string {
	q := url.Values{"from": {from}, "to": {to}}
	if action != "" {
		q.Set("action", action)
	}
	return "/audit?" + q.Encode()
}

// auditActionLabel names an audit action in Chinese where it has a
// common name; other actions show as recorded.
func auditActionLabel(a string) string {
	switch a {
	case "login":
		return "登录"
	case "logout":
		return "退出"
	case "reveal":
		return "查看完整信息"
	case "export":
		return "导出"
	case "create":
		return "新建"
	case "update":
		return "修改"
	case "delete":
		return "删除"
	case "import":
		return "导入"
	case "load":
		return "载入数据"
	case "login.failed":
		return "登录失败"
	case "set_password":
		return "修改密码"
	case "end":
		return "结束联系"
	case "notify":
		return "发送通知"
	case "read_all":
		return "消息全部已读"
	case "progress":
		return "项目进展"
	case "rollup":
		return "统计汇总"
	case "publish":
		return "发布通报"
	case "generate":
		return "生成通报"
	case "co_units":
		return "设置配合单位"
	case "open311":
		return "Open311 接入"
	case "tag":
		return "问题列入主题"
	case "untag":
		return "问题移出主题"
	case "retag":
		return "主题重新归集"
	case "receive":
		return "接收"
	case "regenerate":
		return "重新生成"
	case "reply":
		return "回复"
	case "retry":
		return "重试推送"
	case "revoke":
		return "吊销"
	case "upload":
		return "上传"
	case "read":
		return "已读"
	case "file":
		return "提交检讨"
	case "public_repeat":
		return "群众重复提交"
	}
	if l := sanlian.ActionLabel(a); l != "" && l != a {
		return l
	}
	return a
}

// homeAuditor is the auditor's workbench: audit rows by action today and
// in the last 7 days, the personal-data reveals of the 7 days and the
// latest rows, each linking to the audit list so filtered.
func (s *deskHandlers) homeAuditor(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := &homeAuditorPage{basePage: s.base(r, "工作台", "home")}
	var err error
	if p.Summary, err = s.Workbench.AuditSummary(ctx); err != nil {
		return err
	}
	p.TodayDate = p.Summary.TodayFrom.In(sanlian.Shanghai).Format("2006-01-02")
	p.WeekDate = p.Summary.WeekFrom.In(sanlian.Shanghai).Format("2006-01-02")
	rows := func(cs []sanlian.ActionCount, from string) ([]auditAction, int) {
		var out []auditAction
		n := 0
		for _, c := range cs {
			out = append(out, auditAction{Action: c.Action, Label: auditActionLabel(c.Action), Count: c.Count, URL: auditURL(c.Action, from, p.TodayDate)})
			n += c.Count
		}
		return out, n
	}
	var n int
	p.Today, n = rows(p.Summary.Today, p.TodayDate)
	p.TodayFig = homeFigure{ID: "count-today", Label: "今日操作", Count: n, URL: auditURL("", p.TodayDate, p.TodayDate), Unit: "条"}
	p.Week, n = rows(p.Summary.Week, p.WeekDate)
	p.WeekFig = homeFigure{ID: "count-week", Label: "近 7 天操作", Count: n, URL: auditURL("", p.WeekDate, p.TodayDate), Unit: "条"}
	p.Reveals = homeFigure{ID: "count-reveals", Label: "近 7 天查看完整个人信息", Count: p.Summary.Reveals,
		URL: auditURL("reveal", p.WeekDate, p.TodayDate), Warn: true}
	p.Figures = []homeFigure{p.TodayFig, p.WeekFig, p.Reveals}
	latest, _, err := s.Audit.FindAudit(ctx, sanlian.AuditFilter{Limit: homeAdminRows})
	if err != nil {
		return err
	}
	for _, e := range latest {
		p.Latest = append(p.Latest, auditLine{AuditEntry: e, Label: auditActionLabel(e.Action)})
	}
	return s.render(w, r, http.StatusOK, "home_auditor", p)
}

// auditEntities names the audit log's kinds of object in Chinese.
var auditEntities = map[string]string{
	"user": "账号", "unit": "单位", "cadre": "干部", "household": "农户", "link": "联系", "county": "全县数据",
	"problem": "问题", "attachment": "附件", "category": "问题类别", "calendar": "工作日历", "topic": "走访题目",
	"visit": "走访", "activity": "志愿服务活动", "activity_type": "活动类型", "project": "服务项目",
	"responsibility": "责任事项", "metric_config": "考核配置", "supervision": "督办", "bulletin": "督查通报",
	"self_criticism": "书面检讨", "dispatch_decision": "调度议定事项", "api_key": "接口密钥", "notice": "消息",
	"webhook": "消息推送", "webhook_delivery": "推送记录", "routing_rule": "派单规则", "intake_limits": "受理时限",
	"setting": "设置", "township_map": "乡镇边界", "theme": "每月一题", "theme_measure": "治本措施",
}

// auditEntityLabel names an audited kind of object in Chinese, or as
// recorded when it has no name.
func auditEntityLabel(e string) string {
	if l, ok := auditEntities[e]; ok {
		return l
	}
	return e
}

type homeSecadminPage struct {
	basePage
	Figures []homeFigure
	Pending []*sanlian.GrantRequest
	Decided []*sanlian.GrantRequest
	Locked  []*sanlian.User
}

// homeSecadmin is the security administrator's workbench: the grant
// requests waiting for a decision (each one the security administrator
// may decide only if a system administrator asked), the locked and the
// pending accounts, and the latest decided requests. No citizens' data.
func (s *deskHandlers) homeSecadmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := &homeSecadminPage{basePage: s.base(r, "工作台", "home")}
	all, err := s.Grants.FindGrants(ctx, sanlian.GrantFilter{})
	if err != nil {
		return err
	}
	for _, g := range all {
		if g.State == sanlian.GrantPending {
			p.Pending = append(p.Pending, g)
		} else if len(p.Decided) < homeAdminRows {
			p.Decided = append(p.Decided, g)
		}
	}
	if p.Locked, err = s.Workbench.FindAccounts(ctx, sanlian.AccountFilter{Status: sanlian.AccountLocked}); err != nil {
		return err
	}
	sum, err := s.Workbench.AccountSummary(ctx)
	if err != nil {
		return err
	}
	p.Figures = []homeFigure{
		{ID: "count-grants-pending", Label: "待审批的授权申请", Count: len(p.Pending), URL: "/grants", Warn: true, Unit: "项"},
		{ID: "count-locked", Label: sanlian.AccountStatusLabel(sanlian.AccountLocked), Count: sum.Locked, URL: usersURL("", sanlian.AccountLocked), Warn: true, Unit: "个"},
		{ID: "count-disabled", Label: "已停用（含待批准的新账号）", Count: sum.Disabled, URL: usersURL("", sanlian.AccountDisabled), Unit: "个"},
		{ID: "count-" + sanlian.AccountNo2FA, Label: "未启用双因素认证", Count: sum.No2FA, URL: usersURL("", sanlian.AccountNo2FA), Unit: "个"},
	}
	return s.render(w, r, http.StatusOK, "home_secadmin", p)
}
