package sanlian

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Text problems CheckText finds, as the Chinese words a field error ends
// with.
const (
	textInvalidUTF8 = "含有无效的字符编码，请重新输入"
	textNUL         = "含有空字符（NUL），请删去后重新输入"
	textControl     = "含有控制字符，请删去后重新输入"
	textLineBreak   = "不能换行，请写成一行"
	textInvisible   = "只有空白或不可见字符，请填写实际内容"
)

// TextProblem describes what is wrong with s as the text of a field, in
// Chinese words that follow the field's name ("标题" + problem), or ""
// when s is acceptable. It refuses invalid UTF-8, NUL bytes and control
// characters (C0, DEL, C1; newline, carriage return and tab only when
// multiline: long text from a textarea), the bidirectional overrides and
// isolates (which make text read otherwise than it is stored), and
// non-empty text made only of invisible characters (spaces, zero-width
// characters and other format characters).
func TextProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return textInvalidUTF8
	}
	visible := s == ""
	for _, r := range s {
		switch {
		case r == 0:
			return textNUL
		case r == '\n' || r == '\r' || r == '\t':
			if !multiline {
				if r == '\t' {
					return textControl
				}
				return textLineBreak
			}
		case r == '\u2028' || r == '\u2029':
			if !multiline {
				return textLineBreak
			}
		case unicode.Is(unicode.Cc, r), bidiControl(r):
			return textControl
		case !visible && !Invisible(r):
			visible = true
		}
	}
	if !visible {
		return textInvisible
	}
	return ""
}

// CheckText is TextProblem as an EUNPROCESSABLE error on field, whose
// Chinese name is label; nil when s is acceptable.
func CheckText(field, label, s string, multiline bool) error {
	if p := TextProblem(s, multiline); p != "" {
		return FieldErrors(map[string]string{field: label + p})
	}
	return nil
}

// checkTexts adds to f, for each field not already refused, the
// TextProblem of its text. It is the one check the validators of titles,
// names and long text share.
func checkTexts(f map[string]string, fields ...textField) {
	for _, t := range fields {
		if _, done := f[t.key]; done {
			continue
		}
		if p := TextProblem(t.text, t.multiline); p != "" {
			f[t.key] = t.label + p
		}
	}
}

// textField is one field for checkTexts.
type textField struct {
	key, label, text string
	multiline        bool
}

// oneLine and manyLines make the textField of a one-line and a multiline field.
func oneLine(key, label, text string) textField   { return textField{key, label, text, false} }
func manyLines(key, label, text string) textField { return textField{key, label, text, true} }

// OnlyInvisible reports whether s is not empty and holds nothing a
// reader can see: only spaces, line breaks, zero-width and other format
// characters, fillers and variation selectors.
func OnlyInvisible(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !Invisible(r) && !unicode.Is(unicode.Cc, r) {
			return false
		}
	}
	return true
}

// Invisible reports whether r shows nothing by itself: a space or line
// separator, a format character (zero-width space and joiners, BOM, soft
// hyphen, direction marks), a variation selector, the combining grapheme
// joiner or one of the Hangul and Mongolian fillers.
func Invisible(r rune) bool {
	switch {
	case unicode.IsSpace(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zs, r):
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, r == 0x180E, r == 0x2800:
		return true
	}
	return false
}

// bidiControl reports whether r is a bidirectional embedding, override or
// isolate (U+202A–U+202E, U+2066–U+2069).
func bidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// ControlProblem is the part of TextProblem that needs no knowledge of
// the field: invalid UTF-8, NUL and control characters other than tab,
// line feed and carriage return. It is what every request's query, form
// and JSON text is held to before any handler sees it.
func ControlProblem(s string) string {
	if !utf8.ValidString(s) {
		return textInvalidUTF8
	}
	for _, r := range s {
		switch {
		case r == 0:
			return textNUL
		case r == '\n' || r == '\r' || r == '\t':
		case unicode.Is(unicode.Cc, r):
			return textControl
		}
	}
	return ""
}

// TextFieldError is the error for a field of a request whose text has
// problem p (ControlProblem), named by its Chinese label when it is one of
// the fields most forms and queries carry: the same words whichever
// surface (pages, API, Open311) refused the request.
func TextFieldError(field, p string) error {
	if !utf8.ValidString(field) || ControlProblem(field) != "" {
		field = strconv.QuoteToASCII(field)
	}
	msg := "字段 " + field + " " + p
	if l, ok := fieldLabels[field]; ok {
		msg = l + "（" + field + "）" + p
	}
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// fieldLabels are the Chinese names of the fields most forms and queries
// carry, for the messages of TextFieldError; any other field is named by
// its key.
var fieldLabels = map[string]string{
	"username": "用户名", "password": "密码", "title": "标题", "name": "名称", "description": "问题描述",
	"q": "搜索词", "note": "备注", "reason": "理由", "text": "内容", "category": "问题类别",
	"village": "村(社区)", "township": "乡镇", "reporter_name": "反映人姓名", "reporter_phone": "联系电话",
	"service_code": "服务类别", "code": "查询码", "address_string": "地址", "phone": "电话",
}

// CheckText checks the free text of an action on a problem: a note,
// reason, measures or result may run over lines, but may hold no control
// characters nor only invisible ones.
func (req *ActionRequest) CheckText() error {
	f := map[string]string{}
	checkTexts(f, manyLines("note", "说明", req.Note), manyLines("reason", "理由", req.Reason),
		manyLines("measures", "办理措施", req.Measures), manyLines("result", "办理结果", req.Result))
	return FieldErrors(f)
}
