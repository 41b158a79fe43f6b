package signin

import (
	"net/http"
	"testing"
)

// TestAttackARefreshTokenIsDeadOnceItsUserSignedOut is someone who copied
// a handler's refresh token (a script injected into the page, a shared
// computer, a proxy's log) and waits for the handler to sign out: sign-out
// only forgot the session in the browser, so the copy minted access tokens
// for the refresh token's 12 hours, and with the handler gone no second use
// revealed it. Signing out now ends the session at the sign-in: the copy
// (and every token the session rotated to) is refused with 401, and
// another session of the same user goes on. A made-up token signs nothing
// out and tells nothing (204 all the same).
func TestAttackARefreshTokenIsDeadOnceItsUserSignedOut(t *testing.T) {
	s := newSessions(t, testDB(t))
	first := s.signIn(t, "handler-1")
	other := s.signIn(t, "handler-1")
	status, rotated := s.refresh(t, first.RefreshToken)
	if status != http.StatusOK {
		t.Fatalf("refresh before sign-out: got %d, want 200", status)
	}
	stolen := rotated.RefreshToken // the copy the attacker took

	if status, _ := s.call(t, "/api/auth/sign-out", "", `{"refresh_token": "`+rotated.RefreshToken+`"}`); status != http.StatusNoContent {
		t.Fatalf("sign-out: got %d, want 204", status)
	}
	if status, _ := s.refresh(t, stolen); status != http.StatusUnauthorized {
		t.Fatalf("the copied refresh token after its user signed out: got %d, want 401", status)
	}
	if status, _ := s.refresh(t, first.RefreshToken); status != http.StatusUnauthorized {
		t.Fatalf("an older token of the signed-out session: got %d, want 401", status)
	}
	if status, _ := s.refresh(t, other.RefreshToken); status != http.StatusOK {
		t.Fatalf("the user's other session: got %d, want 200 (sign-out ends one session)", status)
	}
	for _, body := range []string{`{"refresh_token": "made-up"}`, `{"refresh_token": ""}`} {
		if status, _ := s.call(t, "/api/auth/sign-out", "", body); status != http.StatusNoContent {
			t.Fatalf("sign-out with %s: got %d, want 204", body, status)
		}
	}
}
