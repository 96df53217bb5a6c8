package sanlian

import (
	"context"
	"errors"
	"regexp"
	"time"
)

// Role is what an account may do and see (SPEC §6).
type Role string

// The roles of SPEC §6.
const (
	RoleOffice    Role = "office"     // 县领导小组办公室: everything
	RoleLeader    Role = "leader"     // 县级领导: linked townships
	RoleUnitAdmin Role = "unit_admin" // a unit and its sub-units
	RoleCadre     Role = "cadre"      // own links and items
	RoleSysadmin  Role = "sysadmin"   // accounts and settings, no personal data
	RoleAuditor   Role = "auditor"    // the audit log only
	RoleSecadmin  Role = "secadmin"   // roles, data scope and security policy, no personal data
	// RolePublic is a member of the public acting through the people's
	// side (NewPublicContext). It is no account's role and not in Roles:
	// every scope check that does not name it refuses it.
	RolePublic Role = "public"
	// RoleCityOffice and RoleProvinceOffice are the offices above the
	// counties of a multi-county deployment (docs/multi-county.md). They
	// read the counties' figures only: they are in no county route's
	// access and see no personal data. Their accounts live apart from
	// every county's, and they are not in Roles.
	RoleCityOffice     Role = "city_office"
	RoleProvinceOffice Role = "province_office"
)

// CityRoles lists the roles above the counties.
var CityRoles = []Role{RoleCityOffice, RoleProvinceOffice}

// Roles lists every role in display order.
var Roles = []Role{RoleOffice, RoleLeader, RoleUnitAdmin, RoleCadre, RoleSysadmin, RoleSecadmin, RoleAuditor}

// Label returns the Chinese name of the role.
func (r Role) Label() string {
	switch r {
	case RoleOffice:
		return "县办公室"
	case RoleLeader:
		return "县级领导"
	case RoleUnitAdmin:
		return "单位管理员"
	case RoleCadre:
		return "党员干部"
	case RoleSysadmin:
		return "系统管理员"
	case RoleAuditor:
		return "审计管理员"
	case RoleSecadmin:
		return "安全管理员"
	case RolePublic:
		return "群众"
	case RoleCityOffice:
		return "市级办公室"
	case RoleProvinceOffice:
		return "省级办公室"
	}
	return string(r)
}

// IsCity reports whether r is a role above the counties.
func (r Role) IsCity() bool { return r == RoleCityOffice || r == RoleProvinceOffice }

// Valid reports whether r is one of the known roles of a county's
// accounts (not the city's: IsCity).
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// SeesPersonalData reports whether the role may see citizens' data at all.
func (r Role) SeesPersonalData() bool {
	return r == RoleOffice || r == RoleLeader || r == RoleUnitAdmin || r == RoleCadre
}

// MayReveal reports whether the role may reveal a whole ID number or phone
// of a record already in its scope. Every reveal is audited.
func (r Role) MayReveal() bool {
	return r == RoleOffice || r == RoleUnitAdmin || r == RoleCadre
}

// User is an account.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        Role   `json:"role"`
	UnitID      int64  `json:"unit_id,omitempty"`    // required for unit_admin
	CadreID     int64  `json:"cadre_id,omitempty"`   // required for cadre and leader
	UnitName    string `json:"unit_name,omitempty"`  // read only, on the account pages
	CadreName   string `json:"cadre_name,omitempty"` // read only, on the account pages
	Disabled    bool   `json:"disabled"`
	// Pending marks an account created from the web whose grant waits
	// for a second administrator's approval; it cannot log in.
	Pending     bool      `json:"pending,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	// MustChangePassword: the account's next step is a new password
	// (an administrator's reset, or expiry).
	MustChangePassword bool `json:"must_change_password"`
	// TOTPEnabled: the account logs in with a second factor.
	TOTPEnabled bool `json:"totp_enabled"`
	// Restriction is what the account must do before anything else
	// (Restriction: EPASSWORDCHANGE or ETOTPENROL), "" when nothing.
	Restriction string `json:"restriction,omitempty"`
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9_.\-]{3,32}$`)

// Validate checks the fields every account needs.
func (u *User) Validate() error {
	f := map[string]string{}
	if !usernameRE.MatchString(u.Username) {
		f["username"] = "用户名须为 3–32 位字母、数字、下划线、点或连字符"
	}
	if !u.Role.Valid() {
		f["role"] = "未知角色"
	}
	if u.Role == RoleUnitAdmin && u.UnitID == 0 {
		f["unit_id"] = "单位管理员须指定单位"
	}
	if (u.Role == RoleCadre || u.Role == RoleLeader) && u.CadreID == 0 {
		f["cadre_id"] = "干部和县级领导账号须关联一名干部"
	}
	return FieldErrors(f)
}

// Session is a logged-in session: a browser cookie or an API bearer token.
// Only a hash of the token is stored.
type Session struct {
	Token     string    `json:"token"` // set only when created
	UserID    int64     `json:"user_id"`
	Kind      string    `json:"kind"` // web or api
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Pending: Token is a pending login's, awaiting a second factor
	// (Credentials.Pending), not a session's.
	Pending bool `json:"-"`
}

// AuthConfig sets the login rules.
type AuthConfig struct {
	MaxFailures int           // failed logins before the account locks (default 5)
	LockFor     time.Duration // how long it stays locked (default 15m)
	IdleTimeout time.Duration // a session unused this long ends (default 30m)
	// Require2FA lists the roles that must have a second factor (nil:
	// none; serve's --require-2fa defaults to DefaultRequire2FA).
	Require2FA []Role
}

// WithDefaults fills unset fields with the defaults of SPEC §6.
func (c AuthConfig) WithDefaults() AuthConfig {
	if c.MaxFailures <= 0 {
		c.MaxFailures = 5
	}
	if c.LockFor <= 0 {
		c.LockFor = 15 * time.Minute
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	return c
}

// LoginRefused is the one answer to every refused login: it does not say
// whether the name exists, the password was wrong or the account is
// locked for a while.
const LoginRefused = "用户名或密码错误，或账号暂时锁定，请稍后再试"

// ErrSecondFactor is in the chain of a login refused for its second factor
// (a wrong TOTP or recovery code) after a right password, beside the
// EUNAUTHORIZED error that says LoginRefused to the user: the counts of
// failed logins tell the two apart; the user is told the same words.
var ErrSecondFactor = errors.New("second factor refused")

// UserService manages accounts and sessions.
type UserService interface {
	AccountSelfService

	// Login checks the password and opens a session of the given kind.
	// Every refusal (unknown name, wrong password, locked or disabled
	// account) is EUNAUTHORIZED with the message LoginRefused, so that a
	// refusal does not tell which names exist. Both outcomes are audited.
	Login(ctx context.Context, username, password, kind string) (*Session, *User, error)

	// Authenticate returns the user of a live session token and extends its
	// idle timeout. Returns EUNAUTHORIZED when the token is unknown or idle.
	Authenticate(ctx context.Context, token string) (*User, error)

	// Logout ends the session of token.
	Logout(ctx context.Context, token string) error

	// CreateUser creates an account. Only the system administrator may,
	// and the account then waits, disabled and Pending, for a security
	// administrator's approval (GrantService); the command line
	// (NewSystemContext) creates any account directly. Returns
	// EFORBIDDEN, EUNPROCESSABLE, ECONFLICT.
	CreateUser(ctx context.Context, u *User, password string) error

	// FindUsers lists accounts (system and security administrators, the
	// command line).
	FindUsers(ctx context.Context) ([]*User, error)

	// SetPassword replaces a user's password (sysadmin, or the user).
	SetPassword(ctx context.Context, userID int64, password string) error
}
