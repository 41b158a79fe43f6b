package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/intake/checklists"
	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/apperr/apperrtest"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// fixture is a Reports repository on a fresh database, counting the
// after-commit calls.
type fixture struct {
	repo    *adapters.Reports
	db      *gorm.DB
	commits atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: pgtest.NewMigrated(t, 10, adapters.Migrations)}
	f.repo = adapters.NewReports(f.db, func() { f.commits.Add(1) }, tracking.NewTracker(tracking.NewCalendars(nil), -1))
	return f
}

func checklist(t *testing.T, kind domain.IncidentType) domain.ChecklistTemplate {
	t.Helper()
	lists, err := adapters.LoadChecklists(checklists.V1)
	require.NoError(t, err)
	c, err := lists.Resolve(kind, "")
	require.NoError(t, err)
	return c
}

func sample(t *testing.T, id string) domain.IncidentReport {
	t.Helper()
	return domain.IncidentReport{
		ID: id, ClaimID: "claim-" + id, PolicyNumber: "P-" + id, InsuredName: "张三", ProductCode: "PM-2026",
		IncidentType: domain.IncidentMedical, IncidentTime: time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC),
		IncidentPlace: "310115", Description: "住院治疗", Contact: "13800000000",
		Reporter:         domain.Reporter{Name: "李四", Role: domain.RoleBeneficiary, Relation: domain.RelationSpouse},
		Beneficiary:      &domain.Person{Name: "李四", Relation: domain.RelationSpouse},
		ClaimedAmountFen: 123456,
		ReportedAt:       time.Date(2026, 9, 30, 8, 20, 0, 123456000, time.UTC),
		Checklist:        checklist(t, domain.IncidentMedical),
	}
}

func event(t *testing.T, r domain.IncidentReport) tracking.Effects {
	t.Helper()
	e, err := events.New(events.IncidentReported, "intake", r.ClaimID, r.ReportedAt, map[string]string{"report_id": r.ID})
	require.NoError(t, err)
	return tracking.Effects{Events: []events.Outgoing{{Topic: "t.claims.intake.v1", Envelope: e}}}
}

// concurrently runs f(0) to f(n-1) at once and waits for all.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

func (f *fixture) create(t *testing.T, r domain.IncidentReport) {
	t.Helper()
	out, err := f.repo.Create(context.Background(), r, nil, event(t, r), "handler-1", domain.LinkChoice{})
	require.NoError(t, err)
	if out.Linked || out.Replayed {
		t.Fatalf("got %+v creating report %s, want a new report", out, r.ID)
	}
}

func TestCreateThenGetReturnsTheReportWithItsEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := sample(t, "r1")
	f.create(t, r)

	got, err := f.repo.Get(context.Background(), "r1")
	require.NoError(t, err)
	require.Equal(t, domain.ClaimFile{Report: r}, got, "claim file read back")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox WHERE msg_key = ?", r.ClaimID); n != 1 {
		t.Fatalf("got %d outbox rows for the claim, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1", n)
	}
}

// TestATaggedReportKeepsItsFastChannel: the catastrophe tag, what the
// claimant was told of the advance and the simplified checklist are stored
// and read back, also after a change of the claim file (R8).
func TestATaggedReportKeepsItsFastChannel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lists, err := adapters.LoadChecklists(checklists.V1)
	require.NoError(t, err)
	variant, err := lists.FastChannel(domain.IncidentMedical)
	require.NoError(t, err)
	r := sample(t, "r1")
	require.NoError(t, r.TakeFastChannel(domain.FastChannel{Code: "TY-2026-09", Name: "台风“海葵”", AdvanceShareBps: 3000,
		AdvanceCapFen: 5_000_000}, variant))
	f.create(t, r)

	got, err := f.repo.Get(context.Background(), "r1")
	require.NoError(t, err)
	require.Equal(t, domain.ClaimFile{Report: r}, got, "claim file read back")
	changed, err := f.repo.Update(context.Background(), "r1", func(cf *domain.ClaimFile) (tracking.Effects, error) {
		return tracking.Effects{}, cf.Satisfy("insured_id", "原件已现场核验", "handler-1", r.ReportedAt.Add(time.Minute))
	})
	require.NoError(t, err)
	if fc := changed.Report.FastChannel; fc == nil || *fc != *r.FastChannel || changed.Report.Checklist.Variant != domain.VariantCatastrophe {
		t.Fatalf("after a change: got fast channel %+v and checklist %s, want %+v and the variant", fc, changed.Report.Checklist.Version, r.FastChannel)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE catastrophe_code = 'TY-2026-09'"); n != 1 {
		t.Fatalf("got %d reports tagged TY-2026-09, want 1", n)
	}
	plain := sample(t, "r2")
	f.create(t, plain)
	if got, err := f.repo.Get(context.Background(), "r2"); err != nil || got.Report.FastChannel != nil {
		t.Fatalf("untagged report: got fast channel %+v, %v; want none", got.Report.FastChannel, err)
	}
}

func TestCreateIsAtomic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := sample(t, "r1")
	f.create(t, r)

	// The same id again fails, and its event is not stored either.
	other := r
	other.PolicyNumber = "P-OTHER"
	if _, err := f.repo.Create(context.Background(), other, nil, event(t, other), "h", domain.LinkChoice{}); err == nil {
		t.Fatal("got no error adding report r1 twice, want one")
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows after a failed Create, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1 (none for the failed Create)", n)
	}
}

func TestTheSameIncidentIsLinkedNotStoredTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := sample(t, "r1")
	f.create(t, first)

	// The same policy, insured, type and Shanghai date, another hour and
	// another reporter: one incident.
	again := sample(t, "r2")
	again.PolicyNumber, again.ClaimID = first.PolicyNumber, "claim-r2"
	again.IncidentTime = first.IncidentTime.Add(3 * time.Hour)
	again.Reporter = domain.Reporter{Name: "王五", Role: domain.RoleAgent}
	// What the second report adds is kept on the link (issue 20), never
	// dropped.
	again.Description, again.ClaimedAmountFen = "复诊：又住院三天", 250000
	// Issue 20: without the person's choice nothing is stored or linked;
	// the open report is answered as the candidate.
	out, err := f.repo.Create(context.Background(), again, nil, event(t, again), "handler-2", domain.LinkChoice{})
	require.NoError(t, err)
	if out.Candidate == nil || out.Candidate.Report.ID != "r1" || out.Linked || out.File.Report.ID != "" {
		t.Fatalf("got %+v without a choice, want r1 as the candidate and nothing stored", out)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM report_links"); n != 0 {
		t.Fatalf("got %d links before the choice, want 0", n)
	}
	out, err = f.repo.Create(context.Background(), again, nil, event(t, again), "handler-2", domain.LinkChoice{LinkTo: "r1"})
	require.NoError(t, err)
	if !out.Linked || out.File.Report.ID != "r1" {
		t.Fatalf("got linked=%v report %s, want linked to r1", out.Linked, out.File.Report.ID)
	}
	if l := out.File.Report.Links; len(l) != 1 || l[0].Reporter != again.Reporter || l[0].By != "handler-2" ||
		l[0].Description != again.Description || l[0].ClaimedAmountFen != 250000 {
		t.Fatalf("got links %+v, want the agent's report linked by handler-2 with its description and 250000 fen", l)
	}
	if got, _ := f.repo.Get(context.Background(), "r1"); len(got.Report.Links) != 1 || got.Report.Links[0].Description != again.Description {
		t.Fatalf("got links %+v read back, want the description kept", got.Report.Links)
	}
	// Another day is another incident.
	later := sample(t, "r3")
	later.PolicyNumber, later.IncidentTime = first.PolicyNumber, first.IncidentTime.Add(24*time.Hour)
	f.create(t, later)
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports"); n != 2 {
		t.Fatalf("got %d reports, want 2", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 2 {
		t.Fatalf("got %d events, want 2: a linked report announces nothing", n)
	}
}

// Issue 20: a report matching one whose claim was rejected, withdrawn or
// paid is a new report, never linked to the closed one; a closure is
// recorded once.
func TestAReportIsLinkedOnlyToAnOpenReport(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first := sample(t, "r1")
	f.create(t, first)
	receipt := inbox.Receipt{Consumer: "intake.payouts", EventID: "evt-paid-1", EventType: "claims.payout.payout-completed", ClaimID: first.ClaimID}
	paidAt := first.ReportedAt.Add(20 * 24 * time.Hour)
	require.NoError(t, f.repo.CloseClaim(ctx, receipt, domain.Closure{ClaimID: first.ClaimID, Kind: domain.ClosurePaid, At: paidAt}))
	require.NoError(t, f.repo.CloseClaim(ctx, receipt, domain.Closure{ClaimID: first.ClaimID, Kind: domain.ClosureRejected, At: paidAt.Add(time.Hour)}))
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE claim_closure = 'paid'"); n != 1 {
		t.Fatalf("got %d reports closed as paid, want 1 (the repeated event changes nothing)", n)
	}

	again := sample(t, "r2")
	again.PolicyNumber, again.ClaimID, again.Description = first.PolicyNumber, "claim-r2", "出院后再次住院"
	if _, err := f.repo.Create(ctx, again, nil, event(t, again), "handler-2", domain.LinkChoice{LinkTo: "r1"}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("linking to the paid report: got %v, want invalid_argument", err)
	}
	out, err := f.repo.Create(ctx, again, nil, event(t, again), "handler-2", domain.LinkChoice{})
	require.NoError(t, err)
	if out.Linked || out.Candidate != nil || out.File.Report.ID != "r2" || out.File.Report.Description != "出院后再次住院" {
		t.Fatalf("got %+v, want a new report r2 with its own description", out)
	}
	// A third report of the incident sees r2, the open one.
	third := sample(t, "r3")
	third.PolicyNumber, third.ClaimID = first.PolicyNumber, "claim-r3"
	out, err = f.repo.Create(ctx, third, nil, event(t, third), "handler-2", domain.LinkChoice{})
	require.NoError(t, err)
	if out.Candidate == nil || out.Candidate.Report.ID != "r2" {
		t.Fatalf("got %+v, want r2 as the candidate", out)
	}
	// Confirmed as another incident the same day, it is stored.
	out, err = f.repo.Create(ctx, third, nil, event(t, third), "handler-2", domain.LinkChoice{ConfirmNew: true})
	require.NoError(t, err)
	if out.Linked || out.File.Report.ID != "r3" {
		t.Fatalf("got %+v, want a new report r3", out)
	}
	// Withdrawn in adjudication, r2 is no candidate: a fourth report of the
	// incident sees r3, the open one left.
	withdrawn := inbox.Receipt{Consumer: "intake.claim-decisions", EventID: "evt-withdrawn-1", EventType: "claims.adjudication.claim-withdrawn", ClaimID: "claim-r2"}
	require.NoError(t, f.repo.CloseClaim(ctx, withdrawn, domain.Closure{ClaimID: "claim-r2", Kind: domain.ClosureWithdrawn, At: paidAt}))
	fourth := sample(t, "r4")
	fourth.PolicyNumber, fourth.ClaimID = first.PolicyNumber, "claim-r4"
	if out, err = f.repo.Create(ctx, fourth, nil, event(t, fourth), "handler-2", domain.LinkChoice{}); err != nil || out.Candidate == nil || out.Candidate.Report.ID != "r3" {
		t.Fatalf("got %+v, %v after r2's withdrawal, want r3 as the candidate", out, err)
	}
}

func TestConcurrentReportsOfOneIncidentMakeOneReport(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 8
	var created atomic.Int64
	concurrently(n, func(i int) {
		r := sample(t, fmt.Sprintf("r%d", i))
		r.PolicyNumber = "P-SAME"
		out, err := f.repo.Create(context.Background(), r, nil, event(t, r), "h", domain.LinkChoice{})
		if err != nil {
			t.Errorf("Create #%d: got %v, want no error", i, err)
			return
		}
		if out.Candidate == nil {
			created.Add(1)
		}
	})
	if got := created.Load(); got != 1 {
		t.Fatalf("got %d reports created from %d concurrent ones of one incident, want 1 (the others asked about it)", got, n)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports"); got != 1 {
		t.Fatalf("got %d reports, want 1", got)
	}
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	key := &app.IdempotencyKey{Principal: "handler-1", Key: "k-1", RequestHash: "h1"}
	r := sample(t, "r1")
	out, err := f.repo.Create(ctx, r, key, event(t, r), "handler-1", domain.LinkChoice{})
	require.NoError(t, err)
	if out.Replayed || out.Linked {
		t.Fatalf("got %+v for the first request, want a new report", out)
	}

	retry := sample(t, "r-retry")
	retry.PolicyNumber = "P-ELSEWHERE"
	out, err = f.repo.Create(ctx, retry, key, event(t, retry), "handler-1", domain.LinkChoice{})
	require.NoError(t, err)
	if !out.Replayed || out.File.Report.ID != "r1" {
		t.Fatalf("got replayed=%v report %s for the retry, want r1 replayed", out.Replayed, out.File.Report.ID)
	}
	_, err = f.repo.Create(ctx, retry, &app.IdempotencyKey{Principal: "handler-1", Key: "k-1", RequestHash: "h2"}, event(t, retry), "handler-1", domain.LinkChoice{})
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || e.Field != "Idempotency-Key" {
		t.Fatalf("got %v for the key with another request, want a conflict on Idempotency-Key", err)
	}
	// Keys are per principal.
	other, err := f.repo.Create(ctx, retry, &app.IdempotencyKey{Principal: "handler-2", Key: "k-1", RequestHash: "h2"}, event(t, retry), "handler-2", domain.LinkChoice{})
	require.NoError(t, err)
	if other.Replayed || other.File.Report.ID != "r-retry" {
		t.Fatalf("got %+v for another principal's key, want a new report", other)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 2 {
		t.Fatalf("got %d events, want 2", n)
	}
}

func TestUnknownReportIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Get(ctx, "nope")
	apperrtest.WantCode(t, err, apperr.NotFound)

	called := false
	_, err = f.repo.Update(ctx, "nope", func(*domain.ClaimFile) (tracking.Effects, error) {
		called = true
		return tracking.Effects{}, nil
	})
	apperrtest.WantCode(t, err, apperr.NotFound)
	if called {
		t.Fatal("got change called for an unknown report, want it not called")
	}
}

func TestUpdateStoresTheChangeWithItsEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample(t, "r1")
	f.create(t, r)
	before := f.commits.Load()

	at := time.Date(2026, 10, 1, 1, 2, 3, 456789000, time.UTC)
	updated, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		if first, err := x.Report.RequestClaim(nil, at); err != nil || !first {
			t.Errorf("got RequestClaim false on a fresh report, want true")
		}
		return event(t, x.Report), nil
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, updated, got, "Update's result equals what is stored")
	if got.Report.ClaimRequestedAt == nil || !got.Report.ClaimRequestedAt.Equal(at) {
		t.Fatalf("got claim_requested_at %v, want %v", got.Report.ClaimRequestedAt, at)
	}
	if n := f.commits.Load() - before; n != 1 {
		t.Fatalf("got %d after-commit calls for an Update with an event, want 1", n)
	}

	// A change that sends nothing does not wake the relay.
	_, err = f.repo.Update(ctx, "r1", func(*domain.ClaimFile) (tracking.Effects, error) { return tracking.Effects{}, nil })
	require.NoError(t, err)
	if n := f.commits.Load() - before; n != 1 {
		t.Fatalf("got %d after-commit calls after a change without events, want still 1", n)
	}
}

func TestUpdateThatFailsChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample(t, "r1")
	f.create(t, r)
	before, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)

	refused := apperr.New(apperr.Conflict, "no")
	_, err = f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		_, _ = x.Report.RequestClaim(nil, time.Now())
		x.Report.PolicyNumber = "CHANGED"
		x.AddDocument(newDocument(x.Report, "d1", 'a'))
		require.NoError(t, x.Satisfy("insured_id", "seen", "h", time.Now()))
		return event(t, x.Report), refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("got %v, want the change's own error", err)
	}
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, before, got, "claim file after a failed change")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows after a failed change, want 1", n)
	}
}

func TestConcurrentClaimRequestsAreReceivedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r1"))

	const n = 8
	var firsts atomic.Int64
	concurrently(n, func(i int) {
		_, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
			if first, _ := x.Report.RequestClaim(nil, time.Date(2026, 10, 1, 0, 0, i, 0, time.UTC)); !first {
				return tracking.Effects{}, nil
			}
			firsts.Add(1)
			return event(t, x.Report), nil
		})
		if err != nil {
			t.Errorf("Update #%d: got %v, want no error", i, err)
		}
	})
	if got := firsts.Load(); got != 1 {
		t.Fatalf("got %d first claim requests from %d concurrent ones, want 1", got, n)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); got != 2 {
		t.Fatalf("got %d events, want 2 (report and request)", got)
	}
}

// newDocument returns a pending document whose SHA-256 is 64 times c.
func newDocument(r domain.IncidentReport, id string, c byte) domain.Document {
	sum := make([]byte, 64)
	for i := range sum {
		sum[i] = c
	}
	return domain.NewDocument(id, r, string(sum), document.PNG, 2, 4096, "扫描件 1.png", "handler-1",
		time.Date(2026, 10, 2, 3, 4, 5, 0, time.UTC))
}

// TestClaimFileRoundTrip stores everything a claim file holds and reads
// it back equal: documents with their reading and corrections, waivers,
// notices with their supplement, links.
func TestClaimFileRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample(t, "r1")
	f.create(t, r)
	now := time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC)

	stored, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		_, err := x.Report.RequestClaim(nil, now)
		require.NoError(t, err)
		x.Report.Link(domain.Reporter{Name: "王五", Role: domain.RoleAgent}, "h2", now)
		x.AddDocument(newDocument(x.Report, "d1", 'a'))
		x.AddDocument(newDocument(x.Report, "d2", 'b'))
		x.AddDocument(newDocument(x.Report, "d3", 'c'))
		require.NoError(t, x.Satisfy("insured_id", "原件已在柜面核验", "handler-1", now))
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	// The readers take them, the oldest first, and record what they read.
	for range 3 {
		job, ok, err := f.repo.TakeDocument(ctx, now, time.Minute)
		require.NoError(t, err)
		require.True(t, ok, "a document waits")
		_, err = f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
			d, err := x.Document(job.DocumentID)
			require.NoError(t, err)
			switch d.ID {
			case "d1":
				d.RecordReading(job.Attempt, domain.Reading{Type: document.MedicalInvoice, Confidence: 0.93, Text: "医疗门诊收费票据\n合计", ReadAt: now,
					Fields: document.Fields{HasAmount: true, TotalAmountFen: 123450, HasFigures: true, FiguresFen: 123450, HasCapitals: true,
						CapitalsFen: 123460, AmountsDisagree: true, EventDate: calendar.Date{Year: 2026, Month: 2, Day: 18},
						InvoiceNumber: "0012345678", Names: []string{"王芳"}}})
			case "d2":
				d.RecordReading(job.Attempt, domain.Reading{Type: document.Other, Confidence: 0.2, ReadAt: now})
			default:
				d.RecordFailure(job.Attempt, domain.Failure{Code: apperr.Unprocessable, Message: "the png file is truncated"})
			}
			return tracking.Effects{}, nil
		})
		require.NoError(t, err)
	}
	if _, ok, err := f.repo.TakeDocument(ctx, now, time.Minute); err != nil || ok {
		t.Fatalf("got ok=%v err=%v taking a fourth document, want none waiting", ok, err)
	}
	typ, amount, date := document.IDCard, int64(0), calendar.Date{Year: 2026, Month: 2, Day: 19}
	stored, err = f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		d, _ := x.Document("d1")
		require.NoError(t, d.Correct(domain.Correction{TotalAmountFen: ptr(int64(123450)), EventDate: &date, Note: "看原件", By: "h", At: now}))
		d, _ = x.Document("d2")
		other := document.Other
		require.NoError(t, d.Correct(domain.Correction{ExpectedType: &other, Type: &typ, Names: []string{"张三"}, By: "h", At: now}))
		d, _ = x.Document("d3")
		require.NoError(t, d.Correct(domain.Correction{TotalAmountFen: &amount, Names: []string{}, By: "h", At: now}))
		if _, err := x.SendNotice(domain.ChannelSMS, "", "handler-1", now); err != nil {
			t.Errorf("SendNotice: %v", err)
		}
		x.Notices[0].SupplementReceivedAt = &now
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, stored, got, "claim file read back")
	if len(got.Documents) != 3 || got.Documents[0].Reading == nil || len(got.Documents[1].Corrections) != 1 || len(got.Notices) != 1 {
		t.Fatalf("got %+v, want 3 documents, one read with its fields, one corrected, one notice", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestReadersShareTheQueue checks that concurrent readers never take the
// same document, that a lease run out lets another reader take it, and
// that each take is counted.
func TestReadersShareTheQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample(t, "r1")
	f.create(t, r)
	const docs = 6
	_, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		for i := range docs {
			x.AddDocument(newDocument(x.Report, fmt.Sprintf("d%d", i), byte('a'+i)))
		}
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	now := time.Now()
	var mu sync.Mutex
	taken := map[string]int{}
	concurrently(4, func(int) {
		for {
			job, ok, err := f.repo.TakeDocument(ctx, now, time.Minute)
			if err != nil {
				t.Errorf("TakeDocument: %v", err)
				return
			}
			if !ok {
				return
			}
			mu.Lock()
			taken[job.DocumentID]++
			mu.Unlock()
		}
	})
	if len(taken) != docs {
		t.Fatalf("got %d documents taken, want %d", len(taken), docs)
	}
	for id, n := range taken {
		if n != 1 {
			t.Fatalf("got document %s taken %d times, want once", id, n)
		}
	}
	// A minute later every lease has run out: each is taken again, the
	// take counted.
	job, ok, err := f.repo.TakeDocument(ctx, now.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	if !ok || job.Attempt != 2 {
		t.Fatalf("got ok=%v attempt %d after the leases ran out, want a second take", ok, job.Attempt)
	}
}

// TestAChangeRacingAReaderIsRetried changes a document while a reader
// takes it: the change is tried again on what the reader stored, and
// neither the take nor the change is lost.
func TestAChangeRacingAReaderIsRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r1"))
	_, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		x.AddDocument(newDocument(x.Report, "d1", 'a'))
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	calls := 0
	typ := document.IDCard
	_, err = f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		calls++
		if calls == 1 {
			// A reader takes the document while this change runs.
			if _, ok, err := f.repo.TakeDocument(ctx, time.Now(), time.Minute); err != nil || !ok {
				t.Errorf("TakeDocument: ok=%v err=%v", ok, err)
			}
		}
		d, _ := x.Document("d1")
		return tracking.Effects{}, d.Correct(domain.Correction{Type: &typ, By: "h", At: time.Now()})
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	d := got.Documents[0]
	if calls != 2 || d.State != domain.DocumentReading || d.Attempts != 1 || len(d.Corrections) != 1 {
		t.Fatalf("got %d calls, document %s attempt %d with %d corrections; want 2 calls, reading, attempt 1, 1 correction",
			calls, d.State, d.Attempts, len(d.Corrections))
	}
}

// TestUpdateStoresWhatTheFileRecordedAsChanged: the repository stores the
// arrival of the one-time notice's supplement when the file recorded it,
// and leaves a sent notice as it was otherwise.
func TestUpdateStoresWhatTheFileRecordedAsChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r1"))
	now := time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC)
	_, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		if _, err := x.Report.RequestClaim(nil, now); err != nil {
			return tracking.Effects{}, err
		}
		_, err := x.SendNotice(domain.ChannelSMS, "", "handler-1", now)
		return tracking.Effects{}, err
	})
	require.NoError(t, err)
	later := now.Add(time.Hour)
	_, err = f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		x.Notices[0].Reason = "not recorded as a change: a sent notice stays as it was"
		x.Notices[0].SupplementReceivedAt = &later
		x.Changed.Supplement = true
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	n := got.Notices[0]
	if n.SupplementReceivedAt == nil || !n.SupplementReceivedAt.Equal(later) || n.Reason != "" {
		t.Fatalf("got notice received %v with reason %q, want received %v and the reason as sent (none)", n.SupplementReceivedAt, n.Reason, later)
	}
	if len(got.Changed.Documents) != 0 || got.Changed.Supplement {
		t.Fatalf("got changes %+v loaded, want none", got.Changed)
	}
}

// sendTwoNotices sends the one-time notice by SMS at now and records a
// later one by letter two days after, of its first item.
func sendTwoNotices(x *domain.ClaimFile, now time.Time) error {
	if _, err := x.SendNotice(domain.ChannelSMS, "", "handler-1", now); err != nil {
		return err
	}
	x.Notices = append(x.Notices, domain.Notice{Seq: 2, Reason: "发票金额合计15,000元", Channel: domain.ChannelLetter,
		SentBy: "handler-1", SentAt: now.Add(48 * time.Hour), Items: x.Notices[0].Items[:1]})
	return nil
}

// TestEveryNoticeKeepsTheArrivalOfItsSupplement: the decision clock stops
// per notice (R4), so the repository stores the arrival recorded on each
// loaded notice, not only on the one-time notice.
func TestEveryNoticeKeepsTheArrivalOfItsSupplement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r1"))
	now := time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC)
	_, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		if _, err := x.Report.RequestClaim(nil, now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{}, sendTwoNotices(x, now)
	})
	require.NoError(t, err)
	first, second := now.Add(24*time.Hour), now.Add(72*time.Hour)
	_, err = f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		x.Notices[0].SupplementReceivedAt, x.Notices[1].SupplementReceivedAt = &first, &second
		x.Changed.Supplement = true
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Len(t, got.Notices, 2)
	for i, want := range []time.Time{first, second} {
		if r := got.Notices[i].SupplementReceivedAt; r == nil || !r.Equal(want) {
			t.Errorf("notice %d: got received %v, want %v", i+1, r, want)
		}
	}
}

// TestTheAdvanceAgreementIsStoredSealed: the advance agreement (issue 19)
// is read back as stored, its payee only as the envelope and fingerprints.
func TestTheAdvanceAgreementIsStoredSealed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r-adv"))
	at := time.Date(2026, 10, 1, 1, 2, 3, 456789000, time.UTC)
	a := domain.AdvanceAgreement{Channel: "app", AgreedAt: at, PayeeRole: "insured", BankName: "中国建设银行", AccountLast4: "5678",
		AccountFingerprint: "fp", NameFingerprint: "nf", AccountKey: "ak", Sealed: "test-payout:sealed"}
	_, err := f.repo.Update(ctx, "r-adv", func(x *domain.ClaimFile) (tracking.Effects, error) {
		_, err := x.Report.RequestClaim(nil, at)
		x.Report.AgreeInAdvance(a)
		return tracking.Effects{}, err
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "r-adv")
	require.NoError(t, err)
	if got.Report.Advance == nil || *got.Report.Advance != a {
		t.Fatalf("got %+v, want %+v", got.Report.Advance, a)
	}
}

// TestAClosureIsAppliedOncePerEvent: the closure and its inbox receipt are
// one statement; an event whose receipt is recorded changes nothing, and a
// closure without a receipt is applied.
func TestAClosureIsAppliedOncePerEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r1"))
	f.create(t, sample(t, "r2"))
	receipt := inbox.Receipt{Consumer: "intake.payouts", EventID: "evt-paid-1", EventType: "claims.payout.payout-completed", ClaimID: "claim-r1"}
	require.NoError(t, f.db.Exec(`INSERT INTO inbox (consumer, event_id, event_type, claim_id, processed_at) VALUES (?, ?, ?, ?, now())`,
		receipt.Consumer, receipt.EventID, receipt.EventType, receipt.ClaimID).Error)
	at := time.Date(2026, 10, 20, 1, 0, 0, 0, time.UTC)
	require.NoError(t, f.repo.CloseClaim(ctx, receipt, domain.Closure{ClaimID: "claim-r1", Kind: domain.ClosurePaid, At: at}))
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE claim_closed_at IS NOT NULL"); n != 0 {
		t.Fatalf("got %d closed reports after an event already received, want 0", n)
	}
	receipt.EventID = "evt-paid-2"
	require.NoError(t, f.repo.CloseClaim(ctx, receipt, domain.Closure{ClaimID: "claim-r1", Kind: domain.ClosurePaid, At: at}))
	require.NoError(t, f.repo.CloseClaim(ctx, inbox.Receipt{}, domain.Closure{ClaimID: "claim-r2", Kind: domain.ClosureRejected, At: at}))
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE claim_closed_at = ? AND claim_closure IN ('paid', 'rejected')", at); n != 2 {
		t.Fatalf("got %d reports closed, want 2 (a new event's, and one without a receipt)", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox"); n != 2 {
		t.Fatalf("got %d receipts, want 2", n)
	}
}
