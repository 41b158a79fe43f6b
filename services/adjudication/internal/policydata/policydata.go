// Package policydata is the format in which the policy system sends products
// and policies to adjudication (PUT /v1/products/{code}, PUT
// /v1/policies/{number}), and in which adjudication keeps them as imported.
// The HTTP port and the repository both use it, so that the format is
// written down once.
package policydata

import (
	"strings"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/document"
	"claims.local/pkg/redact"
)

// Product is a product as the policy system sends it. Code is the path's.
type Product struct {
	Name              string          `json:"name"`
	NoticeKind        string          `json:"notice_kind"`
	Benefits          []Benefit       `json:"benefits"`
	WaitingPeriods    []WaitingPeriod `json:"waiting_periods"`
	Exclusions        []Exclusion     `json:"exclusions"`
	DeadlineOverrides []Override      `json:"deadline_overrides"`
}

// Benefit is one benefit of a product.
type Benefit struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	IncidentTypes    []string `json:"incident_types"`
	PerClaimLimitFen int64    `json:"per_claim_limit_fen"`
	Clause           string   `json:"clause"`
}

// WaitingPeriod is a product's waiting period for an incident type.
type WaitingPeriod struct {
	IncidentType string `json:"incident_type"`
	Days         int    `json:"days"`
	Clause       string `json:"clause"`
}

// Exclusion is an exclusion by incident type.
type Exclusion struct {
	Code          string   `json:"code"`
	IncidentTypes []string `json:"incident_types"`
	WithinDays    int      `json:"within_days"`
	Text          string   `json:"text"`
	Clause        string   `json:"clause"`
}

// Override is a contract period in place of a statutory one: rule is
// decision, complex-decision or payment; unit is days or working-days.
type Override struct {
	Rule   string `json:"rule"`
	Length int    `json:"length"`
	Unit   string `json:"unit"`
}

// Policy is a policy as the policy system sends it. Number is the path's.
type Policy struct {
	ProductCode      string     `json:"product_code"`
	PolicyholderName string     `json:"policyholder_name"`
	InsuredName      string     `json:"insured_name"`
	Beneficiaries    []Person   `json:"beneficiaries"`
	EffectiveFrom    string     `json:"effective_from"`
	EffectiveTo      string     `json:"effective_to"`
	TerminatedOn     string     `json:"terminated_on,omitempty"`
	Coverages        []Coverage `json:"coverages"`
	Branch           string     `json:"branch,omitempty"`

	// InsuredIDNumber is the insured's resident ID number as the policy
	// system sends it: checked (GB 11643) and kept only masked, as
	// InsuredIDMasked, which is what is stored and returned (issue 19:
	// an identity card on a claim must print it; adjudication never holds
	// an ID number in full).
	InsuredIDNumber string `json:"insured_id_number,omitempty"`
	InsuredIDMasked string `json:"insured_id_number_masked,omitempty"`
}

// Person is a beneficiary.
type Person struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

// Coverage is the sum insured of a benefit and what was paid on it before.
type Coverage struct {
	Benefit       string `json:"benefit"`
	SumInsuredFen int64  `json:"sum_insured_fen"`
	UsedFen       int64  `json:"used_fen"`
}

// FromProduct returns the format of p.
func FromProduct(p domain.Product) Product {
	out := Product{Name: p.Name, NoticeKind: string(p.NoticeKind), Benefits: []Benefit{}, WaitingPeriods: []WaitingPeriod{},
		Exclusions: []Exclusion{}, DeadlineOverrides: []Override{}}
	for _, b := range p.Benefits {
		out.Benefits = append(out.Benefits, Benefit(b))
	}
	for _, w := range p.WaitingPeriods {
		out.WaitingPeriods = append(out.WaitingPeriods, WaitingPeriod(w))
	}
	for _, e := range p.Exclusions {
		out.Exclusions = append(out.Exclusions, Exclusion(e))
	}
	for _, o := range p.DeadlineOverrides {
		out.DeadlineOverrides = append(out.DeadlineOverrides, Override{Rule: string(o.Rule), Length: o.Length, Unit: o.Unit.String()})
	}
	return out
}

// ToDomain returns the product of code that p describes, not yet checked
// (domain.NewProduct checks it).
func (p Product) ToDomain(code string) (domain.Product, error) {
	out := domain.Product{Code: code, Name: p.Name, NoticeKind: domain.NoticeKind(p.NoticeKind)}
	for _, b := range p.Benefits {
		out.Benefits = append(out.Benefits, domain.Benefit(b))
	}
	for _, w := range p.WaitingPeriods {
		out.WaitingPeriods = append(out.WaitingPeriods, domain.WaitingPeriod(w))
	}
	for _, e := range p.Exclusions {
		out.Exclusions = append(out.Exclusions, domain.Exclusion(e))
	}
	for _, o := range p.DeadlineOverrides {
		unit, err := deadline.ParseUnit(o.Unit)
		if err != nil {
			return domain.Product{}, apperr.InvalidField("deadline_overrides", "unit must be days or working-days; got %q", o.Unit)
		}
		out.DeadlineOverrides = append(out.DeadlineOverrides, deadline.Override{Rule: deadline.RuleID(o.Rule), Length: o.Length, Unit: unit})
	}
	return out, nil
}

// FromPolicy returns the format of p.
func FromPolicy(p domain.Policy) Policy {
	out := Policy{ProductCode: p.ProductCode, PolicyholderName: p.PolicyholderName, InsuredName: p.InsuredName,
		InsuredIDMasked: p.InsuredIDMasked, Beneficiaries: []Person{}, EffectiveFrom: p.EffectiveFrom.String(), EffectiveTo: p.EffectiveTo.String(), Coverages: []Coverage{},
		Branch: p.Branch}
	for _, b := range p.Beneficiaries {
		out.Beneficiaries = append(out.Beneficiaries, Person(b))
	}
	if p.TerminatedOn != nil {
		out.TerminatedOn = p.TerminatedOn.String()
	}
	for _, c := range p.Coverages {
		out.Coverages = append(out.Coverages, Coverage(c))
	}
	return out
}

// ToDomain returns the policy of number that p describes, not yet checked
// (domain.NewPolicy checks it against its product).
func (p Policy) ToDomain(number string) (domain.Policy, error) {
	out := domain.Policy{Number: number, ProductCode: p.ProductCode, PolicyholderName: p.PolicyholderName, InsuredName: p.InsuredName,
		Branch: strings.TrimSpace(p.Branch)}
	if len(out.Branch) > 64 {
		return domain.Policy{}, apperr.InvalidField("branch", "must be at most 64 bytes")
	}
	out.InsuredIDMasked = strings.ToUpper(strings.TrimSpace(p.InsuredIDMasked))
	if n := strings.ToUpper(strings.TrimSpace(p.InsuredIDNumber)); n != "" {
		if !document.ValidIDNumber(n) {
			return domain.Policy{}, apperr.InvalidField("insured_id_number", "must be an 18-character resident ID number whose check digit verifies")
		}
		out.InsuredIDMasked = redact.IDNumber(n)
	}
	for _, b := range p.Beneficiaries {
		out.Beneficiaries = append(out.Beneficiaries, domain.Person(b))
	}
	var err error
	if out.EffectiveFrom, err = date("effective_from", p.EffectiveFrom); err != nil {
		return domain.Policy{}, err
	}
	if out.EffectiveTo, err = date("effective_to", p.EffectiveTo); err != nil {
		return domain.Policy{}, err
	}
	if p.TerminatedOn != "" {
		d, err := date("terminated_on", p.TerminatedOn)
		if err != nil {
			return domain.Policy{}, err
		}
		out.TerminatedOn = &d
	}
	for _, c := range p.Coverages {
		out.Coverages = append(out.Coverages, domain.Coverage(c))
	}
	return out, nil
}

func date(field, s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return calendar.Date{}, apperr.InvalidField(field, "must be a date YYYY-MM-DD; got %q", s)
	}
	return d, nil
}
