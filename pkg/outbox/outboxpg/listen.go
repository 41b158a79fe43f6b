package outboxpg

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"claims.local/pkg/clock"
)

// notifyChannel is the channel the outbox_notify trigger notifies when a
// transaction that appended to the outbox commits.
const notifyChannel = "outbox"

// Listen wakes the relay whenever a transaction that appended to the
// outbox commits, in this process or in another instance of the service
// (the outbox_notify trigger's NOTIFY), until ctx ends. It holds one
// connection of the relay's pool while it runs. A lost connection is
// opened again after a second; meanwhile the relay's Interval poll, the
// fallback, still finds every row.
func (r *Relay) Listen(ctx context.Context) error {
	sqlDB, err := r.DB.DB()
	if err != nil {
		return fmt.Errorf("outbox: listen: %w", err)
	}
	for {
		err := r.listen(ctx, sqlDB.Conn)
		if ctx.Err() != nil {
			return nil
		}
		r.Log.Warn("outbox relay: listening for new rows failed; polling until it works again", "error", err.Error())
		if !clock.Sleep(ctx, time.Second) {
			return nil
		}
	}
}

// listen LISTENs on one connection and wakes the relay at each
// notification, and once at the start for rows appended before.
func (r *Relay) listen(ctx context.Context, connect func(context.Context) (*sql.Conn, error)) error {
	conn, err := connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("outbox: listen needs the pgx driver, got %T", dc)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
			return errors.Join(err, driver.ErrBadConn)
		}
		r.Wake()
		for {
			if _, err := pc.WaitForNotification(ctx); err != nil {
				// The connection listens still: never hand it back to the pool.
				return errors.Join(err, driver.ErrBadConn)
			}
			r.Wake()
		}
	})
}
