package sanlian

import (
	"context"
	"time"
)

// IsAdministrator reports whether r is one of the three administrators
// (三员): the system, security and audit administrators. None of them reads
// citizens' data.
func IsAdministrator(r Role) bool {
	return r == RoleSysadmin || r == RoleSecadmin || r == RoleAuditor
}

// GrantKind says what a grant request asks for.
type GrantKind string

// The kinds of grant request.
const (
	GrantCreate GrantKind = "create" // a new account with its role and scope
	GrantRole   GrantKind = "role"   // another role
	GrantUnit   GrantKind = "unit"   // another unit
	GrantCadre  GrantKind = "cadre"  // another cadre behind the account
)

// Label names the kind in Chinese.
func (k GrantKind) Label() string {
	switch k {
	case GrantCreate:
		return "新建账号"
	case GrantRole:
		return "变更角色"
	case GrantUnit:
		return "变更单位"
	case GrantCadre:
		return "变更对应干部"
	}
	return string(k)
}

// The states of a grant request.
const (
	GrantPending   = "pending"
	GrantApproved  = "approved"
	GrantRefused   = "refused"
	GrantWithdrawn = "withdrawn"
)

// GrantStates lists the states in display order.
var GrantStates = []string{GrantPending, GrantApproved, GrantRefused, GrantWithdrawn}

// GrantStateLabel names a state in Chinese.
func GrantStateLabel(s string) string {
	switch s {
	case GrantPending:
		return "待批准"
	case GrantApproved:
		return "已批准"
	case GrantRefused:
		return "已拒绝"
	case GrantWithdrawn:
		return "已撤回"
	}
	return s
}

// GrantRequest is a request by one administrator for a grant another must
// approve: a new account, or a change of an account's role, unit or
// cadre. Role, UnitID and CadreID are the values asked for, the Old ones
// those the account had when asked.
type GrantRequest struct {
	ID            int64     `json:"id"`
	UserID        int64     `json:"user_id"`
	Username      string    `json:"username"`
	Kind          GrantKind `json:"kind"`
	Role          Role      `json:"role"`
	UnitID        int64     `json:"unit_id,omitempty"`
	CadreID       int64     `json:"cadre_id,omitempty"`
	UnitName      string    `json:"unit_name,omitempty"`
	CadreName     string    `json:"cadre_name,omitempty"`
	OldRole       Role      `json:"old_role,omitempty"`
	OldUnitID     int64     `json:"old_unit_id,omitempty"`
	OldCadreID    int64     `json:"old_cadre_id,omitempty"`
	UserVersion   int64     `json:"user_version"` // the account's version when asked
	State         string    `json:"state"`
	RequestedBy   int64     `json:"requested_by"`
	RequesterName string    `json:"requester_name"`
	RequesterRole Role      `json:"requester_role"`
	RequestedAt   time.Time `json:"requested_at"`
	DecidedBy     int64     `json:"decided_by,omitempty"`
	DeciderName   string    `json:"decider_name,omitempty"`
	DecidedAt     time.Time `json:"decided_at,omitzero"`
	Reason        string    `json:"reason,omitempty"`
	Version       int64     `json:"version"`
}

// GrantKindOf says what changing account old into new asks for, and
// whether it needs a second administrator at all (GrantNeedsApproval). A
// nil old is a new account.
func GrantKindOf(old, new *User) GrantKind {
	switch {
	case old == nil:
		return GrantCreate
	case old.Role != new.Role:
		return GrantRole
	case old.UnitID != new.UnitID:
		return GrantUnit
	case old.CadreID != new.CadreID:
		return GrantCadre
	}
	return ""
}

// GrantNeedsApproval reports whether turning account old into new (old
// nil: creating new) needs a request by one administrator and the
// approval of another of a different kind. Every role reads citizens'
// data (office, leader, unit admin, cadre) or is an administrator, so
// every new account does; so does any change of role, and any change of
// unit or cadre: another unit's or cadre's data is data the account did
// not reach before, even when it is less. A change of display name does
// not.
func GrantNeedsApproval(old, new *User) bool {
	if old == nil {
		return new.Role.SeesPersonalData() || IsAdministrator(new.Role)
	}
	return GrantKindOf(old, new) != ""
}

// MayRequestGrant says whether role r may ask for a grant: the system and
// the security administrators may; the auditor only reads, and no other
// role manages accounts.
func MayRequestGrant(r Role) error {
	if r != RoleSysadmin && r != RoleSecadmin {
		return Errorf(EFORBIDDEN, "只有系统管理员或安全管理员可以提出授权申请")
	}
	return nil
}

// MayApprove says whether an administrator of role approver may decide a
// request made by one of role requester: both must be system or security
// administrators, and of different kinds (三权分立). The auditor neither
// asks nor decides: it audits both.
func MayApprove(requester, approver Role) error {
	if approver != RoleSysadmin && approver != RoleSecadmin {
		return Errorf(EFORBIDDEN, "只有系统管理员或安全管理员可以审批授权申请")
	}
	if requester == approver {
		return Errorf(EFORBIDDEN, "授权申请须由另一类管理员审批：%s提出的申请不能由%s批准", requester.Label(), approver.Label())
	}
	if requester != RoleSysadmin && requester != RoleSecadmin {
		return Errorf(EFORBIDDEN, "该申请的提出人无权提出授权申请")
	}
	return nil
}

// MayDecide says whether approver may approve or refuse g now: g must
// still be pending, approver must not be who asked nor the account the
// grant is for, and must be of the other kind (MayApprove).
func MayDecide(g *GrantRequest, approver *User) error {
	if g.State != GrantPending {
		return Errorf(ECONFLICT, "该申请已处理（%s），不能再审批", GrantStateLabel(g.State))
	}
	if approver.ID == g.RequestedBy {
		return Errorf(EFORBIDDEN, "不能审批自己提出的申请")
	}
	if approver.ID == g.UserID {
		return Errorf(EFORBIDDEN, "不能审批给自己账号的授权")
	}
	return MayApprove(g.RequesterRole, approver.Role)
}

// MayWithdraw says whether u may withdraw g: only who asked, while it is
// pending.
func MayWithdraw(g *GrantRequest, u *User) error {
	if g.State != GrantPending {
		return Errorf(ECONFLICT, "该申请已处理（%s），不能撤回", GrantStateLabel(g.State))
	}
	if u.ID != g.RequestedBy {
		return Errorf(EFORBIDDEN, "只有申请人可以撤回申请")
	}
	return nil
}

// MayResetPassword says whether actor may reset target's password from
// the web: not an administrator's (sysadmin, secadmin, auditor) but its
// own, since a system administrator who set a security administrator's
// password could log in as it and approve its own requests. An
// administrator's password is reset on the command line (sanlian user
// passwd), by whoever holds the server.
func MayResetPassword(actor, target *User) error {
	if IsAdministrator(target.Role) && actor.ID != target.ID {
		return Errorf(EFORBIDDEN, "管理员账号的密码不能在网页上重置：请由本人修改，或在服务器上用 sanlian user passwd 重置")
	}
	return nil
}

// GrantFilter selects grant requests: by state ("" for any) and account
// (0 for any).
type GrantFilter struct {
	State  string
	UserID int64
}

// GrantChange is a request to change an account's role, unit or cadre
// (each nil when kept), made against the account's Version.
type GrantChange struct {
	Role    *Role  `json:"role"`
	UnitID  *int64 `json:"unit_id"`
	CadreID *int64 `json:"cadre_id"`
	Version int64  `json:"version"`
}

// GrantService keeps the grant requests (三权分立).
type GrantService interface {
	// RequestGrant asks for a change of account userID's role, unit or
	// cadre; the account keeps its old values until approved. EFORBIDDEN
	// but for the system and security administrators; EUNPROCESSABLE when
	// nothing would change or the result is not a valid account;
	// ECONFLICT when the account changed since ch.Version or already has a
	// pending request.
	RequestGrant(ctx context.Context, userID int64, ch GrantChange) (*GrantRequest, error)
	// FindGrants lists requests, newest first (at most 500). EFORBIDDEN
	// but for the system and security administrators; the auditor reads
	// the requests and decisions in the audit log.
	FindGrants(ctx context.Context, f GrantFilter) ([]*GrantRequest, error)
	// ApproveGrant applies request id in one transaction and ends the
	// account's sessions. EFORBIDDEN (MayDecide), ECONFLICT when decided
	// already or the account changed since the request.
	ApproveGrant(ctx context.Context, id int64, reason string) (*GrantRequest, error)
	// RefuseGrant refuses request id (a reason is required).
	RefuseGrant(ctx context.Context, id int64, reason string) (*GrantRequest, error)
	// WithdrawGrant withdraws request id (its requester only).
	WithdrawGrant(ctx context.Context, id int64) (*GrantRequest, error)
}

// UserSession is a live session as an administrator sees it: never its
// token. ID is the token's hash, enough to end it.
type UserSession struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"` // web or api
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	IP        string    `json:"ip"`
}

// AccountAdminService is what the system administrator does to accounts
// once they exist. Each change takes the account's version (ECONFLICT
// when stale), is audited, and ends the account's sessions and bearer
// tokens when it disables it or changes its password.
type AccountAdminService interface {
	// FindUserByID returns an account (system and security administrators).
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// ResetPassword sets a generated one-time password, returned once,
	// which the account must change at its next login.
	ResetPassword(ctx context.Context, id, version int64) (string, error)
	// SetDisabled disables or enables an account. Enabling an account
	// whose creation waits for approval is ECONFLICT.
	SetDisabled(ctx context.Context, id, version int64, disabled bool) (*User, error)
	// Unlock clears a lock after failed logins, and the failures.
	Unlock(ctx context.Context, id, version int64) (*User, error)
	// FindUserSessions lists an account's live sessions.
	FindUserSessions(ctx context.Context, id int64) ([]*UserSession, error)
	// EndUserSession ends one of them (ENOTFOUND when it is not the
	// account's).
	EndUserSession(ctx context.Context, id int64, sessionID string) error
}
