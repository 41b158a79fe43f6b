package kafkabus_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"claims.local/pkg/config"
	"claims.local/pkg/kafkabus"
)

func TestLoadClusterReadsThePrincipalAndRefusesHalfOfIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "intake")
	if err := os.WriteFile(pwFile, []byte("s3cret-of-intake-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		user     string
		password string
		wantErr  string
	}{
		{name: "no user: no SASL", env: map[string]string{}},
		{name: "password inline", env: map[string]string{"KAFKA_USER": "intake", "KAFKA_PASSWORD": "pw-inline-0123456789"},
			user: "intake", password: "pw-inline-0123456789"},
		{name: "password from a file, newline trimmed", env: map[string]string{"KAFKA_USER": "intake", "KAFKA_PASSWORD_FILE": pwFile},
			user: "intake", password: "s3cret-of-intake-0123456789"},
		{name: "user without a password", env: map[string]string{"KAFKA_USER": "intake"}, wantErr: "without KAFKA_PASSWORD"},
		{name: "both password and file", env: map[string]string{"KAFKA_USER": "intake", "KAFKA_PASSWORD": "x", "KAFKA_PASSWORD_FILE": pwFile},
			wantErr: "both set"},
		{name: "missing password file", env: map[string]string{"KAFKA_USER": "intake", "KAFKA_PASSWORD_FILE": filepath.Join(dir, "none")},
			wantErr: "KAFKA_PASSWORD_FILE"},
		{name: "a CA file without a certificate", env: map[string]string{"KAFKA_TLS_CA_FILE": notPEM}, wantErr: "no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := &config.Env{Lookup: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }}
			c, err := kafkabus.LoadCluster(env)
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.wantErr == "" && (c.User != tc.user || c.Password != tc.password):
				t.Fatalf("got user %q password %q, want %q %q", c.User, c.Password, tc.user, tc.password)
			}
		})
	}
}
