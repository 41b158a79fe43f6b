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
// acknowledged all of them, in order per topic and key.
type Publisher interface {
	Publish(ctx context.Context, msgs []Message) error
}
