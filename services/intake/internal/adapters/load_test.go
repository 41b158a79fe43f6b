package adapters_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// TestTheLoadReturnsEveryChildSet: a claim file whose every part is set
// (a link with its description and amount, documents with a reading in
// parts and pages, one failed, corrections of every field, waivers,
// notices with a supplement, the fast channel and an advance agreement) is
// read back by Get, and loaded under its lock by Update, exactly as it was
// stored. It was written against the load of one statement per table and
// holds for the load in one statement.
func TestTheLoadReturnsEveryChildSet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample(t, "r1")
	r.FastChannel = &domain.FastChannel{Code: "TY-2026-09", Name: "台风“海葵”", AdvanceShareBps: 3000, AdvanceCapFen: 500000}
	f.create(t, r)
	again := sample(t, "r2")
	again.PolicyNumber, again.ClaimID = r.PolicyNumber, "claim-r2"
	again.Reporter = domain.Reporter{Name: "王五", Role: domain.RoleAgent}
	again.Description, again.ClaimedAmountFen = "复诊：又住院三天", 250000
	out, err := f.repo.Create(ctx, again, nil, event(t, again), "handler-2", domain.LinkChoice{LinkTo: "r1"})
	require.NoError(t, err)
	require.True(t, out.Linked, "the second report is linked")
	wantLink := domain.Link{By: "handler-2", At: again.ReportedAt, Description: again.Description, ClaimedAmountFen: 250000, Reporter: again.Reporter}

	now := time.Date(2026, 10, 3, 1, 0, 0, 654321000, time.UTC)
	names := document.Fields{Names: []string{"王芳"}, EventDate: calendar.Date{Year: 2026, Month: 2, Day: 10},
		Sources: map[string]document.Source{"names": {Page: 1, Box: document.Box{X: 5, Y: 6, W: 7, H: 8}, Confidence: 0.8}}}
	invoice := document.Fields{HasAmount: true, TotalAmountFen: 123450, HasFigures: true, FiguresFen: 123450, HasCapitals: true,
		CapitalsFen: 123460, AmountsDisagree: true, InvoiceNumber: "AB12345678", IDNumber: "310101199001011234",
		AccountNumber: "6217000010001234567", AccountHolder: "王芳",
		Sources: map[string]document.Source{"total_amount_fen": {Page: 2, Box: document.Box{X: 100, Y: 200, W: 300, H: 40}, Confidence: 0.91}}}
	reading := twoPartReading(now, names, invoice)
	reading.Text = "出院小结\n\n医疗收费票据 \"引号\" \\"
	a := domain.AdvanceAgreement{Channel: "app", AgreedAt: now, PayeeRole: "insured", BankName: "中国建设银行", AccountLast4: "5678",
		AccountFingerprint: "fp", NameFingerprint: "nf", AccountKey: "ak", Sealed: "test-payout:sealed", EnteredBy: "h", EnteredVia: "staff"}
	later := now.Add(72 * time.Hour)
	stored, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		if _, err := x.Report.RequestClaim(nil, now); err != nil {
			return tracking.Effects{}, err
		}
		x.Report.AgreeInAdvance(a)
		d := newDocument(x.Report, "d1", 'a')
		d.State, d.Attempts = domain.DocumentReading, 1
		require.True(t, d.RecordReading(1, reading))
		typ, summary, other := document.MedicalInvoice, document.DischargeSummary, document.BankCard
		date := calendar.Date{Year: 2026, Month: 2, Day: 19}
		require.NoError(t, d.Correct(domain.Correction{Part: 1, ExpectedType: &typ, TotalAmountFen: ptr(int64(123460)), Note: "看原件", By: "h", At: now}))
		require.NoError(t, d.Correct(domain.Correction{ExpectedType: &summary, Type: &other, Names: []string{"张三", "李四"}, AccountNumber: ptr("6217000010001234567"),
			AccountHolder: ptr(""), By: "h2", At: now.Add(time.Second)}))
		x.AddDocument(d)
		d2 := newDocument(x.Report, "d2", 'b')
		d2.State, d2.Attempts = domain.DocumentReading, 1
		d2.RecordFailure(1, domain.Failure{Code: apperr.Unprocessable, Message: "the png file is truncated"})
		require.NoError(t, d2.Correct(domain.Correction{IDNumber: ptr("310101199001011234"), EventDate: &date, InvoiceNumber: ptr("0012345678"),
			TotalAmountFen: ptr(int64(0)), Names: []string{}, Note: "无", By: "h", At: now}))
		x.AddDocument(d2)
		if err := x.Satisfy("insured_id", "原件已在柜面核验", "handler-1", now); err != nil {
			return tracking.Effects{}, err
		}
		if err := x.Satisfy("treatment_record", "病历已调阅", "handler-2", now.Add(time.Minute)); err != nil {
			return tracking.Effects{}, err
		}
		if err := sendTwoNotices(x, now); err != nil {
			return tracking.Effects{}, err
		}
		x.Notices[0].SupplementReceivedAt = &later
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)

	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, stored, got, "claim file read back")
	require.Equal(t, []domain.Link{wantLink}, got.Report.Links, "links read back")
	require.Equal(t, reading.Parts, got.Documents[0].Reading.Parts, "parts read back")
	if len(got.Documents) != 2 || len(got.Documents[0].Corrections) != 2 || got.Documents[1].Reading != nil || len(got.Waivers) != 2 ||
		len(got.Notices) != 2 || got.Report.Advance == nil || got.Report.FastChannel == nil || got.Report.Beneficiary == nil {
		t.Fatalf("got %+v, want 2 documents (one read with 2 corrections, one failed), 2 waivers, 2 notices, an advance, a fast channel and a beneficiary", got)
	}
	var loaded domain.ClaimFile
	errLook := errors.New("only looking")
	_, err = f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		loaded = *x
		return tracking.Effects{}, errLook
	})
	require.ErrorIs(t, err, errLook)
	require.Equal(t, got, loaded, "claim file loaded under its lock")
	byClaim, err := f.repo.GetByClaim(ctx, r.ClaimID)
	require.NoError(t, err)
	require.Equal(t, got, byClaim, "claim file read by its claim number")
}

// TestAChangeThatWaitedForTheLockSeesWhatTheHolderStored: two handlers
// satisfy the last two missing items of one claim at the same moment. The
// second waits for the report's lock and must then see the first's waiver,
// or neither would find the claim complete and it would never be handed
// over. (A file read by the statement that took the lock reads at the
// snapshot taken before the wait and misses it.)
func TestAChangeThatWaitedForTheLockSeesWhatTheHolderStored(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, sample(t, "r1"))
	now := time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC)
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 2)
	go func() {
		_, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
			err := x.Satisfy("insured_id", "原件已在柜面核验", "handler-1", now)
			close(holding)
			<-release
			return tracking.Effects{}, err
		})
		done <- err
	}()
	select {
	case <-holding:
	case err := <-done:
		t.Fatalf("got %v from the first change, want it to hold the lock", err)
	}
	seen := -1
	go func() {
		_, err := f.repo.Update(ctx, "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
			seen = len(x.Waivers)
			return tracking.Effects{}, x.Satisfy("treatment_record", "病历已调阅", "handler-2", now)
		})
		done <- err
	}()
	waited := false
	for deadline := time.Now().Add(10 * time.Second); !waited && time.Now().Before(deadline) && len(done) == 0; time.Sleep(5 * time.Millisecond) {
		waited = pgtest.Count(t, f.db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0
	}
	close(release)
	if !waited {
		t.Fatal("the second change never waited for the report's lock")
	}
	require.NoError(t, <-done)
	require.NoError(t, <-done)
	if seen != 1 {
		t.Fatalf("got %d waivers seen by the change that waited for the lock, want 1 (the holder's)", seen)
	}
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	if len(got.Waivers) != 2 {
		t.Fatalf("got %d waivers stored, want 2", len(got.Waivers))
	}
}
