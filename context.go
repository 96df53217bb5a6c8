package sanlian

import "context"

type contextKey int

const (
	userContextKey contextKey = iota + 1
	metaContextKey
)

// NewContextWithUser returns ctx carrying the acting user. Services read it
// to apply data scope and to record the actor in the audit log.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey, u)
}

// UserFromContext returns the acting user, or nil when nobody is logged in.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey).(*User)
	return u
}

// RequestMeta describes where a request came from, for the audit log.
type RequestMeta struct {
	IP        string
	UserAgent string
	// RequestID names the HTTP request (its X-Request-Id, or one the
	// server made), so that an access log line and the audit rows the
	// request wrote can be matched.
	RequestID string
}

// NewContextWithMeta returns ctx carrying request metadata.
func NewContextWithMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, metaContextKey, m)
}

// MetaFromContext returns the request metadata in ctx, or a zero value.
func MetaFromContext(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(metaContextKey).(RequestMeta)
	return m
}

// NewSystemContext returns ctx acting as the system itself: the command
// line and scheduled jobs. It has the office's reach and is audited as
// "system".
func NewSystemContext(ctx context.Context) context.Context {
	return NewContextWithUser(ctx, &User{Username: "system", DisplayName: "系统", Role: RoleOffice})
}
