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

// DefaultVisits is the number of visits LoadVisits records when
// VisitOptions.Visits is 0. At the default county size the current month
// needs about 2,900 of them (two thirds of the must-visit households and a
// visit for every cadre at work); the rest make the two months before.
// Each visit costs about 2 ms on SQLite, so the default loads in about
// 9 s, as long as the problem ledger.
const DefaultVisits = 4000

// campaignStart is the first day visits may be recorded for: the
// settings default of a new database (campaign_start).
var campaignStart = date(2021, 4, 1, 0, 0)

// VisitOptions control the demo visits.
type VisitOptions struct {
	// Visits is the number of visits recorded; 0 means DefaultVisits.
	Visits int
	// Today is the generator's today: visits are dated from the first of
	// the month two months before (never before the campaign's start on
	// 2021-04-01) up to the day before, and the clock is left at 00:00 of
	// Today (Asia/Shanghai). Zero means the current date.
	Today time.Time
	// Seed selects the visits; 0 means DefaultSeed.
	Seed uint64
}

func (o VisitOptions) withDefaults() VisitOptions {
	if o.Visits <= 0 {
		o.Visits = DefaultVisits
	}
	if o.Today.IsZero() {
		o.Today = time.Now()
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	return o
}

// VisitSummary is what LoadVisits recorded.
type VisitSummary struct {
	Topics  int // topics in the bank
	Retired int // of which retired

	Visits    int // visits recorded, of the three kinds:
	Household int
	Village   int
	Township  int
	Problems  int // problems raised on the spot

	// Month is the month of Today ("2021-09"), the coverage page's
	// default window, and MonthVisits the visits dated in it.
	Month       string
	MonthVisits int
	// MustVisit counts the county's must-visit households, MustVisited
	// those visited in Month.
	MustVisit   int
	MustVisited int
	// Cadres counts the cadres but the county leaders, as the coverage
	// page lists them, and IdleCadres those who went on no visit in Month.
	Cadres     int
	IdleCadres int
}

// String says the summary in one line of Chinese.
func (s VisitSummary) String() string {
	pct := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return 100 * float64(a) / float64(b)
	}
	return fmt.Sprintf("带题走访 %d 次（入户走访 %d、单位联村走访 %d、领导联乡镇调研 %d），题库 %d 题（停用 %d 题），走访中当场登记问题 %d 件；"+
		"本月（%s）走访 %d 次，三必访户已走访 %d/%d 户（%.0f%%），本月尚未走访的干部 %d/%d 名",
		s.Visits, s.Household, s.Village, s.Township, s.Topics, s.Retired, s.Problems,
		s.Month, s.MonthVisits, s.MustVisited, s.MustVisit, pct(s.MustVisited, s.MustVisit), s.IdleCadres, s.Cadres)
}

// Shares of the visits and of the cadres.
const (
	villageShare   = 0.09  // of the visits: units' visits to linked villages
	townshipShare  = 0.007 // of the visits: leaders' visits to linked townships
	monthBoost     = 2.5   // a day of the current month has this many times the visits of an earlier day
	mustShare      = 0.68  // must-visit households visited in the current month
	idlePercent    = 12    // cadres with no visit in the current month
	problemPercent = 8     // visits that raise problems on the spot
	restDayWeight  = 0.35  // visits on a rest day, as a share of a working day's
)

// Random streams of the visits.
const (
	streamVisitPlan    = 0x7669736974000000 // "visit"
	streamVisitContent = 0x746f706963000000 // "topic"
)

// LoadVisits fills the topic bank of county c, already loaded into the
// database behind topics and visits, and plays opt.Visits visits through
// the visit service: the office enters the bank (and retires three topics
// of a drive that is over, in the previous month); cadres visit their
// linked households carrying topics that fit each household, the
// must-visit households most often; units visit their linked villages and
// county leaders their linked townships. About one visit in twelve raises
// problems on the spot, which go onto the ledger as submitted. The current
// month is the busiest: about two thirds of the must-visit households are
// visited in it and about one cadre in eight is not. Every step goes
// through the services as a realistic user, with the clock set by setNow
// to the step's time; the clock is left at 00:00 of opt.Today.
//
// The visits depend only on c and opt. The database must hold no topic
// yet.
func LoadVisits(ctx context.Context, topics sanlian.TopicService, visits sanlian.VisitService, setNow func(time.Time),
	c *sanlian.County, opt VisitOptions) (VisitSummary, error) {
	opt = opt.withDefaults()
	vs, err := newVisitSim(c, opt)
	if err != nil {
		return VisitSummary{}, err
	}
	vs.plan()
	return vs.play(ctx, topics, visits, setNow)
}

// visitSim is the visits while they are planned and played.
type visitSim struct {
	opt  VisitOptions
	cal  *sanlian.Calendar
	lc   *ledgerCounty
	from time.Time // the first day visits are dated
	cur  time.Time // the first day of the current month, or from when later
	end  time.Time // 00:00 of Today

	households []*vhousehold
	cadres     []*vcadre
	byCadre    map[int64]*vcadre
	townLinks  []vlink
	unitLinks  []vlink
	unitStaff  map[int64][]*vcadre
	towns      map[string][]string // township code → its villages
	leaderUser map[int64]*sanlian.User
	keep       []int64 // the cadres behind the demo accounts

	all, early, month *dayPicker
	plans             []*visitPlan
	topicsAt          time.Time
	retireAt          time.Time
}

type vhousehold struct {
	h         *sanlian.Household
	must      bool
	community bool
	links     []vlink // its active links, cadre and since
}

type vcadre struct {
	x          *sanlian.Cadre
	households []vlink // its active household links
	idle       bool    // no visit in the current month
}

// vlink is an active link: a cadre to a household or a township, or a
// unit to a village, visited from the day after it was made.
type vlink struct {
	cadre  *vcadre
	h      *vhousehold
	unit   int64
	region string
	since  time.Time
}

// visitPlan is a visit to record.
type visitPlan struct {
	kind     string
	day      time.Time // 00:00 of the visit's date
	at       time.Time // when it is recorded
	order    int
	user     *sanlian.User
	h        *vhousehold
	region   string // village or township
	visitors []int64
	in       *sanlian.VisitInput
}

func newVisitSim(c *sanlian.County, opt VisitOptions) (*visitSim, error) {
	today := opt.Today.In(sanlian.Shanghai)
	end := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	cur := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, sanlian.Shanghai)
	from := cur.AddDate(0, -2, 0)
	if from.Before(campaignStart) {
		from = campaignStart
	}
	if !from.Before(end) {
		return nil, fmt.Errorf("demo visits: today %s is not after the campaign's start %s", end.Format(time.DateOnly),
			campaignStart.Format(time.DateOnly))
	}
	if cur.Before(from) {
		cur = from
	}
	lc, err := indexCounty(c)
	if err != nil {
		return nil, err
	}
	vs := &visitSim{opt: opt, cal: sanlian.NewCalendar(sanlian.OfficialCalendar()), lc: lc, from: from, cur: cur, end: end,
		byCadre: map[int64]*vcadre{}, unitStaff: map[int64][]*vcadre{}, towns: map[string][]string{}, leaderUser: map[int64]*sanlian.User{}}
	for _, x := range c.Cadres {
		vc := &vcadre{x: x}
		vs.cadres = append(vs.cadres, vc)
		vs.byCadre[x.ID] = vc
		vs.unitStaff[x.UnitID] = append(vs.unitStaff[x.UnitID], vc)
	}
	community := map[string]bool{}
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionVillage {
			vs.towns[r.ParentCode] = append(vs.towns[r.ParentCode], r.Code)
			community[r.Code] = strings.HasSuffix(r.Name, "社区")
		}
	}
	byHH := map[int64]*vhousehold{}
	for _, h := range c.Households {
		vh := &vhousehold{h: h, must: len(h.Tags) > 0, community: community[h.VillageCode]}
		vs.households = append(vs.households, vh)
		byHH[h.ID] = vh
	}
	// A link is visited from the day after it was made.
	since := func(l *sanlian.Link) time.Time {
		t := l.CreatedAt.In(sanlian.Shanghai)
		return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, sanlian.Shanghai)
	}
	for _, l := range c.Links {
		if !l.Active() {
			continue
		}
		switch l.Kind {
		case sanlian.LinkHousehold:
			vc, vh := vs.byCadre[l.CadreID], byHH[l.HouseholdID]
			if vc == nil || vh == nil {
				continue
			}
			vl := vlink{cadre: vc, h: vh, since: since(l)}
			vc.households = append(vc.households, vl)
			vh.links = append(vh.links, vl)
		case sanlian.LinkVillage:
			vs.unitLinks = append(vs.unitLinks, vlink{unit: l.UnitID, region: l.RegionCode, since: since(l)})
		case sanlian.LinkTownship:
			if vc := vs.byCadre[l.CadreID]; vc != nil {
				vs.townLinks = append(vs.townLinks, vlink{cadre: vc, region: l.RegionCode, since: since(l)})
			}
		}
	}
	for _, a := range c.Accounts {
		u := a.User
		if u.CadreID != 0 {
			vs.keep = append(vs.keep, u.CadreID)
		}
		if u.Role == sanlian.RoleLeader && u.CadreID != 0 && vs.leaderUser[u.CadreID] == nil {
			vs.leaderUser[u.CadreID] = u
		}
	}
	return vs, nil
}

// dayPicker draws visit dates, a working day more likely than a rest day.
type dayPicker struct {
	days  []time.Time
	cum   []float64
	total float64
}

// newDayPicker covers the days from from up to before to; days from boost
// on weigh boostBy times as much.
func (vs *visitSim) newDayPicker(from, to, boost time.Time, boostBy float64) *dayPicker {
	d := &dayPicker{}
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		w := 1.0
		if !vs.cal.IsWorkday(day) {
			w = restDayWeight
		}
		if !day.Before(boost) {
			w *= boostBy
		}
		d.total += w
		d.days = append(d.days, day)
		d.cum = append(d.cum, d.total)
	}
	return d
}

// pick draws a day not before notBefore; false when there is none.
func (d *dayPicker) pick(r *rand.Rand, notBefore time.Time) (time.Time, bool) {
	i, _ := slices.BinarySearchFunc(d.days, notBefore, func(a, b time.Time) int { return a.Compare(b) })
	if i == len(d.days) {
		return time.Time{}, false
	}
	lo := 0.0
	if i > 0 {
		lo = d.cum[i-1]
	}
	x := lo + r.Float64()*(d.total-lo)
	j, _ := slices.BinarySearch(d.cum, x)
	return d.days[max(i, min(j, len(d.days)-1))], true
}

// inMonth says whether day is in the current month.
func (vs *visitSim) inMonth(day time.Time) bool { return !day.Before(vs.cur) }

// plan draws the visits, their dates, visitors and contents.
func (vs *visitSim) plan() {
	r := rand.New(rand.NewPCG(vs.opt.Seed, streamVisitPlan))
	vs.all = vs.newDayPicker(vs.from, vs.end, vs.cur, monthBoost)
	vs.early = vs.newDayPicker(vs.from, vs.cur, vs.cur, 1)
	vs.month = vs.newDayPicker(vs.cur, vs.end, vs.cur, 1)

	// About one cadre in eight has not been out this month; never a
	// county leader, whom the coverage page does not list among the
	// cadres, nor the people behind the demo accounts.
	if len(vs.month.days) > 0 {
		for _, vc := range vs.cadres {
			vc.idle = !vc.x.IsLeader && !slices.Contains(vs.keep, vc.x.ID) && r.IntN(100) < idlePercent
		}
	}

	n := vs.opt.Visits
	vs.planTownships(r, int(math.Round(float64(n)*townshipShare)))
	vs.planVillages(r, int(math.Round(float64(n)*villageShare)))
	vs.planHouseholds(r, n-len(vs.plans))

	vs.timeVisits(r)
	slices.SortStableFunc(vs.plans, func(a, b *visitPlan) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.order - b.order
	})
	// The office entered the bank before the first visit and retires the
	// drive's topics early in the previous month.
	entered := vs.from.AddDate(0, 0, -3)
	for !vs.cal.IsWorkday(entered) {
		entered = entered.AddDate(0, 0, -1)
	}
	vs.topicsAt = entered.Add(9*time.Hour + 30*time.Minute)
	retire := vs.cur.AddDate(0, -1, 0)
	if !retire.After(vs.from) {
		retire = vs.from.Add(vs.end.Sub(vs.from) / 2)
		retire = time.Date(retire.Year(), retire.Month(), retire.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	}
	for !vs.cal.IsWorkday(retire) && retire.Before(vs.end.AddDate(0, 0, -1)) {
		retire = retire.AddDate(0, 0, 1)
	}
	vs.retireAt = retire.Add(10*time.Hour + 17*time.Minute)
	vs.fill()
}

// planTownships spreads n visits over the leaders' township links.
func (vs *visitSim) planTownships(r *rand.Rand, n int) {
	links := slices.Clone(vs.townLinks)
	r.Shuffle(len(links), func(a, b int) { links[a], links[b] = links[b], links[a] })
	account := func(l vlink) bool { u := vs.leaderUser[l.cadre.x.ID]; return u != nil && u.ID != 0 }
	links = accountsFirst(links, account)
	for k := 0; k < n && len(links) > 0; k++ {
		l := links[k%len(links)]
		u := vs.leaderUser[l.cadre.x.ID]
		day, ok := vs.pickDay(r, l.since, k < len(links) && account(l))
		if ok && l.cadre.idle && vs.inMonth(day) {
			day, ok = vs.early.pick(r, l.since)
		}
		if !ok {
			continue
		}
		if u == nil {
			u = &sanlian.User{Username: l.cadre.x.Name, DisplayName: l.cadre.x.Post + " " + l.cadre.x.Name, Role: sanlian.RoleLeader,
				UnitID: l.cadre.x.UnitID, CadreID: l.cadre.x.ID}
			vs.leaderUser[l.cadre.x.ID] = u
		}
		p := &visitPlan{kind: sanlian.VisitTownship, day: day, user: u, region: l.region, visitors: []int64{l.cadre.x.ID}}
		// The township's head, or another of its leaders, goes along.
		if t := vs.lc.towns[l.region]; t != nil {
			staff := vs.available(vs.unitStaff[t.u.ID], day)
			for i := range min(len(staff), 1+r.IntN(2)) {
				p.visitors = append(p.visitors, staff[i].x.ID)
			}
		}
		vs.add(p)
	}
}

// accountsFirst moves the links of demo accounts to the front, keeping
// the order otherwise, so that they are visited however few the visits.
func accountsFirst(links []vlink, account func(vlink) bool) []vlink {
	out := make([]vlink, 0, len(links))
	for _, l := range links {
		if account(l) {
			out = append(out, l)
		}
	}
	for _, l := range links {
		if !account(l) {
			out = append(out, l)
		}
	}
	return out
}

// pickDay draws a visit's day, in the current month when thisMonth and
// it has begun: the first visit of each link of a demo account, so that
// the account finds its own visits on the coverage page's default window.
func (vs *visitSim) pickDay(r *rand.Rand, notBefore time.Time, thisMonth bool) (time.Time, bool) {
	if thisMonth {
		if day, ok := vs.month.pick(r, notBefore); ok {
			return day, true
		}
	}
	return vs.all.pick(r, notBefore)
}

// available returns those of staff who may go on a visit on day: not the
// idle ones in the current month.
func (vs *visitSim) available(staff []*vcadre, day time.Time) []*vcadre {
	if !vs.inMonth(day) {
		return staff
	}
	var out []*vcadre
	for _, vc := range staff {
		if !vc.idle {
			out = append(out, vc)
		}
	}
	return out
}

// planVillages spreads n visits over the units' village links, each
// recorded by the unit's administrator with one to three of its cadres.
func (vs *visitSim) planVillages(r *rand.Rand, n int) {
	links := slices.Clone(vs.unitLinks)
	r.Shuffle(len(links), func(a, b int) { links[a], links[b] = links[b], links[a] })
	account := func(l vlink) bool { u := vs.lc.units[l.unit]; return u != nil && u.admin.ID != 0 }
	links = accountsFirst(links, account)
	for k := 0; k < n && len(links) > 0; k++ {
		l := links[k%len(links)]
		ui := vs.lc.units[l.unit]
		if ui == nil {
			continue
		}
		var staff []*vcadre
		day, ok := vs.pickDay(r, l.since, k < len(links) && account(l))
		if ok {
			staff = vs.available(vs.unitStaff[l.unit], day)
		}
		if ok && len(staff) == 0 {
			day, ok = vs.early.pick(r, l.since)
			staff = vs.unitStaff[l.unit]
		}
		if !ok || len(staff) == 0 {
			continue
		}
		p := &visitPlan{kind: sanlian.VisitVillage, day: day, user: ui.admin, region: l.region}
		for _, i := range r.Perm(len(staff))[:min(len(staff), 1+r.IntN(3))] {
			p.visitors = append(p.visitors, staff[i].x.ID)
		}
		vs.add(p)
	}
}

// planHouseholds plans n household visits: this month two thirds of the
// must-visit households, a visit for every cadre who is not idle, and
// other households; the months before, households at random, must-visit
// ones three times as often. Too small an n cuts the month short.
func (vs *visitSim) planHouseholds(r *rand.Rand, n int) {
	start := len(vs.plans)
	full := func() bool { return len(vs.plans)-start >= n }
	visit := func(l vlink, day time.Time) {
		if full() {
			return
		}
		vs.add(&visitPlan{kind: sanlian.VisitHousehold, day: day, h: l.h, user: vs.lc.units[l.cadre.x.UnitID].cadreUser(l.cadre.x),
			visitors: []int64{l.cadre.x.ID}})
	}
	working := func(links []vlink) []vlink {
		var out []vlink
		for _, l := range links {
			if !l.cadre.idle && l.since.Before(vs.end) {
				out = append(out, l)
			}
		}
		return out
	}
	if len(vs.month.days) > 0 {
		// Early in a month fewer of them are done.
		ramp := min(1, float64(len(vs.month.days))/7)
		var must []*vhousehold
		total := 0
		for _, vh := range vs.households {
			if !vh.must {
				continue
			}
			total++
			if len(working(vh.links)) > 0 {
				must = append(must, vh)
			}
		}
		p := 0.0
		if len(must) > 0 {
			p = min(0.95, mustShare*float64(total)/float64(len(must))) * ramp
		}
		visited := map[*vcadre]bool{}
		for _, vh := range must {
			if r.Float64() >= p {
				continue
			}
			ls := working(vh.links)
			l := ls[r.IntN(len(ls))]
			day, ok := vs.month.pick(r, l.since)
			if !ok {
				continue
			}
			visit(l, day)
			visited[l.cadre] = true
			// Households with conflicts or in need get a second call.
			if hasKind(vh.h.Tags, sanlian.TagConflict) && r.IntN(100) < 25 || hasKind(vh.h.Tags, sanlian.TagKeyGroup) && r.IntN(100) < 12 {
				if day, ok := vs.month.pick(r, l.since); ok {
					visit(l, day)
				}
			}
		}
		// Every cadre at work has been out at least once, to an
		// ordinary household when they have one.
		for _, vc := range vs.cadres {
			if vc.idle || visited[vc] {
				continue
			}
			ls := working(vc.households)
			var plain []vlink
			for _, l := range ls {
				if !l.h.must {
					plain = append(plain, l)
				}
			}
			if len(plain) > 0 {
				ls = plain
			}
			if len(ls) == 0 {
				continue
			}
			l := ls[r.IntN(len(ls))]
			if day, ok := vs.month.pick(r, l.since); ok {
				visit(l, day)
				visited[vc] = true
			}
		}
		// Then other ordinary households, up to the month's share.
		boosted := vs.all.total - vs.early.total // the month's weight
		want := int(math.Round(float64(n) * boosted / vs.all.total))
		if len(vs.early.days) == 0 {
			want = n
		}
		var pool []vlink
		for _, vc := range vs.cadres {
			for _, l := range working(vc.households) {
				if !l.h.must {
					pool = append(pool, l)
				}
			}
		}
		r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		for k := 0; len(vs.plans)-start < want && k < 3*len(pool); k++ {
			l := pool[k%len(pool)]
			if day, ok := vs.month.pick(r, l.since); ok {
				visit(l, day)
			}
		}
	}
	if len(vs.early.days) == 0 {
		return
	}
	// The months before: any link, must-visit households three times as
	// often.
	var links []vlink
	var cum []float64
	total := 0.0
	for _, vc := range vs.cadres {
		for _, l := range vc.households {
			w := 1.0
			if l.h.must {
				w = 3
			}
			total += w
			links = append(links, l)
			cum = append(cum, total)
		}
	}
	for tries := 0; len(vs.plans)-start < n && tries < 3*n && total > 0; tries++ {
		i, _ := slices.BinarySearch(cum, r.Float64()*total)
		l := links[min(i, len(links)-1)]
		if day, ok := vs.early.pick(r, l.since); ok {
			visit(l, day)
		}
	}
}

func hasKind(tags []sanlian.Tag, kind string) bool {
	for _, t := range tags {
		if t.Kind == kind {
			return true
		}
	}
	return false
}

func (vs *visitSim) add(p *visitPlan) {
	p.order = len(vs.plans)
	vs.plans = append(vs.plans, p)
}

// timeVisits places each visit in its day and says when it was recorded:
// a household visit in the field and entered soon after, now and then the
// next morning when the phone had no signal; a unit's or a leader's
// visit entered in the evening or the next morning.
func (vs *visitSim) timeVisits(r *rand.Rand) {
	for _, p := range vs.plans {
		var at time.Time
		next := p.day.AddDate(0, 0, 1)
		switch p.kind {
		case sanlian.VisitHousehold:
			at = p.day.Add(8*time.Hour + 30*time.Minute + time.Duration(r.Int64N(int64(9*time.Hour))))
			at = at.Add(10*time.Minute + time.Duration(r.Int64N(int64(3*time.Hour))))
			if r.IntN(100) < 8 && next.Before(vs.end) {
				at = next.Add(7*time.Hour + time.Duration(r.Int64N(int64(3*time.Hour))))
			}
		default:
			at = p.day.Add(15*time.Hour + time.Duration(r.Int64N(int64(5*time.Hour))))
			if r.IntN(100) < 25 && next.Before(vs.end) {
				at = next.Add(8*time.Hour + 30*time.Minute + time.Duration(r.Int64N(int64(2*time.Hour))))
			}
		}
		p.at = at.Truncate(time.Second)
	}
}

// Fields weighed for the topics of a visit, in the order of the seed
// categories.
var visitFields = []string{"employment", "education", "social_health", "elderly", "childcare", "housing",
	"transport", "construction", "rural", "food_drug", "business", "policy"}

var (
	villageFieldWeights   = []float64{8, 6, 6, 5, 3, 5, 15, 15, 20, 3, 5, 12}
	communityFieldWeights = []float64{8, 6, 8, 8, 6, 5, 4, 14, 2, 8, 10, 7}
	townshipFieldWeights  = []float64{10, 5, 5, 4, 3, 5, 10, 10, 15, 4, 12, 15}
)

// householdFields weighs the fields for a visit to h: what its tags make
// likely to matter (a key group's 医保 and subsidies, a conflict's
// disputes and works, a representative's village affairs).
func householdFields(vh *vhousehold) []float64 {
	w := []float64{14, 8, 12, 7, 4, 8, 10, 9, 14, 3, 3, 8}
	if vh.community {
		w = []float64{10, 8, 10, 8, 6, 6, 5, 12, 2, 7, 9, 7}
	}
	add := func(field string, x float64) {
		w[slices.Index(visitFields, field)] += x
	}
	for _, t := range vh.h.Tags {
		switch t.Kind {
		case sanlian.TagKeyGroup:
			add("social_health", 20)
			add("elderly", 8)
			add("policy", 14)
			switch t.Sub {
			case "独居老人":
				add("elderly", 30)
				add("social_health", 8)
				add("housing", 6)
			case "留守":
				add("childcare", 30)
				add("education", 15)
			case "残疾":
				add("social_health", 15)
				add("employment", 6)
			case "低保", "特困":
				add("social_health", 12)
				add("housing", 8)
				add("policy", 6)
			case "脱贫监测":
				add("rural", 15)
				add("employment", 12)
				add("policy", 8)
			}
		case sanlian.TagConflict:
			add("policy", 25)
			add("construction", 12)
			add("rural", 10)
			add("transport", 6)
		case sanlian.TagRepresentative:
			add("rural", 12)
			add("transport", 10)
			add("construction", 10)
			add("policy", 10)
			add("business", 4)
		}
	}
	return w
}

func drawField(r *rand.Rand, w []float64) string {
	t := 0.0
	for _, x := range w {
		t += x
	}
	x := r.Float64() * t
	for i, y := range w {
		if x < y {
			return visitFields[i]
		}
		x -= y
	}
	return visitFields[len(visitFields)-1]
}

// bankTopic is a topic of the bank by its index in Topics.
type bankTopic struct {
	index   int
	retired bool
}

// fill writes what each visit carried, heard and raised, in the order
// the visits are recorded.
func (vs *visitSim) fill() {
	r := rand.New(rand.NewPCG(vs.opt.Seed, streamVisitContent))
	byField := map[string][]bankTopic{}
	for i, t := range Topics() {
		byField[t.Category] = append(byField[t.Category], bankTopic{index: i, retired: slices.Contains(retiredTopics, t.Question)})
	}
	texts := map[string][]*problemText{}
	for i := range problemTexts {
		t := &problemTexts[i]
		texts[t.category] = append(texts[t.category], t)
	}
	for _, p := range vs.plans {
		// The recording user goes first among the visitors, but for a
		// unit, which is no person.
		in := &sanlian.VisitInput{Kind: p.kind, Date: p.day.Format(time.DateOnly), Visitors: p.visitors[1:]}
		var w []float64
		var k int
		community := false
		switch p.kind {
		case sanlian.VisitHousehold:
			in.HouseholdID = p.h.h.ID
			w, community = householdFields(p.h), p.h.community
			k = drawIndex(r, []int{30, 40, 20, 10}) + 1
			if p.h.must && k == 1 && r.IntN(2) == 0 {
				k = 2
			}
			in.Met = pickStr(r, householdMet[""])
			for _, t := range p.h.h.Tags {
				if m := householdMet[t.Sub]; m != nil && r.IntN(100) < 80 {
					in.Met = pickStr(r, m)
					break
				}
			}
		case sanlian.VisitVillage:
			in.RegionCode = p.region
			in.Visitors = p.visitors
			community = vs.isCommunity(p.region)
			w = villageFieldWeights
			if community {
				w = communityFieldWeights
			}
			k = 2 + r.IntN(4)
			in.Met = pickStr(r, villageMet)
			if community {
				in.Met = pickStr(r, communityMet)
			}
		case sanlian.VisitTownship:
			in.RegionCode = p.region
			w = townshipFieldWeights
			k = 3 + r.IntN(4)
			in.Met = pickStr(r, townshipMet)
		}
		// The topics: fields drawn by weight, a topic in use of each.
		var fields []string
		for tries := 0; len(in.Topics) < k && tries < 4*k; tries++ {
			f := drawField(r, w)
			var open []bankTopic
			for _, t := range byField[f] {
				if (!t.retired || p.at.Before(vs.retireAt)) && !slices.Contains(in.Topics, int64(t.index)) {
					open = append(open, t)
				}
			}
			if len(open) == 0 {
				continue
			}
			t := open[r.IntN(len(open))]
			in.Topics = append(in.Topics, int64(t.index)) // an index into Topics until played
			fields = append(fields, f)
		}
		// What was heard.
		var b strings.Builder
		switch p.kind {
		case sanlian.VisitHousehold:
			if len(fields) == 0 {
				fields = append(fields, "policy")
			}
			b.WriteString(pickFinding(r, fields[0], community))
			if len(fields) > 1 && fields[1] != fields[0] && r.IntN(100) < 55 {
				b.WriteString(pickFinding(r, fields[1], community))
			}
			if r.IntN(100) < 35 {
				b.WriteString(pickStr(r, closingTexts))
			}
		case sanlian.VisitVillage:
			bank := villageFindings
			if community {
				bank = communityFindings
			}
			first := pickStr(r, bank)
			b.WriteString(first)
			if next := pickStr(r, bank); next != first && r.IntN(100) < 40 {
				b.WriteString(next)
			}
		case sanlian.VisitTownship:
			b.WriteString(pickStr(r, townshipFindings))
		}
		// Problems raised on the spot, in the fields the visit carried, in
		// the last week only: the ledger's own history covers the months
		// before, and these stay in the office's intake queue (待受理).
		chance := problemPercent
		if p.kind == sanlian.VisitTownship {
			chance = 3 * problemPercent
		}
		if p.day.Before(vs.end.AddDate(0, 0, -7)) {
			chance = 0
		}
		if r.IntN(100) < chance && len(fields) > 0 {
			m := 1
			if r.IntN(100) < 30 {
				m = 2
			}
			for range m {
				f := fields[r.IntN(len(fields))]
				var fit []*problemText
				for _, t := range texts[f] {
					if community || t.flags&urban == 0 {
						fit = append(fit, t)
					}
				}
				if len(fit) == 0 {
					continue
				}
				t := fit[r.IntN(len(fit))]
				if slices.ContainsFunc(in.Problems, func(q sanlian.VisitProblem) bool { return q.Title == t.title }) {
					continue
				}
				vp := sanlian.VisitProblem{Category: t.category, Title: t.title, Urgency: sanlian.UrgencyNormal}
				village := p.region
				switch p.kind {
				case sanlian.VisitHousehold:
					village = p.h.h.VillageCode
				case sanlian.VisitTownship:
					// A leader hears of a problem in one of the township's villages.
					villages := vs.towns[p.region]
					village = villages[r.IntN(len(villages))]
					vp.VillageCode = village
				}
				vp.Description = vs.fillText(r, t.desc, village)
				if t.flags&mayBeUrgent != 0 && r.IntN(100) < 15 {
					vp.Urgency = sanlian.UrgencyUrgent
				}
				in.Problems = append(in.Problems, vp)
			}
			if len(in.Problems) > 0 {
				b.WriteString("现场登记问题" + strconv.Itoa(len(in.Problems)) + "个，已录入问题台账。")
			}
		}
		in.Findings = b.String()
		p.in = in
	}
}

// villageWords mark a finding heard in a village, not in a community.
var villageWords = []string{"组里", "村里", "茶园", "红薯", "山路"}

// pickFinding draws a note on field; in a community, one that does not
// speak of village life when the field has one.
func pickFinding(r *rand.Rand, field string, community bool) string {
	bank := findingTexts[field]
	if community {
		var town []string
		for _, s := range bank {
			if !slices.ContainsFunc(villageWords, func(w string) bool { return strings.Contains(s, w) }) {
				town = append(town, s)
			}
		}
		if len(town) > 0 {
			bank = town
		}
	}
	return pickStr(r, bank)
}

func (vs *visitSim) isCommunity(code string) bool {
	v := vs.lc.byCode[code]
	return v != nil && v.community
}

// fillText puts the village's name and a group number into a problem text.
func (vs *visitSim) fillText(r *rand.Rand, s, village string) string {
	name := ""
	if v := vs.lc.byCode[village]; v != nil {
		name = v.r.Name
	}
	return strings.NewReplacer("{村}", name, "{组}", strconv.Itoa(1+r.IntN(12))).Replace(s)
}

// play enters the bank and records the visits in time order.
func (vs *visitSim) play(ctx context.Context, topics sanlian.TopicService, visits sanlian.VisitService, setNow func(time.Time)) (VisitSummary, error) {
	ctxs := map[*sanlian.User]context.Context{}
	as := func(u *sanlian.User) context.Context {
		c, ok := ctxs[u]
		if !ok {
			c = sanlian.NewContextWithUser(ctx, u)
			ctxs[u] = c
		}
		return c
	}
	office := as(vs.lc.office)
	sum := VisitSummary{Month: vs.end.Format("2006-01")}

	setNow(vs.topicsAt)
	bank := Topics()
	created, err := topics.CreateTopics(office, bank)
	if err != nil {
		return sum, fmt.Errorf("demo visits: topic bank: %w", err)
	}
	sum.Topics = len(created)
	retired := false
	retire := func() error {
		setNow(vs.retireAt)
		off := false
		for i, t := range created {
			if !slices.Contains(retiredTopics, bank[i].Question) {
				continue
			}
			if _, err := topics.UpdateTopic(office, t.ID, sanlian.TopicUpdate{Active: &off, Version: t.Version}); err != nil {
				return fmt.Errorf("demo visits: retire topic %d: %w", t.ID, err)
			}
			sum.Retired++
		}
		retired = true
		return nil
	}

	seen := map[int64]bool{}
	went := map[int64]bool{}
	for i, p := range vs.plans {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if !retired && !p.at.Before(vs.retireAt) {
			if err := retire(); err != nil {
				return sum, err
			}
		}
		in := *p.in
		in.Topics = make([]int64, len(p.in.Topics))
		for k, t := range p.in.Topics {
			in.Topics[k] = created[t].ID
		}
		setNow(p.at)
		v, _, err := visits.CreateVisit(as(p.user), &in, "demo-"+strconv.Itoa(i+1))
		if err != nil {
			return sum, fmt.Errorf("demo visits: %s visit %d on %s by %s (%s): %w %v", p.kind, i+1, in.Date, p.user.DisplayName,
				p.user.Role, err, sanlian.ErrorFields(err))
		}
		sum.Visits++
		sum.Problems += len(v.ProblemIDs)
		switch p.kind {
		case sanlian.VisitHousehold:
			sum.Household++
		case sanlian.VisitVillage:
			sum.Village++
		case sanlian.VisitTownship:
			sum.Township++
		}
		if in.Date[:7] == sum.Month {
			sum.MonthVisits++
			if p.h != nil && p.h.must {
				seen[p.h.h.ID] = true
			}
			for _, c := range p.visitors {
				went[c] = true
			}
		}
	}
	if !retired {
		if err := retire(); err != nil {
			return sum, err
		}
	}
	setNow(vs.end)
	for _, vh := range vs.households {
		if vh.must {
			sum.MustVisit++
			if seen[vh.h.ID] {
				sum.MustVisited++
			}
		}
	}
	for _, vc := range vs.cadres {
		if vc.x.IsLeader {
			continue
		}
		sum.Cadres++
		if !went[vc.x.ID] {
			sum.IdleCadres++
		}
	}
	return sum, nil
}
