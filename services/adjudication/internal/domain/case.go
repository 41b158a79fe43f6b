// Package domain holds adjudication's rules about cases: their states and the
// transitions between them, the decision (核定) with authority limits and
// four-eyes approval, the complex-case path, the claimant's agreement to the
// amount (达成协议), the rejection notice (R5), the automatic checks that
// inform the handler, and the audit of every change.
package domain

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

// State is where a case stands.
type State string

// The states of a case. A decision above the decider's authority waits in
// PendingApproval for a second, senior person; Approved, PartlyApproved and
// Rejected are the decided states.
const (
	StateReceived          State = "received"
	StateUnderReview       State = "under_review"
	StateAwaitingDocuments State = "awaiting_documents"
	StateComplex           State = "complex"
	StatePendingApproval   State = "pending_approval"
	StateApproved          State = "approved"
	StatePartlyApproved    State = "partly_approved"
	StateRejected          State = "rejected"
	StateAgreed            State = "agreed"
	StateClosed            State = "closed"
)

// States lists every state in the order of a case's life.
func States() []State {
	return []State{StateReceived, StateUnderReview, StateAwaitingDocuments, StateComplex, StatePendingApproval,
		StateApproved, StatePartlyApproved, StateRejected, StateAgreed, StateClosed}
}

// ParseState checks a state given by a caller; field names the input.
func ParseState(field, s string) (State, error) {
	if st := State(s); slices.Contains(States(), st) {
		return st, nil
	}
	return "", apperr.InvalidField(field, "must be one of %s; got %q", joinStates(States()), s)
}

// transition is one move the state machine allows: action takes a case
// from one state to another.
type transition struct {
	action   string
	from, to State
}

// moves lists the transitions of action from each of froms to each of tos.
func moves(action string, froms, tos []State) []transition {
	var out []transition
	for _, f := range froms {
		for _, t := range tos {
			out = append(out, transition{action, f, t})
		}
	}
	return out
}

// undecided are the states before any decision.
var undecided = []State{StateReceived, StateUnderReview, StateAwaitingDocuments, StateComplex}

// decidable are the states a case is decided from: not while documents are
// awaited (the R4 clock is stopped then).
var decidable = []State{StateReceived, StateUnderReview, StateComplex}

// machine is the state machine: every change of state goes through
// Case.moveTo, which refuses any move not listed here for its action.
//
//   - A case is decided from received, under review or complex; a decision
//     above the decider's authority waits in pending approval, and the
//     senior approver makes it take effect or returns it to review.
//   - A case is complex from received or under review; one marked complex
//     while awaiting documents stays so and returns to complex when they
//     arrive.
//   - A decided case is closed after the rejection letter is sent (R5) or
//     after the claimant agreed (R6 runs in payout); an undecided case is
//     closed when the claim is withdrawn.
var machine = slices.Concat(
	moves(ActionReviewStarted, []State{StateReceived}, []State{StateUnderReview}),
	moves(ActionDocumentsRequested, decidable, []State{StateAwaitingDocuments}),
	moves(ActionDocumentsReceived, []State{StateAwaitingDocuments}, []State{StateUnderReview, StateComplex}),
	moves(ActionMarkedComplex, []State{StateReceived, StateUnderReview}, []State{StateComplex}),
	moves(ActionMarkedComplex, []State{StateAwaitingDocuments}, []State{StateAwaitingDocuments}),
	moves(ActionDecided, decidable, []State{StateApproved, StatePartlyApproved, StateRejected}),
	moves(ActionDecisionProposed, decidable, []State{StatePendingApproval}),
	moves(ActionDecisionApproved, []State{StatePendingApproval}, []State{StateApproved, StatePartlyApproved, StateRejected}),
	moves(ActionDecisionReturned, []State{StatePendingApproval}, []State{StateUnderReview, StateComplex}),
	moves(ActionAgreementRecorded, []State{StateApproved, StatePartlyApproved}, []State{StateAgreed}),
	moves(ActionClosed, append(slices.Clone(undecided), StateRejected, StateAgreed), []State{StateClosed}),
)

// CanMove reports whether some action of the state machine takes a case
// from one state to another.
func CanMove(from, to State) bool {
	return slices.ContainsFunc(machine, func(t transition) bool { return t.from == from && t.to == to })
}

// actionsFrom lists the actions the state machine allows from s.
func actionsFrom(s State) []string {
	var out []string
	for _, t := range machine {
		if t.from == s && !slices.Contains(out, t.action) {
			out = append(out, t.action)
		}
	}
	return out
}

// Undecided reports whether s is a state before any decision was made.
func (s State) Undecided() bool { return slices.Contains(undecided, s) }

// UndecidedStates lists the states of a case not yet decided.
func UndecidedStates() []State { return slices.Clone(undecided) }

// Person is a named party of a claim and their relation to the insured.
type Person struct {
	Name     string
	Relation string
}

// Document is a supporting document handed on with the claim request and the
// fields read from it.
type Document struct {
	DocumentID     string
	Type           string
	SHA256         string
	InvoiceNumber  string
	TotalAmountFen int64
	EventDate      string
	// AccountFingerprint (AccountFingerprint), AccountLast4 and HolderName
	// are what intake read of a bank card's account, when it did.
	AccountFingerprint string
	AccountLast4       string
	HolderName         string
	// IDNumberMasked is an identity card's number as intake masked it
	// (the queue's search by ID number, issue 20).
	IDNumberMasked string
}

// Supplement is one stop of the decision clock (R4): a request for documents
// sent at NoticeSentAt (an R3 notice from intake, or a handler's
// supplementary notice) and the arrival of the supplement at ReceivedAt, nil
// while awaited (Judicial Interpretation II of the Insurance Law, art. 15).
// Either notice stops the clock only from DeliveredAt, when it reached the
// claimant: for a handler's notice the gateway's delivery receipt, or the
// signed postal receipt a handler enters, named by Receipt; for intake's,
// the delivery intake recorded and handed over with the claim request.
// Reason is the new information that made asking again necessary.
type Supplement struct {
	NoticeSentAt time.Time
	ReceivedAt   *time.Time
	RequestedBy  string
	Documents    []string
	Note         string
	Reason       string
	Channel      string
	DeliveredAt  *time.Time
	Receipt      string
}

// The evidence of the steps a case makes on its deadlines, as the
// deadline tracking keeps it with each step to met or cancelled and the
// monitor checks it in the case's kept records: the decision of case id in
// effect (the decision deadlines and the advance's met), its withdrawal
// (cancelled), its marking as complex (the 5-working-day deadline
// cancelled), its rejection letter sent by a written channel (R5 met), an
// advance of its claim paid by payout (R7 met: the payout obligation's id).
func DecisionEvidence(caseID string) string          { return "decision:" + caseID }
func WithdrawalEvidence(caseID string) string        { return "withdrawal:" + caseID }
func ComplexEvidence(caseID string) string           { return "complex:" + caseID }
func LetterEvidence(caseID string) string            { return "letter:" + caseID }
func AdvancePaidEvidence(obligationID string) string { return "advance:" + obligationID }

// RequestedByIntake is the RequestedBy of the R3 notices a claim request
// brings from intake.
const RequestedByIntake = "intake"

// PauseStart is when the supplement stops the decision clock: the delivery
// of its notice, nil while (or if ever) it is not known to have reached the
// claimant. Whoever sent the notice, its days in the post or in a gateway's
// queue are not the claimant's (product: "from the day after the notice
// reaches the claimant"); a notice of intake's recorded as sent only, as
// every one handed over before intake recorded deliveries, stops nothing.
func (s Supplement) PauseStart() *time.Time {
	if s.DeliveredAt == nil {
		return nil
	}
	at := *s.DeliveredAt
	return &at
}

// start is when the supplement's stop would begin: its delivery, else its
// sending. Stops must not overlap: a later notice may be sent while the
// items of an earlier one are awaited, if it reaches the claimant after
// they arrived (intake's stops, merged where they overlap).
func (s Supplement) start() time.Time {
	if s.DeliveredAt != nil {
		return *s.DeliveredAt
	}
	return s.NoticeSentAt
}

// The channels a supplementary notice goes by. Post and signed hand delivery
// come back with a signed receipt a handler enters; the electronic ones with
// the gateway's delivery receipt.
const (
	ChannelPost       = "post"
	ChannelHand       = "hand"
	ChannelSMS        = "sms"
	ChannelEmail      = "email"
	ChannelRegistered = "registered_electronic"
)

// NoticeChannels lists the channels of a supplementary notice.
func NoticeChannels() []string {
	return []string{ChannelPost, ChannelHand, ChannelSMS, ChannelEmail, ChannelRegistered}
}

// DocumentRequest is what a handler asks the claimant for in a
// supplementary notice (Insurance Law art. 22).
type DocumentRequest struct {
	Documents []string
	// Reason is the new information that makes the request necessary;
	// required when an item was asked for before.
	Reason  string
	Note    string
	Channel string
}

// Mark records who did something to a case, when and why: marking it
// complex, closing it.
type Mark struct {
	Reason string
	By     string
	At     time.Time
}

// Change is one entry of a case's audit: who changed what, when and why.
// Details hold what the entry needs beyond the state (amounts, reasons,
// check results); they never hold a full account number.
type Change struct {
	Action  string
	From    State
	To      State
	Actor   string
	Reason  string
	At      time.Time
	Details map[string]any
}

// The audit actions.
const (
	ActionOpened             = "opened"
	ActionReviewStarted      = "review_started"
	ActionDocumentsRequested = "documents_requested"
	ActionDocumentsReceived  = "documents_received"
	ActionNoticeDelivered    = "notice_delivered"
	ActionMarkedComplex      = "marked_complex"
	ActionAssigned           = "assigned"
	ActionDecided            = "decided"
	ActionDecisionProposed   = "decision_proposed"
	ActionDecisionApproved   = "decision_approved"
	ActionDecisionReturned   = "decision_returned"
	ActionCheckOverridden    = "check_overridden"
	ActionLetterGenerated    = "letter_generated"
	ActionLetterSent         = "letter_sent"
	ActionAgreementRecorded  = "agreement_recorded"
	ActionClosed             = "closed"
)

// Case is one claim under adjudication. FirstReceivedAt is when the claim
// request was first received, the clock start of the decision deadline (R4).
type Case struct {
	ID               string
	ClaimID          string
	ReportID         string
	PolicyNumber     string
	InsuredName      string
	IncidentType     string
	IncidentTime     time.Time
	IncidentPlace    string
	FirstReceivedAt  time.Time
	OpenedAt         time.Time
	ClaimedAmountFen int64
	// Branch is the organisation unit of the policy when the case was
	// opened, for the service indicators (R13).
	Branch string
	// Beneficiary is who claims, when not the insured.
	Beneficiary *Person
	Documents   []Document
	Supplements []Supplement
	State       State
	// Version counts the stored changes of the case; a caller that read
	// version N may ask for its change to apply only to version N.
	Version  int
	Assignee string
	// Complex is set once a senior handler found the case complex: its
	// decision is then due under the 30-day rule (R4), or the contract's.
	Complex         *Mark
	Decision        *Decision
	RejectionLetter *RejectionLetter
	Agreement       *Agreement
	Overrides       []CheckOverride
	Closure         *Mark
	// Catastrophe tags the case of a claim whose incident matched an
	// active catastrophe (R8): nil for the normal path.
	Catastrophe *Tag
	// Advances are the payments in advance offered or approved (R7, R8),
	// oldest first.
	Advances []Advance
	// Signals are the fraud signals raised on the case, oldest first.
	Signals []Signal
	// Advance is the claimant's advance agreement given with the claim
	// request, with the payee sealed for payout (issue 19); nil when none.
	Advance *AdvanceAgreement
	// Changes are the audit entries of the changes made since the case was
	// loaded; the repository appends them to the audit and never loads them
	// back into a case.
	Changes []Change
	// NewVisits are the on-site visits a change asks for; the repository
	// stores them with the change and never loads them into a case.
	NewVisits []Visit
}

// DecisionRule is the rule of the decision deadline the case owes: R4's 5
// working days, or its 30 days once the case is complex.
func (c *Case) DecisionRule() deadline.RuleID {
	if c.Complex != nil {
		return deadline.ComplexDecision
	}
	return deadline.Decision
}

// Pauses returns the R4 clock stops of the case: the closed ones, and the
// start of the open one while documents are awaited (nil otherwise).
func (c *Case) Pauses() ([]deadline.Pause, *time.Time) {
	var closed []deadline.Pause
	var open *time.Time
	for _, s := range c.Supplements {
		start := s.PauseStart()
		switch {
		case start == nil:
			// Not known to have reached the claimant: no stop.
		case s.ReceivedAt == nil:
			open = start
		default:
			closed = append(closed, deadline.Pause{PausedAt: *start, ResumedAt: *s.ReceivedAt})
		}
	}
	return closed, open
}

// Open starts a case from a claim request. The supplements the request
// brings (R3 notices and the arrival of what they asked for) become the R4
// clock stops; one that cannot be (sent before the claim was received,
// arriving before it was asked for, overlapping another, in the future) is
// left out and named in the audit, which keeps the deadline on the safe,
// earlier side. A request whose last supplement is still awaited opens
// awaiting documents.
func Open(c Case, actor Actor, now time.Time) Case {
	kept, dropped := normalizeSupplements(c.FirstReceivedAt, c.Supplements, now)
	c.Supplements = kept
	c.State, c.Version = StateReceived, 1
	if len(kept) > 0 && kept[len(kept)-1].ReceivedAt == nil {
		c.State = StateAwaitingDocuments
	}
	details := map[string]any{"documents": len(c.Documents), "supplements": len(kept)}
	if len(dropped) > 0 {
		details["ignored_supplements"] = dropped
	}
	c.record(Change{Action: ActionOpened, To: c.State, Actor: actor.Subject, At: now, Details: details})
	return c
}

// normalizeSupplements orders supplements by their notice and keeps those
// that can be clock stops.
func normalizeSupplements(clockStart time.Time, in []Supplement, now time.Time) (kept []Supplement, dropped []string) {
	sorted := slices.Clone(in)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].NoticeSentAt.Before(sorted[j].NoticeSentAt) })
	for _, s := range sorted {
		why := ""
		switch {
		case s.NoticeSentAt.Before(clockStart):
			why = "notice sent before the claim request was received"
		case s.NoticeSentAt.After(now):
			why = "notice sent in the future"
		case s.ReceivedAt != nil && s.ReceivedAt.Before(s.NoticeSentAt):
			why = "supplement received before the notice was sent"
		case s.ReceivedAt != nil && s.ReceivedAt.After(now):
			why = "supplement received in the future"
		case s.DeliveredAt != nil && s.DeliveredAt.Before(s.NoticeSentAt):
			why = "notice delivered before it was sent"
		case s.DeliveredAt != nil && s.DeliveredAt.After(now):
			why = "notice delivered in the future"
		case s.DeliveredAt != nil && s.ReceivedAt != nil && s.ReceivedAt.Before(*s.DeliveredAt):
			why = "supplement received before the notice reached the claimant"
		case len(kept) > 0 && kept[len(kept)-1].ReceivedAt == nil:
			why = "notice sent while an earlier one was still awaited"
		case len(kept) > 0 && s.start().Before(*kept[len(kept)-1].ReceivedAt):
			why = "notice sent (or delivered) before the previous supplement arrived"
		}
		if why != "" {
			dropped = append(dropped, s.NoticeSentAt.UTC().Format(time.RFC3339)+": "+why)
			continue
		}
		s.NoticeSentAt = s.NoticeSentAt.UTC()
		if s.DeliveredAt != nil {
			d := s.DeliveredAt.UTC()
			s.DeliveredAt = &d
		}
		if s.ReceivedAt != nil {
			r := s.ReceivedAt.UTC()
			s.ReceivedAt = &r
		}
		kept = append(kept, s)
	}
	return kept, dropped
}

// CheckVersion refuses a change meant for another version of the case than
// the stored one (optimistic locking); 0 means the caller did not say.
func (c *Case) CheckVersion(version int) error {
	if version != 0 && version != c.Version {
		return apperr.New(apperr.Conflict, "case of claim %s changed since you read it (you saw version %d, it is now %d); reload it and try again",
			c.ClaimID, version, c.Version)
	}
	return nil
}

// record appends an audit entry.
func (c *Case) record(ch Change) {
	ch.At = ch.At.UTC()
	c.Changes = append(c.Changes, ch)
}

// moveTo changes the state if the state machine allows the change's action
// from the current state to to, recording the change; what names the action
// for the refusal ("be decided").
func (c *Case) moveTo(to State, what string, ch Change) error {
	if err := c.mayMove(ch.Action, to, what); err != nil {
		return err
	}
	ch.From, ch.To = c.State, to
	c.State = to
	c.record(ch)
	return nil
}

// mayMove refuses what moveTo would refuse, without moving.
func (c *Case) mayMove(action string, to State, what string) error {
	if !slices.Contains(machine, transition{action, c.State, to}) {
		allowed := "nothing: the case is finished"
		if next := actionsFrom(c.State); len(next) > 0 {
			allowed = strings.Join(next, ", ")
		}
		return apperr.New(apperr.Conflict, "case of claim %s is %s: it cannot %s (what can happen from %s: %s)",
			c.ClaimID, c.State, what, c.State, allowed)
	}
	return nil
}

// refuse returns the conflict for an action the state machine allows in no
// state like the current one.
func (c *Case) refuse(what string) error {
	return apperr.New(apperr.Conflict, "case of claim %s is %s: it cannot %s", c.ClaimID, c.State, what)
}

// StartReview moves a received case under review and, when nobody has it
// yet, assigns it to the actor.
func (c *Case) StartReview(actor Actor, now time.Time) error {
	if err := c.refuseIntruder(actor, "start its review"); err != nil {
		return err
	}
	if err := c.moveTo(StateUnderReview, "start review", Change{Action: ActionReviewStarted, Actor: actor.Subject, At: now}); err != nil {
		return err
	}
	if c.Assignee == "" {
		c.assign(actor.Subject, actor, "took the case to review it", now)
	}
	return nil
}

// Limits on what a person may type into a case.
const (
	maxReason        = 1000
	maxNote          = 2000
	maxSubject       = 128
	maxDocumentTypes = 20
)

// RequestDocuments records a supplementary notice asking for missing
// documents: the case awaits them. The insurer must tell the claimant once
// what is missing (Insurance Law art. 22): the first notice (intake's R3
// notice, or this one when intake sent none) is the one-time notice; every
// later one asks only for what new information made necessary and records
// that information (req.Reason), else it is refused (a repeat of an item
// with a conflict, a new item on the field reason), since each notice
// stops the decision clock and notices drip-fed one item at a time would
// stretch it (red team, session 12). The clock (R4) does not stop here but
// when the notice reaches the claimant (RecordNoticeDelivered).
func (c *Case) RequestDocuments(actor Actor, req DocumentRequest, now time.Time) error {
	documents := req.Documents
	if len(documents) == 0 {
		return apperr.InvalidField("documents", "name at least one document the claimant must supply")
	}
	if len(documents) > maxDocumentTypes {
		return apperr.InvalidField("documents", "has %d documents, more than %d", len(documents), maxDocumentTypes)
	}
	docs := make([]string, len(documents))
	for i, d := range documents {
		d = strings.TrimSpace(d)
		if err := checkText("documents["+strconv.Itoa(i)+"]", d, maxSubject, false); err != nil {
			return err
		}
		docs[i] = d
	}
	note, err := optionalText("note", req.Note, maxNote)
	if err != nil {
		return err
	}
	reason, err := optionalText("reason", req.Reason, maxReason)
	if err != nil {
		return err
	}
	channel := strings.TrimSpace(req.Channel)
	if channel == "" {
		channel = ChannelPost
	}
	if !slices.Contains(NoticeChannels(), channel) {
		return apperr.InvalidField("channel", "must be one of %s; got %q", strings.Join(NoticeChannels(), ", "), channel)
	}
	if err := c.mayMove(ActionDocumentsRequested, StateAwaitingDocuments, "await documents"); err != nil {
		return err
	}
	if err := c.mayAct(actor, "request documents", now); err != nil {
		return err
	}
	if asked := c.askedBefore(docs); len(asked) > 0 && reason == "" {
		return apperr.New(apperr.Conflict, "the claimant was already asked for %s (Insurance Law art. 22: one notice); "+
			"ask only for what is new, or give the new information that makes asking again necessary as the reason",
			strings.Join(asked, ", "))
	}
	if len(c.Supplements) > 0 && reason == "" {
		return apperr.InvalidField("reason", "is required: the one-time notice of missing documents went to the claimant on %s "+
			"(Insurance Law art. 22); a later notice asks only for what new information made necessary, and says what it was",
			calendar.DateOf(c.Supplements[0].NoticeSentAt))
	}
	details := map[string]any{"documents": docs, "channel": channel}
	if reason != "" {
		details["reason"] = reason
	}
	if err := c.moveTo(StateAwaitingDocuments, "await documents", Change{Action: ActionDocumentsRequested, Actor: actor.Subject,
		Reason: note, At: now, Details: details}); err != nil {
		return err
	}
	c.Supplements = append(c.Supplements, Supplement{NoticeSentAt: now.UTC(), RequestedBy: actor.Subject, Documents: docs, Note: note,
		Reason: reason, Channel: channel})
	return nil
}

// askedBefore returns the items of docs that an earlier notice asked for,
// compared without case and surrounding space.
func (c *Case) askedBefore(docs []string) []string {
	var asked []string
	for _, d := range docs {
		for _, s := range c.Supplements {
			if slices.ContainsFunc(s.Documents, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), d) }) {
				asked = append(asked, d)
				break
			}
		}
	}
	return asked
}

// RecordNoticeDelivered records that the awaited supplementary notice
// reached the claimant at at (now when zero), as the gateway's delivery
// receipt or the signed postal receipt says (receipt names it). The
// decision clock (R4) stops from then: the days after it are deducted
// until the supplement arrives (Judicial Interpretation II of the Insurance
// Law, art. 15). A notice is delivered once.
func (c *Case) RecordNoticeDelivered(actor Actor, at time.Time, receipt string, now time.Time) (time.Time, error) {
	if at.IsZero() {
		at = now
	}
	receipt, err := requiredText("receipt", receipt, maxSubject, "name the delivery receipt (the gateway's receipt id, or the postal receipt)")
	if err != nil {
		return time.Time{}, err
	}
	if c.State != StateAwaitingDocuments || len(c.Supplements) == 0 || c.Supplements[len(c.Supplements)-1].ReceivedAt != nil ||
		c.Supplements[len(c.Supplements)-1].RequestedBy == RequestedByIntake {
		return time.Time{}, c.refuse("record a notice delivered: no supplementary notice of adjudication is awaited")
	}
	last := &c.Supplements[len(c.Supplements)-1]
	switch {
	case last.DeliveredAt != nil:
		return time.Time{}, apperr.New(apperr.Conflict, "the notice of %s was already recorded delivered on %s",
			last.NoticeSentAt.Format(time.RFC3339), last.DeliveredAt.Format(time.RFC3339))
	case at.After(now):
		return time.Time{}, apperr.InvalidField("delivered_at", "is in the future")
	case at.Before(last.NoticeSentAt):
		return time.Time{}, apperr.InvalidField("delivered_at", "is before the notice was sent on %s", last.NoticeSentAt.Format(time.RFC3339))
	}
	if err := c.mayAct(actor, "record a notice delivered", now); err != nil {
		return time.Time{}, err
	}
	delivered := at.UTC()
	c.record(Change{Action: ActionNoticeDelivered, From: c.State, To: c.State, Actor: actor.Subject, At: now,
		Details: map[string]any{"delivered_at": delivered, "receipt": receipt, "channel": last.Channel}})
	last.DeliveredAt, last.Receipt = &delivered, receipt
	return delivered, nil
}

// RecordIntakeDelivery records that intake's notice sent at sentAt, handed
// over with the claim request as a stop not known delivered, reached the
// claimant at at, as receipt says: its postal receipt came back after the
// hand-over, and intake announced it (events.NoticeDelivered). The notice
// then stops the decision clock (R4) from the day after at until its
// supplement arrived (Judicial Interpretation II of the Insurance Law, art.
// 15). It reports whether the case changed: a delivery is written once, so
// a second one of the same notice (a redelivery, or another receipt)
// changes nothing, nor does one that reached the claimant only after the
// supplement arrived (it deducts nothing). One before the notice's sending
// or in the future is refused (400 on delivered_at), as is one of a notice
// the request did not bring (404).
func (c *Case) RecordIntakeDelivery(sentAt, at time.Time, receipt string, now time.Time) (bool, error) {
	receipt, err := requiredText("receipt", receipt, maxSubject, "name the delivery receipt (the postal receipt)")
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(c.Supplements, func(s Supplement) bool {
		return s.RequestedBy == RequestedByIntake && s.NoticeSentAt.Equal(sentAt)
	})
	if i < 0 {
		return false, apperr.New(apperr.NotFound, "the claim request of %s brought no notice of intake sent at %s", c.ClaimID, sentAt.UTC().Format(time.RFC3339Nano))
	}
	s := &c.Supplements[i]
	switch {
	case at.After(now):
		return false, apperr.InvalidField("delivered_at", "is in the future")
	case at.Before(s.NoticeSentAt):
		return false, apperr.InvalidField("delivered_at", "is before the notice was sent on %s", s.NoticeSentAt.Format(time.RFC3339))
	case s.DeliveredAt != nil:
		return false, nil
	case s.ReceivedAt != nil && s.ReceivedAt.Before(at):
		return false, nil
	}
	delivered := at.UTC()
	c.record(Change{Action: ActionNoticeDelivered, From: c.State, To: c.State, Actor: System(RequestedByIntake).Subject, At: now,
		Details: map[string]any{"delivered_at": delivered, "receipt": receipt, "notice_sent_at": s.NoticeSentAt.UTC(), "recorded_after_hand_over": true}})
	s.DeliveredAt, s.Receipt = &delivered, receipt
	return true, nil
}

// RecordDocumentsReceived records that the documents asked for arrived at
// at (now when zero): the decision clock (R4) runs again and the case goes
// back to review, or to the complex path if it was marked complex.
func (c *Case) RecordDocumentsReceived(actor Actor, at, now time.Time) (time.Time, error) {
	if at.IsZero() {
		at = now
	}
	to := StateUnderReview
	if c.Complex != nil {
		to = StateComplex
	}
	if c.State != StateAwaitingDocuments || len(c.Supplements) == 0 || c.Supplements[len(c.Supplements)-1].ReceivedAt != nil {
		return time.Time{}, c.refuse("record documents received: no documents are awaited")
	}
	last := &c.Supplements[len(c.Supplements)-1]
	switch {
	case at.After(now):
		return time.Time{}, apperr.InvalidField("received_at", "is in the future")
	case at.Before(last.NoticeSentAt):
		return time.Time{}, apperr.InvalidField("received_at", "is before the request was sent on %s", last.NoticeSentAt.Format(time.RFC3339))
	case last.DeliveredAt != nil && at.Before(*last.DeliveredAt):
		return time.Time{}, apperr.InvalidField("received_at", "is before the notice reached the claimant on %s", last.DeliveredAt.Format(time.RFC3339))
	}
	if err := c.mayAct(actor, "record documents received", now); err != nil {
		return time.Time{}, err
	}
	if err := c.moveTo(to, "record documents received", Change{Action: ActionDocumentsReceived, Actor: actor.Subject, At: now,
		Details: map[string]any{"received_at": at.UTC()}}); err != nil {
		return time.Time{}, err
	}
	received := at.UTC()
	last.ReceivedAt = &received
	return received, nil
}

// MarkComplex puts the case on the complex path: its decision is due under
// the 30-day rule (R4; notice §8.3(1)) or the contract's period. Only a
// senior handler may, and must say why. A case awaiting documents stays so
// and returns to the complex path when they arrive.
func (c *Case) MarkComplex(actor Actor, reason string, now time.Time) error {
	if err := requireSenior(actor, "marking a case complex"); err != nil {
		return err
	}
	reason, err := requiredText("reason", reason, maxReason, "say why the case is complex")
	if err != nil {
		return err
	}
	if c.Complex != nil {
		return apperr.New(apperr.Conflict, "case of claim %s was already marked complex on %s", c.ClaimID, c.Complex.At.Format(time.RFC3339))
	}
	to := StateComplex
	if c.State == StateAwaitingDocuments {
		to = c.State
	}
	if err := c.moveTo(to, "be marked complex", Change{Action: ActionMarkedComplex, Actor: actor.Subject, Reason: reason, At: now}); err != nil {
		return err
	}
	c.Complex = &Mark{Reason: reason, By: actor.Subject, At: now.UTC()}
	return nil
}

// Assign gives the case to assignee ("" takes it from whoever has it). A
// handler may take an unassigned case for themselves or give up their own; a
// senior handler may assign and reassign anyone, and the catastrophe team
// may dispatch tagged cases (R8).
func (c *Case) Assign(actor Actor, assignee, reason string, now time.Time) error {
	assignee = strings.TrimSpace(assignee)
	if assignee != "" {
		if err := checkText("assignee", assignee, maxSubject, false); err != nil {
			return err
		}
	}
	reason, err := optionalText("reason", reason, maxReason)
	if err != nil {
		return err
	}
	if c.State == StateClosed {
		return c.refuse("be assigned")
	}
	if assignee == c.Assignee {
		return apperr.New(apperr.Conflict, "case of claim %s is already assigned to %q", c.ClaimID, assignee)
	}
	if !c.mayDispatch(actor) {
		own := c.Assignee == actor.Subject && assignee == ""
		take := c.Assignee == "" && assignee == actor.Subject
		if !own && !take {
			return apperr.New(apperr.Forbidden, "a handler may take an unassigned case or give up their own; assigning to others needs the %s role (or %s, for tagged cases)", RoleSenior, RoleCoordinator)
		}
	}
	c.assign(assignee, actor, reason, now)
	return nil
}

func (c *Case) assign(assignee string, actor Actor, reason string, now time.Time) {
	c.record(Change{Action: ActionAssigned, From: c.State, To: c.State, Actor: actor.Subject, Reason: reason, At: now,
		Details: map[string]any{"assignee": assignee, "previous_assignee": c.Assignee}})
	c.Assignee = assignee
}

// Close ends the case: after the rejection letter was sent (R5), after the
// claimant agreed to the amount, or when the claim is withdrawn before the
// decision. It reports whether the claim was withdrawn, in which case the
// decision deadline is owed no more.
func (c *Case) Close(actor Actor, reason string, now time.Time) (withdrawn bool, err error) {
	reason, err = requiredText("reason", reason, maxReason, "say why the case is closed")
	if err != nil {
		return false, err
	}
	if c.OwesRefusalNotice() && (c.RejectionLetter == nil || c.RejectionLetter.Sent == nil) {
		return false, apperr.New(apperr.Conflict, "case of claim %s is %s and its rejection letter is not sent yet: record the sending first (R5)", c.ClaimID, c.State)
	}
	if err := c.refuseIntruder(actor, "close it"); err != nil {
		return false, err
	}
	withdrawn = c.State.Undecided()
	if err := c.moveTo(StateClosed, "be closed", Change{Action: ActionClosed, Actor: actor.Subject, Reason: reason, At: now,
		Details: map[string]any{"withdrawn": withdrawn}}); err != nil {
		return false, err
	}
	c.Closure = &Mark{Reason: reason, By: actor.Subject, At: now.UTC()}
	return withdrawn, nil
}

// requiredText trims s and refuses it empty (saying hint), too long, or
// with control characters other than line breaks.
func requiredText(field, s string, limit int, hint string) (string, error) {
	s = normalizeLong(s)
	if s == "" {
		return "", apperr.InvalidField(field, "is required: %s", hint)
	}
	return s, checkText(field, s, limit, true)
}

// optionalText is requiredText for a text that may be empty.
func optionalText(field, s string, limit int) (string, error) {
	s = normalizeLong(s)
	if s == "" {
		return "", nil
	}
	return s, checkText(field, s, limit, true)
}

func joinStates(states []State) string {
	parts := make([]string, len(states))
	for i, s := range states {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// shortText refuses a one-line value that is empty (when required), longer
// than limit characters or holds control characters; it returns it trimmed.
func shortText(field, s string, limit int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && !required {
		return "", nil
	}
	return s, checkText(field, s, limit, false)
}

// SupplementaryNoticeText is the text of the supplementary notice s sends
// the claimant of c: the items missing, the new information that made them
// necessary when given, and that the time awaited does not count against
// the decision deadline (Insurance Law art. 22; Judicial Interpretation II
// art. 15).
func SupplementaryNoticeText(c Case, s Supplement) string {
	var b strings.Builder
	fmt.Fprintf(&b, "理赔补充材料通知：您的理赔申请（保单号%s）审核中，请补充提交以下材料：%s。", c.PolicyNumber, strings.Join(s.Documents, "、"))
	if s.Reason != "" {
		fmt.Fprintf(&b, "需补充的原因：%s。", s.Reason)
	}
	if s.Note != "" {
		fmt.Fprintf(&b, "%s。", strings.TrimRight(s.Note, "。"))
	}
	b.WriteString("自本通知送达次日起至材料送达之日止，不计入核定期间。")
	return b.String()
}
