// Package servicekit assembles what every service runs on: its PostgreSQL
// database with migrations applied, its Kafka topics, the outbox relay, the
// HTTP engine with the operational routes, and the run loop with graceful
// shutdown. Each service's internal/service adds its adapters, use cases and
// ports on top.
package servicekit

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"claims.local/pkg/auth"
	"claims.local/pkg/auth/authhttp"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres"
	"claims.local/pkg/reveal/revealhttp"
	"claims.local/pkg/sealed"
	"claims.local/pkg/tracing/tracinghttp"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackinghttp"
)

// ErrMigrated is what Start returns, having served nothing, when asked to
// migrate only (Config.MigrateOnly).
var ErrMigrated = errors.New("migrations applied, migrate only")

// Config is the part of a service's configuration the kit needs.
type Config struct {
	Name     string
	HTTPAddr string
	// DatabaseDSN is the service's run-time role, which may only read and
	// write rows; the service refuses to start as a role that may change
	// the schema (postgres.CheckRunTimeRole).
	DatabaseDSN string
	// MigrationDSN, when set, is the schema owner's role, which applies
	// the migrations at start through a connection closed before the
	// service serves; empty, the migrations must have been applied.
	MigrationDSN string
	// MigrateOnly makes Start apply the migrations through MigrationDSN,
	// check the run-time role, and return ErrMigrated without serving.
	MigrateOnly   bool
	DatabaseConns int
	// Kafka is the brokers and the service's principal on them.
	Kafka         kafkabus.Cluster
	Topics        events.Topics
	Migrations    []postgres.Migration
	OpenAPI       []byte
	ShutdownGrace time.Duration
	// ConsumerMaxAttempts is how many times a consumer tries an event whose
	// handler fails (while the database answers) before parking it as a
	// dead letter; 10 when zero.
	ConsumerMaxAttempts int
	// ConsumerWorkers is how many events each claim consumer applies at
	// once, each claim's in order (kafkabus.Consumer.Workers); 8 when zero.
	ConsumerWorkers int
	// ConsumerBatch is how many fetched events a claim consumer's worker
	// applies at most in one PostgreSQL transaction (kafkabus.Consumer.Batch,
	// postgres.Batch); 16 when zero, and a negative value applies each event
	// in transactions of its own.
	ConsumerBatch int
	// DeadLetterKeys, when set, seal the payload of every dead letter the
	// service parks (the service's data keys).
	DeadLetterKeys *sealed.Keyring
	// Auth verifies the bearer tokens every /v1 call must carry (the
	// audience defaults to Name), and Permissions says which roles may call
	// each route (deny by default).
	Auth        auth.VerifierConfig
	Permissions auth.Permissions
	// BodyLimits raises the 1 MiB request-body limit for some routes,
	// keyed "METHOD /path" (see httpapi.Options.BodyLimits).
	BodyLimits map[string]int64
	// Reveals, when set, serves the audit of personal-data reveals
	// (package revealhttp). Migrations must then include reveal.Migrations.
	Reveals bool
	// Deadlines, when set, makes the service track statutory deadlines:
	// the monitor, the calendar consumer and the routes of package
	// trackinghttp. Migrations must then include uow.Shared.
	Deadlines *DeadlinesConfig
	// OutboxRetention is how long sent outbox rows are kept (issue 17);
	// outboxpg.DefaultRetention (7 days) when zero.
	OutboxRetention time.Duration
}

// Kit is a started service base. Run it after registering the routes and
// components of the service.
type Kit struct {
	cfg       Config
	log       *slog.Logger
	db        *gorm.DB
	publisher *kafkabus.Publisher
	relay     *outboxpg.Relay
	registry  *prometheus.Registry
	engine    *gin.Engine
	// tracker and deadlineService are set when Config.Deadlines is.
	tracker         *tracking.Tracker
	deadlineService *tracking.UseCases
	components      []lifecycle.Component
	listener        net.Listener
	// mu guards handlers: the handler of each consumer by name, through
	// which an operator replays its dead letters.
	mu       sync.Mutex
	handlers map[string]kafkabus.Handler
}

// Log is the service's logger.
func (k *Kit) Log() *slog.Logger { return k.log }

// DB is the service's database, migrated.
func (k *Kit) DB() *gorm.DB { return k.db }

// Publisher publishes to the service's Kafka brokers; the outbox relay
// publishes through it too.
func (k *Kit) Publisher() *kafkabus.Publisher { return k.publisher }

// WakeRelay tells the outbox relay that rows were committed, so that it
// publishes them at once rather than at its next poll. Repositories call it
// after a commit that stored events.
func (k *Kit) WakeRelay() { k.relay.Wake() }

// Registry is the service's Prometheus registry, served on /metrics.
func (k *Kit) Registry() *prometheus.Registry { return k.registry }

// Engine is the HTTP engine the service registers its routes on, behind
// the operational routes and the permission check.
func (k *Kit) Engine() *gin.Engine { return k.engine }

// Tracker computes and tracks the statutory deadlines the service owes;
// nil unless Config.Deadlines was set.
func (k *Kit) Tracker() *tracking.Tracker { return k.tracker }

// DeadlineService is the use cases every service offers about its
// deadlines (list, compliance report, calendar), served by package
// trackinghttp; nil unless Config.Deadlines was set.
func (k *Kit) DeadlineService() *tracking.UseCases { return k.deadlineService }

// Start connects to the database and applies migrations, creates the topics,
// builds the relay and the HTTP engine, and binds the HTTP port (":0" picks a
// free one). Nothing is served until Run.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Kit, error) {
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = 15 * time.Second
	}
	if cfg.ConsumerMaxAttempts == 0 {
		cfg.ConsumerMaxAttempts = 10
	}
	if cfg.ConsumerWorkers == 0 {
		cfg.ConsumerWorkers = 8
	}
	if cfg.ConsumerBatch == 0 {
		cfg.ConsumerBatch = 16
	}
	if cfg.Auth.Audience == "" {
		cfg.Auth.Audience = cfg.Name
	}
	verifier, err := auth.NewVerifier(cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("%s: token verification (AUTH_ISSUER): %w", cfg.Name, err)
	}
	if cfg.Deadlines != nil {
		cfg.Permissions = cfg.Permissions.Merge(trackinghttp.Permissions())
	}
	if cfg.Reveals {
		cfg.Permissions = cfg.Permissions.Merge(revealhttp.Permissions())
	}
	cfg.Permissions = cfg.Permissions.Merge(DeadLetterPermissions(), DebugPermissions())
	conns := cfg.DatabaseConns
	if conns <= 0 {
		conns = 10
	}
	// One more connection for the outbox relay's listener, which holds it.
	db, err := postgres.Open(ctx, cfg.DatabaseDSN, conns+1)
	if err != nil {
		return nil, err
	}
	if cfg.Deadlines != nil {
		if cfg.OpenAPI, err = trackinghttp.MergeOpenAPI(cfg.OpenAPI); err != nil {
			_ = postgres.Close(db)
			return nil, err
		}
	}
	if cfg.Reveals {
		if cfg.OpenAPI, err = httpapi.MergeOpenAPI(cfg.OpenAPI, revealhttp.OpenAPIPaths); err != nil {
			_ = postgres.Close(db)
			return nil, err
		}
	}
	if cfg.OpenAPI, err = httpapi.MergeOpenAPI(cfg.OpenAPI, deadLettersOpenAPI); err != nil {
		_ = postgres.Close(db)
		return nil, err
	}
	if cfg.OpenAPI, err = httpapi.MergeOpenAPI(cfg.OpenAPI, debugOpenAPI); err != nil {
		_ = postgres.Close(db)
		return nil, err
	}
	if err := postgres.Prepare(ctx, db, cfg.MigrationDSN, cfg.Migrations, strings.ToUpper(cfg.Name), log); err != nil {
		_ = postgres.Close(db)
		return nil, err
	}
	if cfg.MigrateOnly {
		_ = postgres.Close(db)
		return nil, ErrMigrated
	}
	if err := ensureTopics(ctx, cfg, log); err != nil {
		_ = postgres.Close(db)
		return nil, err
	}
	pub := kafkabus.NewPublisher(cfg.Kafka)
	reg := prometheus.NewRegistry()
	published := prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_published_total", Help: "Events published from the outbox."})
	reg.MustRegister(published,
		countGauge("outbox_pending", "Events stored but not yet published.",
			func(ctx context.Context) (int64, error) { return outboxpg.Pending(ctx, db) }),
		countGauge("dead_letters", "Messages parked in the dead_letters table for an operator.",
			func(ctx context.Context) (int64, error) { return inboxpg.CountDeadLetters(ctx, db) }),
		countGauge("kafka_up", "1 when a Kafka broker answers for metadata, 0 when none does (the outbox keeps the events meanwhile).",
			func(ctx context.Context) (int64, error) {
				if kafkabus.Ping(ctx, cfg.Kafka) != nil {
					return 0, nil
				}
				return 1, nil
			}))
	relay := outboxpg.NewRelay(db, pub, log, relayLockKey(cfg.Name))
	relay.OnPublished = func(n int) { published.Add(float64(n)) }
	if cfg.OutboxRetention > 0 {
		relay.Retention = cfg.OutboxRetention
	}
	purged := prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_purged_total", Help: "Sent outbox rows deleted after the retention."})
	reg.MustRegister(purged)
	relay.OnPurged = func(n int64) { purged.Add(float64(n)) }
	engine := httpapi.NewEngine(httpapi.Options{
		Log: log, Registry: reg, OpenAPI: cfg.OpenAPI, BodyLimits: cfg.BodyLimits,
		// Readiness is the database only: the outbox exists so that requests
		// succeed while Kafka is down, so Kafka's absence is the kafka_up
		// metric and its alert, not a reason to leave the load balancer.
		Ready: map[string]httpapi.Check{
			"database": func(ctx context.Context) error { return postgres.Ping(ctx, db) },
		},
	})
	engine.Use(tracinghttp.Middleware())
	engine.Use(authhttp.Require(verifier, cfg.Permissions, log))
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		_ = postgres.Close(db)
		return nil, fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	k := &Kit{cfg: cfg, log: log, db: db, publisher: pub, relay: relay, registry: reg, engine: engine, listener: ln}
	if cfg.Reveals {
		revealhttp.Register(engine, db, log)
	}
	k.registerDeadLetters()
	k.registerDebug()
	if cfg.Deadlines != nil {
		if err := k.startDeadlines(ctx, *cfg.Deadlines); err != nil {
			_ = ln.Close()
			_ = postgres.Close(db)
			return nil, err
		}
	}
	return k, nil
}

// ensureTopics makes sure the topics the service's principal uses exist
// (kafkabus.TopicsOf), waiting for a broker that is still coming up, or for
// the set-up to create them, rather than failing the start at once.
func ensureTopics(ctx context.Context, cfg Config, log *slog.Logger) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := kafkabus.EnsureTopics(tctx, cfg.Kafka, kafkabus.TopicsOf(cfg.Topics, cfg.Kafka.User))
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		log.Warn("waiting for Kafka to create topics", "error", err.Error())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// countGauge is a gauge whose value count reads at each scrape, within
// metricsQueryTimeout; -1 when count fails.
func countGauge(name, help string, count func(ctx context.Context) (int64, error)) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), metricsQueryTimeout)
		defer cancel()
		n, err := count(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
}

// metricsQueryTimeout bounds each database query or broker call made while
// /metrics is scraped, so that a slow database never hangs the scrape.
const metricsQueryTimeout = 2 * time.Second

// relayLockKey derives the advisory lock of a service's relay from its name.
func relayLockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("outbox-relay:" + name))
	return int64(h.Sum64() >> 1)
}

// Addr is where the HTTP server listens.
func (k *Kit) Addr() string { return k.listener.Addr().String() }

// Run serves HTTP and runs the relay and the given components until ctx ends
// or one fails; then it stops taking requests, lets work in flight finish,
// flushes the publisher and closes the database.
func (k *Kit) Run(ctx context.Context, components ...lifecycle.Component) error {
	all := append([]lifecycle.Component{
		{Name: "http", Run: func(ctx context.Context) error {
			return httpapi.Serve(ctx, k.listener, k.engine, k.cfg.ShutdownGrace)
		}},
		{Name: "outbox-relay", Run: k.relay.Run},
		{Name: "outbox-listener", Run: k.relay.Listen},
	}, append(k.components, components...)...)
	k.log.Info("service started", "http", k.Addr(), "kafka", k.cfg.Kafka.Brokers, "kafka_user", k.cfg.Kafka.User)
	err := lifecycle.Run(ctx, k.log, all...)
	// Publish what the last requests stored, if Kafka is there to take it.
	flushCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_, _ = k.relay.PublishPending(flushCtx)
	cancel()
	if cerr := k.publisher.Close(); cerr != nil {
		k.log.Warn("closing Kafka publisher", "error", cerr.Error())
	}
	if cerr := postgres.Close(k.db); cerr != nil {
		k.log.Warn("closing database", "error", cerr.Error())
	}
	k.log.Info("service stopped")
	return err
}
