package tracking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/inbox"
)

// ListFilter narrows a list of obligations. Empty fields do not filter.
// Risk is evaluated at the time of the call.
type ListFilter struct {
	States  []State
	Risk    Risk
	Rule    deadline.RuleID
	ClaimID string
	DueFrom *time.Time
	DueTo   *time.Time
	Limit   int
	// After continues a list after the obligation with this due time and
	// id (keyset pagination in due-time order).
	After *Cursor
}

// Cursor is a position in a list sorted by due time, then id.
type Cursor struct {
	DueAt time.Time
	ID    string
}

// Page is a part of a list of obligations, soonest due first; Next is set
// when more follow.
type Page struct {
	Obligations []Deadline
	Next        *Cursor
}

// Limits of the list call.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// CalendarVersion is one calendar version as stored by a service: the
// audit record of who submitted it, when and why.
type CalendarVersion struct {
	Seq         int64
	Version     string
	Reason      string
	SubmittedBy string
	SubmittedAt time.Time
	AppliedAt   time.Time
	EventID     string
}

// Store is what the deadline use cases need from storage.
type Store interface {
	List(ctx context.Context, f ListFilter, now time.Time) (Page, error)
	Get(ctx context.Context, id string) (Deadline, error)
	Compliance(ctx context.Context, from, to calendar.Date, now time.Time) ([]RuleCompliance, error)
	CalendarVersions(ctx context.Context) ([]CalendarVersion, error)
	// StoreCalendar records a version received from the calendar topic,
	// once per event (receipt).
	StoreCalendar(ctx context.Context, receipt inbox.Receipt, v CalendarVersion, data []byte) error
	// Announce stores events in the outbox.
	Announce(ctx context.Context, out []events.Outgoing) error
}

// UseCases holds the use cases every service offers about its deadlines:
// list them, report on them (R13), and read and update the calendar.
type UseCases struct {
	Service string
	Store   Store
	Tracker *Tracker
	Topics  events.Topics
	Now     func() time.Time
	// CalendarSigner signs the calendar versions this service publishes;
	// nil in a service that publishes none (only adjudication does:
	// the calendar has one writer, and SubmitCalendar elsewhere is 409).
	CalendarSigner *signing.Signer
	// CalendarPublisher verifies that a version read from the calendar
	// topic was signed by one of the publisher's trusted keys; anything
	// else is parked, never applied. A Kafka credential alone, even the
	// publisher's, makes no calendar every service counts with (red team,
	// session 12: a forged calendar for days to come).
	CalendarPublisher *signing.Verifier
}

// CalendarPublisher is the one service that publishes calendar versions:
// the only writer of the calendar topic (kafkabus.Accesses) and the owner
// of the keys they are signed with.
const CalendarPublisher = "adjudication"

// CalendarConsumer is the inbox name of a service's calendar consumer.
func (d *UseCases) CalendarConsumer() string { return d.Service + ".calendar" }

// List returns a page of obligations, soonest due first.
func (d *UseCases) List(ctx context.Context, f ListFilter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultListLimit
	}
	if f.Limit > MaxListLimit {
		return Page{}, apperr.InvalidField("limit", "must be at most %d", MaxListLimit)
	}
	if f.Rule != "" {
		if _, err := deadline.RuleByID(f.Rule); err != nil {
			return Page{}, apperr.InvalidField("rule", "%s", err.Error())
		}
	}
	if f.DueFrom != nil && f.DueTo != nil && f.DueTo.Before(*f.DueFrom) {
		return Page{}, apperr.InvalidField("due_to", "is before due_from")
	}
	return d.Store.List(ctx, f, d.Now())
}

// Get returns one obligation.
func (d *UseCases) Get(ctx context.Context, id string) (Deadline, error) {
	return d.Store.Get(ctx, id)
}

// Compliance builds the R13 report for the due dates from..to.
func (d *UseCases) Compliance(ctx context.Context, from, to calendar.Date) (ComplianceReport, error) {
	if to.Before(from) {
		return ComplianceReport{}, apperr.InvalidField("to", "is before from")
	}
	if from.DaysUntil(to) > MaxReportDays {
		return ComplianceReport{}, apperr.InvalidField("to", "the period is longer than %d days; ask for a shorter one", MaxReportDays)
	}
	now := d.Now()
	lines, err := d.Store.Compliance(ctx, from, to, now)
	if err != nil {
		return ComplianceReport{}, err
	}
	r := ComplianceReport{Service: d.Service, From: from, To: to, GeneratedAt: now.UTC(), Rules: lines}
	r.Complete()
	return r, nil
}

// ActiveCalendar returns the calendar the service counts with now and its
// sequence number.
func (d *UseCases) ActiveCalendar() (*calendar.Calendar, int64) {
	calc, seq := d.Tracker.Calendars().Active()
	return calc.Calendar(), seq
}

// CalendarVersions lists the versions received, newest first.
func (d *UseCases) CalendarVersions(ctx context.Context) ([]CalendarVersion, error) {
	return d.Store.CalendarVersions(ctx)
}

// CalendarSubmission is a new calendar version submitted by a person.
type CalendarSubmission struct {
	Calendar    json.RawMessage
	Reason      string
	SubmittedBy string
}

// MaxCalendarBytes bounds a submitted calendar; the 2007-2027 data is
// about 40 KB.
const MaxCalendarBytes = 512 << 10

// SubmitCalendar validates a new calendar version and announces it on the
// calendar topic; every service (this one included) stores it from there and
// its monitors recompute the open deadlines. It returns the announced
// version.
func (d *UseCases) SubmitCalendar(ctx context.Context, s CalendarSubmission) (CalendarVersion, error) {
	if d.CalendarSigner == nil {
		return CalendarVersion{}, apperr.New(apperr.Conflict, "%s does not publish calendar versions: submit it to %s, the calendar's one publisher, "+
			"and every service applies it from claims.calendar.v1", d.Service, CalendarPublisher)
	}
	reason, by := strings.TrimSpace(s.Reason), strings.TrimSpace(s.SubmittedBy)
	switch {
	case by == "":
		return CalendarVersion{}, apperr.InvalidField("submitted_by", "is required: calendar changes are audited")
	case reason == "":
		return CalendarVersion{}, apperr.InvalidField("reason", "is required: say which notice or change this is")
	case utf8.RuneCountInString(reason) > 1000:
		return CalendarVersion{}, apperr.InvalidField("reason", "is longer than 1000 characters")
	case len(s.Calendar) == 0:
		return CalendarVersion{}, apperr.InvalidField("calendar", "is required")
	case len(s.Calendar) > MaxCalendarBytes:
		return CalendarVersion{}, apperr.New(apperr.TooLarge, "the calendar is larger than %d bytes", MaxCalendarBytes)
	}
	cal, err := calendar.Parse(s.Calendar)
	if err != nil {
		return CalendarVersion{}, apperr.InvalidField("calendar", "%s", err.Error())
	}
	now := d.Now().UTC()
	today := calendar.DateOf(now)
	if day, changed := d.rewrites(cal, today); changed {
		return CalendarVersion{}, apperr.InvalidField("calendar", "changes whether %s is a working day, and today is %s: a new version changes only "+
			"days to come, as a State Council notice announces them (a day already counted, rewritten, would move deadlines that have run "+
			"and withdraw their alarms)", day, today)
	}
	data := events.CalendarUpdatedData{Version: cal.Version(), Calendar: s.Calendar, Reason: reason, SubmittedBy: by, SubmittedAt: now}
	e, err := events.New(events.CalendarUpdated, d.Service, events.CalendarKey, now, data)
	if err != nil {
		return CalendarVersion{}, err
	}
	if e, err = d.CalendarSigner.Sign(e); err != nil {
		return CalendarVersion{}, err
	}
	if err := d.Store.Announce(ctx, []events.Outgoing{{Topic: d.Topics.Calendar(), Envelope: e}}); err != nil {
		return CalendarVersion{}, err
	}
	return CalendarVersion{Version: cal.Version(), Reason: reason, SubmittedBy: by, SubmittedAt: now, EventID: e.ID}, nil
}

// ApplyCalendarEvent stores a calendar version read from the calendar
// topic. A version not signed by the calendar's publisher, or whose calendar
// does not parse, can never be applied: it is reported as malformed, to be
// parked with the dead-letter alarm.
func (d *UseCases) ApplyCalendarEvent(ctx context.Context, e events.Envelope) error {
	// A redelivered version stored already is left to the inbox; it was
	// checked when it was stored.
	stored, err := d.storedEvent(ctx, e.ID)
	if err != nil {
		return err
	}
	if !stored {
		// The signature is checked before the data is read: a Kafka
		// credential of any service, or a signing key of a service that
		// publishes no calendar, makes no version (red team, session 12).
		if d.CalendarPublisher == nil {
			return errors.New("tracking: no calendar publisher keys: no calendar version can be verified")
		}
		if err := d.CalendarPublisher.Verify(e); err != nil {
			return errors.Join(events.ErrMalformed, fmt.Errorf("calendar version refused: %w", err))
		}
	}
	var data events.CalendarUpdatedData
	if err := events.DecodeData(e, events.CalendarUpdated, &data); err != nil {
		return err
	}
	cal, err := calendar.Parse(data.Calendar)
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	// Even the publisher's signed version is held to the rule
	// SubmitCalendar applies, with today itself allowed for a version
	// submitted just before midnight: a day already counted is not
	// rewritten.
	if !stored {
		yesterday := calendar.DateOf(d.Now()).AddDays(-1)
		if day, changed := d.rewrites(cal, yesterday); changed {
			return errors.Join(events.ErrMalformed, fmt.Errorf("calendar version %s changes whether %s is a working day, a day already counted "+
				"(submitted by %q): a version changes only days to come", cal.Version(), day, data.SubmittedBy))
		}
	}
	v := CalendarVersion{Version: cal.Version(), Reason: data.Reason, SubmittedBy: data.SubmittedBy,
		SubmittedAt: data.SubmittedAt, AppliedAt: d.Now().UTC(), EventID: e.ID}
	receipt := inbox.Receipt{Consumer: d.CalendarConsumer(), EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	return d.Store.StoreCalendar(ctx, receipt, v, data.Calendar)
}

// rewrites reports the earliest day up to last on which cal differs from
// the calendar the service counts with: a day already counted, which no
// State Council notice changes (red team, session 12).
func (d *UseCases) rewrites(cal *calendar.Calendar, last calendar.Date) (calendar.Date, bool) {
	active, _ := d.ActiveCalendar()
	return active.FirstChangeThrough(cal, last)
}

// storedEvent reports whether the calendar event id is stored already.
func (d *UseCases) storedEvent(ctx context.Context, id string) (bool, error) {
	versions, err := d.Store.CalendarVersions(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(versions, func(v CalendarVersion) bool { return v.EventID == id }), nil
}
