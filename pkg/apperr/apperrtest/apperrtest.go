// Package apperrtest checks application errors in tests.
package apperrtest

import (
	"testing"

	"claims.local/pkg/apperr"
)

// WantCode fails the test unless err carries code (apperr.CodeOf).
func WantCode(t testing.TB, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("got error %v (code %s), want code %s", err, got, code)
	}
}
