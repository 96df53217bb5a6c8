package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"sanlian"
)

// DispatchMonths is how many monthly dispatch meetings LoadDispatches
// holds: one for each of the complete months before Today.
const DispatchMonths = 6

// DispatchOptions control the demo dispatch meetings.
type DispatchOptions struct {
	// Today is the generator's today: meetings are held over the
	// DispatchMonths months before its month, decisions reported on until
	// the day before, and the clock is left at Today. Zero means now.
	Today time.Time
	// Seed selects the decisions and their fates; 0 means DefaultSeed.
	Seed uint64
}

// decisionSpec is a decision the meeting may take. A county unit's names
// its unit; a township government's (unit "") goes to a township, %s in
// its text being the township.
type decisionSpec struct {
	unit string
	text string
	done string // the completion note when done
}

var dispatchDecisions = []decisionSpec{
	{"县民政局", "对本月回访不满意的低保、特困类问题逐件复查，重新答复群众", "复查不满意问题 14 件，重新入户答复，二次回访均为满意或基本满意。"},
	{"县民政局养老服务股", "两周内完成全县敬老院冬季取暖和消防设施检查", "检查敬老院 23 所，更换老化电线 6 处，补充灭火器 80 具。"},
	{"县人力资源和社会保障局", "对超期未办结的欠薪类问题实行专班督办，限期清零", "专班督办欠薪问题 9 件，为 126 名农民工追回工资 213 万元。"},
	{"县医疗保障局", "梳理群众反映的医保报销慢问题，压缩报销办理时限", "零星报销办理时限由 20 个工作日压缩到 10 个工作日。"},
	{"县卫生健康局", "组织乡镇卫生院对缺药问题开展专项排查并补齐目录", "排查卫生院 23 所，补齐常用药 41 种，建立缺药登记制度。"},
	{"县教育局", "解决部分村小学生上下学交通安全问题，落实护学岗", "在 17 所村小设立护学岗，协调增开校车线路 2 条。"},
	{"县交通运输局", "对群众反映集中的通村公路坑洼路段限期修补", "修补坑槽 3,200 平方米，涉及通村公路 46 公里。"},
	{"县水利局", "对饮水安全类超期问题逐件现场核查，制定解决方案", "现场核查 12 件，新建集中供水点 3 处，其余已接通管网。"},
	{"县住房和城乡建设局", "加快农村危房改造进度，月底前全部开工", "危房改造 23 户已全部开工，其中 15 户已竣工入住。"},
	{"县自然资源局", "集中化解一批不动产登记历史遗留问题", "集中化解 57 宗，现场发证 48 本。"},
	{"县生态环境局", "对群众投诉的养殖污染问题开展联合执法", "联合执法检查养殖场 31 家，责令整改 9 家，立案处罚 2 家。"},
	{"县市场监督管理局", "开展农村集市食品安全专项检查", "检查集市 26 个，下架过期食品 140 余件，立案 3 起。"},
	{"县农业农村局", "做好秋冬种农资保供和技术指导", "组织农技人员下乡 120 人次，调运化肥 800 吨。"},
	{"县信访局", "对重复来访问题逐一落实包案领导，限期化解", "重复来访问题 11 件全部落实包案领导，已化解 9 件。"},
	{"", "%s对超期未办结问题逐件分析原因，落实专人跟踪", "超期问题已逐件落实专人，办结率提高到 95% 以上。"},
	{"", "%s组织联村干部对本月不满意回访问题再次上门", "再次上门回访 18 户，问题已全部重新处理并答复。"},
	{"", "%s完成人居环境整治“回头看”，问题清单化销号", "“回头看”发现问题 36 个，已全部整改销号。"},
	{"", "%s做好独居老人冬季走访，确保取暖安全", "走访独居老人 312 人，发放取暖物资 200 余份。"},
}

var dispatchPlaces = []string{"县委二楼第一会议室", "县政府四楼常务会议室", "县行政中心一楼视频会议室"}

var dispatchRecords = []string{
	"会议通报了%s全县问题清单办理情况：本月新增问题 %d 件，交办 %d 件，办结 %d 件，截至会前仍有超期问题 %d 件。" +
		"会议指出，部分单位存在交办后响应不及时、办结后回访不满意等问题。会议要求：各单位主要负责人要亲自调度，对超期问题逐件过堂；" +
		"县“三联三清”办要加强督查，半月一通报；议定事项列入责任单位责任清单，按时限办结销号。",
	"会议听取了各乡镇和县直单位%s“我为群众办实事”工作汇报。本月全县新增问题 %d 件，交办 %d 件，办结 %d 件，超期 %d 件。" +
		"会议强调，要坚持问题导向，对群众反映集中的难点问题实行领导包案；对办理不力、群众不满意的单位予以通报；" +
		"各责任单位要在完成时限前报送落实情况。",
	"会议对%s“三联三清”工作进行调度。本月新增问题 %d 件，交办 %d 件，办结 %d 件，超期未办结 %d 件。" +
		"会议逐一研究了超期问题和停滞项目，明确了责任单位和完成时限；要求联系乡镇的县级领导下沉一线，帮助解决实际困难。",
}

// DispatchSummary is what LoadDispatches recorded, as things stand at the
// end.
type DispatchSummary struct {
	Meetings  int
	Decisions int
	Done      int
}

// String says the summary in one line of Chinese.
func (s DispatchSummary) String() string {
	return fmt.Sprintf("月度调度会 %d 次、议定事项 %d 项（已完成 %d 项）", s.Meetings, s.Decisions, s.Done)
}

// LoadDispatches holds a monthly dispatch meeting (每月一调度) at the end of
// each of the DispatchMonths months before opt.Today's month, as the
// office records it on the clock setNow moves: the record, with the
// month's numbers from the ledger, and three to six decisions with
// deadlines two to six weeks later, each put on its unit's responsibility
// list. Most decisions past their deadline are reported done, a few late;
// the rest are in hand.
func LoadDispatches(ctx context.Context, svc sanlian.DispatchService, resps sanlian.ResponsibilityService, setNow func(time.Time),
	c *sanlian.County, opt DispatchOptions) (DispatchSummary, error) {
	var sum DispatchSummary
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
		return sum, fmt.Errorf("demo dispatches: the county has no office account")
	}
	office := sanlian.NewContextWithUser(ctx, lc.office)
	rng := rand.New(rand.NewPCG(opt.Seed, 0xd15a))
	today := opt.Today.In(sanlian.Shanghai)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	thisMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, sanlian.Shanghai)

	var chair string // the county leader who chairs: the first linked to a township
	for _, l := range c.Links {
		if l.Kind == sanlian.LinkTownship && l.Active() {
			for _, x := range c.Cadres {
				if x.ID == l.CadreID {
					chair = x.Name
				}
			}
			break
		}
	}
	if chair == "" {
		chair = "县委常委、常务副县长"
	}
	var towns []*sanlian.Region
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionTownship && lc.towns[r.Code] != nil && len(lc.towns[r.Code].staff) > 0 {
			towns = append(towns, r)
		}
	}

	// A report on a decision's line: its state then, on the clock.
	type report struct {
		at    time.Time
		rid   int64
		state string
		note  string
	}
	var reports []report
	for m := DispatchMonths; m >= 1; m-- {
		start := thisMonth.AddDate(0, -m, 0)
		end := start.AddDate(0, 1, 0)
		month := start.Format("2006-01")
		// The meeting: one of the month's last working days, or the first
		// days of the next, in the afternoon.
		day := end.AddDate(0, 0, -1-rng.IntN(4))
		if rng.IntN(4) == 0 {
			day = end.AddDate(0, 0, rng.IntN(3))
		}
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, -1)
		}
		if !day.Before(midnight) {
			day = midnight.AddDate(0, 0, -1)
		}
		at := day.Add(15 * time.Hour)
		setNow(at)
		var created, assigned, resolved, overdue int
		rows, err := svc.DispatchProgress(office, month, sanlian.ByTownship)
		if err != nil {
			return sum, fmt.Errorf("demo dispatches: progress of %s: %w", month, err)
		}
		for _, r := range rows {
			created, assigned, resolved, overdue = created+r.Created, assigned+r.Assigned, resolved+r.Resolved, overdue+r.Overdue
		}
		label := fmt.Sprintf("%d月份", int(start.Month()))
		in := &sanlian.DispatchInput{MeetingDate: day.Format("2006-01-02"), Place: dispatchPlaces[rng.IntN(len(dispatchPlaces))],
			Chair: chair, Attendees: "县“三联三清”工作领导小组成员，县直各单位、各乡镇主要负责人",
			Record: fmt.Sprintf(dispatchRecords[rng.IntN(len(dispatchRecords))], label, created, assigned, resolved, overdue)}
		if _, err := svc.SaveDispatch(office, month, in, 0); err != nil {
			return sum, fmt.Errorf("demo dispatches: meeting of %s: %w %v", month, err, sanlian.ErrorFields(err))
		}
		sum.Meetings++

		n := 3 + rng.IntN(4)
		for _, i := range rng.Perm(len(dispatchDecisions)) {
			if n == 0 {
				break
			}
			spec := dispatchDecisions[i]
			var ui *unitInfo
			text := spec.text
			if spec.unit == "" {
				if len(towns) == 0 {
					continue
				}
				t := towns[rng.IntN(len(towns))]
				ui, text = lc.towns[t.Code], fmt.Sprintf(spec.text, t.Name)
			} else {
				ui = lc.unit(spec.unit)
			}
			if ui == nil || len(ui.staff) == 0 {
				continue
			}
			n--
			deadline := day.AddDate(0, 0, 14+rng.IntN(29))
			din := &sanlian.DecisionInput{Text: text, UnitID: ui.u.ID, PersonID: ui.staff[rng.IntN(len(ui.staff))].ID,
				LeaderID: ui.u.HeadCadreID, Deadline: deadline.Format("2006-01-02")}
			if din.LeaderID == din.PersonID {
				din.LeaderID = 0
			}
			x, err := svc.AddDecision(office, month, din)
			if err != nil {
				return sum, fmt.Errorf("demo dispatches: decision %q of %s: %w %v", text, month, err, sanlian.ErrorFields(err))
			}
			sum.Decisions++
			// Its fate: taken in hand within days; past the deadline most
			// are done, a few late; before it, some done early.
			taken := at.Add(time.Duration(1+rng.IntN(5))*24*time.Hour + time.Duration(rng.IntN(6))*time.Hour)
			if !taken.Before(midnight) {
				continue
			}
			reports = append(reports, report{at: taken, rid: x.ResponsibilityID, state: sanlian.RespOngoing})
			past, r := deadline.Before(midnight), rng.IntN(100)
			if past && r < 80 || !past && r < 20 {
				done := taken.Add(time.Duration(float64(deadline.Sub(taken)) * (0.5 + 0.6*rng.Float64())))
				if done.Before(midnight) {
					reports = append(reports, report{at: done, rid: x.ResponsibilityID, state: sanlian.RespDone, note: spec.done})
				}
			}
		}
	}

	// Reports in time order, by the office on the version it reads.
	slices.SortStableFunc(reports, func(a, b report) int { return a.at.Compare(b.at) })
	for _, rp := range reports {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		setNow(rp.at)
		x, err := resps.FindResponsibilityByID(office, rp.rid)
		if err != nil {
			return sum, fmt.Errorf("demo dispatches: line %d: %w", rp.rid, err)
		}
		in := sanlian.ResponsibilityInput{UnitID: x.UnitID, Task: x.Task, Source: x.Source, SourceID: x.SourceID, LeaderID: x.LeaderID,
			PersonID: x.PersonID, Measures: x.Measures, Deadline: x.Deadline, State: rp.state, CompletionNote: strings.TrimSpace(rp.note)}
		if rp.state != sanlian.RespDone {
			in.Measures = "召开专题会议研究落实，明确专人负责，每周报送进展。"
		}
		if _, err := resps.UpdateResponsibility(office, rp.rid, &in, x.Version); err != nil {
			return sum, fmt.Errorf("demo dispatches: report on line %d: %w %v", rp.rid, err, sanlian.ErrorFields(err))
		}
		if rp.state == sanlian.RespDone {
			sum.Done++
		}
	}
	setNow(opt.Today)
	return sum, nil
}
