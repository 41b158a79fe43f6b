package httpapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"claims.local/pkg/httpapi"
)

// serveWith starts ServeWith on a free port with to and returns its address;
// the server stops when the test ends.
func serveWith(t *testing.T, to httpapi.Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("ok"))
	})
	go func() { done <- httpapi.ServeWith(ctx, ln, h, time.Second, to) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// closedWithin tells whether the server closes conn within d (a read
// returns an error other than a timeout of our own).
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) bool {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 512)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return false
		}
		return true
	}
}

// TestSlowClientsAreCutOff is the slowloris attack: a client that sends its
// body a byte at a time, or keeps an idle connection open, holds a
// connection only as long as the server's read and idle timeouts.
func TestSlowClientsAreCutOff(t *testing.T) {
	to := httpapi.Timeouts{ReadHeader: 300 * time.Millisecond, Read: 500 * time.Millisecond, Write: time.Second, Idle: 500 * time.Millisecond}
	addr := serveWith(t, to)

	t.Run("slow body", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"))
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			}
		}()
		if !closedWithin(t, conn, 3*time.Second) {
			t.Fatalf("got the connection still open after 3 s of a trickled body, want it closed after the read timeout %v", to.Read)
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		if !closedWithin(t, conn, 3*time.Second) {
			t.Fatalf("got an idle connection still open after 3 s, want it closed after the idle timeout %v", to.Idle)
		}
	})
}

// TestDefaultTimeoutsBoundEveryPhase: the services' server has a read,
// write and idle timeout, not only the header one.
func TestDefaultTimeoutsBoundEveryPhase(t *testing.T) {
	to := httpapi.DefaultTimeouts()
	for name, d := range map[string]time.Duration{"read header": to.ReadHeader, "read": to.Read, "write": to.Write, "idle": to.Idle} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s timeout: got %v, want between 0 and 5 minutes", name, d)
		}
	}
}
