package sanlian

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Tracking by phone (按手机号查询): a resident who lost the tracking code
// asks for a one-time code by SMS to the phone given with the problems,
// and with it sees every problem submitted with that phone in the last
// LookupWindow. The rules are pure functions here; the storage counts,
// locks and keeps the codes hashed.

// Limits of tracking by phone.
const (
	// LookupCodeTTL is how long a code can be used, once.
	LookupCodeTTL = 10 * time.Minute
	// LookupEvery is the least time between two codes for one phone.
	LookupEvery = time.Minute
	// LookupPerPhoneDay is how many codes one phone gets in a day
	// (Shanghai).
	LookupPerPhoneDay = 5
	// LookupPerClientHour is how many codes one client (address) asks for
	// in an hour, whatever the phones.
	LookupPerClientHour = 10
	// DefaultLookupCountyDay is how many codes the county sends in a day
	// unless its setting says otherwise.
	DefaultLookupCountyDay = 2000
	// LookupMaxWrong is how many wrong codes lock a phone's lookups.
	LookupMaxWrong = 5
	// LookupLock is how long a phone's lookups stay locked.
	LookupLock = 30 * time.Minute
	// LookupWindow is how far back a lookup lists problems.
	LookupWindow = 2 * 365 * 24 * time.Hour
	// LookupCodeLen is the digits of a code.
	LookupCodeLen = 6
	// LookupWrongWindow is how long a wrong code counts towards the
	// lock: wrong codes further apart start the count again.
	LookupWrongWindow = 24 * time.Hour
	// LookupKeep is how long a code's row is kept: the limits count a
	// day, and a used or expired code is told apart for a day.
	LookupKeep = 48 * time.Hour
)

// LookupSent is the one answer to a request for a code, whether or not
// the phone has problems: the page tells a stranger nothing.
const LookupSent = "如该手机号提交过问题，验证码已发送，10 分钟内有效"

// NewLookupCode returns six digits drawn from crypto/rand.
func NewLookupCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// NormalizeLookupCode reads a code as typed (spaces and full-width digits
// forgiven); "" when it is not six digits.
func NormalizeLookupCode(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\u3000' || r == '-':
			return -1
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		}
		return r
	}, s)
	if len(s) != LookupCodeLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	return s
}

// LookupCounts are what the storage counted before a code is sent.
type LookupCounts struct {
	LastForPhone time.Time // the phone's last code; zero for none
	PhoneToday   int       // codes for the phone today (Shanghai)
	ClientHour   int       // codes the client asked for in the last hour
	CountyToday  int       // codes sent by the county today (Shanghai)
	CountyMax    int       // the county's daily limit; 0: the default
	LockedUntil  time.Time // the phone's lock; zero for none
}

func errLookupLocked(until time.Time) error {
	return Errorf(ETOOMANY, "验证码错误次数过多，该手机号的查询已锁定，请于 %s 后再试", until.In(Shanghai).Format("15:04"))
}

// LookupLocked refuses with ETOOMANY while a phone's lookups are locked
// (until after now), even with the right code; nil otherwise.
func LookupLocked(now, until time.Time) error {
	if now.Before(until) {
		return errLookupLocked(until)
	}
	return nil
}

// LookupAllowed says whether a code may be sent now, given the counts:
// nil, or an ETOOMANY error in Chinese saying which limit was met.
func LookupAllowed(now time.Time, c LookupCounts) error {
	if err := LookupLocked(now, c.LockedUntil); err != nil {
		return err
	}
	if !c.LastForPhone.IsZero() && now.Sub(c.LastForPhone) < LookupEvery {
		wait := LookupEvery - now.Sub(c.LastForPhone)
		return Errorf(ETOOMANY, "验证码已发送，请 %d 秒后再重新获取", int((wait+time.Second-1)/time.Second))
	}
	if c.PhoneToday >= LookupPerPhoneDay {
		return Errorf(ETOOMANY, "该手机号今天获取验证码已达 %d 次，请明天再试", LookupPerPhoneDay)
	}
	if c.ClientHour >= LookupPerClientHour {
		return Errorf(ETOOMANY, "获取验证码过于频繁，请一小时后再试")
	}
	max := c.CountyMax
	if max <= 0 {
		max = DefaultLookupCountyDay
	}
	if c.CountyToday >= max {
		return Errorf(ETOOMANY, "今天的查询验证码已发完，请明天再试，或凭查询码查询")
	}
	return nil
}

// LookupCodeState is a code as stored, for checking one typed.
type LookupCodeState struct {
	Expires time.Time
	Used    bool
}

// LookupUsable says whether a code that matched may be used now: nil, or
// an EUNPROCESSABLE error saying it was used or has expired.
func LookupUsable(now time.Time, c LookupCodeState) error {
	if c.Used {
		return &Error{Code: EUNPROCESSABLE, Message: "这个验证码已经使用过，请重新获取验证码",
			Fields: map[string]string{"code": "验证码已使用过"}}
	}
	if !now.Before(c.Expires) {
		return &Error{Code: EUNPROCESSABLE, Message: "验证码已过期（10 分钟内有效），请重新获取验证码",
			Fields: map[string]string{"code": "验证码已过期"}}
	}
	return nil
}

// LookupWrongCount is the wrong codes that still count at now, given
// the count kept and when the last wrong code was typed.
func LookupWrongCount(now time.Time, wrong int, last time.Time) int {
	if wrong <= 0 || now.Sub(last) >= LookupWrongWindow {
		return 0
	}
	return wrong
}

// LookupWrong is what a wrong code does: wrong is the phone's wrong codes
// before this one. It returns the count to keep, the lock (zero for none)
// and the error to answer: the attempts left, or the lock.
func LookupWrong(now time.Time, wrong int) (keep int, lockedUntil time.Time, err error) {
	wrong++
	if wrong >= LookupMaxWrong {
		until := now.Add(LookupLock)
		return 0, until, errLookupLocked(until)
	}
	left := LookupMaxWrong - wrong
	return wrong, time.Time{}, &Error{Code: EUNPROCESSABLE, Message: fmt.Sprintf("验证码不正确，还可以再试 %d 次", left),
		Fields: map[string]string{"code": fmt.Sprintf("验证码不正确，还可以再试 %d 次", left)}}
}

// LookupItem is one problem a lookup lists: nothing but its code, state
// and date.
type LookupItem struct {
	Code       string    `json:"tracking_code"`
	State      string    `json:"state"`
	StateLabel string    `json:"state_label"`
	CreatedAt  time.Time `json:"created_at"`
}

// LookupService is tracking by phone and the link that ends a problem's
// SMS messages.
type LookupService interface {
	// RequestLookup sends a code to phone when it has problems in the
	// last LookupWindow; client keys the asking address. The answer is
	// the same whether or not a code was sent. Returns EUNPROCESSABLE (not
	// a mobile), ETOOMANY (a limit, or the phone locked).
	RequestLookup(ctx context.Context, phone, client string) error
	// VerifyLookup checks the code and lists the phone's problems,
	// newest first. Returns EUNPROCESSABLE (not a mobile, no code asked,
	// wrong with attempts left, used, expired), ETOOMANY (locked).
	VerifyLookup(ctx context.Context, phone, code string) ([]LookupItem, error)
	// UnsubscribePublic ends the SMS messages of the problem with the
	// tracking code, for whoever knows its phone's last four digits.
	// Returns ENOTFOUND (unknown code or wrong digits, one answer),
	// ECONFLICT (no SMS asked for).
	UnsubscribePublic(ctx context.Context, code, last4 string) error
}
