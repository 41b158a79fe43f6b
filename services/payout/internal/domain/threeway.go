package domain

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/bankaccount"
)

// The kinds of authorisation adjudication gives a payment: the claimant's
// agreement to the amount decided, or an approved advance (R7, R8).
const (
	AuthorisedAgreement = "agreement"
	AuthorisedAdvance   = "advance"
)

// Authorisation is a payment adjudication authorised, as it answers
// GET /v1/payment-authorisations. ReferenceID is the case id of an
// agreement and the advance id of an advance; an agreement pays
// AmountFen - AdvancedFen. AccountFingerprint identifies the account
// without carrying it (bankaccount.Fingerprints: keyed, or unkeyed when
// adjudication stored it before it held the key).
type Authorisation struct {
	Kind               string
	ClaimID            string
	ReferenceID        string
	AmountFen          int64
	AdvancedFen        int64
	AccountFingerprint string
	AuthorisedAt       time.Time
}

// Execution is a transfer the bank executed (its statement): the
// idempotency key (the obligation id), the amount, the account masked to
// its last four digits, and when the money moved.
type Execution struct {
	Key           string
	AmountFen     int64
	AccountMasked string
	ExecutedAt    time.Time
}

// The statuses of a three-way reconciliation line.
// Unverified is a line that matches the bank but whose authorisation could
// not be checked because adjudication did not answer: no alarm yet, and
// the daily run tries again.
const (
	LineMatched    = "matched"
	LineUnmatched  = "unmatched"
	LineUnverified = "unverified"
)

// ThreeWayLine is one payment of the three-way reconciliation: what payout
// owes or paid, what adjudication authorised and what the bank executed.
// A line with issues is unmatched: an alarm and a finance report line.
type ThreeWayLine struct {
	ClaimID         string
	ObligationID    string
	BankKey         string
	Type            PayoutType
	State           State
	AmountFen       int64
	AuthorisedFen   *int64
	ExecutedFen     *int64
	AuthorisationID string
	Status          string
	Issues          []string
	// Found names each of Issues by a code with its values (amounts in
	// fen), in the same order, for a console to word it in its user's
	// language (issue 20).
	Found []Issue
}

// IssueNoExecution is the code of a payment recorded paid of which the
// bank's statement holds no execution under its key: the payment is held
// for a person (Obligation.NotExecuted).
const IssueNoExecution = "no_execution"

// Issue is one disagreement of a three-way line, by its code.
type Issue struct {
	Code   string
	Params map[string]string
}

// issue adds a disagreement in English and by its code, with params as
// name, value pairs.
func (l *ThreeWayLine) issue(code, text string, params ...string) {
	i := Issue{Code: code, Params: map[string]string{}}
	for k := 0; k+1 < len(params); k += 2 {
		i.Params[params[k]] = params[k+1]
	}
	l.Issues, l.Found = append(l.Issues, text), append(l.Found, i)
}

// ThreeWay matches every obligation (of the day) with its authorisation in
// adjudication (a final payment with the agreement of its claim, an advance
// with the advance of its id) and, once money moved, with the bank's
// execution of its key, in amount and payee; and lists every execution no
// obligation accounts for. A payee corrected after a failed or returned
// payment matches when its correction was confirmed by a second person (or
// needed none). Lines are ordered by claim and obligation. When authorised
// is false adjudication could not be asked: the authorisations are not
// checked, and a line without other issues is unverified. execs may hold
// the bank's transfers of days around day: an obligation of day is matched
// with its transfer whenever the money moved (a transfer at 23:59 paid by
// payout after midnight), but only transfers of day payout does not know
// are lines of day. The payee's account is compared with the authorised
// one's fingerprint under f (R11): keyed, or unkeyed when adjudication
// stored it before it held the key (bankaccount.MatchStoredAccount).
func ThreeWay(f *bankaccount.Fingerprints, day Period, obligations []Obligation, auths []Authorisation, execs []Execution, authorised bool) []ThreeWayLine {
	agreements, advances := map[string]Authorisation{}, map[string]Authorisation{}
	for _, a := range auths {
		switch a.Kind {
		case AuthorisedAgreement:
			agreements[a.ClaimID] = a
		case AuthorisedAdvance:
			advances[a.ReferenceID] = a
		}
	}
	byKey := map[string]Execution{}
	for _, e := range execs {
		byKey[e.Key] = e
	}
	known := map[string]bool{}
	var out []ThreeWayLine
	for _, o := range obligations {
		if o.State == StateCancelled {
			continue
		}
		known[o.ID] = true
		l := ThreeWayLine{ClaimID: o.ClaimID, ObligationID: o.ID, Type: o.Type, State: o.State, AmountFen: o.AmountFen}
		a, ok := agreements[o.ClaimID]
		what := "agreement"
		if o.Type == PayoutAdvance {
			// An advance approval authorises the advance of its own claim
			// only: its id on another claim is forged.
			a, ok = advances[o.ID]
			if !ok && o.Replaces != "" {
				// A replacement pays the advance the bank returned.
				a, ok = advances[o.Replaces]
			}
			ok = ok && a.ClaimID == o.ClaimID
			what = "advance approval"
		}
		switch {
		case !authorised:
			l.Status = LineUnverified
		case !ok:
			l.issue("not_authorised", fmt.Sprintf("no %s authorised in adjudication for this payment", what), "what", strings.ReplaceAll(what, " ", "_"))
		default:
			l.AuthorisationID = a.ReferenceID
			want := a.AmountFen
			if o.Type != PayoutAdvance {
				want = a.AmountFen - max(a.AdvancedFen, o.AdvancedFen)
				if o.AgreedAmountFen != a.AmountFen {
					l.issue("agreed_differs", fmt.Sprintf("agreed amount %d fen differs from the %d fen authorised", o.AgreedAmountFen, a.AmountFen),
						"agreed_fen", strconv.FormatInt(o.AgreedAmountFen, 10), "authorised_fen", strconv.FormatInt(a.AmountFen, 10))
				}
			}
			l.AuthorisedFen = &want
			if o.AmountFen != want {
				l.issue("amount_differs", fmt.Sprintf("amount %d fen differs from the %d fen authorised", o.AmountFen, want),
					"amount_fen", strconv.FormatInt(o.AmountFen, 10), "authorised_fen", strconv.FormatInt(want, 10))
			}
			confirmedCorrection := o.PayeeCorrectedBy != "" && (!o.ConfirmationRequired || o.PayeeConfirmedBy != "")
			if !f.MatchStoredAccount(a.AccountFingerprint, o.ClaimID, o.Payee.AccountNumber) && !confirmedCorrection {
				l.issue("other_account", "the payee's account is not the one authorised")
			}
		}
		if e, ok := byKey[o.ID]; ok {
			l.BankKey = e.Key
			fen := e.AmountFen
			l.ExecutedFen = &fen
			if e.AmountFen != o.AmountFen {
				l.issue("bank_amount_differs", fmt.Sprintf("the bank executed %d fen, not %d", e.AmountFen, o.AmountFen),
					"executed_fen", strconv.FormatInt(e.AmountFen, 10), "amount_fen", strconv.FormatInt(o.AmountFen, 10))
			}
			if e.AccountMasked != MaskAccount(o.Payee.AccountNumber) {
				l.issue("bank_other_account", "the bank paid another account than the payee's")
			}
		} else if o.State == StateCompleted || o.State == StateReversed {
			l.issue(IssueNoExecution, "no execution at the bank for a payment recorded as paid")
		}
		out = append(out, l.judged())
	}
	for _, e := range execs {
		if known[e.Key] || e.ExecutedAt.Before(day.From) || !e.ExecutedAt.Before(day.End()) {
			continue
		}
		fen := e.AmountFen
		l := ThreeWayLine{BankKey: e.Key, AmountFen: e.AmountFen, ExecutedFen: &fen}
		l.issue("no_payment", "the bank executed a transfer payout has no payment for")
		out = append(out, l.judged())
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ClaimID != out[j].ClaimID {
			return out[i].ClaimID < out[j].ClaimID
		}
		return out[i].ObligationID+out[i].BankKey < out[j].ObligationID+out[j].BankKey
	})
	return out
}

func (l ThreeWayLine) judged() ThreeWayLine {
	switch {
	case len(l.Issues) > 0:
		l.Status = LineUnmatched
	case l.Status != LineUnverified:
		l.Status = LineMatched
	}
	return l
}

// Unmatched returns the lines with issues.
func Unmatched(lines []ThreeWayLine) []ThreeWayLine {
	var out []ThreeWayLine
	for _, l := range lines {
		if l.Status == LineUnmatched {
			out = append(out, l)
		}
	}
	return out
}
