package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// problemFilter reads the list filters shared by the API, the pages and
// the export. Periods are SPEC §4 ids (2021-05-H1, 2021-05) or dates.
func problemFilter(p *params) sanlian.ProblemFilter {
	f := sanlian.ProblemFilter{
		State:    p.oneOf("state", sanlian.States...),
		Category: p.str("category"), Source: p.oneOf("source", sanlian.Sources...),
		TownshipCode: p.str("township"), VillageCode: p.str("village"),
		UnitID: p.int64("unit_id"), PersonID: p.int64("person_id"),
		Urgency: p.oneOf("urgency", sanlian.UrgencyNormal, sanlian.UrgencyUrgent),
		Overdue: p.boolPtr("overdue"), Q: p.str("q"), Sort: p.oneOf("sort", "number", "deadline"),
		Cursor: p.str("cursor"), Limit: p.limit(),
	}
	f.Open = p.str("open") == "1" || p.str("open") == "true"
	f.Mine = p.str("mine") == "1" || p.str("mine") == "true"
	// co=1 with unit_id keeps the problems the unit co-handles too.
	f.WithCoUnits = p.str("co") == "1"
	f.CreatedFrom, f.CreatedTo = p.period("created")
	f.ResolvedFrom, f.ResolvedTo = p.period("resolved")
	f.VisitFrom, f.VisitTo = dateParam(p, "visit_from"), dateParam(p, "visit_to")
	f.VisitCadreID, f.VisitUnitID = p.int64("visit_cadre_id"), p.int64("visit_unit_id")
	// The workbenches' lists: due_before (a date: resolve deadline before
	// its 00:00) and card (red or yellow, still open).
	f.DueBefore, f.Card = p.date("due_before"), p.oneOf("card", sanlian.LevelRed, sanlian.LevelYellow)
	if len([]rune(f.Q)) > sanlian.MaxSearch {
		p.errors["q"] = "搜索词不能超过 100 个字"
	}
	// The workbenches' lists: own=1 the caller's own units' problems,
	// co_owed=1 the co-handling parts they owe, due_before=YYYY-MM-DD
	// those to be resolved before that day.
	f.OwnUnits, f.CoPartOwed = p.str("own") == "1", p.str("co_owed") == "1"
	f.Reassign = p.str("reassign") == "1" // those whose handling cadre moved to another unit
	f.DueBefore = p.date("due_before")
	return f
}

// period reads name (a period id like 2021-05-H1 or 2021-05) or
// name_from/name_to dates, as a half-open range of instants.
func (p *params) period(name string) (time.Time, time.Time) {
	if id := p.str(name); id != "" {
		per, err := sanlian.ParsePeriod(id)
		if err != nil {
			p.errors[name] = "期间应为 2021-05-H1、2021-05-H2 或 2021-05 的形式"
			return time.Time{}, time.Time{}
		}
		return per.Start, per.End
	}
	from, to := p.date(name+"_from"), p.date(name+"_to")
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to
}

func (s *problemHandlers) apiProblems(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := problemFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Problems.FindProblems(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *problemHandlers) apiProblemCounts(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := problemFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	counts, err := s.Problems.CountProblemsByState(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": counts})
	return nil
}

func (s *problemHandlers) apiProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pr, err := s.Problems.FindProblemByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pr)
	return nil
}

func (s *problemHandlers) apiProblemEvents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	evs, err := s.Problems.ProblemEvents(r.Context(), id)
	if err != nil {
		return err
	}
	writeList(w, evs, "")
	return nil
}

func (s *problemHandlers) apiCreateProblem(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.ProblemInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	pr, err := s.Problems.CreateProblem(r.Context(), &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, pr)
	return nil
}

// apiProblemAction is POST /api/v1/problems/{id}/{action}.
func (s *problemHandlers) apiProblemAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req sanlian.ActionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := needVersion(req.Version); err != nil {
		return err
	}
	pr, err := s.Problems.Act(r.Context(), id, r.PathValue("action"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pr)
	return nil
}

func (s *problemHandlers) apiRevealReporter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	phone, err := s.Problems.RevealReporter(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"reporter_phone": phone})
	return nil
}

// apiRevealText is POST /api/v1/problems/{id}/reveal-text: the free text
// as typed, audited.
func (s *problemHandlers) apiRevealText(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Problems.RevealText(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *problemHandlers) apiSimilarProblems(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	text := p.str("text")
	if len([]rune(text)) > sanlian.MaxDescription {
		return sanlian.Errorf(sanlian.EINVALID, "文本过长")
	}
	items, err := s.Problems.SimilarProblems(r.Context(), p.str("village"), text, p.int64("exclude"))
	if err != nil {
		return err
	}
	if err := p.err(); err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// Pages.

type problemsPage struct {
	basePage
	Problems   []*sanlian.Problem
	Counts     []sanlian.StateCount
	Total      int
	Categories []*sanlian.Category
	Townships  []*sanlian.Region
	Villages   []*sanlian.Region
	F          sanlian.ProblemFilter
	Overdue    string
	Query      url.Values
	Next       string
	First      bool
	ExportURL  string
	MayCreate  bool
	Created    periodPicker // the 登记期间 picker
	Error      string       // a number searched for that was not found
}

// problemsCreated is the list's optional filter by the period a problem was
// entered in.
var problemsCreated = periodField{Name: "created", Label: "登记期间", Optional: true, Rule: sanlian.PeriodRule{Halves: true, Months: true, Past: true}}

// problemsPage is GET /problems. A number typed in the search box
// (安化-2026-000676) jumps to that problem.
func (s *problemHandlers) problemsPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := problemFilter(p)
	delete(p.errors, "created") // read below, typed or picked
	if err := p.err(); err != nil {
		return err
	}
	ctx := r.Context()
	status := http.StatusOK
	created, picker, msg := readPeriod(r.URL.Query(), problemsCreated, s.cfg.Now())
	if created.ID != "" {
		f.CreatedFrom, f.CreatedTo = created.Start, created.End
	}
	var items []*sanlian.Problem
	var next, notFound string
	first, _, _ := strings.Cut(strings.TrimSpace(f.Q), " ") // a suggestion: the number, then the title
	if n, ok := sanlian.ParseProblemNumber(first); ok {
		x, err := s.desks.problemByNumber(ctx, n)
		if err == nil {
			http.Redirect(w, r, "/problems/"+strconv.FormatInt(x.ID, 10), http.StatusSeeOther)
			return nil
		} else if sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
			return err
		}
		notFound, status = sanlian.ErrorMessage(err), http.StatusNotFound
	} else if msg != "" {
		status = http.StatusBadRequest
	} else {
		var err error
		if items, next, err = s.Problems.FindProblems(ctx, f); err != nil {
			return err
		}
	}
	page := &problemsPage{basePage: s.base(r, "问题清单", "problems"), Problems: items, F: f, Overdue: boolParam(f.Overdue),
		Next: nextURL(r, next), First: f.Cursor == "", Created: picker, Error: notFound}
	var err error
	if page.Counts, err = s.Problems.CountProblemsByState(ctx, f); err != nil {
		return err
	}
	for _, c := range page.Counts {
		page.Total += c.Count
	}
	if page.Categories, err = s.Problems.FindCategories(ctx, true); err != nil {
		return err
	}
	if page.Townships, err = s.org.townships(r); err != nil {
		return err
	}
	if f.TownshipCode != "" {
		if page.Villages, _, err = s.Regions.FindRegions(ctx, sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: f.TownshipCode, Limit: 500}); err != nil {
			return err
		}
	}
	q := periodCode(r.URL.Query(), "created", created)
	q.Del("cursor")
	q.Del("state")
	page.Query = q
	eq := periodCode(r.URL.Query(), "created", created)
	eq.Del("cursor")
	page.ExportURL = "/problems/export.xlsx?" + eq.Encode()
	page.MayCreate = page.Can("office", "unit_admin", "cadre")
	return s.render(w, r, status, "problems", page)
}

// stateURL is the list URL with one state chosen.
func stateURL(q url.Values, state string) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	if state != "" {
		v.Set("state", state)
	}
	return "/problems?" + v.Encode()
}

type problemPage struct {
	basePage
	Problem    *sanlian.Problem
	Events     []*sanlian.ProblemEvent
	Similar    []*sanlian.Similar
	Allowed    map[string]bool // actions this viewer may take now
	Units      []*sanlian.Unit
	Cadres     []*sanlian.Cadre
	MayReveal  bool
	Error      string
	Fields     map[string]string
	Form       url.Values // what was typed, on a failed action
	FailedAct  string
	Today      string
	TodayPlus7 string
	// MyCoUnits are the co-units whose part the viewer records here.
	MyCoUnits []sanlian.CoUnit
	// PendingParts names the co-units that have not recorded their part,
	// for the lead's warning when it resolves ("" for none).
	PendingParts string

	Attachments []*sanlian.Attachment
	// AttachKinds are the kinds of attachment the viewer may add now
	// (sanlian.MayAttach); the upload form shows only when there is one.
	AttachKinds []string
	// Supervisions are the problem's open supervisions (督办), for the badge.
	Supervisions []*sanlian.Supervision
	// Supervise holds the two-click 督办 notice (partials/supervise.html)
	// when the problem is under a red card, has a unit to answer and the
	// reader may issue notices; nil otherwise.
	Supervise map[string]any
}

// IsCoUnit reports whether unit is one of the problem's co-units.
func (p *problemPage) IsCoUnit(unit int64) bool {
	for _, c := range p.Problem.CoUnits {
		if c.UnitID == unit {
			return true
		}
	}
	return false
}

// actionsFor lists what the viewer may do to p now, by the action table and
// ownership; the service checks again on submit. A viewer who sees the
// problem as a co-unit's admin or cadre records its part and nothing else.
func actionsFor(u *sanlian.User, p *sanlian.Problem, now time.Time) map[string]bool {
	can := map[string]bool{}
	co := false
	for _, c := range p.CoUnits {
		co = co || c.Mine
	}
	for _, a := range sanlian.Actions {
		if !sanlian.CanAct(p.State, a, u.Role) {
			continue
		}
		if a == sanlian.ActionPart {
			can[a] = co
			continue
		}
		switch u.Role {
		case sanlian.RoleUnitAdmin:
			if p.UnitID == 0 || (co && p.UnitID != u.UnitID) {
				continue
			}
		case sanlian.RoleCadre:
			if p.PersonID == 0 || p.PersonID != u.CadreID {
				continue
			}
		}
		if a == sanlian.ActionClose && (p.CallbackAt.IsZero() || p.CallbackSatisfaction == sanlian.Unsatisfied) {
			continue
		}
		if a == sanlian.ActionReturn && !sanlian.MayReturn(p, now) {
			continue // past the accept deadline: a transfer request, not a return
		}
		can[a] = true
	}
	return can
}

func (s *problemHandlers) problemPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := s.loadProblemPage(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "problem", page)
}

func (s *problemHandlers) loadProblemPage(r *http.Request, id int64) (*problemPage, error) {
	ctx := r.Context()
	pr, err := s.Problems.FindProblemByID(ctx, id)
	if err != nil {
		return nil, err
	}
	page := &problemPage{basePage: s.base(r, pr.Number, "problems"), Problem: pr, MayReveal: sanlian.UserFromContext(ctx).Role.MayReveal(),
		Today: time.Now().In(sanlian.Shanghai).Format("2006-01-02"), TodayPlus7: time.Now().In(sanlian.Shanghai).AddDate(0, 0, 7).Format("2006-01-02")}
	page.Allowed = actionsFor(page.User, pr, s.cfg.Now())
	for _, c := range pr.CoUnits {
		if c.Mine {
			page.MyCoUnits = append(page.MyCoUnits, c)
		}
	}
	if pending := sanlian.PendingParts(pr.CoUnits); len(pending) > 0 {
		page.PendingParts = sanlian.CoUnitNames(pending)
	}
	if page.Events, err = s.Problems.ProblemEvents(ctx, id); err != nil {
		return nil, err
	}
	if page.Attachments, err = s.Attachments.FindAttachments(ctx, id); err != nil {
		return nil, err
	}
	if page.AttachKinds, err = s.Attachments.AttachKinds(ctx, id); err != nil {
		return nil, err
	}
	page.Supervisions, _, err = s.Supervisions.FindSupervisions(ctx, sanlian.SupervisionFilter{TargetKind: sanlian.TargetProblem,
		TargetID: id, State: sanlian.SupervisionOpen, Limit: 10})
	if err != nil {
		return nil, err
	}
	if err := s.superviseDialog(ctx, page); err != nil {
		return nil, err
	}
	if page.Allowed[sanlian.ActionMerge] {
		if page.Similar, err = s.Problems.SimilarProblems(ctx, pr.VillageCode, pr.Title+" "+pr.Description, pr.ID); err != nil {
			return nil, err
		}
	}
	if page.Allowed[sanlian.ActionAssign] || page.Allowed[sanlian.ActionTransfer] || page.Allowed[sanlian.ActionCoUnits] {
		if page.Units, _, err = s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500}); err != nil {
			return nil, err
		}
	}
	if page.Allowed[sanlian.ActionAssign] && pr.UnitID != 0 {
		if page.Cadres, _, err = s.Cadres.FindCadres(ctx, sanlian.CadreFilter{UnitID: pr.UnitID, Limit: 500}); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// problemActionSubmit is POST /problems/{id}/{action}, the pages' form of
// the action API. A refused action shows the page again with what was typed.
func (s *problemHandlers) problemActionSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	action := r.PathValue("action")
	f := r.PostForm
	num := func(k string) int64 { n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64); return n }
	req := sanlian.ActionRequest{Version: num("version"), Note: f.Get("note"), UnitID: num("unit_id"), PersonID: num("person_id"),
		Reason: f.Get("reason"), Until: f.Get("until"), Measures: f.Get("measures"), Result: f.Get("result"),
		Solved: f.Get("solved"), Satisfaction: f.Get("satisfaction"), Into: num("into"), Date: f.Get("date")}
	for _, v := range f["co_unit_ids"] {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return sanlian.Errorf(sanlian.EINVALID, "配合单位编号“%s”不正确", v)
		}
		req.CoUnitIDs = append(req.CoUnitIDs, n)
	}
	if req.CoUnitIDs == nil && (action == sanlian.ActionCoUnits || f.Get("co_units_sent") != "") {
		req.CoUnitIDs = []int64{} // nothing chosen in the form: no co-units
	}
	if v := f.Get("approve"); v != "" {
		b := v == "yes"
		req.Approve = &b
	}
	done, err := s.Problems.Act(r.Context(), id, action, req)
	switch code := sanlian.ErrorCode(err); code {
	case "":
		// A return or a transfer may take the problem out of the actor's
		// scope: the list is where they can go on.
		if action == sanlian.ActionReturn || action == sanlian.ActionTransfer {
			if _, ferr := s.Problems.FindProblemByID(r.Context(), id); sanlian.ErrorCode(ferr) == sanlian.ENOTFOUND {
				msg := fmt.Sprintf("已%s：%s 已移出本单位的问题清单", sanlian.ActionLabel(action), done.Number)
				http.Redirect(w, r, "/problems?ok="+url.QueryEscape(msg), http.StatusSeeOther)
				return nil
			}
		}
		http.Redirect(w, r, "/problems/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已"+sanlian.ActionLabel(action)), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ECONFLICT:
		page, perr := s.loadProblemPage(r, id)
		if perr != nil {
			return perr
		}
		page.Error, page.Fields, page.Form, page.FailedAct = sanlian.ErrorMessage(err), sanlian.ErrorFields(err), f, action
		return s.render(w, r, sanlian.HTTPStatus(code), "problem", page)
	}
	return err
}

// problemRevealText is POST /problems/{id}/reveal-text: the free text as
// typed, in place of the masked one, audited.
func (s *problemHandlers) problemRevealText(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Problems.RevealText(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderFragment(w, http.StatusOK, "reveal-text", t)
}

func (s *problemHandlers) problemRevealSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	phone, err := s.Problems.RevealReporter(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderFragment(w, http.StatusOK, "reveal", revealFragment{Phone: phone})
}

type problemNewPage struct {
	basePage
	In         sanlian.ProblemInput
	Township   string
	Categories []*sanlian.Category
	Townships  []*sanlian.Region
	Villages   []*sanlian.Region
	Sources    []string
	Error      string
	Fields     map[string]string
}

func (s *problemHandlers) newProblemPage(r *http.Request, in sanlian.ProblemInput, township string) (*problemNewPage, error) {
	ctx := r.Context()
	page := &problemNewPage{basePage: s.base(r, "登记问题", "problems"), In: in, Township: township, Sources: sanlian.Sources}
	var err error
	if page.Categories, err = s.Problems.FindCategories(ctx, false); err != nil {
		return nil, err
	}
	if page.Townships, err = s.org.townships(r); err != nil {
		return nil, err
	}
	if township != "" {
		if page.Villages, _, err = s.Regions.FindRegions(ctx, sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: township, Limit: 500}); err != nil {
			return nil, err
		}
	}
	return page, nil
}

func (s *problemHandlers) problemNewForm(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	in := sanlian.ProblemInput{Source: sanlian.SourceVisit, Urgency: sanlian.UrgencyNormal, VillageCode: p.str("village"),
		HouseholdID: p.int64("household_id")}
	township := p.str("township")
	if in.HouseholdID != 0 {
		if h, err := s.Households.FindHouseholdByID(r.Context(), in.HouseholdID); err == nil {
			in.VillageCode, in.ReporterName = h.VillageCode, h.HeadName
		}
	}
	if in.VillageCode != "" && township == "" {
		if v, err := s.Regions.FindRegionByCode(r.Context(), in.VillageCode); err == nil {
			township = v.ParentCode
		}
	}
	page, err := s.newProblemPage(r, in, township)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "problem_new", page)
}

func (s *problemHandlers) problemCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	hid, _ := strconv.ParseInt(f.Get("household_id"), 10, 64)
	in := sanlian.ProblemInput{Source: f.Get("source"), Category: f.Get("category"), VillageCode: f.Get("village"), HouseholdID: hid,
		ReporterName: f.Get("reporter_name"), ReporterPhone: f.Get("reporter_phone"), Title: f.Get("title"),
		Description: f.Get("description"), Urgency: f.Get("urgency")}
	typed := in
	pr, err := s.Problems.CreateProblem(r.Context(), &in)
	switch code := sanlian.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, "/problems/"+strconv.FormatInt(pr.ID, 10)+"?ok="+url.QueryEscape("已登记，编号 "+pr.Number), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE:
		page, perr := s.newProblemPage(r, typed, f.Get("township"))
		if perr != nil {
			return perr
		}
		page.Error, page.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		return s.render(w, r, http.StatusUnprocessableEntity, "problem_new", page)
	}
	return err
}

type similarFragment struct {
	Items []*sanlian.Similar
}

// similarFragment is GET /problems/similar: suggestions under the entry
// form while the description is typed.
func (s *problemHandlers) similarFragment(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	text := p.str("description")
	if len([]rune(text)) > sanlian.MaxDescription {
		text = string([]rune(text)[:sanlian.MaxDescription])
	}
	items, err := s.Problems.SimilarProblems(r.Context(), p.str("village"), p.str("title")+" "+text, 0)
	if err != nil {
		return err
	}
	return s.renderFragment(w, http.StatusOK, "similar", similarFragment{Items: items})
}

// superviseDialog fills page.Supervise for a red-card problem that the
// reader (the office, or a leader in their townships) may press with a
// notice: the same two clicks as on a leader's workbench.
func (s *problemHandlers) superviseDialog(ctx context.Context, page *problemPage) error {
	if !page.May("POST /supervisions") || page.Problem.UnitID == 0 {
		return nil
	}
	red := false
	for _, x := range page.Supervisions {
		red = red || x.Level == sanlian.LevelRed
	}
	if !red {
		return nil
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	due := sanlian.NoticeReplyDue(cal, s.cfg.Now())
	page.Supervise = map[string]any{"Problem": page.Problem, "Draft": sanlian.NoticeDraft(page.Problem, due),
		"ReplyDue": due, "Today": todayDate()}
	return nil
}
