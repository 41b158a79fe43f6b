package signin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/auth"
)

func TestParseUsersWantsASecondFactorForFinanceAndAdmin(t *testing.T) {
	for _, role := range []string{"finance", "admin"} {
		body := `{"users": [{"username": "u", "roles": ["` + role + `"], "password_bcrypt": "` + hash(t, "right-pass") + `"}]}`
		if _, err := ParseUsers(strings.NewReader(body)); err == nil {
			t.Errorf("%s without totp_secret: got the file accepted, want it refused", role)
		}
	}
	body := `{"users": [{"username": "u", "roles": ["finance"], "password_bcrypt": "` + hash(t, "right-pass") + `", "totp_secret": "JBSWY3DPEHPK3PXP"}]}`
	if _, err := ParseUsers(strings.NewReader(body)); err == nil {
		t.Errorf("a short, well-known totp_secret: got accepted, want refused")
	}
}

func postOTP(e http.Handler, user, pass, otp string) int {
	w := httptest.NewRecorder()
	body := `{"username": "` + user + `", "password": "` + pass + `", "otp": "` + otp + `"}`
	r := httptest.NewRequest(http.MethodPost, "/api/auth/sign-in", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	e.ServeHTTP(w, r)
	return w.Code
}

func TestFinanceSignsInOnlyWithAFreshOneTimeCode(t *testing.T) {
	secret, err := auth.NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	users, err := ParseUsers(strings.NewReader(`{"users": [{"username": "finance-1", "roles": ["finance"], "password_bcrypt": "` +
		hash(t, "right-pass") + `", "totp_secret": "` + secret.String() + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := throttled(t, testDB(t), users, 10)
	code := secret.Code(time.Now())
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for name, c := range map[string]struct {
		pass, otp string
		want      int
	}{
		"no code":              {"right-pass", "", http.StatusUnauthorized},
		"wrong code":           {"right-pass", wrong, http.StatusUnauthorized},
		"right code, wrong pw": {"wrong-pass", code, http.StatusUnauthorized},
	} {
		if got := postOTP(e, "finance-1", c.pass, c.otp); got != c.want {
			t.Errorf("%s: got %d, want %d", name, got, c.want)
		}
	}
	if got := postOTP(e, "finance-1", "right-pass", code); got != http.StatusOK {
		t.Fatalf("right password and code: got %d, want 200", got)
	}
	if got := postOTP(e, "finance-1", "right-pass", code); got != http.StatusUnauthorized {
		t.Fatalf("the same code again: got %d, want 401 (a code is used once)", got)
	}
}
