package web

import (
	"net/http"

	"sanlian"
)

// Units (单位): their pages, their JSON API and their export.

type unitsPage struct {
	basePage
	Units []*sanlian.Unit
	Kind  string
	Q     string
	Next  string
	First bool
	Kinds []string
}

func (s *orgHandlers) unitsPage(w http.ResponseWriter, r *http.Request) error {
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

func (s *orgHandlers) unitPage(w http.ResponseWriter, r *http.Request) error {
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

func unitFilter(p *params) sanlian.UnitFilter {
	return sanlian.UnitFilter{Kind: p.oneOf("kind", sanlian.UnitKinds...), ParentID: p.int64("parent_id"), Q: p.str("q"),
		Cursor: p.str("cursor"), Limit: p.limit()}
}

func (s *orgHandlers) apiUnits(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := unitFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Units.FindUnits(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *orgHandlers) apiUnit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Units.FindUnitByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

type unitInput struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	ParentID     int64  `json:"parent_id"`
	HeadCadreID  int64  `json:"head_cadre_id"`
	TownshipCode string `json:"township_code"`
}

func (s *orgHandlers) apiCreateUnit(w http.ResponseWriter, r *http.Request) error {
	var in unitInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u := &sanlian.Unit{Name: in.Name, Kind: in.Kind, ParentID: in.ParentID, HeadCadreID: in.HeadCadreID, TownshipCode: in.TownshipCode}
	if err := s.Units.CreateUnit(r.Context(), u); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *orgHandlers) apiUpdateUnit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var upd sanlian.UnitUpdate
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	if err := needVersion(upd.Version); err != nil {
		return err
	}
	u, err := s.Units.UpdateUnit(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// unitsExport is GET /units/export.xlsx: the units page's list.
func (s *orgHandlers) unitsExport(w http.ResponseWriter, r *http.Request) error {
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
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Unit, string, error) {
		f.Cursor = cursor
		return s.Units.FindUnits(r.Context(), f)
	}, func(u *sanlian.Unit) []any {
		return []any{u.Name, u.KindLabel(), u.ParentName, u.HeadName, u.Cadres, u.LinkedVillages}
	})
}
