// Package service wires intake: adapters, use cases and ports on the
// servicekit base. main and the component tests both start intake here.
package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/app"
	"claims.local/intake/internal/ports"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/servicekit"
)

// Config is intake's configuration.
type Config struct {
	// AuthKeys verify the bearer tokens of API calls (current key first).
	AuthKeys      []auth.Key
	HTTPAddr      string
	DatabaseDSN   string
	KafkaBrokers  []string
	TopicPrefix   string
	ShutdownGrace time.Duration
}

// Intake is a started intake service.
type Intake struct {
	kit *servicekit.Kit
}

// Start connects intake to its database and Kafka and binds its port.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Intake, error) {
	migrations, err := adapters.Migrations()
	if err != nil {
		return nil, err
	}
	topics := events.Topics{Prefix: cfg.TopicPrefix}
	kit, err := servicekit.Start(ctx, servicekit.Config{
		AuthKeys: cfg.AuthKeys, Permissions: ports.Permissions(),
		Name: "intake", HTTPAddr: cfg.HTTPAddr, DatabaseDSN: cfg.DatabaseDSN, KafkaBrokers: cfg.KafkaBrokers,
		Topics: topics, Migrations: migrations, OpenAPI: ports.OpenAPI, ShutdownGrace: cfg.ShutdownGrace,
	}, log)
	if err != nil {
		return nil, err
	}
	repo := adapters.NewReports(kit.DB, kit.Relay.Wake)
	ports.Register(kit.Engine, app.NewService(repo, topics, time.Now), log)
	return &Intake{kit: kit}, nil
}

// Routes lists the HTTP routes intake serves, for the test that keeps its
// OpenAPI document true to them.
func (s *Intake) Routes() gin.RoutesInfo { return s.kit.Engine.Routes() }

// Addr is where intake's HTTP API listens.
func (s *Intake) Addr() string { return s.kit.Addr() }

// Run serves until ctx ends.
func (s *Intake) Run(ctx context.Context) error { return s.kit.Run(ctx) }
