package sanlian

import (
	"strings"
	"testing"
	"time"
)

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693****aa",
		"https://user:pass@example.com/hook":  "https://example.com/hook",
		"https://example.com/hook?t=abc":      "https://example.com/hook?t=****",
		"http://127.0.0.1:9/robot/send":       "http://127.0.0.1:9/robot/send",
		"https://oapi.dingtalk.com/robot/%zz": "",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskSecret("SECabcdef0123456789"); got != "SEC****89" {
		t.Errorf("MaskSecret: %q", got)
	}
}

func TestWebhookInput_Validate(t *testing.T) {
	ok := WebhookInput{Name: " 县办群 ", Kind: WebhookJSON, URL: "https://example.com/hook", Events: []string{EventProblemAssigned, EventProblemAssigned, " "}}
	if err := ok.Validate(false); err != nil || ok.Name != "县办群" || len(ok.Events) != 1 {
		t.Fatalf("valid input: %v %+v", err, ok)
	}
	for _, c := range []struct {
		in     WebhookInput
		update bool
		field  string
	}{
		{WebhookInput{Name: "x", Kind: WebhookJSON, URL: "ftp://example.com/", Events: WebhookEvents}, false, "url"},
		{WebhookInput{Name: "x", Kind: WebhookJSON, URL: "example.com/hook", Events: WebhookEvents}, false, "url"},
		{WebhookInput{Name: "x", Kind: WebhookJSON, URL: "", Events: WebhookEvents}, false, "url"},
		{WebhookInput{Name: "x", Kind: "feishu", URL: "https://example.com/", Events: WebhookEvents}, false, "kind"},
		{WebhookInput{Name: "x", Kind: WebhookJSON, URL: "https://example.com/", Events: []string{"problem_lost"}}, false, "events"},
		{WebhookInput{Name: "x", Kind: WebhookJSON, URL: "https://example.com/"}, false, "events"},
		{WebhookInput{Name: strings.Repeat("名", 61), Kind: WebhookJSON, URL: "https://example.com/", Events: WebhookEvents}, false, "name"},
		{WebhookInput{Name: "x", Kind: WebhookJSON, Secret: strings.Repeat("s", 201), Events: WebhookEvents}, true, "secret"},
	} {
		err := c.in.Validate(c.update)
		if ErrorCode(err) != EUNPROCESSABLE || ErrorFields(err)[c.field] == "" {
			t.Errorf("%+v: %v %v, want a message on %s", c.in, err, ErrorFields(err), c.field)
		}
	}
	// An update without a URL keeps the stored one.
	up := WebhookInput{Name: "x", Kind: WebhookWeCom, Events: WebhookEvents}
	if err := up.Validate(true); err != nil {
		t.Fatalf("update without URL: %v", err)
	}
}

func TestRetryDelay(t *testing.T) {
	want := []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 6 * time.Hour, 6 * time.Hour}
	var total time.Duration
	for i, w := range want {
		if got := RetryDelay(i + 1); got != w {
			t.Errorf("RetryDelay(%d) = %v, want %v", i+1, got, w)
		}
		total += w
	}
	if total > 24*time.Hour {
		t.Errorf("the retries of one delivery span %v", total)
	}
}
