package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// Supervision (督办): the JSON API, the office's supervision desk and a
// supervision's page with the reply form of the responsible unit.

func supervisionFilter(p *params) sanlian.SupervisionFilter {
	f := sanlian.SupervisionFilter{Level: p.oneOf("level", sanlian.SupervisionLevels...),
		State: p.oneOf("state", sanlian.SupervisionStates...), UnitID: p.int64("unit_id"),
		TargetKind: p.oneOf("target_kind", sanlian.TargetKinds...), TargetID: p.int64("target_id"),
		Cursor: p.str("cursor"), Limit: p.limit()}
	if b := p.boolPtr("unanswered"); b != nil {
		f.Unanswered = *b
	}
	if b := p.boolPtr("late"); b != nil {
		f.Late = *b
	}
	return f
}

// apiSupervisions is GET /api/v1/supervisions.
func (s *reportHandlers) apiSupervisions(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := supervisionFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Supervisions.FindSupervisions(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiCreateSupervision is POST /api/v1/supervisions: a notice.
func (s *reportHandlers) apiCreateSupervision(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.SupervisionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	x, err := s.Supervisions.CreateSupervision(r.Context(), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/supervisions/"+strconv.FormatInt(x.ID, 10))
	writeJSON(w, http.StatusCreated, x)
	return nil
}

// apiSupervision is GET /api/v1/supervisions/{id}.
func (s *reportHandlers) apiSupervision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := s.Supervisions.FindSupervisionByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

// supervisionReply is the body of POST /api/v1/supervisions/{id}/reply.
type supervisionReply struct {
	Text    string `json:"text"`
	Version int64  `json:"version"`
}

// apiReplySupervision is POST /api/v1/supervisions/{id}/reply.
func (s *reportHandlers) apiReplySupervision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in supervisionReply
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := needVersion(in.Version); err != nil {
		return err
	}
	x, err := s.Supervisions.ReplySupervision(r.Context(), id, in.Text, in.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

// Pages.

// supervisionView is what the supervision pages share.
type supervisionView struct{}

// LevelClass is the CSS class of a level's badge.
func (supervisionView) LevelClass(level string) string {
	switch level {
	case sanlian.LevelRed:
		return "red"
	case sanlian.LevelYellow:
		return "yellow"
	}
	return "blue"
}

// TargetLink is the page of a supervision's target.
func (supervisionView) TargetLink(x *sanlian.Supervision) string {
	id := strconv.FormatInt(x.TargetID, 10)
	switch x.TargetKind {
	case sanlian.TargetProblem:
		return "/problems/" + id
	case sanlian.TargetProject:
		return "/projects/" + id
	}
	return "/responsibilities/" + id
}

type supervisionsPage struct {
	basePage
	supervisionView
	Items     []*sanlian.Supervision
	Counts    *sanlian.SupervisionCounts
	Units     []*sanlian.Unit
	Levels    []projectOption
	States    []projectOption
	Kinds     []projectOption
	F         sanlian.SupervisionFilter
	Tab       string
	MayIssue  bool
	Form      url.Values
	Error     string
	Fields    map[string]string
	Next      string
	First     bool
	FirstURL  string
	TodayDate string
}

// supervisionsPage is GET /supervisions: the supervision desk.
func (s *reportHandlers) supervisionsPage(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{"target_kind": {sanlian.TargetProblem}}
	if k := r.URL.Query().Get("target_kind"); k != "" {
		form.Set("target_kind", k)
	}
	if id := r.URL.Query().Get("target_id"); id != "" {
		form.Set("target_id", id)
		form.Set("target", s.desks.targetText(r.Context(), form.Get("target_kind"), pickedID(form, "target_id")))
	}
	return s.renderSupervisions(w, r, http.StatusOK, form, nil)
}

// renderSupervisions shows the desk with the notice form as typed and
// the error it met, if any.
func (s *reportHandlers) renderSupervisions(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	p := newParams(r)
	f := supervisionFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	if r.Method == http.MethodPost { // the desk behind a refused notice: the first page, unfiltered
		f = sanlian.SupervisionFilter{}
	}
	ctx := r.Context()
	page := &supervisionsPage{basePage: s.base(r, "督办", "supervisions"), F: f, First: f.Cursor == "", Form: form,
		Levels: codeOptions(sanlian.SupervisionLevels, sanlian.LevelLabel, f.Level), States: codeOptions(sanlian.SupervisionStates, sanlian.SupervisionStateLabel, f.State), Kinds: codeOptions(sanlian.TargetKinds, sanlian.TargetKindLabel, form.Get("target_kind")),
		TodayDate: todayDate()}
	u := page.User
	page.MayIssue = u.Role == sanlian.RoleOffice || u.Role == sanlian.RoleLeader
	switch {
	case f.Unanswered:
		page.Tab = "unanswered"
	case f.Late:
		page.Tab = "late"
	case f.Level == sanlian.LevelYellow && f.State == sanlian.SupervisionOpen:
		page.Tab = "yellow"
	case f.Level == sanlian.LevelRed && f.State == sanlian.SupervisionOpen:
		page.Tab = "red"
	case f == (sanlian.SupervisionFilter{Limit: f.Limit}):
		page.Tab = "all"
	}
	if ferr != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	var next string
	var err error
	if page.Counts, err = s.Supervisions.CountSupervisions(ctx, sanlian.SupervisionFilter{UnitID: f.UnitID}); err != nil {
		return err
	}
	if page.Items, next, err = s.Supervisions.FindSupervisions(ctx, f); err != nil {
		return err
	}
	page.Next = nextURL(r, next)
	if page.Units, _, err = s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500}); err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cursor")
	page.FirstURL = "/supervisions?" + q.Encode()
	return s.render(w, r, status, "supervisions", page)
}

// todayDate is today in Asia/Shanghai, the earliest reply deadline.
func todayDate() string { return time.Now().In(sanlian.Shanghai).Format("2006-01-02") }

// supervisionCreateSubmit is POST /supervisions: issues a notice; a
// refused form comes back on the desk as typed.
func (s *reportHandlers) supervisionCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	bad := map[string]string{}
	in := &sanlian.SupervisionInput{TargetKind: strings.TrimSpace(f.Get("target_kind")), Text: f.Get("text"),
		ReplyDue: strings.TrimSpace(f.Get("reply_due"))}
	if f.Has("target") { // the page's picker: a problem's number, a title, or a chosen suggestion
		id, msg, err := s.desks.resolveTarget(r.Context(), in.TargetKind, pickedID(f, "target_id"), f.Get("target"))
		if err != nil {
			return err
		}
		if msg != "" {
			bad["target"] = msg
		}
		in.TargetID = id
	} else {
		in.TargetID = formInt(f, "target_id", "target_id", "督办对象编号须为整数，如问题的编号 123", bad)
	}
	var x *sanlian.Supervision
	var err error
	if len(bad) > 0 {
		err = sanlian.FieldErrors(bad)
	} else {
		x, err = s.Supervisions.CreateSupervision(r.Context(), in)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.EFORBIDDEN {
		return s.renderSupervisions(w, r, sanlian.HTTPStatus(code), f, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/supervisions/"+strconv.FormatInt(x.ID, 10)+"?ok="+url.QueryEscape("已发出督办通知"), http.StatusSeeOther)
	return nil
}

type supervisionPage struct {
	basePage
	supervisionView
	X        *sanlian.Supervision
	MayReply bool
	Form     url.Values
	Error    string
	Fields   map[string]string
}

// mayReply says whether the page's user may answer x: the admin of the
// responsible unit or the responsible person; the service decides in the
// end (a unit admin's sub-units included).
func mayReply(u *sanlian.User, x *sanlian.Supervision) bool {
	if !x.Unanswered() {
		return false
	}
	switch u.Role {
	case sanlian.RoleUnitAdmin:
		return true // the page is in their scope: their units'
	case sanlian.RoleCadre:
		return x.PersonID != 0 && x.PersonID == u.CadreID
	}
	return false
}

// supervisionPage is GET /supervisions/{id}.
func (s *reportHandlers) supervisionPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := s.Supervisions.FindSupervisionByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderSupervision(w, r, http.StatusOK, x, url.Values{"version": {strconv.FormatInt(x.Version, 10)}}, nil)
}

func (s *reportHandlers) renderSupervision(w http.ResponseWriter, r *http.Request, status int, x *sanlian.Supervision, form url.Values, ferr error) error {
	page := &supervisionPage{basePage: s.base(r, x.LevelLabel()+" · "+x.TargetRef, "supervisions"), X: x, Form: form}
	page.MayReply = mayReply(page.User, x)
	if ferr != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	return s.render(w, r, status, "supervision", page)
}

// supervisionReplySubmit is POST /supervisions/{id}/reply: the reply form,
// with the version it was read at.
func (s *reportHandlers) supervisionReplySubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	version, verr := strconv.ParseInt(f.Get("version"), 10, 64)
	if verr != nil || version <= 0 {
		err = sanlian.FieldErrors(map[string]string{"version": "表单已损坏，请刷新页面后重试"})
	} else {
		_, err = s.Supervisions.ReplySupervision(r.Context(), id, f.Get("text"), version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT || code == sanlian.EFORBIDDEN {
		x, ferr := s.Supervisions.FindSupervisionByID(r.Context(), id)
		if ferr != nil {
			return err // not theirs to read either: the reply's own error says why
		}
		if code == sanlian.ECONFLICT {
			f.Set("version", strconv.FormatInt(x.Version, 10))
		}
		return s.renderSupervision(w, r, sanlian.HTTPStatus(code), x, f, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/supervisions/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已回复"), http.StatusSeeOther)
	return nil
}
