// Package app holds intake's use cases: take an incident report and give
// its guidance checklist (the simplified one of the catastrophe fast
// channel when the incident matches an active catastrophe), store and read
// the supporting documents, let a handler correct a reading or mark an item
// satisfied, send the notice of missing documents, receive the claim
// request, and hand the claim to adjudication once it is complete.
package app

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/catastrophe"
	"claims.local/pkg/clock"
	"claims.local/pkg/deadline"
	"claims.local/pkg/document"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/redact"
	"claims.local/pkg/reveal"
	"claims.local/pkg/sealed"
	"claims.local/pkg/tracing"
	"claims.local/pkg/tracking"
)

// Producer is the source name of intake's events.
const Producer = "intake"

// Repository stores claim files: a report with its documents, waivers and
// notices. Every change is stored with its effects (events in the outbox,
// deadline steps) in one transaction.
type Repository interface {
	// Create stores a new report with its effects. It stores nothing new
	// when key was used before (Replayed: the answer given then) or when
	// an open report of the same policy, insured, incident type and
	// incident date exists (its claim neither rejected nor paid): then, as
	// domain.ResolveLink decides with choice, the report is linked to that
	// one (Linked, by recorded as who entered it, its description and
	// amount kept on the link), or nothing is stored and the open report
	// is answered as Candidate for the person to confirm (issue 20).
	Create(ctx context.Context, r domain.IncidentReport, key *IdempotencyKey, eff tracking.Effects, by string, choice domain.LinkChoice) (Created, error)
	// CloseClaim records that a report's claim was rejected, withdrawn or
	// paid, once per event (receipt), so that no new report is linked to it.
	CloseClaim(ctx context.Context, receipt inbox.Receipt, c domain.Closure) error
	Get(ctx context.Context, id string) (domain.ClaimFile, error)
	// GetByClaim returns the claim file of a claim number.
	GetByClaim(ctx context.Context, claimID string) (domain.ClaimFile, error)
	// Update loads a claim file under a lock, applies change and stores
	// the result with the effects change returns.
	Update(ctx context.Context, id string, change func(*domain.ClaimFile) (tracking.Effects, error)) (domain.ClaimFile, error)
	// TakeDocument takes the document that has waited longest to be read,
	// for lease (see domain.Document): pending ones, and ones whose reader
	// let its lease run out (a crash). ok is false when none waits.
	TakeDocument(ctx context.Context, now time.Time, lease time.Duration) (job DocumentJob, ok bool, err error)
}

// IdempotencyKey is a client's Idempotency-Key, scoped to the principal
// that sent it, with the SHA-256 of the request it came with.
type IdempotencyKey struct {
	Principal   string
	Key         string
	RequestHash string
}

// Created is the outcome of Create.
type Created struct {
	File domain.ClaimFile
	// Linked is set when the report matched an open one, whose file File
	// is: nothing new was stored.
	Linked bool
	// Replayed is set when the idempotency key was used before: File and
	// Linked are the answer given then.
	Replayed bool
	// Candidate is the open report of the same incident when the person
	// entering the report must choose first (domain.AskFirst): nothing
	// was stored, and File is empty.
	Candidate *domain.ClaimFile
}

// DocumentJob is a document taken for reading: Attempt is the take, which
// the reader must quote when it records what it read.
type DocumentJob struct {
	DocumentID string
	ReportID   string
	SHA256     string
	Attempt    int
}

// Checklists resolves the guidance checklist of an incident type and a
// product, and the simplified variant of the catastrophe fast channel.
type Checklists interface {
	Resolve(kind domain.IncidentType, product string) (domain.ChecklistTemplate, error)
	FastChannel(kind domain.IncidentType) (domain.ChecklistTemplate, error)
}

// Catastrophes finds the active catastrophe that covers an incident at
// place (an administrative division code), at incidentTime, of
// incidentType (R8): the registry each instance keeps of the catastrophes
// topic, loaded before the service takes traffic.
type Catastrophes interface {
	Match(place string, incidentTime time.Time, incidentType string) (catastrophe.Catastrophe, bool)
}

// Files stores uploaded files by the SHA-256 of their bytes.
type Files interface {
	// Put stores data and returns its SHA-256 in hex; storing the same
	// bytes again changes nothing.
	Put(ctx context.Context, data []byte) (string, error)
	Get(ctx context.Context, sha256 string) ([]byte, error)
	// Reseal seals every file stored under an old data key again with the
	// current one and returns how many it rewrote (issue 17).
	Reseal(ctx context.Context) (int, error)
}

// Reader checks and reads documents.
type Reader interface {
	// Probe checks an upload against the limits (size, format, pages,
	// pixels) without reading its text; refusals are apperr errors.
	Probe(ctx context.Context, data []byte) (document.Media, int, error)
	// Read recognises a document's text and what it says.
	Read(ctx context.Context, data []byte) (domain.Reading, error)
	// Limits returns the limits Probe checks.
	Limits() document.Limits
	// RenderPage returns page n (from 1) of a stored upload of the given
	// media as an image a browser shows, and its media type; the caller
	// checks n against the document's page count.
	RenderPage(ctx context.Context, data []byte, media document.Media, n int) ([]byte, string, error)
}

// Deps are what the use cases run on.
type Deps struct {
	Repo       Repository
	Checklists Checklists
	Files      Files
	Reader     Reader
	// Catastrophes finds the active catastrophe a report matches; nil when
	// the instance follows none (every report takes the normal path).
	Catastrophes Catastrophes
	Tracker      *tracking.Tracker
	Topics       events.Topics
	Now          func() time.Time
	// WakeReaders tells the document readers of this instance that a
	// document waits; nil when there are none.
	WakeReaders func()
	// ReadLease is how long a reader holds a document before another may
	// take it (10 minutes when zero): longer than reading the largest
	// document accepted takes.
	ReadLease time.Duration
	// Reveals records every reveal of a document's personal data (R11,
	// issue 17); without it nothing is revealed.
	Reveals Reveals
	// UploadSlots is how many uploads this instance reads and checks at
	// once (2 when zero), and UploadWait how long another waits for a slot
	// (3 s when zero) before it is refused as overloaded: each holds up to
	// the document limit in memory and decodes pages of up to
	// document.Limits.MaxDecodeBytes, so this bounds intake's memory.
	UploadSlots int
	UploadWait  time.Duration
	// UploadsPerCaller is how many uploads of one caller this instance
	// takes at once, from the first byte spooled to the answer (4 when
	// zero): every upload beyond is refused at once (CallerUpload), so one
	// account cannot fill the spool's disk nor queue ahead of everyone for
	// the UploadSlots (red team, session 13).
	UploadsPerCaller int
	// UploadSpoolBytes bounds the bytes this instance holds in upload
	// spool files at once, over all callers (DefaultUploadSpoolBytes when
	// zero): an upload reserves the most its spool may take before its
	// body is read (SpoolRoom), and one for which there is no room left is
	// refused at once. UploadsPerCaller alone left the spools' disk at
	// callers × UploadsPerCaller × the upload limit (session 16).
	UploadSpoolBytes int64
	// Payees seals the payee a claimant gives with an advance agreement
	// for payout's public key (issue 19, R11): intake never keeps the
	// account in clear. Without it no advance agreement is taken.
	// SignalKey is adjudication's key of the accounts' keyed hashes (the
	// fraud signals); without it the hash is not sent and adjudication
	// leaves the claim to a person.
	Payees    *sealed.Sealer
	SignalKey []byte
	// Fingerprints make the keyed fingerprints of a bank card's account
	// and of a payee's account and name for the claim (R11), which
	// adjudication and payout compare under the same keys.
	Fingerprints *bankaccount.Fingerprints
	// Requests signs the claim requests handed to adjudication with
	// intake's own key, in the transaction that stores them in the outbox
	// (the attack review of issue 19): adjudication opens no case on a
	// request intake did not sign. Without it no claim is handed over.
	Requests Signer
	// Holders is the payee's bank's account-holder verification, asked at
	// the claim request for an advance payee (issue 19); nil asks nobody,
	// and every payee is unverified. HolderTimeout bounds its answer
	// (defaultHolderTimeout when zero).
	Holders       HolderVerifier
	HolderTimeout time.Duration
	// HandOvers is the record of hand-overs and adjudication's receipts
	// of them (red team, session 17; HandOverWatch), Receipts verifies
	// that a receipt was signed by adjudication (its public keys, the
	// value of INTAKE_TRUSTED_CALENDAR_KEYS), and HandOverConfirmWithin
	// is how long after a hand-over its receipt may come
	// (INTAKE_HANDOVER_CONFIRM_WITHIN; DefaultHandOverConfirmWithin when
	// zero).
	HandOvers             HandOvers
	Receipts              Verifier
	HandOverConfirmWithin time.Duration
}

// Signer signs an event's envelope (package signing).
type Signer interface {
	Sign(e events.Envelope) (events.Envelope, error)
}

// Reveals stores the record of a reveal (package revealpg).
type Reveals interface {
	Record(ctx context.Context, r reveal.Reveal) error
}

// DefaultUploadSpoolBytes is Deps.UploadSpoolBytes when it is zero: a
// dozen uploads of unknown length at the default 20 MiB limit, hundreds
// of the size a scan has.
const DefaultUploadSpoolBytes = 256 << 20

// Service is intake's application layer.
type Service struct {
	d     Deps
	slots chan struct{}
	// inFlight counts the uploads of each caller being taken, and spooled
	// the bytes reserved for their spool files (under mu); a caller
	// without an upload has no entry.
	mu       sync.Mutex
	inFlight map[string]int
	spooled  int64
}

// NewService returns the use cases over deps. The clock is read to the
// microsecond, the precision PostgreSQL keeps, so that a time in an answer
// or an event equals the one read back later.
func NewService(deps Deps) *Service {
	now := deps.Now
	deps.Now = clock.Micro(now)
	if deps.WakeReaders == nil {
		deps.WakeReaders = func() {}
	}
	if deps.ReadLease <= 0 {
		deps.ReadLease = 10 * time.Minute
	}
	if deps.UploadSlots <= 0 {
		deps.UploadSlots = 2
	}
	if deps.UploadWait <= 0 {
		deps.UploadWait = 3 * time.Second
	}
	if deps.HolderTimeout <= 0 {
		deps.HolderTimeout = defaultHolderTimeout
	}
	if deps.UploadsPerCaller <= 0 {
		deps.UploadsPerCaller = 4
	}
	if deps.UploadSpoolBytes <= 0 {
		deps.UploadSpoolBytes = DefaultUploadSpoolBytes
	}
	return &Service{d: deps, slots: make(chan struct{}, deps.UploadSlots), inFlight: map[string]int{}}
}

// CallerUpload counts an upload of caller as in flight until release is
// called, or refuses it at once (apperr.TooManyInFlight, 429 with
// Retry-After) when caller has UploadsPerCaller in flight on this instance
// already. Take it before the body is read: a caller's uploads then hold at
// most UploadsPerCaller spool files and places in the queue for the slots,
// and other callers keep theirs. The count is the instance's: n replicas
// take n×UploadsPerCaller of one caller.
func (s *Service) CallerUpload(caller string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight[caller] >= s.d.UploadsPerCaller {
		return nil, apperr.New(apperr.TooManyInFlight, "%d uploads of yours are being taken; send this one when one of them is answered", s.d.UploadsPerCaller)
	}
	s.inFlight[caller]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.inFlight[caller]--; s.inFlight[caller] <= 0 {
				delete(s.inFlight, caller)
			}
		})
	}, nil
}

// SpoolRoom reserves size bytes of the instance's upload spools until
// release is called, or refuses the upload at once (apperr.Overloaded, 503
// with Retry-After) when the spools would then hold more than
// UploadSpoolBytes. Take it after CallerUpload and before the body is
// read, with size the most the upload's spool file may take: the files
// spooled at once then hold at most UploadSpoolBytes, however many callers
// send them, and a refused upload has stored nothing.
func (s *Service) SpoolRoom(size int64) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spooled+size > s.d.UploadSpoolBytes {
		return nil, apperr.New(apperr.Overloaded, "this instance is receiving as many uploads as its spools hold at once (%d MiB); send this one again in a moment",
			s.d.UploadSpoolBytes>>20)
	}
	s.spooled += size
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.spooled -= size
		})
	}, nil
}

// UploadSlot takes one of the instance's upload slots, waiting up to
// UploadWait, and returns its release. Take it once the upload is spooled
// to disk and before it is read into memory: at most UploadSlots uploads are
// then in memory and decoded at once, and a slow sender holds none.
// A full house is apperr.Overloaded (503 with Retry-After).
func (s *Service) UploadSlot(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(s.d.UploadWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-t.C:
		return nil, apperr.New(apperr.Overloaded, "%d uploads are being checked; send this one again in a moment", cap(s.slots))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ReportIncident validates a report, gives it the guidance checklist of
// its incident type and product (R1, at once, in the same answer) and
// stores and announces it, unless key was used before or the incident was
// already reported (see Repository.Create). by is who entered it. A report
// whose place, date and incident type match an active catastrophe takes the
// fast channel instead (R8): see fastChannel.
func (s *Service) ReportIncident(ctx context.Context, in domain.NewReport, key *IdempotencyKey, by string, choice domain.LinkChoice) (Created, error) {
	now := s.d.Now()
	r, err := domain.NewIncidentReport(uuid.NewString(), uuid.NewString(), in, now)
	if err != nil {
		return Created{}, err
	}
	if r.Checklist, err = s.d.Checklists.Resolve(r.IncidentType, r.ProductCode); err != nil {
		return Created{}, err
	}
	if err := s.fastChannel(&r); err != nil {
		return Created{}, err
	}
	data := events.IncidentReportedData{
		ReportID: r.ID, ClaimID: r.ClaimID, PolicyNumber: r.PolicyNumber, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime,
		Reporter: events.Reporter{Name: r.Reporter.Name, Role: string(r.Reporter.Role)}, ReportedAt: r.ReportedAt,
	}
	if r.FastChannel != nil {
		data.CatastropheCode = r.FastChannel.Code
	}
	e, err := events.New(events.IncidentReported, Producer, r.ClaimID, now, data)
	if err != nil {
		return Created{}, err
	}
	return s.d.Repo.Create(ctx, r, key, tracking.Effects{Events: []events.Outgoing{{Topic: s.d.Topics.Intake(), Envelope: e}}}, by, choice)
}

// fastChannel tags r with the active catastrophe its incident matches, if
// any, and gives it the simplified checklist variant of its incident type
// (R8). Only a report that says where the incident happened can match: the
// regions of a catastrophe are places. A report matching none, or filed
// while no catastrophe is active, keeps the normal path.
func (s *Service) fastChannel(r *domain.IncidentReport) error {
	if s.d.Catastrophes == nil || r.IncidentPlace == "" {
		return nil
	}
	c, ok := s.d.Catastrophes.Match(r.IncidentPlace, r.IncidentTime, string(r.IncidentType))
	if !ok {
		return nil
	}
	variant, err := s.d.Checklists.FastChannel(r.IncidentType)
	if err != nil {
		return err
	}
	return r.TakeFastChannel(domain.FastChannel{Code: c.Code, Name: c.Name, AdvanceShareBps: c.Advance.ShareBps,
		AdvanceCapFen: c.Advance.CapFen}, variant)
}

// Checklist returns the guidance checklist of an incident type for a
// product, as a new report would be given it.
func (s *Service) Checklist(kind, product string) (domain.ChecklistTemplate, error) {
	if kind == "" {
		return domain.ChecklistTemplate{}, apperr.InvalidField("incident_type", "is required")
	}
	return s.d.Checklists.Resolve(domain.IncidentType(kind), product)
}

// RequestClaim receives the claim request on a report; receivedAt, if set,
// is when a request on paper was received. The first receipt starts the
// decision clock (R4) and the one of the missing-documents notice (R3,
// company target 5 working days), which intake tracks. The claim goes to
// adjudication at once when its checklist is complete, else when it
// becomes so. Asking again returns the same request and sends nothing new.
//
// advance, when given, is the claimant's advance agreement and payee
// (issue 19): the payee's bank is asked whether the account is held by the
// payee's name (verifyHolder, before the claim file is locked), then the
// payee is sealed for payout and bound to the claim, and handed over with
// the request with the bank's answer. A request asked again asks the bank
// again, and keeps the agreement it has.
func (s *Service) RequestClaim(ctx context.Context, reportID string, receivedAt *time.Time, advance *domain.AdvanceInput) (f domain.ClaimFile, created bool, err error) {
	if advance != nil {
		in, err := domain.CheckAdvance(*advance)
		if err != nil {
			return domain.ClaimFile{}, false, err
		}
		if s.d.Payees == nil {
			return domain.ClaimFile{}, false, apperr.New(apperr.Conflict, "advance agreements are off: intake has no public key of payout to seal the payee for (INTAKE_PAYEE_SEAL_KEY)")
		}
		advance = &in
	}
	var holder domain.HolderCheck
	if advance != nil {
		holder = s.verifyHolder(ctx, *advance)
	}
	f, err = s.d.Repo.Update(ctx, reportID, func(f *domain.ClaimFile) (tracking.Effects, error) {
		now := s.d.Now()
		if created, err = f.Report.RequestClaim(receivedAt, now); err != nil || !created {
			return tracking.Effects{}, err
		}
		if advance != nil {
			// The agreement is given with the request: a form received
			// earlier on paper was agreed when it was received.
			a, err := s.sealAdvance(f.Report.ClaimID, *advance, *f.Report.ClaimRequestedAt, holder)
			if err != nil {
				return tracking.Effects{}, err
			}
			f.Report.AgreeInAdvance(a)
		}
		r := f.Report
		notice, err := s.d.Tracker.New(tracking.Spec{ClaimID: r.ClaimID, Subject: tracking.ClaimSubject(r.ClaimID),
			Rule: deadline.MissingDocumentsNotice, ClockStart: *r.ClaimRequestedAt}, now)
		if err != nil {
			return tracking.Effects{}, err
		}
		var handed tracking.Effects
		if err := s.handOver(f, now, &handed); err != nil {
			return tracking.Effects{}, err
		}
		if len(handed.Events) > 0 {
			// Handed over with its request, the claim owes no notice (R3):
			// its obligation is stored met, by one insert instead of an
			// insert, a locked read and an update of the step handOver
			// added to complete it.
			met := tracking.Complete(notice.Subject, deadline.MissingDocumentsNotice, now).Proven(domain.HandOverEvidence(r.ID))
			if err := s.d.Tracker.ApplyTo(&notice, met, now); err != nil {
				return tracking.Effects{}, err
			}
			handed.Steps = slices.DeleteFunc(handed.Steps, func(st tracking.Step) bool {
				return st.New == nil && st.Action == met.Action && st.Subject == met.Subject && st.Rule == met.Rule && st.At.Equal(met.At)
			})
		}
		return tracking.Effects{Steps: append([]tracking.Step{tracking.Open(notice)}, handed.Steps...), Events: handed.Events}, nil
	})
	return f, created, err
}

// sealAdvance seals the payee of an advance agreement given at agreedAt
// for payout, bound to claimID (events.Payee.SealFor), with its account's
// keyed hash for the fraud signals and the bank's answer to whether the
// account is held by the payee's name (holder).
func (s *Service) sealAdvance(claimID string, in domain.AdvanceInput, agreedAt time.Time, holder domain.HolderCheck) (domain.AdvanceAgreement, error) {
	p, err := events.Payee{Name: in.Name, Role: in.Role, BankName: in.BankName, AccountNumber: in.AccountNumber}.SealFor(s.d.Payees, s.d.Fingerprints, claimID)
	if err != nil {
		return domain.AdvanceAgreement{}, err
	}
	return domain.AdvanceAgreement{Channel: in.Channel, AgreedAt: agreedAt.UTC(), PayeeRole: p.Role, BankName: p.BankName, AccountLast4: p.AccountLast4,
		AccountFingerprint: p.AccountFingerprint, NameFingerprint: p.NameFingerprint, AccountKey: bankaccount.Key(s.d.SignalKey, in.AccountNumber),
		Sealed: p.Sealed, EnteredBy: in.EnteredBy, EnteredVia: in.EnteredVia, Holder: holder}, nil
}

// handOver announces the claim request to adjudication when the claim has
// just become complete (domain.ClaimFile.HandOver), with what intake
// gathered and the catastrophe the report was tagged with (R8), and meets
// the missing-documents obligation (R3): a complete claim needs no notice.
// It adds both to eff.
func (s *Service) handOver(f *domain.ClaimFile, now time.Time, eff *tracking.Effects) error {
	if !f.HandOver(now) {
		return nil
	}
	e, err := s.claimRequest(f, now)
	if err != nil {
		return err
	}
	eff.Events = append(eff.Events, e)
	eff.Steps = append(eff.Steps, tracking.Complete(tracking.ClaimSubject(f.Report.ClaimID), deadline.MissingDocumentsNotice, now).
		Proven(domain.HandOverEvidence(f.Report.ID)))
	return nil
}

// claimRequest builds the claim request of f for adjudication, signed
// with intake's key: what intake gathered and the catastrophe the report
// was tagged with (R8).
func (s *Service) claimRequest(f *domain.ClaimFile, now time.Time) (events.Outgoing, error) {
	r := f.Report
	data := events.ClaimRequestedData{
		ClaimID: r.ClaimID, ReportID: r.ID, PolicyNumber: r.PolicyNumber, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime, FirstReceivedAt: *r.ClaimRequestedAt,
		IncidentPlace: r.IncidentPlace, ClaimedAmountFen: f.ClaimedAmountFen(),
	}
	if fc := r.FastChannel; fc != nil {
		data.CatastropheCode = fc.Code
	}
	for _, sup := range f.Supplements() {
		data.Supplements = append(data.Supplements, events.Supplement{NoticeSentAt: sup.NoticeSentAt, DeliveredAt: sup.DeliveredAt, ReceivedAt: sup.ReceivedAt})
	}
	for _, d := range f.Documents {
		for i := range d.PartCount() {
			if cd, ok := claimDocumentOf(s.d.Fingerprints, r.ClaimID, d, i); ok {
				data.Documents = append(data.Documents, cd)
			}
		}
	}
	if p, other := r.Claimant(); other && p.Name != "" {
		data.Beneficiary = &events.Person{Name: p.Name, Relation: string(p.Relation)}
	}
	if a := r.Advance; a != nil {
		data.Payee = &events.Payee{Role: a.PayeeRole, BankName: a.BankName, AccountLast4: a.AccountLast4, AccountFingerprint: a.AccountFingerprint,
			NameFingerprint: a.NameFingerprint, Sealed: a.Sealed}
		if a.Holder.Verified() {
			data.Payee.HolderVerified, data.Payee.HolderVerificationRef = true, a.Holder.Reference
		}
		data.AdvanceAgreement = &events.AdvanceAgreement{Channel: a.Channel, AgreedAt: a.AgreedAt, AccountKey: a.AccountKey,
			EnteredBy: a.EnteredBy, EnteredVia: a.EnteredVia}
	}
	return s.signed(events.ClaimRequested, r.ClaimID, now, data)
}

// change applies a handler's change to a claim file and hands the claim
// over if the change completed it.
func (s *Service) change(ctx context.Context, reportID string, apply func(f *domain.ClaimFile, now time.Time) error) (domain.ClaimFile, error) {
	return s.d.Repo.Update(ctx, reportID, func(f *domain.ClaimFile) (tracking.Effects, error) {
		now := s.d.Now()
		if err := apply(f, now); err != nil {
			return tracking.Effects{}, err
		}
		var eff tracking.Effects
		return eff, s.handOver(f, now, &eff)
	})
}

// Upload checks an uploaded file and stores it as a document of the
// report's claim, to be read off the request path. The format comes from
// the content, not fileName. A file refused (too large, of an unsupported
// format, malformed) is refused before anything is stored, so the claim
// keeps what it had; the same file uploaded again is the document it
// already is (created false). by is who uploads it and via how
// (domain.ViaClaimant or ViaStaff, issue 19).
func (s *Service) Upload(ctx context.Context, reportID string, data []byte, fileName, by, via string) (doc domain.Document, created bool, err error) {
	// A full report is refused before its file is read or stored; the
	// check is made again under the report's lock.
	f, err := s.d.Repo.Get(ctx, reportID)
	if err != nil {
		return domain.Document{}, false, err
	}
	if err := f.RoomForDocument(); err != nil {
		return domain.Document{}, false, err
	}
	media, pages, err := s.d.Reader.Probe(ctx, data)
	if err != nil {
		return domain.Document{}, false, err
	}
	sum, err := s.d.Files.Put(ctx, data)
	if err != nil {
		return domain.Document{}, false, err
	}
	_, err = s.d.Repo.Update(ctx, reportID, func(f *domain.ClaimFile) (tracking.Effects, error) {
		d := domain.NewDocument(uuid.NewString(), f.Report, sum, media, pages, int64(len(data)), fileName, by, s.d.Now())
		d.UploadedVia = via
		if err := f.RoomForDocument(); err != nil {
			return tracking.Effects{}, err
		}
		doc, created = f.AddDocument(d)
		return tracking.Effects{}, nil
	})
	if err != nil {
		return domain.Document{}, false, err
	}
	if created {
		s.d.WakeReaders()
	}
	return doc, created, nil
}

// UploadLimits are the limits an upload is checked against.
func (s *Service) UploadLimits() document.Limits { return s.d.Reader.Limits() }

// ReadOutcome is what became of a document a reader took.
type ReadOutcome struct {
	DocumentID string
	State      domain.DocumentState
	Failure    *domain.Failure
}

// ReadNextDocument takes the document that has waited longest, reads it
// and records the reading (or why it failed) beside the document, handing
// the claim over if the reading completed it. It reports false when no
// document waits. When ctx ends during the reading (shutdown), the
// document goes back to the queue as it was.
func (s *Service) ReadNextDocument(ctx context.Context) (ReadOutcome, bool, error) {
	job, ok, err := s.d.Repo.TakeDocument(ctx, s.d.Now(), s.d.ReadLease)
	if err != nil || !ok {
		return ReadOutcome{}, false, err
	}
	ctx, span := tracing.Start(ctx, "ocr job", trace.SpanKindInternal, "", attribute.String("intake.report_id", job.ReportID),
		attribute.String("intake.document_id", job.DocumentID), attribute.Int("intake.attempt", job.Attempt))
	defer span.End()
	var reading domain.Reading
	if job.Attempt > domain.MaxReadAttempts {
		// Readers took it before and never recorded anything: it made them
		// crash or hang.
		err = apperr.New(apperr.Unprocessable, "reading the document was started %d times and never finished", job.Attempt-1)
	} else {
		var data []byte
		if data, err = s.d.Files.Get(ctx, job.SHA256); err == nil {
			reading, err = s.d.Reader.Read(ctx, data)
		}
	}
	stopped := ctx.Err() != nil
	readErr := err
	// The outcome is stored even when ctx ended: the document must not stay
	// leased until its lease runs out.
	storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	out := ReadOutcome{DocumentID: job.DocumentID}
	_, err = s.d.Repo.Update(storeCtx, job.ReportID, func(f *domain.ClaimFile) (tracking.Effects, error) {
		tracing.NoteClaim(ctx, f.Report.ClaimID)
		d, err := f.Document(job.DocumentID)
		if err != nil {
			return tracking.Effects{}, err
		}
		now := s.d.Now()
		switch {
		case stopped:
			d.Release(job.Attempt)
		case readErr != nil:
			d.RecordFailure(job.Attempt, failureOf(readErr))
		default:
			reading.ReadAt = now
			d.RecordReading(job.Attempt, reading)
		}
		out.State, out.Failure = d.State, d.Failure
		var eff tracking.Effects
		return eff, s.handOver(f, now, &eff)
	})
	return out, true, err
}

// failureOf turns a reading error into what is recorded: the refusal of
// the file as it is, anything else as an internal failure.
func failureOf(err error) domain.Failure {
	if e, ok := apperr.As(err); ok {
		return domain.Failure{Code: e.Code, Message: e.Message}
	}
	return domain.Failure{Code: apperr.Internal, Message: "the document could not be read: " + err.Error()}
}

// Correct records a handler's correction of a document's type or fields,
// beside the machine's reading.
func (s *Service) Correct(ctx context.Context, reportID, documentID string, c domain.Correction, by string) (domain.ClaimFile, domain.Document, error) {
	var doc domain.Document
	f, err := s.change(ctx, reportID, func(f *domain.ClaimFile, now time.Time) error {
		d, err := f.Document(documentID)
		if err != nil {
			return err
		}
		c.By, c.At = by, now
		if err := d.Correct(c); err != nil {
			return err
		}
		doc = *d
		return nil
	})
	return f, doc, err
}

// Satisfy records that a handler marked a checklist item satisfied without
// an upload, with the reason.
func (s *Service) Satisfy(ctx context.Context, reportID, itemID, reason, by string) (domain.ClaimFile, error) {
	return s.change(ctx, reportID, func(f *domain.ClaimFile, now time.Time) error {
		return f.Satisfy(itemID, reason, by, now)
	})
}

// SatisfyAll records that a handler marked several checklist items
// satisfied without an upload, with one reason, in one change of the claim
// file: all of them or none. The claim goes to adjudication if this
// completes it, as after the last of them one by one.
func (s *Service) SatisfyAll(ctx context.Context, reportID string, itemIDs []string, reason, by string) (domain.ClaimFile, error) {
	return s.change(ctx, reportID, func(f *domain.ClaimFile, now time.Time) error {
		return f.SatisfyAll(itemIDs, reason, by, now)
	})
}

// SendNotice records the notice of missing documents (R3) a handler sends:
// the first lists every missing item and meets the R3 obligation; the
// decision clock stops from its delivery until the supplement arrives.
// When previewed is not nil it is the items the sender was shown: a notice
// listing others (a document came in meanwhile) is refused and nothing is
// sent. A receipt, for a channel that reaches the claimant as it is sent
// (text message, e-mail, in person), records the delivery at the sending;
// a letter's is recorded when its postal receipt comes back
// (RecordNoticeDelivered).
func (s *Service) SendNotice(ctx context.Context, reportID string, channel domain.NoticeChannel, reason, by string, previewed []string, receipt string) (domain.ClaimFile, domain.Notice, error) {
	var n domain.Notice
	if receipt != "" && !channel.DeliveredAsSent() {
		return domain.ClaimFile{}, n, apperr.InvalidField("receipt", "a %s reaches the claimant days after it is sent: record its postal receipt when it comes back", channel)
	}
	f, err := s.d.Repo.Update(ctx, reportID, func(f *domain.ClaimFile) (tracking.Effects, error) {
		now := s.d.Now()
		var err error
		if n, err = f.SendNotice(channel, reason, by, now); err != nil {
			return tracking.Effects{}, err
		}
		if err := n.Lists(previewed); err != nil {
			return tracking.Effects{}, err
		}
		if receipt != "" {
			if n, err = f.RecordNoticeDelivered(n.Seq, now, receipt, by, now); err != nil {
				return tracking.Effects{}, err
			}
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Complete(tracking.ClaimSubject(f.Report.ClaimID), deadline.MissingDocumentsNotice, now).
			Proven(domain.NoticeEvidence(f.Report.ID, n.Seq))}}, nil
	})
	return f, n, err
}

// RecordNoticeDelivered records that notice seq of a report reached the
// claimant at at (now when zero), as receipt says (the postal receipt, the
// gateway's receipt): the decision clock (R4) stops from then, not from the
// sending (Judicial Interpretation II of the Insurance Law, art. 15). A
// delivery is written once. One recorded after the claim request was
// handed over (the supplement completed the claim before the postal
// receipt came back) is announced to adjudication in the same transaction,
// signed as the claim request is: it moves the decision deadline there.
func (s *Service) RecordNoticeDelivered(ctx context.Context, reportID string, seq int, at time.Time, receipt, by string) (domain.ClaimFile, domain.Notice, error) {
	var n domain.Notice
	f, err := s.d.Repo.Update(ctx, reportID, func(f *domain.ClaimFile) (tracking.Effects, error) {
		now := s.d.Now()
		var err error
		if n, err = f.RecordNoticeDelivered(seq, at, receipt, by, now); err != nil || f.Report.HandedOverAt == nil {
			return tracking.Effects{}, err
		}
		e, err := s.signed(events.NoticeDelivered, f.Report.ClaimID, now, events.NoticeDeliveredData{
			ClaimID: f.Report.ClaimID, ReportID: f.Report.ID, NoticeSeq: n.Seq, NoticeSentAt: n.SentAt.UTC(),
			DeliveredAt: n.Delivery.At, Receipt: n.Delivery.Receipt, RecordedBy: n.Delivery.By, RecordedAt: n.Delivery.RecordedAt,
		})
		if err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Events: []events.Outgoing{e}}, nil
	})
	return f, n, err
}

// signed builds an event of intake's topic signed with intake's key, as
// adjudication reads only signed claim requests and notice deliveries.
func (s *Service) signed(t events.Type, claimID string, now time.Time, data any) (events.Outgoing, error) {
	e, err := events.New(t, Producer, claimID, now, data)
	if err != nil {
		return events.Outgoing{}, err
	}
	if s.d.Requests == nil {
		return events.Outgoing{}, errors.New("no key to sign claim requests with (INTAKE_SIGNING_KEY)")
	}
	if e, err = s.d.Requests.Sign(e); err != nil {
		return events.Outgoing{}, err
	}
	return events.Outgoing{Topic: s.d.Topics.Intake(), Envelope: e}, nil
}

// Report returns a claim file.
func (s *Service) Report(ctx context.Context, id string) (domain.ClaimFile, error) {
	return s.d.Repo.Get(ctx, id)
}

// ReportOfClaim returns the claim file of a claim number.
func (s *Service) ReportOfClaim(ctx context.Context, claimID string) (domain.ClaimFile, error) {
	return s.d.Repo.GetByClaim(ctx, claimID)
}

// DocumentContent returns a document of a report with its file.
func (s *Service) DocumentContent(ctx context.Context, reportID, documentID string) (domain.Document, []byte, error) {
	f, err := s.d.Repo.Get(ctx, reportID)
	if err != nil {
		return domain.Document{}, nil, err
	}
	d, err := f.Document(documentID)
	if err != nil {
		return domain.Document{}, nil, err
	}
	data, err := s.d.Files.Get(ctx, d.SHA256)
	return *d, data, err
}

// DocumentPage returns page n (from 1) of a document's file as an image,
// for the document viewer, with its media type.
func (s *Service) DocumentPage(ctx context.Context, reportID, documentID string, n int) (domain.Document, []byte, string, error) {
	d, data, err := s.DocumentContent(ctx, reportID, documentID)
	if err != nil {
		return d, nil, "", err
	}
	if n < 1 || n > d.Pages {
		return d, nil, "", apperr.New(apperr.NotFound, "document %s has %d pages, no page %d", d.ID, d.Pages, n)
	}
	img, mediaType, err := s.d.Reader.RenderPage(ctx, data, d.Media, n)
	return d, img, mediaType, err
}

// ResealFiles seals every stored file under an old data key again with the
// current key, so that the old key can be retired (R11, issue 17), and
// returns how many it rewrote.
func (s *Service) ResealFiles(ctx context.Context) (int, error) {
	return s.d.Files.Reseal(ctx)
}

// The parts of a document that a reveal shows in full.
const (
	RevealText    = "text"
	RevealContent = "content"
)

// RevealDocument returns a document of a report for who to see part in
// full (RevealText: the text read and the fields; RevealContent: the file
// as uploaded) for reason, after recording the reveal (R11, issue 17):
// answers mask resident ID and account numbers, and nothing is shown in
// full without a record an auditor reads. A reveal without a reason is
// refused (reveal.New).
func (s *Service) RevealDocument(ctx context.Context, who auth.Principal, reportID, documentID, part, reason string) (domain.Document, error) {
	f, err := s.d.Repo.Get(ctx, reportID)
	if err != nil {
		return domain.Document{}, err
	}
	d, err := f.Document(documentID)
	if err != nil {
		return domain.Document{}, err
	}
	r, err := reveal.New(who, d.ClaimID, "document/"+d.ID, part, reason, s.d.Now())
	if err != nil {
		return domain.Document{}, err
	}
	if s.d.Reveals == nil {
		return domain.Document{}, apperr.New(apperr.Internal, "reveals are not recorded here: nothing is revealed")
	}
	if err := s.d.Reveals.Record(ctx, r); err != nil {
		return domain.Document{}, err
	}
	return *d, nil
}

// bankCardOf returns what the claim request says of a bank card's account
// (issue 14: adjudication compares the payee's account with it): the
// account's fingerprint and last four digits, never the number (issue 17),
// and the holder, all "" when not read.
// claimDocumentOf returns part i of d as handed on to adjudication, false
// while its type is not known. Each part of a bundle is one ClaimDocument
// under the document's id, told apart by Part (issue 18): adjudication
// keys its checks by invoice number and type, and an authorisation names a
// document id, which any of its parts answers. Confidence is the lowest of
// the fields read, 1 for a corrected field (a handler read it), 0 while the
// total in figures and in capitals disagree.
func claimDocumentOf(fp *bankaccount.Fingerprints, claimID string, d domain.Document, i int) (events.ClaimDocument, bool) {
	t, ok := d.PartType(i)
	if !ok {
		return events.ClaimDocument{}, false
	}
	fields := d.PartFields(i)
	cd := events.ClaimDocument{DocumentID: d.ID, Part: i, Type: string(t), SHA256: d.SHA256, InvoiceNumber: fields.InvoiceNumber,
		IDNumberValid: fields.IDNumber != "", Corrected: d.CorrectedFields(i), CorrectedBy: d.CorrectedBy(i), EnteredBy: d.UploadedBy, EnteredVia: d.UploadedVia}
	if p, ok := d.MachinePart(i); ok {
		cd.FirstPage, cd.LastPage = p.FirstPage, p.LastPage
	}
	if fields.HasAmount {
		cd.TotalAmountFen = fields.TotalAmountFen
	}
	if fields.EventDate.IsValid() {
		cd.EventDate = fields.EventDate.String()
	}
	if t == document.BankCard {
		cd.AccountFingerprint, cd.AccountLast4, cd.HolderName = bankCardOf(fp, claimID, fields)
	}
	if t == document.IDCard {
		cd.HolderName = fields.IDCardName
		if fields.IDNumber != "" {
			cd.IDNumberMasked = redact.IDNumber(fields.IDNumber)
		}
	}
	medicalInvoiceOf(&cd, fields)
	for _, name := range fields.Corroborated() {
		if !slices.Contains(cd.Corrected, name) {
			cd.Corroborated = append(cd.Corroborated, name)
		}
	}
	for _, r := range fields.DisputedNames() {
		if !slices.Contains(cd.Corrected, r.Field) {
			cd.DisputedNames = append(cd.DisputedNames, events.DisputedName{Field: r.Field, First: r.First, FirstConfidence: r.FirstConfidence,
				Again: r.Again, AgainConfidence: r.At.Confidence})
		}
	}
	cd.Confidence = 1
	for name, src := range fields.Sources {
		if cd.Sources == nil {
			cd.Sources = map[string]events.FieldSource{}
		}
		cd.Sources[name] = events.FieldSource{Page: src.Page, Box: [4]int{src.Box.X, src.Box.Y, src.Box.W, src.Box.H}, Confidence: src.Confidence}
		if !slices.Contains(cd.Corrected, name) {
			cd.Confidence = min(cd.Confidence, src.Confidence)
		}
	}
	if fields.AmountsDisagree {
		// The total in figures and in capitals differ: the amount handed
		// on (the figures) is not read with any confidence until a handler
		// corrects it, so it never pays on the straight-through path.
		cd.Confidence = 0
		if src, ok := cd.Sources["total_amount_fen"]; ok {
			src.Confidence = 0
			cd.Sources["total_amount_fen"] = src
		}
	}
	if len(cd.Sources) == 0 && !fields.AmountsDisagree {
		// No field was located (a reading stored before sources): the
		// type's confidence is all there is.
		if p, ok := d.MachinePart(i); ok && !slices.Contains(cd.Corrected, "type") {
			cd.Confidence = p.Analysis.Confidence
		}
	}
	return cd, true
}

// medicalInvoiceOf copies the fields issue 18 reads from medical invoices
// and the other typed documents into cd: codes, institution, patient,
// the visit number, the stay's dates, the social-insurance split and the bill's items.
func medicalInvoiceOf(cd *events.ClaimDocument, f document.Fields) {
	cd.InvoiceCode, cd.CheckCode, cd.Institution, cd.PatientName = f.InvoiceCode, f.CheckCode, f.Institution, f.PatientName
	cd.VisitNumber, cd.VisitKind = f.VisitNumber, f.VisitKind
	if f.AdmissionDate.IsValid() {
		cd.AdmissionDate = f.AdmissionDate.String()
	}
	if f.DischargeDate.IsValid() {
		cd.DischargeDate = f.DischargeDate.String()
	}
	inv := f.Invoice
	if inv == nil {
		return
	}
	if sp := inv.Split; sp != nil {
		cd.Insurance = &events.InsuranceSplit{FundPaidFen: sp.FundPaidFen, PersonalAccountFen: sp.PersonalAccountFen,
			SelfPayFen: sp.SelfPayFen, SelfFundedFen: sp.SelfFundedFen}
	}
	for _, it := range inv.Items {
		cd.Items = append(cd.Items, events.InvoiceItem{Name: it.Name, Class: it.Class, Quantity: it.Quantity, AmountFen: it.AmountFen})
	}
}

func bankCardOf(fp *bankaccount.Fingerprints, claimID string, f document.Fields) (fingerprint, last4, holder string) {
	if f.AccountNumber != "" {
		fingerprint, last4 = fp.Account(claimID, f.AccountNumber), bankaccount.Last4(f.AccountNumber)
	}
	return fingerprint, last4, f.AccountHolder
}
