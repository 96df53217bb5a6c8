package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// aliyun sends through Aliyun SMS (dysmsapi, SendSms, 2017-05-25), signed
// with the RPC signature version 1.0 (HMAC-SHA1) and posted as a form.
type aliyun struct{ base }

// Aliyun's fixed request parameters.
const (
	AliyunVersion = "2017-05-25"
	aliyunRegion  = "cn-hangzhou"
)

// aliyunPermanent are the answers that sending the same message again
// cannot change.
var aliyunPermanent = map[string]bool{
	"isv.MOBILE_NUMBER_ILLEGAL":   true,
	"isv.BLACK_KEY_CONTROL_LIMIT": true,
	"isv.PARAM_LENGTH_LIMIT":      true,
}

func (p *aliyun) Send(ctx context.Context, m *Message) (Result, error) {
	if err := p.check(m); err != nil {
		return Result{}, err
	}
	params := url.Values{}
	params.Set("AccessKeyId", p.keys.AccessKeyID)
	params.Set("Action", "SendSms")
	params.Set("Format", "JSON")
	params.Set("RegionId", aliyunRegion)
	params.Set("SignatureMethod", "HMAC-SHA1")
	params.Set("SignatureNonce", nonce())
	params.Set("SignatureVersion", "1.0")
	params.Set("Timestamp", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
	params.Set("Version", AliyunVersion)
	params.Set("PhoneNumbers", m.To)
	params.Set("SignName", p.keys.SignName)
	params.Set("TemplateCode", m.TemplateID)
	if len(m.Params) > 0 {
		params.Set("TemplateParam", TemplateParamJSON(m.Params))
	}
	if m.ID != 0 {
		params.Set("OutId", strconv.FormatInt(m.ID, 10))
	}
	params.Set("Signature", AliyunSignature(http.MethodPost, params, p.keys.AccessKeySecret))
	req, err := p.post(ctx, "application/x-www-form-urlencoded", []byte(AliyunQuery(params)))
	if err != nil {
		return Result{}, err
	}
	status, body, err := p.do(req)
	if err != nil {
		return Result{}, err
	}
	var ans struct {
		Code      string
		Message   string
		BizID     string `json:"BizId"`
		RequestID string `json:"RequestId"`
	}
	if jerr := json.Unmarshal(body, &ans); jerr != nil || ans.Code == "" {
		if status >= 500 {
			return Result{}, p.fail(status, "", "服务商返回 HTTP %d", status)
		}
		return Result{}, p.fail(status, "", "服务商的应答不是短信接口的 JSON 格式（HTTP %d）", status)
	}
	if ans.Code != "OK" || status < 200 || status > 299 {
		e := p.fail(status, ans.Code, "服务商拒绝：%s", ans.Message)
		e.Permanent = aliyunPermanent[ans.Code]
		return Result{}, e
	}
	return Result{ProviderID: ans.BizID, Status: status, Code: ans.Code}, nil
}

// TemplateParamJSON is Aliyun's TemplateParam: a JSON object of the
// parameters, in their order.
func TemplateParamJSON(ps []Param) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Name)
		v, _ := json.Marshal(p.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// AliyunEncode is Aliyun's percent-encoding (RFC 3986): every byte but
// A-Z a-z 0-9 - _ . ~ as %XX, so a space is %20 and * is %2A.
func AliyunEncode(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(e)
}

// AliyunQuery is the canonicalized query string: the parameters sorted by
// name, each name and value encoded with AliyunEncode, joined by &. A
// Signature parameter is not sorted in but added last, so the same string
// serves as the form body of a signed request.
func AliyunQuery(params url.Values) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		for _, v := range params[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(AliyunEncode(k))
			b.WriteByte('=')
			b.WriteString(AliyunEncode(v))
		}
	}
	if sig, ok := params["Signature"]; ok && len(sig) > 0 {
		b.WriteString("&Signature=" + AliyunEncode(sig[0]))
	}
	return b.String()
}

// AliyunSignature is the RPC signature version 1.0 of a request: base64 of
// HMAC-SHA1 under accessKeySecret + "&" of
// method + "&%2F&" + AliyunEncode(canonicalized query without Signature).
func AliyunSignature(method string, params url.Values, accessKeySecret string) string {
	p := url.Values{}
	for k, v := range params {
		if k != "Signature" {
			p[k] = v
		}
	}
	toSign := method + "&" + AliyunEncode("/") + "&" + AliyunEncode(AliyunQuery(p))
	m := hmac.New(sha1.New, []byte(accessKeySecret+"&"))
	m.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// nonce is a fresh random SignatureNonce.
func nonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
