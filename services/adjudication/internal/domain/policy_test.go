package domain_test

import (
	"testing"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/deadline"
)

func TestNewProduct(t *testing.T) {
	tests := []struct {
		name      string
		spoil     func(p *domain.Product)
		wantField string
	}{
		{"valid", func(*domain.Product) {}, ""},
		{"with contract periods", func(p *domain.Product) {
			p.DeadlineOverrides = []deadline.Override{{Rule: deadline.Decision, Length: 10, Unit: deadline.WorkingDays}, {Rule: deadline.Payment, Length: 7, Unit: deadline.Days}}
		}, ""},
		{"code with spaces", func(p *domain.Product) { p.Code = "HEALTH 1" }, "code"},
		{"no name", func(p *domain.Product) { p.Name = "" }, "name"},
		{"unknown notice kind", func(p *domain.Product) { p.NoticeKind = "letter" }, "notice_kind"},
		{"no benefits", func(p *domain.Product) { p.Benefits = nil }, "benefits"},
		{"benefit twice", func(p *domain.Product) { p.Benefits[1].Code = p.Benefits[0].Code }, "benefits[1].code"},
		{"benefit of no incident type", func(p *domain.Product) { p.Benefits[0].IncidentTypes = nil }, "benefits[0].incident_types"},
		{"benefit of an unknown incident type", func(p *domain.Product) { p.Benefits[0].IncidentTypes = []string{"flood"} }, "benefits[0].incident_types"},
		{"negative per-claim limit", func(p *domain.Product) { p.Benefits[0].PerClaimLimitFen = -1 }, "benefits[0].per_claim_limit_fen"},
		{"benefit clause naming no document", func(p *domain.Product) { p.Benefits[0].Clause = "art. 5" }, "benefits[0].clause"},
		{"two waiting periods for one type", func(p *domain.Product) { p.WaitingPeriods[1].IncidentType = "medical" }, "waiting_periods[1].incident_type"},
		{"waiting period of no days", func(p *domain.Product) { p.WaitingPeriods[0].Days = 0 }, "waiting_periods[0].days"},
		{"exclusion without text", func(p *domain.Product) { p.Exclusions[0].Text = "" }, "exclusions[0].text"},
		{"exclusion window negative", func(p *domain.Product) { p.Exclusions[0].WithinDays = -1 }, "exclusions[0].within_days"},
		{"override of a rule the contract cannot change", func(p *domain.Product) {
			p.DeadlineOverrides = []deadline.Override{{Rule: deadline.RejectionNotice, Length: 5, Unit: deadline.Days}}
		}, "deadline_overrides"},
		{"payment period in working days", func(p *domain.Product) {
			p.DeadlineOverrides = []deadline.Override{{Rule: deadline.Payment, Length: 5, Unit: deadline.WorkingDays}}
		}, "deadline_overrides"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProduct()
			tt.spoil(&p)
			got, err := domain.NewProduct(p)
			if tt.wantField == "" {
				wantCode(t, err, "", "")
				if got.Code != "HEALTH-1" || len(got.Benefits) != 3 {
					t.Fatalf("got %+v, want the product", got)
				}
				return
			}
			wantCode(t, err, apperr.Invalid, tt.wantField)
		})
	}
	p := testProduct()
	p.DeadlineOverrides = []deadline.Override{{Rule: deadline.Payment, Length: 7, Unit: deadline.Days}}
	if got := p.PaymentPeriodDays(); got != 7 {
		t.Fatalf("got payment period %d days, want 7", got)
	}
}

func TestNewPolicy(t *testing.T) {
	tests := []struct {
		name      string
		spoil     func(p *domain.Policy)
		wantField string
	}{
		{"valid", func(*domain.Policy) {}, ""},
		{"legal heirs", func(p *domain.Policy) { p.Beneficiaries = nil }, ""},
		{"no number", func(p *domain.Policy) { p.Number = "" }, "number"},
		{"another product", func(p *domain.Policy) { p.ProductCode = "LIFE-1" }, "product_code"},
		{"no insured", func(p *domain.Policy) { p.InsuredName = "" }, "insured_name"},
		{"no policyholder", func(p *domain.Policy) { p.PolicyholderName = "" }, "policyholder_name"},
		{"beneficiary of unknown relation", func(p *domain.Policy) { p.Beneficiaries[0].Relation = "friend" }, "beneficiaries[0].relation"},
		{"no start", func(p *domain.Policy) { p.EffectiveFrom = date("2026-01-01"); p.EffectiveFrom.Year = 0 }, "effective_from"},
		{"ends before it starts", func(p *domain.Policy) { p.EffectiveTo = date("2025-12-31") }, "effective_to"},
		{"terminated before it starts", func(p *domain.Policy) { d := date("2025-06-01"); p.TerminatedOn = &d }, "terminated_on"},
		{"no coverages", func(p *domain.Policy) { p.Coverages = nil }, "coverages"},
		{"coverage of another product's benefit", func(p *domain.Policy) { p.Coverages[0].Benefit = "dental" }, "coverages[0].benefit"},
		{"coverage twice", func(p *domain.Policy) { p.Coverages[1].Benefit = "medical_expense" }, "coverages[1].benefit"},
		{"no sum insured", func(p *domain.Policy) { p.Coverages[0].SumInsuredFen = 0 }, "coverages[0].sum_insured_fen"},
		{"used more than insured", func(p *domain.Policy) { p.Coverages[0].UsedFen = 10_000_001 }, "coverages[0].used_fen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPolicy()
			tt.spoil(&p)
			_, err := domain.NewPolicy(p, testProduct())
			if tt.wantField == "" {
				wantCode(t, err, "", "")
				return
			}
			wantCode(t, err, apperr.Invalid, tt.wantField)
		})
	}
}
