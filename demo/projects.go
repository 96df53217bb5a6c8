package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// DefaultProjects is the number of service projects, sub-projects
// included, that LoadProjects enters when ProjectOptions.Projects is 0.
const DefaultProjects = 60

// ProjectOptions control the demo service projects.
type ProjectOptions struct {
	// Projects is the number entered, sub-projects included; 0 means
	// DefaultProjects.
	Projects int
	// Today is the generator's today: projects start over the eight
	// months before it, and the clock is left at Today. Zero means now.
	Today time.Time
	// Seed selects the dates and quantities; 0 means DefaultSeed.
	Seed uint64
}

// projectSpec is a service project of the county's list. A county unit's
// project names its unit; a township government's (unit "") is entered
// by each township in turn, its title and target taking the township's.
type projectSpec struct {
	unit     string
	title    string // a township's project: %s is the township
	category string
	target   int64 // 0: no quantity; progress is reported as a percentage
	spread   int64 // a township's project: the target varies by up to this much
	measure  string
	verb     string // what one unit of progress is: 筛查, 发放, 硬化 …
	benef    string
	desc     string
	split    int  // sub-projects, one per township
	mine     bool // the demo cadre answers for it
}

var countyProjects = []projectSpec{
	{unit: "县妇联", title: "农村妇女“两癌”免费筛查", category: "social_health", target: 6428, measure: "人次", verb: "筛查",
		benef: "全县35至64岁农村妇女", desc: "联合县卫生健康局，为农村适龄妇女免费开展宫颈癌、乳腺癌筛查，对查出的患者落实救助。", split: 5},
	{unit: "县残联", title: "困难残疾人免费适配轮椅", category: "social_health", target: 320, measure: "台", verb: "适配发放",
		benef: "有需求的持证肢体残疾人", desc: "入户评估需求，为困难肢体残疾人免费适配轮椅，送货上门并指导使用。"},
	{unit: "县妇联", title: "“母亲邮包”发放", category: "rural", target: 444, measure: "个", verb: "发放",
		benef: "困难单亲母亲、留守妇女", desc: "争取中国妇女发展基金会“母亲邮包”项目，逐户送到困难母亲手中。"},
	{unit: "县水利局", title: "农村饮水安全巩固提升工程", category: "construction", target: 26, measure: "处", verb: "完工",
		benef: "饮水不稳定的村组群众", desc: "新建、改造集中供水工程，延伸管网，解决季节性缺水问题。", split: 4},
	{unit: "县交通运输局", title: "农村公路硬化", category: "transport", target: 86, measure: "公里", verb: "硬化",
		benef: "沿线村组群众", desc: "实施通组公路硬化和窄路加宽，同步完善安全防护设施。", split: 4},
	{unit: "县人力资源和社会保障局就业服务中心", title: "农村劳动力就业技能培训", category: "employment", target: 3200, measure: "人次", verb: "培训",
		benef: "农村富余劳动力、脱贫劳动力", desc: "开展电工、焊工、家政、电商直播等技能培训，培训后推荐就业。"},
	{unit: "县民政局", title: "特困老人居家养老上门服务", category: "elderly", target: 1500, measure: "人次", verb: "上门服务",
		benef: "分散供养特困老人", desc: "组织干部和社工上门助洁、助医、代购，建立一人一档服务台账。", mine: true},
	{unit: "县民政局养老服务股", title: "农村互助养老服务点建设", category: "elderly", target: 12, measure: "个", verb: "建成",
		benef: "农村留守、独居老人", desc: "依托村部闲置用房建设互助养老服务点，配备休息、就餐和文体设施。"},
	{unit: "县民政局社会救助股", title: "低保、特困对象动态核查", category: "policy", target: 5200, measure: "户", verb: "核查",
		benef: "低保户、特困供养户", desc: "逐户核查家庭收入和财产状况，做到应保尽保、应退尽退。"},
	{unit: "县卫生健康局", title: "家庭医生签约履约服务", category: "social_health", target: 12000, measure: "人", verb: "签约履约",
		benef: "老年人、慢病患者、脱贫人口", desc: "乡村医生上门开展健康体检、慢病随访和用药指导。"},
	{unit: "县教育局", title: "留守儿童“送教上门”", category: "education", target: 260, measure: "人", verb: "送教",
		benef: "不能到校就读的重度残疾儿童、留守儿童", desc: "组织教师每月上门送教，建立一生一案。"},
	{unit: "县住房和城乡建设局", title: "农村危房改造", category: "housing", target: 420, measure: "户", verb: "改造",
		benef: "住房不安全的低收入农户", desc: "对鉴定为C、D级的农村危房实施改造或重建，竣工后验收入住。"},
	{unit: "国网安化县供电公司", title: "农村电网改造升级", category: "construction", target: 35, measure: "个台区", verb: "改造",
		benef: "低电压、频繁停电的村组", desc: "新增和改造配电台区，解决农村低电压和频繁停电问题。"},
	{unit: "中国移动安化分公司", title: "偏远村组4G信号覆盖", category: "construction", target: 40, measure: "个基站", verb: "开通",
		benef: "信号弱的偏远村组群众", desc: "在山区信号盲区新建基站，方便群众通话和上网。"},
	{unit: "县农业农村局", title: "高标准农田建设", category: "rural", target: 23000, measure: "亩", verb: "建成",
		benef: "项目区种粮农户", desc: "土地平整、灌排沟渠和机耕道建设，提升粮食产能。"},
	{unit: "县林业局", title: "油茶低产林改造", category: "rural", target: 5000, measure: "亩", verb: "改造",
		benef: "油茶种植户", desc: "开展垦复、修剪和补植，提高油茶产量，带动群众增收。"},
	{unit: "县市场监督管理局", title: "农村集体聚餐食品安全指导", category: "food_drug", target: 600, measure: "场次", verb: "现场指导",
		benef: "举办集体聚餐的农户、乡厨", desc: "对农村集体聚餐登记备案、上门指导，预防食物中毒。"},
	{unit: "县司法局", title: "培养农村“法律明白人”", category: "policy", target: 1300, measure: "人", verb: "培养",
		benef: "村组干部、群众骨干", desc: "每村培养3名“法律明白人”，就地化解矛盾纠纷。"},
	{unit: "县文化旅游广电体育局", title: "送戏下乡", category: "", target: 180, measure: "场", verb: "演出",
		benef: "农村群众", desc: "组织县花鼓戏剧团和文艺志愿者下乡演出。"},
	{unit: "县退役军人事务局", title: "“光荣之家”走访慰问", category: "policy", target: 2600, measure: "户", verb: "走访慰问",
		benef: "退役军人和其他优抚对象家庭", desc: "走访慰问优抚对象，解决生活困难，更新光荣牌。"},
	{unit: "团县委", title: "“希望工程”助学", category: "education", target: 200, measure: "人", verb: "资助",
		benef: "家庭困难的在校学生", desc: "募集社会资金，资助困难学生完成学业。"},
	{unit: "县总工会", title: "困难职工帮扶慰问", category: "social_health", target: 380, measure: "户", verb: "帮扶",
		benef: "建档困难职工家庭", desc: "开展送温暖、金秋助学和医疗救助。"},
	{unit: "县医疗保障局", title: "医保政策宣讲进村", category: "social_health", target: 430, measure: "个村", verb: "宣讲",
		benef: "参保群众", desc: "讲解城乡居民医保缴费、异地就医和慢特病报销政策。"},
	{unit: "县乡村振兴局", title: "脱贫人口小额信贷", category: "rural", target: 1800, measure: "户", verb: "发放贷款",
		benef: "有发展意愿的脱贫户和监测户", desc: "协调银行发放5万元以下免抵押、免担保的小额贷款，财政贴息。"},
	{unit: "安化黑茶集团", title: "黑茶种植加工技术培训", category: "employment", target: 1500, measure: "人次", verb: "培训",
		benef: "茶农", desc: "茶叶专家进村讲解茶园管护、采摘标准和初制加工。"},
	{unit: "县科协", title: "科普大篷车进乡村", category: "", target: 120, measure: "场", verb: "开展",
		benef: "农村中小学生和群众", desc: "科普大篷车巡回展演，普及防灾减灾和健康知识。"},
	{unit: "县公安局", title: "农村道路交通安全劝导站建设", category: "transport",
		benef: "农村群众", desc: "在事故多发路段设立劝导站，配备劝导员和设施。"},
	{unit: "县住房和城乡建设局", title: "农村人居环境整治", category: "construction",
		benef: "项目村群众", desc: "清理垃圾和沟渠，拆除危旧杂房，改善村容村貌。", split: 3},
}

var townshipProjects = []projectSpec{
	{title: "%s村组道路硬化", category: "transport", target: 8, spread: 17, measure: "公里", verb: "硬化",
		benef: "未通硬化路的村组群众", desc: "硬化通组道路，解决群众出行难。"},
	{title: "%s农村户厕改造", category: "construction", target: 150, spread: 450, measure: "户", verb: "改造",
		benef: "使用旱厕的农户", desc: "改造农村户用卫生厕所，同步治理粪污。"},
	{title: "%s路灯安装", category: "construction", target: 200, spread: 600, measure: "盏", verb: "安装",
		benef: "集镇和村部周边群众", desc: "在集镇、村部和主干道安装太阳能路灯。"},
	{title: "%s集镇污水管网建设", category: "construction",
		benef: "集镇居民", desc: "新建集镇污水收集管网和处理设施，消除污水直排。"},
	{title: "%s独居老人关爱走访", category: "elderly", target: 100, spread: 300, measure: "户", verb: "走访",
		benef: "独居、空巢老人", desc: "包村干部定期上门探望独居老人，帮助解决实际困难。"},
	{title: "%s产业路建设", category: "rural", target: 5, spread: 10, measure: "公里", verb: "建成",
		benef: "茶园、油茶基地周边农户", desc: "修建通往茶园、油茶基地的产业路。"},
}

// What a project is heading for when the demo starts it.
const (
	fateDone    = iota // done before its end date
	fateOnTrack        // ongoing, ends after today
	fateLate           // past its end date, not done: overdue
	fateStalled        // ongoing, no progress for over a month
	fatePlanned        // starts after today
)

var fateWeights = []int{fateDone: 22, fateOnTrack: 48, fateLate: 12, fateStalled: 12, fatePlanned: 6}

// projectPlan is one project to enter, with its progress to come.
type projectPlan struct {
	in      sanlian.ProjectInput
	as      context.Context
	parent  *projectPlan
	id      int64
	fate    int
	places  []string // where its progress happens, for the notes
	spec    projectSpec
	created time.Time
}

// projectEvent is a step of the demo, played in date order.
type projectEvent struct {
	at      time.Time
	plan    *projectPlan
	done    bool // marks the project done; otherwise a progress entry when entry is set
	entry   *sanlian.ProgressInput
	created bool
}

// ProjectSummary is what LoadProjects entered.
type ProjectSummary struct {
	Projects    int // sub-projects included
	SubProjects int
	Entries     int
	Done        int
	Overdue     int
	Stalled     int
}

// String says the summary in one line of Chinese.
func (s ProjectSummary) String() string {
	return fmt.Sprintf("服务项目 %d 个（其中子项目 %d 个），进展 %d 条；已完成 %d 个，超期 %d 个，停滞 %d 个",
		s.Projects, s.SubProjects, s.Entries, s.Done, s.Overdue, s.Stalled)
}

// LoadProjects enters the service project lists of the county's units and
// township governments — screenings, wheelchairs, water works, roads,
// training — some split by township into sub-projects, and plays their
// monthly progress over the eight months before opt.Today on the clock
// setNow moves: most finish or go on, a few run past their end dates and a
// few stall. Projects are entered by each unit's admin where the county
// has one, by the office otherwise.
func LoadProjects(ctx context.Context, svc sanlian.ProjectService, setNow func(time.Time), c *sanlian.County,
	opt ProjectOptions) (ProjectSummary, error) {
	var sum ProjectSummary
	if opt.Projects <= 0 {
		opt.Projects = DefaultProjects
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
		return sum, fmt.Errorf("demo projects: the county has no office account")
	}
	office := sanlian.NewContextWithUser(ctx, lc.office)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e0c))
	today := opt.Today.In(sanlian.Shanghai)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	first := midnight.AddDate(0, -8, 0)

	var towns []*sanlian.Region
	villages := map[string][]string{}
	for _, r := range c.Regions {
		switch r.Kind {
		case sanlian.RegionTownship:
			if lc.towns[r.Code] != nil {
				towns = append(towns, r)
			}
		case sanlian.RegionVillage:
			villages[r.ParentCode] = append(villages[r.ParentCode], r.Name)
		}
	}
	if len(towns) == 0 {
		return sum, fmt.Errorf("demo projects: the county has no township government")
	}
	heads := map[int64]int64{}
	for _, u := range c.Units {
		heads[u.ID] = u.HeadCadreID
	}
	actor := func(ui *unitInfo) context.Context {
		if ui.admin != nil && ui.admin.ID != 0 {
			return sanlian.NewContextWithUser(ctx, ui.admin)
		}
		return office
	}
	staff := func(ui *unitInfo) int64 {
		if len(ui.staff) == 0 {
			return 0
		}
		return ui.staff[rng.IntN(len(ui.staff))].ID
	}
	pickFate := func() int {
		w := rng.IntN(100)
		for f, x := range fateWeights {
			if w < x {
				return f
			}
			w -= x
		}
		return fateOnTrack
	}
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	// dates sets a plan's start and end for its fate, entered on a day
	// within the window's first span days.
	dates := func(p *projectPlan, span, minMonths, maxMonths int) {
		start := first.AddDate(0, 0, rng.IntN(span))
		end := start.AddDate(0, minMonths+rng.IntN(maxMonths-minMonths+1), 0)
		switch p.fate {
		case fatePlanned:
			start = midnight.AddDate(0, 0, 3+rng.IntN(28))
			end = start.AddDate(0, minMonths+rng.IntN(maxMonths-minMonths+1), 0)
			p.created = midnight.AddDate(0, 0, -1-rng.IntN(10))
		case fateLate:
			if start.After(midnight.AddDate(0, 0, -75)) {
				p.fate = fateOnTrack
			} else {
				end = midnight.AddDate(0, 0, -5-rng.IntN(40))
			}
		case fateStalled:
			if start.After(midnight.AddDate(0, 0, -90)) {
				p.fate = fateOnTrack
			}
		case fateDone:
			if start.After(midnight.AddDate(0, 0, -60)) {
				p.fate = fateOnTrack
			}
		}
		if (p.fate == fateOnTrack || p.fate == fateStalled) && end.Before(midnight.AddDate(0, 0, 15)) {
			end = midnight.AddDate(0, 0, 15+rng.IntN(100))
		}
		if p.fate != fatePlanned {
			p.created = start.Add(time.Duration(9+rng.IntN(8)) * time.Hour)
		}
		p.in.StartDate, p.in.EndDate = day(start), day(end)
	}

	var plans []*projectPlan
	add := func(p *projectPlan) bool {
		if len(plans) >= opt.Projects {
			return false
		}
		plans = append(plans, p)
		return true
	}
	townName := func(r *sanlian.Region) string { return strings.TrimSpace(r.Name) }
	for k, spec := range countyProjects {
		ui := lc.unit(spec.unit)
		if ui == nil || len(plans) >= opt.Projects {
			continue
		}
		leader := heads[ui.u.ID]
		person := staff(ui)
		if spec.mine && lc.demoCadre != 0 && lc.units[ui.u.ID].cadres[lc.demoCadre] != nil {
			person = lc.demoCadre
		}
		p := &projectPlan{spec: spec, as: actor(ui), fate: pickFate(), in: sanlian.ProjectInput{UnitID: ui.u.ID, Title: spec.title,
			Category: spec.category, Description: spec.desc, Target: spec.target, Measure: spec.measure, Beneficiaries: spec.benef,
			LeaderID: leader, PersonID: person, Status: sanlian.ProjectPlanned}}
		if k < 3 && p.fate == fatePlanned {
			p.fate = fateOnTrack // the list's best-known lines are under way
		}
		dates(p, 60, 5, 9)
		order := rng.Perm(len(towns))
		for _, i := range order[:min(3, len(order))] {
			p.places = append(p.places, townName(towns[i]))
		}
		if spec.split == 0 || !(len(plans)+1+min(spec.split, len(towns)) <= opt.Projects) {
			add(p)
			continue
		}
		n := min(spec.split, len(towns))
		if p.in.Target > 0 {
			p.in.Rollup = sanlian.RollupWeighted
		}
		if p.fate == fateStalled {
			p.fate = fateOnTrack // a stalled parent is one whose sub-projects all stall; keep it simple
		}
		add(p)
		shares := make([]float64, n)
		total := 0.0
		for i := range shares {
			shares[i] = 0.6 + rng.Float64()
			total += shares[i]
		}
		left := p.in.Target
		for k, i := range order[:n] {
			t := towns[i]
			cp := &projectPlan{spec: spec, as: p.as, parent: p, fate: p.fate, places: []string{}, in: p.in}
			cp.in.Title = spec.title + "（" + townName(t) + "）"
			cp.in.Description = townName(t) + "：" + spec.desc
			cp.in.Rollup, cp.in.PersonID = sanlian.RollupAverage, staff(ui)
			if p.in.Target > 0 {
				share := int64(math.Round(float64(p.in.Target) * shares[k] / total))
				if k == n-1 || share > left {
					share = left
				}
				left -= share
				cp.in.Target = max(share, 1)
				cp.in.Weight = max(1, min(100, int(math.Round(100*shares[k]/total))))
			}
			cp.places = append(cp.places, villages[t.Code]...)
			if len(cp.places) == 0 {
				cp.places = []string{townName(t)}
			}
			// A late parent has a sub-project or two done on time.
			if p.fate == fateLate && rng.IntN(3) == 0 {
				cp.fate = fateDone
			}
			add(cp)
			sum.SubProjects++
		}
	}
	for i := 0; len(plans) < opt.Projects; i++ {
		t := towns[i%len(towns)]
		spec := townshipProjects[(i+i/len(towns))%len(townshipProjects)]
		ui := lc.towns[t.Code]
		target := spec.target
		if target > 0 {
			target += rng.Int64N(spec.spread + 1)
		}
		p := &projectPlan{spec: spec, as: actor(ui), fate: pickFate(), places: villages[t.Code], in: sanlian.ProjectInput{UnitID: ui.u.ID,
			Title: fmt.Sprintf(spec.title, townName(t)), Category: spec.category, Description: spec.desc, Target: target,
			Measure: spec.measure, Beneficiaries: spec.benef, LeaderID: heads[ui.u.ID], PersonID: staff(ui), Status: sanlian.ProjectPlanned}}
		if len(p.places) == 0 {
			p.places = []string{townName(t)}
		}
		dates(p, 180, 2, 6)
		add(p)
	}
	// Sub-projects follow their parent's dates.
	for _, p := range plans {
		if p.parent != nil {
			p.in.StartDate, p.in.EndDate, p.created = p.parent.in.StartDate, p.parent.in.EndDate, p.parent.created.Add(time.Minute)
		}
	}

	events := make([]projectEvent, 0, 10*len(plans))
	hasChildren := map[*projectPlan]bool{}
	for _, p := range plans {
		if p.parent != nil {
			hasChildren[p.parent] = true
		}
	}
	lastDone := map[*projectPlan]time.Time{} // a parent is done once its last sub-project is
	for _, p := range plans {
		events = append(events, projectEvent{at: p.created, plan: p, created: true})
		if hasChildren[p] || p.fate == fatePlanned {
			continue
		}
		start, _ := time.ParseInLocation("2006-01-02", p.in.StartDate, sanlian.Shanghai)
		end, _ := time.ParseInLocation("2006-01-02", p.in.EndDate, sanlian.Shanghai)
		elapsed := func(t time.Time) float64 {
			return max(0, min(1, t.Sub(start).Hours()/math.Max(24, end.Sub(start).Hours())))
		}
		// stop is the last day of progress, reach the share of the target
		// reached by then.
		stop, reach := midnight.AddDate(0, 0, -1-rng.IntN(6)), 0.0
		switch p.fate {
		case fateDone:
			stop = end.AddDate(0, 0, -rng.IntN(20))
			if latest := midnight.AddDate(0, 0, -3-rng.IntN(25)); stop.After(latest) {
				stop = latest
			}
			reach = 1
		case fateOnTrack:
			reach = min(0.95, elapsed(stop)*(0.85+0.25*rng.Float64()))
		case fateLate:
			reach = 0.55 + 0.35*rng.Float64()
		case fateStalled:
			stop = midnight.AddDate(0, 0, -35-rng.IntN(40))
			reach = min(0.9, elapsed(stop)*(0.7+0.3*rng.Float64()))
		}
		if !stop.After(start) {
			stop = start.AddDate(0, 0, 1)
		}
		// One entry a month, on a working morning, the last on stop.
		var days []time.Time
		for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, sanlian.Shanghai); !m.After(stop); m = m.AddDate(0, 1, 0) {
			d := m.AddDate(0, 0, 4+rng.IntN(22))
			if d.After(start) && d.Before(stop) {
				days = append(days, d)
			}
		}
		days = append(days, stop)
		prev := 0.0
		var prevQty int64
		for k, d := range days {
			frac := reach * d.Sub(start).Hours() / math.Max(24, stop.Sub(start).Hours())
			frac = min(reach, max(prev, frac*(0.9+0.2*rng.Float64())))
			if k == len(days)-1 {
				frac = reach
			}
			prev = frac
			at := d.Add(time.Duration(9+rng.IntN(9))*time.Hour + time.Duration(rng.IntN(60))*time.Minute)
			in := &sanlian.ProgressInput{Date: day(d)}
			if p.in.Target > 0 {
				cum := int64(math.Round(frac * float64(p.in.Target)))
				in.Quantity = max(0, cum-prevQty)
				prevQty = max(prevQty, cum)
				in.Note = progressNote(rng, p, in.Quantity, prevQty)
			} else {
				pct := int(math.Round(100 * frac))
				in.Percent = &pct
				in.Note = percentNote(rng, p, pct)
			}
			events = append(events, projectEvent{at: at, plan: p, entry: in})
		}
		if p.fate == fateDone {
			at := stop.AddDate(0, 0, 1+rng.IntN(2)).Add(10 * time.Hour)
			if at.After(opt.Today) {
				at = opt.Today.Add(-time.Hour)
			}
			events = append(events, projectEvent{at: at, plan: p, done: true})
			if t, ok := lastDone[p.parent]; p.parent != nil && (!ok || at.After(t)) {
				lastDone[p.parent] = at
			}
		}
	}
	// A parent is done when every sub-project is.
	for parent, at := range lastDone {
		all := true
		for _, p := range plans {
			if p.parent == parent && p.fate != fateDone {
				all = false
			}
		}
		if all {
			events = append(events, projectEvent{at: at.Add(2 * time.Hour), plan: parent, done: true})
		}
	}
	slices.SortStableFunc(events, func(a, b projectEvent) int { return a.at.Compare(b.at) })

	for i, e := range events {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		setNow(e.at)
		p := e.plan
		switch {
		case e.created:
			in := p.in
			if p.parent != nil {
				in.ParentID = p.parent.id
			}
			out, err := svc.CreateProject(p.as, &in)
			if err != nil {
				return sum, fmt.Errorf("demo projects: step %d, project %q: %w %v", i+1, in.Title, err, sanlian.ErrorFields(err))
			}
			p.id = out.ID
			sum.Projects++
		case e.done:
			cur, err := svc.FindProjectByID(p.as, p.id)
			if err != nil {
				return sum, fmt.Errorf("demo projects: step %d: %w", i+1, err)
			}
			in := p.in
			in.ParentID, in.Status = cur.ParentID, sanlian.ProjectDone
			if _, err := svc.UpdateProject(p.as, p.id, &in, cur.Version); err != nil {
				return sum, fmt.Errorf("demo projects: step %d, %q done: %w %v", i+1, in.Title, err, sanlian.ErrorFields(err))
			}
		default:
			cur, err := svc.FindProjectByID(p.as, p.id)
			if err != nil {
				return sum, fmt.Errorf("demo projects: step %d: %w", i+1, err)
			}
			in := *e.entry
			in.Version = cur.Version
			if _, _, err := svc.AddProgress(p.as, p.id, &in); err != nil {
				return sum, fmt.Errorf("demo projects: step %d, progress on %q %s: %w %v", i+1, p.in.Title, in.Date, err, sanlian.ErrorFields(err))
			}
			sum.Entries++
		}
	}
	setNow(opt.Today)
	count := func(f sanlian.ProjectFilter) (int, error) {
		n := 0
		f.Limit = 500
		for {
			ps, next, err := svc.FindProjects(office, f)
			if err != nil {
				return 0, fmt.Errorf("demo projects: count: %w", err)
			}
			n += len(ps)
			if next == "" {
				return n, nil
			}
			f.Cursor = next
		}
	}
	if sum.Done, err = count(sanlian.ProjectFilter{Status: sanlian.ProjectDone}); err != nil {
		return sum, err
	}
	if sum.Overdue, err = count(sanlian.ProjectFilter{Overdue: true}); err != nil {
		return sum, err
	}
	if sum.Stalled, err = count(sanlian.ProjectFilter{Stalled: true}); err != nil {
		return sum, err
	}
	return sum, nil
}

// progressNote says what a month's quantity was, and where.
func progressNote(rng *rand.Rand, p *projectPlan, qty, cum int64) string {
	place := p.places[rng.IntN(len(p.places))]
	m, verb := p.in.Measure, p.spec.verb
	pct := 0
	if p.in.Target > 0 {
		pct = int(cum * 100 / p.in.Target)
	}
	q, c := strconv.FormatInt(qty, 10), strconv.FormatInt(cum, 10)
	if qty == 0 {
		return [...]string{
			"本月因天气和农忙影响，" + place + "的工作暂缓，已协调下月集中推进。",
			"本月主要开展前期摸底和资料核实，" + verb + "工作下月在" + place + "铺开。",
		}[rng.IntN(2)]
	}
	return [...]string{
		place + verb + q + m + "，累计完成" + c + m + "，占目标的" + strconv.Itoa(pct) + "%。",
		"组织专班深入" + place + "，" + verb + q + m + "，群众反映良好，台账已更新。",
		"本月" + verb + q + m + "（" + place + "等地），累计" + c + m + "；下一步加快进度，确保按期完成。",
		"协调资金和人员到位，在" + place + verb + q + m + "，现场照片和签收表已归档。",
	}[rng.IntN(4)]
}

// percentNote says where a project without a quantity stands.
func percentNote(rng *rand.Rand, p *projectPlan, pct int) string {
	place := p.places[rng.IntN(len(p.places))]
	var stage string
	switch {
	case pct >= 100:
		stage = "全部完工，已组织验收"
	case pct >= 80:
		stage = "主体完工，正在扫尾和配套建设"
	case pct >= 60:
		stage = "施工过半，" + place + "段已完成"
	case pct >= 40:
		stage = "完成招投标，施工队已在" + place + "进场"
	case pct >= 20:
		stage = "完成方案设计和预算评审"
	default:
		stage = "完成前期摸底，在" + place + "召开群众会征求意见"
	}
	return stage + "，总体进度约" + strconv.Itoa(pct) + "%。"
}
