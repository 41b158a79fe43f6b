package domain

import (
	"fmt"
	"strings"
	"time"

	"claims.local/pkg/apperr"
)

// StateCancelled is an advance that was never sent to the bank and is owed
// no more: its claim was rejected (no money moved).
const StateCancelled State = "cancelled"

// The grounds of an advance: a catastrophe's fast track (R8) or the amount
// that could be determined when the full amount takes longer than 60 days
// (R7, Insurance Law art. 25).
const (
	GroundCatastrophe = "catastrophe"
	GroundSixtyDays   = "sixty-days"
)

// Advance is what payout needs of an approved advance (预付赔款).
type Advance struct {
	ID              string
	ClaimID         string
	CaseID          string
	PolicyNumber    string
	Ground          string
	CatastropheCode string
	AmountFen       int64
	Currency        string
	Payee           Payee
	Priority        bool
}

// NewAdvanceObligation returns the obligation to pay an advance at once.
// Its id is the advance's id, so that the advance is paid once however
// often it is announced; Priority puts it before ordinary payments (R8).
func NewAdvanceObligation(a Advance, now time.Time) (Obligation, error) {
	switch {
	case strings.TrimSpace(a.ID) == "":
		return Obligation{}, apperr.InvalidField("advance_id", "is required")
	case a.ClaimID == "":
		return Obligation{}, apperr.InvalidField("claim_id", "is required")
	case a.Ground != GroundCatastrophe && a.Ground != GroundSixtyDays:
		return Obligation{}, apperr.InvalidField("ground", "must be %s or %s", GroundCatastrophe, GroundSixtyDays)
	case a.AmountFen <= 0:
		return Obligation{}, apperr.InvalidField("amount_fen", "the advance of %d fen is not positive", a.AmountFen)
	case a.Currency != Currency:
		return Obligation{}, apperr.InvalidField("currency", "must be %s", Currency)
	}
	payee, err := CheckPayee(a.Payee, "payee.")
	if err != nil {
		return Obligation{}, err
	}
	t := now.UTC()
	return Obligation{ID: a.ID, ClaimID: a.ClaimID, CaseID: a.CaseID, PolicyNumber: a.PolicyNumber, Type: PayoutAdvance,
		AmountFen: a.AmountFen, Currency: Currency, Payee: payee, State: StateScheduled, ScheduledAt: t, NextAttemptAt: t,
		Priority: a.Priority, Ground: a.Ground, CatastropheCode: a.CatastropheCode}, nil
}

// Counts reports whether an advance obligation is money paid or owed on
// its claim: scheduled, sent, completed, or failed until the payee is
// corrected. A reversed one is paid again by its replacement, which counts
// instead; a cancelled one is owed no more.
func (o *Obligation) Counts() bool {
	return o.Type == PayoutAdvance && o.State != StateReversed && o.State != StateCancelled
}

// AdvancedFen is what the advances of a claim pay or owe: the sum of those
// that count.
func AdvancedFen(advances []Obligation) int64 {
	var sum int64
	for _, a := range advances {
		if a.Counts() {
			sum += a.AmountFen
		}
	}
	return sum
}

// Settle returns the final settlement of an agreement on a claim whose
// advances pay or owe paidFen: the agreed amount less the larger of the
// advances the agreement names and those payout pays (either may lag the
// other; taking the larger never pays more than agreed), and the excess of
// the advances over the agreed amount, owed back by the claimant. An
// agreement naming more advances than its amount is refused (an error of
// the event, for a person).
func Settle(a Agreement, paidFen int64) (Agreement, int64) {
	if paidFen > a.AmountFen && a.AdvancedFen <= a.AmountFen {
		a.AdvancedFen = a.AmountFen
		return a, paidFen - a.AmountFen
	}
	a.AdvancedFen = max(a.AdvancedFen, paidFen)
	return a, 0
}

// Cancel ends an advance that never reached the bank (scheduled, or failed
// before a corrected payee was given) because its claim was rejected. A
// sent or completed one cannot be cancelled: its money may have moved.
func (o *Obligation) Cancel(reason string) error {
	if o.Type != PayoutAdvance || (o.State != StateScheduled && o.State != StateFailed) {
		return o.refuse("cancel")
	}
	o.State, o.LastError = StateCancelled, reason
	return nil
}

// Recovery is an amount a claimant owes back: advances paid on a claim
// rejected afterwards, or advances above the amount agreed. Finance is
// told (events.RecoveryDue) and collects it.
type Recovery struct {
	ID              string
	ClaimID         string
	ObligationIDs   []string
	AmountFen       int64
	Reason          string
	CatastropheCode string
	PolicyNumber    string
	Payee           Payee
	RecordedAt      time.Time
}

// RecoverAdvances settles the advances of a claim rejected at decidedAt:
// those not sent to the bank are cancelled, and the money of those sent or
// completed is owed back. It returns the recovery, with AmountFen 0 when
// nothing was paid.
func RecoverAdvances(id string, advances []*Obligation, reason string, now time.Time) Recovery {
	r := Recovery{ID: id, Reason: reason, RecordedAt: now.UTC()}
	for _, o := range advances {
		if r.ClaimID == "" {
			r.ClaimID, r.PolicyNumber = o.ClaimID, o.PolicyNumber
		}
		switch o.State {
		case StateScheduled, StateFailed:
			_ = o.Cancel("the claim was rejected: " + reason)
		case StateSent, StateCompleted:
			r.ObligationIDs = append(r.ObligationIDs, o.ID)
			r.AmountFen += o.AmountFen
			if r.CatastropheCode == "" {
				r.CatastropheCode = o.CatastropheCode
			}
			if r.Payee == (Payee{}) {
				r.Payee = o.Payee
			}
		}
	}
	return r
}

// ExcessRecovery is the recovery of advances paid above the amount agreed
// on a claim.
func ExcessRecovery(id string, a Agreement, advances []Obligation, excessFen int64, now time.Time) Recovery {
	r := Recovery{ID: id, ClaimID: a.ClaimID, PolicyNumber: a.PolicyNumber, AmountFen: excessFen, RecordedAt: now.UTC(), Payee: a.Payee,
		Reason: fmt.Sprintf("advances of %d fen exceed the agreed amount of %d fen", a.AdvancedFen+excessFen, a.AmountFen)}
	for _, o := range advances {
		if o.Counts() {
			r.ObligationIDs = append(r.ObligationIDs, o.ID)
			if r.CatastropheCode == "" {
				r.CatastropheCode = o.CatastropheCode
			}
		}
	}
	return r
}
