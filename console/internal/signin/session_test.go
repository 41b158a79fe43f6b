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
	"gorm.io/gorm"

	"claims.local/pkg/auth"
)

// sessions is a sign-in of handler-1 and admin-1 (password right-pass,
// admin-1 with a second factor) with refresh and revocation, on db.
type sessions struct {
	e      *gin.Engine
	admin  auth.TOTPSecret
	signer *auth.Signer
}

func newSessions(t *testing.T, db *gorm.DB) *sessions {
	t.Helper()
	secret, err := auth.NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	users, err := ParseUsers(strings.NewReader(`{"users": [
		{"username": "handler-1", "roles": ["handler"], "password_bcrypt": "` + hash(t, "right-pass") + `"},
		{"username": "admin-1", "roles": ["admin"], "password_bcrypt": "` + hash(t, "right-pass") + `", "totp_secret": "` + secret.String() + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	signer, key := testSigner(t, time.Hour)
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Issuer: "http://console.test", Audience: AudienceConsole, Keys: auth.StaticKeys(key.Public())})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := NewHandler(Config{NameKey: testNameKey(), Users: users, Signer: signer, DB: db, RefreshTTL: 12 * time.Hour,
		PerUser:   LimitPolicy{MaxFailures: 10, Window: time.Minute, Lockout: time.Minute},
		PerClient: LimitPolicy{MaxFailures: 100, Window: time.Minute, Lockout: time.Minute}}, log)
	e := gin.New()
	e.POST("/api/auth/sign-in", h.SignIn)
	h.Register(e, verifier)
	return &sessions{e: e, admin: secret, signer: signer}
}

func (s *sessions) call(t *testing.T, path, token, body string) (int, Response) {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	s.e.ServeHTTP(w, r)
	var resp Response
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	return w.Code, resp
}

func (s *sessions) signIn(t *testing.T, user string) Response {
	t.Helper()
	otp := ""
	if user == "admin-1" {
		otp = s.admin.Code(time.Now())
	}
	status, r := s.call(t, "/api/auth/sign-in", "", `{"username": "`+user+`", "password": "right-pass", "otp": "`+otp+`"}`)
	if status != http.StatusOK || r.RefreshToken == "" {
		t.Fatalf("sign in %s: got %d %+v, want 200 with a refresh token", user, status, r)
	}
	return r
}

func (s *sessions) refresh(t *testing.T, token string) (int, Response) {
	t.Helper()
	return s.call(t, "/api/auth/refresh", "", `{"refresh_token": "`+token+`"}`)
}

func TestARefreshTokenIsRotatedAndItsReuseRevokesTheSession(t *testing.T) {
	s := newSessions(t, testDB(t))
	first := s.signIn(t, "handler-1")
	status, second := s.refresh(t, first.RefreshToken)
	if status != http.StatusOK || second.Token == "" || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: got %d %+v, want 200 with a new access and refresh token", status, second)
	}
	if status, _ := s.refresh(t, first.RefreshToken); status != http.StatusUnauthorized {
		t.Fatalf("the used refresh token again: got %d, want 401", status)
	}
	if status, _ := s.refresh(t, second.RefreshToken); status != http.StatusUnauthorized {
		t.Fatalf("after a reuse, the newest token of the session: got %d, want 401 (the whole session is revoked)", status)
	}
	if status, _ := s.refresh(t, "made-up"); status != http.StatusUnauthorized {
		t.Fatalf("a made-up token: got %d, want 401", status)
	}
}

func TestARevokedSessionCannotRefresh(t *testing.T) {
	s := newSessions(t, testDB(t))
	handler := s.signIn(t, "handler-1")
	other := s.signIn(t, "handler-1")
	admin := s.signIn(t, "admin-1")
	if status, _ := s.call(t, "/api/auth/users/handler-1/revoke-sessions", handler.Token, ""); status != http.StatusForbidden {
		t.Fatalf("a handler revoking: got %d, want 403", status)
	}
	if status, _ := s.call(t, "/api/auth/users/handler-1/revoke-sessions", "", ""); status != http.StatusUnauthorized {
		t.Fatalf("revoking without a token: got %d, want 401", status)
	}
	if status, _ := s.call(t, "/api/auth/users/handler-1/revoke-sessions", admin.Token, ""); status != http.StatusOK {
		t.Fatalf("an admin revoking: got %d, want 200", status)
	}
	for _, r := range []Response{handler, other} {
		if status, _ := s.refresh(t, r.RefreshToken); status != http.StatusUnauthorized {
			t.Fatalf("refresh of a revoked session: got %d, want 401", status)
		}
	}
	if status, _ := s.refresh(t, admin.RefreshToken); status != http.StatusOK {
		t.Fatalf("another user's session: got %d, want 200", status)
	}
}
