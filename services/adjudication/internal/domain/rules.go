package domain

import (
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/apperr"
)

// ProductRules are the product's terms for computing an expense benefit
// (issue 19) as data: the annual deductible (免赔额), the reimbursement
// ratio with and without social insurance, whether the out-of-catalogue
// self-funded part (个人自费) is paid, and the per-claim and annual limits,
// each with the clause of the terms (条款) it comes from. The co-paid part
// within the catalogue (个人自付) is always payable and the social-insurance
// fund's share (统筹基金支付) never is: the insured did not pay it.
//
// Rules are versioned: a new version is a new record and never rewrites an
// old one, so that a decision that names its version can be recomputed.
type ProductRules struct {
	ProductCode string
	Version     int
	// Benefit is the product's expense benefit the rules compute.
	Benefit          string
	DeductibleFen    int64
	DeductibleClause string
	// RatioWithSocialBP and RatioWithoutSocialBP are the reimbursement
	// ratios in basis points (8000 = 80%) for an invoice settled through
	// social insurance and for one that was not.
	RatioWithSocialBP    int
	RatioWithoutSocialBP int
	RatioClause          string
	PaysSelfFunded       bool
	SelfFundedClause     string
	PerClaimLimitFen     int64
	AnnualLimitFen       int64
	LimitClause          string
	// Agreement is how the claimant agrees to a decided amount under the
	// product: AgreementByClaimant (the claimant's own agreement, recorded
	// as for any decision; an automatic approval follows the same rule) or
	// AgreementInAdvance.
	Agreement string
	CreatedBy string
	CreatedAt time.Time
}

// AgreementByClaimant is the agreement term of every product today: the
// claimant agrees to the decided amount and a handler records it (R6's
// clock starts then); no agreement is presumed, after an automatic decision
// either.
const AgreementByClaimant = "claimant"

// AgreementInAdvance is the term of a product that lets the claimant
// agree, when requesting the claim, to be paid the amount decided under the
// product's published rules (issue 19). The system records that agreement
// when it decides the claim itself, at the decision (R6's clock, Insurance
// Law art. 23, starts then): the claimant may still object afterwards; the
// agreement records what they agreed to and the rules version. A claim a
// person decides waits for the claimant's agreement as under
// AgreementByClaimant.
const AgreementInAdvance = "in_advance"

// RulesVersionLabel names a version of a product's rules: "MED01/v3".
func (r ProductRules) RulesVersionLabel() string {
	return r.ProductCode + "/v" + strconv.Itoa(r.Version)
}

// NewProductRules checks rules sent for product (the version is given by
// the store) and returns them trimmed, or an *apperr.Error naming the first
// wrong field.
func NewProductRules(r ProductRules, product Product) (ProductRules, error) {
	var err error
	r.ProductCode = product.Code
	r.Benefit = strings.TrimSpace(r.Benefit)
	b, ok := product.Benefit(r.Benefit)
	if !ok {
		return ProductRules{}, apperr.InvalidField("benefit", "%q is not a benefit of product %s (%s)", r.Benefit, product.Code, strings.Join(product.BenefitCodes(), ", "))
	}
	if !b.Covers("medical") && !b.Covers("accidental_injury") {
		return ProductRules{}, apperr.InvalidField("benefit", "%q is not an expense benefit: it covers neither medical nor accidental_injury claims", r.Benefit)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"deductible_fen", r.DeductibleFen}, {"per_claim_limit_fen", r.PerClaimLimitFen}, {"annual_limit_fen", r.AnnualLimitFen}} {
		if f.v < 0 || f.v > MaxAmountFen {
			return ProductRules{}, apperr.InvalidField(f.name, "must be from 0 to %d", MaxAmountFen)
		}
	}
	if r.AnnualLimitFen == 0 {
		return ProductRules{}, apperr.InvalidField("annual_limit_fen", "is required: an expense benefit has an annual limit")
	}
	if r.RatioWithSocialBP < 0 || r.RatioWithSocialBP > 10000 || r.RatioWithoutSocialBP < 0 || r.RatioWithoutSocialBP > 10000 {
		return ProductRules{}, apperr.InvalidField("ratio_with_social_bp", "ratios are basis points from 0 to 10000 (8000 = 80%%)")
	}
	if r.RatioWithSocialBP == 0 && r.RatioWithoutSocialBP == 0 {
		return ProductRules{}, apperr.InvalidField("ratio_with_social_bp", "at least one ratio is above 0")
	}
	if r.DeductibleClause, err = clause("deductible_clause", r.DeductibleClause); err != nil {
		return ProductRules{}, err
	}
	if r.RatioClause, err = clause("ratio_clause", r.RatioClause); err != nil {
		return ProductRules{}, err
	}
	if r.SelfFundedClause, err = clause("self_funded_clause", r.SelfFundedClause); err != nil {
		return ProductRules{}, err
	}
	if r.LimitClause, err = clause("limit_clause", r.LimitClause); err != nil {
		return ProductRules{}, err
	}
	switch r.Agreement = strings.TrimSpace(r.Agreement); r.Agreement {
	case "":
		r.Agreement = AgreementByClaimant
	case AgreementByClaimant, AgreementInAdvance:
	default:
		return ProductRules{}, apperr.InvalidField("agreement", "must be %s (the claimant agrees to the decided amount) or %s (the claimant agrees with the claim request to the amount the rules decide)",
			AgreementByClaimant, AgreementInAdvance)
	}
	return r, nil
}
