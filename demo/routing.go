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

// rulesDaysBefore is how long before Today the demo county's office
// switched on its routing rules: older history was assigned by hand.
const rulesDaysBefore = 100

// countyRules are the categories a county department takes wherever the
// problem is: category → the department's name.
var countyRules = []struct{ category, unit string }{
	{"education", "县教育局"},
	{"transport", "县交通运输局"},
	{"elderly", "县民政局养老服务股"},
	{"housing", "县住房和城乡建设局"},
	{"food_drug", "县市场监督管理局"},
	{"employment", "县人力资源和社会保障局就业服务中心"},
	{"childcare", "县卫生健康局"},
}

// townshipCategories go to the township's government; the social security,
// business and policy fields have no rule and wait for the office.
var townshipCategories = []string{"construction", "rural"}

// routingRules are the demo county's rules: the county departments' fields
// county-wide, the local fields to each township's government, village
// roads to the government in a few mountain townships, and the towns'
// communities' construction problems to the city administration.
func routingRules(lc *ledgerCounty, county string) []*sanlian.RoutingRule {
	var out []*sanlian.RoutingRule
	for _, cr := range countyRules {
		if u := lc.unit(cr.unit); u != nil {
			out = append(out, &sanlian.RoutingRule{Category: cr.category, RegionCode: county, UnitID: u.u.ID, Active: true,
				Note: "县直部门主管领域"})
		}
	}
	codes := make([]string, 0, len(lc.towns))
	for code := range lc.towns {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for i, code := range codes {
		t := lc.towns[code]
		for _, cat := range townshipCategories {
			out = append(out, &sanlian.RoutingRule{Category: cat, RegionCode: code, UnitID: t.u.ID, Active: true, Note: "属地管理"})
		}
		if i%5 == 2 { // village roads kept by the township itself
			out = append(out, &sanlian.RoutingRule{Category: "transport", RegionCode: code, UnitID: t.u.ID, Active: true,
				Note: "村组道路由乡镇养护"})
		}
	}
	if cm := lc.unit("县城市管理和综合执法局"); cm != nil {
		for _, v := range lc.villages {
			if v.community {
				out = append(out, &sanlian.RoutingRule{Category: "construction", RegionCode: v.r.Code, UnitID: cm.u.ID, Active: true,
					Note: "城区社区市政设施"})
			}
		}
	}
	return out
}

// loadRules is the day the office switches its routing rules on.
func (s *sim) loadRules() error {
	for _, r := range routingRules(s.county, s.county.code) {
		if err := s.opt.Routing.SaveRoutingRule(s.office, r); err != nil {
			return fmt.Errorf("demo routing rule %s %s: %w %v", r.Category, r.RegionCode, err, sanlian.ErrorFields(err))
		}
		s.sum.Rules++
	}
	return nil
}

// routed takes up a problem a rule assigned on entry: the unit sends it
// back now and then when it belongs to another unit, else handles it as
// one the office assigned.
func (l *life) routed() error {
	r, s := l.r, l.s
	l.unit = s.county.units[l.p.UnitID]
	if l.unit == nil {
		return fmt.Errorf("demo problem %s: routed to unknown unit %d", l.p.Number, l.p.UnitID)
	}
	l.person = nil
	if l.p.PersonID != 0 {
		for _, x := range l.unit.staff {
			if x.ID == l.p.PersonID {
				l.person = x
			}
		}
	}
	l.drawPace()
	s.sum.Routed++
	if l.competent != nil && l.competent != l.unit && r.IntN(100) < 30 {
		l.at(l.before(s.work(l.now, uniform(r, 0.5, 6)), l.p.AcceptDue), l.sendToOffice)
		return nil
	}
	l.transfer = l.competent != nil && l.unit != l.competent && r.IntN(100) < 15
	return l.afterAssign()
}

// returnReasons are why a unit sends a routed problem back; {单位} is the
// competent unit.
var returnReasons = []string{
	"该事项属{单位}职责范围，本单位无执法（管理）权限，请重新派单",
	"经核实，问题涉及{单位}主管业务，建议交{单位}办理",
	"反映内容不属本单位职责，请县办公室改派{单位}",
}

// sendToOffice is the unit's return (退单); the office then assigns the
// problem to the unit whose business it is.
func (l *life) sendToOffice() error {
	reason := strings.ReplaceAll(pickStr(l.r, returnReasons), "{单位}", l.competent.u.Name)
	if err := l.act(l.unit.admin, sanlian.ActionReturn, sanlian.ActionRequest{Reason: reason}); err != nil {
		return err
	}
	l.s.sum.Returned++
	l.unit, l.person, l.returned = nil, nil, true
	l.at(l.s.work(l.now, uniform(l.r, 0.5, 7)), l.assign)
	return nil
}

// IntakeOptions control SettleIntake.
type IntakeOptions struct {
	Today time.Time
	Seed  uint64
	// Sources limits the problems settled to these sources; nil is all.
	Sources []string
	// Late is how many of the newest problems past their dispatch
	// deadline stay in the queue: the office's backlog.
	Late int
}

// SettleIntake leaves the office's queue as a working county's stands at
// 00:00 of today: what came in on the last working day waits, opt.Late
// are past their dispatch deadline, and the rest the office assigned to
// the township government of the place within a working day of entry,
// which signed for them within hours.
func SettleIntake(ctx context.Context, svc sanlian.ProblemService, setNow func(time.Time), c *sanlian.County, opt IntakeOptions) (IntakeSummary, error) {
	lc, err := indexCounty(c)
	if err != nil {
		return IntakeSummary{}, err
	}
	t := opt.Today.In(sanlian.Shanghai)
	end := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	office := sanlian.NewContextWithUser(ctx, lc.office)
	var waiting []*sanlian.Problem
	for cursor := ""; ; {
		ps, next, err := svc.FindProblems(office, sanlian.ProblemFilter{State: sanlian.StateSubmitted, Cursor: cursor, Limit: 500})
		if err != nil {
			return IntakeSummary{}, fmt.Errorf("demo intake: %w", err)
		}
		for _, p := range ps {
			if opt.Sources == nil || slices.Contains(opt.Sources, p.Source) {
				waiting = append(waiting, p)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	// Oldest first, so that the clock moves forward with each.
	slices.SortFunc(waiting, func(a, b *sanlian.Problem) int { return a.CreatedAt.Compare(b.CreatedAt) })
	dueOf := func(p *sanlian.Problem) time.Time {
		if p.AssignDue.IsZero() { // entered before the office's clock: a day
			return p.CreatedAt.AddDate(0, 0, 1)
		}
		return p.AssignDue
	}
	// The newest ones past their deadline are the office's backlog.
	backlog := map[int64]bool{}
	for i := len(waiting) - 1; i >= 0 && len(backlog) < opt.Late; i-- {
		if d := dueOf(waiting[i]); !d.After(end) && d.After(end.AddDate(0, 0, -10)) {
			backlog[waiting[i].ID] = true
		}
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0x696e74616b650000)) // "intake"
	var sum IntakeSummary
	defer setNow(end)
	for _, p := range waiting {
		due := dueOf(p)
		town := lc.towns[p.TownshipCode]
		if due.After(end) || backlog[p.ID] || town == nil {
			sum.Waiting++
			if !due.After(end) {
				sum.Late++
			}
			continue
		}
		at := p.CreatedAt.Add(time.Duration(uniform(r, 1, 20) * float64(time.Hour)))
		if at.After(due) {
			at = due.Add(-time.Duration(uniform(r, 1, 5) * float64(time.Hour)))
		}
		if !at.After(p.CreatedAt) {
			at = p.CreatedAt.Add(20 * time.Minute)
		}
		setNow(at)
		q, err := svc.Act(office, p.ID, sanlian.ActionAssign, sanlian.ActionRequest{Version: p.Version, UnitID: town.u.ID,
			Note: "属地管理，请" + town.u.Name + "核实办理"})
		if err != nil {
			return sum, fmt.Errorf("demo intake %s: assign: %w", p.Number, err)
		}
		sum.Assigned++
		accept := at.Add(time.Duration(uniform(r, 0.5, 6) * float64(time.Hour)))
		if accept.Before(end) && accept.Before(q.AcceptDue) {
			setNow(accept)
			if _, err := svc.Act(sanlian.NewContextWithUser(ctx, town.admin), q.ID, sanlian.ActionAccept,
				sanlian.ActionRequest{Version: q.Version, Note: "已签收，安排专人办理"}); err != nil {
				return sum, fmt.Errorf("demo intake %s: accept: %w", p.Number, err)
			}
		}
	}
	return sum, nil
}

// IntakeSummary is what SettleIntake did.
type IntakeSummary struct {
	Assigned int // assigned by the office
	Waiting  int // left in the queue
	Late     int // of which past the dispatch deadline
}

func (s IntakeSummary) String() string {
	return fmt.Sprintf("受理派单：县办公室补派 %d 件，待受理 %d 件，其中派单超时 %d 件", s.Assigned, s.Waiting, s.Late)
}
