package sanlian

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ProblemNumber is a problem's number as people see it, e.g.
// 安化-2026-000676: the county's short name, the year and the running
// number of that year.
type ProblemNumber struct {
	Prefix string // 安化; "" when typed without it
	Year   int
	Seq    int
}

// Tail is the number without the county: 2026-000676, the part that
// tells problems apart within one county.
func (n ProblemNumber) Tail() string { return fmt.Sprintf("%04d-%06d", n.Year, n.Seq) }

// String is the number as stored and shown: 安化-2026-000676, or the tail
// when typed without the county.
func (n ProblemNumber) String() string {
	if n.Prefix == "" {
		return n.Tail()
	}
	return n.Prefix + "-" + n.Tail()
}

var problemNumberRE = regexp.MustCompile(`^(?:(\p{Han}{1,10})-)?([0-9]{4})-([0-9]{1,6})$`)

// ParseProblemNumber reads a problem's number as people type it:
// 安化-2026-000676, 2026-000676 or 2026-676, with spaces, full-width
// digits and other dashes allowed. ok is false when s is not a number
// (then it is text to search for).
func ParseProblemNumber(s string) (n ProblemNumber, ok bool) {
	t := strings.Join(strings.Fields(normDigits(s)), "")
	t = strings.NewReplacer("－", "-", "—", "-", "–", "-", "—", "-", "‐", "-").Replace(t)
	m := problemNumberRE.FindStringSubmatch(t)
	if m == nil {
		return ProblemNumber{}, false
	}
	y, _ := strconv.Atoi(m[2])
	seq, _ := strconv.Atoi(m[3])
	if y < PeriodMinYear || y > PeriodMaxYear || seq == 0 {
		return ProblemNumber{}, false
	}
	return ProblemNumber{Prefix: m[1], Year: y, Seq: seq}, true
}
