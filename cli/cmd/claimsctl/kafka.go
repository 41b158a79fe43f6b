package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"claims.local/pkg/config"
	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
)

// runKafka runs `kafka setup`: as the set-up principal, it gives each
// principal of the platform its SCRAM-SHA-512 password, creates the topics
// and grants the ACL table (kafkabus.Accesses). The passwords are files
// named after their user in the --secrets folder, which the set-up
// (deployments/local/infra.sh, or an operator) writes; every step can run
// again and changes nothing the second time but the salts. With
// KAFKA_TLS_CA_FILE set it speaks TLS to the brokers.
func runKafka(e env, args []string) int {
	if len(args) == 0 || args[0] != "setup" {
		return usageError(e, "kafka", "the only subcommand is setup")
	}
	fs := flag.NewFlagSet("kafka setup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	brokers := fs.String("brokers", envOr("KAFKA_BROKERS", "127.0.0.1:59092"), "Kafka brokers, comma-separated")
	secrets := fs.String("secrets", "", "folder holding one password file per user (admin, intake, adjudication, payout, reader)")
	prefix := fs.String("prefix", "", "topic prefix of the deployment (empty in production)")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for the broker")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(e, "kafka", "%v", err)
	}
	if e.tail == nil {
		return usageError(e, "kafka", "Kafka is not available here")
	}
	if *secrets == "" || strings.TrimSpace(*brokers) == "" {
		return usageError(e, "kafka", "--secrets and --brokers must not be empty")
	}
	read := func(user string) (string, error) {
		b, err := e.readFile(filepath.Join(*secrets, user))
		if err != nil {
			return "", fmt.Errorf("password of %s: %w", user, err)
		}
		p := strings.TrimSpace(string(b))
		if len(p) < 16 {
			return "", fmt.Errorf("password of %s: %d characters, want 16 or more", user, len(p))
		}
		return p, nil
	}
	adminPassword, err := read(kafkabus.AdminUser)
	if err != nil {
		return failure(e, err)
	}
	passwords := map[string]string{}
	for _, u := range kafkabus.Users() {
		if passwords[u], err = read(u); err != nil {
			return failure(e, err)
		}
	}
	// KAFKA_TLS_CA_FILE, when set, is the brokers' certificate authority.
	admin, err := kafkabus.LoadCluster(&config.Env{Lookup: func(k string) (string, bool) {
		if k != "KAFKA_TLS_CA_FILE" || e.getenv == nil {
			return "", false
		}
		v := e.getenv(k)
		return v, v != ""
	}})
	if err != nil {
		return failure(e, err)
	}
	admin = admin.As(kafkabus.AdminUser, adminPassword)
	admin.Brokers = strings.Split(*brokers, ",")
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	for {
		err = kafkabus.Setup(ctx, admin, events.Topics{Prefix: *prefix}, passwords)
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		return failure(e, err)
	}
	return writeJSON(e, "kafka", map[string]any{"users": append([]string{kafkabus.AdminUser}, kafkabus.Users()...),
		"topics": len(events.Topics{}.All()), "prefix": *prefix})
}

func failure(e env, err error) int {
	fmt.Fprintf(e.stderr, "claimsctl kafka setup: %v\n", err)
	return exitFailure
}
