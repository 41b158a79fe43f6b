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
		Reasons:        []domain.Reason{{Code: "over_limit", Params: map[string]string{"limit_fen": "300000"}}},
		Corroborations: []domain.Corroboration{{Doc: 0, DocumentID: "d1", Field: "x", Confidence: 0.8, By: domain.CorroboratedByOtherDate, Other: "d2"}}},
		PolicyNumber: "P-2026-000123", ProductCode: "MED",
		Documents: []domain.DocumentFields{{DocumentID: "d1", Type: domain.DocMedicalInvoice, Confidence: 0.9, VisitNumber: "2610000042",
			Insurance: &domain.InsuranceSplit{SelfPayFen: 30_000}, Sources: map[string]domain.FieldSource{"x": {Page: 1, Confidence: 0.8}},
			Corroborated: []string{"total_amount_fen"}}}}
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

// TestAttackTheStraightThroughRecordsCannotBeRewritten: a product's rules
// version, a change of the switch, a review once given and a case note
// stay as written even for code running as the service's SQL role: an
// older, lower deductible is not made current by rewriting a version, the
// switch's history is not erased, a finding is not changed afterwards, and
// TRUNCATE (which skips row triggers) is refused too.
func TestAttackTheStraightThroughRecordsCannotBeRewritten(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := adapters.NewStraight(f.db)
	ctx := context.Background()
	r := domain.ProductRules{ProductCode: "MED", Benefit: "medical_expense", DeductibleFen: 10_000, RatioWithSocialBP: 8000,
		AnnualLimitFen: 1_000_000, Agreement: domain.AgreementByClaimant, CreatedBy: "admin-1", CreatedAt: t0}
	for range 2 {
		_, err := s.PutRules(ctx, r)
		require.NoError(t, err)
	}
	require.NoError(t, s.SetSwitch(ctx, domain.SwitchChange{Enabled: false, Reason: "incident", ChangedBy: "s1", ChangedAt: t0}))
	c := newCase("claim-1", t0)
	_, err := f.repo.Open(ctx, inbox.Receipt{}, c)
	require.NoError(t, err)
	f.change(t, "claim-1", func(c *domain.Case) error { return c.Decide(handler, authority, approve(16_000), t0) })
	senior := domain.Actor{Subject: "s1", Roles: []string{domain.RoleSenior}}
	_, err = s.UpdateReview(ctx, "claim-1", func(r *domain.AutoReview) error { return r.Review(senior, domain.ReviewConfirmed, "", t0) })
	require.NoError(t, err)
	require.NoError(t, f.db.Exec(`INSERT INTO case_notes (id, claim_id, author, text, created_at) VALUES ('n1', 'claim-1', 'h1', '原话', now())`).Error)

	for _, stmt := range []string{
		`UPDATE product_rules SET data = jsonb_set(data, '{deductible_fen}', '0') WHERE version = 1`,
		`UPDATE product_rules SET version = 3 WHERE version = 1`,
		`DELETE FROM product_rules WHERE version = 2`,
		`TRUNCATE product_rules`,
		`UPDATE auto_switch SET enabled = true`,
		`DELETE FROM auto_switch`,
		`TRUNCATE auto_switch`,
		`UPDATE auto_reviews SET outcome = 'wrong', note = 'changed afterwards'`,
		`DELETE FROM auto_reviews`,
		`TRUNCATE auto_reviews`,
		`TRUNCATE case_notes`,
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	var counts struct{ Rules, Switch, Reviews, Notes int64 }
	require.NoError(t, f.db.Raw(`SELECT (SELECT count(*) FROM product_rules WHERE version <= 2) AS rules, (SELECT count(*) FROM auto_switch WHERE NOT enabled) AS switch,
		(SELECT count(*) FROM auto_reviews WHERE outcome = 'confirmed') AS reviews, (SELECT count(*) FROM case_notes) AS notes`).Scan(&counts).Error)
	assert.Equal(t, struct{ Rules, Switch, Reviews, Notes int64 }{2, 1, 1, 1}, counts)
	got, err := s.Rules(ctx, "MED", 1)
	require.NoError(t, err)
	assert.Equal(t, int64(10_000), got.DeductibleFen)
}

// TestTheStoredInvoiceKeysAreRecomputedAsTheDomainComputesThem: migration
// 0015 recomputes the invoice keys stored before with SQL; its expression
// gives domain.InvoiceKey's key for numbers padded, full-width, in lower
// case, with dots, soft hyphens and zero-width spaces.
func TestTheStoredInvoiceKeysAreRecomputedAsTheDomainComputesThem(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, number := range []string{"A1234567", " ａ１２３-４５ ", "no.0012\u00ad34", "12\u200b34.56", "031001\u300000012345", "ａｂｃ・１"} {
		var got string
		require.NoError(t, f.db.Raw(`SELECT upper(regexp_replace(normalize(?, NFKC), '[^[:alnum:]]', '', 'g'))`, number).Scan(&got).Error)
		assert.Equal(t, domain.InvoiceKey(number), got, "number %q", number)
	}
}
