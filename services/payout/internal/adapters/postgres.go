// Package adapters holds payout's PostgreSQL repository and the bank
// simulator.
package adapters

import (
	"bytes"
	"context"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/reveal"
	"claims.local/pkg/reveal/revealpg"
	"claims.local/pkg/sealed"
	"claims.local/pkg/tracing"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists payout's schema: the outbox, the inbox, the deadlines,
// then its own tables.
func Migrations() ([]postgres.Migration, error) {
	return uow.Migrations(migrationFS, "payout", revealpg.Migrations)
}

type obligationRow struct {
	ID                   string `gorm:"primaryKey"`
	ClaimID              string
	CaseID               string
	PolicyNumber         string
	PayoutType           string
	AmountFen            int64
	AgreedAmountFen      int64
	AdvancedFen          int64
	Currency             string
	State                string
	Attempts             int
	LastError            string
	BankReference        string
	PayeeSealed          []byte
	PayeeKeyID           string
	AgreedAt             *time.Time
	ScheduledAt          time.Time
	NextAttemptAt        time.Time
	SentAt               *time.Time
	CompletedAt          *time.Time
	ValueDate            *string
	ReversedAt           *time.Time
	ReversalReason       string
	Replaces             *string
	PayeeCorrectedBy     string
	PayeeCorrectedAt     *time.Time
	Priority             bool
	Ground               string
	CatastropheCode      string
	Parties              []byte
	ConfirmationRequired bool
	PayeeConfirmedBy     string
	PayeeConfirmedAt     *time.Time
	TraceParent          string
}

func (obligationRow) TableName() string { return "obligations" }

// payeeJSON is the plaintext of obligations.payee_sealed.
type payeeJSON struct {
	Name          string      `json:"name"`
	Role          string      `json:"role"`
	BankName      string      `json:"bank_name"`
	AccountNumber string      `json:"account_number"`
	OnBehalfOf    *personJSON `json:"on_behalf_of,omitempty"`
}

type personJSON struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

// payeeAAD binds a sealed payee to its obligation: a box copied to another
// row does not open there.
func payeeAAD(obligationID string) []byte {
	return []byte("payout/obligations/" + obligationID + "/payee")
}

// Obligations is the PostgreSQL implementation of app.Repository. Payees
// are sealed with keys (package sealed) before they reach the database and
// opened when read.
type Obligations struct {
	db       *gorm.DB
	work     *uow.UnitOfWork
	tracker  *tracking.Tracker
	wake     func()
	keys     *sealed.Keyring
	shanghai *time.Location
}

// NewObligations returns the repository; afterCommit (may be nil) wakes the
// outbox relay; deadlines applies the deadline steps.
func NewObligations(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker, keys *sealed.Keyring, shanghai *time.Location) *Obligations {
	wake := afterCommit
	if wake == nil {
		wake = func() {}
	}
	return &Obligations{db: db, work: uow.New(db, deadlines, afterCommit), tracker: deadlines, wake: wake, keys: keys, shanghai: shanghai}
}

// toRow maps o to its row with its payee sealed under the current key.
func (s *Obligations) toRow(o domain.Obligation) (obligationRow, error) {
	r, err := s.plainRow(o)
	if err != nil {
		return obligationRow{}, err
	}
	return r, s.sealPayee(&r, o.ID, o.Payee)
}

// plainRow maps o to its row, its payee left out (payee_sealed and
// payee_key_id empty).
func (s *Obligations) plainRow(o domain.Obligation) (obligationRow, error) {
	r := obligationRow{ID: o.ID, ClaimID: o.ClaimID, CaseID: o.CaseID, PolicyNumber: o.PolicyNumber, PayoutType: string(o.Type),
		AmountFen: o.AmountFen, AgreedAmountFen: o.AgreedAmountFen, AdvancedFen: o.AdvancedFen, Currency: o.Currency,
		State: string(o.State), Attempts: o.Attempts, LastError: o.LastError, BankReference: o.BankReference,
		ScheduledAt: o.ScheduledAt, NextAttemptAt: o.NextAttemptAt, SentAt: o.SentAt, CompletedAt: o.CompletedAt,
		ReversedAt: o.ReversedAt, ReversalReason: o.ReversalReason, PayeeCorrectedBy: o.PayeeCorrectedBy,
		PayeeCorrectedAt: o.PayeeCorrectedAt, Priority: o.Priority, Ground: o.Ground, CatastropheCode: o.CatastropheCode,
		ConfirmationRequired: o.ConfirmationRequired, PayeeConfirmedBy: o.PayeeConfirmedBy, PayeeConfirmedAt: o.PayeeConfirmedAt,
		TraceParent: o.TraceParent}
	parties := o.Parties
	if parties == nil {
		parties = []string{}
	}
	var err error
	if r.Parties, err = json.Marshal(parties); err != nil {
		return obligationRow{}, err
	}
	if !o.AgreedAt.IsZero() {
		t := o.AgreedAt
		r.AgreedAt = &t
	}
	if d := o.ValueDate(s.shanghai); d != "" {
		r.ValueDate = &d
	}
	if o.Replaces != "" {
		r.Replaces = &o.Replaces
	}
	return r, nil
}

// sealPayee seals payee into r under the current key, bound to obligation
// id; a zero payee leaves r without one.
func (s *Obligations) sealPayee(r *obligationRow, id string, payee domain.Payee) error {
	if payee == (domain.Payee{}) {
		return nil
	}
	p := payeeJSON{Name: payee.Name, Role: string(payee.Role), BankName: payee.BankName, AccountNumber: payee.AccountNumber}
	if w := payee.OnBehalfOf; w != nil {
		p.OnBehalfOf = &personJSON{Name: w.Name, Relation: w.Relation}
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if r.PayeeSealed, err = s.keys.Seal(plain, payeeAAD(id)); err != nil {
		return err
	}
	r.PayeeKeyID = s.keys.Current()
	return nil
}

// write stores inside tx what a change did to an obligation locked in tx:
// was is its row as locked, loaded the obligation read from it, o the
// obligation after the change. Only the columns whose values differ from
// was are written, by one UPDATE, none when nothing changed (issue 21: the
// executor wrote every column of each obligation, its payee sealed anew,
// when marking it sent and again when completing it). The payee is sealed
// again only when the change replaced it or its box is under a key other
// than the current one (the lazy reseal every write did); a payee that does
// not open (PayeeUnreadable) stays as it is, for a person to look at and
// the key to open again. The row lock makes was the stored row, so writing
// the difference stores what writing the whole row did.
func (s *Obligations) write(tx *gorm.DB, was obligationRow, loaded, o domain.Obligation) error {
	_, changed, err := s.changes(tx, was, loaded, o)
	if err != nil || len(changed) == 0 {
		return err
	}
	if err := tx.Model(&obligationRow{}).Where("id = ?", o.ID).Updates(changed).Error; err != nil {
		return fmt.Errorf("store obligation: %w", err)
	}
	return nil
}

// changes returns the row write stores for o and its columns that differ
// from was, with their values (none when nothing changed).
func (s *Obligations) changes(tx *gorm.DB, was obligationRow, loaded, o domain.Obligation) (obligationRow, map[string]any, error) {
	row, err := s.plainRow(o)
	if err != nil {
		return obligationRow{}, nil, err
	}
	switch {
	case o.PayeeUnreadable != "" || was.PayeeKeyID == s.keys.Current() && payeesEqual(loaded.Payee, o.Payee):
		row.PayeeSealed, row.PayeeKeyID = was.PayeeSealed, was.PayeeKeyID
	default:
		if err := s.sealPayee(&row, o.ID, o.Payee); err != nil {
			return obligationRow{}, nil, err
		}
	}
	changed, err := changedColumns(tx, was, row)
	return row, changed, err
}

// detached is o with a copy of what its payee points to, so that a change
// of o's payee leaves the copy as loaded.
func detached(o domain.Obligation) domain.Obligation {
	if w := o.Payee.OnBehalfOf; w != nil {
		c := *w
		o.Payee.OnBehalfOf = &c
	}
	return o
}

func payeesEqual(a, b domain.Payee) bool {
	if (a.OnBehalfOf == nil) != (b.OnBehalfOf == nil) || a.OnBehalfOf != nil && *a.OnBehalfOf != *b.OnBehalfOf {
		return false
	}
	a.OnBehalfOf, b.OnBehalfOf = nil, nil
	return a == b
}

// changedColumns returns the columns of obligations whose values in now
// differ from was, with now's values; never id. Times are compared as
// instants (a row read back holds them in another location), parties as
// the JSON array they hold (PostgreSQL's jsonb spaces it its own way).
func changedColumns(tx *gorm.DB, was, now obligationRow) (map[string]any, error) {
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(&obligationRow{}); err != nil {
		return nil, err
	}
	a, b := reflect.ValueOf(was), reflect.ValueOf(now)
	changed := map[string]any{}
	for _, f := range stmt.Schema.Fields {
		if f.DBName == "" || f.DBName == "id" {
			continue
		}
		x, y := a.FieldByIndex(f.StructField.Index).Interface(), b.FieldByIndex(f.StructField.Index).Interface()
		if !sameValue(f.DBName, x, y) {
			changed[f.DBName] = y
		}
	}
	return changed, nil
}

func sameValue(column string, x, y any) bool {
	switch x := x.(type) {
	case time.Time:
		return x.Equal(y.(time.Time))
	case *time.Time:
		y := y.(*time.Time)
		return x == nil && y == nil || x != nil && y != nil && x.Equal(*y)
	case []byte:
		if column == "parties" {
			var p, q []string
			return json.Unmarshal(x, &p) == nil && json.Unmarshal(y.([]byte), &q) == nil && slices.Equal(p, q) && (p == nil) == (q == nil)
		}
		return bytes.Equal(x, y.([]byte))
	}
	return reflect.DeepEqual(x, y)
}

func (s *Obligations) toDomain(r obligationRow) (domain.Obligation, error) {
	o := domain.Obligation{ID: r.ID, ClaimID: r.ClaimID, CaseID: r.CaseID, PolicyNumber: r.PolicyNumber,
		Type: domain.PayoutType(r.PayoutType), AmountFen: r.AmountFen, AgreedAmountFen: r.AgreedAmountFen,
		AdvancedFen: r.AdvancedFen, Currency: r.Currency, State: domain.State(r.State), Attempts: r.Attempts,
		LastError: r.LastError, BankReference: r.BankReference, ScheduledAt: r.ScheduledAt.UTC(),
		NextAttemptAt: r.NextAttemptAt.UTC(), SentAt: postgres.UTC(r.SentAt), CompletedAt: postgres.UTC(r.CompletedAt),
		ReversedAt: postgres.UTC(r.ReversedAt), ReversalReason: r.ReversalReason, PayeeCorrectedBy: r.PayeeCorrectedBy,
		PayeeCorrectedAt: postgres.UTC(r.PayeeCorrectedAt), Priority: r.Priority, Ground: r.Ground, CatastropheCode: r.CatastropheCode,
		ConfirmationRequired: r.ConfirmationRequired, PayeeConfirmedBy: r.PayeeConfirmedBy, PayeeConfirmedAt: postgres.UTC(r.PayeeConfirmedAt),
		TraceParent: r.TraceParent}
	if len(r.Parties) > 0 {
		if err := json.Unmarshal(r.Parties, &o.Parties); err != nil {
			return domain.Obligation{}, fmt.Errorf("parties of obligation %s: %w", r.ID, err)
		}
		if len(o.Parties) == 0 {
			o.Parties = nil
		}
	}
	if r.AgreedAt != nil {
		o.AgreedAt = r.AgreedAt.UTC()
	}
	if r.Replaces != nil {
		o.Replaces = *r.Replaces
	}
	if r.PayeeSealed == nil {
		return o, nil
	}
	p, err := s.openPayee(r)
	if err != nil {
		return domain.Obligation{}, err
	}
	o.Payee = p
	return o, nil
}

// toDue is toDomain for the executor's batch: a payee that does not open
// leaves its obligation with the reason in PayeeUnreadable (to be held)
// instead of failing the whole batch, round after round.
func (s *Obligations) toDue(r obligationRow) (domain.Obligation, error) {
	box := r.PayeeSealed
	r.PayeeSealed = nil
	o, err := s.toDomain(r)
	if err != nil || box == nil {
		return o, err
	}
	r.PayeeSealed = box
	if o.Payee, err = s.openPayee(r); err != nil {
		o.PayeeUnreadable = err.Error()
	}
	return o, nil
}

// openPayee opens the sealed payee of r.
func (s *Obligations) openPayee(r obligationRow) (domain.Payee, error) {
	plain, err := s.keys.Open(r.PayeeSealed, payeeAAD(r.ID))
	if err != nil {
		return domain.Payee{}, fmt.Errorf("open the payee of obligation %s: %w", r.ID, err)
	}
	var p payeeJSON
	if err := json.Unmarshal(plain, &p); err != nil {
		return domain.Payee{}, fmt.Errorf("payee of obligation %s: %w", r.ID, err)
	}
	payee := domain.Payee{Name: p.Name, Role: domain.Role(p.Role), BankName: p.BankName, AccountNumber: p.AccountNumber}
	if p.OnBehalfOf != nil {
		payee.OnBehalfOf = &domain.Person{Name: p.OnBehalfOf.Name, Relation: p.OnBehalfOf.Relation}
	}
	return payee, nil
}

// Schedule stores o once per event, a final payment once per claim among
// the ones not reversed (a unique index) and an advance once per id, with
// the effects decide returns. A zero o stores only the effects of
// decide(nil), if decide is set.
//
// The effects of a new o are asked of decide(nil) before o is stored, and
// when they are events of o's claim, payee changes and deadlines o opens
// (an agreement's or an advance's: the payout-scheduled event, the payee
// set, the R6 clock), they are stored by the statement that stores the
// receipt and o, each only when o is (issue 21: four statements before).
// Otherwise their effects are stored after the statement, as before. When
// o is not stored (a claim's final payment found) decide is asked again
// with the one found; when the event is spent, decide(nil)'s effects are
// dropped: decide must have no effect of its own.
func (s *Obligations) Schedule(ctx context.Context, receipt inbox.Receipt, o domain.Obligation, decide func(existing *domain.Obligation) (app.Effects, error)) (bool, error) {
	return s.schedule(ctx, receipt, o, decide, false)
}

// ScheduleUnlessAdvanced is Schedule, checking in its statement that o's
// claim has no advance obligation: when it has one, the statement stores
// nothing and app.ErrAdvanced is returned.
func (s *Obligations) ScheduleUnlessAdvanced(ctx context.Context, receipt inbox.Receipt, o domain.Obligation, decide func(existing *domain.Obligation) (app.Effects, error)) (bool, error) {
	if o.ID == "" {
		return false, fmt.Errorf("schedule unless advanced: %w", app.ErrAdvanced)
	}
	return s.schedule(ctx, receipt, o, decide, true)
}

func (s *Obligations) schedule(ctx context.Context, receipt inbox.Receipt, o domain.Obligation, decide func(existing *domain.Obligation) (app.Effects, error),
	unlessAdvanced bool) (bool, error) {
	created, together := false, false
	err := s.work.DoAt(ctx, o.ScheduledAt, func(tx *gorm.DB) (tracking.Effects, error) {
		created, together = false, false
		if o.ID == "" {
			first, err := inboxpg.Record(tx, receipt)
			if err != nil || !first || decide == nil {
				return tracking.Effects{}, err
			}
			eff, err := decide(nil)
			if err != nil {
				return tracking.Effects{}, err
			}
			return s.store(tx, eff)
		}
		row, err := s.toRow(o)
		if err != nil {
			return tracking.Effects{}, err
		}
		row.TraceParent = traceOf(tx, row.TraceParent)
		var eff app.Effects
		var decided error
		if decide != nil {
			eff, decided = decide(nil)
		}
		with, ok, err := s.withObligation(tx, o, eff, decided == nil)
		if err != nil {
			return tracking.Effects{}, err
		}
		first, inserted, advanced, err := insertWithReceipt(tx, receipt, row, with, unlessAdvanced)
		if advanced {
			return tracking.Effects{}, app.ErrAdvanced
		}
		if err != nil || !first {
			return tracking.Effects{}, err
		}
		if inserted && ok {
			created, together = true, with.events
			return tracking.Effects{}, nil
		}
		var existing *domain.Obligation
		if !inserted {
			var r obligationRow
			q := tx.Where("claim_id = ? AND payout_type = ? AND state <> 'reversed'", o.ClaimID, string(o.Type))
			if o.Type != domain.PayoutFinal {
				q = tx.Where("id = ?", o.ID)
			}
			if err := q.Take(&r).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("load the obligation of claim %s: %w", o.ClaimID, err)
			}
			e, err := s.toDomain(r)
			if err != nil {
				return tracking.Effects{}, err
			}
			existing = &e
		}
		created = existing == nil
		if existing != nil {
			eff, decided = decide(existing)
		}
		if decided != nil {
			return tracking.Effects{}, decided
		}
		return s.store(tx, eff)
	})
	if err == nil && together && !postgres.AfterCommit(ctx, s.wake) {
		s.wake()
	}
	return created && err == nil, err
}

// effectsArgs are the effects of a new obligation as the JSON arguments
// of insertWithReceipt's statement; events tells whether there are events
// (the outbox relay is woken after the commit).
type effectsArgs struct {
	changes, opens, outbox string
	events                 bool
}

// noEffects stores nothing besides the receipt and the obligation.
var noEffects = effectsArgs{changes: "[]", opens: "[]", outbox: "[]"}

// withObligation returns eff, the effects of o stored new, as the
// arguments of insertWithReceipt's statement, and true, when that
// statement can store them all: events of o's claim, payee changes and
// deadlines o opens. Else (other effects, or decided false: decide failed,
// which fails the change once o is stored) it returns noEffects and false.
func (s *Obligations) withObligation(tx *gorm.DB, o domain.Obligation, eff app.Effects, decided bool) (effectsArgs, bool, error) {
	if !decided || len(eff.Create) > 0 || len(eff.Recoveries) > 0 || len(eff.Notices) > 0 {
		return noEffects, false, nil
	}
	for _, e := range eff.Events {
		if e.Envelope.ClaimID != o.ClaimID {
			return noEffects, false, nil
		}
	}
	opens, ok, err := trackingpg.OpensArg(eff.Steps)
	if err != nil || !ok {
		return noEffects, false, err
	}
	changes, err := payeeChangesArg(eff.PayeeChanges)
	if err != nil {
		return noEffects, false, err
	}
	// Refused here, as outboxpg.Append refuses it, when an event is too
	// large: the change fails with it.
	outbox, err := outboxpg.BatchArg(tx.Statement.Context, eff.Events)
	if err != nil {
		return noEffects, false, err
	}
	return effectsArgs{changes: changes, opens: opens, outbox: outbox, events: len(eff.Events) > 0}, true, nil
}

// insertWithReceipt stores the event's receipt r (inboxpg's row) and row,
// the obligation, inside tx by one statement (issue 21: two before): the
// obligation is inserted only when the receipt is new (or there is none),
// and nothing when row breaks the final payment's partial unique index or
// the advance's primary key (no conflict target: whichever it would
// break). The effects of with (payee changes, deadlines opened, events)
// are inserted only with the obligation. With unlessAdvanced nothing is
// inserted when the obligation's claim has an advance obligation, and
// advanced tells so. first tells whether the receipt was new, inserted
// whether the obligation was stored.
func insertWithReceipt(tx *gorm.DB, r inbox.Receipt, row obligationRow, with effectsArgs, unlessAdvanced bool) (first, inserted, advanced bool, err error) {
	cols, doc, err := rowJSON(tx, row)
	if err != nil {
		return false, false, false, err
	}
	var out struct{ First, Created, Advanced bool }
	err = tx.Raw(`WITH advanced AS (
			SELECT ? AND EXISTS (SELECT 1 FROM obligations WHERE claim_id = ? AND payout_type = ?) AS yes),
		receipt AS (
			INSERT INTO inbox (consumer, event_id, event_type, claim_id, processed_at) SELECT ?, ?, ?, ?, ?
			WHERE ? AND NOT (SELECT yes FROM advanced)
			ON CONFLICT DO NOTHING RETURNING 1),
		created AS (
			INSERT INTO obligations (`+cols+`) SELECT `+cols+` FROM jsonb_populate_record(NULL::obligations, ?::jsonb)
			WHERE (EXISTS (SELECT 1 FROM receipt) OR ?) AND NOT (SELECT yes FROM advanced)
			ON CONFLICT DO NOTHING RETURNING claim_id),
		changes AS (
			INSERT INTO payee_changes (id, obligation_id, claim_id, action, "by", reason, before_masked, after_masked, at)
			SELECT id, obligation_id, claim_id, action, "by", reason, before_masked, after_masked, at
			FROM jsonb_populate_recordset(NULL::payee_changes, ?::jsonb) WHERE EXISTS (SELECT 1 FROM created)
			RETURNING 1),
		opened AS (
			`+trackingpg.InsertOpens("?", "EXISTS (SELECT 1 FROM created)")+`
			RETURNING 1),
		sent AS (
			`+outboxpg.InsertBatch("?", "SELECT claim_id FROM created")+`
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM receipt) OR ? AS first, EXISTS (SELECT 1 FROM created) AS created, (SELECT yes FROM advanced) AS advanced`,
		unlessAdvanced, row.ClaimID, string(domain.PayoutAdvance),
		r.Consumer, r.EventID, r.EventType, r.ClaimID, time.Now().UTC(), !r.IsZero(), doc, r.IsZero(),
		with.changes, with.opens, with.outbox, r.IsZero()).Scan(&out).Error
	if err != nil {
		return false, false, false, fmt.Errorf("schedule obligation: %w", err)
	}
	return out.First, out.Created, out.Advanced, nil
}

// rowJSON returns the columns of obligations that obligationRow maps,
// quoted and joined, and row as one JSON object of those columns, as
// jsonb_populate_record reads them: times as RFC 3339 with their
// fraction, the sealed payee as bytea's hex text, parties as the JSON
// array it holds, NULL for nil. Times are cut to the microsecond, as pgx
// sends them (PostgreSQL would round a longer fraction written as text).
func rowJSON(tx *gorm.DB, row obligationRow) (string, []byte, error) {
	cols, doc, err := rowDoc(tx, row)
	if err != nil {
		return "", nil, err
	}
	raw, err := json.Marshal(doc)
	return strings.Join(cols, ", "), raw, err
}

// rowDoc returns the quoted columns of row's table that row (a row struct
// of gorm's, such as obligationRow) maps, and row as the JSON object of
// rowJSON.
func rowDoc(tx *gorm.DB, row any) ([]string, map[string]any, error) {
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(row); err != nil {
		return nil, nil, err
	}
	v := reflect.ValueOf(row)
	cols := make([]string, 0, len(stmt.Schema.Fields))
	doc := make(map[string]any, len(stmt.Schema.Fields))
	for _, f := range stmt.Schema.Fields {
		if f.DBName == "" {
			continue
		}
		cols = append(cols, `"`+f.DBName+`"`)
		switch x := v.FieldByIndex(f.StructField.Index).Interface().(type) {
		case time.Time:
			doc[f.DBName] = x.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
		case *time.Time:
			if x == nil {
				doc[f.DBName] = nil
			} else {
				doc[f.DBName] = x.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
			}
		case []byte:
			switch {
			case x == nil:
				doc[f.DBName] = nil
			case f.DBName == "parties":
				doc[f.DBName] = json.RawMessage(x)
			default:
				doc[f.DBName] = `\x` + hex.EncodeToString(x)
			}
		default:
			doc[f.DBName] = x
		}
	}
	return cols, doc, nil
}

// store stores the effects of a change that are payout's own inside tx
// (new obligations, notices, recoveries) and returns its events and
// deadline steps for the unit of work to store with them.
func (s *Obligations) store(tx *gorm.DB, eff app.Effects) (tracking.Effects, error) {
	for _, r := range eff.Recoveries {
		ids, err := json.Marshal(r.ObligationIDs)
		if err != nil {
			return tracking.Effects{}, err
		}
		row := recoveryRow{ID: r.ID, ClaimID: r.ClaimID, ObligationIDs: ids, AmountFen: r.AmountFen, Reason: r.Reason,
			CatastropheCode: r.CatastropheCode, PolicyNumber: r.PolicyNumber, RecordedAt: r.RecordedAt}
		if err := tx.Create(&row).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("store recovery: %w", err)
		}
	}
	for _, o := range eff.Create {
		row, err := s.toRow(o)
		if err != nil {
			return tracking.Effects{}, err
		}
		row.TraceParent = traceOf(tx, row.TraceParent)
		if err := tx.Create(&row).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("create obligation: %w", err)
		}
	}
	if err := storePayeeChanges(tx, eff.PayeeChanges); err != nil {
		return tracking.Effects{}, err
	}
	for _, n := range eff.Notices {
		row, err := toNoticeRow(n)
		if err != nil {
			return tracking.Effects{}, err
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("store notice: %w", err)
		}
	}
	return tracking.Effects{Events: eff.Events, Steps: eff.Steps}, nil
}

// txKey is the context key of the transaction changeAll hands its works
// (a *held): the repository's reads under it (List) run in that
// transaction.
type txKey struct{}

// read is the connection of the reads under ctx: the transaction of a
// change's work, else the pool. In the transaction it first stores the
// writes held back (held.flush), so that the read sees what the works
// before stored.
func (s *Obligations) read(ctx context.Context) (*gorm.DB, error) {
	if h, ok := ctx.Value(txKey{}).(*held); ok {
		if err := h.flush(); err != nil {
			return nil, err
		}
		return h.tx.WithContext(ctx), nil
	}
	return s.db.WithContext(ctx), nil
}

// changeAll locks the obligations lock finds inside one transaction and
// their claims (lockClaims), reads them with toDomain, hands them to
// prepare (when set, even when none was found), then runs work on each in
// turn and stores the result with its effects. The payee is sealed again
// with the current key on every write (a lazy re-seal). It returns how
// many were locked.
//
// The obligations' changed columns, their notices, payee changes and
// events are held back (held) and stored together by one statement at the
// end (issue 21's fifteenth round: an UPDATE and an INSERT of its notice
// for each completion, and one for the events, before), or before what
// must see them: a read under the work's context (List: the R10 count
// reads the claim's other payments), and the new obligations and
// recoveries of a work (a replacement, unique per claim, stored after the
// payment it replaces was reversed). The deadline steps of all the works
// are decided after them, as the unit of work decided them, and their
// write joins that statement (held.step).
//
// A lock that took the claims' locks itself, in its statement
// (withClaimLocks), says so by claimsLocked.
func (s *Obligations) changeAll(ctx context.Context, now time.Time, lock func(tx *gorm.DB, rows *[]obligationRow) error, claimsLocked bool,
	prepare func([]domain.Obligation), work func(context.Context, *domain.Obligation) (app.Effects, error), toDomain func(obligationRow) (domain.Obligation, error)) (int, error) {
	locked, announced := 0, false
	err := s.work.DoAt(ctx, now, func(tx *gorm.DB) (tracking.Effects, error) {
		announced = false
		var rows []obligationRow
		if err := lock(tx, &rows); err != nil {
			return tracking.Effects{}, fmt.Errorf("lock obligations: %w", err)
		}
		locked = len(rows)
		if !claimsLocked {
			if err := lockClaims(tx, rows); err != nil {
				return tracking.Effects{}, err
			}
		}
		list, err := postgres.FromRows(rows, toDomain)
		if err != nil {
			return tracking.Effects{}, err
		}
		// prepare sees every attempt, an empty one too: a transaction
		// run again after a deadlock (postgres.Transaction) may find
		// nothing left, and what the lost attempt prepared is dropped.
		if prepare != nil {
			prepare(slices.Clone(list))
		}
		if len(list) == 0 {
			return tracking.Effects{}, nil
		}
		h := &held{tx: tx}
		wctx := context.WithValue(ctx, txKey{}, h)
		var steps []tracking.Step
		for i := range list {
			loaded := detached(list[i])
			eff, err := work(wctx, &list[i])
			if err != nil {
				return tracking.Effects{}, err
			}
			row, changed, err := s.changes(tx, rows[i], loaded, list[i])
			if err != nil {
				return tracking.Effects{}, err
			}
			h.change(row, changed)
			if len(eff.Create) > 0 || len(eff.Recoveries) > 0 {
				if err := h.flush(); err != nil {
					return tracking.Effects{}, err
				}
				if _, err := s.store(tx, app.Effects{Create: eff.Create, Recoveries: eff.Recoveries, PayeeChanges: eff.PayeeChanges, Notices: eff.Notices}); err != nil {
					return tracking.Effects{}, err
				}
			} else if err := h.hold(eff.Notices, eff.PayeeChanges); err != nil {
				return tracking.Effects{}, err
			}
			h.events = append(h.events, eff.Events...)
			steps = append(steps, eff.Steps...)
		}
		if err := h.step(s.tracker, now, steps); err != nil {
			return tracking.Effects{}, err
		}
		if err := h.flush(); err != nil {
			return tracking.Effects{}, err
		}
		announced = h.announced
		return tracking.Effects{}, nil
	})
	// The events were stored by held's statement, not the unit of work's:
	// the relay is woken here, after the commit (the consumer's batch's,
	// within one).
	if err == nil && announced && !postgres.AfterCommit(ctx, s.wake) {
		s.wake()
	}
	return locked, err
}

// lockClaims takes the transaction's advisory lock of each claim of rows,
// in the order of the claim ids (so that two batches sharing claims never
// wait for each other in a circle). A completion reads the claim's other
// payments in its transaction to count what one agent collected (R10):
// without the lock two instances completing two payments of one claim at
// once each read before the other wrote, and neither tells the person
// collected for. With it the second waits for the first to commit and
// reads its completion. It costs one statement per transaction.
func lockClaims(tx *gorm.DB, rows []obligationRow) error {
	claims := make([]string, len(rows))
	for i, r := range rows {
		claims[i] = r.ClaimID
	}
	if err := postgres.LockKeys(tx, claimLockSpace, claims); err != nil {
		return fmt.Errorf("lock the claims of obligations: %w", err)
	}
	return nil
}

// claimLockSpace names the claims' advisory locks (postgres.LockKeys).
const claimLockSpace = "payout.claim"

// withClaimLocks is the locking read lockingRead (a SELECT of obligations
// … FOR UPDATE SKIP LOCKED) that then takes, in the same statement, the
// claims' locks of the rows it locked, as lockClaims does after it: the
// same keys (postgres.LockKey of claimLockSpace and the claim id)
// in the same order (the ids' bytes, as Go sorts them: COLLATE "C"), so
// that it and lockClaims never wait for each other in a circle. The rows
// come out in order. One statement a round instead of two (issue 21's
// fourteenth round).
func withClaimLocks(lockingRead, order string) string {
	return `WITH locked AS MATERIALIZED (` + lockingRead + `),
		claims AS MATERIALIZED (SELECT pg_advisory_xact_lock(` + postgres.LockKey(`'`+claimLockSpace+`'`, `claim_id`) + `)
			FROM (SELECT DISTINCT claim_id COLLATE "C" AS claim_id FROM locked ORDER BY 1) c)
		SELECT locked.* FROM locked WHERE (SELECT count(*) FROM claims) >= 0 ORDER BY ` + order
}

// Due locks up to limit due obligations in states, priority ones (a
// catastrophe's advances, R8) first, then those that waited longest, with
// FOR UPDATE SKIP LOCKED, so that several instances never work on the same
// one at once. One whose payee does not open is handed over with
// PayeeUnreadable set (toDue), its sealed payee kept as it is.
//
// The read walks the index obligations_due in its order and stops after
// limit rows. That index holds the scheduled and sent obligations only, so
// the read is planned at each run with its states as values
// (postgres.PlannedEachTime): a plan made for the states as a parameter
// cannot tell that they are among the index's, and reads and sorts every
// due obligation of a surge's backlog for each batch (issue 21;
// TestTheExecutorsDueReadStopsAfterItsBatchOverALargeBacklog).
//
// It first looks, by one statement outside any transaction, whether any
// obligation is due: most of the executor's rounds find none (it looks
// every 250 ms and whenever a payment is scheduled), and a transaction to
// lock none cost three statements (issue 21). The look takes no lock and
// decides nothing: an obligation committed after it is the next round's,
// as one committed after the locking read is, and one the look finds is
// locked, or skipped when another instance holds it, by the read in the
// transaction as before.
func (s *Obligations) Due(ctx context.Context, now time.Time, states []domain.State, limit int, prepare func([]domain.Obligation),
	work func(context.Context, *domain.Obligation) (app.Effects, error)) (int, error) {
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = string(st)
	}
	// The look names its states in its text, so that each set of states
	// is a statement of its own whose kept plan walks obligations_due (its
	// states among the index's): planned at each run, as the locking read
	// is, its planning cost PostgreSQL 0.3 ms a look, a hundred times the
	// look's own time.
	var due bool
	if err := s.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM obligations WHERE state IN (`+stateList(states)+`) AND next_attempt_at <= ?)`, now).
		Row().Scan(&due); err != nil {
		return 0, fmt.Errorf("look for due obligations: %w", err)
	}
	if !due {
		if prepare != nil {
			prepare(nil)
		}
		return 0, nil
	}
	return s.changeAll(ctx, now, func(tx *gorm.DB, rows *[]obligationRow) error {
		return tx.Raw(withClaimLocks(`SELECT * FROM obligations WHERE state = ANY($1::text[]) AND next_attempt_at <= $2
			ORDER BY priority DESC, next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`, "priority DESC, next_attempt_at, id"),
			postgres.PlannedEachTime(names, now, limit)...).Scan(rows).Error
	}, true, prepare, work, s.toDue)
}

// Among locks, with FOR UPDATE SKIP LOCKED, those of the obligations pay
// still scheduled and due at now (a retry's back-off holds) and those of
// check still sent, whatever their next attempt (a check timed by the
// bank's answer comes before the one the sent mark stores,
// domain.UnansweredCheck), that no other instance holds. It is Due
// without the look: the executor runs it for obligations it was told of
// (one just scheduled, a transfer the bank said has settled), which are
// there to take (issue 21's fourteenth round: the look was a statement
// more for each of these rounds). The read goes by the primary key.
func (s *Obligations) Among(ctx context.Context, now time.Time, pay, check []string, prepare func([]domain.Obligation),
	work func(context.Context, *domain.Obligation) (app.Effects, error)) (int, error) {
	return s.changeAll(ctx, now, func(tx *gorm.DB, rows *[]obligationRow) error {
		return tx.Raw(withClaimLocks(`SELECT * FROM obligations
			WHERE id = ANY($1::text[]) AND state = 'scheduled' AND next_attempt_at <= $3 OR id = ANY($2::text[]) AND state = 'sent'
			ORDER BY priority DESC, next_attempt_at, id FOR UPDATE SKIP LOCKED`, "priority DESC, next_attempt_at, id"), nonNil(pay), nonNil(check), now).Scan(rows).Error
	}, true, prepare, work, s.toDue)
}

// nonNil is ids, or an empty list for none: a nil slice travels as NULL.
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// stateList returns states as a list of SQL string literals. A state is
// one of domain's constants, but a state that is not a lower-case word is
// written as one that matches no row rather than put into the text.
func stateList(states []domain.State) string {
	out := make([]string, len(states))
	for i, st := range states {
		name := string(st)
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_") != "" {
			name = "none"
		}
		out[i] = "'" + name + "'"
	}
	return strings.Join(out, ", ")
}

// UpdateAll locks the obligations ids in the order of their ids, waiting
// for another holder to finish.
func (s *Obligations) UpdateAll(ctx context.Context, now time.Time, ids []string, work func(context.Context, *domain.Obligation) (app.Effects, error)) error {
	_, err := s.changeAll(ctx, now, func(tx *gorm.DB, rows *[]obligationRow) error {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id IN ?", ids).Order("id").Find(rows).Error
	}, false, nil, work, s.toDomain)
	return err
}

// Update locks obligation id, waiting for another holder to finish.
func (s *Obligations) Update(ctx context.Context, id string, now time.Time, change func(*domain.Obligation) (app.Effects, error)) (domain.Obligation, error) {
	return s.update(ctx, id, now, change, s.toDomain)
}

// UpdateHeld is Update of an obligation whose payee may not open: change
// gets it with PayeeUnreadable set (toDue) instead of an error, and a
// payee it leaves unreadable stays sealed as it was.
func (s *Obligations) UpdateHeld(ctx context.Context, id string, now time.Time, change func(*domain.Obligation) (app.Effects, error)) (domain.Obligation, error) {
	return s.update(ctx, id, now, change, s.toDue)
}

func (s *Obligations) update(ctx context.Context, id string, now time.Time, change func(*domain.Obligation) (app.Effects, error),
	toDomain func(obligationRow) (domain.Obligation, error)) (domain.Obligation, error) {
	var out domain.Obligation
	n, err := s.changeAll(ctx, now, func(tx *gorm.DB, rows *[]obligationRow) error {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Find(rows).Error
	}, false, nil, func(_ context.Context, o *domain.Obligation) (app.Effects, error) {
		eff, err := change(o)
		out = *o
		return eff, err
	}, toDomain)
	if err == nil && n == 0 {
		return domain.Obligation{}, errNoObligation(id)
	}
	return out, err
}

// recoveryRow is an amount a claimant owes back.
type recoveryRow struct {
	ID              string `gorm:"primaryKey"`
	ClaimID         string
	ObligationIDs   []byte `gorm:"column:obligation_ids"`
	AmountFen       int64
	Reason          string
	CatastropheCode string
	PolicyNumber    string
	RecordedAt      time.Time
}

func (recoveryRow) TableName() string { return "recoveries" }

// Advances returns the advance obligations of a claim, oldest first. One
// whose payee does not open comes with PayeeUnreadable set (toDue): what
// is read of the advances is their amounts and states, and a damaged
// advance must not stop its claim's final payment from being scheduled.
func (s *Obligations) Advances(ctx context.Context, claimID string) ([]domain.Obligation, error) {
	var rows []obligationRow
	if err := s.db.WithContext(ctx).Where("claim_id = ? AND payout_type = ?", claimID, string(domain.PayoutAdvance)).
		Order("scheduled_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("advances of claim %s: %w", claimID, err)
	}
	return postgres.FromRows(rows, s.toDue)
}

func (s *Obligations) toDomains(rows []obligationRow) ([]domain.Obligation, error) {
	return postgres.FromRows(rows, s.toDomain)
}

// SettleAdvances locks the advance obligations of a claim, waiting for an
// executor that holds one, lets work change them, and stores them with
// the effects and receipt, in one transaction.
func (s *Obligations) SettleAdvances(ctx context.Context, receipt inbox.Receipt, claimID string, work func([]*domain.Obligation) (app.Effects, error)) error {
	return s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		first, err := inboxpg.Record(tx, receipt)
		if err != nil || !first {
			return tracking.Effects{}, err
		}
		var rows []obligationRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("claim_id = ? AND payout_type = ?", claimID, string(domain.PayoutAdvance)).
			Order("scheduled_at, id").Find(&rows).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("lock the advances of claim %s: %w", claimID, err)
		}
		// An advance whose payee does not open is settled all the same
		// (cancelled, or owed back), its sealed payee kept as it was.
		list, err := postgres.FromRows(rows, s.toDue)
		if err != nil {
			return tracking.Effects{}, err
		}
		ptrs := make([]*domain.Obligation, len(list))
		for i := range list {
			ptrs[i] = &list[i]
		}
		loaded := make([]domain.Obligation, len(list))
		for i, o := range list {
			loaded[i] = detached(o)
		}
		eff, err := work(ptrs)
		if err != nil {
			return tracking.Effects{}, err
		}
		for i, o := range list {
			if err := s.write(tx, rows[i], loaded[i], o); err != nil {
				return tracking.Effects{}, fmt.Errorf("store advance: %w", err)
			}
		}
		return s.store(tx, eff)
	})
}

// errNoObligation is the answer about an obligation id that does not exist.
func errNoObligation(id string) error {
	return apperr.New(apperr.NotFound, "no payment obligation with id %q", id)
}

// Get returns one obligation.
func (s *Obligations) Get(ctx context.Context, id string) (domain.Obligation, error) {
	var row obligationRow
	if err := postgres.Take(s.db.WithContext(ctx).Where("id = ?", id), &row, errNoObligation(id), "obligation"); err != nil {
		return domain.Obligation{}, err
	}
	return s.toDue(row)
}

// Reveal reads obligation id, decrypts its payee and records the reveal in
// the same transaction.
func (s *Obligations) Reveal(ctx context.Context, id string, record func(domain.Obligation) (reveal.Reveal, error)) (domain.Obligation, error) {
	var o domain.Obligation
	err := postgres.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		var row obligationRow
		err := postgres.Take(tx.Where("id = ?", id), &row, errNoObligation(id), "obligation")
		if err != nil {
			return err
		}
		if o, err = s.toDomain(row); err != nil {
			return err
		}
		r, err := record(o)
		if err != nil {
			return err
		}
		return revealpg.Record(tx, r)
	})
	return o, err
}

// newest finds into rows up to limit (1 to 500, else 100) rows ordered by
// the time column newest first, of one claim when claimID is set, through
// read(ctx).
func (s *Obligations) newest(ctx context.Context, rows any, column, claimID string, limit int) error {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	db, err := s.read(ctx)
	if err != nil {
		return err
	}
	q := db.Order(column + " DESC, id").Limit(limit)
	if claimID != "" {
		q = q.Where("claim_id = ?", claimID)
	}
	return q.Find(rows).Error
}

// List returns obligations, newest first, of one claim when claimID is set;
// under the context of a change's work it reads in that change's
// transaction. One whose payee does not open comes with PayeeUnreadable
// set (toDue), so that it holds no other payment's completion
// (domain.AgentCollectedFen counts it).
func (s *Obligations) List(ctx context.Context, claimID string, limit int) ([]domain.Obligation, error) {
	var rows []obligationRow
	if err := s.newest(ctx, &rows, "scheduled_at", claimID, limit); err != nil {
		return nil, fmt.Errorf("list obligations: %w", err)
	}
	return postgres.FromRows(rows, s.toDue)
}

// Reconciliation counts and sums per day and payout type, in one statement:
// completed payouts by value date, and returned ones by the Asia/Shanghai
// date of their return.
func (s *Obligations) Reconciliation(ctx context.Context, p domain.Period) ([]domain.DayTotal, error) {
	var rows []struct {
		Day            string
		PayoutType     string
		CompletedCount int64
		CompletedFen   int64
		ReversedCount  int64
		ReversedFen    int64
	}
	err := s.db.WithContext(ctx).Raw(`WITH c AS (
			SELECT value_date AS day, payout_type, count(*) AS n, sum(amount_fen)::bigint AS fen FROM obligations
			WHERE value_date BETWEEN CAST(@from AS date) AND CAST(@to AS date) GROUP BY 1, 2),
		r AS (
			SELECT (reversed_at AT TIME ZONE 'Asia/Shanghai')::date AS day, payout_type, count(*) AS n, sum(amount_fen)::bigint AS fen
			FROM obligations WHERE reversed_at >= @start AND reversed_at < @end GROUP BY 1, 2)
		SELECT to_char(COALESCE(c.day, r.day), 'YYYY-MM-DD') AS day, COALESCE(c.payout_type, r.payout_type) AS payout_type,
			COALESCE(c.n, 0) AS completed_count, COALESCE(c.fen, 0) AS completed_fen,
			COALESCE(r.n, 0) AS reversed_count, COALESCE(r.fen, 0) AS reversed_fen
		FROM c FULL OUTER JOIN r ON c.day = r.day AND c.payout_type = r.payout_type
		ORDER BY 1, 2`,
		map[string]any{"from": p.From.Format(time.DateOnly), "to": p.To.Format(time.DateOnly), "start": p.From.UTC(), "end": p.End().UTC()}).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reconciliation: %w", err)
	}
	out := make([]domain.DayTotal, len(rows))
	for i, r := range rows {
		out[i] = domain.DayTotal{Date: r.Day, Type: domain.PayoutType(r.PayoutType), CompletedCount: r.CompletedCount,
			CompletedFen: r.CompletedFen, ReversedCount: r.ReversedCount, ReversedFen: r.ReversedFen}
	}
	return out, nil
}

// Reseal seals up to limit payees whose key is not the current one again
// with it, skipping rows another instance holds.
func (s *Obligations) Reseal(ctx context.Context, limit int) (int, error) {
	n := 0
	err := postgres.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		var rows []obligationRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).Select("id", "payee_sealed").
			Where("payee_sealed IS NOT NULL AND payee_key_id <> ?", s.keys.Current()).Order("id").Limit(limit).Find(&rows).Error; err != nil {
			return fmt.Errorf("find payees to reseal: %w", err)
		}
		for _, r := range rows {
			box, err := s.keys.Reseal(r.PayeeSealed, payeeAAD(r.ID))
			if err != nil {
				return fmt.Errorf("reseal the payee of obligation %s: %w", r.ID, err)
			}
			if err := tx.Model(&obligationRow{}).Where("id = ?", r.ID).
				Updates(map[string]any{"payee_sealed": box, "payee_key_id": s.keys.Current()}).Error; err != nil {
				return fmt.Errorf("store resealed payee: %w", err)
			}
		}
		n = len(rows)
		return nil
	})
	return n, err
}

// traceOf is the trace context a new obligation keeps: its own if it has
// one, else that of the transaction creating it.
func traceOf(tx *gorm.DB, own string) string {
	if own != "" || tx.Statement.Context == nil {
		return own
	}
	return tracing.TraceParent(tx.Statement.Context)
}
