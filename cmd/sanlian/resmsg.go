package main

import (
	"errors"
	"flag"
	"slices"
	"strings"

	"sanlian"
	"sanlian/notify"
	"sanlian/sms"
	"sanlian/wechat"
)

// MessagesConfig is how the server sends messages to residents: the
// flags that override the office's stored provider, endpoint and public
// address, the key file of the providers' secrets, and the WeChat API's
// base (for a proxy or a test double).
type MessagesConfig struct {
	Provider   string // --sms-provider
	Endpoint   string // --sms-endpoint
	PublicURL  string // --public-url
	KeyFile    string // --sms-key-file
	WechatBase string // --wechat-base
}

// messageFlags declares the flags of messages to residents on fs.
func messageFlags(fs *flag.FlagSet) *MessagesConfig {
	c := &MessagesConfig{}
	fs.StringVar(&c.Provider, "sms-provider", "", "SMS provider of messages to residents: aliyun, tencent or http (overrides the office's setting)")
	fs.StringVar(&c.Endpoint, "sms-endpoint", "", "the SMS provider's endpoint (overrides the office's setting; required for http unless set there)")
	fs.StringVar(&c.KeyFile, "sms-key-file", "", "key file of the SMS providers' secrets and the WeChat service account's keys (key = value lines)")
	fs.StringVar(&c.PublicURL, "public-url", "", "the site's address as residents reach it, which links in messages start with (overrides the office's setting)")
	fs.StringVar(&c.WechatBase, "wechat-base", "", "base URL of the WeChat API (default "+wechat.DefaultBase+")")
	return c
}

// messaging is what the server sends messages with.
type messaging struct {
	keys      sms.Keys
	wechat    notify.WechatSender // nil without the WeChat keys
	oauth     *wechat.Client      // the WeChat entry's OAuth; nil without the keys
	overrides sanlian.MsgOverrides
}

// load checks the flags and reads the key file.
func (c MessagesConfig) load() (*messaging, error) {
	m := &messaging{overrides: sanlian.MsgOverrides{Provider: strings.TrimSpace(c.Provider), Endpoint: strings.TrimSpace(c.Endpoint),
		PublicURL: strings.TrimSpace(c.PublicURL), MaxRunes: sms.DefaultMaxRunes}}
	if p := m.overrides.Provider; p != "" && !slices.Contains(sanlian.SMSProviders, p) {
		return nil, errors.New("--sms-provider 只能是 aliyun、tencent 或 http")
	}
	check := sanlian.MsgSettings{Endpoint: m.overrides.Endpoint, PublicURL: m.overrides.PublicURL}
	if f := sanlian.ErrorFields(check.Validate()); f != nil {
		for _, k := range []string{"endpoint", "public_url"} {
			if msg := f[k]; msg != "" {
				return nil, errors.New("--" + map[string]string{"endpoint": "sms-endpoint", "public_url": "public-url"}[k] + "：" + msg)
			}
		}
	}
	if c.KeyFile != "" {
		k, err := sms.LoadKeys(c.KeyFile)
		if err != nil {
			return nil, err
		}
		m.keys = k
		if k.MaxRunes > 0 {
			m.overrides.MaxRunes = k.MaxRunes
		}
		if k.RequireWeChat() == nil {
			w := &wechat.Client{Base: c.WechatBase, AppID: k.WeChatAppID, Secret: k.WeChatAppSecret}
			m.wechat, m.oauth = w, w
		}
	}
	return m, nil
}
