package postgres_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"claims.local/pkg/postgres"
)

var (
	sqlComment   = regexp.MustCompile(`--[^\n]*`)
	createdTable = regexp.MustCompile(`(?i)CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)
	indexOnTable = regexp.MustCompile(`(?i)CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:\w+\s+)?ON\s+(?:ONLY\s+)?(\w+)`)
	droppedIndex = regexp.MustCompile(`(?i)DROP\s+INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(\w+)`)
)

// blockingIndexChanges returns each statement of the migration sql that
// builds or drops an index of a table the migration did not create itself
// while holding off the table's writes: a CREATE INDEX or DROP INDEX without
// CONCURRENTLY, or with it in a migration run inside a transaction (where
// PostgreSQL refuses it).
func blockingIndexChanges(sql string) []string {
	body := sqlComment.ReplaceAllString(sql, "")
	created := map[string]bool{}
	for _, m := range createdTable.FindAllStringSubmatch(body, -1) {
		created[strings.ToLower(m[1])] = true
	}
	outside := postgres.Migration{SQL: sql}.WithoutTransaction()
	var out []string
	for _, m := range indexOnTable.FindAllStringSubmatch(body, -1) {
		if created[strings.ToLower(m[2])] {
			continue
		}
		if m[1] == "" || !outside {
			out = append(out, strings.Join(strings.Fields(m[0]), " "))
		}
	}
	for _, m := range droppedIndex.FindAllStringSubmatch(body, -1) {
		if m[1] == "" || !outside {
			out = append(out, strings.Join(strings.Fields(m[0]), " "))
		}
	}
	return out
}

// TestBlockingIndexChangesAreFoundInSQL: the check below finds what it looks
// for (a check that cannot fail proves nothing).
func TestBlockingIndexChangesAreFoundInSQL(t *testing.T) {
	for _, c := range []struct {
		name, sql string
		want      []string
	}{
		{"an index of a new table", "CREATE TABLE a (x int);\nCREATE INDEX a_x ON a (x);", nil},
		{"an index of a table in use", "-- builds\nCREATE INDEX a_x ON a (x);", []string{"CREATE INDEX a_x ON a"}},
		{"a unique one", "CREATE UNIQUE INDEX IF NOT EXISTS a_x\n  ON a (x);", []string{"CREATE UNIQUE INDEX IF NOT EXISTS a_x ON a"}},
		{"a plain drop", "DROP INDEX a_x;", []string{"DROP INDEX a_x"}},
		{"concurrently inside a transaction", "CREATE INDEX CONCURRENTLY a_x ON a (x);", []string{"CREATE INDEX CONCURRENTLY a_x ON a"}},
		{"concurrently outside a transaction", postgres.WithoutTransactionHeader + "\nDROP INDEX CONCURRENTLY IF EXISTS a_y;\nCREATE INDEX CONCURRENTLY a_y ON a (x);", nil},
		{"a plain one outside a transaction", postgres.WithoutTransactionHeader + "\nCREATE INDEX a_y ON a (x);", []string{"CREATE INDEX a_y ON a"}},
	} {
		if got := blockingIndexChanges(c.sql); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// blockingIndexChangesAllowed are the migrations that built or dropped an
// index of a table in use inside their transaction before branch s13m
// made the services' migrations able to run CONCURRENTLY: they are applied
// wherever main runs, and a migration never changes once applied (its id
// and effect; payout's 0007, the last and the one on the busiest table,
// was rewritten to build concurrently for the installations still before
// it). A new migration is not added here: it builds its index concurrently.
var blockingIndexChangesAllowed = map[string]bool{
	"services/adjudication/internal/adapters/migrations/0003_case_lifecycle.sql":      true,
	"services/adjudication/internal/adapters/migrations/0004_fast_track.sql":          true,
	"services/adjudication/internal/adapters/migrations/0005_money_controls.sql":      true,
	"services/adjudication/internal/adapters/migrations/0006_fraud_signals.sql":       true,
	"services/adjudication/internal/adapters/migrations/0009_indicators.sql":          true,
	"services/adjudication/internal/adapters/migrations/0011_id_number_masked.sql":    true,
	"services/adjudication/internal/adapters/migrations/0017_invoices_by_total.sql":   true,
	"services/intake/internal/adapters/migrations/0002_documents.sql":                 true,
	"services/intake/internal/adapters/migrations/0003_fast_channel.sql":              true,
	"services/intake/internal/adapters/migrations/0006_link_only_open_reports.sql":    true,
	"services/payout/internal/adapters/migrations/0002_agreements_payees_notices.sql": true,
	"services/payout/internal/adapters/migrations/0003_advances.sql":                  true,
	"services/payout/internal/adapters/migrations/0004_payee_confirmation.sql":        true,
}

// TestNoMigrationHoldsOffATablesWritesWhileItBuildsAnIndex: a migration of
// the services, of pkg or of the console that adds or drops an index of a
// table already in use does it CONCURRENTLY, outside a transaction
// (postgres.WithoutTransactionHeader): a plain CREATE INDEX holds every write of
// the table (a payment's, a report's) until the index over all its rows is
// built, on the upgrade of a busy installation minutes of refused claims.
func TestNoMigrationHoldsOffATablesWritesWhileItBuildsAnIndex(t *testing.T) {
	root, migrations := repositoryFiles(t, func(rel string) bool {
		return strings.HasSuffix(rel, ".sql") && strings.Contains(rel, "migrations/")
	})
	var found []string
	files := len(migrations)
	for _, rel := range migrations {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		blocking := blockingIndexChanges(string(b))
		if blockingIndexChangesAllowed[rel] {
			if len(blocking) == 0 {
				found = append(found, rel+": allowed to block but does not: take it off the list")
			}
			continue
		}
		for _, s := range blocking {
			found = append(found, rel+": "+s)
		}
	}
	if files < 50 {
		t.Fatalf("got %d migrations under services, pkg and console from %s, want the repository's (more than 50)", files, root)
	}
	if len(found) > 0 {
		t.Errorf("got index changes that hold off a table's writes:\n%s\nwant none: start the migration with %q and build or drop the index CONCURRENTLY", strings.Join(found, "\n"), postgres.WithoutTransactionHeader)
	}
}
