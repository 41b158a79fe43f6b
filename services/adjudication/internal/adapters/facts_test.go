package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/inbox"
	"claims.local/pkg/tracking"
)

// TestAttackFactsReadUnderThePolicysLockSeeTheHoldersApproval attacks the
// one round trip that takes the lock on a policy's usage and reads what the
// policy's other cases approved (Cases.Facts with LockUsage, issue 21): a
// decision approving 16,000 yuan on claim A holds the policy's lock and
// commits while claim B's read waits for the lock. A statement that takes
// the lock and reads at once reads at the snapshot it took before waiting,
// without A's approval, and B could approve up to the sum insured again.
// B must read A's 16,000 yuan as used.
func TestAttackFactsReadUnderThePolicysLockSeeTheHoldersApproval(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []string{"facts-a", "facts-b"} {
		_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase(id, t0))
		require.NoError(t, err)
	}
	aHolds, bRead := make(chan struct{}), make(chan map[string]int64, 1)
	aDone := make(chan error, 1)
	go func() {
		_, err := f.repo.UpdateUsingPolicy(ctx, "facts-a", func(c *domain.Case, _ map[string]int64) (tracking.Effects, error) {
			if err := c.Decide(handler, authority, approve(1_600_000), t0); err != nil {
				return tracking.Effects{}, err
			}
			close(aHolds)
			return tracking.Effects{}, waitForAnAdvisoryLockWaiter(f)
		})
		aDone <- err
	}()
	<-aHolds
	go func() {
		var used map[string]int64
		_, err := f.repo.UpdateReading(ctx, "facts-b", false, func(ctx context.Context, c domain.Case) error {
			facts, err := f.repo.Facts(ctx, c, app.FactsQuery{LockUsage: true})
			used = facts.UsedFen
			return err
		}, func(*domain.Case, map[string]int64) (tracking.Effects, error) { return tracking.Effects{}, nil })
		if err != nil {
			t.Errorf("claim B's read: %v", err)
		}
		bRead <- used
	}()
	require.NoError(t, <-aDone)
	if got := (<-bRead)["medical_expense"]; got != 1_600_000 {
		t.Fatalf("got %d fen used on the policy read by claim B under the policy's lock, want 1600000 (claim A's approval, committed before B got the lock)", got)
	}
}

// waitForAnAdvisoryLockWaiter returns once a session of f's database waits
// for an advisory lock (it runs beside the test, so it returns its error).
func waitForAnAdvisoryLockWaiter(f *fixture) error {
	for {
		var n int64
		if err := f.db.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&n).Error; err != nil || n > 0 {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}
