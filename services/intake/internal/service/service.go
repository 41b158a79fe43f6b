// Package service wires intake: adapters, use cases and ports on the
// servicekit base. main and the component tests both start intake here.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"claims.local/intake/checklists"
	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/app"
	"claims.local/intake/internal/ports"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/catastrophe/catbus"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/holdercheck"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
)

// Config is intake's configuration.
type Config struct {
	// Common is what every service reads the same way: addresses, keys,
	// shutdown grace and deadline monitoring.
	servicekit.Common
	// StorageDir is the folder uploaded files are stored in, and DataKeys
	// the keys they are encrypted with (current first; issue 17): intake
	// refuses to start without them.
	StorageDir string
	DataKeys   []sealed.Key
	// UploadLimits bound uploads (zero fields: document.DefaultLimits).
	UploadLimits document.Limits
	// OCRWorkers is the number of warm Tesseract clients reading documents
	// in this instance; zero starts none (the documents wait for an
	// instance that reads).
	OCRWorkers int
	// OCRSecondModel is the Tesseract model (HanS, main's default) that
	// reads again the line of a name read below the floor
	// (ocr.Config.SecondLanguage); "" for none.
	OCRSecondModel string
	// OCRFiguresModel is the Tesseract model (eng, main's default) that
	// reads again the line of a receipt's total in figures the first
	// reading left uncorroborated (ocr.Config.FiguresLanguage); "" for
	// none.
	OCRFiguresModel string
	// OCRRereadNames has chi_sim read again, alone and enlarged, the value
	// of each name on an image's page not in doubt
	// (ocr.Config.RereadNames): both readings are kept with the
	// document's fields; the second confirms nothing.
	OCRRereadNames bool
	// OCRNamesModelDir is the directory of the names' OCR model (tessdata
	// 4.0.0's chi_sim, installed by make install into .local/tessdata),
	// whose LSTM reads each name's value again and whose sure reading is
	// the name used (ocr.Config.NamesModelDir); "" for none.
	OCRNamesModelDir string
	// ReadPoll is how often an idle reader looks for documents uploaded to
	// other instances (1 s when zero); ReadLease how long a reader holds a
	// document before another may take it (10 minutes when zero).
	ReadPoll  time.Duration
	ReadLease time.Duration
	// UploadSlots and UploadWait bound the uploads read and checked at once
	// (app.Deps).
	UploadSlots int
	UploadWait  time.Duration
	// UploadsPerCaller bounds the uploads one caller has in flight on an
	// instance (app.Deps).
	UploadsPerCaller int
	// UploadSpoolBytes bounds the bytes an instance holds in upload spool
	// files at once, over all callers (app.Deps; INTAKE_UPLOAD_SPOOL_BYTES):
	// it must exceed UploadLimits.MaxBytes, or no upload of unknown length
	// could be taken.
	UploadSpoolBytes int64
	// Reader reads the documents in place of the OCR pipeline when set (a
	// component test's reader of known pages and parts); nil in production.
	Reader app.Reader
	// ResealInterval is how often stored files under an old data key are
	// sealed again with the current one (10 minutes when zero; issue 17).
	ResealInterval time.Duration
	// Payees seals the payee of an advance agreement for payout's public
	// key (INTAKE_PAYEE_SEAL_KEY, the value of adjudication's
	// ADJUDICATION_PAYEE_SEAL_KEY; issue 19): nil takes no advance
	// agreement. SignalKey is adjudication's ADJUDICATION_SIGNAL_KEY
	// (INTAKE_SIGNAL_KEY): the payee's account is sent as its keyed hash
	// for the fraud signals; without it adjudication leaves such claims to
	// a person.
	Payees    *sealed.Sealer
	SignalKey []byte
	// Fingerprints (INTAKE_FINGERPRINT_KEYS, the keys adjudication and
	// payout hold too) make the keyed fingerprints of the bank cards'
	// accounts and of the payees the claim request carries (R11): intake
	// refuses to start without them.
	Fingerprints *bankaccount.Fingerprints
	// Requests signs the claim requests handed to adjudication
	// (INTAKE_SIGNING_KEY; adjudication trusts its public key,
	// ADJUDICATION_TRUSTED_INTAKE_KEYS): intake refuses to start without
	// it.
	Requests *signing.Signer
	// TrustedCalendar verifies that a calendar version read from the
	// calendar topic was signed by adjudication, its one publisher
	// (INTAKE_TRUSTED_CALENDAR_KEYS, adjudication's public keys: the value
	// of PAYOUT_TRUSTED_INSTRUCTION_KEYS); intake refuses to start without
	// it.
	TrustedCalendar *signing.Verifier
	// HolderCheck is whom intake asks whether an advance payee's account
	// is held by the payee's name (issue 19; INTAKE_HOLDER_CHECK):
	// HolderCheckSimulator for the simulator's register (schema
	// holdersim, made only then), an http(s) URL for the bank's
	// verification service (adapters.HolderHTTP), "" for nobody: every
	// payee unverified, and a bank card whose holder OCR misread stays
	// with a handler. HolderTimeout bounds the answer (3 s when zero).
	// Holders, when set, is asked instead (a component test's bank).
	HolderCheck   string
	HolderTimeout time.Duration
	Holders       app.HolderVerifier
	// HandOverConfirmWithin is how long after a hand-over adjudication's
	// signed receipt of the claim may come before the alarm is raised and
	// the claim handed over again (INTAKE_HANDOVER_CONFIRM_WITHIN;
	// app.DefaultHandOverConfirmWithin when zero; red team, session 17).
	HandOverConfirmWithin time.Duration
}

// HolderCheckSimulator names the account-holder verification simulator
// in Config.HolderCheck.
const HolderCheckSimulator = holdercheck.Simulator

// Intake is a started intake service.
type Intake struct {
	kit      *servicekit.Kit
	pipeline *ocr.Pipeline
	readers  []lifecycle.Component
}

// Start reads the checklists, opens the file store, starts the OCR
// pipeline, connects intake to its database and Kafka, loads the declared
// catastrophes from their topic and binds its port.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Intake, error) {
	migrations, err := adapters.Migrations()
	if err != nil {
		return nil, err
	}
	if cfg.HolderCheck == HolderCheckSimulator {
		sim, err := adapters.HolderSimulatorMigrations()
		if err != nil {
			return nil, err
		}
		migrations = append(migrations, sim...)
	}
	lists, err := adapters.LoadChecklists(checklists.V1)
	if err != nil {
		return nil, err
	}
	keys, err := sealed.New(cfg.DataKeys)
	if err != nil {
		return nil, fmt.Errorf("document data keys (INTAKE_DATA_KEYS): %w", err)
	}
	if cfg.Fingerprints == nil {
		return nil, errors.New("no fingerprint keys (INTAKE_FINGERPRINT_KEYS): the accounts on the claim requests would go unkeyed")
	}
	if cfg.Requests == nil {
		return nil, errors.New("no claim request key (INTAKE_SIGNING_KEY): adjudication opens no case on a claim request intake did not sign")
	}
	if cfg.TrustedCalendar == nil {
		return nil, errors.New("no calendar keys (INTAKE_TRUSTED_CALENDAR_KEYS): intake trusts no key of adjudication and could apply no calendar version")
	}
	if cfg.TrustedCalendar.Trusts(cfg.Requests) {
		return nil, errors.New("INTAKE_TRUSTED_CALENDAR_KEYS holds intake's own signing key (INTAKE_SIGNING_KEY): whoever holds it could sign calendar versions as adjudication; trust adjudication's public keys only")
	}
	files, err := adapters.NewLocalFiles(cfg.StorageDir, keys)
	if err != nil {
		return nil, err
	}
	ocrCfg := ocr.Config{Workers: cfg.OCRWorkers, Limits: cfg.UploadLimits.WithDefaults(), SecondLanguage: cfg.OCRSecondModel, FiguresLanguage: cfg.OCRFiguresModel,
		RereadNames: cfg.OCRRereadNames, NamesModelDir: cfg.OCRNamesModelDir}
	if cfg.UploadSpoolBytes != 0 && cfg.UploadSpoolBytes <= ocrCfg.Limits.MaxBytes {
		return nil, fmt.Errorf("INTAKE_UPLOAD_SPOOL_BYTES (%d) must exceed INTAKE_UPLOAD_MAX_BYTES (%d): no upload of unknown length could be taken",
			cfg.UploadSpoolBytes, ocrCfg.Limits.MaxBytes)
	}
	var pipeline *ocr.Pipeline
	if cfg.OCRWorkers > 0 && cfg.Reader == nil {
		if pipeline, err = ocr.New(ocrCfg); err != nil {
			return nil, err
		}
	}
	topics := events.Topics{Prefix: cfg.TopicPrefix}
	kit, err := servicekit.Start(ctx, servicekit.Config{
		Auth: cfg.Auth, Permissions: ports.Permissions(),
		Name: "intake", HTTPAddr: cfg.HTTPAddr, DatabaseDSN: cfg.DatabaseDSN, MigrationDSN: cfg.MigrationDSN, MigrateOnly: cfg.MigrateOnly, Kafka: cfg.Kafka,
		Topics: topics, Migrations: migrations, OpenAPI: ports.OpenAPI, ShutdownGrace: cfg.ShutdownGrace, OutboxRetention: cfg.OutboxRetention, ConsumerMaxAttempts: cfg.ConsumerMaxAttempts,
		Deadlines: &servicekit.DeadlinesConfig{SweepInterval: cfg.DeadlineSweep, RiskLeadWorkingDays: cfg.RiskLeadWorkingDays,
			CalendarPublisher: cfg.TrustedCalendar, Witness: adapters.DeadlineWitness{}},
		// Auditors list the reveals of documents (R11, issue 17); dead
		// letters are sealed with the document keys.
		Reveals: true, DeadLetterKeys: keys,
		// An upload may be as large as the document limit, plus the
		// multipart framing.
		BodyLimits: map[string]int64{"POST /v1/reports/:id/documents": ocrCfg.Limits.MaxBytes + 64<<10},

		ConsumerWorkers: cfg.ConsumerWorkers,
		ConsumerBatch:   cfg.ConsumerBatch,
	}, log)
	var registry *catbus.Registry
	if err == nil {
		// Every catastrophe declared before this instance started is known
		// before it takes a report (R8): one filed while a catastrophe is
		// active takes the fast channel from the first request on.
		registry, err = kit.StartCatastrophes(ctx)
	}
	if err != nil {
		if pipeline != nil {
			pipeline.Close()
		}
		return nil, err
	}
	holders := cfg.Holders
	switch {
	case holders != nil:
	case cfg.HolderCheck == HolderCheckSimulator:
		holders = adapters.NewHolderSimulator(kit.DB())
	case cfg.HolderCheck != "":
		holders = adapters.NewHolderHTTP(cfg.HolderCheck, &http.Client{Timeout: cfg.HolderTimeout})
	}
	var reader app.Reader = adapters.NewReader(ocrCfg, pipeline)
	if cfg.Reader != nil {
		reader = cfg.Reader
	}
	wake := make(chan struct{}, 1)
	a := app.NewService(app.Deps{
		Repo: adapters.NewReports(kit.DB(), kit.WakeRelay, kit.Tracker()), Checklists: lists, Files: files,
		Reader: reader, Catastrophes: registry, Tracker: kit.Tracker(), Topics: topics, Now: time.Now,
		WakeReaders: func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		},
		ReadLease: cfg.ReadLease, Reveals: adapters.NewReveals(kit.DB()), UploadSlots: cfg.UploadSlots, UploadWait: cfg.UploadWait, UploadsPerCaller: cfg.UploadsPerCaller,
		UploadSpoolBytes: cfg.UploadSpoolBytes, Payees: cfg.Payees, SignalKey: cfg.SignalKey, Fingerprints: cfg.Fingerprints, Requests: cfg.Requests,
		Holders: holders, HolderTimeout: cfg.HolderTimeout,
		HandOvers: adapters.NewHandOvers(kit.DB(), kit.WakeRelay, kit.Tracker()), Receipts: cfg.TrustedCalendar,
		HandOverConfirmWithin: cfg.HandOverConfirmWithin,
	})
	ports.Register(kit.Engine(), a, log)
	resealed := prometheus.NewCounter(prometheus.CounterOpts{Name: "intake_documents_resealed_total",
		Help: "Stored documents sealed again with the current data key, moved off an old one."})
	handOverAlarms := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "intake_handover_alarms_total",
		Help: "Hand-overs adjudication never confirmed with its signed receipt within the bound (red team, session 17), by what was done: handed_over_again, taken_back."},
		[]string{"action"})
	for _, c := range []prometheus.Collector{resealed, handOverAlarms} {
		if err := kit.Registry().Register(c); err != nil {
			if pipeline != nil {
				pipeline.Close()
			}
			return nil, err
		}
	}
	reseal := cfg.ResealInterval
	if reseal <= 0 {
		reseal = 10 * time.Minute
	}
	// A report's claim closes when adjudication rejects it or payout pays
	// it: no new report is linked to it then (issue 20).
	// Adjudication's receipts of the claim requests confirm each hand-over
	// (red team, session 17).
	decisions := kit.NewConsumer(app.DecisionsConsumer, topics.Adjudication(), cfg.TopicPrefix+"intake-decisions", a.RecordAdjudication(app.DecisionsConsumer))
	payouts := kit.NewConsumer(app.PayoutsConsumer, topics.Payout(), cfg.TopicPrefix+"intake-payouts", a.RecordClaimClosure(app.PayoutsConsumer))
	s := &Intake{kit: kit, pipeline: pipeline, readers: []lifecycle.Component{
		{Name: "resealer", Run: ports.Resealer(a, log, reseal, func(n int) { resealed.Add(float64(n)) })},
		servicekit.ConsumerComponent(decisions), servicekit.ConsumerComponent(payouts),
		{Name: "hand-over watch", Run: ports.HandOverWatcher(a.NewHandOverWatch(), log, func(action string) { handOverAlarms.WithLabelValues(action).Inc() })},
	}}
	if cfg.OCRWorkers > 0 {
		poll := cfg.ReadPoll
		if poll <= 0 {
			poll = time.Second
		}
		s.readers = append(s.readers, lifecycle.Component{Name: "document readers", Run: ports.Readers(a, log, cfg.OCRWorkers, poll, wake)})
	}
	return s, nil
}

// Routes lists the HTTP routes intake serves, for the test that keeps its
// OpenAPI document true to them.
func (s *Intake) Routes() gin.RoutesInfo { return s.kit.Engine().Routes() }

// Addr is where intake's HTTP API listens.
func (s *Intake) Addr() string { return s.kit.Addr() }

// Run serves and reads documents until ctx ends, then closes the OCR
// pipeline once the readers have stopped.
func (s *Intake) Run(ctx context.Context) error {
	err := s.kit.Run(ctx, s.readers...)
	if s.pipeline != nil {
		err = errors.Join(err, s.pipeline.Close())
	}
	return err
}
