package sanlian

import (
	"strings"
	"unicode"
)

// SearchTokens turns text into the tokens the full-text index holds:
// overlapping character bigrams of every run of Chinese characters (a lone
// character stands as itself), and every run of letters or digits as one
// lower-case word. Both engines index the same string, so a search finds
// the same rows on SQLite and PostgreSQL, and two-character words such as
// 路灯, 低保 or 漏水 are found.
func SearchTokens(text string) []string {
	var out []string
	var han []rune
	var word []rune
	flushHan := func() {
		switch {
		case len(han) == 1:
			out = append(out, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	flushWord := func() {
		if len(word) > 0 {
			out = append(out, strings.ToLower(string(word)))
			word = word[:0]
		}
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)), unicode.IsDigit(r):
			flushHan()
			word = append(word, unicode.ToLower(r))
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return out
}

// SearchDocument is the space-separated token string stored for text.
func SearchDocument(texts ...string) string {
	var all []string
	for _, t := range texts {
		all = append(all, SearchTokens(t)...)
	}
	return strings.Join(all, " ")
}

// SearchQuery is a parsed search: the phrase to look up in the index, or,
// for a query of a single Chinese character, a substring to match.
type SearchQuery struct {
	Phrase []string // consecutive tokens, all must match in order
	Like   string   // a single character: matched with LIKE instead
}

// ParseSearch parses q. It returns ok false when q holds nothing to search
// for (only punctuation, say).
func ParseSearch(q string) (SearchQuery, bool) {
	toks := SearchTokens(q)
	if len(toks) == 0 {
		return SearchQuery{}, false
	}
	if len(toks) == 1 && len([]rune(toks[0])) == 1 && unicode.Is(unicode.Han, []rune(toks[0])[0]) {
		return SearchQuery{Like: toks[0]}, true
	}
	return SearchQuery{Phrase: toks}, true
}

// Similarity is the Jaccard index of the bigram sets of a and b, from 0
// (nothing shared) to 1 (the same words).
func Similarity(a, b string) float64 {
	sa, sb := tokenSet(a), tokenSet(b)
	if len(sa) == 0 || len(sb) == 0 {
		return 0
	}
	inter := 0
	for t := range sa {
		if sb[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

func tokenSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, t := range SearchTokens(s) {
		m[t] = true
	}
	return m
}
