package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracing"
	"claims.local/pkg/tracking"
)

// batchSize bounds the obligations one transaction of the executor locks
// and one call to the bank carries (issue 21: a round of due payments costs
// a transaction and a bank call, not one of each per payment).
const batchSize = 32

// ExecuteDue hands every due obligation to the bank and returns how many
// it submitted (Execute of the scheduled ones).
func (s *Service) ExecuteDue(ctx context.Context) (int, error) {
	return s.Execute(ctx, domain.StateScheduled)
}

// CheckSent asks the bank about every sent obligation whose check is due
// and records what it says, and returns how many it checked (Execute of
// the sent ones).
func (s *Service) CheckSent(ctx context.Context) (int, error) {
	return s.Execute(ctx, domain.StateSent)
}

// Check is a time at which to ask the bank about a sent obligation
// (Controls.CheckAt).
type Check struct {
	ObligationID string
	At           time.Time
}

// locker locks a batch of obligations and hands them to prepare, then each
// to work, in one transaction (Repository.Due, Repository.Among).
type locker func(prepare func([]domain.Obligation), work func(context.Context, *domain.Obligation) (Effects, error)) (int, error)

// Execute works through the obligations in states (scheduled, sent) whose
// next attempt is due, a batch at a time (batch), and returns how many it
// handled.
func (s *Service) Execute(ctx context.Context, states ...domain.State) (int, error) {
	done := 0
	for ctx.Err() == nil {
		n, err := s.batch(ctx, func(prepare func([]domain.Obligation), work func(context.Context, *domain.Obligation) (Effects, error)) (int, error) {
			return s.repo.Due(ctx, s.now(), states, batchSize, prepare, work)
		})
		done += n
		if err != nil {
			return done, err
		}
		if n < batchSize {
			return done, ctx.Err()
		}
	}
	return done, nil
}

// ExecuteAmong is Execute of the obligations the executor was told of,
// without a look for what is due first: it pays those of pay still
// scheduled and due (Controls.Scheduled), and asks the bank about those of
// check still sent (at the times the bank's answers set:
// Controls.CheckAt), together, a batch at a time, and returns how many it
// handled. What another instance holds is left to its rounds.
func (s *Service) ExecuteAmong(ctx context.Context, pay, check []string) (int, error) {
	done := 0
	for len(pay)+len(check) > 0 && ctx.Err() == nil {
		p := pay[:min(len(pay), batchSize)]
		c := check[:min(len(check), batchSize-len(p))]
		pay, check = pay[len(p):], check[len(c):]
		n, err := s.batch(ctx, func(prepare func([]domain.Obligation), work func(context.Context, *domain.Obligation) (Effects, error)) (int, error) {
			return s.repo.Among(ctx, s.now(), p, c, prepare, work)
		})
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, ctx.Err()
}

// batch handles the obligations lock takes (scheduled, sent) in one
// transaction, and returns how many it locked. The bank is asked about
// the sent ones in one call while their locks are held, so that two
// instances never act on one answer twice, and their answers are stored
// there; its scheduled ones are marked sent there, so that a crash after
// the bank call leaves a record that the bank must be asked. After the
// commit the ones marked sent go to the bank in one call, made at once or
// handed over (Controls.HandOver), and the answers that say more than
// pending are recorded in one more transaction (a pending answer is not:
// the sent mark already says to ask, and the check is timed from the
// answer: Controls.CheckAt). A transfer the bank never received (the
// process stopped between marking it sent and the call) is submitted again
// under the same key and attempt when it is checked; one whose call this
// process has under way is not asked about (handing): the bank may not
// have it yet, and would be handed it twice. A payment whose payee cannot
// be opened is held (domain.Hold), neither sent nor asked about, and the
// rest of its batch goes on.
func (s *Service) batch(ctx context.Context, lock locker) (int, error) {
	var submitted, held []domain.Obligation
	var asked answers
	var later []Check
	noticed := false
	n, err := lock(func(due []domain.Obligation) {
		// A transaction PostgreSQL failed as a deadlock's victim is run
		// again from its start (postgres.Transaction), prepare with it:
		// what the lost attempt gathered was rolled back and must not
		// reach the bank.
		submitted, held, asked, later, noticed = nil, nil, nil, nil, false
		var sent []domain.Obligation
		for _, o := range due {
			if o.State == domain.StateSent && !s.handing.has(o.ID) {
				sent = append(sent, o)
			}
		}
		if len(sent) > 0 {
			asked = s.ask(ctx, sent)
		}
	}, func(ctx context.Context, o *domain.Obligation) (Effects, error) {
		if _, ok := asked[o.ID]; o.State == domain.StateSent && !ok {
			// Its bank call is under way: its answer, or the check after
			// it, tells.
			return Effects{}, nil
		}
		if o.PayeeUnreadable != "" && !refusedOrPending(*o, asked[o.ID]) {
			o.Hold(s.now())
			held = append(held, *o)
			return Effects{}, nil
		}
		if o.State == domain.StateSent {
			eff, err := s.contain(ctx, o, func() (Effects, error) { return s.record(ctx, o, asked[o.ID]) })
			if c, ok := s.stillPending(*o, asked[o.ID]); ok {
				later = append(later, c)
			}
			noticed = noticed || len(eff.Notices) > 0
			return eff, err
		}
		if err := o.Submit(s.now()); err != nil {
			return Effects{}, err
		}
		submitted = append(submitted, *o)
		return Effects{}, nil
	})
	if err != nil {
		return n, err
	}
	s.checkAt(later)
	s.heldUnreadable(held)
	if noticed {
		s.noticed()
	}
	if len(submitted) == 0 {
		return n, nil
	}
	s.handing.add(submitted)
	call := func() error { return s.submit(ctx, submitted) }
	if s.controls.HandOver == nil {
		return n, call()
	}
	s.controls.HandOver(call)
	return n, nil
}

// handing holds the obligations whose transfers this process is handing
// to the bank: marked sent, the mark committed, the bank's answer not yet
// back. Until it is, a check asks nothing about them (batch).
type handing struct {
	mu  sync.Mutex
	ids map[string]bool
}

func newHanding() *handing { return &handing{ids: map[string]bool{}} }

// add records that os are being handed to the bank.
func (h *handing) add(os []domain.Obligation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, o := range os {
		h.ids[o.ID] = true
	}
}

// done records that the bank's call about os returned.
func (h *handing) done(os []domain.Obligation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, o := range os {
		delete(h.ids, o.ID)
	}
}

// has tells whether obligation id is being handed to the bank.
func (h *handing) has(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ids[id]
}

// stillPending returns the check of sent obligation o at the time the
// bank's answer a now says it settles, when o is left sent by a pending
// answer that states a time still to come. A time passed, or none, is
// left to o's next attempt (domain.Obligation.Pending), so that a bank
// that keeps a transfer pending past its time is not asked in a loop.
func (s *Service) stillPending(o domain.Obligation, a *answer) (Check, bool) {
	if o.State != domain.StateSent || a == nil || a.err != nil || a.transfer.State != TransferPending ||
		a.transfer.Attempt != o.Attempts || !a.transfer.SettlesAt.After(s.now()) {
		return Check{}, false
	}
	return Check{ObligationID: o.ID, At: a.transfer.SettlesAt}, true
}

// checkAt tells Controls.CheckAt of checks, if any.
func (s *Service) checkAt(checks []Check) {
	if len(checks) > 0 && s.controls.CheckAt != nil {
		s.controls.CheckAt(checks)
	}
}

// submit hands the obligations just marked sent to the bank in one call,
// each in a span of its own trace, and records the answers that are not
// pending for the attempt sent. Without an answer the bank may have any of
// them: their check asks.
func (s *Service) submit(ctx context.Context, sent []domain.Obligation) error {
	calls := s.bankCalls(ctx, "bank submit", sent)
	reqs := make([]TransferRequest, len(sent))
	for i, o := range sent {
		reqs[i] = transferOf(o)
	}
	got, err := s.bank.SubmitAll(ctx, reqs)
	// Answered or not, the call is over: a check may ask about them (the
	// checks told below come after this).
	s.handing.done(sent)
	if err == nil {
		err = answersFor(reqs, got)
	}
	calls.end(err)
	now := s.now()
	if err != nil {
		// No answer: the bank may have any of them. Ask soon, as before
		// the checks were timed by the answers.
		checks := make([]Check, len(sent))
		for i, o := range sent {
			checks[i] = Check{ObligationID: o.ID, At: now.Add(domain.FirstCheck)}
		}
		s.checkAt(checks)
		return nil
	}
	var ids []string
	var checks []Check
	byID := map[string]int{}
	for i, o := range sent {
		if got[i].State == TransferPending && got[i].Attempt == o.Attempts {
			checks = append(checks, Check{ObligationID: o.ID, At: settlesAt(got[i], now)})
			continue
		}
		ids = append(ids, o.ID)
		byID[o.ID] = i
	}
	s.checkAt(checks)
	if len(ids) == 0 {
		return nil
	}
	noticed := false
	err = s.repo.UpdateAll(ctx, s.now(), ids, func(ctx context.Context, o *domain.Obligation) (Effects, error) {
		i := byID[o.ID]
		eff, err := s.contain(ctx, o, func() (Effects, error) { return s.apply(ctx, o, sent[i].Attempts, got[i]) })
		stampTrace(calls.ctx[i], eff.Events)
		noticed = noticed || len(eff.Notices) > 0
		return eff, err
	})
	if err == nil && noticed {
		s.noticed()
	}
	return err
}

// settlesAt is when to ask about pending transfer t first: when the bank
// said it settles, else FirstCheck after now, the bank's answer.
func settlesAt(t Transfer, now time.Time) time.Time {
	if t.SettlesAt.IsZero() {
		return now.Add(domain.FirstCheck)
	}
	return t.SettlesAt
}

// contain runs record, which records the bank's answer about o, and when
// it fails for o alone (an answer that cannot be recorded: a success
// without the bank's reference) leaves o as it was, sent, with the error,
// to be asked about again later, so that one payment's fault does not roll
// back the answers of its whole batch, round after round (issue 21). A
// failure of the database aborts the batch's transaction, which then fails
// as a whole when o is stored.
func (s *Service) contain(ctx context.Context, o *domain.Obligation, record func() (Effects, error)) (Effects, error) {
	before := *o
	eff, err := record()
	if err == nil || ctx.Err() != nil {
		return eff, err
	}
	*o = before
	o.LastError = "recording the bank's answer: " + err.Error()
	o.Pending(s.now())
	return Effects{}, nil
}

// heldUnreadable raises the alarm (an error log line, the metric) of each
// payment held because its payee cannot be opened, once per hold
// (domain.PayeeHold): the other payments of its batch went on.
func (s *Service) heldUnreadable(held []domain.Obligation) {
	for _, o := range held {
		if s.controls.Log != nil {
			s.controls.Log.Error("payment held: its payee cannot be opened (a damaged row, or a key missing from PAYOUT_DATA_KEYS); nothing sent to it (again)",
				"obligation_id", o.ID, "claim_id", o.ClaimID, "state", string(o.State), "reason", o.PayeeUnreadable, "retry_at", o.NextAttemptAt)
		}
		if s.controls.PayeeUnreadable != nil {
			s.controls.PayeeUnreadable()
		}
	}
}

// noticed tells the notifier that notices committed (Controls.Noticed).
func (s *Service) noticed() {
	if s.controls.Noticed != nil {
		s.controls.Noticed()
	}
}

// record stores what the bank said of sent obligation o in a check.
func (s *Service) record(ctx context.Context, o *domain.Obligation, a *answer) (Effects, error) {
	if a.resubmitted {
		o.Resubmitted(s.now())
	}
	if a.err != nil {
		o.LastError = "asking the bank: " + a.err.Error()
		o.Pending(s.now())
		return Effects{}, nil
	}
	// The check runs outside any trace: the answer's events carry the
	// obligation's, through the bank call's span.
	eff, err := s.apply(ctx, o, o.Attempts, a.transfer)
	stampTrace(a.ctx, eff.Events)
	return eff, err
}

// refusedOrPending reports whether a, the bank's answer about sent
// obligation o whose payee does not open, can be recorded without the
// payee: the bank has the transfer's current attempt and refused it (the
// payment fails or is retried, and a failed one takes a supplied payee:
// ReplaceUnreadablePayee) or has not settled it yet. Any other answer is
// held (domain.Hold): a transfer the bank never received cannot be sent
// again to an empty account, and a paid one's completion cannot tell
// whether an agent collected for another (R10 is in the payee).
func refusedOrPending(o domain.Obligation, a *answer) bool {
	if o.State != domain.StateSent || a == nil || a.err != nil || a.resubmitted || a.transfer.Attempt != o.Attempts {
		return false
	}
	return a.transfer.State == TransferFailed || a.transfer.State == TransferPending
}

// answer is what the bank said of one obligation in a check, in the
// context of the span of its call.
type answer struct {
	ctx         context.Context
	transfer    Transfer
	err         error
	resubmitted bool
}

// answers are a check's answers by obligation id.
type answers map[string]*answer

// ask asks the bank about the transfers of due in one call, and submits
// again, in one more, those it never received or received only an earlier
// attempt of.
func (s *Service) ask(ctx context.Context, due []domain.Obligation) answers {
	calls := s.bankCalls(ctx, "bank status", due)
	out := answers{}
	keys := make([]string, len(due))
	for i, o := range due {
		keys[i] = o.ID
		out[o.ID] = &answer{ctx: calls.ctx[i]}
	}
	ts, err := s.bank.StatusAll(ctx, keys)
	if err == nil {
		err = answersAbout(keys, ts)
	}
	var again []TransferRequest
	for i, o := range due {
		if err != nil {
			out[o.ID].err = err
			continue
		}
		out[o.ID].transfer = ts[i]
		if (ts[i].State == TransferUnknown || ts[i].Attempt < o.Attempts) && o.PayeeUnreadable == "" {
			again = append(again, transferOf(o))
		}
	}
	if len(again) > 0 {
		rs, err := s.bank.SubmitAll(ctx, again)
		if err == nil {
			err = answersFor(again, rs)
		}
		for i, req := range again {
			a := out[req.IdempotencyKey]
			a.resubmitted = true
			if a.err = err; err == nil {
				a.transfer = rs[i]
			}
		}
	}
	for i, o := range due {
		tracing.End(calls.spans[i], out[o.ID].err)
	}
	return out
}

// answersFor is answersAbout the keys of reqs.
func answersFor(reqs []TransferRequest, ts []Transfer) error {
	keys := make([]string, len(reqs))
	for i, r := range reqs {
		keys[i] = r.IdempotencyKey
	}
	return answersAbout(keys, ts)
}

// answersAbout checks that the bank answered about each of keys, in their
// order. Any other answer is taken as none, so that nothing the bank said
// of one transfer is recorded for another: a refused one as paid (and
// never paid), a paid one as refused (and paid again). The transfers are
// asked about again.
func answersAbout(keys []string, ts []Transfer) error {
	if len(ts) != len(keys) {
		return fmt.Errorf("the bank answered about %d of %d transfers", len(ts), len(keys))
	}
	for i, k := range keys {
		if ts[i].Key != k {
			return fmt.Errorf("the bank's answer %d is about transfer %q, want %q", i+1, ts[i].Key, k)
		}
	}
	return nil
}

// bankCalls are the spans of one call to the bank about several
// obligations: one span each, in the obligation's own trace.
type bankCalls struct {
	ctx   []context.Context
	spans []trace.Span
}

// bankCalls starts a span named name for each of os.
func (s *Service) bankCalls(ctx context.Context, name string, os []domain.Obligation) bankCalls {
	c := bankCalls{ctx: make([]context.Context, len(os)), spans: make([]trace.Span, len(os))}
	for i, o := range os {
		c.ctx[i], c.spans[i] = tracing.Start(tracing.WithTraceParent(ctx, o.TraceParent), name, trace.SpanKindClient,
			o.ClaimID, attribute.String("payout.obligation_id", o.ID), attribute.Int("payout.attempt", o.Attempts))
	}
	return c
}

// end ends the spans with the call's error.
func (c bankCalls) end(err error) {
	for _, span := range c.spans {
		tracing.End(span, err)
	}
}

// stampTrace gives the events that carry no trace context the one of ctx.
func stampTrace(ctx context.Context, evs []events.Outgoing) {
	tp := tracing.TraceParent(ctx)
	for i := range evs {
		if evs[i].Envelope.TraceParent == "" {
			evs[i].Envelope.TraceParent = tp
		}
	}
}

func transferOf(o domain.Obligation) TransferRequest {
	return TransferRequest{IdempotencyKey: o.ID, Attempt: o.Attempts, AmountFen: o.AmountFen, Currency: o.Currency,
		PayeeName: o.Payee.Name, BankName: o.Payee.BankName, AccountNumber: o.Payee.AccountNumber,
		Remark: fmt.Sprintf("理赔款 %s %s", o.PolicyNumber, o.ClaimID)}
}

// apply records the bank's answer t about attempt of o. For an obligation
// another instance already moved on it changes nothing; an answer about
// another attempt is asked again later.
func (s *Service) apply(ctx context.Context, o *domain.Obligation, attempt int, t Transfer) (Effects, error) {
	if o.State != domain.StateSent || o.Attempts != attempt {
		return Effects{}, nil
	}
	now := s.now()
	if t.Attempt != attempt {
		o.Pending(now)
		return Effects{}, nil
	}
	switch t.State {
	case TransferSucceeded:
		settled := t.SettledAt.Truncate(time.Microsecond)
		if settled.IsZero() {
			settled = now
		}
		if err := o.Complete(t.Reference, settled); err != nil {
			return Effects{}, err
		}
		return s.completed(ctx, *o, now)
	case TransferFailed:
		f := t.Failure
		if f == nil {
			f = &BankError{Code: FailureRejected, Permanent: true, Reason: "refused without a reason"}
		}
		if !f.Permanent {
			return Effects{}, o.RetryLater(f.Error(), now)
		}
		// The payment is still owed: its R6 deadline stays open until a
		// handler corrects the payee and the transfer goes through.
		if err := o.Fail(f.Error()); err != nil {
			return Effects{}, err
		}
		evs, err := s.payoutEvent(events.PayoutFailed, *o, "")
		return Effects{Events: evs}, err
	default:
		o.Pending(now)
		return Effects{}, nil
	}
}

// completed is what a completed payment sets off: the finance event, its
// R6 deadline met, and the notices to the payee (R9, tracked from the
// completion) and to the person an agent collected for (R10, counting what
// the same agent collected on the claim before).
func (s *Service) completed(ctx context.Context, o domain.Obligation, now time.Time) (Effects, error) {
	var earlier []domain.Obligation
	if o.CollectsForAnother() {
		var err error
		if earlier, err = s.repo.List(ctx, o.ClaimID, 500); err != nil {
			return Effects{}, err
		}
	}
	evs, err := s.payoutEvent(events.PayoutCompleted, o, "")
	if err != nil {
		return Effects{}, err
	}
	eff := Effects{Events: evs, Steps: []tracking.Step{tracking.Complete(tracking.PaymentSubject(o.ID), deadline.Payment, *o.CompletedAt).
		Proven(domain.PaymentEvidence(o.ID))}}
	notify, err := s.deadline.New(tracking.Spec{ClaimID: o.ClaimID, Subject: tracking.PaymentSubject(o.ID), Rule: deadline.ResultNotification,
		ClockStart: *o.CompletedAt}, now)
	if err != nil {
		return Effects{}, err
	}
	eff.Steps = append(eff.Steps, tracking.Open(notify))
	for _, n := range domain.NoticesOnCompletion(o, earlier, uuid.NewString, now) {
		notice, err := s.notice(n, o)
		if err != nil {
			return Effects{}, err
		}
		eff.Notices = append(eff.Notices, notice)
	}
	return eff, nil
}
