package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// Links (联户 / 联村 / 联乡): their pages, their JSON API, the links' coverage
// and their export.

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
func (s *orgHandlers) linksPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderLinks(w, r, http.StatusOK, "")
}

func (s *orgHandlers) renderLinks(w http.ResponseWriter, r *http.Request, status int, msg string) error {
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
func (s *orgHandlers) linksSubmit(w http.ResponseWriter, r *http.Request) error {
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
		return s.renderLinks(w, r, sanlian.HTTPStatus(code), msg)
	} else if err != nil {
		return err
	}
	back.Set("ok", "已建立 "+strconv.Itoa(len(links))+" 项联系")
	http.Redirect(w, r, "/links?"+back.Encode(), http.StatusSeeOther)
	return nil
}

// linkEnd is POST /links/{id}/end.
func (s *orgHandlers) linkEnd(w http.ResponseWriter, r *http.Request) error {
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

func (s *orgHandlers) coveragePage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Links.LinkCoverage(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "coverage", &coveragePage{basePage: s.base(r, "联系覆盖情况", "coverage"), Coverage: c})
}

func linkFilter(p *params) sanlian.LinkFilter {
	return sanlian.LinkFilter{Kind: p.oneOf("kind", sanlian.LinkHousehold, sanlian.LinkVillage, sanlian.LinkTownship),
		CadreID: p.int64("cadre_id"), UnitID: p.int64("unit_id"), HouseholdID: p.int64("household_id"),
		RegionCode: p.str("region"), Active: p.boolPtr("active"), Cursor: p.str("cursor"), Limit: p.limit()}
}

func (s *orgHandlers) apiLinks(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := linkFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Links.FindLinks(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

type linkInput struct {
	Kind        string `json:"kind"`
	CadreID     int64  `json:"cadre_id"`
	UnitID      int64  `json:"unit_id"`
	HouseholdID int64  `json:"household_id"`
	RegionCode  string `json:"region"`
}

// apiCreateLinks is POST /api/v1/links: one link object, or an array of
// them created all or none.
func (s *orgHandlers) apiCreateLinks(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return err
	}
	var ins []linkInput
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := strictUnmarshal(trimmed, &ins); err != nil {
			return err
		}
	} else {
		var one linkInput
		if err := strictUnmarshal(trimmed, &one); err != nil {
			return err
		}
		ins = []linkInput{one}
	}
	links := make([]*sanlian.Link, len(ins))
	for i, in := range ins {
		links[i] = &sanlian.Link{Kind: in.Kind, CadreID: in.CadreID, UnitID: in.UnitID, HouseholdID: in.HouseholdID, RegionCode: in.RegionCode}
	}
	if err := s.Links.CreateLinks(r.Context(), links); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listResponse[*sanlian.Link]{Items: links})
	return nil
}

func (s *orgHandlers) apiEndLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := s.Links.EndLink(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (s *orgHandlers) apiCoverage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Links.LinkCoverage(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// linksExport is GET /links/export.xlsx: every link in the caller's scope,
// ended ones too, with the API's filters (kind, cadre_id, unit_id,
// household_id, region, active).
func (s *orgHandlers) linksExport(w http.ResponseWriter, r *http.Request) error {
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
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Link, string, error) {
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
