package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
)

// StraightThrough stores what the straight-through path (issue 19) keeps:
// the product rules' versions, each claim's assessment, the sampled
// decisions' reviews and the audited switch.
type StraightThrough interface {
	// PutRules stores r as the next version of its product's rules and
	// returns it with its version.
	PutRules(ctx context.Context, r domain.ProductRules) (domain.ProductRules, error)
	// Rules returns a version of a product's rules, the latest for 0
	// (apperr.NotFound when there is none).
	Rules(ctx context.Context, productCode string, version int) (domain.ProductRules, error)
	ListRules(ctx context.Context, productCode string) ([]domain.ProductRules, error)
	// SaveAssessment stores the assessment of a claim (the first one
	// stays) with the document fields it read.
	SaveAssessment(ctx context.Context, a StoredAssessment) error
	// Assessment returns the stored assessment of a claim.
	Assessment(ctx context.Context, claimID string) (StoredAssessment, error)
	// UsedDeductible sums the deductible applied on the other approved
	// claims of a policy. Read in the deciding transaction under the
	// policy's usage lock (UpdateAssessing), it counts every automatic
	// decision committed before that lock was granted.
	UsedDeductible(ctx context.Context, policyNumber, claimID string) (int64, error)
	Reviews(ctx context.Context, pending bool, limit, offset int) ([]domain.AutoReview, error)
	// UpdateReview loads a review under a lock, applies change and stores it.
	UpdateReview(ctx context.Context, claimID string, change func(*domain.AutoReview) error) (domain.AutoReview, error)
	// Switch returns the changes of the switch, latest first (at most limit).
	Switch(ctx context.Context, limit int) ([]domain.SwitchChange, error)
	SetSwitch(ctx context.Context, ch domain.SwitchChange) error
}

// StoredAssessment is a claim's assessment as kept, with the policy, the
// product and the document fields it was made on.
type StoredAssessment struct {
	domain.Assessment
	PolicyNumber string
	ProductCode  string
	Documents    []domain.DocumentFields
}

// documentFields returns the fields of the request's documents; an
// unkeyed account fingerprint counts as none (bankaccount.FromEvent).
func documentFields(d events.ClaimRequestedData) []domain.DocumentFields {
	out := make([]domain.DocumentFields, 0, len(d.Documents))
	for _, doc := range d.Documents {
		f := domain.DocumentFields{DocumentID: doc.DocumentID, Type: doc.Type, InvoiceCode: doc.InvoiceCode, InvoiceNumber: doc.InvoiceNumber,
			TotalAmountFen: doc.TotalAmountFen, EventDate: doc.EventDate, AdmissionDate: doc.AdmissionDate, DischargeDate: doc.DischargeDate,
			PatientName: doc.PatientName, VisitNumber: doc.VisitNumber, VisitKind: doc.VisitKind, Institution: doc.Institution, HolderName: doc.HolderName, AccountFingerprint: bankaccount.FromEvent(doc.AccountFingerprint),
			IDNumberValid: doc.IDNumberValid, Confidence: doc.Confidence, Corrected: slices.Clone(doc.Corrected), CorrectedBy: slices.Clone(doc.CorrectedBy),
			Corroborated: slices.Clone(doc.Corroborated), IDNumberMasked: doc.IDNumberMasked, EnteredBy: doc.EnteredBy, EnteredVia: doc.EnteredVia}
		if i := doc.Insurance; i != nil {
			f.Insurance = &domain.InsuranceSplit{FundPaidFen: i.FundPaidFen, PersonalAccountFen: i.PersonalAccountFen, SelfPayFen: i.SelfPayFen,
				SelfFundedFen: i.SelfFundedFen}
		}
		for _, n := range doc.DisputedNames {
			f.DisputedNames = append(f.DisputedNames, domain.DisputedName(n))
		}
		if len(doc.Sources) > 0 {
			f.Sources = make(map[string]domain.FieldSource, len(doc.Sources))
			for k, v := range doc.Sources {
				f.Sources[k] = domain.FieldSource(v)
			}
		}
		out = append(out, f)
	}
	return out
}

// straightThrough assesses a claim whose case was just opened and, when the
// assessment allows it, decides it as the system (issue 19): the decision
// is announced (claim-decided, the claimant's notice) and the case waits
// for the claimant's agreement as the product's terms require, or, under
// terms that let the claimant agree in advance and with such an agreement
// on the request, the system records that agreement at once and announces
// it to payout (agreeInAdvance). It runs once per claim: a claim with a
// stored assessment is left alone, so a redelivered request repeats
// nothing, and a failure before the assessment is stored is retried with
// the request.
//
// What the assessment rests on is read with the case locked, in the
// transaction that stores the decision and the agreement
// (Repository.UpdateAssessing), as for a handler's decision or advance:
// the invoices' other claims under their keys' locks, the account's uses
// under its lock (SignalFacts), then, for an automatic decision, the
// policy's usage under its lock, with the annual deductible already used
// on the policy read again there, assessed again. Two claims opened at once
// naming one account or one invoice, by two consumers or by one applying a
// batch's events again one by one, are so serialised: the later sees the
// earlier's use (shared_account) and goes to a handler. Two claims of one
// policy are serialised by the policy's lock: the assessment, which holds
// the deductible it applied, is stored in the transaction that decides, so
// the later reads the earlier's deductible as used and the annual
// deductible is applied once (the claimant is not underpaid by it). The
// locks are taken in one order everywhere: the case, the invoices, the
// account, the policy's usage. An assessment that decides nothing writes
// nothing but itself, with its reasons, for the handler: read found it
// (NotDecided, stored in the transaction of the reads) or change did,
// under the policy's lock (errNotAutomatic rolls the transaction back and
// the assessment is stored after): the claim was not decided, so no
// deductible is used on it until a person decides it, on the amount
// computed again then (Decide).
// A case opened by this very request (opened, with the policy and product
// OpenCase read) can have no stored assessment yet: neither is read again.
func (s *Service) straightThrough(ctx context.Context, claimID string, d events.ClaimRequestedData, opened *policyRead) error {
	if opened == nil {
		if _, err := s.straight.Assessment(ctx, claimID); apperr.CodeOf(err) != apperr.NotFound {
			return err
		}
	}
	docs := documentFields(d)
	var (
		seen domain.Case
		in   domain.AutoInput
		a    domain.Assessment
		// inTx reads in the transaction holding the locks (it must not
		// outlive it).
		inTx context.Context
	)
	read := func(ctx context.Context, c domain.Case) (err error) {
		seen, inTx = c, ctx
		if in, err = s.autoInput(ctx, c, docs, opened); err != nil {
			return err
		}
		if a = domain.Assess(in); !a.Automatic {
			a.AssessedAt = s.now()
			return NotDecided{Assessment: storedOf(seen, in, a)}
		}
		return nil
	}
	_, err := s.repo.UpdateAssessing(ctx, claimID, read, func(c *domain.Case, used map[string]int64) (tracking.Effects, *StoredAssessment, error) {
		in.Case, in.Evidence.UsedFen = c, used
		in.Used.ApprovedFen = usedOn(in.Evidence, in.Rules.Benefit)
		// Another claim of the policy may have been decided since read:
		// the deductible it applied is read under the policy's lock.
		var err error
		if in.Used.DeductibleFen, err = s.straight.UsedDeductible(inTx, c.PolicyNumber, c.ClaimID); err != nil {
			return tracking.Effects{}, nil, err
		}
		now := s.now()
		if a = domain.Assess(in); !a.Automatic {
			return tracking.Effects{}, nil, errNotAutomatic
		}
		if err := c.DecideAutomatically(a, *in.Rules, s.auto.SampleBP, now); err != nil {
			return tracking.Effects{}, nil, err
		}
		a.AssessedAt = now
		st := storedOf(seen, in, a)
		eff, err := s.decided(c, in.Evidence.Product, "", domain.AutoActor(*in.Rules), now)
		if err != nil || !c.AgreedInAdvanceUnder(*in.Rules) {
			return eff, &st, err
		}
		e, err := s.agreeInAdvance(c, *in.Rules, in.Evidence, now)
		if err != nil {
			return tracking.Effects{}, nil, err
		}
		eff.Events = append(eff.Events, e)
		return eff, &st, nil
	})
	if !errors.Is(err, errNotAutomatic) {
		return err
	}
	a.AssessedAt = s.now()
	return s.straight.SaveAssessment(ctx, storedOf(seen, in, a))
}

// errNotAutomatic ends, unwritten, the transaction in which straightThrough
// found, under the policy's lock, that the system may not decide a claim.
var errNotAutomatic = errors.New("not decided automatically")

// NotDecided is what the read of Repository.UpdateAssessing returns when
// the assessment decides nothing: the case is not changed, and the
// assessment, with its reasons for the handler, is stored in the same
// transaction instead of after a rollback (issue 21: the reads wrote
// nothing, so there is nothing to roll back; a ROLLBACK TO SAVEPOINT a
// claim less within a consumer's batch).
type NotDecided struct{ Assessment StoredAssessment }

func (NotDecided) Error() string { return "not decided automatically" }

// agreeInAdvance records the advance agreement of c's claimant as the
// system (domain.Case.AgreeInAdvance) and returns the agreement-reached
// instruction, signed, with the payee as intake sealed it for payout: the
// payment clock (R6) starts at the decision.
func (s *Service) agreeInAdvance(c *domain.Case, r domain.ProductRules, ev domain.Evidence, now time.Time) (events.Outgoing, error) {
	insured, days := ev.InsuredOf(*c), 0
	if ev.Product != nil {
		days = ev.Product.PaymentPeriodDays()
	}
	if err := c.AgreeInAdvance(r, insured, days, now); err != nil {
		return events.Outgoing{}, err
	}
	a, adv := c.Agreement, c.Advance
	payee := events.Payee{Role: adv.PayeeRole, BankName: adv.BankName, AccountLast4: adv.AccountLast4, AccountFingerprint: adv.AccountFingerprint,
		NameFingerprint: adv.NameFingerprint, Sealed: adv.Sealed}
	e, err := s.instruction(events.AgreementReached, c.ClaimID, now, events.AgreementReachedData{
		ClaimID: c.ClaimID, CaseID: c.ID, PolicyNumber: c.PolicyNumber, AmountFen: a.AmountFen, Currency: "CNY",
		AdvancedFen: min(c.AdvancedFen(), a.AmountFen), Payee: payee, Channel: a.Channel, RecordedBy: a.RecordedBy, AgreedAt: a.AgreedAt,
		PaymentPeriodDays: a.PaymentPeriodDays, DecidedBy: c.Decision.DecidedBy, BlockingSignals: c.BlockingSignals(),
	})
	if err != nil {
		return events.Outgoing{}, err
	}
	return events.Outgoing{Topic: s.topics.Adjudication(), Envelope: e}, nil
}

// storedOf is the assessment a of case c, made on in, as kept.
func storedOf(c domain.Case, in domain.AutoInput, a domain.Assessment) StoredAssessment {
	st := StoredAssessment{Assessment: a, PolicyNumber: c.PolicyNumber, Documents: in.Docs}
	if in.Evidence.Product != nil {
		st.ProductCode = in.Evidence.Product.Code
	}
	return st
}

// usedOn is what was paid on benefit of the policy: before the platform,
// and approved on its other claims.
func usedOn(ev domain.Evidence, benefit string) int64 {
	used := ev.UsedFen[benefit]
	if ev.Policy != nil {
		if cov, ok := ev.Policy.Coverage(benefit); ok {
			used += cov.UsedFen
		}
	}
	return used
}

// autoInput gathers what the assessment of c reads, with the policy and
// product known (read when nil).
func (s *Service) autoInput(ctx context.Context, c domain.Case, docs []domain.DocumentFields, known *policyRead) (domain.AutoInput, error) {
	// The policy and its product (when not known), the amounts used on
	// the policy, the switch and the insured's recent cases in one round
	// trip (Facts); the invoices' locks and other uses after.
	facts, err := s.repo.Facts(ctx, c, FactsQuery{BurstSince: s.burstSince(c), Switch: true, Used: true})
	if err != nil {
		return domain.AutoInput{}, err
	}
	if known == nil {
		known = &policyRead{policy: facts.Policy, product: facts.Product}
	}
	invoices, err := s.repo.SameInvoices(ctx, c)
	if err != nil {
		return domain.AutoInput{}, err
	}
	ev := domain.Evidence{Policy: known.policy, Product: known.product, UsedFen: facts.UsedFen, Invoices: invoices}
	on := s.autoDefault
	if facts.Switch != nil {
		on = *facts.Switch
	}
	in := domain.AutoInput{Docs: docs, Evidence: ev, Policy: s.auto, Enabled: on, Fingerprints: s.fingerprints}
	if in.InvoicesAlike, err = s.repo.InvoicesAlike(ctx, c); err != nil {
		return domain.AutoInput{}, err
	}
	in.AlikeSearched = true
	if ev.Product != nil {
		r, err := s.straight.Rules(ctx, ev.Product.Code, 0)
		switch {
		case err == nil:
			in.Rules = &r
			in.Used.ApprovedFen = usedOn(ev, r.Benefit)
			if in.Used.DeductibleFen, err = s.straight.UsedDeductible(ctx, c.PolicyNumber, c.ClaimID); err != nil {
				return domain.AutoInput{}, err
			}
		case apperr.CodeOf(err) != apperr.NotFound:
			return domain.AutoInput{}, err
		}
	}
	in.Burst = s.burstOf(c, facts.Recent)
	if a := c.Advance; a != nil {
		in.Advance = &domain.AdvanceFacts{KeyHeld: len(s.signalKey) > 0}
		if in.Advance.KeyHeld && a.AccountKey != "" {
			if in.Advance.Facts, err = s.repo.SignalFacts(ctx, a.AccountKey, c.ID); err != nil {
				return domain.AutoInput{}, err
			}
		}
	}
	in.Case = &c
	return in, nil
}

// autoEnabled reads the switch: its latest change, or the configuration.
func (s *Service) autoEnabled(ctx context.Context) (bool, error) {
	changes, err := s.straight.Switch(ctx, 1)
	if err != nil || len(changes) == 0 {
		return s.autoDefault, err
	}
	return changes[0].Enabled, nil
}

// PutRules checks rules for a product in adjudication's data and stores
// them as its next version; earlier versions stay as they were.
func (s *Service) PutRules(ctx context.Context, actor domain.Actor, productCode string, r domain.ProductRules) (domain.ProductRules, error) {
	product, err := s.policies.Product(ctx, productCode)
	if err != nil {
		return domain.ProductRules{}, err
	}
	if r, err = domain.NewProductRules(r, product); err != nil {
		return domain.ProductRules{}, err
	}
	r.CreatedBy, r.CreatedAt = actor.Subject, s.now()
	return s.straight.PutRules(ctx, r)
}

// Rules lists the versions of a product's rules, oldest first.
func (s *Service) Rules(ctx context.Context, productCode string) ([]domain.ProductRules, error) {
	return s.straight.ListRules(ctx, productCode)
}

// Assessment returns the straight-through assessment of a claim: why it
// was or was not decided automatically, and the amount computed with its
// explanation.
func (s *Service) Assessment(ctx context.Context, claimID string) (StoredAssessment, error) {
	return s.straight.Assessment(ctx, claimID)
}

// AutoReviews lists the decisions for a senior's review after the fact
// (sampled automatic ones, approvals nothing supports), pending ones only
// when pending is set, oldest first.
func (s *Service) AutoReviews(ctx context.Context, pending bool, limit, offset int) ([]domain.AutoReview, error) {
	return s.straight.Reviews(ctx, pending, limit, offset)
}

// ReviewAutoDecision records a senior's finding on a decision under
// review after the fact. Whoever entered what the straight-through path
// left to a second person (entered_by_staff) does not review it.
func (s *Service) ReviewAutoDecision(ctx context.Context, actor domain.Actor, claimID, outcome, note string) (domain.AutoReview, error) {
	enteredBy, err := s.enteredByStaff(ctx, claimID)
	if err != nil {
		return domain.AutoReview{}, err
	}
	return s.straight.UpdateReview(ctx, claimID, func(r *domain.AutoReview) error {
		if err := domain.RefuseEnteredBy(actor, enteredBy, claimID, "reviews its decision"); err != nil {
			return err
		}
		return r.Review(actor, outcome, note, s.now())
	})
}

// AutoSwitch returns whether the path is on and the switch's changes,
// latest first.
func (s *Service) AutoSwitch(ctx context.Context) (bool, []domain.SwitchChange, error) {
	changes, err := s.straight.Switch(ctx, 100)
	if err != nil {
		return false, nil, err
	}
	if len(changes) == 0 {
		return s.autoDefault, changes, nil
	}
	return changes[0].Enabled, changes, nil
}

// SetAutoSwitch turns the path on or off, audited.
func (s *Service) SetAutoSwitch(ctx context.Context, actor domain.Actor, enabled bool, reason string) (bool, []domain.SwitchChange, error) {
	ch, err := domain.NewSwitchChange(actor, enabled, reason, s.now())
	if err != nil {
		return false, nil, err
	}
	if err := s.straight.SetSwitch(ctx, ch); err != nil {
		return false, nil, err
	}
	return s.AutoSwitch(ctx)
}

// enteredByStaff returns the members of staff who entered what the
// claim's assessment found entered by staff (domain.EnteredByStaff), none
// when the claim has no assessment.
func (s *Service) enteredByStaff(ctx context.Context, claimID string) ([]string, error) {
	a, err := s.storedAssessment(ctx, claimID)
	return enteredByOf(a), err
}

// enteredByOf is enteredByStaff of a stored assessment (nil: none).
func enteredByOf(a *StoredAssessment) []string {
	if a == nil {
		return nil
	}
	return domain.EnteredByStaff(a.Assessment)
}

// storedAssessment returns the stored assessment of a claim, nil when
// there is none (or no straight-through path).
func (s *Service) storedAssessment(ctx context.Context, claimID string) (*StoredAssessment, error) {
	if s.straight == nil {
		return nil, nil
	}
	a, err := s.straight.Assessment(ctx, claimID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// computeAgain computes the amount of c's claim again from the documents
// its assessment read, under the rules r it was computed under, with what
// the policy's other claims used read under the policy's lock (ev.UsedFen
// and the deductible, read through ctx in the transaction holding it):
// nil when it cannot be computed in full.
func (s *Service) computeAgain(ctx context.Context, c *domain.Case, ev domain.Evidence, r domain.ProductRules, docs []domain.DocumentFields) (*domain.Computation, error) {
	deductible, err := s.straight.UsedDeductible(ctx, c.PolicyNumber, c.ClaimID)
	if err != nil {
		return nil, err
	}
	comp := domain.ComputeOn(c, ev, r, docs, domain.Used{DeductibleFen: deductible, ApprovedFen: usedOn(ev, r.Benefit)})
	if len(comp.Problems) > 0 {
		return nil, nil
	}
	return &comp, nil
}

// computedOf returns the amount the product's rules computed for a claim
// in its stored assessment a, nil when none was (or a is nil): a
// handler's decision is held to it (issue 19).
func computedOf(a *StoredAssessment) *domain.Computation {
	if a == nil || a.Computation == nil || len(a.Computation.Problems) > 0 {
		return nil
	}
	return a.Computation
}
