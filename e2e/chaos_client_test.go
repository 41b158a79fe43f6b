package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi/apitest"
)

// chaosClaim is one claim of the chaos run: what the test chose for it and
// what the services answered.
type chaosClaim struct {
	n         int
	policy    string
	incident  time.Time
	amountFen int64
	// key is the Idempotency-Key of the report request.
	key string

	reportID, claimID string
	began, paid       time.Time
}

// chaosClaims makes n claims, each of its own policy, with distinct
// incident dates and amounts, so that intake links none of them to another
// and every payment can be told apart.
func chaosClaims(n int) []*chaosClaim {
	incident := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	out := make([]*chaosClaim, n)
	for i := range out {
		out[i] = &chaosClaim{n: i, policy: fmt.Sprintf("P-CHAOS-%06d", i), incident: incident.Add(-time.Duration(i%300) * 24 * time.Hour),
			amountFen: 100_000 + int64(i)*7 + 1, key: fmt.Sprintf("chaos-report-%06d", i)}
	}
	return out
}

// chaosClient drives claims through the services' HTTP APIs while they are
// being killed: every request is tried again, with backoff, while the
// service cannot answer (no connection, a timeout, a 5xx), and every step
// that finds its effect already there (its first answer was lost) checks
// that the effect is the one it asked for and goes on.
type chaosClient struct {
	sys  *system
	http *http.Client

	signer *auth.Signer
	mu     sync.Mutex
	token  string
	signed time.Time

	// retries counts requests tried again; replays the steps found already
	// done, by step.
	retries atomic.Int64
	replays sync.Map
}

// newChaosClient returns a client of sys signed in with every role.
func newChaosClient(sys *system) (*chaosClient, error) {
	keys, err := auth.ParseKeys(sys.authKeys)
	if err != nil {
		return nil, err
	}
	return &chaosClient{sys: sys, signer: auth.NewSigner(keys[0], time.Hour),
		http: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}, nil
}

// bearer returns a token of every role, signed again every 20 minutes so
// that a long run never sends an expired one.
func (c *chaosClient) bearer() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" || time.Since(c.signed) > 20*time.Minute {
		token, err := c.signer.Issue(apitest.Everyone(), time.Now())
		if err != nil {
			return "", err
		}
		c.token, c.signed = token, time.Now()
	}
	return c.token, nil
}

// replayed counts a step found already done.
func (c *chaosClient) replayed(step string) {
	n, _ := c.replays.LoadOrStore(step, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// replaySummary lists the steps found already done, as "step n, ...".
func (c *chaosClient) replaySummary() string {
	var parts []string
	c.replays.Range(func(k, v any) bool {
		parts = append(parts, fmt.Sprintf("%s %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// chaosRequest is one API call: it ends when the service answers one of
// the statuses in want.
type chaosRequest struct {
	method, url string
	body        any
	headers     []string
	want        []int
	// out, when not nil, receives the JSON answer.
	out any
}

// errUnavailable marks an attempt the service could not answer.
var errUnavailable = errors.New("service unavailable")

// do sends r until the service answers one of r.want, retrying with
// backoff while it cannot answer, and returns the status and the headers.
// Any other answer is an error retrying cannot mend.
func (c *chaosClient) do(ctx context.Context, r chaosRequest) (int, http.Header, error) {
	backoff := 100 * time.Millisecond
	for {
		status, header, raw, err := c.once(ctx, r)
		switch {
		case err == nil && slices.Contains(r.want, status):
			if r.out != nil && len(raw) > 0 {
				if err := json.Unmarshal(raw, r.out); err != nil {
					return status, header, fmt.Errorf("%s %s: decode %q: %w", r.method, r.url, raw, err)
				}
			}
			return status, header, nil
		case err == nil && status < 500:
			return status, header, fmt.Errorf("%s %s: got %d %s, want one of %v", r.method, r.url, status, raw, r.want)
		case err == nil:
			err = fmt.Errorf("%w: %d %s", errUnavailable, status, raw)
		}
		c.retries.Add(1)
		if !sleepCtx(ctx, backoff) {
			return 0, nil, fmt.Errorf("%s %s: still failing when the run's time was up: %w", r.method, r.url, err)
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// once makes one attempt of r.
func (c *chaosClient) once(ctx context.Context, r chaosRequest) (int, http.Header, []byte, error) {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return 0, nil, nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return 0, nil, nil, err
	}
	token, err := c.bearer()
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(r.headers); i += 2 {
		req.Header.Set(r.headers[i], r.headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// poll calls r every interval until done says the answer is the one awaited.
func (c *chaosClient) poll(ctx context.Context, r chaosRequest, interval time.Duration, done func(status int) (bool, error)) error {
	for {
		status, _, err := c.do(ctx, r)
		if err != nil {
			return err
		}
		if ok, err := done(status); ok || err != nil {
			return err
		}
		if !sleepCtx(ctx, interval) {
			return fmt.Errorf("%s %s: not there when the run's time was up", r.method, r.url)
		}
	}
}

// drive takes a claim from the report to the claimant's agreement: report
// (with an Idempotency-Key), every checklist item satisfied, claim request,
// the case awaited, approval of the claim's amount, agreement.
func (c *chaosClient) drive(ctx context.Context, cl *chaosClaim) error {
	cl.began = time.Now()
	steps := []struct {
		name string
		run  func(context.Context, *chaosClaim) error
	}{{"report", c.report}, {"checklist", c.satisfy}, {"claim request", c.requestClaim}, {"case", c.awaitCase},
		{"decision", c.decide}, {"agreement", c.agree}}
	for _, s := range steps {
		if err := s.run(ctx, cl); err != nil {
			return fmt.Errorf("claim %d (%s, claim id %q) at the %s: %w", cl.n, cl.policy, cl.claimID, s.name, err)
		}
	}
	return nil
}

// report files the claim's incident report with its Idempotency-Key; a
// retry whose first attempt took effect gets that report back.
func (c *chaosClient) report(ctx context.Context, cl *chaosClaim) error {
	var r intakeReport
	_, header, err := c.do(ctx, chaosRequest{method: http.MethodPost, url: c.sys.url("intake", "/v1/reports"),
		body: map[string]any{"policy_number": cl.policy, "insured_name": "王五", "incident_type": "medical",
			"incident_time": cl.incident.Format(time.RFC3339), "reporter": map[string]string{"name": "王五", "role": "insured"}},
		headers: []string{"Idempotency-Key", cl.key}, want: []int{http.StatusCreated}, out: &r})
	if err != nil {
		return err
	}
	if r.ID == "" || r.ClaimID == "" || r.Linked {
		return fmt.Errorf("got report %q of claim %q (linked %v), want a new report", r.ID, r.ClaimID, r.Linked)
	}
	if header.Get("Idempotent-Replayed") == "true" {
		c.replayed("report answered from its idempotency key")
	}
	cl.reportID, cl.claimID = r.ID, r.ClaimID
	return nil
}

// satisfy marks every missing checklist item satisfied; an item found
// satisfied already (409) was satisfied by an attempt whose answer was lost.
func (c *chaosClient) satisfy(ctx context.Context, cl *chaosClaim) error {
	for {
		var r intakeReport
		if _, _, err := c.do(ctx, chaosRequest{method: http.MethodGet, url: c.sys.url("intake", "/v1/reports/"+cl.reportID),
			want: []int{http.StatusOK}, out: &r}); err != nil {
			return err
		}
		if len(r.Checklist.Missing) == 0 {
			return nil
		}
		for _, item := range r.Checklist.Missing {
			status, _, err := c.do(ctx, chaosRequest{method: http.MethodPost,
				url:  c.sys.url("intake", "/v1/reports/"+cl.reportID+"/checklist/items/"+item+"/satisfy"),
				body: map[string]string{"reason": "原件已在柜面核验 (chaos e2e)"}, want: []int{http.StatusCreated, http.StatusConflict}})
			if err != nil {
				return err
			}
			if status == http.StatusConflict {
				c.replayed("checklist item found satisfied")
			}
		}
	}
}

// requestClaim makes the claim request; 200 means it was made before.
func (c *chaosClient) requestClaim(ctx context.Context, cl *chaosClaim) error {
	var r intakeReport
	status, _, err := c.do(ctx, chaosRequest{method: http.MethodPost, url: c.sys.url("intake", "/v1/reports/"+cl.reportID+"/claim-request"),
		want: []int{http.StatusCreated, http.StatusOK}, out: &r})
	if err != nil {
		return err
	}
	if status == http.StatusOK {
		c.replayed("claim request found made")
	}
	if r.HandedOverAt == nil {
		return fmt.Errorf("got the claim request not handed over to adjudication, want it handed over (checklist complete %v, missing %v)",
			r.Checklist.Complete, r.Checklist.Missing)
	}
	return nil
}

// chaosCase is the part of adjudication's case the chaos test reads.
type chaosCase struct {
	State    string `json:"state"`
	Decision *struct {
		Outcome     string     `json:"outcome"`
		AmountFen   int64      `json:"amount_fen"`
		EffectiveAt *time.Time `json:"effective_at"`
	} `json:"decision"`
	Agreement *struct {
		AmountFen int64 `json:"amount_fen"`
	} `json:"agreement"`
}

// awaitCase waits until adjudication has opened the claim's case from the
// claim request.
func (c *chaosClient) awaitCase(ctx context.Context, cl *chaosClaim) error {
	return c.poll(ctx, chaosRequest{method: http.MethodGet, url: c.sys.url("adjudication", "/v1/cases/"+cl.claimID),
		want: []int{http.StatusOK, http.StatusNotFound}}, 250*time.Millisecond, func(status int) (bool, error) {
		return status == http.StatusOK, nil
	})
}

// decide approves the claim's amount on one line.
func (c *chaosClient) decide(ctx context.Context, cl *chaosClaim) error {
	body := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense",
		"claimed_fen": cl.amountFen, "approved_fen": cl.amountFen}}, "acknowledge_unknown": acknowledgement}
	return c.caseStep(ctx, cl, "/decision", body, "decision found made", func(k chaosCase) error {
		if d := k.Decision; d == nil || d.Outcome != "approve" || d.AmountFen != cl.amountFen || d.EffectiveAt == nil {
			return fmt.Errorf("decision refused (409) and the case holds decision %+v, want the approval of %d fen in effect", d, cl.amountFen)
		}
		return nil
	})
}

// agree records the claimant's agreement to the claim's amount.
func (c *chaosClient) agree(ctx context.Context, cl *chaosClaim) error {
	body := map[string]any{"agreed_by": "王五", "channel": "signed_form", "payee": map[string]any{
		"name": "王五", "role": "insured", "bank_name": "中国建设银行", "account_number": "6217000010001234567"}}
	return c.caseStep(ctx, cl, "/agreement", body, "agreement found recorded", func(k chaosCase) error {
		if a := k.Agreement; a == nil || a.AmountFen != cl.amountFen {
			return fmt.Errorf("agreement refused (409) and the case holds agreement %+v, want one to %d fen", a, cl.amountFen)
		}
		return nil
	})
}

// caseStep posts body to path under the claim's case. A 409 is an earlier
// attempt that took effect though its answer was lost: found checks, on
// the case as it is, that the effect is the one asked for, and the step
// counts as found done.
func (c *chaosClient) caseStep(ctx context.Context, cl *chaosClaim, path string, body any, step string, found func(chaosCase) error) error {
	status, _, err := c.do(ctx, chaosRequest{method: http.MethodPost, url: c.sys.url("adjudication", "/v1/cases/"+cl.claimID+path),
		body: body, want: []int{http.StatusOK, http.StatusConflict}})
	if err != nil || status == http.StatusOK {
		return err
	}
	var k chaosCase
	if _, _, err := c.do(ctx, chaosRequest{method: http.MethodGet, url: c.sys.url("adjudication", "/v1/cases/"+cl.claimID),
		want: []int{http.StatusOK}, out: &k}); err != nil {
		return err
	}
	if err := found(k); err != nil {
		return err
	}
	c.replayed(step)
	return nil
}

// paid reports whether payout completed the claim's payment.
func (c *chaosClient) paid(ctx context.Context, cl *chaosClaim) (bool, error) {
	var list struct {
		Obligations []struct {
			State string `json:"state"`
		} `json:"obligations"`
	}
	if _, _, err := c.do(ctx, chaosRequest{method: http.MethodGet, url: c.sys.url("payout", "/v1/obligations?claim_id="+cl.claimID),
		want: []int{http.StatusOK}, out: &list}); err != nil {
		return false, err
	}
	for _, o := range list.Obligations {
		if o.State == "completed" {
			return true, nil
		}
	}
	return false, nil
}

// chaosRun is the outcome of driving the claims.
type chaosRun struct {
	agreed, paid atomic.Int64
	mu           sync.Mutex
	errs         []error
}

// failed records a claim whose flow could not go on.
func (r *chaosRun) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// run drives claims with workers at once to the agreement, and watches
// payout until each is paid. It returns when every claim is paid or has
// failed, or ctx ends; run.paid counts the claims paid as they are.
func (c *chaosClient) run(ctx context.Context, claims []*chaosClaim, workers int, run *chaosRun) {
	jobs := make(chan *chaosClaim)
	agreed := make(chan *chaosClaim, len(claims))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for cl := range jobs {
				if err := c.drive(ctx, cl); err != nil {
					run.failed(err)
					continue
				}
				run.agreed.Add(1)
				agreed <- cl
			}
		}()
	}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		c.watch(ctx, agreed, run)
	}()
	for _, cl := range claims {
		jobs <- cl
	}
	close(jobs)
	wg.Wait()
	close(agreed)
	<-watched
}

// watch asks payout about the agreed claims, oldest first, about twice a
// second, until each is paid, agreed is closed and drained, or ctx ends. A
// round ends early after 20 claims in a row not paid yet, which spares
// payout a long backlog's worth of questions.
func (c *chaosClient) watch(ctx context.Context, agreed <-chan *chaosClaim, run *chaosRun) {
	var pending []*chaosClaim
	open := true
	for open || len(pending) > 0 {
		// Take what was agreed since the last round.
	take:
		for open {
			select {
			case cl, ok := <-agreed:
				if !ok {
					open = false
					break take
				}
				pending = append(pending, cl)
			default:
				break take
			}
		}
		var still []*chaosClaim
		unpaid := 0
		for i, cl := range pending {
			if unpaid == 20 {
				still = append(still, pending[i:]...)
				break
			}
			paid, err := c.paid(ctx, cl)
			switch {
			case err != nil:
				run.failed(fmt.Errorf("claim %d (%s, claim id %s) awaiting payment: %w", cl.n, cl.policy, cl.claimID, err))
			case paid:
				cl.paid = time.Now()
				run.paid.Add(1)
				unpaid = 0
			default:
				still = append(still, cl)
				unpaid++
			}
		}
		pending = still
		if !sleepCtx(ctx, 500*time.Millisecond) {
			for _, cl := range pending {
				run.failed(fmt.Errorf("claim %d (%s, claim id %s): not paid when the run's time was up", cl.n, cl.policy, cl.claimID))
			}
			return
		}
	}
}
