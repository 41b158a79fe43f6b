package app_test

import (
	"testing"

	"claims.local/intake/internal/app"
	"claims.local/pkg/apperr"
)

// TestSpoolRoomHoldsAtMostTheBoundAndGivesBackOnce: reservations fill the
// spools' bound exactly and no further (apperr.Overloaded beyond), and a
// release called twice gives its room back once.
func TestSpoolRoomHoldsAtMostTheBoundAndGivesBackOnce(t *testing.T) {
	t.Parallel()
	s := app.NewService(app.Deps{UploadSpoolBytes: 100})
	take := func(size int64, want apperr.Code) func() {
		t.Helper()
		release, err := s.SpoolRoom(size)
		got := apperr.Code("")
		if err != nil {
			got = apperr.CodeOf(err)
		}
		if got != want {
			t.Fatalf("SpoolRoom(%d): got code %q (%v), want %q", size, got, err, want)
		}
		return release
	}
	first := take(60, "")
	take(41, apperr.Overloaded)
	take(40, "")
	first()
	first()
	take(61, apperr.Overloaded)
	take(60, "")
}
