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

// Database is a test's database and its two roles, as every deployment
// has them (README "Transport security"): the owner role owns the
// database and every object in it and runs the migrations; the run-time
// role, which a service connects as, may only read and write rows.
type Database struct {
	// DSN connects as the run-time role: CONNECT, USAGE on the schemas,
	// SELECT, INSERT, UPDATE and DELETE on the tables and the sequences'
	// USAGE, granted by default for everything the owner creates; no
	// CREATE, no TRUNCATE, no ownership.
	DSN string
	// OwnerDSN connects as the owner role, for the migrations.
	OwnerDSN string
}

// NewDatabase creates an empty database named after the test with its two
// login roles (see Database; neither is a superuser, and they alone may
// connect to it), as deployments/local/infra.sh makes a service's. All
// three are dropped when the test ends.
func NewDatabase(t testing.TB) Database {
	t.Helper()
	admin := AdminDSN(t)
	name := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	owner := name + "_owner"
	password := strings.ReplaceAll(uuid.NewString(), "-", "")
	ownerPassword := strings.ReplaceAll(uuid.NewString(), "-", "")
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, stmt := range []string{
		"CREATE ROLE " + owner + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '" + ownerPassword + "'",
		"CREATE ROLE " + name + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '" + password + "'",
		"CREATE DATABASE " + name + " OWNER " + owner,
		"REVOKE ALL ON DATABASE " + name + " FROM PUBLIC",
		"GRANT CONNECT, TEMPORARY ON DATABASE " + name + " TO " + owner,
		"GRANT CONNECT ON DATABASE " + name + " TO " + name,
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
		} else if _, err := db.ExecContext(ctx, "DROP ROLE IF EXISTS "+owner); err != nil {
			t.Logf("drop test role %s: %v", owner, err)
		}
		db.Close()
	})
	inside, err := sql.Open("pgx", WithDatabase(t, admin, name))
	if err != nil {
		t.Fatalf("open the test database as admin: %v", err)
	}
	defer inside.Close()
	for _, stmt := range RunTimeGrants(owner, name) {
		if _, err := inside.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("grant the run-time role: %s: %v", stmt, err)
		}
	}
	return Database{DSN: roleDSN(t, admin, name, name, password), OwnerDSN: roleDSN(t, admin, name, owner, ownerPassword)}
}

// RunTimeGrants are the statements, run in a service's database by its
// owner or a superuser, that give the run-time role its rights on what the
// owner creates from then on: USAGE on the schemas, the rows of the tables
// and views (no TRUNCATE, REFERENCES or TRIGGER) and the sequences'
// numbers; functions are executable by PUBLIC, PostgreSQL's default.
// CREATE on the schema public stays with its owner (the database's, from
// PostgreSQL 15). deployments/local/infra.sh and
// deployments/docker/init-roles.sh run the same statements.
func RunTimeGrants(owner, runTime string) []string {
	return []string{
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		"GRANT USAGE ON SCHEMA public TO " + runTime,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + owner + " GRANT USAGE ON SCHEMAS TO " + runTime,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + owner + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + runTime,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + owner + " GRANT USAGE, SELECT ON SEQUENCES TO " + runTime,
	}
}

// roleDSN is admin's DSN pointing at database as role with password.
func roleDSN(t testing.TB, admin, database, role, password string) string {
	t.Helper()
	u, err := url.Parse(WithDatabase(t, admin, database))
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	u.User = url.UserPassword(role, password)
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

// NewMigrated opens a new database (see NewDatabase) as its run-time
// role with at most maxConns connections, after its owner applied the
// migrations that migrations lists, such as a service's
// adapters.Migrations: the test then has a service's rights at run time.
func NewMigrated(t testing.TB, maxConns int, migrations func() ([]postgres.Migration, error)) *gorm.DB {
	t.Helper()
	db, _ := NewMigratedWithOwner(t, maxConns, migrations)
	return db
}

// NewMigratedWithOwner is NewMigrated that also returns a connection as
// the owner, for a test that changes the schema to set a scene (a letter
// missing from before letters were generated), never for what a service
// does.
func NewMigratedWithOwner(t testing.TB, maxConns int, migrations func() ([]postgres.Migration, error)) (db, owner *gorm.DB) {
	t.Helper()
	d := NewDatabase(t)
	ms, err := migrations()
	if err != nil {
		t.Fatalf("list migrations: got %v, want no error", err)
	}
	owner = Open(t, d.OwnerDSN, 1)
	Migrate(t, owner, ms)
	return Open(t, d.DSN, maxConns), owner
}

// Migrate applies migrations through owner, a connection as a test
// database's owner role.
func Migrate(t testing.TB, owner *gorm.DB, migrations []postgres.Migration) {
	t.Helper()
	if err := postgres.Migrate(context.Background(), owner, migrations, nil); err != nil {
		t.Fatalf("migrate: got %v, want no error", err)
	}
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

// GrantTemporaryToPublic gives every role the right to make temporary
// tables in db's database, as PostgreSQL gives it on a database it creates
// and a deployment that did not revoke it leaves: the scene of an attack
// through a temporary table shadowing one a trigger names (pg_temp is
// searched first for tables).
func GrantTemporaryToPublic(t testing.TB, db *gorm.DB) {
	t.Helper()
	name := db.Migrator().CurrentDatabase()
	admin := Open(t, WithDatabase(t, AdminDSN(t), name), 1)
	if err := admin.Exec("GRANT TEMPORARY ON DATABASE " + name + " TO PUBLIC").Error; err != nil {
		t.Fatalf("grant temporary on %s: got %v, want no error", name, err)
	}
}
