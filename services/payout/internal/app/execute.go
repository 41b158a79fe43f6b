package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracing"
	"claims.local/pkg/tracking"
)

// ExecuteDue hands every due obligation to the bank and returns how many
// it submitted. Each is first marked sent in its own transaction, so that a
// crash after the bank call leaves a record that the bank must be asked
// (CheckSent); the bank's answer is then recorded in a second one.
func (s *Service) ExecuteDue(ctx context.Context) (int, error) {
	tried := 0
	for ctx.Err() == nil {
		var submitted domain.Obligation
		found, err := s.repo.Next(ctx, s.now(), domain.StateScheduled, func(o *domain.Obligation) (Effects, error) {
			if err := o.Submit(s.now()); err != nil {
				return Effects{}, err
			}
			submitted = *o
			return Effects{}, nil
		})
		if err != nil || !found {
			return tried, err
		}
		tried++
		octx, span := tracing.Start(tracing.WithTraceParent(ctx, submitted.TraceParent), "bank submit", trace.SpanKindClient,
			submitted.ClaimID, attribute.String("payout.obligation_id", submitted.ID), attribute.Int("payout.attempt", submitted.Attempts))
		t, err := s.bank.Submit(octx, transferOf(submitted))
		tracing.End(span, err)
		if err != nil {
			// No answer: the bank may have the transfer. CheckSent asks.
			continue
		}
		if _, err := s.repo.Update(octx, submitted.ID, s.now(), func(o *domain.Obligation) (Effects, error) {
			return s.apply(octx, o, submitted.Attempts, t)
		}); err != nil {
			return tried, err
		}
	}
	return tried, nil
}

// CheckSent asks the bank about every sent obligation whose check is due
// and records what it says, holding the obligation's row lock across the
// call so that two instances never act on one answer twice. A transfer the
// bank never received (the process stopped between marking it sent and the
// call) is submitted again under the same key and attempt. It returns how
// many it checked.
func (s *Service) CheckSent(ctx context.Context) (int, error) {
	checked := 0
	for ctx.Err() == nil {
		found, err := s.repo.Next(ctx, s.now(), domain.StateSent, func(o *domain.Obligation) (Effects, error) {
			bctx, span := tracing.Start(tracing.WithTraceParent(ctx, o.TraceParent), "bank status", trace.SpanKindClient,
				o.ClaimID, attribute.String("payout.obligation_id", o.ID), attribute.Int("payout.attempt", o.Attempts))
			t, err := s.bank.Status(bctx, o.ID)
			if err == nil && (t.State == TransferUnknown || t.Attempt < o.Attempts) {
				t, err = s.bank.Submit(bctx, transferOf(*o))
				o.Resubmitted(s.now())
			}
			tracing.End(span, err)
			if err != nil {
				o.LastError = "asking the bank: " + err.Error()
				o.Pending(s.now())
				return Effects{}, nil
			}
			// The check runs outside any trace: the answer's events carry
			// the obligation's, through the bank call's span.
			eff, err := s.apply(bctx, o, o.Attempts, t)
			stampTrace(bctx, eff.Events)
			return eff, err
		})
		if err != nil || !found {
			return checked, err
		}
		checked++
	}
	return checked, nil
}

// stampTrace gives the events that carry no trace context the one of ctx.
func stampTrace(ctx context.Context, evs []events.Outgoing) {
	tp := tracing.TraceParent(ctx)
	for i := range evs {
		if evs[i].Envelope.TraceParent == "" {
			evs[i].Envelope.TraceParent = tp
		}
	}
}

func transferOf(o domain.Obligation) TransferRequest {
	return TransferRequest{IdempotencyKey: o.ID, Attempt: o.Attempts, AmountFen: o.AmountFen, Currency: o.Currency,
		PayeeName: o.Payee.Name, BankName: o.Payee.BankName, AccountNumber: o.Payee.AccountNumber,
		Remark: fmt.Sprintf("理赔款 %s %s", o.PolicyNumber, o.ClaimID)}
}

// apply records the bank's answer t about attempt of o. For an obligation
// another instance already moved on it changes nothing; an answer about
// another attempt is asked again later.
func (s *Service) apply(ctx context.Context, o *domain.Obligation, attempt int, t Transfer) (Effects, error) {
	if o.State != domain.StateSent || o.Attempts != attempt {
		return Effects{}, nil
	}
	now := s.now()
	if t.Attempt != attempt {
		o.Pending(now)
		return Effects{}, nil
	}
	switch t.State {
	case TransferSucceeded:
		settled := t.SettledAt.Truncate(time.Microsecond)
		if settled.IsZero() {
			settled = now
		}
		if err := o.Complete(t.Reference, settled); err != nil {
			return Effects{}, err
		}
		return s.completed(ctx, *o, now)
	case TransferFailed:
		f := t.Failure
		if f == nil {
			f = &BankError{Code: FailureRejected, Permanent: true, Reason: "refused without a reason"}
		}
		if !f.Permanent {
			return Effects{}, o.RetryLater(f.Error(), now)
		}
		// The payment is still owed: its R6 deadline stays open until a
		// handler corrects the payee and the transfer goes through.
		if err := o.Fail(f.Error()); err != nil {
			return Effects{}, err
		}
		evs, err := s.payoutEvent(events.PayoutFailed, *o, "")
		return Effects{Events: evs}, err
	default:
		o.Pending(now)
		return Effects{}, nil
	}
}

// completed is what a completed payment sets off: the finance event, its
// R6 deadline met, and the notices to the payee (R9, tracked from the
// completion) and to the person an agent collected for (R10, counting what
// the same agent collected on the claim before).
func (s *Service) completed(ctx context.Context, o domain.Obligation, now time.Time) (Effects, error) {
	earlier, err := s.repo.List(ctx, o.ClaimID, 500)
	if err != nil {
		return Effects{}, err
	}
	evs, err := s.payoutEvent(events.PayoutCompleted, o, "")
	if err != nil {
		return Effects{}, err
	}
	eff := Effects{Events: evs, Steps: []tracking.Step{tracking.Complete(tracking.PaymentSubject(o.ID), deadline.Payment, *o.CompletedAt)}}
	notify, err := s.deadline.New(tracking.Spec{ClaimID: o.ClaimID, Subject: tracking.PaymentSubject(o.ID), Rule: deadline.ResultNotification,
		ClockStart: *o.CompletedAt}, now)
	if err != nil {
		return Effects{}, err
	}
	eff.Steps = append(eff.Steps, tracking.Open(notify))
	for _, n := range domain.NoticesOnCompletion(o, earlier, uuid.NewString, now) {
		notice, err := s.notice(n, o)
		if err != nil {
			return Effects{}, err
		}
		eff.Notices = append(eff.Notices, notice)
	}
	return eff, nil
}
