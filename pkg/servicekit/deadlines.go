package servicekit

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"claims.local/pkg/clock"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackinghttp"
	"claims.local/pkg/tracking/trackingpg"
)

// DeadlinesConfig configures deadline tracking in a service.
type DeadlinesConfig struct {
	// RiskLeadWorkingDays is how many working days before its due date an
	// open obligation is at risk; below zero means the default, one.
	RiskLeadWorkingDays int
	// SweepInterval is how often the monitor sweeps; 30 s when zero.
	SweepInterval time.Duration
	// Now is the clock of the tracker and the monitor; time.Now when nil.
	Now func() time.Time
	// CalendarSigner signs the calendar versions the service publishes:
	// adjudication's signing key there (tracking.CalendarPublisher), nil
	// in the services that publish none.
	CalendarSigner *signing.Signer
	// CalendarPublisher holds the publisher's public keys every version
	// read from the calendar topic must be signed with; the service
	// refuses to start without them.
	CalendarPublisher *signing.Verifier
	// Witness proves the steps that end the service's obligations and the
	// stops of their clocks against its kept records, for the monitor
	// (trackingpg.Witness); nil leaves them unchecked.
	Witness trackingpg.Witness
}

// startDeadlines builds the tracker, the deadline use cases and routes, the
// monitor and the calendar consumer, and loads the newest stored calendar
// before the service takes traffic.
func (k *Kit) startDeadlines(ctx context.Context, cfg DeadlinesConfig) error {
	if cfg.CalendarPublisher == nil {
		return fmt.Errorf("calendar publisher keys: %s trusts no key of %s and could verify no calendar version", k.cfg.Name, tracking.CalendarPublisher)
	}
	if cfg.CalendarSigner != nil && !cfg.CalendarPublisher.Trusts(cfg.CalendarSigner) {
		return fmt.Errorf("calendar publisher keys: %s signs calendar versions with key %q, which it does not trust: it would park its own versions", k.cfg.Name, cfg.CalendarSigner.KeyID())
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	micro := clock.Micro(now)
	store := trackingpg.NewStore(k.db, uow.New(k.db, nil, k.relay.Wake))
	if cfg.Witness != nil {
		store = store.WithWitness(cfg.Witness)
	}
	k.tracker = tracking.NewTracker(tracking.NewCalendars(nil), cfg.RiskLeadWorkingDays)
	k.deadlineService = &tracking.UseCases{Service: k.cfg.Name, Store: store, Tracker: k.tracker, Topics: k.cfg.Topics, Now: micro,
		CalendarSigner: cfg.CalendarSigner, CalendarPublisher: cfg.CalendarPublisher}
	trackinghttp.Register(k.engine, k.deadlineService, k.log)

	sweeps := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "deadline_sweep_duration_seconds", Help: "Duration of the deadline monitor's sweeps.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	})
	alarms := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deadline_alarms_total", Help: "Deadline alarms raised by this instance, by kind (at-risk, breached, moved, tampered: a due moved later than its inputs give).",
	}, []string{"kind"})
	k.registry.MustRegister(sweeps, alarms)
	monitor := &tracking.Monitor{
		Service: k.cfg.Name, Store: store, Tracker: k.tracker, Topics: k.cfg.Topics, Interval: cfg.SweepInterval,
		Now: micro, Log: k.log,
		OnSweep: func(r tracking.SweepResult, took time.Duration) {
			sweeps.Observe(took.Seconds())
			alarms.WithLabelValues("at-risk").Add(float64(r.AtRisk))
			alarms.WithLabelValues("breached").Add(float64(r.Breached))
			alarms.WithLabelValues("moved").Add(float64(r.Moved))
			alarms.WithLabelValues("tampered").Add(float64(r.Tampered))
		},
	}
	if err := monitor.LoadCalendar(ctx); err != nil {
		return err
	}
	consumer := k.NewConsumer(k.deadlineService.CalendarConsumer(), k.cfg.Topics.Calendar(), k.cfg.Topics.Prefix+k.cfg.Name+".calendar",
		k.deadlineService.ApplyCalendarEvent)
	consumer.Workers = 1 // calendar versions apply in the order they were published
	k.components = append(k.components,
		lifecycle.Component{Name: "deadline-monitor", Run: monitor.Run},
		ConsumerComponent(consumer))
	return nil
}
