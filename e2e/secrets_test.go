package e2e

import (
	"crypto/ed25519"
	"crypto/sha256"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"claims.local/pkg/auth"
	"claims.local/pkg/kafkabus/kafkatest"
)

// publishedSecrets are the secrets the manifests of deployments/ carried
// before issue 15 (an installation may still hold them).
var publishedSecrets = []string{
	"compose:change-me-change-me-change-me-0000",
	"k1:replace-with-32-or-more-random-bytes-000000",
	"compose:Y2hhbmdlLW1lLWNoYW5nZS1tZS1jaGFuZ2UtbWUtMDA=",
	"d1:cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy0wMDA=",
	"replace-me", "postgres",
}

// exampleValues are every value written in deployments/ that could be
// taken for a secret: Compose defaults (${X:-value}) and quoted values of
// the Kubernetes manifests, plus publishedSecrets.
func exampleValues(t *testing.T) []string {
	t.Helper()
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		root = ".."
	}
	files, err := filepath.Glob(filepath.Join(root, "deployments", "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("got manifests %v (%v), want deployments/k8s/*.yaml", files, err)
	}
	files = append(files, filepath.Join(root, "deployments", "compose.yaml"))
	values := append([]string{}, publishedSecrets...)
	pattern := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]+)\}|"([^"]{8,})"`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(raw), -1) {
			values = append(values, m[1]+m[2])
		}
	}
	return values
}

// Issue 15: a deployment that kept the example values of deployments/ was
// open to anyone who read the repository.
func TestATokenSignedWithAnExampleValueIsRefused(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("adjudication")
	sys.waitReady("adjudication")
	now := time.Now()
	claims := jwt.MapClaims{"iss": sys.keys.Issuer(), "sub": "attacker", "aud": []string{"adjudication"},
		"roles": []string{"admin", "finance"}, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	for _, v := range exampleValues(t) {
		secret := v
		if _, after, ok := strings.Cut(v, ":"); ok {
			secret = after
		}
		for _, key := range []string{v, secret} {
			hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
			hs.Header["kid"] = "k1"
			signed, err := hs.SignedString([]byte(key))
			if err != nil {
				t.Fatal(err)
			}
			// The value used as the seed of an Ed25519 key, as a console
			// given it as its key would sign.
			seed := sha256.Sum256([]byte(key))
			ed := auth.NewSigningKey(ed25519.NewKeyFromSeed(seed[:]))
			et := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
			et.Header["kid"] = ed.ID
			edSigned, err := et.SignedString(ed.Private)
			if err != nil {
				t.Fatal(err)
			}
			for alg, token := range map[string]string{"HS256": signed, "EdDSA": edSigned} {
				if status := sys.callWith(t, token, http.MethodGet, sys.url("adjudication", "/v1/catastrophes")); status != http.StatusUnauthorized {
					t.Errorf("%s token signed with %q: got %d, want 401", alg, key, status)
				}
			}
		}
	}
	if status := sys.callWith(t, sys.token, http.MethodGet, sys.url("adjudication", "/v1/catastrophes")); status != http.StatusOK {
		t.Fatalf("the issuer's own token: got %d, want 200 (the check above must not pass for a broken service)", status)
	}
}

func TestAServiceGivenAnExampleSecretRefusesToStart(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	for _, c := range []struct{ name, env string }{
		{"payout", "PAYOUT_DATA_KEYS=compose:Y2hhbmdlLW1lLWNoYW5nZS1tZS1jaGFuZ2UtbWUtMDA="},
		{"payout", "PAYOUT_DATA_KEYS=d1:cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy0wMDA="},
		{"payout", "PAYOUT_DATA_KEYS=d1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		{"intake", "AUTH_KEYS=compose:change-me-change-me-change-me-0000"},
		{"adjudication", "AUTH_KEYS=k1:replace-with-32-or-more-random-bytes-000000"},
		{"adjudication", "ADJUDICATION_SIGNAL_KEY=" + strings.Repeat("e2", 32)},
		// The review of issue 19: without the fingerprint key, or with
		// a patterned one, the accounts' fingerprints on the topics could
		// be brute-forced; each service refuses to start.
		{"intake", "INTAKE_FINGERPRINT_KEYS="},
		{"adjudication", "ADJUDICATION_FINGERPRINT_KEYS="},
		{"payout", "PAYOUT_FINGERPRINT_KEYS="},
		{"payout", "PAYOUT_FINGERPRINT_KEYS=fp:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
	} {
		p := startProc(t, c.name, sys.serviceEnv(c.name, c.env))
		p.waitExit(t, 30*time.Second)
		if code := p.cmd.ProcessState.ExitCode(); code != 2 {
			t.Errorf("%s with %s: got exit %d, want 2 (bad configuration)\n%s", c.name, c.env, code, lastLines(p.out.String(), 5))
		}
	}
	// The console refuses a signing key that is not random.
	lowKey := filepath.Join(t.TempDir(), "signing-key.pem")
	raw, err := auth.EncodeSigningKeys(auth.NewSigningKey(ed25519.NewKeyFromSeed([]byte("replace-with-32-random-bytes-000"))))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lowKey, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range [][]string{
		{"CONSOLE_SIGNING_KEY_FILE=" + lowKey},
		{"CONSOLE_SIGNING_KEY_FILE=" + sys.keys.KeyFile(t), "AUTH_KEYS=compose:change-me-change-me-change-me-0000"},
	} {
		usersFile, _ := writeConsoleUsers(t)
		p := startProc(t, "console", append([]string{"CONSOLE_HTTP_ADDR=" + freeAddr(t), "CONSOLE_USERS_FILE=" + usersFile,
			"CONSOLE_ISSUER=" + sys.keys.Issuer(), "CONSOLE_DATABASE_DSN=postgres://nobody@127.0.0.1:1/none"}, env...))
		p.waitExit(t, 30*time.Second)
		if code := p.cmd.ProcessState.ExitCode(); code != 2 {
			t.Errorf("console with %v: got exit %d, want 2\n%s", env, code, lastLines(p.out.String(), 5))
		}
	}
}

// callWith sends an empty request with token and returns the status.
func (s *system) callWith(t testing.TB, token, method, url string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
