package sanlian

import "context"

// Column value types of an import. Cells are normalised (full-width digits,
// letters and spaces made half-width, blanks trimmed) before they are
// checked; a checked value is kept as text in a canonical form.
const (
	ColText   = "text"   // any text within Max characters
	ColInt    = "int"    // a whole number ≥ 0, written as decimal digits
	ColDate   = "date"   // a date, kept as 2006-01-02
	ColBool   = "bool"   // 是/否, kept as "1" or "0"
	ColID     = "id"     // a resident ID number, checked and upper-cased
	ColPhone  = "phone"  // a mobile or fixed phone number
	ColChoice = "choice" // one of Choices (by label or code), kept as the code
)

// ImportColumn is one column of an import template.
type ImportColumn struct {
	Key      string   // the value's key in ImportRow.Values
	Header   string   // the Chinese header in the template
	Aliases  []string // other headers accepted for the column
	Type     string   // a Col* type
	Required bool
	Max      int      // most characters of a text value; 0 is 200
	Choices  []Choice // for ColChoice
	Example  string   // the template's example row
	Note     string   // a hint shown under the header in the template
}

// Choice is a code and its label, for ColChoice columns.
type Choice struct{ Code, Label string }

// ImportKind is one kind of spreadsheet sanlian takes in: its columns and
// the sheet it prefers when a workbook has several.
type ImportKind struct {
	Code    string
	Label   string // Chinese name: 农户, 干部 …
	Sheet   string // the preferred sheet name; the first sheet otherwise
	Columns []ImportColumn
}

// Column returns the kind's column with key, or nil.
func (k *ImportKind) Column(key string) *ImportColumn {
	for i := range k.Columns {
		if k.Columns[i].Key == key {
			return &k.Columns[i]
		}
	}
	return nil
}

// ImportRow is one data row of a file, its cells checked against the
// kind's columns. Values holds the canonical value of every non-empty cell
// by column key; Errors the cells that failed, with the row's line.
type ImportRow struct {
	Line   int               // the row's number in the sheet, 1-based as Excel shows it
	Values map[string]string // canonical values by column key
	Errors []RowError
}

// RowError is one problem of an import, pinned to a row and a column.
type RowError struct {
	Line    int    `json:"line"`             // the sheet row, 1-based; 0 for the file
	Column  string `json:"column,omitempty"` // the column's Chinese header
	Message string `json:"message"`
}

// MaxImportSize is the largest file an import reads. A county's 300,000
// households fill about 15 MB; a larger file is refused before it is
// parsed.
const MaxImportSize = 100 << 20

// MaxImportErrors is how many row errors a report lists; past it the
// report counts the rest.
const MaxImportErrors = 1000

// ImportReport is the answer to an import: every bad row, or what was
// written. Nothing is written unless Errors is empty.
type ImportReport struct {
	Kind      string     `json:"kind"`
	Label     string     `json:"label"`
	Rows      int        `json:"rows"`    // data rows read
	Created   int        `json:"created"` // rows written
	Skipped   int        `json:"skipped"` // rows that needed no write (derived lines of a lists workbook)
	Errors    []RowError `json:"errors"`
	More      int        `json:"more_errors,omitempty"` // errors past MaxImportErrors
	Committed bool       `json:"committed"`
}

// AddError records a row error, counting those past MaxImportErrors.
func (r *ImportReport) AddError(e RowError) {
	if len(r.Errors) >= MaxImportErrors {
		r.More++
		return
	}
	r.Errors = append(r.Errors, e)
}

// RowSource yields the data rows of a file in order, then (nil, nil). A
// row with cell errors is yielded with them; a file that cannot be read at
// all fails with an *Error whose message says why, in Chinese.
type RowSource interface {
	Next() (*ImportRow, error)
	Close() error
}

// ImportService writes a file's rows, all or nothing. open may be called
// more than once (a checking pass, then a writing pass), each time from
// the start of the file.
type ImportService interface {
	// Import checks every row — cell errors, references to villages,
	// units and cadres that do not exist, duplicates inside the file and
	// against the database — and writes them in one transaction only if
	// none failed. The report lists every bad row. A file-level failure
	// is returned as an error (EUNPROCESSABLE). Who may import what
	// follows the write rights of each kind.
	Import(ctx context.Context, kind *ImportKind, open func() (RowSource, error)) (*ImportReport, error)
}

// FindImportKind returns the import kind with code, or nil.
func FindImportKind(code string) *ImportKind {
	for _, k := range ImportKinds {
		if k.Code == code {
			return k
		}
	}
	return nil
}

var yesNo = "是 或 否"

// ImportKinds are the spreadsheets sanlian takes in, in menu order.
var ImportKinds = []*ImportKind{
	{Code: "households", Label: "农户", Sheet: "农户", Columns: []ImportColumn{
		{Key: "village", Header: "村(社区)", Aliases: []string{"村（社区）", "所在村", "村社区", "村"}, Type: ColText, Required: true, Max: 60,
			Example: "东坪镇酉州村", Note: "乡镇名+村名，或 12 位区划代码"},
		{Key: "head_name", Header: "户主姓名", Aliases: []string{"户主", "姓名"}, Type: ColText, Required: true, Max: 30, Example: "张三"},
		{Key: "id_number", Header: "身份证号", Aliases: []string{"身份证号码", "户主身份证号"}, Type: ColID, Required: true, Example: "430923198001010017"},
		{Key: "phone", Header: "联系电话", Aliases: []string{"手机号码", "电话"}, Type: ColPhone, Example: "13800138000"},
		{Key: "address", Header: "住址", Aliases: []string{"家庭住址", "地址"}, Type: ColText, Max: 200, Example: "酉州村3组12号"},
		{Key: "members", Header: "家庭人口", Aliases: []string{"人口数", "家庭人数"}, Type: ColInt, Example: "4"},
		{Key: "tags", Header: "三必访类别", Aliases: []string{"必访类别"}, Type: ColText, Max: 200,
			Example: "低保、留守", Note: "可填多项，用顿号分隔：矛盾多 问题多 诉求强烈 低保 特困 残疾 留守 独居老人 脱贫监测 群众代表 村两委 两代表一委员"},
	}},
	{Code: "cadres", Label: "干部", Sheet: "干部", Columns: []ImportColumn{
		{Key: "name", Header: "姓名", Type: ColText, Required: true, Max: 30, Example: "李四"},
		{Key: "unit", Header: "所在单位", Aliases: []string{"单位", "工作单位"}, Type: ColText, Required: true, Max: 100, Example: "县人力资源和社会保障局"},
		{Key: "post", Header: "职务", Type: ColText, Max: 60, Example: "副局长"},
		{Key: "party_member", Header: "是否党员", Aliases: []string{"党员"}, Type: ColBool, Example: "是", Note: yesNo},
		{Key: "phone", Header: "手机号码", Aliases: []string{"联系电话", "电话"}, Type: ColPhone, Example: "13900139000"},
		{Key: "is_leader", Header: "是否县级领导", Aliases: []string{"县级领导"}, Type: ColBool, Example: "否", Note: yesNo},
	}},
	{Code: "units", Label: "单位", Sheet: "单位", Columns: []ImportColumn{
		{Key: "name", Header: "单位名称", Aliases: []string{"单位"}, Type: ColText, Required: true, Max: 100, Example: "县妇联"},
		{Key: "kind", Header: "单位类别", Aliases: []string{"类别"}, Type: ColChoice, Required: true, Example: "群团组织",
			Choices: []Choice{{UnitDepartment, "县直部门"}, {UnitTownship, "乡镇"}, {UnitEnterprise, "企业"}, {UnitMassOrg, "群团组织"}}},
		{Key: "parent", Header: "上级单位", Type: ColText, Max: 100, Example: ""},
		{Key: "township", Header: "所在乡镇", Aliases: []string{"乡镇"}, Type: ColText, Max: 60, Example: "", Note: "乡镇政府填写本乡镇名称或代码"},
	}},
	{Code: "links", Label: "联系关系", Sheet: "联系关系", Columns: []ImportColumn{
		{Key: "kind", Header: "联系类型", Aliases: []string{"类型"}, Type: ColChoice, Required: true, Example: "联户",
			Choices: []Choice{{LinkHousehold, "联户"}, {LinkVillage, "联村"}, {LinkTownship, "联乡"}}},
		{Key: "cadre", Header: "干部姓名", Aliases: []string{"联系干部", "干部"}, Type: ColText, Max: 30, Example: "李四", Note: "联户、联乡填写"},
		{Key: "cadre_unit", Header: "干部所在单位", Type: ColText, Max: 100, Example: "县人力资源和社会保障局", Note: "干部重名时用于区分"},
		{Key: "unit", Header: "联系单位", Type: ColText, Max: 100, Example: "", Note: "联村填写"},
		{Key: "household", Header: "户主身份证号", Aliases: []string{"身份证号"}, Type: ColID, Example: "430923198001010017", Note: "联户填写"},
		{Key: "region", Header: "村(社区)/乡镇", Aliases: []string{"村(社区)", "乡镇", "联系村"}, Type: ColText, Max: 60, Example: "", Note: "联村填写村，联乡填写乡镇"},
	}},
	{Code: "topics", Label: "调研题目", Sheet: "调研题目", Columns: []ImportColumn{
		{Key: "category", Header: "领域", Aliases: []string{"类别"}, Type: ColText, Required: true, Max: 40, Example: "就业"},
		{Key: "question", Header: "调研题目", Aliases: []string{"题目"}, Type: ColText, Required: true, Max: 200, Example: "家中劳动力务工情况如何？有无就业需求？"},
		{Key: "sort", Header: "排序", Type: ColInt, Example: "1"},
	}},
	{Code: "routing_rules", Label: "派单规则", Sheet: "派单规则", Columns: []ImportColumn{
		{Key: "category", Header: "问题类别", Aliases: []string{"类别", "领域"}, Type: ColText, Max: 40, Example: "交通出行", Note: "留空或填“全部类别”适用于所有类别"},
		{Key: "region", Header: "适用地区", Aliases: []string{"地区", "村(社区)", "乡镇"}, Type: ColText, Required: true, Max: 60,
			Example: "东坪镇酉州村", Note: "全县填县名；乡镇填乡镇名；村填乡镇名+村名；或 12 位区划代码"},
		{Key: "unit", Header: "承办单位", Aliases: []string{"责任单位", "单位"}, Type: ColText, Required: true, Max: 100, Example: "东坪镇人民政府"},
		{Key: "person", Header: "责任人", Type: ColText, Max: 30, Example: "", Note: "承办单位的干部，可留空"},
		{Key: "sort", Header: "顺序", Aliases: []string{"排序"}, Type: ColInt, Example: "0", Note: "同一地区、同一类别有多条规则时，数字小的优先"},
		{Key: "active", Header: "是否启用", Aliases: []string{"启用"}, Type: ColBool, Example: "是", Note: yesNo + "，默认 是"},
		{Key: "note", Header: "备注", Type: ColText, Max: MaxRuleNote, Example: ""},
	}},
	{Code: "problems", Label: "问题清单", Sheet: "问题清单", Columns: []ImportColumn{
		{Key: "number", Header: "编号", Aliases: []string{"问题编号"}, Type: ColText, Max: 40, Example: "", Note: "留空则自动编号"},
		{Key: "title", Header: "问题", Aliases: []string{"事项/问题", "标题", "问题标题"}, Type: ColText, Required: true, Max: MaxTitle, Example: "酉州村3组路灯损坏"},
		{Key: "description", Header: "问题描述", Aliases: []string{"具体内容"}, Type: ColText, Max: MaxDescription, Example: "3组至5组之间的路灯坏了半年，夜间出行不便。"},
		{Key: "category", Header: "类别", Aliases: []string{"领域"}, Type: ColText, Required: true, Max: 40, Example: "城乡建设"},
		{Key: "source", Header: "来源", Aliases: []string{"问题来源"}, Type: ColText, Max: 20, Example: "走访收集"},
		{Key: "village", Header: "村(社区)", Aliases: []string{"村（社区）", "所在村"}, Type: ColText, Required: true, Max: 60, Example: "东坪镇酉州村"},
		{Key: "reporter_name", Header: "反映人", Type: ColText, Max: 30, Example: "张三"},
		{Key: "reporter_phone", Header: "联系电话", Type: ColPhone, Example: ""},
		{Key: "unit", Header: "责任单位", Type: ColText, Max: 100, Example: "东坪镇人民政府"},
		{Key: "leader", Header: "责任领导", Type: ColText, Max: 30, Example: ""},
		{Key: "person", Header: "责任人", Type: ColText, Max: 30, Example: ""},
		{Key: "created", Header: "登记日期", Aliases: []string{"收集日期", "登记时间"}, Type: ColDate, Required: true, Example: "2021-05-20"},
		{Key: "deadline", Header: "完成时限", Aliases: []string{"办结期限"}, Type: ColDate, Example: "2021-06-10"},
		{Key: "progress", Header: "进展情况", Aliases: []string{"办理情况", "办理措施"}, Type: ColText, Max: MaxDescription, Example: ""},
		{Key: "result", Header: "办理结果", Type: ColText, Max: MaxDescription, Example: ""},
		{Key: "state", Header: "状态", Type: ColText, Max: 20, Example: "办理中", Note: "待受理 已交办 办理中 已办结 已销号 不予受理"},
	}},
	{Code: "projects", Label: "项目清单", Sheet: "项目清单", Columns: []ImportColumn{
		{Key: "title", Header: "项目名称", Aliases: []string{"事项/问题", "项目"}, Type: ColText, Required: true, Max: 200, Example: "农村妇女两癌免费筛查"},
		{Key: "parent", Header: "上级项目", Type: ColText, Max: 200, Example: ""},
		{Key: "unit", Header: "责任单位", Type: ColText, Required: true, Max: 100, Example: "县妇联"},
		{Key: "category", Header: "类别", Type: ColText, Max: 40, Example: "社保医疗"},
		{Key: "description", Header: "项目内容", Type: ColText, Max: MaxDescription, Example: ""},
		{Key: "target", Header: "目标数量", Type: ColInt, Example: "6428"},
		{Key: "measure", Header: "计量单位", Type: ColText, Max: 10, Example: "人次"},
		{Key: "done", Header: "已完成数量", Type: ColInt, Example: "0"},
		{Key: "beneficiaries", Header: "受益对象", Type: ColText, Max: 500, Example: "全县农村适龄妇女"},
		{Key: "start", Header: "开始日期", Type: ColDate, Required: true, Example: "2021-05-01"},
		{Key: "end", Header: "完成时限", Aliases: []string{"计划完成日期"}, Type: ColDate, Required: true, Example: "2021-12-31"},
		{Key: "leader", Header: "责任领导", Type: ColText, Max: 30, Example: ""},
		{Key: "person", Header: "责任人", Type: ColText, Max: 30, Example: ""},
		{Key: "progress", Header: "进展情况", Type: ColText, Max: MaxDescription, Example: ""},
		{Key: "status", Header: "状态", Type: ColChoice, Example: "实施中",
			Choices: []Choice{{ProjectPlanned, "未启动"}, {ProjectOngoing, "实施中"}, {ProjectDone, "已完成"}, {ProjectSuspended, "已暂停"}}},
		{Key: "weight", Header: "权重", Type: ColInt, Example: "1", Note: "在上级项目进度中的权重，默认 1"},
		{Key: "rollup", Header: "子项目汇总方式", Type: ColChoice, Example: "平均", Note: "有子项目时，进度按子项目平均或加权计算",
			Choices: []Choice{{RollupAverage, "平均"}, {RollupWeighted, "加权"}}},
	}},
	{Code: "responsibilities", Label: "责任清单", Sheet: "责任清单", Columns: []ImportColumn{
		{Key: "task", Header: "责任事项", Aliases: []string{"事项/问题", "任务"}, Type: ColText, Required: true, Max: 500, Example: "完成酉州村饮水工程验收"},
		{Key: "source", Header: "来源", Type: ColChoice, Example: "自定事项",
			Choices: []Choice{{RespProblem, "问题清单"}, {RespProject, "项目清单"}, {RespDispatch, "调度会议定"}, {RespStandalone, "自定事项"}}},
		{Key: "source_ref", Header: "来源编号", Aliases: []string{"关联事项"}, Type: ColText, Max: 200, Example: "", Note: "问题编号或项目名称"},
		{Key: "unit", Header: "责任单位", Type: ColText, Required: true, Max: 100, Example: "县水利局"},
		{Key: "leader", Header: "责任领导", Type: ColText, Max: 30, Example: ""},
		{Key: "person", Header: "责任人", Type: ColText, Required: true, Max: 30, Example: "赵六"},
		{Key: "measures", Header: "工作措施", Aliases: []string{"措施"}, Type: ColText, Max: MaxDescription, Example: ""},
		{Key: "deadline", Header: "完成时限", Type: ColDate, Required: true, Example: "2021-06-30"},
		{Key: "progress", Header: "进展情况", Aliases: []string{"完成情况"}, Type: ColText, Max: MaxDescription, Example: ""},
		{Key: "state", Header: "状态", Type: ColChoice, Example: "推进中",
			Choices: []Choice{{RespPending, "未开始"}, {RespOngoing, "推进中"}, {RespDone, "已完成"}}},
	}},
	{Code: "activities", Label: "志愿服务活动", Sheet: "志愿服务活动", Columns: []ImportColumn{
		{Key: "type", Header: "活动类型", Aliases: []string{"类型"}, Type: ColText, Required: true, Max: 40, Example: "健康义诊"},
		{Key: "date", Header: "活动日期", Aliases: []string{"日期"}, Type: ColDate, Required: true, Example: "2021-05-20"},
		{Key: "village", Header: "活动地点", Aliases: []string{"村(社区)", "地点"}, Type: ColText, Required: true, Max: 60, Example: "东坪镇酉州村"},
		{Key: "unit", Header: "组织单位", Aliases: []string{"单位"}, Type: ColText, Required: true, Max: 100, Example: "县卫生健康局"},
		{Key: "volunteers", Header: "干部志愿者", Type: ColText, Max: 5000, Example: "李四、王五", Note: "干部姓名，用顿号分隔"},
		{Key: "others", Header: "其他志愿者人数", Type: ColInt, Example: "3"},
		{Key: "served", Header: "服务群众人数", Aliases: []string{"服务人数"}, Type: ColInt, Example: "120"},
		{Key: "description", Header: "活动内容", Type: ColText, Required: true, Max: MaxDescription, Example: "为村民义诊、测血压、发放药品。"},
	}},
}
