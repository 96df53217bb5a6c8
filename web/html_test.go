package web_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Pages are checked by CSS selector: a value must sit in the element
// that shows it (a cell, a selected option, the form's error region),
// not merely somewhere in the HTML, where a hidden field, a script or
// another row would satisfy a search for text.

// page parses an HTML answer for assertions by CSS selector.
func page(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not HTML: %v", err)
	}
	return doc
}

// has reports whether sel matches an element of doc.
func has(doc *goquery.Document, sel string) bool {
	return doc.Find(sel).Length() > 0
}

// textOf is the text of the elements sel matches, trimmed.
func textOf(doc *goquery.Document, sel string) string {
	return strings.TrimSpace(doc.Find(sel).Text())
}

// hasText reports whether an element sel matches holds want in its text.
func hasText(doc *goquery.Document, sel, want string) bool {
	found := false
	doc.Find(sel).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		found = strings.Contains(s.Text(), want)
		return !found
	})
	return found
}

// mustHave fails the test unless sel matches an element of doc; it
// returns the match.
func mustHave(t *testing.T, doc *goquery.Document, sel string) *goquery.Selection {
	t.Helper()
	s := doc.Find(sel)
	if s.Length() == 0 {
		t.Errorf("no %s in the page", sel)
	}
	return s
}

// mustNotHave fails the test when sel matches an element of doc.
func mustNotHave(t *testing.T, doc *goquery.Document, sel string) {
	t.Helper()
	if n := doc.Find(sel).Length(); n != 0 {
		t.Errorf("%d × %s in the page, want none", n, sel)
	}
}

// mustCount fails the test unless sel matches n elements of doc.
func mustCount(t *testing.T, doc *goquery.Document, sel string, n int) {
	t.Helper()
	if got := doc.Find(sel).Length(); got != n {
		t.Errorf("%d × %s in the page, want %d", got, sel, n)
	}
}

// mustText is the trimmed text of the one element sel matches; it fails
// the test when sel matches none or several.
func mustText(t *testing.T, doc *goquery.Document, sel string) string {
	t.Helper()
	s := doc.Find(sel)
	if s.Length() != 1 {
		t.Errorf("%d × %s in the page, want one", s.Length(), sel)
	}
	return strings.TrimSpace(s.First().Text())
}

// selected is "value label" of the selected option of the select named
// name, e.g. "11 11月"; "" when none is selected, and the options joined
// by "|" when several are (in one select or in selects of the same name).
func selected(doc *goquery.Document, name string) string {
	var out []string
	doc.Find("select[name=" + name + "] option[selected]").Each(func(_ int, o *goquery.Selection) {
		out = append(out, o.AttrOr("value", "")+" "+strings.TrimSpace(o.Text()))
	})
	return strings.Join(out, "|")
}

// fieldError is the message shown beside the field named name: the
// .field-error in the field's label, or the element #name-error (a
// period picker's is #period-error for the picker named period).
func fieldError(doc *goquery.Document, name string) string {
	return textOf(doc, "label:has([name="+name+"]) .field-error, #"+name+"-error")
}

// errorShown reports whether msg is in an error region of the page: the
// form's .error alert or a field's .field-error.
func errorShown(doc *goquery.Document, msg string) bool {
	return hasText(doc, ".error[role=alert], .field-error", msg)
}

// hasExact reports whether an element sel matches reads exactly text,
// trimmed.
func hasExact(doc *goquery.Document, sel, text string) bool {
	return doc.Find(sel).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.TrimSpace(s.Text()) == text
	}).Length() > 0
}
