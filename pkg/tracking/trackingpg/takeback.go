package trackingpg

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// TakeBackStep takes back, inside tx, the step that met claimID's
// obligation of rule with evidence, while it is still the obligation's
// latest move: the step's tampered alarm is recorded
// (deadline_tamper_alarms, which alone lets a done obligation be owed
// again: tracking 0012) and the obligation is owed again as it was before
// the step (Tracker.TakeBack), so that its breach comes on time. A service
// calls it when it learns, after its monitor proved the step, that the
// evidence never held: intake's hand-over that adjudication never
// confirmed, of a claim file that was never ready to hand over (red team,
// session 17). It returns the obligation as taken back and whether it was.
func TakeBackStep(tx *gorm.DB, t *tracking.Tracker, claimID string, rule deadline.RuleID, evidence string, now time.Time) (tracking.Deadline, bool, error) {
	var rows []obligationRow
	if err := tx.Raw(`SELECT * FROM deadline_obligations WHERE claim_id = ? AND rule = ? AND state = 'met' AND done_evidence = ? FOR UPDATE`,
		claimID, string(rule), evidence).Scan(&rows).Error; err != nil {
		return tracking.Deadline{}, false, fmt.Errorf("take back %s of %s: %w", rule, claimID, err)
	}
	if len(rows) != 1 {
		return tracking.Deadline{}, false, nil
	}
	o, err := rows[0].toDomain()
	if err != nil {
		return tracking.Deadline{}, false, err
	}
	var moves []moveRow
	if err := tx.Raw(`SELECT * FROM deadline_due_moves WHERE obligation_id = ? ORDER BY seq DESC LIMIT 1`, o.ID).Scan(&moves).Error; err != nil {
		return tracking.Deadline{}, false, fmt.Errorf("take back %s of %s: its step: %w", rule, claimID, err)
	}
	if len(moves) == 0 {
		return tracking.Deadline{}, false, nil
	}
	mv, err := moves[0].toDomain()
	if err != nil {
		return tracking.Deadline{}, false, err
	}
	if !mv.Ended() || mv.Obligation.Evidence != evidence {
		return tracking.Deadline{}, false, nil
	}
	if _, err := recordTamperAlarm(tx, mv.Seq, o.ID, o.DueAt, now); err != nil {
		return tracking.Deadline{}, false, fmt.Errorf("take back %s of %s: %w", rule, claimID, err)
	}
	if !t.TakeBack(&o, mv, now) {
		return tracking.Deadline{}, false, nil
	}
	if err := save(tx, o); err != nil {
		return tracking.Deadline{}, false, err
	}
	return o, true, nil
}
