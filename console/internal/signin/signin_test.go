package signin

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"claims.local/pkg/httpapi"
)

// hash returns a cheap bcrypt hash of password, for tests.
func hash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	return string(h)
}

func TestParseUsersRefusesABadFile(t *testing.T) {
	good := hash(t, "secret-pass")
	for name, body := range map[string]string{
		"not json":     `{`,
		"no users":     `{"users": []}`,
		"no username":  `{"users": [{"username": " ", "roles": ["handler"], "password_bcrypt": "` + good + `"}]}`,
		"no role":      `{"users": [{"username": "a", "roles": [], "password_bcrypt": "` + good + `"}]}`,
		"unknown role": `{"users": [{"username": "a", "roles": ["king"], "password_bcrypt": "` + good + `"}]}`,
		"not a hash":   `{"users": [{"username": "a", "roles": ["handler"], "password_bcrypt": "secret-pass"}]}`,
		"twice the same": `{"users": [{"username": "a", "roles": ["handler"], "password_bcrypt": "` + good + `"},` +
			`{"username": "a", "roles": ["finance"], "password_bcrypt": "` + good + `"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseUsers(strings.NewReader(body)); err == nil {
				t.Fatalf("got no error, want the file refused")
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	d, err := ParseUsers(strings.NewReader(`{"comment": "test", "users": [{"username": "handler-1", "name": "韩立",
		"roles": ["handler", "senior_handler"], "password_bcrypt": "` + hash(t, "right-pass") + `"}]}`))
	if err != nil {
		t.Fatalf("ParseUsers: %v", err)
	}
	u, ok := d.Authenticate("handler-1", "right-pass")
	if !ok || u.Subject != "handler-1" || u.Name != "韩立" || len(u.Roles) != 2 {
		t.Fatalf("right password: got %+v %v, want handler-1 with two roles", u, ok)
	}
	for _, c := range []struct{ user, pass string }{{"handler-1", "wrong-pass"}, {"nobody", "right-pass"}, {"handler-1", ""}} {
		if u, ok := d.Authenticate(c.user, c.pass); ok {
			t.Fatalf("Authenticate(%q, %q): got %+v, want refused", c.user, c.pass, u)
		}
	}
}

func TestHashPasswordMakesAHashAuthenticateAccepts(t *testing.T) {
	if _, err := HashPassword("short"); err == nil {
		t.Fatalf("short password: got no error, want one")
	}
	h, err := HashPassword("long-enough")
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	d, err := ParseUsers(strings.NewReader(`{"users": [{"username": "a", "roles": ["auditor"], "password_bcrypt": "` + h + `"}]}`))
	if err != nil {
		t.Fatalf("ParseUsers: %v", err)
	}
	if _, ok := d.Authenticate("a", "long-enough"); !ok {
		t.Fatalf("got refused, want the hashed password accepted")
	}
}

func TestLimiterLocksAfterTooManyFailuresAndUnlocksLater(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(LimitPolicy{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute}, func() time.Time { return now })
	for i := 1; i <= 2; i++ {
		if l.Fail("k") {
			t.Fatalf("failure %d: got locked, want not yet", i)
		}
	}
	if _, locked := l.Locked("k"); locked {
		t.Fatalf("after 2 failures: got locked, want not")
	}
	if !l.Fail("k") {
		t.Fatalf("failure 3: got not locked, want locked")
	}
	left, locked := l.Locked("k")
	if !locked || left != 10*time.Minute {
		t.Fatalf("got locked=%v for %v, want locked for 10m", locked, left)
	}
	if _, locked := l.Locked("other"); locked {
		t.Fatalf("another key: got locked, want not")
	}
	now = now.Add(10*time.Minute + time.Second)
	if _, locked := l.Locked("k"); locked {
		t.Fatalf("after the lockout: got locked, want unlocked")
	}
}

func TestLimiterForgetsFailuresOutsideTheWindowAndOnSuccess(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(LimitPolicy{MaxFailures: 2, Window: time.Minute, Lockout: time.Hour}, func() time.Time { return now })
	l.Fail("k")
	now = now.Add(2 * time.Minute)
	if l.Fail("k") {
		t.Fatalf("second failure outside the window: got locked, want counted afresh")
	}
	l.Succeed("k")
	if l.Fail("k") {
		t.Fatalf("failure after a success: got locked, want counted afresh")
	}
}

func TestDisabledSignInAnswersUnavailable(t *testing.T) {
	e := gin.New()
	e.POST("/api/auth/sign-in", Disabled(slog.New(slog.NewTextHandler(io.Discard, nil))))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/auth/sign-in", strings.NewReader(`{"username":"a","password":"b"}`)))
	var body httpapi.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusServiceUnavailable || body.Error.Code != "unavailable" {
		t.Fatalf("got %d %s, want 503 unavailable", w.Code, w.Body)
	}
}
