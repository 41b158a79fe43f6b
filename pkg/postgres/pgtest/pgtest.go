// Package pgtest gives each test a database of its own on the real
// PostgreSQL that `make test` starts. A missing server is a test failure,
// never a skip.
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

// NewDatabase creates an empty database named after the test and returns its
// DSN; the database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminDSN(t)
	name := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		db.Close()
	})
	return WithDatabase(t, admin, name)
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
