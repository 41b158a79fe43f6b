package adapters_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/apperr/apperrtest"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/sealed"
	"claims.local/pkg/tracking"
)

type fixture struct {
	repo    *adapters.Obligations
	db      *gorm.DB
	tracker *tracking.Tracker
	commits atomic.Int64
}

func keyring(t testing.TB, ids ...string) *sealed.Keyring {
	t.Helper()
	var keys []sealed.Key
	for _, id := range ids {
		keys = append(keys, sealed.Key{ID: id, Secret: bytes.Repeat([]byte(id[:1]), sealed.KeyBytes)})
	}
	k, err := sealed.New(keys)
	require.NoError(t, err)
	return k
}

func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	return loc
}

func migrations() ([]postgres.Migration, error) {
	return postgres.Collect(adapters.Migrations, adapters.BankSimulatorMigrations)
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{db: pgtest.NewMigrated(t, 8, migrations), tracker: tracking.NewTracker(tracking.NewCalendars(nil), -1)}
	f.repo = adapters.NewObligations(f.db, func() { f.commits.Add(1) }, f.tracker, keyring(t, "k1"), shanghai(t))
	return f
}

var t0 = time.Date(2026, 10, 9, 1, 0, 0, 123456000, time.UTC)

const account = "6222020200112233445"

func obligation(t testing.TB, claimID string, at time.Time) domain.Obligation {
	t.Helper()
	o, err := domain.NewFinalObligation(uuid.NewString(), domain.Agreement{ClaimID: claimID, CaseID: "k-" + claimID,
		PolicyNumber: "P-1", AmountFen: 123456, Currency: "CNY", AgreedAt: at,
		Payee: domain.Payee{Name: "李四", Role: domain.RoleAgent, BankName: "中国工商银行", AccountNumber: account,
			OnBehalfOf: &domain.Person{Name: "赵六", Relation: "parent"}}}, at)
	require.NoError(t, err)
	return o
}

func receipt(eventID, claimID string) inbox.Receipt {
	return inbox.Receipt{Consumer: app.AgreementsConsumer, EventID: eventID, EventType: events.AgreementReached.Name, ClaimID: claimID}
}

func event(t *testing.T, typ events.Type, o domain.Obligation) events.Outgoing {
	t.Helper()
	e, err := events.New(typ, "payout", o.ClaimID, o.ScheduledAt, map[string]string{"obligation_id": o.ID})
	require.NoError(t, err)
	return events.Outgoing{Topic: "t.claims.payout.v1", Envelope: e}
}

// announce returns a decide function that counts its calls, records what it
// was given, and returns one payout-scheduled event for a new obligation.
func announce(t *testing.T, calls *int, existing **domain.Obligation) func(*domain.Obligation) (app.Effects, error) {
	return func(e *domain.Obligation) (app.Effects, error) {
		*calls++
		if existing != nil {
			*existing = e
		}
		if e != nil {
			return app.Effects{}, nil
		}
		return app.Effects{Events: []events.Outgoing{{Topic: "t.claims.payout.v1", Envelope: event(t, events.PayoutScheduled, domain.Obligation{ClaimID: "x"}).Envelope}}}, nil
	}
}

func nothing(*domain.Obligation) (app.Effects, error) { return app.Effects{}, nil }

func TestScheduleThenGetReturnsTheObligationWithItsPayeeSealed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-1", t0)
	calls := 0
	created, err := f.repo.Schedule(ctx, receipt("e1", "claim-1"), o, announce(t, &calls, nil))
	require.NoError(t, err)
	if !created || calls != 1 {
		t.Fatalf("got created=%v with %d decide calls, want true and 1", created, calls)
	}
	got, err := f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	require.Equal(t, o, got, "obligation read back, payee opened")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1", n)
	}
	// R11: no column of the row holds the account number, the names or
	// the bank in the clear.
	var row string
	require.NoError(t, f.db.Raw(`SELECT row_to_json(o)::text FROM obligations o WHERE id = ?`, o.ID).Scan(&row).Error)
	for _, secret := range []string{account, "李四", "赵六", "工商", hexOf(account), hexOf("李四")} {
		if strings.Contains(row, secret) {
			t.Fatalf("got row %s holding %q, want the payee sealed", row, secret)
		}
	}
	// Not even the last four digits: looked for in every column but the
	// ciphertext and the ids, whose random hex may hold any four digits.
	var columns map[string]any
	require.NoError(t, json.Unmarshal([]byte(row), &columns))
	for name, v := range columns {
		text, ok := v.(string)
		if !ok || strings.HasPrefix(text, `\x`) || uuid.Validate(text) == nil {
			continue
		}
		if strings.Contains(text, "3445") {
			t.Fatalf("got column %s = %q holding the account's last four digits, want the payee sealed", name, text)
		}
	}
	if n := pgtest.Count(t, f.db, `SELECT count(*) FROM obligations WHERE payee_key_id = 'k1' AND payee_sealed IS NOT NULL`); n != 1 {
		t.Fatalf("got %d payees sealed with key k1, want 1", n)
	}
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for _, c := range []byte(s) {
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
	return b.String()
}

func TestAPayeeSealedForOneRowDoesNotOpenInAnother(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, b := obligation(t, "claim-1", t0), obligation(t, "claim-2", t0)
	for _, o := range []domain.Obligation{a, b} {
		_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
		require.NoError(t, err)
	}
	require.NoError(t, f.db.Exec(`UPDATE obligations SET payee_sealed = (SELECT payee_sealed FROM obligations WHERE id = ?) WHERE id = ?`, a.ID, b.ID).Error)
	if _, err := f.repo.Update(ctx, b.ID, t0, func(*domain.Obligation) (app.Effects, error) { return app.Effects{}, nil }); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("got %v changing a payment whose payee was copied from another row, want sealed.ErrOpen", err)
	}
	// Read, it is shown held: its payee unreadable and none shown, so that
	// a handler can supply it (app.Service.CorrectPayee).
	o, err := f.repo.Get(ctx, b.ID)
	require.NoError(t, err)
	if !strings.Contains(o.PayeeUnreadable, "cannot open") || o.Payee != (domain.Payee{}) {
		t.Fatalf("got the copied payee read as %q (unreadable: %q), want it unreadable and none shown", domain.MaskName(o.Payee.Name), o.PayeeUnreadable)
	}
}

func TestScheduleIsIdempotentPerReceiptAndPerClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first := obligation(t, "claim-1", t0)
	calls := 0
	_, err := f.repo.Schedule(ctx, receipt("e1", "claim-1"), first, announce(t, &calls, nil))
	require.NoError(t, err)

	tests := []struct {
		name         string
		r            inbox.Receipt
		o            domain.Obligation
		wantExisting bool
	}{
		{"same event again", receipt("e1", "claim-1"), obligation(t, "claim-1", t0.Add(time.Hour)), false},
		{"another event for the same claim", receipt("e2", "claim-1"), obligation(t, "claim-1", t0.Add(time.Hour)), true},
		{"no event, same claim", inbox.Receipt{}, obligation(t, "claim-1", t0), true},
	}
	for _, tt := range tests {
		calls = 0
		var existing *domain.Obligation
		created, err := f.repo.Schedule(ctx, tt.r, tt.o, announce(t, &calls, &existing))
		require.NoError(t, err, tt.name)
		if created {
			t.Fatalf("%s: got created=true, want false", tt.name)
		}
		// decide(nil) is asked before the statement (its effects are
		// dropped), decide(existing) after it.
		if tt.wantExisting && (calls != 2 || existing == nil || existing.ID != first.ID) {
			t.Fatalf("%s: got %d decide calls, the last with %v, want two, the last with the existing obligation %s", tt.name, calls, existing, first.ID)
		}
		if !tt.wantExisting && existing != nil {
			t.Fatalf("%s: got decide given %s, want no obligation given for a spent event", tt.name, existing.ID)
		}
		_, err = f.repo.Get(ctx, tt.o.ID)
		apperrtest.WantCode(t, err, apperr.NotFound)
	}
	// A decide error rolls the receipt back: the event can be tried again.
	_, err = f.repo.Schedule(ctx, receipt("e3", "claim-1"), obligation(t, "claim-1", t0), func(*domain.Obligation) (app.Effects, error) {
		return app.Effects{}, events.ErrMalformed
	})
	if !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("got %v, want the decide error", err)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox WHERE event_id = 'e3'"); n != 0 {
		t.Fatalf("got %d receipts of a refused event, want 0", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM obligations"); n != 1 {
		t.Fatalf("got %d obligations, want 1", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows, want 1", n)
	}
}

func TestTheDatabaseRefusesASecondPaymentOfAClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Schedule(ctx, inbox.Receipt{}, obligation(t, "claim-1", t0), nothing)
	require.NoError(t, err)
	// Past the repository, straight into the table: the unique index holds.
	err = f.db.Exec(`INSERT INTO obligations (id, claim_id, payout_type, amount_fen, currency, state, scheduled_at, next_attempt_at)
		VALUES ('dup', 'claim-1', 'final', 1, 'CNY', 'scheduled', now(), now())`).Error
	if err == nil || !strings.Contains(err.Error(), "obligations_one_final_per_claim") {
		t.Fatalf("got %v, want the unique index obligations_one_final_per_claim to refuse", err)
	}
}

func TestScheduleOfNothingRecordsOnlyTheReceipt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	created, err := f.repo.Schedule(ctx, receipt("e1", "claim-1"), domain.Obligation{}, nil)
	require.NoError(t, err)
	if created {
		t.Fatal("got created=true for an agreement that owes nothing, want false")
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox"); n != 1 {
		t.Fatalf("got %d receipts, want 1", n)
	}
	calls := 0
	created, err = f.repo.Schedule(ctx, receipt("e1", "claim-1"), obligation(t, "claim-1", t0), announce(t, &calls, nil))
	require.NoError(t, err)
	if created || pgtest.Count(t, f.db, "SELECT count(*) FROM obligations") != 0 || pgtest.Count(t, f.db, "SELECT count(*) FROM outbox") != 0 {
		t.Fatalf("got created=%v, want nothing stored for a spent event", created)
	}
}

func TestUnknownObligationIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.repo.Get(context.Background(), "nope")
	apperrtest.WantCode(t, err, apperr.NotFound)
	_, err = f.repo.Update(context.Background(), "nope", t0, nothing)
	apperrtest.WantCode(t, err, apperr.NotFound)
}

func TestListNewestFirstByClaimWithLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for i, claim := range []string{"c1", "c2", "c3"} {
		o := obligation(t, claim, t0.Add(time.Duration(i)*time.Hour))
		_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
		require.NoError(t, err)
		ids = append(ids, o.ID)
	}
	list := func(claimID string, limit int) []string {
		t.Helper()
		got, err := f.repo.List(ctx, claimID, limit)
		require.NoError(t, err)
		out := []string{}
		for _, o := range got {
			out = append(out, o.ID)
		}
		return out
	}
	require.Equal(t, []string{ids[2], ids[1], ids[0]}, list("", 0), "all, newest first")
	require.Equal(t, []string{ids[2], ids[1]}, list("", 2), "limit 2")
	require.Equal(t, []string{ids[1]}, list("c2", 10), "claim c2")
	require.Equal(t, []string{}, list("c9", 10), "unknown claim")
}

// due runs Due of at most one obligation with work, for the tests of what
// is due.
func due(f *fixture, at time.Time, state domain.State, work func(*domain.Obligation) (app.Effects, error)) (bool, error) {
	n, err := f.repo.Due(context.Background(), at, []domain.State{state}, 1, nil, func(_ context.Context, o *domain.Obligation) (app.Effects, error) {
		return work(o)
	})
	return n == 1, err
}

func TestDueTakesOnlyWhatIsDueInTheState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	never := func(o *domain.Obligation) (app.Effects, error) {
		t.Errorf("got work called with %s, want no call", o.ID)
		return app.Effects{}, nil
	}
	found, err := due(f, t0, domain.StateScheduled, never)
	require.NoError(t, err)
	if found {
		t.Fatal("got found=true on an empty table, want false")
	}
	o := obligation(t, "claim-1", t0.Add(time.Minute))
	_, err = f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
	require.NoError(t, err)
	for _, tt := range []struct {
		name  string
		at    time.Time
		state domain.State
	}{{"before it is due", t0, domain.StateScheduled}, {"in another state", t0.Add(time.Hour), domain.StateSent}} {
		found, err = due(f, tt.at, tt.state, never)
		require.NoError(t, err)
		if found {
			t.Fatalf("%s: got found=true, want false", tt.name)
		}
	}
	// A failing work changes nothing.
	boom := errors.New("boom")
	found, err = due(f, t0.Add(time.Minute), domain.StateScheduled, func(x *domain.Obligation) (app.Effects, error) {
		_ = x.Submit(t0)
		return app.Effects{}, boom
	})
	if !found || !errors.Is(err, boom) {
		t.Fatalf("got found=%v err=%v, want true and the work's error", found, err)
	}
	got, err := f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	require.Equal(t, o, got, "obligation after a failed work")

	// A work that submits and completes it stores the result with its effects.
	commitsBefore := f.commits.Load()
	settled := t0.Add(2 * time.Minute)
	found, err = due(f, t0.Add(time.Minute), domain.StateScheduled, func(x *domain.Obligation) (app.Effects, error) {
		if err := x.Submit(t0.Add(time.Minute)); err != nil {
			return app.Effects{}, err
		}
		if err := x.Complete("REF-1", settled); err != nil {
			return app.Effects{}, err
		}
		return app.Effects{Events: []events.Outgoing{event(t, events.PayoutCompleted, *x)}}, nil
	})
	require.NoError(t, err)
	if !found {
		t.Fatal("got found=false for a due obligation, want true")
	}
	got, err = f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	if got.State != domain.StateCompleted || got.BankReference != "REF-1" || got.Attempts != 1 || got.CompletedAt == nil ||
		!got.CompletedAt.Equal(settled) || got.Payee.AccountNumber != account {
		t.Fatalf("got %+v, want completed with REF-1 at %v", got, settled)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM obligations WHERE value_date = '2026-10-09'"); n != 1 {
		t.Fatalf("got %d obligations with value date 2026-10-09, want 1", n)
	}
	if n := f.commits.Load() - commitsBefore; n != 1 {
		t.Fatalf("got %d after-commit calls for the completion, want 1", n)
	}
	found, err = due(f, t0.Add(time.Hour), domain.StateScheduled, never)
	require.NoError(t, err)
	if found {
		t.Fatal("got found=true for a completed obligation, want false")
	}
}

// TestDueLocksABatchThatAnotherInstanceSkips locks three due obligations
// of four in one transaction: prepare sees the three before any work, the
// works run oldest first and each sees, through its context, what the
// works before it stored in the same transaction (the completion counts
// what the claim's other payments collected, R10); another instance
// meanwhile gets only the fourth (SKIP LOCKED). A failing work rolls the
// whole batch back.
func TestDueLocksABatchThatAnotherInstanceSkips(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for i := range 4 {
		o := obligation(t, fmt.Sprintf("claim-%d", i), t0.Add(time.Duration(i)*time.Minute))
		_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
		require.NoError(t, err)
		ids = append(ids, o.ID)
	}
	at := t0.Add(time.Hour)
	boom := errors.New("boom")
	n, err := f.repo.Due(ctx, at, []domain.State{domain.StateScheduled}, 3, nil, func(_ context.Context, x *domain.Obligation) (app.Effects, error) {
		if err := x.Submit(at); err != nil {
			return app.Effects{}, err
		}
		if x.ID == ids[2] {
			return app.Effects{}, boom
		}
		return app.Effects{}, nil
	})
	if n != 3 || !errors.Is(err, boom) {
		t.Fatalf("got %d locked and %v, want 3 and the third work's error", n, err)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM obligations WHERE state = 'scheduled'"); got != 4 {
		t.Fatalf("after a failed work: got %d obligations scheduled, want all 4 (the batch rolled back)", got)
	}

	var prepared, worked, skipped []string
	n, err = f.repo.Due(ctx, at, []domain.State{domain.StateScheduled}, 3, func(due []domain.Obligation) {
		for _, o := range due {
			prepared = append(prepared, o.ID)
		}
	}, func(wctx context.Context, x *domain.Obligation) (app.Effects, error) {
		if len(prepared) != 3 {
			t.Errorf("got work before prepare saw the batch (%v), want prepare first", prepared)
		}
		worked = append(worked, x.ID)
		// What the works before stored, not yet committed, is what this
		// one reads.
		list, err := f.repo.List(wctx, "", 10)
		if err != nil {
			return app.Effects{}, err
		}
		for _, o := range list {
			if slices.Contains(worked[:len(worked)-1], o.ID) && o.State != domain.StateCompleted {
				t.Errorf("work of %s: got %s %s, want it completed by the work before", x.ID, o.ID, o.State)
			}
		}
		if len(worked) == 1 {
			// Another instance meanwhile.
			_, err := f.repo.Due(ctx, at, []domain.State{domain.StateScheduled}, 3, nil, func(_ context.Context, y *domain.Obligation) (app.Effects, error) {
				skipped = append(skipped, y.ID)
				return app.Effects{}, nil
			})
			if err != nil {
				return app.Effects{}, err
			}
		}
		if err := x.Submit(at); err != nil {
			return app.Effects{}, err
		}
		return app.Effects{}, x.Complete("REF-"+x.ID[:8], at)
	})
	require.NoError(t, err)
	if n != 3 || !slices.Equal(prepared, ids[:3]) || !slices.Equal(worked, ids[:3]) {
		t.Fatalf("got %d locked, prepared %v, worked %v, want the 3 oldest %v in order", n, prepared, worked, ids[:3])
	}
	if !slices.Equal(skipped, ids[3:]) {
		t.Fatalf("got the other instance working on %v, want only %v (the batch's rows skipped)", skipped, ids[3:])
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM obligations WHERE state = 'completed'"); got != 3 {
		t.Fatalf("got %d obligations completed, want 3", got)
	}
}

// complete pays o through the repository.
func complete(t *testing.T, f *fixture, o domain.Obligation, at time.Time) {
	t.Helper()
	_, err := f.repo.Schedule(context.Background(), inbox.Receipt{}, o, nothing)
	require.NoError(t, err)
	_, err = f.repo.Update(context.Background(), o.ID, at, func(x *domain.Obligation) (app.Effects, error) {
		if err := x.Submit(at); err != nil {
			return app.Effects{}, err
		}
		return app.Effects{}, x.Complete("REF-"+x.ID[:8], at)
	})
	require.NoError(t, err)
}

func TestAReversedPaymentMakesRoomForItsOneReplacement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-1", t0)
	complete(t, f, o, t0)
	var replacement domain.Obligation
	_, err := f.repo.Update(ctx, o.ID, t0.Add(time.Hour), func(x *domain.Obligation) (app.Effects, error) {
		if err := x.Reverse("退汇", t0.Add(time.Hour)); err != nil {
			return app.Effects{}, err
		}
		var err error
		replacement, err = x.Replacement(uuid.NewString(), t0.Add(time.Hour))
		return app.Effects{Create: []domain.Obligation{replacement}}, err
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, replacement.ID)
	require.NoError(t, err)
	require.Equal(t, replacement, got, "replacement read back")
	// A second replacement of the same payment is refused by the database.
	err = f.db.Exec(`INSERT INTO obligations (id, claim_id, payout_type, amount_fen, currency, state, scheduled_at, next_attempt_at, replaces)
		VALUES ('second', 'claim-2', 'final', 1, 'CNY', 'failed', now(), now(), ?)`, o.ID).Error
	if err == nil || !strings.Contains(err.Error(), "obligations_one_replacement") {
		t.Fatalf("got %v, want the unique index obligations_one_replacement to refuse", err)
	}
}

func notice(t testing.TB, o domain.Obligation, rule string) app.Notice {
	t.Helper()
	n := domain.Notice{ID: uuid.NewString(), ClaimID: o.ClaimID, ObligationID: o.ID, PolicyNumber: o.PolicyNumber, Rule: rule,
		Template: domain.TemplatePayoutResult, RecipientRole: domain.RecipientPayee, RecipientName: "李*", AmountFen: o.AmountFen,
		ValueDate: "2026-10-09", Text: "尊敬的客户", CreatedAt: t0}
	e, err := events.New(events.NotificationRequested, "payout", o.ClaimID, t0, map[string]string{"notification_id": n.ID})
	require.NoError(t, err)
	return app.Notice{Notice: n, Event: events.Outgoing{Topic: "t.claims.notifications.v1", Envelope: e}}
}

func TestNoticesAreSentOnceAndMeetTheirDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-1", t0)
	complete(t, f, o, t0)
	r9, err := f.tracker.New(tracking.Spec{ClaimID: o.ClaimID, Subject: "payout/" + o.ID, Rule: deadline.ResultNotification, ClockStart: t0}, t0)
	require.NoError(t, err)
	store := func(n app.Notice) {
		t.Helper()
		_, err := f.repo.Update(ctx, o.ID, t0, func(*domain.Obligation) (app.Effects, error) {
			return app.Effects{Notices: []app.Notice{n}, Steps: []tracking.Step{tracking.Open(r9)}}, nil
		})
		require.NoError(t, err)
	}
	n := notice(t, o, domain.NoticeResult)
	store(n)
	store(notice(t, o, domain.NoticeResult)) // a second R9 notice of the same payment is not stored
	store(notice(t, o, domain.NoticeAgentCollection))
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM notifications WHERE sent_at IS NULL"); got != 2 {
		t.Fatalf("got %d unsent notices, want 2 (one per rule)", got)
	}
	list, err := f.repo.Notices(ctx, o.ClaimID, 10)
	require.NoError(t, err)
	if len(list) != 2 || list[0].SentAt != nil {
		t.Fatalf("got notices %+v, want 2 unsent", list)
	}

	steps := func(x domain.Notice) []tracking.Step {
		if x.Rule != domain.NoticeResult {
			return nil
		}
		return []tracking.Step{tracking.Complete("payout/"+x.ObligationID, deadline.ResultNotification, t0.Add(time.Minute))}
	}
	down := errors.New("kafka down")
	if _, err := f.repo.SendNotices(ctx, t0, 10, func([]outbox.Message) error { return down }, steps); !errors.Is(err, down) {
		t.Fatalf("got %v, want the publisher's error", err)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM notifications WHERE sent_at IS NULL"); got != 2 {
		t.Fatalf("got %d unsent notices after a failed send, want 2", got)
	}
	var published []outbox.Message
	sent, err := f.repo.SendNotices(ctx, t0.Add(time.Minute), 10, func(m []outbox.Message) error { published = append(published, m...); return nil }, steps)
	require.NoError(t, err)
	if sent != 2 || len(published) != 2 {
		t.Fatalf("got %d sent as %d messages, want 2", sent, len(published))
	}
	ofR9 := 0
	for _, m := range published {
		if m.Key != o.ClaimID || m.Type != events.NotificationRequested.Name || m.Topic != "t.claims.notifications.v1" {
			t.Fatalf("got message %s %s %s, want a notice keyed by claim on the notifications topic", m.Topic, m.Key, m.Type)
		}
		e, err := events.Decode(m.Value)
		require.NoError(t, err)
		if e.ID == n.Event.Envelope.ID && m.EventID == e.ID {
			ofR9++
		}
	}
	if ofR9 != 1 {
		t.Fatalf("got the R9 notice's event %d times, want once", ofR9)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'result-notification' AND state = 'met'"); got != 1 {
		t.Fatalf("got %d R9 deadlines met, want 1", got)
	}
	again, err := f.repo.SendNotices(ctx, t0.Add(time.Hour), 10, func(m []outbox.Message) error {
		t.Errorf("got %d notices sent again, want none", len(m))
		return nil
	}, steps)
	require.NoError(t, err)
	if again != 0 {
		t.Fatalf("got %d sent again, want 0", again)
	}
}

func TestReconciliationCountsByShanghaiDayAndType(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	loc := shanghai(t)
	// 2026-10-09 23:59:59 and 2026-10-10 00:00:00 in Shanghai.
	lastOf9 := time.Date(2026, 10, 9, 23, 59, 59, 0, loc)
	firstOf10 := time.Date(2026, 10, 10, 0, 0, 0, 0, loc)
	a, b, c := obligation(t, "c1", t0), obligation(t, "c2", t0), obligation(t, "c3", t0)
	complete(t, f, a, lastOf9)
	complete(t, f, b, firstOf10)
	complete(t, f, c, firstOf10.Add(time.Hour))
	_, err := f.repo.Update(ctx, c.ID, firstOf10.Add(48*time.Hour), func(x *domain.Obligation) (app.Effects, error) {
		return app.Effects{}, x.Reverse("退汇", firstOf10.Add(48*time.Hour))
	})
	require.NoError(t, err)
	p, err := domain.ParsePeriod("2026-10-01", "2026-10-31", loc)
	require.NoError(t, err)
	got, err := f.repo.Reconciliation(ctx, p)
	require.NoError(t, err)
	want := []domain.DayTotal{
		{Date: "2026-10-09", Type: "final", CompletedCount: 1, CompletedFen: 123456},
		{Date: "2026-10-10", Type: "final", CompletedCount: 2, CompletedFen: 246912},
		{Date: "2026-10-12", Type: "final", ReversedCount: 1, ReversedFen: 123456},
	}
	require.Equal(t, want, got)
	p, err = domain.ParsePeriod("2026-10-10", "2026-10-10", loc)
	require.NoError(t, err)
	got, err = f.repo.Reconciliation(ctx, p)
	require.NoError(t, err)
	require.Equal(t, want[1:2], got, "one day only")
}

func TestResealMovesEveryPayeeToTheCurrentKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for _, claim := range []string{"c1", "c2", "c3"} {
		o := obligation(t, claim, t0)
		_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
		require.NoError(t, err)
		ids = append(ids, o.ID)
	}
	rotated := adapters.NewObligations(f.db, nil, f.tracker, keyring(t, "k2", "k1"), shanghai(t))
	// Before the reseal the rotated ring still opens the old boxes.
	if _, err := rotated.Get(ctx, ids[0]); err != nil {
		t.Fatalf("got %v reading an old box with the old key listed, want it opened", err)
	}
	total := 0
	for {
		n, err := rotated.Reseal(ctx, 2)
		require.NoError(t, err)
		if n == 0 {
			break
		}
		total += n
	}
	if total != 3 || pgtest.Count(t, f.db, "SELECT count(*) FROM obligations WHERE payee_key_id = 'k2'") != 3 {
		t.Fatalf("got %d resealed, want all 3 under k2", total)
	}
	newOnly := adapters.NewObligations(f.db, nil, f.tracker, keyring(t, "k2"), shanghai(t))
	for _, id := range ids {
		o, err := newOnly.Get(ctx, id)
		if err != nil || o.Payee.AccountNumber != account {
			t.Fatalf("got %v, %+v with the new key alone, want the payee", err, o.Payee)
		}
	}
}
