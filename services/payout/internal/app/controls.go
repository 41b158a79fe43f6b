package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
)

// Controls are payout's money controls (issue 14).
type Controls struct {
	// PayeeConfirmationThresholdFen is the amount above which a payment's
	// payee is confirmed by a second senior before it is sent
	// (segregation of duties); domain.DefaultPayeeConfirmationThresholdFen
	// (RMB 5,000) when zero.
	PayeeConfirmationThresholdFen int64
	// Holders asks the payee's bank whether an account is held by a name
	// (PAYOUT_HOLDER_CHECK), for a payee supplied in payout: a correction
	// or a payee supplied for one that no longer opens is refused unless
	// the bank says the account is the payee's. HolderTimeout bounds the
	// answer (3 s when zero). Without it such a payee is not verified.
	Holders       HolderVerifier
	HolderTimeout time.Duration
	// Authorisations answers what adjudication authorised, for the
	// three-way reconciliation; without it the authorisations are not
	// checked (lines unverified).
	Authorisations Authorisations
	// Log receives the alarms of the three-way reconciliation, and Alarmed
	// (may be nil) counts them (a metric).
	Log     *slog.Logger
	Alarmed func(n int)
	// Instructions verifies that a payment instruction (an agreement or an
	// advance approval) was signed by one of adjudication's trusted keys
	// (issue 15); without it every instruction is refused. Refused (may be
	// nil) counts the refusals by reason (a metric).
	Instructions InstructionVerifier
	Refused      func(reason signing.Reason)
	// PayeeUnreadable (may be nil) counts the payments held because their
	// sealed payee does not open (a metric).
	PayeeUnreadable func()
	// Payees opens the payee sealed in an instruction for payout's key
	// (issue 17); without it no payee opens and every instruction is
	// parked.
	Payees events.PayeeOpener
	// Fingerprints compare the payees' accounts and names with their keyed
	// fingerprints on the instructions and on adjudication's
	// authorisations (R11); without them every fingerprint differs.
	Fingerprints *bankaccount.Fingerprints
	// Scheduled (may be nil) is told the id of an obligation due now that
	// was scheduled, so that the executor pays it at once (Pay) instead of
	// at its next round.
	Scheduled func(obligationID string)
	// CheckAt (may be nil) is told when to ask the bank about obligations
	// handed to it: when the bank's answer said each settles
	// (Transfer.SettlesAt), FirstCheck after its answer when it said no
	// time or no answer came, so that the executor asks then (Check)
	// rather than at its first round after the sent mark's next attempt
	// (issue 21's fourteenth round: a settled payment waited 145-256 ms
	// for that round). A check that finds a transfer still pending tells
	// the time the bank then states, when it is later.
	CheckAt func(checks []Check)
	// HandOver (may be nil: call is made at once, and the round returns
	// after it) makes call, the bank call of the payments a round marked
	// sent, after the marks committed, so that the executor goes on with
	// the checks due meanwhile instead of waiting for the bank (issue 21's
	// fifteenth round: a settled payment waited for the paying rounds'
	// calls). call returns what recording the answers failed of; the
	// payments stay sent, and their checks ask.
	HandOver func(call func() error)
	// Noticed (may be nil) is told that payments completed with their
	// notices (R9, R10) committed, so that the notifier sends them at once
	// instead of at its next round.
	Noticed func()
	// AfterCommit (may be nil: f runs at once) runs f once the transaction
	// of ctx has committed, and never if it rolls back. A use case run in a
	// consumer's batch returns before the batch commits, and a failed
	// event's part of the batch is rolled back and the event handled again
	// on its own: what is told outside the database (the executor woken, an
	// alarm's log line and metric) waits for the commit, so it is told once
	// and only of what stands.
	AfterCommit func(ctx context.Context, f func())
}

// afterCommit runs f once the transaction of ctx has committed
// (Controls.AfterCommit).
func (s *Service) afterCommit(ctx context.Context, f func()) {
	if s.controls.AfterCommit == nil {
		f()
		return
	}
	s.controls.AfterCommit(ctx, f)
}

// InstructionVerifier checks the signature of a payment instruction and
// the owner of its key; a refusal is a *signing.Refusal.
type InstructionVerifier interface {
	Verify(e events.Envelope) error
}

// Authorisations is adjudication's record of the payments it authorised:
// agreements and advance approvals of from..to (GET
// /v1/payment-authorisations).
type Authorisations interface {
	PaymentAuthorisations(ctx context.Context, from, to time.Time) ([]domain.Authorisation, error)
}

// threshold is the segregation-of-duties threshold in force.
func (s *Service) threshold() int64 {
	if s.controls.PayeeConfirmationThresholdFen <= 0 {
		return domain.DefaultPayeeConfirmationThresholdFen
	}
	return s.controls.PayeeConfirmationThresholdFen
}

// ConfirmPayee records that who, a senior who had no hand in the payment
// (neither decided, approved, recorded nor corrected it), confirmed the
// payee of a payment waiting for it, and schedules it at once. The row
// lock makes two confirmers at once one confirmation (the second gets a
// conflict); a repeat by the same person changes nothing. The R6 deadline
// was never paused: it is met when the bank confirms the transfer.
func (s *Service) ConfirmPayee(ctx context.Context, id string, who auth.Principal) (domain.Obligation, error) {
	now := s.now()
	return s.repo.Update(ctx, id, now, func(o *domain.Obligation) (Effects, error) {
		changed, err := o.ConfirmPayee(who.Subject, who.Has(auth.SeniorHandler), now)
		if err != nil || !changed {
			return Effects{}, err
		}
		return Effects{PayeeChanges: []domain.PayeeChange{o.Change(uuid.NewString(), domain.PayeeConfirmed, who.Subject, "", nil, now)}}, nil
	})
}

// RejectPayee records that who, a senior who had no hand in the payment,
// refused the payee of a payment waiting for confirmation, for reason: the
// payment fails (finance is told) and waits for a corrected payee, which
// needs a confirmation again.
func (s *Service) RejectPayee(ctx context.Context, id string, who auth.Principal, reason string) (domain.Obligation, error) {
	now := s.now()
	return s.repo.Update(ctx, id, now, func(o *domain.Obligation) (Effects, error) {
		if err := o.RejectPayee(who.Subject, who.Has(auth.SeniorHandler), reason); err != nil {
			return Effects{}, err
		}
		evs, err := s.payoutEvent(events.PayoutFailed, *o, "")
		return Effects{Events: evs, PayeeChanges: []domain.PayeeChange{o.Change(uuid.NewString(), domain.PayeeRejected, who.Subject, reason, nil, now)}}, err
	})
}

// PayeeChanges returns the audit trail of the payee of obligation id,
// oldest first, masked.
func (s *Service) PayeeChanges(ctx context.Context, id string) ([]domain.PayeeChange, error) {
	if _, err := s.repo.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.repo.PayeeChanges(ctx, id)
}

// authorisationLookback is how far before the day reconciled adjudication
// is asked for authorisations: a payment made today may have been agreed
// long before (a returned payment paid again months later).
const authorisationLookback = 366 * 24 * time.Hour

// executionMargin is how far around the day reconciled the bank's
// transfers are read to match the day's payments: a payment scheduled on
// the day may be sent, after its payee's confirmation, days later.
const executionMargin = 31 * 24 * time.Hour

// ThreeWayReport is the three-way reconciliation of one Asia/Shanghai day.
// AuthorisationsUnavailable says why adjudication's side is missing, when
// it is: then lines are matched with the bank only (unverified).
type ThreeWayReport struct {
	Date                      string
	Lines                     []domain.ThreeWayLine
	AuthorisationsUnavailable string
}

// ThreeWay reconciles the payments of date (YYYY-MM-DD, Asia/Shanghai):
// those scheduled, sent or paid that day and those the bank executed that
// day, against adjudication's authorisations and the bank's statement, and
// raises an alarm for each unmatched line not raised before (an event on
// the payout topic, once per line and day, and a log line). When
// adjudication cannot be asked the report still compares payout with the
// bank, and says so.
func (s *Service) ThreeWay(ctx context.Context, date string) (ThreeWayReport, error) {
	p, err := domain.ParsePeriod(date, date, s.shanghai)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Field == "from" {
			return ThreeWayReport{}, apperr.InvalidField("date", "must be a date as YYYY-MM-DD")
		}
		return ThreeWayReport{}, err
	}
	// The transfers of the days around too: a payment of the day may have
	// moved before its midnight (Asia/Shanghai) or after it.
	execs, err := s.bank.Statement(ctx, p.From.Add(-executionMargin), p.End().Add(executionMargin))
	if err != nil {
		return ThreeWayReport{}, fmt.Errorf("the bank's statement: %w", err)
	}
	var keys []string
	for _, e := range execs {
		if !e.ExecutedAt.Before(p.From) && e.ExecutedAt.Before(p.End()) {
			keys = append(keys, e.Key)
		}
	}
	obligations, err := s.repo.ThreeWayObligations(ctx, p, keys)
	if err != nil {
		return ThreeWayReport{}, err
	}
	r := ThreeWayReport{Date: p.From.In(s.shanghai).Format(time.DateOnly)}
	var auths []domain.Authorisation
	if s.controls.Authorisations == nil {
		r.AuthorisationsUnavailable = "adjudication's address is not configured (PAYOUT_ADJUDICATION_URL)"
	} else if auths, err = s.controls.Authorisations.PaymentAuthorisations(ctx, p.From.Add(-authorisationLookback), p.End()); err != nil {
		r.AuthorisationsUnavailable = "adjudication's payment authorisations could not be read: " + err.Error()
		if s.controls.Log != nil {
			s.controls.Log.Warn("three-way reconciliation without adjudication's authorisations", "date", r.Date, "error", err.Error())
		}
	}
	r.Lines = domain.ThreeWay(s.controls.Fingerprints, p, obligations, auths, execs, r.AuthorisationsUnavailable == "")
	unmatched := domain.Unmatched(r.Lines)
	if len(unmatched) == 0 {
		return r, nil
	}
	if err := s.holdNotExecuted(ctx, r.Date, unmatched); err != nil {
		return ThreeWayReport{}, err
	}
	raised, err := s.repo.RaiseAlarms(ctx, r.Date, unmatched, func(l domain.ThreeWayLine) (events.Outgoing, error) {
		e, err := events.New(events.ReconciliationUnmatched, Producer, l.ClaimID, s.now(), events.ReconciliationUnmatchedData{
			Date: r.Date, ClaimID: l.ClaimID, ObligationID: l.ObligationID, BankKey: l.BankKey, PayoutType: string(l.Type),
			AmountFen: l.AmountFen, Currency: domain.Currency, Issues: l.Issues, DetectedAt: s.now()})
		return events.Outgoing{Topic: s.topics.Payout(), Envelope: e}, err
	})
	if err != nil {
		return ThreeWayReport{}, err
	}
	if s.controls.Alarmed != nil && len(raised) > 0 {
		s.controls.Alarmed(len(raised))
	}
	if s.controls.Log != nil {
		for _, l := range raised {
			s.controls.Log.Error("three-way reconciliation: payment unmatched", "alarm", "reconciliation-unmatched", "date", r.Date,
				"claim_id", l.ClaimID, "obligation_id", l.ObligationID, "bank_key", l.BankKey, "amount_fen", l.AmountFen, "issues", l.Issues)
		}
	}
	return r, nil
}

// holdNotExecuted holds for a person each payment of lines recorded
// completed that the bank never executed (domain.Obligation.NotExecuted),
// telling finance (payout-failed); one held before, or changed since it
// was read, is left as it is.
func (s *Service) holdNotExecuted(ctx context.Context, date string, lines []domain.ThreeWayLine) error {
	for _, l := range lines {
		if l.State != domain.StateCompleted || !slices.ContainsFunc(l.Found, func(i domain.Issue) bool { return i.Code == domain.IssueNoExecution }) {
			continue
		}
		_, err := s.repo.Update(ctx, l.ObligationID, s.now(), func(o *domain.Obligation) (Effects, error) {
			if o.State != domain.StateCompleted || o.BankReference == "" {
				return Effects{}, nil
			}
			if err := o.NotExecuted("the bank executed no transfer of this payment recorded paid (three-way reconciliation of " + date +
				"): held for a person"); err != nil {
				return Effects{}, err
			}
			evs, err := s.payoutEvent(events.PayoutFailed, *o, "")
			return Effects{Events: evs}, err
		})
		if err != nil {
			return fmt.Errorf("hold payment %s: %w", l.ObligationID, err)
		}
		if s.controls.Log != nil {
			s.controls.Log.Error("three-way reconciliation: payment recorded paid that the bank never executed, held", "alarm", "reconciliation-unmatched",
				"date", date, "claim_id", l.ClaimID, "obligation_id", l.ObligationID)
		}
	}
	return nil
}

// HolderVerifier is the account-holder verification of the payee's bank
// (银行卡二要素验证), as intake asks it at the claim request: a real adapter
// asks the bank's service over HTTP, the simulator its register. It
// answers domain.HolderMatch (with the bank's reference) or
// domain.HolderNoMatch; an error is no answer.
type HolderVerifier interface {
	Verify(ctx context.Context, accountNumber, name string) (domain.HolderCheck, error)
}

// bankHolds asks the payee's bank whether p's account is held by p's name,
// for at most HolderTimeout, outside any transaction (a slow bank holds no
// lock), and refuses p unless it says so (domain.BankHoldsAccount).
// Without a verifier it refuses nothing.
func (s *Service) bankHolds(ctx context.Context, p domain.Payee) error {
	if s.controls.Holders == nil {
		return nil
	}
	payee, err := domain.CheckPayee(p, "")
	if err != nil {
		return err
	}
	timeout := s.controls.HolderTimeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	answer, err := s.controls.Holders.Verify(ctx, payee.AccountNumber, payee.Name)
	if err != nil || ctx.Err() != nil {
		answer = domain.HolderCheck{}
	}
	return domain.BankHoldsAccount(payee, answer)
}
