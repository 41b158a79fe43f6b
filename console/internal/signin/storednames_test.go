package signin

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// storedRows returns every row of every table of the console's database,
// each as PostgreSQL's text of the row, read through the run-time role.
func (l *lockout) storedRows(t *testing.T) []string {
	t.Helper()
	var tables []string
	if err := l.db.Raw(`SELECT quote_ident(table_name) FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	if len(tables) == 0 {
		t.Fatal("got no tables in the console's database, want its sign-in tables")
	}
	var rows []string
	for _, table := range tables {
		var texts []string
		if err := l.db.Raw(`SELECT t::text FROM ` + table + ` t`).Scan(&texts).Error; err != nil {
			t.Fatal(err)
		}
		for _, s := range texts {
			rows = append(rows, table+": "+s)
		}
	}
	return rows
}

// TestAttackAPasswordTypedAsTheNameIsNotStored: a user types their password
// into the name field. The attempt counters (signin_attempts' key
// "user:<name>|client:<address>", signin_user_throttle's name) kept it as
// typed, normalised, for the lockout window, where anyone who reads the
// console's database (a backup, a support query) read it. The counters now
// keep a keyed hash of the name, and the per-name lock still locks.
func TestAttackAPasswordTypedAsTheNameIsNotStored(t *testing.T) {
	l := newLockout(t)
	const password = "Tr0ub4dor&3-Horse"
	for i := range 3 {
		if got := l.from("198.51.100.7", password, "x"); got != http.StatusUnauthorized {
			t.Fatalf("sign-in %d with the password as the name: got %d, want 401", i+1, got)
		}
	}
	if got := l.from("198.51.100.7", password, "x"); got != http.StatusTooManyRequests {
		t.Fatalf("a fourth sign-in on the name at the address: got %d, want 429 (the per-name lock)", got)
	}
	if got := l.from("198.51.100.7", " "+strings.ToUpper(password)+" ", "x"); got != http.StatusTooManyRequests {
		t.Fatalf("the same name padded and upper-cased: got %d, want 429 (one counter)", got)
	}
	if got := l.from("198.51.100.7", "handler-1", "right-pass"); got != http.StatusOK {
		t.Fatalf("another name at the address: got %d, want 200", got)
	}
	for _, typed := range []string{password, NormalizeUsername(password), "Tr0ub4dor", "3-horse"} {
		for _, row := range l.storedRows(t) {
			if strings.Contains(strings.ToLower(row), strings.ToLower(typed)) {
				t.Errorf("got %q stored in %s, want what was typed as the name nowhere in the database", typed, row)
			}
		}
		if strings.Contains(strings.ToLower(l.logs.String()), strings.ToLower(typed)) {
			t.Errorf("got %q in the logs, want it nowhere:\n%s", typed, l.logs.String())
		}
	}
}

// TestAttackAServiceClientIDTypedWrongIsNotStored: the client credentials
// grant counted attempts under "service-client:<id>|client:<address>", the
// id as sent, which may be the secret sent in the id's place.
func TestAttackAServiceClientIDTypedWrongIsNotStored(t *testing.T) {
	l := newLockout(t)
	const secret = "s3cret-sent-as-the-id"
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {secret}, "client_secret": {"x"}, "audience": {"adjudication"}}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/api/auth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "198.51.100.7:40000"
	l.e.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("client credentials with the secret as the id: got %d, want 401", w.Code)
	}
	for _, row := range l.storedRows(t) {
		if strings.Contains(row, secret) {
			t.Errorf("got the id as sent stored in %s, want it nowhere in the database", row)
		}
	}
	if strings.Contains(l.logs.String(), secret) {
		t.Errorf("got the id as sent in the logs, want it nowhere:\n%s", l.logs.String())
	}
}
