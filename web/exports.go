package web

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// Photos of volunteer activities, the activity type dictionary, a
// volunteer's own record, and the Excel exports of the list pages.

// Activity photos.

// addActivityPhotos stores photos on activity id, every file checked
// before the first is stored.
func (s *Server) addActivityPhotos(r *http.Request, id int64, files []upload) ([]*sanlian.Attachment, error) {
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
func (s *Server) readActivityPhotos(w http.ResponseWriter, r *http.Request) (int64, []*sanlian.Attachment, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.Activities.FindActivityByID(r.Context(), id); err != nil {
		return 0, nil, err
	}
	_, files, err := s.readMultipart(w, r)
	if err != nil {
		return id, nil, err
	}
	items, err := s.addActivityPhotos(r, id, files)
	return id, items, err
}

// apiAddActivityPhoto is POST /api/v1/activities/{id}/photos: multipart
// file parts, pictures only, all checked before the first is stored.
func (s *Server) apiAddActivityPhoto(w http.ResponseWriter, r *http.Request) error {
	_, items, err := s.readActivityPhotos(w, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listResponse[*sanlian.Attachment]{Items: items})
	return nil
}

// activityPhotoSubmit is POST /activities/{id}/photos, the activity page's
// upload. A refused file shows the page again with the reason.
func (s *Server) activityPhotoSubmit(w http.ResponseWriter, r *http.Request) error {
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
		return s.render(w, r, statusOf(code), "activity", page)
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

func (s *Server) renderActivityTypes(w http.ResponseWriter, r *http.Request, status int, page *activityTypesPage) error {
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
func (s *Server) activityTypesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderActivityTypes(w, r, http.StatusOK, &activityTypesPage{})
}

// activityTypeSubmit is POST /activity-types: action add, save, retire or
// restore. A refused form comes back as typed, with the reason beside it.
func (s *Server) activityTypeSubmit(w http.ResponseWriter, r *http.Request) error {
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
		return s.renderActivityTypes(w, r, statusOf(sanlian.ErrorCode(err)), page)
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
func (s *Server) volunteerPage(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) volunteerYears(ctx context.Context, id int64, n int) ([]yearTotal, error) {
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

// Excel exports of the list pages.

// sheet is the workbook of one list page.
type sheet struct {
	name    string // of the list: the sheet's, the title's and the file's
	title   string // the list's full name for the title row, when it differs
	filter  string // the page's filters in Chinese, for the title row
	columns []sanlian.TableColumn
	// audit, when set, records the export once every row has been read,
	// before the first byte is sent: a failure to record it refuses the
	// download with the normal error page. rows counts the rows read,
	// one more than written when the workbook's row limit cut the list.
	audit func(rows int) error
}

// exportSheet streams a list as a workbook, numbering its rows (序号): find
// is called with each cursor in turn until it returns none, so that a
// page of at most exportPage items is all that is held, and row turns an
// item into the cells of the sheet's columns. Scope and masking are the
// services', as for the page.
func exportSheet[T any](s *Server, w http.ResponseWriter, r *http.Request, sh sheet,
	find func(cursor string) ([]T, string, error), row func(x T) []any) error {
	var page []T
	i, n, cursor, done := 0, 0, "", false
	next := func() ([]any, error) {
		// Keyset pages, one query each: a row changed between two queries
		// may show as it was or as it is, but none is read twice.
		for i == len(page) {
			if done {
				return nil, nil
			}
			items, c, err := find(cursor)
			if err != nil {
				return nil, err
			}
			page, i, cursor, done = items, 0, c, c == ""
		}
		i++
		n++
		return append([]any{n}, row(page[i-1])...), nil
	}
	now := time.Now().In(sanlian.Shanghai)
	title := cmp.Or(sh.title, sh.name)
	if sh.filter != "" {
		title += "（" + sh.filter + "）"
	}
	title += "  导出时间：" + now.Format("2006-01-02 15:04")
	out := &download{w: w, ctype: xlsxType, filename: sh.name + "-" + now.Format("2006-01-02") + ".xlsx"}
	var dst io.Writer = out
	if sh.audit != nil {
		dst = &beforeFirstByte{w: out, before: func() error { return sh.audit(n) }}
	}
	t := &sanlian.Table{Title: title, Sheet: sh.name, Columns: append([]sanlian.TableColumn{{Header: "序号", Width: 7}}, sh.columns...), Next: next}
	err := s.Sheets.WriteTable(dst, t)
	if err != nil && out.started {
		// Half a zip has gone out: break the connection so that the browser
		// reports a failed download rather than saving a truncated file.
		s.log.Error("export broke off", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// beforeFirstByte runs before once, ahead of the first write to w; its
// error is the write's.
type beforeFirstByte struct {
	w      io.Writer
	before func() error
	done   bool
}

func (b *beforeFirstByte) Write(p []byte) (int, error) {
	if !b.done {
		if err := b.before(); err != nil {
			return 0, err
		}
		b.done = true
	}
	return b.w.Write(p)
}

// onePage is a find over a list the service returns whole.
func onePage[T any](items []T, err error) func(string) ([]T, string, error) {
	return func(string) ([]T, string, error) { return items, "", err }
}

// filterText describes an export's filters in Chinese, "label：value"
// joined by "；"; names are looked up as the caller sees them, and one not
// found shows as its code.
type filterText struct {
	s     *Server
	ctx   context.Context
	parts []string
}

func (s *Server) describe(r *http.Request) *filterText { return &filterText{s: s, ctx: r.Context()} }

func (d *filterText) add(label, v string) {
	if v != "" {
		d.parts = append(d.parts, label+"："+v)
	}
}

func (d *filterText) region(label, code string) {
	if code == "" {
		return
	}
	name := code
	if rg, err := d.s.Regions.FindRegionByCode(d.ctx, code); err == nil {
		name = rg.Name
	}
	d.add(label, name)
}

func (d *filterText) unit(label string, id int64) {
	if id == 0 {
		return
	}
	name := strconv.FormatInt(id, 10)
	if u, err := d.s.Units.FindUnitByID(d.ctx, id); err == nil {
		name = u.Name
	}
	d.add(label, name)
}

func (d *filterText) cadre(label string, id int64) {
	if id == 0 {
		return
	}
	name := strconv.FormatInt(id, 10)
	if c, err := d.s.Cadres.FindCadreByID(d.ctx, id); err == nil {
		name = c.Name
	}
	d.add(label, name)
}

func (d *filterText) yesNo(label string, b *bool, yes, no string) {
	if b != nil {
		d.add(label, map[bool]string{true: yes, false: no}[*b])
	}
}

func (d *filterText) period(label, from, to string) {
	if from != "" || to != "" {
		d.add(label, from+" 至 "+to)
	}
}

func (d *filterText) String() string { return strings.Join(d.parts, "；") }

// instant is a time for a cell: empty when zero.
func instant(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// activitiesExport is GET /activities/export.xlsx: the activity list with
// the page's filters (mine=1 is the caller's own record).
func (s *Server) activitiesExport(w http.ResponseWriter, r *http.Request) error {
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
	return exportSheet(s, w, r, sh, func(cursor string) ([]*sanlian.Activity, string, error) {
		f.Cursor = cursor
		return s.Activities.FindActivities(r.Context(), f)
	}, func(a *sanlian.Activity) []any {
		return []any{a.Date, a.TypeName, a.TownshipName, a.VillageName, a.UnitName, strings.Join(a.VolunteerNames, "、"),
			a.Others, a.VolunteerCount(), a.Served, sanlian.MaskContacts(a.Description)}
	})
}

// regionsExport is GET /regions/export.xlsx: the county's townships and
// villages in code order, with the counts the regions page shows. The
// API's filters (kind, parent_code, q) apply.
func (s *Server) regionsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := regionFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	ctx := r.Context()
	// The counts come with the tree, a few hundred regions in a county.
	tree, err := s.Regions.FindRegionTree(ctx)
	if err != nil {
		return err
	}
	byCode := map[string]*sanlian.Region{}
	var walk func(*sanlian.Region)
	walk = func(rg *sanlian.Region) {
		byCode[rg.Code] = rg
		for _, c := range rg.Children {
			walk(c)
		}
	}
	walk(tree)
	personal := sanlian.UserFromContext(ctx).Role.SeesPersonalData()
	d := s.describe(r)
	if f.Kind != "" {
		d.add("类别", (&sanlian.Region{Kind: f.Kind}).KindLabel())
	}
	d.region("上级", f.ParentCode)
	d.add("名称", f.Q)
	cols := []sanlian.TableColumn{{Header: "区划代码", Width: 15}, {Header: "名称", Width: 16}, {Header: "类别", Width: 9},
		{Header: "所属乡镇", Width: 14}, {Header: "村(社区)数", Width: 10}}
	if personal {
		cols = append(cols, sanlian.TableColumn{Header: "农户数", Width: 10})
	}
	f.Limit = exportPage
	return exportSheet(s, w, r, sheet{name: "行政区划", filter: d.String(), columns: cols},
		func(cursor string) ([]*sanlian.Region, string, error) {
			f.Cursor = cursor
			return s.Regions.FindRegions(ctx, f)
		}, func(rg *sanlian.Region) []any {
			var township, villages, households any
			if t := byCode[rg.Code]; t != nil {
				households = t.Households
				if rg.Kind != sanlian.RegionVillage {
					villages = t.Villages
				}
			}
			if parent := byCode[rg.ParentCode]; parent != nil && rg.Kind == sanlian.RegionVillage {
				township = parent.Name
			}
			row := []any{rg.Code, rg.Name, rg.KindLabel(), township, villages}
			if personal {
				row = append(row, households)
			}
			return row
		})
}

// unitsExport is GET /units/export.xlsx: the units page's list.
func (s *Server) unitsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := unitFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	d.add("类别", sanlian.UnitKindLabel(f.Kind))
	d.unit("上级单位", f.ParentID)
	d.add("名称", f.Q)
	f.Limit = exportPage
	sh := sheet{name: "单位", filter: d.String(), columns: []sanlian.TableColumn{{Header: "单位", Width: 24}, {Header: "类别", Width: 12},
		{Header: "上级单位", Width: 24}, {Header: "负责人", Width: 10}, {Header: "干部", Width: 8}, {Header: "联系村", Width: 8}}}
	return exportSheet(s, w, r, sh, func(cursor string) ([]*sanlian.Unit, string, error) {
		f.Cursor = cursor
		return s.Units.FindUnits(r.Context(), f)
	}, func(u *sanlian.Unit) []any {
		return []any{u.Name, u.KindLabel(), u.ParentName, u.HeadName, u.Cadres, u.LinkedVillages}
	})
}

// cadresExport is GET /cadres/export.xlsx: the cadres page's list, phones
// masked as the service gives them. The export is audited.
func (s *Server) cadresExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := cadreFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	d.unit("单位", f.UnitID)
	d.yesNo("县级领导", f.IsLeader, "是", "否")
	d.add("姓名", f.Q)
	f.Limit = exportPage
	sh := sheet{name: "党员干部", filter: d.String(), columns: []sanlian.TableColumn{{Header: "姓名", Width: 10}, {Header: "单位", Width: 24},
		{Header: "职务", Width: 14}, {Header: "党员", Width: 6}, {Header: "县级领导", Width: 9}, {Header: "电话", Width: 14}, {Header: "联系农户", Width: 9}},
		audit: func(rows int) error { return s.Audit.RecordExport(r.Context(), "cadre", d.String(), rows) }}
	return exportSheet(s, w, r, sh, func(cursor string) ([]*sanlian.Cadre, string, error) {
		f.Cursor = cursor
		return s.Cadres.FindCadres(r.Context(), f)
	}, func(c *sanlian.Cadre) []any {
		return []any{c.Name, c.UnitName, c.Post, yesNo(c.PartyMember), yesNo(c.IsLeader), c.Phone, c.Households}
	})
}

// householdsExport is GET /households/export.xlsx: the households page's
// list with its filters. ID numbers and phones are masked as in every list;
// no export reveals them. The export is audited.
func (s *Server) householdsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := householdFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	d.region("乡镇", f.TownshipCode)
	d.region("村(社区)", f.VillageCode)
	switch f.Tag {
	case "":
	case "any":
		d.add("三必访", "任一类")
	default:
		d.add("三必访", sanlian.TagKindLabel(f.Tag))
	}
	d.yesNo("联户", f.Linked, "已联系干部", "未联系干部")
	d.cadre("联系干部", f.CadreID)
	d.add("户主姓名", f.Q)
	if f.Visited != nil {
		d.add("走访", fmt.Sprintf("%s 至 %s %s", f.VisitedFrom, f.VisitedTo, map[bool]string{true: "已走访", false: "未走访"}[*f.Visited]))
	}
	f.Limit = exportPage
	sh := sheet{name: "农户", filter: d.String(), columns: []sanlian.TableColumn{{Header: "户主", Width: 10}, {Header: "乡镇", Width: 12},
		{Header: "村(社区)", Width: 14}, {Header: "身份证号", Width: 21}, {Header: "电话", Width: 14}, {Header: "人口", Width: 6},
		{Header: "三必访", Width: 20, Wrap: true}, {Header: "联系干部", Width: 16, Wrap: true}},
		audit: func(rows int) error { return s.Audit.RecordExport(r.Context(), "household", d.String(), rows) }}
	return exportSheet(s, w, r, sh, func(cursor string) ([]*sanlian.Household, string, error) {
		f.Cursor = cursor
		return s.Households.FindHouseholds(r.Context(), f)
	}, func(h *sanlian.Household) []any {
		tags := make([]string, len(h.Tags))
		for i, t := range h.Tags {
			tags[i] = t.Label()
		}
		return []any{h.HeadName, h.TownshipName, h.VillageName, h.IDNumber, h.Phone, h.Members, strings.Join(tags, "、"),
			strings.Join(h.Cadres, "、")}
	})
}

// linksExport is GET /links/export.xlsx: every link in the caller's scope,
// ended ones too, with the API's filters (kind, cadre_id, unit_id,
// household_id, region, active).
func (s *Server) linksExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := linkFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	if f.Kind != "" {
		d.add("类型", sanlian.LinkKindLabel(f.Kind))
	}
	d.cadre("干部", f.CadreID)
	d.unit("单位", f.UnitID)
	if f.HouseholdID != 0 {
		d.add("农户编号", strconv.FormatInt(f.HouseholdID, 10))
	}
	d.region("地区", f.RegionCode)
	d.yesNo("状态", f.Active, "联系中", "已解除")
	f.Limit = exportPage
	sh := sheet{name: "联系关系", filter: d.String(), columns: []sanlian.TableColumn{{Header: "类型", Width: 14}, {Header: "干部", Width: 10},
		{Header: "单位", Width: 22}, {Header: "联系对象", Width: 16}, {Header: "状态", Width: 8}, {Header: "建立时间", Width: 17},
		{Header: "建立人", Width: 10}, {Header: "解除时间", Width: 17}}}
	return exportSheet(s, w, r, sh, func(cursor string) ([]*sanlian.Link, string, error) {
		f.Cursor = cursor
		return s.Links.FindLinks(r.Context(), f)
	}, func(l *sanlian.Link) []any {
		target, state := l.RegionName, "联系中"
		if l.HouseholdID != 0 {
			target = l.HeadName + " 户"
		}
		if !l.Active() {
			state = "已解除"
		}
		return []any{l.KindLabel(), l.CadreName, l.UnitName, target, state, l.CreatedAt, l.Creator, instant(l.EndedAt)}
	})
}

// topicsExport is GET /topics/export.xlsx: the topic bank as the page shows
// it to the caller (the office with retired topics), by field.
func (s *Server) topicsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := topicFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	if sanlian.UserFromContext(r.Context()).Role != sanlian.RoleOffice {
		yes := true
		f.Active = &yes
	}
	d := s.describe(r)
	if f.Category != "" {
		name := f.Category
		if cs, err := s.Problems.FindCategories(r.Context(), true); err == nil {
			for _, c := range cs {
				if c.Code == f.Category {
					name = c.Name
				}
			}
		}
		d.add("领域", name)
	}
	d.yesNo("状态", f.Active, "在用", "已停用")
	d.add("关键词", f.Q)
	sh := sheet{name: "调研题库", filter: d.String(), columns: []sanlian.TableColumn{{Header: "领域", Width: 16}, {Header: "题目", Width: 60, Wrap: true},
		{Header: "状态", Width: 8}, {Header: "排序", Width: 6}}}
	return exportSheet(s, w, r, sh, onePage(s.Topics.FindTopics(r.Context(), f)), func(t *sanlian.Topic) []any {
		state := "在用"
		if !t.Active {
			state = "已停用"
		}
		return []any{t.CategoryName, t.Question, state, t.Sort}
	})
}

// visitsExport is GET /visits/export.xlsx: the visits page's list with its
// filters; like the page, a cadre or a leader gets their own visits unless
// mine=0.
func (s *Server) visitsExport(w http.ResponseWriter, r *http.Request) error {
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
	return exportSheet(s, w, r, sh, func(cursor string) ([]*sanlian.Visit, string, error) {
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

// auditExport is GET /audit/export.xlsx: the audit log with the page's
// filters, newest first.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := auditFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	d.add("操作人", f.Actor)
	d.add("动作", f.Action)
	d.add("对象", f.Entity)
	d.add("对象编号", f.EntityID)
	d.period("时间", p.str("from"), p.str("to"))
	f.Limit = exportPage
	sh := sheet{name: "审计日志", filter: d.String(), columns: []sanlian.TableColumn{{Header: "时间", Width: 17}, {Header: "操作人", Width: 12},
		{Header: "动作", Width: 12}, {Header: "对象", Width: 12}, {Header: "对象编号", Width: 10}, {Header: "变更", Width: 60, Wrap: true},
		{Header: "来源", Width: 16}}}
	return exportSheet(s, w, r, sh, func(cursor string) ([]*sanlian.AuditEntry, string, error) {
		f.Cursor = cursor
		return s.Audit.FindAudit(r.Context(), f)
	}, func(e *sanlian.AuditEntry) []any {
		return []any{e.At, e.Actor, e.Action, e.Entity, e.EntityID, e.Changes, e.IP}
	})
}

// usersExport is GET /users/export.xlsx: the accounts page's list.
func (s *Server) usersExport(w http.ResponseWriter, r *http.Request) error {
	sh := sheet{name: "账号", columns: []sanlian.TableColumn{{Header: "用户名", Width: 14}, {Header: "姓名", Width: 12}, {Header: "角色", Width: 12},
		{Header: "单位", Width: 20}, {Header: "对应干部", Width: 10}, {Header: "状态", Width: 24}, {Header: "双因素认证", Width: 10}, {Header: "创建时间", Width: 17}}}
	return exportSheet(s, w, r, sh, onePage(s.Users.FindUsers(r.Context())), func(u *sanlian.User) []any {
		state := "正常"
		switch {
		case u.Pending:
			state = "待批准"
		case u.Disabled:
			state = "停用"
		case !u.LockedUntil.IsZero():
			state = "锁定至 " + u.LockedUntil.In(sanlian.Shanghai).Format("2006-01-02 15:04")
		}
		return []any{u.Username, u.DisplayName, u.Role.Label(), u.UnitName, u.CadreName, state, yesNo(u.TOTPEnabled), u.CreatedAt}
	})
}
