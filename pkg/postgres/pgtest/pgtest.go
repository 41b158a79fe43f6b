// Package pgtest gives each test a database of its own on the real
// PostgreSQL that `make test` starts, opened and migrated if it likes, and
// reads single numbers from it. A missing server is a test failure, never a
// skip.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the admin connection
	"gorm.io/gorm"

	"claims.local/pkg/postgres"
)

// AdminDSNEnv names the variable holding a DSN of a role that may create databases.
const AdminDSNEnv = "CLAIMS_TEST_PG_ADMIN_DSN"

// AdminDSN returns the admin DSN or fails the test.
func AdminDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(AdminDSNEnv)
	if dsn == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which starts PostgreSQL", AdminDSNEnv)
	}
	return dsn
}

// NewDatabase creates an empty database named after the test, owned by a
// login role of its own without superuser rights that alone may connect to
// it, and returns the DSN of that role: the tests run with the rights a
// service has at run time, no more. Both are dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminDSN(t)
	name := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	password := strings.ReplaceAll(uuid.NewString(), "-", "")
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, stmt := range []string{
		"CREATE ROLE " + name + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '" + password + "'",
		"CREATE DATABASE " + name + " OWNER " + name,
		"REVOKE ALL ON DATABASE " + name + " FROM PUBLIC",
		"GRANT CONNECT, TEMPORARY ON DATABASE " + name + " TO " + name,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			db.Close()
			t.Fatalf("create test database: %s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		} else if _, err := db.ExecContext(ctx, "DROP ROLE IF EXISTS "+name); err != nil {
			t.Logf("drop test role %s: %v", name, err)
		}
		db.Close()
	})
	u, err := url.Parse(WithDatabase(t, admin, name))
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	u.User = url.UserPassword(name, password)
	return u.String()
}

// WithDatabase returns dsn pointing at database name instead.
func WithDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	u.Path = "/" + name
	return fmt.Sprint(u)
}

// Open opens dsn through postgres.Open with at most maxConns connections and
// closes it when the test ends.
func Open(t testing.TB, dsn string, maxConns int) *gorm.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, maxConns)
	if err != nil {
		t.Fatalf("open database: got %v, want no error", err)
	}
	t.Cleanup(func() { _ = postgres.Close(db) })
	return db
}

// NewMigrated opens a new database (see NewDatabase) with at most maxConns
// connections and applies the migrations that migrations lists, such as a
// service's adapters.Migrations.
func NewMigrated(t testing.TB, maxConns int, migrations func() ([]postgres.Migration, error)) *gorm.DB {
	t.Helper()
	db := Open(t, NewDatabase(t), maxConns)
	ms, err := migrations()
	if err != nil {
		t.Fatalf("list migrations: got %v, want no error", err)
	}
	if err := postgres.Migrate(context.Background(), db, ms, nil); err != nil {
		t.Fatalf("migrate: got %v, want no error", err)
	}
	return db
}

// Count returns the one number query selects, such as a count(*).
func Count(t testing.TB, db *gorm.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: got %v, want no error", query, err)
	}
	return n
}

// StatementBlocks returns the buffers (pages) that the statements of the
// database of db whose text is LIKE pattern have touched so far, and how
// many times they ran, from pg_stat_statements (which the test server
// preloads) read through admin: what a test of a statement's plan
// measures, since a scan of a whole table touches all its pages.
func StatementBlocks(t testing.TB, admin, db *gorm.DB, pattern string) (blocks, calls int64) {
	t.Helper()
	var database string
	if err := db.Raw(`SELECT current_database()`).Row().Scan(&database); err != nil {
		t.Fatalf("the test's database: got %v, want no error", err)
	}
	if err := admin.Raw(`SELECT coalesce(sum(s.shared_blks_hit + s.shared_blks_read), 0)::bigint, coalesce(sum(s.calls), 0)::bigint
		FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname = ? AND s.query LIKE ?`, database, pattern).Row().Scan(&blocks, &calls); err != nil {
		t.Fatalf("pg_stat_statements of %q: got %v, want no error", pattern, err)
	}
	return blocks, calls
}
