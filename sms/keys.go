package sms

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// Keys are the secrets and names the providers need, read from the key
// file (--sms-key-file). Each provider uses its own; the WeChat service
// account's two keys ride in the same file.
type Keys struct {
	// Aliyun SMS.
	AccessKeyID     string // access_key_id
	AccessKeySecret string // access_key_secret
	// Tencent Cloud SMS.
	SecretID  string // secret_id
	SecretKey string // secret_key
	SDKAppID  string // sdk_app_id
	Region    string // region; empty means ap-guangzhou
	// SignName is the approved SMS signature (sign_name), both clouds.
	SignName string
	// Secret signs requests to and from the county's own gateway (secret).
	Secret string
	// MaxRunes is the gateway's longest text (max_runes); 0 means 500.
	MaxRunes int
	// InboundToken (inbound_token), when set, must be the token query
	// parameter of every reply the clouds push, which they do not sign.
	InboundToken string
	// WeChat service account (wechat_app_id, wechat_app_secret).
	WeChatAppID     string
	WeChatAppSecret string
}

// DefaultTencentRegion is the region Tencent SMS is called in when the key
// file names none.
const DefaultTencentRegion = "ap-guangzhou"

// keyFields maps each key file name to its field: one list for the parser,
// Require and the docs' table.
var keyFields = []struct {
	name  string
	field func(*Keys) *string
}{
	{"access_key_id", func(k *Keys) *string { return &k.AccessKeyID }},
	{"access_key_secret", func(k *Keys) *string { return &k.AccessKeySecret }},
	{"secret_id", func(k *Keys) *string { return &k.SecretID }},
	{"secret_key", func(k *Keys) *string { return &k.SecretKey }},
	{"sdk_app_id", func(k *Keys) *string { return &k.SDKAppID }},
	{"region", func(k *Keys) *string { return &k.Region }},
	{"sign_name", func(k *Keys) *string { return &k.SignName }},
	{"secret", func(k *Keys) *string { return &k.Secret }},
	{"inbound_token", func(k *Keys) *string { return &k.InboundToken }},
	{"wechat_app_id", func(k *Keys) *string { return &k.WeChatAppID }},
	{"wechat_app_secret", func(k *Keys) *string { return &k.WeChatAppSecret }},
}

// required lists the keys each provider kind cannot do without.
var required = map[string][]string{
	KindAliyun:  {"access_key_id", "access_key_secret", "sign_name"},
	KindTencent: {"secret_id", "secret_key", "sdk_app_id", "sign_name"},
	KindHTTP:    {"secret"},
}

// LoadKeys reads a key file: one "key = value" a line, blank lines and
// lines starting with # ignored, a value optionally in double quotes. It
// fails with a Chinese message naming the line for a missing or unreadable
// file, a line without "=", an unknown or repeated key, or an empty value.
func LoadKeys(path string) (Keys, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Keys{}, fmt.Errorf("找不到短信密钥文件 %s", path)
	} else if err != nil {
		return Keys{}, fmt.Errorf("无法读取短信密钥文件 %s：%v", path, errors.Unwrap(err))
	}
	defer f.Close()
	k, err := ParseKeys(f)
	if err != nil {
		return Keys{}, fmt.Errorf("短信密钥文件 %s %w", path, err)
	}
	return k, nil
}

// ParseKeys reads the key file format from r (see LoadKeys).
func ParseKeys(r io.Reader) (Keys, error) {
	var k Keys
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return Keys{}, fmt.Errorf("第 %d 行格式不对，应为“键 = 值”", n)
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if name == "" {
			return Keys{}, fmt.Errorf("第 %d 行缺少键名", n)
		}
		if seen[name] {
			return Keys{}, fmt.Errorf("第 %d 行：%s 重复出现", n, name)
		}
		seen[name] = true
		if value == "" {
			return Keys{}, fmt.Errorf("第 %d 行：%s 的值为空", n, name)
		}
		if name == "max_runes" {
			v, err := strconv.Atoi(value)
			if err != nil || v < 70 || v > 1000 {
				return Keys{}, fmt.Errorf("第 %d 行：max_runes 应为 70 到 1000 之间的整数", n)
			}
			k.MaxRunes = v
			continue
		}
		p := k.field(name)
		if p == nil {
			return Keys{}, fmt.Errorf("第 %d 行：不认识的键 %q", n, name)
		}
		*p = value
	}
	if err := sc.Err(); err != nil {
		return Keys{}, fmt.Errorf("读取失败：%v", err)
	}
	return k, nil
}

func (k *Keys) field(name string) *string {
	for _, f := range keyFields {
		if f.name == name {
			return f.field(k)
		}
	}
	return nil
}

// Require reports, in Chinese, the keys provider kind needs that k lacks,
// or an unknown kind.
func (k Keys) Require(kind string) error {
	names, ok := required[kind]
	if !ok {
		return fmt.Errorf("未知的短信服务商 %q，应为 aliyun、tencent 或 http", kind)
	}
	var missing []string
	for _, name := range names {
		if *k.field(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("短信密钥文件缺少%s需要的键：%s", providerLabel(kind), strings.Join(missing, "、"))
	}
	return nil
}

// RequireWeChat reports, in Chinese, a missing WeChat service account key.
func (k Keys) RequireWeChat() error {
	var missing []string
	if k.WeChatAppID == "" {
		missing = append(missing, "wechat_app_id")
	}
	if k.WeChatAppSecret == "" {
		missing = append(missing, "wechat_app_secret")
	}
	if len(missing) > 0 {
		return fmt.Errorf("短信密钥文件缺少微信服务号需要的键：%s", strings.Join(missing, "、"))
	}
	return nil
}
