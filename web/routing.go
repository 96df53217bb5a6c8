package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// Routing rules (派单规则) and the office's intake limits: the JSON API and
// the office's page.

func routingFilter(p *params) sanlian.RoutingRuleFilter {
	f := sanlian.RoutingRuleFilter{Category: p.str("category"), RegionCode: p.str("region"), UnitID: p.int64("unit_id"),
		Active: p.boolPtr("active"), Cursor: p.str("cursor"), Limit: p.limit()}
	return f
}

// apiRoutingRules is GET /api/v1/routing-rules.
func (s *problemHandlers) apiRoutingRules(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := routingFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Routing.FindRoutingRules(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiRoutingRule is GET /api/v1/routing-rules/{id}.
func (s *problemHandlers) apiRoutingRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rule, err := s.Routing.FindRoutingRule(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rule)
	return nil
}

// routingInput is the body of POST and PUT /api/v1/routing-rules. Active
// defaults to true for a new rule.
type routingInput struct {
	Category string `json:"category"`
	Region   string `json:"region"`
	UnitID   int64  `json:"unit_id"`
	PersonID int64  `json:"person_id"`
	Sort     int    `json:"sort"`
	Active   *bool  `json:"active"`
	Note     string `json:"note"`
	Version  int64  `json:"version"`
}

// apiSaveRoutingRule is POST /api/v1/routing-rules (create) and PUT
// /api/v1/routing-rules/{id} (replace, version as read).
func (s *problemHandlers) apiSaveRoutingRule(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	}
	var in routingInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if id != 0 {
		if err := needVersion(in.Version); err != nil {
			return err
		}
	}
	rule := &sanlian.RoutingRule{ID: id, Category: in.Category, RegionCode: in.Region, UnitID: in.UnitID, PersonID: in.PersonID,
		Sort: in.Sort, Active: in.Active == nil || *in.Active, Note: in.Note, Version: in.Version}
	if id == 0 {
		rule.Version = 0
	}
	if err := s.Routing.SaveRoutingRule(r.Context(), rule); err != nil {
		return err
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, rule)
	return nil
}

// apiDeleteRoutingRule is DELETE /api/v1/routing-rules/{id}?version=N.
func (s *problemHandlers) apiDeleteRoutingRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := newParams(r)
	v := p.int64("version")
	if err := p.err(); err != nil {
		return err
	}
	if err := needVersion(v); err != nil {
		return err
	}
	if err := s.Routing.DeleteRoutingRule(r.Context(), id, v); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiIntakeLimits is GET /api/v1/intake-limits: the dispatch limit of
// every source, defaults included.
func (s *problemHandlers) apiIntakeLimits(w http.ResponseWriter, r *http.Request) error {
	l, err := s.Routing.IntakeLimits(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, intakeAnswer(l))
	return nil
}

func intakeAnswer(l *sanlian.IntakeLimits) *sanlian.IntakeLimits {
	out := &sanlian.IntakeLimits{Days: map[string]int{}, Version: l.Version, UpdatedAt: l.UpdatedAt}
	for _, src := range sanlian.Sources {
		out.Days[src] = l.For(src)
	}
	return out
}

// apiSaveIntakeLimits is PUT /api/v1/intake-limits {days: {source: n},
// version}.
func (s *problemHandlers) apiSaveIntakeLimits(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.IntakeLimits
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := needVersion(in.Version); err != nil {
		return err
	}
	if err := s.Routing.SaveIntakeLimits(r.Context(), &in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, intakeAnswer(&in))
	return nil
}

// returnWindow reads from and to (dates, to inclusive), by default the
// last 90 days.
func returnWindow(p *params) (from, to time.Time) {
	from, to = p.date("from"), p.date("to")
	if to.IsZero() {
		now := time.Now().In(sanlian.Shanghai)
		to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -89)
	}
	return from, to.AddDate(0, 0, 1)
}

// apiReturnCounts is GET /api/v1/returns?from=&to=: returns per unit.
func (s *problemHandlers) apiReturnCounts(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	from, to := returnWindow(p)
	if err := p.err(); err != nil {
		return err
	}
	items, err := s.Routing.ReturnCounts(r.Context(), from, to)
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// routingPage is GET /routing-rules.
type routingPage struct {
	basePage
	Rules      []*sanlian.RoutingRule
	F          sanlian.RoutingRuleFilter
	Next       string
	Categories []*sanlian.Category
	Townships  []*sanlian.Region
	Units      []*sanlian.Unit
	Limits     *sanlian.IntakeLimits
	Sources    []string
	Returns    []*sanlian.ReturnCount
	From, To   string
	Error      string
	Fields     map[string]string
	Form       url.Values
}

func (s *problemHandlers) loadRoutingPage(r *http.Request) (*routingPage, error) {
	ctx := r.Context()
	p := newParams(r)
	page := &routingPage{basePage: s.base(r, "派单规则", "problems"), F: routingFilter(p), Sources: sanlian.Sources}
	from, to := returnWindow(p)
	if err := p.err(); err != nil {
		return nil, err
	}
	page.From, page.To = from.Format(sanlian.DateLayout), to.AddDate(0, 0, -1).Format(sanlian.DateLayout)
	if page.F.Limit == 0 {
		page.F.Limit = 100
	}
	var err error
	if page.Rules, page.Next, err = s.Routing.FindRoutingRules(ctx, page.F); err != nil {
		return nil, err
	}
	if page.Categories, err = s.Problems.FindCategories(ctx, false); err != nil {
		return nil, err
	}
	if page.Townships, err = s.org.townships(r); err != nil {
		return nil, err
	}
	if page.Units, _, err = s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500}); err != nil {
		return nil, err
	}
	l, err := s.Routing.IntakeLimits(ctx)
	if err != nil {
		return nil, err
	}
	page.Limits = intakeAnswer(l)
	if page.Returns, err = s.Routing.ReturnCounts(ctx, from, to); err != nil {
		return nil, err
	}
	if page.Next != "" {
		page.Next = nextURL(r, page.Next)
	}
	return page, nil
}

func (s *problemHandlers) routingRulesPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadRoutingPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "routing", page)
}

// routingRuleSubmit is POST /routing-rules: a new rule from the page's
// form, whose place is a township and optionally one of its villages.
func (s *problemHandlers) routingRuleSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	num := func(k string) int64 { n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64); return n }
	region := strings.TrimSpace(f.Get("village"))
	if region == "" {
		region = strings.TrimSpace(f.Get("township"))
	}
	if region == "" {
		region = s.countyCode(r)
	}
	rule := &sanlian.RoutingRule{Category: f.Get("category"), RegionCode: region, UnitID: num("unit_id"), PersonID: num("person_id"),
		Sort: int(num("sort")), Active: true, Note: f.Get("note")}
	return s.routingDone(w, r, s.Routing.SaveRoutingRule(r.Context(), rule), "已新增派单规则")
}

// countyCode is the county's region code, the place of a county-wide rule.
func (s *problemHandlers) countyCode(r *http.Request) string {
	cs, _, err := s.Regions.FindRegions(r.Context(), sanlian.RegionFilter{Kind: sanlian.RegionCounty, Limit: 1})
	if err != nil || len(cs) == 0 {
		return ""
	}
	return cs[0].Code
}

// routingRuleToggle is POST /routing-rules/{id}/toggle: switch a rule on
// or off (version as read).
func (s *problemHandlers) routingRuleToggle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	rule, err := s.Routing.FindRoutingRule(r.Context(), id)
	if err != nil {
		return err
	}
	v, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	rule.Version, rule.Active = v, !rule.Active
	msg := fmt.Sprintf("已停用规则 #%d", id)
	if rule.Active {
		msg = fmt.Sprintf("已启用规则 #%d", id)
	}
	return s.routingDone(w, r, s.Routing.SaveRoutingRule(r.Context(), rule), msg)
}

// routingRuleDelete is POST /routing-rules/{id}/delete.
func (s *problemHandlers) routingRuleDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	v, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	return s.routingDone(w, r, s.Routing.DeleteRoutingRule(r.Context(), id, v), fmt.Sprintf("已删除规则 #%d", id))
}

// intakeLimitsSubmit is POST /routing-rules/intake: the dispatch limits.
func (s *problemHandlers) intakeLimitsSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	l := &sanlian.IntakeLimits{Days: map[string]int{}}
	l.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	fields := map[string]string{}
	for _, src := range sanlian.Sources {
		v := strings.TrimSpace(f.Get(src))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			fields["days."+src] = sanlian.SourceLabel(src) + "的派单时限应为整数"
			continue
		}
		l.Days[src] = n
	}
	err := sanlian.FieldErrors(fields)
	if err == nil {
		err = s.Routing.SaveIntakeLimits(r.Context(), l)
	}
	return s.routingDone(w, r, err, "已保存受理派单时限")
}

// routingDone redirects after a write, or shows the page again with the
// reason it was refused and what was typed.
func (s *problemHandlers) routingDone(w http.ResponseWriter, r *http.Request, err error, ok string) error {
	switch code := sanlian.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, "/routing-rules?ok="+url.QueryEscape(ok), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ECONFLICT, sanlian.ENOTFOUND:
		page, perr := s.loadRoutingPage(r)
		if perr != nil {
			return perr
		}
		page.Error, page.Fields, page.Form = sanlian.ErrorMessage(err), sanlian.ErrorFields(err), r.PostForm
		return s.render(w, r, sanlian.HTTPStatus(code), "routing", page)
	}
	return err
}

// routingExport is GET /routing-rules/export.xlsx: the rules as the
// import takes them back.
func (s *problemHandlers) routingExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := routingFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	f.Limit = 500
	d := s.describe(r)
	d.add("类别", f.Category)
	d.add("地区代码", f.RegionCode)
	d.yesNo("状态", f.Active, "启用", "停用")
	k := sanlian.FindImportKind("routing_rules")
	cols := make([]sanlian.TableColumn, 0, len(k.Columns)+2)
	for _, c := range k.Columns {
		cols = append(cols, sanlian.TableColumn{Header: c.Header, Width: 16})
	}
	cols = append(cols, sanlian.TableColumn{Header: "已派单", Width: 8}, sanlian.TableColumn{Header: "被退单", Width: 8})
	sh := sheet{name: "派单规则", filter: d.String(), columns: cols}
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.RoutingRule, string, error) {
		f.Cursor = cursor
		return s.Routing.FindRoutingRules(r.Context(), f)
	}, func(x *sanlian.RoutingRule) []any {
		cat := x.CategoryName
		if x.Category == "" {
			cat = "全部类别"
		}
		active := "是"
		if !x.Active {
			active = "否"
		}
		return []any{cat, x.Place(), x.UnitName, x.PersonName, x.Sort, active, x.Note, x.Routed, x.Returned}
	})
}
