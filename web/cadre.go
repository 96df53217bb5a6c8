package web

import (
	"net/http"

	"sanlian"
)

// Cadres (干部): their pages, their JSON API, their export and the <option>s
// of a unit's cadres.

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

func (s *orgHandlers) cadresPage(w http.ResponseWriter, r *http.Request) error {
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

func (s *orgHandlers) cadrePage(w http.ResponseWriter, r *http.Request) error {
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

func cadreFilter(p *params) sanlian.CadreFilter {
	return sanlian.CadreFilter{UnitID: p.int64("unit_id"), IsLeader: p.boolPtr("is_leader"), Q: p.str("q"),
		Cursor: p.str("cursor"), Limit: p.limit()}
}

func (s *orgHandlers) apiCadres(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := cadreFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Cadres.FindCadres(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *orgHandlers) apiCadre(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Cadres.FindCadreByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

type cadreInput struct {
	Name        string `json:"name"`
	UnitID      int64  `json:"unit_id"`
	Post        string `json:"post"`
	PartyMember bool   `json:"party_member"`
	Phone       string `json:"phone"`
	IsLeader    bool   `json:"is_leader"`
}

func (s *orgHandlers) apiCreateCadre(w http.ResponseWriter, r *http.Request) error {
	var in cadreInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c := &sanlian.Cadre{Name: in.Name, UnitID: in.UnitID, Post: in.Post, PartyMember: in.PartyMember, Phone: in.Phone, IsLeader: in.IsLeader}
	if err := s.Cadres.CreateCadre(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *orgHandlers) apiUpdateCadre(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var upd sanlian.CadreUpdate
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	if err := needVersion(upd.Version); err != nil {
		return err
	}
	c, err := s.Cadres.UpdateCadre(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *orgHandlers) apiRevealCadre(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	phone, err := s.Cadres.RevealCadrePhone(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"phone": phone})
	return nil
}

// cadresExport is GET /cadres/export.xlsx: the cadres page's list, phones
// masked as the service gives them. The export is audited.
func (s *orgHandlers) cadresExport(w http.ResponseWriter, r *http.Request) error {
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
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Cadre, string, error) {
		f.Cursor = cursor
		return s.Cadres.FindCadres(r.Context(), f)
	}, func(c *sanlian.Cadre) []any {
		return []any{c.Name, c.UnitName, c.Post, yesNo(c.PartyMember), yesNo(c.IsLeader), c.Phone, c.Households}
	})
}

// cadreOptions is GET /cadres/options?unit_id=: the <option>s of a unit's
// cadres, for htmx-driven pickers.
func (s *orgHandlers) cadreOptions(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	unit := p.int64("unit_id")
	if err := p.err(); err != nil {
		return err
	}
	var cs []*sanlian.Cadre
	if unit != 0 {
		var err error
		if cs, _, err = s.Cadres.FindCadres(r.Context(), sanlian.CadreFilter{UnitID: unit, Limit: 500}); err != nil {
			return err
		}
	}
	return s.renderFragment(w, http.StatusOK, "cadre-options", cs)
}
