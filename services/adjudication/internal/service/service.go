// Package service wires adjudication: adapters, use cases and ports on the
// servicekit base. main and the component tests both start it here.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/adapters/letter"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/ports"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/postgres"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
	"claims.local/pkg/tracking"
)

// Config is adjudication's configuration.
type Config struct {
	// Common is what every service reads the same way: addresses, keys,
	// shutdown grace and deadline monitoring.
	servicekit.Common
	// AuthorityLimits are the authority limits per role, in fen
	// (domain.Unlimited for none): a decision above the decider's limit
	// needs a senior approver (four-eyes).
	AuthorityLimits map[string]int64
	// Issuer is the company that signs rejection notices (R5), and
	// LetterFonts the fonts they are set in.
	Issuer      domain.LetterIssuer
	LetterFonts letter.Fonts
	// Signals is how fraud signals are raised; SignalKey (32 bytes, or
	// none: the account signals and the employee registry are off) keys the
	// hashes of the accounts they compare.
	Signals   domain.SignalPolicy
	SignalKey []byte
	// Fingerprints (ADJUDICATION_FINGERPRINT_KEYS, the keys intake and
	// payout hold too) make and compare the keyed fingerprints of accounts
	// and payees' names (R11); adjudication refuses to start without them.
	Fingerprints *bankaccount.Fingerprints
	// Instructions signs the payment instructions payout pays (issue 15);
	// adjudication refuses to start without it.
	Instructions *signing.Signer
	// Payees is payout's public key the payees of payment instructions are
	// sealed for (issue 17); adjudication refuses to start without it.
	Payees *sealed.Sealer
	// Auto configures the straight-through path (issue 19); AutoEnabled
	// is its switch until an admin or senior changes it (audited).
	Auto        domain.AutoPolicy
	AutoEnabled bool
	// TrustedRequests verifies that a claim request was signed by one of
	// intake's keys (ADJUDICATION_TRUSTED_INTAKE_KEYS; the attack review of
	// issue 19); adjudication refuses to start without it.
	TrustedRequests *signing.Verifier
	// MaxWaits is how many requests (?wait= reads of a case and
	// decisions) this instance holds waiting for cases to open at once,
	// over all callers (ADJUDICATION_MAX_WAITS; app.DefaultMaxWaits when
	// zero): beyond, 503 overloaded at once (session 16).
	MaxWaits int
}

// ParseAuthorityLimits reads limits written role:fen[,role:fen], where fen
// may be "unlimited": handler:5000000,senior_handler:unlimited.
func ParseAuthorityLimits(s string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, part := range strings.Split(s, ",") {
		role, value, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || role == "" {
			return nil, fmt.Errorf("authority limits are written role:fen[,role:fen]; got %q", part)
		}
		if value == "unlimited" {
			out[role] = domain.Unlimited
			continue
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("authority limit of %s: %q is not a whole number of fen or unlimited", role, value)
		}
		out[role] = n
	}
	return out, nil
}

// Adjudication is a started adjudication service.
type Adjudication struct {
	kit      *servicekit.Kit
	consumer *kafkabus.Consumer
	payouts  *kafkabus.Consumer
	openings *adapters.Openings
}

// Start connects adjudication to its database and Kafka and binds its port.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Adjudication, error) {
	authority, err := domain.NewAuthority(cfg.AuthorityLimits)
	if err != nil {
		return nil, err
	}
	if n := len(cfg.SignalKey); n != 0 && n != 32 {
		return nil, fmt.Errorf("signal key: %d bytes, want 32", n)
	}
	if len(cfg.SignalKey) == 0 {
		log.Warn("no ADJUDICATION_SIGNAL_KEY: the account fraud signals and the employee registry are off")
	}
	if cfg.Instructions == nil {
		return nil, fmt.Errorf("payment instruction key (ADJUDICATION_SIGNING_KEY): none, and payout pays only signed instructions")
	}
	if cfg.Payees == nil {
		return nil, fmt.Errorf("payee seal key (ADJUDICATION_PAYEE_SEAL_KEY): none, and no payee may leave adjudication in clear")
	}
	if cfg.Fingerprints == nil {
		return nil, fmt.Errorf("fingerprint keys (ADJUDICATION_FINGERPRINT_KEYS): none, and no account paid could be compared with the bank cards'")
	}
	if cfg.TrustedRequests == nil {
		return nil, fmt.Errorf("claim request keys (ADJUDICATION_TRUSTED_INTAKE_KEYS): adjudication trusts no key of intake and would open no case")
	}
	// Adjudication is the calendar's one publisher: it signs the versions
	// submitted to it with its own key, and verifies them with that key as
	// the others do with its public keys (red team, session 12).
	calendarKeys, err := signing.ParseTrusted(tracking.CalendarPublisher, cfg.Instructions.Public())
	if err != nil {
		return nil, err
	}
	if cfg.Instructions != nil && cfg.TrustedRequests.Trusts(cfg.Instructions) {
		return nil, fmt.Errorf("ADJUDICATION_TRUSTED_INTAKE_KEYS holds adjudication's own signing key (ADJUDICATION_SIGNING_KEY): whoever holds it could sign claim requests as intake; trust intake's public keys only")
	}
	if err := cfg.Issuer.Validate(); err != nil {
		return nil, fmt.Errorf("letter issuer: %w", err)
	}
	renderer, err := letter.NewRenderer(cfg.LetterFonts)
	if err != nil {
		return nil, err
	}
	migrations, err := adapters.Migrations()
	if err != nil {
		return nil, err
	}
	topics := events.Topics{Prefix: cfg.TopicPrefix}
	kit, err := servicekit.Start(ctx, servicekit.Config{
		Auth: cfg.Auth, Permissions: ports.Permissions(),
		Name: "adjudication", HTTPAddr: cfg.HTTPAddr, DatabaseDSN: cfg.DatabaseDSN, MigrationDSN: cfg.MigrationDSN, MigrateOnly: cfg.MigrateOnly, Kafka: cfg.Kafka,
		Topics: topics, Migrations: migrations, OpenAPI: ports.OpenAPI, ShutdownGrace: cfg.ShutdownGrace, OutboxRetention: cfg.OutboxRetention, ConsumerMaxAttempts: cfg.ConsumerMaxAttempts,
		Deadlines: &servicekit.DeadlinesConfig{SweepInterval: cfg.DeadlineSweep, RiskLeadWorkingDays: cfg.RiskLeadWorkingDays,
			CalendarSigner: cfg.Instructions, CalendarPublisher: calendarKeys, Witness: adapters.DeadlineWitness{}},

		ConsumerWorkers: cfg.ConsumerWorkers,
		ConsumerBatch:   cfg.ConsumerBatch,
	}, log)
	if err != nil {
		return nil, err
	}
	// Every catastrophe declared before this instance started is known
	// before it takes a claim request (R8).
	registry, err := kit.StartCatastrophes(ctx)
	if err != nil {
		return nil, err
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "adjudication_claim_requests_refused_total",
		Help: "Claim requests refused because they are not signed by a trusted key of intake, or are of a schema version adjudication cannot read, by reason."}, []string{"reason"})
	if err := kit.Registry().Register(refused); err != nil {
		return nil, err
	}
	// A refusal is told once its alarm's record has committed (after the
	// consumer's batch, when it runs in one), so that each is told once.
	requestRefused := func(ctx context.Context, e events.Envelope, r signing.Refusal) {
		why := "not signed by a trusted key of intake"
		if r.Reason == app.UnknownSchemaVersion {
			why = "of a schema version adjudication cannot read"
		}
		tell := func() {
			log.Error("claim request refused: "+why+"; parked, no case opened, nothing decided or paid",
				"event_id", e.ID, "event_type", e.Type, "claim_id", e.ClaimID, "source", e.Source,
				"key_id", r.KeyID, "reason", string(r.Reason), "detail", r.Detail)
			refused.WithLabelValues(string(r.Reason)).Inc()
		}
		if !postgres.AfterCommit(ctx, tell) {
			tell()
		}
	}
	// Requests waiting for a case to open are answered when its opening
	// commits, in this instance or another (app.Openings).
	openings := adapters.NewOpenings(kit.DB(), log)
	a := app.NewService(app.Deps{
		Cases: adapters.NewCases(kit.DB(), kit.WakeRelay, kit.Tracker()), Policies: adapters.NewPolicies(kit.DB()), Letters: renderer,
		Tracker: kit.Tracker(), Topics: topics, Authority: authority, Issuer: cfg.Issuer, Now: time.Now,
		Catastrophes: adapters.NewCatastrophes(kit.DB(), kit.WakeRelay), Directory: registry, Visits: adapters.NewVisits(kit.DB()),
		Signals: cfg.Signals, SignalKey: cfg.SignalKey, Fingerprints: cfg.Fingerprints, Complaints: adapters.NewComplaints(kit.DB(), kit.WakeRelay, kit.Tracker()),
		Indicators: adapters.NewIndicatorStore(kit.DB(), kit.Tracker()), Instructions: cfg.Instructions,
		Payees: cfg.Payees, Notes: adapters.NewNotes(kit.DB()), Straight: adapters.NewStraight(kit.DB()), Auto: cfg.Auto, AutoEnabled: cfg.AutoEnabled,
		Requests: cfg.TrustedRequests, RequestRefused: requestRefused, Openings: openings,
		MaxWaits: cfg.MaxWaits,
	})
	ports.Register(kit.Engine(), a, log)
	// Binaries built with -tags faults may wrap the handler to crash on
	// purpose (faults.go); production binaries use it as it is
	// (nofaults.go).
	claimRequests, err := withFaults(ports.ClaimRequests(a), log)
	if err != nil {
		return nil, err
	}
	consumer := kit.NewConsumer(app.ClaimsConsumer, topics.Intake(), cfg.TopicPrefix+"adjudication", claimRequests)
	// Payout's completed payments end the payment cycles of the
	// indicators (R13).
	payouts := kit.NewConsumer(app.PayoutsConsumer, topics.Payout(), cfg.TopicPrefix+"adjudication-payouts", ports.Payouts(a))
	return &Adjudication{kit: kit, consumer: consumer, payouts: payouts, openings: openings}, nil
}

// Routes lists the HTTP routes adjudication serves, for the test that keeps its
// OpenAPI document true to them.
func (s *Adjudication) Routes() gin.RoutesInfo { return s.kit.Engine().Routes() }

// Addr is where adjudication's HTTP API listens.
func (s *Adjudication) Addr() string { return s.kit.Addr() }

// Run serves and consumes until ctx ends.
func (s *Adjudication) Run(ctx context.Context) error {
	return s.kit.Run(ctx, servicekit.ConsumerComponent(s.consumer), servicekit.ConsumerComponent(s.payouts),
		lifecycle.Component{Name: "case-openings", Run: s.openings.Run})
}
