package domain

import (
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
)

// StateAwaitingConfirmation is an obligation whose payee waits for a second
// person's confirmation before anything is sent to the bank (segregation of
// duties, issue 14). Its R6 deadline keeps running: a delay here is a delay.
const StateAwaitingConfirmation State = "awaiting_payee_confirmation"

// DefaultPayeeConfirmationThresholdFen is RMB 5,000: a payment of more than
// this is sent only once a senior who had no hand in its amount or payee
// confirmed the payee.
const DefaultPayeeConfirmationThresholdFen = 500_000

// NeedsPayeeConfirmation tells whether a payment of amountFen needs a
// second person to confirm its payee: above thresholdFen. A threshold of
// zero or less holds every payment.
func NeedsPayeeConfirmation(amountFen, thresholdFen int64) bool {
	return amountFen > thresholdFen
}

// SamePerson tells whether two subjects name the same person, compared as
// every service compares them (auth.SameSubject): a padded, re-cased,
// full-width or otherwise compatible spelling is the same person.
func SamePerson(a, b string) bool { return auth.SameSubject(a, b) }

// ThresholdLeft is the segregation-of-duties threshold for a further
// payment on a claim whose advances are advances: thresholdFen less what
// those that count pay without a second person's confirmation. One payment
// split into several below the threshold is thus held as soon as the parts
// together exceed it (issue 14); at zero or less every further payment is
// held.
func ThresholdLeft(thresholdFen int64, advances []Obligation) int64 {
	left := thresholdFen
	for _, a := range advances {
		if a.Counts() && !a.ConfirmationRequired {
			left -= a.AmountFen
		}
	}
	return left
}

// AddParties adds to the people excluded from confirming o's payee those of
// who that are named and not yet there.
func (o *Obligation) AddParties(who ...string) {
	for _, w := range who {
		w = strings.TrimSpace(w)
		if w == "" || slices.ContainsFunc(o.Parties, func(p string) bool { return SamePerson(p, w) }) {
			continue
		}
		o.Parties = append(o.Parties, w)
	}
}

// ActsOnOwnEntry reports whether any of actors (who approved, offered,
// decided or recorded a payment) entered or corrected what its claim rests
// on (enteredBy, from adjudication's event). Adjudication refuses such a
// decision, agreement or advance; payout does not rely on that alone: a
// payment one person both entered the ground for and approved waits for a
// second senior whatever its amount, so no one pays alone an account they
// put on the claim themselves.
func ActsOnOwnEntry(enteredBy []string, actors ...string) bool {
	for _, a := range actors {
		if strings.TrimSpace(a) != "" && slices.ContainsFunc(enteredBy, func(e string) bool { return SamePerson(e, a) }) {
			return true
		}
	}
	return false
}

// HoldForConfirmation puts a new obligation of more than thresholdFen in
// StateAwaitingConfirmation: nothing goes to the bank until a second senior
// confirms its payee.
func (o *Obligation) HoldForConfirmation(thresholdFen int64) {
	if !NeedsPayeeConfirmation(o.AmountFen, thresholdFen) {
		return
	}
	o.ConfirmationRequired, o.PayeeConfirmedBy, o.PayeeConfirmedAt = true, "", nil
	if o.State == StateScheduled {
		o.State = StateAwaitingConfirmation
	}
}

// MayConfirmPayee tells whether subject, a senior handler when senior is
// set, may confirm or reject the payee of o: a senior who is none of the
// people who decided, approved, recorded or corrected it, or entered what
// the claim rests on (o.Parties).
func (o *Obligation) MayConfirmPayee(subject string, senior bool) error {
	switch {
	case strings.TrimSpace(subject) == "":
		return apperr.New(apperr.Unauthenticated, "sign in first")
	case !senior:
		return apperr.New(apperr.Forbidden, "only a senior handler may confirm the payee of a payment above the threshold")
	case slices.ContainsFunc(o.Parties, func(p string) bool { return SamePerson(p, subject) }):
		return apperr.New(apperr.Forbidden, "%s decided, approved, recorded or corrected this payment or entered what its claim rests on: a second person must confirm its payee", strings.TrimSpace(subject))
	}
	return nil
}

// ConfirmPayee records that by, a senior who had no hand in the payment,
// confirmed its payee, and schedules it at once. It reports false when by
// had already confirmed it (a repeat changes nothing); a payment confirmed
// by someone else, or not waiting, is a conflict. From here until the bank
// has it the payee cannot change (CorrectPayee takes only failed payments).
func (o *Obligation) ConfirmPayee(by string, senior bool, now time.Time) (bool, error) {
	if err := o.MayConfirmPayee(by, senior); err != nil {
		return false, err
	}
	if o.State != StateAwaitingConfirmation {
		if o.PayeeConfirmedBy != "" && SamePerson(o.PayeeConfirmedBy, by) {
			return false, nil
		}
		return false, o.refuse("confirm the payee of")
	}
	t := now.UTC()
	o.State, o.PayeeConfirmedBy, o.PayeeConfirmedAt, o.NextAttemptAt = StateScheduled, strings.TrimSpace(by), &t, t
	return true, nil
}

// RejectPayee records that by, a senior who had no hand in the payment,
// refused its payee for reason: the payment fails and waits for a
// corrected payee (which needs a confirmation again).
func (o *Obligation) RejectPayee(by string, senior bool, reason string) error {
	if err := o.MayConfirmPayee(by, senior); err != nil {
		return err
	}
	if o.State != StateAwaitingConfirmation {
		return o.refuse("reject the payee of")
	}
	reason, err := checkReason(reason, "say why the payee is refused")
	if err != nil {
		return err
	}
	o.State, o.LastError = StateFailed, "payee refused by "+strings.TrimSpace(by)+": "+reason
	return nil
}

// PayeeChange is one entry of the append-only audit trail of an
// obligation's payee: set from an event, corrected, confirmed or refused,
// by whom, when and why, with the payee before and after masked (R11).
type PayeeChange struct {
	ID           string
	ObligationID string
	ClaimID      string
	Action       string
	By           string
	Reason       string
	Before       *MaskedPayee
	After        *MaskedPayee
	At           time.Time
}

// The actions of the payee audit trail.
const (
	PayeeSet       = "set"
	PayeeCorrected = "corrected"
	PayeeConfirmed = "confirmed"
	PayeeRejected  = "rejected"
	// PayeeReplaced is a payee supplied for one that could not be opened
	// (ReplaceUnreadablePayee).
	PayeeReplaced = "replaced_unreadable"
)

// Change returns the audit entry of action on o's payee by who.
func (o *Obligation) Change(id, action, by, reason string, before *Payee, now time.Time) PayeeChange {
	c := PayeeChange{ID: id, ObligationID: o.ID, ClaimID: o.ClaimID, Action: action, By: strings.TrimSpace(by), Reason: reason, At: now.UTC()}
	if before != nil && *before != (Payee{}) {
		m := before.Masked()
		c.Before = &m
	}
	if o.Payee != (Payee{}) {
		m := o.Payee.Masked()
		c.After = &m
	}
	return c
}
