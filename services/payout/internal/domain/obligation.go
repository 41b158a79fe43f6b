// Package domain holds payout's rules about payment obligations, their
// payees and the notices of their results. Amounts are integer fen (1/100
// yuan), currency CNY; never floating point.
package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
)

// PayoutType tells what an obligation pays: final payments from agreements
// (R6), advances (R7, R8) approved by adjudication; offsets are part of
// the finance contract, not produced yet.
type PayoutType string

// The payout types.
const (
	PayoutFinal   PayoutType = "final"
	PayoutAdvance PayoutType = "advance"
	PayoutOffset  PayoutType = "offset"
)

// State is where an obligation stands.
//
//	scheduled ──submit──► sent ──bank: succeeded──► completed ──bank returned it──► reversed
//	    ▲                  │ bank: timeout (transient): back to scheduled, later
//	    │                  └ bank: invalid account, rejected (permanent) ──► failed
//	    └──── payee details corrected by a handler ◄──────────────────────────┘
//
// Above the segregation-of-duties threshold a new or corrected payment
// first waits in awaiting_payee_confirmation until a second senior
// confirms the payee (then scheduled) or refuses it (then failed).
//
// An advance (R7, R8) still scheduled or failed when its claim is rejected
// is cancelled: no money moved, and none is owed (see Cancel).
type State string

// The states of an obligation. A sent obligation's outcome is asked of the
// bank until it is known: the bank may have executed the transfer even when
// payout never heard its answer.
const (
	StateScheduled State = "scheduled"
	StateSent      State = "sent"
	StateCompleted State = "completed"
	StateFailed    State = "failed"
	StateReversed  State = "reversed"
)

// Currency is the only currency paid.
const Currency = "CNY"

// Delays of the execution: a sent transfer is first asked about when the
// bank's answer said it settles (the executor times that check: see
// app.Controls.CheckAt), or FirstCheck after the answer when the bank did
// not say; the sent mark itself says UnansweredCheck, for a transfer whose
// answer was never seen (the process stopped, the answer was lost) or
// whose timed check did not run. A transfer still pending is asked again
// after half the time it has been waiting, at least FirstCheck and at most
// MaxCheck; a transient failure is retried after 1 s, 2 s, 4 s ... at most
// MaxBackoff.
const (
	FirstCheck = 250 * time.Millisecond
	// UnansweredCheck is later than the bank's usual settlement, so that
	// the executor's rounds do not ask about a transfer before the check
	// timed by the bank's answer does, and find it pending (issue 21's
	// fourteenth round: each such early check cost a transaction).
	UnansweredCheck = time.Second
	MaxCheck        = time.Minute
	MaxBackoff      = 5 * time.Minute
	// PayeeHold is how long a payment whose payee cannot be opened waits
	// before it is tried again (Hold).
	PayeeHold = time.Hour
)

// ErrNothingToPay means an agreement is fully covered by advances already
// paid: no obligation is created.
var ErrNothingToPay = errors.New("the agreed amount is fully covered by advances")

// Agreement is what payout needs of the claimant's agreement to the amount
// (R6: pay within 10 days of it, or PaymentPeriodDays of the contract).
type Agreement struct {
	ClaimID           string
	CaseID            string
	PolicyNumber      string
	AmountFen         int64
	AdvancedFen       int64
	Currency          string
	Payee             Payee
	AgreedAt          time.Time
	PaymentPeriodDays int
}

// Obligation is a payment the company owes on a claim. Its id is also the
// idempotency key at the bank: the bank moves money at most once per key,
// so a transfer asked again after a crash or a lost answer is never made
// twice. Attempts counts the transfers asked of the bank; the bank reports
// which attempt it last saw, so that a stale answer is never taken for the
// current one.
type Obligation struct {
	ID               string
	ClaimID          string
	CaseID           string
	PolicyNumber     string
	Type             PayoutType
	AmountFen        int64
	AgreedAmountFen  int64
	AdvancedFen      int64
	Currency         string
	Payee            Payee
	State            State
	Attempts         int
	LastError        string
	BankReference    string
	AgreedAt         time.Time
	ScheduledAt      time.Time
	NextAttemptAt    time.Time
	SentAt           *time.Time
	CompletedAt      *time.Time
	ReversedAt       *time.Time
	ReversalReason   string
	Replaces         string
	PayeeCorrectedBy string
	PayeeCorrectedAt *time.Time
	// Priority puts an advance of a catastrophe's claim before ordinary
	// payments (R8); Ground and CatastropheCode say why an advance is paid.
	Priority        bool
	Ground          string
	CatastropheCode string
	// Parties are the people who decided, approved, recorded or corrected
	// the payment and its payee: none of them may confirm the payee
	// (segregation of duties). ConfirmationRequired is set on a payment
	// above the threshold; it is sent only once PayeeConfirmedBy is set.
	Parties              []string
	ConfirmationRequired bool
	PayeeConfirmedBy     string
	PayeeConfirmedAt     *time.Time
	// TraceParent is the trace context of the instruction that created the
	// obligation, opaque here: the bank call continues that trace.
	TraceParent string
	// PayeeUnreadable says why the sealed payee could not be opened (its
	// ciphertext damaged, or sealed under a key no longer configured); the
	// Payee is then empty, and the obligation is held, never sent (Hold).
	PayeeUnreadable string
}

// NewFinalObligation returns the obligation to pay an agreement: the agreed
// amount less the advances already paid, so that the claim is never paid
// more than agreed in total. It returns ErrNothingToPay when advances cover
// it all.
func NewFinalObligation(id string, a Agreement, now time.Time) (Obligation, error) {
	switch {
	case a.ClaimID == "":
		return Obligation{}, apperr.InvalidField("claim_id", "is required")
	case a.AmountFen <= 0:
		return Obligation{}, apperr.InvalidField("amount_fen", "the agreed amount %d fen is not positive", a.AmountFen)
	case a.AdvancedFen < 0:
		return Obligation{}, apperr.InvalidField("advanced_fen", "must not be negative")
	case a.AdvancedFen > a.AmountFen:
		return Obligation{}, apperr.InvalidField("advanced_fen", "advances of %d fen exceed the agreed %d fen", a.AdvancedFen, a.AmountFen)
	case a.Currency != Currency:
		return Obligation{}, apperr.InvalidField("currency", "must be %s", Currency)
	case a.AgreedAt.IsZero():
		return Obligation{}, apperr.InvalidField("agreed_at", "is required: it starts the payment deadline (R6)")
	case a.PaymentPeriodDays < 0:
		return Obligation{}, apperr.InvalidField("payment_period_days", "must not be negative")
	case a.AdvancedFen == a.AmountFen:
		return Obligation{}, ErrNothingToPay
	}
	payee, err := CheckPayee(a.Payee, "payee.")
	if err != nil {
		return Obligation{}, err
	}
	t := now.UTC()
	return Obligation{ID: id, ClaimID: a.ClaimID, CaseID: a.CaseID, PolicyNumber: a.PolicyNumber, Type: PayoutFinal,
		AmountFen: a.AmountFen - a.AdvancedFen, AgreedAmountFen: a.AmountFen, AdvancedFen: a.AdvancedFen, Currency: Currency,
		Payee: payee, State: StateScheduled, AgreedAt: a.AgreedAt.UTC(), ScheduledAt: t, NextAttemptAt: t}, nil
}

// SameTerms tells whether o pays what a second agreement for its claim asks:
// then the second one is a repeat and changes nothing.
func (o *Obligation) SameTerms(a Agreement) bool {
	return o.AgreedAmountFen == a.AmountFen && o.AdvancedFen == a.AdvancedFen
}

func (o *Obligation) refuse(what string) error {
	return apperr.New(apperr.Conflict, "cannot %s: obligation %s is %s", what, o.ID, o.State)
}

// Submit records that a transfer is about to be asked of the bank: it is
// stored before the bank is called, so that after a crash the bank is asked
// what became of it, UnansweredCheck later.
func (o *Obligation) Submit(now time.Time) error {
	if o.State != StateScheduled {
		return o.refuse("submit")
	}
	if o.ConfirmationRequired && o.PayeeConfirmedBy == "" {
		return apperr.New(apperr.Conflict, "cannot submit: the payee of obligation %s is not confirmed by a second person", o.ID)
	}
	if o.PayeeUnreadable != "" {
		return apperr.New(apperr.Conflict, "cannot submit: the payee of obligation %s cannot be opened", o.ID)
	}
	t := now.UTC()
	o.State, o.SentAt, o.NextAttemptAt = StateSent, &t, t.Add(UnansweredCheck)
	o.Attempts++
	return nil
}

// Hold records that o's payee cannot be opened (PayeeUnreadable): o stays
// as it is, scheduled or sent, never (again) sent to an empty or a wrong
// account, and is tried again after PayeeHold, when the key may be back.
// The payment is still owed: its R6 deadline stays open.
func (o *Obligation) Hold(now time.Time) {
	o.LastError = "held: the payee cannot be opened: " + o.PayeeUnreadable
	o.NextAttemptAt = now.UTC().Add(PayeeHold)
}

// Resubmitted records that the transfer was asked of the bank again
// because the bank had not received it (the process stopped before the
// call got through); it is the same attempt.
func (o *Obligation) Resubmitted(now time.Time) {
	t := now.UTC()
	o.SentAt, o.NextAttemptAt = &t, t.Add(FirstCheck)
}

// Pending records that the bank has the transfer but no result yet: ask
// again after half the time it has waited, between FirstCheck and MaxCheck.
func (o *Obligation) Pending(now time.Time) {
	wait := FirstCheck
	if o.SentAt != nil {
		wait = min(max(now.Sub(*o.SentAt)/2, FirstCheck), MaxCheck)
	}
	o.NextAttemptAt = now.UTC().Add(wait)
}

// Complete records the bank's confirmation of the transfer, settled at
// settledAt: the value date.
func (o *Obligation) Complete(bankReference string, settledAt time.Time) error {
	if o.State != StateSent {
		return o.refuse("complete")
	}
	if bankReference == "" {
		return errors.New("a completed transfer needs the bank's reference")
	}
	t := settledAt.UTC()
	o.State, o.BankReference, o.CompletedAt, o.LastError = StateCompleted, bankReference, &t, ""
	return nil
}

// PaymentEvidence is the evidence of the step that meets a payment's R6
// deadline (tracking.Step.Proven): the obligation of id, completed by the
// bank. Payout's deadline witness finds it in the obligation's row.
func PaymentEvidence(obligationID string) string { return "payment:" + obligationID }

// RetryLater records a transient failure and schedules the transfer again
// after 1 s, 2 s, 4 s ... at most MaxBackoff.
func (o *Obligation) RetryLater(reason string, now time.Time) error {
	if o.State != StateSent {
		return o.refuse("retry")
	}
	backoff := time.Second << min(max(o.Attempts-1, 0), 10)
	o.State, o.LastError, o.NextAttemptAt = StateScheduled, reason, now.UTC().Add(min(backoff, MaxBackoff))
	return nil
}

// Fail records a permanent failure (invalid account, rejected): a handler
// must correct the payee details first. The payment is still owed, and its
// R6 deadline stays open.
func (o *Obligation) Fail(reason string) error {
	if o.State != StateSent {
		return o.refuse("fail")
	}
	o.State, o.LastError = StateFailed, reason
	return nil
}

// NotExecuted holds for a person a payment recorded completed whose
// transfer the bank never executed (the three-way reconciliation found no
// execution under its key): its completion was not the bank's answer but a
// row payout's run-time role wrote (red team, session 17). It fails with
// reason, without the completion's reference and time, and waits like a
// payment the bank refused: a handler who asked the bank corrects (or puts
// back) its payee, with the bank's verification and a second senior above
// the threshold, and it is sent again under its own key, which the bank
// executes at most once. Nothing sends it again on its own: the made-up
// completion may hide a transfer made another way.
func (o *Obligation) NotExecuted(reason string) error {
	if o.State != StateCompleted {
		return o.refuse("hold")
	}
	o.State, o.LastError, o.BankReference, o.CompletedAt = StateFailed, reason, "", nil
	return nil
}

// CorrectPayee replaces the payee details of a failed obligation with those
// a handler confirmed with the claimant. A payment of more than
// thresholdFen then waits for a second senior to confirm the new payee (the
// corrector joins the people who may not); a smaller one is scheduled
// again at once when it pays the same person (name, role and the person an
// agent collects for): adjudication checked who may be paid only for the
// payee it named, so a correction to another person waits for a second
// senior whatever the amount (issue 14). A payee that waited for a
// confirmation and was refused, not confirmed, waits again whatever the
// amount: the hold did not come from the amount alone (ActsOnOwnEntry, a
// blocking signal), so the same payee put back is no new person's check.
func (o *Obligation) CorrectPayee(p Payee, by string, thresholdFen int64, now time.Time) error {
	if o.State != StateFailed {
		return o.refuse("correct the payee of")
	}
	payee, err := CheckPayee(p, "")
	if err != nil {
		return err
	}
	if strings.TrimSpace(by) == "" {
		return apperr.New(apperr.Unauthenticated, "sign in first")
	}
	if !samePayee(o.Payee, payee) || o.ConfirmationRequired && o.PayeeConfirmedBy == "" {
		thresholdFen = 0
	}
	t := now.UTC()
	o.Payee, o.State, o.NextAttemptAt, o.PayeeCorrectedBy, o.PayeeCorrectedAt = payee, StateScheduled, t, strings.TrimSpace(by), &t
	o.AddParties(by)
	o.ConfirmationRequired, o.PayeeConfirmedBy, o.PayeeConfirmedAt = false, "", nil
	o.HoldForConfirmation(thresholdFen)
	return nil
}

// ReplaceUnreadablePayee gives a held payment whose sealed payee cannot be
// opened (PayeeUnreadable: its ciphertext damaged, or sealed under a key no
// longer configured) the payee a handler, by, confirmed with the claimant,
// for reason. Nobody can compare the new payee with the one agreed, since
// that one no longer opens; so two things stand in for the comparison. The
// account must be the one adjudication authorised the payment to (auth,
// its keyed fingerprint under f, bound to the claim: R11): a handler
// cannot send the money elsewhere (payee_not_entitled). And whatever the
// amount, a second senior who had no hand in the payment, nor in this
// correction (by joins o.Parties), confirms the payee before anything is
// sent (ConfirmPayee): the payment waits in StateAwaitingConfirmation.
// Only a payment not at the bank is taken (scheduled, waiting for a
// confirmation, or refused by the bank: failed): a sent one waits for the
// bank's answer, asked by its key. A payment whose
// payee opens is corrected by CorrectPayee, once the bank refused it; a
// request repeated after the payee was supplied finds it readable and is
// refused, changing nothing.
func (o *Obligation) ReplaceUnreadablePayee(p Payee, by, reason string, f *bankaccount.Fingerprints, auth *Authorisation, now time.Time) error {
	switch {
	case strings.TrimSpace(by) == "":
		return apperr.New(apperr.Unauthenticated, "sign in first")
	case o.PayeeUnreadable == "":
		return apperr.New(apperr.Conflict, "the payee of obligation %s opens: it is corrected only once the bank refused the payment", o.ID)
	case o.State != StateScheduled && o.State != StateAwaitingConfirmation && o.State != StateFailed:
		return o.refuse("replace the unreadable payee of")
	}
	reason, err := checkReason(reason, "say how the payee was confirmed with the claimant")
	if err != nil {
		return err
	}
	payee, err := CheckPayee(p, "")
	if err != nil {
		return err
	}
	switch {
	case auth == nil:
		return apperr.New(apperr.Unavailable, "adjudication's authorisation of payment %s could not be found: the account cannot be checked", o.ID)
	case !f.MatchStoredAccount(auth.AccountFingerprint, o.ClaimID, payee.AccountNumber):
		return &apperr.Error{Code: apperr.PayeeNotEntitled, Field: "account_number",
			Message: fmt.Sprintf("the account is not the one adjudication authorised payment %s to", o.ID)}
	}
	t := now.UTC()
	o.Payee, o.PayeeUnreadable, o.PayeeCorrectedBy, o.PayeeCorrectedAt = payee, "", strings.TrimSpace(by), &t
	o.AddParties(by)
	o.ConfirmationRequired, o.PayeeConfirmedBy, o.PayeeConfirmedAt = true, "", nil
	o.State, o.NextAttemptAt = StateAwaitingConfirmation, t
	o.LastError = "payee supplied by " + strings.TrimSpace(by) + " for one that could not be opened: a second senior confirms it"
	return nil
}

// AuthorisationOf returns adjudication's authorisation of o among auths:
// the agreement of its claim for a final payment; for an advance, the
// approval of that advance (or of the one it pays again), on its own claim
// only.
func AuthorisationOf(o Obligation, auths []Authorisation) (Authorisation, bool) {
	for _, a := range auths {
		switch {
		case a.ClaimID != o.ClaimID:
		case o.Type == PayoutAdvance && a.Kind == AuthorisedAdvance && (a.ReferenceID == o.ID || o.Replaces != "" && a.ReferenceID == o.Replaces):
			return a, true
		case o.Type != PayoutAdvance && a.Kind == AuthorisedAgreement:
			return a, true
		}
	}
	return Authorisation{}, false
}

// maxReason bounds reasons.
const maxReason = 500

// checkReason trims a reason and checks it is given (ask says what for)
// and at most maxReason characters long.
func checkReason(reason, ask string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", apperr.InvalidField("reason", "is required: %s", ask)
	case len([]rune(reason)) > maxReason:
		return "", apperr.InvalidField("reason", "must be at most %d characters", maxReason)
	}
	return reason, nil
}

// Reverse records that the bank returned a completed payment (退汇) at at,
// for reason. The money is owed again: Replacement returns the obligation
// that pays it.
func (o *Obligation) Reverse(reason string, at time.Time) error {
	if o.State != StateCompleted {
		return o.refuse("reverse")
	}
	reason, err := checkReason(reason, "say why the bank returned the payment")
	switch {
	case err != nil:
		return err
	case o.CompletedAt != nil && at.Before(*o.CompletedAt):
		return apperr.InvalidField("returned_at", "is before the payment completed (%s)", o.CompletedAt.Format(time.RFC3339))
	}
	t := at.UTC()
	o.State, o.ReversedAt, o.ReversalReason = StateReversed, &t, reason
	return nil
}

// Replacement returns the obligation that pays a reversed one again, with
// its own id (a new idempotency key at the bank). It waits, failed, for a
// handler to confirm or correct the payee details, since the bank refused
// the account it was paid to.
func (o *Obligation) Replacement(id string, now time.Time) (Obligation, error) {
	if o.State != StateReversed {
		return Obligation{}, o.refuse("replace")
	}
	t := now.UTC()
	return Obligation{ID: id, ClaimID: o.ClaimID, CaseID: o.CaseID, PolicyNumber: o.PolicyNumber, Type: o.Type,
		AmountFen: o.AmountFen, AgreedAmountFen: o.AgreedAmountFen, AdvancedFen: o.AdvancedFen, Currency: o.Currency,
		Payee: o.Payee, State: StateFailed, AgreedAt: o.AgreedAt, ScheduledAt: t, NextAttemptAt: t, Replaces: o.ID,
		Priority: o.Priority, Ground: o.Ground, CatastropheCode: o.CatastropheCode, Parties: slices.Clone(o.Parties),
		LastError: fmt.Sprintf("the bank returned payment %s (%s): confirm or correct the payee details", o.ID, o.ReversalReason)}, nil
}

// ValueDate is the Asia/Shanghai date on which the money moved, or "" while
// it has not.
func (o *Obligation) ValueDate(shanghai *time.Location) string {
	if o.CompletedAt == nil {
		return ""
	}
	return o.CompletedAt.In(shanghai).Format(time.DateOnly)
}
