package adapters_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// evidenceColumn: main's code keeps no evidence; the mode column stands in.
const evidenceColumn = "mode"

func deadlineStore(db *gorm.DB) *trackingpg.Store { return trackingpg.NewStore(db, uow.New(db, nil, nil)) }

func decide(t *testing.T, d *deadlines, claim string) {
	t.Helper()
	_, err := d.f.repo.Update(context.Background(), claim, func(c *domain.Case) (tracking.Effects, error) {
		if err := c.Decide(handler, authority, approve(100), d.now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.CompleteAs(tracking.ClaimSubject(claim), deadline.Decision, c.Decision.EffectiveAt(), c.Decision.Mode())}}, nil
	})
	require.NoError(t, err)
}

func withdraw(t *testing.T, d *deadlines, claim string) {
	t.Helper()
	_, err := d.f.repo.Update(context.Background(), claim, func(c *domain.Case) (tracking.Effects, error) {
		if _, err := c.Close(handler, "the claimant asked", d.now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Cancel(tracking.ClaimSubject(claim), deadline.Decision, d.now, "claim withdrawn: the claimant asked")}}, nil
	})
	require.NoError(t, err)
}
