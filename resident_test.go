package sanlian

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRenderMessage_EveryEventKeepsLinkLastAndNoStaff(t *testing.T) {
	v := MsgVars{Code: "ABCDE-FGHJK", Number: "WT-2026-00012", Unit: "县住建局", Link: "https://x.gov.cn/track/ABCDEFGHJK", Outcome: "已解决，满意", OTP: "123456"}
	for _, e := range MsgEvents {
		text, params := RenderMessage(e, v)
		if text == "" || len(params) == 0 {
			t.Fatalf("%s: empty", e)
		}
		if !strings.Contains(text, v.Code) || !strings.HasSuffix(text, v.Link+" 回复 TD 退订") {
			t.Errorf("%s: %q lacks the code or does not end with the link", e, text)
		}
		if params[len(params)-1].Name != "link" {
			t.Errorf("%s: link is not the last parameter: %v", e, params)
		}
	}
	if text, _ := RenderMessage(MsgResolved, v); !strings.Contains(text, "回复 1") {
		t.Errorf("resolved does not ask for the reply: %q", text)
	}
	if text, _ := RenderMessage(MsgClosed, v); !strings.Contains(text, "已解决，满意") {
		t.Errorf("closed lacks the outcome: %q", text)
	}
	if text, p := RenderMessage(MsgLookupCode, v); !strings.Contains(text, "123456") || len(p) != 1 || strings.Contains(text, v.Code) {
		t.Errorf("lookup code: %q %v", text, p)
	}
	if text, _ := RenderMessage("nope", v); text != "" {
		t.Errorf("unknown event rendered %q", text)
	}
}

func TestFitMessage(t *testing.T) {
	link := "https://x.gov.cn/t/ABCDEFGHJK"
	text := strings.Repeat("问", 80) + link + " 回复 TD 退订"
	for _, max := range []int{200, 70, 60, 45} {
		got := FitMessage(text, link, max)
		if n := utf8.RuneCountInString(got); n > max {
			t.Errorf("max %d: %d runes", max, n)
		}
		if !utf8.ValidString(got) {
			t.Errorf("max %d: invalid UTF-8", max)
		}
		if !strings.Contains(got, link) {
			t.Errorf("max %d: link lost: %q", max, got)
		}
	}
	if got := FitMessage(text, link, 200); got != text {
		t.Errorf("a text that fits changed: %q", got)
	}
	if got := FitMessage(text, link, 70); !strings.HasSuffix(got, "…"+link+" 回复 TD 退订") {
		t.Errorf("not cut before the link: %q", got)
	}
	// Even the link does not fit: cut at max, still valid UTF-8.
	if got := FitMessage(text, link, 20); utf8.RuneCountInString(got) != 20 || !utf8.ValidString(got) {
		t.Errorf("tiny max: %q", got)
	}
	// No link in the text: cut with an ellipsis.
	if got := FitMessage(strings.Repeat("字", 30), "", 10); got != strings.Repeat("字", 9)+"…" {
		t.Errorf("no link: %q", got)
	}
}

func TestQuietUntil(t *testing.T) {
	at := func(s string) time.Time {
		t0, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return t0
	}
	for _, c := range []struct{ now, want string }{
		{"2026-05-01 09:30", "2026-05-01 09:30"},
		{"2026-05-01 08:00", "2026-05-01 08:00"},
		{"2026-05-01 21:59", "2026-05-01 21:59"},
		{"2026-05-01 22:00", "2026-05-02 08:00"},
		{"2026-05-01 23:45", "2026-05-02 08:00"},
		{"2026-05-02 00:10", "2026-05-02 08:00"},
		{"2026-05-02 07:59", "2026-05-02 08:00"},
		{"2026-12-31 23:00", "2027-01-01 08:00"},
	} {
		if got := QuietUntil(at(c.now).UTC()); !got.Equal(at(c.want)) {
			t.Errorf("QuietUntil(%s) = %s, want %s", c.now, got.In(Shanghai).Format("2006-01-02 15:04"), c.want)
		}
	}
}

func TestNormalizeMobile(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678": "13812345678", "138 1234 5678": "13812345678", "+8613812345678": "13812345678",
		"008613812345678": "13812345678", "8613812345678": "13812345678", "138-1234-5678": "13812345678",
		"12812345678": "", "1381234567": "", "0731-8888888": "", "abc": "", "": "", "138123456789": "",
	} {
		if got := NormalizeMobile(in); got != want {
			t.Errorf("NormalizeMobile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseReply(t *testing.T) {
	for in, want := range map[string]Reply{
		"1": {Solved: SolvedYes, Satisfaction: Satisfied}, " 2 ": {Solved: SolvedPartly, Satisfaction: Basic},
		"３": {Solved: SolvedNo, Satisfaction: Unsatisfied}, "1。": {Solved: SolvedYes, Satisfaction: Satisfied},
		"TD": {Stop: true}, "td": {Stop: true}, "ＴＤ": {Stop: true}, "退订": {Stop: true}, "stop": {Stop: true},
	} {
		got, ok := ParseReply(in)
		if !ok || got != want {
			t.Errorf("ParseReply(%q) = %+v %v, want %+v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "4", "12", "好的", "1 2", "谢谢"} {
		if _, ok := ParseReply(in); ok {
			t.Errorf("ParseReply(%q) accepted", in)
		}
	}
}

func TestMsgSettings(t *testing.T) {
	s := &MsgSettings{Enabled: true, Provider: ProviderAliyun, PublicURL: "https://sl.example.gov.cn/", SMS: map[string]string{MsgReceived: "SMS_1"}, Wechat: map[string]string{}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.PublicURL != "https://sl.example.gov.cn" || TrackLink(s.PublicURL, "ABCDEFGHJK") != "https://sl.example.gov.cn/track/ABCDEFGHJK" {
		t.Errorf("public url %q", s.PublicURL)
	}
	if r := s.MsgSkipReason(ChannelSMS, MsgReceived); r != "" {
		t.Errorf("received: %q", r)
	}
	if r := s.MsgSkipReason(ChannelSMS, MsgClosed); !strings.Contains(r, "销号告知") {
		t.Errorf("closed without a template: %q", r)
	}
	if r := s.MsgSkipReason(ChannelWechat, MsgReceived); r == "" {
		t.Error("wechat without a template would be sent")
	}
	h := &MsgSettings{Enabled: true, Provider: ProviderHTTP, Endpoint: "https://sms.example.gov.cn/send", PublicURL: "http://10.0.0.5:8080"}
	if err := h.Validate(); err != nil || h.MsgSkipReason(ChannelSMS, MsgClosed) != "" {
		t.Errorf("the county's gateway sends text without templates: %v", err)
	}
	off := &MsgSettings{Provider: ProviderHTTP, Endpoint: "https://sms.example.gov.cn/send"}
	if off.MsgSkipReason(ChannelSMS, MsgReceived) == "" {
		t.Error("disabled settings would send")
	}
	for _, bad := range []*MsgSettings{
		{Provider: "yunpian"},
		{Provider: ProviderHTTP},
		{Provider: ProviderHTTP, Endpoint: "ftp://x"},
		{Enabled: true},
		{Enabled: true, Provider: ProviderHTTP, Endpoint: "https://sms.example.gov.cn/send"},
		{Provider: ProviderHTTP, Endpoint: "https://sms.example.gov.cn/send", PublicURL: "sl.example.gov.cn"},
		{Provider: ProviderAliyun, SMS: map[string]string{"nope": "SMS_1"}},
		{Provider: ProviderAliyun, SMS: map[string]string{MsgClosed: "SMS 1<"}},
	} {
		if err := bad.Validate(); ErrorCode(err) != EUNPROCESSABLE {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
