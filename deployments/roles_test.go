package deployments

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// psql runs sql through psql at dsn and returns what it printed (tuples
// only, unaligned) and its error with what it wrote to stderr.
func psql(dsn, sql string) (string, error) {
	out, err := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d", dsn, "-c", sql).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// mustPSQL is psql that fails the test on an error.
func mustPSQL(t *testing.T, dsn, sql string) string {
	t.Helper()
	out, err := psql(dsn, sql)
	if err != nil {
		t.Fatalf("psql %q: got %v: %s, want it done", sql, err, out)
	}
	return out
}

// TestAttackAnEarlierClusterIsMovedOverByTheRolesStep (session 14): a
// cluster laid out before session 13 (the service's role owns its database
// and every table, trigger and function, so it may disable or drop the
// triggers keeping the audit tables) stayed so until someone ran
// init-roles.sh by hand in the postgres container. The roles step now runs
// it over TCP on every start (Compose's one-shot postgres-roles, before
// the one-shot migrations; Kubernetes' job postgres-roles), as it runs here
// against real PostgreSQL, twice: after it, the owner owns everything and
// the service's role may only read and write rows.
func TestAttackAnEarlierClusterIsMovedOverByTheRolesStep(t *testing.T) {
	admin := os.Getenv("CLAIMS_TEST_PG_ADMIN_DSN")
	if admin == "" {
		t.Fatal("CLAIMS_TEST_PG_ADMIN_DSN is not set: the superuser's DSN of the test cluster (README, Tests)")
	}
	au, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	role := "mv" + hex.EncodeToString(b)
	owner := role + "_owner"
	dir := t.TempDir()
	secrets := map[string]string{"pg-" + role: "rt-" + hex.EncodeToString(b) + "-pw", "pg-" + owner: "ow-" + hex.EncodeToString(b) + "-pw"}
	pw, _ := au.User.Password()
	secrets["superuser"] = pw
	for name, v := range secrets {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dsnOf := func(user, password string) string {
		u := *au
		u.User, u.Path = url.UserPassword(user, password), "/"+role
		return u.String()
	}
	asRole, asOwner := dsnOf(role, secrets["pg-"+role]), dsnOf(owner, secrets["pg-"+owner])
	t.Cleanup(func() {
		_, _ = psql(admin, "DROP DATABASE IF EXISTS "+role+" WITH (FORCE)")
		_, _ = psql(admin, "DROP ROLE IF EXISTS "+role)
		_, _ = psql(admin, "DROP ROLE IF EXISTS "+owner)
	})

	// The layout before session 13: one role, owner of all.
	mustPSQL(t, admin, "CREATE ROLE "+role+" LOGIN PASSWORD '"+secrets["pg-"+role]+"'")
	mustPSQL(t, admin, "CREATE DATABASE "+role+" OWNER "+role)
	mustPSQL(t, asRole, `CREATE TABLE schema_migrations (version text PRIMARY KEY);
		INSERT INTO schema_migrations VALUES ('0001');
		CREATE TABLE audit_kept (id bigserial PRIMARY KEY, note text NOT NULL);
		CREATE FUNCTION audit_kept_refuse() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''kept''; END';
		CREATE TRIGGER audit_kept_kept BEFORE UPDATE OR DELETE ON audit_kept FOR EACH ROW EXECUTE FUNCTION audit_kept_refuse();
		INSERT INTO audit_kept (note) VALUES ('kept row')`)

	script, err := filepath.Abs(filepath.Join("docker", "init-roles.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("bash", script)
		cmd.Env = append(os.Environ(), "PGHOST="+au.Hostname(), "PGPORT="+au.Port(), "POSTGRES_USER="+au.User.Username(),
			"POSTGRES_PASSWORD_FILE="+filepath.Join(dir, "superuser"), "PG_SECRETS_DIR="+dir, "PG_ROLES="+role,
			"PGSSLMODE=disable", "PGPASSFILE=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d of the roles step: got %v: %s, want it done", run, err, out)
		}
	}

	if got := mustPSQL(t, admin, `SELECT string_agg(DISTINCT pg_get_userbyid(datdba)::text, ',') FROM pg_database WHERE datname = '`+role+`'`); got != owner {
		t.Errorf("the database's owner: got %s, want %s", got, owner)
	}
	owned := mustPSQL(t, asOwner, `SELECT string_agg(DISTINCT pg_get_userbyid(relowner)::text, ',') FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`)
	if owned != owner {
		t.Errorf("the tables' and sequences' owners: got %s, want %s only", owned, owner)
	}
	if got := mustPSQL(t, asOwner, `SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'audit_kept_refuse'`); got != owner {
		t.Errorf("the trigger function's owner: got %s, want %s", got, owner)
	}
	// The service's role reads and writes rows, and nothing else.
	mustPSQL(t, asRole, `INSERT INTO audit_kept (note) VALUES ('a row'); SELECT count(*) FROM audit_kept`)
	for _, attack := range []string{
		`ALTER TABLE audit_kept DISABLE TRIGGER USER`, `DROP TRIGGER audit_kept_kept ON audit_kept`,
		`CREATE OR REPLACE FUNCTION audit_kept_refuse() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'`,
		`TRUNCATE audit_kept`, `DROP TABLE audit_kept CASCADE`, `CREATE TABLE elsewhere (id int)`,
		`INSERT INTO schema_migrations VALUES ('9999')`, `ALTER TABLE audit_kept OWNER TO CURRENT_USER`,
	} {
		if out, err := psql(asRole, attack); err == nil {
			t.Errorf("as the service's role after the step, %s: got it done (%s), want it refused", attack, out)
		}
	}
	if got := mustPSQL(t, asRole, `SELECT count(*) FROM audit_kept WHERE note = 'kept row'`); got != "1" {
		t.Errorf("the kept row after the attacks: got %s rows, want 1", got)
	}
	// The owner migrates: a later table is the role's to read and write.
	mustPSQL(t, asOwner, `CREATE TABLE later_table (id int)`)
	mustPSQL(t, asRole, `INSERT INTO later_table VALUES (1); DELETE FROM later_table`)
}
