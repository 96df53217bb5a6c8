package open311_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/open311"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// smallTownships are boundaries for the small county: 东坪镇 with a hole,
// 梅城镇 beside it, and a township of another county that must not place
// anything here.
const smallTownships = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"东坪镇"},"geometry":{"type":"Polygon","coordinates":[
   [[111.0,28.0],[111.4,28.0],[111.4,28.4],[111.0,28.4],[111.0,28.0]],
   [[111.1,28.1],[111.2,28.1],[111.2,28.2],[111.1,28.2],[111.1,28.1]]]}},
 {"type":"Feature","properties":{"name":"梅城镇"},"geometry":{"type":"MultiPolygon","coordinates":[
   [[[111.4,28.0],[111.8,28.0],[111.8,28.4],[111.4,28.4],[111.4,28.0]]]]}},
 {"type":"Feature","properties":{"name":"外县某镇"},"geometry":{"type":"Polygon","coordinates":[
   [[110.8,28.0],[111.0,28.0],[111.0,28.4],[110.8,28.4],[110.8,28.0]]]}}]}`

// TestOpen311_PlaceByCoordinates: a request with lat/long and no address
// goes to the township whose boundary holds the point, in the township's
// first village by code, and its description says so; a point outside
// every boundary of ours, or any point before boundaries are uploaded, is
// refused with the spec's error list, in both formats, and enters nothing.
func TestOpen311_PlaceByCoordinates(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		_, key := issueKey(t, a, "12345热线", "hotline")
		calls, mu := map[string]int{}, &sync.Mutex{}
		count := func() int {
			cs, err := db.Problems.CountProblemsByState(sanlian.NewSystemContext(context.Background()), sanlian.ProblemFilter{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range cs {
				n += c.Count
			}
			return n
		}
		post := func(c *o311Client, lat, long string) ([]o311Request, error) {
			return c.Post(url.Values{"service_code": {"transport"}, "lat": {lat}, "long": {long},
				"description": {"路边的护栏被撞坏了，夜里很危险"}})
		}
		for _, format := range []string{"json", "xml"} {
			c := newO311Client(a.ts.URL, format, key, calls, mu)
			t.Run(format+"/ErrNoBoundaries", func(t *testing.T) {
				before := count()
				_, err := post(c, "28.3", "111.3")
				f := mustFail(t, "no boundaries", err, 400)
				if !strings.Contains(f.Errors[0].Description, "尚未上传乡镇边界") {
					t.Fatalf("message %+v", f.Errors)
				}
				if count() != before {
					t.Fatal("a refused request entered a problem")
				}
			})
		}
		if _, err := db.Reports.SaveTownshipMap(sanlian.NewSystemContext(context.Background()), []byte(smallTownships)); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"json", "xml"} {
			c := newO311Client(a.ts.URL, format, key, calls, mu)
			t.Run(format+"/Placed", func(t *testing.T) {
				for _, pt := range []struct{ lat, long, village, township, address string }{
					{"28.3", "111.3", sqldbtest.VillageA, "东坪镇", "东坪镇黄沙坪村"},
					{"28.2", "111.6", sqldbtest.VillageC, "梅城镇", "梅城镇启安村"},
					{"28.0", "111.05", sqldbtest.VillageA, "东坪镇", "东坪镇黄沙坪村"}, // on the border
				} {
					posted, err := post(c, pt.lat, pt.long)
					if err != nil {
						t.Fatalf("%s,%s: %v", pt.lat, pt.long, err)
					}
					got, _, err := c.Request(posted[0].ServiceRequestID)
					if err != nil {
						t.Fatal(err)
					}
					r := got[0]
					if r.AddressID != pt.village || r.Address != pt.address || r.Lat == nil || r.Long == nil ||
						!strings.Contains(r.Description, "（按坐标定位：位于"+pt.township+"边界内，村(社区)暂定为") ||
						!strings.HasPrefix(r.Description, "路边的护栏被撞坏了") {
						t.Fatalf("%s,%s: placed %+v", pt.lat, pt.long, r)
					}
				}
			})
			t.Run(format+"/ErrOutside", func(t *testing.T) {
				before := count()
				if before == 0 {
					t.Fatal("the problems placed above are not counted")
				}
				for _, pt := range [][2]string{
					{"28.15", "111.15"}, // in 东坪镇's hole
					{"28.2", "110.9"},   // in a township of another county
					{"28.6", "111.85"},  // in the county's box, in no boundary
				} {
					_, err := post(c, pt[0], pt[1])
					f := mustFail(t, "outside "+pt[0]+","+pt[1], err, 400)
					if !strings.Contains(f.Errors[0].Description, "不在本县任何乡镇的边界内") {
						t.Fatalf("message %+v", f.Errors)
					}
				}
				if count() != before {
					t.Fatal("a refused request entered a problem")
				}
			})
		}
	})
}

// TestOpen311_DateRange: a GET requests range of more than 90 days, or
// one that starts after it ends, is refused with the spec's 400 list in
// both formats; 90 days exactly is served.
func TestOpen311_DateRange(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		calls, mu := map[string]int{}, &sync.Mutex{}
		old := time.Now().AddDate(0, 0, -200).Format("2006-01-02")
		for _, format := range []string{"json", "xml"} {
			c := newO311Client(a.ts.URL, format, "", calls, mu)
			t.Run(format, func(t *testing.T) {
				if _, _, err := c.Requests(url.Values{"start_date": {"2021-01-01T00:00:00+08:00"}, "end_date": {"2021-04-01T00:00:00+08:00"}}); err != nil {
					t.Fatalf("90 days: %v", err)
				}
				for _, bad := range []struct {
					what string
					q    url.Values
					want string
				}{
					{"91 days", url.Values{"start_date": {"2021-01-01T00:00:00+08:00"}, "end_date": {"2021-04-02T00:00:00+08:00"}}, "不能超过 90 天"},
					{"91 days in UTC", url.Values{"start_date": {"2021-01-01T00:00:00Z"}, "end_date": {"2021-04-02"}}, "不能超过 90 天"},
					{"start after end", url.Values{"start_date": {"2021-05-02"}, "end_date": {"2021-05-01"}}, "须早于"},
					{"start equals end", url.Values{"start_date": {"2021-05-01"}, "end_date": {"2021-05-01"}}, "须早于"},
					{"start long ago, no end", url.Values{"start_date": {old}}, "不能超过 90 天"},
				} {
					_, _, err := c.Requests(bad.q)
					f := mustFail(t, bad.what, err, 400)
					if len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Description, bad.want) {
						t.Fatalf("%s: %+v", bad.what, f.Errors)
					}
				}
			})
		}
	})
}

// TestOpen311_CountyBounds: the county's box comes from the configuration:
// with another county's box, the demo county's coordinates are refused
// with the spec's 400 and nothing is entered, on both layers.
func TestOpen311_CountyBounds(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		other := sanlian.Bounds{MinLat: 39.4, MaxLat: 41.1, MinLong: 115.4, MaxLong: 117.5}
		db.CountyBounds = other
		a := newAppConfig(t, db, open311.Config{CountyBounds: other})
		_, key := issueKey(t, a, "12345热线", "hotline")
		c := newO311Client(a.ts.URL, "json", key, map[string]int{}, &sync.Mutex{})
		_, err := c.Post(url.Values{"service_code": {"transport"}, "lat": {"28.3"}, "long": {"111.3"}, "address_id": {sqldbtest.VillageA},
			"description": {"路边的护栏被撞坏了，夜里很危险"}})
		f := mustFail(t, "outside the configured box", err, 400)
		if !strings.Contains(f.Errors[0].Description, "不在本县范围内") {
			t.Fatalf("message %+v", f.Errors)
		}
		// The storage refuses it too, whoever calls it.
		lat, long := 28.3, 111.3
		sub := &sanlian.PublicSubmission{Source: sanlian.SourceHotline, Category: "transport", VillageCode: sqldbtest.VillageA,
			Description: "路边的护栏被撞坏了，夜里很危险", Open311: &sanlian.Open311Extra{Lat: &lat, Long: &long}}
		if _, err := db.Public.SubmitPublic(sanlian.NewPublicContext(context.Background()), sub); sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE {
			t.Fatalf("storage took coordinates outside the box: %v", err)
		}
	})
}
