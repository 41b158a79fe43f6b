package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// insufficientPrivilege is PostgreSQL's SQLSTATE for "permission denied"
// and "must be owner of …".
const insufficientPrivilege = "42501"

// schemaAttack is one attempt of an insider holding a service's run-time
// credential to change the schema rather than the rows: statements, then a
// query answering whether the harm is done.
type schemaAttack struct {
	name  string
	stmts []string
	harm  string
}

// AttackTheSchema is a dishonest insider (or a code path taken over)
// holding the credential of db, a service's run-time role, who wants the
// row of table that kept selects (a WHERE condition) gone: the table's
// triggers refuse an UPDATE, DELETE or TRUNCATE, so the insider alters the
// schema first. It disables the table's triggers, drops them, replaces
// their functions, truncates, drops the table, creates one, grants the
// table to PUBLIC and takes its ownership (a table without triggers,
// such as the console's, is attacked without the first three), each in a transaction rolled
// back afterwards, and fails the test unless every attempt is refused with
// "permission denied" or "must be owner" (SQLSTATE 42501), or (the GRANT)
// does nothing, and the row is still there. The row must exist when it is called.
func AttackTheSchema(t testing.TB, db *gorm.DB, table, kept string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatalf("connection: %v", err)
	}
	defer conn.Close()
	stillThere := fmt.Sprintf(`SELECT count(*) = 0 FROM %s WHERE %s`, table, kept)
	var gone bool
	if err := conn.QueryRowContext(ctx, stillThere).Scan(&gone); err != nil || gone {
		t.Fatalf("the kept row of %s (%s): got gone %v, error %v, want it there before the attack", table, kept, gone, err)
	}
	var triggers, functions []string
	rows, err := conn.QueryContext(ctx, `SELECT t.tgname, t.tgfoid::regprocedure::text FROM pg_trigger t
		WHERE t.tgrelid = $1::regclass AND NOT t.tgisinternal ORDER BY t.tgname`, table)
	if err != nil {
		t.Fatalf("triggers of %s: %v", table, err)
	}
	for rows.Next() {
		var name, fn string
		if err := rows.Scan(&name, &fn); err != nil {
			t.Fatalf("triggers of %s: %v", table, err)
		}
		triggers = append(triggers, name)
		if !slices.Contains(functions, fn) {
			functions = append(functions, fn)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("triggers of %s: %v", table, err)
	}
	erase := fmt.Sprintf(`DELETE FROM %s WHERE %s`, table, kept)
	attacks := []schemaAttack{
		{"disable the triggers", []string{`ALTER TABLE ` + table + ` DISABLE TRIGGER USER`, erase}, stillThere},
		{"truncate", []string{`TRUNCATE ` + table + ` CASCADE`}, stillThere},
		{"drop the table", []string{`DROP TABLE ` + table + ` CASCADE`}, `SELECT to_regclass('` + table + `') IS NULL`},
		{"create a table", []string{`CREATE TABLE attacker_copy (row_data text)`}, `SELECT to_regclass('attacker_copy') IS NOT NULL`},
		{grantAttack, []string{`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ` + table + ` TO PUBLIC`},
			`SELECT has_table_privilege('public', '` + table + `', 'DELETE') OR has_table_privilege('public', '` + table + `', 'TRUNCATE')`},
		{"take the table's ownership", []string{`ALTER TABLE ` + table + ` OWNER TO CURRENT_USER`},
			`SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = '` + table + `'::regclass`},
	}
	if len(triggers) > 0 {
		drop := schemaAttack{name: "drop the triggers", harm: stillThere}
		for _, trg := range triggers {
			drop.stmts = append(drop.stmts, `DROP TRIGGER `+trg+` ON `+table)
		}
		replace := schemaAttack{name: "replace the triggers' functions", harm: stillThere}
		for _, fn := range functions {
			replace.stmts = append(replace.stmts, `CREATE OR REPLACE FUNCTION `+fn+` RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$`)
		}
		attacks = append(attacks, schemaAttack{drop.name, append(drop.stmts, erase), stillThere},
			schemaAttack{replace.name, append(replace.stmts, erase), stillThere})
	}
	for _, a := range attacks {
		refused, harmed, err := tryAttack(ctx, conn, a)
		switch {
		case err != nil:
			t.Fatalf("%s on %s: %v", a.name, table, err)
		case refused == nil && !harmed && a.name == grantAttack:
			// PostgreSQL answers a GRANT by a role holding the privileges
			// without their grant option with a warning, "no privileges
			// were granted": the harm query says so.
		case refused == nil:
			t.Errorf("%s on %s: got %q done (harm done: %v), want it refused with permission denied", a.name, table, strings.Join(a.stmts, "; "), harmed)
		case !isInsufficientPrivilege(refused):
			t.Errorf("%s on %s: got %v, want permission denied or must be owner (SQLSTATE %s)", a.name, table, refused, insufficientPrivilege)
		}
	}
	if err := conn.QueryRowContext(ctx, stillThere).Scan(&gone); err != nil || gone {
		t.Errorf("the kept row of %s after the attacks: got gone %v, error %v, want it there", table, gone, err)
	}
}

const grantAttack = "grant the table to PUBLIC"

// tryAttack runs a's statements in a transaction it rolls back, and
// returns the error refusing one of them, or nil and whether the harm was
// done; err is a failure of the test's own statements.
func tryAttack(ctx context.Context, conn *sql.Conn, a schemaAttack) (refused error, harmed bool, err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback() //nolint:errcheck // the attack is undone whatever it did
	for _, stmt := range a.stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err, false, nil
		}
	}
	if err := tx.QueryRowContext(ctx, a.harm).Scan(&harmed); err != nil {
		return nil, false, fmt.Errorf("%s: %w", a.harm, err)
	}
	return nil, harmed, nil
}

func isInsufficientPrivilege(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == insufficientPrivilege
}

// RequireAppendOnly fails the test unless the role of db may read and
// insert the rows of each of tables but neither update nor delete one:
// defence in depth beside the triggers that refuse both, should one of
// them ever be dropped by the schema's owner.
func RequireAppendOnly(t testing.TB, db *gorm.DB, tables ...string) {
	t.Helper()
	for _, table := range tables {
		var insert, update, del bool
		if err := db.Raw(`SELECT has_table_privilege(current_user, ?::regclass, 'SELECT, INSERT'), has_table_privilege(current_user, ?::regclass, 'UPDATE'),
			has_table_privilege(current_user, ?::regclass, 'DELETE')`, table, table, table).Row().Scan(&insert, &update, &del); err != nil {
			t.Fatalf("privileges on %s: %v", table, err)
		}
		if !insert || update || del {
			t.Errorf("the run-time role on %s: got SELECT and INSERT %v, UPDATE %v, DELETE %v; want true, false, false", table, insert, update, del)
		}
	}
}
