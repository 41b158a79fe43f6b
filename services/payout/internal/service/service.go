// Package service wires payout: adapters, use cases and ports on the
// servicekit base. main and the component tests both start it here.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/ports"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/servicekit"
)

// Config is payout's configuration.
type Config struct {
	// AuthKeys verify the bearer tokens of API calls (current key first).
	AuthKeys        []auth.Key
	HTTPAddr        string
	DatabaseDSN     string
	KafkaBrokers    []string
	TopicPrefix     string
	ShutdownGrace   time.Duration
	ExecuteInterval time.Duration
	// DeadlineSweep is how often the deadline monitor sweeps, and
	// RiskLeadWorkingDays how early an obligation is at risk.
	DeadlineSweep       time.Duration
	RiskLeadWorkingDays int
}

// Payout is a started payout service.
type Payout struct {
	kit      *servicekit.Kit
	consumer *kafkabus.Consumer
	executor lifecycle.Component
}

// Start connects payout to its database and Kafka and binds its port.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Payout, error) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, fmt.Errorf("load Asia/Shanghai time zone: %w", err)
	}
	migrations, err := adapters.Migrations()
	if err != nil {
		return nil, err
	}
	topics := events.Topics{Prefix: cfg.TopicPrefix}
	kit, err := servicekit.Start(ctx, servicekit.Config{
		AuthKeys: cfg.AuthKeys, Permissions: ports.Permissions(),
		Name: "payout", HTTPAddr: cfg.HTTPAddr, DatabaseDSN: cfg.DatabaseDSN, KafkaBrokers: cfg.KafkaBrokers,
		Topics: topics, Migrations: migrations, OpenAPI: ports.OpenAPI, ShutdownGrace: cfg.ShutdownGrace,
		Deadlines: &servicekit.DeadlinesConfig{SweepInterval: cfg.DeadlineSweep, RiskLeadWorkingDays: cfg.RiskLeadWorkingDays},
	}, log)
	if err != nil {
		return nil, err
	}
	a := app.NewService(adapters.NewObligations(kit.DB, kit.Relay.Wake, kit.Tracker), kit.Tracker, adapters.NewBankSimulator(), topics, time.Now, shanghai)
	ports.Register(kit.Engine, a, log)
	interval := cfg.ExecuteInterval
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	return &Payout{
		kit:      kit,
		consumer: kit.NewConsumer(app.DecisionsConsumer, topics.Adjudication(), cfg.TopicPrefix+"payout", ports.Decisions(a)),
		executor: lifecycle.Component{Name: "payment executor", Run: ports.Executor(a, log, interval)},
	}, nil
}

// Routes lists the HTTP routes payout serves, for the test that keeps its
// OpenAPI document true to them.
func (s *Payout) Routes() gin.RoutesInfo { return s.kit.Engine.Routes() }

// Addr is where payout's HTTP API listens.
func (s *Payout) Addr() string { return s.kit.Addr() }

// Run serves, consumes and pays until ctx ends.
func (s *Payout) Run(ctx context.Context) error {
	return s.kit.Run(ctx, servicekit.ConsumerComponent(s.consumer), s.executor)
}
