package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"sanlian"
)

// maxHygieneForm bounds the urlencoded body the hygiene check reads, as
// http.Request.ParseForm does; a longer body is refused by the handler's
// own parsing.
const maxHygieneForm = 10 << 20

// hygiene refuses, before any handler sees it, a request whose path,
// query parameters, urlencoded form values or JSON body carry a NUL byte
// (raw or as the escape \u0000), invalid UTF-8 or a control character
// other than tab, line feed and carriage return: text no field takes, and
// that PostgreSQL cannot store. The answer is a 400 naming the field, as
// problem+json under /api/, in a mounted surface's own format under its
// prefix (GeoReport v2's under /open311/: its clients read no other) and
// as the error page elsewhere.
// Multipart bodies are left to their readers, which check their text
// fields with checkFormField and never look into files.
func (s *Server) hygiene(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkRequestText(r); err != nil {
			switch sf := s.mountOf(r); {
			case sf != nil:
				sf.WriteError(w, r, err)
			case isAPI(r):
				s.writeProblem(w, r, err)
			default:
				s.renderError(w, r, err)
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// checkFormField is the hygiene check of one text field of a multipart
// form, for the readers that stream such forms.
func checkFormField(name, value string) error {
	if p := sanlian.ControlProblem(value); p != "" {
		return sanlian.TextFieldError(name, p)
	}
	return nil
}

// checkRequestText checks the path, the query and a urlencoded or JSON
// body; a body it reads is put back for the handler.
func checkRequestText(r *http.Request) error {
	if p := sanlian.ControlProblem(r.URL.Path); p != "" {
		return sanlian.Errorf(sanlian.EINVALID, "网址%s", p)
	}
	if err := checkValues(r.URL.RawQuery); err != nil {
		return err
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/x-www-form-urlencoded":
		raw, full, err := peekBody(r, maxHygieneForm)
		if err != nil || !full {
			return nil // the handler meets the same failure, or refuses the size
		}
		return checkValues(string(raw))
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		raw, full, err := peekBody(r, maxJSONBody)
		if err != nil || !full {
			return nil
		}
		return checkJSON(raw)
	}
	return nil
}

// peekBody reads up to limit bytes of r's body and puts them back in
// front of the rest; full is false when the body is longer.
func peekBody(r *http.Request, limit int64) (raw []byte, full bool, err error) {
	raw, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	full = int64(len(raw)) <= limit
	body := r.Body
	r.Body = readCloser{io.MultiReader(bytes.NewReader(raw), body), body}
	return raw, full, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

// checkValues checks the keys and values of a query string or urlencoded
// body. Malformed escapes are the handler's to refuse.
func checkValues(raw string) error {
	if raw == "" {
		return nil
	}
	vs, _ := url.ParseQuery(raw)
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p := sanlian.ControlProblem(k); p != "" {
			return sanlian.TextFieldError(k, p)
		}
		for _, v := range vs[k] {
			if p := sanlian.ControlProblem(v); p != "" {
				return sanlian.TextFieldError(k, p)
			}
		}
	}
	return nil
}

// checkJSON checks every string of a JSON body, keys included. Raw bytes
// are checked first: encoding/json would quietly turn invalid UTF-8 into
// U+FFFD. A body that is not JSON is the handler's to refuse.
func checkJSON(raw []byte) error {
	if !utf8.Valid(raw) {
		return sanlian.Errorf(sanlian.EINVALID, "请求体含有无效的字符编码（须为 UTF-8）")
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		return sanlian.Errorf(sanlian.EINVALID, "请求体含有空字符（NUL）")
	}
	if !bytes.Contains(raw, []byte(`\u`)) && !hasControlByte(raw) {
		return nil // no escape can hide a control character
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return walkJSON("", v)
}

// hasControlByte reports whether raw holds a C0 control byte other than
// JSON's whitespace.
func hasControlByte(raw []byte) bool {
	for _, c := range raw {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
	}
	return false
}

// walkJSON checks the strings of v, naming a bad one by its path
// (items[2].title).
func walkJSON(path string, v any) error {
	switch v := v.(type) {
	case string:
		if p := sanlian.ControlProblem(v); p != "" {
			if path == "" {
				return sanlian.Errorf(sanlian.EINVALID, "请求体%s", p)
			}
			return sanlian.TextFieldError(path, p)
		}
	case []any:
		for i, e := range v {
			if err := walkJSON(path+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if path != "" {
				name = path + "." + k
			}
			if p := sanlian.ControlProblem(k); p != "" {
				return sanlian.TextFieldError(name, p)
			}
			if err := walkJSON(name, v[k]); err != nil {
				return err
			}
		}
	}
	return nil
}
