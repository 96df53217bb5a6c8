package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// gateway posts to a county's own SMS gateway: signed JSON, the scheme of
// the office's plain JSON webhooks.
type gateway struct{ base }

// GatewayMessage is the JSON body posted to a county's gateway.
type GatewayMessage struct {
	ID       int64   `json:"id"`
	To       string  `json:"to"`
	Text     string  `json:"text"`
	Event    string  `json:"event"`
	Template string  `json:"template,omitempty"`
	Params   []Param `json:"params"`
}

// Gateway headers.
const (
	HeaderTimestamp = "X-Sanlian-Timestamp"
	HeaderSignature = "X-Sanlian-Signature"
)

func (p *gateway) Send(ctx context.Context, m *Message) (Result, error) {
	if err := p.check(m); err != nil {
		return Result{}, err
	}
	params := m.Params
	if params == nil {
		params = []Param{}
	}
	body, err := json.Marshal(GatewayMessage{ID: m.ID, To: m.To, Text: m.Text, Event: m.Event, Template: m.TemplateID, Params: params})
	if err != nil {
		return Result{}, p.fail(0, "", "无法生成请求")
	}
	req, err := p.post(ctx, "application/json; charset=utf-8", body)
	if err != nil {
		return Result{}, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(p.keys.Secret, ts, body))
	req.Header.Set("X-Sanlian-Event", m.Event)
	status, ans, err := p.do(req)
	if err != nil {
		return Result{}, err
	}
	if status < 200 || status > 299 {
		code, msg := gatewayAnswer(ans)
		return Result{}, p.fail(status, code, "网关返回 HTTP %d%s", status, msg)
	}
	res := Result{Status: status}
	var r map[string]json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(ans), []byte("{")) {
		if err := json.Unmarshal(ans, &r); err != nil {
			return Result{}, p.fail(status, "", "网关的应答不是有效的 JSON")
		}
	}
	if raw, ok := r["ok"]; ok {
		var yes bool
		if json.Unmarshal(raw, &yes) != nil || !yes {
			code, msg := gatewayAnswer(ans)
			return Result{}, p.fail(status, code, "网关未接受%s", msg)
		}
		res.Code = "ok"
	}
	if raw, ok := r["code"]; ok {
		code := scalar(raw)
		if !okCode(code) {
			_, msg := gatewayAnswer(ans)
			return Result{}, p.fail(status, code, "网关未接受%s", msg)
		}
		res.Code = code
	}
	if raw, ok := r["id"]; ok {
		res.ProviderID = scalar(raw)
	}
	return res, nil
}

// okCode is a gateway's code meaning success: 0, "0", "OK" in any case.
func okCode(code string) bool {
	return code == "0" || strings.EqualFold(code, "ok")
}

// scalar renders a JSON string or number as text; anything else is "".
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// gatewayAnswer picks a gateway's code and message (message, msg or
// error) from a JSON answer, for an error text.
func gatewayAnswer(ans []byte) (code, msg string) {
	var r map[string]json.RawMessage
	if json.Unmarshal(ans, &r) != nil {
		return "", ""
	}
	code = scalar(r["code"])
	for _, k := range []string{"message", "msg", "error"} {
		if m := scalar(r[k]); m != "" {
			r := []rune(m)
			if len(r) > 200 {
				m = string(r[:200]) + "…"
			}
			return code, "：" + m
		}
	}
	return code, ""
}
