package catbus_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"claims.local/pkg/catastrophe"
	"claims.local/pkg/catastrophe/catbus"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

var declaredAt = time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC)

func declare(t *testing.T, code string) catastrophe.Catastrophe {
	t.Helper()
	c, err := catastrophe.Declare(catastrophe.Declaration{Code: code, Name: "台风", Peril: "typhoon", Regions: []string{"4401"},
		WindowStart: "2026-09-01", WindowEnd: "2026-09-10", ShareBps: 3000, CapFen: 5_000_000,
		IncidentTypes: []string{"death", "medical"}}, "coordinator-1", declaredAt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func switched(t *testing.T, c catastrophe.Catastrophe, active bool) catastrophe.Catastrophe {
	t.Helper()
	next, err := c.Switch(active, "test", "coordinator-1", declaredAt.Add(time.Duration(c.Version)*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func message(t *testing.T, topic string, c catastrophe.Catastrophe) outbox.Message {
	t.Helper()
	e, err := events.New(events.CatastropheState, "adjudication", c.Key(), declaredAt, c.State())
	if err != nil {
		t.Fatal(err)
	}
	v, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return outbox.Message{Topic: topic, Key: c.Key(), EventID: e.ID, Type: e.Type, Value: v}
}

// topic creates a fresh catastrophes topic and returns its name.
func topic(t *testing.T, brokers kafkabus.Cluster) string {
	t.Helper()
	topics := events.Topics{Prefix: kafkatest.Prefix(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var spec []events.TopicSpec
	for _, s := range topics.All() {
		if s.Name == topics.Catastrophes() {
			spec = append(spec, s)
		}
	}
	if err := kafkabus.EnsureTopics(ctx, brokers, spec); err != nil {
		t.Fatal(err)
	}
	return topics.Catastrophes()
}

func registry(brokers kafkabus.Cluster, topic string) *catbus.Registry {
	return catbus.New(brokers, topic, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestLoadKnowsEveryCatastropheBeforeItReturnsAndRunFollows(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Cluster(t)
	name := topic(t, brokers)
	ty := declare(t, "TY-1")
	tyOn := switched(t, ty, true)
	fl := declare(t, "FL-1")
	// The newest state of TY-1 first, an older one after: the version wins.
	apitest.Publish(t, brokers, message(t, name, tyOn), message(t, name, ty), message(t, name, fl),
		outbox.Message{Topic: name, Key: "catastrophe/X", EventID: "junk", Type: "?", Value: []byte("{not json")})

	r := registry(brokers, name)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.Load(ctx); err != nil {
		t.Fatalf("Load: got %v, want no error", err)
	}
	if got := r.All(); len(got) != 2 {
		t.Fatalf("after Load: got %d catastrophes, want 2 (the junk message skipped)", len(got))
	}
	active := r.Active()
	if len(active) != 1 || active[0].Code != "TY-1" || active[0].Version != 2 {
		t.Fatalf("after Load: got active %+v, want TY-1 at version 2", active)
	}
	at := time.Date(2026, 9, 5, 10, 0, 0, 0, time.UTC)
	if c, ok := r.Match("440106", at, "medical"); !ok || c.Code != "TY-1" {
		t.Fatalf("Match: got %+v %v, want TY-1", c, ok)
	}
	if _, ok := r.Match("440106", at, "critical_illness"); ok {
		t.Fatalf("Match of an ineligible type: got a catastrophe, want none")
	}

	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: got %v, want nil", err)
		}
	}()
	apitest.Publish(t, brokers, message(t, name, switched(t, tyOn, false)), message(t, name, switched(t, fl, true)))
	apitest.Eventually(t, 30*time.Second, "the switches followed", func() bool {
		a := r.Active()
		return len(a) == 1 && a[0].Code == "FL-1"
	})
	// FL-1 covers the same place: the match is FL-1 now.
	if c, ok := r.Match("440106", at, "medical"); !ok || c.Code != "FL-1" {
		t.Fatalf("Match after the switch: got %q %v, want FL-1", c.Code, ok)
	}
}

func TestLoadOfAnEmptyTopicReturnsAtOnce(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Cluster(t)
	r := registry(brokers, topic(t, brokers))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Load(ctx); err != nil {
		t.Fatalf("Load: got %v, want no error", err)
	}
	if n := len(r.All()); n != 0 {
		t.Fatalf("got %d catastrophes, want 0", n)
	}
}

func TestApplyRefusesStatesUnderAnotherKey(t *testing.T) {
	t.Parallel()
	r := registry(kafkabus.Cluster{}, "unused")
	c := declare(t, "TY-1")
	e, err := events.New(events.CatastropheState, "adjudication", "catastrophe/OTHER", declaredAt, c.State())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Apply(e); err == nil {
		t.Fatalf("Apply under another key: got no error, want one")
	}
	e.ClaimID = c.Key()
	if changed, err := r.Apply(e); err != nil || !changed {
		t.Fatalf("Apply: got %v %v, want changed", changed, err)
	}
	if changed, err := r.Apply(e); err != nil || changed {
		t.Fatalf("Apply again: got %v %v, want unchanged", changed, err)
	}
}
