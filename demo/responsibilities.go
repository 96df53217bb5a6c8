package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"sanlian"
)

// DefaultResponsibilities is the number of responsibility lines
// LoadResponsibilities enters when ResponsibilityOptions.Responsibilities
// is 0.
const DefaultResponsibilities = 120

// ResponsibilityOptions control the demo responsibility lists.
type ResponsibilityOptions struct {
	// Responsibilities is the number of lines entered; 0 means
	// DefaultResponsibilities.
	Responsibilities int
	// Today is the generator's today: lines are entered over the four
	// months before it, reported on until the day before, and the clock
	// is left at Today. Zero means now.
	Today time.Time
	// Seed selects the lines and their fates; 0 means DefaultSeed.
	Seed uint64
}

// respSpec is a task of the county's responsibility lists. A county
// unit's task names its unit; a township government's (unit "") is
// entered by townships in turn, %s in its task being the township.
type respSpec struct {
	unit     string
	task     string
	measures string
	done     string // the completion note when done
	dispatch bool   // decided at the monthly dispatch meeting (每月一调度)
}

var countyResps = []respSpec{
	{"县民政局", "特困供养人员基本生活费按月足额发放", "每月10日前核对供养名册，通过惠民惠农“一卡通”发放到人；乡镇民政办逐户电话回访，发现漏发当月补发。",
		"已连续按月足额发放，回访 312 户，无漏发、错发。", false},
	{"县民政局", "农村低保对象年度复核", "乡镇初审、县局复审，入户核查家庭收入和财产，评议公示后动态调整，做到应保尽保、应退尽退。",
		"复核完成，新纳入 86 户，退出 41 户，调整补助标准 127 户，公示无异议。", true},
	{"县民政局", "独居、留守老人探访关爱全覆盖", "建立独居留守老人台账，明确联系干部，每月至少上门探访一次，重点了解吃穿住医。",
		"台账 2,416 人全部落实联系干部，本季度探访 7,300 余人次。", false},
	{"县民政局社会救助股", "临时救助“先行救助”机制落实", "对急难型救助对象实行先救助后补手续，乡镇审批额度提高到 1000 元，3 个工作日内办结。",
		"先行救助 58 人次，平均 2 个工作日到账。", false},
	{"县民政局养老服务股", "敬老院消防安全隐患整改", "逐院排查消防设施、电气线路和厨房燃气，建立问题清单，限期整改并复查。",
		"排查发现隐患 37 处，已全部整改，复查合格。", true},
	{"县人力资源和社会保障局", "城乡居民养老保险参保扩面", "以乡镇为单位比对户籍和参保数据，逐户动员未参保人员，重点做好脱贫人口代缴。",
		"新增参保 3,105 人，脱贫人口代缴实现全覆盖。", false},
	{"县人力资源和社会保障局就业服务中心", "脱贫劳动力就业帮扶专场招聘会", "联系县内外企业提供岗位，在重点乡镇举办专场招聘，现场登记求职意向并跟踪到岗。",
		"举办专场 6 场，提供岗位 2,300 个，达成就业意向 412 人。", false},
	{"县医疗保障局", "城乡居民医保集中征缴", "乡镇、村组干部上门宣传缴费政策，开通微信、银行多种缴费渠道，特殊人群由财政代缴。",
		"参保率 96.8%，特殊人群全额代缴到位。", true},
	{"县医疗保障局", "异地就医直接结算备案“一次办”", "开通电话、网上备案渠道，在县政务中心设专窗，外出务工人员可由家属代办。",
		"备案办理时限压缩到即时办结，已办理 1,028 人次。", false},
	{"县卫生健康局", "乡镇卫生院常用药品配备", "梳理群众反映缺药目录，按基药目录统一采购配送，建立短缺药品预警。",
		"23 个乡镇卫生院常用药配备率达 100%。", false},
	{"县卫生健康局疾病预防控制中心", "适龄儿童免疫规划疫苗查漏补种", "核对预防接种信息系统和入托入学名单，逐一通知补种，偏远村组上门接种。",
		"查漏 1,864 人，补种完成 1,792 人，其余外出已转介。", false},
	{"县教育局", "学生资助资金精准发放", "核对建档立卡、低保、残疾家庭学生名单，资助资金直接打卡到户，公示并接受监督。",
		"资助资金 1,236 万元全部发放到位。", false},
	{"县教育局", "农村学校校车安全专项检查", "联合交警逐车检查车况、证照和驾驶人资质，查处超员、超速，建立一车一档。",
		"检查校车 148 辆，整改问题 21 个，停运不合格车辆 3 辆。", true},
	{"县交通运输局", "农村客运班线“村村通”恢复", "对停运班线逐条摸排，采取预约响应、小型客车等方式恢复通行政村客运。",
		"恢复停运班线 9 条，行政村通客车率 100%。", false},
	{"县交通运输局", "危桥改造", "对鉴定为四、五类的危桥逐座制定改造方案，施工期间设置便道和安全警示。",
		"完成危桥改造 7 座，已通车。", false},
	{"县水利局", "汛前山塘水库安全隐患排查", "逐库落实行政、技术、巡查责任人，检查大坝、溢洪道和放水设施，建立隐患台账。",
		"排查山塘水库 1,106 座，整改隐患 63 处，落实责任人 3,318 名。", true},
	{"县住房和城乡建设局", "农村自建房安全专项整治", "分乡镇开展经营性自建房排查，对存在安全隐患的落实停用、加固或拆除。",
		"排查自建房 4.2 万栋，整治隐患房屋 286 栋。", true},
	{"县自然资源局", "农村不动产确权登记发证", "集中受理历史遗留问题，实行容缺受理、上门服务，分村组集中发证。",
		"新发证 5,420 本，化解历史遗留问题 318 宗。", false},
	{"县生态环境局", "畜禽养殖污染整治", "对资江沿岸养殖场逐场核查粪污处理设施，限期整改，督促资源化利用。",
		"整改养殖场 72 家，关停禁养区养殖场 9 家。", false},
	{"县农业农村局", "耕地地力保护补贴发放", "乡镇核实种植面积并公示，县财政通过一卡通直补到户，开通咨询投诉电话。",
		"补贴资金全部发放到户，受理群众咨询 214 件均已答复。", false},
	{"县农业农村局农业综合行政执法大队", "春耕农资打假专项行动", "对农资经营门店逐户检查种子、化肥、农药质量和台账，抽检送检，查处假劣农资。",
		"检查门店 236 家，立案 8 起，为农民挽回损失 12 万元。", false},
	{"县林业局", "森林防火巡查", "重点时段增派护林员巡山，进村入户宣传野外用火规定，严格火源管控。",
		"防火期内未发生较大森林火灾。", false},
	{"县市场监督管理局", "校园周边食品安全专项检查", "检查学校食堂和周边小卖部，查处“三无”和过期食品，推行明厨亮灶。",
		"检查经营户 418 家，下架问题食品 36 批次。", false},
	{"县商务局", "黑茶电商进村服务站建设", "在产茶村建设电商服务站，开展直播带货培训，打通快递进村最后一公里。",
		"建成服务站 32 个，培训电商人才 640 人次。", false},
	{"县乡村振兴局", "防止返贫动态监测帮扶", "每月比对医保、民政、残联数据，对突发严重困难户及时纳入监测，一户一策落实帮扶。",
		"新识别监测对象 73 户，全部落实帮扶措施，无返贫。", true},
	{"县城市管理和综合执法局", "城区背街小巷路灯修复", "对群众反映的背街小巷路灯逐条排查，损坏灯具限期更换，新增照明盲区路灯。",
		"修复路灯 540 盏，新增 120 盏，背街小巷照明全覆盖。", false},
	{"县行政审批服务局", "高频政务服务事项“一件事一次办”", "梳理出生、入学、退休等高频事项，整合表单材料，一窗受理、限时办结。",
		"上线“一件事”套餐 24 项，平均跑动次数降到 0.3 次。", false},
	{"县信访局", "信访积案化解攻坚", "逐案明确包案领导，每月调度一次，能解决的限期解决，不能解决的做好解释和帮扶。",
		"化解信访积案 46 件，化解率 88%。", true},
	{"县司法局", "“法律明白人”培养", "每个村（社区）培养 3 至 5 名法律明白人，开展集中培训和以案释法。",
		"培养法律明白人 1,960 名，覆盖全部村（社区）。", false},
	{"县公安局", "户籍业务“跨省通办”", "公布跨省通办事项清单，开设专窗，外出务工人员可网上申请、邮寄送达。",
		"办理跨省通办业务 1,370 件。", false},
	{"县公安局东坪派出所", "电信网络诈骗反诈宣传进村入户", "民警和网格员进村入户讲解常见骗局，指导群众安装国家反诈中心 APP。",
		"入户宣传 1.2 万户，辖区电诈发案同比下降 37%。", false},
	{"县应急管理局", "地质灾害隐患点群测群防", "逐点落实监测员，配发预警设备，汛期实行每日巡查和零报告。",
		"324 处隐患点监测员全部到位，成功预警转移群众 57 人。", true},
	{"县退役军人事务局", "退役军人优待证申领发放", "村（社区）服务站代收材料，县局集中审核制证，送证上门。",
		"发放优待证 4,860 张。", false},
	{"县财政局", "惠民惠农补贴“一卡通”专项治理", "清理一人多卡、冒领挪用问题，统一社保卡发放，公开补贴项目和标准。",
		"清理问题卡 2,031 张，补贴项目全部公开。", true},
	{"安化县自来水公司", "城区老旧供水管网改造", "对漏损严重的老旧管网分片改造，施工前提前公告停水时间，夜间抢修。",
		"改造管网 12.6 公里，管网漏损率下降 5 个百分点。", false},
	{"国网安化县供电公司", "迎峰度夏农村配电台区巡检", "对重过载台区逐一巡检，增容改造，配备应急发电车。",
		"巡检台区 1,250 个，增容改造 46 个，未发生大面积停电。", false},
	{"县妇联", "“巾帼家政”技能培训", "面向农村妇女开展月嫂、育婴、养老护理培训，培训后推荐就业。",
		"培训 380 人，推荐就业 214 人。", false},
	{"县残联", "残疾人两项补贴精准发放", "比对残疾人证和低保数据，动态调整补贴对象，按月发放到人。",
		"两项补贴惠及 1.1 万人，按月足额发放。", false},
	{"团县委", "留守儿童“护苗”暑期关爱行动", "组织大学生志愿者到村开展作业辅导、安全教育和心理陪伴。",
		"开设暑期课堂 42 个，服务留守儿童 2,600 人次。", false},
	{"县总工会", "困难职工帮扶慰问", "建立困难职工档案，开展送温暖、金秋助学和医疗救助。",
		"帮扶困难职工 516 户，发放资金 103 万元。", false},
	{"县文化旅游广电体育局", "农家书屋图书更新", "按群众需求补充农业技术、健康养生和少儿读物，延长开放时间。",
		"更新图书 6.5 万册，书屋开放时间延长到每周 5 天。", false},
	{"县融媒体中心", "“我为群众办实事”典型宣传报道", "开设专栏，每周报道一批为民办实事典型，接受群众评议。",
		"刊发报道 96 篇，点击量 180 万余次。", false},
	{"县委组织部", "“三联三清”联系干部走访情况督查", "按月抽查干部走访记录和三必访户覆盖，对走访不实的通报并督促整改。",
		"督查 58 个单位，通报 6 个，整改到位。", true},
	{"县政府办公室", "群众反映问题办理情况半月督查", "每半月汇总问题清单超期事项，分单位督办，督办结果在调度会上通报。",
		"累计督办超期问题 214 件，已办结 201 件。", true},
}

var townshipResps = []respSpec{
	{"", "%s村组道路安全隐患排查整治", "逐村排查临水临崖路段，设置防护栏和警示标志，落实村级道路管护员。",
		"排查路段 46 处，增设防护栏 3.2 公里。", false},
	{"", "%s集镇环境卫生综合整治", "划分卫生责任区，清理乱堆乱放、乱贴乱画，规范马路市场，垃圾日产日清。",
		"集镇面貌明显改观，群众满意度测评 93%。", false},
	{"", "%s农村饮水工程维修管护", "对集中供水工程逐处检查水源、管网和消毒设施，落实管水员，建立维修基金。",
		"维修供水工程 14 处，解决 1,100 余人季节性缺水。", false},
	{"", "%s三必访户走访全覆盖", "对照三必访台账，联系干部逐户走访，问题当场登记、限时办理。",
		"三必访户走访全覆盖，登记问题 87 个，已办结 79 个。", true},
	{"", "%s矛盾纠纷排查化解", "村组每周排查一次，镇综治中心每月研判一次，重大纠纷由领导包案。",
		"排查纠纷 63 起，化解 60 起，其余 3 起已依法引导诉讼。", true},
	{"", "%s防汛物资储备和应急演练", "检查防汛仓库物资，补齐救生衣、冲锋舟、沙袋，组织山洪地灾转移演练。",
		"物资补充到位，开展演练 2 次，参演群众 600 余人。", false},
	{"", "%s留守儿童、独居老人结对关爱", "组织党员干部与留守儿童、独居老人结对，每月至少上门一次。",
		"结对 412 对，建立关爱台账。", false},
	{"", "%s村级便民服务代办点规范化建设", "统一代办事项清单和服务流程，村干部轮流坐班，群众办事不出村。",
		"全镇代办点规范运行，代办事项 1,700 余件。", false},
	{"", "%s秸秆禁烧和森林防火宣传", "村村响每天播放，网格员入户宣传，重点时段巡查田间地头。",
		"禁烧期内未发现焚烧火点。", false},
	{"", "%s农村危房鉴定和动态清零", "对疑似危房逐户鉴定，C、D 级危房纳入改造计划，改造期间妥善安置住户。",
		"鉴定 128 户，纳入改造 23 户，已全部开工。", true},
	{"", "%s农村人居环境“五净一规范”评比", "每月组织村组评比，评比结果公示并与奖补挂钩。",
		"评比 4 轮，表彰示范户 260 户。", false},
	{"", "%s茶园管护技术培训", "请县茶旅中心专家到田间讲授修剪、施肥和病虫害绿色防控。",
		"培训茶农 1,300 人次，发放技术手册 2,000 册。", false},
}

// ResponsibilitySummary is what LoadResponsibilities entered, as things
// stand at the end.
type ResponsibilitySummary struct {
	Responsibilities int
	Done             int
	Ongoing          int
	Overdue          int // past their deadline and not done
}

// String says the summary in one line of Chinese.
func (s ResponsibilitySummary) String() string {
	return fmt.Sprintf("责任清单事项 %d 项（已完成 %d 项，推进中 %d 项，超期 %d 项）", s.Responsibilities, s.Done, s.Ongoing, s.Overdue)
}

// respPlan is one line's life: entered, perhaps taken in hand, perhaps done.
type respPlan struct {
	in      sanlian.ResponsibilityInput
	by      context.Context // who enters and edits it
	person  context.Context // the responsible person's, when they report themselves
	created time.Time
	steps   []respStep
	note    string // the completion note, once done
	id      int64
	version int64
}

type respStep struct {
	at    time.Time
	state string
}

// LoadResponsibilities enters responsibility lines for the county's
// units over the four months before opt.Today, as units and the office
// enter them, and plays their progress on the clock setNow moves: taken
// in hand a few days after entry, most of those past their deadline done
// with a completion note, some late. County departments enter a task of
// their own each; township governments share a set of township tasks.
// Decisions of the monthly dispatch meeting (每月一调度) are entered by
// the office and carry the meeting's month (202105) as their source, for
// dispatch meetings are not recorded yet. The demo cadre answers for some
// of 县民政局's lines and reports on them.
func LoadResponsibilities(ctx context.Context, svc sanlian.ResponsibilityService, setNow func(time.Time), c *sanlian.County,
	opt ResponsibilityOptions) (ResponsibilitySummary, error) {
	var sum ResponsibilitySummary
	if opt.Responsibilities <= 0 {
		opt.Responsibilities = DefaultResponsibilities
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	lc, err := indexCounty(c)
	if err != nil {
		return sum, err
	}
	if lc.office == nil || lc.office.ID == 0 {
		return sum, fmt.Errorf("demo responsibilities: the county has no office account")
	}
	office := sanlian.NewContextWithUser(ctx, lc.office)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x7e5b))
	today := opt.Today.In(sanlian.Shanghai)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	first := midnight.AddDate(0, -4, 0)
	days := int(midnight.Sub(first).Hours()/24 + 0.5)

	// The county leader linked to each township answers for its
	// dispatch decisions.
	townLeader := map[string]int64{}
	for _, l := range c.Links {
		if l.Kind == sanlian.LinkTownship && l.Active() && townLeader[l.RegionCode] == 0 {
			townLeader[l.RegionCode] = l.CadreID
		}
	}
	var towns []*sanlian.Region
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionTownship && lc.towns[r.Code] != nil && len(lc.towns[r.Code].staff) > 0 {
			towns = append(towns, r)
		}
	}
	actor := func(ui *unitInfo) context.Context {
		if ui.admin != nil && ui.admin.ID != 0 {
			return sanlian.NewContextWithUser(ctx, ui.admin)
		}
		return office
	}
	var demoCadre context.Context
	for _, ui := range lc.units {
		if u := ui.cadres[lc.demoCadre]; u != nil && u.ID != 0 {
			demoCadre = sanlian.NewContextWithUser(ctx, u)
		}
	}

	// What to enter: every county task whose unit has staff, then township
	// tasks in different townships until the count is reached.
	type pick struct {
		spec respSpec
		unit *unitInfo
		town *sanlian.Region
	}
	var picks []pick
	for _, s := range countyResps {
		if ui := lc.unit(s.unit); ui != nil && len(ui.staff) > 0 {
			picks = append(picks, pick{spec: s, unit: ui})
		}
	}
	used := map[string]bool{}
	for tries := 0; len(towns) > 0 && len(picks) < opt.Responsibilities && tries < 50*opt.Responsibilities; tries++ {
		s := townshipResps[rng.IntN(len(townshipResps))]
		t := towns[rng.IntN(len(towns))]
		if key := s.task + t.Code; !used[key] {
			used[key] = true
			picks = append(picks, pick{spec: s, unit: lc.towns[t.Code], town: t})
		}
	}
	if len(picks) > opt.Responsibilities {
		rng.Shuffle(len(picks), func(i, j int) { picks[i], picks[j] = picks[j], picks[i] })
		picks = picks[:opt.Responsibilities]
	}

	clamp := func(t time.Time) time.Time { // reports are made before today
		if last := midnight.Add(-30 * time.Minute); t.After(last) {
			return last
		}
		return t
	}
	plans := make([]*respPlan, 0, len(picks))
	demoLines := 0
	for _, pk := range picks {
		ui := pk.unit
		created := first.AddDate(0, 0, rng.IntN(max(days-1, 1))).Add(time.Duration(8*60+rng.IntN(9*60)) * time.Minute)
		span := 20 + rng.IntN(80)
		deadline := time.Date(created.Year(), created.Month(), created.Day()+span, 0, 0, 0, 0, sanlian.Shanghai)
		task := pk.spec.task
		if pk.town != nil {
			task = fmt.Sprintf(task, pk.town.Name)
		}
		in := sanlian.ResponsibilityInput{UnitID: ui.u.ID, Task: task, Source: sanlian.RespStandalone, LeaderID: ui.u.HeadCadreID,
			PersonID: ui.staff[rng.IntN(len(ui.staff))].ID, Measures: pk.spec.measures, Deadline: deadline.Format("2006-01-02")}
		p := &respPlan{in: in, by: actor(ui), created: created, note: pk.spec.done}
		if pk.spec.dispatch || rng.IntN(8) == 0 {
			p.in.Source = sanlian.RespDispatch
			p.in.SourceID, _ = strconv.ParseInt(created.Format("200601"), 10, 64)
			p.by = office
			if pk.town != nil && townLeader[pk.town.Code] != 0 {
				p.in.LeaderID = townLeader[pk.town.Code]
			}
		}
		if p.in.LeaderID == p.in.PersonID {
			p.in.LeaderID = 0
		}
		if demoCadre != nil && ui.cadres[lc.demoCadre] != nil && (demoLines < 3 || rng.IntN(2) == 0) {
			p.in.PersonID, p.person = lc.demoCadre, demoCadre
			demoLines++
		}
		// Its fate: past the deadline most are done, the rest late; before
		// it, most are in hand, a few done early, a few not yet begun.
		taken := clamp(created.Add(time.Duration(1+rng.IntN(10))*24*time.Hour + time.Duration(rng.IntN(5))*time.Hour))
		past, r := deadline.Before(midnight), rng.IntN(100)
		switch {
		case past && r < 72, !past && r < 15:
			done := clamp(created.Add(time.Duration(float64(deadline.Sub(created)) * (0.4 + 0.65*rng.Float64()))))
			if taken.Before(done) {
				p.steps = append(p.steps, respStep{at: taken, state: sanlian.RespOngoing})
			}
			p.steps = append(p.steps, respStep{at: done, state: sanlian.RespDone})
		case past && r < 92, !past && r < 80:
			p.steps = append(p.steps, respStep{at: taken, state: sanlian.RespOngoing})
		}
		plans = append(plans, p)
	}

	// Play the entries and reports in time order.
	type event struct {
		at   time.Time
		plan *respPlan
		step int // -1: entry
	}
	var events []event
	for _, p := range plans {
		events = append(events, event{p.created, p, -1})
		for i, s := range p.steps {
			if s.at.After(p.created) {
				events = append(events, event{s.at, p, i})
			}
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, e := range events {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		setNow(e.at)
		p := e.plan
		if e.step < 0 {
			in := p.in
			x, err := svc.CreateResponsibility(p.by, &in)
			if err != nil {
				return sum, fmt.Errorf("demo responsibilities: %q on %s: %w %v", p.in.Task, e.at.Format(time.DateOnly), err, sanlian.ErrorFields(err))
			}
			p.id, p.version = x.ID, x.Version
			continue
		}
		s := p.steps[e.step]
		in := p.in
		in.State = s.state
		if s.state == sanlian.RespDone {
			in.CompletionNote = p.note
		}
		by := p.by
		if p.person != nil {
			by = p.person
		}
		x, err := svc.UpdateResponsibility(by, p.id, &in, p.version)
		if err != nil {
			return sum, fmt.Errorf("demo responsibilities: report on %q on %s: %w %v", p.in.Task, e.at.Format(time.DateOnly), err, sanlian.ErrorFields(err))
		}
		p.in, p.version = in, x.Version
	}
	setNow(opt.Today)
	todayDate := midnight.Format("2006-01-02")
	for _, p := range plans {
		sum.Responsibilities++
		switch p.in.State {
		case sanlian.RespDone:
			sum.Done++
		case sanlian.RespOngoing:
			sum.Ongoing++
		}
		if p.in.State != sanlian.RespDone && p.in.Deadline < todayDate {
			sum.Overdue++
		}
	}
	return sum, nil
}
