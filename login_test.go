package sanlian

import "testing"

func TestBrowserLabel(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36":       "Chrome（无界面） · Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36":         "Chrome · Windows",
		"Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 Chrome/107.0 Mobile Safari/537.36 MicroMessenger/8.0":     "微信 · Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1": "Safari · iOS",
		"curl/8.5.0": "curl/8.5.0",
		"":           "未知",
	} {
		if got := BrowserLabel(ua); got != want {
			t.Errorf("BrowserLabel(%q) = %q, want %q", ua, got, want)
		}
	}
}
