package sanlian

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Open311 GeoReport v2: services are the problem categories, service
// requests are problems. Other platforms (the 12345 hotline, a city's
// platform) send requests with an API key the office issued to them; each
// key is tied to the source its requests are entered with.

// APIKeySources are the sources a key may be tied to.
var APIKeySources = []string{SourceHotline, SourceWechat, SourcePortal, SourceOther}

// APIKeyPrefix starts every API key, so that a key pasted in the wrong
// place is recognised for what it is.
const APIKeyPrefix = "sl311_"

// MaxAPIKeyName bounds a key's name.
const MaxAPIKeyName = 40

// APIKey is a key the office issued to a platform. The key itself is shown
// once, when it is issued; only its SHA-256 is stored, and Prefix (its
// first characters) tells keys apart on the office's page.
type APIKey struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Source      string    `json:"source"`
	Prefix      string    `json:"prefix"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   int64     `json:"created_by"`
	CreatorName string    `json:"creator_name"`
	RevokedAt   time.Time `json:"revoked_at,omitzero"`
	RevokedBy   int64     `json:"revoked_by,omitempty"`
	// Requests counts the service requests entered through the key.
	Requests int `json:"requests"`
}

// Revoked reports whether the key was revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// APIKeyInput is what the office enters to issue a key.
type APIKeyInput struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

// Validate checks the input, in Chinese.
func (in *APIKeyInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Source = strings.TrimSpace(in.Source)
	f := map[string]string{}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		f["name"] = "请填写使用方名称，如 12345热线"
	case n > MaxAPIKeyName:
		f["name"] = "名称不能超过 40 字"
	}
	if !contains(APIKeySources, in.Source) {
		f["source"] = "来源须为 热线电话、微信公众号、政府门户网站 或 其他"
	}
	checkTexts(f, oneLine("name", "名称", in.Name))
	return FieldErrors(f)
}

// IssuedAPIKey is a key just issued, with the secret shown this once.
type IssuedAPIKey struct {
	Key    *APIKey `json:"key"`
	Secret string  `json:"api_key"`
}

// Open311 request statuses.
const (
	Open311Open   = "open"
	Open311Closed = "closed"
)

// Open311Status maps a problem's state onto the spec's two statuses:
// open while it waits or is being handled, closed once resolved, closed
// out or rejected.
func Open311Status(state string) string {
	switch state {
	case StateSubmitted, StateAssigned, StateAccepted:
		return Open311Open
	}
	return Open311Closed
}

// Open311 limits (GeoReport v2: 90 days and 1,000 requests by default).
const (
	Open311DefaultDays = 90
	Open311MaxRequests = 1000
)

// Bounds is a latitude and longitude box.
type Bounds struct {
	MinLat, MaxLat, MinLong, MaxLong float64
}

// Contains reports whether the point lies in the box.
func (b Bounds) Contains(lat, long float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && long >= b.MinLong && long <= b.MaxLong
}

// DefaultCountyBounds covers the demo county (安化县). A county sets its
// own box with `serve --county-bounds`: a request whose coordinates fall
// outside it is not the county's.
var DefaultCountyBounds = Bounds{MinLat: 27.9, MaxLat: 28.7, MinLong: 110.7, MaxLong: 111.9}

// OrDefault returns b, or DefaultCountyBounds when b is the zero box.
func (b Bounds) OrDefault() Bounds {
	if b == (Bounds{}) {
		return DefaultCountyBounds
	}
	return b
}

// ParseBounds reads a box written "minLat,minLong,maxLat,maxLong" in
// decimal degrees, e.g. "27.9,110.7,28.7,111.9".
func ParseBounds(s string) (Bounds, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return Bounds{}, Errorf(EINVALID, "县域范围应为“最小纬度,最小经度,最大纬度,最大经度”四个十进制度数，如 27.9,110.7,28.7,111.9")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return Bounds{}, Errorf(EINVALID, "县域范围的第 %d 个数“%s”不是十进制度数", i+1, strings.TrimSpace(p))
		}
		v[i] = f
	}
	b := Bounds{MinLat: v[0], MinLong: v[1], MaxLat: v[2], MaxLong: v[3]}
	if b.MinLat < -90 || b.MaxLat > 90 || b.MinLong < -180 || b.MaxLong > 180 || b.MinLat >= b.MaxLat || b.MinLong >= b.MaxLong {
		return Bounds{}, Errorf(EINVALID, "县域范围无效：纬度在 -90 到 90 之间、经度在 -180 到 180 之间，且最小值小于最大值")
	}
	return b, nil
}

// Open311Request is a problem as GeoReport v2 shows it to anyone: no
// reporter, no phone, and its texts anonymised.
type Open311Request struct {
	ID                int64
	Status            string // open or closed
	State             string
	StatusNotes       string
	ServiceCode       string
	ServiceName       string
	Description       string
	AgencyResponsible string
	RequestedAt       time.Time
	UpdatedAt         time.Time
	ExpectedAt        time.Time // the resolve deadline, when there is one
	Address           string    // township and village
	AddressID         string    // village code
	Lat, Long         *float64
	MediaURL          string
}

// Open311Filter selects requests (GeoReport v2 GET requests). With IDs,
// the other conditions are ignored, as the spec says.
type Open311Filter struct {
	IDs          []int64
	ServiceCodes []string
	Statuses     []string // open, closed
	Start, End   time.Time
	Limit        int // at most Open311MaxRequests
}

// Open311Extra is what a request carried beyond the problem itself, kept
// beside it: the key it came through, coordinates, the address as typed,
// a link to a photo, and the attributes of the service definition.
type Open311Extra struct {
	KeyID         int64
	Lat, Long     *float64
	AddressString string
	MediaURL      string
	Urgency       string // the urgency attribute: normal or urgent
}

// Open311Place is where coordinates alone put a request: a township by
// its boundary and a village in it.
type Open311Place struct {
	Township *Region
	Village  *Region
}

// Note is what the problem's description says of a request placed by
// its coordinates, so that the office checks the village before it
// assigns the problem.
func (p *Open311Place) Note() string {
	return "（按坐标定位：位于" + p.Township.Name + "边界内，村(社区)暂定为" + p.Village.Name + "，请核实）"
}

// PlaceVillage picks the village of a township that a request placed by
// coordinates goes to: the township's seat village (驻地村(社区)) when
// seat names one of villages, otherwise the first village by code; nil
// when the township has none. The region data names no seat yet, so seat
// is "" today.
func PlaceVillage(villages []*Region, seat string) *Region {
	var first *Region
	for _, v := range villages {
		if seat != "" && v.Code == seat {
			return v
		}
		if first == nil || v.Code < first.Code {
			first = v
		}
	}
	return first
}

// Open311Window fills the defaults of a GET requests range at now: no
// end_date is now, no start_date is 90 days before the end.
func Open311Window(start, end, now time.Time) (time.Time, time.Time) {
	if end.IsZero() {
		end = now
	}
	if start.IsZero() {
		start = end.AddDate(0, 0, -Open311DefaultDays)
	}
	return start, end
}

// Open311Range checks a range GET requests is asked for, with its
// defaults filled at now (Open311Window): the start must come before the
// end, and the two may not be more than 90 days apart (GeoReport v2).
// EINVALID, in Chinese, otherwise.
func Open311Range(start, end, now time.Time) (time.Time, time.Time, error) {
	start, end = Open311Window(start, end, now)
	if !start.Before(end) {
		return start, end, Errorf(EINVALID, "start_date 须早于 end_date（现为 %s 至 %s）(start_date must be before end_date)",
			start.In(Shanghai).Format(time.RFC3339), end.In(Shanghai).Format(time.RFC3339))
	}
	if end.Sub(start) > Open311DefaultDays*24*time.Hour {
		return start, end, Errorf(EINVALID, "start_date 至 end_date 不能超过 %d 天，请分段查询；未给 end_date 时按当前时间计 (date range may not span more than %d days)",
			Open311DefaultDays, Open311DefaultDays)
	}
	return start, end, nil
}

// MaxMediaURL bounds a media_url.
const MaxMediaURL = 500

// Open311Service serves Open311 GeoReport v2 and the office's API keys.
// Issuing, listing and revoking keys is the office's; the other methods
// need no account: they act for the public and see only public fields.
type Open311Service interface {
	// CreateAPIKey issues a key tied to a source and returns its secret,
	// which is stored only as a hash. Audited. Returns EFORBIDDEN,
	// EUNPROCESSABLE.
	CreateAPIKey(ctx context.Context, in *APIKeyInput) (*IssuedAPIKey, error)
	// FindAPIKeys lists the keys, newest first. Returns EFORBIDDEN.
	FindAPIKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeAPIKey revokes a key for good. Audited. Returns EFORBIDDEN,
	// ENOTFOUND, ECONFLICT when it was revoked already.
	RevokeAPIKey(ctx context.Context, id int64) (*APIKey, error)
	// VerifyAPIKey returns the live key with this secret; EFORBIDDEN for a
	// missing, unknown or revoked key (the same answer for all three).
	VerifyAPIKey(ctx context.Context, secret string) (*APIKey, error)

	// Open311Jurisdiction is the county's region code, the one
	// jurisdiction_id served.
	Open311Jurisdiction(ctx context.Context) (string, error)
	// Open311Village finds the village of a request: by its code
	// (address_id) or, without one, by its name in address_string
	// (township and village, or a village name that is unique). Returns
	// EINVALID when it is not a village of ours, cannot be found or is
	// ambiguous.
	Open311Village(ctx context.Context, addressID, addressString string) (*Region, error)
	// Open311VillageAt places a request that carries only coordinates:
	// the township whose uploaded boundary (TownshipMap) holds the point,
	// and in it the village PlaceVillage picks. Returns EINVALID when no
	// boundaries are uploaded or the point is inside none of the
	// county's townships.
	Open311VillageAt(ctx context.Context, lat, long float64) (*Open311Place, error)
	// RecordOpen311 keeps what a request carried beside the problem it
	// entered (a problem still submitted); the urgency attribute is set on
	// the problem. Audited. Returns ENOTFOUND, EUNPROCESSABLE.
	RecordOpen311(ctx context.Context, problemID int64, x *Open311Extra) error
	// FindOpen311Requests lists requests, newest first; merged problems are
	// never listed. Returns EINVALID for a bad filter.
	FindOpen311Requests(ctx context.Context, f Open311Filter) ([]*Open311Request, error)
	// Open311RequestByToken returns the request id of a token (the
	// tracking code). Returns ENOTFOUND.
	Open311RequestByToken(ctx context.Context, token string) (int64, error)
}
