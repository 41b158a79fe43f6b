package domain

import (
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
)

// The states of an on-site visit: to arrange, arranged (address and time
// agreed with the contact), done, or cancelled.
const (
	VisitToArrange = "to_arrange"
	VisitArranged  = "arranged"
	VisitDone      = "done"
	VisitCancelled = "cancelled"
)

// VisitStates lists the states of a visit in the order of its life.
func VisitStates() []string {
	return []string{VisitToArrange, VisitArranged, VisitDone, VisitCancelled}
}

// visitMoves lists the states a visit may move to from state from.
func visitMoves(from string) []string {
	switch from {
	case VisitToArrange:
		return []string{VisitArranged, VisitCancelled}
	case VisitArranged:
		return []string{VisitDone, VisitCancelled, VisitToArrange}
	}
	return nil
}

// Visit is an on-site service visit (现场服务) to a claimant of a tagged
// case (R8, Reg. art. 27: the emergency plan's on-site service): opened at
// once for deaths and disabilities, or when a handler asks for one. The
// contact's phone is personal data (R11): it is shown only to the claims
// staff who arrange the visit.
type Visit struct {
	ID           string
	ClaimID      string
	CaseID       string
	Address      string
	ContactName  string
	ContactPhone string
	State        string
	Reason       string
	Note         string
	ScheduledFor *time.Time
	RequestedBy  string
	CreatedAt    time.Time
	UpdatedBy    string
	UpdatedAt    time.Time
	Version      int
}

// VisitInput is a visit as a handler asks for it.
type VisitInput struct {
	Address      string
	ContactName  string
	ContactPhone string
	Reason       string
}

// VisitPatch changes a visit; nil members stay as they are.
type VisitPatch struct {
	State        *string
	Address      *string
	ContactName  *string
	ContactPhone *string
	Note         *string
	ScheduledFor *time.Time
	Version      int
}

// Limits on visits.
const (
	maxVisitAddress = 200
	maxVisitPhone   = 32
)

// NewSiteVisit returns the visit for c that the case's opening asks for
// (deaths and disabilities of tagged cases): the contact is the beneficiary
// or the insured, the address is to be found.
func NewSiteVisit(c *Case, id string, now time.Time) Visit {
	contact := c.InsuredName
	if c.Beneficiary != nil {
		contact = c.Beneficiary.Name
	}
	t := now.UTC()
	return Visit{ID: id, ClaimID: c.ClaimID, CaseID: c.ID, ContactName: contact, State: VisitToArrange,
		Reason: "catastrophe " + c.Catastrophe.Code + ": " + c.IncidentType + " claim", RequestedBy: System("adjudication").Subject,
		CreatedAt: t, UpdatedBy: System("adjudication").Subject, UpdatedAt: t, Version: 1}
}

// RequestSiteVisit is a handler's request for a visit on case c, recorded
// in the case's audit. A closed case gets none. A handler acts on their own
// case, or takes an unassigned one (issue 14: assignment means ownership);
// the catastrophe team arranges visits on any case (R8).
func (c *Case) RequestSiteVisit(actor Actor, in VisitInput, id string, now time.Time) (Visit, error) {
	v := Visit{ID: id, ClaimID: c.ClaimID, CaseID: c.ID, State: VisitToArrange, RequestedBy: actor.Subject,
		CreatedAt: now.UTC(), UpdatedBy: actor.Subject, UpdatedAt: now.UTC(), Version: 1}
	var err error
	if v.Reason, err = requiredText("reason", in.Reason, maxReason, "say why a visit is needed"); err != nil {
		return Visit{}, err
	}
	if v.Address, err = shortText("address", in.Address, maxVisitAddress, false); err != nil {
		return Visit{}, err
	}
	if v.ContactName, err = shortText("contact_name", in.ContactName, maxShortText, true); err != nil {
		return Visit{}, err
	}
	if v.ContactPhone, err = phone(in.ContactPhone); err != nil {
		return Visit{}, err
	}
	if c.State == StateClosed {
		return Visit{}, c.refuse("get an on-site visit")
	}
	if !actor.Has(RoleCoordinator) {
		if err := c.mayAct(actor, "request an on-site visit", now); err != nil {
			return Visit{}, err
		}
	}
	c.record(Change{Action: ActionSiteVisitRequested, From: c.State, To: c.State, Actor: actor.Subject, Reason: v.Reason, At: now,
		Details: map[string]any{"visit_id": id}})
	return v, nil
}

func phone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxVisitPhone || strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789+- ", r) }) {
		return "", apperr.InvalidField("contact_phone", "must be a phone number of digits, spaces, '+' and '-', up to %d characters", maxVisitPhone)
	}
	return s, nil
}

// Update applies patch, made by actor: the details, and a move along the
// visit's life. An arranged visit has an address and a time.
func (v *Visit) Update(actor Actor, p VisitPatch, now time.Time) error {
	if p.Version != 0 && p.Version != v.Version {
		return apperr.New(apperr.Conflict, "visit %s changed since you read it (you saw version %d, it is now %d)", v.ID, p.Version, v.Version)
	}
	if v.State == VisitDone || v.State == VisitCancelled {
		return apperr.New(apperr.Conflict, "visit %s is %s: it changes no more", v.ID, v.State)
	}
	var err error
	if p.Address != nil {
		if v.Address, err = shortText("address", *p.Address, maxVisitAddress, false); err != nil {
			return err
		}
	}
	if p.ContactName != nil {
		if v.ContactName, err = shortText("contact_name", *p.ContactName, maxShortText, true); err != nil {
			return err
		}
	}
	if p.ContactPhone != nil {
		if v.ContactPhone, err = phone(*p.ContactPhone); err != nil {
			return err
		}
	}
	if p.Note != nil {
		if v.Note, err = optionalText("note", *p.Note, maxNote); err != nil {
			return err
		}
	}
	if p.ScheduledFor != nil {
		at := p.ScheduledFor.UTC().Truncate(time.Microsecond)
		v.ScheduledFor = &at
	}
	if p.State != nil && *p.State != v.State {
		to := *p.State
		if !slices.Contains(VisitStates(), to) {
			return apperr.InvalidField("state", "must be one of %s", strings.Join(VisitStates(), ", "))
		}
		if !slices.Contains(visitMoves(v.State), to) {
			return apperr.New(apperr.Conflict, "visit %s is %s: it cannot become %s", v.ID, v.State, to)
		}
		v.State = to
	}
	if v.State == VisitArranged && (v.Address == "" || v.ScheduledFor == nil) {
		return apperr.InvalidField("address", "an arranged visit needs the address and scheduled_for")
	}
	v.UpdatedBy, v.UpdatedAt = actor.Subject, now.UTC()
	v.Version++
	return nil
}
