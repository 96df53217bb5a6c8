package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"sanlian/wechat"
	"sanlian/wechat/wechattest"
)

const (
	appID  = "wx5d1f0e3a9c8b7a61"
	secret = "wechat-app-secret-value"
	openID = "oABCD1234efgh5678ijkl"
)

func client(f *wechattest.Server, sec string) *wechat.Client {
	return &wechat.Client{Base: f.URL, AppID: appID, Secret: sec, HTTP: &http.Client{Timeout: 300 * time.Millisecond}}
}

var data = map[string]string{"number": "安化-2021-000007", "status": "已受理", "unit": "县民政局"}

// wantErr wants a *wechat.Error with errcode (when not 0) whose text
// carries no secret and no token.
func wantErr(t *testing.T, err error, errcode int) *wechat.Error {
	t.Helper()
	var e *wechat.Error
	if !errors.As(err, &e) {
		t.Fatalf("err %v, want *wechat.Error", err)
	}
	if errcode != 0 && e.ErrCode != errcode {
		t.Fatalf("errcode %d, want %d (%v)", e.ErrCode, errcode, err)
	}
	if s := err.Error(); strings.Contains(s, secret) || strings.Contains(s, "ACCESS_TOKEN") || !strings.Contains(s, "微信服务号") {
		t.Fatalf("error text %q", s)
	}
	return e
}

func TestClient_SendTemplate(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		c := client(f, secret)
		id, err := c.SendTemplate(ctx, openID, "tmpl-accepted", "https://county.example/p/7", data)
		if err != nil || id != "200228333" {
			t.Fatalf("msgid %q err %v", id, err)
		}
		if _, err := c.SendTemplate(ctx, openID, "tmpl-accepted", "", data); err != nil {
			t.Fatal(err)
		}
		want := wechattest.Message{ToUser: openID, TemplateID: "tmpl-accepted", URL: "https://county.example/p/7", Data: data}
		if got := f.Messages(); len(got) != 2 || !reflect.DeepEqual(got[0], want) || got[1].URL != "" {
			t.Fatalf("messages %+v", got)
		}
		if n := f.TokensIssued(); n != 1 {
			t.Fatalf("%d tokens fetched, want the cached one reused", n)
		}
	})
	t.Run("OKConcurrent", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		c := client(f, secret)
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := c.SendTemplate(ctx, openID, "t", "", data)
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if n, m := f.TokensIssued(), len(f.Messages()); n != 1 || m != 8 {
			t.Fatalf("tokens %d messages %d", n, m)
		}
	})
	t.Run("RefreshBeforeExpiry", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		f.SetTokenTTL(300) // within the five-minute margin from the start
		c := client(f, secret)
		for range 2 {
			if _, err := c.SendTemplate(ctx, openID, "t", "", data); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.TokensIssued(); n != 2 {
			t.Fatalf("%d tokens fetched, want 2", n)
		}
	})
	t.Run("RefreshOnExpired", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		c := client(f, secret)
		if _, err := c.SendTemplate(ctx, openID, "t", "", data); err != nil {
			t.Fatal(err)
		}
		f.ExpireTokens() // 42001
		if _, err := c.SendTemplate(ctx, openID, "t", "", data); err != nil {
			t.Fatal(err)
		}
		if n, m := f.TokensIssued(), len(f.Messages()); n != 2 || m != 2 {
			t.Fatalf("tokens %d messages %d", n, m)
		}
	})
	t.Run("RefreshOnInvalid", func(t *testing.T) {
		f1, f2 := wechattest.New(t, appID, secret), wechattest.New(t, appID, secret)
		c := client(f1, secret)
		if _, err := c.SendTemplate(ctx, openID, "t", "", data); err != nil {
			t.Fatal(err)
		}
		c.Base = f2.URL // f2 never issued the cached token: 40001
		if _, err := c.SendTemplate(ctx, openID, "t", "", data); err != nil {
			t.Fatal(err)
		}
		if f2.TokensIssued() != 1 || len(f2.Messages()) != 1 {
			t.Fatalf("f2 tokens %d messages %d", f2.TokensIssued(), len(f2.Messages()))
		}
	})
	t.Run("ErrRetriesOnce", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		f.FailTemplates(40001, "invalid credential")
		_, err := client(f, secret).SendTemplate(ctx, openID, "t", "", data)
		wantErr(t, err, 40001)
		if n := f.TokensIssued(); n != 2 {
			t.Fatalf("%d tokens fetched, want one retry", n)
		}
	})
	t.Run("ErrCode", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		f.FailTemplates(43004, "require subscribe")
		_, err := client(f, secret).SendTemplate(ctx, openID, "t", "", data)
		wantErr(t, err, 43004)
		if len(f.Messages()) != 0 || f.TokensIssued() != 1 {
			t.Fatal("a refused message was recorded or the token refetched")
		}
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		_, err := client(f, "wrong-"+secret).SendTemplate(ctx, openID, "t", "", data)
		if e := wantErr(t, err, 40125); e.Op != "token" {
			t.Fatalf("op %q", e.Op)
		}
	})
	t.Run("ErrWrongAppID", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		c := client(f, secret)
		c.AppID = "wx0000000000000000"
		_, err := c.SendTemplate(ctx, openID, "t", "", data)
		wantErr(t, err, 40013)
	})
	t.Run("Err500", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		f.SetMode(wechattest.Fail500)
		_, err := client(f, secret).SendTemplate(ctx, openID, "t", "", data)
		if e := wantErr(t, err, 0); e.Status != 500 {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		c := client(f, secret)
		if _, err := c.SendTemplate(ctx, openID, "t", "", data); err != nil {
			t.Fatal(err)
		}
		f.SetMode(wechattest.Hang)
		_, err := c.SendTemplate(ctx, openID, "t", "", data)
		if e := wantErr(t, err, 0); !strings.Contains(e.Message, "超时") {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrConnection", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		c := &wechat.Client{Base: srv.URL, AppID: appID, Secret: secret}
		_, err := c.SendTemplate(ctx, openID, "t", "", data)
		if e := wantErr(t, err, 0); !strings.Contains(e.Message, "连接失败") {
			t.Fatalf("error %+v", e)
		}
	})
	t.Run("ErrMissing", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		c := client(f, secret)
		for _, args := range [][2]string{{"", "t"}, {openID, " "}} {
			_, err := c.SendTemplate(ctx, args[0], args[1], "", data)
			wantErr(t, err, 0)
		}
		_, err := (&wechat.Client{Base: f.URL}).SendTemplate(ctx, openID, "t", "", data)
		if e := wantErr(t, err, 0); !strings.Contains(e.Message, "wechat_app_id") {
			t.Fatalf("error %+v", e)
		}
		if f.TokensIssued() != 0 {
			t.Fatal("called WeChat for a message it cannot take")
		}
	})
}

func TestClient_OAuth(t *testing.T) {
	ctx := context.Background()
	t.Run("URL", func(t *testing.T) {
		c := &wechat.Client{AppID: appID}
		got := c.OAuthURL("https://county.example/wx/callback?next=/my problems", "s t&a")
		want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=" + appID +
			"&redirect_uri=https%3A%2F%2Fcounty.example%2Fwx%2Fcallback%3Fnext%3D%2Fmy+problems" +
			"&response_type=code&scope=snsapi_base&state=s+t%26a#wechat_redirect"
		if got != want {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
	t.Run("OK", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		f.AddCode("CODE061", openID)
		got, err := client(f, secret).ExchangeCode(ctx, "CODE061")
		if err != nil || got != openID {
			t.Fatalf("openid %q err %v", got, err)
		}
	})
	t.Run("ErrCodeUsed", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		f.AddCode("CODE061", openID)
		c := client(f, secret)
		if _, err := c.ExchangeCode(ctx, "CODE061"); err != nil {
			t.Fatal(err)
		}
		_, err := c.ExchangeCode(ctx, "CODE061")
		if e := wantErr(t, err, 40163); strings.Contains(e.Error(), "CODE061") {
			t.Fatalf("error shows the code: %v", e)
		}
	})
	t.Run("ErrUnknownCode", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		_, err := client(f, secret).ExchangeCode(ctx, "forged")
		wantErr(t, err, 40029)
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		f.AddCode("CODE061", openID)
		_, err := client(f, "wrong-"+secret).ExchangeCode(ctx, "CODE061")
		wantErr(t, err, 40125)
	})
	t.Run("ErrEmptyCode", func(t *testing.T) {
		f := wechattest.New(t, appID, secret)
		_, err := client(f, secret).ExchangeCode(ctx, "")
		wantErr(t, err, 0)
	})
}
