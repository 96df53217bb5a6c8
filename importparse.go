package sanlian

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Cell is one cell of a spreadsheet row as a reader found it. Text is the
// stored value: for a number its raw digits ("44336" for a date, not the
// date Excel shows), for a formula its cached result.
type Cell struct {
	Text    string
	Formula bool
}

// DefaultImportMax is the most characters of a cell when its column sets
// no Max.
const DefaultImportMax = 200

// maxImportInt is the largest whole number an import takes.
const maxImportInt = 1_000_000_000

// NormalizeCell is the form in which a cell is compared and checked:
// full-width ASCII (digits, letters, punctuation, the ideographic space)
// made half-width, every kind of Unicode space and line break made a plain
// space, invisible format characters (zero-width spaces, BOMs, soft
// hyphens, direction marks) and control characters removed, and the ends
// trimmed. Inner runs of spaces are kept: a value is never reflowed.
func NormalizeCell(s string) string {
	if plainASCII(s) {
		return s
	}
	return normalize(s, false)
}

// normalizeText is NormalizeCell for free text: full-width punctuation,
// which is correct Chinese typography, stays as written, and line breaks
// inside the cell (Alt+Enter in Excel) are kept as "\n".
func normalizeText(s string) string {
	if plainASCII(s) {
		return s
	}
	return normalize(s, true)
}

// plainASCII reports whether s is printable ASCII with no space at either
// end, which normalisation leaves as it is.
func plainASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func normalize(s string, text bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r' && text:
			if i < len(s) && s[i] == '\n' {
				continue // CR LF is one break
			}
			b.WriteByte('\n')
		case r == '\n' && text, (r == '\u2028' || r == '\u2029') && text:
			b.WriteByte('\n')
		case r == '\u3000' || unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r):
			// invisible: dropped
		case r >= 0xFF01 && r <= 0xFF5E:
			h := r - 0xFEE0
			if text && !('0' <= h && h <= '9' || 'A' <= h && h <= 'Z' || 'a' <= h && h <= 'z') {
				b.WriteRune(r)
			} else {
				b.WriteByte(byte(h))
			}
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// ParseImportDate reads a date as county spreadsheets hold it and returns
// it as 2006-01-02. It takes an Excel serial number in the 1900 date
// system (44336 is 2021-05-20; the fraction, a time of day, is ignored;
// only 1990–2100 is plausible), 2021-05-20, 2021/5/20, 2021.5.20,
// 2021年5月20日 and 20210520, each optionally followed by a time of day
// (14:30 or 14:30:00, after a space or a T). Impossible dates such as
// 2021-02-30 are refused. Text dates must fall in 1900–2100.
func ParseImportDate(s string) (string, bool) {
	s = NormalizeCell(s)
	if s == "" || len(s) > 40 {
		return "", false
	}
	if t, ok := excelSerial(s); ok {
		return t.Format(time.DateOnly), true
	}
	if len(s) == 8 && allDigits(s) {
		return civilDate(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
	}
	p := dateScanner{s: s}
	y, ok1 := p.number(4, 4)
	p.spaces()
	sep := p.next()
	p.spaces()
	m, ok2 := p.number(1, 2)
	p.spaces()
	sep2 := p.next()
	p.spaces()
	d, ok3 := p.number(1, 2)
	if !ok1 || !ok2 || !ok3 {
		return "", false
	}
	switch {
	case sep == '年' && sep2 == '月':
		p.spaces()
		p.accept('日')
	case (sep == '-' || sep == '/' || sep == '.') && sep2 == sep:
	default:
		return "", false
	}
	if !p.timeOfDay() {
		return "", false
	}
	return civilDate(y, m, d)
}

// excelSerial reads an Excel 1900-system serial number of 1990–2100.
func excelSerial(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 5 || !allDigits(whole) || strings.Contains(s, ".") && (frac == "" || !allDigits(frac)) {
		return time.Time{}, false
	}
	n := atoi(whole)
	// Excel counts 1900-02-29, which did not exist, as day 60: days past
	// it are one more than the calendar's.
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if n < 60 {
		base = base.AddDate(0, 0, 1)
	} else if n == 60 {
		return time.Time{}, false
	}
	t := base.AddDate(0, 0, n)
	if t.Year() < 1990 || t.Year() > 2100 {
		return time.Time{}, false
	}
	return t, true
}

// civilDate checks a calendar date and formats it.
func civilDate(y, m, d int) (string, bool) {
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false // 2021-02-30 rolled over
	}
	return t.Format(time.DateOnly), true
}

// dateScanner reads a text date from left to right.
type dateScanner struct {
	s string
	i int
}

func (p *dateScanner) spaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *dateScanner) next() rune {
	if p.i >= len(p.s) {
		return 0
	}
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += n
	return r
}

func (p *dateScanner) accept(r rune) bool {
	if strings.HasPrefix(p.s[p.i:], string(r)) {
		p.i += utf8.RuneLen(r)
		return true
	}
	return false
}

// number reads min to max decimal digits.
func (p *dateScanner) number(min, max int) (int, bool) {
	j := p.i
	for j < len(p.s) && j-p.i < max && '0' <= p.s[j] && p.s[j] <= '9' {
		j++
	}
	if j-p.i < min {
		return 0, false
	}
	n := atoi(p.s[p.i:j])
	p.i = j
	return n, true
}

// timeOfDay accepts the end of the text, or a time of day to ignore:
// " 14:30", " 14:30:05", "T14:30:05.123Z".
func (p *dateScanner) timeOfDay() bool {
	if p.i == len(p.s) {
		return true
	}
	if !p.accept('T') {
		if p.s[p.i] != ' ' {
			return false
		}
		p.spaces()
	}
	h, ok := p.number(1, 2)
	if !ok || h > 23 || !p.accept(':') {
		return false
	}
	if m, ok := p.number(2, 2); !ok || m > 59 {
		return false
	}
	if p.accept(':') {
		if s, ok := p.number(2, 2); !ok || s > 59 {
			return false
		}
		if p.accept('.') {
			if _, ok := p.number(1, 9); !ok {
				return false
			}
		}
	}
	p.accept('Z')
	return p.i == len(p.s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi reads a short run of digits already checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// headerKey is the form in which a header cell is compared with a
// column's Header and Aliases: normalised, without any space, with the
// brackets of 村（社区） and 村【社区】 alike, without a "*" or "(必填)"
// marking a required column.
func headerKey(s string) string {
	s = NormalizeCell(s)
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ':
			return -1
		case '【', '〔', '[':
			return '('
		case '】', '〕', ']':
			return ')'
		}
		return unicode.ToLower(r)
	}, s)
	for {
		t := strings.TrimPrefix(s, "*")
		t = strings.TrimSuffix(t, "*")
		t = strings.TrimSuffix(t, "(必填)")
		t = strings.TrimSuffix(t, "(选填)")
		if t == s {
			return s
		}
		s = t
	}
}

// MatchHeader finds the kind's columns in a row of header cells: cols[i]
// is the index of the cell holding Columns[i] (its Header, or failing that
// one of its Aliases), or -1. Spaces, full- or half-width brackets and a
// "*" or "（必填）" mark do not matter; columns the kind does not know are
// ignored. ok reports whether every required column is there.
func (k *ImportKind) MatchHeader(cells []string) (cols []int, ok bool) {
	keys := make([]string, len(cells))
	for i, c := range cells {
		if len(c) <= 200 { // a header is short; a long cell is data
			keys[i] = headerKey(c)
		}
	}
	cols = make([]int, len(k.Columns))
	taken := make([]bool, len(cells))
	find := func(name string) int {
		key := headerKey(name)
		for j, c := range keys {
			if c == key && key != "" && !taken[j] {
				return j
			}
		}
		return -1
	}
	for i := range k.Columns {
		if cols[i] = find(k.Columns[i].Header); cols[i] >= 0 {
			taken[cols[i]] = true
		}
	}
	for i := range k.Columns {
		for _, a := range k.Columns[i].Aliases {
			if cols[i] >= 0 {
				break
			}
			if cols[i] = find(a); cols[i] >= 0 {
				taken[cols[i]] = true
			}
		}
	}
	ok = true
	for i, c := range k.Columns {
		if c.Required && cols[i] < 0 {
			ok = false
		}
	}
	return cols, ok
}

// MissingHeaders returns the headers of the required columns that cols
// (from MatchHeader) lacks.
func (k *ImportKind) MissingHeaders(cols []int) []string {
	var out []string
	for i, c := range k.Columns {
		if c.Required && (i >= len(cols) || cols[i] < 0) {
			out = append(out, c.Header)
		}
	}
	return out
}

// RequiredHeaders returns the headers of the kind's required columns.
func (k *ImportKind) RequiredHeaders() []string {
	return k.MissingHeaders(nil)
}

// ParseRow checks the cells of one data row, found at sheet row line,
// against the kind's columns placed by cols (from MatchHeader). Each value
// is normalised and kept in its canonical form; each bad cell gives a
// RowError naming the column's header.
func (k *ImportKind) ParseRow(line int, cells []Cell, cols []int) *ImportRow {
	row := &ImportRow{Line: line, Values: make(map[string]string, len(k.Columns))}
	for i := range k.Columns {
		c := &k.Columns[i]
		var cell Cell
		if i < len(cols) && cols[i] >= 0 && cols[i] < len(cells) {
			cell = cells[cols[i]]
		}
		v, msg := c.parse(cell)
		if msg != "" {
			row.Errors = append(row.Errors, RowError{Line: line, Column: c.Header, Message: msg})
		} else if v != "" {
			row.Values[c.Key] = v
		}
	}
	return row
}

// EmptyRow reports whether none of the cells placed by cols holds
// anything but blanks: such rows are skipped, not refused.
func EmptyRow(cells []Cell, cols []int) bool {
	for _, j := range cols {
		if j >= 0 && j < len(cells) && !blank(cells[j].Text) {
			return false
		}
	}
	return true
}

// blank reports whether s normalises to "". Most cells are plain ASCII.
func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c > ' ' && c < 0x7f {
			return false
		}
	}
	return s == "" || NormalizeCell(s) == ""
}

// limit is the column's character limit.
func (c *ImportColumn) limit() int {
	if c.Max > 0 {
		return c.Max
	}
	return DefaultImportMax
}

// parse checks one cell: its canonical value, or a message.
func (c *ImportColumn) parse(cell Cell) (string, string) {
	name := "「" + c.Header + "」"
	if cell.Formula {
		return "", name + "是公式，请复制后“选择性粘贴为数值”再导入"
	}
	limit := c.limit()
	// A rune is at most 4 bytes: a cell this long is too long whatever it
	// normalises to, and is refused before any other work.
	if len(cell.Text) > 4*limit+1024 {
		return "", fmt.Sprintf("%s不能超过 %d 字（本格约 %d 字）", name, limit, utf8.RuneCountInString(cell.Text))
	}
	// NUL bytes, invalid UTF-8 and control characters are refused, not
	// dropped: a cell holding them was not typed by a clerk, and what it
	// was meant to say is not known.
	if p := ControlProblem(cell.Text); p != "" {
		return "", name + p
	}
	var v string
	if c.Type == ColText {
		v = normalizeText(cell.Text)
	} else {
		v = NormalizeCell(cell.Text)
	}
	if v == "" {
		if c.Required {
			return "", name + "不能为空"
		}
		return "", ""
	}
	if n := utf8.RuneCountInString(v); n > limit {
		return "", fmt.Sprintf("%s不能超过 %d 字（本格 %d 字）", name, limit, n)
	}
	return c.typed(name, v)
}

// typed checks a cell's normalised, non-empty value v against the
// column's type; name is the header as messages quote it.
func (c *ImportColumn) typed(name, v string) (string, string) {
	switch c.Type {
	case ColInt:
		n, ok := parseImportInt(v)
		if !ok {
			return "", fmt.Sprintf("%s应为整数，如 12：“%s”", name, excerpt(v))
		}
		if n < 0 || n > maxImportInt {
			return "", fmt.Sprintf("%s应在 0 到 %d 之间：“%s”", name, maxImportInt, excerpt(v))
		}
		return strconv.FormatInt(n, 10), ""
	case ColDate:
		d, ok := ParseImportDate(v)
		if !ok {
			return "", fmt.Sprintf("%s不是有效日期：“%s”，请写成 2021-05-20", name, excerpt(v))
		}
		return d, ""
	case ColBool:
		switch strings.ToUpper(v) {
		case "是", "Y", "YES", "1", "TRUE", "√", "✓", "✔", "对":
			return "1", ""
		case "否", "N", "NO", "0", "FALSE", "×", "✗", "✘", "不是":
			return "0", ""
		}
		return "", fmt.Sprintf("%s应填“是”或“否”：“%s”", name, excerpt(v))
	case ColID:
		id := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(v, "'"), " ", ""))
		if looksLikeFloat(id) {
			return "", name + "被 Excel 存成了数字，后几位已经丢失：请把该列设为“文本”格式后重新填写"
		}
		if msg := CheckIDNumber(id); msg != "" {
			return "", name + strings.TrimPrefix(msg, "身份证号")
		}
		return id, ""
	case ColPhone:
		p, ok := phoneDigits(v)
		if !ok || !ValidPhone(p) {
			return "", name + "不是有效的电话号码：手机为 11 位数字，座机须带区号"
		}
		return p, ""
	case ColChoice:
		key := headerKey(v)
		for _, ch := range c.Choices {
			if key == headerKey(ch.Label) || strings.EqualFold(v, ch.Code) {
				return ch.Code, ""
			}
		}
		labels := make([]string, len(c.Choices))
		for i, ch := range c.Choices {
			labels[i] = ch.Label
		}
		return "", fmt.Sprintf("%s应为以下之一：%s（填的是“%s”）", name, strings.Join(labels, "、"), excerpt(v))
	}
	return v, ""
}

// parseImportInt reads a whole number as a clerk or Excel writes it:
// "12", "012", "12.0" (a float cell), "6,428" (thousands separators),
// "1.2E3". A negative number reads as -1 and one past the limit as
// math.MaxInt64, for the caller to refuse by range.
func parseImportInt(v string) (int64, bool) {
	v = strings.TrimPrefix(v, "'")
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	if strings.Contains(v, ",") {
		parts := strings.Split(v, ",")
		for i, p := range parts {
			if i == 0 && (len(p) < 1 || len(p) > 3) || i > 0 && len(p) != 3 {
				return 0, false
			}
		}
		v = strings.Join(parts, "")
	}
	var n int64
	switch {
	case allDigits(v):
		if t := strings.TrimLeft(v, "0"); len(t) > 10 {
			n = math.MaxInt64
		} else {
			n, _ = strconv.ParseInt(v, 10, 64)
		}
	case looksLikeFloat(v):
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f != math.Trunc(f) {
			return 0, false
		}
		if f > maxImportInt {
			n = math.MaxInt64
		} else {
			n = int64(f)
		}
	default:
		return 0, false
	}
	if neg && n != 0 {
		return -1, true
	}
	return n, true
}

// looksLikeFloat reports whether v is a decimal number with a fraction or
// an exponent, as Excel writes a float: "12.0", "1.38001380E10",
// "4.3092319800101002E+17".
func looksLikeFloat(v string) bool {
	mant, exp, hasExp := strings.Cut(strings.ToUpper(v), "E")
	whole, frac, hasDot := strings.Cut(mant, ".")
	if !allDigits(whole) || hasDot && !allDigits(frac) || !hasDot && !hasExp {
		return false
	}
	if hasExp {
		exp = strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")
		return allDigits(exp) && len(exp) <= 3
	}
	return true
}

// phoneDigits reduces a phone number to its digits: spaces, dashes and
// brackets go, a +86 prefix goes, and a number that Excel stored as a
// float (13800138000.0, 1.38001380E10) becomes its digits again.
func phoneDigits(v string) (string, bool) {
	v = strings.TrimPrefix(v, "'")
	if looksLikeFloat(v) {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f != math.Trunc(f) || f < 1 || f >= 1e15 {
			return "", false
		}
		return strconv.FormatFloat(f, 'f', 0, 64), true
	}
	v = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '—', '－':
			return -1
		}
		return r
	}, v)
	v = strings.TrimPrefix(v, "+86")
	if len(v) == 13 && strings.HasPrefix(v, "86") && v[2] == '1' {
		v = v[2:]
	}
	return v, allDigits(v)
}

// excerpt is the start of a value, for a message.
func excerpt(v string) string {
	const n = 20
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	r := []rune(v)
	return string(r[:n]) + "…"
}
