// Package service wires payout: adapters, use cases and ports on the
// servicekit base. main and the component tests both start it here.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/ports"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/holdercheck"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/postgres"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
)

// Config is payout's configuration.
type Config struct {
	// Common is what every service reads the same way: addresses, keys,
	// shutdown grace and deadline monitoring.
	servicekit.Common
	// DataKeys seal payee details at rest (current key first; the others
	// only open what they sealed, until the resealer has moved it).
	DataKeys        []sealed.Key
	ExecuteInterval time.Duration
	// NotifyInterval is how often the notifier looks for notices no wake
	// told it of (another instance's, or ones whose sending failed); a
	// completion's notices are sent as soon as it commits. 1 s when zero.
	NotifyInterval time.Duration
	// ResealInterval is how often payees sealed with an old key are sealed
	// again with the current one; 10 minutes when zero.
	ResealInterval time.Duration
	// BankLatency is how long the bank simulator takes to settle a
	// transfer.
	BankLatency time.Duration
	// PayeeConfirmationThresholdFen is the amount above which a payment's
	// payee is confirmed by a second senior before it is sent (issue 14);
	// RMB 5,000 when zero.
	PayeeConfirmationThresholdFen int64
	// AdjudicationURL is adjudication's base URL, asked for the payments it
	// authorised by the three-way reconciliation; without it that
	// reconciliation is unavailable and the daily run is off.
	AdjudicationURL string
	// AdjudicationToken gets payout's own token for adjudication (the
	// client credentials of its service principal); required with
	// AdjudicationURL.
	AdjudicationToken adapters.TokenSource
	// ThreeWayHour is the Asia/Shanghai hour from which the daily three-way
	// reconciliation of the day before runs; ThreeWayInterval how often the
	// worker looks (5 minutes when zero).
	ThreeWayHour     int
	ThreeWayInterval time.Duration
	// TrustedInstructions verifies the payment instructions on
	// adjudication's topic against adjudication's trusted public keys
	// (issue 15); payout refuses to start without it.
	TrustedInstructions *signing.Verifier
	// PayeeKeys holds payout's private keys that open the payees sealed in
	// adjudication's instructions (issue 17); payout refuses to start
	// without them.
	PayeeKeys *sealed.Opener
	// Fingerprints (PAYOUT_FINGERPRINT_KEYS, the keys intake and
	// adjudication hold too) compare the payees with their keyed
	// fingerprints (R11); payout refuses to start without them.
	Fingerprints *bankaccount.Fingerprints
	// HolderCheck is whom payout asks whether the account of a payee
	// supplied in payout (a correction, or a payee for one that no longer
	// opens) is held by the payee's name (PAYOUT_HOLDER_CHECK, as
	// INTAKE_HOLDER_CHECK): HolderCheckSimulator for the simulator's
	// register (schema holdersim in payout's database, made only then),
	// an http(s) URL for the bank's verification service, "" for nobody
	// (such a payee is not verified). HolderTimeout bounds the answer
	// (3 s when zero).
	HolderCheck   string
	HolderTimeout time.Duration
}

// HolderCheckSimulator names the account-holder verification simulator
// in Config.HolderCheck.
const HolderCheckSimulator = holdercheck.Simulator

// Payout is a started payout service.
type Payout struct {
	kit        *servicekit.Kit
	consumer   *kafkabus.Consumer
	components []lifecycle.Component
}

// Start connects payout to its database and Kafka and binds its port.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Payout, error) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, fmt.Errorf("load Asia/Shanghai time zone: %w", err)
	}
	if cfg.TrustedInstructions == nil {
		return nil, fmt.Errorf("payment instruction keys (PAYOUT_TRUSTED_INSTRUCTION_KEYS): payout trusts no key of adjudication and would pay nothing")
	}
	if cfg.PayeeKeys == nil {
		return nil, fmt.Errorf("payee keys (PAYOUT_PAYEE_OPEN_KEYS): payout cannot open the payees of adjudication's instructions and would pay nothing")
	}
	if cfg.Fingerprints == nil {
		return nil, fmt.Errorf("fingerprint keys (PAYOUT_FINGERPRINT_KEYS): payout cannot compare the payees with their fingerprints and would pay nothing")
	}
	keys, err := sealed.New(cfg.DataKeys)
	if err != nil {
		return nil, fmt.Errorf("payee data keys (PAYOUT_DATA_KEYS): %w", err)
	}
	sources := []func() ([]postgres.Migration, error){adapters.Migrations, adapters.BankSimulatorMigrations}
	if cfg.HolderCheck == HolderCheckSimulator {
		sources = append(sources, adapters.HolderSimulatorMigrations)
	}
	migrations, err := postgres.Collect(sources...)
	if err != nil {
		return nil, err
	}
	topics := events.Topics{Prefix: cfg.TopicPrefix}
	// The witness asks the bank about each payment recorded paid: its
	// bank is the one below, set before the components run.
	witness := &adapters.DeadlineWitness{}
	kit, err := servicekit.Start(ctx, servicekit.Config{
		Auth: cfg.Auth, Permissions: ports.Permissions(),
		Name: "payout", HTTPAddr: cfg.HTTPAddr, DatabaseDSN: cfg.DatabaseDSN, MigrationDSN: cfg.MigrationDSN, MigrateOnly: cfg.MigrateOnly, Kafka: cfg.Kafka,
		Topics: topics, Migrations: migrations, OpenAPI: ports.OpenAPI, ShutdownGrace: cfg.ShutdownGrace, OutboxRetention: cfg.OutboxRetention, ConsumerMaxAttempts: cfg.ConsumerMaxAttempts,
		// Calendar versions are signed by adjudication with the key of its
		// payment instructions: payout verifies both with the same keys.
		Deadlines: &servicekit.DeadlinesConfig{SweepInterval: cfg.DeadlineSweep, RiskLeadWorkingDays: cfg.RiskLeadWorkingDays,
			CalendarPublisher: cfg.TrustedInstructions, Witness: witness},
		Reveals: true, DeadLetterKeys: keys,

		ConsumerWorkers: cfg.ConsumerWorkers,
		ConsumerBatch:   cfg.ConsumerBatch,
	}, log)
	if err != nil {
		return nil, err
	}
	// No real bank is reachable: the simulator stands for it.
	// Binaries built with -tags faults may wrap it to crash on purpose
	// (faults.go); production binaries use it as it is (nofaults.go).
	bank, err := withFaults(adapters.NewBankSimulator(kit.DB(), cfg.BankLatency, time.Now), log)
	if err != nil {
		return nil, err
	}
	witness.Bank = bank
	repo := adapters.NewObligations(kit.DB(), kit.WakeRelay, kit.Tracker(), keys, shanghai)
	unmatched := prometheus.NewCounter(prometheus.CounterOpts{Name: "payout_reconciliation_unmatched_total",
		Help: "Alarms of the three-way reconciliation: payments unmatched with adjudication's authorisations or the bank's executions."})
	if err := kit.Registry().Register(unmatched); err != nil {
		return nil, err
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payout_instructions_refused_total",
		Help: "Payment instructions refused because they are not signed by a trusted key of adjudication, by reason."}, []string{"reason"})
	if err := kit.Registry().Register(refused); err != nil {
		return nil, err
	}
	unreadable := prometheus.NewCounter(prometheus.CounterOpts{Name: "payout_payees_unreadable_total",
		Help: "Payments held because their sealed payee cannot be opened (a damaged row, or a key missing from PAYOUT_DATA_KEYS), once per hold."})
	if err := kit.Registry().Register(unreadable); err != nil {
		return nil, err
	}
	// agenda wakes the payment executor with an obligation due now once
	// it has committed (after the consumer's batch, when it runs in one:
	// postgres.AfterCommit), so a claim is paid at once rather than at the
	// executor's next round, holds when to ask the bank about the
	// payments it took, at the times its answers stated, and makes the
	// bank calls beside the executor's loop.
	agenda := ports.NewAgenda(log)
	// noticed wakes the notifier once a completion's notices committed.
	noticed := make(chan struct{}, 1)
	wakeNotifier := func() {
		select {
		case noticed <- struct{}{}:
		default:
		}
	}
	controls := app.Controls{PayeeConfirmationThresholdFen: cfg.PayeeConfirmationThresholdFen, Log: log,
		Scheduled: agenda.Pay, CheckAt: agenda.Check, HandOver: agenda.HandOver, Noticed: wakeNotifier,
		AfterCommit: func(ctx context.Context, f func()) {
			if !postgres.AfterCommit(ctx, f) {
				f()
			}
		},
		Alarmed:      func(n int) { unmatched.Add(float64(n)) },
		Instructions: cfg.TrustedInstructions, Payees: cfg.PayeeKeys, Fingerprints: cfg.Fingerprints, Refused: func(r signing.Reason) { refused.WithLabelValues(string(r)).Inc() },
		PayeeUnreadable: unreadable.Inc, HolderTimeout: cfg.HolderTimeout}
	switch {
	case cfg.HolderCheck == HolderCheckSimulator:
		controls.Holders = adapters.NewHolderSimulator(kit.DB())
	case cfg.HolderCheck != "":
		timeout := cfg.HolderTimeout
		if timeout <= 0 {
			timeout = 3 * time.Second
		}
		controls.Holders = adapters.NewHolderHTTP(cfg.HolderCheck, &http.Client{Timeout: timeout})
	}
	if cfg.AdjudicationURL != "" {
		if cfg.AdjudicationToken == nil {
			return nil, fmt.Errorf("calling adjudication needs payout's client credentials (PAYOUT_CLIENT_SECRET)")
		}
		controls.Authorisations = adapters.NewAdjudication(cfg.AdjudicationURL, cfg.AdjudicationToken)
	}
	a := app.NewService(repo, kit.Tracker(), bank, kit.Publisher(), topics, time.Now, shanghai, controls)
	ports.Register(kit.Engine(), a, log)
	interval := cfg.ExecuteInterval
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	notify := cfg.NotifyInterval
	if notify <= 0 {
		notify = time.Second
	}
	reseal := cfg.ResealInterval
	if reseal <= 0 {
		reseal = 10 * time.Minute
	}
	components := []lifecycle.Component{
		{Name: "payment executor", Run: ports.Executor(a, log, interval, agenda)},
		{Name: "notifier", Run: ports.Notifier(a, log, notify, noticed)},
		{Name: "resealer", Run: ports.Resealer(a, log, reseal)},
	}
	if cfg.AdjudicationURL != "" {
		every := cfg.ThreeWayInterval
		if every <= 0 {
			every = 5 * time.Minute
		}
		components = append(components, lifecycle.Component{Name: "three-way reconciliation", Run: ports.ThreeWayDaily(a, log, cfg.ThreeWayHour, every)})
	}
	return &Payout{
		kit:        kit,
		consumer:   kit.NewConsumer(app.AgreementsConsumer, topics.Adjudication(), cfg.TopicPrefix+"payout", ports.Agreements(a)),
		components: components,
	}, nil
}

// Routes lists the HTTP routes payout serves, for the test that keeps its
// OpenAPI document true to them.
func (s *Payout) Routes() gin.RoutesInfo { return s.kit.Engine().Routes() }

// Addr is where payout's HTTP API listens.
func (s *Payout) Addr() string { return s.kit.Addr() }

// Run serves, consumes, pays and notifies until ctx ends.
func (s *Payout) Run(ctx context.Context) error {
	return s.kit.Run(ctx, append([]lifecycle.Component{servicekit.ConsumerComponent(s.consumer)}, s.components...)...)
}
