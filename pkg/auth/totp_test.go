package auth_test

import (
	"testing"
	"time"

	"claims.local/pkg/auth"
)

// RFC 6238 appendix B, SHA-1, the 20-byte ASCII secret "12345678901234567890".
func TestTOTPMatchesTheRFC6238Vectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		if got := auth.TOTPCode(secret, time.Unix(v.unix, 0), 8); got != v.want {
			t.Errorf("T=%d: got %s, want %s", v.unix, got, v.want)
		}
	}
}
