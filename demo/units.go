package demo

import "sanlian"

// unitSpec describes a unit that is not a township government: its name,
// its staff at the default county size, and the posts its cadres hold.
type unitSpec struct {
	name   string
	kind   string
	parent string // the parent unit's name, for a sub-unit
	base   int    // cadres besides the leaders, at 20,000 households

	head   string   // the head's post; "" when a leader heads the unit
	deputy string   // deputies' post, one per eight staff, at most four
	extra  []string // one each, after the deputies, while staff lasts
	mid    string   // middle posts, one per six staff
	rank   []string // everyone else, drawn at random

	// leaders are the county-level leaders in the unit, by post; when
	// head is "", leaders[headLeader] heads the unit.
	leaders    []string
	headLeader int
}

var (
	clerks    = []string{"科员", "科员", "一级科员", "四级主任科员", "办事员"}
	staffers  = []string{"客户经理", "技术员", "职工", "职工"}
	officials = []string{"干事", "科员"}
)

// dept returns a county department headed by a 局长.
func dept(name string, base int) unitSpec {
	return unitSpec{name: name, kind: sanlian.UnitDepartment, base: base,
		head: "局长", deputy: "副局长", extra: []string{"办公室主任", "党组成员"}, mid: "股长", rank: clerks}
}

// with returns s with other posts for its head, deputies and middle ranks.
func (s unitSpec) with(head, deputy, mid string) unitSpec {
	s.head, s.deputy, s.mid = head, deputy, mid
	return s
}

// unitSpecs lists the county's units other than township governments, in
// the order of the county's own directory: party and government offices
// (where the county-level leaders sit), departments, enterprises and mass
// organisations. Sub-units follow, after all their parents.
var unitSpecs = []unitSpec{
	{name: "县委办公室", kind: sanlian.UnitDepartment, base: 22,
		leaders: []string{"县委书记", "县委副书记", "县委常委、县委办公室主任", "县委常委、县人武部政委"}, headLeader: 2,
		deputy: "副主任", extra: []string{"督查室主任", "机要室主任"}, mid: "秘书", rank: clerks},
	{name: "县政府办公室", kind: sanlian.UnitDepartment, base: 25,
		leaders: []string{"县委副书记、县长", "县委常委、常务副县长", "县委常委、副县长", "副县长", "副县长", "副县长", "副县长", "副县长"},
		head:    "主任", deputy: "副主任", extra: []string{"督查室主任", "金融办主任"}, mid: "秘书", rank: clerks},
	{name: "县人大常委会", kind: sanlian.UnitDepartment, base: 12,
		leaders: []string{"县人大常委会主任", "县人大常委会副主任", "县人大常委会副主任", "县人大常委会副主任", "县人大常委会副主任"},
		extra:   []string{"办公室主任", "办公室副主任", "研究室主任", "代表工作室主任"}, rank: clerks},
	{name: "县政协", kind: sanlian.UnitDepartment, base: 12,
		leaders: []string{"县政协主席", "县政协副主席", "县政协副主席", "县政协副主席", "县政协副主席"},
		extra:   []string{"办公室主任", "办公室副主任", "提案委主任"}, rank: clerks},
	{name: "县纪委监委", kind: sanlian.UnitDepartment, base: 30,
		leaders: []string{"县委常委、县纪委书记、县监委主任"},
		deputy:  "县纪委副书记、县监委副主任", extra: []string{"纪检监察室主任", "案件审理室主任", "信访室主任"}, mid: "纪检监察员", rank: clerks},
	{name: "县委组织部", kind: sanlian.UnitDepartment, base: 15,
		leaders: []string{"县委常委、组织部部长"}, deputy: "副部长", extra: []string{"办公室主任"}, mid: "股长", rank: clerks},
	{name: "县委宣传部", kind: sanlian.UnitDepartment, base: 12,
		leaders: []string{"县委常委、宣传部部长"}, deputy: "副部长", extra: []string{"文明办主任"}, mid: "股长", rank: clerks},
	{name: "县委统战部", kind: sanlian.UnitDepartment, base: 8,
		leaders: []string{"县委常委、统战部部长"}, deputy: "副部长", mid: "股长", rank: clerks},
	{name: "县委政法委", kind: sanlian.UnitDepartment, base: 10,
		leaders: []string{"县委常委、政法委书记"}, deputy: "副书记", mid: "股长", rank: clerks},

	dept("县发展和改革局", 22),
	dept("县教育局", 40),
	dept("县工业和信息化局", 15),
	{name: "县公安局", kind: sanlian.UnitDepartment, base: 60,
		head: "局长", deputy: "副局长", extra: []string{"政治处主任", "指挥中心主任"}, mid: "大队长", rank: []string{"民警", "民警", "一级警长"}},
	dept("县民政局", 25),
	dept("县司法局", 18).with("局长", "副局长", "司法所所长"),
	dept("县财政局", 25),
	dept("县人力资源和社会保障局", 25),
	dept("县自然资源局", 28).with("局长", "副局长", "自然资源所所长"),
	dept("县生态环境局", 15),
	dept("县住房和城乡建设局", 22),
	dept("县交通运输局", 20),
	dept("县水利局", 22).with("局长", "副局长", "水管站站长"),
	dept("县农业农村局", 35).with("局长", "副局长", "农技站站长"),
	dept("县林业局", 25).with("局长", "副局长", "林业站站长"),
	dept("县商务局", 12),
	dept("县文化旅游广电体育局", 18),
	dept("县卫生健康局", 30),
	dept("县退役军人事务局", 12),
	dept("县应急管理局", 15),
	dept("县审计局", 12),
	dept("县市场监督管理局", 30).with("局长", "副局长", "市场监管所所长"),
	dept("县统计局", 8),
	dept("县医疗保障局", 12),
	dept("县乡村振兴局", 18),
	dept("县城市管理和综合执法局", 20).with("局长", "副局长", "执法中队长"),
	dept("县信访局", 10),
	dept("县行政审批服务局", 12),
	dept("县茶旅产业发展服务中心", 12).with("主任", "副主任", "股长"),
	dept("县融媒体中心", 15).with("主任", "副主任", "部门主任"),
	{name: "县人民法院", kind: sanlian.UnitDepartment, base: 30,
		head: "院长", deputy: "副院长", extra: []string{"政治部主任"}, mid: "庭长", rank: []string{"审判员", "法官助理", "书记员"}},
	{name: "县人民检察院", kind: sanlian.UnitDepartment, base: 22,
		head: "检察长", deputy: "副检察长", extra: []string{"政治部主任"}, mid: "部门主任", rank: []string{"检察官", "检察官助理"}},
	dept("县税务局", 20).with("局长", "副局长", "税务分局局长"),
	dept("县供销合作联社", 8).with("主任", "副主任", "股长"),

	{name: "国网安化县供电公司", kind: sanlian.UnitEnterprise, base: 40,
		head: "总经理", deputy: "副总经理", extra: []string{"党委书记", "综合服务中心主任"}, mid: "供电所所长", rank: staffers},
	{name: "中国移动安化分公司", kind: sanlian.UnitEnterprise, base: 18,
		head: "总经理", deputy: "副总经理", extra: []string{"综合部经理"}, mid: "营业厅经理", rank: staffers},
	{name: "安化县自来水公司", kind: sanlian.UnitEnterprise, base: 15,
		head: "总经理", deputy: "副总经理", extra: []string{"办公室主任"}, mid: "水厂厂长", rank: staffers},
	{name: "安化黑茶集团", kind: sanlian.UnitEnterprise, base: 22,
		head: "董事长", deputy: "副总经理", extra: []string{"党委书记", "茶园基地主任"}, mid: "茶厂厂长", rank: staffers},
	{name: "安化农村商业银行", kind: sanlian.UnitEnterprise, base: 20,
		head: "董事长", deputy: "副行长", extra: []string{"行长"}, mid: "支行行长", rank: staffers},

	{name: "县妇联", kind: sanlian.UnitMassOrg, base: 8, head: "主席", deputy: "副主席", rank: officials},
	{name: "县残联", kind: sanlian.UnitMassOrg, base: 8, head: "理事长", deputy: "副理事长", rank: officials},
	{name: "团县委", kind: sanlian.UnitMassOrg, base: 6, head: "书记", deputy: "副书记", rank: officials},
	{name: "县总工会", kind: sanlian.UnitMassOrg, base: 8, head: "常务副主席", deputy: "副主席", rank: officials},
	{name: "县科协", kind: sanlian.UnitMassOrg, base: 5, head: "主席", deputy: "副主席", rank: officials},

	{name: "县民政局社会救助股", kind: sanlian.UnitDepartment, parent: "县民政局", base: 6, head: "股长", deputy: "副股长", rank: clerks},
	{name: "县民政局养老服务股", kind: sanlian.UnitDepartment, parent: "县民政局", base: 5, head: "股长", deputy: "副股长", rank: clerks},
	{name: "县人力资源和社会保障局就业服务中心", kind: sanlian.UnitDepartment, parent: "县人力资源和社会保障局", base: 10, head: "主任", deputy: "副主任", rank: clerks},
	{name: "县公安局东坪派出所", kind: sanlian.UnitDepartment, parent: "县公安局", base: 12, head: "所长", deputy: "副所长", rank: []string{"民警", "民警", "社区民警"}},
	{name: "县卫生健康局疾病预防控制中心", kind: sanlian.UnitDepartment, parent: "县卫生健康局", base: 12, head: "主任", deputy: "副主任", mid: "科长", rank: []string{"医师", "公卫医师", "检验师"}},
	{name: "县农业农村局农业综合行政执法大队", kind: sanlian.UnitDepartment, parent: "县农业农村局", base: 8, head: "大队长", deputy: "副大队长", rank: []string{"执法队员"}},
}

// townshipStations are the service posts of a township government, one
// cadre each while its staff lasts.
var townshipStations = []string{
	"农业综合服务中心主任", "财政所所长", "社会事务综合服务中心主任", "综治中心主任", "林业站站长",
	"水利站站长", "文化站站长", "自然资源所所长", "退役军人服务站站长", "社会保障服务站站长",
}

// townshipRanks are the posts of the other township cadres.
var townshipRanks = []string{"包村干部", "包村干部", "驻村工作队员", "科员", "一级科员", "办事员"}

// townshipPosts returns the posts of a township government's leadership;
// t is 镇 or 乡.
func townshipPosts(t string) []string {
	if t == "街道" {
		return []string{
			"街道党工委书记", "街道办事处主任", "街道人大工委主任", "街道党工委副书记", "街道纪工委书记",
			"街道党工委委员、组织委员", "街道党工委委员、宣传委员", "街道办事处副主任", "街道办事处副主任", "街道办事处副主任", "街道人武部部长",
		}
	}
	return []string{
		t + "党委书记", t + "长", t + "人大主席", t + "党委副书记", t + "纪委书记",
		t + "党委委员、组织委员", t + "党委委员、宣传委员", "副" + t + "长", "副" + t + "长", "副" + t + "长", t + "人武部部长",
	}
}
