package kafkabus

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Cluster is how a client reaches the brokers and whom it speaks for. Every
// connection of the platform to Kafka is made through it: brokers run
// SASL/SCRAM-SHA-512 listeners (TLS as well outside one machine) and
// authorise each principal by ACLs, so a client without a user reaches
// nothing.
type Cluster struct {
	Brokers []string
	// User and Password are the SCRAM-SHA-512 credentials of the principal
	// (User:<User>); an empty User connects without SASL.
	User     string
	Password string
	// TLS, when set, encrypts the connections (SASL_SSL listeners).
	TLS *tls.Config
}

// mechanism is the SASL mechanism of the credentials, nil without a user.
func (c Cluster) mechanism() sasl.Mechanism {
	if c.User == "" {
		return nil
	}
	m, err := scram.Mechanism(scram.SHA512, c.User, c.Password)
	if err != nil {
		// Only a user name or password SASLprep refuses fails here; the
		// broker then refuses the connection, as for a wrong password.
		return failedMechanism{err}
	}
	return m
}

// Dialer returns a dialer that authenticates as the cluster's principal,
// for readers and direct connections.
func (c Cluster) Dialer(timeout time.Duration) *kafka.Dialer {
	return &kafka.Dialer{Timeout: timeout, DualStack: true, SASLMechanism: c.mechanism(), TLS: c.TLS}
}

// Transport returns a transport that authenticates as the cluster's
// principal, for writers and admin clients.
func (c Cluster) Transport() *kafka.Transport {
	return &kafka.Transport{SASL: c.mechanism(), TLS: c.TLS}
}

// Client returns an admin client speaking as the cluster's principal.
func (c Cluster) Client(timeout time.Duration) *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(c.Brokers...), Timeout: timeout, Transport: c.Transport()}
}

// As returns the cluster reached as another principal.
func (c Cluster) As(user, password string) Cluster {
	c.User, c.Password = user, password
	return c
}

// failedMechanism refuses to start: the credentials could not be prepared.
type failedMechanism struct{ err error }

func (f failedMechanism) Name() string { return scram.SHA512.Name() }

func (f failedMechanism) Start(context.Context) (sasl.StateMachine, []byte, error) {
	return nil, nil, f.err
}
