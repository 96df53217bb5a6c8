// Package sanlian holds the domain of the 三联三清 platform: its types, the
// service interfaces the adapters implement, and the one error type they share.
package sanlian

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Error codes shared by every service. Adapters map them to transport
// statuses (HTTP 400, 401, 403, 404, 409, 413, 422, 429, 500, 503).
const (
	EINVALID       = "invalid"       // the request itself is malformed (400)
	EUNPROCESSABLE = "unprocessable" // well-formed but fails validation (422)
	EUNAUTHORIZED  = "unauthorized"  // not logged in, or bad credentials (401)
	EFORBIDDEN     = "forbidden"     // logged in, but not allowed (403)
	ENOTFOUND      = "not_found"     // no such entity, or outside the caller's scope (404)
	ECONFLICT      = "conflict"      // stale version or duplicate (409)
	ETOOLARGE      = "too_large"     // body or upload over the limit (413)
	ETOOMANY       = "too_many"      // a rate limit was met; try later (429)
	EINTERNAL      = "internal"      // anything unexpected (500)
	EUNAVAILABLE   = "unavailable"   // a store the service needs does not answer; try later (503)
)

// Error is the one error type services return for conditions a user can act
// on. Message is Chinese and addressed to a county clerk; Fields carries
// per-field messages for forms and API bodies.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("sanlian error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors returns an EUNPROCESSABLE error listing the given fields, or nil
// when there are none.
func FieldErrors(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EUNPROCESSABLE, Message: "提交的内容有误，请检查标出的字段", Fields: fields}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Unknown errors read
// "内部错误" so that internals never reach the user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "内部错误，请稍后重试或联系管理员"
}

// ErrorFields returns the per-field messages of err, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// HTTPStatus is the status every HTTP surface (the web pages and API,
// Open311) answers an error code with.
func HTTPStatus(code string) int {
	switch code {
	case EINVALID:
		return http.StatusBadRequest
	case EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case EUNAUTHORIZED, ETOTPREQUIRED:
		return http.StatusUnauthorized
	case EFORBIDDEN, EPASSWORDCHANGE, ETOTPENROL:
		return http.StatusForbidden
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ETOOMANY:
		return http.StatusTooManyRequests
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// TooManyMessage is the text of a refusal by a rate limit that frees up
// after wait.
func TooManyMessage(wait time.Duration) string {
	return fmt.Sprintf("操作过于频繁，请 %d 秒后再试", RetrySeconds(wait))
}

// RetrySeconds is wait in whole seconds, at least one: a Retry-After.
func RetrySeconds(wait time.Duration) int {
	return max(int(math.Ceil(wait.Seconds())), 1)
}
