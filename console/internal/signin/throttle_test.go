package signin

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"claims.local/pkg/auth"
	"claims.local/pkg/postgres/pgtest"
)

// testDB returns a migrated console database of its own, opened as its
// run-time role (the console's rights: rows only).
func testDB(t *testing.T) *gorm.DB {
	t.Helper()
	return pgtest.NewMigrated(t, 30, Migrations)
}

// testNameKey is the key of the names' hashes of the tests' handlers (the
// same for every replica of a test, as Config.NameKey wants).
func testNameKey() []byte {
	return []byte("a test key of the sign-in names, 32+ bytes long")
}

// testSigner returns a signer as the issuer http://console.test with a
// fresh key, and the key.
func testSigner(t *testing.T, ttl time.Duration) (*auth.Signer, auth.SigningKey) {
	t.Helper()
	key, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner(key, "http://console.test", ttl)
	if err != nil {
		t.Fatal(err)
	}
	return signer, key
}

// throttled is a sign-in handler of handler-1 (password right-pass) allowing
// max attempts per user name, on db.
func throttled(t *testing.T, db *gorm.DB, users *Directory, max int) *gin.Engine {
	t.Helper()
	signer, _ := testSigner(t, time.Hour)
	h := NewHandler(Config{NameKey: testNameKey(), Users: users, Signer: signer, DB: db,
		PerUser:   LimitPolicy{MaxFailures: max, Window: time.Minute, Lockout: 5 * time.Minute},
		PerClient: LimitPolicy{MaxFailures: 1000, Window: time.Minute, Lockout: time.Minute}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := gin.New()
	e.POST("/api/auth/sign-in", h.SignIn)
	return e
}

func testUsers(t *testing.T) *Directory {
	t.Helper()
	d, err := ParseUsers(strings.NewReader(`{"users": [{"username": "handler-1", "roles": ["handler"], "password_bcrypt": "` + hash(t, "right-pass") + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func post(e http.Handler, user, pass string) int {
	w := httptest.NewRecorder()
	body := `{"username": "` + user + `", "password": "` + pass + `"}`
	r := httptest.NewRequest(http.MethodPost, "/api/auth/sign-in", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	e.ServeHTTP(w, r)
	return w.Code
}

// Issue 15: after the failures, the same name padded with spaces and the
// right password got 200.
func TestPaddedFoldedOrFullWidthNamesShareTheLockedCounter(t *testing.T) {
	e := throttled(t, testDB(t), testUsers(t), 3)
	for i := range 3 {
		if got := post(e, "handler-1", "wrong-pass"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, got)
		}
	}
	for _, name := range []string{"handler-1", " handler-1", "handler-1  ", "HANDLER-1", "Handler-1", "ｈａｎｄｌｅｒ－１", "\u3000handler-1"} {
		if got := post(e, name, "right-pass"); got != http.StatusTooManyRequests {
			t.Errorf("%q with the right password after 3 failures: got %d, want 429", name, got)
		}
	}
}

func TestConcurrentGuessesAreCountedBeforeThePasswordIsChecked(t *testing.T) {
	users := testUsers(t)
	e := throttled(t, testDB(t), users, 5)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { post(e, "handler-1", "wrong-pass") })
	}
	wg.Wait()
	if got := users.PasswordChecks(); got > 5 {
		t.Fatalf("got %d of 20 concurrent guesses checked against bcrypt, want at most 5", got)
	}
}

func TestCountersAreSharedByEveryReplica(t *testing.T) {
	db, users := testDB(t), testUsers(t)
	one, two := throttled(t, db, users, 3), throttled(t, db, users, 3)
	for range 3 {
		post(one, "handler-1", "wrong-pass")
	}
	if got := post(two, "handler-1", "right-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("on another replica after 3 failures: got %d, want 429", got)
	}
}
