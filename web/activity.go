package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// Volunteer activities (志愿服务活动): the JSON API and the pages.

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
func (s *Server) apiActivities(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) apiCreateActivity(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) apiActivity(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) apiUpdateActivity(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) apiActivityTotals(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) apiActivityTypes(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Activities.FindActivityTypes(r.Context())
	if err != nil {
		return err
	}
	writeList(w, ts, "")
	return nil
}

// apiSaveActivityType is PUT /api/v1/activity-types/{code}.
func (s *Server) apiSaveActivityType(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) activitiesPage(w http.ResponseWriter, r *http.Request) error {
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
	if page.Townships, err = s.townships(r); err != nil {
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
func (s *Server) activityTotalsPage(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) loadActivityPage(r *http.Request, id int64) (*activityPage, error) {
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
func (s *Server) activityPage(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) renderActivityNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) error {
	return s.renderActivityForm(w, r, status, form, err, "/activities")
}

// renderActivityForm shows the entry form, posting to action: a new
// activity, or one being edited.
func (s *Server) renderActivityForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error, action string) error {
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
	if page.Townships, ferr = s.townships(r); ferr != nil {
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
func (s *Server) activityNewForm(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) activityCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	in, err := s.activityVolunteers(r.Context(), f, activityInput(f))
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
func (s *Server) activityEditForm(w http.ResponseWriter, r *http.Request) error {
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
	f.Set("volunteer_names", s.cadreNames(r.Context(), a.Volunteers))
	return s.renderActivityEdit(w, r, http.StatusOK, id, f, nil)
}

func (s *Server) renderActivityEdit(w http.ResponseWriter, r *http.Request, status int, id int64, f url.Values, err error) error {
	return s.renderActivityForm(w, r, status, f, err, "/activities/"+strconv.FormatInt(id, 10))
}

// activityEditSubmit is POST /activities/{id}: saves the form with the
// version it was read at; a refused or stale form comes back as typed.
func (s *Server) activityEditSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	in, err := s.activityVolunteers(r.Context(), f, activityInput(f))
	if err == nil {
		_, err = s.Activities.UpdateActivity(r.Context(), id, in, version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		if code == sanlian.ECONFLICT {
			if cur, ferr := s.Activities.FindActivityByID(r.Context(), id); ferr == nil {
				f.Set("version", strconv.FormatInt(cur.Version, 10)) // saving again applies what was typed
			}
		}
		return s.renderActivityEdit(w, r, statusOf(code), id, f, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已保存"), http.StatusSeeOther)
	return nil
}
