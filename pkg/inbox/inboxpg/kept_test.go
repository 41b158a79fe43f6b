package inboxpg_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
)

// TestAttackTheInboxAndDeadLettersCannotBeRewrittenThroughTheServicesOwnRole
// is an insider holding a service's database role. Deleting the inbox row of
// an applied event (an advance paid) lets the same event apply again when
// it is read again; editing a parked event's payload (an amount, an
// account) and asking an admin to replay it launders the edit under the
// admin's name. An applied event's receipt is never changed or removed, and
// a dead letter only records its one replay.
func TestAttackTheInboxAndDeadLettersCannotBeRewrittenThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.True(t, record(t, db, inbox.Receipt{Consumer: "payout.decisions", EventID: "e1", EventType: "claims.adjudication.advance-approved", ClaimID: "c1"}))
	require.NoError(t, inboxpg.Park(db, inboxpg.DeadLetter{Consumer: "payout.decisions", Topic: "claims.adjudication.v1", KafkaPartition: 0,
		KafkaOffset: 7, MsgKey: "c1", Payload: []byte(`{"amount_fen":100}`), Error: "failed 5 times"}))

	for _, stmt := range []string{
		`DELETE FROM inbox WHERE event_id = 'e1'`,
		`UPDATE inbox SET event_id = 'e1-forgotten'`,
		`TRUNCATE inbox`,
		`UPDATE dead_letters SET payload = convert_to('{"amount_fen":100000}', 'UTF8')`,
		`UPDATE dead_letters SET msg_key = 'c2'`,
		`DELETE FROM dead_letters`,
		`TRUNCATE dead_letters`,
	} {
		assert.Error(t, db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	assert.False(t, record(t, db, inbox.Receipt{Consumer: "payout.decisions", EventID: "e1", EventType: "claims.adjudication.advance-approved", ClaimID: "c1"}),
		"the applied event read again")

	// The replay is recorded once, as the service does.
	letters, err := inboxpg.ListDeadLetters(context.Background(), db, 10)
	require.NoError(t, err)
	require.Len(t, letters, 1)
	parked, err := inboxpg.GetDeadLetter(context.Background(), db, letters[0].ID)
	require.NoError(t, err)
	assert.Equal(t, `{"amount_fen":100}`, string(parked.Payload), "the parked payload")
	require.NoError(t, inboxpg.MarkReplayed(context.Background(), db, letters[0].ID, "admin-1", time.Now()))
	assert.Error(t, db.Exec(`UPDATE dead_letters SET replayed_by = 'someone else'`).Error, "a replay rewritten")
}

// TestAttackTheInboxCannotBeAlteredThroughTheRunTimeRole is the insider of
// the test above who, refused by the triggers, changes the schema first,
// then deletes an applied event's receipt so that it applies again. A
// service's run-time role owns nothing and may only read and write rows:
// every attempt is refused and the receipt is still there.
func TestAttackTheInboxCannotBeAlteredThroughTheRunTimeRole(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.True(t, record(t, db, inbox.Receipt{Consumer: "payout.decisions", EventID: "e1", EventType: "claims.adjudication.advance-approved", ClaimID: "c1"}))
	pgtest.AttackTheSchema(t, db, "inbox", "event_id = 'e1'")
}

// TestTheInboxAndDeadLettersTriggersRefuseEvenTheOwner: the run-time role
// has no TRUNCATE and no schema rights, so the attacks above are refused by
// privileges before the triggers are reached; the triggers still keep the
// rows against a statement of the schema's owner (a migration's mistake),
// each with its own message (the inbox's was "record "old" has no field
// "replayed_at"" until inbox 0005: its function read a column of
// dead_letters).
func TestTheInboxAndDeadLettersTriggersRefuseEvenTheOwner(t *testing.T) {
	t.Parallel()
	db, owner := pgtest.NewMigratedWithOwner(t, 5, uow.Shared)
	require.True(t, record(t, db, inbox.Receipt{Consumer: "payout.decisions", EventID: "e1", EventType: "claims.adjudication.advance-approved", ClaimID: "c1"}))
	require.NoError(t, inboxpg.Park(db, inboxpg.DeadLetter{Consumer: "payout.decisions", Topic: "claims.adjudication.v1", KafkaPartition: 0,
		KafkaOffset: 7, MsgKey: "c1", Payload: []byte(`{"amount_fen":100}`), Error: "failed 5 times"}))
	for _, c := range []struct{ stmt, want string }{
		{`DELETE FROM inbox WHERE event_id = 'e1'`, "inbox is kept as written: DELETE refused"},
		{`UPDATE inbox SET event_id = 'e1-forgotten'`, "inbox is kept as written: UPDATE refused"},
		{`TRUNCATE inbox`, "inbox is kept as written: TRUNCATE refused"},
		{`UPDATE dead_letters SET msg_key = 'c2'`, "dead_letters is kept as written: UPDATE refused"},
		{`DELETE FROM dead_letters`, "dead_letters is kept as written: DELETE refused"},
		{`TRUNCATE dead_letters`, "dead_letters is kept as written: TRUNCATE refused"},
	} {
		err := owner.Exec(c.stmt).Error
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s as the owner: got %v, want %q", c.stmt, err, c.want)
		}
	}
	assert.Equal(t, int64(1), pgtest.Count(t, db, "SELECT count(*) FROM inbox"), "receipts after the attempts")
	assert.Equal(t, int64(1), pgtest.Count(t, db, "SELECT count(*) FROM dead_letters"), "dead letters after the attempts")
}
