package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/calendar"
	"claims.local/pkg/catastrophe"
	"claims.local/pkg/events"
)

// RoleCoordinator is the catastrophe team's role: it declares catastrophes,
// switches the fast-track mode, and dispatches tagged cases to handlers.
const RoleCoordinator = "catastrophe_coordinator"

// Tag marks the case of a claim whose incident matched an active
// catastrophe (R8, Reg. art. 27): it goes first in every queue and owes its
// decision within the catastrophe's internal target, a company target
// tighter than R4 (TargetWorkingDays working days from the first receipt,
// with R4's clock stops deducted). The target is the company's, not the
// law's: it is kept on the case and never counted in the R13 report.
type Tag struct {
	Code              string
	TargetWorkingDays int
	TargetDueDate     calendar.Date
	TargetDueAt       time.Time
	TargetAtRiskFrom  time.Time
}

// The states of a tagged case's internal target.
const (
	TargetOnTrack  = "on-track"
	TargetAtRisk   = "at-risk"
	TargetBreached = "breached"
	TargetMet      = "met"
	TargetMissed   = "missed"
)

// TargetState tells how the case stands against its internal target at
// now: met or missed once the decision took effect, else on track, at risk
// or breached.
func (c *Case) TargetState(now time.Time) string {
	t := c.Catastrophe
	switch {
	case t == nil:
		return ""
	case c.Decision != nil && c.Decision.Final():
		if c.Decision.EffectiveAt().After(t.TargetDueAt) {
			return TargetMissed
		}
		return TargetMet
	case now.After(t.TargetDueAt):
		return TargetBreached
	case !now.Before(t.TargetAtRiskFrom):
		return TargetAtRisk
	}
	return TargetOnTrack
}

// The states of an advance: offered when the catastrophe's policy grants
// it and the case is verified, until a handler records the payee; then
// approved, and announced to payout.
const (
	AdvanceOffered  = "offered"
	AdvanceApproved = "approved"
)

// The audit actions of the fast track.
const (
	ActionTagged             = "catastrophe_tagged"
	ActionTagIgnored         = "catastrophe_tag_ignored"
	ActionAdvanceOffered     = "advance_offered"
	ActionAdvanceNotOffered  = "advance_not_offered"
	ActionAdvanceApproved    = "advance_approved"
	ActionSiteVisitRequested = "site_visit_requested"
)

// Advance is a payment in advance (预付赔款) on the claim: on the
// catastrophe ground (R8) a share of the expected benefit, offered as soon
// as the policy is verified in force on the incident date and the incident
// type is eligible; on the sixty-days ground (R7, Insurance Law art. 25)
// the amount a handler can already determine. Payout deducts the approved
// advances from the final settlement and never pays more than agreed.
type Advance struct {
	ID                 string
	Ground             string
	CatastropheCode    string
	AmountFen          int64
	ExpectedBenefitFen int64
	State              string
	Reason             string
	OfferedAt          time.Time
	Payee              *Payee
	ApprovedBy         string
	ApprovedAt         *time.Time
	// OfferedBy is who set the amount: the system for a catastrophe
	// offer, the approver for an R7 advance. AccountFingerprint
	// identifies the account paid (AccountFingerprint).
	OfferedBy          string
	AccountFingerprint string
	AccountKey         string
}

// AdvanceInput is a handler's approval of an advance. AmountFen 0 approves
// the offered catastrophe advance as offered; with an offer pending, a
// smaller amount approves less. Without an offer it is an R7 advance of the
// amount that can be determined, and Reason says how it was determined.
type AdvanceInput struct {
	AmountFen int64
	Reason    string
	Payee     PayeeInput
	// Policy is the policy data the payee rules read (nil when not imported).
	Policy *Policy
	// Facts are what the fraud signals read of the account; Signals how
	// they are raised.
	Facts   SignalFacts
	Signals SignalPolicy
	// Fingerprints make the account's keyed fingerprint kept with the
	// advance and compare it with the bank cards' (checkBankCard).
	Fingerprints *bankaccount.Fingerprints
	// Limits is the most the contract allows on the case (MaxPayableOf),
	// nil when the policy or its product is not in adjudication's data.
	Limits *MaxPayable
	// EnteredBy are the members of staff who entered what the
	// straight-through path left to a second person (EnteredByStaff): an
	// advance pays on those documents before the decision, so none of
	// them approves one, as none of them decides the claim.
	EnteredBy []string
}

// AdvancedFen is the sum of the approved advances: what the agreement tells
// payout to deduct.
func (c *Case) AdvancedFen() int64 {
	var sum int64
	for _, a := range c.Advances {
		if a.State == AdvanceApproved {
			sum += a.AmountFen
		}
	}
	return sum
}

// offered returns the advance waiting for its payee, if any.
func (c *Case) offered() *Advance {
	for i := range c.Advances {
		if c.Advances[i].State == AdvanceOffered {
			return &c.Advances[i]
		}
	}
	return nil
}

// ExpectedBenefitFen is what the claim is expected to pay, from the policy
// and product data: what is left of the sum insured of every benefit that
// covers the incident type (less what was used, at most the per-claim
// limit), and no more than the amount claimed when the claim is for
// expenses and the amount is known. 0 when the data is missing.
func ExpectedBenefitFen(c *Case, ev Evidence) int64 {
	if ev.Policy == nil || ev.Product == nil {
		return 0
	}
	var total int64
	for _, p := range payables(c, ev) {
		total += p.left
	}
	if c.ClaimedAmountFen > 0 {
		total = min(total, c.ClaimedAmountFen)
	}
	return total
}

// TagWith tags the case with cat and its internal target (computed by the
// caller from the first receipt), recording it in the audit.
func (c *Case) TagWith(cat catastrophe.Catastrophe, target Tag, now time.Time) {
	c.tag(cat, target, System("intake").Subject, "", now)
}

// TagOnActivation tags an open case filed before actor switched cat's mode
// on, when cat covers its place, date and type (R8: the claims of a
// catastrophe join the fast channel whenever they were filed), recording
// the activation as the tag's cause in the audit.
func (c *Case) TagOnActivation(cat catastrophe.Catastrophe, target Tag, actor Actor, now time.Time) {
	c.tag(cat, target, actor.Subject, "catastrophe "+cat.Code+" activated after the claim was filed; it covers the claim's place, date and type", now)
}

func (c *Case) tag(cat catastrophe.Catastrophe, target Tag, by, reason string, now time.Time) {
	target.Code, target.TargetWorkingDays = cat.Code, cat.InternalTargetWorkingDays
	c.Catastrophe = &target
	c.record(Change{Action: ActionTagged, From: c.State, To: c.State, Actor: by, At: now, Reason: reason,
		Details: map[string]any{"catastrophe_code": cat.Code, "target_working_days": cat.InternalTargetWorkingDays,
			"target_due_date": target.TargetDueDate.String()}})
}

// OfferCatastropheAdvance offers the advance of cat's policy (R8) on a
// tagged case: when the incident type is eligible and the policy is verified
// in force on the incident date, ShareBps of the expected benefit, at most
// the cap. The offer waits for a handler to record the payee (the claim
// request brings no bank details). When no advance can be offered, the
// reason is recorded in the audit. It reports whether one was offered.
func (c *Case) OfferCatastropheAdvance(cat catastrophe.Catastrophe, ev Evidence, id string, now time.Time) bool {
	no := func(reason string) bool {
		c.record(Change{Action: ActionAdvanceNotOffered, From: c.State, To: c.State, Actor: System("adjudication").Subject, At: now,
			Reason: reason, Details: map[string]any{"catastrophe_code": cat.Code}})
		return false
	}
	if !cat.Eligible(c.IncidentType) {
		return no(fmt.Sprintf("catastrophe %s pays no advance on %s claims", cat.Code, c.IncidentType))
	}
	if r := checkPolicyInForce(c, ev, calendar.DateOf(c.IncidentTime)); r.Result != ResultPass {
		return no("the policy is not verified in force: " + r.Reason)
	}
	expected := ExpectedBenefitFen(c, ev)
	amount := cat.AdvanceFen(expected)
	if amount <= 0 {
		return no(fmt.Sprintf("nothing can be advanced on an expected benefit of %s yuan", yuan(expected)))
	}
	c.Advances = append(c.Advances, Advance{ID: id, Ground: events.AdvanceGroundCatastrophe, CatastropheCode: cat.Code,
		AmountFen: amount, ExpectedBenefitFen: expected, State: AdvanceOffered, OfferedAt: now.UTC(), OfferedBy: System("adjudication").Subject})
	c.record(Change{Action: ActionAdvanceOffered, From: c.State, To: c.State, Actor: System("adjudication").Subject, At: now,
		Details: map[string]any{"advance_id": id, "catastrophe_code": cat.Code, "amount_fen": amount, "expected_benefit_fen": expected,
			"share_bps": cat.Advance.ShareBps, "cap_fen": cat.Advance.CapFen}})
	return true
}

// ApproveAdvance approves an advance with its payee: the offered
// catastrophe advance (R8), or an R7 advance of the amount that can already
// be determined. Advances are paid before the decision takes effect: from
// then on the agreement settles the claim. The advances of a case together
// may not exceed the approver's authority limit (a senior approves more).
// It returns the advance and the full account number, normalized, for the
// event; the case keeps it masked.
func (c *Case) ApproveAdvance(actor Actor, authority Authority, in AdvanceInput, id string, now time.Time) (Advance, string, error) {
	payee, account, err := checkPayee(in.Payee)
	if err != nil {
		return Advance{}, "", err
	}
	reason, err := optionalText("reason", in.Reason, maxReason)
	if err != nil {
		return Advance{}, "", err
	}
	if in.AmountFen < 0 || in.AmountFen > MaxAmountFen {
		return Advance{}, "", apperr.InvalidField("amount_fen", "must be a whole number of fen from 1 to %d", MaxAmountFen)
	}
	if !c.State.Undecided() && c.State != StatePendingApproval {
		return Advance{}, "", c.refuse("pay an advance: the decision took effect, the agreement settles the claim")
	}
	if err := c.mayAct(actor, "approve an advance", now); err != nil {
		return Advance{}, "", err
	}
	if err := refuseEnteredBy(actor, in.EnteredBy, c.ClaimID, RoleHandler, "approves an advance on it"); err != nil {
		return Advance{}, "", err
	}
	a := c.offered()
	switch {
	case a != nil && in.AmountFen > a.AmountFen:
		return Advance{}, "", apperr.InvalidField("amount_fen", "is more than the %d fen the catastrophe's policy offers", a.AmountFen)
	case a != nil:
		if in.AmountFen > 0 {
			a.AmountFen = in.AmountFen
		}
	case in.AmountFen == 0:
		return Advance{}, "", apperr.InvalidField("amount_fen", "is required: no catastrophe advance is offered, so give the amount that can already be determined (R7)")
	case reason == "":
		return Advance{}, "", apperr.InvalidField("reason", "is required: say how the amount was determined (R7)")
	default:
		c.Advances = append(c.Advances, Advance{ID: id, Ground: events.AdvanceGroundSixtyDays, AmountFen: in.AmountFen, OfferedAt: now.UTC(),
			OfferedBy: actor.Subject})
		a = &c.Advances[len(c.Advances)-1]
	}
	if err := c.checkEntitled(&payee, strings.TrimSpace(in.Payee.AccountHolder), strings.TrimSpace(in.Payee.AuthorisationDocumentID), in.Policy); err != nil {
		return Advance{}, "", err
	}
	if err := c.checkBankCard(in.Fingerprints, payee, account); err != nil {
		return Advance{}, "", err
	}
	insured := c.InsuredName
	if in.Policy != nil {
		insured = in.Policy.InsuredName
	}
	if _, err := c.raiseSignals(actor, c.paymentSignals(payee, in.Facts, insured), in.Signals, "approve the advance", now); err != nil {
		return Advance{}, "", err
	}
	// An advance's payee is set by its approver alone: no senior can be the
	// second person a blocking signal asks for (issue 14).
	if i := slices.IndexFunc(c.Signals, func(s Signal) bool { return s.Blocking }); i >= 0 {
		return Advance{}, "", apperr.New(apperr.FraudSignal, "fraud signals block this: %s: %s; an advance is approved by one person, so none is paid while a blocking signal stands: the claim is paid on its decision and agreement",
			c.Signals[i].Kind, c.Signals[i].Explanation)
	}
	if total := c.AdvancedFen() + a.AmountFen; in.Limits != nil && total > in.Limits.TotalFen {
		// Contract limits are hard (issue 14): advances are paid on account
		// of what the contract owes, never beyond it.
		return Advance{}, "", &apperr.Error{Code: apperr.BeyondContract, Field: "amount_fen", Message: fmt.Sprintf(
			"advances of %s yuan on this claim are beyond the contract: at most %s yuan may be paid on it (max_payable)", yuan(total), yuan(in.Limits.TotalFen))}
	}
	if total := c.AdvancedFen() + a.AmountFen; !authority.Covers(actor, total) {
		return Advance{}, "", apperr.New(apperr.Forbidden, "advances of %s yuan on this claim are above your authority: a %s approves them",
			yuan(total), RoleSenior)
	}
	at := now.UTC()
	a.State, a.Reason, a.Payee, a.ApprovedBy, a.ApprovedAt = AdvanceApproved, reason, &payee, actor.Subject, &at
	a.AccountFingerprint, a.AccountKey = in.Fingerprints.Account(c.ClaimID, account), in.Facts.AccountKey
	c.record(Change{Action: ActionAdvanceApproved, From: c.State, To: c.State, Actor: actor.Subject, Reason: reason, At: now,
		Details: map[string]any{"advance_id": a.ID, "ground": a.Ground, "amount_fen": a.AmountFen, "advanced_fen": c.AdvancedFen(),
			"payee_name": payee.Name, "payee_role": payee.Role, "bank_name": payee.BankName, "account": payee.AccountMasked}})
	return *a, account, nil
}

// mayDispatch reports whether the actor may give the case to someone else:
// a senior handler any case, the catastrophe team the tagged ones.
func (c *Case) mayDispatch(actor Actor) bool {
	return actor.Senior() || actor.Has(RoleCoordinator) && c.Catastrophe != nil
}

// StartReviewFor puts a received case under review for assignee: the case
// is given to assignee (who may dispatch it: see Assign), or to the actor
// when assignee is empty and nobody has it.
func (c *Case) StartReviewFor(actor Actor, assignee string, now time.Time) error {
	if assignee == "" || assignee == actor.Subject {
		return c.StartReview(actor, now)
	}
	if !c.mayDispatch(actor) {
		return apperr.New(apperr.Forbidden, "starting the review for someone else needs the %s role (or %s, for tagged cases)", RoleSenior, RoleCoordinator)
	}
	if err := checkText("assignee", assignee, maxSubject, false); err != nil {
		return err
	}
	if err := c.moveTo(StateUnderReview, "start review", Change{Action: ActionReviewStarted, Actor: actor.Subject, At: now}); err != nil {
		return err
	}
	if c.Assignee != assignee {
		c.assign(assignee, actor, "dispatched for review", now)
	}
	return nil
}

// NeedsSiteVisit reports whether a tagged case gets an on-site visit to
// arrange at once (R8: on-site service): deaths and disabilities.
func (c *Case) NeedsSiteVisit() bool {
	return c.Catastrophe != nil && slices.Contains([]string{"death", "disability"}, c.IncidentType)
}
