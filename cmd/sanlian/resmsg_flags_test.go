package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun_MessageFlags: a bad --sms-provider, --public-url or
// --sms-endpoint, and a key file that is not there, stop serve before it
// serves, each with its reason in Chinese.
func TestRun_MessageFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sms-provider", "cmcc"}, "--sms-provider 只能是"},
		{[]string{"--public-url", "ftp://sl.example"}, "--public-url：网站地址无效"},
		{[]string{"--sms-endpoint", "sms.example"}, "--sms-endpoint：接口地址无效"},
		{[]string{"--sms-key-file", filepath.Join(t.TempDir(), "none.keys")}, "none.keys"},
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db")}, c.args...)
		err := run(context.Background(), args, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v", c.args, err)
		}
	}
}

// TestMessagesConfig_Wechat: the WeChat keys in the key file give the
// server both the template messages' sender and the submission page's
// OAuth, on the configured API base; without them, neither.
func TestMessagesConfig_Wechat(t *testing.T) {
	dir := t.TempDir()
	with := filepath.Join(dir, "with.keys")
	without := filepath.Join(dir, "without.keys")
	if err := os.WriteFile(with, []byte("secret = s3cret-gateway\nwechat_app_id = wx1234567890\nwechat_app_secret = app-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(without, []byte("secret = s3cret-gateway\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := MessagesConfig{KeyFile: with, WechatBase: "https://wx.example.gov.cn"}.load()
	if err != nil {
		t.Fatal(err)
	}
	if m.wechat == nil || m.oauth == nil {
		t.Fatalf("WeChat keys gave sender %v, OAuth %v", m.wechat, m.oauth)
	}
	if u := m.oauth.OAuthURL("https://sl.example.gov.cn/wechat/oauth", "st"); !strings.Contains(u, "appid=wx1234567890") {
		t.Errorf("OAuth URL %s", u)
	}
	m, err = MessagesConfig{KeyFile: without}.load()
	if err != nil || m.wechat != nil || m.oauth != nil {
		t.Fatalf("no WeChat keys: %v %v %v", m.wechat, m.oauth, err)
	}
}

// TestRun_CountyBoundsFlag: a county's box that is not four degrees in
// order stops serve before it serves, saying why in Chinese.
func TestRun_CountyBoundsFlag(t *testing.T) {
	for _, v := range []string{"27.9,110.7", "28.7,110.7,27.9,111.9", "北纬,110.7,28.7,111.9"} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"), "--county-bounds", v}, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error()+errOut.String(), "县域范围") {
			t.Errorf("--county-bounds %s: err = %v, stderr %q", v, err, errOut.String())
		}
	}
}
