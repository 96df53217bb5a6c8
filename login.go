package sanlian

import (
	"context"
	"strings"
	"time"
)

// Credentials are what a login presents: a password and, for an account
// with a second factor, a TOTP code or a recovery code.
type Credentials struct {
	Username     string
	Password     string
	TOTP         string
	RecoveryCode string
	Kind         string // web or api
	// Pending asks, when the password is right and the account has a
	// second factor but no code was given, for a pending login (a token
	// valid PendingLoginFor, completed by CompleteLogin) rather than
	// ETOTPREQUIRED: the web's second page.
	Pending bool
}

// PendingLoginFor is how long a pending login waits for its code.
const PendingLoginFor = 5 * time.Minute

// SessionInfo is one of a user's live sessions, as the user sees it.
type SessionInfo struct {
	ID        string    `json:"id"` // a public id, not the token or its hash
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Current   bool      `json:"current"` // the session asking
}

// TOTPEnrolment is a second factor being set up: its secret, shown as
// text and as a QR code of URL.
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"url"`
}

// Login log events.
const (
	LoginEventLogin    = "login"           // a session opened
	LoginEventFailed   = "login.failed"    // a refused password or account
	LoginEventLock     = "lock"            // the account locked
	LoginEventCode     = "totp.failed"     // a wrong TOTP or recovery code
	LoginEventPending  = "login.pending"   // password right, code awaited
	LoginEventLogout   = "logout"          // a session ended by its user
	LoginEventPassword = "password.change" // the user changed their password
)

// LoginEventLabel is the Chinese name of a login log event.
func LoginEventLabel(e string) string {
	switch e {
	case LoginEventLogin:
		return "登录成功"
	case LoginEventFailed:
		return "登录失败"
	case LoginEventLock:
		return "账号锁定"
	case LoginEventCode:
		return "动态码错误"
	case LoginEventPending:
		return "待输入动态码"
	case LoginEventLogout:
		return "退出"
	case LoginEventPassword:
		return "修改密码"
	}
	return e
}

// LoginEntry is one row of the login log.
type LoginEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	UserID    int64     `json:"user_id,omitempty"`
	Username  string    `json:"username"`
	Event     string    `json:"event"`
	OK        bool      `json:"ok"`
	Reason    string    `json:"reason,omitempty"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
}

// LoginFilter selects login log rows, newest first. Result is "ok",
// "failed" or "" (both).
type LoginFilter struct {
	Username string
	Result   string
	From, To time.Time
	Cursor   string
	Limit    int
}

// AccountSelfService is what every user does for their own account, and
// the login-time steps beyond the password.
type AccountSelfService interface {
	// LoginWith is UserService.Login with a second factor. An account with
	// one and no code given: ETOTPREQUIRED (the same words as every
	// refusal), or a pending login when c.Pending. A wrong code counts
	// toward MaxTOTPFailures and answers LoginRefused.
	LoginWith(ctx context.Context, c Credentials) (*Session, *User, error)
	// CompleteLogin opens the session of a pending login with a code.
	CompleteLogin(ctx context.Context, pending, totp, recovery string) (*Session, *User, error)

	// ChangePassword changes the caller's password: old checked (a wrong
	// one counts toward the lockout), the policy applied, every other
	// session of the user ended.
	ChangePassword(ctx context.Context, token, old, new string) error
	// PasswordPolicy returns the policy in force; SetPasswordPolicy sets
	// it (secadmin, or the command line).
	PasswordPolicy(ctx context.Context) (PasswordPolicy, error)
	SetPasswordPolicy(ctx context.Context, p PasswordPolicy) error

	// MySessions lists the caller's live sessions, token marking the
	// current one. EndMySession ends one by its public id; all others
	// when id is "others".
	MySessions(ctx context.Context, token string) ([]*SessionInfo, error)
	EndMySession(ctx context.Context, token, id string) (int, error)

	// BeginTOTP returns the secret being enrolled (a new one unless one is
	// waiting). ConfirmTOTP enables it with a first code and returns the
	// recovery codes, shown once. DisableTOTP needs a current code and is
	// refused when the role requires a second factor.
	BeginTOTP(ctx context.Context, issuer string) (*TOTPEnrolment, error)
	ConfirmTOTP(ctx context.Context, code string) ([]string, error)
	DisableTOTP(ctx context.Context, code string) error

	// FindLogins reads the login log (auditor, office).
	FindLogins(ctx context.Context, f LoginFilter) ([]*LoginEntry, string, error)
}

// BrowserLabel names the browser and system of a user agent in a few
// words, for the login log and the sessions list ("Chrome · Windows",
// "微信 · Android"); an agent it does not know is cut to its first word.
func BrowserLabel(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "未知"
	}
	has := func(s string) bool { return strings.Contains(ua, s) }
	browser := ""
	switch {
	case has("MicroMessenger"):
		browser = "微信"
	case has("DingTalk"):
		browser = "钉钉"
	case has("Edg/"):
		browser = "Edge"
	case has("HeadlessChrome"):
		browser = "Chrome（无界面）"
	case has("Chrome/"), has("CriOS/"):
		browser = "Chrome"
	case has("Firefox/"):
		browser = "Firefox"
	case has("Safari/"):
		browser = "Safari"
	default:
		first, _, _ := strings.Cut(ua, " ")
		if len(first) > 40 {
			first = first[:40]
		}
		return first
	}
	system := ""
	switch {
	case has("Android"):
		system = "Android"
	case has("iPhone"), has("iPad"):
		system = "iOS"
	case has("Windows"):
		system = "Windows"
	case has("Mac OS X"):
		system = "macOS"
	case has("Linux"):
		system = "Linux"
	}
	if system == "" {
		return browser
	}
	return browser + " · " + system
}
