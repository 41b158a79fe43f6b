package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
)

// The money controls of issue 14: who may be paid, the contract's limits,
// the checks that block a payment, and who may act on a case. Each refusal
// carries a code of its own (package apperr) so that a client can tell
// which rule held.

// NormalizeName is the form in which two names of a person are compared:
// Unicode NFKC (full-width letters become half-width), with every space
// removed, the ideographic space included. Nothing else is folded: a name
// with an invisible character or a variant character is another name.
func NormalizeName(name string) string { return bankaccount.NormalizeName(name) }

// sameName reports whether a and b name the same person after
// normalisation; an empty name matches nothing.
func sameName(a, b string) bool {
	na := NormalizeName(a)
	return na != "" && na == NormalizeName(b)
}

// The document types the payee rules read (package document's names).
const (
	DocRelationshipProof = "relationship_proof"
	DocBankCard          = "bank_card"
	DocIDCard            = "id_card"
	// DocOther is the type intake gives a document of no listed kind, an
	// agent's authorisation (授权委托书) among them: an invoice, an identity
	// card or a certificate authorises nobody to collect.
	DocOther = "other"
)

// hasDocument returns the case's document with id, or the first of type
// docType when id is empty.
func (c *Case) hasDocument(id, docType string) bool {
	return slices.ContainsFunc(c.Documents, func(d Document) bool {
		return (id == "" || d.DocumentID == id) && (docType == "" || d.Type == docType)
	})
}

// notEntitled is the refusal of a payee, naming the rule that refused it.
func notEntitled(field, format string, args ...any) error {
	return &apperr.Error{Code: apperr.PayeeNotEntitled, Field: field, Message: fmt.Sprintf(format, args...)}
}

// checkEntitled refuses a payee who is not entitled under the policy to the
// money of the case. The entitled are: the insured; the policyholder; a
// beneficiary named on the policy; a legal heir (法定继承人, Insurance Law
// art. 42) when the policy names no beneficiary, supported by a
// relationship proof on the claim; and an agent (代领人) collecting for one
// of them with an authorisation document on the claim (R10). The account
// holder, when given, must be the payee. Without the policy in
// adjudication's data only the insured named on the claim can be verified.
// payee.Name is returned in its normalised form.
func (c *Case) checkEntitled(p *Payee, accountHolder, authorisationDocID string, policy *Policy) error {
	p.Name = NormalizeName(p.Name)
	if accountHolder != "" && !sameName(accountHolder, p.Name) {
		return notEntitled("payee.account_holder", "the account belongs to %s, not to the payee %s: money is paid only to the payee's own account", accountHolder, p.Name)
	}
	name, role := p.Name, p.Role
	if role == "agent" {
		if authorisationDocID == "" || !c.hasDocument(authorisationDocID, DocOther) {
			return notEntitled("payee.authorisation_document_id", "an agent (代领人) is paid only with the authorisation document on the claim (a document of type %s): name it by its document id", DocOther)
		}
		name, role = p.OnBehalfOf.Name, entitledRole(c, p.OnBehalfOf.Name, policy)
		if role == "" {
			return notEntitled("payee.on_behalf_of.name", "%s, for whom the agent collects, is not entitled under the policy", name)
		}
	}
	insured, holder := c.InsuredName, ""
	if policy != nil {
		insured, holder = policy.InsuredName, policy.PolicyholderName
	}
	switch role {
	case "insured":
		if !sameName(name, insured) {
			return notEntitled("payee.name", "%s is not the insured (%s)", name, insured)
		}
	case "policyholder":
		if policy == nil {
			return notEntitled("payee.role", "policy %s is not in adjudication's data: the policyholder cannot be verified; pay the insured or import the policy", c.PolicyNumber)
		}
		if !sameName(name, holder) {
			return notEntitled("payee.name", "%s is not the policyholder (%s)", name, holder)
		}
	case "beneficiary":
		if !c.beneficiaryOf(name, policy) {
			return notEntitled("payee.name", "%s is neither a beneficiary named on policy %s nor a legal heir with a relationship proof on the claim", name, c.PolicyNumber)
		}
	}
	return nil
}

// entitledRole returns the role in which name is entitled, "" when none.
func entitledRole(c *Case, name string, policy *Policy) string {
	switch {
	case policy == nil && sameName(name, c.InsuredName), policy != nil && sameName(name, policy.InsuredName):
		return "insured"
	case policy != nil && sameName(name, policy.PolicyholderName):
		return "policyholder"
	case c.beneficiaryOf(name, policy):
		return "beneficiary"
	}
	return ""
}

// beneficiaryOf reports whether name is a named beneficiary of the policy
// or, when the policy names none, the claimant who is a legal heir with a
// relationship proof on the claim.
func (c *Case) beneficiaryOf(name string, policy *Policy) bool {
	if policy != nil && slices.ContainsFunc(policy.Beneficiaries, func(b Person) bool { return sameName(b.Name, name) }) {
		return true
	}
	named := policy != nil && len(policy.Beneficiaries) > 0
	heir := c.Beneficiary != nil && sameName(c.Beneficiary.Name, name) &&
		slices.Contains([]string{"spouse", "child", "parent"}, c.Beneficiary.Relation)
	return !named && heir && c.hasDocument("", DocRelationshipProof)
}

// digitsOf is an account number's digits, without spaces or dashes.
func digitsOf(account string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, account)
}

// MaxPayable is the most the contract allows on a case: per benefit, what is
// left of its sum insured after the policy's other claims, at most its
// per-claim limit; and their total.
type MaxPayable struct {
	TotalFen int64
	Lines    []PayableLine
}

// PayableLine is the most the contract allows on one benefit.
type PayableLine struct {
	Benefit       string
	MaxPayableFen int64
	Note          string
}

// MaxPayableOf returns the most the contract allows on c, nil when the
// policy or its product is not in adjudication's data.
func MaxPayableOf(c *Case, ev Evidence) *MaxPayable {
	if ev.Policy == nil || ev.Product == nil {
		return nil
	}
	out := &MaxPayable{Lines: []PayableLine{}}
	for _, p := range payables(c, ev) {
		out.Lines = append(out.Lines, PayableLine{Benefit: p.benefit.Code, MaxPayableFen: p.left, Note: p.note})
		out.TotalFen += p.left
	}
	return out
}

// Within refuses lines that pay more on a benefit than the contract allows
// (beyond the sum insured left or the per-claim limit): such a payment is
// ex gratia (通融赔付), a decision of its own.
func (m *MaxPayable) Within(lines []BenefitLine) error {
	if m == nil {
		return nil
	}
	for _, l := range lines {
		max := int64(0)
		if i := slices.IndexFunc(m.Lines, func(p PayableLine) bool { return p.Benefit == l.Benefit }); i >= 0 {
			max = m.Lines[i].MaxPayableFen
		}
		if l.ApprovedFen > max {
			return &apperr.Error{Code: apperr.BeyondContract, Field: "lines", Message: fmt.Sprintf(
				"%d fen on %s is beyond the contract: at most %d fen may be paid on it (max_payable_fen), %d fen in all; a payment beyond the contract is an ex gratia decision (ex_gratia) for the top authority",
				l.ApprovedFen, l.Benefit, max, m.TotalFen)}
		}
	}
	return nil
}

// blockingChecks refuses an approval while a check fails without an
// override by a senior other than the decider, or a check could not run
// (unknown) and the decider did not acknowledge it. An ex gratia decision
// pays beyond the sum insured knowingly: that check does not block it.
func blockingChecks(actor Actor, in DecisionInput) error {
	var failing, unknown []string
	for _, r := range in.Checks {
		if in.ExGratia && r.Check == CheckSumInsured {
			continue
		}
		switch r.Result {
		case ResultFail:
			switch o := r.Override; {
			case o != nil && o.Senior && samePerson(o.By, actor.Subject):
				failing = append(failing, string(r.Check)+" (overridden by you, the decider: another senior must override it)")
			case o == nil || !o.Senior:
				failing = append(failing, string(r.Check)+" ("+r.Reason+")")
			}
		case ResultUnknown:
			unknown = append(unknown, string(r.Check))
		}
	}
	if len(failing) > 0 {
		return apperr.New(apperr.ChecksFailing, "checks failing: %s; each needs an override with a reason by a %s other than the decider",
			strings.Join(failing, "; "), RoleSenior)
	}
	if len(unknown) > 0 && in.AcknowledgeUnknown == "" {
		return &apperr.Error{Code: apperr.ChecksFailing, Field: "acknowledge_unknown", Message: fmt.Sprintf(
			"checks could not run: %s; say in acknowledge_unknown how you verified what they check", strings.Join(unknown, ", "))}
	}
	return nil
}

// ApprovalHolds refuses the approval of a pending decision to pay that the
// contract or the checks no longer allow: the policy's other claims used
// the sum insured meanwhile (unless the decision is ex gratia), or a check
// fails now without an override by a senior other than the decider. The
// unknown results were acknowledged by the decider with the decision.
func (c *Case) ApprovalHolds(checks []CheckResult, limits *MaxPayable) error {
	d := c.Decision
	if d == nil || d.Outcome == Reject {
		return nil
	}
	if !d.ExGratia {
		if err := limits.Within(d.Lines); err != nil {
			return err
		}
	}
	return blockingChecks(Actor{Subject: d.DecidedBy}, DecisionInput{Checks: checks, ExGratia: d.ExGratia, AcknowledgeUnknown: "acknowledged with the decision"})
}

// ComputedAgainHolds refuses the approval of a pending decision whose
// amount the product's rules computed (ComputedFen) when they compute
// another amount now, comp being their computation made again under the
// policy's lock (nil: it could not be made in full). A decision waiting
// for a senior counts as using the annual deductible and the benefit's
// limits on the policy; another claim decided, returned or rejected
// meanwhile changes what is left, and approving the amount computed before
// would apply the deductible twice or not at all. The decision is returned
// and decided again, so that its decider states the amount (and any reason
// for paying another than computed) against the rules as they stand; the
// senior does not approve an amount nobody decided. When the amount is the
// same, the deductible the computation applied now is the one the
// decision keeps.
func (c *Case) ComputedAgainHolds(comp *Computation) error {
	d := c.Decision
	if d == nil || d.Outcome == Reject || d.ComputedFen == nil {
		return nil
	}
	if comp == nil {
		return apperr.New(apperr.AmountChanged, "the product's rules (version %d) no longer compute the amount of claim %s in full (%d fen when it was decided): return the decision for its decider to decide again",
			d.RulesVersion, c.ClaimID, *d.ComputedFen)
	}
	if comp.PayableFen != *d.ComputedFen {
		return apperr.New(apperr.AmountChanged, "the product's rules (version %d) compute %d fen for claim %s now, not the %d fen it was decided on: another claim of policy %s was decided, returned or rejected meanwhile (the annual deductible or a limit); return the decision for its decider to decide again",
			d.RulesVersion, comp.PayableFen, c.ClaimID, *d.ComputedFen, c.PolicyNumber)
	}
	deductible := comp.DeductibleAppliedFen
	d.DeductibleFen = &deductible
	return nil
}

// refuseIntruder refuses an actor who is neither the case's assignee nor a
// senior, when the case is assigned.
func (c *Case) refuseIntruder(actor Actor, what string) error {
	if c.Assignee == "" || samePerson(actor.Subject, c.Assignee) || actor.Senior() || actor.system() {
		return nil
	}
	return apperr.New(apperr.Forbidden, "case of claim %s is assigned to %s: only they or a %s may %s", c.ClaimID, c.Assignee, RoleSenior, what)
}

// mayAct gives an unassigned case to the actor (audited) and refuses an
// actor who is neither its assignee nor a senior: once a case is assigned,
// only its owner or a senior acts on it. What the system does is not
// refused.
func (c *Case) mayAct(actor Actor, what string, now time.Time) error {
	if c.Assignee == "" && !actor.system() {
		c.assign(actor.Subject, actor, "took the case to "+what, now)
		return nil
	}
	return c.refuseIntruder(actor, what)
}

// deathOrDisability reports whether a claim is for a death or a disability,
// whose every rejection a senior approves.
func (c *Case) deathOrDisability() bool {
	return c.IncidentType == "death" || c.IncidentType == "disability"
}

// Blocking reports whether the result holds back an approval by itself: a
// failure without a senior's override, or an unknown result (which the
// decider acknowledges with the decision).
func (r CheckResult) Blocking() bool {
	return r.Result == ResultFail && (r.Override == nil || !r.Override.Senior) || r.Result == ResultUnknown
}
