package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/kafkabus/kafkatest"
)

// TestAttackAServiceRefusesToRunAsTheSchemasOwner (red team, session 13):
// an operator, or a deployment of before, hands payout the schema owner's
// DSN as the one it runs with. Running so, a code path taken over (or an
// insider with the credential) could disable the triggers keeping the
// payee audit and the deadlines; payout refuses to start, naming the
// setting and what the role may do.
func TestAttackAServiceRefusesToRunAsTheSchemasOwner(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	p := startProc(t, "payout", sys.serviceEnv("payout", "PAYOUT_DATABASE_DSN="+sys.migrationDSN["payout"]))
	p.waitExit(t, 90*time.Second)
	out := p.out.String()
	if code := p.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(out, "PAYOUT_DATABASE_DSN") || !strings.Contains(out, "owns the database") {
		t.Fatalf("payout run as the owner: got exit %d, want 1 naming PAYOUT_DATABASE_DSN and the ownership\n%s", code, lastLines(out, 5))
	}
}

// TestAServiceMigratedBeforeItStartsRunsWithoutTheOwnersPassword is the
// Kubernetes way: an init container runs `payout migrate DSN` as the
// schema's owner, and the service then runs with its run-time role alone.
// Started before the migrations were applied, it refuses, saying how to
// apply them.
func TestAServiceMigratedBeforeItStartsRunsWithoutTheOwnersPassword(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	early := startProc(t, "payout", sys.serviceEnv("payout", "PAYOUT_MIGRATION_DSN="))
	early.waitExit(t, 90*time.Second)
	out := early.out.String()
	if code := early.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(out, "PAYOUT_MIGRATION_DSN") || !strings.Contains(out, "is not applied") {
		t.Fatalf("payout on a database never migrated: got exit %d, want 1 naming PAYOUT_MIGRATION_DSN\n%s", code, lastLines(out, 5))
	}

	migrate := exec.Command(filepath.Join(binDir(t), "payout"), "migrate", sys.migrationDSN["payout"])
	migrate.Env = append(migrate.Environ(), sys.serviceEnv("payout", "PAYOUT_MIGRATION_DSN=")...)
	if got, err := migrate.CombinedOutput(); err != nil || !strings.Contains(string(got), "migrations applied") {
		t.Fatalf("payout migrate: got %v, want exit 0 and the migrations applied\n%s", err, lastLines(string(got), 5))
	}
	sys.start("payout", "PAYOUT_MIGRATION_DSN=")
	sys.waitReady("payout")
}
