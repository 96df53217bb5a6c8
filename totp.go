package sanlian

import (
	"crypto/subtle"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238 as authenticator apps take it by default
// (SHA-1, 6 digits, 30 seconds), one step of clock skew either way.
const (
	TOTPPeriod = 30
	totpSkew   = 1
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPCode returns the code of secret at t; tests and the enrolment page's
// help use it.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// TOTPStep checks code against secret at now and returns the time step it
// belongs to. A code is accepted only for a step later than last (the last
// step accepted for the account), so a code cannot be used twice, nor an
// older one after a newer.
func TOTPStep(secret, code string, now time.Time, last int64) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	cur := now.Unix() / TOTPPeriod
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*TOTPPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > last {
			step, ok = s, true
		}
	}
	return step, ok
}

// TOTPURL is the otpauth:// address an authenticator app reads from the
// enrolment QR code.
func TOTPURL(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// RecoveryCodes is how many one-time recovery codes an enrolment gives.
const RecoveryCodes = 10

// NormalizeRecoveryCode reads a recovery code as typed: spaces and dashes
// dropped, lower case.
func NormalizeRecoveryCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// MaxTOTPFailures is how many wrong codes (TOTP and recovery codes alike)
// lock the account, as password failures do.
const MaxTOTPFailures = 20

// DefaultRequire2FA are the roles that must have a second factor unless
// configured otherwise: the office and the three administrators.
var DefaultRequire2FA = []Role{RoleOffice, RoleSysadmin, RoleSecadmin, RoleAuditor}

// Restriction says what a logged-in account must do before anything else:
// "" (nothing), EPASSWORDCHANGE (change its password) or ETOTPENROL (enrol
// a second factor its role requires). require lists the roles that need a
// second factor.
func Restriction(u *User, require []Role) string {
	switch {
	case u == nil:
		return ""
	case u.MustChangePassword:
		return EPASSWORDCHANGE
	case !u.TOTPEnabled && slices.Contains(require, u.Role):
		return ETOTPENROL
	}
	return ""
}

// ParseRoles reads a comma-separated list of roles ("office,sysadmin"), or
// "none" for no role, as the serve flag --require-2fa takes it.
func ParseRoles(s string) ([]Role, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []Role
	for _, p := range strings.Split(s, ",") {
		r := Role(strings.TrimSpace(p))
		if !r.Valid() && r != RoleSecadmin {
			return nil, Errorf(EINVALID, "未知角色 %q（可选：office、leader、unit_admin、cadre、sysadmin、secadmin、auditor，或 none）", p)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}
