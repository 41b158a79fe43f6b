package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"claims.local/pkg/clock"
)

// Listener LISTENs on one channel, on a connection of its own from DB's
// pool, and hands each notification's payload to Notified. A NOTIFY reaches
// only the sessions listening when its transaction commits, so Listening is
// called each time the connection starts to listen (the first time and
// after every reconnection): the caller then looks again for what it may
// have missed meanwhile.
type Listener struct {
	DB      *gorm.DB
	Channel string
	Log     *slog.Logger
	// What names the listener in its errors and its warning, such as
	// "outbox relay".
	What      string
	Listening func()
	Notified  func(payload string)
}

// Run listens until ctx ends, holding one connection of the pool while it
// runs. A lost connection is opened again after a second.
func (l Listener) Run(ctx context.Context) error {
	sqlDB, err := l.DB.DB()
	if err != nil {
		return fmt.Errorf("%s: listen: %w", l.What, err)
	}
	for {
		err := l.listen(ctx, sqlDB)
		if ctx.Err() != nil {
			return nil
		}
		l.Log.Warn(l.What+": listening failed; listening again in a second", "channel", l.Channel, "error", err.Error())
		if !clock.Sleep(ctx, time.Second) {
			return nil
		}
	}
}

func (l Listener) listen(ctx context.Context, sqlDB *sql.DB) error {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("%s: listening needs the pgx driver, got %T", l.What, dc)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+l.Channel); err != nil {
			return errors.Join(err, driver.ErrBadConn)
		}
		l.Listening()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				// The connection listens still: never hand it back to the pool.
				return errors.Join(err, driver.ErrBadConn)
			}
			l.Notified(n.Payload)
		}
	})
}
