// Package app holds payout's use cases: create the payment obligation of an
// agreement (R6), pay it through the bank exactly once, recover what a
// crash left unknown, tell finance (the payout events) and the payee (R9,
// R10), take corrected payee details and bank returns, and report.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/clock"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/outbox"
	"claims.local/pkg/reveal"
	"claims.local/pkg/tracking"
)

// Producer is the source name of payout's events.
const Producer = "payout"

// AgreementsConsumer is the inbox name of the consumer of adjudication's
// topic, where agreements arrive.
const AgreementsConsumer = "payout.agreements"

// Effects is what a change of an obligation sets off, stored in its
// transaction: events for the outbox, deadline steps, notices for the
// gateway, and new obligations (the replacement of a reversed payment).
type Effects struct {
	Events     []events.Outgoing
	Steps      []tracking.Step
	Notices    []Notice
	Create     []domain.Obligation
	Recoveries []domain.Recovery
	// PayeeChanges are appended to the payee audit trail.
	PayeeChanges []domain.PayeeChange
}

// Notice is a notice with the event that carries it to the gateway.
type Notice struct {
	domain.Notice
	Event events.Outgoing
}

// Repository stores obligations and notices.
type Repository interface {
	// Schedule stores o with the effects decide returns, once per event,
	// a final payment once per claim and an advance once per id: when the
	// claim already has its final payment (or the advance is stored),
	// decide gets it instead and o is not stored. receipt is recorded in
	// the same transaction; an error of decide rolls all back. A zero o
	// records the receipt and the effects of decide(nil), when decide is
	// set. decide(nil) may be asked before o is stored, so that its effects
	// are stored with o, and its effects dropped when o is not: decide must
	// do nothing but return them. It reports whether o was stored.
	Schedule(ctx context.Context, receipt inbox.Receipt, o domain.Obligation, decide func(existing *domain.Obligation) (Effects, error)) (bool, error)
	// ScheduleUnlessAdvanced is Schedule of an o worked out as if its
	// claim had no advances: when the claim has an advance obligation it
	// stores nothing (the receipt neither) and returns ErrAdvanced, for o
	// to be worked out again with them (Advances).
	ScheduleUnlessAdvanced(ctx context.Context, receipt inbox.Receipt, o domain.Obligation, decide func(existing *domain.Obligation) (Effects, error)) (bool, error)
	// Advances returns the advance obligations of a claim.
	Advances(ctx context.Context, claimID string) ([]domain.Obligation, error)
	// SettleAdvances locks the advance obligations of a claim, lets work
	// change them and stores them with the effects and receipt, in one
	// transaction.
	SettleAdvances(ctx context.Context, receipt inbox.Receipt, claimID string, work func([]*domain.Obligation) (Effects, error)) error
	// Due locks up to limit obligations in states whose next attempt is due
	// at now and that no other instance holds, in one transaction: it hands
	// them to prepare (when set), then each to work in turn, storing what
	// work made of it with its effects before the next one's work. The
	// repository's reads under the context work gets run in that
	// transaction, so they see what the works before stored. An error of
	// work rolls the whole batch back. It returns how many it locked.
	Due(ctx context.Context, now time.Time, states []domain.State, limit int, prepare func(due []domain.Obligation),
		work func(ctx context.Context, o *domain.Obligation) (Effects, error)) (int, error)
	// Among is Due of the obligations pay and check, without a look for
	// what is due first: those of pay still scheduled and due at now, and
	// those of check still sent whatever their next attempt (a check timed
	// by the bank's answer comes before the one the sent mark stores),
	// that no other instance holds.
	Among(ctx context.Context, now time.Time, pay, check []string, prepare func(due []domain.Obligation),
		work func(ctx context.Context, o *domain.Obligation) (Effects, error)) (int, error)
	// Update locks obligation id, lets change change it, and stores the
	// result with its effects.
	Update(ctx context.Context, id string, now time.Time, change func(*domain.Obligation) (Effects, error)) (domain.Obligation, error)
	// UpdateAll is Due of the obligations ids, waiting for another holder
	// to let go of them; ids not found are left out.
	UpdateAll(ctx context.Context, now time.Time, ids []string, work func(ctx context.Context, o *domain.Obligation) (Effects, error)) error
	// UpdateHeld is Update of an obligation whose payee may not open:
	// change gets it with PayeeUnreadable set, its payee empty.
	UpdateHeld(ctx context.Context, id string, now time.Time, change func(*domain.Obligation) (Effects, error)) (domain.Obligation, error)
	// Get returns obligation id; one whose payee does not open comes with
	// PayeeUnreadable set and its payee empty, so that it can be shown and
	// its payee supplied (CorrectPayee).
	Get(ctx context.Context, id string) (domain.Obligation, error)
	List(ctx context.Context, claimID string, limit int) ([]domain.Obligation, error)
	// ListInState is List of the obligations in state (all when empty).
	ListInState(ctx context.Context, claimID string, state domain.State, limit int) ([]domain.Obligation, error)
	// Page returns the page of the obligations f selects, newest first,
	// with the count and sum of all of them.
	Page(ctx context.Context, f domain.ObligationFilter) ([]domain.Obligation, domain.ListTotals, error)
	// PayeeChanges returns the payee audit trail of an obligation, oldest
	// first.
	PayeeChanges(ctx context.Context, obligationID string) ([]domain.PayeeChange, error)
	// ThreeWayObligations returns the obligations scheduled, sent or
	// completed in p, and those whose id is one of keys.
	ThreeWayObligations(ctx context.Context, p domain.Period, keys []string) ([]domain.Obligation, error)
	// RaiseAlarms records the unmatched lines of date not recorded before,
	// with the event announce returns for each, in one transaction, and
	// returns the lines it recorded: each alarm is raised once, whichever
	// instance or run finds it.
	RaiseAlarms(ctx context.Context, date string, lines []domain.ThreeWayLine, announce func(domain.ThreeWayLine) (events.Outgoing, error)) ([]domain.ThreeWayLine, error)
	// Reconciliation counts and sums the completed and reversed payouts of
	// each day of p and payout type.
	Reconciliation(ctx context.Context, p domain.Period) ([]domain.DayTotal, error)
	// Notices lists notices, newest first, of one claim when claimID is set.
	Notices(ctx context.Context, claimID string, limit int) ([]domain.Notice, error)
	// SendNotices locks up to limit unsent notices, hands their events to
	// send, and marks them sent with the steps sent returns, in one
	// transaction. It returns how many it sent.
	SendNotices(ctx context.Context, now time.Time, limit int, send func([]outbox.Message) error, sent func(domain.Notice) []tracking.Step) (int, error)
	// Reseal seals up to limit payees sealed with an old key again with the
	// current one, and returns how many.
	Reseal(ctx context.Context, limit int) (int, error)
	// Reveal reads obligation id with its payee in clear and records the
	// reveal that record returns for it, in one transaction: no reveal
	// without its record.
	Reveal(ctx context.Context, id string, record func(domain.Obligation) (reveal.Reveal, error)) (domain.Obligation, error)
}

// ErrAdvanced is ScheduleUnlessAdvanced's refusal of an obligation worked
// out without the advances its claim has.
var ErrAdvanced = errors.New("the claim has advances the obligation was not worked out with")

// Service is payout's application layer.
type Service struct {
	repo     Repository
	deadline *tracking.Tracker
	bank     Bank
	gateway  outbox.Publisher
	topics   events.Topics
	now      func() time.Time
	shanghai *time.Location
	controls Controls
	handing  *handing
}

// NewService returns the use cases. The clock is read to the microsecond,
// the precision PostgreSQL keeps, so that a time in an answer or an event
// equals the one read back later.
// Notices go to the gateway's topic through gateway; controls are the
// money controls (the payee confirmation threshold, adjudication's
// authorisations).
func NewService(repo Repository, tracker *tracking.Tracker, bank Bank, gateway outbox.Publisher, topics events.Topics, now func() time.Time, shanghai *time.Location, controls Controls) *Service {
	return &Service{repo: repo, deadline: tracker, bank: bank, gateway: gateway, topics: topics, shanghai: shanghai, controls: controls,
		now: clock.Micro(now), handing: newHanding()}
}

// Location is Asia/Shanghai, where value dates are counted.
func (s *Service) Location() *time.Location { return s.shanghai }

// HandleAgreement creates the payment obligation of an agreement, once, and
// starts its R6 clock at the agreement (10 days, or the contract's
// payment period). A decision alone owes nothing until the claimant agrees
// to the amount. The advances deducted are the larger of those the
// agreement names and those payout pays or owes on the claim, so that the
// claim is never paid more than agreed (domain.Settle). An agreement paid
// in full by advances creates nothing, and advances above it are owed back
// (a recovery, told to finance); one for a claim that already has a final
// payment of other terms is parked for a person (it is an error of the
// event, never a second payment). Only an agreement signed by adjudication
// is paid (checkInstruction).
func (s *Service) HandleAgreement(ctx context.Context, e events.Envelope) error {
	if err := s.checkInstruction(ctx, e); err != nil {
		return err
	}
	var d events.AgreementReachedData
	if err := events.DecodeData(e, events.AgreementReached, &d); err != nil {
		return err
	}
	if d.ClaimID != e.ClaimID {
		return fmt.Errorf("%w: agreement for claim %q in an event of claim %q", events.ErrMalformed, d.ClaimID, e.ClaimID)
	}
	var err error
	if d.Payee, err = d.Payee.Open(s.controls.Payees, s.controls.Fingerprints, e.ClaimID); err != nil {
		return err
	}
	receipt := inbox.Receipt{Consumer: AgreementsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	a := domain.Agreement{ClaimID: d.ClaimID, CaseID: d.CaseID, PolicyNumber: d.PolicyNumber, AmountFen: d.AmountFen,
		AdvancedFen: d.AdvancedFen, Currency: d.Currency, AgreedAt: d.AgreedAt, PaymentPeriodDays: d.PaymentPeriodDays,
		Payee: domain.Payee{Name: d.Payee.Name, Role: domain.Role(d.Payee.Role), BankName: d.Payee.BankName, AccountNumber: d.Payee.AccountNumber}}
	if p := d.Payee.OnBehalfOf; p != nil {
		a.Payee.OnBehalfOf = &domain.Person{Name: p.Name, Relation: p.Relation}
	}
	// The agreement is worked out first as if the claim had no advances,
	// as most claims have none, and stored by a statement that refuses it
	// when the claim has one (issue 21: the advances were read by a
	// statement of their own before); it is then worked out again with
	// them. The claim's events come in order, one at a time: the advances
	// stored are all those before this agreement.
	err = s.scheduleAgreement(ctx, d, receipt, a, nil, true)
	if !errors.Is(err, ErrAdvanced) {
		return err
	}
	advances, err := s.repo.Advances(ctx, a.ClaimID)
	if err != nil {
		return err
	}
	return s.scheduleAgreement(ctx, d, receipt, a, advances, false)
}

// scheduleAgreement creates the payment obligation of agreement a (of the
// event's data d), its claim's advances being advances. unlessAdvanced
// tells that they were not read but taken for none: the obligation is
// stored by ScheduleUnlessAdvanced, and an agreement that owes nothing
// (which only advances can cover) or is refused is left to be worked out
// with them (ErrAdvanced).
func (s *Service) scheduleAgreement(ctx context.Context, d events.AgreementReachedData, receipt inbox.Receipt, a domain.Agreement,
	advances []domain.Obligation, unlessAdvanced bool) error {
	schedule := s.repo.Schedule
	if unlessAdvanced {
		schedule = s.repo.ScheduleUnlessAdvanced
	}
	now := s.now()
	a, excess := domain.Settle(a, domain.AdvancedFen(advances))
	o, err := domain.NewFinalObligation(uuid.NewString(), a, now)
	if err != nil && unlessAdvanced {
		// Nothing to pay, or an agreement refused: worked out with the
		// advances, which are all that can cover an amount, or it is
		// refused as before.
		return ErrAdvanced
	}
	if errors.Is(err, domain.ErrNothingToPay) {
		var recover func(*domain.Obligation) (Effects, error)
		if excess > 0 {
			recover = func(*domain.Obligation) (Effects, error) {
				return s.recovery(domain.ExcessRecovery(uuid.NewString(), a, advances, excess, now))
			}
		}
		_, err := s.repo.Schedule(ctx, receipt, domain.Obligation{}, recover)
		return err
	}
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	// Segregation of duties: above the threshold nobody who decided,
	// approved or recorded the amount and payee, nor who entered or
	// corrected what the claim rests on, may confirm the payee. A blocking
	// fraud signal on the case, or one of them having entered what the
	// claim rests on (adjudication refuses that; payout does not rely on
	// it), holds it whatever the amount.
	o.AddParties(d.RecordedBy, d.DecidedBy, d.DecisionApprovedBy)
	o.AddParties(d.EnteredBy...)
	threshold := domain.ThresholdLeft(s.threshold(), advances)
	if len(d.BlockingSignals) > 0 || domain.ActsOnOwnEntry(d.EnteredBy, d.RecordedBy, d.DecidedBy, d.DecisionApprovedBy) {
		threshold = 0
	}
	o.HoldForConfirmation(threshold)
	spec := tracking.Spec{ClaimID: o.ClaimID, Subject: tracking.PaymentSubject(o.ID), Rule: deadline.Payment, ClockStart: a.AgreedAt}
	if a.PaymentPeriodDays > 0 {
		spec.Overrides = []deadline.Override{{Rule: deadline.Payment, Length: a.PaymentPeriodDays, Unit: deadline.Days}}
	}
	pay, err := s.deadline.New(spec, now)
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	stored, err := schedule(ctx, receipt, o, func(existing *domain.Obligation) (Effects, error) {
		if existing != nil {
			if existing.SameTerms(a) {
				return Effects{}, nil
			}
			return Effects{}, fmt.Errorf("%w: claim %s already owes a final payment of %d fen agreed with %d fen advanced; "+
				"an agreement of %d fen with %d fen advanced needs a person", events.ErrMalformed, o.ClaimID,
				existing.AgreedAmountFen, existing.AdvancedFen, a.AmountFen, a.AdvancedFen)
		}
		evs, err := s.payoutEvent(events.PayoutScheduled, o, pay.DueDate.String())
		return Effects{Events: evs, Steps: []tracking.Step{tracking.Open(pay)},
			PayeeChanges: []domain.PayeeChange{o.Change(uuid.NewString(), domain.PayeeSet, d.RecordedBy, "agreement recorded in adjudication", nil, now)}}, err
	})
	if err == nil && stored && o.State == domain.StateScheduled && s.controls.Scheduled != nil {
		s.afterCommit(ctx, func() { s.controls.Scheduled(o.ID) })
	}
	return err
}

// payoutEvent announces o to finance. dueDate is the R6 due date, given
// when the obligation is created.
func (s *Service) payoutEvent(t events.Type, o domain.Obligation, dueDate string) ([]events.Outgoing, error) {
	m := o.Payee.Masked()
	d := events.PayoutData{
		ObligationID: o.ID, ClaimID: o.ClaimID, CaseID: o.CaseID, PolicyNumber: o.PolicyNumber, PayoutType: string(o.Type),
		AmountFen: o.AmountFen, AgreedAmountFen: o.AgreedAmountFen, AdvancedFen: o.AdvancedFen, Currency: o.Currency,
		Status: string(o.State), BankReference: o.BankReference, ValueDate: o.ValueDate(s.shanghai), DueDate: dueDate,
		Attempt: o.Attempts, ScheduledAt: o.ScheduledAt, CompletedAt: o.CompletedAt, ReversedAt: o.ReversedAt,
		ReversalReason: o.ReversalReason, ReplacesObligationID: o.Replaces,
		Payee: &events.MaskedPayee{Name: m.Name, Role: string(m.Role), BankName: m.BankName, AccountNumber: m.AccountNumber},
	}
	if m.OnBehalfOf != nil {
		d.Payee.OnBehalfOf = &events.Person{Name: m.OnBehalfOf.Name, Relation: m.OnBehalfOf.Relation}
	}
	switch o.State {
	case domain.StateAwaitingConfirmation:
		// The finance contract knows it as scheduled: owed, to go out
		// once a second person confirmed the payee.
		d.Status = string(domain.StateScheduled)
		d.ValueDate = o.NextAttemptAt.In(s.shanghai).Format(time.DateOnly)
	case domain.StateScheduled:
		// The date the transfer is to go out.
		d.ValueDate = o.NextAttemptAt.In(s.shanghai).Format(time.DateOnly)
	case domain.StateFailed:
		d.FailureReason = o.LastError
	}
	e, err := events.New(t, Producer, o.ClaimID, s.now(), d)
	if err != nil {
		return nil, err
	}
	return []events.Outgoing{{Topic: s.topics.Payout(), Envelope: e}}, nil
}

// Obligation returns one obligation.
func (s *Service) Obligation(ctx context.Context, id string) (domain.Obligation, error) {
	return s.repo.Get(ctx, id)
}

// Obligations lists obligations, of one claim when claimID is set, in
// state when it is set (awaiting_payee_confirmation: the payees waiting for
// a second person).
func (s *Service) Obligations(ctx context.Context, claimID string, state domain.State, limit int) ([]domain.Obligation, error) {
	return s.repo.ListInState(ctx, claimID, state, limit)
}

// ObligationPage lists a page of the obligations f selects and the totals
// of all of them; from and to (YYYY-MM-DD, Asia/Shanghai, both or neither)
// keep the payouts with a value date in that period, as the reconciliation
// report counts them.
func (s *Service) ObligationPage(ctx context.Context, f domain.ObligationFilter, from, to string) ([]domain.Obligation, domain.ListTotals, error) {
	if from != "" || to != "" {
		p, err := domain.ParsePeriod(from, to, s.shanghai)
		if err != nil {
			return nil, domain.ListTotals{}, err
		}
		f.Paid = &p
	}
	return s.repo.Page(ctx, f)
}

// PayeeConfirmationThresholdFen is the amount above which a payee needs a
// second person's confirmation.
func (s *Service) PayeeConfirmationThresholdFen() int64 { return s.threshold() }

// Notices lists the notices asked of the gateway, of one claim when claimID
// is set: the development sink, and the record that R9 and R10 were met.
func (s *Service) Notices(ctx context.Context, claimID string, limit int) ([]domain.Notice, error) {
	return s.repo.Notices(ctx, claimID, limit)
}

// Report is the reconciliation report of a period.
type Report struct {
	Period domain.Period
	Days   []domain.DayTotal
	Totals []domain.DayTotal
}

// Reconciliation reports, per Asia/Shanghai day from..to (YYYY-MM-DD) and
// payout type, the count and sum of completed payouts by value date and of
// the payouts returned by the bank: the totals of the payout-completed and
// payout-reversed events of those days.
func (s *Service) Reconciliation(ctx context.Context, from, to string) (Report, error) {
	p, err := domain.ParsePeriod(from, to, s.shanghai)
	if err != nil {
		return Report{}, err
	}
	days, err := s.repo.Reconciliation(ctx, p)
	if err != nil {
		return Report{}, err
	}
	return Report{Period: p, Days: days, Totals: domain.Totals(days)}, nil
}

// Reseal seals every payee sealed with an old data key again with the
// current key, so that the old key can be retired. It returns how many.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := s.repo.Reseal(ctx, 200)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}
