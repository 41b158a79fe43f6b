// Package apperr holds the one application error type of the platform. Every
// layer returns *Error for what a caller can act on; the HTTP port maps its
// Code to a status in one table (package httpapi). Anything else is an
// internal error: logged in full, answered with a generic message.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a machine-readable error code, stable across releases.
type Code string

// The codes a client may see.
const (
	Invalid          Code = "invalid_argument"
	NotFound         Code = "not_found"
	Conflict         Code = "conflict"
	Unauthenticated  Code = "unauthenticated"
	Forbidden        Code = "forbidden"
	TooLarge         Code = "payload_too_large"
	UnsupportedMedia Code = "unsupported_media_type"
	Unprocessable    Code = "unprocessable"
	Unavailable      Code = "unavailable"
	Internal         Code = "internal"

	// Overloaded: the service is at its bound for this kind of work (the
	// uploads it checks at once); the answer says when to try again.
	Overloaded Code = "overloaded"
	// TooManyInFlight: the caller has as many requests of this kind in
	// flight as one caller may (the uploads an instance takes of one
	// caller at once); the answer says when to try again.
	TooManyInFlight Code = "too_many_in_flight"
	// Busy: the database failed the change again and again for conflicting
	// ones (a deadlock's victim, a serialization conflict) and nothing of it
	// was applied; the same request sent again can succeed.
	Busy Code = "busy_retry"
	// The refusals of the money controls (issue 14): a payee not entitled
	// under the policy, an amount beyond the contract, checks that block.
	PayeeNotEntitled Code = "payee_not_entitled"
	BeyondContract   Code = "beyond_contract"
	ChecksFailing    Code = "checks_failing"
	FraudSignal      Code = "fraud_signal"
	// AmountChanged: a decision waiting for a senior's approval rests on an
	// amount the product's rules no longer compute (another claim of the
	// policy used the annual deductible or a limit, or stopped using it,
	// since it was made): it is returned and decided again, not approved.
	AmountChanged Code = "amount_changed"
)

// Error is an error a person can understand, with a code a program can use.
// Field names the input field at fault, when there is one.
type Error struct {
	Code    Code
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField reports that one input field is wrong and why.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err, or Internal when err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
