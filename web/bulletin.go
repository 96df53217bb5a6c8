package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// The half-month bulletins (半月督查通报): the JSON API, the archive, the
// bulletin on screen with the office's draft editor, its printable
// government-document form and its .xlsx annex; and the self-criticisms
// the criticised units owe.

// apiBulletins is GET /api/v1/bulletins.
func (s *reportHandlers) apiBulletins(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Bulletins.FindBulletins(r.Context())
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// apiBulletin is GET /api/v1/bulletins/{period}.
func (s *reportHandlers) apiBulletin(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Bulletins.FindBulletin(r.Context(), r.PathValue("period"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// bulletinSave is the body of PUT /api/v1/bulletins/{period}: the draft's
// commentary and overrides, with the version it was read at (0 when the
// period has no draft yet). Every save recomputes the draft's numbers.
type bulletinSave struct {
	Commentary string                     `json:"commentary"`
	Overrides  []sanlian.BulletinOverride `json:"overrides"`
	Version    int64                      `json:"version"`
}

// apiSaveBulletin is PUT /api/v1/bulletins/{period}.
func (s *reportHandlers) apiSaveBulletin(w http.ResponseWriter, r *http.Request) error {
	var in bulletinSave
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Version < 0 {
		return sanlian.FieldErrors(map[string]string{"version": "version 应为读取时的版本号，尚无草稿时为 0"})
	}
	b, err := s.Bulletins.SaveBulletin(r.Context(), r.PathValue("period"), in.Commentary, in.Overrides, in.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// bulletinPublish is the body of POST /api/v1/bulletins/{period}/publish.
type bulletinPublish struct {
	Version int64 `json:"version"`
}

// apiPublishBulletin is POST /api/v1/bulletins/{period}/publish.
func (s *reportHandlers) apiPublishBulletin(w http.ResponseWriter, r *http.Request) error {
	var in bulletinPublish
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := needVersion(in.Version); err != nil {
		return err
	}
	b, err := s.Bulletins.PublishBulletin(r.Context(), r.PathValue("period"), in.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// selfCriticismFilter reads the list's filters from the query.
func selfCriticismFilter(p *params) sanlian.SelfCriticismFilter {
	return sanlian.SelfCriticismFilter{Period: p.str("period"), UnitID: p.int64("unit_id"),
		State:   p.oneOf("state", sanlian.SelfCriticismOwed, sanlian.SelfCriticismFiled, sanlian.SelfCriticismReceived),
		Overdue: p.boolPtr("overdue")}
}

// apiSelfCriticisms is GET /api/v1/self-criticisms.
func (s *reportHandlers) apiSelfCriticisms(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := selfCriticismFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, err := s.Bulletins.FindSelfCriticisms(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// fileSelfCriticism stores the one file of a multipart upload (field file).
func (s *reportHandlers) fileSelfCriticism(w http.ResponseWriter, r *http.Request) (*sanlian.SelfCriticism, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	_, files, err := s.problems.readMultipart(w, r)
	if err != nil {
		return nil, err
	}
	switch len(files) {
	case 0:
		return nil, sanlian.FieldErrors(map[string]string{"file": "请选择书面检讨的文件（PDF、Word 或照片）"})
	case 1:
	default:
		return nil, sanlian.FieldErrors(map[string]string{"file": "书面检讨只能上传一个文件"})
	}
	return s.Bulletins.FileSelfCriticism(r.Context(), id, files[0].name, bytes.NewReader(files[0].data), s.cfg.MaxUpload)
}

// apiFileSelfCriticism is POST /api/v1/self-criticisms/{id}/file.
func (s *reportHandlers) apiFileSelfCriticism(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.fileSelfCriticism(w, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sc)
	return nil
}

// apiReceiveSelfCriticism is POST /api/v1/self-criticisms/{id}/receive.
func (s *reportHandlers) apiReceiveSelfCriticism(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sc, err := s.Bulletins.ReceiveSelfCriticism(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sc)
	return nil
}

// Pages.

type bulletinsPage struct {
	basePage
	Bulletins []*sanlian.Bulletin
	MayEdit   bool
	Latest    sanlian.Period // the last half month that has ended
	Current   sanlian.Period
	Form      url.Values
	Picker    periodPicker
	Error     string
}

// bulletinsPeriod is the bulletins page's period picker: half-months up to
// the one under way.
var bulletinsPeriod = periodField{Name: "period", Label: "通报期间", Rule: sanlian.PeriodRule{Halves: true, Past: true}}

// bulletinsPage is GET /bulletins: the archive, and for the office the
// drafts and a way to open any half month's bulletin (?period=2021-05-H1,
// ?period=2021年5月上半月 or the picker's period_year, period_month,
// period_part).
func (s *reportHandlers) bulletinsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("period") == "" && q.Get("period_year") == "" && q.Get("period_month") == "" {
		return s.renderBulletins(w, r, http.StatusOK, q)
	}
	per, _, msg := readPeriod(q, bulletinsPeriod, s.cfg.Now())
	if msg != "" {
		return s.renderBulletins(w, r, http.StatusBadRequest, q)
	}
	http.Redirect(w, r, "/bulletins/"+url.PathEscape(per.ID), http.StatusSeeOther)
	return nil
}

func (s *reportHandlers) renderBulletins(w http.ResponseWriter, r *http.Request, status int, form url.Values) error {
	bs, err := s.Bulletins.FindBulletins(r.Context())
	if err != nil {
		return err
	}
	page := &bulletinsPage{basePage: s.base(r, "督查通报", "bulletins"), Bulletins: bs, Form: form}
	page.MayEdit = page.User.Role == sanlian.RoleOffice
	now := s.cfg.Now()
	page.Current = sanlian.PeriodOf(now, sanlian.PeriodHalf)
	page.Latest = sanlian.PeriodOf(page.Current.Start.Add(-time.Hour), sanlian.PeriodHalf)
	if status == http.StatusOK {
		form = url.Values{"period": {page.Latest.ID}}
	}
	_, page.Picker, page.Error = readPeriod(form, bulletinsPeriod, now)
	return s.render(w, r, status, "bulletins", page)
}

// overrideRow is one row of the draft editor's overrides.
type overrideRow struct {
	Index  int
	UnitID string
	Action string
	Reason string
	Units  []projectOption
}

// bulletinPage is the page of one bulletin.
type bulletinPage struct {
	basePage
	Period     sanlian.Period
	B          *sanlian.Bulletin // nil: the office opens a period without a draft
	MayEdit    bool              // the office, on a draft
	Commentary string
	Version    string
	Overrides  []overrideRow
	Error      string
	Fields     map[string]string
}

// Field returns the error of a field of the editor, for the template.
func (p *bulletinPage) Field(name string) string { return p.Fields[name] }

// OverrideField returns the error of a field of override row i.
func (p *bulletinPage) OverrideField(i int, name string) string {
	return p.Fields["overrides["+strconv.Itoa(i)+"]."+name]
}

// Trace links a number of the bulletin to the problems behind it (unit 0:
// the county's total), for the roles that may list them; "" otherwise.
func (p *bulletinPage) Trace(unit int64, measure string) string {
	switch p.User.Role {
	case sanlian.RoleOffice, sanlian.RoleLeader, sanlian.RoleUnitAdmin:
	default:
		return ""
	}
	key := ""
	if unit != 0 {
		key = strconv.FormatInt(unit, 10)
	}
	return problemsURL(sanlian.MetricsQuery{Period: p.Period.ID, By: sanlian.ByUnit}, key, measure)
}

// ActionLabel names an override action.
func (*bulletinPage) ActionLabel(a string) string { return sanlian.OverrideLabel(a) }

// bulletinRowIn is a unit's row of the bulletin with the page that shows
// it, for the row template (its links depend on the reader).
type bulletinRowIn struct {
	Page any
	Row  sanlian.BulletinRow
}

// traceLink is a county-wide number of the bulletin and the link to the
// problems behind it ("" for readers who may not list them).
type traceLink struct {
	N   int
	URL string
}

// traceIn links n, the county's count of measure, for the bulletin page p.
func traceIn(p *bulletinPage, measure string, n int) traceLink {
	return traceLink{N: n, URL: p.Trace(0, measure)}
}

// blankOverrides is how many empty override rows the editor offers.
const blankOverrides = 3

// renderBulletin shows a period's bulletin; form, when not nil, is the
// editor as typed, with ferr its refusal.
func (s *reportHandlers) renderBulletin(w http.ResponseWriter, r *http.Request, status int, period string, form url.Values, ferr error) error {
	ctx := r.Context()
	p, err := sanlian.HalfMonth(period)
	if err != nil {
		return err
	}
	b, err := s.Bulletins.FindBulletin(ctx, period)
	office := sanlian.UserFromContext(ctx).Role == sanlian.RoleOffice
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND && office {
		b, err = nil, nil
	}
	if err != nil {
		return err
	}
	title := p.Label() + "督查通报"
	if b != nil && b.Published() {
		title = b.NumberLabel() + " " + title
	}
	page := &bulletinPage{basePage: s.base(r, title, "bulletins"), Period: p, B: b}
	page.MayEdit = office && (b == nil || !b.Published())
	if ferr != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	if !page.MayEdit {
		return s.render(w, r, status, "bulletin", page)
	}
	units, _, err := s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500})
	if err != nil {
		return err
	}
	options := func(selected string) []projectOption {
		out := make([]projectOption, 0, len(units))
		for _, u := range units {
			out = append(out, projectOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
		return selectOptions(out, selected)
	}
	var rows []overrideRow
	if form != nil {
		page.Commentary, page.Version = form.Get("commentary"), form.Get("version")
		ids, actions, reasons := form["unit_id"], form["action"], form["reason"]
		for i := range ids {
			rows = append(rows, overrideRow{UnitID: ids[i], Action: at(actions, i), Reason: at(reasons, i)})
		}
	} else if b != nil {
		page.Commentary, page.Version = b.Commentary, strconv.FormatInt(b.Version, 10)
		for _, o := range b.Overrides {
			rows = append(rows, overrideRow{UnitID: strconv.FormatInt(o.UnitID, 10), Action: o.Action, Reason: o.Reason})
		}
	} else {
		page.Version = "0"
	}
	for i := 0; i < blankOverrides; i++ {
		rows = append(rows, overrideRow{})
	}
	for i := range rows {
		rows[i].Index, rows[i].Units = i, options(rows[i].UnitID)
	}
	page.Overrides = rows
	return s.render(w, r, status, "bulletin", page)
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return ""
}

// bulletinPage is GET /bulletins/{period}.
func (s *reportHandlers) bulletinPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderBulletin(w, r, http.StatusOK, r.PathValue("period"), nil, nil)
}

// overridesOf reads the editor's override rows: parallel unit_id, action
// and reason fields; rows left blank are dropped, keeping the indexes of
// the others for their errors.
func overridesOf(f url.Values) ([]sanlian.BulletinOverride, url.Values, map[string]string) {
	ids, actions, reasons := f["unit_id"], f["action"], f["reason"]
	var out []sanlian.BulletinOverride
	kept := url.Values{}
	bad := map[string]string{}
	for i := range ids {
		id, action, reason := strings.TrimSpace(ids[i]), strings.TrimSpace(at(actions, i)), at(reasons, i)
		if id == "" && strings.TrimSpace(reason) == "" {
			continue
		}
		n := len(out)
		kept.Add("unit_id", id)
		kept.Add("action", action)
		kept.Add("reason", reason)
		v, err := strconv.ParseInt(id, 10, 64)
		if err != nil || v <= 0 {
			bad["overrides["+strconv.Itoa(n)+"].unit_id"] = "请选择单位"
		}
		out = append(out, sanlian.BulletinOverride{UnitID: v, Action: action, Reason: reason})
	}
	return out, kept, bad
}

// bulletinSubmit is POST /bulletins/{period}: with generate, creates or
// recomputes the draft; otherwise saves the editor (commentary and
// overrides) at the version it was read. A refused or stale form comes
// back as typed.
func (s *reportHandlers) bulletinSubmit(w http.ResponseWriter, r *http.Request) error {
	period := r.PathValue("period")
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("generate") != "" {
		if _, err := s.Bulletins.GenerateBulletin(r.Context(), period); err != nil {
			return err
		}
		http.Redirect(w, r, "/bulletins/"+url.PathEscape(period)+"?ok="+url.QueryEscape("草稿已按最新数据生成"), http.StatusSeeOther)
		return nil
	}
	overrides, kept, bad := overridesOf(f)
	kept.Set("commentary", f.Get("commentary"))
	kept.Set("version", f.Get("version"))
	version, verr := strconv.ParseInt(strings.TrimSpace(f.Get("version")), 10, 64)
	if verr != nil || version < 0 {
		bad["version"] = "表单已损坏，请刷新页面后重试"
	}
	var err error
	if len(bad) > 0 {
		err = sanlian.FieldErrors(bad)
	} else {
		_, err = s.Bulletins.SaveBulletin(r.Context(), period, f.Get("commentary"), overrides, version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		if code == sanlian.ECONFLICT {
			if now, ferr := s.Bulletins.FindBulletin(r.Context(), period); ferr == nil && !now.Published() {
				kept.Set("version", strconv.FormatInt(now.Version, 10)) // saving again applies what was typed
			}
		}
		return s.renderBulletin(w, r, sanlian.HTTPStatus(code), period, kept, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/bulletins/"+url.PathEscape(period)+"?ok="+url.QueryEscape("草稿已保存"), http.StatusSeeOther)
	return nil
}

// bulletinPublishSubmit is POST /bulletins/{period}/publish.
func (s *reportHandlers) bulletinPublishSubmit(w http.ResponseWriter, r *http.Request) error {
	period := r.PathValue("period")
	if err := parseFormLimit(w, r, 1<<16); err != nil {
		return err
	}
	version, verr := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("version")), 10, 64)
	var err error
	if verr != nil || version <= 0 {
		err = sanlian.FieldErrors(map[string]string{"version": "表单已损坏，请刷新页面后重试"})
	} else {
		_, err = s.Bulletins.PublishBulletin(r.Context(), period, version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		return s.renderBulletin(w, r, sanlian.HTTPStatus(code), period, nil, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/bulletins/"+url.PathEscape(period)+"?ok="+url.QueryEscape("通报已发布，被批评单位须在期限内提交书面检讨"), http.StatusSeeOther)
	return nil
}

// printPage is the printable bulletin.
type printPage struct {
	B         *sanlian.Bulletin
	Office    string
	Date      string // of publication, or today for a draft
	Paragraph []string
}

// bulletinPrint is GET /bulletins/{period}/print: the bulletin as a
// government document on A4, without the site's layout or scripts.
func (s *reportHandlers) bulletinPrint(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Bulletins.FindBulletin(r.Context(), r.PathValue("period"))
	if err != nil {
		return err
	}
	day := time.Now()
	if b.PublishedAt != nil {
		day = *b.PublishedAt
	}
	day = day.In(sanlian.Shanghai)
	page := &printPage{B: b, Office: sanlian.IssuingOffice(s.countyName(r.Context())), Date: fmt.Sprintf("%d年%d月%d日", day.Year(), int(day.Month()), day.Day())}
	for _, para := range strings.Split(strings.ReplaceAll(b.Commentary, "\r\n", "\n"), "\n") {
		if para = strings.TrimSpace(para); para != "" {
			page.Paragraph = append(page.Paragraph, para)
		}
	}
	t, ok := s.pages.pages["bulletin_print"]
	if !ok {
		return fmt.Errorf("render: no page bulletin_print")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "print", page); err != nil {
		return fmt.Errorf("render bulletin_print: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

// rowsTable makes a Table of ready rows.
func rowsTable(sheet, title string, cols []sanlian.TableColumn, rows [][]any) *sanlian.Table {
	i := 0
	return &sanlian.Table{Sheet: sheet, Title: title, Columns: cols, Next: func() ([]any, error) {
		if i == len(rows) {
			return nil, nil
		}
		i++
		return rows[i-1], nil
	}}
}

// figure is a Figure for a cell: nil (empty) when missing.
func figure(f sanlian.Figure, percent bool) any {
	if f.Missing() {
		return nil
	}
	if percent {
		return f.Percent()
	}
	return f.Points()
}

// bulletinTables are the annex's sheets: overview, units, commended,
// criticised and overdue problems.
func bulletinTables(b *sanlian.Bulletin) []*sanlian.Table {
	c := b.Content
	name := b.PeriodLabel() + "督查通报"
	if b.Number > 0 {
		name = b.NumberLabel() + " " + name
	}
	o := c.Overview
	kv := []sanlian.TableColumn{{Header: "项目", Width: 24}, {Header: "数值", Width: 14}}
	overview := rowsTable("总体情况", name+" · 总体情况", kv, [][]any{
		{"统计期间", c.From + " 至 " + c.To}, {"新收集问题（件）", o.Collected}, {"交办（件）", o.Assigned},
		{"办结（件）", o.Resolved}, {"销号（件）", o.Closed}, {"期末超期未办结（件）", o.Overdue}, {"回访（件）", o.Callbacks},
		{"响应率", figure(o.ResponseRate, true)}, {"按时办结率", figure(o.OnTimeRate, true)},
		{"解决率", figure(o.ResolutionRate, true)}, {"满意率", figure(o.SatisfactionRate, true)},
		{"综合得分", figure(o.Score, false)}, {"志愿服务活动（次）", c.Activities.Activities},
		{"参与志愿者（人次）", c.Activities.Volunteers}, {"服务群众（人次）", c.Activities.Served},
		{"考核规则", strings.Join(b.RulesText(), "")},
	})
	var units [][]any
	for _, u := range c.Units {
		var rank any
		switch {
		case u.Rank > 0 && !u.Tied:
			rank = u.Rank
		case u.Rank > 0:
			rank = u.RankLabel()
		}
		decision := ""
		if u.Criticised {
			decision = "通报批评"
		} else if u.Commended {
			decision = "通报表扬"
		}
		units = append(units, []any{rank, u.Name, u.Assigned, u.AcceptedOnTime, u.Resolved, u.ResolvedOnTime, u.Callbacks,
			u.Solved, u.Satisfied, u.Unsatisfied, u.Reopened, u.Overdue, figure(u.ResponseRate, true), figure(u.OnTimeRate, true),
			figure(u.ResolutionRate, true), figure(u.SatisfactionRate, true), figure(u.Score, false), u.Volume,
			figure(u.Deduction, false), decision, u.Unranked})
	}
	n := func(h string) sanlian.TableColumn { return sanlian.TableColumn{Header: h, Width: 9} }
	unitTable := rowsTable("各单位", name+" · 各单位办理情况", []sanlian.TableColumn{{Header: "排名", Width: 6},
		{Header: "单位", Width: 24, Wrap: true}, n("交办"), n("按时签收"), n("办结"), n("按时办结"), n("回访"), n("已解决"),
		n("满意"), n("不满意"), n("重新办理"), n("超期"), n("响应率"), n("按时办结率"), n("解决率"), n("满意率"), n("综合得分"),
		n("办件量"), n("超期扣分"), {Header: "通报", Width: 10}, {Header: "说明", Width: 24, Wrap: true}}, units)
	judged := func(sheet, title string, us []sanlian.BulletinUnit) *sanlian.Table {
		var rows [][]any
		for i, u := range us {
			how := "按规则"
			if u.Override {
				how = "办公室调整"
			}
			rows = append(rows, []any{i + 1, u.Name, figure(u.Score, false), u.Assigned, u.Overdue, u.Reason, how})
		}
		return rowsTable(sheet, name+" · "+title, []sanlian.TableColumn{{Header: "序号", Width: 6}, {Header: "单位", Width: 24, Wrap: true},
			n("综合得分"), n("交办"), n("超期"), {Header: "理由", Width: 40, Wrap: true}, {Header: "依据", Width: 12}}, rows)
	}
	var overdue [][]any
	for i, p := range c.Overdue {
		overdue = append(overdue, []any{i + 1, p.Number, p.Title, p.UnitName,
			p.ResolveDue.In(sanlian.Shanghai).Add(-time.Second).Format("2006-01-02"), p.OverdueDays})
	}
	overdueTable := rowsTable("超期问题", name+" · 超期未办结问题", []sanlian.TableColumn{{Header: "序号", Width: 6},
		{Header: "编号", Width: 20}, {Header: "问题", Width: 40, Wrap: true}, {Header: "责任单位", Width: 24, Wrap: true},
		{Header: "办理时限", Width: 12}, {Header: "超期（工作日）", Width: 14}}, overdue)
	return []*sanlian.Table{overview, unitTable, judged("通报表扬", "通报表扬单位", c.Commended),
		judged("通报批评", "通报批评单位", c.Criticised), overdueTable}
}

// bulletinAnnex is GET /bulletins/{period}/annex.xlsx.
func (s *reportHandlers) bulletinAnnex(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Bulletins.FindBulletin(r.Context(), r.PathValue("period"))
	if err != nil {
		return err
	}
	name := b.Period + "督查通报附件"
	if b.Number > 0 {
		name = fmt.Sprintf("%d年第%d期督查通报附件", b.Year, b.Number)
	}
	out := &download{w: w, ctype: xlsxType, filename: name + ".xlsx"}
	if err := s.Sheets.WriteTables(out, b.Title(), bulletinTables(b)); err != nil {
		if out.started {
			s.log.Error("bulletin annex broke off", "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		return err
	}
	return nil
}

// selfCriticismsPage is the list of self-criticisms.
type selfCriticismsPage struct {
	basePage
	Items   []*sanlian.SelfCriticism
	Filter  sanlian.SelfCriticismFilter
	Office  bool
	Picker  periodPicker
	Error   string
	ErrorID int64
}

// CanFile reports whether the page's user may hand in sc.
func (p *selfCriticismsPage) CanFile(sc *sanlian.SelfCriticism) bool {
	return p.User.Role == sanlian.RoleUnitAdmin && p.User.UnitID == sc.UnitID && sc.ReceivedAt == nil
}

// StateClass is the badge class of a self-criticism's state.
func (*selfCriticismsPage) StateClass(sc *sanlian.SelfCriticism) string {
	switch {
	case sc.OverdueNow || sc.FiledLate:
		return "red"
	case sc.ReceivedAt != nil:
		return "green"
	}
	return ""
}

func (s *reportHandlers) renderSelfCriticisms(w http.ResponseWriter, r *http.Request, status int, id int64, ferr error) error {
	p := newParams(r)
	f := selfCriticismFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	per, picker, msg := readPeriod(r.URL.Query(), selfCriticismsPeriod, s.cfg.Now())
	f.Period = per.ID
	var items []*sanlian.SelfCriticism
	var err error
	if msg == "" {
		if items, err = s.Bulletins.FindSelfCriticisms(r.Context(), f); err != nil {
			return err
		}
	}
	page := &selfCriticismsPage{basePage: s.base(r, "书面检讨", "bulletins"), Items: items, Filter: f, Picker: picker}
	page.Office = page.User.Role == sanlian.RoleOffice
	if msg != "" && ferr == nil {
		status = http.StatusBadRequest
	}
	if ferr != nil {
		page.Error, page.ErrorID = sanlian.ErrorMessage(ferr), id
	}
	return s.render(w, r, status, "self_criticisms", page)
}

// selfCriticismsPeriod is the list's optional filter by the bulletin's
// half-month.
var selfCriticismsPeriod = periodField{Name: "period", Label: "通报期间", Optional: true, Rule: sanlian.PeriodRule{Halves: true, Past: true}}

// selfCriticismsPage is GET /self-criticisms.
func (s *reportHandlers) selfCriticismsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderSelfCriticisms(w, r, http.StatusOK, 0, nil)
}

// selfCriticismFileSubmit is POST /self-criticisms/{id}/file (multipart,
// field file). A refused file shows the list again with the reason.
func (s *reportHandlers) selfCriticismFileSubmit(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.fileSelfCriticism(w, r)
	switch code := sanlian.ErrorCode(err); code {
	case "":
		msg := "书面检讨已提交"
		if sc.FiledLate {
			msg += "（已超过提交期限，记为逾期提交）"
		}
		http.Redirect(w, r, "/self-criticisms?ok="+url.QueryEscape(msg), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ETOOLARGE, sanlian.EINVALID, sanlian.ECONFLICT:
		id, _ := pathID(r, "id")
		return s.renderSelfCriticisms(w, r, sanlian.HTTPStatus(code), id, err)
	}
	return err
}

// selfCriticismReceiveSubmit is POST /self-criticisms/{id}/receive.
func (s *reportHandlers) selfCriticismReceiveSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.Bulletins.ReceiveSelfCriticism(r.Context(), id)
	if code := sanlian.ErrorCode(err); code == sanlian.ECONFLICT {
		return s.renderSelfCriticisms(w, r, sanlian.HTTPStatus(code), id, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/self-criticisms?ok="+url.QueryEscape("已签收"), http.StatusSeeOther)
	return nil
}

// selfCriticismDownload sends a filed self-criticism as a download.
func (s *reportHandlers) selfCriticismDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sc, body, err := s.Bulletins.OpenSelfCriticism(r.Context(), id)
	if err != nil {
		return err
	}
	// A unit may hand in a new file until the office receives it.
	w.Header().Set("Cache-Control", "private, no-cache")
	sendStored(w, r, sc.ContentType, "attachment", sc.Filename, *sc.FiledAt, body, sc.Size)
	return nil
}
