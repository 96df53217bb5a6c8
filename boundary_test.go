package sanlian

import "testing"

// square is the ring of an axis-aligned square, closed as GeoJSON closes it.
func square(x0, y0, x1, y1 float64) Ring {
	return Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestPolygon_Contains(t *testing.T) {
	withHole := Polygon{square(0, 0, 10, 10), square(4, 4, 6, 6)}
	// A U: the notch between its arms (x 3..7, y 3..10) is outside.
	u := Polygon{Ring{{0, 0}, {10, 0}, {10, 10}, {7, 10}, {7, 3}, {3, 3}, {3, 10}, {0, 10}, {0, 0}}}
	// A triangle whose ray from (1, 1) passes through the vertex (5, 1).
	diamond := Polygon{Ring{{0, 1}, {2, 0}, {5, 1}, {2, 2}}} // not closed: the last edge is implied
	cases := []struct {
		name string
		p    Polygon
		x, y float64
		want bool
	}{
		{"InsideSquare", Polygon{square(0, 0, 10, 10)}, 5, 5, true},
		{"OutsideSquare", Polygon{square(0, 0, 10, 10)}, 11, 5, false},
		{"LeftOfSquare", Polygon{square(0, 0, 10, 10)}, -0.001, 5, false},
		{"OnEdge", Polygon{square(0, 0, 10, 10)}, 10, 5, true},
		{"OnVertex", Polygon{square(0, 0, 10, 10)}, 0, 0, true},
		{"InHole", withHole, 5, 5, false},
		{"OnHoleEdge", withHole, 4, 5, true},
		{"BetweenOuterAndHole", withHole, 2, 2, true},
		{"InNotchOfU", u, 5, 8, false},
		{"InArmOfU", u, 1, 8, true},
		{"BelowNotchOfU", u, 5, 1, true},
		{"RayThroughVertex", diamond, 1, 1, true},
		{"RayThroughVertexOutside", diamond, -1, 1, false},
		{"UnclosedRingInside", diamond, 2, 1.5, true},
		{"DegenerateRing", Polygon{Ring{{0, 0}, {1, 1}}}, 0.5, 0.5, false},
		{"Empty", Polygon{}, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.Contains(c.x, c.y); got != c.want {
				t.Fatalf("Contains(%v, %v) = %v, want %v", c.x, c.y, got, c.want)
			}
		})
	}
}

// twoTownships are two townships side by side; 东坪镇 is a MultiPolygon
// with an island and a hole (an enclave of 梅城镇), and positions carry an
// altitude as some exports write them.
const twoTownships = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"梅城镇"},"geometry":{"type":"Polygon","coordinates":[[[111.0,28.0],[111.2,28.0],[111.2,28.2],[111.0,28.2],[111.0,28.0]]]}},
 {"type":"Feature","properties":{"NAME":"东坪镇"},"geometry":{"type":"MultiPolygon","coordinates":[
   [[[111.2,28.0,50],[111.4,28.0,50],[111.4,28.2,50],[111.2,28.2,50],[111.2,28.0,50]],[[111.3,28.1],[111.35,28.1],[111.35,28.15],[111.3,28.15],[111.3,28.1]]],
   [[[111.5,28.5],[111.6,28.5],[111.6,28.6],[111.5,28.5]]]]}},
 {"type":"Feature","properties":{"name":"飞地"},"geometry":{"type":"Polygon","coordinates":[[[111.3,28.1],[111.35,28.1],[111.35,28.15],[111.3,28.15],[111.3,28.1]]]}},
 {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
 {"type":"Feature","properties":{"name":"坏要素"},"geometry":{"type":"Polygon","coordinates":"x"}},
 {"type":"Feature","properties":{"name":"点"},"geometry":{"type":"Point","coordinates":[111.1,28.1]}}]}`

func TestBoundaryAt(t *testing.T) {
	bs, err := ParseBoundaries([]byte(twoTownships))
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[1].Name != "东坪镇" || len(bs[1].Polygons) != 2 || len(bs[1].Polygons[0]) != 2 {
		t.Fatalf("parsed %+v", bs)
	}
	cases := []struct {
		name      string
		lat, long float64
		want      string
	}{
		{"West", 28.1, 111.1, "梅城镇"},
		{"East", 28.05, 111.25, "东坪镇"},
		{"Island", 28.52, 111.58, "东坪镇"},
		{"Enclave", 28.12, 111.32, "飞地"},
		{"SharedBorder", 28.1, 111.2, "东坪镇"}, // on both: the first by name
		{"Outside", 29.0, 111.1, ""},
		{"LatLongSwapped", 111.1, 28.1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := BoundaryAt(bs, c.lat, c.long); got != c.want {
				t.Fatalf("BoundaryAt(%v, %v) = %q, want %q", c.lat, c.long, got, c.want)
			}
		})
	}
	if _, err := ParseBoundaries([]byte("not json")); ErrorCode(err) != EINVALID {
		t.Fatalf("bad json: %v", err)
	}
	if bs, err := ParseBoundaries(nil); err == nil || bs != nil {
		t.Fatalf("empty: %v %v", bs, err)
	}
}
