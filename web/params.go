package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, sanlian.Errorf(sanlian.ENOTFOUND, "编号 %q 无效", r.PathValue(name))
	}
	return id, nil
}

// params reads query parameters, collecting Chinese errors for bad ones.
type params struct {
	r      *http.Request
	errors map[string]string
}

func newParams(r *http.Request) *params { return &params{r: r, errors: map[string]string{}} }

func (p *params) str(name string) string { return strings.TrimSpace(p.r.URL.Query().Get(name)) }

func (p *params) int64(name string) int64 {
	v := p.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		p.errors[name] = "应为正整数"
		return 0
	}
	return n
}

func (p *params) limit() int {
	v := p.str("limit")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		p.errors["limit"] = "应为 1 到 500 之间的整数"
		return 0
	}
	return n
}

func (p *params) boolPtr(name string) *bool {
	switch strings.ToLower(p.str(name)) {
	case "":
		return nil
	case "true", "yes", "1":
		t := true
		return &t
	case "false", "no", "0":
		f := false
		return &f
	}
	p.errors[name] = "应为 true 或 false"
	return nil
}

func (p *params) date(name string) time.Time {
	v := p.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", v, sanlian.Shanghai)
	if err != nil {
		p.errors[name] = "日期格式应为 2021-05-20"
	}
	return t
}

func (p *params) oneOf(name string, allowed ...string) string {
	v := p.str(name)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if a == v {
			return v
		}
	}
	p.errors[name] = "取值应为 " + strings.Join(allowed, "、") + " 之一"
	return ""
}

func (p *params) err() error {
	if len(p.errors) == 0 {
		return nil
	}
	return &sanlian.Error{Code: sanlian.EINVALID, Message: "查询参数有误", Fields: p.errors}
}
