package app

import (
	"context"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/tracking"
)

// PayoutsConsumer is the inbox name of the consumer of payout's events.
const PayoutsConsumer = "adjudication.payouts"

// Indicators reads the facts the service indicators (R13) and the
// catastrophe daily report are computed from, and stores the payments
// payout completed.
type Indicators interface {
	// RecordPayout stores a completed payment once per event (receipt)
	// and once per payout obligation, with the deadline steps it takes, in
	// one transaction.
	RecordPayout(ctx context.Context, receipt inbox.Receipt, p PayoutCompletion, steps []tracking.Step) error
	// DecidedOrWithdrawn returns the facts of the claims whose decision
	// took effect, or which were withdrawn, in [from, to).
	DecidedOrWithdrawn(ctx context.Context, from, to time.Time) ([]domain.ClaimFacts, error)
	// Tagged returns the facts of the claims tagged with a catastrophe.
	Tagged(ctx context.Context, code string) ([]domain.ClaimFacts, error)
}

// PayoutCompletion is a payment payout completed (payout-completed).
type PayoutCompletion struct {
	ObligationID string
	ClaimID      string
	PayoutType   string
	AmountFen    int64
	CompletedAt  time.Time
	RecordedAt   time.Time
}

// IndicatorReport is the service indicators over a period, per group, and
// their total.
type IndicatorReport struct {
	From, To    calendar.Date
	Group       string
	GeneratedAt time.Time
	Lines       []domain.IndicatorLine
	Total       domain.IndicatorLine
}

// CatastropheReport is the catastrophe daily report of one catastrophe.
type CatastropheReport struct {
	Code        string
	GeneratedAt time.Time
	Days        []domain.CatastropheDay
}

// RecordPayout keeps a payment payout completed, for the payment cycles of
// the indicators and the advances of the catastrophe report; payout's
// other events are not adjudication's business. A completed advance meets
// the claim's R7 obligation at the time it was paid (Insurance Law art.
// 25 asks for the payment, not its approval): paid after the due time, the
// obligation is missed.
func (s *Service) RecordPayout(ctx context.Context, e events.Envelope) error {
	if e.Type != events.PayoutCompleted.Name {
		return nil
	}
	var d events.PayoutData
	if err := events.DecodeData(e, events.PayoutCompleted, &d); err != nil {
		return err
	}
	at := e.Time
	if d.CompletedAt != nil {
		at = *d.CompletedAt
	}
	receipt := inbox.Receipt{Consumer: PayoutsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	var steps []tracking.Step
	if d.PayoutType == events.PayoutTypeAdvance && d.ClaimID != "" {
		steps = append(steps, tracking.Complete(tracking.ClaimSubject(d.ClaimID), deadline.AdvancePayment, at.UTC()).
			Proven(domain.AdvancePaidEvidence(d.ObligationID)))
	}
	return s.indicators.RecordPayout(ctx, receipt, PayoutCompletion{ObligationID: d.ObligationID, ClaimID: d.ClaimID,
		PayoutType: d.PayoutType, AmountFen: d.AmountFen, CompletedAt: at.UTC(), RecordedAt: s.now()}, steps)
}

// ServiceIndicators computes the indicators (R13) of the claims decided or
// withdrawn from from to to (Asia/Shanghai dates, both included), per
// branch or per handler, with the calendar in force.
func (s *Service) ServiceIndicators(ctx context.Context, from, to calendar.Date, group string) (IndicatorReport, error) {
	if to.Before(from) {
		return IndicatorReport{}, apperr.InvalidField("to", "must be on or after from")
	}
	if from.DaysUntil(to) >= tracking.MaxReportDays {
		return IndicatorReport{}, apperr.InvalidField("to", "a report covers at most %d days", tracking.MaxReportDays)
	}
	facts, err := s.indicators.DecidedOrWithdrawn(ctx, from.Start(), to.AddDays(1).Start())
	if err != nil {
		return IndicatorReport{}, err
	}
	calc, _ := s.deadline.Calendars().Active()
	lines, total, err := domain.Indicators(facts, group, calc)
	if err != nil {
		return IndicatorReport{}, err
	}
	return IndicatorReport{From: from, To: to, Group: group, GeneratedAt: s.now(), Lines: lines, Total: total}, nil
}

// CatastropheDailyReport computes the daily report of catastrophe code from
// from to to.
func (s *Service) CatastropheDailyReport(ctx context.Context, code string, from, to calendar.Date) (CatastropheReport, error) {
	if _, err := s.catastrophes.Get(ctx, code); err != nil {
		return CatastropheReport{}, err
	}
	facts, err := s.indicators.Tagged(ctx, code)
	if err != nil {
		return CatastropheReport{}, err
	}
	days, err := domain.CatastropheDaily(facts, from, to)
	if err != nil {
		return CatastropheReport{}, err
	}
	return CatastropheReport{Code: code, GeneratedAt: s.now(), Days: days}, nil
}
