package app

import (
	"context"
	"errors"
	"fmt"

	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/inbox"
)

// RefusedRequestsConsumer is the inbox name under which the alarm of a
// refused claim request is recorded, once per event id. It is not
// ClaimsConsumer, so that a forgery refused under some event id never
// makes adjudication skip a genuine request of the same id.
const RefusedRequestsConsumer = "adjudication.refused-requests"

// UnknownSchemaVersion is the reason of the refusal of a claim request
// whose schema version adjudication cannot read, signed or not.
const UnknownSchemaVersion signing.Reason = "unknown_schema_version"

// RequestVerifier checks the signature of a claim request and the owner of
// its key; a refusal is a *signing.Refusal.
type RequestVerifier interface {
	Verify(e events.Envelope) error
}

// checkRequest lets a claim request through only when it is signed by one
// of intake's trusted keys (the attack review of issue 19). Adjudication
// decides and pays with no person on what the request says: who entered
// each document and the payee (entered_via, entered_by, corrected_by), what
// was read from the documents and the advance agreement. A writer of
// intake's topic other than intake (a leaked credential, a bug elsewhere)
// could otherwise say a clerk's forged bank card came from the claimant.
// Anything unsigned, signed with another key, changed after signing or
// naming another source opens no case, so nothing is decided or paid on
// it: the alarm is raised once per event (claims.adjudication.claim-request-refused
// on adjudication's topic, and what RequestRefused tells) and the error
// returned wraps events.ErrMalformed, so that the consumer parks the event
// as a dead letter for a person.
//
// A notice's delivery intake announces after the hand-over
// (RecordIntakeDelivery) moves the decision deadline, and is checked the
// same way.
//
// A request signed by intake whose schema version adjudication cannot read
// (intake upgraded first, or a writer of the topic probing it) is refused
// the same way, as UnknownSchemaVersion, rather than parked unseen.
func (s *Service) checkRequest(ctx context.Context, e events.Envelope) error {
	r := signing.Check(s.requests, e)
	version := events.ClaimRequested.Version
	if e.Type == events.NoticeDelivered.Name {
		version = events.NoticeDelivered.Version
	}
	if r == nil && e.SchemaVersion != version {
		r = &signing.Refusal{Reason: UnknownSchemaVersion,
			Detail: fmt.Sprintf("schema version %d; adjudication reads version %d", e.SchemaVersion, version)}
	}
	if r == nil {
		return nil
	}
	now := s.now()
	alarm, err := events.New(events.ClaimRequestRefused, Producer, e.ClaimID, now, events.InstructionRefusedData{
		EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID, Source: e.Source, KeyID: r.KeyID,
		Reason: string(r.Reason), Detail: r.Detail, DetectedAt: now})
	if err != nil {
		return err
	}
	receipt := inbox.Receipt{Consumer: RefusedRequestsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	raised, err := s.repo.RecordRefusal(ctx, receipt, now, events.Outgoing{Topic: s.topics.Adjudication(), Envelope: alarm})
	if err != nil {
		return err
	}
	if raised && s.refused != nil {
		s.refused(ctx, e, *r)
	}
	return errors.Join(events.ErrMalformed, r)
}
