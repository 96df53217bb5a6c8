package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// Households (农户): their pages, their JSON API and their export.

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

func (s *orgHandlers) householdsPage(w http.ResponseWriter, r *http.Request) error {
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

func (s *orgHandlers) householdPage(w http.ResponseWriter, r *http.Request) error {
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
func (s *orgHandlers) householdReveal(w http.ResponseWriter, r *http.Request) error {
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

func (s *orgHandlers) editPage(r *http.Request, h *sanlian.Household) (*householdEditPage, error) {
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

func (s *orgHandlers) householdEditForm(w http.ResponseWriter, r *http.Request) error {
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

// householdEditSubmit is POST /households/{id}. ID number and phone are
// changed only when a new value is typed: the form never carries them whole.
func (s *orgHandlers) householdEditSubmit(w http.ResponseWriter, r *http.Request) error {
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
		return s.render(w, r, sanlian.HTTPStatus(sanlian.ErrorCode(err)), "household_edit", p)
	}
	return err
}

func householdFilter(p *params) sanlian.HouseholdFilter {
	return sanlian.HouseholdFilter{
		TownshipCode: p.str("township"), VillageCode: p.str("village"),
		Tag:    p.oneOf("tag", "any", sanlian.TagConflict, sanlian.TagKeyGroup, sanlian.TagRepresentative),
		Linked: p.boolPtr("linked"), CadreID: p.int64("cadre_id"), Q: p.str("q"), Cursor: p.str("cursor"), Limit: p.limit(),
		Visited: p.boolPtr("visited"), VisitedFrom: dateParam(p, "visited_from"), VisitedTo: dateParam(p, "visited_to"),
	}
}

func (s *orgHandlers) apiHouseholds(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := householdFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Households.FindHouseholds(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *orgHandlers) apiHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

type householdInput struct {
	VillageCode string        `json:"village"`
	HeadName    string        `json:"head_name"`
	IDNumber    string        `json:"id_number"`
	Phone       string        `json:"phone"`
	Address     string        `json:"address"`
	Members     int           `json:"members"`
	Tags        []sanlian.Tag `json:"tags"`
}

func (s *orgHandlers) apiCreateHousehold(w http.ResponseWriter, r *http.Request) error {
	var in householdInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	h := &sanlian.Household{VillageCode: in.VillageCode, HeadName: in.HeadName, IDNumber: in.IDNumber, Phone: in.Phone,
		Address: in.Address, Members: in.Members, Tags: in.Tags}
	if err := s.Households.CreateHousehold(r.Context(), h); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, h)
	return nil
}

func (s *orgHandlers) apiUpdateHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var upd sanlian.HouseholdUpdate
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	if err := needVersion(upd.Version); err != nil {
		return err
	}
	h, err := s.Households.UpdateHousehold(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *orgHandlers) apiRevealHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	idn, phone, err := s.Households.RevealHousehold(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id_number": idn, "phone": phone})
	return nil
}

// householdsExport is GET /households/export.xlsx: the households page's
// list with its filters. ID numbers and phones are masked as in every list;
// no export reveals them. The export is audited.
func (s *orgHandlers) householdsExport(w http.ResponseWriter, r *http.Request) error {
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
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Household, string, error) {
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
