package adapters_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/inbox"
)

func TestStraightThroughStoreKeepsVersionsAssessmentsReviewsAndTheSwitch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := adapters.NewStraight(f.db)
	ctx := context.Background()

	_, err := s.Rules(ctx, "MED", 0)
	assert.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	r := domain.ProductRules{ProductCode: "MED", Benefit: "medical_expense", DeductibleFen: 10_000, RatioWithSocialBP: 8000,
		AnnualLimitFen: 1_000_000, Agreement: domain.AgreementByClaimant, CreatedBy: "admin-1", CreatedAt: t0}
	v1, err := s.PutRules(ctx, r)
	require.NoError(t, err)
	r.DeductibleFen = 20_000
	v2, err := s.PutRules(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, []int{v1.Version, v2.Version})
	latest, err := s.Rules(ctx, "MED", 0)
	require.NoError(t, err)
	first, err := s.Rules(ctx, "MED", 1)
	require.NoError(t, err)
	assert.Equal(t, v2, latest)
	assert.Equal(t, int64(10_000), first.DeductibleFen, "version 1 is kept as it was")

	comp := domain.Computation{RulesVersion: 2, Benefit: "medical_expense", ClaimedFen: 100_000, DeductibleAppliedFen: 10_000, PayableFen: 16_000,
		Steps: []domain.Step{{Text: "self-pay", AmountFen: 30_000, DocumentID: "d1", Field: "insurance.self_pay_fen", Page: 1, Box: [4]int{1, 2, 3, 4}}}}
	a := app.StoredAssessment{Assessment: domain.Assessment{ClaimID: "claim-1", RulesVersion: 2, Computation: &comp, AssessedAt: t0,
		Reasons: []domain.Reason{{Code: "over_limit", Params: map[string]string{"limit_fen": "300000"}}}},
		PolicyNumber: "P-2026-000123", ProductCode: "MED",
		Documents: []domain.DocumentFields{{DocumentID: "d1", Type: domain.DocMedicalInvoice, Confidence: 0.9,
			Insurance: &domain.InsuranceSplit{SelfPayFen: 30_000}, Sources: map[string]domain.FieldSource{"x": {Page: 1, Confidence: 0.8}}}}}
	require.NoError(t, s.SaveAssessment(ctx, a))
	other := a
	other.Automatic = true
	require.NoError(t, s.SaveAssessment(ctx, other), "a second assessment is ignored")
	got, err := s.Assessment(ctx, "claim-1")
	require.NoError(t, err)
	assert.Equal(t, a, got, "the first assessment stays, as stored")

	// The deductible counts once the claim is decided, not rejected.
	c := newCase("claim-1", t0)
	_, err = f.repo.Open(ctx, inbox.Receipt{}, c)
	require.NoError(t, err)
	used, err := s.UsedDeductible(ctx, "P-2026-000123", "claim-2")
	require.NoError(t, err)
	assert.Equal(t, int64(0), used, "undecided")
	f.change(t, "claim-1", func(c *domain.Case) error { return c.Decide(handler, authority, approve(16_000), t0) })
	used, err = s.UsedDeductible(ctx, "P-2026-000123", "claim-2")
	require.NoError(t, err)
	assert.Equal(t, int64(10_000), used)

	// The approval nothing supports went to the review queue with it.
	reviews, err := s.Reviews(ctx, true, 10, 0)
	require.NoError(t, err)
	require.Len(t, reviews, 1)
	assert.Equal(t, domain.ReviewAmountUnsupported, reviews[0].Reason)
	senior := domain.Actor{Subject: "s1", Roles: []string{domain.RoleSenior}}
	_, err = s.UpdateReview(ctx, "claim-1", func(r *domain.AutoReview) error { return r.Review(senior, domain.ReviewConfirmed, "", t0) })
	require.NoError(t, err)
	reviews, err = s.Reviews(ctx, true, 10, 0)
	require.NoError(t, err)
	assert.Empty(t, reviews)

	changes, err := s.Switch(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, changes)
	for _, on := range []bool{false, true} {
		require.NoError(t, s.SetSwitch(ctx, domain.SwitchChange{Enabled: on, Reason: "test", ChangedBy: "s1", ChangedAt: t0}))
	}
	changes, err = s.Switch(ctx, 10)
	require.NoError(t, err)
	require.Len(t, changes, 2)
	assert.True(t, changes[0].Enabled, "latest first")
}
