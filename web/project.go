package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// Service projects (服务群众项目清单): the JSON API, the pages and the
// workbook.

func projectFilter(p *params) sanlian.ProjectFilter {
	f := sanlian.ProjectFilter{UnitID: p.int64("unit_id"), PersonID: p.int64("person_id"), ParentID: p.int64("parent_id"),
		Status: p.oneOf("status", sanlian.ProjectStatuses...), Q: p.str("q"), Cursor: p.str("cursor"), Limit: p.limit()}
	flag := func(name string) bool { b := p.boolPtr(name); return b != nil && *b }
	f.TopOnly, f.Overdue, f.Stalled = flag("top"), flag("overdue"), flag("stalled")
	f.DueBy = dateParam(p, "due_by") // the workbench's due window
	return f
}

// apiProjects is GET /api/v1/projects.
func (s *listHandlers) apiProjects(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := projectFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Projects.FindProjects(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiCreateProject is POST /api/v1/projects.
func (s *listHandlers) apiCreateProject(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.ProjectInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Projects.CreateProject(r.Context(), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// apiProject is GET /api/v1/projects/{id}.
func (s *listHandlers) apiProject(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Projects.FindProjectByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// projectUpdate is the body of PATCH /api/v1/projects/{id}: the whole
// project and the version it was read at.
type projectUpdate struct {
	sanlian.ProjectInput
	Version int64 `json:"version"`
}

// apiUpdateProject is PATCH /api/v1/projects/{id}.
func (s *listHandlers) apiUpdateProject(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var upd projectUpdate
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	if err := needVersion(upd.Version); err != nil {
		return err
	}
	p, err := s.Projects.UpdateProject(r.Context(), id, &upd.ProjectInput, upd.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// apiProjectProgress is GET /api/v1/projects/{id}/progress: the entries,
// newest first, with their evidence.
func (s *listHandlers) apiProjectProgress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	es, err := s.Projects.FindProgress(r.Context(), id)
	if err != nil {
		return err
	}
	writeList(w, es, "")
	return nil
}

// progressResult is the answer to a progress entry: the entry, and the
// project as it stands after it (its new version, done and progress).
type progressResult struct {
	Entry   *sanlian.ProgressEntry `json:"entry"`
	Project *sanlian.Project       `json:"project"`
}

// MaskContacts masks the entry's and the project's free text for output.
func (p progressResult) MaskContacts() { p.Entry.MaskContacts(); p.Project.MaskContacts() }

// apiAddProgress is POST /api/v1/projects/{id}/progress with a
// ProgressInput, version included.
func (s *listHandlers) apiAddProgress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sanlian.ProgressInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := needVersion(in.Version); err != nil {
		return err
	}
	p, e, err := s.Projects.AddProgress(r.Context(), id, &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, progressResult{Entry: e, Project: p})
	return nil
}

// addEvidence checks every file of an upload (photos or documents, by
// content), then stores them on progress entry id.
func (s *listHandlers) addEvidence(r *http.Request, id int64, files []upload) ([]*sanlian.Attachment, error) {
	if len(files) == 0 {
		return nil, sanlian.FieldErrors(map[string]string{"file": "请选择要上传的照片或文件"})
	}
	for _, f := range files {
		if err := checkUpload(f.name, f.data, s.cfg.MaxUpload); err != nil {
			return nil, err
		}
	}
	out := make([]*sanlian.Attachment, 0, len(files))
	for _, f := range files {
		a, err := s.Projects.AddProgressEvidence(r.Context(), id, f.name, bytes.NewReader(f.data), s.cfg.MaxUpload)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// apiAddEvidence is POST /api/v1/progress/{id}/evidence: multipart file
// parts, photos or documents, all checked before the first is stored.
func (s *listHandlers) apiAddEvidence(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, files, err := s.problems.readMultipart(w, r)
	if err != nil {
		return err
	}
	items, err := s.addEvidence(r, id, files)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listResponse[*sanlian.Attachment]{Items: items})
	return nil
}

// Pages.

// projectOption is one entry of a select on the project pages.
type projectOption struct {
	Value    string
	Label    string
	Selected bool
}

// projectView is what the project pages share.
type projectView struct{}

// StatusClass is the CSS class that colours a project status.
func (projectView) StatusClass(status string) string {
	switch status {
	case sanlian.ProjectPlanned:
		return "state-submitted"
	case sanlian.ProjectOngoing:
		return "state-assigned"
	case sanlian.ProjectDone:
		return "state-resolved"
	}
	return "state-rejected"
}

// StalledDays is how long a project goes without progress before it
// shows as stalled.
func (projectView) StalledDays() int { return sanlian.StalledDays }

type projectsPage struct {
	basePage
	projectView
	Projects  []*sanlian.Project
	Units     []*sanlian.Unit
	Statuses  []projectOption
	F         sanlian.ProjectFilter
	Mine      bool
	MayCreate bool
	Next      string
	First     bool
	FirstURL  string // this list's first page, filters kept
	ExportURL string
}

// projectsPage is GET /projects: the list with its filters; mine=1 is the
// projects the caller answers for.
func (s *listHandlers) projectsPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := projectFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	page := &projectsPage{basePage: s.base(r, "服务群众项目清单", "projects"), First: f.Cursor == ""}
	u := page.User
	if p.str("mine") == "1" && u.CadreID != 0 {
		f.PersonID, page.Mine = u.CadreID, true
		page.Title = "我负责的项目"
	}
	page.F = f
	page.MayCreate = u.Role == sanlian.RoleOffice || u.Role == sanlian.RoleUnitAdmin
	page.Statuses = codeOptions(sanlian.ProjectStatuses, sanlian.ProjectStatusLabel, f.Status)
	var next string
	var err error
	if page.Projects, next, err = s.Projects.FindProjects(r.Context(), f); err != nil {
		return err
	}
	page.Next = nextURL(r, next)
	if page.Units, _, err = s.Units.FindUnits(r.Context(), sanlian.UnitFilter{Limit: 500}); err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cursor")
	page.FirstURL = "/projects?" + q.Encode()
	page.ExportURL = "/projects/export.xlsx?" + q.Encode()
	return s.render(w, r, http.StatusOK, "projects", page)
}

// yesNo is 是 or 否, for the workbook.
func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// projectsExport is GET /projects/export.xlsx: the list with its filters,
// every page of it, as a workbook.
func (s *listHandlers) projectsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := projectFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	if u := sanlian.UserFromContext(r.Context()); p.str("mine") == "1" && u != nil && u.CadreID != 0 {
		f.PersonID = u.CadreID
	}
	d := s.describe(r)
	d.unit("责任单位", f.UnitID)
	d.cadre("负责人", f.PersonID)
	d.add("状态", sanlian.ProjectStatusLabel(f.Status))
	if f.TopOnly {
		d.add("范围", "仅顶层项目")
	}
	if f.Overdue {
		d.add("超期", "是")
	}
	if f.Stalled {
		d.add("停滞", "是")
	}
	d.add("关键词", f.Q)
	f.Limit = exportPage
	sh := sheet{name: "项目清单", title: "服务群众项目清单", filter: d.String(), columns: []sanlian.TableColumn{
		{Header: "项目名称", Width: 30, Wrap: true}, {Header: "上级项目", Width: 20, Wrap: true},
		{Header: "责任单位", Width: 20, Wrap: true}, {Header: "类别", Width: 10}, {Header: "目标数量", Width: 10},
		{Header: "计量单位", Width: 8}, {Header: "已完成数量", Width: 10}, {Header: "进度(%)", Width: 8},
		{Header: "受益对象", Width: 20, Wrap: true}, {Header: "开始日期", Width: 12}, {Header: "完成时限", Width: 12},
		{Header: "责任领导", Width: 10}, {Header: "责任人", Width: 10}, {Header: "状态", Width: 8},
		{Header: "是否超期", Width: 8}, {Header: "是否停滞", Width: 8}, {Header: "最近进展", Width: 12},
	}}
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Project, string, error) {
		f.Cursor = cursor
		return s.Projects.FindProjects(r.Context(), f)
	}, func(x *sanlian.Project) []any {
		var target, measure any
		if x.Target > 0 {
			target, measure = x.Target, x.Measure
		}
		return []any{x.Title, x.ParentTitle, x.UnitName, x.CategoryName, target, measure, x.Done, x.Progress,
			x.Beneficiaries, x.StartDate, x.EndDate, x.LeaderName, x.PersonName, x.StatusLabel(), yesNo(x.Overdue), yesNo(x.Stalled),
			x.LastProgress}
	})
}

type projectPage struct {
	basePage
	projectView
	P           *sanlian.Project
	Children    []*sanlian.Project
	Entries     []*sanlian.ProgressEntry
	MayEdit     bool
	MayProgress bool
	MayAddChild bool       // the project is above the last level
	Form        url.Values // the progress form as typed
	Error       string
	Fields      map[string]string
	FailedEntry int64 // the entry whose evidence upload failed
	Today       string
}

// loadProjectPage gathers a project, its sub-projects and its entries.
func (s *listHandlers) loadProjectPage(r *http.Request, id int64) (*projectPage, error) {
	ctx := r.Context()
	p, err := s.Projects.FindProjectByID(ctx, id)
	if err != nil {
		return nil, err
	}
	page := &projectPage{basePage: s.base(r, p.Title, "projects"), P: p, Today: today(),
		Form: url.Values{"date": {today()}, "version": {strconv.FormatInt(p.Version, 10)}}}
	if p.Children > 0 {
		if page.Children, _, err = s.Projects.FindProjects(ctx, sanlian.ProjectFilter{ParentID: id, Limit: 500}); err != nil {
			return nil, err
		}
	}
	if page.Entries, err = s.Projects.FindProgress(ctx, id); err != nil {
		return nil, err
	}
	u := page.User
	page.MayEdit = u.Role == sanlian.RoleOffice || u.Role == sanlian.RoleUnitAdmin
	page.MayAddChild = p.ParentID == 0
	if p.ParentID != 0 {
		if parent, err := s.Projects.FindProjectByID(ctx, p.ParentID); err == nil {
			page.MayAddChild = parent.ParentID == 0
		}
	}
	page.MayProgress = page.MayEdit || (u.Role == sanlian.RoleCadre && u.CadreID != 0 && (u.CadreID == p.LeaderID || u.CadreID == p.PersonID))
	page.MayProgress = page.MayProgress && p.Status != sanlian.ProjectDone && p.Status != sanlian.ProjectSuspended
	return page, nil
}

// projectPage is GET /projects/{id}.
func (s *listHandlers) projectPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := s.loadProjectPage(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "project", page)
}

// formInt reads an optional whole number of a form, noting a bad one in
// bad under field.
func formInt(f url.Values, name, field, msg string, bad map[string]string) int64 {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		bad[field] = msg
	}
	return n
}

// progressInput reads the progress form; bad holds what did not parse.
func progressInput(f url.Values) (*sanlian.ProgressInput, map[string]string) {
	bad := map[string]string{}
	in := &sanlian.ProgressInput{Date: strings.TrimSpace(f.Get("date")), Note: f.Get("note")}
	in.Quantity = formInt(f, "quantity", "quantity", "完成数量须为整数", bad)
	in.Version = formInt(f, "version", "version", "表单已损坏，请刷新页面后重试", bad)
	if v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.Get("percent")), "%")); v != "" {
		if n, err := strconv.Atoi(v); err != nil {
			bad["percent"] = "完成百分比须为 0 到 100 之间的整数"
		} else {
			in.Percent = &n
		}
	}
	return in, bad
}

// mergeErrors adds the fields of bad to err (the service's or Validate's
// answer), so that a form shows every complaint at once.
func mergeErrors(err error, bad map[string]string) error {
	if len(bad) == 0 {
		return err
	}
	fields := map[string]string{}
	for k, v := range sanlian.ErrorFields(err) {
		fields[k] = v
	}
	for k, v := range bad {
		fields[k] = v
	}
	return sanlian.FieldErrors(fields)
}

// progressSubmit is POST /projects/{id}/progress, the project page's form.
// A refused or stale form comes back as typed; saving a stale one again
// applies it.
func (s *listHandlers) progressSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	in, bad := progressInput(f)
	if len(bad) > 0 {
		err = mergeErrors(in.Validate(), bad)
	} else {
		_, _, err = s.Projects.AddProgress(r.Context(), id, in)
	}
	switch code := sanlian.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, "/projects/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已记录进展")+"#progress", http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ECONFLICT, sanlian.EFORBIDDEN:
		page, perr := s.loadProjectPage(r, id)
		if perr != nil {
			return perr
		}
		typed := url.Values{}
		for _, k := range []string{"date", "quantity", "percent", "note"} {
			typed.Set(k, f.Get(k))
		}
		typed.Set("version", f.Get("version"))
		if code == sanlian.ECONFLICT {
			typed.Set("version", strconv.FormatInt(page.P.Version, 10))
		}
		page.Form, page.Error, page.Fields = typed, sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		return s.render(w, r, sanlian.HTTPStatus(code), "project", page)
	}
	return err
}

// evidenceSubmit is POST /progress/{id}/evidence, an entry's upload on the
// project page; the form names the project to come back to.
func (s *listHandlers) evidenceSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form, files, err := s.problems.readMultipart(w, r)
	var items []*sanlian.Attachment
	if err == nil {
		items, err = s.addEvidence(r, id, files)
	}
	projectID, perr := strconv.ParseInt(form.Get("project_id"), 10, 64)
	if perr != nil || projectID <= 0 {
		if err != nil {
			return err
		}
		return sanlian.Errorf(sanlian.EINVALID, "上传表单缺少所属项目，请从项目页面上传")
	}
	switch code := sanlian.ErrorCode(err); code {
	case "":
		msg := fmt.Sprintf("已上传 %d 个佐证材料", len(items))
		http.Redirect(w, r, fmt.Sprintf("/projects/%d?ok=%s#entry-%d", projectID, url.QueryEscape(msg), id), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ETOOLARGE, sanlian.EINVALID:
		page, lerr := s.loadProjectPage(r, projectID)
		if lerr != nil {
			return lerr
		}
		page.Error, page.Fields, page.FailedEntry = "佐证材料未上传："+sanlian.ErrorMessage(err), sanlian.ErrorFields(err), id
		return s.render(w, r, sanlian.HTTPStatus(code), "project", page)
	}
	return err
}

// The entry and edit form.

type projectFormPage struct {
	basePage
	Action     string // where the form posts
	ChooseUnit bool   // the office picks the unit first
	Form       url.Values
	Error      string
	Fields     map[string]string
	Units      []projectOption
	Categories []projectOption
	Parents    []projectOption
	Leaders    []projectOption
	Persons    []projectOption
	Statuses   []projectOption
	Rollups    []projectOption
}

// selectOptions marks the option whose value is selected.
// responsibleOptions lists whom a form offers as responsible person — the
// cadres of the unit (none without one) — and as responsible leader: the
// same, then the county-level leaders.
func (s *listHandlers) responsibleOptions(ctx context.Context, unitID int64) (leaders, persons []projectOption, err error) {
	var cadres []*sanlian.Cadre
	if unitID != 0 {
		if cadres, _, err = s.Cadres.FindCadres(ctx, sanlian.CadreFilter{UnitID: unitID, Limit: 500}); err != nil {
			return nil, nil, err
		}
	}
	yes := true
	county, _, err := s.Cadres.FindCadres(ctx, sanlian.CadreFilter{IsLeader: &yes, Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	listed := map[int64]bool{}
	for _, c := range cadres {
		o := projectOption{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + "（" + c.Post + "）"}
		persons = append(persons, o)
		leaders = append(leaders, o)
		listed[c.ID] = true
	}
	for _, c := range county {
		if !listed[c.ID] {
			leaders = append(leaders, projectOption{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + "（" + c.Post + "，县级领导）"})
		}
	}
	return leaders, persons, nil
}

// codeOptions is a select of codes, each shown by its label.
func codeOptions(codes []string, label func(string) string, selected string) []projectOption {
	out := make([]projectOption, len(codes))
	for i, c := range codes {
		out[i] = projectOption{Value: c, Label: label(c), Selected: c == selected}
	}
	return out
}

func selectOptions(opts []projectOption, selected string) []projectOption {
	for i := range opts {
		opts[i].Selected = opts[i].Value == selected
	}
	return opts
}

// withCurrent adds the selected value to opts when it is not among them,
// so that saving the form again keeps it.
func withCurrent(opts []projectOption, selected, label string) []projectOption {
	if selected == "" || selected == "0" {
		return opts
	}
	for _, o := range opts {
		if o.Value == selected {
			return opts
		}
	}
	return append(opts, projectOption{Value: selected, Label: label, Selected: true})
}

// renderProjectForm shows the entry form posting to action: "/projects"
// for a new project, "/projects/{id}" for one being edited (self).
func (s *listHandlers) renderProjectForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error, action string, self *sanlian.Project) error {
	ctx := r.Context()
	title := "登记服务项目"
	if self != nil {
		title = "修改服务项目"
	}
	page := &projectFormPage{basePage: s.base(r, title, "projects"), Action: action, Form: form,
		Rollups: selectOptions([]projectOption{{Value: sanlian.RollupAverage, Label: "平均（各子项目进度的平均数）"},
			{Value: sanlian.RollupWeighted, Label: "加权（按子项目权重加权平均）"}}, form.Get("rollup"))}
	page.Statuses = codeOptions(sanlian.ProjectStatuses, sanlian.ProjectStatusLabel, form.Get("status"))
	if page.Form.Get("status") == "" {
		page.Statuses = codeOptions(sanlian.ProjectStatuses, sanlian.ProjectStatusLabel, sanlian.ProjectPlanned)
	}
	if err != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
	}
	units, _, ferr := s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500})
	if ferr != nil {
		return ferr
	}
	for _, u := range units {
		page.Units = append(page.Units, projectOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	unit := form.Get("unit_id")
	if unit == "" && page.User.Role == sanlian.RoleUnitAdmin {
		unit = strconv.FormatInt(page.User.UnitID, 10)
		form.Set("unit_id", unit)
	}
	page.Units = selectOptions(page.Units, unit)
	unitID, _ := strconv.ParseInt(unit, 10, 64)
	if unitID == 0 && self == nil {
		page.ChooseUnit = true
		return s.render(w, r, status, "project_new", page)
	}
	cats, ferr := s.Problems.FindCategories(ctx, false)
	if ferr != nil {
		return ferr
	}
	for _, c := range cats {
		page.Categories = append(page.Categories, projectOption{Value: c.Code, Label: c.Name})
	}
	page.Categories = selectOptions(page.Categories, form.Get("category"))
	// Cadres of the unit, and the county leaders for the leader.
	if page.Leaders, page.Persons, ferr = s.responsibleOptions(ctx, unitID); ferr != nil {
		return ferr
	}
	leaderLabel, personLabel := "干部 #"+form.Get("leader_id"), "干部 #"+form.Get("person_id")
	if self != nil && strconv.FormatInt(self.LeaderID, 10) == form.Get("leader_id") {
		leaderLabel = self.LeaderName
	}
	if self != nil && strconv.FormatInt(self.PersonID, 10) == form.Get("person_id") {
		personLabel = self.PersonName
	}
	page.Leaders = withCurrent(selectOptions(page.Leaders, form.Get("leader_id")), form.Get("leader_id"), leaderLabel)
	page.Persons = withCurrent(selectOptions(page.Persons, form.Get("person_id")), form.Get("person_id"), personLabel)
	// Parents: the unit's projects above the third level, neither self
	// nor below it.
	ps, _, ferr := s.Projects.FindProjects(ctx, sanlian.ProjectFilter{UnitID: unitID, Limit: 500})
	if ferr != nil {
		return ferr
	}
	parentOf := map[int64]int64{}
	for _, p := range ps {
		parentOf[p.ID] = p.ParentID
	}
	for _, p := range ps {
		depth, under := 1, false
		for up := p.ParentID; up != 0 && depth <= 3; up = parentOf[up] {
			depth++
			under = under || (self != nil && up == self.ID)
		}
		if depth >= 3 || under || (self != nil && p.ID == self.ID) {
			continue
		}
		label := p.Title
		if p.ParentTitle != "" {
			label = "　└ " + p.Title
		}
		page.Parents = append(page.Parents, projectOption{Value: strconv.FormatInt(p.ID, 10), Label: label})
	}
	parentLabel := "项目 #" + form.Get("parent_id")
	if self != nil && strconv.FormatInt(self.ParentID, 10) == form.Get("parent_id") {
		parentLabel = self.ParentTitle
	}
	page.Parents = withCurrent(selectOptions(page.Parents, form.Get("parent_id")), form.Get("parent_id"), parentLabel)
	return s.render(w, r, status, "project_new", page)
}

// projectNewForm is GET /projects/new[?unit_id=…][&parent_id=…]: a
// sub-project takes its parent's unit.
func (s *listHandlers) projectNewForm(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	unitID, parentID := p.int64("unit_id"), p.int64("parent_id")
	if err := p.err(); err != nil {
		return err
	}
	form := url.Values{"start_date": {today()}, "status": {sanlian.ProjectPlanned}, "rollup": {sanlian.RollupAverage}, "weight": {"1"}}
	if parentID != 0 {
		parent, err := s.Projects.FindProjectByID(r.Context(), parentID)
		if err != nil {
			return err
		}
		unitID = parent.UnitID
		form.Set("parent_id", strconv.FormatInt(parent.ID, 10))
		form.Set("category", parent.Category)
		form.Set("measure", parent.Measure)
		form.Set("end_date", parent.EndDate)
	}
	if unitID != 0 {
		form.Set("unit_id", strconv.FormatInt(unitID, 10))
	}
	return s.renderProjectForm(w, r, http.StatusOK, form, nil, "/projects", nil)
}

// projectInput reads the project form; bad holds what did not parse.
func projectInput(f url.Values) (*sanlian.ProjectInput, map[string]string) {
	bad := map[string]string{}
	in := &sanlian.ProjectInput{Title: f.Get("title"), Category: strings.TrimSpace(f.Get("category")), Description: f.Get("description"),
		Measure: f.Get("measure"), Beneficiaries: f.Get("beneficiaries"), StartDate: strings.TrimSpace(f.Get("start_date")),
		EndDate: strings.TrimSpace(f.Get("end_date")), Status: f.Get("status"), Rollup: f.Get("rollup")}
	in.UnitID = formInt(f, "unit_id", "unit_id", "请选择责任单位", bad)
	in.ParentID = formInt(f, "parent_id", "parent_id", "上级项目不存在", bad)
	in.LeaderID = formInt(f, "leader_id", "leader_id", "请从列表中选择责任领导", bad)
	in.PersonID = formInt(f, "person_id", "person_id", "请从列表中选择责任人", bad)
	in.Target = formInt(f, "target", "target", "目标数量须为整数，如 320", bad)
	in.Weight = int(formInt(f, "weight", "weight", "权重须为 1 到 100 之间的整数", bad))
	return in, bad
}

// projectCreateSubmit is POST /projects, the form's submit.
func (s *listHandlers) projectCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	in, bad := projectInput(f)
	var p *sanlian.Project
	var err error
	if len(bad) > 0 {
		err = mergeErrors(in.Validate(), bad)
	} else {
		p, err = s.Projects.CreateProject(r.Context(), in)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.EFORBIDDEN {
		return s.renderProjectForm(w, r, sanlian.HTTPStatus(code), f, err, "/projects", nil)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/projects/"+strconv.FormatInt(p.ID, 10)+"?ok="+url.QueryEscape("已登记"), http.StatusSeeOther)
	return nil
}

// projectEditForm is GET /projects/{id}/edit: the entry form, filled in.
func (s *listHandlers) projectEditForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Projects.FindProjectByID(r.Context(), id)
	if err != nil {
		return err
	}
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	f := url.Values{"title": {p.Title}, "unit_id": {num(p.UnitID)}, "parent_id": {num(p.ParentID)}, "category": {p.Category},
		"description": {p.Description}, "target": {num(p.Target)}, "measure": {p.Measure}, "beneficiaries": {p.Beneficiaries},
		"start_date": {p.StartDate}, "end_date": {p.EndDate}, "leader_id": {num(p.LeaderID)}, "person_id": {num(p.PersonID)},
		"status": {p.Status}, "weight": {strconv.Itoa(p.Weight)}, "rollup": {p.Rollup}, "version": {strconv.FormatInt(p.Version, 10)}}
	return s.renderProjectForm(w, r, http.StatusOK, f, nil, "/projects/"+strconv.FormatInt(id, 10), p)
}

// projectEditSubmit is POST /projects/{id}: saves the form with the
// version it was read at; a refused or stale form comes back as typed.
func (s *listHandlers) projectEditSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	cur, err := s.Projects.FindProjectByID(r.Context(), id)
	if err != nil {
		return err
	}
	in, bad := projectInput(f)
	version, verr := strconv.ParseInt(f.Get("version"), 10, 64)
	if verr != nil || version <= 0 {
		bad["version"] = "表单已损坏，请刷新页面后重试"
	}
	if len(bad) > 0 {
		err = mergeErrors(in.Validate(), bad)
	} else {
		_, err = s.Projects.UpdateProject(r.Context(), id, in, version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT || code == sanlian.EFORBIDDEN {
		if code == sanlian.ECONFLICT {
			if now, ferr := s.Projects.FindProjectByID(r.Context(), id); ferr == nil {
				cur = now
				f.Set("version", strconv.FormatInt(now.Version, 10)) // saving again applies what was typed
			}
		}
		return s.renderProjectForm(w, r, sanlian.HTTPStatus(code), f, err, "/projects/"+strconv.FormatInt(id, 10), cur)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/projects/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已保存"), http.StatusSeeOther)
	return nil
}
