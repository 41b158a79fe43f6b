package signin

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"claims.local/pkg/auth"
)

// lockout is a sign-in of handler-1 (password right-pass) that
// locks a (user, source) pair after 3 failures and throttles a user name
// across sources after 5, on a settable clock.
type lockout struct {
	e      *gin.Engine
	db     *gorm.DB
	users  *Directory
	signer *auth.Signer
	clock  *time.Time
	logs   *bytes.Buffer // what the handler logged, as JSON lines
}

func newLockout(t *testing.T) *lockout {
	t.Helper()
	return newLockoutWith(t, nil)
}

// newLockoutWith is newLockout with change applied to the handler's
// configuration.
func newLockoutWith(t *testing.T, change func(*Config)) *lockout {
	t.Helper()
	users, err := ParseUsers(strings.NewReader(`{"users": [
		{"username": "handler-1", "roles": ["handler"], "password_bcrypt": "` + hash(t, "right-pass") + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	signer, key := testSigner(t, time.Hour)
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Issuer: "http://console.test", Audience: AudienceConsole, Keys: auth.StaticKeys(key.Public())})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	l := &lockout{db: testDB(t), users: users, signer: signer, clock: &clock, logs: &bytes.Buffer{}}
	cfg := Config{NameKey: testNameKey(), Users: users, Signer: signer, DB: l.db, Now: func() time.Time { return *l.clock },
		PerUser:           LimitPolicy{MaxFailures: 3, Window: 10 * time.Minute, Lockout: 15 * time.Minute},
		PerClient:         LimitPolicy{MaxFailures: 1000, Window: time.Minute, Lockout: time.Minute},
		PerUserAllSources: ThrottlePolicy{FreeFailures: 5, BaseDelay: time.Second, MaxDelay: time.Minute, Window: 15 * time.Minute},
	}
	if change != nil {
		change(&cfg)
	}
	h := NewHandler(cfg, slog.New(slog.NewJSONHandler(l.logs, nil)))
	l.e = gin.New()
	l.e.POST("/api/auth/sign-in", h.SignIn)
	h.Register(l.e, verifier)
	return l
}

// from signs in as user with pass from the client address ip.
func (l *lockout) from(ip, user, pass string) int {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/api/auth/sign-in", strings.NewReader(`{"username": "`+user+`", "password": "`+pass+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = ip + ":40000"
	l.e.ServeHTTP(w, r)
	return w.Code
}

func (l *lockout) unlock(t *testing.T, token, user string) int {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/api/auth/users/"+url.PathEscape(user)+"/unlock", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	l.e.ServeHTTP(w, r)
	return w.Code
}

func (l *lockout) token(t *testing.T, subject string, roles ...auth.Role) string {
	t.Helper()
	tok, err := l.signer.Issue(auth.Principal{Subject: subject, Roles: roles}, []string{AudienceConsole}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Issue 20: anyone could lock a colleague out by typing their name six
// times. The lock is per user and source: the stranger's address is
// locked, the colleague's is not.
func TestAStrangerCannotLockAColleagueOutAtTheirOwnAddress(t *testing.T) {
	l := newLockout(t)
	for i := range 6 {
		got := l.from("198.51.100.7", "handler-1", "wrong-pass")
		want := http.StatusUnauthorized
		if i >= 3 {
			want = http.StatusTooManyRequests
		}
		if got != want {
			t.Fatalf("stranger's guess %d: got %d, want %d", i+1, got, want)
		}
	}
	if got := l.from("198.51.100.7", "handler-1", "right-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("the right password from the stranger's locked address: got %d, want 429", got)
	}
	if got := l.from("203.0.113.9", "handler-1", "right-pass"); got != http.StatusOK {
		t.Fatalf("the colleague at their own address: got %d, want 200", got)
	}
}

// A guesser spreading guesses over many addresses is not stopped by the
// per-source lock; the per-user throttle bounds the passwords checked:
// the free failures, then one per doubling delay.
func TestADistributedGuesserGetsBoundedGuesses(t *testing.T) {
	l := newLockout(t)
	for i := range 100 {
		l.from("198.51.100."+strconv.Itoa(i), "handler-1", "wrong-pass")
	}
	if got := l.users.PasswordChecks(); got > 6 {
		t.Fatalf("got %d passwords checked for 100 guesses from 100 addresses at one instant, want at most 6", got)
	}
	// Over ten minutes of guessing every second from a new address, the
	// delays double up to a minute: about 6 + 6 + 10 checks, not 600.
	for i := range 600 {
		*l.clock = l.clock.Add(time.Second)
		l.from("192.0.2."+strconv.Itoa(i%250), "handler-1", "wrong-pass")
	}
	if got := l.users.PasswordChecks(); got > 25 {
		t.Fatalf("got %d passwords checked over 600 distributed guesses in 10 minutes, want at most 25", got)
	}
}

// A stranger guessing a colleague's name from many addresses engages the
// throttle across sources, and keeps it engaged with one guess per delay;
// the colleague still signs in from an address they signed in from
// before. From an address they never used they wait like anyone else.
func TestAStrangerOnManyAddressesCannotHoldAColleagueOut(t *testing.T) {
	l := newLockout(t)
	if got := l.from("203.0.113.9", "handler-1", "right-pass"); got != http.StatusOK {
		t.Fatalf("the colleague's first sign-in: got %d, want 200", got)
	}
	for round := range 5 {
		*l.clock = l.clock.Add(time.Minute)
		for i := range 50 {
			l.from("198.51.100."+strconv.Itoa(round*50+i), "Handler-1", "wrong-pass")
		}
		if got := l.from("203.0.113.9", "handler-1", "right-pass"); got != http.StatusOK {
			t.Fatalf("the colleague at their usual address after %d guesses from other addresses: got %d, want 200", (round+1)*50, got)
		}
	}
	for i := range 50 {
		l.from("192.0.2."+strconv.Itoa(i), "handler-1", "wrong-pass")
	}
	if got := l.from("198.51.100.200", "handler-1", "right-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("the right password from an address never used, while throttled: got %d, want 429", got)
	}
	for range 3 {
		l.from("203.0.113.9", "handler-1", "wrong-pass")
	}
	if got := l.from("203.0.113.9", "handler-1", "right-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("a known address still locks after its own failures: got %d, want 429", got)
	}
}

// A stranger behind the same address as a colleague (one office, one NAT)
// spraying guesses over many names locks the address for names never
// signed in from it; the colleague who signed in from it before still
// signs in, and their own name's guesses there stay bounded by the
// per-(user, source) lock.
func TestAStrangerSprayingFromASharedAddressCannotLockAColleagueOut(t *testing.T) {
	l := newLockoutWith(t, func(c *Config) {
		c.PerClient = LimitPolicy{MaxFailures: 10, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
	})
	const office = "203.0.113.9"
	if got := l.from(office, "handler-1", "right-pass"); got != http.StatusOK {
		t.Fatalf("the colleague's first sign-in: got %d, want 200", got)
	}
	for i := range 30 {
		l.from(office, "nobody-"+strconv.Itoa(i), "wrong-pass")
	}
	if got := l.from(office, "nobody-99", "wrong-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("another name from the sprayed address: got %d, want 429", got)
	}
	if got := l.from(office, "handler-1", "right-pass"); got != http.StatusOK {
		t.Fatalf("the colleague at the shared address they signed in from: got %d, want 200", got)
	}
	for range 3 {
		l.from(office, "handler-1", "wrong-pass")
	}
	if got := l.from(office, "handler-1", "right-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("the colleague's name after its own failures there: got %d, want 429", got)
	}
}

func TestOnlyAnAdminUnlocksAndTheUnlockIsAudited(t *testing.T) {
	l := newLockout(t)
	for range 4 {
		l.from("203.0.113.9", "handler-1", "wrong-pass")
	}
	if got := l.from("203.0.113.9", "handler-1", "right-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("locked: got %d, want 429", got)
	}
	for _, c := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"forged token", "eyJhbGciOiJub25lIn0.e30.", http.StatusUnauthorized},
		{"a handler", l.token(t, "handler-2", auth.Handler), http.StatusForbidden},
		{"a senior handler", l.token(t, "senior-1", auth.SeniorHandler), http.StatusForbidden},
		{"the locked user", l.token(t, "handler-1", auth.Handler), http.StatusForbidden},
	} {
		if got := l.unlock(t, c.token, "handler-1"); got != c.want {
			t.Errorf("unlock by %s: got %d, want %d", c.name, got, c.want)
		}
	}
	if got := l.from("203.0.113.9", "handler-1", "right-pass"); got != http.StatusTooManyRequests {
		t.Fatalf("after refused unlocks: got %d, want 429 (still locked)", got)
	}
	if got := l.unlock(t, l.token(t, "admin-1", auth.Admin), " HANDLER-1 "); got != http.StatusOK {
		t.Fatalf("unlock by an admin: got %d, want 200", got)
	}
	if got := l.from("203.0.113.9", "handler-1", "right-pass"); got != http.StatusOK {
		t.Fatalf("after the admin's unlock: got %d, want 200", got)
	}
	var audits []struct {
		Username string
		By       string
	}
	if err := l.db.Raw("SELECT username, unlocked_by AS by FROM signin_unlocks").Scan(&audits).Error; err != nil {
		t.Fatalf("read the audit: %v", err)
	}
	if len(audits) != 1 || audits[0].Username != "handler-1" || audits[0].By != "admin-1" {
		t.Fatalf("got audit %+v, want one unlock of handler-1 by admin-1", audits)
	}
}
