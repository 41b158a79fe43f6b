// Package inboxpg is the PostgreSQL side of package inbox: it records
// receipts in the transaction of their effect and parks dead letters.
package inboxpg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/pkg/inbox"
)

type row struct {
	Consumer    string `gorm:"primaryKey"`
	EventID     string `gorm:"primaryKey"`
	EventType   string
	ClaimID     string
	ProcessedAt time.Time
}

func (row) TableName() string { return "inbox" }

// Record stores r inside tx and tells whether this is the first time. When it
// returns false the caller must apply nothing: the event was already applied.
func Record(tx *gorm.DB, r inbox.Receipt) (first bool, err error) {
	if r.IsZero() {
		return true, nil
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row{
		Consumer: r.Consumer, EventID: r.EventID, EventType: r.EventType, ClaimID: r.ClaimID, ProcessedAt: time.Now().UTC(),
	})
	if res.Error != nil {
		return false, fmt.Errorf("inbox: record %s: %w", r.EventID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// DeadLetter is an event that can never be applied (malformed, or of a schema
// this consumer does not know). It is parked for a person to look at, and the
// consumer moves on.
type DeadLetter struct {
	ID             int64 `gorm:"primaryKey"`
	Consumer       string
	Topic          string
	KafkaPartition int
	KafkaOffset    int64
	MsgKey         string
	Payload        []byte
	Error          string
	CreatedAt      time.Time
	// Sealed tells that Payload is sealed (ParkSealed): open it with
	// OpenPayload and the service's data keys.
	Sealed bool
	// ReplayedAt and ReplayedBy tell when and by whom an operator replayed
	// the letter successfully (MarkReplayed); nil while it is still parked.
	ReplayedAt *time.Time
	ReplayedBy string
}

func (DeadLetter) TableName() string { return "dead_letters" }

// Park stores d once.
func Park(db *gorm.DB, d DeadLetter) error {
	d.CreatedAt = time.Now().UTC()
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&d).Error; err != nil {
		return fmt.Errorf("inbox: park dead letter: %w", err)
	}
	return nil
}

// Sealer seals a payload with the service's current data key (a
// *sealed.Keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
}

// Opener opens what a Sealer sealed, with any of the service's data keys.
type Opener interface {
	Open(box, aad []byte) ([]byte, error)
}

// deadLetterAAD binds a sealed payload to the consumer and topic it was
// parked from, so that it cannot be moved to another dead letter unnoticed.
func deadLetterAAD(d DeadLetter) []byte { return []byte("dead-letter|" + d.Consumer + "|" + d.Topic) }

// ParkSealed stores d once with its payload sealed by s: an event parked
// for an operator may carry payee or claimant details (R11), which stay
// sealed at rest like the service's own.
func ParkSealed(db *gorm.DB, d DeadLetter, s Sealer) error {
	box, err := s.Seal(d.Payload, deadLetterAAD(d))
	if err != nil {
		return fmt.Errorf("inbox: seal dead letter: %w", err)
	}
	d.Payload, d.Sealed = box, true
	return Park(db, d)
}

// OpenPayload returns d's payload in clear, opening it with o when it is
// sealed.
func OpenPayload(d DeadLetter, o Opener) ([]byte, error) {
	if !d.Sealed {
		return d.Payload, nil
	}
	pt, err := o.Open(d.Payload, deadLetterAAD(d))
	if err != nil {
		return nil, fmt.Errorf("inbox: open dead letter %d: %w", d.ID, err)
	}
	return pt, nil
}

// ErrNoDeadLetter is returned by GetDeadLetter for an id that is not parked.
var ErrNoDeadLetter = errors.New("inbox: no such dead letter")

// ListDeadLetters returns up to limit dead letters, newest first, without
// their payloads: a list shows where each came from and why, never what it
// carries.
func ListDeadLetters(ctx context.Context, db *gorm.DB, limit int) ([]DeadLetter, error) {
	var out []DeadLetter
	err := db.WithContext(ctx).Omit("payload").Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("inbox: list dead letters: %w", err)
	}
	return out, nil
}

// GetDeadLetter returns the dead letter id with its payload as stored
// (sealed or not; see OpenPayload), or ErrNoDeadLetter.
func GetDeadLetter(ctx context.Context, db *gorm.DB, id int64) (DeadLetter, error) {
	var d DeadLetter
	err := db.WithContext(ctx).Where("id = ?", id).Take(&d).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return DeadLetter{}, ErrNoDeadLetter
	case err != nil:
		return DeadLetter{}, fmt.Errorf("inbox: read dead letter %d: %w", id, err)
	}
	return d, nil
}

// MarkReplayed records that by replayed the dead letter id at at. The first
// successful replay is kept: a second one (which the inbox made a no-op)
// does not overwrite who did it.
func MarkReplayed(ctx context.Context, db *gorm.DB, id int64, by string, at time.Time) error {
	err := db.WithContext(ctx).Model(&DeadLetter{}).Where("id = ? AND replayed_at IS NULL", id).
		Updates(map[string]any{"replayed_at": at.UTC(), "replayed_by": by}).Error
	if err != nil {
		return fmt.Errorf("inbox: mark dead letter %d replayed: %w", id, err)
	}
	return nil
}

// CountDeadLetters counts the parked messages.
func CountDeadLetters(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&DeadLetter{}).Count(&n).Error
	return n, err
}
