package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/catastrophe"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
)

// CatastropheStore stores the declared catastrophes and the append-only
// audit of their declarations and switches (who, when, why), each change
// with the state event it publishes, in one transaction.
type CatastropheStore interface {
	// Declare stores a new catastrophe; a code declared before is a
	// conflict.
	Declare(ctx context.Context, c catastrophe.Catastrophe, e events.Outgoing) error
	// Switch loads catastrophe code under a row lock, applies change and
	// stores the result, its audit entry and its events.
	Switch(ctx context.Context, code string, change func(catastrophe.Catastrophe) (catastrophe.Catastrophe, events.Outgoing, error)) (catastrophe.Catastrophe, error)
	Get(ctx context.Context, code string) (catastrophe.Catastrophe, error)
	List(ctx context.Context) ([]catastrophe.Catastrophe, error)
	// Switches returns the audit of a catastrophe, oldest first.
	Switches(ctx context.Context, code string) ([]CatastropheChange, error)
}

// CatastropheChange is one entry of a catastrophe's audit: its declaration
// or a switch of its mode, who made it, when and why, and the version it
// made.
type CatastropheChange struct {
	Version int
	Action  string
	Actor   string
	Reason  string
	At      time.Time
	Active  bool
}

// The actions of a catastrophe's audit.
const (
	CatastropheDeclared    = "declared"
	CatastropheActivated   = "activated"
	CatastropheDeactivated = "deactivated"
)

// Directory finds a catastrophe by its code among those the service follows
// on the catastrophes topic (package catbus).
type Directory interface {
	Get(code string) (catastrophe.Catastrophe, bool)
}

// Visits stores the on-site visits of cases.
type Visits interface {
	List(ctx context.Context, f VisitFilter) ([]domain.Visit, error)
	// Update loads visit id under a row lock, lets change change it and
	// stores the result.
	Update(ctx context.Context, id string, change func(*domain.Visit) error) (domain.Visit, error)
}

// VisitFilter narrows the list of visits: of one claim, in some states.
type VisitFilter struct {
	ClaimID string
	States  []string
	Limit   int
}

// catastropheEvent is the state event of c on the compacted catastrophes
// topic, keyed by its code.
func (s *Service) catastropheEvent(c catastrophe.Catastrophe, now time.Time) (events.Outgoing, error) {
	e, err := events.New(events.CatastropheState, Producer, c.Key(), now, c.State())
	return events.Outgoing{Topic: s.topics.Catastrophes(), Envelope: e}, err
}

// DeclareCatastrophe declares a catastrophe with its advance policy, its
// fast-track mode off, and announces it to every service (R8).
func (s *Service) DeclareCatastrophe(ctx context.Context, actor domain.Actor, d catastrophe.Declaration) (catastrophe.Catastrophe, error) {
	now := s.now()
	c, err := catastrophe.Declare(d, actor.Subject, now)
	if err != nil {
		return catastrophe.Catastrophe{}, err
	}
	e, err := s.catastropheEvent(c, now)
	if err != nil {
		return catastrophe.Catastrophe{}, err
	}
	return c, s.catastrophes.Declare(ctx, c, e)
}

// SwitchCatastrophe switches the fast-track mode of catastrophe code on or
// off for reason, recording who and when, and announces the new state to
// every service through the compacted topic.
//
// Switched on, it also tags the open cases filed before, whose place, date
// and type the catastrophe covers (tagOpenCases), so that they join the
// fast channel too.
func (s *Service) SwitchCatastrophe(ctx context.Context, actor domain.Actor, code string, active bool, reason string) (catastrophe.Catastrophe, error) {
	c, err := s.switchCatastrophe(ctx, actor, code, active, reason)
	if err != nil || !c.Active {
		return c, err
	}
	return c, s.tagOpenCases(ctx, actor, c)
}

// tagOpenCases tags, each in its own transaction, the undecided untagged
// cases cat covers (R8), recorded on each case's timeline as the
// activation's. A case decided or tagged meanwhile is left as it is.
// Each state is read page by page to its end.
func (s *Service) tagOpenCases(ctx context.Context, actor domain.Actor, cat catastrophe.Catastrophe) error {
	const page = 500
	for _, state := range domain.UndecidedStates() {
		for offset := 0; ; offset += page {
			cases, err := s.repo.List(ctx, ListFilter{State: state, Limit: page, Offset: offset})
			if err != nil {
				return err
			}
			if err := s.tagCases(ctx, actor, cat, cases); err != nil {
				return err
			}
			if len(cases) < page {
				break
			}
		}
	}
	return nil
}

// tagCases tags those of cases that cat covers and nothing tagged yet.
func (s *Service) tagCases(ctx context.Context, actor domain.Actor, cat catastrophe.Catastrophe, cases []domain.Case) error {
	for _, listed := range cases {
		if listed.Catastrophe != nil || !cat.Covers(listed.IncidentPlace, listed.IncidentTime, listed.IncidentType) {
			continue
		}
		ev, err := s.evidence(ctx, listed)
		if err != nil {
			return err
		}
		_, err = s.repo.Update(ctx, listed.ClaimID, func(c *domain.Case) (tracking.Effects, error) {
			if c.Catastrophe != nil || !c.State.Undecided() {
				return tracking.Effects{}, nil
			}
			now := s.now()
			return tracking.Effects{}, s.joinFastTrack(c, cat, ev, now, func(t domain.Tag) { c.TagOnActivation(cat, t, actor, now) })
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fastTrackUntagged tags a case whose claim request came without a tag
// when an active catastrophe covers it (R8): its report was filed before
// the catastrophe was switched on, and intake keeps the channel a report
// was given. The catastrophes, all (OpenCase reads them with the policy,
// FactsQuery.Catastrophes), are read from the service's own table, where
// a switch is committed before tagOpenCases looks for the cases open then.
// When several cover it, the one declared first wins, as in intake.
func (s *Service) fastTrackUntagged(ctx context.Context, c *domain.Case, all []catastrophe.Catastrophe, now time.Time) error {
	var found *catastrophe.Catastrophe
	for i, cat := range all {
		if cat.Matches(c.IncidentPlace, c.IncidentTime, c.IncidentType) && (found == nil || cat.DeclaredAt.Before(found.DeclaredAt)) {
			found = &all[i]
		}
	}
	if found == nil {
		return nil
	}
	ev, err := s.evidence(ctx, *c)
	if err != nil {
		return err
	}
	cat := *found
	return s.joinFastTrack(c, cat, ev, now, func(t domain.Tag) { c.TagOnActivation(cat, t, domain.System("adjudication"), now) })
}

func (s *Service) switchCatastrophe(ctx context.Context, actor domain.Actor, code string, active bool, reason string) (catastrophe.Catastrophe, error) {
	return s.catastrophes.Switch(ctx, code, func(c catastrophe.Catastrophe) (catastrophe.Catastrophe, events.Outgoing, error) {
		now := s.now()
		next, err := c.Switch(active, reason, actor.Subject, now)
		if err != nil {
			return catastrophe.Catastrophe{}, events.Outgoing{}, err
		}
		e, err := s.catastropheEvent(next, now)
		return next, e, err
	})
}

// CatastropheCounts are the numbers of cases of one catastrophe, counted by
// the server over every case (R8): those tagged, of them those still
// undecided, and the undecided untagged cases it covers, which switching it
// on would tag now.
type CatastropheCounts struct {
	Tagged, Undecided, Untagged int64
}

// CatastropheCounts counts the cases of catastrophe code; Untagged is what
// tagOpenCases would tag were the catastrophe switched on now.
func (s *Service) CatastropheCounts(ctx context.Context, code string) (CatastropheCounts, error) {
	cat, err := s.catastrophes.Get(ctx, code)
	if err != nil {
		return CatastropheCounts{}, err
	}
	var n CatastropheCounts
	if n.Tagged, n.Undecided, err = s.repo.CountTagged(ctx, code); err != nil {
		return CatastropheCounts{}, err
	}
	const page = 500
	for _, state := range domain.UndecidedStates() {
		for offset := 0; ; offset += page {
			cases, err := s.repo.List(ctx, ListFilter{State: state, Limit: page, Offset: offset})
			if err != nil {
				return CatastropheCounts{}, err
			}
			for _, c := range cases {
				if c.Catastrophe == nil && cat.Covers(c.IncidentPlace, c.IncidentTime, c.IncidentType) {
					n.Untagged++
				}
			}
			if len(cases) < page {
				break
			}
		}
	}
	return n, nil
}

// Catastrophes lists the declared catastrophes.
func (s *Service) Catastrophes(ctx context.Context) ([]catastrophe.Catastrophe, error) {
	return s.catastrophes.List(ctx)
}

// CatastropheSwitches returns the audit of catastrophe code: its
// declaration and every switch, oldest first.
func (s *Service) CatastropheSwitches(ctx context.Context, code string) ([]CatastropheChange, error) {
	return s.catastrophes.Switches(ctx, code)
}

// catastrophe finds the catastrophe a claim request is tagged with: in the
// directory the service follows, or in the service's own table (it declared
// it) while the topic has not brought it yet.
func (s *Service) catastrophe(ctx context.Context, code string) (catastrophe.Catastrophe, bool, error) {
	if s.directory != nil {
		if c, ok := s.directory.Get(code); ok {
			return c, true, nil
		}
	}
	c, err := s.catastrophes.Get(ctx, code)
	if apperr.CodeOf(err) == apperr.NotFound {
		return catastrophe.Catastrophe{}, false, nil
	}
	return c, err == nil, err
}

// catastropheSubject names nothing tracked: the internal target of a tagged
// case is computed like a contract's decision period, never stored as an
// obligation (it is the company's target, not R4's, and the R13 report
// counts obligations by rule).
func catastropheSubject(claimID string) string { return "catastrophe/" + claimID }

// fastTrack tags a case whose claim request carries a catastrophe code
// (R8): the internal target, the advance offered when the policy is
// verified and the incident type eligible, and an on-site visit for deaths
// and disabilities. A tag of a catastrophe nobody declared is ignored and
// the case takes the normal path, noted in the audit.
func (s *Service) fastTrack(ctx context.Context, c *domain.Case, code string, ev domain.Evidence, now time.Time) error {
	cat, ok, err := s.catastrophe(ctx, code)
	if err != nil {
		return err
	}
	if !ok {
		c.Changes = append(c.Changes, domain.Change{Action: domain.ActionTagIgnored, From: c.State, To: c.State,
			Actor: domain.System("adjudication").Subject, At: now.UTC(),
			Reason: "catastrophe " + code + " is not declared: the case takes the normal path"})
		return nil
	}
	return s.joinFastTrack(c, cat, ev, now, func(t domain.Tag) { c.TagWith(cat, t, now) })
}

// joinFastTrack puts c on cat's fast channel: tag computes the internal
// target and records the tag; the advance is offered and an on-site visit
// asked for as at the case's opening.
func (s *Service) joinFastTrack(c *domain.Case, cat catastrophe.Catastrophe, ev domain.Evidence, now time.Time, tag func(domain.Tag)) error {
	target, err := s.obligation(c, tracking.Spec{ClaimID: c.ClaimID, Subject: catastropheSubject(c.ClaimID), Rule: deadline.Decision,
		ClockStart: c.FirstReceivedAt, Overrides: []deadline.Override{{Rule: deadline.Decision, Length: cat.InternalTargetWorkingDays,
			Unit: deadline.WorkingDays}}}, now, false)
	if err != nil {
		// A first receipt no calendar can count from: the event's fault.
		return errors.Join(events.ErrMalformed, err)
	}
	tag(domain.Tag{TargetDueDate: target.DueDate, TargetDueAt: target.DueAt, TargetAtRiskFrom: target.AtRiskFrom})
	c.OfferCatastropheAdvance(cat, ev, uuid.NewString(), now)
	if c.NeedsSiteVisit() {
		c.NewVisits = append(c.NewVisits, domain.NewSiteVisit(c, uuid.NewString(), now))
	}
	return nil
}

// advanceObligation is the R7 obligation of c (Insurance Law art. 25): pay
// in advance what can be determined if the amount is still not determined
// 60 days after the claim request and its materials were received. The
// clock starts when the materials are complete: the first receipt, or the
// arrival of the last supplement asked for. While documents are awaited it
// has not started, and it reports false.
func (s *Service) advanceObligation(c *domain.Case, now time.Time) (tracking.Deadline, bool, error) {
	start := c.FirstReceivedAt
	for _, sup := range c.Supplements {
		if sup.ReceivedAt == nil {
			return tracking.Deadline{}, false, nil
		}
		if sup.ReceivedAt.After(start) {
			start = *sup.ReceivedAt
		}
	}
	o, err := s.deadline.New(tracking.Spec{ClaimID: c.ClaimID, Subject: tracking.ClaimSubject(c.ClaimID), Rule: deadline.AdvancePayment, ClockStart: start}, now)
	return o, err == nil, err
}

// RecordAdvance approves an advance on a claim with its payee, as a handler
// records it: the catastrophe advance offered at the case's opening (R8),
// or the amount that can already be determined (R7). payout pays it at
// once, a tagged case's first (Priority), and deducts it from the final
// settlement. The approval leaves the R7 obligation owed: Insurance Law
// art. 25 asks for a payment, so R7 is met when payout completes the
// advance (RecordPayout). Whoever entered what the straight-through path
// left to a second person (entered_by_staff) approves no advance on it, as
// they do not decide it (the attack review of issue 19).
func (s *Service) RecordAdvance(ctx context.Context, actor domain.Actor, claimID string, in domain.AdvanceInput) (domain.Case, error) {
	var ev domain.Evidence
	// What the approval rests on is read with the case locked, in the
	// transaction that stores it: the account's uses under the account's
	// lock, so that two advances naming one account at once see each other
	// (the shared_account signal), as two agreements do.
	read := func(ctx context.Context, c domain.Case) (err error) {
		if ev, err = s.evidence(ctx, c); err != nil {
			return err
		}
		in.Policy = ev.Policy
		if in.Facts, err = s.repo.SignalFacts(ctx, domain.AccountKey(s.signalKey, in.Payee.AccountNumber), c.ID); err != nil {
			return err
		}
		// Who entered what the claim rests on may neither approve the
		// advance (domain.ApproveAdvance) nor confirm its payee in payout
		// (AdvanceApprovedData.EnteredBy).
		in.EnteredBy, err = s.enteredByStaff(ctx, claimID)
		return err
	}
	in.Signals, in.Fingerprints = s.signals, s.fingerprints
	return s.repo.UpdateReading(ctx, claimID, true, read, func(c *domain.Case, used map[string]int64) (tracking.Effects, error) {
		// The contract's limits under the policy's lock, as for a decision.
		ev.UsedFen = used
		in.Limits = domain.MaxPayableOf(c, ev)
		now := s.now()
		raised := len(c.Signals)
		a, account, err := c.ApproveAdvance(actor, s.authority, in, uuid.NewString(), now)
		if err != nil {
			return tracking.Effects{}, err
		}
		signals, err := s.signalEvents(c, raised)
		if err != nil {
			return tracking.Effects{}, err
		}
		p := a.Payee
		payee := events.Payee{Name: p.Name, Role: p.Role, BankName: p.BankName, AccountNumber: account}
		if o := p.OnBehalfOf; o != nil {
			payee.OnBehalfOf = &events.Person{Name: o.Name, Relation: o.Relation}
		}
		if payee, err = s.sealPayee(c.ClaimID, payee); err != nil {
			return tracking.Effects{}, err
		}
		e, err := s.instruction(events.AdvanceApproved, c.ClaimID, now, events.AdvanceApprovedData{
			AdvanceID: a.ID, ClaimID: c.ClaimID, CaseID: c.ID, PolicyNumber: c.PolicyNumber, Ground: a.Ground,
			CatastropheCode: a.CatastropheCode, AmountFen: a.AmountFen, Currency: "CNY", ExpectedBenefitFen: a.ExpectedBenefitFen,
			Payee: payee, ApprovedBy: a.ApprovedBy, ApprovedAt: *a.ApprovedAt, Priority: c.Catastrophe != nil, OfferedBy: a.OfferedBy,
			EnteredBy: in.EnteredBy,
		})
		if err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Events: append([]events.Outgoing{{Topic: s.topics.Adjudication(), Envelope: e}}, signals...)}, nil
	})
}

// The bulk actions on cases.
const (
	BulkAssign      = "assign"
	BulkStartReview = "start_review"
)

// MaxBulk bounds the cases of one bulk action.
const MaxBulk = 200

// BulkResult is what a bulk action did to one case: the case changed, or
// the error that left it as it was.
type BulkResult struct {
	ClaimID string
	Case    domain.Case
	Err     error
}

// Bulk applies action to each of claimIDs, each case in its own
// transaction, as the catastrophe team and senior handlers dispatch a surge
// of tagged cases (R8): assign gives each to assignee; start_review puts
// each under review for assignee (or the actor). A case that cannot be
// changed keeps its state and its error is reported; the others change.
func (s *Service) Bulk(ctx context.Context, actor domain.Actor, claimIDs []string, action, assignee string) ([]BulkResult, error) {
	if len(claimIDs) == 0 || len(claimIDs) > MaxBulk {
		return nil, apperr.InvalidField("claim_ids", "must list 1 to %d claims", MaxBulk)
	}
	for i, id := range claimIDs {
		if strings.TrimSpace(id) == "" || slices.Contains(claimIDs[:i], id) {
			return nil, apperr.InvalidField("claim_ids", "must list distinct claim ids; %q is empty or listed twice", id)
		}
	}
	assignee = strings.TrimSpace(assignee)
	var do func(c *domain.Case, now time.Time) error
	switch action {
	case BulkAssign:
		if assignee == "" {
			return nil, apperr.InvalidField("assignee", "is required to assign")
		}
		do = func(c *domain.Case, now time.Time) error { return c.Assign(actor, assignee, "bulk assignment", now) }
	case BulkStartReview:
		do = func(c *domain.Case, now time.Time) error { return c.StartReviewFor(actor, assignee, now) }
	default:
		return nil, apperr.InvalidField("action", "must be %s or %s", BulkAssign, BulkStartReview)
	}
	out := make([]BulkResult, len(claimIDs))
	for i, id := range claimIDs {
		c, err := s.change(ctx, id, do)
		out[i] = BulkResult{ClaimID: id, Case: c, Err: err}
		if err != nil && apperr.CodeOf(err) == apperr.Internal {
			return nil, err
		}
	}
	return out, nil
}

// RequestSiteVisit asks for an on-site visit on a claim (R8: on-site
// service), recorded in the case's audit.
func (s *Service) RequestSiteVisit(ctx context.Context, actor domain.Actor, claimID string, in domain.VisitInput) (domain.Visit, error) {
	var v domain.Visit
	_, err := s.change(ctx, claimID, func(c *domain.Case, now time.Time) error {
		var err error
		if v, err = c.RequestSiteVisit(actor, in, uuid.NewString(), now); err != nil {
			return err
		}
		c.NewVisits = append(c.NewVisits, v)
		return nil
	})
	return v, err
}

// SiteVisits lists visits, those still to arrange first.
func (s *Service) SiteVisits(ctx context.Context, f VisitFilter) ([]domain.Visit, error) {
	return s.visits.List(ctx, f)
}

// UpdateSiteVisit changes a visit: its details, and its state as it is
// arranged, done or cancelled.
func (s *Service) UpdateSiteVisit(ctx context.Context, actor domain.Actor, id string, p domain.VisitPatch) (domain.Visit, error) {
	return s.visits.Update(ctx, id, func(v *domain.Visit) error { return v.Update(actor, p, s.now()) })
}
