// Package apitest helps the component tests of a service built on httpapi:
// it starts the service in-process, sends it HTTP requests, checks the
// answers against the service's OpenAPI document, feeds it Kafka messages
// and waits for what it does in the background.
package apitest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/outbox"
)

// RequestTimeout bounds each request a Client sends.
const RequestTimeout = 15 * time.Second

// StopTimeout is how long a service Start started may take to stop.
const StopTimeout = 30 * time.Second

// Service is a service started in-process: it serves HTTP on Addr until Run
// returns.
type Service interface {
	Addr() string
	Run(ctx context.Context) error
}

// Start starts a service with start(ctx, cfg, log), logging nowhere, and runs
// it until the test ends; at cleanup it cancels ctx and waits for Run to
// return nil. It returns the service and a Client for its HTTP address; name
// names the service in failure messages.
func Start[C any, S Service](t testing.TB, name string, start func(context.Context, C, *slog.Logger) (S, error), cfg C) (S, *Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("start %s: got %v, want no error", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: got %v after cancel, want nil", err)
			}
		case <-time.After(StopTimeout):
			t.Errorf("Run: got still running %v after cancel, want it stopped", StopTimeout)
		}
	})
	return svc, NewClient("http://" + svc.Addr())
}

// Answer is an HTTP answer, its body read in full.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Client sends requests to one service.
type Client struct {
	base  string
	http  *http.Client
	token string
}

// NewClient returns a Client for the service at base, such as
// "http://127.0.0.1:8080".
func NewClient(base string) *Client {
	return &Client{base: base, http: &http.Client{Timeout: RequestTimeout}}
}

// Do sends method path with body, as JSON unless body is empty, and returns
// the answer. A request that gets no answer fails the test.
func (c *Client) Do(t testing.TB, method, path, body string) Answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// WantHealthy checks that GET /healthz answers 200 and GET /readyz answers
// 200 with the JSON readyz.
func (c *Client) WantHealthy(t testing.TB, readyz string) {
	t.Helper()
	if a := c.Do(t, http.MethodGet, "/healthz", ""); a.Status != http.StatusOK {
		t.Fatalf("GET /healthz: got status %d, want 200", a.Status)
	}
	a := c.Do(t, http.MethodGet, "/readyz", "")
	if a.Status != http.StatusOK {
		t.Fatalf("GET /readyz: got status %d (%s), want 200", a.Status, a.Body)
	}
	require.JSONEq(t, readyz, string(a.Body))
}

// Eventually polls cond every 50ms until it holds, and fails the test when
// within has passed first; what names what cond waits for.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("got no %s within %v, want it", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Publish sends raw messages to Kafka as the cluster's principal and, like an outbox relay,
// tries again every 200ms for up to 30s while the broker is not ready for
// them (a partition just created may answer "not leader" for a moment).
func Publish(t testing.TB, cluster kafkabus.Cluster, msgs ...outbox.Message) {
	t.Helper()
	pub := kafkabus.NewPublisher(cluster)
	defer pub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := pub.Publish(ctx, msgs)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("publish to Kafka: got %v, want the messages sent within 30s", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Keys returns a fresh signing key for the services of one test.
func Keys(t testing.TB) []auth.Key {
	t.Helper()
	secret := make([]byte, 32)
	_, err := rand.Read(secret)
	require.NoError(t, err)
	return []auth.Key{{ID: "test", Secret: []byte(hex.EncodeToString(secret))}}
}

// Everyone is a principal holding every role, for tests about something
// other than permissions.
func Everyone() auth.Principal {
	return auth.Principal{Subject: "tester", Name: "测试员", Roles: auth.Roles()}
}

// Token signs p in with the first of keys for an hour.
func Token(t testing.TB, keys []auth.Key, p auth.Principal) string {
	t.Helper()
	token, err := auth.NewSigner(keys[0], time.Hour).Issue(p, time.Now())
	require.NoError(t, err)
	return token
}

// As returns a copy of c that calls as p, signed with the first of keys.
func (c *Client) As(t testing.TB, keys []auth.Key, p auth.Principal) *Client {
	t.Helper()
	return c.WithToken(Token(t, keys, p))
}

// WithToken returns a copy of c that sends token as its bearer token; an
// empty token sends none.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}
