package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// Volunteer activities (志愿服务活动): the JSON API and the pages, their
// photos, the activity type dictionary, a volunteer's own record and the
// list's export.

func activityFilter(p *params) sanlian.ActivityFilter {
	f := sanlian.ActivityFilter{Type: p.str("type"), UnitID: p.int64("unit_id"), VolunteerID: p.int64("volunteer"),
		TownshipCode: p.str("township"), VillageCode: p.str("village"), Cursor: p.str("cursor"), Limit: p.limit()}
	if !p.date("from").IsZero() {
		f.From = p.str("from")
	}
	if !p.date("to").IsZero() {
		f.To = p.str("to")
	}
	return f
}

// apiActivities is GET /api/v1/activities.
func (s *workHandlers) apiActivities(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := activityFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Activities.FindActivities(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiCreateActivity is POST /api/v1/activities.
func (s *workHandlers) apiCreateActivity(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.ActivityInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.Activities.CreateActivity(r.Context(), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/activities/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// apiActivity is GET /api/v1/activities/{id}.
func (s *workHandlers) apiActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Activities.FindActivityByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// activityUpdate is the body of PATCH /api/v1/activities/{id}: the whole
// activity and the version it was read at.
type activityUpdate struct {
	sanlian.ActivityInput
	Version int64 `json:"version"`
}

// apiUpdateActivity is PATCH /api/v1/activities/{id}.
func (s *workHandlers) apiUpdateActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var upd activityUpdate
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	if err := needVersion(upd.Version); err != nil {
		return err
	}
	a, err := s.Activities.UpdateActivity(r.Context(), id, &upd.ActivityInput, upd.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// apiActivityTotals is GET /api/v1/activities/totals?from=&to=.
func (s *workHandlers) apiActivityTotals(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := activityFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	t, err := s.Activities.ActivityTotals(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// apiActivityTypes is GET /api/v1/activity-types.
func (s *workHandlers) apiActivityTypes(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Activities.FindActivityTypes(r.Context())
	if err != nil {
		return err
	}
	writeList(w, ts, "")
	return nil
}

// apiSaveActivityType is PUT /api/v1/activity-types/{code}.
func (s *workHandlers) apiSaveActivityType(w http.ResponseWriter, r *http.Request) error {
	var t sanlian.ActivityType
	if err := decodeJSON(w, r, &t); err != nil {
		return err
	}
	t.Code = r.PathValue("code")
	if err := s.Activities.SaveActivityType(r.Context(), &t); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// Pages.

type activitiesPage struct {
	basePage
	Activities []*sanlian.Activity
	Types      []*sanlian.ActivityType
	Townships  []*sanlian.Region
	F          sanlian.ActivityFilter
	Mine       bool
	MayCreate  bool
	Next       string
	First      bool
}

// activitiesPage is GET /activities; ?volunteer=<cadre_id> is a
// volunteer's own record, and mine=1 the caller's.
func (s *workHandlers) activitiesPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := activityFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	page := &activitiesPage{basePage: s.base(r, "志愿服务", "activities"), First: f.Cursor == ""}
	u := page.User
	if p.str("mine") == "1" && u.CadreID != 0 {
		f.VolunteerID, page.Mine = u.CadreID, true
		page.Title = "我的志愿服务"
	}
	page.F = f
	page.MayCreate = u.Role == sanlian.RoleOffice || u.Role == sanlian.RoleUnitAdmin
	var next string
	var err error
	if page.Activities, next, err = s.Activities.FindActivities(r.Context(), f); err != nil {
		return err
	}
	page.Next = nextURL(r, next)
	if page.Types, err = s.Activities.FindActivityTypes(r.Context()); err != nil {
		return err
	}
	if page.Townships, err = s.org.townships(r); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "activities", page)
}

type activityTotalsPage struct {
	basePage
	T      *sanlian.ActivityTotals
	F      sanlian.ActivityFilter
	Period periodPicker
}

// activityTotalsPage is GET /activities/totals?from=&to=.
func (s *workHandlers) activityTotalsPage(w http.ResponseWriter, r *http.Request) error {
	picker, chosen, periodErr := pickWindow(r, s.cfg.Now()) // a chosen period becomes from and to
	p := newParams(r)
	f := activityFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	t, err := s.Activities.ActivityTotals(r.Context(), f)
	if err != nil {
		return err
	}
	if !chosen && periodErr == "" {
		picker = windowPicker(f.From, f.To, s.cfg.Now())
	}
	status := http.StatusOK
	if periodErr != "" {
		status = http.StatusBadRequest
	}
	page := &activityTotalsPage{basePage: s.base(r, "志愿服务统计", "activities"), T: t, F: f, Period: picker}
	return s.render(w, r, status, "activity_totals", page)
}

type activityPage struct {
	basePage
	A         *sanlian.Activity
	Photos    []*sanlian.Attachment
	MayUpload bool // may edit the activity, and so add its photos
	Error     string
	Fields    map[string]string
}

func (s *workHandlers) loadActivityPage(r *http.Request, id int64) (*activityPage, error) {
	ctx := r.Context()
	a, err := s.Activities.FindActivityByID(ctx, id)
	if err != nil {
		return nil, err
	}
	page := &activityPage{basePage: s.base(r, "志愿服务 "+a.Date, "activities"), A: a}
	if page.Photos, err = s.Attachments.FindActivityPhotos(ctx, id); err != nil {
		return nil, err
	}
	// A unit admin sees only its units' activities, which it may edit.
	page.MayUpload = page.Can("office", "unit_admin")
	return page, nil
}

// activityPage is GET /activities/{id}.
func (s *workHandlers) activityPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := s.loadActivityPage(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "activity", page)
}

type activityNewPage struct {
	basePage
	Types     []*sanlian.ActivityType
	Units     []*sanlian.Unit
	Townships []*sanlian.Region
	Villages  []*sanlian.Region
	Cadres    []*sanlian.Cadre // volunteers to tick: the caller's unit
	Action    string           // where the form posts
	Form      url.Values
	Error     string
	Fields    map[string]string
	Today     string
}

func (s *workHandlers) renderActivityNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) error {
	return s.renderActivityForm(w, r, status, form, err, "/activities")
}

// renderActivityForm shows the entry form, posting to action: a new
// activity, or one being edited.
func (s *workHandlers) renderActivityForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error, action string) error {
	title := "登记志愿服务活动"
	if action != "/activities" {
		title = "修改志愿服务活动"
	}
	page := &activityNewPage{basePage: s.base(r, title, "activities"), Form: form, Today: today(), Action: action}
	if err != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
	}
	var ferr error
	if page.Types, ferr = s.Activities.FindActivityTypes(r.Context()); ferr != nil {
		return ferr
	}
	if page.Units, _, ferr = s.Units.FindUnits(r.Context(), sanlian.UnitFilter{Limit: 500}); ferr != nil {
		return ferr
	}
	if page.Townships, ferr = s.org.townships(r); ferr != nil {
		return ferr
	}
	if t := form.Get("township"); t != "" {
		if page.Villages, _, ferr = s.Regions.FindRegions(r.Context(), sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: t, Limit: 500}); ferr != nil {
			return ferr
		}
	}
	if u := page.User; u.Role == sanlian.RoleUnitAdmin {
		if page.Cadres, _, ferr = s.Cadres.FindCadres(r.Context(), sanlian.CadreFilter{UnitID: u.UnitID, Limit: 500}); ferr != nil {
			return ferr
		}
	}
	return s.render(w, r, status, "activity_new", page)
}

// activityNewForm is GET /activities/new.
func (s *workHandlers) activityNewForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderActivityNew(w, r, http.StatusOK, url.Values{"date": {today()}}, nil)
}

// activityInput reads the activity form.
func activityInput(f url.Values) *sanlian.ActivityInput {
	num := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(f.Get(name)))
		return n
	}
	in := &sanlian.ActivityInput{Type: f.Get("type"), Date: strings.TrimSpace(f.Get("date")), VillageCode: strings.TrimSpace(f.Get("village")),
		Others: num("others"), Served: num("served"), Description: f.Get("description")}
	in.UnitID, _ = strconv.ParseInt(f.Get("unit_id"), 10, 64)
	ids := strings.Join(append([]string{f.Get("volunteers")}, f["volunteer_id"]...), ",")
	for _, v := range strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Volunteers = append(in.Volunteers, id)
		}
	}
	return in
}

// activityCreateSubmit is POST /activities, the form's submit.
func (s *workHandlers) activityCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	in, err := s.desks.activityVolunteers(r.Context(), f, activityInput(f))
	var a *sanlian.Activity
	if err == nil {
		a, err = s.Activities.CreateActivity(r.Context(), in)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.EFORBIDDEN {
		return s.renderActivityNew(w, r, http.StatusUnprocessableEntity, f, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/activities/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
	return nil
}

// activityEditForm is GET /activities/{id}/edit: the entry form, filled in.
func (s *workHandlers) activityEditForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Activities.FindActivityByID(r.Context(), id)
	if err != nil {
		return err
	}
	f := url.Values{"type": {a.Type}, "date": {a.Date}, "township": {a.TownshipCode}, "village": {a.VillageCode},
		"unit_id": {strconv.FormatInt(a.UnitID, 10)}, "others": {strconv.Itoa(a.Others)}, "served": {strconv.Itoa(a.Served)},
		"description": {a.Description}, "version": {strconv.FormatInt(a.Version, 10)}}
	for _, v := range a.Volunteers {
		f.Add("volunteer_id", strconv.FormatInt(v, 10))
	}
	f.Set("volunteers", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(a.Volunteers)), ","), "[]"))
	f.Set("volunteer_names", s.desks.cadreNames(r.Context(), a.Volunteers))
	return s.renderActivityEdit(w, r, http.StatusOK, id, f, nil)
}

func (s *workHandlers) renderActivityEdit(w http.ResponseWriter, r *http.Request, status int, id int64, f url.Values, err error) error {
	return s.renderActivityForm(w, r, status, f, err, "/activities/"+strconv.FormatInt(id, 10))
}

// activityEditSubmit is POST /activities/{id}: saves the form with the
// version it was read at; a refused or stale form comes back as typed.
func (s *workHandlers) activityEditSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	in, err := s.desks.activityVolunteers(r.Context(), f, activityInput(f))
	if err == nil {
		_, err = s.Activities.UpdateActivity(r.Context(), id, in, version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		if code == sanlian.ECONFLICT {
			if cur, ferr := s.Activities.FindActivityByID(r.Context(), id); ferr == nil {
				f.Set("version", strconv.FormatInt(cur.Version, 10)) // saving again applies what was typed
			}
		}
		return s.renderActivityEdit(w, r, sanlian.HTTPStatus(code), id, f, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已保存"), http.StatusSeeOther)
	return nil
}

// Activity photos.

// addActivityPhotos stores photos on activity id, every file checked
// before the first is stored.
func (s *workHandlers) addActivityPhotos(r *http.Request, id int64, files []upload) ([]*sanlian.Attachment, error) {
	if len(files) == 0 {
		return nil, sanlian.FieldErrors(map[string]string{"file": "请选择要上传的照片"})
	}
	if err := s.checkPhotos(files); err != nil {
		return nil, err
	}
	out := make([]*sanlian.Attachment, 0, len(files))
	for _, f := range files {
		a, err := s.Attachments.AddActivityPhoto(r.Context(), id, f.name, bytes.NewReader(f.data), s.cfg.MaxUpload)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// readActivityPhotos reads the photos posted to activity {id}; an activity
// out of the caller's scope answers before the body is read.
func (s *workHandlers) readActivityPhotos(w http.ResponseWriter, r *http.Request) (int64, []*sanlian.Attachment, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.Activities.FindActivityByID(r.Context(), id); err != nil {
		return 0, nil, err
	}
	_, files, err := s.problems.readMultipart(w, r)
	if err != nil {
		return id, nil, err
	}
	items, err := s.addActivityPhotos(r, id, files)
	return id, items, err
}

// apiAddActivityPhoto is POST /api/v1/activities/{id}/photos: multipart
// file parts, pictures only, all checked before the first is stored.
func (s *workHandlers) apiAddActivityPhoto(w http.ResponseWriter, r *http.Request) error {
	_, items, err := s.readActivityPhotos(w, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listResponse[*sanlian.Attachment]{Items: items})
	return nil
}

// activityPhotoSubmit is POST /activities/{id}/photos, the activity page's
// upload. A refused file shows the page again with the reason.
func (s *workHandlers) activityPhotoSubmit(w http.ResponseWriter, r *http.Request) error {
	id, items, err := s.readActivityPhotos(w, r)
	switch code := sanlian.ErrorCode(err); code {
	case "":
		msg := fmt.Sprintf("已上传 %d 张照片", len(items))
		http.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape(msg)+"#photos", http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ETOOLARGE, sanlian.EINVALID:
		if id == 0 {
			return err
		}
		page, perr := s.loadActivityPage(r, id)
		if perr != nil {
			return perr
		}
		page.Error, page.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		if len(items) > 0 {
			page.Error = fmt.Sprintf("已上传 %d 张照片，其余未上传：%s", len(items), page.Error)
		}
		return s.render(w, r, sanlian.HTTPStatus(code), "activity", page)
	}
	return err
}

// The activity type dictionary.

// activityTypeForm is one type as typed into the page's forms.
type activityTypeForm struct {
	Code   string
	Name   string
	Sort   string
	Active bool
}

type activityTypesPage struct {
	basePage
	Types  []*sanlian.ActivityType
	InUse  int
	Add    activityTypeForm // typed into the add form
	Edit   activityTypeForm // typed into a refused row's form
	Error  string
	Fields map[string]string
}

// Row is what the form of type t shows: what was typed after a refused
// save, else the stored type.
func (p *activityTypesPage) Row(t *sanlian.ActivityType) activityTypeForm {
	if p.Edit.Code == t.Code {
		return p.Edit
	}
	return activityTypeForm{Code: t.Code, Name: t.Name, Sort: strconv.Itoa(t.Sort), Active: t.Active}
}

// RowError is the error of type t's form, when it was the one refused.
func (p *activityTypesPage) RowError(t *sanlian.ActivityType, field string) string {
	if p.Edit.Code != t.Code {
		return ""
	}
	if field == "" {
		return p.Error
	}
	return p.Fields[field]
}

// AddError is the error of the add form for field ("" for the message).
func (p *activityTypesPage) AddError(field string) string {
	if p.Edit.Code != "" {
		return ""
	}
	if field == "" {
		return p.Error
	}
	return p.Fields[field]
}

func (s *workHandlers) renderActivityTypes(w http.ResponseWriter, r *http.Request, status int, page *activityTypesPage) error {
	page.basePage = s.base(r, "志愿服务活动类型", "activities")
	var err error
	if page.Types, err = s.Activities.FindActivityTypes(r.Context()); err != nil {
		return err
	}
	next := 1
	for _, t := range page.Types {
		if t.Active {
			page.InUse++
		}
		if t.Sort < 99 && t.Sort >= next {
			next = t.Sort + 1
		}
	}
	if page.Add.Sort == "" && page.Add.Code == "" {
		page.Add.Sort = strconv.Itoa(next) // before 其他 (99)
	}
	return s.render(w, r, status, "activity_types", page)
}

// activityTypesPage is GET /activity-types: the dictionary, each type with
// a form to rename, re-sort, retire or restore it, and a form to add one.
func (s *workHandlers) activityTypesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderActivityTypes(w, r, http.StatusOK, &activityTypesPage{})
}

// activityTypeSubmit is POST /activity-types: action add, save, retire or
// restore. A refused form comes back as typed, with the reason beside it.
func (s *workHandlers) activityTypeSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	action := r.PostFormValue("action")
	form := activityTypeForm{Code: strings.TrimSpace(r.PostFormValue("code")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Sort: strings.TrimSpace(r.PostFormValue("sort"))}
	refuse := func(err error) error {
		page := &activityTypesPage{Error: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err)}
		if action == "add" {
			page.Add = form
		} else {
			page.Edit = form
		}
		return s.renderActivityTypes(w, r, sanlian.HTTPStatus(sanlian.ErrorCode(err)), page)
	}
	types, err := s.Activities.FindActivityTypes(r.Context())
	if err != nil {
		return err
	}
	var stored *sanlian.ActivityType
	for _, t := range types {
		if t.Code == form.Code {
			stored = t
		}
	}
	t := &sanlian.ActivityType{Code: form.Code, Name: form.Name}
	fields := map[string]string{}
	order, serr := strconv.Atoi(form.Sort)
	switch {
	case form.Sort == "":
		fields["sort"] = "请填写排序（整数，小的排在前面）"
	case serr != nil || order < -9999 || order > 9999:
		fields["sort"] = "排序应为 -9999 到 9999 之间的整数"
	}
	t.Sort = order
	var done string
	switch action {
	case "add":
		if stored != nil {
			fields["code"] = "类型代码 " + form.Code + " 已被「" + stored.Name + "」使用，请换一个代码，或在列表中修改该类型"
		}
		t.Active, done = true, "已添加活动类型「"+form.Name+"」"
	case "save", "retire", "restore":
		if stored == nil {
			return sanlian.Errorf(sanlian.ENOTFOUND, "活动类型 %s 不存在", form.Code)
		}
		form.Active = stored.Active
		switch action {
		case "save":
			t.Active, done = stored.Active, "已保存活动类型「"+form.Name+"」"
		case "retire":
			t.Active, done = false, "已停用活动类型「"+form.Name+"」，已登记的活动不受影响"
		case "restore":
			t.Active, done = true, "已恢复使用活动类型「"+form.Name+"」"
		}
	default:
		return sanlian.Errorf(sanlian.EINVALID, "未知的操作")
	}
	if err := sanlian.FieldErrors(fields); err != nil {
		return refuse(err)
	}
	if err := s.Activities.SaveActivityType(r.Context(), t); sanlian.ErrorCode(err) == sanlian.EUNPROCESSABLE {
		return refuse(err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/activity-types?ok="+url.QueryEscape(done)+"#type-"+url.PathEscape(t.Code), http.StatusSeeOther)
	return nil
}

// A volunteer's own record.

// yearTotal is one year of a volunteer's record.
type yearTotal struct {
	Year int
	sanlian.ActivityTotal
}

type volunteerPage struct {
	basePage
	CadreID    int64
	Name       string
	Cadre      *sanlian.Cadre // nil when the cadre is beyond the caller's scope of cadres
	Partial    bool           // the caller's scope may hide some of the volunteer's activities
	Totals     *sanlian.ActivityTotals
	Years      []yearTotal
	Activities []*sanlian.Activity
	Next       string
	First      bool
}

// volunteerPage is GET /volunteers/{id}: the activities cadre {id} served
// in, with their totals by type and by year. Only the activities in the
// caller's scope count: the office and a cadre reading their own record see
// every one, anyone else those the activity service shows them, and the
// page says so.
func (s *workHandlers) volunteerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := newParams(r)
	f := sanlian.ActivityFilter{VolunteerID: id, Cursor: p.str("cursor"), Limit: p.limit()}
	if err := p.err(); err != nil {
		return err
	}
	ctx := r.Context()
	page := &volunteerPage{basePage: s.base(r, "志愿服务记录", "activities"), CadreID: id, First: f.Cursor == ""}
	u := page.User
	page.Partial = u.Role != sanlian.RoleOffice && !(u.Role == sanlian.RoleCadre && u.CadreID == id)
	var next string
	if page.Activities, next, err = s.Activities.FindActivities(ctx, f); err != nil {
		return err
	}
	page.Next = nextURL(r, next)
	if page.Totals, err = s.Activities.ActivityTotals(ctx, sanlian.ActivityFilter{VolunteerID: id}); err != nil {
		return err
	}
	c, err := s.Cadres.FindCadreByID(ctx, id)
	switch {
	case err == nil:
		page.Cadre, page.Name = c, c.Name
	case sanlian.ErrorCode(err) != sanlian.ENOTFOUND:
		return err
	default:
		// A cadre of another unit, named on activities the caller sees.
		page.Name = volunteerName(page.Activities, id)
		if page.Name == "" && page.Totals.All.Activities > 0 {
			first, _, err := s.Activities.FindActivities(ctx, sanlian.ActivityFilter{VolunteerID: id, Limit: 1})
			if err != nil {
				return err
			}
			page.Name = volunteerName(first, id)
		}
		if page.Name == "" {
			return sanlian.Errorf(sanlian.ENOTFOUND, "志愿者不存在或不在您的管辖范围内")
		}
	}
	page.Title = page.Name + " 的志愿服务"
	if page.Years, err = s.volunteerYears(ctx, id, page.Totals.All.Activities); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "volunteer", page)
}

// volunteerName is cadre id's name as the activities list it.
func volunteerName(as []*sanlian.Activity, id int64) string {
	for _, a := range as {
		for i, v := range a.Volunteers {
			if v == id && i < len(a.VolunteerNames) {
				return a.VolunteerNames[i]
			}
		}
	}
	return ""
}

// volunteerYears sums a volunteer's activities year by year, from this
// year back until the years hold all n of them.
func (s *workHandlers) volunteerYears(ctx context.Context, id int64, n int) ([]yearTotal, error) {
	var out []yearTotal
	this := time.Now().In(sanlian.Shanghai).Year()
	for y, counted := this, 0; counted < n && y > this-100; y-- {
		t, err := s.Activities.ActivityTotals(ctx, sanlian.ActivityFilter{VolunteerID: id,
			From: fmt.Sprintf("%04d-01-01", y), To: fmt.Sprintf("%04d-12-31", y)})
		if err != nil {
			return nil, err
		}
		if t.All.Activities > 0 {
			out = append(out, yearTotal{Year: y, ActivityTotal: t.All})
			counted += t.All.Activities
		}
	}
	return out, nil
}

// activitiesExport is GET /activities/export.xlsx: the activity list with
// the page's filters (mine=1 is the caller's own record).
func (s *workHandlers) activitiesExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := activityFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	if u := sanlian.UserFromContext(r.Context()); p.str("mine") == "1" && u.CadreID != 0 {
		f.VolunteerID = u.CadreID
		d.add("范围", "我的志愿服务")
	} else {
		d.cadre("志愿者", f.VolunteerID)
	}
	if f.Type != "" {
		name := f.Type
		if ts, err := s.Activities.FindActivityTypes(r.Context()); err == nil {
			for _, t := range ts {
				if t.Code == f.Type {
					name = t.Name
				}
			}
		}
		d.add("类型", name)
	}
	d.unit("组织单位", f.UnitID)
	d.region("乡镇", f.TownshipCode)
	d.region("村(社区)", f.VillageCode)
	d.period("活动日期", f.From, f.To)
	f.Limit = exportPage
	sh := sheet{name: "志愿服务活动", filter: d.String(), columns: []sanlian.TableColumn{
		{Header: "活动日期", Width: 12}, {Header: "活动类型", Width: 14}, {Header: "乡镇", Width: 12}, {Header: "活动地点", Width: 14},
		{Header: "组织单位", Width: 20}, {Header: "干部志愿者", Width: 24, Wrap: true}, {Header: "其他志愿者人数", Width: 9},
		{Header: "志愿者合计", Width: 9}, {Header: "服务群众人数", Width: 9}, {Header: "活动内容", Width: 50, Wrap: true}}}
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Activity, string, error) {
		f.Cursor = cursor
		return s.Activities.FindActivities(r.Context(), f)
	}, func(a *sanlian.Activity) []any {
		return []any{a.Date, a.TypeName, a.TownshipName, a.VillageName, a.UnitName, strings.Join(a.VolunteerNames, "、"),
			a.Others, a.VolunteerCount(), a.Served, sanlian.MaskContacts(a.Description)}
	})
}
