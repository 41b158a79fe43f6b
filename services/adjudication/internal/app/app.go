// Package app holds adjudication's use cases: open a case from a claim
// request, move it through review, documents, the complex path and the
// decision with its four-eyes approval, record the claimant's agreement,
// issue and send the rejection notice, run the checks, and read cases, the
// work queue and the audit back.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/calendar"
	"claims.local/pkg/clock"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inflight"
	"claims.local/pkg/sealed"
	"claims.local/pkg/tracking"
)

// Producer is the source name of adjudication's events.
const Producer = "adjudication"

// ClaimsConsumer is the inbox name of the consumer of claim requests.
const ClaimsConsumer = "adjudication.claim-requests"

// Repository stores cases.
type Repository interface {
	// OpenConfirmed stores c unless a case for its claim exists, recording
	// receipt, the case's audit entries and the deadline steps in the same
	// transaction, with, once per event, the receipt of the claim request
	// confirm returns for the id of the claim's case, new or already open
	// (red team, session 17); it reports whether a case was created.
	OpenConfirmed(ctx context.Context, receipt inbox.Receipt, c domain.Case, confirm Confirm, steps ...tracking.Step) (bool, error)
	// Get returns the case of a claim, its letter without the PDF.
	Get(ctx context.Context, claimID string) (domain.Case, error)
	List(ctx context.Context, f ListFilter) ([]domain.Case, error)
	// CountTagged counts the cases tagged with catastrophe code, all of
	// them and those still undecided.
	CountTagged(ctx context.Context, code string) (tagged, undecided int64, err error)
	// Queue returns the work queue: cases with the deadline they owe,
	// soonest due first.
	Queue(ctx context.Context, f QueueFilter, now time.Time) ([]QueueItem, error)
	// QueueTotal counts the cases of the queue f selects, all pages.
	QueueTotal(ctx context.Context, f QueueFilter, now time.Time) (int, error)
	// Workloads counts the open cases of every handler holding one.
	Workloads(ctx context.Context, now time.Time) ([]Workload, error)
	// Update loads a case under a row lock, applies change and stores the
	// result, its audit entries and the effects change returns, in one
	// transaction.
	Update(ctx context.Context, claimID string, change func(*domain.Case) (tracking.Effects, error)) (domain.Case, error)
	// UpdateUsingPolicy is Update holding the lock on the benefit usage of
	// the case's policy: change gets the amounts approved per benefit on the
	// policy's other cases, read under the lock.
	UpdateUsingPolicy(ctx context.Context, claimID string, change func(*domain.Case, map[string]int64) (tracking.Effects, error)) (domain.Case, error)
	// UpdateReading is UpdateUsingPolicy (usage) or Update whose change
	// rests on reads: read runs first, in the same transaction, with the
	// case as locked and a context under which the reads of the service's
	// database are made in that transaction; it must not change the case.
	UpdateReading(ctx context.Context, claimID string, usage bool, read func(context.Context, domain.Case) error,
		change func(*domain.Case, map[string]int64) (tracking.Effects, error)) (domain.Case, error)
	// UpdateAssessing is UpdateReading with the policy's usage whose
	// change also returns the claim's straight-through assessment (nil:
	// none), stored in the same transaction as the change: the deductible
	// an automatic decision applied is used on the policy from the commit
	// that decides, for the next holder of the policy's lock.
	// A read that returns NotDecided ends it without changing the case:
	// the assessment it carries is stored in the transaction, which
	// commits, and the zero case is returned.
	UpdateAssessing(ctx context.Context, claimID string, read func(context.Context, domain.Case) error,
		change func(*domain.Case, map[string]int64) (tracking.Effects, *StoredAssessment, error)) (domain.Case, error)
	// Timeline returns the audit of a case, oldest first.
	Timeline(ctx context.Context, claimID string) ([]domain.Change, error)
	// LetterPDF returns the stored PDF of a claim's rejection letter.
	LetterPDF(ctx context.Context, claimID string) ([]byte, error)
	// NextLetterNumber draws the next number of the rejection letters.
	NextLetterNumber(ctx context.Context) (int64, error)
	// Evidence returns what the checks need from other claims: the
	// amounts approved per benefit on the other cases of the policy, and
	// the invoices of other cases with one of c's invoice numbers.
	Evidence(ctx context.Context, c domain.Case) (map[string]int64, []domain.InvoiceMatch, error)
	// SameInvoices is the second part of Evidence alone: the invoices of
	// other cases with one of c's invoice numbers.
	SameInvoices(ctx context.Context, c domain.Case) ([]domain.InvoiceMatch, error)
	// InvoicesAlike returns the medical invoices on the other claims of
	// c's policy or c's insured with the total and date of one of c's
	// medical invoices, whatever their numbers (issue 19: a receipt number
	// read with low confidence).
	InvoicesAlike(ctx context.Context, c domain.Case) ([]domain.InvoiceMatch, error)
	// RecordRefusal records receipt, the refusal of a claim request, once
	// per event id, with alarm in the outbox in the same transaction at
	// at; it reports whether this was the first record.
	RecordRefusal(ctx context.Context, receipt inbox.Receipt, at time.Time, alarm events.Outgoing) (bool, error)
	// PaymentAuthorisations lists the agreements recorded and the advances
	// approved in [from, to), oldest first.
	PaymentAuthorisations(ctx context.Context, from, to time.Time) ([]PaymentAuthorisation, error)
	// SignalFacts returns what the fraud signals read of an account by its
	// keyed hash, for a payment on the case caseID.
	SignalFacts(ctx context.Context, accountKey, caseID string) (domain.SignalFacts, error)
	// RecentClaims counts the other cases of c's insured received since.
	RecentClaims(ctx context.Context, c domain.Case, since time.Time) (int, error)
	// Facts reads what q asks of c's policy and of other records in one
	// round trip, in the transaction of ctx when it has one (ReadingIn).
	Facts(ctx context.Context, c domain.Case, q FactsQuery) (Facts, error)
	// Exists tells whether the case of a claim is open.
	Exists(ctx context.Context, claimID string) (bool, error)
	// PutEmployees replaces the employee registry (id to account key).
	PutEmployees(ctx context.Context, employees map[string]string, by string, now time.Time) error
}

// Policies stores the policy and product data the policy system sends.
type Policies interface {
	PutProduct(ctx context.Context, p domain.Product, by string, now time.Time) (created bool, err error)
	Product(ctx context.Context, code string) (domain.Product, error)
	PutPolicy(ctx context.Context, p domain.Policy, by string, now time.Time) (created bool, err error)
	Policy(ctx context.Context, number string) (domain.Policy, error)
}

// Renderer renders a rejection notice as a PDF.
type Renderer interface {
	Render(n domain.RejectionNotice) ([]byte, error)
}

// ListFilter narrows a list of cases.
type ListFilter struct {
	State    domain.State
	Assignee string
	Limit    int
	// Offset skips that many cases of the order (oldest first receipt
	// first), to read past the first page.
	Offset int
}

// QueueFilter narrows the work queue. States empty means every state with
// work left (not agreed, not closed); Unassigned asks for cases nobody has.
type QueueFilter struct {
	States     []domain.State
	Assignee   string
	Unassigned bool
	Risk       tracking.Risk
	Limit      int
	Offset     int
	// Search finds a case by its claim number or case id (exactly), its
	// policy number (from the start) or its insured's name (any part),
	// case-insensitively (issue 20: a queue built for volume).
	Search string
	// IncidentType and Catastrophe narrow to an incident type and to a
	// catastrophe's code (CatastropheAny: every tagged case,
	// CatastropheNone: the untagged ones); Complex, when set, to complex
	// cases or to the others.
	IncidentType string
	Catastrophe  string
	Complex      *bool
	// Sort orders by a column of QueueSorts (empty: the work order, tagged
	// cases first, then soonest due); Desc reverses it.
	Sort string
	Desc bool
}

// The catastrophe filters besides a code.
const (
	CatastropheAny  = "*"
	CatastropheNone = "-"
)

// QueueSorts are the columns the queue sorts by.
func QueueSorts() []string {
	return []string{"due", "target", "received", "claim_id", "policy_number", "insured_name", "incident_type", "state", "assignee"}
}

// Workload is how many open cases a handler holds (cases not agreed or
// closed), for the assignment picker.
type Workload struct {
	Assignee string
	Open     int
	// AtRisk counts those whose owed deadline is at risk or breached.
	AtRisk int
}

// QueueItem is one case of the work queue with the deadline it owes now, if
// any: the decision (R4) before it is decided, the rejection notice (R5)
// after a rejection.
type QueueItem struct {
	Case     domain.Case
	Deadline *QueueDeadline
}

// QueueDeadline is the deadline a queued case owes and how it stands.
type QueueDeadline struct {
	Rule    deadline.RuleID
	DueAt   time.Time
	DueDate calendar.Date
	State   tracking.State
	Risk    tracking.Risk
}

// Deps are what the use cases run on.
type Deps struct {
	Cases     Repository
	Policies  Policies
	Letters   Renderer
	Tracker   *tracking.Tracker
	Topics    events.Topics
	Authority domain.Authority
	Issuer    domain.LetterIssuer
	Now       func() time.Time
	// Catastrophes stores the declared catastrophes; Directory (may be
	// nil) is the registry of the catastrophes topic; Visits stores the
	// on-site visits.
	Catastrophes CatastropheStore
	Directory    Directory
	Visits       Visits
	// Signals is how fraud signals are raised; SignalKey keys the hashes
	// of accounts they compare (none: the account signals are off).
	Signals   domain.SignalPolicy
	SignalKey []byte
	// Fingerprints make and compare the keyed fingerprints of the accounts
	// paid and of the payees' names (R11), under the keys intake and
	// payout hold too.
	Fingerprints *bankaccount.Fingerprints
	// Instructions signs the payment instructions (agreement-reached,
	// advance-approved) with adjudication's own key, in the transaction
	// that stores them in the outbox: payout pays only what it signed
	// (issue 15). Without it no instruction can be recorded.
	Instructions Signer
	// Payees seals the payee of a payment instruction for payout's public
	// key (issue 17, R11): the name and the account number never leave
	// adjudication in clear. Without it no instruction can be recorded.
	Payees *sealed.Sealer
	// Complaints stores the complaint register (R12); Indicators reads
	// the facts of the service indicators (R13) and stores payout's
	// completed payments.
	Complaints Complaints
	Indicators Indicators
	// Notes stores the case diaries (issue 20).
	Notes Notes
	// Straight stores the straight-through path's rules, assessments,
	// reviews and switch (issue 19; nil: the path is off); Auto configures
	// it and AutoEnabled is the switch before anyone changed it.
	Straight    StraightThrough
	Auto        domain.AutoPolicy
	AutoEnabled bool
	// Requests verifies that a claim request was signed by one of intake's
	// trusted keys (the attack review of issue 19); without it every
	// request is refused. RequestRefused (may be nil) is told of each
	// refused request once, when the alarm's record is stored (a log line
	// and a metric).
	Requests       RequestVerifier
	RequestRefused func(ctx context.Context, e events.Envelope, r signing.Refusal)
	// Openings (may be nil: no request waits) tells when a case opens.
	Openings Openings
	// MaxWaits is how many requests this instance holds waiting for cases
	// to open at once, over all callers (DefaultMaxWaits when zero): one
	// more is refused at once, apperr.Overloaded (session 16).
	MaxWaits int
}

// Signer signs a payment instruction's envelope (package signing).
type Signer interface {
	Sign(e events.Envelope) (events.Envelope, error)
}

// Service is adjudication's application layer.
type Service struct {
	repo         Repository
	policies     Policies
	letters      Renderer
	deadline     *tracking.Tracker
	topics       events.Topics
	authority    domain.Authority
	issuer       domain.LetterIssuer
	now          func() time.Time
	catastrophes CatastropheStore
	directory    Directory
	visits       Visits
	signals      domain.SignalPolicy
	signalKey    []byte
	fingerprints *bankaccount.Fingerprints
	instructions Signer
	payees       *sealed.Sealer
	complaints   Complaints
	indicators   Indicators
	notes        Notes
	straight     StraightThrough
	auto         domain.AutoPolicy
	autoDefault  bool
	requests     RequestVerifier
	refused      func(ctx context.Context, e events.Envelope, r signing.Refusal)
	openings     Openings
	// waits counts the requests waiting for cases to open, per caller
	// and over all (at most maxWaits).
	waits    *inflight.Counts
	maxWaits int
}

// NewService returns the use cases over d. The clock is read to the
// microsecond, the precision PostgreSQL keeps, so that a time in an answer or
// an event equals the one read back later.
func NewService(d Deps) *Service {
	now := d.Now
	if d.MaxWaits <= 0 {
		d.MaxWaits = DefaultMaxWaits
	}
	return &Service{repo: d.Cases, policies: d.Policies, letters: d.Letters, deadline: d.Tracker, topics: d.Topics,
		authority: d.Authority, issuer: d.Issuer, now: clock.Micro(now),
		catastrophes: d.Catastrophes, directory: d.Directory, visits: d.Visits, signals: d.Signals, signalKey: d.SignalKey, fingerprints: d.Fingerprints,
		instructions: d.Instructions, payees: d.Payees, complaints: d.Complaints, indicators: d.Indicators, notes: d.Notes,
		straight: d.Straight, auto: d.Auto, autoDefault: d.AutoEnabled, requests: d.Requests, refused: d.RequestRefused, openings: d.Openings,
		waits: inflight.New(MaxWaitsPerCaller, d.MaxWaits), maxWaits: d.MaxWaits}
}

// OpenCase opens the case of a claim request event, once, with its decision
// deadline (R4: 5 working days from the first receipt, or the contract's
// period), the clock stops the request brings, and its advance deadline
// (R7) once its materials are complete. A request tagged with a
// catastrophe takes the fast track (R8): see fastTrack. A request not
// signed by one of intake's trusted keys opens nothing (checkRequest),
// and is refused so before its data is read, so that a forgery that is no
// claim request raises the alarm too.
func (s *Service) OpenCase(ctx context.Context, e events.Envelope) error {
	if err := s.checkRequest(ctx, e); err != nil {
		return err
	}
	var d events.ClaimRequestedData
	if err := events.DecodeData(e, events.ClaimRequested, &d); err != nil {
		return err
	}
	now := s.now()
	c := domain.Open(caseFromRequest(e.ClaimID, d, now), domain.System("intake"), now)
	// The policy, its product and, for a request without a catastrophe's
	// tag, the declared catastrophes its incident may match, in one round
	// trip.
	facts, err := s.repo.Facts(ctx, c, FactsQuery{Catastrophes: d.CatastropheCode == ""})
	if err != nil {
		return err
	}
	pol, product := facts.Policy, facts.Product
	if pol != nil {
		c.Branch = pol.Branch
	}
	decide, err := s.decisionObligation(&c, deadline.Decision, product, now)
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	steps := []tracking.Step{tracking.Open(decide)}
	advance, started, err := s.advanceObligation(&c, now)
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	if started {
		steps = append(steps, tracking.Open(advance))
	}
	if d.CatastropheCode != "" {
		ev, err := s.evidenceOf(ctx, c, pol, product)
		if err != nil {
			return err
		}
		if err := s.fastTrack(ctx, &c, d.CatastropheCode, ev, now); err != nil {
			return err
		}
	} else if err := s.fastTrackUntagged(ctx, &c, facts.Catastrophes, now); err != nil {
		return err
	}
	receipt := inbox.Receipt{Consumer: ClaimsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	created, err := s.repo.OpenConfirmed(ctx, receipt, c, s.requestReceived(e, d, now), steps...)
	if err != nil || s.straight == nil {
		return err
	}
	var opened *policyRead
	if created {
		opened = &policyRead{policy: pol, product: product}
	}
	return s.straightThrough(ctx, e.ClaimID, d, opened)
}

// Confirm builds the receipt of a claim request for the id of the case
// that holds its claim.
type Confirm func(caseID string) (events.Outgoing, error)

// requestReceived returns the receipt of claim request e
// (events.ClaimRequestReceived), signed with adjudication's key as its
// payment instructions are: intake holds every claim it hands over to a
// receipt it can verify, so that a claim its database says handed over
// but that never reached adjudication (an insider through intake's role,
// red team session 17) raises its alarm and is handed over again. A
// request handed over again gets a receipt of its own, naming the case
// already open.
func (s *Service) requestReceived(e events.Envelope, d events.ClaimRequestedData, now time.Time) Confirm {
	return func(caseID string) (events.Outgoing, error) {
		r, err := s.instruction(events.ClaimRequestReceived, e.ClaimID, now, events.ClaimRequestReceivedData{
			ClaimID: e.ClaimID, ReportID: d.ReportID, RequestEventID: e.ID, CaseID: caseID, ReceivedAt: now.UTC()})
		if err != nil {
			return events.Outgoing{}, err
		}
		return events.Outgoing{Topic: s.topics.Adjudication(), Envelope: r}, nil
	}
}

func caseFromRequest(claimID string, d events.ClaimRequestedData, now time.Time) domain.Case {
	c := domain.Case{
		ID: uuid.NewString(), ClaimID: claimID, ReportID: d.ReportID, PolicyNumber: d.PolicyNumber,
		InsuredName: d.InsuredName, IncidentType: d.IncidentType, IncidentTime: d.IncidentTime.UTC(),
		IncidentPlace: d.IncidentPlace, FirstReceivedAt: d.FirstReceivedAt.UTC(), OpenedAt: now.UTC(),
		ClaimedAmountFen: max(d.ClaimedAmountFen, 0),
	}
	if b := d.Beneficiary; b != nil {
		c.Beneficiary = &domain.Person{Name: b.Name, Relation: b.Relation}
	}
	for _, doc := range d.Documents {
		c.Documents = append(c.Documents, domain.Document{DocumentID: doc.DocumentID, Type: doc.Type, SHA256: doc.SHA256,
			InvoiceNumber: doc.InvoiceNumber, TotalAmountFen: doc.TotalAmountFen, EventDate: doc.EventDate,
			AccountFingerprint: bankaccount.FromEvent(doc.AccountFingerprint), AccountLast4: doc.AccountLast4, HolderName: doc.HolderName})
	}
	for i, doc := range d.Documents {
		c.Documents[i].IDNumberMasked = doc.IDNumberMasked
	}
	for _, sup := range d.Supplements {
		c.Supplements = append(c.Supplements, domain.Supplement{NoticeSentAt: sup.NoticeSentAt, DeliveredAt: sup.DeliveredAt, ReceivedAt: sup.ReceivedAt,
			RequestedBy: domain.RequestedByIntake})
	}
	// Issue 19: an advance agreement counts with its payee, kept sealed as
	// received; the one without the other is none. An unkeyed fingerprint,
	// which anyone computes for any account or name, is kept as none
	// (bankaccount.FromEvent): the checks it would pass send the claim to a
	// person.
	if a, p := d.AdvanceAgreement, d.Payee; a != nil && p != nil {
		c.Advance = &domain.AdvanceAgreement{Channel: a.Channel, AgreedAt: a.AgreedAt.UTC(), PayeeRole: p.Role, BankName: p.BankName,
			AccountLast4: p.AccountLast4, AccountFingerprint: bankaccount.FromEvent(p.AccountFingerprint),
			NameFingerprint: bankaccount.FromEvent(p.NameFingerprint), AccountKey: a.AccountKey,
			Sealed: p.Sealed, EnteredBy: a.EnteredBy, EnteredVia: a.EnteredVia,
			HolderVerified: p.HolderVerified && p.HolderVerificationRef != "", HolderVerificationRef: p.HolderVerificationRef}
	}
	return c
}

// decisionObligation returns the decision deadline of c under rule (R4's 5
// working days or, for a complex case, 30 days; the product's contract
// period where it sets one), counted from the first receipt with the case's
// clock stops deducted, and paused while documents are awaited.
func (s *Service) decisionObligation(c *domain.Case, rule deadline.RuleID, product *domain.Product, now time.Time) (tracking.Deadline, error) {
	spec := tracking.Spec{ClaimID: c.ClaimID, Subject: tracking.ClaimSubject(c.ClaimID), Rule: rule, ClockStart: c.FirstReceivedAt}
	if product != nil {
		spec.Overrides = product.DeadlineOverrides
	}
	return s.obligation(c, spec, now, true)
}

// obligation returns the obligation of spec for c with the case's closed
// clock stops deducted and, when pauseOpen is set, paused while documents
// are awaited.
func (s *Service) obligation(c *domain.Case, spec tracking.Spec, now time.Time, pauseOpen bool) (tracking.Deadline, error) {
	o, err := s.deadline.New(spec, now)
	if err != nil {
		return tracking.Deadline{}, err
	}
	closed, open := c.Pauses()
	if len(closed) > 0 {
		o.Pauses = closed
		if _, err := s.deadline.Recompute(&o, now); err != nil {
			return tracking.Deadline{}, err
		}
	}
	if open != nil && pauseOpen {
		if err := s.deadline.Pause(&o, *open, now); err != nil {
			return tracking.Deadline{}, err
		}
	}
	return o, nil
}

// policyOf returns the policy and its product, or nils when the policy is
// not in adjudication's data.
func (s *Service) policyOf(ctx context.Context, number string) (*domain.Policy, *domain.Product, error) {
	p, err := s.policies.Policy(ctx, number)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	pr, err := s.policies.Product(ctx, p.ProductCode)
	if err != nil {
		return nil, nil, err
	}
	return &p, &pr, nil
}

// productOfCase returns the product of the policy of a claim's case, nil when
// the policy is not in adjudication's data.
func (s *Service) productOfCase(ctx context.Context, claimID string) (*domain.Product, error) {
	c, err := s.repo.Get(ctx, claimID)
	if err != nil {
		return nil, err
	}
	_, product, err := s.policyOf(ctx, c.PolicyNumber)
	return product, err
}

// evidence gathers what the checks read for c.
func (s *Service) evidence(ctx context.Context, c domain.Case) (domain.Evidence, error) {
	policy, product, err := s.policyOf(ctx, c.PolicyNumber)
	if err != nil {
		return domain.Evidence{}, err
	}
	return s.evidenceOf(ctx, c, policy, product)
}

// policyRead is a policy and its product as policyOf read them.
type policyRead struct {
	policy  *domain.Policy
	product *domain.Product
}

// evidenceOf is evidence with c's policy and product already read.
func (s *Service) evidenceOf(ctx context.Context, c domain.Case, policy *domain.Policy, product *domain.Product) (domain.Evidence, error) {
	used, invoices, err := s.repo.Evidence(ctx, c)
	if err != nil {
		return domain.Evidence{}, err
	}
	return domain.Evidence{Policy: policy, Product: product, UsedFen: used, Invoices: invoices}, nil
}

// instruction builds the payment instruction of t for claimID, signed with
// adjudication's key: payout refuses any instruction it did not sign.
func (s *Service) instruction(t events.Type, claimID string, now time.Time, data any) (events.Envelope, error) {
	e, err := events.New(t, Producer, claimID, now, data)
	if err != nil {
		return events.Envelope{}, err
	}
	if s.instructions == nil {
		return events.Envelope{}, errors.New("no key to sign payment instructions with (ADJUDICATION_SIGNING_KEY)")
	}
	return s.instructions.Sign(e)
}

// sealPayee returns the payee of claimID as published: sealed for payout.
func (s *Service) sealPayee(claimID string, p events.Payee) (events.Payee, error) {
	if s.payees == nil {
		return events.Payee{}, errors.New("no public key of payout to seal payees for (ADJUDICATION_PAYEE_SEAL_KEY)")
	}
	return p.SealFor(s.payees, s.fingerprints, claimID)
}

// Case returns the case of a claim.
func (s *Service) Case(ctx context.Context, claimID string) (domain.Case, error) {
	return s.repo.Get(ctx, claimID)
}

// Cases lists cases, oldest request first.
func (s *Service) Cases(ctx context.Context, f ListFilter) ([]domain.Case, error) {
	return s.repo.List(ctx, f)
}

// Queue returns the work queue, soonest deadline first.
func (s *Service) Queue(ctx context.Context, f QueueFilter) ([]QueueItem, error) {
	return s.repo.Queue(ctx, f, s.now())
}

// QueueTotal counts the cases of the queue f selects over every page.
func (s *Service) QueueTotal(ctx context.Context, f QueueFilter) (int, error) {
	return s.repo.QueueTotal(ctx, f, s.now())
}

// Workloads lists the open cases each handler holds, most first, for the
// console's assignment picker.
func (s *Service) Workloads(ctx context.Context) ([]Workload, error) {
	return s.repo.Workloads(ctx, s.now())
}

// Timeline returns the audit of a case: every change, who made it, when and
// why, oldest first.
func (s *Service) Timeline(ctx context.Context, claimID string) ([]domain.Change, error) {
	return s.repo.Timeline(ctx, claimID)
}

// Checks runs the automatic checks on a case now.
func (s *Service) Checks(ctx context.Context, claimID string) ([]domain.CheckResult, error) {
	c, err := s.repo.Get(ctx, claimID)
	if err != nil {
		return nil, err
	}
	ev, err := s.evidence(ctx, c)
	if err != nil {
		return nil, err
	}
	return domain.RunChecks(&c, ev), nil
}
