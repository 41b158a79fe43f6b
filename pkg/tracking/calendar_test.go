package tracking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/calendar/calendartest"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/inbox"
	"claims.local/pkg/tracking"
)

// calendarStore keeps the calendar versions and announcements in memory;
// the other methods of tracking.Store are not called by these tests.
type calendarStore struct {
	tracking.Store
	versions  []tracking.CalendarVersion
	announced []events.Outgoing
}

func (s *calendarStore) CalendarVersions(context.Context) ([]tracking.CalendarVersion, error) {
	return s.versions, nil
}

func (s *calendarStore) StoreCalendar(_ context.Context, r inbox.Receipt, v tracking.CalendarVersion, _ []byte) error {
	for _, stored := range s.versions {
		if stored.EventID == r.EventID {
			return nil // the inbox absorbs a redelivery
		}
	}
	s.versions = append(s.versions, v)
	return nil
}

func (s *calendarStore) Announce(_ context.Context, out []events.Outgoing) error {
	s.announced = append(s.announced, out...)
	return nil
}

func newSigner(t *testing.T, id string) *signing.Signer {
	t.Helper()
	s, err := signing.Generate(id)
	require.NoError(t, err)
	return s
}

// TestACalendarVersionIsAppliedOnlySignedByItsPublisher: the calendar has
// one publisher, adjudication (red team, session 12). A version read from
// the topic is applied only with adjudication's signature and source;
// anything else is malformed (parked), whatever it says, and a version
// stored already is left to the inbox. A service without the signing key
// refuses a submission (409); the publisher's announcement verifies.
func TestACalendarVersionIsAppliedOnlySignedByItsPublisher(t *testing.T) {
	now := at(t, "2026-12-07T10:00:00+08:00")
	publisher := newSigner(t, "adj-1")
	trusted, err := signing.ParseTrusted(tracking.CalendarPublisher, publisher.Public())
	require.NoError(t, err)
	intake := newSigner(t, "intake-1")
	coming := calendartest.WithOffDays(t, "test holiday", calendar.Date{Year: 2026, Month: 12, Day: 14}, calendar.Date{Year: 2026, Month: 12, Day: 15})
	gone := calendartest.WithOffDays(t, "test holiday", calendar.Date{Year: 2026, Month: 12, Day: 3})
	envelope := func(source string, data []byte) events.Envelope {
		e, err := events.New(events.CalendarUpdated, source, events.CalendarKey, now, events.CalendarUpdatedData{
			Version: "v", Calendar: data, Reason: "国务院办公厅通知", SubmittedBy: "admin-1", SubmittedAt: now})
		require.NoError(t, err)
		return e
	}
	sign := func(s *signing.Signer, e events.Envelope) events.Envelope {
		signed, err := s.Sign(e)
		require.NoError(t, err)
		return signed
	}
	tampered := sign(publisher, envelope("adjudication", coming))
	tampered.Data = []byte(string(tampered.Data[:len(tampered.Data)-1]) + ` }`)
	for _, tc := range []struct {
		name    string
		e       events.Envelope
		reason  signing.Reason // "" when the version applies
		applied bool
	}{
		{"signed by adjudication, days to come", sign(publisher, envelope("adjudication", coming)), "", true},
		{"unsigned", envelope("adjudication", coming), signing.Unsigned, false},
		{"a fresh key", sign(newSigner(t, "attacker"), envelope("adjudication", coming)), signing.UnknownKey, false},
		{"adjudication's key id, another key", sign(newSigner(t, "adj-1"), envelope("adjudication", coming)), signing.BadSignature, false},
		{"changed after signing", tampered, signing.BadSignature, false},
		{"intake's key, as intake", sign(intake, envelope("intake", coming)), signing.WrongSource, false},
		{"intake's key, as adjudication", sign(intake, envelope("adjudication", coming)), signing.UnknownKey, false},
		{"signed by adjudication, a day gone", sign(publisher, envelope("adjudication", gone)), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &calendarStore{}
			d := &tracking.UseCases{Service: "payout", Store: store, Tracker: newTracker(), Now: func() time.Time { return now },
				CalendarPublisher: trusted}
			err := d.ApplyCalendarEvent(context.Background(), tc.e)
			if tc.applied {
				require.NoError(t, err)
				require.Len(t, store.versions, 1, "versions stored")
				return
			}
			if !errors.Is(err, events.ErrMalformed) {
				t.Fatalf("got %v, want a malformed event (parked)", err)
			}
			var refusal *signing.Refusal
			switch {
			case tc.reason != "" && (!errors.As(err, &refusal) || refusal.Reason != tc.reason):
				t.Fatalf("got %v, want refused as %s", err, tc.reason)
			case len(store.versions) != 0:
				t.Fatalf("got %d versions stored, want none", len(store.versions))
			}
		})
	}

	t.Run("a stored version redelivered is left to the inbox", func(t *testing.T) {
		e := sign(publisher, envelope("adjudication", coming))
		store := &calendarStore{versions: []tracking.CalendarVersion{{Seq: 1, EventID: e.ID}}}
		d := &tracking.UseCases{Service: "payout", Store: store, Tracker: newTracker(), Now: func() time.Time { return now }, CalendarPublisher: trusted}
		require.NoError(t, d.ApplyCalendarEvent(context.Background(), e))
		require.Len(t, store.versions, 1)
	})

	t.Run("only the publisher takes a submission, and signs it", func(t *testing.T) {
		sub := tracking.CalendarSubmission{Calendar: coming, Reason: "国务院办公厅通知", SubmittedBy: "admin-1"}
		other := &tracking.UseCases{Service: "intake", Store: &calendarStore{}, Tracker: newTracker(), Now: func() time.Time { return now }, CalendarPublisher: trusted}
		if _, err := other.SubmitCalendar(context.Background(), sub); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("intake: got %v, want a conflict naming the publisher", err)
		}
		store := &calendarStore{}
		pub := &tracking.UseCases{Service: "adjudication", Store: store, Tracker: newTracker(), Now: func() time.Time { return now },
			CalendarSigner: publisher, CalendarPublisher: trusted}
		_, err := pub.SubmitCalendar(context.Background(), sub)
		require.NoError(t, err)
		require.Len(t, store.announced, 1)
		if err := trusted.Verify(store.announced[0].Envelope); err != nil {
			t.Fatalf("got %v, want the announced version signed by the publisher", err)
		}
	})
}
