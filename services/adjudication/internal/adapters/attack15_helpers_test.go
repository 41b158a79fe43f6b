package adapters_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
	"claims.local/pkg/tracking/trackingtest"
)

// evidenceColumn keeps the evidence of a step to met or cancelled
// (tracking migration 0012).
const evidenceColumn = "done_evidence"

// deadlineStore is adjudication's deadline store as the service runs it:
// the steps and stops its monitor reads proven by its witness.
func deadlineStore(db *gorm.DB) *trackingpg.Store {
	return trackingtest.Store(db, adapters.DeadlineWitness{})
}

// decide decides claim's case within the handler's authority and meets its
// decision deadline with the evidence the service gives (app.decided).
func decide(t *testing.T, d *deadlines, claim string) {
	t.Helper()
	_, err := d.f.repo.Update(context.Background(), claim, func(c *domain.Case) (tracking.Effects, error) {
		if err := c.Decide(handler, authority, approve(100), d.now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.CompleteAs(tracking.ClaimSubject(claim), deadline.Decision, c.Decision.EffectiveAt(),
			c.Decision.Mode()).Proven(domain.DecisionEvidence(c.ID))}}, nil
	})
	require.NoError(t, err)
}

// withdraw closes claim's undecided case and cancels its decision deadline
// with the evidence the service gives (app.Service.Close).
func withdraw(t *testing.T, d *deadlines, claim string) {
	t.Helper()
	_, err := d.f.repo.Update(context.Background(), claim, func(c *domain.Case) (tracking.Effects, error) {
		if _, err := c.Close(handler, "the claimant asked", d.now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Cancel(tracking.ClaimSubject(claim), deadline.Decision, d.now,
			"claim withdrawn: the claimant asked").Proven(domain.WithdrawalEvidence(c.ID))}}, nil
	})
	require.NoError(t, err)
}
