package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// CheckName names an automatic check.
type CheckName string

// The automatic checks that help the handler decide. They inform; the
// handler decides, and may override a check that did not pass, saying why.
const (
	CheckPolicyInForce    CheckName = "policy_in_force"
	CheckWaitingPeriod    CheckName = "waiting_period"
	CheckExclusions       CheckName = "exclusions"
	CheckSumInsured       CheckName = "sum_insured"
	CheckDuplicateInvoice CheckName = "duplicate_invoice"
	CheckBeneficiary      CheckName = "beneficiary"
)

// CheckNames lists the checks in the order they are shown.
func CheckNames() []CheckName {
	return []CheckName{CheckPolicyInForce, CheckWaitingPeriod, CheckExclusions, CheckSumInsured, CheckDuplicateInvoice, CheckBeneficiary}
}

// Result is what a check found.
type Result string

// The results: Unknown when the data to check is missing (a policy not
// imported), Warn when a person should look.
const (
	ResultPass    Result = "pass"
	ResultWarn    Result = "warn"
	ResultFail    Result = "fail"
	ResultUnknown Result = "unknown"
)

// CheckResult is one check's result with its reason in plain words, and the
// handler's override if there is one.
type CheckResult struct {
	Check  CheckName
	Result Result
	Reason string
	// Code names the reason and Params holds its values (dates as
	// YYYY-MM-DD, amounts in fen), for a console to word the reason in its
	// user's language (issue 20); Reason says it in English. Code is empty
	// for the reasons not yet catalogued.
	Code     string
	Params   map[string]string
	Override *CheckOverride
}

// explain sets the reason in English and its code with params given as
// name, value pairs.
func (r *CheckResult) explain(code, reason string, params ...string) {
	r.Reason, r.Code, r.Params = reason, code, map[string]string{}
	for i := 0; i+1 < len(params); i += 2 {
		r.Params[params[i]] = params[i+1]
	}
}

// CheckOverride records that a senior accepted a check that did not pass,
// and why. Senior is false for the overrides made before only seniors could
// override: those no longer let an approval through.
type CheckOverride struct {
	Check  CheckName
	Reason string
	By     string
	At     time.Time
	Senior bool
}

// Evidence is what the checks read beyond the case: the policy and its
// product (nil when not imported), the amounts approved per benefit on the
// policy's other claims, and the documents of other claims that bear one of
// the case's invoice numbers.
type Evidence struct {
	Policy   *Policy
	Product  *Product
	UsedFen  map[string]int64
	Invoices []InvoiceMatch
}

// InsuredOf returns the insured's name c is checked against: the policy's
// when the policy is imported, else the one the claim was reported with.
func (ev Evidence) InsuredOf(c Case) string {
	if ev.Policy != nil {
		return ev.Policy.InsuredName
	}
	return c.InsuredName
}

// InvoiceMatch is an invoice of another claim with one of the case's
// invoice numbers.
type InvoiceMatch struct {
	ClaimID       string
	InvoiceNumber string
	AmountFen     int64
	// EventDate is the invoice's date as read (YYYY-MM-DD), when the match
	// was searched by content (AutoInput.InvoicesAlike).
	EventDate string
}

// InvoiceKey is the form of an invoice number compared across claims: its
// letters and digits only, upper case, after NFKC (full-width characters
// made half-width). Spaces, dashes and characters that print nothing
// (U+200B and the like) are dropped, so that a number padded or typed with
// them is still the invoice seen on another claim: one invoice pays once.
func InvoiceKey(number string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(number) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// InvoiceKeys lists the keys of the case's invoices.
func (c *Case) InvoiceKeys() []string {
	var out []string
	for _, d := range c.Documents {
		if k := InvoiceKey(d.InvoiceNumber); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// RunChecks runs every check on the case with the evidence, and attaches
// the latest override of each.
func RunChecks(c *Case, ev Evidence) []CheckResult {
	day := calendar.DateOf(c.IncidentTime)
	out := []CheckResult{
		checkPolicyInForce(c, ev, day),
		checkWaitingPeriod(c, ev, day),
		checkExclusions(c, ev, day),
		checkSumInsured(c, ev),
		checkDuplicateInvoice(c, ev),
		checkBeneficiary(c, ev),
	}
	for i := range out {
		for j := len(c.Overrides) - 1; j >= 0; j-- {
			if c.Overrides[j].Check == out[i].Check {
				o := c.Overrides[j]
				out[i].Override = &o
				break
			}
		}
	}
	return out
}

func unknownPolicy(check CheckName, c *Case) CheckResult {
	r := CheckResult{Check: check, Result: ResultUnknown}
	r.explain("policy_unknown", fmt.Sprintf("policy %s is not in adjudication's policy data: check it in the policy system", c.PolicyNumber), "policy", c.PolicyNumber)
	return r
}

func checkPolicyInForce(c *Case, ev Evidence, day calendar.Date) CheckResult {
	p := ev.Policy
	if p == nil {
		return unknownPolicy(CheckPolicyInForce, c)
	}
	r := CheckResult{Check: CheckPolicyInForce, Result: ResultFail}
	switch {
	case day.Before(p.EffectiveFrom):
		r.explain("before_cover", fmt.Sprintf("the incident on %s is before policy %s took effect on %s", day, p.Number, p.EffectiveFrom),
			"day", day.String(), "policy", p.Number, "from", p.EffectiveFrom.String())
	case day.After(p.EffectiveTo):
		r.explain("after_cover", fmt.Sprintf("the incident on %s is after the cover of policy %s ended on %s", day, p.Number, p.EffectiveTo),
			"day", day.String(), "policy", p.Number, "to", p.EffectiveTo.String())
	case !p.InForceOn(day):
		r.explain("terminated", fmt.Sprintf("policy %s was terminated on %s, before the incident on %s", p.Number, *p.TerminatedOn, day),
			"policy", p.Number, "terminated", p.TerminatedOn.String(), "day", day.String())
	case p.InsuredName != c.InsuredName:
		r.explain("other_insured", fmt.Sprintf("policy %s insures %s, but the claim names %s as the insured", p.Number, p.InsuredName, c.InsuredName),
			"policy", p.Number, "insured", p.InsuredName, "named", c.InsuredName)
	default:
		r.Result = ResultPass
		r.explain("in_force", fmt.Sprintf("policy %s insures %s from %s to %s; the incident on %s is within", p.Number, p.InsuredName, p.EffectiveFrom, p.EffectiveTo, day),
			"policy", p.Number, "insured", p.InsuredName, "from", p.EffectiveFrom.String(), "to", p.EffectiveTo.String(), "day", day.String())
	}
	return r
}

func checkWaitingPeriod(c *Case, ev Evidence, day calendar.Date) CheckResult {
	if ev.Policy == nil || ev.Product == nil {
		return unknownPolicy(CheckWaitingPeriod, c)
	}
	for _, w := range ev.Product.WaitingPeriods {
		if w.IncidentType != c.IncidentType {
			continue
		}
		last := ev.Policy.EffectiveFrom.AddDays(w.Days - 1)
		if !day.After(last) {
			r := CheckResult{Check: CheckWaitingPeriod, Result: ResultFail}
			r.explain("in_waiting_period", fmt.Sprintf("the incident on %s is within the %d-day waiting period for %s, from %s to %s (%s)",
				day, w.Days, c.IncidentType, ev.Policy.EffectiveFrom, last, w.Clause),
				"day", day.String(), "days", strconv.Itoa(w.Days), "incident_type", string(c.IncidentType), "from", ev.Policy.EffectiveFrom.String(), "to", last.String(), "clause", w.Clause)
			return r
		}
		r := CheckResult{Check: CheckWaitingPeriod, Result: ResultPass}
		r.explain("after_waiting_period", fmt.Sprintf("the incident on %s is after the %d-day waiting period for %s, which ended on %s", day, w.Days, c.IncidentType, last),
			"day", day.String(), "days", strconv.Itoa(w.Days), "incident_type", string(c.IncidentType), "to", last.String())
		return r
	}
	r := CheckResult{Check: CheckWaitingPeriod, Result: ResultPass}
	r.explain("no_waiting_period", fmt.Sprintf("product %s has no waiting period for %s", ev.Product.Code, c.IncidentType),
		"product", ev.Product.Code, "incident_type", string(c.IncidentType))
	return r
}

// covering returns the product's benefits that cover the case's incident
// type and that the policy covers.
func covering(c *Case, ev Evidence) (all []Benefit, held []Benefit) {
	for _, b := range ev.Product.Benefits {
		if !b.Covers(c.IncidentType) {
			continue
		}
		all = append(all, b)
		if _, ok := ev.Policy.Coverage(b.Code); ok {
			held = append(held, b)
		}
	}
	return all, held
}

func benefitCodes(bs []Benefit) string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Code
	}
	return strings.Join(out, ", ")
}

func checkExclusions(c *Case, ev Evidence, day calendar.Date) CheckResult {
	if ev.Policy == nil || ev.Product == nil {
		return unknownPolicy(CheckExclusions, c)
	}
	r := CheckResult{Check: CheckExclusions, Result: ResultFail}
	all, held := covering(c, ev)
	if len(all) == 0 {
		r.explain("no_benefit_covers", fmt.Sprintf("no benefit of product %s covers %s", ev.Product.Code, c.IncidentType),
			"product", ev.Product.Code, "incident_type", c.IncidentType)
		return r
	}
	if len(held) == 0 {
		r.explain("benefits_not_held", fmt.Sprintf("policy %s holds none of the benefits that cover %s (%s)", ev.Policy.Number, c.IncidentType, benefitCodes(all)),
			"policy", ev.Policy.Number, "incident_type", c.IncidentType, "benefits", benefitCodes(all))
		return r
	}
	var found, named []string
	for _, e := range ev.Product.Exclusions {
		if !slices.Contains(e.IncidentTypes, c.IncidentType) {
			continue
		}
		if e.WithinDays > 0 && day.After(ev.Policy.EffectiveFrom.AddDays(e.WithinDays-1)) {
			continue
		}
		found = append(found, fmt.Sprintf("%s: %s (%s)", e.Code, e.Text, e.Clause))
		named = append(named, e.Text+"（"+e.Clause+"）")
	}
	if len(found) > 0 {
		r.explain("exclusion_applies", "an exclusion applies to "+c.IncidentType+": "+strings.Join(found, "; "),
			"incident_type", c.IncidentType, "exclusions", strings.Join(named, "；"))
		return r
	}
	r.Result = ResultPass
	r.explain("covered", fmt.Sprintf("%s is covered by %s, and no exclusion applies", c.IncidentType, benefitCodes(held)),
		"incident_type", c.IncidentType, "benefits", benefitCodes(held))
	return r
}

// payable is what is left to pay on a benefit of the policy: the sum
// insured less what was paid before the platform and what was approved on
// the policy's other claims, and no more than the benefit's per-claim limit.
type payable struct {
	benefit Benefit
	left    int64
	note    string
}

func payables(c *Case, ev Evidence) []payable {
	_, held := covering(c, ev)
	out := make([]payable, 0, len(held))
	for _, b := range held {
		cov, _ := ev.Policy.Coverage(b.Code)
		used := cov.UsedFen + ev.UsedFen[b.Code]
		left := max(cov.SumInsuredFen-used, 0)
		note := fmt.Sprintf("%s: %s yuan left of %s (used %s)", b.Code, yuan(left), yuan(cov.SumInsuredFen), yuan(used))
		if b.PerClaimLimitFen > 0 && b.PerClaimLimitFen < left {
			left = b.PerClaimLimitFen
			note += fmt.Sprintf(", at most %s per claim", yuan(left))
		}
		out = append(out, payable{benefit: b, left: left, note: note})
	}
	return out
}

func checkSumInsured(c *Case, ev Evidence) CheckResult {
	if ev.Policy == nil || ev.Product == nil {
		return unknownPolicy(CheckSumInsured, c)
	}
	ps := payables(c, ev)
	r := CheckResult{Check: CheckSumInsured, Result: ResultFail}
	if len(ps) == 0 {
		r.explain("no_cover", fmt.Sprintf("policy %s has no cover for %s", ev.Policy.Number, c.IncidentType), "policy", ev.Policy.Number, "incident_type", c.IncidentType)
		return r
	}
	var total int64
	notes := make([]string, len(ps))
	for i, p := range ps {
		total += p.left
		notes[i] = p.note
	}
	left := strings.Join(notes, "; ")
	if c.Decision != nil {
		for _, l := range c.Decision.Lines {
			i := slices.IndexFunc(ps, func(p payable) bool { return p.benefit.Code == l.Benefit })
			switch {
			case i < 0 && l.ApprovedFen > 0:
				r.explain("decision_benefit_not_covering", fmt.Sprintf("the decision pays %s yuan on %s, which does not cover %s", yuan(l.ApprovedFen), l.Benefit, c.IncidentType),
					"amount_fen", fenText(l.ApprovedFen), "benefit", l.Benefit, "incident_type", c.IncidentType)
				return r
			case i >= 0 && l.ApprovedFen > ps[i].left:
				r.explain("decision_over_left", fmt.Sprintf("the decision pays %s yuan on %s, more than is left: %s", yuan(l.ApprovedFen), l.Benefit, ps[i].note),
					"amount_fen", fenText(l.ApprovedFen), "benefit", l.Benefit, "left_fen", fenText(ps[i].left))
				return r
			}
		}
		r.Result = ResultPass
		r.explain("decision_within_left", "the decision is within what is left: "+left, "left_fen", fenText(total))
		return r
	}
	switch {
	case total == 0:
		r.explain("used_up", "the sum insured is used up: "+left)
	case c.ClaimedAmountFen > total:
		r.Result = ResultWarn
		r.explain("claimed_over_left", fmt.Sprintf("%s yuan claimed, more than the %s yuan left: %s", yuan(c.ClaimedAmountFen), yuan(total), left),
			"claimed_fen", fenText(c.ClaimedAmountFen), "left_fen", fenText(total))
	default:
		r.Result = ResultPass
		r.explain("left", left, "left_fen", fenText(total))
	}
	return r
}

// fenText writes an amount in fen for a reason's params.
func fenText(fen int64) string { return strconv.FormatInt(fen, 10) }

func checkDuplicateInvoice(c *Case, ev Evidence) CheckResult {
	r := CheckResult{Check: CheckDuplicateInvoice, Result: ResultPass}
	var fails, warns []string
	seen := map[string]int64{}
	count := 0
	for _, d := range c.Documents {
		k := InvoiceKey(d.InvoiceNumber)
		if k == "" {
			continue
		}
		count++
		if amount, ok := seen[k]; ok && amount == d.TotalAmountFen {
			fails = append(fails, fmt.Sprintf("invoice %s (%s yuan) is handed in twice with this claim", d.InvoiceNumber, yuan(amount)))
		}
		seen[k] = d.TotalAmountFen
		for _, m := range ev.Invoices {
			if InvoiceKey(m.InvoiceNumber) != k {
				continue
			}
			if m.AmountFen == d.TotalAmountFen {
				fails = append(fails, fmt.Sprintf("invoice %s (%s yuan) was already claimed on claim %s", d.InvoiceNumber, yuan(m.AmountFen), m.ClaimID))
			} else {
				warns = append(warns, fmt.Sprintf("invoice number %s is on claim %s with another amount (%s yuan, here %s yuan): check both",
					d.InvoiceNumber, m.ClaimID, yuan(m.AmountFen), yuan(d.TotalAmountFen)))
			}
		}
	}
	switch {
	case len(fails) > 0:
		r.Result = ResultFail
		r.explain("invoices_claimed_before", strings.Join(append(fails, warns...), "; "), "n", strconv.Itoa(len(fails)+len(warns)))
	case len(warns) > 0:
		r.Result = ResultWarn
		r.explain("invoice_numbers_reused", strings.Join(warns, "; "), "n", strconv.Itoa(len(warns)))
	case count == 0:
		r.explain("no_invoices", "the claim has no invoices")
	default:
		r.explain("invoices_new", fmt.Sprintf("%d invoice(s), none claimed before", count), "n", strconv.Itoa(count))
	}
	return r
}

func checkBeneficiary(c *Case, ev Evidence) CheckResult {
	p := ev.Policy
	if p == nil {
		return unknownPolicy(CheckBeneficiary, c)
	}
	r := CheckResult{Check: CheckBeneficiary, Result: ResultPass}
	claimant := c.Beneficiary
	if claimant == nil || claimant.Relation == "self" || claimant.Name == p.InsuredName && claimant.Relation == "" {
		name := c.InsuredName
		if claimant != nil {
			name = claimant.Name
		}
		if name != p.InsuredName {
			r.Result = ResultFail
			r.explain("not_the_insured", fmt.Sprintf("%s claims as the insured, but policy %s insures %s", name, p.Number, p.InsuredName),
				"name", name, "policy", p.Number, "insured", p.InsuredName)
			return r
		}
		r.explain("insured_claims", fmt.Sprintf("the insured %s claims", name), "name", name)
		return r
	}
	named := make([]string, len(p.Beneficiaries))
	for i, b := range p.Beneficiaries {
		named[i] = b.Name + " (" + b.Relation + ")"
		if b.Name != claimant.Name {
			continue
		}
		if claimant.Relation != "" && b.Relation != claimant.Relation {
			r.Result = ResultWarn
			r.explain("other_relation", fmt.Sprintf("%s is a named beneficiary as %s, but the claim says %s", b.Name, b.Relation, claimant.Relation),
				"name", b.Name, "relation", b.Relation, "claimed_relation", claimant.Relation)
			return r
		}
		r.explain("named_beneficiary", fmt.Sprintf("%s is a named beneficiary (%s)", b.Name, b.Relation), "name", b.Name, "relation", b.Relation)
		return r
	}
	if len(p.Beneficiaries) == 0 {
		r.Result = ResultWarn
		if c.IncidentType == "death" {
			r.explain("legal_heirs", fmt.Sprintf("policy %s names no beneficiary: the legal heirs benefit (Insurance Law art. 42); check the proof that %s is one", p.Number, claimant.Name),
				"policy", p.Number, "name", claimant.Name)
		} else {
			r.explain("living_benefit", fmt.Sprintf("%s claims a living benefit of %s: check the insured's authorisation", claimant.Name, p.InsuredName),
				"name", claimant.Name, "insured", p.InsuredName)
		}
		return r
	}
	r.Result = ResultFail
	r.explain("not_a_beneficiary", fmt.Sprintf("%s is not a beneficiary named on policy %s (named: %s)", claimant.Name, p.Number, strings.Join(named, ", ")),
		"name", claimant.Name, "policy", p.Number)
	return r
}

// OverrideCheck records that a senior accepts a check that did not pass,
// and why; current is the check's result now. A failing check blocks an
// approval until a senior other than the decider overrides it, so the
// decider may not override, and the overrider may not decide (issue 14).
func (c *Case) OverrideCheck(actor Actor, current CheckResult, reason string, now time.Time) error {
	reason, err := requiredText("reason", reason, maxReason, "say why the check's finding is accepted")
	if err != nil {
		return err
	}
	if err := requireSenior(actor, "overriding a check"); err != nil {
		return err
	}
	if d := c.Decision; d != nil && samePerson(d.DecidedBy, actor.Subject) {
		return apperr.New(apperr.Forbidden, "you decided this case: a %s other than the decider overrides its checks", RoleSenior)
	}
	if c.State == StateClosed {
		return c.refuse("have a check overridden")
	}
	if current.Result == ResultPass {
		return apperr.New(apperr.Conflict, "check %s passed: there is nothing to override", current.Check)
	}
	o := CheckOverride{Check: current.Check, Reason: reason, By: actor.Subject, At: now.UTC(), Senior: true}
	c.Overrides = append(c.Overrides, o)
	c.record(Change{Action: ActionCheckOverridden, From: c.State, To: c.State, Actor: actor.Subject, Reason: reason, At: now,
		Details: map[string]any{"check": string(current.Check), "result": string(current.Result), "finding": current.Reason}})
	return nil
}

// ParseCheckName checks a check name given by a caller.
func ParseCheckName(s string) (CheckName, error) {
	if n := CheckName(s); slices.Contains(CheckNames(), n) {
		return n, nil
	}
	names := make([]string, len(CheckNames()))
	for i, n := range CheckNames() {
		names[i] = string(n)
	}
	return "", apperr.New(apperr.NotFound, "no check %q; the checks are %s", s, strings.Join(names, ", "))
}

// checksDetails is what the audit keeps of check results.
func checksDetails(results []CheckResult) []map[string]any {
	out := make([]map[string]any, len(results))
	for i, r := range results {
		out[i] = map[string]any{"check": string(r.Check), "result": string(r.Result), "reason": r.Reason, "overridden": r.Override != nil}
	}
	return out
}
