package web

import (
	"net/http"

	"sanlian"
)

// The region tree (行政区划): its pages, its JSON API and its export.

type regionsPage struct {
	basePage
	Tree *sanlian.Region
}

func (s *orgHandlers) regionsPage(w http.ResponseWriter, r *http.Request) error {
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
func (s *orgHandlers) villageOptions(w http.ResponseWriter, r *http.Request) error {
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

func (s *orgHandlers) townships(r *http.Request) ([]*sanlian.Region, error) {
	ts, _, err := s.Regions.FindRegions(r.Context(), sanlian.RegionFilter{Kind: sanlian.RegionTownship, Limit: 500})
	return ts, err
}

func regionFilter(p *params) sanlian.RegionFilter {
	return sanlian.RegionFilter{Kind: p.oneOf("kind", sanlian.RegionCounty, sanlian.RegionTownship, sanlian.RegionVillage),
		ParentCode: p.str("parent_code"), Q: p.str("q"), Cursor: p.str("cursor"), Limit: p.limit()}
}

func (s *orgHandlers) apiRegions(w http.ResponseWriter, r *http.Request) error {
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

func (s *orgHandlers) apiRegion(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.Regions.FindRegionByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reg)
	return nil
}

// regionsExport is GET /regions/export.xlsx: the county's townships and
// villages in code order, with the counts the regions page shows. The
// API's filters (kind, parent_code, q) apply.
func (s *orgHandlers) regionsExport(w http.ResponseWriter, r *http.Request) error {
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
	return exportSheet(s.Server, w, r, sheet{name: "行政区划", filter: d.String(), columns: cols},
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
