package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/apperr"
)

// Outcome is what a handler decided.
type Outcome string

// The outcomes of a decision.
const (
	Approve       Outcome = "approve"
	PartlyApprove Outcome = "partly_approve"
	Reject        Outcome = "reject"
)

// state is the decided state of an outcome.
func (o Outcome) state() State {
	switch o {
	case Approve:
		return StateApproved
	case PartlyApprove:
		return StatePartlyApproved
	}
	return StateRejected
}

// MaxAmountFen bounds an approved amount (one hundred million yuan) so that a
// typo cannot send a number no policy covers.
const MaxAmountFen int64 = 100_000_000_00

// MaxBenefitLines bounds the benefit lines of one decision.
const MaxBenefitLines = 20

// BenefitLine is the decision on one benefit of the policy: what was
// claimed and what is paid, in fen.
type BenefitLine struct {
	Benefit     string
	ClaimedFen  int64
	ApprovedFen int64
}

// Decision is the decision (核定) on a case. AmountFen is the total approved,
// in fen. Reasons say why a claim is rejected or partly paid, each citing
// the contract clause; Note is the handler's free text. A decision above the
// decider's authority limit NeedsApproval and takes effect when a second,
// senior person approves it (ApprovedBy, ApprovedAt).
type Decision struct {
	Outcome       Outcome
	Lines         []BenefitLine
	Reasons       []RejectionReason
	Note          string
	AmountFen     int64
	DecidedBy     string
	DecidedAt     time.Time
	NeedsApproval bool
	ApprovedBy    string
	ApprovedAt    *time.Time
	// ExGratia marks a payment beyond the contract (通融赔付): it always
	// needs the approval of a person of unlimited authority.
	ExGratia bool
	// RulesVersion is the version of the product's rules the amount was
	// computed under (0: none), ComputedFen the amount they computed (nil:
	// none was), and AmountReason why the decider paid another amount
	// than computed, or an amount nothing on the claim supports (issue 19).
	RulesVersion int
	ComputedFen  *int64
	AmountReason string
	// DeductibleFen is the annual deductible the computed amount applied
	// (nil: none was computed): what the decision uses of the policy
	// year's deductible, whatever amount was paid.
	DeductibleFen *int64
	// ForReview says why a senior reviews the decision after the fact
	// (ReviewSampled, ReviewAmountUnsupported), "" when none does.
	ForReview string
}

// Why a decision goes to a senior's review after the fact (issue 19).
const (
	// ReviewSampled: an automatic decision drawn in the sample.
	ReviewSampled = "sampled"
	// ReviewAmountUnsupported: a handler's approval whose amount nothing
	// on the claim supports.
	ReviewAmountUnsupported = "amount_unsupported"
)

// Automatic reports whether the straight-through path made the decision.
func (d *Decision) Automatic() bool { return strings.HasPrefix(d.DecidedBy, AutoActorPrefix) }

// The modes of a decision, as the indicators (group=mode) and the
// compliance report (R13, group=mode) show them apart (issue 19).
const (
	ModeAutomatic = "automatic"
	ModeManual    = "manual"
)

// Mode is ModeAutomatic for a decision of the straight-through path,
// ModeManual for a person's.
func (d *Decision) Mode() string {
	if d.Automatic() {
		return ModeAutomatic
	}
	return ModeManual
}

// Final reports whether the decision has taken effect.
func (d *Decision) Final() bool { return !d.NeedsApproval || d.ApprovedAt != nil }

// EffectiveAt is when the decision took effect: its approval, or its making
// when it needed none. It meets the decision deadline (R4) and starts the
// rejection notice's three days (R5).
func (d *Decision) EffectiveAt() time.Time {
	if d.ApprovedAt != nil {
		return *d.ApprovedAt
	}
	return d.DecidedAt
}

// Summary is the decision's reasons in one line, for the claim-decided
// event: "CODE: text (clause); ...", then the note.
func (d *Decision) Summary() string {
	parts := make([]string, 0, len(d.Reasons)+1)
	for _, r := range d.Reasons {
		parts = append(parts, r.Code+": "+r.Text+" ("+r.Clause+")")
	}
	if d.Note != "" {
		parts = append(parts, d.Note)
	}
	return strings.Join(parts, "; ")
}

// DecisionInput is what a handler submits. Benefits, when not nil, are the
// benefit codes of the policy's product: a line naming another is refused.
type DecisionInput struct {
	Outcome  string
	Lines    []BenefitLine
	Reasons  []RejectionReason
	Note     string
	Version  int
	Benefits []string
	// Checks are the check results now, with their overrides: a failing
	// or unknown one blocks an approval (see blockingChecks).
	Checks []CheckResult
	// AcknowledgeUnknown is the decider's word on the checks that could
	// not run: how what they check was verified.
	AcknowledgeUnknown string
	// ExGratia asks for a payment beyond the contract (通融赔付).
	ExGratia bool
	// Limits is the most the contract allows, nil when unknown.
	Limits *MaxPayable
	// Burst is the claim-burst signal of the insured, nil for none;
	// Signals how signals are raised.
	Burst   *Signal
	Signals SignalPolicy
	// Computed is the amount the product's rules computed from the
	// documents (nil: none was); AmountReason is the decider's reason for
	// paying another amount, or an amount nothing on the claim supports.
	Computed     *Computation
	AmountReason string
	// EnteredBy are the members of staff who entered what the
	// straight-through path found entered by staff (EnteredByStaff): the
	// claim was left to a second person, and none of them may decide it.
	EnteredBy []string
}

// newDecision checks in and returns the decision it describes, not yet
// attributed to anyone.
//
//   - approve: at least one benefit line, each paid in full;
//   - partly_approve: at least one line, something paid and something not,
//     and the reasons for what is not paid;
//   - reject: nothing paid, and the reasons (Insurance Law art. 24 requires
//     the notice to state them).
func newDecision(in DecisionInput) (Decision, error) {
	d := Decision{Outcome: Outcome(strings.TrimSpace(in.Outcome)), ExGratia: in.ExGratia}
	switch d.Outcome {
	case Approve, PartlyApprove, Reject:
	default:
		return Decision{}, apperr.InvalidField("outcome", "must be approve, partly_approve or reject")
	}
	lines, total, err := checkLines(in.Lines, in.Benefits)
	if err != nil {
		return Decision{}, err
	}
	d.Lines, d.AmountFen = lines, total
	if d.Note, err = optionalText("note", in.Note, maxNote); err != nil {
		return Decision{}, err
	}
	if d.Reasons, err = normalizeReasons(in.Reasons); err != nil {
		return Decision{}, err
	}
	short := false
	for _, l := range lines {
		short = short || l.ApprovedFen < l.ClaimedFen
	}
	switch d.Outcome {
	case Approve:
		if len(lines) == 0 {
			return Decision{}, apperr.InvalidField("lines", "an approval needs at least one benefit line with the amount paid")
		}
		if short {
			return Decision{}, apperr.InvalidField("lines", "an approval pays every line in full; use partly_approve when less is paid than claimed")
		}
	case PartlyApprove:
		if len(lines) == 0 || total == 0 {
			return Decision{}, apperr.InvalidField("lines", "a partial approval pays something: give the benefit lines with the amounts paid")
		}
		if !short {
			return Decision{}, apperr.InvalidField("lines", "every line is paid in full: use approve")
		}
		if len(d.Reasons) == 0 {
			return Decision{}, apperr.InvalidField("reasons", "say why part of the claim is not paid, citing the clause")
		}
	case Reject:
		if d.ExGratia {
			return Decision{}, apperr.InvalidField("ex_gratia", "is for a payment beyond the contract; a rejection pays nothing")
		}
		if total != 0 {
			return Decision{}, apperr.InvalidField("lines", "a rejection pays nothing: every approved_fen must be 0")
		}
		if len(d.Reasons) == 0 {
			return Decision{}, apperr.InvalidField("reasons", "a rejection needs its reasons, each citing the clause (Insurance Law art. 24)")
		}
	}
	return d, nil
}

// checkLines validates the benefit lines and returns them trimmed with
// their total.
func checkLines(in []BenefitLine, benefits []string) ([]BenefitLine, int64, error) {
	if len(in) == 0 {
		return nil, 0, nil
	}
	if len(in) > MaxBenefitLines {
		return nil, 0, apperr.InvalidField("lines", "has %d lines, more than %d", len(in), MaxBenefitLines)
	}
	out := make([]BenefitLine, len(in))
	seen := map[string]bool{}
	var total int64
	for i, l := range in {
		p := "lines[" + strconv.Itoa(i) + "]."
		l.Benefit = strings.TrimSpace(l.Benefit)
		if err := checkCode(p+"benefit", l.Benefit); err != nil {
			return nil, 0, err
		}
		if benefits != nil && !slices.Contains(benefits, l.Benefit) {
			return nil, 0, apperr.InvalidField(p+"benefit", "%q is not a benefit of the policy's product (%s)", l.Benefit, strings.Join(benefits, ", "))
		}
		if seen[l.Benefit] {
			return nil, 0, apperr.InvalidField(p+"benefit", "%q is listed twice", l.Benefit)
		}
		seen[l.Benefit] = true
		if l.ClaimedFen <= 0 || l.ClaimedFen > MaxAmountFen {
			return nil, 0, apperr.InvalidField(p+"claimed_fen", "must be a whole number of fen from 1 to %d", MaxAmountFen)
		}
		if l.ApprovedFen < 0 || l.ApprovedFen > l.ClaimedFen {
			return nil, 0, apperr.InvalidField(p+"approved_fen", "must be from 0 to the %d fen claimed", l.ClaimedFen)
		}
		total += l.ApprovedFen
		if total > MaxAmountFen {
			return nil, 0, apperr.InvalidField("lines", "approve more than the largest amount the platform pays (%d fen)", MaxAmountFen)
		}
		out[i] = l
	}
	return out, total, nil
}

// Decide records a handler's decision on a case that is not decided yet.
// Within the decider's authority it takes effect at once; above it, the
// case waits in pending approval for a senior person (four-eyes). A second
// decision is refused: a claim is decided once. Only the case's assignee or
// a senior decides (an unassigned case is taken). An approval is refused
// beyond the contract's limits (unless ex gratia) and while a check blocks
// it (blockingChecks). A rejection needs the approval of a senior when the
// amount claimed is above the decider's authority and, always, for a death
// or disability claim; an ex gratia payment always needs the approval of a
// person of unlimited authority.
func (c *Case) Decide(actor Actor, authority Authority, in DecisionInput, now time.Time) error {
	if err := c.CheckVersion(in.Version); err != nil {
		return err
	}
	if c.Decision != nil {
		return apperr.New(apperr.Conflict, "case of claim %s was already decided by %s on %s; it cannot be decided again",
			c.ClaimID, c.Decision.DecidedBy, c.Decision.DecidedAt.Format(time.RFC3339))
	}
	d, err := newDecision(in)
	if err != nil {
		return err
	}
	ack, err := optionalText("acknowledge_unknown", in.AcknowledgeUnknown, maxReason)
	if err != nil {
		return err
	}
	in.AcknowledgeUnknown = ack
	if err := c.mayMove(ActionDecided, d.Outcome.state(), "be decided"); err != nil {
		return err
	}
	if err := c.refuseIntruder(actor, "decide it"); err != nil {
		return err
	}
	if err := refuseEnteredBy(actor, in.EnteredBy, c.ClaimID, RoleHandler, "decides it"); err != nil {
		return err
	}
	// The automatic decider's name is the system's alone, whatever roles a
	// token with it carries: a decision under it is counted, reported and
	// sampled as the system's (Decision.Automatic).
	if actor.system() || strings.HasPrefix(actor.Subject, AutoActorPrefix) {
		return apperr.New(apperr.Forbidden, "%s is not a person: the system decides only on the straight-through path (issue 19)", actor.Subject)
	}
	unsupported, err := c.supportAmount(&d, in)
	if err != nil {
		return err
	}
	if d.Outcome != Reject {
		if !d.ExGratia {
			if err := in.Limits.Within(d.Lines); err != nil {
				return err
			}
		}
		if err := blockingChecks(actor, in); err != nil {
			return err
		}
	}
	if in.Burst != nil && d.Outcome != Reject {
		if _, err := c.raiseSignals(actor, []Signal{*in.Burst}, in.Signals, "decide it", now); err != nil {
			return err
		}
	}
	if err := c.mayAct(actor, "decide it", now); err != nil {
		return err
	}
	d.DecidedBy, d.DecidedAt = actor.Subject, now.UTC()
	switch {
	case d.ExGratia:
		d.NeedsApproval = true
	case d.Outcome == Reject:
		d.NeedsApproval = c.deathOrDisability() || !authority.Covers(actor, c.claimedFen(d))
	default:
		d.NeedsApproval = !authority.Covers(actor, d.AmountFen)
	}
	to, action := d.Outcome.state(), ActionDecided
	if d.NeedsApproval {
		to, action = StatePendingApproval, ActionDecisionProposed
	}
	details := decisionDetails(d)
	if d.ComputedFen != nil {
		details["computed_fen"], details["rules_version"] = *d.ComputedFen, d.RulesVersion
		details["difference_fen"] = d.AmountFen - *d.ComputedFen
	}
	if d.AmountReason != "" {
		details["amount_reason"] = d.AmountReason
	}
	if unsupported {
		details["amount_unsupported"] = true
		details["for_review"] = d.ForReview
	}
	if len(in.Checks) > 0 {
		details["checks"] = checksDetails(in.Checks)
	}
	if ack != "" {
		details["acknowledged_unknown"] = ack
	}
	if err := c.moveTo(to, "be decided", Change{Action: action, Actor: actor.Subject, Reason: d.Summary(), At: now,
		Details: details}); err != nil {
		return err
	}
	c.Decision = &d
	return nil
}

// Verdict is what the senior approver says of a decision above the
// decider's authority.
type Verdict string

// The verdicts.
const (
	VerdictApprove Verdict = "approve"
	VerdictReturn  Verdict = "return"
)

// ReviewDecision is the second pair of eyes on a decision above its
// decider's authority limit: a senior person other than the decider either
// approves it, within their own limit, and it takes effect, or returns it to
// review with a reason, and it is discarded.
func (c *Case) ReviewDecision(actor Actor, authority Authority, verdict, reason string, version int, now time.Time) error {
	if err := c.CheckVersion(version); err != nil {
		return err
	}
	if err := requireSenior(actor, "approving a decision above a handler's authority"); err != nil {
		return err
	}
	if c.State != StatePendingApproval || c.Decision == nil || !c.Decision.NeedsApproval {
		return c.refuse("have its decision approved: no decision awaits approval")
	}
	d := c.Decision
	if samePerson(actor.Subject, d.DecidedBy) {
		return apperr.New(apperr.Forbidden, "four-eyes: %s made this decision and cannot approve it; another senior handler must", actor.Subject)
	}
	reason, err := optionalText("reason", reason, maxReason)
	if err != nil {
		return err
	}
	switch Verdict(strings.TrimSpace(verdict)) {
	case VerdictApprove:
		amount := d.AmountFen
		if d.Outcome == Reject {
			amount = c.claimedFen(*d)
		}
		if d.ExGratia && authority.LimitOf(actor) != Unlimited {
			return apperr.New(apperr.Forbidden, "an ex gratia payment (通融赔付) is approved only by a person of unlimited authority")
		}
		if !authority.Covers(actor, amount) {
			return apperr.New(apperr.Forbidden, "%d fen is above your authority limit of %d fen", amount, authority.LimitOf(actor))
		}
		details := map[string]any{"amount_fen": d.AmountFen, "decided_by": d.DecidedBy, "outcome": string(d.Outcome), "ex_gratia": d.ExGratia}
		if d.ComputedFen != nil && d.DeductibleFen != nil {
			// What the rules computed again at the approval (ComputedAgainHolds).
			details["computed_fen"], details["deductible_fen"], details["rules_version"] = *d.ComputedFen, *d.DeductibleFen, d.RulesVersion
		}
		if err := c.moveTo(d.Outcome.state(), "have its decision approved", Change{Action: ActionDecisionApproved,
			Actor: actor.Subject, Reason: reason, At: now, Details: details}); err != nil {
			return err
		}
		at := now.UTC()
		d.ApprovedBy, d.ApprovedAt = actor.Subject, &at
	case VerdictReturn:
		if reason == "" {
			return apperr.InvalidField("reason", "is required: say why the decision goes back to review")
		}
		back := StateUnderReview
		if c.Complex != nil {
			back = StateComplex
		}
		if err := c.moveTo(back, "have its decision returned", Change{Action: ActionDecisionReturned, Actor: actor.Subject,
			Reason: reason, At: now, Details: decisionDetails(*d)}); err != nil {
			return err
		}
		c.Decision = nil
	default:
		return apperr.InvalidField("verdict", "must be approve or return")
	}
	return nil
}

// decisionDetails is what the audit keeps of a decision.
func decisionDetails(d Decision) map[string]any {
	lines := make([]map[string]any, len(d.Lines))
	for i, l := range d.Lines {
		lines[i] = map[string]any{"benefit": l.Benefit, "claimed_fen": l.ClaimedFen, "approved_fen": l.ApprovedFen}
	}
	reasons := make([]map[string]any, len(d.Reasons))
	for i, r := range d.Reasons {
		reasons[i] = map[string]any{"code": r.Code, "text": r.Text, "clause": r.Clause}
	}
	return map[string]any{"outcome": string(d.Outcome), "amount_fen": d.AmountFen, "lines": lines, "reasons": reasons,
		"note": d.Note, "needs_approval": d.NeedsApproval, "ex_gratia": d.ExGratia}
}

// claimedFen is the amount a rejection refuses: the amount claimed, or the
// lines' claims, or the totals of the claim's invoices (each invoice once),
// whichever is more. A claim whose amount intake did not state is still
// judged by what its invoices ask for.
func (c *Case) claimedFen(d Decision) int64 {
	var lines, invoices int64
	for _, l := range d.Lines {
		lines += l.ClaimedFen
	}
	var seen []string
	for _, doc := range c.Documents {
		if k := InvoiceKey(doc.InvoiceNumber); k != "" && doc.TotalAmountFen > 0 && !slices.Contains(seen, k) {
			seen = append(seen, k)
			invoices += doc.TotalAmountFen
		}
	}
	return max(c.ClaimedAmountFen, lines, invoices)
}

// supportAmount ties the amount of an approval to the claim (issue 19).
// With an amount computed by the product's rules, the decider may pay
// another amount only saying why (amount_reason), and the difference is
// recorded. Without one, an approval whose amount nothing on the claim
// supports (no amount claimed, no invoice with an amount, no fixed
// benefit's sum insured: the 1,234.56 yuan of issue 19 decided on a claim
// with no document and no amount) is flagged: the audit says so and the
// decision goes to a senior's review queue in the transaction that stores
// it. It is not refused, because a claim completed at the counter, where a
// handler saw the paper originals (intake's checklist), bears no uploaded
// document; the senior's review is the second pair of eyes on it.
func (c *Case) supportAmount(d *Decision, in DecisionInput) (bool, error) {
	reason, err := optionalText("amount_reason", in.AmountReason, maxReason)
	if err != nil {
		return false, err
	}
	d.AmountReason = reason
	if comp := in.Computed; comp != nil {
		computed, deductible := comp.PayableFen, comp.DeductibleAppliedFen
		d.ComputedFen, d.RulesVersion, d.DeductibleFen = &computed, comp.RulesVersion, &deductible
		if d.Outcome != Reject && d.AmountFen != computed && reason == "" {
			return false, &apperr.Error{Code: apperr.Unprocessable, Field: "amount_reason", Message: fmt.Sprintf(
				"the product's rules (version %d) compute %d fen from the documents; say in amount_reason why %d fen is paid instead",
				comp.RulesVersion, computed, d.AmountFen)}
		}
		return false, nil
	}
	if d.Outcome == Reject || c.amountSupported(in.Limits) {
		return false, nil
	}
	d.ForReview = ReviewAmountUnsupported
	return true, nil
}

// amountSupported reports whether the claim bears an amount an approval
// can rest on: one claimed, an invoice's total, or a fixed benefit's sum
// insured in the policy data (limits known).
func (c *Case) amountSupported(limits *MaxPayable) bool {
	if c.ClaimedAmountFen > 0 || slices.ContainsFunc(c.Documents, func(d Document) bool { return d.TotalAmountFen > 0 }) {
		return true
	}
	fixed := c.IncidentType == "death" || c.IncidentType == "disability" || c.IncidentType == "critical_illness"
	return fixed && limits != nil
}
