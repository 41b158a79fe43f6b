package deployments

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tunedServerSettings are the PostgreSQL settings the platform sets away
// from their defaults for its load (issue 21's thirteenth round: commits
// that wait together share one WAL flush). Each must be set, to the same
// value, wherever a server is started: deployments/local/infra.sh (make
// run, the tests and the benchmarks), the Compose file and the Kubernetes
// StatefulSet, so that what was measured is what is deployed.
var tunedServerSettings = []string{"commit_delay", "commit_siblings"}

// settingFlag is a server setting on a command line: `-c name=value`.
var settingFlag = regexp.MustCompile(`-c ([a-z_.]+)=(\S+)`)

// settingsOf returns the `-c name=value` settings of args, a command line.
func settingsOf(args []string) map[string]string {
	out := map[string]string{}
	for _, m := range settingFlag.FindAllStringSubmatch(strings.Join(args, " "), -1) {
		out[m[1]] = strings.Trim(m[2], `"'`)
	}
	return out
}

func TestPostgresIsTunedTheSameWhereverItRuns(t *testing.T) {
	raw, err := os.ReadFile("local/infra.sh")
	require.NoError(t, err)
	var pgCtl []string
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, "-c listen_addresses=") {
			pgCtl = append(pgCtl, line)
		}
	}
	if len(pgCtl) != 1 {
		t.Fatalf("infra.sh: got %d lines starting PostgreSQL with settings, want 1", len(pgCtl))
	}
	local := settingsOf(pgCtl)

	compose := settingsOf(composeProject(t).Services["postgres"].Command)

	set, ok := load(t).statefulSets["postgres"]
	if !ok || len(set.Spec.Template.Spec.Containers) == 0 {
		t.Fatal("k8s: got no postgres StatefulSet with a container, want one")
	}
	c := set.Spec.Template.Spec.Containers[0]
	kubernetes := settingsOf(append(append([]string{}, c.Command...), c.Args...))

	for _, name := range tunedServerSettings {
		want, ok := local[name]
		if !ok {
			t.Errorf("infra.sh: got no -c %s, want it set (the setting the benchmarks measured)", name)
			continue
		}
		for where, got := range map[string]map[string]string{"compose.yaml": compose, "k8s/postgres.yaml": kubernetes} {
			if got[name] != want {
				t.Errorf("%s: got %s=%q, want %q as infra.sh sets it", where, name, got[name], want)
			}
		}
	}
	// No speed setting may give up durability: a commit is acknowledged
	// only once its WAL is on disk.
	for where, settings := range map[string]map[string]string{"infra.sh": local, "compose.yaml": compose, "k8s/postgres.yaml": kubernetes} {
		for _, name := range []string{"synchronous_commit", "fsync", "full_page_writes"} {
			if v, ok := settings[name]; ok && v != "on" && !strings.HasSuffix(v, ":-on}") {
				t.Errorf("%s: got %s=%s, want it on (or unset)", where, name, v)
			}
		}
	}
}
