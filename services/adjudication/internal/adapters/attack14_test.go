package adapters_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
)

// TestAttackATemporaryTableCannotUnlockADecisionsLines is an insider
// holding adjudication's database role on a database that left PostgreSQL's
// default (TEMPORARY granted to PUBLIC): the trigger keeping a decision in
// effect's lines asks the decisions table whether the decision is in
// effect, and a temporary table is searched first, so an empty temporary
// decisions in their session answered no and the lines were theirs to
// delete: the amounts used on the policy (case_facts sums the lines) fell,
// and the next claim on the policy could be paid beyond its sum insured.
// The trigger's function looks in its own schema first now.
func TestAttackATemporaryTableCannotUnlockADecisionsLines(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase("in-effect", t0))
	require.NoError(t, err)
	f.change(t, "in-effect", func(c *domain.Case) error { return c.Decide(handler, authority, approve(1_600_000), t0) })

	pgtest.GrantTemporaryToPublic(t, f.db)
	err = f.db.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec(`CREATE TEMPORARY TABLE decisions (LIKE public.decisions)`).Error; err != nil {
			return err
		}
		return conn.Exec(`DELETE FROM public.decision_lines`).Error
	})
	if err == nil || !strings.Contains(err.Error(), "kept as decided") {
		t.Errorf("delete the lines beside a temporary decisions table: got %v, want the trigger's refusal", err)
	}
	var fen int64
	require.NoError(t, f.db.Raw(`SELECT coalesce(sum(l.approved_fen), 0) FROM public.decision_lines l JOIN public.cases c ON c.id = l.case_id
		WHERE c.claim_id = 'in-effect'`).Row().Scan(&fen))
	assert.Equal(t, int64(1_600_000), fen, "the lines' amount")
}

// TestAttackTheReadFunctionsGiveTheRunTimeRoleNothingMore is the same
// insider at case_facts and account_uses (adjudication 0024), which read
// a case's facts and take the policy's and the account's locks in one
// round trip: were either SECURITY DEFINER it would read as its owner, and
// were it replaceable the service would run the insider's body. Neither
// is: every function of the schema runs with its caller's rights, and
// replacing one is refused.
func TestAttackTheReadFunctionsGiveTheRunTimeRoleNothingMore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var definers []string
	require.NoError(t, f.db.Raw(`SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = current_schema() AND p.prosecdef`).Scan(&definers).Error)
	assert.Empty(t, definers, "functions running with their owner's rights")
	// The functions' own signatures, read from the catalogue: a later
	// migration that adds an argument keeps the attack aimed at them.
	var fns []struct{ Name, Signature, Args, Result string }
	require.NoError(t, f.db.Raw(`SELECT p.proname AS name, p.oid::regprocedure::text AS signature,
		pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = current_schema() AND p.proname IN ('case_facts', 'account_uses') ORDER BY p.proname`).Scan(&fns).Error)
	if len(fns) != 2 {
		t.Fatalf("got functions %v, want case_facts and account_uses", fns)
	}
	for _, fn := range fns {
		body := fmt.Sprintf(`(%s) RETURNS %s LANGUAGE sql AS 'SELECT NULL::%s'`, fn.Args, fn.Result, fn.Result)
		for _, stmt := range []string{
			`CREATE OR REPLACE FUNCTION ` + fn.Name + body,
			`ALTER FUNCTION ` + fn.Signature + ` SECURITY DEFINER`,
			`CREATE FUNCTION pg_temp.` + fn.Name + body,
		} {
			if err := f.db.Exec(stmt).Error; err == nil || !strings.Contains(err.Error(), "42501") {
				t.Errorf("%.60s…: got %v, want permission denied (42501)", stmt, err)
			}
		}
	}
}
