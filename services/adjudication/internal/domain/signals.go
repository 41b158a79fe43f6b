package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
)

// SignalKind names a fraud signal (issue 14).
type SignalKind string

// The fraud signals. Each says in plain words what was found; which of them
// block is configured (SignalPolicy).
const (
	// SignalSharedAccount: the account paid is also paid on claims of
	// other, unrelated insureds.
	SignalSharedAccount SignalKind = "shared_account"
	// SignalEmployeeAccount: the account paid belongs to an employee
	// (the registry loaded with PUT /v1/employees).
	SignalEmployeeAccount SignalKind = "employee_account"
	// SignalClaimBurst: the insured made several claims in a short period.
	SignalClaimBurst SignalKind = "claim_burst"
	// SignalPayeeChanged: the payee differs from the one given earlier on
	// the claim (an advance's), changed after the decision.
	SignalPayeeChanged SignalKind = "payee_changed"
)

// SignalKinds lists the fraud signals.
func SignalKinds() []SignalKind {
	return []SignalKind{SignalSharedAccount, SignalEmployeeAccount, SignalClaimBurst, SignalPayeeChanged}
}

// Signal is a fraud signal raised on a case: what, why in plain words,
// whether it blocks, by whose action and when.
type Signal struct {
	Kind        SignalKind
	Explanation string
	// Params are the values of Explanation, for a console to word the
	// signal of its kind in its user's language (issue 20).
	Params   map[string]string
	Blocking bool
	RaisedBy string
	At       time.Time
}

// SignalPolicy is how the signals are raised: which block (an approval or a
// payment then needs a senior handler, not the decider), and how many
// claims of one insured within Window make a burst.
type SignalPolicy struct {
	Blocking    []SignalKind
	BurstClaims int
	BurstWindow time.Duration
}

// ParseSignalKinds reads a comma-separated list of signal kinds.
func ParseSignalKinds(s string) ([]SignalKind, error) {
	var out []SignalKind
	for _, part := range strings.Split(s, ",") {
		k := SignalKind(strings.TrimSpace(part))
		if k == "" {
			continue
		}
		if !slices.Contains(SignalKinds(), k) {
			return nil, fmt.Errorf("unknown fraud signal %q", k)
		}
		out = append(out, k)
	}
	return out, nil
}

// AccountKey is the keyed hash (HMAC-SHA-256) of an account number's
// digits, by which adjudication compares accounts across claims and with
// the employee registry without keeping them. "" without a key.
func AccountKey(key []byte, account string) string { return bankaccount.Key(key, account) }

// AccountUse is an account's use on another claim: its insured.
type AccountUse struct {
	ClaimID     string
	InsuredName string
}

// SignalFacts is what the signals of a payment read: the other claims the
// account is paid on, the employee it belongs to ("" for none), and the
// account's key.
type SignalFacts struct {
	AccountKey string
	Uses       []AccountUse
	Employee   string
}

// paymentSignals returns the signals of paying payee with facts on c.
func (c *Case) paymentSignals(payee Payee, f SignalFacts, insured string) []Signal {
	var out []Signal
	var others []string
	for _, u := range f.Uses {
		if u.ClaimID != c.ClaimID && !sameName(u.InsuredName, insured) && !slices.Contains(others, u.ClaimID) {
			others = append(others, u.ClaimID)
		}
	}
	if len(others) > 0 {
		out = append(out, Signal{Kind: SignalSharedAccount, Explanation: fmt.Sprintf(
			"the account %s is also paid on %d claim(s) of other insureds (%s)", payee.AccountMasked, len(others), strings.Join(others, ", ")),
			Params: map[string]string{"account": payee.AccountMasked, "n": strconv.Itoa(len(others)), "claims": strings.Join(others, ", ")}})
	}
	if f.Employee != "" {
		out = append(out, Signal{Kind: SignalEmployeeAccount, Explanation: fmt.Sprintf(
			"the account %s belongs to employee %s", payee.AccountMasked, f.Employee),
			Params: map[string]string{"account": payee.AccountMasked, "employee": f.Employee}})
	}
	for _, a := range c.Advances {
		if a.Payee == nil || a.State != AdvanceApproved {
			continue
		}
		if !sameName(a.Payee.Name, payee.Name) || a.AccountKey != "" && f.AccountKey != "" && a.AccountKey != f.AccountKey {
			out = append(out, Signal{Kind: SignalPayeeChanged, Explanation: fmt.Sprintf(
				"the payee %s (%s) differs from %s (%s) given earlier for the advance", payee.Name, payee.AccountMasked, a.Payee.Name, a.Payee.AccountMasked),
				Params: map[string]string{"payee": payee.Name, "account": payee.AccountMasked, "earlier": a.Payee.Name, "earlier_account": a.Payee.AccountMasked}})
			break
		}
	}
	return out
}

// BurstSignal returns the signal of an insured with recent other claims
// within the policy's window, nil when below its threshold.
func BurstSignal(c *Case, recent int, p SignalPolicy) *Signal {
	if p.BurstClaims < 2 || recent+1 < p.BurstClaims {
		return nil
	}
	days := int(p.BurstWindow.Hours() / 24)
	return &Signal{Kind: SignalClaimBurst, Explanation: fmt.Sprintf(
		"%s made %d claims within %d days, this one included", c.InsuredName, recent+1, days),
		Params: map[string]string{"insured": c.InsuredName, "n": strconv.Itoa(recent + 1), "days": strconv.Itoa(days)}}
}

// raiseSignals records the signals not raised on c before and refuses the
// action when a signal blocks and the actor is not a senior handler other
// than the decider (what: the action, for the refusal). It returns the
// signals newly raised.
func (c *Case) raiseSignals(actor Actor, sigs []Signal, p SignalPolicy, what string, now time.Time) ([]Signal, error) {
	var fresh []Signal
	for _, s := range sigs {
		if slices.ContainsFunc(c.Signals, func(o Signal) bool { return o.Kind == s.Kind }) ||
			slices.ContainsFunc(fresh, func(o Signal) bool { return o.Kind == s.Kind }) {
			continue
		}
		s.Blocking, s.RaisedBy, s.At = slices.Contains(p.Blocking, s.Kind), actor.Subject, now.UTC()
		fresh = append(fresh, s)
	}
	var blocking []string
	for _, s := range append(slices.Clone(c.Signals), fresh...) {
		if s.Blocking {
			blocking = append(blocking, string(s.Kind)+": "+s.Explanation)
		}
	}
	decider := c.Decision != nil && samePerson(c.Decision.DecidedBy, actor.Subject) && what != "decide it"
	if len(blocking) > 0 && (!actor.Senior() || decider) {
		return nil, apperr.New(apperr.FraudSignal, "fraud signals block this: %s; a %s other than the decider may %s",
			strings.Join(blocking, "; "), RoleSenior, what)
	}
	for _, s := range fresh {
		c.Signals = append(c.Signals, s)
		c.record(Change{Action: ActionSignalRaised, From: c.State, To: c.State, Actor: actor.Subject, Reason: s.Explanation, At: now,
			Details: map[string]any{"signal": string(s.Kind), "blocking": s.Blocking}})
	}
	return fresh, nil
}

// BlockingSignals lists the kinds of the blocking signals on c, nil when
// none: a payment the case makes past them is held by payout for a second
// senior whatever its amount.
func (c *Case) BlockingSignals() []string {
	var out []string
	for _, s := range c.Signals {
		if s.Blocking && !slices.Contains(out, string(s.Kind)) {
			out = append(out, string(s.Kind))
		}
	}
	return out
}

// ActionSignalRaised is the audit action of a fraud signal raised.
const ActionSignalRaised = "signal_raised"
