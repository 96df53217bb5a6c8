package sanlian

import (
	"strings"
	"testing"
	"time"
)

func TestWebhookEvents_Hotline(t *testing.T) {
	for _, e := range []string{EventProblemAccepted, EventProblemResolved, EventProblemClosed, EventProblemReopened} {
		if !contains(WebhookEvents, e) || WebhookEventLabel(e) == e {
			t.Errorf("%s is not a labelled webhook event", e)
		}
	}
	if (&Webhook{}).SourceLabel() != "全部来源" || (&Webhook{Source: SourceHotline}).SourceLabel() != "热线电话" {
		t.Fatal("source labels")
	}
}

func TestWebhookInput_ValidateSource(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		src  *string
		want string // "" valid, else in the field error
	}{
		{nil, ""},
		{str(""), ""},
		{str(" hotline "), ""},
		{str("weibo"), "未知的来源“weibo”"},
		{str(strings.Repeat("长", 30)), "未知的来源“" + strings.Repeat("长", 20) + "”"},
	} {
		in := WebhookInput{Name: "热线", Kind: WebhookJSON, URL: "https://example.com/", Events: []string{EventProblemClosed}, Source: c.src}
		err := in.Validate(false)
		msg := ErrorFields(err)["source"]
		if c.want == "" && err != nil || c.want != "" && !strings.Contains(msg, c.want) {
			t.Errorf("source %v: %v %q", c.src, err, msg)
		}
	}
	in := WebhookInput{Name: "热线", Kind: WebhookJSON, URL: "https://example.com/", Events: []string{EventProblemClosed}, Source: func() *string { s := " hotline "; return &s }()}
	if err := in.Validate(false); err != nil || *in.Source != SourceHotline {
		t.Fatalf("trimmed source %q %v", *in.Source, err)
	}
}

func TestCallbackOutcome(t *testing.T) {
	if got := CallbackOutcome(SolvedPartly, Basic); got != "部分解决，基本满意" {
		t.Fatal(got)
	}
	if got := CallbackOutcome("", ""); got != "" {
		t.Fatal(got)
	}
}

func TestOpen311Range(t *testing.T) {
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
		if err != nil {
			panic(err)
		}
		return t
	}
	now := at("2021-06-30 12:00")
	for _, c := range []struct {
		name                   string
		start, end             time.Time
		wantStart, wantEnd, ok string // wantStart/wantEnd as 2006-01-02 15:04; ok "" or a part of the message
	}{
		{"Defaults", time.Time{}, time.Time{}, "2021-04-01 12:00", "2021-06-30 12:00", ""},
		{"EndOnly", time.Time{}, at("2021-05-31 00:00"), "2021-03-02 00:00", "2021-05-31 00:00", ""},
		{"NinetyDays", at("2021-01-01 00:00"), at("2021-04-01 00:00"), "2021-01-01 00:00", "2021-04-01 00:00", ""},
		{"NinetyOneDays", at("2021-01-01 00:00"), at("2021-04-02 00:00"), "", "", "不能超过 90 天"},
		{"NinetyDaysAndAMinute", at("2021-01-01 00:00"), at("2021-04-01 00:01"), "", "", "不能超过 90 天"},
		{"StartOnlyLongAgo", at("2021-01-01 00:00"), time.Time{}, "", "", "不能超过 90 天"},
		{"StartOnlyRecent", at("2021-06-01 00:00"), time.Time{}, "2021-06-01 00:00", "2021-06-30 12:00", ""},
		{"StartAfterEnd", at("2021-05-02 00:00"), at("2021-05-01 00:00"), "", "", "须早于"},
		{"StartEqualsEnd", at("2021-05-01 00:00"), at("2021-05-01 00:00"), "", "", "须早于"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, e, err := Open311Range(c.start, c.end, now)
			if c.ok != "" {
				if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), c.ok) {
					t.Fatalf("err %v, want EINVALID with %q", err, c.ok)
				}
				return
			}
			if err != nil || s.In(Shanghai).Format("2006-01-02 15:04") != c.wantStart || e.In(Shanghai).Format("2006-01-02 15:04") != c.wantEnd {
				t.Fatalf("%s – %s, %v", s.In(Shanghai), e.In(Shanghai), err)
			}
		})
	}
}

func TestPlaceVillage(t *testing.T) {
	vs := []*Region{{Code: "430923100003", Name: "三村"}, {Code: "430923100001", Name: "一村"}, {Code: "430923100002", Name: "二村"}}
	for _, c := range []struct {
		name, seat, want string
		vs               []*Region
	}{
		{"FirstByCode", "", "一村", vs},
		{"Seat", "430923100003", "三村", vs},
		{"SeatNotOfThisTownship", "430923999999", "一村", vs},
		{"None", "", "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := PlaceVillage(c.vs, c.seat)
			if name := func() string {
				if got == nil {
					return ""
				}
				return got.Name
			}(); name != c.want {
				t.Fatalf("placed in %q, want %q", name, c.want)
			}
		})
	}
	p := &Open311Place{Township: &Region{Name: "东坪镇"}, Village: vs[1]}
	if p.Note() != "（按坐标定位：位于东坪镇边界内，村(社区)暂定为一村，请核实）" {
		t.Fatal(p.Note())
	}
}
