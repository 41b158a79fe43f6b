package edge

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// holdingService is a service that answers 418 at once to every request
// but those to /v1/cases/held-*, which it holds until release is called;
// arrived is told the path of each held one as it arrives.
func holdingService(t *testing.T) (u *url.URL, arrived <-chan string, release func()) {
	t.Helper()
	held, done := make(chan string, 16), make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/cases/held-") {
			held <- r.URL.Path
			<-done
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(s.Close)
	var once sync.Once
	release = func() { once.Do(func() { close(done) }) }
	t.Cleanup(release) // before s.Close, which waits for the held requests
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u, held, release
}

// TestAttackOneAddressCannotHoldWaitsThroughTheEdge: the edge forwards
// ?wait= reads and decisions to adjudication as they come, so a script
// behind one address holding many tokens (each under adjudication's bound
// per caller) held as many waits through the console as it sent. An
// address holds at most WaitsPerClient forwarded waits at once: one more,
// however its key is written (%77ait is wait once unescaped, as the
// service reads it), is refused at once, 429 too_many_in_flight with
// Retry-After, and not forwarded; the same address without wait and
// another address with it are forwarded; once the held waits are
// answered, the address's next wait is forwarded.
func TestAttackOneAddressCannotHoldWaitsThroughTheEdge(t *testing.T) {
	u, arrived, release := holdingService(t)
	e := Handler(Config{Upstreams: []Upstream{{Name: "adjudication", URL: u}}, SignIn: func(*gin.Context) {},
		TrustedProxies: []string{"127.0.0.1"}, Transport: NewTransport(time.Second, time.Minute), MaxBodyBytes: 1 << 10,
		WaitsPerClient: 2}, discard())
	edge := httptest.NewServer(e)
	t.Cleanup(edge.Close)
	t.Cleanup(release) // before edge.Close, which waits for the held requests
	const script, colleague = "198.51.100.7", "203.0.113.9"
	send := func(method, path, client string) answer {
		req, err := http.NewRequest(method, edge.URL+path, strings.NewReader(`{"outcome":"approve"}`))
		if err != nil {
			t.Error(err)
			return answer{}
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("X-Forwarded-For", client)
		resp, err := edge.Client().Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return answer{}
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, header: resp.Header, body: raw}
	}

	held := make(chan answer, 2)
	for i := range 2 {
		go func() {
			held <- send(http.MethodGet, fmt.Sprintf("/api/adjudication/v1/cases/held-%d?wait=10s", i), script)
		}()
	}
	for range 2 {
		<-arrived
	}
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/api/adjudication/v1/cases/c-1?wait=10s"},
		{http.MethodGet, "/api/adjudication/v1/cases/c-1?%77ait=10s"},
		{http.MethodPost, "/api/adjudication/v1/cases/c-1/decision?wait=5s"},
	} {
		a := send(r.method, r.path, script)
		if a.status != http.StatusTooManyRequests {
			t.Fatalf("%s %s from an address holding 2 waits: got %d %q, want 429, not forwarded (the service answers 418)", r.method, r.path, a.status, a.body)
		}
		wantError(t, a, http.StatusTooManyRequests, "too_many_in_flight")
		if a.header.Get("Retry-After") == "" {
			t.Errorf("%s %s refused: got no Retry-After, want seconds", r.method, r.path)
		}
	}
	if a := send(http.MethodGet, "/api/adjudication/v1/cases/c-1", script); a.status != http.StatusTeapot {
		t.Errorf("the same address without wait: got %d %s, want it forwarded (the service's 418)", a.status, a.body)
	}
	if a := send(http.MethodGet, "/api/adjudication/v1/cases/c-1?wait=10s", colleague); a.status != http.StatusTeapot {
		t.Errorf("another address's wait: got %d %s, want it forwarded (the service's 418)", a.status, a.body)
	}

	release()
	for range 2 {
		if a := <-held; a.status != http.StatusTeapot {
			t.Errorf("a held wait once the service answered: got %d %s, want the service's 418", a.status, a.body)
		}
	}
	// The count ends when the forwarded answer has been copied, just
	// after the client has it.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		a := send(http.MethodGet, "/api/adjudication/v1/cases/c-2?wait=10s", script)
		if a.status == http.StatusTeapot {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the address's wait once its held ones were answered: got %d %s, want it forwarded (the service's 418)", a.status, a.body)
		}
	}
}
