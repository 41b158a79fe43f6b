package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
)

// HandleAdvance creates the obligation to pay an approved advance (预付赔款:
// R7, or R8 for a catastrophe's claim) at once, once per advance; a
// catastrophe's advance is paid before ordinary payments. Finance sees it
// scheduled like any payout, with payout_type advance. Its payment is
// tracked by nothing statutory: R7 is adjudication's, met at the approval.
// Only an advance signed by adjudication is paid (checkInstruction).
func (s *Service) HandleAdvance(ctx context.Context, e events.Envelope) error {
	if err := s.checkInstruction(ctx, e); err != nil {
		return err
	}
	var d events.AdvanceApprovedData
	if err := events.DecodeData(e, events.AdvanceApproved, &d); err != nil {
		return err
	}
	if d.ClaimID != e.ClaimID {
		return fmt.Errorf("%w: advance for claim %q in an event of claim %q", events.ErrMalformed, d.ClaimID, e.ClaimID)
	}
	var err error
	if d.Payee, err = d.Payee.Open(s.controls.Payees, s.controls.Fingerprints, e.ClaimID); err != nil {
		return err
	}
	a := domain.Advance{ID: d.AdvanceID, ClaimID: d.ClaimID, CaseID: d.CaseID, PolicyNumber: d.PolicyNumber, Ground: d.Ground,
		CatastropheCode: d.CatastropheCode, AmountFen: d.AmountFen, Currency: d.Currency, Priority: d.Priority,
		Payee: domain.Payee{Name: d.Payee.Name, Role: domain.Role(d.Payee.Role), BankName: d.Payee.BankName, AccountNumber: d.Payee.AccountNumber}}
	if p := d.Payee.OnBehalfOf; p != nil {
		a.Payee.OnBehalfOf = &domain.Person{Name: p.Name, Relation: p.Relation}
	}
	now := s.now()
	o, err := domain.NewAdvanceObligation(a, now)
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	// The claim's events come in order, one at a time: the advances read
	// here are all those before this one.
	advances, err := s.repo.Advances(ctx, a.ClaimID)
	if err != nil {
		return err
	}
	// Segregation of duties: who offered the advance, who approved it
	// (and set its payee) and who entered or corrected what the claim
	// rests on may not confirm its payee; advances split below the
	// threshold are held once together they exceed it.
	o.AddParties(d.ApprovedBy, d.OfferedBy)
	o.AddParties(d.EnteredBy...)
	threshold := domain.ThresholdLeft(s.threshold(), advances)
	if domain.ActsOnOwnEntry(d.EnteredBy, d.ApprovedBy, d.OfferedBy) {
		threshold = 0
	}
	o.HoldForConfirmation(threshold)
	receipt := inbox.Receipt{Consumer: AgreementsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	_, err = s.repo.Schedule(ctx, receipt, o, func(existing *domain.Obligation) (Effects, error) {
		if existing != nil {
			return Effects{}, nil
		}
		evs, err := s.payoutEvent(events.PayoutScheduled, o, "")
		return Effects{Events: evs,
			PayeeChanges: []domain.PayeeChange{o.Change(uuid.NewString(), domain.PayeeSet, d.ApprovedBy, "advance approved in adjudication", nil, now)}}, err
	})
	return err
}

// HandleDecision settles the advances of a claim that was rejected (R7,
// R8): those not yet sent to the bank are cancelled, and what was paid is
// owed back, recorded and told to finance (claims.payout.recovery-due). An
// approval changes nothing here: the agreement settles the claim.
func (s *Service) HandleDecision(ctx context.Context, e events.Envelope) error {
	var d events.ClaimDecidedData
	if err := events.DecodeData(e, events.ClaimDecided, &d); err != nil {
		return err
	}
	if d.Outcome != events.OutcomeRejected {
		return nil
	}
	receipt := inbox.Receipt{Consumer: AgreementsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	return s.repo.SettleAdvances(ctx, receipt, e.ClaimID, func(advances []*domain.Obligation) (Effects, error) {
		reason := "the claim was rejected after an advance"
		if d.Reason != "" {
			reason += ": " + d.Reason
		}
		return s.recovery(domain.RecoverAdvances(uuid.NewString(), advances, reason, s.now()))
	})
}

// recovery is what recording r sets off: r stored and finance told, when
// anything is owed back.
func (s *Service) recovery(r domain.Recovery) (Effects, error) {
	if r.AmountFen <= 0 {
		return Effects{}, nil
	}
	d := events.RecoveryDueData{ClaimID: r.ClaimID, ObligationIDs: r.ObligationIDs, AmountFen: r.AmountFen, Currency: domain.Currency,
		Reason: r.Reason, RecordedAt: r.RecordedAt, CatastropheCode: r.CatastropheCode, PolicyNumber: r.PolicyNumber}
	if r.Payee != (domain.Payee{}) {
		m := r.Payee.Masked()
		d.MaskedPayee = &events.MaskedPayee{Name: m.Name, Role: string(m.Role), BankName: m.BankName, AccountNumber: m.AccountNumber}
	}
	e, err := events.New(events.RecoveryDue, Producer, r.ClaimID, r.RecordedAt, d)
	if err != nil {
		return Effects{}, err
	}
	return Effects{Recoveries: []domain.Recovery{r}, Events: []events.Outgoing{{Topic: s.topics.Payout(), Envelope: e}}}, nil
}
