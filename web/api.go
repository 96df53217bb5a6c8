package web

import (
	"bytes"
	"encoding/json"
	"net/http"

	"sanlian"
)

// listResponse is the shape of every list answer (SPEC §7).
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func writeList[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	for _, it := range items {
		maskOut(it)
	}
	writeJSON(w, http.StatusOK, listResponse[T]{Items: items, NextCursor: next})
}

// healthz answers 200 when the database answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	if err := s.Ping(r.Context()); err != nil {
		s.log.Error("healthz", "err", err)
		return sanlian.Errorf(sanlian.EINTERNAL, "数据库无响应")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// Filters shared by the API and the pages.

func regionFilter(p *params) sanlian.RegionFilter {
	return sanlian.RegionFilter{Kind: p.oneOf("kind", sanlian.RegionCounty, sanlian.RegionTownship, sanlian.RegionVillage),
		ParentCode: p.str("parent_code"), Q: p.str("q"), Cursor: p.str("cursor"), Limit: p.limit()}
}

func unitFilter(p *params) sanlian.UnitFilter {
	return sanlian.UnitFilter{Kind: p.oneOf("kind", sanlian.UnitKinds...), ParentID: p.int64("parent_id"), Q: p.str("q"),
		Cursor: p.str("cursor"), Limit: p.limit()}
}

func cadreFilter(p *params) sanlian.CadreFilter {
	return sanlian.CadreFilter{UnitID: p.int64("unit_id"), IsLeader: p.boolPtr("is_leader"), Q: p.str("q"),
		Cursor: p.str("cursor"), Limit: p.limit()}
}

func householdFilter(p *params) sanlian.HouseholdFilter {
	return sanlian.HouseholdFilter{
		TownshipCode: p.str("township"), VillageCode: p.str("village"),
		Tag:    p.oneOf("tag", "any", sanlian.TagConflict, sanlian.TagKeyGroup, sanlian.TagRepresentative),
		Linked: p.boolPtr("linked"), CadreID: p.int64("cadre_id"), Q: p.str("q"), Cursor: p.str("cursor"), Limit: p.limit(),
		Visited: p.boolPtr("visited"), VisitedFrom: dateParam(p, "visited_from"), VisitedTo: dateParam(p, "visited_to"),
	}
}

func linkFilter(p *params) sanlian.LinkFilter {
	return sanlian.LinkFilter{Kind: p.oneOf("kind", sanlian.LinkHousehold, sanlian.LinkVillage, sanlian.LinkTownship),
		CadreID: p.int64("cadre_id"), UnitID: p.int64("unit_id"), HouseholdID: p.int64("household_id"),
		RegionCode: p.str("region"), Active: p.boolPtr("active"), Cursor: p.str("cursor"), Limit: p.limit()}
}

func (s *Server) apiRegions(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := regionFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Regions.FindRegions(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *Server) apiRegion(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.Regions.FindRegionByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reg)
	return nil
}

func (s *Server) apiUnits(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiUnit(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiCreateUnit(w http.ResponseWriter, r *http.Request) error {
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

// needVersion refuses an update without the version it was based on.
func needVersion(v int64) error {
	if v <= 0 {
		return sanlian.FieldErrors(map[string]string{"version": "请提供所修改记录的 version，以免覆盖他人的修改"})
	}
	return nil
}

func (s *Server) apiUpdateUnit(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiCadres(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiCadre(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiCreateCadre(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiUpdateCadre(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiRevealCadre(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiHouseholds(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiHousehold(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiCreateHousehold(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiUpdateHousehold(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiRevealHousehold(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiLinks(w http.ResponseWriter, r *http.Request) error {
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
func (s *Server) apiCreateLinks(w http.ResponseWriter, r *http.Request) error {
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

// strictUnmarshal decodes b like decodeJSON does a body.
func strictUnmarshal(b []byte, dst any) error {
	req, _ := http.NewRequest("POST", "/", bytes.NewReader(b))
	return decodeJSON(nil, req, dst)
}

func (s *Server) apiEndLink(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Links.LinkCoverage(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func auditFilter(p *params) sanlian.AuditFilter {
	f := sanlian.AuditFilter{Actor: p.str("actor"), Action: p.str("action"), Entity: p.str("entity"), EntityID: p.str("entity_id"),
		From: p.date("from"), To: p.date("to"), Cursor: p.str("cursor"), Limit: p.limit()}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // "to" is inclusive of its day
	}
	return f
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := auditFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Audit.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}
