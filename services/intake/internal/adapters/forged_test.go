package adapters_test

import (
	"context"
	"testing"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/tracking"
)

// TestAFileOfAnUnknownOrForgedIDIsNotFound attacks intake_claim_file
// (migration 0011) through what is passed to it: a report id or claim
// number that does not exist, or that would widen a query built from it,
// finds no claim file through Get, GetByClaim or Update's locked load,
// while a stored report exists beside it.
func TestAFileOfAnUnknownOrForgedIDIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r1"))
	for _, id := range []string{"r-none", "", "r1' OR '1'='1", "r1'); SELECT intake_claim_file('r1", "%", "r1 ", "R1"} {
		if _, err := f.repo.Get(ctx, id); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Get(%q): got %v, want not found", id, err)
		}
		if _, err := f.repo.GetByClaim(ctx, id); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("GetByClaim(%q): got %v, want not found", id, err)
		}
		called := false
		_, err := f.repo.Update(ctx, id, func(*domain.ClaimFile) (tracking.Effects, error) { called = true; return tracking.Effects{}, nil })
		if apperr.CodeOf(err) != apperr.NotFound || called {
			t.Errorf("Update(%q): got %v (change called: %v), want not found without a change", id, err, called)
		}
	}
	if _, err := f.repo.Get(ctx, "r1"); err != nil {
		t.Fatalf("Get(r1): got %v, want the stored file", err)
	}
}
