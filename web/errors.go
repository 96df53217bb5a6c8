package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"sanlian"
)

// titleOf is the short Chinese title of each error class.
func titleOf(code string) string {
	switch code {
	case sanlian.EINVALID:
		return "请求格式错误"
	case sanlian.EUNPROCESSABLE:
		return "提交的内容有误"
	case sanlian.EUNAUTHORIZED:
		return "未登录或登录已失效"
	case sanlian.ETOTPREQUIRED:
		return "需要动态验证码"
	case sanlian.EPASSWORDCHANGE:
		return "请先修改密码"
	case sanlian.ETOTPENROL:
		return "请先设置双因素认证"
	case sanlian.EFORBIDDEN:
		return "无权操作"
	case sanlian.ENOTFOUND:
		return "未找到"
	case sanlian.ECONFLICT:
		return "数据冲突"
	case sanlian.ETOOLARGE:
		return "内容过大"
	case sanlian.ETOOMANY:
		return "请求过于频繁"
	case sanlian.EUNAVAILABLE:
		return "服务暂不可用"
	}
	return "内部错误"
}

// problem is an RFC 9457 problem details body.
type problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Code   string            `json:"code"`
	Errors map[string]string `json:"errors,omitempty"`
}

// logInternal logs an unexpected error once, with the request it broke,
// and a store that did not answer, with its cause.
func (s *Server) logInternal(r *http.Request, err error) {
	if c := sanlian.ErrorCode(err); c == sanlian.EINTERNAL || c == sanlian.EUNAVAILABLE {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// writeProblem is the one exit for API errors.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	s.logInternal(r, err)
	code := sanlian.ErrorCode(err)
	p := problem{
		Type:   "https://sanlian.invalid/errors/" + code,
		Title:  titleOf(code),
		Status: sanlian.HTTPStatus(code),
		Detail: sanlian.ErrorMessage(err),
		Code:   code,
		Errors: sanlian.ErrorFields(err),
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// maxJSONBody limits every JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON reads exactly one JSON object into dst, refusing unknown
// fields, wrong types and oversized bodies with Chinese messages.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if dec.More() {
			return sanlian.Errorf(sanlian.EINVALID, "请求体只能包含一个 JSON 对象")
		}
		if _, err := dec.Token(); err != io.EOF {
			return sanlian.Errorf(sanlian.EINVALID, "请求体只能包含一个 JSON 对象")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return sanlian.Errorf(sanlian.ETOOLARGE, "请求体超过 %d KB 的上限", maxJSONBody>>10)
	case errors.Is(err, io.EOF):
		return sanlian.Errorf(sanlian.EINVALID, "请求体为空，应为一个 JSON 对象")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return sanlian.Errorf(sanlian.EINVALID, "JSON 格式错误，请检查括号、引号和逗号")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return sanlian.Errorf(sanlian.EINVALID, "请求体应为一个 JSON 对象")
		}
		return &sanlian.Error{Code: sanlian.EINVALID, Message: fmt.Sprintf("字段 %s 的类型不对，应为%s", field, typeLabel(typ.Type.Kind().String())),
			Fields: map[string]string{field: "类型应为" + typeLabel(typ.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json offers no typed error for this case.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &sanlian.Error{Code: sanlian.EINVALID, Message: "未知字段：" + name, Fields: map[string]string{name: "未知字段"}}
	}
	return sanlian.Errorf(sanlian.EINVALID, "无法解析请求体")
}

func typeLabel(kind string) string {
	switch kind {
	case "string":
		return "文本"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "数字"
	case "bool":
		return "布尔值（true 或 false）"
	case "slice":
		return "数组"
	case "struct", "map":
		return "对象"
	}
	return kind
}

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	maskOut(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// maskOut masks the phones and ID numbers typed into the free text of a
// record about to be written out (sanlian.ContactMasker); the whole text
// stays in the database and in edit forms.
func maskOut(v any) {
	if m, ok := v.(sanlian.ContactMasker); ok {
		m.MaskContacts()
	}
}
