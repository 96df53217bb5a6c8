package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"sanlian"
)

// DefaultCoUnitProblems is the number of problems LoadCoUnits enters when
// CoUnitOptions.Problems is 0.
const DefaultCoUnitProblems = 36

// CoUnitOptions control the problems handled by a lead unit with
// co-units.
type CoUnitOptions struct {
	// Problems is the number of problems entered; 0 means
	// DefaultCoUnitProblems.
	Problems int
	// Today is the generator's today: the problems are entered over the
	// 60 days before it and their steps stop at its 00:00. Zero means the
	// current date.
	Today time.Time
	// Seed selects the history; 0 means DefaultSeed.
	Seed uint64
}

// CoUnitSummary is what LoadCoUnits left on the ledger.
type CoUnitSummary struct {
	Problems int // entered with a lead unit and co-units
	CoUnits  int // co-units named
	Parts    int // parts recorded by co-units
	Pending  int // co-units of open problems yet to record their part
	Resolved int // resolved or closed by their lead
}

// String says the summary in one line of Chinese.
func (s CoUnitSummary) String() string {
	return fmt.Sprintf("牵头配合办理的问题 %d 件（配合单位 %d 个次，已记录配合办理 %d 次，待配合 %d 个，牵头单位已办结 %d 件）",
		s.Problems, s.CoUnits, s.Parts, s.Pending, s.Resolved)
}

// coCase is a kind of problem that one department leads with the
// township government (and sometimes a second department) helping: what
// the people say, what each unit does. %s in the texts is the village.
type coCase struct {
	category, lead, other string // other: a second co-unit, or ""
	titles                []string
	description           string
	townParts, otherParts []string
	measures, result      string
}

var coCases = []coCase{
	{category: "transport", lead: "县交通运输局", other: "县自然资源局",
		titles:      []string{"%s通村公路塌方，车辆无法通行", "%s通组公路路基下沉", "%s村道桥梁护栏损毁"},
		description: "%s村民反映，连日降雨后通村公路一段塌方约二十米，摩托车和农用车无法通行，学生上学绕行山路，存在安全隐患，请求尽快抢修。",
		townParts:   []string{"组织镇村干部和村民清理塌方土石，设置警示标志和临时便道", "协调沿线农户临时占地，做好群众解释工作", "安排村组干部每日巡查塌方路段，防止车辆误入"},
		otherParts:  []string{"派员现场勘查边坡地质情况，出具地质灾害隐患评估意见", "核实塌方路段用地权属，办理临时用地手续"},
		measures:    "委托养护单位清方并重建挡土墙，铺设路面，增设波形护栏和警示标志",
		result:      "塌方路段已修复通车，经镇村联合验收合格"},
	{category: "rural", lead: "县水利局", other: "县农业农村局",
		titles:      []string{"%s山塘渗漏，下游农田灌溉困难", "%s灌溉渠道淤塞多年未清"},
		description: "%s群众反映，村里的山塘坝体渗漏，蓄不住水，下游一百多亩稻田插秧季节用水紧张，希望加固维修。",
		townParts:   []string{"组织村民投工投劳清理渠道淤泥，协调用水矛盾", "召集村民代表会议，确定受益农户和管护责任人"},
		otherParts:  []string{"核实受影响农田面积，指导农户调整种植结构", "安排农技人员到村指导抗旱保苗"},
		measures:    "实施山塘除险加固，坝体防渗处理，配套修复放水设施和灌溉渠道",
		result:      "山塘恢复正常蓄水，下游农田灌溉得到保障"},
	{category: "housing", lead: "县住房和城乡建设局", other: "县民政局",
		titles:      []string{"%s低保户住房漏雨成危房", "%s独居老人房屋墙体开裂"},
		description: "%s一户低保家庭住的是老土坯房，墙体开裂、屋顶漏雨，雨天家里要摆盆接水，担心房子倒塌，希望纳入危房改造。",
		townParts:   []string{"组织村干部入户核实住房和家庭情况，安排临时安置", "协助农户准备危房改造申请材料，做好公示"},
		otherParts:  []string{"核实低保身份和家庭收入，出具救助对象认定意见", "发放临时救助金，帮助解决过渡期生活困难"},
		measures:    "组织危房鉴定，纳入当年农村危房改造计划，按标准拨付补助并监督施工",
		result:      "新房已完工入住，补助资金已发放到户"},
	{category: "social_health", lead: "县卫生健康局", other: "县医疗保障局",
		titles:      []string{"%s村卫生室长期无村医坐诊", "%s慢性病患者看病买药不方便"},
		description: "%s村民反映，村卫生室的村医退休后一直没有人接替，老人量血压、拿慢性病药都要跑到镇上，来回半天。",
		townParts:   []string{"协调乡镇卫生院安排医生每周两次到村坐诊", "腾出村部房屋作为临时诊室，配齐桌椅和药柜"},
		otherParts:  []string{"为村卫生室开通医保结算，慢性病门诊费用可直接报销", "上门为行动不便的老人办理慢性病门诊认定"},
		measures:    "定向招聘乡村医生一名，开展乡村一体化管理，配备基本诊疗设备",
		result:      "村卫生室已恢复正常开诊，村民在家门口就能看病拿药"},
	{category: "education", lead: "县教育局", other: "县公安局",
		titles:      []string{"%s学生上学路段没有交通安全设施", "%s小学门口道路车辆多、学生过马路危险"},
		description: "%s家长反映，学校门口就是公路，上下学时车多车快，没有斑马线和减速带，孩子过马路很危险。",
		townParts:   []string{"组织村干部和志愿者上下学时段护学，劝导过往车辆", "协调沿线商户清理占道经营，腾出学生候车区域"},
		otherParts:  []string{"交警在上下学时段到校门口执勤，查处超速车辆", "在学校路段设置限速、减速带和警示标志"},
		measures:    "在校门口路段施划斑马线、设置护栏和学校区域警示标志，建立护学岗制度",
		result:      "校门口交通安全设施已完善，护学岗常态化运行"},
	{category: "food_drug", lead: "县市场监督管理局", other: "",
		titles:      []string{"%s集市摊贩售卖来源不明的熟食", "%s农村宴席食品安全无人管"},
		description: "%s村民反映，逢集时有流动摊贩卖卤菜熟食，没有包装和标签，天热容易变质，担心吃坏肚子。",
		townParts:   []string{"会同市场监管所开展集市巡查，劝离无证流动摊贩", "在村务公开栏张贴食品安全知识，提醒群众辨别"},
		measures:    "开展集市食品安全专项检查，对流动摊贩登记建档，指导规范经营",
		result:      "集市无证熟食摊贩已清理，建立了逢集巡查制度"},
	{category: "policy", lead: "县人力资源和社会保障局", other: "",
		titles:      []string{"%s部分老人养老金认证不会操作", "%s外出务工人员社保转移接续难"},
		description: "%s一些七八十岁的老人不会用手机做养老待遇资格认证，子女在外打工，担心被停发养老金。",
		townParts:   []string{"安排便民服务中心工作人员上门为老人代办认证", "在村部设置代办点，每月集中办理一次"},
		measures:    "开通上门认证服务，培训村级协办员，对高龄老人实行静默认证",
		result:      "全村应认证老人已全部完成认证，养老金正常发放"},
	{category: "construction", lead: "安化县自来水公司", other: "县水利局",
		titles:      []string{"%s自来水管网未延伸到组，群众饮水困难", "%s自来水水压低，高处农户经常停水"},
		description: "%s村民反映，村里部分村民组还在喝山泉水，旱季水源干涸要挑水，希望把自来水管网接过来。",
		townParts:   []string{"协调管网沿线农户同意开挖，做好青苗补偿", "组织村民代表参与管网线路踏勘"},
		otherParts:  []string{"将该组纳入农村供水保障项目，落实建设资金", "对水源地进行水质检测，出具检测报告"},
		measures:    "延伸主管网，新建加压泵站一座，逐户安装水表",
		result:      "管网已通水，农户用上了稳定的自来水"},
}

// LoadCoUnits enters, over the 60 days before opt.Today, problems that a
// county department leads while the township government of the village
// (and for most a second department) co-handles them: the office assigns
// them with their co-units, the lead accepts, the co-units record their
// parts as they do them, the lead resolves and the office calls back and
// closes. Recent ones are still open, some with a co-unit's part to come;
// a third lie in the township of the demo "township" account, so that it
// has parts to record. Every step goes through svc as a realistic user on
// the clock set by setNow; the clock is left at 00:00 of opt.Today.
func LoadCoUnits(ctx context.Context, svc sanlian.ProblemService, setNow func(time.Time), c *sanlian.County, opt CoUnitOptions) (CoUnitSummary, error) {
	if opt.Problems <= 0 {
		opt.Problems = DefaultCoUnitProblems
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	today := opt.Today.In(sanlian.Shanghai)
	end := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	lc, err := indexCounty(c)
	if err != nil {
		return CoUnitSummary{}, err
	}
	cal := sanlian.NewCalendar(sanlian.OfficialCalendar())
	r := rand.New(rand.NewPCG(opt.Seed, streamCoUnits))
	ctxs := map[*sanlian.User]context.Context{}
	as := func(u *sanlian.User) context.Context {
		if c, ok := ctxs[u]; ok {
			return c
		}
		c := sanlian.NewContextWithUser(ctx, u)
		ctxs[u] = c
		return c
	}
	office := as(lc.office)

	// The villages of the demo township, and all with a township.
	var home, all []*villageInfo
	for _, v := range lc.villages {
		if v.town == nil || len(v.town.staff) == 0 {
			continue
		}
		all = append(all, v)
		if v.town.admin != nil && v.town.admin.Username == "township" {
			home = append(home, v)
		}
	}
	if len(all) == 0 {
		return CoUnitSummary{}, fmt.Errorf("demo co-units: no village with a township government")
	}
	if len(home) == 0 {
		home = all
	}

	// step is one thing someone does on a problem, at a time.
	type step struct {
		at  time.Time
		seq int
		do  func() error
	}
	var steps []step
	add := func(at time.Time, do func() error) {
		if at.Before(end) {
			steps = append(steps, step{at: at, seq: len(steps), do: do})
		}
	}
	// workday is hour:min of the n-th working day after day.
	workday := func(day time.Time, n int, hour, min int) time.Time {
		return cal.AddWorkdays(day, n).Add(time.Duration(hour)*time.Hour + time.Duration(min)*time.Minute)
	}
	var sum CoUnitSummary
	from := end.AddDate(0, 0, -60)
	for i := 0; i < opt.Problems; i++ {
		cs := coCases[i%len(coCases)]
		lead, other := lc.unit(cs.lead), lc.unit(cs.other)
		if lead == nil || len(lead.staff) == 0 {
			continue
		}
		v := all[r.IntN(len(all))]
		if i%3 == 0 {
			v = home[r.IntN(len(home))]
		}
		town := v.town
		if town == lead || town == other {
			continue
		}
		day := workday(from.AddDate(0, 0, r.IntN(58)), 0, 0, 0)
		if !cal.IsWorkday(day) {
			day = workday(day, 1, 0, 0)
		}
		in := &sanlian.ProblemInput{Source: pickStr(r, []string{sanlian.SourceVisit, sanlian.SourceHotline, sanlian.SourceLetter}),
			Category: cs.category, VillageCode: v.r.Code, Title: fmt.Sprintf(pickStr(r, cs.titles), v.r.Name),
			Description: fmt.Sprintf(cs.description, v.r.Name)}
		if len(v.households) > 0 {
			in.ReporterName = v.households[r.IntN(len(v.households))].HeadName
		}
		co := []int64{town.u.ID}
		if other != nil && r.IntN(4) > 0 {
			co = append(co, other.u.ID)
		}
		person := lead.staff[r.IntN(len(lead.staff))]
		leadUser := lead.cadreUser(person)
		townUser := town.admin
		if v.secretary != nil && r.IntN(2) == 0 {
			townUser = town.cadreUser(v.secretary)
		}
		var p *sanlian.Problem
		act := func(u *sanlian.User, action string, req sanlian.ActionRequest) error {
			req.Version = p.Version
			out, err := svc.Act(as(u), p.ID, action, req)
			if err != nil {
				return fmt.Errorf("demo co-units: %s %s: %w", action, p.Number, err)
			}
			p = out
			return nil
		}
		t0 := workday(day, 0, 9+r.IntN(3), r.IntN(60))
		if !t0.Before(end) {
			continue
		}
		sum.Problems++
		sum.CoUnits += len(co)
		add(t0, func() error {
			var err error
			if p, err = svc.CreateProblem(office, in); err != nil {
				return fmt.Errorf("demo co-units: create: %w", err)
			}
			return nil
		})
		add(t0.Add(90*time.Minute), func() error {
			note := "请" + cs.lead + "牵头，属地乡镇和相关部门配合办理"
			if p.State == sanlian.StateAssigned { // a routing rule assigned it on entry
				if p.UnitID != lead.u.ID {
					if err := act(lc.office, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: lead.u.ID,
						Reason: "需" + cs.lead + "牵头办理，改派"}); err != nil {
						return err
					}
				}
				if err := act(lc.office, sanlian.ActionCoUnits, sanlian.ActionRequest{CoUnitIDs: co, Note: note}); err != nil {
					return err
				}
				return act(lc.office, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: lead.u.ID, PersonID: person.ID, Note: note})
			}
			return act(lc.office, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: lead.u.ID, PersonID: person.ID, CoUnitIDs: co,
				Note: note})
		})
		add(workday(day, 1, 9, 10+r.IntN(40)), func() error { return act(leadUser, sanlian.ActionAccept, sanlian.ActionRequest{}) })
		// The co-units' parts: the township's within a week, the second
		// department's a little later; a few of the recent ones are late.
		parts := 0
		townDay := 2 + r.IntN(4)
		add(workday(day, townDay, 14, r.IntN(60)), func() error {
			return act(townUser, sanlian.ActionPart, sanlian.ActionRequest{Note: pickStr(r, cs.townParts)})
		})
		if workday(day, townDay, 14, 0).Before(end) {
			parts++
		}
		if len(co) > 1 {
			otherUser := other.admin
			otherDay := 4 + r.IntN(5)
			add(workday(day, otherDay, 10, r.IntN(60)), func() error {
				return act(otherUser, sanlian.ActionPart, sanlian.ActionRequest{Note: pickStr(r, cs.otherParts),
					Date: workday(day, otherDay-1, 0, 0).Format("2006-01-02")})
			})
			if workday(day, otherDay, 10, 0).Before(end) {
				parts++
			}
		}
		resolveDay := 10 + r.IntN(4)
		resolveAt := workday(day, resolveDay, 16, r.IntN(60))
		add(resolveAt, func() error {
			return act(leadUser, sanlian.ActionResolve, sanlian.ActionRequest{Measures: cs.measures, Result: cs.result})
		})
		if resolveAt.Before(end) {
			sum.Resolved++
		} else {
			sum.Pending += len(co) - parts
		}
		sum.Parts += parts
		add(workday(day, resolveDay+2, 10, r.IntN(60)), func() error {
			return act(lc.office, sanlian.ActionCallback, sanlian.ActionRequest{Solved: sanlian.SolvedYes,
				Satisfaction: pickStr(r, []string{sanlian.Satisfied, sanlian.Satisfied, sanlian.Basic}), Note: "电话回访群众，反映问题已解决"})
		})
		add(workday(day, resolveDay+3, 9, r.IntN(60)), func() error { return act(lc.office, sanlian.ActionClose, sanlian.ActionRequest{}) })
	}
	slices.SortStableFunc(steps, func(a, b step) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, s := range steps {
		setNow(s.at)
		if err := s.do(); err != nil {
			return sum, err
		}
	}
	setNow(end)
	return sum, nil
}

// streamCoUnits is the random stream of LoadCoUnits, apart from the
// ledger's.
const streamCoUnits = 0x636f756e69747300 // "counits\x00"
