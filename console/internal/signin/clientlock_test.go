package signin

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// TestAttackAStrangerCannotLockAServiceClientOut: the token endpoint is on
// the console's edge, which every browser reaches. Its attempts were
// counted per client id alone, so anyone sending a few wrong secrets for
// "payout" locked payout's client for the lockout, and again when it ended:
// payout could obtain no token to call adjudication. As for people (issue
// 20), the lock holds a client id at the address the wrong secrets came
// from; a secret of 20+ random characters is not guessed by spreading the
// guesses over addresses.
func TestAttackAStrangerCannotLockAServiceClientOut(t *testing.T) {
	secret := "4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"
	sum := sha256.Sum256([]byte(secret))
	clients, err := ParseClients(strings.NewReader(`{"clients": [{"client_id": "payout", "secret_sha256": "` + hex.EncodeToString(sum[:]) +
		`", "subject": "system:payout", "roles": ["finance"], "audiences": ["adjudication"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := testSigner(t, 10*time.Minute)
	h := NewHandler(Config{NameKey: testNameKey(), Signer: signer, DB: testDB(t), Clients: clients,
		PerUser:   LimitPolicy{MaxFailures: 3, Window: time.Minute, Lockout: time.Minute},
		PerClient: LimitPolicy{MaxFailures: 100, Window: time.Minute, Lockout: time.Minute}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := gin.New()
	e.POST("/api/auth/token", h.Token)
	post := func(ip, secret string) int {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"payout"}, "client_secret": {secret}, "audience": {"adjudication"}}
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/auth/token", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = ip + ":40000"
		e.ServeHTTP(w, r)
		return w.Code
	}
	const stranger, payout = "198.51.100.7", "10.0.0.5"
	for i := range 6 {
		want := http.StatusUnauthorized
		if i >= 3 {
			want = http.StatusTooManyRequests
		}
		if got := post(stranger, "wrong-secret-"+string(rune('a'+i))); got != want {
			t.Fatalf("stranger's guess %d: got %d, want %d", i+1, got, want)
		}
	}
	if got := post(stranger, secret); got != http.StatusTooManyRequests {
		t.Fatalf("the right secret from the stranger's locked address: got %d, want 429", got)
	}
	if got := post(payout, secret); got != http.StatusOK {
		t.Fatalf("payout asking for its token from its own address: got %d, want 200", got)
	}
}
