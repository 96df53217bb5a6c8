package sanlian

import (
	"encoding/json"
	"sort"
)

// Township boundaries (the GeoJSON the office uploads for the cockpit's
// map, ParseTownshipMap) also place an Open311 request that carries only
// coordinates: the township whose boundary holds the point.

// Ring is a closed line of [longitude, latitude] positions, as GeoJSON
// writes them.
type Ring [][2]float64

// Polygon is an outer ring followed by its holes.
type Polygon []Ring

// Boundary is one township's outline: one or more polygons.
type Boundary struct {
	Name     string
	Polygons []Polygon
}

// onSegment reports whether (x, y) lies on the segment a–b.
func onSegment(x, y float64, a, b [2]float64) bool {
	const eps = 1e-12
	cross := (b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0])
	if cross > eps || cross < -eps {
		return false
	}
	return x >= min(a[0], b[0])-eps && x <= max(a[0], b[0])+eps && y >= min(a[1], b[1])-eps && y <= max(a[1], b[1])+eps
}

// ringContains reports whether (x, y) is inside r by the even–odd rule,
// and whether it lies on r's edge. A ring need not repeat its first
// position at its end.
func ringContains(r Ring, x, y float64) (inside, edge bool) {
	n := len(r)
	if n < 3 {
		return false, false
	}
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[j], r[i]
		if onSegment(x, y, a, b) {
			return true, true
		}
		if (b[1] > y) != (a[1] > y) && x < (a[0]-b[0])*(y-b[1])/(a[1]-b[1])+b[0] {
			inside = !inside
		}
	}
	return inside, false
}

// Contains reports whether the polygon holds the point (longitude x,
// latitude y): inside or on its outer ring and not strictly inside one of
// its holes. A point on a hole's edge is on the polygon's boundary, and so
// held.
func (p Polygon) Contains(x, y float64) bool {
	if len(p) == 0 {
		return false
	}
	if in, _ := ringContains(p[0], x, y); !in {
		return false
	}
	for _, hole := range p[1:] {
		if in, edge := ringContains(hole, x, y); in && !edge {
			return false
		}
	}
	return true
}

// Contains reports whether the township's outline holds the point.
func (b *Boundary) Contains(lat, long float64) bool {
	for _, p := range b.Polygons {
		if p.Contains(long, lat) {
			return true
		}
	}
	return false
}

// BoundaryAt names the township whose outline holds the point, the first
// in name order when outlines overlap (a point on a shared border); ""
// when none does.
func BoundaryAt(bs []Boundary, lat, long float64) string {
	var names []string
	for i := range bs {
		if bs[i].Contains(lat, long) {
			names = append(names, bs[i].Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return names[0]
}

// ParseBoundaries reads the township outlines of a GeoJSON
// FeatureCollection of Polygon and MultiPolygon features named in
// properties.name or NAME, as ParseTownshipMap accepts it; features it
// cannot read are skipped. Positions keep their first two numbers
// (longitude, latitude).
func ParseBoundaries(data []byte) ([]Boundary, error) {
	var fc geoFeatures
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, Errorf(EINVALID, "乡镇边界文件无法读取")
	}
	var out []Boundary
	for _, f := range fc.Features {
		name := featureName(f.Properties)
		if f.Geometry == nil || name == "" {
			continue
		}
		var polys [][][][]float64
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][]float64
			if json.Unmarshal(f.Geometry.Coordinates, &p) != nil {
				continue
			}
			polys = [][][][]float64{p}
		case "MultiPolygon":
			if json.Unmarshal(f.Geometry.Coordinates, &polys) != nil {
				continue
			}
		default:
			continue
		}
		b := Boundary{Name: name}
		for _, p := range polys {
			var poly Polygon
			for _, r := range p {
				var ring Ring
				for _, pos := range r {
					if len(pos) >= 2 {
						ring = append(ring, [2]float64{pos[0], pos[1]})
					}
				}
				poly = append(poly, ring)
			}
			if len(poly) > 0 {
				b.Polygons = append(b.Polygons, poly)
			}
		}
		if len(b.Polygons) > 0 {
			out = append(out, b)
		}
	}
	return out, nil
}
