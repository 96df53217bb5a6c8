package sanlian

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
	"unicode/utf8"
)

// The people's side: a resident raises a problem without an account, gets a
// tracking code, follows the problem by it, and rates the result.

// Tracking codes are 10 characters from an alphabet without the look-alikes
// 0/O, 1/I/L and U/V, shown as two groups of five (K7QX2-M9DPR). Drawn from
// crypto/rand, they carry 49 bits: guessing one at random, at the rate
// limit of the tracking page, would take longer than the ledger lives.
const (
	trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"
	trackingLen      = 10
)

// NewTrackingCode returns a fresh tracking code, without its dash.
func NewTrackingCode() string {
	b := make([]byte, trackingLen)
	for i := range b {
		// 256 is not a multiple of the alphabet's 29: redraw the bytes
		// above the last whole multiple so that every letter is as likely.
		for {
			var c [1]byte
			if _, err := rand.Read(c[:]); err != nil {
				panic(err)
			}
			if int(c[0]) < 256/len(trackingAlphabet)*len(trackingAlphabet) {
				b[i] = trackingAlphabet[int(c[0])%len(trackingAlphabet)]
				break
			}
		}
	}
	return string(b)
}

// NormalizeTrackingCode reads a code as people type it: any case, with or
// without the dash or spaces, O for 0 and I or L for 1 forgiven as far as
// the alphabet allows (they are not in it, so they are simply refused).
// It returns "" when what remains cannot be a code.
func NormalizeTrackingCode(s string) string {
	s = strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\u3000' {
			return -1
		}
		return r
	}, s))
	if len(s) != trackingLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(trackingAlphabet, s[i]) < 0 {
			return ""
		}
	}
	return s
}

// FormatTrackingCode shows a code as two groups of five.
func FormatTrackingCode(code string) string {
	if len(code) != trackingLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// Public field limits: every field a stranger can send is bounded.
const (
	MaxPublicDescription = 2000
	MaxPublicName        = 30
	MaxPublicPhotos      = 3
	MaxPublicPhoto       = 5 << 20 // bytes, one photo
	// PublicDedupWindow is how long the same text from the same phone is
	// taken as the same problem sent again.
	PublicDedupWindow = 24 * time.Hour
)

// PublicSources are the sources a submission without an account may carry:
// the portal and WeChat by their entry links, and the sources the office
// ties to an Open311 API key.
var PublicSources = []string{SourcePortal, SourceWechat, SourceHotline, SourceOther}

// PublicSubmission is what a resident sends.
type PublicSubmission struct {
	Source        string `json:"source"` // portal or wechat (by the entry link)
	Category      string `json:"category"`
	VillageCode   string `json:"village"`
	Description   string `json:"description"`
	ReporterName  string `json:"reporter_name"`
	ReporterPhone string `json:"reporter_phone"`
	// Consent is the resident's yes to the line on how the name and
	// phone are used; a name or phone without it is refused.
	Consent bool `json:"consent"`
	// NotifySMS is the resident's consent to SMS messages about this
	// problem (received, accepted, resolved, closed, reopened) at
	// ReporterPhone, which must then be a mainland mobile.
	NotifySMS bool `json:"notify_sms"`
	// WechatOpenID is the resident's OpenID from the WeChat page's OAuth,
	// set by the server (never by the client) when they submitted through
	// WeChat's link and consented to template messages.
	WechatOpenID string `json:"-"`
	// Photos are uploaded after the problem exists, through the
	// attachment store, each at most MaxPublicPhoto.

	// Open311 is what an Open311 request carried beside the problem (its
	// API key, coordinates, media_url, urgency), kept in the same
	// transaction; nil for the portal and WeChat.
	Open311 *Open311Extra `json:"-"`
}

// Normalize trims the submission.
func (s *PublicSubmission) Normalize() {
	s.Category = strings.TrimSpace(s.Category)
	s.VillageCode = strings.TrimSpace(s.VillageCode)
	s.Description = strings.TrimSpace(s.Description)
	s.ReporterName = strings.TrimSpace(s.ReporterName)
	s.ReporterPhone = strings.TrimSpace(s.ReporterPhone)
	if s.Source == "" {
		s.Source = SourcePortal
	}
}

// Validate checks the submission's own fields, in Chinese.
func (s *PublicSubmission) Validate() error {
	f := map[string]string{}
	if !contains(PublicSources, s.Source) {
		f["source"] = "来源不正确"
	}
	if s.Category == "" {
		f["category"] = "请选择问题类别"
	}
	if !ValidRegionCode(s.VillageCode) {
		f["village"] = "请选择所在乡镇和村(社区)"
	}
	switch n := utf8.RuneCountInString(s.Description); {
	case n == 0:
		f["description"] = "请写下您要反映的问题"
	case n < 5:
		f["description"] = "问题描述太短，请至少写 5 个字"
	case n > MaxPublicDescription:
		f["description"] = "问题描述不能超过 2000 字"
	}
	if utf8.RuneCountInString(s.ReporterName) > MaxPublicName {
		f["reporter_name"] = "姓名不能超过 30 字"
	}
	if s.ReporterPhone != "" && !ValidPhone(s.ReporterPhone) {
		f["reporter_phone"] = "手机号格式不正确（11 位手机号或带区号的固定电话）"
	}
	if s.NotifySMS && !ValidMobile(s.ReporterPhone) {
		f["reporter_phone"] = "接收短信告知，请填写 11 位手机号"
	}
	if (s.ReporterName != "" || s.ReporterPhone != "" || s.NotifySMS || s.WechatOpenID != "") && !s.Consent {
		f["consent"] = "留下姓名或电话前，请阅读并勾选同意说明"
	}
	checkTexts(f, manyLines("description", "问题描述", s.Description), oneLine("reporter_name", "姓名", s.ReporterName))
	return FieldErrors(f)
}

// PublicReceipt answers a submission.
type PublicReceipt struct {
	Code   string `json:"tracking_code"`
	Number string `json:"number"`
	// Merged is true when the same text came from the same phone within
	// PublicDedupWindow: no new problem, the earlier one's code.
	Merged bool `json:"merged"`
	// ProblemID is for the server's own use (attaching photos, Open311's
	// service_request_id); it is not shown to residents.
	ProblemID int64 `json:"-"`
}

// PublicNote is one step of a problem as the public sees it: what happened
// and when, in standard words, plus the result or reason the office gave.
// Internal notes, names and phones are never part of it.
type PublicNote struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
	Text  string    `json:"text"`
}

// PublicProblem is a problem as its reporter follows it.
type PublicProblem struct {
	Code         string       `json:"tracking_code"`
	Number       string       `json:"number"`
	State        string       `json:"state"`
	StateLabel   string       `json:"state_label"`
	Source       string       `json:"source"`
	Category     string       `json:"category"`
	CategoryName string       `json:"category_name"`
	VillageCode  string       `json:"village"`
	VillageName  string       `json:"village_name"`
	TownshipName string       `json:"township_name"`
	Description  string       `json:"description"`
	UnitName     string       `json:"unit_name,omitempty"`
	Result       string       `json:"result,omitempty"`
	Notes        []PublicNote `json:"notes"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	// Rateable: resolved and not yet rated by the public.
	Rateable bool `json:"rateable"`
	// NeedsPhone: rating asks for the phone's last four digits.
	NeedsPhone   bool      `json:"needs_phone"`
	Solved       string    `json:"solved,omitempty"`
	Satisfaction string    `json:"satisfaction,omitempty"`
	RatedAt      time.Time `json:"rated_at,omitzero"`
	// NotifySMS: the reporter asked for SMS messages and has not
	// unsubscribed; the page offers the link that ends them.
	NotifySMS bool `json:"notify_sms"`
}

// PublicRating is the resident's answer once the problem is resolved: it is
// the callback (回访).
type PublicRating struct {
	PhoneLast4   string `json:"phone_last4"`
	Solved       string `json:"solved"`       // yes, partly, no
	Satisfaction string `json:"satisfaction"` // satisfied, basic, unsatisfied
	Comment      string `json:"comment"`
}

// Validate checks the rating's own fields, in Chinese.
func (r *PublicRating) Validate() error {
	f := map[string]string{}
	if SolvedLabel(r.Solved) == "" {
		f["solved"] = "请选择问题是否解决"
	}
	if SatisfactionLabel(r.Satisfaction) == "" {
		f["satisfaction"] = "请选择是否满意"
	}
	if utf8.RuneCountInString(r.Comment) > 500 {
		f["comment"] = "意见不能超过 500 字"
	}
	if len(r.PhoneLast4) > 8 {
		f["phone_last4"] = "请输入手机号后四位"
	}
	return FieldErrors(f)
}

// PublicTotals are the counts and rates of the results page.
type PublicTotals struct {
	Code         string   `json:"code,omitempty"` // township code; "" for the county
	Name         string   `json:"name"`
	Collected    int      `json:"collected"`
	Resolved     int      `json:"resolved"` // resolved or closed
	Closed       int      `json:"closed"`
	Open         int      `json:"open"`
	Callbacks    int      `json:"callbacks"`
	Solved       int      `json:"solved"`
	Satisfied    int      `json:"satisfied"`
	ResolvedRate *float64 `json:"resolution_rate"`   // solved ÷ callbacks
	Satisfaction *float64 `json:"satisfaction_rate"` // satisfied or basic ÷ callbacks
}

// PublicClosed is a closed problem on the results page, anonymised: no
// names, no phones, no house numbers, and its text with digits that could
// be a phone, ID or house number masked.
type PublicClosed struct {
	Number       string    `json:"number"`
	CategoryName string    `json:"category_name"`
	TownshipName string    `json:"township_name"`
	VillageName  string    `json:"village_name"`
	Title        string    `json:"title"`
	Result       string    `json:"result"`
	UnitName     string    `json:"unit_name"`
	ClosedAt     time.Time `json:"closed_at"`
	Days         int       `json:"working_days"` // from submission to resolution
}

// PublicProject is a service project with its progress, as published.
type PublicProject struct {
	Name     string `json:"name"`
	UnitName string `json:"unit_name"`
	Target   string `json:"target"`
	Percent  int    `json:"percent"`
	Status   string `json:"status"`
}

// PublicActivityTotal is the volunteer activities of one type.
type PublicActivityTotal struct {
	TypeName   string `json:"type_name"`
	Activities int    `json:"activities"`
	Volunteers int    `json:"volunteers"`
	Served     int    `json:"served"`
}

// PublicResults is the results page (成效公示).
type PublicResults struct {
	Since      time.Time             `json:"since"` // counts are of problems entered since
	County     PublicTotals          `json:"county"`
	Townships  []PublicTotals        `json:"townships"`
	Closed     []PublicClosed        `json:"recent_closed"`
	Projects   []PublicProject       `json:"projects"`
	Activities []PublicActivityTotal `json:"activities"`
	At         time.Time             `json:"generated_at"`
}

// PublicService is the people's side. Its methods need no account; they
// act as the public, see only what the public may see, and are audited.
type PublicService interface {
	// SubmitPublic enters a problem in state submitted with a new
	// tracking code, or, when the same description came from the same
	// phone within PublicDedupWindow, answers the earlier one's code with
	// Merged. Returns EUNPROCESSABLE.
	SubmitPublic(ctx context.Context, s *PublicSubmission) (*PublicReceipt, error)
	// TrackPublic returns the problem with the code; ENOTFOUND otherwise,
	// the same answer for a code that was never issued.
	TrackPublic(ctx context.Context, code string) (*PublicProblem, error)
	// RatePublic records the resident's rating as the callback. Returns
	// ENOTFOUND for an unknown code or wrong last four digits (the same
	// answer for both), ECONFLICT when the problem is not resolved or was
	// rated already, EUNPROCESSABLE.
	RatePublic(ctx context.Context, code string, r *PublicRating) (*PublicProblem, error)
	// PublicResults builds the results page.
	PublicResults(ctx context.Context) (*PublicResults, error)
	// PublicKey returns the key that signs the people's side's
	// challenges, made once and shared by every node on the database.
	PublicKey(ctx context.Context) ([]byte, error)
	// SpendChallenge marks a proof-of-work challenge answered; ECONFLICT
	// when it was answered before. Expired ones are forgotten.
	SpendChallenge(ctx context.Context, id string, expires time.Time) error
}

// NewPublicContext returns ctx acting as a member of the public: the
// people's side writes as "public", with no reach beyond its own methods.
func NewPublicContext(ctx context.Context) context.Context {
	return NewContextWithUser(ctx, &User{Username: "public", DisplayName: "群众", Role: RolePublic})
}
