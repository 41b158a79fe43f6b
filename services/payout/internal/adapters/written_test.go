package adapters_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/inbox"
)

// updates records the SQL of every UPDATE of obligations db runs from now on.
func updates(t *testing.T, db *gorm.DB) func() []string {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	name := "test:updates:" + t.Name()
	require.NoError(t, db.Callback().Update().After("gorm:update").Register(name, func(tx *gorm.DB) {
		if tx.Statement.Table == "obligations" {
			mu.Lock()
			seen = append(seen, tx.Statement.SQL.String())
			mu.Unlock()
		}
	}))
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func sealedPayee(t *testing.T, db *gorm.DB, id string) (box []byte, keyID string) {
	t.Helper()
	require.NoError(t, db.Raw(`SELECT payee_sealed, payee_key_id FROM obligations WHERE id = ?`, id).Row().Scan(&box, &keyID))
	return box, keyID
}

// TestAnExecutorsWriteStoresOnlyWhatChanged: marking a payment sent and
// completing it write the columns the domain changed, not every column of
// the row with its payee sealed again (issue 21: each obligation was
// written in full twice, the payee sealed anew each time). The payee box
// stays the bytes it was while its key is current; under a ring whose
// current key is another, the write still seals it under the current one
// (the lazy reseal), and the payee opens with the new key alone.
func TestAnExecutorsWriteStoresOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-w", t0)
	_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
	require.NoError(t, err)
	box, keyID := sealedPayee(t, f.db, o.ID)
	seen := updates(t, f.db)

	found, err := due(f, t0, domain.StateScheduled, func(x *domain.Obligation) (app.Effects, error) {
		return app.Effects{}, x.Submit(t0)
	})
	require.NoError(t, err)
	require.True(t, found, "due obligation not found")
	found, err = due(f, t0.Add(time.Hour), domain.StateSent, func(x *domain.Obligation) (app.Effects, error) {
		return app.Effects{}, x.Complete("REF-W", t0.Add(time.Minute))
	})
	require.NoError(t, err)
	require.True(t, found, "sent obligation not found")

	after, afterKey := sealedPayee(t, f.db, o.ID)
	if !bytes.Equal(after, box) || afterKey != keyID {
		t.Errorf("got the payee box rewritten (key %s → %s), want it as sealed at scheduling", keyID, afterKey)
	}
	writes := seen()
	if len(writes) != 2 {
		t.Fatalf("got %d UPDATEs of obligations, want 2 (sent, completed): %q", len(writes), writes)
	}
	for _, w := range writes {
		for _, col := range []string{"payee_sealed", "case_id", "policy_number", "amount_fen", "parties"} {
			if strings.Contains(w, `"`+col+`"`) {
				t.Errorf("got %q, want an UPDATE without %s, which did not change", w, col)
			}
		}
	}
	got, err := f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	if got.State != domain.StateCompleted || got.BankReference != "REF-W" || got.Attempts != 1 || got.SentAt == nil ||
		got.CompletedAt == nil || !reflect.DeepEqual(got.Payee, o.Payee) {
		t.Fatalf("got %+v, want completed with REF-W, one attempt, the payee as scheduled", got)
	}

	// A write under a ring whose current key is another seals the payee
	// under it: an executor's write still moves a payee off an old key.
	o2 := obligation(t, "claim-w2", t0)
	_, err = f.repo.Schedule(ctx, inbox.Receipt{}, o2, nothing)
	require.NoError(t, err)
	rotated := adapters.NewObligations(f.db, nil, f.tracker, keyring(t, "k2", "k1"), shanghai(t))
	n, err := rotated.Due(ctx, t0, []domain.State{domain.StateScheduled}, 1, nil, func(_ context.Context, x *domain.Obligation) (app.Effects, error) {
		return app.Effects{}, x.Submit(t0)
	})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	if _, k := sealedPayee(t, f.db, o2.ID); k != "k2" {
		t.Fatalf("got the payee under key %s after a write with k2 current, want k2", k)
	}
	newOnly := adapters.NewObligations(f.db, nil, f.tracker, keyring(t, "k2"), shanghai(t))
	if got, err := newOnly.Get(ctx, o2.ID); err != nil || !reflect.DeepEqual(got.Payee, o2.Payee) {
		t.Fatalf("got %v, %+v with k2 alone, want the payee", err, got.Payee)
	}
}
