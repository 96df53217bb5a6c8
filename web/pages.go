package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// home is GET /: each role's workbench (工作台), in the caller's scope.
// Each role's page lives in its own file (home_*.go).
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	switch sanlian.UserFromContext(r.Context()).Role {
	case sanlian.RoleOffice:
		return s.homeOffice(w, r)
	case sanlian.RoleLeader:
		return s.homeLeader(w, r)
	case sanlian.RoleUnitAdmin:
		return s.homeUnit(w, r)
	case sanlian.RoleCadre:
		return s.homeCadre(w, r)
	case sanlian.RoleSysadmin:
		return s.homeSysadmin(w, r)
	case sanlian.RoleSecadmin:
		return s.homeSecadmin(w, r)
	case sanlian.RoleAuditor:
		return s.homeAuditor(w, r)
	}
	return sanlian.Errorf(sanlian.EFORBIDDEN, "没有可用的工作台")
}

type regionsPage struct {
	basePage
	Tree *sanlian.Region
}

func (s *Server) regionsPage(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Regions.FindRegionTree(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "regions", &regionsPage{basePage: s.base(r, "行政区划", "regions"), Tree: t})
}

type villageOptions struct {
	Villages []*sanlian.Region
	Selected string
}

// villageOptions is GET /regions/villages?township=…: the <option>s of a
// township's villages, for htmx-driven pickers.
func (s *Server) villageOptions(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	t := p.str("township")
	var vs []*sanlian.Region
	if t != "" {
		var err error
		vs, _, err = s.Regions.FindRegions(r.Context(), sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: t, Limit: 500})
		if err != nil {
			return err
		}
	}
	return s.renderFragment(w, http.StatusOK, "village-options", villageOptions{Villages: vs, Selected: p.str("village")})
}

func (s *Server) townships(r *http.Request) ([]*sanlian.Region, error) {
	ts, _, err := s.Regions.FindRegions(r.Context(), sanlian.RegionFilter{Kind: sanlian.RegionTownship, Limit: 500})
	return ts, err
}

// nextURL is the current URL with the cursor moved on.
func nextURL(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("cursor", cursor)
	return r.URL.Path + "?" + q.Encode()
}

type unitsPage struct {
	basePage
	Units []*sanlian.Unit
	Kind  string
	Q     string
	Next  string
	First bool
	Kinds []string
}

func (s *Server) unitsPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := unitFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	units, next, err := s.Units.FindUnits(r.Context(), f)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "units", &unitsPage{basePage: s.base(r, "单位", "units"), Units: units,
		Kind: f.Kind, Q: f.Q, Next: nextURL(r, next), First: f.Cursor == "", Kinds: sanlian.UnitKinds})
}

type unitPage struct {
	basePage
	Unit     *sanlian.Unit
	Cadres   []*sanlian.Cadre
	Villages []*sanlian.Link
	More     bool
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Units.FindUnitByID(r.Context(), id)
	if err != nil {
		return err
	}
	p := &unitPage{basePage: s.base(r, u.Name, "units"), Unit: u}
	var next string
	if p.Cadres, next, err = s.Cadres.FindCadres(r.Context(), sanlian.CadreFilter{UnitID: id, Limit: 200}); err != nil {
		return err
	}
	p.More = next != ""
	if p.User.Role.SeesPersonalData() {
		active := true
		if p.Villages, _, err = s.Links.FindLinks(r.Context(), sanlian.LinkFilter{Kind: sanlian.LinkVillage, UnitID: id, Active: &active, Limit: 500}); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "unit", p)
}

type cadresPage struct {
	basePage
	Cadres []*sanlian.Cadre
	Units  []*sanlian.Unit
	UnitID int64
	Leader string
	Q      string
	Next   string
	First  bool
}

func (s *Server) cadresPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := cadreFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	cs, next, err := s.Cadres.FindCadres(r.Context(), f)
	if err != nil {
		return err
	}
	units, _, err := s.Units.FindUnits(r.Context(), sanlian.UnitFilter{Limit: 500})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "cadres", &cadresPage{basePage: s.base(r, "党员干部", "cadres"), Cadres: cs, Units: units,
		UnitID: f.UnitID, Leader: boolParam(f.IsLeader), Q: f.Q, Next: nextURL(r, next), First: f.Cursor == ""})
}

type cadrePage struct {
	basePage
	Cadre      *sanlian.Cadre
	Links      []*sanlian.Link
	Households []*sanlian.Household
}

func (s *Server) cadrePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Cadres.FindCadreByID(r.Context(), id)
	if err != nil {
		return err
	}
	p := &cadrePage{basePage: s.base(r, c.Name, "cadres"), Cadre: c}
	if p.User.Role.SeesPersonalData() {
		if p.Links, _, err = s.Links.FindLinks(r.Context(), sanlian.LinkFilter{CadreID: id, Limit: 500}); err != nil {
			return err
		}
		if p.Households, _, err = s.Households.FindHouseholds(r.Context(), sanlian.HouseholdFilter{CadreID: id, Limit: 500}); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "cadre", p)
}

type householdsPage struct {
	basePage
	Households []*sanlian.Household
	Townships  []*sanlian.Region
	Villages   []*sanlian.Region
	F          sanlian.HouseholdFilter
	Linked     string
	Next       string
	First      bool
}

func (s *Server) householdsPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := householdFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	hs, next, err := s.Households.FindHouseholds(r.Context(), f)
	if err != nil {
		return err
	}
	page := &householdsPage{basePage: s.base(r, "农户", "households"), Households: hs, F: f, Linked: boolParam(f.Linked),
		Next: nextURL(r, next), First: f.Cursor == ""}
	if page.Townships, err = s.townships(r); err != nil {
		return err
	}
	if f.TownshipCode != "" {
		if page.Villages, _, err = s.Regions.FindRegions(r.Context(), sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: f.TownshipCode, Limit: 500}); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "households", page)
}

type householdPage struct {
	basePage
	Household *sanlian.Household
	Links     []*sanlian.Link
	MayEdit   bool
	MayReveal bool
}

func (s *Server) householdPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		return err
	}
	p := &householdPage{basePage: s.base(r, h.HeadName+" 户", "households"), Household: h}
	if p.Links, _, err = s.Links.FindLinks(r.Context(), sanlian.LinkFilter{HouseholdID: id, Limit: 500}); err != nil {
		return err
	}
	p.MayEdit = p.Can("office", "unit_admin")
	p.MayReveal = p.User.Role.MayReveal()
	return s.render(w, r, http.StatusOK, "household", p)
}

type revealFragment struct {
	IDNumber string
	Phone    string
}

// householdReveal is POST /households/{id}/reveal: the whole numbers, as an
// htmx fragment (or a page without JavaScript). Every reveal is audited.
func (s *Server) householdReveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	idn, phone, err := s.Households.RevealHousehold(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderFragment(w, http.StatusOK, "reveal", revealFragment{IDNumber: idn, Phone: phone})
}

type householdEditPage struct {
	basePage
	Household *sanlian.Household
	Villages  []*sanlian.Region
	Townships []*sanlian.Region
	Township  string
	Error     string
	Fields    map[string]string
	TagKinds  []string
	Has       map[string]bool // "kind:sub" checked
}

func (s *Server) editPage(r *http.Request, h *sanlian.Household) (*householdEditPage, error) {
	p := &householdEditPage{basePage: s.base(r, "修改农户信息", "households"), Household: h, TagKinds: sanlian.TagKinds, Has: map[string]bool{}}
	for _, t := range h.Tags {
		p.Has[t.Kind+":"+t.Sub] = true
	}
	v, err := s.Regions.FindRegionByCode(r.Context(), h.VillageCode)
	if err != nil {
		return nil, err
	}
	p.Township = v.ParentCode
	if p.Townships, err = s.townships(r); err != nil {
		return nil, err
	}
	p.Villages, _, err = s.Regions.FindRegions(r.Context(), sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: v.ParentCode, Limit: 500})
	return p, err
}

func (s *Server) householdEditForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := s.editPage(r, h)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "household_edit", p)
}

// parseForm reads a urlencoded form of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	return parseFormLimit(w, r, 64<<10)
}

// parseFormLimit reads a urlencoded form of at most limit bytes.
func parseFormLimit(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return sanlian.Errorf(sanlian.ETOOLARGE, "提交的表单过大")
		}
		return sanlian.Errorf(sanlian.EINVALID, "表单无法解析")
	}
	return nil
}

// householdEditSubmit is POST /households/{id}. ID number and phone are
// changed only when a new value is typed: the form never carries them whole.
func (s *Server) householdEditSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	members, merr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("members")))
	upd := sanlian.HouseholdUpdate{Version: version}
	head, village, addr := r.PostFormValue("head_name"), r.PostFormValue("village"), r.PostFormValue("address")
	upd.HeadName, upd.VillageCode, upd.Address, upd.Members = &head, &village, &addr, &members
	if v := strings.TrimSpace(r.PostFormValue("id_number")); v != "" {
		upd.IDNumber = &v
	}
	if v := strings.TrimSpace(r.PostFormValue("phone")); v != "" {
		upd.Phone = &v
	}
	tags := []sanlian.Tag{}
	for _, v := range r.PostForm["tag"] {
		k, sub, _ := strings.Cut(v, ":")
		tags = append(tags, sanlian.Tag{Kind: k, Sub: sub})
	}
	upd.Tags = &tags
	var h *sanlian.Household
	if merr != nil {
		err = sanlian.FieldErrors(map[string]string{"members": "家庭人口应为数字"})
	} else {
		h, err = s.Households.UpdateHousehold(r.Context(), id, upd)
	}
	switch sanlian.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10)+"?ok="+url.QueryEscape("已保存"), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ECONFLICT:
		// Show the form again with what was typed, so nothing is lost.
		cur, ferr := s.Households.FindHouseholdByID(r.Context(), id)
		if ferr != nil {
			return ferr
		}
		typed := *cur
		typed.HeadName, typed.VillageCode, typed.Address, typed.Members, typed.Tags = head, village, addr, members, tags
		if sanlian.ErrorCode(err) == sanlian.ECONFLICT {
			typed = *cur // the stored version wins; the clerk re-applies the change
		}
		if !sanlian.ValidRegionCode(typed.VillageCode) {
			typed.VillageCode = cur.VillageCode
		}
		p, perr := s.editPage(r, &typed)
		if perr != nil {
			p, perr = s.editPage(r, cur)
			if perr != nil {
				return perr
			}
		}
		p.Household.Version = version
		if sanlian.ErrorCode(err) == sanlian.ECONFLICT {
			p.Household.Version = cur.Version
		}
		p.Error, p.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
		return s.render(w, r, statusOf(sanlian.ErrorCode(err)), "household_edit", p)
	}
	return err
}

type linksPage struct {
	basePage
	Units      []*sanlian.Unit
	UnitID     int64
	Cadres     []*sanlian.Cadre
	CadreID    int64
	Townships  []*sanlian.Region
	Township   string
	Villages   []*sanlian.Region
	Village    string
	Households []*sanlian.Household
	Linked     map[int64]bool // households already linked to the chosen cadre
	CadreLinks []*sanlian.Link
	Leaders    []*sanlian.Cadre
	Office     bool
	Error      string
}

// linksPage is GET /links: pick a unit, a cadre and a village, tick
// households, link them in one submit.
func (s *Server) linksPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderLinks(w, r, http.StatusOK, "")
}

func (s *Server) renderLinks(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	ctx := r.Context()
	p := newParams(r)
	page := &linksPage{basePage: s.base(r, "联系管理", "links"), UnitID: p.int64("unit_id"), CadreID: p.int64("cadre_id"),
		Township: p.str("township"), Village: p.str("village"), Linked: map[int64]bool{}, Error: msg}
	if err := p.err(); err != nil {
		return err
	}
	page.Office = page.User.Role == sanlian.RoleOffice
	var err error
	if page.Units, _, err = s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500}); err != nil {
		return err
	}
	if page.UnitID == 0 && page.User.Role == sanlian.RoleUnitAdmin {
		page.UnitID = page.User.UnitID
	}
	if page.UnitID != 0 {
		if page.Cadres, _, err = s.Cadres.FindCadres(ctx, sanlian.CadreFilter{UnitID: page.UnitID, Limit: 500}); err != nil {
			return err
		}
	}
	if page.Townships, err = s.townships(r); err != nil {
		return err
	}
	if page.Township != "" {
		if page.Villages, _, err = s.Regions.FindRegions(ctx, sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: page.Township, Limit: 500}); err != nil {
			return err
		}
	}
	if page.CadreID != 0 {
		active := true
		if page.CadreLinks, _, err = s.Links.FindLinks(ctx, sanlian.LinkFilter{Kind: sanlian.LinkHousehold, CadreID: page.CadreID, Active: &active, Limit: 500}); err != nil {
			return err
		}
		for _, l := range page.CadreLinks {
			page.Linked[l.HouseholdID] = true
		}
	}
	if page.Village != "" {
		if page.Households, _, err = s.Households.FindHouseholds(ctx, sanlian.HouseholdFilter{VillageCode: page.Village, Limit: 500}); err != nil {
			return err
		}
	}
	if page.Office {
		yes := true
		if page.Leaders, _, err = s.Cadres.FindCadres(ctx, sanlian.CadreFilter{IsLeader: &yes, Limit: 500}); err != nil {
			return err
		}
	}
	return s.render(w, r, status, "links", page)
}

// linksSubmit is POST /links: household links for the ticked households,
// or one village or township link.
func (s *Server) linksSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	kind := r.PostFormValue("kind")
	num := func(name string) int64 { n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64); return n }
	var links []*sanlian.Link
	back := url.Values{}
	switch kind {
	case sanlian.LinkHousehold:
		for _, v := range r.PostForm["household_id"] {
			id, _ := strconv.ParseInt(v, 10, 64)
			links = append(links, &sanlian.Link{Kind: kind, CadreID: num("cadre_id"), HouseholdID: id})
		}
		for _, k := range []string{"unit_id", "cadre_id", "township", "village"} {
			back.Set(k, r.PostFormValue(k))
		}
	case sanlian.LinkVillage:
		links = []*sanlian.Link{{Kind: kind, UnitID: num("unit_id"), RegionCode: r.PostFormValue("region")}}
	case sanlian.LinkTownship:
		links = []*sanlian.Link{{Kind: kind, CadreID: num("cadre_id"), RegionCode: r.PostFormValue("region")}}
	default:
		return sanlian.Errorf(sanlian.EINVALID, "未知的联系类型")
	}
	err := s.Links.CreateLinks(r.Context(), links)
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		r.URL.RawQuery = back.Encode()
		msg := sanlian.ErrorMessage(err)
		for _, m := range sanlian.ErrorFields(err) {
			msg += "：" + m
		}
		return s.renderLinks(w, r, statusOf(code), msg)
	} else if err != nil {
		return err
	}
	back.Set("ok", "已建立 "+strconv.Itoa(len(links))+" 项联系")
	http.Redirect(w, r, "/links?"+back.Encode(), http.StatusSeeOther)
	return nil
}

// linkEnd is POST /links/{id}/end.
func (s *Server) linkEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.Links.EndLink(r.Context(), id); err != nil {
		return err
	}
	back := safeNext(r.PostFormValue("back"))
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"ok="+url.QueryEscape("已解除联系"), http.StatusSeeOther)
	return nil
}

type coveragePage struct {
	basePage
	Coverage *sanlian.Coverage
}

func (s *Server) coveragePage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Links.LinkCoverage(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "coverage", &coveragePage{basePage: s.base(r, "联系覆盖情况", "coverage"), Coverage: c})
}

type auditPage struct {
	basePage
	Entries []*sanlian.AuditEntry
	F       sanlian.AuditFilter
	FromS   string
	ToS     string
	Next    string
	First   bool
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := auditFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	es, next, err := s.Audit.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "audit", &auditPage{basePage: s.base(r, "审计日志", "audit"), Entries: es, F: f,
		FromS: p.str("from"), ToS: p.str("to"), Next: nextURL(r, next), First: f.Cursor == ""})
}
