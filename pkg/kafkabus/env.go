package kafkabus

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"claims.local/pkg/config"
)

// LoadCluster reads how to reach Kafka and as whom from env: KAFKA_BROKERS
// (default `make run`'s broker), KAFKA_USER and its SCRAM-SHA-512 password,
// KAFKA_PASSWORD or, for a mounted secret, KAFKA_PASSWORD_FILE (one of
// them, not both), and KAFKA_TLS_CA_FILE, the PEM certificate authority of
// the brokers' TLS listeners (empty: no TLS). Mains call it (services
// through servicekit, claimsctl's tails); adapters get the Cluster. A user without a password is
// refused: the broker would refuse it anyway, later and less clearly.
func LoadCluster(env *config.Env) (Cluster, error) {
	c := Cluster{
		Brokers: env.List("KAFKA_BROKERS", []string{"127.0.0.1:59092"}),
		User:    env.String("KAFKA_USER", ""),
	}
	password, file := env.String("KAFKA_PASSWORD", ""), env.String("KAFKA_PASSWORD_FILE", "")
	switch {
	case password != "" && file != "":
		return c, errors.New("KAFKA_PASSWORD and KAFKA_PASSWORD_FILE are both set; set one")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("KAFKA_PASSWORD_FILE: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	if c.User != "" && password == "" {
		return c, errors.New("KAFKA_USER is set without KAFKA_PASSWORD or KAFKA_PASSWORD_FILE")
	}
	c.Password = password
	if ca := env.String("KAFKA_TLS_CA_FILE", ""); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return c, fmt.Errorf("KAFKA_TLS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return c, fmt.Errorf("KAFKA_TLS_CA_FILE %s holds no PEM certificate", ca)
		}
		c.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return c, nil
}
