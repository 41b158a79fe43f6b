package adapters_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/postgres/pgtest"
)

// TestAttackTheNoticesAndCorrectionsCannotBeRewrittenThroughTheServicesOwnRole
// is a dishonest insider holding intake's database role. The R3 notices are
// the stops of the decision clock adjudication deducts (R4): moving a
// notice's sending earlier, or its supplement's arrival later, stretches
// the deadline, and deleting the one-time notice hides that it was late or
// incomplete. The corrections, waivers and links refuse UPDATE and DELETE
// row by row, but TRUNCATE skipped those triggers. A notice changes only
// once, when its supplement arrives; everything else is refused.
func TestAttackTheNoticesAndCorrectionsCannotBeRewrittenThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(t, sample(t, "r1"))
	require.NoError(t, f.db.Exec(`INSERT INTO missing_document_notices (report_id, seq, items, reason, channel, sent_by, sent_at)
		VALUES ('r1', 1, '[]', '', 'sms', 'handler-1', '2026-10-08T10:00:00+08:00')`).Error)
	require.NoError(t, f.db.Exec(`INSERT INTO checklist_waivers (report_id, item_id, reason, waived_by, waived_at)
		VALUES ('r1', 'invoice', 'seen on paper', 'handler-1', now())`).Error)

	// What intake itself does: the supplement arrives once, and is written
	// again unchanged when a later notice's supplement arrives.
	for range 2 {
		require.NoError(t, f.db.Exec(`UPDATE missing_document_notices SET supplement_received_at = '2026-10-12T09:00:00+08:00'
			WHERE report_id = 'r1' AND seq = 1`).Error)
	}
	for _, stmt := range []string{
		`UPDATE missing_document_notices SET sent_at = sent_at - interval '3 days'`,
		`UPDATE missing_document_notices SET supplement_received_at = supplement_received_at + interval '20 days'`,
		`UPDATE missing_document_notices SET supplement_received_at = NULL`,
		`UPDATE missing_document_notices SET reason = 'new information'`,
		`DELETE FROM missing_document_notices`,
		`TRUNCATE missing_document_notices`,
		`TRUNCATE checklist_waivers`,
		`TRUNCATE document_corrections`,
		`TRUNCATE report_links`,
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	assert.Equal(t, int64(1), pgtest.Count(t, f.db, `SELECT count(*) FROM missing_document_notices
		WHERE sent_at = '2026-10-08T10:00:00+08:00' AND supplement_received_at = '2026-10-12T09:00:00+08:00'`), "the notice as sent")
	assert.Equal(t, int64(1), pgtest.Count(t, f.db, `SELECT count(*) FROM checklist_waivers`), "waivers")
}

// TestAttackANoticesDeliveryIsWrittenOnce: the decision clock (R4) stops
// from the day a notice reached the claimant, so an insider holding
// intake's role who moves a recorded delivery earlier (or rubs it out to
// write another) stretches the deadline; one recorded before the sending is
// a stop no notice made. The delivery is written once, with its receipt,
// and never before the sending.
func TestAttackANoticesDeliveryIsWrittenOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(t, sample(t, "r1"))
	require.NoError(t, f.db.Exec(`INSERT INTO missing_document_notices (report_id, seq, items, reason, channel, sent_by, sent_at)
		VALUES ('r1', 1, '[]', '', 'letter', 'handler-1', '2026-11-03T10:00:00+08:00'),
		       ('r1', 2, '[]', 'new', 'letter', 'handler-1', '2026-11-04T10:00:00+08:00')`).Error)
	assert.Error(t, f.db.Exec(`UPDATE missing_document_notices SET delivered_at = '2026-11-02T10:00:00+08:00', delivery_receipt = 'XA1',
		delivery_recorded_by = 'handler-1', delivery_recorded_at = '2026-11-07T10:00:00+08:00' WHERE seq = 2`).Error,
		"got a delivery before the sending stored, want it refused")

	// What intake itself does: the postal receipt recorded once.
	require.NoError(t, f.db.Exec(`UPDATE missing_document_notices SET delivered_at = '2026-11-06T15:00:00+08:00', delivery_receipt = 'XA1',
		delivery_recorded_by = 'handler-1', delivery_recorded_at = '2026-11-07T10:00:00+08:00' WHERE seq = 1`).Error)
	require.NoError(t, f.db.Exec(`UPDATE missing_document_notices SET supplement_received_at = '2026-11-11T10:00:00+08:00' WHERE seq = 1`).Error)
	for _, stmt := range []string{
		`UPDATE missing_document_notices SET delivered_at = '2026-11-03T10:00:00+08:00' WHERE seq = 1`,
		`UPDATE missing_document_notices SET delivery_receipt = 'XA2' WHERE seq = 1`,
		`UPDATE missing_document_notices SET delivered_at = NULL, delivery_receipt = NULL, delivery_recorded_by = NULL, delivery_recorded_at = NULL WHERE seq = 1`,
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	assert.Equal(t, int64(1), pgtest.Count(t, f.db, `SELECT count(*) FROM missing_document_notices
		WHERE seq = 1 AND delivered_at = '2026-11-06T15:00:00+08:00' AND delivery_receipt = 'XA1'`), "the delivery as recorded")
}

// TestAttackTheNoticesCannotBeAlteredThroughTheRunTimeRole is the insider
// of the tests above who, refused by the triggers, changes the schema
// first: disables or drops the trigger keeping the R3 notices, replaces
// its function, drops or takes the table, then deletes the one-time
// notice. Intake's run-time role owns nothing and may only read and write
// rows: every attempt is refused and the notice is still there.
func TestAttackTheNoticesCannotBeAlteredThroughTheRunTimeRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(t, sample(t, "r1"))
	require.NoError(t, f.db.Exec(`INSERT INTO missing_document_notices (report_id, seq, items, reason, channel, sent_by, sent_at)
		VALUES ('r1', 1, '[]', '', 'sms', 'handler-1', '2026-10-08T10:00:00+08:00')`).Error)
	pgtest.AttackTheSchema(t, f.db, "missing_document_notices", "report_id = 'r1' AND seq = 1")
}
