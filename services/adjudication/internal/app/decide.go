package app

import (
	"context"
	"strings"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
)

// Decide records a handler's decision. Within the handler's authority it
// takes effect at once: the decision deadline (R4) is met, claim-decided is
// announced, and a rejection opens the rejection notice's deadline (R5) and
// generates the notice. Above it, the decision waits for a senior approver.
// The checks the handler saw are kept in the audit. Whoever entered what
// the straight-through path would not pay on without a second person
// (entered_by_staff) may not decide the claim.
func (s *Service) Decide(ctx context.Context, actor domain.Actor, claimID string, in domain.DecisionInput) (domain.Case, error) {
	var (
		ev     domain.Evidence
		number string
		// stored and rules are the claim's assessment and the version of
		// the product's rules it computed an amount under (nil: none).
		stored *StoredAssessment
		rules  *domain.ProductRules
		inTx   context.Context
	)
	// What the decision rests on is read with the case locked, in the
	// transaction that stores it (issue 21); the amounts used on the
	// policy, the deductible among them, only under the policy's lock.
	// The invoices' locks come first, then the policy, its product, the
	// stored assessment and the insured's recent cases are read, the
	// policy's usage locked and its amounts used read under the lock, in
	// one round trip (Facts).
	read := func(ctx context.Context, c domain.Case) (err error) {
		// A transaction run again after a deadlock reads again: nothing
		// read by the lost attempt stands.
		inTx, rules = ctx, nil
		if ev.Invoices, err = s.repo.SameInvoices(ctx, c); err != nil {
			return err
		}
		facts, err := s.repo.Facts(ctx, c, FactsQuery{BurstSince: s.burstSince(c), Assessment: s.straight != nil, LockUsage: true})
		if err != nil {
			return err
		}
		ev.Policy, ev.Product, ev.UsedFen = facts.Policy, facts.Product, facts.UsedFen
		in.Burst, stored = s.burstOf(c, facts.Recent), facts.Assessment
		in.Computed, in.EnteredBy = computedOf(stored), enteredByOf(stored)
		if in.Computed != nil {
			r, err := s.straight.Rules(ctx, stored.ProductCode, in.Computed.RulesVersion)
			if err != nil {
				return err
			}
			rules = &r
		}
		if ev.Product != nil {
			in.Benefits = ev.Product.BenefitCodes()
		}
		if domain.Outcome(strings.TrimSpace(in.Outcome)) == domain.Reject && c.RejectionLetter == nil {
			number, err = s.letterNumber(ctx)
		}
		return err
	}
	in.Signals = s.signals
	return s.repo.UpdateReading(ctx, claimID, false, read, func(c *domain.Case, _ map[string]int64) (tracking.Effects, error) {
		// Another claim of the policy may have been decided meanwhile: the
		// limits and checks are those under the policy's lock, taken in
		// read (ev.UsedFen).
		in.Checks, in.Limits = domain.RunChecks(c, ev), domain.MaxPayableOf(c, ev)
		if rules != nil {
			// The amount the rules compute now: a claim of the policy
			// decided since the assessment (by the system, while this one
			// was held) may have used the annual deductible or the limits.
			comp, err := s.computeAgain(inTx, c, ev, *rules, stored.Documents)
			if err != nil {
				return tracking.Effects{}, err
			}
			in.Computed = comp
		}
		now := s.now()
		raised := len(c.Signals)
		if err := c.Decide(actor, s.authority, in, now); err != nil {
			return tracking.Effects{}, err
		}
		signals, err := s.signalEvents(c, raised)
		if err != nil {
			return tracking.Effects{}, err
		}
		if !c.Decision.Final() {
			return tracking.Effects{Events: signals}, nil
		}
		eff, err := s.decided(c, ev.Product, number, actor, now)
		eff.Events = append(eff.Events, signals...)
		return eff, err
	})
}

// ReviewDecision is the senior approver's verdict on a decision above its
// decider's authority, or on a rejection that needs a second person:
// approved, it takes effect as Decide describes (a rejection's R5 clock
// starts at the approval); returned, the case goes back to review. Whoever
// entered what the straight-through path left to a second person
// (entered_by_staff) gives no verdict.
func (s *Service) ReviewDecision(ctx context.Context, actor domain.Actor, claimID, verdict, reason string, version int) (domain.Case, error) {
	c, err := s.repo.Get(ctx, claimID)
	if err != nil {
		return domain.Case{}, err
	}
	enteredBy, err := s.enteredByStaff(ctx, claimID)
	if err != nil {
		return domain.Case{}, err
	}
	var product *domain.Product
	number := ""
	approving := domain.Verdict(strings.TrimSpace(verdict)) == domain.VerdictApprove
	ev, err := s.evidence(ctx, c)
	if err != nil {
		return domain.Case{}, err
	}
	if d := c.Decision; d != nil && d.Outcome == domain.Reject && c.RejectionLetter == nil && approving {
		if _, product, err = s.policyOf(ctx, c.PolicyNumber); err != nil {
			return domain.Case{}, err
		}
		if number, err = s.letterNumber(ctx); err != nil {
			return domain.Case{}, err
		}
	}
	var (
		// stored and rules are the claim's assessment and the version of
		// the product's rules its pending decision's amount was computed
		// under (nil: none), read with the case locked.
		stored *StoredAssessment
		rules  *domain.ProductRules
		inTx   context.Context
	)
	read := func(ctx context.Context, c domain.Case) (err error) {
		// Run again after a deadlock, an attempt reads afresh.
		inTx, stored, rules = ctx, nil, nil
		d := c.Decision
		if !approving || d == nil || d.Outcome == domain.Reject || d.ComputedFen == nil {
			return nil
		}
		if stored, err = s.storedAssessment(ctx, claimID); err != nil || stored == nil {
			return err
		}
		r, err := s.straight.Rules(ctx, stored.ProductCode, d.RulesVersion)
		if err != nil {
			return err
		}
		rules = &r
		return nil
	}
	return s.repo.UpdateReading(ctx, claimID, true, read, func(c *domain.Case, used map[string]int64) (tracking.Effects, error) {
		if err := domain.RefuseEnteredBy(actor, enteredBy, claimID, "approves or returns its decision"); err != nil {
			return tracking.Effects{}, err
		}
		if d := c.Decision; d != nil && d.Outcome != domain.Reject && approving {
			// The policy's other claims may have used the sum insured, the
			// annual deductible or the limits, or stopped using them, and
			// a check may have turned failing, since the decision was
			// made: the amount is computed again, and the limits and the
			// checks hold at the approval too, read under the policy's
			// lock (the one order: the case's row, then the policy's).
			ev.UsedFen = used
			if rules != nil {
				// Without the claim's assessment (the straight-through
				// path since switched off) there is nothing to compute
				// the amount from again; the limits below still hold.
				comp, err := s.computeAgain(inTx, c, ev, *rules, stored.Documents)
				if err != nil {
					return tracking.Effects{}, err
				}
				if err := c.ComputedAgainHolds(comp); err != nil {
					return tracking.Effects{}, err
				}
			}
			if err := c.ApprovalHolds(domain.RunChecks(c, ev), domain.MaxPayableOf(c, ev)); err != nil {
				return tracking.Effects{}, err
			}
		}
		now := s.now()
		if err := c.ReviewDecision(actor, s.authority, verdict, reason, version, now); err != nil {
			return tracking.Effects{}, err
		}
		if c.Decision == nil {
			return tracking.Effects{}, nil
		}
		return s.decided(c, product, number, actor, now)
	})
}

// decided returns the effects of a decision that took effect: claim-decided,
// the decision deadline met, and for a rejection the rejection notice's
// deadline (R5: 3 days from the decision) and the notice itself; a partial
// approval owes the same for its refused part.
func (s *Service) decided(c *domain.Case, product *domain.Product, letterNumber string, actor domain.Actor, now time.Time) (tracking.Effects, error) {
	d := c.Decision
	outcome := events.OutcomeApproved
	if d.Outcome == domain.Reject {
		outcome = events.OutcomeRejected
	}
	e, err := events.New(events.ClaimDecided, Producer, c.ClaimID, now, events.ClaimDecidedData{
		ClaimID: c.ClaimID, CaseID: c.ID, Outcome: outcome, AmountFen: d.AmountFen, Currency: "CNY",
		Reason: d.Summary(), DecidedBy: d.DecidedBy, DecidedAt: d.EffectiveAt(), ExGratia: d.ExGratia,
	})
	if err != nil {
		return tracking.Effects{}, err
	}
	eff := tracking.Effects{
		Events: []events.Outgoing{{Topic: s.topics.Adjudication(), Envelope: e}},
		// The decision's obligations are tagged with its mode, so that the
		// compliance report (R13) shows automatic and manual decisions
		// apart (issue 19).
		Steps: []tracking.Step{tracking.CompleteAs(tracking.ClaimSubject(c.ClaimID), c.DecisionRule(), d.EffectiveAt(), d.Mode()).
			Proven(domain.DecisionEvidence(c.ID)),
			// The amount is determined: nothing is owed in advance any more (R7).
			tracking.CompleteAs(tracking.ClaimSubject(c.ClaimID), deadline.AdvancePayment, d.EffectiveAt(), d.Mode()).
				Proven(domain.DecisionEvidence(c.ID))},
	}
	if !c.OwesRefusalNotice() {
		return eff, nil
	}
	letter, err := s.deadline.New(tracking.Spec{ClaimID: c.ClaimID, Subject: tracking.ClaimSubject(c.ClaimID),
		Rule: deadline.RejectionNotice, ClockStart: d.EffectiveAt()}, now)
	if err != nil {
		return tracking.Effects{}, err
	}
	eff.Steps = append(eff.Steps, tracking.Open(letter))
	if err := s.attachLetter(c, product, letterNumber, actor, now); err != nil {
		// A reason the fonts cannot print is the handler's to fix; any
		// other failure leaves the letter to be generated on its first
		// download, which reports it.
		if e, ok := apperr.As(err); ok && strings.HasPrefix(e.Field, "reasons") {
			return tracking.Effects{}, err
		}
	}
	return eff, nil
}

// letterNumber draws the number of a new rejection letter. A number drawn
// for a decision that then fails is not reused.
func (s *Service) letterNumber(ctx context.Context) (string, error) {
	n, err := s.repo.NextLetterNumber(ctx)
	if err != nil {
		return "", err
	}
	return domain.LetterNumber(calendar.DateOf(s.now()).Year, n), nil
}

// attachLetter generates the rejection notice of c and keeps it with the case.
func (s *Service) attachLetter(c *domain.Case, product *domain.Product, number string, actor domain.Actor, now time.Time) error {
	n, err := c.RejectionNotice(domain.NoticeKindFor(product, c.IncidentType), s.issuer, number, calendar.DateOf(now))
	if err != nil {
		return err
	}
	pdf, err := s.letters.Render(n)
	if err != nil {
		return err
	}
	return c.AttachRejectionLetter(actor, n, pdf, now)
}

// RejectionLetter returns the PDF of a rejected case's written notice (R5)
// and the case. A letter is generated once, at the rejection or, for a case
// rejected without one, at its first download; afterwards the stored bytes
// are returned as they are.
func (s *Service) RejectionLetter(ctx context.Context, actor domain.Actor, claimID string) ([]byte, domain.Case, error) {
	c, err := s.repo.Get(ctx, claimID)
	if err != nil {
		return nil, domain.Case{}, err
	}
	switch l := c.RejectionLetter; {
	case l != nil && l.Stored():
		pdf, err := s.repo.LetterPDF(ctx, claimID)
		return pdf, c, err
	case l != nil:
		return nil, domain.Case{}, apperr.New(apperr.NotFound, "the rejection letter of claim %s was sent on %s, before letters were kept: no PDF is stored",
			claimID, l.Sent.SentAt.Format(time.RFC3339))
	case !c.OwesRefusalNotice():
		return nil, domain.Case{}, apperr.New(apperr.NotFound, "case of claim %s is %s: only a case rejected in all or in part has a rejection letter", claimID, c.State)
	}
	_, product, err := s.policyOf(ctx, c.PolicyNumber)
	if err != nil {
		return nil, domain.Case{}, err
	}
	number, err := s.letterNumber(ctx)
	if err != nil {
		return nil, domain.Case{}, err
	}
	var pdf []byte
	c, err = s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		if c.RejectionLetter != nil {
			return tracking.Effects{}, apperr.New(apperr.Conflict, "the rejection letter of claim %s was generated meanwhile: download it again", claimID)
		}
		if err := s.attachLetter(c, product, number, actor, s.now()); err != nil {
			return tracking.Effects{}, err
		}
		pdf = c.RejectionLetter.PDF
		return tracking.Effects{}, nil
	})
	return pdf, c, err
}

// RecordRejectionLetterSent records that the rejection notice was sent,
// which meets its deadline (R5); the letter is kept unchanged from then on.
func (s *Service) RecordRejectionLetterSent(ctx context.Context, actor domain.Actor, claimID, channel string) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		if err := c.RecordRejectionLetterSent(actor, channel, now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Complete(tracking.ClaimSubject(c.ClaimID), deadline.RejectionNotice, now).
			Proven(domain.LetterEvidence(c.ID))}}, nil
	})
}

// RecordAgreement records the claimant's agreement to the decided amount
// (达成协议) and announces it to payout, whose payment deadline (R6: 10 days,
// or the contract's period) starts at it, with the advances approved on the
// claim (R7, R8) for payout to deduct, at most the amount (payout recovers
// advances paid above it). The full account number travels only in the
// event. Whoever entered what the straight-through path left to a second
// person (entered_by_staff) may not record it.
func (s *Service) RecordAgreement(ctx context.Context, actor domain.Actor, claimID string, in domain.AgreementInput) (domain.Case, error) {
	days := 0
	// What the agreement rests on is read with the case locked, in the
	// transaction that stores it (issue 21).
	read := func(ctx context.Context, c domain.Case) error {
		// The policy, its product, the stored assessment, then the
		// account's lock and its uses read under it, in one round trip.
		facts, err := s.repo.Facts(ctx, c, FactsQuery{Assessment: s.straight != nil, AccountKey: domain.AccountKey(s.signalKey, in.Payee.AccountNumber)})
		if err != nil {
			return err
		}
		if in.Policy, days = facts.Policy, 0; facts.Product != nil {
			days = facts.Product.PaymentPeriodDays()
		}
		in.EnteredBy = enteredByOf(facts.Assessment)
		in.Facts = facts.Account
		return nil
	}
	in.Signals, in.Fingerprints = s.signals, s.fingerprints
	return s.repo.UpdateReading(ctx, claimID, false, read, func(c *domain.Case, _ map[string]int64) (tracking.Effects, error) {
		now := s.now()
		raised := len(c.Signals)
		account, err := c.RecordAgreement(actor, in, days, now)
		if err != nil {
			return tracking.Effects{}, err
		}
		signals, err := s.signalEvents(c, raised)
		if err != nil {
			return tracking.Effects{}, err
		}
		a := c.Agreement
		payee := events.Payee{Name: a.Payee.Name, Role: a.Payee.Role, BankName: a.Payee.BankName, AccountNumber: account}
		if p := a.Payee.OnBehalfOf; p != nil {
			payee.OnBehalfOf = &events.Person{Name: p.Name, Relation: p.Relation}
		}
		if payee, err = s.sealPayee(c.ClaimID, payee); err != nil {
			return tracking.Effects{}, err
		}
		e, err := s.instruction(events.AgreementReached, c.ClaimID, now, events.AgreementReachedData{
			ClaimID: c.ClaimID, CaseID: c.ID, PolicyNumber: c.PolicyNumber, AmountFen: a.AmountFen, Currency: "CNY",
			AdvancedFen: min(c.AdvancedFen(), a.AmountFen), Payee: payee, Channel: a.Channel, RecordedBy: a.RecordedBy, AgreedAt: a.AgreedAt,
			PaymentPeriodDays: a.PaymentPeriodDays, DecidedBy: c.Decision.DecidedBy, DecisionApprovedBy: c.Decision.ApprovedBy,
			BlockingSignals: c.BlockingSignals(), EnteredBy: in.EnteredBy,
		})
		if err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Events: append([]events.Outgoing{{Topic: s.topics.Adjudication(), Envelope: e}}, signals...)}, nil
	})
}
