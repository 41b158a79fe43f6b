package servicekit

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"claims.local/pkg/clock"
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
}

// startDeadlines builds the tracker, the deadline use cases and routes, the
// monitor and the calendar consumer, and loads the newest stored calendar
// before the service takes traffic.
func (k *Kit) startDeadlines(ctx context.Context, cfg DeadlinesConfig) error {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	micro := clock.Micro(now)
	store := trackingpg.NewStore(k.db, uow.New(k.db, nil, k.relay.Wake))
	k.tracker = tracking.NewTracker(tracking.NewCalendars(nil), cfg.RiskLeadWorkingDays)
	k.deadlineService = &tracking.UseCases{Service: k.cfg.Name, Store: store, Tracker: k.tracker, Topics: k.cfg.Topics, Now: micro}
	trackinghttp.Register(k.engine, k.deadlineService, k.log)

	sweeps := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "deadline_sweep_duration_seconds", Help: "Duration of the deadline monitor's sweeps.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	})
	alarms := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deadline_alarms_total", Help: "Deadline alarms raised by this instance, by kind (at-risk, breached, moved).",
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
