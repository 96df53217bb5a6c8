package demo

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// DefaultProblems is the number of problems LoadProblems enters when
// ProblemOptions.Problems is 0.
const DefaultProblems = 1000

// ProblemOptions control the demo ledger.
type ProblemOptions struct {
	// Problems is the number of problems entered; 0 means DefaultProblems.
	Problems int
	// From is the first day problems are entered; zero means the first of
	// the month eight months before Today, so that the ledger holds recent
	// months of history whatever the date.
	From time.Time
	// Today is the generator's today: problems are entered up to the day
	// before, and the ledger is left as it stands at 00:00 of Today
	// (Asia/Shanghai). Zero means the current date.
	Today time.Time
	// Seed selects the history; 0 means DefaultSeed.
	Seed uint64
	// Public, when set, takes the problems from the portal and WeChat:
	// they come in through the people's side with a tracking code, and
	// most of their reporters rate the result themselves.
	Public sanlian.PublicService
	// Routing, when set, switches the county's routing rules on
	// rulesDaysBefore Today: later problems of a ruled category and place
	// are assigned on entry, and units send back some that are not theirs.
	Routing sanlian.RoutingService
}

func (o ProblemOptions) withDefaults() ProblemOptions {
	if o.Problems <= 0 {
		o.Problems = DefaultProblems
	}
	if o.Today.IsZero() {
		o.Today = time.Now()
	}
	if o.From.IsZero() {
		t := o.Today.In(sanlian.Shanghai)
		o.From = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, sanlian.Shanghai).AddDate(0, -8, 0)
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	return o
}

// ProblemSummary is what LoadProblems left on the ledger.
type ProblemSummary struct {
	Problems int                  // problems entered
	Actions  int                  // actions taken on them after entry
	States   []sanlian.StateCount // problems by state, in the order of sanlian.States
	Overdue  int                  // open and past a deadline at 00:00 of Today
	Merged   int                  // merged into another problem
	Rejected int                  // not taken on (不予受理)
	Reopened int                  // times sent back (unsatisfied callbacks and the office)
	// Transferred, Extended and Urgent count problems transferred to
	// another unit, given a later deadline, and entered as urgent.
	Transferred int
	Extended    int
	Urgent      int
	// Rules is how many routing rules the office switched on; Routed the
	// problems they assigned on entry, Returned those sent back.
	Rules, Routed, Returned int
}

// Count returns the number of problems in state.
func (s ProblemSummary) Count(state string) int {
	for _, c := range s.States {
		if c.State == state {
			return c.Count
		}
	}
	return 0
}

// String says the summary in one line of Chinese.
func (s ProblemSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "问题台账 %d 件（", s.Problems)
	first := true
	for _, c := range s.States {
		if c.Count == 0 {
			continue
		}
		if !first {
			b.WriteString("、")
		}
		first = false
		fmt.Fprintf(&b, "%s %d", sanlian.StateLabel(c.State), c.Count)
	}
	fmt.Fprintf(&b, "），逾期 %d 件，退回重办 %d 次，转办 %d 件，延期 %d 件，紧急 %d 件，共办理操作 %d 次",
		s.Overdue, s.Reopened, s.Transferred, s.Extended, s.Urgent, s.Actions)
	if s.Rules > 0 {
		fmt.Fprintf(&b, "；派单规则 %d 条，自动交办 %d 件，其中退单 %d 件", s.Rules, s.Routed, s.Returned)
	}
	return b.String()
}

// LoadProblems fills the problem ledger of county c, already loaded into
// the database behind svc, with opt.Problems problems entered between
// opt.From and the day before opt.Today, and the actions a county takes on
// them: the office assigns within a day or two, the unit accepts, passes
// some on to the competent unit, asks for more time on hard ones, resolves;
// the office calls back, sends unsatisfied ones back, closes the rest.
// Late units leave overdue items behind. Every step goes through svc as a
// realistic user, with the clock set by setNow to the step's time; the
// clock is left at 00:00 of opt.Today.
//
// The history depends only on c and opt: the same county, options and an
// empty ledger give the same problems, numbers and timelines.
func LoadProblems(ctx context.Context, svc sanlian.ProblemService, setNow func(time.Time), c *sanlian.County, opt ProblemOptions) (ProblemSummary, error) {
	opt = opt.withDefaults()
	s, err := newSim(ctx, svc, setNow, c, opt)
	if err != nil {
		return ProblemSummary{}, err
	}
	if err := s.run(); err != nil {
		return ProblemSummary{}, err
	}
	return s.summary()
}

// Random streams of the ledger, apart from the county's.
const (
	streamPlans    = 0x70726f626c656d00 // "problem\x00"
	streamProblems = 0x6c69666500000000 // "life": one per problem
	streamSlow     = 0x736c6f7700000000 // "slow": the slow units
)

// slowPercent is the share of units that are slow with their items: the
// units a bulletin criticises.
const slowPercent = 15

// Office hours, by which people act on the ledger.
const (
	officeOpen  = 8*time.Hour + 30*time.Minute
	officeHours = 9.0 // to 17:30
)

// sim is the ledger while its history is played.
type sim struct {
	ctx    context.Context
	svc    sanlian.ProblemService
	setNow func(time.Time)
	opt    ProblemOptions
	cal    *sanlian.Calendar
	end    time.Time // 00:00 of Today: nothing happens from then on

	county *ledgerCounty
	office context.Context
	ctxs   map[*sanlian.User]context.Context

	slow  map[*unitInfo]bool
	lives []*life
	queue queue
	seq   int // events scheduled, to order those at the same time
	sum   ProblemSummary
}

// ledgerCounty indexes the county for the ledger.
type ledgerCounty struct {
	villages  []*villageInfo
	units     map[int64]*unitInfo
	byName    map[string]*unitInfo // by the unit's name in the county
	local     func(string) string  // a name of the Anhua tables in the county (localName)
	towns     map[string]*unitInfo // township code → its government
	byCode    map[string]*villageInfo
	hhCadre   map[int64]*sanlian.Cadre
	office    *sanlian.User
	code      string               // the county's region code
	demoCadre int64                // the cadre behind the demo "cadre" account
	demoHH    []*sanlian.Household // the households the demo cadre is linked to
}

type villageInfo struct {
	r          *sanlian.Region
	households []*sanlian.Household
	units      []*unitInfo // linked to it
	town       *unitInfo   // its township's government
	secretary  *sanlian.Cadre
	community  bool
}

type unitInfo struct {
	u      *sanlian.Unit
	head   string
	staff  []*sanlian.Cadre // not county-level leaders
	subs   []*unitInfo
	admin  *sanlian.User
	cadres map[int64]*sanlian.User // acting users of its cadres, made on demand
}

func newSim(ctx context.Context, svc sanlian.ProblemService, setNow func(time.Time), c *sanlian.County, opt ProblemOptions) (*sim, error) {
	today := opt.Today.In(sanlian.Shanghai)
	end := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	from := opt.From.In(sanlian.Shanghai)
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	if !from.Before(end) {
		return nil, fmt.Errorf("demo problems: from %s is not before today %s", from.Format(time.DateOnly), end.Format(time.DateOnly))
	}
	opt.From = from
	lc, err := indexCounty(c)
	if err != nil {
		return nil, err
	}
	s := &sim{ctx: ctx, svc: svc, setNow: setNow, opt: opt, end: end, county: lc,
		cal: sanlian.NewCalendar(sanlian.OfficialCalendar()), ctxs: map[*sanlian.User]context.Context{}}
	s.office = s.as(lc.office)
	r := rand.New(rand.NewPCG(opt.Seed, streamSlow))
	s.slow = map[*unitInfo]bool{}
	for _, u := range c.Units {
		if r.IntN(100) < slowPercent {
			s.slow[lc.units[u.ID]] = true
		}
	}
	s.plan()
	if opt.Routing != nil {
		// The rules are switched on before the day's first entry.
		on := end.AddDate(0, 0, -rulesDaysBefore).Add(8 * time.Hour)
		if on.Before(from) {
			on = from
		}
		s.push(on, &life{s: s, r: rand.New(rand.NewPCG(opt.Seed, streamPlans))}, s.loadRules)
	}
	return s, nil
}

// unit is the county's unit of a name in the Anhua tables (nil if none).
func (lc *ledgerCounty) unit(name string) *unitInfo { return lc.byName[lc.local(name)] }

// indexCounty finds in c what the ledger needs: the villages with their
// households and linked units, the units' staff, household links and the
// demo accounts, whose IDs LoadCounty filled.
func indexCounty(c *sanlian.County) (*ledgerCounty, error) {
	lc := &ledgerCounty{units: map[int64]*unitInfo{}, byName: map[string]*unitInfo{}, towns: map[string]*unitInfo{},
		hhCadre: map[int64]*sanlian.Cadre{}, local: func(name string) string { return localName(c, name) }}
	cadres := map[int64]*sanlian.Cadre{}
	for _, x := range c.Cadres {
		cadres[x.ID] = x
	}
	for _, u := range c.Units {
		ui := &unitInfo{u: u, cadres: map[int64]*sanlian.User{}}
		if h := cadres[u.HeadCadreID]; h != nil {
			ui.head = h.Name
		}
		lc.units[u.ID] = ui
		lc.byName[u.Name] = ui
		if u.TownshipCode != "" {
			lc.towns[u.TownshipCode] = ui
		}
	}
	for _, u := range c.Units {
		if p := lc.units[u.ParentID]; p != nil {
			p.subs = append(p.subs, lc.units[u.ID])
		}
	}
	for _, x := range c.Cadres {
		if ui := lc.units[x.UnitID]; ui != nil && !x.IsLeader {
			ui.staff = append(ui.staff, x)
		}
	}
	villages := map[string]*villageInfo{}
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionCounty && lc.code == "" {
			lc.code = r.Code
		}
		if r.Kind == sanlian.RegionVillage {
			v := &villageInfo{r: r, town: lc.towns[r.ParentCode]}
			if v.town != nil {
				for _, x := range v.town.staff {
					if x.Post == r.Name+"党支部书记" {
						v.secretary = x
					}
				}
			}
			villages[r.Code] = v
			lc.villages = append(lc.villages, v)
			v.community = strings.HasSuffix(r.Name, "社区")
		}
	}
	if len(lc.villages) == 0 {
		return nil, fmt.Errorf("demo problems: the county has no village")
	}
	for _, h := range c.Households {
		if v := villages[h.VillageCode]; v != nil {
			v.households = append(v.households, h)
		}
	}
	for _, l := range c.Links {
		if !l.Active() {
			continue
		}
		switch l.Kind {
		case sanlian.LinkVillage:
			if v, u := villages[l.RegionCode], lc.units[l.UnitID]; v != nil && u != nil {
				v.units = append(v.units, u)
			}
		case sanlian.LinkHousehold:
			if lc.hhCadre[l.HouseholdID] == nil {
				lc.hhCadre[l.HouseholdID] = cadres[l.CadreID]
			}
		}
	}
	for _, a := range c.Accounts {
		u := a.User
		switch u.Role {
		case sanlian.RoleOffice:
			if lc.office == nil {
				lc.office = u
			}
		case sanlian.RoleUnitAdmin:
			if ui := lc.units[u.UnitID]; ui != nil && ui.admin == nil {
				ui.admin = u
			}
		case sanlian.RoleCadre:
			if x := cadres[u.CadreID]; x != nil {
				if ui := lc.units[x.UnitID]; ui != nil && ui.cadres[x.ID] == nil {
					ui.cadres[x.ID] = u
					if lc.demoCadre == 0 {
						lc.demoCadre = x.ID
					}
				}
			}
		}
	}
	lc.byCode = villages
	if lc.demoCadre != 0 {
		for _, h := range c.Households {
			if x := lc.hhCadre[h.ID]; x != nil && x.ID == lc.demoCadre && villages[h.VillageCode] != nil {
				lc.demoHH = append(lc.demoHH, h)
			}
		}
	}
	if lc.office == nil {
		lc.office = &sanlian.User{Username: "office", DisplayName: "县三联三清工作办公室", Role: sanlian.RoleOffice}
	}
	for _, u := range c.Units {
		if ui := lc.units[u.ID]; ui.admin == nil {
			name := ui.head
			if name == "" {
				name = ui.u.Name
			}
			ui.admin = &sanlian.User{Username: name, DisplayName: ui.u.Name + " " + name, Role: sanlian.RoleUnitAdmin, UnitID: ui.u.ID}
		}
	}
	return lc, nil
}

// cadreUser returns the acting user of cadre x of unit u: the demo account
// when x has one, else a user made for the ledger.
func (u *unitInfo) cadreUser(x *sanlian.Cadre) *sanlian.User {
	if cu := u.cadres[x.ID]; cu != nil {
		return cu
	}
	cu := &sanlian.User{Username: x.Name, DisplayName: u.u.Name + " " + x.Name, Role: sanlian.RoleCadre, UnitID: u.u.ID, CadreID: x.ID}
	u.cadres[x.ID] = cu
	return cu
}

// as returns a context acting as u.
func (s *sim) as(u *sanlian.User) context.Context {
	if c, ok := s.ctxs[u]; ok {
		return c
	}
	c := sanlian.NewContextWithUser(s.ctx, u)
	s.ctxs[u] = c
	return c
}

// plan is a problem to enter: when, what, where and from whom.
type plan struct {
	at        time.Time
	text      *problemText
	village   *villageInfo
	household *sanlian.Household
	source    string
	dup       *plan // the earlier problem this one repeats
	order     int   // draw order, to break ties in time
	life      *life
}

// Weights of the categories: how often each field comes up.
var categoryWeights = []weighted{
	{"transport", 12}, {"construction", 14}, {"social_health", 12}, {"rural", 11}, {"elderly", 9}, {"policy", 9},
	{"employment", 8}, {"education", 7}, {"housing", 7}, {"childcare", 4}, {"food_drug", 4}, {"business", 4},
}

var sourceWeights = []weighted{
	{sanlian.SourceVisit, 62}, {sanlian.SourceHotline, 12}, {sanlian.SourceWechat, 10}, {sanlian.SourcePortal, 8},
	{sanlian.SourceLetter, 5}, {sanlian.SourceOther, 3},
}

// dupPerMille is the share of problems that repeat an earlier one of the
// same village.
const dupPerMille = 40

// plan draws the problems and sorts them by time of entry.
func (s *sim) plan() {
	r := rand.New(rand.NewPCG(s.opt.Seed, streamPlans))
	byCat := map[string][]*problemText{}
	for i := range problemTexts {
		t := &problemTexts[i]
		byCat[t.category] = append(byCat[t.category], t)
	}
	// Days weighted: the 2021 campaign and the last months are busier,
	// rest days quieter.
	var days []time.Time
	var cum []float64
	total := 0.0
	campaignEnd := date(2022, 1, 1, 0, 0)
	for d := s.opt.From; d.Before(s.end); d = d.AddDate(0, 0, 1) {
		w := 1.0
		if d.Before(campaignEnd) {
			w = 3
		}
		if left := s.end.Sub(d); left <= 120*24*time.Hour {
			w = max(w, 5)
		} else if left <= 365*24*time.Hour {
			w = max(w, 2.5)
		}
		if !s.cal.IsWorkday(d) {
			w *= 0.35
		}
		total += w
		days = append(days, d)
		cum = append(cum, total)
	}
	// Villages weighted by households; communities apart, for the
	// problems only they have.
	var vcum, ccum []float64
	var comms []*villageInfo
	vt, ct := 0.0, 0.0
	for _, v := range s.county.villages {
		vt += 1 + float64(len(v.households))
		vcum = append(vcum, vt)
		if v.community {
			ct += 1 + float64(len(v.households))
			ccum = append(ccum, ct)
			comms = append(comms, v)
		}
	}
	pick := func(cum []float64, total float64) int {
		x := r.Float64() * total
		i, _ := slices.BinarySearch(cum, x)
		return min(i, len(cum)-1)
	}
	n := s.opt.Problems
	nDup := n * dupPerMille / 1000
	plans := make([]*plan, 0, n)
	for len(plans) < n-nDup {
		p := &plan{order: len(plans), source: draw(r, sourceWeights)}
		texts := byCat[draw(r, categoryWeights)]
		p.text = texts[r.IntN(len(texts))]
		p.village = s.county.villages[pick(vcum, vt)]
		if p.text.flags&urban != 0 && len(comms) > 0 {
			p.village = comms[pick(ccum, ct)]
		}
		p.household = s.pickHousehold(r, p.village)
		// Now and then a household of the demo cadre, who enters it: the
		// "cadre" account has problems of its own.
		if hh := s.county.demoHH; p.source == sanlian.SourceVisit && len(hh) > 0 && p.text.flags&urban == 0 && r.IntN(100) < 3 {
			p.household = hh[r.IntN(len(hh))]
			p.village = s.county.byCode[p.household.VillageCode]
		}
		p.at = s.timeOfDay(r, days[pick(cum, total)], p.source)
		plans = append(plans, p)
	}
	base := len(plans)
	for tries := 0; len(plans) < n && tries < 50*n; tries++ {
		b := plans[r.IntN(base)]
		at := b.at.Add(2*time.Hour + time.Duration(r.Int64N(int64(12*24*time.Hour))))
		if !at.Before(s.end) {
			continue
		}
		src := draw(r, []weighted{{sanlian.SourceVisit, 40}, {sanlian.SourceHotline, 30}, {sanlian.SourceWechat, 20}, {sanlian.SourcePortal, 10}})
		p := &plan{order: len(plans), source: src, text: b.text, village: b.village, dup: b,
			household: s.pickHousehold(r, b.village), at: s.timeOfDay(r, at, src)}
		if !p.at.After(b.at) || !p.at.Before(s.end) {
			p.at = at
		}
		plans = append(plans, p)
	}
	slices.SortStableFunc(plans, func(a, b *plan) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.order - b.order
	})
	for i, p := range plans {
		l := &life{s: s, i: i, plan: p, r: rand.New(rand.NewPCG(s.opt.Seed, streamProblems^uint64(i+1)*0x9e3779b97f4a7c15))}
		p.life = l
		s.lives = append(s.lives, l)
		s.push(p.at, l, l.create)
	}
}

// pickHousehold draws the reporter's household in v.
func (s *sim) pickHousehold(r *rand.Rand, v *villageInfo) *sanlian.Household {
	if len(v.households) == 0 {
		return nil
	}
	return v.households[r.IntN(len(v.households))]
}

// timeOfDay places an entry on day d at an hour its source keeps: visits
// and letters in office hours, the hotline into the evening, the portal
// and WeChat at any waking hour. d may carry a time already; only its
// date counts.
func (s *sim) timeOfDay(r *rand.Rand, d time.Time, source string) time.Time {
	d = d.In(sanlian.Shanghai)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	var from, to time.Duration
	switch source {
	case sanlian.SourceHotline:
		from, to = 8*time.Hour, 20*time.Hour
	case sanlian.SourcePortal, sanlian.SourceWechat:
		from, to = 7*time.Hour, 23*time.Hour+30*time.Minute
	default:
		from, to = 9*time.Hour, 17*time.Hour+30*time.Minute
	}
	return d.Add(from + time.Duration(r.Int64N(int64(to-from))).Truncate(time.Second))
}

// snap moves t into office hours: itself when inside them, else the next
// opening.
func (s *sim) snap(t time.Time) time.Time {
	t = t.In(sanlian.Shanghai)
	for {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, sanlian.Shanghai)
		open, shut := day.Add(officeOpen), day.Add(officeOpen+time.Duration(officeHours*float64(time.Hour)))
		switch {
		case !s.cal.IsWorkday(day) || !t.Before(shut):
			t = day.AddDate(0, 0, 1).Add(officeOpen)
		case t.Before(open):
			return open
		default:
			return t
		}
	}
}

// work returns the time h office hours after t.
func (s *sim) work(t time.Time, h float64) time.Time {
	t = s.snap(t)
	for {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, sanlian.Shanghai)
		shut := day.Add(officeOpen + time.Duration(officeHours*float64(time.Hour)))
		left := shut.Sub(t).Hours()
		if h < left {
			return t.Add(time.Duration(h * float64(time.Hour))).Truncate(time.Second)
		}
		h -= left
		t = s.snap(shut)
	}
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func pickStr(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// event is a step of a problem's life, due at a time.
type event struct {
	at   time.Time
	seq  int
	life *life
	step func() error
}

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if c := q[i].at.Compare(q[j].at); c != 0 {
		return c < 0
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// push schedules step of l at t; steps from 00:00 of Today on never
// happen, and the problem stays as it is.
func (s *sim) push(t time.Time, l *life, step func() error) {
	if !t.Before(s.end) {
		return
	}
	s.seq++
	heap.Push(&s.queue, &event{at: t, seq: s.seq, life: l, step: step})
}

// run plays the history in time order.
func (s *sim) run() error {
	for s.queue.Len() > 0 {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		e := heap.Pop(&s.queue).(*event)
		e.life.now = e.at
		s.setNow(e.at)
		if err := e.step(); err != nil {
			return err
		}
	}
	s.setNow(s.end)
	return nil
}

func (s *sim) summary() (ProblemSummary, error) {
	sum := s.sum
	sum.Problems = len(s.lives)
	states, err := s.svc.CountProblemsByState(s.office, sanlian.ProblemFilter{})
	if err != nil {
		return ProblemSummary{}, fmt.Errorf("demo problems: count: %w", err)
	}
	sum.States = states
	for _, l := range s.lives {
		if l.p == nil {
			continue
		}
		if l.p.IsOverdue(s.end) {
			sum.Overdue++
		}
		sum.Reopened += l.p.Reopened
		switch l.p.State {
		case sanlian.StateMerged:
			sum.Merged++
		case sanlian.StateRejected:
			sum.Rejected++
		}
		if l.transferred {
			sum.Transferred++
		}
		if l.extended {
			sum.Extended++
		}
		if l.p.Urgency == sanlian.UrgencyUrgent {
			sum.Urgent++
		}
	}
	return sum, nil
}

// How a unit keeps time with an item.
const (
	onTime = iota
	late   // past the deadline, then done
	stuck  // long past the deadline: the ledger's overdue items
)

// life is one problem's course through the ledger.
type life struct {
	s    *sim
	i    int
	plan *plan
	r    *rand.Rand
	p    *sanlian.Problem
	now  time.Time

	unit      *unitInfo // responsible now
	competent *unitInfo // whose business it really is
	person    *sanlian.Cadre
	visitor   *sanlian.Cadre // the linked cadre who entered it on a visit

	acceptPace, resolvePace int
	transfer                bool // will be passed on to the competent unit
	askExtension            bool
	rounds                  int    // resolutions so far
	code                    string // the tracking code, from the people's side
	phone                   string // the reporter's phone given with it
	transferred, extended   bool
	officeReopened          bool
	returned                bool // sent back by the unit a rule chose
}

func (l *life) at(t time.Time, step func() error) {
	if !t.After(l.now) {
		t = l.now.Add(time.Duration(1+l.r.IntN(15)) * time.Minute)
	}
	l.s.push(t, l, step)
}

// act takes action on the problem as u.
func (l *life) act(u *sanlian.User, action string, req sanlian.ActionRequest) error {
	req.Version = l.p.Version
	p, err := l.s.svc.Act(l.s.as(u), l.p.ID, action, req)
	if err != nil {
		return fmt.Errorf("demo problem %s: %s as %s (%s) in state %s at %s: %w %v", l.p.Number, action, u.DisplayName, u.Role,
			l.p.State, l.now.In(sanlian.Shanghai).Format("2006-01-02 15:04"), err, sanlian.ErrorFields(err))
	}
	l.p = p
	l.s.sum.Actions++
	return nil
}

func (l *life) fill(s string) string {
	return strings.NewReplacer("{村}", l.plan.village.r.Name, "{组}", strconv.Itoa(1+l.r.IntN(12))).Replace(s)
}

// create enters the problem: a visit by the household's cadre (or the
// township government when it has none), other sources by the office.
func (l *life) create() error {
	s, p, r := l.s, l.plan, l.r
	t := p.text
	in := &sanlian.ProblemInput{Source: p.source, Category: t.category, VillageCode: p.village.r.Code, Title: t.title,
		Description: l.fill(t.desc), Urgency: sanlian.UrgencyNormal}
	if p.dup != nil {
		in.Description = l.fill(pickStr(r, dupOpenings)) + in.Description
	}
	if t.flags&mayBeUrgent != 0 && r.IntN(100) < 20 || r.IntN(1000) < 5 {
		in.Urgency = sanlian.UrgencyUrgent
	}
	creator := s.county.office
	if h := p.household; h != nil {
		in.ReporterName = h.HeadName
		in.ReporterPhone = h.Phone
		switch p.source {
		case sanlian.SourceVisit:
			in.HouseholdID = h.ID
			if x := s.county.hhCadre[h.ID]; x != nil && !x.IsLeader {
				creator = s.county.units[x.UnitID].cadreUser(x)
				l.visitor = x
			} else if p.village.town != nil && slices.Contains(p.village.units, p.village.town) {
				creator = p.village.town.admin
			}
		case sanlian.SourcePortal, sanlian.SourceWechat:
			if r.IntN(100) < 25 {
				in.ReporterName = "网友"
				if p.source == sanlian.SourceWechat {
					in.ReporterName = "微信用户"
				}
			}
		}
	}
	var created *sanlian.Problem
	var err error
	if pub := s.opt.Public; pub != nil && (p.source == sanlian.SourcePortal || p.source == sanlian.SourceWechat) {
		created, err = l.submit(pub, in)
	} else {
		created, err = s.svc.CreateProblem(s.as(creator), in)
	}
	if err != nil {
		return fmt.Errorf("demo problem %d (%s, %s): create as %s: %w %v", l.i+1, t.title, p.village.r.Name, creator.DisplayName,
			err, sanlian.ErrorFields(err))
	}
	l.p = created

	// The course this problem will take.
	l.competent = s.county.unit(t.unit)
	if l.competent == nil {
		l.competent = p.village.town
	}
	if created.State == sanlian.StateAssigned { // a routing rule took it
		return l.routed()
	}

	// The office looks at new entries within a day or two; sooner when urgent.
	h := uniform(r, 1, 14)
	if in.Urgency == sanlian.UrgencyUrgent {
		h = uniform(r, 0.2, 2)
	}
	next := s.work(l.now, h)
	switch {
	case p.dup != nil && r.IntN(100) < 75:
		l.at(s.work(l.now, uniform(r, 0.3, 6)), l.merge)
	case p.dup == nil && r.IntN(1000) < 25:
		l.at(next, l.reject)
	default:
		l.at(next, l.assign)
	}
	return nil
}

// drawPace draws how the responsible unit will keep time with the item:
// a slow unit is late more often and leaves more items long overdue, as
// do hard items, which need money or works.
func (l *life) drawPace() {
	r := l.r
	hardOne := l.plan.text.flags&hard != 0
	switch slow := l.s.slow[l.unit]; {
	case slow && hardOne:
		l.acceptPace, l.resolvePace = pace(r, 70, 18), pace(r, 20, 25)
	case slow:
		l.acceptPace, l.resolvePace = pace(r, 70, 18), pace(r, 35, 25)
	case hardOne:
		l.acceptPace, l.resolvePace = pace(r, 91, 7), pace(r, 48, 20)
	default:
		l.acceptPace, l.resolvePace = pace(r, 91, 7), pace(r, 78, 10)
	}
	if l.resolvePace != onTime {
		l.askExtension = r.IntN(100) < 45
	} else {
		l.askExtension = r.IntN(100) < 4
	}
}

// pace draws on time, late or stuck, by per cent.
func pace(r *rand.Rand, onTimePct, latePct int) int {
	switch x := r.IntN(100); {
	case x < onTimePct:
		return onTime
	case x < onTimePct+latePct:
		return late
	}
	return stuck
}

func (l *life) merge() error {
	into := l.plan.dup.life
	if into.p == nil || !slices.Contains([]string{sanlian.StateSubmitted, sanlian.StateAssigned, sanlian.StateAccepted}, into.p.State) {
		return l.assign() // the first one is done with: this one goes its own way
	}
	if err := l.act(l.s.county.office, sanlian.ActionMerge, sanlian.ActionRequest{Into: into.p.ID, Note: "同一事项重复反映，合并办理"}); err != nil {
		return err
	}
	p, err := l.s.svc.FindProblemByID(l.s.office, into.p.ID)
	if err != nil {
		return fmt.Errorf("demo problem %s: read after merge: %w", into.p.Number, err)
	}
	into.p = p
	return nil
}

func (l *life) reject() error {
	return l.act(l.s.county.office, sanlian.ActionReject, sanlian.ActionRequest{Reason: pickStr(l.r, rejectReasons)})
}

// chooseUnit picks the responsible unit as the office would: the
// competent unit when it is linked to the village, else mostly the
// township government, sometimes the competent department anyway, or a
// unit linked to the village.
func (l *life) chooseUnit() *unitInfo {
	r, v := l.r, l.plan.village
	if l.competent != nil && slices.Contains(v.units, l.competent) && r.IntN(100) < 85 {
		return l.competent
	}
	x := r.IntN(100)
	switch {
	case x < 55 && v.town != nil:
		return v.town
	case x < 85 && l.competent != nil:
		return l.competent
	case len(v.units) > 0:
		return v.units[r.IntN(len(v.units))]
	case v.town != nil:
		return v.town
	}
	return l.competent
}

// choosePerson picks a cadre of u to answer for the item: the village's
// party secretary for a township, the demo cadre now and then in their
// unit, else anyone of the staff but the head.
func (l *life) choosePerson(u *unitInfo) *sanlian.Cadre {
	r := l.r
	if len(u.staff) == 0 {
		return nil
	}
	if sec := l.plan.village.secretary; sec != nil && sec.UnitID == u.u.ID && r.IntN(100) < 35 {
		return sec
	}
	if d := l.s.county.demoCadre; d != 0 && r.IntN(100) < 35 {
		for _, x := range u.staff {
			if x.ID == d {
				return x
			}
		}
	}
	if len(u.staff) > 1 {
		return u.staff[1+r.IntN(len(u.staff)-1)]
	}
	return u.staff[0]
}

func (l *life) assign() error {
	r, s := l.r, l.s
	u := l.chooseUnit()
	if l.returned && l.competent != nil { // the unit said whose it is
		u = l.competent
	}
	// The cadre who heard it on a visit often answers for it, when their
	// unit works in the village; the demo cadre mostly does.
	if x := l.visitor; x != nil {
		vu, pct := s.county.units[x.UnitID], 20
		if x.ID == s.county.demoCadre {
			pct = 60
		}
		if slices.Contains(l.plan.village.units, vu) && r.IntN(100) < pct {
			u, l.person = vu, x
		}
	}
	if u == nil {
		return l.reject()
	}
	l.unit = u
	l.drawPace()
	l.transfer = l.competent != nil && u != l.competent && r.IntN(100) < 15
	req := sanlian.ActionRequest{UnitID: u.u.ID, Note: pickStr(r, assignNotes)}
	if l.person == nil && r.IntN(100) < 45 {
		l.person = l.choosePerson(u)
	}
	if l.person != nil {
		req.PersonID = l.person.ID
		req.Note = "请" + l.person.Name + "同志负责办理"
	}
	if err := l.act(s.county.office, sanlian.ActionAssign, req); err != nil {
		return err
	}
	return l.afterAssign()
}

// afterAssign schedules what a unit does with an item just given to it.
func (l *life) afterAssign() error {
	r, s := l.r, l.s
	switch {
	case l.transfer && r.IntN(100) < 50:
		l.at(s.work(l.now, uniform(r, 1, 6)), l.passOn)
	case l.person == nil && r.IntN(100) < 60:
		l.at(s.work(l.now, uniform(r, 0.3, 4)), l.dispatch)
	default:
		l.at(l.acceptTime(), l.accept)
	}
	return nil
}

// acceptTime is when the unit signs for the item, by its pace.
func (l *life) acceptTime() time.Time {
	r, s, due := l.r, l.s, l.p.AcceptDue
	switch l.acceptPace {
	case late:
		return s.work(due, uniform(r, 1, 16))
	case stuck:
		return s.work(due, uniform(r, 5, 60)*officeHours)
	}
	return l.before(s.work(l.now, uniform(r, 0.2, 7)), due)
}

// before returns t, or a moment before due when t is not.
func (l *life) before(t, due time.Time) time.Time {
	if t.Before(due) {
		return t
	}
	lo := due.Add(-7 * time.Hour)
	if lo.Before(l.now) {
		lo = l.now
	}
	return lo.Add(time.Duration(l.r.Float64() * float64(due.Sub(lo)) * 0.9)).Truncate(time.Second)
}

// dispatch: the unit admin names the person who answers for the item,
// sometimes in a sub-unit.
func (l *life) dispatch() error {
	r := l.r
	u := l.unit
	if len(u.subs) > 0 && r.IntN(100) < 30 {
		u = u.subs[r.IntN(len(u.subs))]
	}
	x := l.choosePerson(u)
	if x == nil {
		if l.p.State == sanlian.StateAssigned {
			return l.acceptBy(l.unit.admin)
		}
		return l.planResolve()
	}
	by := l.unit.admin
	if err := l.act(by, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: u.u.ID, PersonID: x.ID, Note: "请" + x.Name + "同志负责办理"}); err != nil {
		return err
	}
	l.unit, l.person = u, x
	if l.p.State == sanlian.StateAssigned {
		l.at(l.acceptTime(), l.accept)
		return nil
	}
	return l.planResolve()
}

func (l *life) accept() error {
	by := l.unit.admin
	if l.person != nil {
		by = l.unit.cadreUser(l.person)
	}
	return l.acceptBy(by)
}

func (l *life) acceptBy(by *sanlian.User) error {
	r, s := l.r, l.s
	if err := l.act(by, sanlian.ActionAccept, sanlian.ActionRequest{Note: pickStr(r, acceptNotes)}); err != nil {
		return err
	}
	switch {
	case l.transfer && !l.transferred:
		l.at(s.work(l.now, uniform(r, 1, 12)), l.passOn)
	case l.person == nil:
		l.at(s.work(l.now, uniform(r, 0.3, 4)), l.dispatch)
	default:
		return l.planResolve()
	}
	return nil
}

// passOn transfers the item to the competent unit. The office does it at
// the unit's request: sqldb's Act refuses a unit admin's transfer to
// another unit (ENOTFOUND), since the problem leaves the admin's scope
// before the transaction reads it back.
func (l *life) passOn() error {
	r, to := l.r, l.competent
	if to == nil || to == l.unit {
		l.transfer = false
		if l.p.State == sanlian.StateAssigned {
			return l.accept()
		}
		return l.planResolve()
	}
	reason := l.unit.u.Name + "申请转办：" + strings.ReplaceAll(pickStr(r, transferReasons), "{单位}", to.u.Name)
	if err := l.act(l.s.county.office, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: to.u.ID, Reason: reason}); err != nil {
		return err
	}
	l.unit, l.person, l.transferred = to, nil, true
	l.drawPace()
	return l.afterAssign()
}

// planResolve schedules the resolution, and before it a request for more
// time when the unit will need it.
func (l *life) planResolve() error {
	r, s := l.r, l.s
	t := l.resolveTime()
	if l.askExtension && !l.extended && l.p.ExtensionUntil == "" {
		ask := s.snap(l.p.ResolveDue.Add(-time.Duration(uniform(r, 1, 4) * 24 * float64(time.Hour))))
		if ask.Before(l.now) {
			ask = s.work(l.now, uniform(r, 0.5, 3))
		}
		if ask.Before(t) && ask.Before(l.p.ResolveDue.Add(-12*time.Hour)) {
			l.at(ask, l.askForTime)
			return nil
		}
	}
	l.at(t, l.resolve)
	return nil
}

// resolveTime is when the unit reports the item resolved, by its pace.
func (l *life) resolveTime() time.Time {
	r, s, due := l.r, l.s, l.p.ResolveDue
	pace := l.resolvePace
	if l.rounds > 0 && pace == stuck && r.IntN(100) < 70 {
		pace = onTime
	}
	switch pace {
	case late:
		return s.work(due, uniform(r, 1, 12)*officeHours)
	case stuck:
		return s.work(due, uniform(r, 40, 600)*officeHours)
	}
	left := s.cal.WorkdaysBetween(l.now, due)
	days := uniform(r, 0.1, 0.85) * float64(max(left, 1))
	if l.p.Urgency == sanlian.UrgencyUrgent {
		days *= 0.5
	}
	return l.before(s.work(l.now, max(days*officeHours, 1)), due)
}

// worker is who does the unit's work on the item: the person, or the
// unit admin.
func (l *life) worker() *sanlian.User {
	if l.person != nil && l.r.IntN(100) < 65 {
		return l.unit.cadreUser(l.person)
	}
	return l.unit.admin
}

// askForTime: the unit asks for a later deadline.
func (l *life) askForTime() error {
	r, s := l.r, l.s
	if l.p.State != sanlian.StateAccepted {
		return fmt.Errorf("demo problem %s: asking for more time in state %s", l.p.Number, l.p.State)
	}
	last := l.p.ResolveDue.Add(-time.Nanosecond).In(sanlian.Shanghai)
	until := last.AddDate(0, 0, 10+r.IntN(31)).Format(time.DateOnly)
	if err := l.act(l.worker(), sanlian.ActionExtend, sanlian.ActionRequest{Until: until, Reason: pickStr(r, extendReasons)}); err != nil {
		return err
	}
	l.at(s.work(l.now, uniform(r, 2, 16)), l.decideTime)
	return nil
}

// decideTime: the office approves most requests for more time.
func (l *life) decideTime() error {
	r := l.r
	ok := r.IntN(100) < 88
	note := ""
	if !ok {
		note = "请按原定时限办结"
	}
	if err := l.act(l.s.county.office, sanlian.ActionExtend, sanlian.ActionRequest{Approve: &ok, Note: note}); err != nil {
		return err
	}
	if ok {
		l.extended = true
		if l.resolvePace == late {
			l.resolvePace = onTime // the new date is met
		}
	}
	l.at(l.resolveTime(), l.resolve)
	return nil
}

func (l *life) resolve() error {
	r, s, t := l.r, l.s, l.plan.text
	measures, result := t.measures, t.result
	if l.rounds > 0 {
		measures = "针对群众意见再次办理：" + measures + "，逐项整改到位"
		result = result + "；已向反映人当面说明办理情况"
	}
	if err := l.act(l.worker(), sanlian.ActionResolve, sanlian.ActionRequest{Measures: measures, Result: result}); err != nil {
		return err
	}
	l.rounds++
	if !l.officeReopened && r.IntN(1000) < 20 {
		l.officeReopened = true
		l.at(s.work(l.now, uniform(r, 3, 24)), l.sendBack)
		return nil
	}
	h := uniform(r, 6, 80)
	if r.IntN(100) < 10 {
		h = uniform(r, 90, 180)
	}
	l.at(s.work(l.now, h), l.callback)
	return nil
}

// sendBack: the office finds the result wanting and sends the item back.
func (l *life) sendBack() error {
	if err := l.act(l.s.county.office, sanlian.ActionReopen, sanlian.ActionRequest{Reason: pickStr(l.r, officeReopenReasons)}); err != nil {
		return err
	}
	return l.planResolve()
}

// submit enters in through the people's side, as the reporter on the
// portal or in WeChat would, and reads the problem back as the office.
func (l *life) submit(pub sanlian.PublicService, in *sanlian.ProblemInput) (*sanlian.Problem, error) {
	rc, err := pub.SubmitPublic(sanlian.NewPublicContext(l.s.ctx), &sanlian.PublicSubmission{Source: in.Source,
		Category: in.Category, VillageCode: in.VillageCode, Description: in.Description, ReporterName: in.ReporterName,
		ReporterPhone: in.ReporterPhone, Consent: in.ReporterName != "" || in.ReporterPhone != ""})
	if err != nil {
		return nil, err
	}
	l.code, l.phone = rc.Code, in.ReporterPhone
	return l.s.svc.FindProblemByID(l.s.office, rc.ProblemID)
}

// callback: the office asks the reporter. Most are satisfied; an
// unsatisfied answer sends the item back to the unit.
func (l *life) callback() error {
	r, s := l.r, l.s
	var sat string
	if l.rounds == 1 {
		sat = draw(r, []weighted{{sanlian.Satisfied, 74}, {sanlian.Basic, 18}, {sanlian.Unsatisfied, 8}})
	} else {
		sat = draw(r, []weighted{{sanlian.Satisfied, 82}, {sanlian.Basic, 16}, {sanlian.Unsatisfied, 2}})
	}
	var solved string
	switch sat {
	case sanlian.Satisfied:
		solved = draw(r, []weighted{{sanlian.SolvedYes, 95}, {sanlian.SolvedPartly, 5}})
	case sanlian.Basic:
		solved = draw(r, []weighted{{sanlian.SolvedYes, 55}, {sanlian.SolvedPartly, 45}})
	default:
		solved = draw(r, []weighted{{sanlian.SolvedPartly, 50}, {sanlian.SolvedNo, 50}})
	}
	note := pickStr(r, callbackNotes)
	if l.code != "" && l.i%10 < 7 {
		// Seven in ten reporters from the portal and WeChat rate it
		// themselves with their tracking code.
		if err := l.rate(solved, sat); err != nil {
			return err
		}
	} else if err := l.act(s.county.office, sanlian.ActionCallback, sanlian.ActionRequest{Solved: solved, Satisfaction: sat,
		Note: note}); err != nil {
		return err
	}
	if l.p.State == sanlian.StateAccepted { // sent back
		return l.planResolve()
	}
	if r.IntN(100) < 70 {
		l.at(l.now.Add(time.Duration(5+r.IntN(55))*time.Minute), l.close)
	} else {
		l.at(s.work(l.now, uniform(r, 2, 27)), l.close)
	}
	return nil
}

// rate answers the callback on the tracking page.
func (l *life) rate(solved, sat string) error {
	last4 := l.phone[max(len(l.phone)-4, 0):]
	if _, err := l.s.opt.Public.RatePublic(l.s.ctx, l.code, &sanlian.PublicRating{PhoneLast4: last4, Solved: solved, Satisfaction: sat}); err != nil {
		return fmt.Errorf("demo problem %s: rating by its reporter: %w", l.p.Number, err)
	}
	p, err := l.s.svc.FindProblemByID(l.s.office, l.p.ID)
	if err != nil {
		return err
	}
	l.p = p
	l.s.sum.Actions++
	return nil
}

func (l *life) close() error {
	return l.act(l.s.county.office, sanlian.ActionClose, sanlian.ActionRequest{Note: pickStr(l.r, closeNotes)})
}
