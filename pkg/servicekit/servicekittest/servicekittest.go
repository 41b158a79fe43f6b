// Package servicekittest starts a small service on the kit for tests: one
// consumer whose handler fails until the test fixes its cause, so that a
// test parks a poison message and replays it (claimsctl dead-letters).
package servicekittest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
)

const (
	// Account and IDNumber are in every event Park sends; they must never
	// be shown in full.
	Account  = "6222020200112233445"
	IDNumber = "110101199003071234"
	// Consumer is the name of the service's consumer.
	Consumer = "kit-test.effects"
)

// poisonService is a service built on the kit whose one consumer applies
// an event by writing a row to effects, and fails while broken is set: the
// cause an operator fixes before replaying.
type poisonService struct {
	kit      *servicekit.Kit
	consumer *kafkabus.Consumer
	broken   *atomic.Bool
}

func (s *poisonService) Addr() string { return s.kit.Addr() }

func (s *poisonService) Run(ctx context.Context) error {
	return s.kit.Run(ctx, servicekit.ConsumerComponent(s.consumer))
}

type poisonConfig struct {
	kit    servicekit.Config
	topic  string
	broken *atomic.Bool
}

func startPoison(ctx context.Context, cfg poisonConfig, log *slog.Logger) (*poisonService, error) {
	k, err := servicekit.Start(ctx, cfg.kit, log)
	if err != nil {
		return nil, err
	}
	db := k.DB()
	handle := func(ctx context.Context, e events.Envelope) error {
		if cfg.broken.Load() {
			return errors.New("the rate table is missing")
		}
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			first, err := inboxpg.Record(tx, inbox.Receipt{Consumer: Consumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID})
			if err != nil || !first {
				return err
			}
			return tx.Exec("INSERT INTO effects (event_id) VALUES (?)", e.ID).Error
		})
	}
	c := k.NewConsumer(Consumer, cfg.topic, cfg.kit.Topics.Prefix+"kit-test", handle)
	return &poisonService{kit: k, consumer: c, broken: cfg.broken}, nil
}

// Run is a started poison service: Client without a token, Admin signed
// in as the admin ops-1, Keys the issuer, DB its database; while Broken is
// set the handler fails with "the rate table is missing".
type Run struct {
	Admin  *apitest.Client
	Client *apitest.Client
	Keys   *apitest.TestKeys
	DB     *gorm.DB
	Broken *atomic.Bool
	Addr   string
	send   func(e events.Envelope)
}

// Start starts the poison service, broken, with its own database and
// topics, until the test ends.
func Start(t *testing.T) *Run {
	t.Helper()
	shared, err := uow.Shared()
	require.NoError(t, err)
	dsn := pgtest.NewDatabase(t)
	cluster, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	topics := events.Topics{Prefix: prefix}
	keyring, err := sealed.New([]sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{7}, sealed.KeyBytes)}})
	require.NoError(t, err)
	keys := apitest.Keys(t)
	verifier := keys.Config()
	verifier.Audience = "payout" // the test's tokens are for the services
	broken := &atomic.Bool{}
	broken.Store(true)
	cfg := poisonConfig{topic: topics.Adjudication(), broken: broken, kit: servicekit.Config{
		Name: "kit-test", HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn.DSN, MigrationDSN: dsn.OwnerDSN, DatabaseConns: 4, Kafka: cluster, Topics: topics,
		Migrations: append(shared, postgres.Migration{ID: "kit-test/0001_effects.sql", SQL: "CREATE TABLE effects (event_id text NOT NULL)"}),
		OpenAPI:    []byte(`{"openapi":"3.0.3","info":{"title":"kit-test","version":"1"},"paths":{},"components":{"schemas":{},"responses":{}}}`),
		Auth:       verifier, ConsumerMaxAttempts: 2, DeadLetterKeys: keyring, ShutdownGrace: time.Second,
	}}
	svc, c := apitest.Start(t, "kit-test", startPoison, cfg)
	return &Run{Admin: c.As(t, keys, auth.Principal{Subject: "ops-1", Roles: []auth.Role{auth.Admin}}), Client: c, Keys: keys,
		DB: pgtest.Open(t, dsn.DSN, 2), Broken: broken, Addr: svc.Addr(),
		send: func(e events.Envelope) {
			v, err := json.Marshal(e)
			require.NoError(t, err)
			apitest.Publish(t, cluster, outbox.Message{Topic: topics.Adjudication(), Key: e.ClaimID, EventID: e.ID, Type: e.Type, Value: v})
		}}
}

// Park sends an event carrying Account and IDNumber while the handler
// fails, and waits until the consumer parks it; it returns the event and
// the dead letter's id.
func (r *Run) Park(t *testing.T) (events.Envelope, int64) {
	t.Helper()
	e, err := events.New(events.AgreementReached, "adjudication", "claim-poison", time.Now().UTC(), map[string]any{
		"claim_id": "claim-poison", "payee": map[string]any{"name": "李四", "bank_name": "中国工商银行", "account_number": Account},
		"note": "resident id " + IDNumber})
	require.NoError(t, err)
	r.send(e)
	var id int64
	apitest.Eventually(t, 60*time.Second, "the failing event parked", func() bool {
		return r.DB.Raw("SELECT id FROM dead_letters WHERE consumer = ?", Consumer).Scan(&id).Error == nil && id > 0
	})
	return e, id
}

// Effects counts the events the handler applied.
func (r *Run) Effects(t *testing.T) int64 {
	t.Helper()
	return pgtest.Count(t, r.DB, "SELECT count(*) FROM effects")
}
