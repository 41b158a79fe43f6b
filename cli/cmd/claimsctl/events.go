package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/config"
	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/redact"
)

// tailRequest says what to follow.
type tailRequest struct {
	brokers       []string
	topic         string
	fromBeginning bool
	// fromOffset, when set, starts every partition at this offset; since,
	// when set, at the first message written at or after it.
	fromOffset *int64
	since      time.Time
	max        int
	idle       time.Duration
}

// tailLine is what events tail prints for each event: one JSON object a line.
type tailLine struct {
	Topic     string          `json:"topic"`
	Partition int             `json:"partition"`
	Offset    int64           `json:"offset"`
	Key       string          `json:"key"`
	ID        string          `json:"id,omitempty"`
	Type      string          `json:"type,omitempty"`
	Time      *time.Time      `json:"time,omitempty"`
	Source    string          `json:"source,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	Error     string          `json:"error,omitempty"`
}

type tailFunc func(ctx context.Context, req tailRequest, out func(tailLine)) error

// runEvents follows a topic and prints one line per event, the first thing a
// finance team runs against claims.payout.v1.
func runEvents(e env, args []string) int {
	if len(args) == 0 || args[0] != "tail" {
		return usageError(e, "events", "the only subcommand is tail")
	}
	fs := flag.NewFlagSet("events tail", flag.ContinueOnError)
	flags := addTailFlags(fs, "topic to follow")
	fromBeginning := fs.Bool("from-beginning", false, "start at the oldest event instead of the newest")
	req, msg := flags.parse(fs, args[1:])
	if msg != "" {
		return usageError(e, "events", "%s", msg)
	}
	req.fromBeginning = *fromBeginning
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	return follow(e, "events", req, func(l tailLine) { _ = enc.Encode(masked(l)) })
}

// masked is l as events tail prints it (issue 17, R11): names, account and
// ID numbers and contacts in its data masked (package redact), wherever an
// event carries them, so that a terminal, a scroll-back or a pasted line
// never holds them in full.
func masked(l tailLine) tailLine {
	if len(l.Data) > 0 {
		l.Data = redact.JSON(l.Data)
	}
	l.Error = redact.Text(l.Error)
	return l
}

// tailFlags are the flags every tail command has.
type tailFlags struct {
	brokers, topic *string
	max            *int
	idle           *time.Duration
}

// addTailFlags adds the common tail flags to fs; topicHelp says what the
// topic is.
func addTailFlags(fs *flag.FlagSet, topicHelp string) tailFlags {
	fs.SetOutput(io.Discard)
	return tailFlags{
		brokers: fs.String("brokers", envOr("KAFKA_BROKERS", "127.0.0.1:59092"), "Kafka brokers, comma-separated"),
		topic:   fs.String("topic", "claims.payout.v1", topicHelp),
		max:     fs.Int("max", 0, "stop after this many events (0: never)"),
		idle:    fs.Duration("idle-exit", 0, "stop after this long without an event (0: never)"),
	}
}

// parse parses args with fs and checks the common flags. It returns the
// request or what is wrong with the arguments.
func (f tailFlags) parse(fs *flag.FlagSet, args []string) (tailRequest, string) {
	if err := fs.Parse(args); err != nil {
		return tailRequest{}, err.Error()
	}
	switch {
	case fs.NArg() > 0:
		return tailRequest{}, fmt.Sprintf("unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(*f.topic) == "" || strings.TrimSpace(*f.brokers) == "":
		return tailRequest{}, "--topic and --brokers must not be empty"
	case *f.max < 0 || *f.idle < 0:
		return tailRequest{}, "--max and --idle-exit must not be negative"
	}
	return tailRequest{brokers: strings.Split(*f.brokers, ","), topic: *f.topic, max: *f.max, idle: *f.idle}, ""
}

// follow runs the tail of command name with req until it ends or the
// process is interrupted, handing each event to out.
func follow(e env, name string, req tailRequest, out func(tailLine)) int {
	if e.tail == nil {
		return usageError(e, name, "following Kafka is not available here")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := e.tail(ctx, req, out); err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s tail: %v\n", name, err)
		return exitFailure
	}
	return exitOK
}

// tailKafka reads every partition of the topic without a consumer group, so
// it never moves a service's offsets. It signs in as the principal of the
// environment (KAFKA_USER and KAFKA_PASSWORD or KAFKA_PASSWORD_FILE, see
// kafkabus.LoadCluster): the read-only one, `reader`, is enough.
func tailKafka(ctx context.Context, req tailRequest, out func(tailLine)) error {
	cluster, err := kafkabus.LoadCluster(config.FromOS())
	if err != nil {
		return err
	}
	cluster.Brokers = req.brokers
	dialer := cluster.Dialer(10 * time.Second)
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := dialer.DialContext(dialCtx, "tcp", req.brokers[0])
	cancel()
	if err != nil {
		return fmt.Errorf("connect to %s: %w", req.brokers[0], err)
	}
	parts, err := conn.ReadPartitions(req.topic)
	conn.Close()
	if err != nil {
		return fmt.Errorf("read partitions of %s: %w", req.topic, err)
	}
	ctx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	var (
		mu      sync.Mutex
		printed int
		last    = time.Now()
		wg      sync.WaitGroup
	)
	start := kafka.LastOffset
	if req.fromBeginning {
		start = kafka.FirstOffset
	}
	for _, p := range parts {
		wg.Add(1)
		go func(partition int) {
			defer wg.Done()
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: req.brokers, Dialer: dialer, Topic: req.topic, Partition: partition,
				MaxWait: 250 * time.Millisecond, StartOffset: start})
			defer r.Close()
			switch {
			case req.fromOffset != nil:
				if err := r.SetOffset(*req.fromOffset); err != nil {
					return
				}
			case !req.since.IsZero():
				if err := r.SetOffsetAt(ctx, req.since); err != nil {
					return
				}
			}
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					return
				}
				line := tailLine{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: string(m.Key)}
				if env, err := events.Decode(m.Value); err != nil {
					line.Error = err.Error()
				} else {
					t := env.Time
					line.ID, line.Type, line.Time, line.Source, line.Data = env.ID, env.Type, &t, env.Source, env.Data
				}
				mu.Lock()
				out(line)
				printed++
				last = time.Now()
				done := req.max > 0 && printed >= req.max
				mu.Unlock()
				if done {
					stopAll()
				}
			}
		}(p.ID)
	}
	if req.idle > 0 {
		go func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					mu.Lock()
					quiet := time.Since(last) >= req.idle
					mu.Unlock()
					if quiet {
						stopAll()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
