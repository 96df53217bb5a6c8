package sms_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sanlian/sms"
)

func writeKeys(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sms.keys")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadKeys(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		p := writeKeys(t, "\ufeff# 阿里云\naccess_key_id = LTAI5tExample\n  access_key_secret=\"s3cr=et\"  \n\nsign_name = 安化县人民政府\n"+
			"secret_id = AKIDx\nsecret_key = k\nsdk_app_id = 1400006666\nregion = ap-beijing\nsecret = gw\nmax_runes = 300\n"+
			"inbound_token = tok\nWECHAT_APP_ID = wx123\nwechat_app_secret = ws\n")
		k, err := sms.LoadKeys(p)
		if err != nil {
			t.Fatal(err)
		}
		want := sms.Keys{AccessKeyID: "LTAI5tExample", AccessKeySecret: "s3cr=et", SignName: "安化县人民政府", SecretID: "AKIDx",
			SecretKey: "k", SDKAppID: "1400006666", Region: "ap-beijing", Secret: "gw", MaxRunes: 300, InboundToken: "tok",
			WeChatAppID: "wx123", WeChatAppSecret: "ws"}
		if k != want {
			t.Fatalf("keys %+v", k)
		}
		for _, kind := range []string{"aliyun", "tencent", "http"} {
			if err := k.Require(kind); err != nil {
				t.Errorf("Require(%s): %v", kind, err)
			}
		}
		if err := k.RequireWeChat(); err != nil {
			t.Error(err)
		}
	})
	bad := []struct{ name, text, want string }{
		{"NoEquals", "access_key_id LTAI\n", "第 1 行格式不对"},
		{"UnknownKey", "# c\naccess_key = x\n", "第 2 行：不认识的键 \"access_key\""},
		{"Repeated", "secret = a\nsecret = b\n", "第 2 行：secret 重复出现"},
		{"EmptyValue", "secret =  \n", "第 1 行：secret 的值为空"},
		{"NoName", " = x\n", "第 1 行缺少键名"},
		{"MaxRunesNotNumber", "max_runes = many\n", "max_runes 应为 70 到 1000 之间的整数"},
		{"MaxRunesTooSmall", "max_runes = 10\n", "max_runes 应为 70 到 1000 之间的整数"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := sms.LoadKeys(writeKeys(t, c.text))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "短信密钥文件") {
				t.Fatalf("err %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "LTAI") {
				t.Fatalf("error repeats a value: %v", err)
			}
		})
	}
	t.Run("MissingFile", func(t *testing.T) {
		_, err := sms.LoadKeys(filepath.Join(t.TempDir(), "none.keys"))
		if err == nil || !strings.Contains(err.Error(), "找不到短信密钥文件") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("Directory", func(t *testing.T) {
		_, err := sms.LoadKeys(t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "短信密钥文件") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestKeys_Require(t *testing.T) {
	k := sms.Keys{AccessKeyID: "id", SecretID: "sid", SecretKey: "sk"}
	for kind, want := range map[string]string{
		"aliyun":  "缺少阿里云短信需要的键：access_key_secret、sign_name",
		"tencent": "缺少腾讯云短信需要的键：sdk_app_id、sign_name",
		"http":    "缺少短信网关需要的键：secret",
		"sms4":    "未知的短信服务商 \"sms4\"",
	} {
		err := k.Require(kind)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Require(%s) = %v, want %q", kind, err, want)
		}
		if _, err := sms.New(kind, "", k, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%s) = %v, want %q", kind, err, want)
		}
	}
	if err := (sms.Keys{WeChatAppID: "wx"}).RequireWeChat(); err == nil || !strings.Contains(err.Error(), "wechat_app_secret") {
		t.Errorf("RequireWeChat %v", err)
	}
}

func TestNew_Endpoint(t *testing.T) {
	k := sms.Keys{Secret: "s"}
	for _, ep := range []string{"", "ftp://gw.example/", "gw.example/send", "http://"} {
		if _, err := sms.New("http", ep, k, nil); err == nil {
			t.Errorf("New(http, %q) took it", ep)
		}
	}
	_, err := sms.New("http", "ftp://gw.example/send?token=abc", k, nil)
	if err == nil || strings.Contains(err.Error(), "abc") {
		t.Errorf("bad endpoint error %v", err)
	}
	p, err := sms.New("http", "https://gw.example/send", sms.Keys{Secret: "s", MaxRunes: 300}, nil)
	if err != nil || p.Name() != "http" || p.MaxRunes() != 300 {
		t.Fatalf("gateway %v %v", p, err)
	}
	p, err = sms.New("aliyun", "", sms.Keys{AccessKeyID: "a", AccessKeySecret: "b", SignName: "c", MaxRunes: 300}, nil)
	if err != nil || p.Name() != "aliyun" || p.MaxRunes() != sms.DefaultMaxRunes {
		t.Fatalf("aliyun %v %v", p, err)
	}
}
