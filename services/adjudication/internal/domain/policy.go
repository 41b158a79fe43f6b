package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

// IncidentTypes lists the incident types of claims (intake's vocabulary).
func IncidentTypes() []string {
	return []string{"death", "disability", "critical_illness", "medical", "accidental_injury"}
}

// Relations lists the relations of a person to the insured.
func Relations() []string { return []string{"self", "spouse", "child", "parent", "other"} }

// Product is an insurance product as adjudication needs it: its benefits,
// waiting periods and exclusions, each with the clause of its terms
// (条款), the kind of rejection notice its claims get, and the periods its
// contract sets in place of the statutory ones (R4 decision, R4 complex
// decision, R6 payment).
type Product struct {
	Code              string
	Name              string
	NoticeKind        NoticeKind
	Benefits          []Benefit
	WaitingPeriods    []WaitingPeriod
	Exclusions        []Exclusion
	DeadlineOverrides []deadline.Override
}

// Benefit is one benefit (保险责任) of a product: the incident types it
// covers and, for expense benefits, the most paid per claim (0: no such
// limit).
type Benefit struct {
	Code             string
	Name             string
	IncidentTypes    []string
	PerClaimLimitFen int64
	Clause           string
}

// WaitingPeriod is the product's waiting period (等待期) for an incident
// type: an incident in the Days days from the policy's effective date (that
// date counting as the first) is not covered.
type WaitingPeriod struct {
	IncidentType string
	Days         int
	Clause       string
}

// Exclusion is an exclusion (责任免除) by incident type; WithinDays, when
// not 0, limits it to incidents in that many days from the effective date
// (as the suicide exclusion of Insurance Law art. 44 does for two years).
type Exclusion struct {
	Code          string
	IncidentTypes []string
	WithinDays    int
	Text          string
	Clause        string
}

// Covers reports whether the benefit covers incidentType.
func (b Benefit) Covers(incidentType string) bool {
	return slices.Contains(b.IncidentTypes, incidentType)
}

// BenefitCodes lists the codes of the product's benefits.
func (p *Product) BenefitCodes() []string {
	out := make([]string, len(p.Benefits))
	for i, b := range p.Benefits {
		out[i] = b.Code
	}
	return out
}

// Benefit returns the product's benefit with code.
func (p *Product) Benefit(code string) (Benefit, bool) {
	for _, b := range p.Benefits {
		if b.Code == code {
			return b, true
		}
	}
	return Benefit{}, false
}

// PaymentPeriodDays is the contract's payment period (R6) in days, 0 when
// the product keeps the statutory 10 days.
func (p *Product) PaymentPeriodDays() int {
	for _, o := range p.DeadlineOverrides {
		if o.Rule == deadline.Payment {
			return o.Length
		}
	}
	return 0
}

// Limits on product and policy data.
const (
	maxBenefits      = 20
	maxExclusions    = 50
	maxBeneficiaries = 10
	maxDays          = 3660
)

// NewProduct checks a product sent by the policy system and returns it
// trimmed, or an *apperr.Error naming the first wrong field.
func NewProduct(p Product) (Product, error) {
	var err error
	p.Code = strings.TrimSpace(p.Code)
	if err := checkCode("code", p.Code); err != nil {
		return Product{}, err
	}
	if p.Name, err = shortText("name", p.Name, maxShortText, true); err != nil {
		return Product{}, err
	}
	if p.NoticeKind.Title() == "" {
		return Product{}, apperr.InvalidField("notice_kind", "must be %s (拒绝给付保险金) or %s (拒绝赔偿)", BenefitRefusal, IndemnityRefusal)
	}
	if len(p.Benefits) == 0 || len(p.Benefits) > maxBenefits {
		return Product{}, apperr.InvalidField("benefits", "must list 1 to %d benefits", maxBenefits)
	}
	p.Benefits = slices.Clone(p.Benefits)
	for i := range p.Benefits {
		if err := checkBenefit("benefits["+strconv.Itoa(i)+"].", &p.Benefits[i], p.Benefits[:i]); err != nil {
			return Product{}, err
		}
	}
	p.WaitingPeriods = slices.Clone(p.WaitingPeriods)
	for i := range p.WaitingPeriods {
		w := &p.WaitingPeriods[i]
		prefix := "waiting_periods[" + strconv.Itoa(i) + "]."
		if err := checkIncidentTypes(prefix+"incident_type", []string{w.IncidentType}); err != nil {
			return Product{}, err
		}
		if slices.ContainsFunc(p.WaitingPeriods[:i], func(o WaitingPeriod) bool { return o.IncidentType == w.IncidentType }) {
			return Product{}, apperr.InvalidField(prefix+"incident_type", "%q has two waiting periods", w.IncidentType)
		}
		if w.Days < 1 || w.Days > maxDays {
			return Product{}, apperr.InvalidField(prefix+"days", "must be from 1 to %d", maxDays)
		}
		if w.Clause, err = clause(prefix+"clause", w.Clause); err != nil {
			return Product{}, err
		}
	}
	if len(p.Exclusions) > maxExclusions {
		return Product{}, apperr.InvalidField("exclusions", "has %d exclusions, more than %d", len(p.Exclusions), maxExclusions)
	}
	p.Exclusions = slices.Clone(p.Exclusions)
	for i := range p.Exclusions {
		if err := checkExclusion("exclusions["+strconv.Itoa(i)+"].", &p.Exclusions[i]); err != nil {
			return Product{}, err
		}
	}
	if err := deadline.ValidateOverrides(p.DeadlineOverrides); err != nil {
		return Product{}, apperr.InvalidField("deadline_overrides", "%v", err)
	}
	for _, o := range p.DeadlineOverrides {
		if o.Rule == deadline.Payment && o.Unit != deadline.Days {
			return Product{}, apperr.InvalidField("deadline_overrides", "the payment period (R6) is counted in days: the agreement event carries it as payment_period_days")
		}
	}
	return p, nil
}

func checkBenefit(prefix string, b *Benefit, before []Benefit) error {
	var err error
	b.Code = strings.TrimSpace(b.Code)
	if err := checkCode(prefix+"code", b.Code); err != nil {
		return err
	}
	if slices.ContainsFunc(before, func(o Benefit) bool { return o.Code == b.Code }) {
		return apperr.InvalidField(prefix+"code", "%q is listed twice", b.Code)
	}
	if b.Name, err = shortText(prefix+"name", b.Name, maxShortText, true); err != nil {
		return err
	}
	if err := checkIncidentTypes(prefix+"incident_types", b.IncidentTypes); err != nil {
		return err
	}
	if b.PerClaimLimitFen < 0 || b.PerClaimLimitFen > MaxAmountFen {
		return apperr.InvalidField(prefix+"per_claim_limit_fen", "must be from 0 (no limit) to %d", MaxAmountFen)
	}
	b.Clause, err = clause(prefix+"clause", b.Clause)
	return err
}

func checkExclusion(prefix string, e *Exclusion) error {
	var err error
	e.Code = strings.TrimSpace(e.Code)
	if err := checkCode(prefix+"code", e.Code); err != nil {
		return err
	}
	if err := checkIncidentTypes(prefix+"incident_types", e.IncidentTypes); err != nil {
		return err
	}
	if e.WithinDays < 0 || e.WithinDays > maxDays {
		return apperr.InvalidField(prefix+"within_days", "must be from 0 (always) to %d", maxDays)
	}
	if e.Text, err = requiredText(prefix+"text", e.Text, maxLongText, "say what is excluded"); err != nil {
		return err
	}
	e.Clause, err = clause(prefix+"clause", e.Clause)
	return err
}

func checkIncidentTypes(field string, types []string) error {
	if len(types) == 0 {
		return apperr.InvalidField(field, "name at least one incident type (%s)", strings.Join(IncidentTypes(), ", "))
	}
	for _, t := range types {
		if !slices.Contains(IncidentTypes(), t) {
			return apperr.InvalidField(field, "%q is not an incident type (%s)", t, strings.Join(IncidentTypes(), ", "))
		}
	}
	return nil
}

// clause trims and checks a clause citation.
func clause(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	return s, checkClause(field, s)
}

// Policy is an insurance contract as adjudication needs it: who is insured
// and who benefits, when it is in force, and the sum insured of each benefit
// with what was already paid on it outside this platform (UsedFen).
type Policy struct {
	Number           string
	ProductCode      string
	PolicyholderName string
	InsuredName      string
	// InsuredIDMasked is the insured's resident ID number masked as
	// redact.IDNumber does (first six and last four characters), "" when
	// the policy system sent none: adjudication never holds the number,
	// and an identity card on a claim must print the same (issue 19).
	InsuredIDMasked string
	// Beneficiaries are the named beneficiaries; none means the legal
	// heirs (法定受益人, Insurance Law art. 42).
	Beneficiaries []Person
	EffectiveFrom calendar.Date
	// EffectiveTo is the last day of cover.
	EffectiveTo  calendar.Date
	TerminatedOn *calendar.Date
	Coverages    []Coverage
	// Branch is the organisation unit (分支机构) that holds the policy; its
	// cases are counted under it in the service indicators (R13).
	Branch string
}

// Coverage is the sum insured of one benefit of a policy.
type Coverage struct {
	Benefit       string
	SumInsuredFen int64
	UsedFen       int64
}

// InForceOn reports whether the policy covers day d.
func (p *Policy) InForceOn(d calendar.Date) bool {
	if d.Before(p.EffectiveFrom) || d.After(p.EffectiveTo) {
		return false
	}
	return p.TerminatedOn == nil || d.Before(*p.TerminatedOn)
}

// Coverage returns the policy's coverage of benefit.
func (p *Policy) Coverage(benefit string) (Coverage, bool) {
	for _, c := range p.Coverages {
		if c.Benefit == benefit {
			return c, true
		}
	}
	return Coverage{}, false
}

// NewPolicy checks a policy sent by the policy system against its product
// and returns it trimmed, or an *apperr.Error naming the first wrong field.
func NewPolicy(p Policy, product Product) (Policy, error) {
	var err error
	if p.Number, err = shortText("number", p.Number, maxShortText, true); err != nil {
		return Policy{}, err
	}
	if p.ProductCode != product.Code {
		return Policy{}, apperr.InvalidField("product_code", "is %q, not the product %q given", p.ProductCode, product.Code)
	}
	if p.PolicyholderName, err = shortText("policyholder_name", p.PolicyholderName, maxShortText, true); err != nil {
		return Policy{}, err
	}
	if p.InsuredName, err = shortText("insured_name", p.InsuredName, maxShortText, true); err != nil {
		return Policy{}, err
	}
	if len(p.Beneficiaries) > maxBeneficiaries {
		return Policy{}, apperr.InvalidField("beneficiaries", "has %d beneficiaries, more than %d", len(p.Beneficiaries), maxBeneficiaries)
	}
	p.Beneficiaries = slices.Clone(p.Beneficiaries)
	for i := range p.Beneficiaries {
		b := &p.Beneficiaries[i]
		prefix := "beneficiaries[" + strconv.Itoa(i) + "]."
		if b.Name, err = shortText(prefix+"name", b.Name, maxShortText, true); err != nil {
			return Policy{}, err
		}
		if b.Relation = strings.TrimSpace(b.Relation); !slices.Contains(Relations(), b.Relation) {
			return Policy{}, apperr.InvalidField(prefix+"relation", "must be one of %s", strings.Join(Relations(), ", "))
		}
	}
	switch {
	case !p.EffectiveFrom.IsValid():
		return Policy{}, apperr.InvalidField("effective_from", "is required: the first day of cover")
	case !p.EffectiveTo.IsValid():
		return Policy{}, apperr.InvalidField("effective_to", "is required: the last day of cover")
	case p.EffectiveTo.Before(p.EffectiveFrom):
		return Policy{}, apperr.InvalidField("effective_to", "is before effective_from")
	case p.TerminatedOn != nil && (!p.TerminatedOn.IsValid() || p.TerminatedOn.Before(p.EffectiveFrom)):
		return Policy{}, apperr.InvalidField("terminated_on", "must be a date on or after effective_from")
	}
	if len(p.Coverages) == 0 || len(p.Coverages) > maxBenefits {
		return Policy{}, apperr.InvalidField("coverages", "must list 1 to %d coverages", maxBenefits)
	}
	p.Coverages = slices.Clone(p.Coverages)
	for i := range p.Coverages {
		c := &p.Coverages[i]
		prefix := "coverages[" + strconv.Itoa(i) + "]."
		c.Benefit = strings.TrimSpace(c.Benefit)
		if _, ok := product.Benefit(c.Benefit); !ok {
			return Policy{}, apperr.InvalidField(prefix+"benefit", "%q is not a benefit of product %s (%s)", c.Benefit, product.Code, strings.Join(product.BenefitCodes(), ", "))
		}
		if slices.ContainsFunc(p.Coverages[:i], func(o Coverage) bool { return o.Benefit == c.Benefit }) {
			return Policy{}, apperr.InvalidField(prefix+"benefit", "%q is listed twice", c.Benefit)
		}
		if c.SumInsuredFen <= 0 || c.SumInsuredFen > MaxAmountFen {
			return Policy{}, apperr.InvalidField(prefix+"sum_insured_fen", "must be from 1 to %d", MaxAmountFen)
		}
		if c.UsedFen < 0 || c.UsedFen > c.SumInsuredFen {
			return Policy{}, apperr.InvalidField(prefix+"used_fen", "must be from 0 to the sum insured")
		}
	}
	return p, nil
}

// yuan formats fen as yuan with two decimals: 12345 -> "123.45".
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
