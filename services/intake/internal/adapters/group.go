package adapters

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/tracing"
)

// Group commit of new reports (issue 21). Reports filed at the same time
// are stored by one statement, in its own transaction: it reads which of
// their incidents have an open report, inserts the others and their outbox
// rows, and commits (one round trip for the group instead of five for each
// report: BEGIN, the lock, the insert, the outbox row, COMMIT). Each request
// is answered only after that commit (durability as before: no answer
// before the commit, and the checklist in that answer, R1), and the
// reports and their events commit together or not at all, as in the unit
// of work.
//
// Only what needs no choice goes in a group: a report with no idempotency
// key, no link choice, one event and no deadline steps, whose incident has
// no open report (issue 20's possible-duplicate rule). Everything else,
// and every report of a group that could not be stored, is stored alone
// by Reports.Create's own transaction, which applies the rule in full:
//   - a report of an incident with an open report goes alone (it is a
//     possible duplicate: the person is asked first, or it is linked);
//   - the second report of one incident in the same group goes alone after
//     the group committed, so that it finds the first as its candidate;
//   - a report whose incident a concurrent report stored first (the unique
//     index of open incidents, ON CONFLICT DO NOTHING) goes alone;
//   - when the statement fails (a report the database refuses, a cut-off
//     connection), nothing was stored and each report of the group is
//     stored alone: one bad report fails by itself.
//
// A statement that fails after its rows came back failed at its commit: its
// error is answered to every report it stored, as a failed commit is for
// one report, for whether it took effect is unknown. (A connection lost
// before the rows came back after a commit that did take effect leaves the
// reports stored; stored alone again they are answered as possible
// duplicates of themselves, never stored twice.)
const (
	// groupSize is the most reports one group statement stores.
	groupSize = 64
	// groupWriters is how many group statements run at once: while some
	// wait on the database, the next gather the reports that came
	// meanwhile. Two of intake's ten connections: since a report names
	// its checklist rather than carrying a copy, a group's statement is
	// cheap enough that two writers, making groups about twice as large,
	// file as many reports a second as four and spend less CPU on each,
	// in intake and PostgreSQL; one makes larger groups still, but files
	// fewer (issue 21, README).
	groupWriters = 2
	// groupTimeout bounds a group statement, which runs without the
	// cancellation of the request that writes it: one cut off before its
	// commit stored nothing, and its reports are stored alone.
	groupTimeout = 30 * time.Second
)

// groupEntry is one report waiting for a group commit.
type groupEntry struct {
	row reportRow
	// checklist is the report's, which row names; list is it encoded.
	checklist domain.ChecklistTemplate
	list      encodedChecklist
	event     events.Outgoing
	// done is closed once the entry is answered: out and err are set, or
	// alone tells the caller to store the report by itself.
	done  chan struct{}
	out   app.Created
	err   error
	alone bool
	// lead is set (under the group's mutex) while the entry's caller is
	// one of the writers; wake tells a waiting caller it was made one.
	lead bool
	wake chan struct{}
}

// groupCommit gathers concurrent reports into groups. It has no
// goroutine of its own: the callers write. The first callers, up to
// groupWriters, each take what waits and store it until their own report is
// answered, then hand their turn to the oldest report still waiting (or
// give it up when none waits), so no caller writes for others for long and
// nothing waits without a writer.
type groupCommit struct {
	write func(ctx context.Context, batch []*groupEntry)

	mu      sync.Mutex
	queue   []*groupEntry
	writers int
}

// store puts e in a group and waits until it is answered.
func (g *groupCommit) store(ctx context.Context, e *groupEntry) {
	e.done, e.wake = make(chan struct{}), make(chan struct{}, 1)
	g.mu.Lock()
	g.queue = append(g.queue, e)
	if g.writers < groupWriters {
		g.writers++
		e.lead = true
		e.wake <- struct{}{}
	}
	g.mu.Unlock()
	for {
		select {
		case <-e.done:
			g.mu.Lock()
			if e.lead {
				g.handOn(e)
			}
			g.mu.Unlock()
			return
		case <-e.wake:
			g.lead(ctx, e)
		}
	}
}

// lead writes groups of what waits until e is answered. The groups are
// written without ctx's cancellation (they hold other callers' reports),
// each within groupTimeout.
func (g *groupCommit) lead(ctx context.Context, e *groupEntry) {
	for {
		select {
		case <-e.done:
			return
		default:
		}
		g.mu.Lock()
		n := min(len(g.queue), groupSize)
		batch := append([]*groupEntry(nil), g.queue[:n]...)
		g.queue = g.queue[n:]
		g.mu.Unlock()
		if n == 0 {
			// e is in another writer's group.
			<-e.done
			return
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
		g.write(wctx, batch)
		cancel()
	}
}

// handOn passes e's writer turn to the oldest waiting report that is not a
// writer already (handed a turn it has not woken up to take yet), or gives
// it up when none waits. The caller holds g.mu. Each entry is handed one
// turn at most, so its wake never blocks.
func (g *groupCommit) handOn(e *groupEntry) {
	e.lead = false
	for _, next := range g.queue {
		if !next.lead {
			next.lead = true
			next.wake <- struct{}{}
			return
		}
	}
	g.writers--
}

// incident is what the possible-duplicate rule compares: policy, insured,
// incident type and incident date.
type incident struct {
	policy, insured, kind, date string
}

func (in incident) compare(o incident) int {
	return cmp.Or(cmp.Compare(in.policy, o.policy), cmp.Compare(in.insured, o.insured), cmp.Compare(in.kind, o.kind), cmp.Compare(in.date, o.date))
}

func incidentOf(r reportRow) incident {
	in := incident{policy: r.PolicyNumber, insured: r.InsuredName, kind: r.IncidentType}
	if r.IncidentDate != nil {
		in.date = *r.IncidentDate
	}
	return in
}

// storeGroup stores a group of new reports and their events with one
// statement and answers each (see the group commit above).
func (s *Reports) storeGroup(ctx context.Context, batch []*groupEntry) {
	defer func() {
		for _, e := range batch {
			close(e.done)
		}
	}()
	// The second report of an incident in the group goes alone, after the
	// group: it must find the first (issue 20's possible-duplicate rule).
	seen := map[incident]bool{}
	var group []*groupEntry
	for _, e := range batch {
		in := incidentOf(e.row)
		if seen[in] || e.row.IncidentDate == nil {
			e.alone = true
			continue
		}
		seen[in] = true
		group = append(group, e)
	}
	if len(group) == 0 {
		return
	}
	// Concurrent groups insert in one order of incidents, so that two
	// holding the same two incidents wait on each other's index entries
	// in turn rather than deadlock.
	slices.SortFunc(group, func(a, b *groupEntry) int { return incidentOf(a.row).compare(incidentOf(b.row)) })
	stored, committed, err := s.storeNew(ctx, group)
	switch {
	case err != nil && !committed:
		// Nothing was stored: one report may have spoilt the statement,
		// so each is stored alone and a bad one fails by itself, with its
		// checklist's body (should the statement have failed for want of
		// a checklist thought stored).
		for _, e := range group {
			e.alone = true
			s.lists.forget(e.list.id)
		}
	case err != nil:
		// The commit failed: whether it took effect is unknown.
		for _, e := range stored {
			e.err = err
		}
	default:
		// Every checklist the group named is stored now: the statement
		// stored the new ones, or found them stored, and committed.
		for _, e := range group {
			s.lists.remember(e.list.id)
		}
		if len(stored) > 0 {
			s.afterCommit()
		}
	}
}

// storeNew stores the reports of group whose incident has no open report,
// with their events, in one statement, its own transaction, and sets their
// answers; the others it marks alone. It returns the entries it stored.
// committed is false when the statement failed, which stored nothing; an
// error with committed true is one at or after the commit, whose outcome
// is unknown.
func (s *Reports) storeNew(ctx context.Context, group []*groupEntry) (stored []*groupEntry, committed bool, err error) {
	db := s.db.WithContext(ctx)
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(&reportRow{}); err != nil {
		return nil, false, err
	}
	var columns []string
	for _, f := range stmt.Schema.Fields {
		if f.DBName != "" {
			columns = append(columns, f.DBName)
		}
	}
	reports := []byte{'['}
	evs := make([]events.Outgoing, len(group))
	for i, e := range group {
		if i > 0 {
			reports = append(reports, ',')
		}
		reports = appendReportJSON(reports, &e.row)
		evs[i] = e.event
	}
	reports = append(reports, ']')
	// The checklists of the group not known to be stored, once each.
	lists := []byte{'['}
	sent := map[string]bool{}
	for _, e := range group {
		if sent[e.list.id] || s.lists.known(e.list.id) {
			continue
		}
		sent[e.list.id] = true
		if len(lists) > 1 {
			lists = append(lists, ',')
		}
		lists = append(append(append(append(lists, `{"id":"`...), e.list.id...), `","body":`...), e.list.body...)
		lists = append(lists, '}')
	}
	lists = append(lists, ']')
	outbox, err := outboxpg.BatchArg(ctx, evs)
	if err != nil {
		return nil, false, err
	}
	cols := strings.Join(columns, ", ")
	// new: the reports; lists: the checklists they name not known to be
	// stored (the reports' foreign key checks, at the end of the
	// statement, that each is); open: those of an incident with an open
	// report (issue 20: they go alone, to be asked about or linked);
	// stored: the others, less those a concurrent report of the same
	// incident was stored before (the unique index of open incidents);
	// sent: their events. The ids stored come back once the statement ran
	// to completion, and the end of them after its commit.
	//
	// open looks up each report's incident by its policy's reports, a
	// probe per report through intake_open_report_exists (migration 0015),
	// whose plan is an index lookup however the table has grown since the
	// connection prepared the statement: PostgreSQL keeps one generic plan
	// for it, and a plan made while the table was nearly empty scanned all
	// of it for every group of a surge (issue 21,
	// TestAGroupLooksUpItsReportsIncidentsWithoutReadingTheTableAfterItGrew).
	// Planning the statement at each run instead, as the ninth round did,
	// cost PostgreSQL a third of the statement's time.
	query := `WITH new AS (
	SELECT * FROM jsonb_populate_recordset(NULL::incident_reports, $1::jsonb) WITH ORDINALITY
), lists AS (
	INSERT INTO checklists (id, body) SELECT l.id, l.body FROM jsonb_to_recordset($2::jsonb) AS l(id text, body jsonb)
	ON CONFLICT (id) DO NOTHING
	RETURNING 1
), open AS (
	SELECT n.id FROM new n WHERE intake_open_report_exists(n.policy_number, n.insured_name, n.incident_type, n.incident_date)
), stored AS (
	INSERT INTO incident_reports (` + cols + `) SELECT ` + cols + ` FROM new WHERE id NOT IN (SELECT id FROM open) ORDER BY ordinality
	ON CONFLICT (policy_number, insured_name, incident_type, incident_date)
		WHERE incident_date IS NOT NULL AND claim_closed_at IS NULL AND distinct_from = '' DO NOTHING
	RETURNING *
), sent AS (
	` + outboxpg.InsertBatch("$3", "SELECT claim_id FROM stored") + `
	RETURNING 1
)
SELECT id FROM stored WHERE (SELECT count(*) FROM sent) >= 0 AND (SELECT count(*) FROM lists) >= 0`
	res, err := db.Raw(query, string(reports), string(lists), outbox).Rows()
	if err != nil {
		return nil, false, fmt.Errorf("store a group of reports: %w", err)
	}
	defer res.Close()
	byID := make(map[string]*groupEntry, len(group))
	for _, e := range group {
		byID[e.row.ID] = e
	}
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return stored, true, fmt.Errorf("read a group of reports: %w", err)
		}
		e, ok := byID[id]
		if !ok {
			return stored, true, fmt.Errorf("store a group of reports: got report %s back, which it did not hold", id)
		}
		// The report as stored is its row: every time is already to the
		// microsecond, as the database keeps it, and the checklist is the
		// one the row names.
		if e.out.File.Report, err = e.row.toDomain(); err != nil {
			return stored, true, err
		}
		e.out.File.Report.Checklist = e.checklist
		stored = append(stored, e)
	}
	if err := res.Err(); err != nil {
		return stored, len(stored) > 0, fmt.Errorf("store a group of reports: %w", err)
	}
	for _, e := range group {
		if e.out.File.Report.ID == "" {
			e.alone = true
		}
	}
	return stored, true, nil
}

// newGroupEntry returns the entry of report r announced by event. The
// event takes the traceparent of ctx, the request's, unless it carries one:
// the group's statement runs in the trace of whichever request wrote it.
func (s *Reports) newGroupEntry(ctx context.Context, r domain.IncidentReport, event events.Outgoing) (*groupEntry, error) {
	row, list, err := s.rowOf(r)
	if err != nil {
		return nil, err
	}
	if event.Envelope.TraceParent == "" {
		event.Envelope.TraceParent = tracing.TraceParent(ctx)
	}
	return &groupEntry{row: row, checklist: r.Checklist, list: list, event: event}, nil
}
