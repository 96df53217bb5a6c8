package sms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// tencent sends through Tencent Cloud SMS (SendSms, 2021-01-11), signed
// with TC3-HMAC-SHA256.
type tencent struct{ base }

// Tencent's fixed request values.
const (
	TencentVersion     = "2021-01-11"
	TencentContentType = "application/json; charset=utf-8"
	tencentService     = "sms"
)

// tencentPermanent are the status codes that sending the same message
// again cannot change.
var tencentPermanent = map[string]bool{
	"InvalidParameterValue.IncorrectPhoneNumber": true,
	"InvalidParameterValue.ContentLengthLimit":   true,
	"FailedOperation.PhoneNumberInBlacklist":     true,
	"FailedOperation.ContainSensitiveWord":       true,
}

// TencentRequest is the body of a SendSms call.
type TencentRequest struct {
	PhoneNumberSet   []string
	SmsSdkAppID      string `json:"SmsSdkAppId"`
	SignName         string
	TemplateID       string `json:"TemplateId"`
	TemplateParamSet []string
	SessionContext   string `json:",omitempty"`
}

func (p *tencent) Send(ctx context.Context, m *Message) (Result, error) {
	if err := p.check(m); err != nil {
		return Result{}, err
	}
	body := TencentRequest{
		PhoneNumberSet:   []string{"+86" + m.To},
		SmsSdkAppID:      p.keys.SDKAppID,
		SignName:         p.keys.SignName,
		TemplateID:       m.TemplateID,
		TemplateParamSet: make([]string, len(m.Params)),
	}
	for i, prm := range m.Params {
		body.TemplateParamSet[i] = prm.Value
	}
	if m.ID != 0 {
		body.SessionContext = strconv.FormatInt(m.ID, 10)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return Result{}, p.fail(0, "", "无法生成请求")
	}
	req, err := p.post(ctx, TencentContentType, payload)
	if err != nil {
		return Result{}, err
	}
	region := p.keys.Region
	if region == "" {
		region = DefaultTencentRegion
	}
	ts := time.Now().Unix()
	req.Header.Set("X-TC-Action", "SendSms")
	req.Header.Set("X-TC-Version", TencentVersion)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-TC-Region", region)
	req.Header.Set("Authorization", TencentAuthorization(p.keys.SecretID, p.keys.SecretKey, tencentService, req.URL.Host, ts, payload))
	status, ans, err := p.do(req)
	if err != nil {
		return Result{}, err
	}
	var r struct {
		Response *struct {
			Error *struct {
				Code    string
				Message string
			}
			SendStatusSet []struct {
				SerialNo string
				Code     string
				Message  string
			}
			RequestID string `json:"RequestId"`
		}
	}
	if jerr := json.Unmarshal(ans, &r); jerr != nil || r.Response == nil {
		if status >= 500 {
			return Result{}, p.fail(status, "", "服务商返回 HTTP %d", status)
		}
		return Result{}, p.fail(status, "", "服务商的应答不是短信接口的 JSON 格式（HTTP %d）", status)
	}
	if e := r.Response.Error; e != nil {
		return Result{}, p.fail(status, e.Code, "服务商拒绝：%s", e.Message)
	}
	if status < 200 || status > 299 {
		return Result{}, p.fail(status, "", "服务商返回 HTTP %d", status)
	}
	if len(r.Response.SendStatusSet) == 0 {
		return Result{}, p.fail(status, "", "服务商的应答没有发送状态")
	}
	for _, s := range r.Response.SendStatusSet {
		if s.Code != "Ok" {
			e := p.fail(status, s.Code, "服务商未发送：%s", s.Message)
			e.Permanent = tencentPermanent[s.Code]
			return Result{}, e
		}
	}
	s := r.Response.SendStatusSet[0]
	return Result{ProviderID: s.SerialNo, Status: status, Code: s.Code}, nil
}

// TencentAuthorization is the Authorization header of a TC3-HMAC-SHA256
// signed POST of payload (JSON, TencentContentType) to host at timestamp
// (Unix seconds), signing the content-type and host headers:
//
//	CanonicalRequest = "POST\n/\n\ncontent-type:…\nhost:…\n\ncontent-type;host\n" + hex(SHA256(payload))
//	StringToSign     = "TC3-HMAC-SHA256\n" + timestamp + "\n" + date + "/" + service + "/tc3_request\n" + hex(SHA256(CanonicalRequest))
//	key              = HMAC(HMAC(HMAC("TC3" + secretKey, date), service), "tc3_request")
//	Signature        = hex(HMAC(key, StringToSign))
//
// where date is the UTC day of timestamp (2006-01-02).
func TencentAuthorization(secretID, secretKey, service, host string, timestamp int64, payload []byte) string {
	date := time.Unix(timestamp, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	canonical := "POST\n/\n\ncontent-type:" + TencentContentType + "\nhost:" + host + "\n\ncontent-type;host\n" + sha256Hex(payload)
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(timestamp, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "tc3_request")
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	return "TC3-HMAC-SHA256 Credential=" + secretID + "/" + scope + ", SignedHeaders=content-type;host, Signature=" + sig
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}
