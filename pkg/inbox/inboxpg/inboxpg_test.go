package inboxpg_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/sealed"
)

// openDB returns a fresh database with the inbox and dead-letter tables.
func openDB(t *testing.T) *gorm.DB {
	t.Helper()
	return pgtest.NewMigrated(t, 5, uow.Shared)
}

func count(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	return pgtest.Count(t, db, "SELECT count(*) FROM "+table)
}

// record runs inboxpg.Record in a transaction of its own that commits.
func record(t *testing.T, db *gorm.DB, r inbox.Receipt) bool {
	t.Helper()
	var first bool
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		var err error
		first, err = inboxpg.Record(tx, r)
		return err
	}))
	return first
}

func TestRecordIsFirstOncePerConsumerAndEvent(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	r := inbox.Receipt{Consumer: "adjudication.claim-requests", EventID: "e1", EventType: "claims.intake.claim-requested", ClaimID: "c1"}

	if got := record(t, db, r); !got {
		t.Fatalf("first Record: got first=%v, want true", got)
	}
	if got := record(t, db, r); got {
		t.Fatalf("second Record of the same event: got first=%v, want false", got)
	}
	// The same event seen by another consumer is that consumer's first time.
	other := r
	other.Consumer = "payout.decisions"
	if got := record(t, db, other); !got {
		t.Fatalf("Record by another consumer: got first=%v, want true", got)
	}
	// Another event for the same consumer is first too.
	next := r
	next.EventID = "e2"
	if got := record(t, db, next); !got {
		t.Fatalf("Record of another event: got first=%v, want true", got)
	}
	if got := count(t, db, "inbox"); got != 3 {
		t.Fatalf("got %d inbox rows, want 3", got)
	}
}

func TestRecordInARolledBackTransactionIsForgotten(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	r := inbox.Receipt{Consumer: "c", EventID: "e1", EventType: "t", ClaimID: "claim"}
	failed := errors.New("effect failed")
	err := db.Transaction(func(tx *gorm.DB) error {
		first, err := inboxpg.Record(tx, r)
		if err != nil {
			return err
		}
		if !first {
			t.Errorf("got first=false inside the first transaction, want true")
		}
		return failed
	})
	require.ErrorIs(t, err, failed)
	// The effect did not happen, so the redelivered event must be applied.
	if got := record(t, db, r); !got {
		t.Fatalf("Record after rollback: got first=%v, want true", got)
	}
}

func TestZeroReceiptIsAlwaysFirstAndNeverStored(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	var zero inbox.Receipt
	if !zero.IsZero() {
		t.Fatalf("got IsZero()=false for the zero Receipt, want true")
	}
	for i := range 3 {
		if got := record(t, db, zero); !got {
			t.Fatalf("Record #%d of the zero receipt: got first=%v, want true", i+1, got)
		}
	}
	// A receipt without an event id stands for no event, whatever else it holds.
	noEvent := inbox.Receipt{Consumer: "c", ClaimID: "x"}
	if got := record(t, db, noEvent); !got {
		t.Fatalf("Record of a receipt without event id: got first=%v, want true", got)
	}
	if got := count(t, db, "inbox"); got != 0 {
		t.Fatalf("got %d inbox rows, want 0", got)
	}
}

func TestParkStoresADeadLetterOnce(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	d := inboxpg.DeadLetter{Consumer: "payout.decisions", Topic: "claims.adjudication.v1", KafkaPartition: 3,
		KafkaOffset: 17, MsgKey: "c1", Payload: []byte("{not json"), Error: "malformed event: bad"}

	require.NoError(t, inboxpg.Park(db, d))
	require.NoError(t, inboxpg.Park(db, d), "parking the same message again is not an error")
	if got := count(t, db, "dead_letters"); got != 1 {
		t.Fatalf("got %d dead letters after parking one message twice, want 1", got)
	}

	var stored inboxpg.DeadLetter
	require.NoError(t, db.Take(&stored).Error)
	if stored.Consumer != d.Consumer || stored.Topic != d.Topic || stored.KafkaPartition != 3 || stored.KafkaOffset != 17 ||
		stored.MsgKey != "c1" || string(stored.Payload) != "{not json" || stored.Error != d.Error {
		t.Fatalf("got dead letter %+v, want %+v", stored, d)
	}
	if stored.CreatedAt.IsZero() {
		t.Fatalf("got zero created_at, want the time it was parked")
	}

	// Another offset is another message.
	next := d
	next.KafkaOffset = 18
	require.NoError(t, inboxpg.Park(db, next))
	if got := count(t, db, "dead_letters"); got != 2 {
		t.Fatalf("got %d dead letters, want 2", got)
	}
}

// TestParkSealedKeepsNoPayloadInClear: a parked event may carry an account
// or ID number; sealed, the stored payload holds none of it in clear, opens
// back with the service's keys, and does not open as another consumer's.
func TestParkSealedKeepsNoPayloadInClear(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	keys, err := sealed.New([]sealed.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, sealed.KeyBytes)}})
	require.NoError(t, err)
	payload := []byte(`{"payee":{"account":"6222021234567890123"}}`)
	d := inboxpg.DeadLetter{Consumer: "payout.agreements", Topic: "claims.adjudication.v1", KafkaPartition: 1,
		KafkaOffset: 5, MsgKey: "c1", Payload: payload, Error: "gave up"}
	require.NoError(t, inboxpg.ParkSealed(db, d, keys))

	var stored inboxpg.DeadLetter
	require.NoError(t, db.Take(&stored).Error)
	if !stored.Sealed || bytes.Contains(stored.Payload, []byte("6222021234567890123")) {
		t.Fatalf("got sealed=%v payload %q, want it sealed without the account number", stored.Sealed, stored.Payload)
	}
	got, err := inboxpg.OpenPayload(stored, keys)
	require.NoError(t, err)
	require.Equal(t, string(payload), string(got))
	moved := stored
	moved.Consumer = "adjudication.payouts"
	if _, err := inboxpg.OpenPayload(moved, keys); err == nil {
		t.Fatalf("opening the payload as another consumer's: got no error, want a refusal")
	}
}
