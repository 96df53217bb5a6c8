package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"sanlian"
)

// The OpenAPI 3.1 document of /api/v1 (GET /api/v1/openapi.json). It is
// built from Go values: each operation below names the Go types its
// handler reads and writes, and the schemas are derived from those types'
// JSON tags, so a field added to a type is documented without a second
// edit. Who may call an operation is read from the policy table.
// TestOpenAPI checks that every /api/v1 route is documented here and that
// the handlers' answers match the documented schemas.

// apiOp documents one operation of /api/v1.
type apiOp struct {
	pattern string // as in the route list
	tag     string // the resource, as the document groups it
	summary string
	query   string // the query parameters, comma-separated (queryParams)
	in      any    // the request body's Go value; nil when there is none
	inMany  bool   // the body may also be an array of in
	upload  string // a multipart/form-data body: its file field
	out     any    // the answer's Go value; nil with no body
	status  int    // the success status; 200 when 0
	also    int    // another success status with the same body, if any
	list    bool   // the answer is {items: [out], next_cursor}
	items   bool   // the answer is {items: [out]}
	raw     string // a success body that is not JSON: its media type
}

// Query strings shared by the list operations.
const (
	qPage     = "cursor,limit"
	qProblems = "state,category,source,township,village,unit_id,person_id,urgency,overdue,q,sort,open,mine,co," +
		"created,created_from,created_to,resolved,resolved_from,resolved_to,visit_cadre_id,visit_unit_id,due_before,card,own,co_owed,reassign," + qPage
	qVisits      = "kind,cadre_id,unit_id,household_id,township,village,topic_id,from,to," + qPage
	qActivities  = "type,unit_id,volunteer,township,village,from,to," + qPage
	qMetrics     = "period,from,to,by,unit_id"
	qHouseholds  = "township,village,tag,linked,cadre_id,q,visited,visited_from,visited_to," + qPage
	qSupervision = "level,state,unit_id,target_kind,target_id,unanswered,late," + qPage
)

// apiOps is every operation under /api/v1, in the route list's order.
var apiOps = []apiOp{
	{pattern: "GET /api/v1/openapi.json", tag: "文档", summary: "本接口的 OpenAPI 3.1 文档", out: map[string]any{}},

	{pattern: "POST /api/v1/login", tag: "账号", summary: "用户名和密码登录，取得令牌", in: loginRequest{}, out: loginResponse{}},
	{pattern: "POST /api/v1/logout", tag: "账号", summary: "退出登录，令牌失效", status: http.StatusNoContent},
	{pattern: "GET /api/v1/me", tag: "账号", summary: "当前用户", out: sanlian.User{}},
	{pattern: "POST /api/v1/me/password", tag: "账号", summary: "修改本人密码", in: passwordChange{}, status: http.StatusNoContent},
	{pattern: "GET /api/v1/me/sessions", tag: "账号", summary: "本人的会话", out: sanlian.SessionInfo{}, list: true},
	{pattern: "DELETE /api/v1/me/sessions/{id}", tag: "账号", summary: "结束本人的一个会话", status: http.StatusNoContent},
	{pattern: "GET /api/v1/audit/logins", tag: "审计", summary: "登录日志", query: "username,result,from,to," + qPage, out: sanlian.LoginEntry{}, list: true},
	{pattern: "GET /api/v1/password-policy", tag: "账号", summary: "密码策略", out: sanlian.PasswordPolicy{}},
	{pattern: "PUT /api/v1/password-policy", tag: "账号", summary: "设置密码策略（安全管理员）", in: sanlian.PasswordPolicy{}, out: sanlian.PasswordPolicy{}},
	{pattern: "GET /api/v1/regions", tag: "行政区划", summary: "行政区划列表", query: "kind,parent_code,q," + qPage, out: sanlian.Region{}, list: true},
	{pattern: "GET /api/v1/regions/{code}", tag: "行政区划", summary: "一个行政区划", out: sanlian.Region{}},
	{pattern: "GET /api/v1/units", tag: "单位", summary: "单位列表", query: "kind,parent_id,q," + qPage, out: sanlian.Unit{}, list: true},
	{pattern: "GET /api/v1/units/{id}", tag: "单位", summary: "一个单位", out: sanlian.Unit{}},
	{pattern: "POST /api/v1/units", tag: "单位", summary: "新建单位", in: unitInput{}, out: sanlian.Unit{}, status: http.StatusCreated},
	{pattern: "PATCH /api/v1/units/{id}", tag: "单位", summary: "修改单位（须带 version）", in: sanlian.UnitUpdate{}, out: sanlian.Unit{}},
	{pattern: "GET /api/v1/cadres", tag: "干部", summary: "干部列表", query: "unit_id,is_leader,q," + qPage, out: sanlian.Cadre{}, list: true},
	{pattern: "GET /api/v1/cadres/{id}", tag: "干部", summary: "一名干部", out: sanlian.Cadre{}},
	{pattern: "POST /api/v1/cadres", tag: "干部", summary: "新建干部", in: cadreInput{}, out: sanlian.Cadre{}, status: http.StatusCreated},
	{pattern: "PATCH /api/v1/cadres/{id}", tag: "干部", summary: "修改干部（须带 version）", in: sanlian.CadreUpdate{}, out: sanlian.Cadre{}},
	{pattern: "POST /api/v1/cadres/{id}/reveal", tag: "干部", summary: "查看干部完整手机号（记入审计）", out: struct {
		Phone string `json:"phone"`
	}{}},
	{pattern: "GET /api/v1/households", tag: "农户", summary: "农户列表", query: qHouseholds, out: sanlian.Household{}, list: true},
	{pattern: "GET /api/v1/households/{id}", tag: "农户", summary: "一户农户", out: sanlian.Household{}},
	{pattern: "POST /api/v1/households", tag: "农户", summary: "新建农户", in: householdInput{}, out: sanlian.Household{}, status: http.StatusCreated},
	{pattern: "PATCH /api/v1/households/{id}", tag: "农户", summary: "修改农户（须带 version）", in: sanlian.HouseholdUpdate{}, out: sanlian.Household{}},
	{pattern: "POST /api/v1/households/{id}/reveal", tag: "农户", summary: "查看户主完整身份证号和手机号（记入审计）", out: struct {
		IDNumber string `json:"id_number"`
		Phone    string `json:"phone"`
	}{}},
	{pattern: "GET /api/v1/links", tag: "联系", summary: "联系关系列表", query: "kind,cadre_id,unit_id,household_id,region,active," + qPage, out: sanlian.Link{}, list: true},
	{pattern: "POST /api/v1/links", tag: "联系", summary: "建立联系关系：一个对象，或一个数组（全部成功或全部不建）", in: linkInput{}, inMany: true, out: sanlian.Link{}, list: true, status: http.StatusCreated},
	{pattern: "POST /api/v1/links/{id}/end", tag: "联系", summary: "结束联系关系", out: sanlian.Link{}},
	{pattern: "GET /api/v1/links/coverage", tag: "联系", summary: "联系覆盖情况", out: sanlian.Coverage{}},
	{pattern: "GET /api/v1/problems", tag: "问题", summary: "问题台账", query: qProblems, out: sanlian.Problem{}, list: true},
	{pattern: "GET /api/v1/problems/counts", tag: "问题", summary: "按状态统计问题数", query: qProblems, out: sanlian.StateCount{}, items: true},
	{pattern: "GET /api/v1/problems/similar", tag: "问题", summary: "同村相似问题（查重）", query: "text,village,exclude", out: sanlian.Similar{}, list: true},
	{pattern: "POST /api/v1/problems", tag: "问题", summary: "登记问题", in: sanlian.ProblemInput{}, out: sanlian.Problem{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/problems/{id}", tag: "问题", summary: "一个问题", out: sanlian.Problem{}},
	{pattern: "GET /api/v1/problems/{id}/events", tag: "问题", summary: "问题的办理经过", out: sanlian.ProblemEvent{}, list: true},
	{pattern: "POST /api/v1/problems/{id}/reveal", tag: "问题", summary: "查看反映人完整手机号（记入审计）", out: struct {
		ReporterPhone string `json:"reporter_phone"`
	}{}},
	{pattern: "POST /api/v1/problems/{id}/reveal-text", tag: "问题", summary: "查看未遮挡的问题描述（记入审计）", out: sanlian.ProblemText{}},
	{pattern: "GET /api/v1/problems/{id}/attachments", tag: "问题", summary: "问题的附件", out: sanlian.Attachment{}, list: true},
	{pattern: "POST /api/v1/problems/{id}/attachments", tag: "问题", summary: "上传附件", upload: "file", out: sanlian.Attachment{}, items: true, status: http.StatusCreated},
	{pattern: "POST /api/v1/problems/{id}/{action}", tag: "问题", summary: "办理问题：交办、签收、转办、延期、办结、回访等（须带 version）", in: sanlian.ActionRequest{}, out: sanlian.Problem{}},
	{pattern: "GET /api/v1/categories", tag: "问题", summary: "问题分类", query: "all", out: sanlian.Category{}, list: true},
	{pattern: "POST /api/v1/categories", tag: "问题", summary: "新建问题分类", in: sanlian.Category{}, out: sanlian.Category{}, status: http.StatusCreated},
	{pattern: "PUT /api/v1/categories/{code}", tag: "问题", summary: "保存问题分类", in: sanlian.Category{}, out: sanlian.Category{}},
	{pattern: "GET /api/v1/routing-rules", tag: "派单规则", summary: "派单规则列表", query: "category,region,unit_id,active," + qPage, out: sanlian.RoutingRule{}, list: true},
	{pattern: "POST /api/v1/routing-rules", tag: "派单规则", summary: "新建派单规则", in: routingInput{}, out: sanlian.RoutingRule{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/routing-rules/{id}", tag: "派单规则", summary: "一条派单规则", out: sanlian.RoutingRule{}},
	{pattern: "PUT /api/v1/routing-rules/{id}", tag: "派单规则", summary: "修改派单规则（须带 version）", in: routingInput{}, out: sanlian.RoutingRule{}},
	{pattern: "DELETE /api/v1/routing-rules/{id}", tag: "派单规则", summary: "删除派单规则", query: "version", status: http.StatusNoContent},
	{pattern: "GET /api/v1/intake-limits", tag: "派单规则", summary: "受理时限", out: sanlian.IntakeLimits{}},
	{pattern: "PUT /api/v1/intake-limits", tag: "派单规则", summary: "设置受理时限", in: sanlian.IntakeLimits{}, out: sanlian.IntakeLimits{}},
	{pattern: "GET /api/v1/returns", tag: "派单规则", summary: "各单位退回次数", query: "from,to", out: sanlian.ReturnCount{}, list: true},
	{pattern: "GET /api/v1/topics", tag: "走访", summary: "走访主题", query: "category,active,q", out: sanlian.Topic{}, list: true},
	{pattern: "POST /api/v1/topics", tag: "走访", summary: "新建走访主题：一个对象，或一个数组", in: sanlian.TopicInput{}, inMany: true, out: sanlian.Topic{}, list: true, status: http.StatusCreated},
	{pattern: "PATCH /api/v1/topics/{id}", tag: "走访", summary: "修改走访主题", in: sanlian.TopicUpdate{}, out: sanlian.Topic{}},
	{pattern: "GET /api/v1/visits", tag: "走访", summary: "走访记录", query: qVisits, out: sanlian.Visit{}, list: true},
	{pattern: "POST /api/v1/visits", tag: "走访", summary: "登记走访（带同一 Idempotency-Key 重复提交时答原记录，状态 200）", in: sanlian.VisitInput{}, out: sanlian.Visit{}, status: http.StatusCreated, also: http.StatusOK},
	{pattern: "GET /api/v1/visits/{id}", tag: "走访", summary: "一次走访", out: sanlian.Visit{}},
	{pattern: "POST /api/v1/visits/{id}/photos", tag: "走访", summary: "上传走访照片", upload: "photo", out: sanlian.Attachment{}, list: true, status: http.StatusCreated},
	{pattern: "GET /api/v1/coverage", tag: "走访", summary: "走访覆盖率", query: "township,village,unit_id,cadre_id,sort,window,scope,from,to", out: sanlian.VisitCoverage{}},
	{pattern: "GET /api/v1/activities", tag: "志愿活动", summary: "志愿服务活动", query: qActivities, out: sanlian.Activity{}, list: true},
	{pattern: "POST /api/v1/activities", tag: "志愿活动", summary: "登记活动", in: sanlian.ActivityInput{}, out: sanlian.Activity{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/activities/totals", tag: "志愿活动", summary: "活动合计", query: qActivities, out: sanlian.ActivityTotals{}},
	{pattern: "GET /api/v1/activities/{id}", tag: "志愿活动", summary: "一次活动", out: sanlian.Activity{}},
	{pattern: "PATCH /api/v1/activities/{id}", tag: "志愿活动", summary: "修改活动（须带 version）", in: activityUpdate{}, out: sanlian.Activity{}},
	{pattern: "GET /api/v1/activity-types", tag: "志愿活动", summary: "活动类型", out: sanlian.ActivityType{}, list: true},
	{pattern: "PUT /api/v1/activity-types/{code}", tag: "志愿活动", summary: "保存活动类型", in: sanlian.ActivityType{}, out: sanlian.ActivityType{}},
	{pattern: "GET /api/v1/projects", tag: "项目", summary: "服务项目", query: "unit_id,person_id,parent_id,status,q,top,overdue,stalled,due_by," + qPage, out: sanlian.Project{}, list: true},
	{pattern: "POST /api/v1/projects", tag: "项目", summary: "新建项目", in: sanlian.ProjectInput{}, out: sanlian.Project{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/projects/{id}", tag: "项目", summary: "一个项目", out: sanlian.Project{}},
	{pattern: "PATCH /api/v1/projects/{id}", tag: "项目", summary: "修改项目（须带 version）", in: projectUpdate{}, out: sanlian.Project{}},
	{pattern: "GET /api/v1/projects/{id}/progress", tag: "项目", summary: "项目进度记录", out: sanlian.ProgressEntry{}, list: true},
	{pattern: "POST /api/v1/projects/{id}/progress", tag: "项目", summary: "填报进度", in: sanlian.ProgressInput{}, out: progressResult{}, status: http.StatusCreated},
	{pattern: "POST /api/v1/progress/{id}/evidence", tag: "项目", summary: "上传进度佐证材料", upload: "file", out: sanlian.Attachment{}, list: true, status: http.StatusCreated},
	{pattern: "GET /api/v1/responsibilities", tag: "责任清单", summary: "责任事项", query: "unit_id,person_id,source,state,overdue,entered," + qPage, out: sanlian.Responsibility{}, list: true},
	{pattern: "POST /api/v1/responsibilities", tag: "责任清单", summary: "新建责任事项", in: sanlian.ResponsibilityInput{}, out: sanlian.Responsibility{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/responsibilities/{id}", tag: "责任清单", summary: "一项责任事项", out: sanlian.Responsibility{}},
	{pattern: "PATCH /api/v1/responsibilities/{id}", tag: "责任清单", summary: "修改责任事项（须带 version）", in: respUpdate{}, out: sanlian.Responsibility{}},
	{pattern: "GET /api/v1/lists", tag: "责任清单", summary: "三张清单（问题、项目、责任）", query: "unit,person,limit", out: sanlian.ThreeLists{}},
	{pattern: "POST /api/v1/imports", tag: "导入", summary: "导入 Excel（有错行则全部不导入，答 422 及逐行报告）", query: "kind", upload: "file", out: sanlian.ImportReport{}},
	{pattern: "GET /api/v1/imports/{kind}/template.xlsx", tag: "导入", summary: "导入模板", raw: xlsxType},
	{pattern: "POST /api/v1/activities/{id}/photos", tag: "志愿活动", summary: "上传活动照片", upload: "photo", out: sanlian.Attachment{}, list: true, status: http.StatusCreated},
	{pattern: "GET /api/v1/metrics", tag: "考核", summary: "考核指标", query: qMetrics, out: metricsJSON{}},
	{pattern: "GET /api/v1/metrics/problems", tag: "考核", summary: "一项指标所计的问题", query: qMetrics + ",key,measure", out: sanlian.Problem{}, items: true},
	{pattern: "GET /api/v1/metric-configs", tag: "考核", summary: "考核配置", out: sanlian.MetricConfig{}, items: true},
	{pattern: "POST /api/v1/metric-configs", tag: "考核", summary: "保存考核配置（新建答 201，替换答 200）", in: metricConfigInput{}, out: sanlian.MetricConfig{}, also: http.StatusCreated},
	{pattern: "GET /api/v1/supervisions", tag: "督办", summary: "督办", query: qSupervision, out: sanlian.Supervision{}, list: true},
	{pattern: "POST /api/v1/supervisions", tag: "督办", summary: "发起督办", in: sanlian.SupervisionInput{}, out: sanlian.Supervision{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/supervisions/{id}", tag: "督办", summary: "一项督办", out: sanlian.Supervision{}},
	{pattern: "POST /api/v1/supervisions/{id}/reply", tag: "督办", summary: "回复督办", in: supervisionReply{}, out: sanlian.Supervision{}},
	{pattern: "GET /api/v1/bulletins", tag: "通报", summary: "通报列表", out: sanlian.Bulletin{}, list: true},
	{pattern: "GET /api/v1/bulletins/{period}", tag: "通报", summary: "一期通报", out: sanlian.Bulletin{}},
	{pattern: "PUT /api/v1/bulletins/{period}", tag: "通报", summary: "保存通报草稿", in: bulletinSave{}, out: sanlian.Bulletin{}},
	{pattern: "POST /api/v1/bulletins/{period}/publish", tag: "通报", summary: "发布通报", in: bulletinPublish{}, out: sanlian.Bulletin{}},
	{pattern: "GET /api/v1/self-criticisms", tag: "通报", summary: "书面检讨", query: "period,unit_id,state,overdue", out: sanlian.SelfCriticism{}, list: true},
	{pattern: "POST /api/v1/self-criticisms/{id}/file", tag: "通报", summary: "提交书面检讨", upload: "file", out: sanlian.SelfCriticism{}},
	{pattern: "POST /api/v1/self-criticisms/{id}/receive", tag: "通报", summary: "签收书面检讨", out: sanlian.SelfCriticism{}},
	{pattern: "GET /api/v1/dispatches", tag: "调度", summary: "月度调度", out: sanlian.DispatchMonth{}, list: true},
	{pattern: "GET /api/v1/dispatches/{month}", tag: "调度", summary: "一个月的调度", out: dispatchJSON{}},
	{pattern: "PUT /api/v1/dispatches/{month}", tag: "调度", summary: "保存调度", in: dispatchSave{}, out: sanlian.Dispatch{}},
	{pattern: "POST /api/v1/dispatches/{month}/decisions", tag: "调度", summary: "添加议定事项", in: sanlian.DecisionInput{}, out: sanlian.Decision{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/calendar/{year}", tag: "工作日历", summary: "一年的节假日与调休", out: sanlian.CalendarYear{}},
	{pattern: "PUT /api/v1/calendar/{year}", tag: "工作日历", summary: "保存一年的日历（version 为 0 时新建，答 201）", in: calendarInput{}, out: sanlian.CalendarYear{}, also: http.StatusCreated},
	{pattern: "GET /api/v1/calendar/due", tag: "工作日历", summary: "按工作日计算期限", query: "from,days", out: dueAnswer{}},
	{pattern: "GET /api/v1/audit", tag: "审计", summary: "审计日志", query: "actor,action,entity,entity_id,request_id,from,to," + qPage, out: sanlian.AuditEntry{}, list: true},
	{pattern: "GET /api/v1/users", tag: "账号管理", summary: "账号列表", out: sanlian.User{}, list: true},
	{pattern: "POST /api/v1/users", tag: "账号管理", summary: "新建账号", in: userInput{}, out: sanlian.User{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/users/{id}", tag: "账号管理", summary: "一个账号", out: sanlian.User{}},
	{pattern: "POST /api/v1/users/{id}/reset-password", tag: "账号管理", summary: "重置密码，答一次性密码", in: versionInput{}, out: resetAnswer{}},
	{pattern: "POST /api/v1/users/{id}/disable", tag: "账号管理", summary: "停用账号", in: versionInput{}, out: sanlian.User{}},
	{pattern: "POST /api/v1/users/{id}/enable", tag: "账号管理", summary: "启用账号", in: versionInput{}, out: sanlian.User{}},
	{pattern: "POST /api/v1/users/{id}/unlock", tag: "账号管理", summary: "解除锁定", in: versionInput{}, out: sanlian.User{}},
	{pattern: "GET /api/v1/users/{id}/sessions", tag: "账号管理", summary: "账号的会话", out: sanlian.UserSession{}, list: true},
	{pattern: "DELETE /api/v1/users/{id}/sessions/{sid}", tag: "账号管理", summary: "结束账号的一个会话", status: http.StatusNoContent},
	{pattern: "GET /api/v1/grants", tag: "账号管理", summary: "授权申请", query: "state,user_id", out: sanlian.GrantRequest{}, list: true},
	{pattern: "POST /api/v1/grants", tag: "账号管理", summary: "提出授权申请", in: grantInput{}, out: sanlian.GrantRequest{}, status: http.StatusCreated},
	{pattern: "POST /api/v1/grants/{id}/approve", tag: "账号管理", summary: "批准授权申请", in: decisionInput{}, out: sanlian.GrantRequest{}},
	{pattern: "POST /api/v1/grants/{id}/refuse", tag: "账号管理", summary: "拒绝授权申请", in: decisionInput{}, out: sanlian.GrantRequest{}},
	{pattern: "POST /api/v1/grants/{id}/withdraw", tag: "账号管理", summary: "撤回授权申请", in: decisionInput{}, out: sanlian.GrantRequest{}},

	{pattern: "GET /api/v1/themes", tag: "每月一题", summary: "每月一题", query: "month", out: sanlian.Theme{}, list: true},
	{pattern: "POST /api/v1/themes", tag: "每月一题", summary: "新建主题", in: sanlian.ThemeInput{}, out: sanlian.Theme{}, status: http.StatusCreated},
	{pattern: "GET /api/v1/themes/{id}", tag: "每月一题", summary: "主题的报告", query: "trend", out: sanlian.ThemeReport{}},
	{pattern: "GET /api/v1/themes/{id}/problems", tag: "每月一题", summary: "主题所含的问题", query: "removed," + qPage, out: sanlian.ThemeProblem{}, list: true},
	{pattern: "GET /api/v1/cockpit", tag: "领导驾驶舱", summary: "领导驾驶舱的数据", query: "scope", out: cockpitView{}},
	{pattern: "GET /api/v1/message-settings", tag: "群众消息", summary: "群众消息告知的设置", out: sanlian.MsgSettingsView{}},
	{pattern: "PUT /api/v1/message-settings", tag: "群众消息", summary: "保存群众消息告知的设置", in: sanlian.MsgSettings{}, out: sanlian.MsgSettingsView{}},
	{pattern: "GET /api/v1/messages", tag: "群众消息", summary: "发给群众的消息", query: "state,event," + qPage, out: sanlian.ResidentMessage{}, list: true},
	{pattern: "POST /api/v1/messages/{id}/retry", tag: "群众消息", summary: "重发一条消息", out: sanlian.ResidentMessage{}},
	{pattern: "POST /api/v1/public/sms/inbound/{provider}", tag: "群众消息", summary: "短信服务商推送群众的上行短信（按服务商的签名或令牌校验；应答格式为服务商所要求的）", out: map[string]any{}},

	{pattern: "GET /api/v1/public/form", tag: "群众端", summary: "反映问题表单所需的分类、乡镇和告知语", out: publicFormJSON{}},
	{pattern: "GET /api/v1/public/challenge", tag: "群众端", summary: "取一道工作量证明题（提交前须解出）", out: Challenge{}},
	{pattern: "POST /api/v1/public/problems", tag: "群众端", summary: "群众反映问题（24 小时内同一手机号的相同内容答原查询码，状态 200）", in: publicSubmitJSON{}, out: publicReceiptJSON{}, status: http.StatusCreated, also: http.StatusOK},
	{pattern: "GET /api/v1/public/problems/{code}", tag: "群众端", summary: "按查询码查看办理情况", out: sanlian.PublicProblem{}},
	{pattern: "POST /api/v1/public/problems/{code}/rating", tag: "群众端", summary: "群众评价办理结果", in: sanlian.PublicRating{}, out: sanlian.PublicProblem{}},
	{pattern: "GET /api/v1/public/results", tag: "群众端", summary: "成效公示", out: sanlian.PublicResults{}},
	{pattern: "POST /api/v1/public/lookup", tag: "群众端", summary: "按手机号查询：发送短信验证码", in: lookupJSON{}, out: struct {
		Message string `json:"message"`
	}{}, status: http.StatusAccepted},
	{pattern: "POST /api/v1/public/lookup/verify", tag: "群众端", summary: "按手机号查询：凭验证码列出该手机号反映的问题", in: lookupVerifyJSON{}, out: sanlian.LookupItem{}, items: true},

	{pattern: "GET /api/v1/api-keys", tag: "接口密钥", summary: "Open311 接口密钥", out: sanlian.APIKey{}, list: true},
	{pattern: "POST /api/v1/api-keys", tag: "接口密钥", summary: "签发 Open311 接口密钥（密钥只在此时显示一次）", in: sanlian.APIKeyInput{}, out: sanlian.IssuedAPIKey{}, status: http.StatusCreated},
	{pattern: "POST /api/v1/api-keys/{id}/revoke", tag: "接口密钥", summary: "吊销接口密钥", out: sanlian.APIKey{}},

	{pattern: "GET /api/v1/notices", tag: "消息", summary: "本人的站内消息", query: "kind,unread," + qPage, out: noticeList{}},
	{pattern: "POST /api/v1/notices/{id}/read", tag: "消息", summary: "标为已读", out: sanlian.Notice{}},
	{pattern: "GET /api/v1/webhooks", tag: "消息推送", summary: "消息推送地址", out: sanlian.Webhook{}, list: true},
	{pattern: "POST /api/v1/webhooks", tag: "消息推送", summary: "新建推送地址", in: sanlian.WebhookInput{}, out: sanlian.Webhook{}, status: http.StatusCreated},
	{pattern: "PATCH /api/v1/webhooks/{id}", tag: "消息推送", summary: "修改推送地址", in: sanlian.WebhookInput{}, out: sanlian.Webhook{}},
	{pattern: "GET /api/v1/webhooks/{id}/deliveries", tag: "消息推送", summary: "推送记录", query: "state," + qPage, out: sanlian.WebhookDelivery{}, list: true},
}

// metricConfigInput is the body of POST /api/v1/metric-configs, as
// apiSaveMetricConfig decodes it.
type metricConfigInput = struct {
	sanlian.MetricConfig
	Ranking *sanlian.MetricRanking `json:"ranking"`
}

// resetAnswer is the answer of a password reset.
type resetAnswer struct {
	OneTimePassword    string `json:"one_time_password"`
	MustChangePassword bool   `json:"must_change_password"`
}

// queryParams describes each query parameter the operations take.
var queryParams = map[string]struct {
	typ, desc string
}{
	"cursor": {"string", "上一页答复中的 next_cursor；为空时从第一页开始"}, "limit": {"integer", "每页条数"},
	"q": {"string", "关键词"}, "kind": {"string", "类别"}, "state": {"string", "状态"}, "source": {"string", "来源"},
	"category": {"string", "分类代码"}, "township": {"string", "乡镇代码"}, "village": {"string", "村（社区）代码"},
	"region": {"string", "行政区划代码"}, "parent_code": {"string", "上级区划代码"}, "unit": {"integer", "单位 ID"},
	"person": {"integer", "干部 ID"}, "from": {"string", "起始日期（YYYY-MM-DD）"}, "to": {"string", "截止日期（YYYY-MM-DD，含当天）"},
	"visited_from": {"string", "走访起始日期"}, "visited_to": {"string", "走访截止日期"}, "period": {"string", "期间"},
	"by": {"string", "统计口径"}, "key": {"string", "指标所计对象"}, "measure": {"string", "指标"},
	"sort": {"string", "排序"}, "urgency": {"string", "紧急程度"}, "due_before": {"string", "期限早于该日期"},
	"card": {"string", "亮牌颜色"}, "text": {"string", "问题描述"}, "tag": {"string", "农户标签"},
	"window": {"string", "统计时段"}, "scope": {"string", "范围"}, "trend": {"string", "趋势按周或按日"},
	"month": {"string", "月份（YYYY-MM）"}, "days": {"integer", "工作日天数"}, "username": {"string", "用户名"},
	"result": {"string", "登录结果：ok 或 failed"}, "actor": {"string", "操作人"}, "action": {"string", "操作"},
	"entity": {"string", "对象类别"}, "entity_id": {"string", "对象 ID"}, "request_id": {"string", "请求编号（X-Request-Id）"}, "level": {"string", "督办级别"},
	"target_kind": {"string", "督办对象类别"}, "target_id": {"integer", "督办对象 ID"}, "event": {"string", "消息事件"},
	"type": {"string", "活动类型"}, "volunteer": {"integer", "志愿者（干部）ID"}, "status": {"string", "项目状态"},
	"version": {"integer", "所删记录的 version"}, "all": {"string", "为 1 时含已停用的分类"},
	"exclude":   {"integer", "不含此问题 ID"},
	"is_leader": {"boolean", "是否领导干部"}, "linked": {"boolean", "是否已有联系干部"}, "visited": {"boolean", "是否已走访"},
	"active": {"boolean", "是否有效"}, "overdue": {"boolean", "是否逾期"}, "open": {"string", "为 1 时只看未办结的"},
	"co": {"string", "为 1 时含协办的"}, "own": {"string", "为 1 时只看本单位主办的"}, "co_owed": {"string", "为 1 时只看待本单位协办的"},
	"reassign": {"string", "为 1 时只看经办干部已调离、待改派的"},
	"created":  {"string", "登记期间，如 2021-05-H1 或 2021-05"}, "created_from": {"string", "登记起始日期"}, "created_to": {"string", "登记截止日期"},
	"resolved": {"string", "办结期间"}, "resolved_from": {"string", "办结起始日期"}, "resolved_to": {"string", "办结截止日期"},
	"unanswered": {"boolean", "是否未回复"}, "late": {"boolean", "是否逾期回复"},
	"unread": {"boolean", "是否未读"}, "removed": {"boolean", "是否已移出"}, "entered": {"boolean", "是否本人录入"},
	"mine": {"string", "为 1 时只看本人的"}, "top": {"boolean", "是否只看顶层项目"}, "stalled": {"boolean", "是否进度停滞"},
	"due_by": {"string", "截止日期不晚于该日"},
}

// schemaDescriptions say what the main schemas are.
var schemaDescriptions = map[string]string{
	"Problem":              "问题：群众反映、台账上督办至解决的一条",
	"ProblemEvent":         "问题办理经过中的一步",
	"ProblemInput":         "登记问题所填的内容",
	"ActionRequest":        "办理问题的请求；各动作用到的字段不同",
	"Unit":                 "单位（部门、乡镇、企业、群团组织）",
	"Cadre":                "干部；手机号已遮挡",
	"Household":            "农户；身份证号和手机号已遮挡",
	"Link":                 "干部联系农户、村或乡镇的关系",
	"Region":               "行政区划：县、乡镇、村（社区）",
	"Visit":                "一次走访",
	"Activity":             "一次志愿服务活动",
	"Project":              "一个服务项目",
	"Responsibility":       "责任清单上的一项",
	"Supervision":          "一项督办",
	"Bulletin":             "一期通报",
	"SelfCriticism":        "一份书面检讨",
	"Dispatch":             "一个月的调度",
	"CalendarYear":         "一年的节假日与调休",
	"RoutingRule":          "一条派单规则",
	"User":                 "账号",
	"GrantRequest":         "授权申请（三权分立）",
	"AuditEntry":           "审计日志的一条",
	"Webhook":              "消息推送地址",
	"WebhookDelivery":      "一次推送",
	"Notice":               "站内消息",
	"ResidentMessage":      "发给群众的一条短信",
	"Theme":                "每月一题的主题",
	"APIKey":               "Open311 接口密钥（不含密钥本身）",
	"IssuedAPIKey":         "新签发的接口密钥，key 只在此时给出",
	"PublicProblem":        "群众按查询码看到的办理情况：不含姓名、手机号和内部意见",
	"PublicResults":        "成效公示",
	"ProblemDetails":       "错误（RFC 9457）：code 为错误代码，detail 为可照做的中文说明，errors 为逐字段的错误",
	"ImportProblemDetails": "导入被拒：错误及逐行报告",
}

// enums are the closed sets of values of fields, by schema and JSON name.
var enums = map[string][]string{
	"Problem.state":         sanlian.States,
	"Problem.source":        sanlian.Sources,
	"Unit.kind":             sanlian.UnitKinds,
	"Project.status":        sanlian.ProjectStatuses,
	"Responsibility.state":  sanlian.RespStates,
	"Responsibility.source": sanlian.RespSources,
	"GrantRequest.state":    sanlian.GrantStates,
	"Webhook.kind":          sanlian.WebhookKinds,
	"Link.kind":             {sanlian.LinkHousehold, sanlian.LinkVillage, sanlian.LinkTownship},
}

// schemaBuilder derives JSON Schemas from Go types, collecting the named
// struct types into components.schemas.
type schemaBuilder struct {
	defs  map[string]any
	names map[reflect.Type]string
	// input: the schemas of request bodies. encoding/json leaves a
	// missing field at its zero value, so none is required; a type also
	// answered is named with "Input" after its answer's name.
	input   bool
	inNames map[reflect.Type]string
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
	roleType = reflect.TypeFor[sanlian.Role]()
	// figureType writes null for NaN (Figure.MarshalJSON).
	figureType    = reflect.TypeFor[sanlian.Figure]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// schemaNames renames types whose Go names would mislead a reader.
var schemaNames = map[reflect.Type]string{
	reflect.TypeFor[problem]():       "ProblemDetails",
	reflect.TypeFor[importProblem](): "ImportProblemDetails",
	reflect.TypeFor[Challenge]():     "PublicChallenge",
	reflect.TypeFor[decisionInput](): "GrantDecision",
	reflect.TypeFor[dispatchJSON]():  "DispatchDetail",
	reflect.TypeFor[metricRowJSON](): "MetricRowRates",
}

// statusText says a success status in Chinese.
var statusText = map[int]string{
	http.StatusOK: "成功", http.StatusCreated: "已创建", http.StatusAccepted: "已受理", http.StatusNoContent: "成功，无内容",
}

// of returns the schema of t: a $ref for a named struct.
func (b *schemaBuilder) of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	case t == figureType:
		return map[string]any{"type": []any{"number", "null"}, "description": "无从计算（分母为 0）时为 null"}
	case t.Kind() != reflect.Pointer && t.Implements(marshalerType):
		panic("openapi: " + t.String() + " writes its own JSON; describe it in schemaBuilder.of")
	case t == roleType:
		rs := make([]any, len(sanlian.Roles))
		for i, r := range sanlian.Roles {
			rs[i] = string(r)
		}
		return map[string]any{"type": "string", "enum": rs}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return orNull(b.of(t.Elem()))
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": []any{"string", "null"}, "contentEncoding": "base64"}
		}
		return map[string]any{"type": []any{"array", "null"}, "items": b.of(t.Elem())}
	case reflect.Array:
		return map[string]any{"type": "array", "items": b.of(t.Elem()), "minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Map:
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": b.of(t.Elem())}
	case reflect.Struct:
		name := b.nameOf(t)
		if name == "" {
			return b.object(t, "")
		}
		if _, ok := b.defs[name]; !ok {
			b.defs[name] = true // a placeholder against recursion
			b.defs[name] = b.object(t, name)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	panic("openapi: no schema for " + t.String())
}

// nameOf is the component name of a named struct type, "" for an
// anonymous or generic one (described inline).
func (b *schemaBuilder) nameOf(t reflect.Type) string {
	names := b.names
	if b.input {
		names = b.inNames
	}
	if n, ok := names[t]; ok {
		return n
	}
	n := schemaNames[t]
	if n == "" {
		n = t.Name()
	}
	if n == "" || strings.ContainsAny(n, "[]") {
		return ""
	}
	if n[0] >= 'a' && n[0] <= 'z' {
		n = strings.ToUpper(n[:1]) + n[1:]
	}
	if strings.HasSuffix(n, "JSON") && len(n) > 4 {
		n = strings.TrimSuffix(n, "JSON")
	}
	if _, taken := b.defs[n]; taken && b.input {
		n += "Input"
	}
	for {
		if _, taken := b.defs[n]; !taken {
			break
		}
		n = "Web" + n // a web type named as a domain one
	}
	names[t] = n
	return n
}

// orNull lets s also be null.
func orNull(s map[string]any) map[string]any {
	switch tp := s["type"].(type) {
	case string:
		out := map[string]any{}
		for k, v := range s {
			out[k] = v
		}
		out["type"] = []any{tp, "null"}
		if e, ok := out["enum"].([]any); ok {
			out["enum"] = append(slices.Clone(e), nil)
		}
		return out
	case []any:
		return s // already nullable
	}
	if len(s) == 0 {
		return s
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// object is the schema of a struct as encoding/json writes it: embedded
// structs' fields promoted, omitempty and omitzero fields optional, no
// other property.
func (b *schemaBuilder) object(t reflect.Type, name string) map[string]any {
	props := map[string]any{}
	var required []string
	b.fields(t, name, props, &required, false)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if d, ok := schemaDescriptions[name]; ok {
		s["description"] = d
	}
	if len(required) > 0 && !b.input {
		slices.Sort(required)
		s["required"] = required
	}
	return s
}

func (b *schemaBuilder) fields(t reflect.Type, name string, props map[string]any, required *[]string, optional bool) {
	var embedded []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		jname, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && jname == "" {
			embedded = append(embedded, f)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if jname == "" {
			jname = f.Name
		}
		var s map[string]any
		if strings.Contains(","+opts+",", ",string,") {
			s = map[string]any{"type": "string"}
		} else {
			s = b.of(f.Type)
		}
		if e, ok := enums[name+"."+jname]; ok {
			vs := make([]any, len(e))
			for i, v := range e {
				vs[i] = v
			}
			s = map[string]any{"type": s["type"], "enum": vs}
		}
		if _, dup := props[jname]; dup {
			continue
		}
		props[jname] = s
		omit := strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
		if !omit && !optional {
			*required = append(*required, jname)
		}
	}
	for _, f := range embedded {
		et := f.Type
		opt := optional
		if et.Kind() == reflect.Pointer {
			et, opt = et.Elem(), true
		}
		if et.Kind() == reflect.Struct {
			b.fields(et, name, props, required, opt)
		}
	}
}

// pathParams are the wildcards of a pattern, integers for ids and years.
func pathParams(path string) []any {
	var ps []any
	for rest := path; ; {
		i := strings.Index(rest, "{")
		if i < 0 {
			return ps
		}
		j := strings.Index(rest[i:], "}")
		name := rest[i+1 : i+j]
		rest = rest[i+j:]
		typ, desc := "string", "路径参数"
		switch name {
		case "id", "sid":
			typ, desc = "integer", "ID"
		case "year":
			typ, desc = "integer", "年份"
		case "code":
			desc = "代码"
		case "period":
			desc = "通报期，如 2021-05-H1"
		case "month":
			desc = "月份（YYYY-MM）"
		case "kind":
			desc = "导入类别"
		case "provider":
			desc = "短信服务商"
		}
		schema := map[string]any{"type": typ}
		if name == "action" {
			desc = "办理动作"
			acts := make([]any, len(sanlian.Actions))
			for i, a := range sanlian.Actions {
				acts[i] = a
			}
			schema["enum"] = acts
		}
		ps = append(ps, map[string]any{"name": name, "in": "path", "required": true, "description": desc, "schema": schema})
	}
}

// openAPIDocument builds the document from apiOps and the routes' declared
// access.
func openAPIDocument(access map[string]access) map[string]any {
	b := &schemaBuilder{defs: map[string]any{}, names: map[reflect.Type]string{}, inNames: map[reflect.Type]string{}}
	errRef := b.of(reflect.TypeFor[problem]())
	b.of(reflect.TypeFor[importProblem]())
	paths := map[string]any{}
	for _, op := range apiOps {
		method, path, _ := strings.Cut(op.pattern, " ")
		o := map[string]any{
			"operationId": operationID(op.pattern),
			"summary":     op.summary,
			"tags":        []any{op.tag},
		}
		acc := access[op.pattern]
		if acc.public {
			o["security"] = []any{}
			o["description"] = "无须登录。"
		} else {
			labels := make([]string, len(acc.roles))
			for i, r := range acc.roles {
				labels[i] = r.Label()
			}
			o["description"] = "可用角色：" + strings.Join(labels, "、") + "。"
		}
		params := pathParams(path)
		if op.query != "" {
			for _, q := range strings.Split(op.query, ",") {
				qp, ok := queryParams[q]
				if !ok && strings.HasSuffix(q, "_id") {
					qp.typ, qp.desc, ok = "integer", strings.TrimSuffix(q, "_id")+" 的 ID", true
				}
				if !ok {
					panic("openapi: query parameter " + q + " has no description")
				}
				params = append(params, map[string]any{"name": q, "in": "query", "description": qp.desc, "schema": map[string]any{"type": qp.typ}})
			}
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		switch {
		case op.upload != "":
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
				"schema": map[string]any{"type": "object", "required": []any{op.upload},
					"properties": map[string]any{op.upload: map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}}}}}}
		}
		status := op.status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": statusText[status]}
		switch {
		case op.raw != "":
			ok["content"] = map[string]any{op.raw: map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": op.raw}}}
		case op.out != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": b.answer(op)}}
		}
		responses := map[string]any{itoa(status): ok, "default": map[string]any{"$ref": "#/components/responses/Error"}}
		if op.also != 0 {
			responses[itoa(op.also)] = map[string]any{"description": statusText[op.also], "content": ok["content"]}
		}
		if op.pattern == "POST /api/v1/imports" {
			responses["422"] = map[string]any{"description": "有错行，全部未导入", "content": map[string]any{
				"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ImportProblemDetails"}}}}
		}
		o["responses"] = responses
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(method)] = o
	}
	// Request bodies after every answer, so that a type both read and
	// written keeps its plain name for the answer.
	b.input = true
	for _, op := range apiOps {
		if op.in == nil {
			continue
		}
		method, path, _ := strings.Cut(op.pattern, " ")
		s := b.of(reflect.TypeOf(op.in))
		if op.inMany {
			s = map[string]any{"oneOf": []any{s, map[string]any{"type": "array", "items": s}}}
		}
		o := paths[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": s}}}
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "三联三清 /api/v1",
			"version": "1",
			"description": "三联三清系统的 JSON 接口。列表答复为 {items, next_cursor}，next_cursor 为空表示没有下一页。" +
				"错误一律为 application/problem+json（RFC 9457），code 为错误代码，errors 为逐字段的错误说明。" +
				"请求体须为一个 JSON 对象，不认识的字段会被拒绝。修改类请求须带所改记录的 version，以免覆盖他人的修改（冲突答 409）。",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"security": []any{
			map[string]any{"bearerAuth": []any{}},
			map[string]any{"sessionCookie": []any{}},
		},
		"components": map[string]any{
			"schemas": b.defs,
			"responses": map[string]any{"Error": map[string]any{
				"description": "错误：400 请求格式错误，401 未登录，403 无权操作或跨站请求，404 未找到，409 数据冲突，413 内容过大，422 提交的内容有误（见 errors），429 请求过于频繁",
				"content":     map[string]any{"application/problem+json": map[string]any{"schema": errRef}},
			}},
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer",
					"description": "POST /api/v1/login 答复中的 token，放在 Authorization: Bearer 头中；空闲 expires_in 秒后失效。"},
				"sessionCookie": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie,
					"description": "网页登录后的会话 Cookie。用 Cookie 时，非 GET 请求须来自本站：服务器按浏览器的 Sec-Fetch-Site 和 Origin 头拒绝跨站请求（403），不另设 CSRF 令牌头。"},
				"open311ApiKey": map[string]any{"type": "apiKey", "in": "query", "name": "api_key",
					"description": "Open311 的接口密钥（由 /api/v1/api-keys 签发），只用于 /open311/v2 提交问题（表单字段或查询参数 api_key），/api/v1 不接受。"},
			},
		},
	}
}

// answer is the schema of op's success body.
func (b *schemaBuilder) answer(op apiOp) map[string]any {
	s := b.of(reflect.TypeOf(op.out))
	if m, ok := op.out.(map[string]any); ok && len(m) == 0 {
		s = map[string]any{"type": "object"}
	}
	switch {
	case op.list:
		return map[string]any{"type": "object", "required": []any{"items", "next_cursor"}, "additionalProperties": false,
			"properties": map[string]any{"items": map[string]any{"type": "array", "items": s},
				"next_cursor": map[string]any{"type": "string", "description": "下一页的游标；为空表示没有下一页"}}}
	case op.items:
		return map[string]any{"type": "object", "required": []any{"items"}, "additionalProperties": false,
			"properties": map[string]any{"items": map[string]any{"type": []any{"array", "null"}, "items": s}}}
	}
	return s
}

// operationID is a pattern as an identifier: "GET /api/v1/units/{id}" is
// "get_units_id".
func operationID(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimPrefix(path, "/api/v1/")
	id := strings.ToLower(method) + "_" + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(path)
	return id
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// openAPIJSON is the server's document, encoded on first use.
func (s *Server) openAPIJSON() []byte {
	s.openapiOnce.Do(func() {
		b, err := json.MarshalIndent(openAPIDocument(s.access), "", "  ")
		if err != nil {
			panic(err)
		}
		s.openapi = b
	})
	return s.openapi
}

// apiOpenAPI is GET /api/v1/openapi.json.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(s.openAPIJSON())
	return nil
}
