package sanlian

import (
	"regexp"
	"strings"
	"time"
)

var (
	mobileRE   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRE = regexp.MustCompile(`^0[0-9]{2,3}-?[0-9]{7,8}$`)
	idRE       = regexp.MustCompile(`^[0-9]{17}[0-9X]$`)
)

// ValidPhone accepts an 11-digit mainland mobile number or a landline with
// its area code.
func ValidPhone(s string) bool { return mobileRE.MatchString(s) || landlineRE.MatchString(s) }

// IDCheckDigit computes the GB 11643-1999 check character of the first 17
// digits of a resident ID number.
func IDCheckDigit(first17 string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// CheckIDNumber returns "" for a valid 18-character resident ID number, or
// a Chinese message saying what is wrong with it.
func CheckIDNumber(s string) string {
	if !idRE.MatchString(s) {
		return "身份证号须为 18 位（最后一位可为 X）"
	}
	if _, err := time.Parse("20060102", s[6:14]); err != nil {
		return "身份证号中的出生日期无效"
	}
	if IDCheckDigit(s[:17]) != s[17] {
		return "身份证号校验位不正确，请核对"
	}
	return ""
}

// MaskIDNumber keeps the region prefix and the last four characters:
// 430923********1234.
func MaskIDNumber(s string) string {
	r := []rune(s)
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}

// MaskPhone keeps the first three and the last four digits: 138****5678.
func MaskPhone(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// MaskName keeps the family name: 张**.
func MaskName(s string) string {
	r := []rune(s)
	if len(r) <= 1 {
		return s
	}
	return string(r[:1]) + strings.Repeat("*", len(r)-1)
}

var (
	// longDigitsRE is a run of five or more digits, ASCII or full-width,
	// with the separators people put in phone numbers: a phone, an ID
	// number, a bank card.
	longDigitsRE = regexp.MustCompile(`[0-9０-９][0-9０-９ \-－]{3,}[0-9０-９Xx]`)
	// houseNumberRE is a number before a house, building, unit, floor or
	// room word: 12号, 3栋, 2单元, 501室.
	houseNumberRE = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百]+(号|栋|幢|单元|楼|层|室)`)
)

// AnonymizeText masks what in free text could point at a person: runs of
// five or more digits (phones, ID numbers) and house numbers. It is for
// text the public sees; it does not find names, so names must never be put
// in such text by design.
func AnonymizeText(s string) string {
	s = longDigitsRE.ReplaceAllStringFunc(s, func(m string) string {
		if len([]rune(m)) < 5 {
			return m
		}
		return "****"
	})
	return houseNumberRE.ReplaceAllString(s, "*$1")
}

var (
	// contactTokenRE is a run of digit groups (ASCII or full-width; an ID
	// number's final X may close a group) joined by the separators people
	// put in phone and ID numbers: spaces, dashes, a closing bracket.
	contactTokenRE = regexp.MustCompile(`[0-9０-９]+[Xx]?(?:[ \x{3000}\-－—)）]{1,3}[0-9０-９]+[Xx]?)*`)
	contactGroupRE = regexp.MustCompile(`[0-9０-９]+[Xx]?`)
	// textLandlineRE is a landline with its area code, separators removed.
	textLandlineRE = regexp.MustCompile(`^0(?:10|2[0-9]|[3-9][0-9]{2})[2-9][0-9]{6,7}$`)
)

// MaskContacts masks the mainland mobile numbers, landlines with an area
// code and 18-character ID numbers that someone typed into free text, in
// the style of the masked fields: 136****2222, 073*****1234,
// 430923********3456. Spaces and dashes inside a number and full-width
// digits are recognised. Digits that only form part of a longer number
// (an order number, a bank card), dates, amounts and problem numbers are
// left alone. It is for every output of descriptions, notes, results and
// comments; text the public sees gets the stricter AnonymizeText.
func MaskContacts(s string) string {
	if !strings.ContainsAny(s, "0123456789０１２３４５６７８９") {
		return s
	}
	return contactTokenRE.ReplaceAllStringFunc(s, maskContactToken)
}

// maskContactToken masks, left to right, the longest runs of whole digit
// groups of one token that form a phone or an ID number.
func maskContactToken(tok string) string {
	locs := contactGroupRE.FindAllStringIndex(tok, -1)
	groups := make([]string, len(locs))
	for i, l := range locs {
		groups[i] = normalizeDigits(tok[l[0]:l[1]])
	}
	var b strings.Builder
	prev := 0 // end of what tok has been copied or masked up to
	for i := 0; i < len(groups); {
		j, masked := contactRun(groups, i)
		if j < 0 {
			i++
			continue
		}
		b.WriteString(tok[prev:locs[i][0]])
		b.WriteString(masked)
		prev = locs[j][1]
		i = j + 1
	}
	b.WriteString(tok[prev:])
	return b.String()
}

// contactRun finds the longest run groups[i..j] that is a phone or an ID
// number and returns j and the masked number, or -1.
func contactRun(groups []string, i int) (int, string) {
	for j := len(groups) - 1; j >= i; j-- {
		if j > i && len(groups[i]) < 3 {
			continue // a number split into groups starts with 3 digits or more
		}
		n := strings.Join(groups[i:j+1], "")
		if strings.ContainsAny(n[:len(n)-1], "X") {
			continue
		}
		switch {
		case idRE.MatchString(n):
			return j, MaskIDNumber(n)
		case mobileRE.MatchString(n), textLandlineRE.MatchString(n):
			return j, MaskPhone(n)
		}
	}
	return -1, ""
}

// normalizeDigits turns full-width digits into ASCII and x into X.
func normalizeDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == 'x':
			b.WriteByte('X')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaskContacts masks the phones and ID numbers typed into the problem's
// free text (title, description, measures, result and reasons) for
// output; the stored record keeps the whole text.
//
// Storage masks every problem it reads, and the JSON writer masks every
// record it writes: a problem masked once is not scanned again.
func (p *Problem) MaskContacts() {
	if p.contactsMasked {
		return
	}
	p.contactsMasked = true
	for _, s := range []*string{&p.Title, &p.Description, &p.Measures, &p.Result, &p.RejectReason, &p.ExtensionReason} {
		*s = MaskContacts(*s)
	}
}

// MaskContacts masks the phones and ID numbers in the event's note and in
// the before and after values of its changes.
func (e *ProblemEvent) MaskContacts() {
	if e.contactsMasked {
		return
	}
	e.contactsMasked = true
	e.Note, e.Changes = MaskContacts(e.Note), MaskContacts(e.Changes)
}

// MaskContacts masks the phones and ID numbers typed into the activity's
// description, for output.
func (a *Activity) MaskContacts() { a.Description = MaskContacts(a.Description) }

// MaskContacts masks the phones and ID numbers typed into the project's
// free text, for output.
func (p *Project) MaskContacts() {
	p.Title, p.Description, p.Beneficiaries = MaskContacts(p.Title), MaskContacts(p.Description), MaskContacts(p.Beneficiaries)
}

// MaskContacts masks the phones and ID numbers typed into a progress note.
func (e *ProgressEntry) MaskContacts() { e.Note = MaskContacts(e.Note) }

// MaskContacts masks the phones and ID numbers typed into a
// responsibility line's task, measures, progress and completion note.
func (r *Responsibility) MaskContacts() {
	for _, s := range []*string{&r.Task, &r.Measures, &r.Progress, &r.CompletionNote} {
		*s = MaskContacts(*s)
	}
}

// MaskContacts masks the phones and ID numbers typed into the theme's note.
func (t *Theme) MaskContacts() { t.Note = MaskContacts(t.Note) }

// MaskContacts masks the phones and ID numbers typed into what the visit
// found and whom it met.
func (v *Visit) MaskContacts() { v.Met, v.Findings = MaskContacts(v.Met), MaskContacts(v.Findings) }

// ContactMasker is a record whose free text can be masked for output.
type ContactMasker interface{ MaskContacts() }

// ProblemText is a problem's free text as typed, for the audited reveal.
type ProblemText struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Measures    string `json:"measures"`
	Result      string `json:"result"`
}

var maskedRE = regexp.MustCompile(`[0-9]\*{4,}[0-9]`)

// ShowsMasked reports whether any of the texts, as MaskContacts gives
// them, holds a masked number: whether the audited reveal would show more.
func ShowsMasked(texts ...string) bool {
	for _, s := range texts {
		if maskedRE.MatchString(s) {
			return true
		}
	}
	return false
}
