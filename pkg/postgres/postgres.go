// Package postgres opens the services' PostgreSQL databases through gorm and
// applies versioned migrations. Schema changes are SQL files applied once, in
// order, and recorded in schema_migrations; nothing is auto-migrated.
package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Open connects to dsn and checks the connection.
func Open(ctx context.Context, dsn string, maxConns int) (*gorm.DB, error) {
	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := joinBatches(db); err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if maxConns <= 0 {
		maxConns = 10
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return db, nil
}

// Close closes the pool under db.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Migration is one versioned schema change. ID orders migrations within their
// set and must never change once applied.
type Migration struct {
	ID  string
	SQL string
}

// MigrationsFromFS reads every *.sql file of dir in fsys as one migration,
// named prefix/filename and ordered by file name.
func MigrationsFromFS(fsys fs.FS, dir, prefix string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{ID: prefix + "/" + e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// migrationLock is the advisory lock key that serialises migrations when
// several instances of a service start at once.
const migrationLock = 7_303_001

// Migrate applies, in the given order, each migration not yet recorded.
func Migrate(ctx context.Context, db *gorm.DB, migrations []Migration, log *slog.Logger) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// The run-time role reads which migrations are applied (CheckMigrated)
	// but writes none: a record deleted would have the owner apply its
	// migration again at the next start.
	if _, err := conn.ExecContext(ctx, `DO $$
		DECLARE r record;
		BEGIN
			FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
			         WHERE table_schema = current_schema() AND table_name = 'schema_migrations' AND grantee <> current_user
			           AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE') LOOP
				EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM %s',
					CASE r.grantee WHEN 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
			END LOOP;
		END $$`); err != nil {
		return fmt.Errorf("migrate: keep schema_migrations to its owner: %w", err)
	}
	for _, m := range migrations {
		if err := applyOne(ctx, conn, m, log); err != nil {
			return err
		}
	}
	return nil
}

// WithoutTransactionHeader is the first line of a migration that PostgreSQL must
// run outside a transaction: CREATE INDEX CONCURRENTLY and DROP INDEX
// CONCURRENTLY, which build or drop an index on a table in use without
// holding off its writes (a plain CREATE INDEX takes a SHARE lock, and every
// INSERT, UPDATE and DELETE of the table waits until the index is built; a
// plain DROP INDEX takes an ACCESS EXCLUSIVE lock). Such a migration is run
// one statement at a time and is recorded after its last statement, so a
// crash in between runs it again from the start: each of its statements must
// be safe to run again (IF EXISTS, IF NOT EXISTS, an index built under a new
// name and then renamed). A statement ends with a semicolon at the end of a
// line; dollar-quoted bodies are refused, as they could hide one.
const WithoutTransactionHeader = "-- migrate: without transaction"

// WithoutTransaction reports whether m is one of those migrations: its
// first line is WithoutTransactionHeader.
func (m Migration) WithoutTransaction() bool {
	first, _, _ := strings.Cut(m.SQL, "\n")
	return strings.TrimSpace(first) == WithoutTransactionHeader
}

// statements splits a migration run without a transaction into its
// statements, dropping comment lines.
func (m Migration) statements() ([]string, error) {
	if strings.Contains(m.SQL, "$$") {
		return nil, fmt.Errorf("migrate %s: a migration run without a transaction may not hold a dollar-quoted body", m.ID)
	}
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(m.SQL, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		return nil, fmt.Errorf("migrate %s: the last statement does not end with a semicolon", m.ID)
	}
	return out, nil
}

// applyWithoutTransaction runs m's statements one by one on conn, which
// holds the migration lock, then records it.
func applyWithoutTransaction(ctx context.Context, conn *sql.Conn, m Migration, log *slog.Logger) error {
	stmts, err := m.statements()
	if err != nil {
		return err
	}
	var done bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE id = $1)`, m.ID).Scan(&done); err != nil {
		return fmt.Errorf("migrate %s: %w", m.ID, err)
	}
	if done {
		return nil
	}
	for i, stmt := range stmts {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate %s: statement %d: %w", m.ID, i+1, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO schema_migrations (id) VALUES ($1)`, m.ID); err != nil {
		return fmt.Errorf("migrate %s: %w", m.ID, err)
	}
	if log != nil {
		log.Info("migration applied", "migration", m.ID, "transaction", false)
	}
	return nil
}

func applyOne(ctx context.Context, conn *sql.Conn, m Migration, log *slog.Logger) error {
	if m.WithoutTransaction() {
		return applyWithoutTransaction(ctx, conn, m, log)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", m.ID, err)
	}
	defer tx.Rollback() //nolint:errcheck
	var done bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE id = $1)`, m.ID).Scan(&done); err != nil {
		return fmt.Errorf("migrate %s: %w", m.ID, err)
	}
	if done {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrate %s: %w", m.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (id) VALUES ($1)`, m.ID); err != nil {
		return fmt.Errorf("migrate %s: %w", m.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: %w", m.ID, err)
	}
	if log != nil {
		log.Info("migration applied", "migration", m.ID)
	}
	return nil
}

// MigrateAs applies migrations connected through dsn, the DSN of the
// owner role of the database (a service's <SVC>_MIGRATION_DSN), then
// closes that connection: the service runs as a role that may only read
// and write rows, and holds the owner's connection no longer than this.
func MigrateAs(ctx context.Context, dsn string, migrations []Migration, log *slog.Logger) error {
	owner, err := Open(ctx, dsn, 1)
	if err != nil {
		return fmt.Errorf("migrate as the owner: %w", err)
	}
	defer Close(owner) //nolint:errcheck
	return Migrate(ctx, owner, migrations, log)
}

// CheckMigrated returns an error naming the first of migrations not yet
// applied to the database of db (two reads: whether schema_migrations
// exists, and what it holds).
func CheckMigrated(ctx context.Context, db *gorm.DB, migrations []Migration) error {
	var (
		migrated bool
		applied  []string
	)
	if err := db.WithContext(ctx).Raw(`SELECT to_regclass('schema_migrations') IS NOT NULL`).Row().Scan(&migrated); err != nil {
		return fmt.Errorf("the database's migrations: %w", err)
	}
	if migrated {
		if err := db.WithContext(ctx).Raw(`SELECT id FROM schema_migrations`).Scan(&applied).Error; err != nil {
			return fmt.Errorf("the database's migrations: %w", err)
		}
	}
	done := make(map[string]bool, len(applied))
	for _, id := range applied {
		done[id] = true
	}
	for _, m := range migrations {
		if !done[m.ID] {
			return fmt.Errorf("migration %s is not applied", m.ID)
		}
	}
	return nil
}

// CheckRunTimeRole returns an error when the role db connects as may
// change the schema of its database: a superuser, the owner (or a member
// of the owner) of the database, of a schema or of any table, sequence,
// view or function in it, or a role that may CREATE in the database or in
// one of its schemas. Such a role can disable or drop the triggers that
// keep the audit tables, replace their functions, truncate or drop a
// table, and so undo every control the schema holds (README "Transport
// security"); a service refuses to run as one. So does it to a role that
// may make temporary tables (PostgreSQL grants it to PUBLIC on a new
// database): a temporary table is searched before the schema's, so one
// named as the table a trigger writes or reads (the record of due moves,
// a decision's state) would take the trigger's write or answer its read
// in that session (red team, session 14).
func CheckRunTimeRole(ctx context.Context, db *gorm.DB) error {
	var found []string
	if err := db.WithContext(ctx).Raw(`
		SELECT 'superuser' FROM pg_roles WHERE rolname = current_user AND rolsuper
		UNION ALL SELECT 'owns the database' FROM pg_database
			WHERE datname = current_database() AND pg_has_role(current_user, datdba, 'USAGE')
		UNION ALL SELECT 'may create in the database' WHERE has_database_privilege(current_database(), 'CREATE')
		UNION ALL SELECT 'may create temporary tables' WHERE has_database_privilege(current_database(), 'TEMPORARY')
		UNION ALL (SELECT 'owns schema ' || nspname FROM pg_namespace
			WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%' AND pg_has_role(current_user, nspowner, 'USAGE') LIMIT 3)
		UNION ALL (SELECT 'may create in schema ' || nspname FROM pg_namespace
			WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%' AND has_schema_privilege(oid, 'CREATE') LIMIT 3)
		UNION ALL (SELECT 'owns ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%' AND pg_has_role(current_user, c.relowner, 'USAGE') LIMIT 3)
		UNION ALL (SELECT 'owns function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%' AND pg_has_role(current_user, p.proowner, 'USAGE') LIMIT 3)`).
		Scan(&found).Error; err != nil {
		return fmt.Errorf("the run-time role's rights: %w", err)
	}
	if len(found) > 0 {
		return fmt.Errorf("the database role may change the schema (%s): a service runs as a role that may only read and write rows, "+
			"the schema's owner runs the migrations (README \"Transport security\")", strings.Join(found, "; "))
	}
	return nil
}

// Prepare readies the database a service runs on, db being its run-time
// role's pool: when migrationDSN (the owner's, <prefix>_MIGRATION_DSN) is
// set the owner applies the migrations through it (MigrateAs), then every
// migration must be applied (CheckMigrated) and db's role unable to change
// the schema (CheckRunTimeRole); the errors name the settings of prefix.
func Prepare(ctx context.Context, db *gorm.DB, migrationDSN string, migrations []Migration, prefix string, log *slog.Logger) error {
	if migrationDSN != "" {
		if err := MigrateAs(ctx, migrationDSN, migrations, log); err != nil {
			return fmt.Errorf("%s_MIGRATION_DSN: %w", prefix, err)
		}
	}
	if err := CheckMigrated(ctx, db, migrations); err != nil {
		return fmt.Errorf("%w: set %s_MIGRATION_DSN to the schema owner's DSN, or run the migrations as the owner first", err, prefix)
	}
	if err := CheckRunTimeRole(ctx, db); err != nil {
		return fmt.Errorf("%s_DATABASE_DSN: %w", prefix, err)
	}
	return nil
}

// Collect concatenates the migration sets of sources, in order: a service
// lists the shared tables (outbox, inbox) first, then its own.
func Collect(sources ...func() ([]Migration, error)) ([]Migration, error) {
	var all []Migration
	for _, src := range sources {
		m, err := src()
		if err != nil {
			return nil, err
		}
		all = append(all, m...)
	}
	return all, nil
}

// Take loads the one row q finds into dest. When there is none it returns
// notFound (an apperr of the caller's words); another failure is wrapped
// with what was loaded.
func Take(q *gorm.DB, dest any, notFound error, what string) error {
	err := q.Take(dest).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFound
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	return nil
}

// UTC returns the time of a nullable timestamptz column in UTC, or nil.
func UTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// FromRows maps the rows a query found to the domain with to, stopping at
// the first row that does not map.
func FromRows[R, D any](rows []R, to func(R) (D, error)) ([]D, error) {
	out := make([]D, len(rows))
	for i, r := range rows {
		d, err := to(r)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// ReadOnly runs fn in one read-only REPEATABLE READ transaction: a read of
// several tables (a record and its parts) sees one snapshot, so it never
// mixes a row from before a change with parts from after it, and it costs
// the database one transaction rather than one per statement (issue 21).
// Within a Snapshot it joins the snapshot's transaction; within a Batch it
// reads through the batch's, seeing what the batch wrote before it.
func ReadOnly(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if _, ok := ctx.Value(snapshotKey{}).(gorm.ConnPool); ok || inBatch(ctx) {
		return fn(db.WithContext(ctx))
	}
	return db.WithContext(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

// ReadingIn returns ctx under which the reads of db (opened by Open) made
// outside a transaction of their own run in tx, as they would in a
// Snapshot: a use case reads what its change rests on in the transaction
// that holds its row lock, instead of in a snapshot transaction of its own
// before it (issue 21). Within a Batch they read through the batch's
// transaction, of which tx is a savepoint. The same cautions hold as for a
// Snapshot's context; it must not outlive tx.
func ReadingIn(ctx context.Context, tx *gorm.DB) context.Context {
	return context.WithValue(ctx, snapshotKey{}, tx.Statement.ConnPool)
}

// LockKeys takes the transaction's advisory lock on each of keys in the
// namespace space (the hash of "space:key"), once each and in key order, so
// that two transactions locking overlapping sets never wait for each other
// in a circle. It is a statement of its own: a read after it sees what the
// keys' previous holders committed, where a statement taking the locks and
// reading at once would read at the snapshot it took before waiting. It is
// a read (Raw, Scan), so it joins the transaction of a ReadingIn or
// Snapshot context; outside a transaction the locks end with the statement
// and serialise nothing.
func LockKeys(db *gorm.DB, space string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	// The keys travel as one JSON array: any text, in one parameter.
	sorted, err := json.Marshal(slices.Compact(slices.Sorted(slices.Values(keys))))
	if err != nil {
		return err
	}
	var locked []struct{ Locked string }
	return db.Raw(`SELECT pg_advisory_xact_lock(`+LockKey(`?::text`, `k`)+`)::text AS locked
		FROM json_array_elements_text(?::json) WITH ORDINALITY AS u(k, n) ORDER BY n`, space, string(sorted)).Scan(&locked).Error
}

// LockKey is the SQL expression of LockKeys' advisory lock key for the key
// the SQL expression key names in the namespace the SQL expression space
// names: a statement that takes the same locks in SQL of its own (in the
// same order: the keys' bytes, COLLATE "C") builds them with it, so that
// its locks and LockKeys' are the same locks.
func LockKey(space, key string) string {
	return `hashtextextended(` + space + ` || ':' || ` + key + `, 0)`
}

// snapshotKey is the context key of a Snapshot's transaction.
type snapshotKey struct{}

// Snapshot runs fn with a context under which every read of db (opened by
// Open) made outside a transaction of its own (a gorm query, count, pluck
// or raw select) runs in one read-only REPEATABLE READ transaction: the
// reads a use case makes before its unit of work (the record, the policy,
// what other claims used) see one snapshot and cost the database one
// transaction instead of one each (issue 21). Writes are not taken in: a
// unit of work started under the context runs in its own transaction, and
// an Exec outside one commits on its own. fn must not read back, under the
// context, what it wrote since: it would see the snapshot; nor start a
// unit of work, which would wait for a second connection while holding
// one. A Snapshot inside another joins it. Within a Batch, fn reads
// through the batch's transaction instead: an event's use case must see
// what the events before it in the batch wrote (the same claim's, not yet
// committed). The reads run one after another: a transaction serves one
// statement at a time.
func Snapshot(ctx context.Context, db *gorm.DB, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(snapshotKey{}).(gorm.ConnPool); ok || inBatch(ctx) {
		return fn(ctx)
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, snapshotKey{}, tx.Statement.ConnPool))
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}
