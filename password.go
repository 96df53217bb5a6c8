package sanlian

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Error codes of the login-time gates, answered by the API in the
// problem body's code (web/errors.go maps them to HTTP statuses).
const (
	// EPASSWORDCHANGE: the account must change its password before
	// anything else (an administrator's reset, or expiry) (403).
	EPASSWORDCHANGE = "password_change_required"
	// ETOTPENROL: the account's role requires a second factor it has not
	// enrolled yet; only enrolment is open (403).
	ETOTPENROL = "totp_enrollment_required"
	// ETOTPREQUIRED: the password was right and the account has a second
	// factor; the login must carry a code (401).
	ETOTPREQUIRED = "totp_required"
)

// PasswordPolicy is the rule every new password must pass. The security
// administrator sets it; DefaultPasswordPolicy is the rule until then.
type PasswordPolicy struct {
	MinLength  int `json:"min_length"`  // characters, at least 8
	MinClasses int `json:"min_classes"` // of lower, upper, digit, other: 1–4
	History    int `json:"history"`     // the last N passwords may not be reused (0: none)
	ExpiryDays int `json:"expiry_days"` // a password this old must be changed at login (0: never)
}

// DefaultPasswordPolicy is 等保 level 3's usual rule: 10 characters from
// 3 of 4 classes, not one of the last 5, no expiry.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 10, MinClasses: 3, History: 5}
}

// Validate checks the policy's own fields.
func (p PasswordPolicy) Validate() error {
	f := map[string]string{}
	if p.MinLength < 8 || p.MinLength > 64 {
		f["min_length"] = "最短长度须在 8 到 64 之间"
	}
	if p.MinClasses < 1 || p.MinClasses > 4 {
		f["min_classes"] = "字符种类须在 1 到 4 之间"
	}
	if p.History < 0 || p.History > 24 {
		f["history"] = "不得重复使用的历史密码数须在 0 到 24 之间"
	}
	if p.ExpiryDays < 0 || p.ExpiryDays > 3650 {
		f["expiry_days"] = "有效期须在 0（不过期）到 3650 天之间"
	}
	return FieldErrors(f)
}

// Expired reports whether a password changed at changed is past its
// expiry at now. A zero changed (never recorded) counts from never, so it
// is not expired: the clock starts at the next change.
func (p PasswordPolicy) Expired(changed, now time.Time) bool {
	if p.ExpiryDays <= 0 || changed.IsZero() {
		return false
	}
	return !now.Before(changed.AddDate(0, 0, p.ExpiryDays))
}

// maxPasswordBytes bounds a password, so that a megabyte does not go
// through argon2.
const maxPasswordBytes = 256

// CheckPassword applies policy p to a new password pw of the account
// username, the field error (on field, e.g. "password" or "new") naming
// the first rule it breaks. reused, when not nil, reports whether pw is one
// of the account's last p.History passwords; it is asked last, since it
// costs a hash per old password, and the caller runs it outside any write
// transaction.
func CheckPassword(p PasswordPolicy, username, pw, field string, reused func(pw string) bool) error {
	refuse := func(format string, args ...any) error {
		return FieldErrors(map[string]string{field: fmt.Sprintf(format, args...)})
	}
	switch {
	case pw == "":
		return refuse("请填写密码")
	case len(pw) > maxPasswordBytes:
		return refuse("密码过长（最多 %d 字节）", maxPasswordBytes)
	case !utf8.ValidString(pw):
		return refuse("密码含有无效字符")
	case strings.TrimSpace(pw) == "":
		return refuse("密码不能只由空格组成")
	case utf8.RuneCountInString(pw) < p.MinLength:
		return refuse("密码至少 %d 位", p.MinLength)
	case passwordClasses(pw) < p.MinClasses:
		return refuse("密码须包含小写字母、大写字母、数字、其他符号四类中的至少 %d 类", p.MinClasses)
	case containsUsername(pw, username):
		return refuse("密码不能包含用户名")
	case IsCommonPassword(pw):
		return refuse("这是常见密码，很容易被猜中，请换一个")
	case p.History > 0 && reused != nil && reused(pw):
		return refuse("不能使用最近 %d 次用过的密码", p.History)
	}
	return nil
}

// passwordClasses counts the classes of characters in pw: lower-case
// letters, upper-case letters, digits, and anything else.
func passwordClasses(pw string) int {
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

// containsUsername reports whether pw holds the username, forwards or
// backwards, ignoring case.
func containsUsername(pw, username string) bool {
	u := strings.ToLower(strings.TrimSpace(username))
	if u == "" {
		return false
	}
	p := strings.ToLower(pw)
	if strings.Contains(p, u) {
		return true
	}
	r := []rune(u)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return len(r) >= 3 && strings.Contains(p, string(r))
}

// passwordsCommon is the 10,000 most common passwords, lower-case, one a
// line: the head of the frequency-ordered list "passwords.json" of the npm
// package @zxcvbn-ts/language-common 4.1.3 (MIT; itself from the zxcvbn
// project's leaked-password corpora), with common Chinese-pattern
// passwords (woaini1314, qq123456, a123456 …) added where absent.
//
//go:embed passwords_common.txt
var passwordsCommon string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 10100)
	for _, l := range strings.Split(passwordsCommon, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m[l] = struct{}{}
		}
	}
	return m
})

// IsCommonPassword reports whether pw, ignoring case and surrounding
// spaces, is one of the shipped common passwords.
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(strings.TrimFunc(pw, unicode.IsSpace))]
	return ok
}
