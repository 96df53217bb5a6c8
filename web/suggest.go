package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"sanlian"
)

// Pickers: people choose problems by the number they see, and cadres and
// units by name with suggestions, instead of typing internal ids. The
// API keeps its ids.

// problemByNumber finds the problem of number n in the reader's scope. A
// number that does not exist and one outside the scope get the same
// ENOTFOUND message, so that the answer tells nothing of the problems the
// reader may not see.
func (s *deskHandlers) problemByNumber(ctx context.Context, n sanlian.ProblemNumber) (*sanlian.Problem, error) {
	items, _, err := s.Problems.FindProblems(ctx, sanlian.ProblemFilter{Number: n.String(), Limit: 2})
	if err != nil {
		return nil, err
	}
	if len(items) != 1 {
		return nil, problemNotFound(n)
	}
	return items[0], nil
}

func problemNotFound(n sanlian.ProblemNumber) error {
	return sanlian.Errorf(sanlian.ENOTFOUND, "没有找到编号为 %s 的问题", n)
}

// maxSuggestions is how many suggestions a picker shows at a time.
const maxSuggestions = 10

// suggestion is one <option> of a picker's <datalist>: Value is what the
// field then holds (a name people read, and that resolves back to the
// thing), ID what the option carries to the hidden id field, Detail a
// hint shown beside it. Only masked, non-personal data goes here: names,
// units, posts, problem numbers and titles; never phones or ID numbers.
type suggestion struct {
	ID     int64
	Value  string
	Detail string
}

// suggestQuery is what a suggestions request searches for: q, or the
// parameter named by field (an htmx input sends its own name).
func suggestQuery(r *http.Request) string {
	q := r.URL.Query()
	name := "q"
	if f := q.Get("field"); f != "" {
		name = f
	}
	return strings.TrimSpace(q.Get(name))
}

// cadreValue is how a cadre reads in a picker: the name and, to tell
// namesakes apart, the unit.
func cadreValue(c *sanlian.Cadre) string {
	if c.UnitName == "" {
		return c.Name
	}
	return c.Name + "（" + c.UnitName + "）"
}

// splitCadreValue undoes cadreValue: 张三（县民政局） → 张三, 县民政局.
func splitCadreValue(s string) (name, unit string) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "（"); i > 0 && strings.HasSuffix(s, "）") {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(strings.TrimSuffix(s[i+len("（"):], "）"))
	}
	if i := strings.Index(s, "("); i > 0 && strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(strings.TrimSuffix(s[i+1:], ")"))
	}
	return s, ""
}

// suggestCadres is GET /suggest/cadres?q=: cadres in the reader's scope
// whose name holds q (unit_id narrows to one unit).
func (s *deskHandlers) suggestCadres(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	unit := p.int64("unit_id")
	if err := p.err(); err != nil {
		return err
	}
	var out []suggestion
	text, before := suggestQuery(r), ""
	if r.URL.Query().Get("multi") == "1" { // several names: suggest for the last, keeping the others
		if i := strings.LastIndexFunc(text, isNameSep); i >= 0 {
			_, n := utf8.DecodeRuneInString(text[i:])
			text, before = strings.TrimSpace(text[i+n:]), strings.TrimSpace(text[:i+n])
		}
	}
	if q, _ := splitCadreValue(text); q != "" {
		cs, _, err := s.Cadres.FindCadres(r.Context(), sanlian.CadreFilter{Q: q, UnitID: unit, Limit: maxSuggestions})
		if err != nil {
			return err
		}
		for _, c := range cs {
			out = append(out, suggestion{ID: c.ID, Value: before + cadreValue(c), Detail: c.Post})
		}
	}
	return s.renderFragment(w, http.StatusOK, "suggestions", out)
}

// suggestUnits is GET /suggest/units?q=: units in the reader's scope whose
// name holds q.
func (s *deskHandlers) suggestUnits(w http.ResponseWriter, r *http.Request) error {
	var out []suggestion
	if q := suggestQuery(r); q != "" {
		us, _, err := s.Units.FindUnits(r.Context(), sanlian.UnitFilter{Q: q, Limit: maxSuggestions})
		if err != nil {
			return err
		}
		for _, u := range us {
			out = append(out, suggestion{ID: u.ID, Value: u.Name, Detail: sanlian.UnitKindLabel(u.Kind)})
		}
	}
	return s.renderFragment(w, http.StatusOK, "suggestions", out)
}

// suggestProblems is GET /suggest/problems?q=: problems in the reader's
// scope by number (安化-2026-000676) or by words of the title.
func (s *deskHandlers) suggestProblems(w http.ResponseWriter, r *http.Request) error {
	out, err := s.problemSuggestions(r.Context(), suggestQuery(r))
	if err != nil {
		return err
	}
	return s.renderFragment(w, http.StatusOK, "suggestions", out)
}

func (s *deskHandlers) problemSuggestions(ctx context.Context, q string) ([]suggestion, error) {
	if q == "" {
		return nil, nil
	}
	f := sanlian.ProblemFilter{Q: q, Limit: maxSuggestions}
	if n, ok := sanlian.ParseProblemNumber(q); ok {
		f = sanlian.ProblemFilter{Number: n.String(), Limit: 1}
	} else if _, ok := sanlian.ParseSearch(q); !ok || len([]rune(q)) > sanlian.MaxSearch {
		return nil, nil
	}
	ps, _, err := s.Problems.FindProblems(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]suggestion, len(ps))
	for i, p := range ps {
		out[i] = suggestion{ID: p.ID, Value: p.Number + " " + p.Title, Detail: sanlian.StateLabel(p.State)}
	}
	return out, nil
}

// suggestTargets is GET /suggest/targets?target_kind=&q=: the supervision
// form's targets of the chosen kind; with source= instead of target_kind,
// the responsibility form's problems and projects.
func (s *deskHandlers) suggestTargets(w http.ResponseWriter, r *http.Request) error {
	q, ctx := suggestQuery(r), r.Context()
	var out []suggestion
	var err error
	kind := r.URL.Query().Get("target_kind")
	if kind == "" { // the responsibility form's source
		kind = r.URL.Query().Get("source")
		if kind != sanlian.RespProblem && kind != sanlian.RespProject {
			return s.renderFragment(w, http.StatusOK, "suggestions", out)
		}
	}
	switch kind {
	case sanlian.TargetProject:
		out, err = s.projectSuggestions(ctx, q)
	case sanlian.TargetResponsibility:
		out, err = s.respSuggestions(ctx, q)
	default:
		out, err = s.problemSuggestions(ctx, q)
	}
	if err != nil {
		return err
	}
	return s.renderFragment(w, http.StatusOK, "suggestions", out)
}

func (s *deskHandlers) projectSuggestions(ctx context.Context, q string) ([]suggestion, error) {
	if q == "" {
		return nil, nil
	}
	ps, _, err := s.Projects.FindProjects(ctx, sanlian.ProjectFilter{Q: q, Limit: maxSuggestions})
	if err != nil {
		return nil, err
	}
	out := make([]suggestion, len(ps))
	for i, p := range ps {
		out[i] = suggestion{ID: p.ID, Value: p.Title, Detail: p.UnitName}
	}
	return out, nil
}

// respSuggestions lists entered responsibilities whose task holds q (the
// derived lines are supervised through their problem or project).
func (s *deskHandlers) respSuggestions(ctx context.Context, q string) ([]suggestion, error) {
	if q == "" {
		return nil, nil
	}
	rs, err := s.findResps(ctx, q, maxSuggestions)
	if err != nil {
		return nil, err
	}
	out := []suggestion{}
	for _, x := range rs {
		if len(out) == maxSuggestions {
			break
		}
		out = append(out, suggestion{ID: x.ID, Value: x.Task, Detail: x.UnitName})
	}
	return out, nil
}

// findResps lists the entered responsibilities in scope whose task holds
// q, stopping once it has more than enough (0: all of them).
func (s *deskHandlers) findResps(ctx context.Context, q string, enough int) ([]*sanlian.Responsibility, error) {
	var out []*sanlian.Responsibility
	f := sanlian.ResponsibilityFilter{Entered: true, Limit: 500}
	for {
		rs, next, err := s.Resps.FindResponsibilities(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			if !x.Derived && strings.Contains(x.Task, q) {
				out = append(out, x)
			}
		}
		if next == "" || (enough > 0 && len(out) > enough) {
			return out, nil
		}
		f.Cursor = next
	}
}

// Resolving what was typed or chosen.

// pickedID reads the id a chosen suggestion put in the hidden field name;
// 0 when empty or not a number.
func pickedID(v url.Values, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v.Get(name)), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// resolveCadre finds the one cadre in the reader's scope that text names:
// the id of the chosen suggestion when it matches the text, else the name
// (张三, or 张三（县民政局） as the suggestions show it). msg is the
// field's error in Chinese; err only for failures of the service.
func (s *deskHandlers) resolveCadre(ctx context.Context, id int64, text string) (c *sanlian.Cadre, msg string, err error) {
	name, unit := splitCadreValue(text)
	if id != 0 {
		c, err := s.Cadres.FindCadreByID(ctx, id)
		if err == nil && (name == "" || c.Name == name) {
			return c, "", nil
		} else if err != nil && sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
			return nil, "", err
		}
	}
	if name == "" {
		return nil, "请填写干部姓名", nil
	}
	cs, _, err := s.Cadres.FindCadres(ctx, sanlian.CadreFilter{Q: name, Limit: 500})
	if err != nil {
		return nil, "", err
	}
	var found []*sanlian.Cadre
	for _, c := range cs {
		if c.Name == name && (unit == "" || c.UnitName == unit) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Sprintf("没有找到干部“%s”", strings.TrimSpace(text)), nil
	case 1:
		return found[0], "", nil
	}
	return nil, "有多名同名干部，请从建议中选择（显示所在单位）", nil
}

// isNameSep separates names in a list: commas, 、 and semicolons (not
// spaces, which a name may hold).
func isNameSep(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }

// resolveCadres resolves a list of names separated by isNameSep, each as
// resolveCadre does; the message names the first that failed.
func (s *deskHandlers) resolveCadres(ctx context.Context, text string) ([]int64, string, error) {
	var ids []int64
	seen := map[int64]bool{}
	for _, part := range strings.FieldsFunc(text, isNameSep) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c, msg, err := s.resolveCadre(ctx, 0, part)
		if err != nil || msg != "" {
			if msg != "" && !strings.Contains(msg, part) {
				msg = "“" + part + "”：" + msg
			}
			return nil, msg, err
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
	}
	return ids, "", nil
}

// resolveUnit finds the one unit in the reader's scope that text names,
// as resolveCadre does for cadres.
func (s *deskHandlers) resolveUnit(ctx context.Context, id int64, text string) (u *sanlian.Unit, msg string, err error) {
	name := strings.TrimSpace(text)
	if id != 0 {
		u, err := s.Units.FindUnitByID(ctx, id)
		if err == nil && (name == "" || u.Name == name) {
			return u, "", nil
		} else if err != nil && sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
			return nil, "", err
		}
	}
	if name == "" {
		return nil, "请填写单位名称", nil
	}
	us, _, err := s.Units.FindUnits(ctx, sanlian.UnitFilter{Q: name, Limit: 500})
	if err != nil {
		return nil, "", err
	}
	var found []*sanlian.Unit
	for _, u := range us {
		if u.Name == name {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Sprintf("没有找到单位“%s”", name), nil
	case 1:
		return found[0], "", nil
	}
	return nil, "有多个同名单位，请从建议中选择", nil
}

// resolveTarget finds the supervision target of kind that text names: a
// problem by its number (the suggestions start with it), a project or a
// responsibility by its title (the chosen suggestion's id tells namesakes
// apart). A problem
// number that does not exist and one outside the reader's scope get the
// same message.
func (s *deskHandlers) resolveTarget(ctx context.Context, kind string, id int64, text string) (int64, string, error) {
	text = strings.TrimSpace(text)
	switch kind {
	case sanlian.TargetProblem:
		first, _, _ := strings.Cut(text, " ")
		if n, ok := sanlian.ParseProblemNumber(first); ok {
			p, err := s.problemByNumber(ctx, n)
			if code := sanlian.ErrorCode(err); code == sanlian.ENOTFOUND {
				return 0, sanlian.ErrorMessage(err), nil
			} else if err != nil {
				return 0, "", err
			}
			return p.ID, "", nil
		}
		// A chosen suggestion starts with the number, so the id adds
		// nothing; it may be stale (another kind's) and is not used.
		if text == "" {
			return 0, "请填写问题编号，如 安化-2026-000676", nil
		}
		return 0, fmt.Sprintf("“%s”不是问题编号：请填写编号（如 安化-2026-000676），或输入关键词后从建议中选择", text), nil
	case sanlian.TargetProject:
		if text == "" && id == 0 {
			return 0, "请填写项目名称", nil
		}
		ps, _, err := s.Projects.FindProjects(ctx, sanlian.ProjectFilter{Q: text, Limit: 500})
		if err != nil {
			return 0, "", err
		}
		var found []int64
		for _, p := range ps {
			if p.ID == id && (text == "" || p.Title == text) {
				return id, "", nil
			}
			if p.Title == text {
				found = append(found, p.ID)
			}
		}
		switch len(found) {
		case 0:
			return 0, fmt.Sprintf("没有找到项目“%s”", text), nil
		case 1:
			return found[0], "", nil
		}
		return 0, "有多个同名项目，请从建议中选择（显示责任单位）", nil
	case sanlian.TargetResponsibility:
		if text == "" && id == 0 {
			return 0, "请填写责任事项", nil
		}
		rs, err := s.findResps(ctx, text, 0)
		if err != nil {
			return 0, "", err
		}
		var found []int64
		for _, x := range rs {
			if x.ID == id && (text == "" || x.Task == text) {
				return id, "", nil
			}
			if x.Task == text {
				found = append(found, x.ID)
			}
		}
		switch len(found) {
		case 0:
			return 0, fmt.Sprintf("没有找到责任事项“%s”", text), nil
		case 1:
			return found[0], "", nil
		}
		return 0, "有多个相同的责任事项，请从建议中选择（显示责任单位）", nil
	}
	return id, "", nil // an unknown kind: the service refuses it
}

// targetText is how the supervision form's picker shows a target given by
// id in a link: a problem's number and title, a project's title, a
// responsibility's task; "" when it is not found in the reader's scope.
func (s *deskHandlers) targetText(ctx context.Context, kind string, id int64) string {
	if id == 0 {
		return ""
	}
	switch kind {
	case sanlian.TargetProblem:
		if p, err := s.Problems.FindProblemByID(ctx, id); err == nil {
			return p.Number + " " + p.Title
		}
	case sanlian.TargetProject:
		if p, err := s.Projects.FindProjectByID(ctx, id); err == nil {
			return p.Title
		}
	case sanlian.TargetResponsibility:
		if x, err := s.Resps.FindResponsibilityByID(ctx, id); err == nil {
			return x.Task
		}
	}
	return ""
}

// pickCadreParam resolves a filter's cadre picker, in place: the name in
// query parameter name (as typed or chosen; the hidden idName carries a
// chosen suggestion's id) becomes idName for the handlers that read ids.
// Without name in the query (a link) idName stays as it is; an emptied
// name drops the filter. It returns the text to show again and the
// field's error, which also drops the filter.
func (s *deskHandlers) pickCadreParam(r *http.Request, name, idName string) (text, msg string, err error) {
	q := r.URL.Query()
	if !q.Has(name) {
		return "", "", nil
	}
	text = strings.TrimSpace(q.Get(name))
	q.Del(idName)
	if text != "" {
		var c *sanlian.Cadre
		if c, msg, err = s.resolveCadre(r.Context(), pickedID(r.URL.Query(), idName), text); err != nil {
			return text, "", err
		}
		if c != nil {
			q.Set(idName, strconv.FormatInt(c.ID, 10))
		}
	}
	r.URL.RawQuery = q.Encode()
	return text, msg, nil
}

// activityVolunteers adds to in the cadres named in the activity form's
// volunteer_names (names separated by commas, each as the suggestions show
// it). A name that finds no cadre or several is a field error
// (EUNPROCESSABLE) on volunteers, so that the form comes back as typed.
func (s *deskHandlers) activityVolunteers(ctx context.Context, f url.Values, in *sanlian.ActivityInput) (*sanlian.ActivityInput, error) {
	if strings.TrimSpace(f.Get("volunteer_names")) == "" {
		return in, nil
	}
	ids, msg, err := s.resolveCadres(ctx, f.Get("volunteer_names"))
	if err != nil {
		return nil, err
	}
	if msg != "" {
		if !strings.HasPrefix(msg, "“") {
			msg = "：" + msg
		}
		return nil, sanlian.FieldErrors(map[string]string{"volunteers": "干部志愿者" + msg})
	}
	for _, id := range ids {
		if !slices.Contains(in.Volunteers, id) {
			in.Volunteers = append(in.Volunteers, id)
		}
	}
	return in, nil
}

// cadreNames is the cadres of ids as the names picker shows them,
// separated by "，"; ids not found in the reader's scope are left out.
func (s *deskHandlers) cadreNames(ctx context.Context, ids []int64) string {
	var names []string
	for _, id := range ids {
		if c, err := s.Cadres.FindCadreByID(ctx, id); err == nil {
			names = append(names, cadreValue(c))
		}
	}
	return strings.Join(names, "，")
}

// userLinks is the account form's unit and cadre pickers: their text and
// the errors of names that found none or several.
type userLinks struct {
	unit, cadre string
	fields      map[string]string
}

func (l userLinks) err() error {
	if len(l.fields) == 0 {
		return nil
	}
	return sanlian.FieldErrors(l.fields)
}

// pickUserLinks resolves the account form's unit (name, with the chosen
// suggestion's id in unit_id) and cadre (cadre_id) into in. A form without
// the pickers keeps the ids as posted.
func (s *deskHandlers) pickUserLinks(r *http.Request, in *userInput) (userLinks, error) {
	f, ctx := r.PostForm, r.Context()
	l := userLinks{unit: strings.TrimSpace(f.Get("unit")), cadre: strings.TrimSpace(f.Get("cadre")), fields: map[string]string{}}
	if f.Has("unit") {
		in.UnitID = 0
		if l.unit != "" {
			u, msg, err := s.resolveUnit(ctx, pickedID(f, "unit_id"), l.unit)
			if err != nil {
				return l, err
			}
			if msg != "" {
				l.fields["unit"] = msg
			} else {
				in.UnitID, l.unit = u.ID, u.Name
			}
		}
	}
	if f.Has("cadre") {
		in.CadreID = 0
		if l.cadre != "" {
			c, msg, err := s.resolveCadre(ctx, pickedID(f, "cadre_id"), l.cadre)
			if err != nil {
				return l, err
			}
			if msg != "" {
				l.fields["cadre"] = msg
			} else {
				in.CadreID, l.cadre = c.ID, cadreValue(c)
			}
		}
	}
	return l, nil
}

// pickRespSource resolves the responsibility form's source picker
// (source_ref: a problem's number, a project's title, a dispatch
// decision's number; the chosen suggestion's id in source_id) into in. A
// form without the picker keeps source_id as posted.
func (s *deskHandlers) pickRespSource(ctx context.Context, f url.Values, in *sanlian.ResponsibilityInput, bad map[string]string) error {
	if !f.Has("source_ref") {
		return nil
	}
	delete(bad, "source_id")
	text := strings.TrimSpace(f.Get("source_ref"))
	in.SourceID = 0
	switch in.Source {
	case sanlian.RespProblem, sanlian.RespProject:
		if text == "" {
			return nil // Validate asks for it
		}
		kind := sanlian.TargetProblem
		if in.Source == sanlian.RespProject {
			kind = sanlian.TargetProject
		}
		id, msg, err := s.resolveTarget(ctx, kind, pickedID(f, "source_id"), text)
		if err != nil {
			return err
		}
		if msg != "" {
			bad["source_id"] = msg
		}
		in.SourceID = id
	case sanlian.RespDispatch:
		if text == "" {
			return nil
		}
		id := pickedID(url.Values{"n": {strings.TrimPrefix(normID(text), "#")}}, "n")
		if id == 0 {
			bad["source_id"] = fmt.Sprintf("“%s”不是议定事项的编号：请填写调度会页面上议定事项的编号", text)
		}
		in.SourceID = id
	default:
		if text != "" {
			bad["source_id"] = "自定事项不关联来源，请清空“来源”"
		}
	}
	return nil
}

// normID turns full-width digits and the number sign into ASCII ones.
func normID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '＃':
			return '#'
		}
		return r
	}, strings.TrimSpace(s))
}

// fillRespSource gives the responsibility form's source picker its text
// when the form holds only the id (an edit, a link from a problem).
func (s *deskHandlers) fillRespSource(ctx context.Context, form url.Values) {
	if form.Has("source_ref") {
		return
	}
	id := pickedID(form, "source_id")
	switch form.Get("source") {
	case sanlian.RespProblem:
		form.Set("source_ref", s.targetText(ctx, sanlian.TargetProblem, id))
	case sanlian.RespProject:
		form.Set("source_ref", s.targetText(ctx, sanlian.TargetProject, id))
	case sanlian.RespDispatch:
		if id != 0 {
			form.Set("source_ref", strconv.FormatInt(id, 10))
		}
	}
}
