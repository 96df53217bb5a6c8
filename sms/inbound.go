package sms

import (
	"bytes"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// Inbound is one reply a resident sent.
type Inbound struct {
	From string    // 11-digit mainland mobile; "+" and the country code first for any other
	Text string    // what the resident wrote
	At   time.Time // when the resident sent it (the operator's time when the provider gives one)
}

// ErrSignature is wrapped by every ParseInbound error about who sent the
// request: a missing or wrong signature or token, or a stale timestamp.
// A handler answers it with 401 and any other ParseInbound error with 400.
var ErrSignature = errors.New("短信回调未通过验证")

// MaxInboundBytes bounds a pushed request's body.
const MaxInboundBytes = 1 << 20

// InboundMaxSkew is how far a gateway's timestamp may be from now.
const InboundMaxSkew = 5 * time.Minute

// chinaTime is Beijing time, which Aliyun's send_time is written in.
var chinaTime = time.FixedZone("CST", 8*3600)

// GatewayInbound is one reply as a county's gateway posts it.
type GatewayInbound struct {
	From string `json:"from"`
	Text string `json:"text"`
	At   string `json:"at,omitempty"` // RFC 3339; empty means now
}

// AliyunInbound is one reply in Aliyun's SmsUp HTTP batch push.
type AliyunInbound struct {
	PhoneNumber string          `json:"phone_number"`
	SendTime    string          `json:"send_time"` // 2006-01-02 15:04:05, Beijing time
	Content     string          `json:"content"`
	SignName    string          `json:"sign_name"`
	DestCode    string          `json:"dest_code"`
	SequenceID  json.RawMessage `json:"sequence_id"` // a number, or a string in newer pushes
}

// TencentInbound is one reply in Tencent's SMS reply callback.
type TencentInbound struct {
	Mobile     string `json:"mobile"`
	NationCode string `json:"nationcode"`
	Text       string `json:"text"`
	Sign       string `json:"sign"`
	Time       int64  `json:"time"` // Unix seconds
	Extend     string `json:"extend"`
}

// ParseInbound reads the replies a provider of kind pushed in r. The
// county's gateway signs its posts as Send does (checked, and the timestamp
// must be within InboundMaxSkew); Aliyun and Tencent do not sign theirs, so
// when keys.InboundToken is set the request must carry it as the token
// query parameter. Errors are Chinese; those about the sender wrap
// ErrSignature. Unknown fields are ignored.
func ParseInbound(kind string, r *http.Request, keys Keys) ([]Inbound, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("短信回调应使用 POST，收到 %s", r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxInboundBytes+1))
	if err != nil {
		return nil, fmt.Errorf("读取短信回调失败：%v", err)
	}
	if len(body) > MaxInboundBytes {
		return nil, fmt.Errorf("短信回调超过 %d 字节", MaxInboundBytes)
	}
	switch kind {
	case KindHTTP:
		if keys.Secret == "" {
			return nil, errors.New("未配置短信网关的 secret，无法验证回调")
		}
		if err := checkGatewaySignature(r, body, keys.Secret, time.Now()); err != nil {
			return nil, err
		}
		return parseGateway(body)
	case KindAliyun, KindTencent:
		if keys.InboundToken != "" {
			got := r.URL.Query().Get("token")
			if subtle.ConstantTimeCompare([]byte(got), []byte(keys.InboundToken)) != 1 {
				return nil, fmt.Errorf("%w：回调地址的 token 不对", ErrSignature)
			}
		}
		if kind == KindAliyun {
			return parseAliyun(body)
		}
		return parseTencent(body)
	}
	return nil, fmt.Errorf("未知的短信服务商 %q", kind)
}

func checkGatewaySignature(r *http.Request, body []byte, secret string, now time.Time) error {
	ts, sig := r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return fmt.Errorf("%w：缺少 %s 或 %s", ErrSignature, HeaderTimestamp, HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w：%s 不是 Unix 秒数", ErrSignature, HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > InboundMaxSkew || d < -InboundMaxSkew {
		return fmt.Errorf("%w：时间戳与本机时间相差超过 5 分钟", ErrSignature)
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("%w：签名不对", ErrSignature)
	}
	return nil
}

// items decodes a JSON object or an array of them.
func items[T any](body []byte) ([]T, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, errors.New("短信回调内容为空")
	}
	var out []T
	if b[0] == '[' {
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("短信回调不是有效的 JSON：%s", jsonProblem(err))
		}
		return out, nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return nil, fmt.Errorf("短信回调不是有效的 JSON：%s", jsonProblem(err))
	}
	return []T{one}, nil
}

// jsonProblem says what is wrong with a body without repeating any of it.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("第 %d 字节处语法错误", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("字段 %s 的类型不对", te.Field)
	}
	return "格式不对"
}

func parseGateway(body []byte) ([]Inbound, error) {
	list, err := items[GatewayInbound](body)
	if err != nil {
		return nil, err
	}
	out := make([]Inbound, 0, len(list))
	now := time.Now()
	for i, it := range list {
		from, err := inboundFrom(i, it.From, "")
		if err != nil {
			return nil, err
		}
		at := now
		if it.At != "" {
			at, err = time.Parse(time.RFC3339, it.At)
			if err != nil {
				return nil, fmt.Errorf("第 %d 条回复的 at 不是 RFC 3339 时间", i+1)
			}
		}
		out = append(out, Inbound{From: from, Text: it.Text, At: at})
	}
	return out, nil
}

func parseAliyun(body []byte) ([]Inbound, error) {
	list, err := items[AliyunInbound](body)
	if err != nil {
		return nil, err
	}
	out := make([]Inbound, 0, len(list))
	for i, it := range list {
		from, err := inboundFrom(i, it.PhoneNumber, "")
		if err != nil {
			return nil, err
		}
		at, err := aliyunTime(it.SendTime)
		if err != nil {
			return nil, fmt.Errorf("第 %d 条回复的 send_time 无法识别", i+1)
		}
		out = append(out, Inbound{From: from, Text: it.Content, At: at})
	}
	return out, nil
}

// aliyunTime reads a send_time: "2006-01-02 15:04:05" (or the older
// "20060102150405"), Beijing time.
func aliyunTime(s string) (time.Time, error) {
	for _, layout := range []string{time.DateTime, "20060102150405"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), chinaTime); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad send_time")
}

func parseTencent(body []byte) ([]Inbound, error) {
	list, err := items[TencentInbound](body)
	if err != nil {
		return nil, err
	}
	out := make([]Inbound, 0, len(list))
	for i, it := range list {
		from, err := inboundFrom(i, it.Mobile, it.NationCode)
		if err != nil {
			return nil, err
		}
		if it.Time <= 0 {
			return nil, fmt.Errorf("第 %d 条回复缺少 time", i+1)
		}
		out = append(out, Inbound{From: from, Text: it.Text, At: time.Unix(it.Time, 0)})
	}
	return out, nil
}

// inboundFrom normalises a sender's number: a mainland mobile as its 11
// digits, any other as "+" country code and number.
func inboundFrom(i int, number, nation string) (string, error) {
	n := strings.TrimSpace(number)
	nation = strings.TrimPrefix(strings.TrimSpace(nation), "+")
	if n == "" {
		return "", fmt.Errorf("第 %d 条回复缺少手机号", i+1)
	}
	if nation != "" && nation != "86" {
		return "+" + nation + strings.TrimPrefix(n, "+"+nation), nil
	}
	m := sanlian.NormalizeMobile(n)
	if m == "" {
		return "", fmt.Errorf("第 %d 条回复的手机号 %s 无法识别", i+1, sanlian.MaskPhone(n))
	}
	return m, nil
}

// InboundAck is the body a provider of kind expects in the 200 answer to a
// push it delivered.
func InboundAck(kind string) []byte {
	switch kind {
	case KindAliyun:
		return []byte(`{"code":0,"msg":"接收成功"}`)
	case KindTencent:
		return []byte(`{"result":0,"errmsg":"OK"}`)
	}
	return []byte(`{"ok":true}`)
}
