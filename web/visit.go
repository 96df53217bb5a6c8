package web

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// Visits (带题走访): the JSON API, the pages, the export and the
// phone form. The form posts without JavaScript; app.js turns it into an
// offline queue that sends each draft to POST /api/v1/visits once, under
// its own Idempotency-Key.

// API: visits.

// visitFilter reads the list filters shared by the API and the page.
func visitFilter(p *params) sanlian.VisitFilter {
	f := sanlian.VisitFilter{
		Kind:    p.oneOf("kind", sanlian.VisitHousehold, sanlian.VisitVillage, sanlian.VisitTownship),
		CadreID: p.int64("cadre_id"), UnitID: p.int64("unit_id"), HouseholdID: p.int64("household_id"),
		TownshipCode: p.str("township"), VillageCode: p.str("village"), TopicID: p.int64("topic_id"),
		Cursor: p.str("cursor"), Limit: p.limit(),
	}
	if !p.date("from").IsZero() {
		f.From = p.str("from")
	}
	if !p.date("to").IsZero() {
		f.To = p.str("to")
	}
	return f
}

// apiVisits is GET /api/v1/visits.
func (s *workHandlers) apiVisits(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := visitFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Visits.FindVisits(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiCreateVisit is POST /api/v1/visits. With an Idempotency-Key already
// used by the caller it answers 200 with the visit recorded then and
// Idempotent-Replayed: true, writing nothing; a new visit is 201.
func (s *workHandlers) apiCreateVisit(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.VisitInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, created, err := s.Visits.CreateVisit(r.Context(), &in, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/visits/"+strconv.FormatInt(v.ID, 10))
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, v)
		return nil
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// apiVisit is GET /api/v1/visits/{id}.
func (s *workHandlers) apiVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Visits.FindVisitByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// apiAddVisitPhoto is POST /api/v1/visits/{id}/photos: multipart file
// parts, pictures only, all checked before the first is stored.
func (s *workHandlers) apiAddVisitPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Visits.FindVisitByID(r.Context(), id); err != nil {
		return err // out of scope answers before the body is read
	}
	_, files, err := s.problems.readMultipart(w, r)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return sanlian.FieldErrors(map[string]string{"file": "请选择要上传的照片"})
	}
	items, err := s.addVisitPhotos(r, id, files)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listResponse[*sanlian.Attachment]{Items: items})
	return nil
}

// checkPhotos refuses the whole upload when one file is not a picture.
func (s *workHandlers) checkPhotos(files []upload) error {
	for _, f := range files {
		if err := checkPhoto(f.name, f.data, s.cfg.MaxUpload); err != nil {
			return err
		}
	}
	return nil
}

// addVisitPhotos stores checked photos on visit id.
func (s *workHandlers) addVisitPhotos(r *http.Request, id int64, files []upload) ([]*sanlian.Attachment, error) {
	if err := s.checkPhotos(files); err != nil {
		return nil, err
	}
	out := make([]*sanlian.Attachment, 0, len(files))
	for _, f := range files {
		a, err := s.Attachments.AddVisitPhoto(r.Context(), id, f.name, bytes.NewReader(f.data), s.cfg.MaxUpload)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Pages: visits.

type visitsPage struct {
	basePage
	Visits    []*sanlian.Visit
	F         sanlian.VisitFilter
	Mine      bool // only the caller's own visits
	MineTabs  bool // the caller has own visits and sees others' too
	Townships []*sanlian.Region
	Villages  []*sanlian.Region
	Topics    []*sanlian.Topic
	Next      string
	First     bool
	Query     url.Values // the filters, for the tabs
}

// visitsPage is GET /visits. A cadre or a leader sees their own visits
// first (mine=1, the default); a leader can widen to their townships.
func (s *workHandlers) visitsPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := visitFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	ctx := r.Context()
	page := &visitsPage{basePage: s.base(r, "走访记录", "visits"), First: f.Cursor == ""}
	u := page.User
	if u.CadreID != 0 && f.CadreID == 0 {
		page.MineTabs = u.Role == sanlian.RoleLeader
		page.Mine = p.str("mine") != "0"
		if page.Mine {
			f.CadreID = u.CadreID
		}
	}
	page.F = f
	var next string
	var err error
	if page.Visits, next, err = s.Visits.FindVisits(ctx, f); err != nil {
		return err
	}
	page.Next = nextURL(r, next)
	if page.Townships, err = s.org.townships(r); err != nil {
		return err
	}
	if f.TownshipCode != "" {
		if page.Villages, _, err = s.Regions.FindRegions(ctx, sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: f.TownshipCode, Limit: 500}); err != nil {
			return err
		}
	}
	if page.Topics, err = s.Topics.FindTopics(ctx, sanlian.TopicFilter{}); err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cursor")
	q.Del("mine")
	page.Query = q
	return s.render(w, r, http.StatusOK, "visits", page)
}

type visitPage struct {
	basePage
	Visit     *sanlian.Visit
	Problems  []*sanlian.Problem
	Photos    []*sanlian.Attachment
	MayUpload bool
	Error     string
	Fields    map[string]string
}

func (s *workHandlers) loadVisitPage(r *http.Request, id int64) (*visitPage, error) {
	ctx := r.Context()
	v, err := s.Visits.FindVisitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	page := &visitPage{basePage: s.base(r, "走访记录 "+v.Date, "visits"), Visit: v}
	for _, pid := range v.ProblemIDs {
		pr, err := s.Problems.FindProblemByID(ctx, pid)
		if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
			pr = &sanlian.Problem{ID: pid} // handed on beyond the caller's scope
		} else if err != nil {
			return nil, err
		}
		page.Problems = append(page.Problems, pr)
	}
	if page.Photos, err = s.Attachments.FindVisitPhotos(ctx, id); err != nil {
		return nil, err
	}
	u := page.User
	page.MayUpload = u.Role != sanlian.RoleLeader || v.CreatedBy == u.ID || v.CadreID == u.CadreID
	return page, nil
}

// visitPage is GET /visits/{id}.
func (s *workHandlers) visitPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := s.loadVisitPage(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "visit", page)
}

// visitPhotoSubmit is POST /visits/{id}/photos, the visit page's upload.
func (s *workHandlers) visitPhotoSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Visits.FindVisitByID(r.Context(), id); err != nil {
		return err
	}
	_, files, err := s.problems.readMultipart(w, r)
	if err == nil && len(files) == 0 {
		err = sanlian.FieldErrors(map[string]string{"file": "请选择要上传的照片"})
	}
	var items []*sanlian.Attachment
	if err == nil {
		items, err = s.addVisitPhotos(r, id, files)
	}
	switch code := sanlian.ErrorCode(err); code {
	case "":
		msg := fmt.Sprintf("已上传 %d 张照片", len(items))
		http.Redirect(w, r, "/visits/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape(msg)+"#photos", http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ETOOLARGE, sanlian.EINVALID:
		page, perr := s.loadVisitPage(r, id)
		if perr != nil {
			return perr
		}
		page.Error, page.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		return s.render(w, r, sanlian.HTTPStatus(code), "visit", page)
	}
	return err
}

// The phone form.

// visitPlace is one place the caller can record a visit to, a big button
// on the form. Value encodes the visit's kind and target: "h:<household>",
// "v:<unit>:<village>" or "t:<township>"; app.js reads it the same way.
type visitPlace struct {
	Value string
	Label string
	Sub   string
	Tags  []sanlian.Tag
	Must  bool // a 三必访 household
}

// visitForm is what was typed into the form.
type visitForm struct {
	Key      string // the no-JS form's idempotency key
	Place    string
	Visitor  int64
	Date     string
	Met      string
	Findings string
	Topics   map[int64]bool
	Problems []formProblem
}

// formProblem is one "problem raised on the spot" block.
type formProblem struct {
	Index int
	sanlian.VisitProblem
}

// Urgent reports whether the block's urgent box is ticked.
func (p formProblem) Urgent() bool { return p.Urgency == sanlian.UrgencyUrgent }

type visitNewPage struct {
	basePage
	Form        visitForm
	Places      []visitPlace
	PlaceSelect bool // too many places for buttons
	NoPlaces    string
	Cadres      []*sanlian.Link // linked cadres of a preselected household, for the office and unit admins
	Groups      []*topicGroup
	Categories  []*sanlian.Category
	Villages    []*sanlian.Region // for problems raised on a township visit
	Today       string
	Error       string
	Messages    []string
	Fields      map[string]string
	NextIndex   int // the index of the next problem block app.js adds
}

// maxPlaceButtons is how many places show as buttons before a select.
const maxPlaceButtons = 40

func today() string { return time.Now().In(sanlian.Shanghai).Format("2006-01-02") }

// newVisitKey is a random idempotency key for one rendering of the form.
func newVisitKey() string { return "form-" + rand.Text() }

func (s *workHandlers) loadVisitNewPage(r *http.Request, form visitForm, householdID int64) (*visitNewPage, error) {
	ctx := r.Context()
	page := &visitNewPage{basePage: s.base(r, "登记走访", "visits"), Form: form, Today: today()}
	u := page.User
	yes := true
	var err error
	switch u.Role {
	case sanlian.RoleCadre:
		hs, _, err := s.Households.FindHouseholds(ctx, sanlian.HouseholdFilter{CadreID: u.CadreID, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			page.Places = append(page.Places, visitPlace{Value: "h:" + strconv.FormatInt(h.ID, 10), Label: h.HeadName,
				Sub: h.VillageName + " · " + h.Address, Tags: h.Tags, Must: len(h.Tags) > 0})
		}
		// Must-visit households first, each group in the list's order.
		slices.SortStableFunc(page.Places, func(a, b visitPlace) int {
			return cmp.Compare(boolRank(a.Must), boolRank(b.Must))
		})
		if len(page.Places) == 0 {
			page.NoPlaces = "您还没有联系户。请联系本单位管理员建立联户关系后再登记走访。"
		}
	case sanlian.RoleLeader:
		links, _, err := s.Links.FindLinks(ctx, sanlian.LinkFilter{Kind: sanlian.LinkTownship, CadreID: u.CadreID, Active: &yes, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			page.Places = append(page.Places, visitPlace{Value: "t:" + l.RegionCode, Label: l.RegionName, Sub: "联系乡镇调研"})
			vs, _, err := s.Regions.FindRegions(ctx, sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: l.RegionCode, Limit: 500})
			if err != nil {
				return nil, err
			}
			page.Villages = append(page.Villages, vs...)
		}
		if len(page.Places) == 0 {
			page.NoPlaces = "您还没有联系乡镇。请县办公室建立联系后再登记调研。"
		}
	case sanlian.RoleUnitAdmin, sanlian.RoleOffice:
		if householdID != 0 {
			// On behalf of a cadre linked to the household.
			h, err := s.Households.FindHouseholdByID(ctx, householdID)
			if err != nil {
				return nil, err
			}
			page.Places = append(page.Places, visitPlace{Value: "h:" + strconv.FormatInt(h.ID, 10), Label: h.HeadName,
				Sub: h.VillageName + " · 代联系干部登记", Tags: h.Tags, Must: len(h.Tags) > 0})
			if page.Cadres, _, err = s.Links.FindLinks(ctx, sanlian.LinkFilter{Kind: sanlian.LinkHousehold, HouseholdID: h.ID, Active: &yes, Limit: 50}); err != nil {
				return nil, err
			}
		}
		links, _, err := s.Links.FindLinks(ctx, sanlian.LinkFilter{Kind: sanlian.LinkVillage, Active: &yes, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			page.Places = append(page.Places, visitPlace{Value: fmt.Sprintf("v:%d:%s", l.UnitID, l.RegionCode), Label: l.RegionName,
				Sub: l.UnitName + " 联村走访"})
		}
		if len(page.Places) == 0 {
			page.NoPlaces = "本单位还没有联系村。请先在“联系管理”中建立单位联村关系。"
		}
	}
	page.PlaceSelect = len(page.Places) > maxPlaceButtons
	if page.Form.Place == "" && householdID != 0 {
		page.Form.Place = "h:" + strconv.FormatInt(householdID, 10)
	}
	if page.Form.Place == "" && len(page.Places) == 1 {
		page.Form.Place = page.Places[0].Value
	}
	if page.Form.Date == "" {
		page.Form.Date = page.Today
	}
	if page.Form.Key == "" {
		page.Form.Key = newVisitKey()
	}
	if len(page.Form.Problems) == 0 {
		page.Form.Problems = []formProblem{{Index: 0}}
	}
	for _, p := range page.Form.Problems {
		page.NextIndex = max(page.NextIndex, p.Index+1)
	}
	yesActive := true
	ts, err := s.Topics.FindTopics(ctx, sanlian.TopicFilter{Active: &yesActive})
	if err != nil {
		return nil, err
	}
	page.Groups = groupTopics(ts, page.Form.Topics)
	if page.Categories, err = s.Problems.FindCategories(ctx, false); err != nil {
		return nil, err
	}
	return page, nil
}

// problemBlock is what one problem block of the form shows.
type problemBlock struct {
	Index string // p<Index>_… field names; "__N__" in the template app.js clones
	formProblem
	Categories []*sanlian.Category
	Villages   []*sanlian.Region
}

// ProblemBlocks are the problem blocks of the form as typed.
func (p *visitNewPage) ProblemBlocks() []problemBlock {
	out := make([]problemBlock, len(p.Form.Problems))
	for i, fp := range p.Form.Problems {
		out[i] = problemBlock{Index: strconv.Itoa(fp.Index), formProblem: fp, Categories: p.Categories, Villages: p.Villages}
	}
	return out
}

// BlockTemplate is the empty block app.js clones for "add a problem".
func (p *visitNewPage) BlockTemplate() problemBlock {
	return problemBlock{Index: "__N__", Categories: p.Categories, Villages: p.Villages}
}

func boolRank(must bool) int {
	if must {
		return 0
	}
	return 1
}

// visitNewForm is GET /visits/new[?household_id=].
func (s *workHandlers) visitNewForm(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	hid := p.int64("household_id")
	if err := p.err(); err != nil {
		return err
	}
	page, err := s.loadVisitNewPage(r, visitForm{}, hid)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "visit_new", page)
}

// readVisitForm turns the form's fields into a visit, keeping what was
// typed for a second rendering.
func readVisitForm(f url.Values) (*sanlian.VisitInput, visitForm) {
	form := visitForm{Key: strings.TrimSpace(f.Get("idempotency_key")), Place: f.Get("place"), Date: strings.TrimSpace(f.Get("date")),
		Met: f.Get("met"), Findings: f.Get("findings"), Topics: map[int64]bool{}}
	form.Visitor, _ = strconv.ParseInt(f.Get("visitor"), 10, 64)
	in := &sanlian.VisitInput{Date: form.Date, Met: form.Met, Findings: form.Findings, Topics: []int64{}}
	parts := strings.Split(form.Place, ":")
	switch {
	case parts[0] == "h" && len(parts) == 2:
		in.Kind = sanlian.VisitHousehold
		in.HouseholdID, _ = strconv.ParseInt(parts[1], 10, 64)
	case parts[0] == "v" && len(parts) == 3:
		in.Kind = sanlian.VisitVillage
		in.UnitID, _ = strconv.ParseInt(parts[1], 10, 64)
		in.RegionCode = parts[2]
	case parts[0] == "t" && len(parts) == 2:
		in.Kind = sanlian.VisitTownship
		in.RegionCode = parts[1]
	}
	if form.Visitor != 0 {
		in.Visitors = []int64{form.Visitor}
	}
	for _, v := range f["topic"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !form.Topics[id] {
			form.Topics[id] = true
			in.Topics = append(in.Topics, id)
		}
	}
	// Problem blocks are p<N>_… with N as app.js numbered them; gaps are
	// blocks removed on the phone. Empty blocks are skipped.
	var idx []int
	for k := range f {
		if rest, ok := strings.CutPrefix(k, "p"); ok {
			if n, field, ok := strings.Cut(rest, "_"); ok && field == "description" {
				if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < 1000 {
					idx = append(idx, i)
				}
			}
		}
	}
	slices.Sort(idx)
	for _, i := range idx {
		pre := "p" + strconv.Itoa(i) + "_"
		vp := sanlian.VisitProblem{Category: f.Get(pre + "category"), Description: strings.TrimSpace(f.Get(pre + "description")),
			VillageCode: f.Get(pre + "village"), Urgency: sanlian.UrgencyNormal}
		if f.Get(pre+"urgent") != "" {
			vp.Urgency = sanlian.UrgencyUrgent
		}
		form.Problems = append(form.Problems, formProblem{Index: i, VisitProblem: vp})
		if vp.Category != "" || vp.Description != "" {
			in.Problems = append(in.Problems, vp)
		}
	}
	return in, form
}

// visitCreateSubmit is POST /visits, the form without JavaScript: fields
// and, when sent as multipart, photos. A refused visit shows the form again
// with what was typed; photos of a wrong type refuse it before anything is
// written. The form's own idempotency key makes a second click, or the
// browser resending the form, record the visit once.
func (s *workHandlers) visitCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	var f url.Values
	var files []upload
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, files, err = s.problems.readMultipart(w, r)
	} else {
		err = parseFormLimit(w, r, uploadEnvelope)
		f = r.PostForm
	}
	if err != nil {
		return err
	}
	in, form := readVisitForm(f)
	if form.Place == "" {
		err = &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请选择走访的农户、村或乡镇",
			Fields: map[string]string{"place": "请选择走访的农户、村或乡镇"}}
	}
	if err == nil {
		err = s.checkPhotos(files)
	}
	var v *sanlian.Visit
	created := false
	if err == nil {
		v, created, err = s.Visits.CreateVisit(r.Context(), in, form.Key)
	}
	switch code := sanlian.ErrorCode(err); code {
	case "":
	case sanlian.EUNPROCESSABLE, sanlian.EFORBIDDEN, sanlian.EINVALID, sanlian.ETOOLARGE:
		hid := int64(0)
		if in.Kind == sanlian.VisitHousehold {
			hid = in.HouseholdID
		}
		page, perr := s.loadVisitNewPage(r, form, hid)
		if perr != nil {
			return perr
		}
		page.Error, page.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		page.Messages = fieldMessages(page.Fields)
		return s.render(w, r, sanlian.HTTPStatus(code), "visit_new", page)
	default:
		return err
	}
	msg := "已登记走访"
	if !created {
		msg = "这份走访已经提交过，未重复登记"
	} else if n := len(v.ProblemIDs); n > 0 {
		msg += fmt.Sprintf("，当场登记问题 %d 个", n)
	}
	if created && len(files) > 0 {
		if items, perr := s.addVisitPhotos(r, v.ID, files); perr != nil {
			msg += "；照片未能全部保存：" + sanlian.ErrorMessage(perr) + "，请在本页补传"
		} else {
			msg += fmt.Sprintf("，照片 %d 张", len(items))
		}
	}
	http.Redirect(w, r, "/visits/"+strconv.FormatInt(v.ID, 10)+"?ok="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// fieldMessages lists an error's field messages in field order, once each.
func fieldMessages(fields map[string]string) []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		if !slices.Contains(out, fields[k]) {
			out = append(out, fields[k])
		}
	}
	return out
}

// visitsExport is GET /visits/export.xlsx: the visits page's list with its
// filters; like the page, a cadre or a leader gets their own visits unless
// mine=0.
func (s *workHandlers) visitsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := visitFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	if u := sanlian.UserFromContext(r.Context()); u.CadreID != 0 && f.CadreID == 0 && p.str("mine") != "0" {
		f.CadreID = u.CadreID
		d.add("范围", "我的走访")
	} else {
		d.cadre("走访人", f.CadreID)
	}
	if f.Kind != "" {
		d.add("类型", sanlian.VisitKindLabel(f.Kind))
	}
	d.unit("单位", f.UnitID)
	if f.HouseholdID != 0 {
		d.add("农户编号", strconv.FormatInt(f.HouseholdID, 10))
	}
	d.region("乡镇", f.TownshipCode)
	d.region("村(社区)", f.VillageCode)
	if f.TopicID != 0 {
		d.add("题目编号", strconv.FormatInt(f.TopicID, 10))
	}
	d.period("走访日期", f.From, f.To)
	f.Limit = exportPage
	sh := sheet{name: "走访记录", filter: d.String(), columns: []sanlian.TableColumn{{Header: "日期", Width: 12}, {Header: "走访对象", Width: 14},
		{Header: "所在地", Width: 14}, {Header: "类型", Width: 14}, {Header: "走访人", Width: 16, Wrap: true}, {Header: "单位", Width: 20},
		{Header: "题目", Width: 6}, {Header: "问题", Width: 6}, {Header: "照片", Width: 6}, {Header: "走访发现", Width: 50, Wrap: true}}}
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Visit, string, error) {
		f.Cursor = cursor
		return s.Visits.FindVisits(r.Context(), f)
	}, func(v *sanlian.Visit) []any {
		target, place := v.RegionName, ""
		if v.HouseholdID != 0 {
			target, place = v.HeadName+" 户", v.RegionName
		}
		visitors := v.CadreName
		if len(v.VisitorNames) > 0 {
			visitors = strings.Join(v.VisitorNames, "、")
		}
		return []any{v.Date, target, place, v.KindLabel(), visitors, v.UnitName, len(v.TopicIDs), len(v.ProblemIDs), v.Attachments,
			sanlian.MaskContacts(v.Findings)}
	})
}
