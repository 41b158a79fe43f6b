package signin

import (
	"context"
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
		// The attack of issue 19's review: a person given the claimant
		// channel's role would sign in to the console and upload what
		// straight-through adjudication takes for the claimant's own.
		"a person as the claimant's channel": `{"users": [{"username": "clerk-2", "roles": ["claimant_channel"], "password_bcrypt": "` + good + `"}]}`,
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

func TestLimiterLocksAfterTooManyAttemptsAndUnlocksLater(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	l := NewLimiter(testDB(t), LimitPolicy{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute}, func() time.Time { return now })
	for i := 1; i <= 3; i++ {
		if _, ok, err := l.Attempt(ctx, "k"); err != nil || !ok {
			t.Fatalf("attempt %d: got ok=%v %v, want allowed", i, ok, err)
		}
	}
	left, ok, err := l.Attempt(ctx, "k")
	if err != nil || ok || left != 10*time.Minute {
		t.Fatalf("attempt 4: got ok=%v for %v (%v), want locked for 10m", ok, left, err)
	}
	if _, ok, _ := l.Attempt(ctx, "other"); !ok {
		t.Fatalf("another key: got locked, want allowed")
	}
	now = now.Add(10*time.Minute + time.Second)
	if _, ok, _ := l.Attempt(ctx, "k"); !ok {
		t.Fatalf("after the lockout: got locked, want allowed")
	}
}

func TestLimiterForgetsAttemptsOutsideTheWindowAndOnSuccess(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	l := NewLimiter(testDB(t), LimitPolicy{MaxFailures: 1, Window: time.Minute, Lockout: time.Hour}, func() time.Time { return now })
	_, _, _ = l.Attempt(ctx, "k")
	now = now.Add(2 * time.Minute)
	if _, ok, _ := l.Attempt(ctx, "k"); !ok {
		t.Fatalf("attempt outside the window: got locked, want counted afresh")
	}
	if err := l.Succeed(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := l.Attempt(ctx, "k"); !ok {
		t.Fatalf("attempt after a success: got locked, want counted afresh")
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
