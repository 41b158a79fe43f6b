// Package inbox makes event consumers idempotent: a consumer records
// (consumer, event id) in the same transaction as the effect of the event,
// and commits the Kafka offset only after that transaction commits. A
// redelivered event finds its record and has no second effect.
//
// This package holds the value a use case passes along (Receipt); package
// inboxpg stores receipts and dead letters in PostgreSQL.
package inbox

// Receipt identifies one event as received by one consumer. The zero Receipt
// means "not from an event" (an HTTP call) and is never recorded.
type Receipt struct {
	Consumer  string
	EventID   string
	EventType string
	ClaimID   string
}

// IsZero tells whether r stands for no event.
func (r Receipt) IsZero() bool { return r.EventID == "" }
