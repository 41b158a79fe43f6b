// Package outbox is the transactional outbox: a state change and the event
// announcing it are written in one database transaction, and a relay
// publishes the pending rows to Kafka in order and marks them sent. If Kafka
// is down, requests still succeed and the events go out when it returns.
//
// This package holds the values a use case or a publisher sees (Message,
// Publisher); package outboxpg stores and relays the rows in PostgreSQL.
package outbox

import "context"

// Message is one event ready for Kafka.
type Message struct {
	Topic   string
	Key     string
	EventID string
	Type    string
	Value   []byte
}

// Publisher sends messages synchronously and returns only when the broker has
// acknowledged all of them, in order per topic and key. When the broker
// acknowledged some and refused others (a partition whose leader moved
// during a broker restart), the error is a *PartialFailure saying which.
type Publisher interface {
	Publish(ctx context.Context, msgs []Message) error
}

// PartialFailure is a Publish that the broker acknowledged in part:
// Delivered[i] reports whether message i was acknowledged. A relay marks
// the delivered ones sent, so that they are not sent a second time when the
// others are tried again.
type PartialFailure struct {
	Delivered []bool
	Err       error
}

func (e *PartialFailure) Error() string { return e.Err.Error() }

func (e *PartialFailure) Unwrap() error { return e.Err }
