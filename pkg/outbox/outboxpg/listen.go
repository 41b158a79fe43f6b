package outboxpg

import (
	"context"

	"claims.local/pkg/postgres"
)

// notifyChannel is the channel the outbox_notify trigger notifies when a
// transaction that appended to the outbox commits.
const notifyChannel = "outbox"

// Listen wakes the relay whenever a transaction that appended to the
// outbox commits, in this process or in another instance of the service
// (the outbox_notify trigger's NOTIFY), and once each time it starts to
// listen, for rows appended before, until ctx ends. It holds one
// connection of the relay's pool while it runs. A lost connection is
// opened again after a second; meanwhile the relay's Interval poll, the
// fallback, still finds every row.
func (r *Relay) Listen(ctx context.Context) error {
	return postgres.Listener{
		DB: r.DB, Channel: notifyChannel, Log: r.Log, What: "outbox relay",
		Listening: r.Wake, Notified: func(string) { r.Wake() },
	}.Run(ctx)
}
