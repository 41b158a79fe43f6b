// Package assessmentdata is the format of a straight-through assessment's
// reasons and computation (issue 19): adjudication keeps them in it
// (auto_assessments) and answers them in it (GET
// /v1/cases/{claimId}/assessment), so that the format is written down once,
// as package policydata does for the policy data.
package assessmentdata

import "claims.local/adjudication/internal/domain"

// Reason is a machine-readable reason with its parameters.
type Reason struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params"`
}

// Step is one step of a computation's explanation.
type Step struct {
	Text       string `json:"text"`
	AmountFen  int64  `json:"amount_fen"`
	DocumentID string `json:"document_id,omitempty"`
	Field      string `json:"field,omitempty"`
	Page       int    `json:"page,omitempty"`
	Box        [4]int `json:"box"`
	Clause     string `json:"clause,omitempty"`
}

// InvoiceLine is what one invoice adds to the payable amount.
type InvoiceLine struct {
	DocumentID    string `json:"document_id"`
	InvoiceNumber string `json:"invoice_number"`
	TotalFen      int64  `json:"total_fen"`
	BaseFen       int64  `json:"base_fen"`
	DeductibleFen int64  `json:"deductible_fen"`
	RatioBP       int    `json:"ratio_bp"`
	PayableFen    int64  `json:"payable_fen"`
}

// Computation is the payable amount with its explanation; RoundingRule
// states how ratios were rounded.
type Computation struct {
	RulesVersion         int           `json:"rules_version"`
	Benefit              string        `json:"benefit"`
	Invoices             []InvoiceLine `json:"invoices"`
	Steps                []Step        `json:"steps"`
	ClaimedFen           int64         `json:"claimed_fen"`
	DeductibleAppliedFen int64         `json:"deductible_applied_fen"`
	PayableFen           int64         `json:"payable_fen"`
	Problems             []Reason      `json:"problems"`
	RoundingRule         string        `json:"rounding_rule"`
}

// FromReasons returns the format of rs, never nil, each with its
// parameters (an empty object for none).
func FromReasons(rs []domain.Reason) []Reason {
	out := make([]Reason, len(rs))
	for i, r := range rs {
		out[i] = Reason(r)
		if out[i].Params == nil {
			out[i].Params = map[string]string{}
		}
	}
	return out
}

// ToReasons returns the reasons rs describes, nil for none.
func ToReasons(rs []Reason) []domain.Reason {
	if len(rs) == 0 {
		return nil
	}
	out := make([]domain.Reason, len(rs))
	for i, r := range rs {
		out[i] = domain.Reason(r)
	}
	return out
}

// FromComputation returns the format of c, nil for nil.
func FromComputation(c *domain.Computation) *Computation {
	if c == nil {
		return nil
	}
	out := &Computation{RulesVersion: c.RulesVersion, Benefit: c.Benefit, Invoices: []InvoiceLine{}, Steps: []Step{},
		ClaimedFen: c.ClaimedFen, DeductibleAppliedFen: c.DeductibleAppliedFen, PayableFen: c.PayableFen,
		Problems: FromReasons(c.Problems), RoundingRule: domain.RoundingRule}
	for _, l := range c.Invoices {
		out.Invoices = append(out.Invoices, InvoiceLine(l))
	}
	for _, s := range c.Steps {
		out.Steps = append(out.Steps, Step(s))
	}
	return out
}

// ToDomain returns the computation c describes.
func (c *Computation) ToDomain() *domain.Computation {
	out := &domain.Computation{RulesVersion: c.RulesVersion, Benefit: c.Benefit, ClaimedFen: c.ClaimedFen,
		DeductibleAppliedFen: c.DeductibleAppliedFen, PayableFen: c.PayableFen, Problems: ToReasons(c.Problems)}
	for _, l := range c.Invoices {
		out.Invoices = append(out.Invoices, domain.InvoiceLine(l))
	}
	for _, s := range c.Steps {
		out.Steps = append(out.Steps, domain.Step(s))
	}
	return out
}
