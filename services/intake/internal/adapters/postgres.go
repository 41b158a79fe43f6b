// Package adapters holds intake's PostgreSQL repository, the checklist
// files, the file store and the OCR reader.
package adapters

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists intake's schema: the outbox, the inbox, deadline
// tracking, then its own tables.
func Migrations() ([]postgres.Migration, error) {
	return postgres.Collect(outboxpg.Migrations, inboxpg.Migrations, trackingpg.Migrations, func() ([]postgres.Migration, error) {
		return postgres.MigrationsFromFS(migrationFS, "migrations", "intake")
	})
}

type reportRow struct {
	ID                  string `gorm:"primaryKey"`
	ClaimID             string
	PolicyNumber        string
	ProductCode         string
	InsuredName         string
	IncidentType        string
	IncidentTime        time.Time
	IncidentDate        *string
	IncidentPlace       string
	Description         string
	Contact             string
	ReporterName        string
	ReporterRole        string
	ReporterRelation    string
	BeneficiaryName     *string
	BeneficiaryRelation *string
	ClaimedAmountFen    int64
	ReportedAt          time.Time
	ClaimRequestedAt    *time.Time
	HandedOverAt        *time.Time
	Checklist           []byte
	CatastropheCode     string
	CatastropheName     string
	AdvanceShareBps     int
	AdvanceCapFen       int64
}

func (reportRow) TableName() string { return "incident_reports" }

func toRow(r domain.IncidentReport) (reportRow, error) {
	checklist, err := encodeChecklist(r.Checklist)
	if err != nil {
		return reportRow{}, err
	}
	date := r.IncidentDate().String()
	row := reportRow{
		ID: r.ID, ClaimID: r.ClaimID, PolicyNumber: r.PolicyNumber, ProductCode: r.ProductCode, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime, IncidentDate: &date, IncidentPlace: r.IncidentPlace,
		Description: r.Description, Contact: r.Contact, ReporterName: r.Reporter.Name, ReporterRole: string(r.Reporter.Role),
		ReporterRelation: string(r.Reporter.Relation), ClaimedAmountFen: r.ClaimedAmountFen, ReportedAt: r.ReportedAt,
		ClaimRequestedAt: r.ClaimRequestedAt, HandedOverAt: r.HandedOverAt, Checklist: checklist,
	}
	if b := r.Beneficiary; b != nil {
		relation := string(b.Relation)
		row.BeneficiaryName, row.BeneficiaryRelation = &b.Name, &relation
	}
	if fc := r.FastChannel; fc != nil {
		row.CatastropheCode, row.CatastropheName, row.AdvanceShareBps, row.AdvanceCapFen = fc.Code, fc.Name, fc.AdvanceShareBps, fc.AdvanceCapFen
	}
	return row, nil
}

func (w reportRow) toDomain() (domain.IncidentReport, error) {
	checklist, err := decodeChecklist(w.Checklist)
	if err != nil {
		return domain.IncidentReport{}, fmt.Errorf("report %s: %w", w.ID, err)
	}
	r := domain.IncidentReport{
		ID: w.ID, ClaimID: w.ClaimID, PolicyNumber: w.PolicyNumber, ProductCode: w.ProductCode, InsuredName: w.InsuredName,
		IncidentType: domain.IncidentType(w.IncidentType), IncidentTime: w.IncidentTime.UTC(), IncidentPlace: w.IncidentPlace,
		Description: w.Description, Contact: w.Contact,
		Reporter:         domain.Reporter{Name: w.ReporterName, Role: domain.ReporterRole(w.ReporterRole), Relation: domain.Relation(w.ReporterRelation)},
		ClaimedAmountFen: w.ClaimedAmountFen, ReportedAt: w.ReportedAt.UTC(), ClaimRequestedAt: utc(w.ClaimRequestedAt),
		HandedOverAt: utc(w.HandedOverAt), Checklist: checklist,
	}
	if w.BeneficiaryName != nil && w.BeneficiaryRelation != nil {
		r.Beneficiary = &domain.Person{Name: *w.BeneficiaryName, Relation: domain.Relation(*w.BeneficiaryRelation)}
	}
	if w.CatastropheCode != "" {
		r.FastChannel = &domain.FastChannel{Code: w.CatastropheCode, Name: w.CatastropheName, AdvanceShareBps: w.AdvanceShareBps,
			AdvanceCapFen: w.AdvanceCapFen}
	}
	return r, nil
}

type linkRow struct {
	ID               int64 `gorm:"primaryKey"`
	ReportID         string
	ReporterName     string
	ReporterRole     string
	ReporterRelation string
	LinkedBy         string
	LinkedAt         time.Time
}

func (linkRow) TableName() string { return "report_links" }

type idempotencyRow struct {
	Principal     string `gorm:"primaryKey"`
	Key           string `gorm:"primaryKey"`
	RequestSHA256 string `gorm:"column:request_sha256"`
	ReportID      *string
	Linked        bool
	CreatedAt     time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

type documentRow struct {
	ID                  string `gorm:"primaryKey"`
	ReportID            string
	ClaimID             string
	SHA256              string `gorm:"column:sha256"`
	Media               string
	Pages               int
	SizeBytes           int64
	FileName            string
	UploadedBy          string
	UploadedAt          time.Time
	State               string
	Attempts            int
	LeaseUntil          *time.Time
	FailureCode         *string
	FailureMessage      *string
	ReadType            *string
	ReadConfidence      *float64
	ReadIDNumber        *string `gorm:"column:read_id_number"`
	ReadAmountFen       *int64
	ReadFiguresFen      *int64
	ReadCapitalsFen     *int64
	ReadAmountsDisagree *bool
	ReadEventDate       *string
	ReadInvoiceNumber   *string
	ReadNames           []byte
	ReadText            *string
	ReadAt              *time.Time
	Version             int
}

func (documentRow) TableName() string { return "documents" }

type correctionRow struct {
	ID             int64 `gorm:"primaryKey"`
	DocumentID     string
	Type           *string
	IDNumber       *string `gorm:"column:id_number"`
	TotalAmountFen *int64
	EventDate      *string
	InvoiceNumber  *string
	Names          []byte
	Note           string
	CorrectedBy    string
	CorrectedAt    time.Time
}

func (correctionRow) TableName() string { return "document_corrections" }

type waiverRow struct {
	ID       int64 `gorm:"primaryKey"`
	ReportID string
	ItemID   string
	Reason   string
	WaivedBy string
	WaivedAt time.Time
}

func (waiverRow) TableName() string { return "checklist_waivers" }

type noticeRow struct {
	ReportID             string `gorm:"primaryKey"`
	Seq                  int    `gorm:"primaryKey"`
	Items                []byte
	Reason               string
	Channel              string
	SentBy               string
	SentAt               time.Time
	SupplementReceivedAt *time.Time
}

func (noticeRow) TableName() string { return "missing_document_notices" }

type noticeItemJSON struct {
	ItemID      string       `json:"item_id"`
	Title       textFile     `json:"title"`
	Description textFile     `json:"description"`
	Documents   []optionFile `json:"documents"`
	Reminder    *textFile    `json:"reminder,omitempty"`
	Why         *textFile    `json:"why,omitempty"`
}

func optText(t domain.Text) *textFile {
	if t.IsZero() {
		return nil
	}
	f := textOf(t)
	return &f
}

func fromOptText(t *textFile) domain.Text {
	if t == nil {
		return domain.Text{}
	}
	return t.toDomain()
}

func toNoticeRow(reportID string, n domain.Notice) (noticeRow, error) {
	items := make([]noticeItemJSON, len(n.Items))
	for i, it := range n.Items {
		j := noticeItemJSON{ItemID: it.ItemID, Title: textOf(it.Title), Description: textOf(it.Description),
			Reminder: optText(it.Reminder), Why: optText(it.Why)}
		for _, o := range it.Documents {
			j.Documents = append(j.Documents, optionFile{Type: string(o.Type), Name: textOf(o.Name)})
		}
		items[i] = j
	}
	b, err := json.Marshal(items)
	if err != nil {
		return noticeRow{}, fmt.Errorf("encode notice: %w", err)
	}
	return noticeRow{ReportID: reportID, Seq: n.Seq, Items: b, Reason: n.Reason, Channel: string(n.Channel), SentBy: n.SentBy,
		SentAt: n.SentAt, SupplementReceivedAt: n.SupplementReceivedAt}, nil
}

func (w noticeRow) toDomain() (domain.Notice, error) {
	var items []noticeItemJSON
	if err := json.Unmarshal(w.Items, &items); err != nil {
		return domain.Notice{}, fmt.Errorf("notice %d of report %s: %w", w.Seq, w.ReportID, err)
	}
	n := domain.Notice{Seq: w.Seq, Reason: w.Reason, Channel: domain.NoticeChannel(w.Channel), SentBy: w.SentBy,
		SentAt: w.SentAt.UTC(), SupplementReceivedAt: utc(w.SupplementReceivedAt)}
	for _, j := range items {
		it := domain.NoticeItem{ItemID: j.ItemID, Title: j.Title.toDomain(), Description: j.Description.toDomain(),
			Reminder: fromOptText(j.Reminder), Why: fromOptText(j.Why)}
		for _, o := range j.Documents {
			it.Documents = append(it.Documents, domain.DocumentOption{Type: document.Type(o.Type), Name: o.Name.toDomain()})
		}
		n.Items = append(n.Items, it)
	}
	return n, nil
}

// dateString and dateOf store calendar dates in date columns.
func dateString(d calendar.Date) *string {
	if !d.IsValid() {
		return nil
	}
	s := d.String()
	return &s
}

func dateOf(s *string) (calendar.Date, error) {
	if s == nil {
		return calendar.Date{}, nil
	}
	return calendar.ParseDate((*s)[:min(len(*s), 10)])
}

func ptr[T any](v T) *T { return &v }

func toDocumentRow(d domain.Document) (documentRow, error) {
	row := documentRow{
		ID: d.ID, ReportID: d.ReportID, ClaimID: d.ClaimID, SHA256: d.SHA256, Media: string(d.Media), Pages: d.Pages,
		SizeBytes: d.SizeBytes, FileName: d.FileName, UploadedBy: d.UploadedBy, UploadedAt: d.UploadedAt, State: string(d.State),
		Attempts: d.Attempts, LeaseUntil: d.LeaseUntil,
	}
	if f := d.Failure; f != nil {
		row.FailureCode, row.FailureMessage = ptr(string(f.Code)), &f.Message
	}
	if r := d.Reading; r != nil {
		f := r.Fields
		names, err := json.Marshal(f.Names)
		if err != nil {
			return documentRow{}, err
		}
		row.ReadType, row.ReadConfidence, row.ReadNames, row.ReadText, row.ReadAt = ptr(string(r.Type)), &r.Confidence, names, &r.Text, &r.ReadAt
		row.ReadIDNumber, row.ReadInvoiceNumber, row.ReadEventDate = &f.IDNumber, &f.InvoiceNumber, dateString(f.EventDate)
		row.ReadAmountsDisagree = &f.AmountsDisagree
		if f.HasAmount {
			row.ReadAmountFen = &f.TotalAmountFen
		}
		if f.HasFigures {
			row.ReadFiguresFen = &f.FiguresFen
		}
		if f.HasCapitals {
			row.ReadCapitalsFen = &f.CapitalsFen
		}
	}
	return row, nil
}

func (w documentRow) toDomain() (domain.Document, error) {
	d := domain.Document{
		ID: w.ID, ReportID: w.ReportID, ClaimID: w.ClaimID, SHA256: w.SHA256, Media: document.Media(w.Media), Pages: w.Pages,
		SizeBytes: w.SizeBytes, FileName: w.FileName, UploadedBy: w.UploadedBy, UploadedAt: w.UploadedAt.UTC(),
		State: domain.DocumentState(w.State), Attempts: w.Attempts, LeaseUntil: utc(w.LeaseUntil),
	}
	if w.FailureCode != nil {
		d.Failure = &domain.Failure{Code: apperr.Code(*w.FailureCode), Message: deref(w.FailureMessage)}
	}
	if w.ReadAt != nil {
		f := document.Fields{IDNumber: deref(w.ReadIDNumber), InvoiceNumber: deref(w.ReadInvoiceNumber), AmountsDisagree: deref(w.ReadAmountsDisagree)}
		if w.ReadAmountFen != nil {
			f.HasAmount, f.TotalAmountFen = true, *w.ReadAmountFen
		}
		if w.ReadFiguresFen != nil {
			f.HasFigures, f.FiguresFen = true, *w.ReadFiguresFen
		}
		if w.ReadCapitalsFen != nil {
			f.HasCapitals, f.CapitalsFen = true, *w.ReadCapitalsFen
		}
		var err error
		if f.EventDate, err = dateOf(w.ReadEventDate); err != nil {
			return domain.Document{}, fmt.Errorf("document %s: %w", w.ID, err)
		}
		if err := json.Unmarshal(w.ReadNames, &f.Names); err != nil {
			return domain.Document{}, fmt.Errorf("document %s: names: %w", w.ID, err)
		}
		d.Reading = &domain.Reading{Type: document.Type(deref(w.ReadType)), Confidence: deref(w.ReadConfidence), Fields: f,
			Text: deref(w.ReadText), ReadAt: w.ReadAt.UTC()}
	}
	return d, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func toCorrectionRow(documentID string, c domain.Correction) (correctionRow, error) {
	row := correctionRow{DocumentID: documentID, IDNumber: c.IDNumber, TotalAmountFen: c.TotalAmountFen,
		InvoiceNumber: c.InvoiceNumber, Note: c.Note, CorrectedBy: c.By, CorrectedAt: c.At}
	if c.Type != nil {
		row.Type = ptr(string(*c.Type))
	}
	if c.EventDate != nil {
		row.EventDate = dateString(*c.EventDate)
	}
	if c.Names != nil {
		b, err := json.Marshal(c.Names)
		if err != nil {
			return correctionRow{}, err
		}
		row.Names = b
	}
	return row, nil
}

func (w correctionRow) toDomain() (domain.Correction, error) {
	c := domain.Correction{IDNumber: w.IDNumber, TotalAmountFen: w.TotalAmountFen, InvoiceNumber: w.InvoiceNumber,
		Note: w.Note, By: w.CorrectedBy, At: w.CorrectedAt.UTC()}
	if w.Type != nil {
		c.Type = ptr(document.Type(*w.Type))
	}
	if w.EventDate != nil {
		d, err := dateOf(w.EventDate)
		if err != nil {
			return domain.Correction{}, err
		}
		c.EventDate = &d
	}
	if w.Names != nil {
		if err := json.Unmarshal(w.Names, &c.Names); err != nil {
			return domain.Correction{}, err
		}
		if c.Names == nil {
			c.Names = []string{}
		}
	}
	return c, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Reports is the PostgreSQL implementation of app.Repository.
type Reports struct {
	db   *gorm.DB
	work *uow.UnitOfWork
}

// NewReports returns the repository; afterCommit (may be nil) wakes the
// outbox relay; deadlines applies the deadline steps of the use cases.
func NewReports(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker) *Reports {
	return &Reports{db: db, work: uow.New(db, trackingpg.Steps(deadlines), afterCommit)}
}

// Create stores a new report with its effects in one transaction. The
// idempotency key is claimed first (a concurrent request with the same key
// waits for this one); the report is inserted unless the unique index of
// one report per incident finds the same incident, which is then locked and
// linked.
func (s *Reports) Create(ctx context.Context, r domain.IncidentReport, key *app.IdempotencyKey, eff tracking.Effects, by string) (app.Created, error) {
	var out app.Created
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		out = app.Created{}
		if key != nil {
			replayed, err := claimKey(tx, *key, &out)
			if err != nil || replayed {
				if replayed {
					out.File, err = load(tx, out.File.Report.ID)
				}
				return tracking.Effects{}, err
			}
		}
		row, err := toRow(r)
		if err != nil {
			return tracking.Effects{}, err
		}
		res := tx.Clauses(clause.OnConflict{
			Columns:     []clause.Column{{Name: "policy_number"}, {Name: "insured_name"}, {Name: "incident_type"}, {Name: "incident_date"}},
			TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "incident_date IS NOT NULL"}}},
			DoNothing:   true,
		}).Create(&row)
		if res.Error != nil {
			return tracking.Effects{}, fmt.Errorf("store report: %w", res.Error)
		}
		id := r.ID
		if res.RowsAffected == 0 {
			var existing reportRow
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
				Where("policy_number = ? AND insured_name = ? AND incident_type = ? AND incident_date = ?",
					row.PolicyNumber, row.InsuredName, row.IncidentType, *row.IncidentDate).Take(&existing).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("load the report of the same incident: %w", err)
			}
			id, out.Linked, eff = existing.ID, true, tracking.Effects{}
			if err := tx.Create(&linkRow{ReportID: id, ReporterName: r.Reporter.Name, ReporterRole: string(r.Reporter.Role),
				ReporterRelation: string(r.Reporter.Relation), LinkedBy: by, LinkedAt: r.ReportedAt}).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("link report: %w", err)
			}
		}
		if key != nil {
			if err := tx.Model(&idempotencyRow{}).Where("principal = ? AND key = ?", key.Principal, key.Key).
				Updates(map[string]any{"report_id": id, "linked": out.Linked}).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("store idempotency key: %w", err)
			}
		}
		out.File, err = load(tx, id)
		return eff, err
	})
	if err != nil {
		return app.Created{}, err
	}
	return out, nil
}

// claimKey records key inside tx, or finds it recorded: then it reports
// true with the stored answer's report id and link in out (a conflict when
// the request differs).
func claimKey(tx *gorm.DB, key app.IdempotencyKey, out *app.Created) (bool, error) {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&idempotencyRow{
		Principal: key.Principal, Key: key.Key, RequestSHA256: key.RequestHash, CreatedAt: time.Now().UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("store idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return false, nil
	}
	var stored idempotencyRow
	if err := tx.Where("principal = ? AND key = ?", key.Principal, key.Key).Take(&stored).Error; err != nil {
		return false, fmt.Errorf("load idempotency key: %w", err)
	}
	if stored.RequestSHA256 != key.RequestHash || stored.ReportID == nil {
		return false, &apperr.Error{Code: apperr.Conflict, Field: "Idempotency-Key",
			Message: "this Idempotency-Key was used with another request; use a new key for a new report"}
	}
	out.Replayed, out.Linked = true, stored.Linked
	out.File.Report.ID = *stored.ReportID
	return true, nil
}

// Get returns a claim file.
func (s *Reports) Get(ctx context.Context, id string) (domain.ClaimFile, error) {
	return load(s.db.WithContext(ctx), id)
}

// load reads a claim file with db (a transaction holding the report's lock,
// or the pool).
func load(db *gorm.DB, id string) (domain.ClaimFile, error) {
	var row reportRow
	err := db.Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.ClaimFile{}, apperr.New(apperr.NotFound, "no incident report with id %q", id)
	}
	if err != nil {
		return domain.ClaimFile{}, fmt.Errorf("load report: %w", err)
	}
	return loadRest(db, row)
}

// loadRest reads what a claim file holds besides its report row.
func loadRest(db *gorm.DB, row reportRow) (domain.ClaimFile, error) {
	r, err := row.toDomain()
	if err != nil {
		return domain.ClaimFile{}, err
	}
	f := domain.ClaimFile{Report: r}
	var links []linkRow
	var docs []documentRow
	var waivers []waiverRow
	var notices []noticeRow
	for _, q := range []struct {
		dest  any
		table string
		order string
	}{
		{&links, "report_links", "id"}, {&docs, "documents", "uploaded_at, id"},
		{&waivers, "checklist_waivers", "id"}, {&notices, "missing_document_notices", "seq"},
	} {
		if err := db.Where("report_id = ?", row.ID).Order(q.order).Find(q.dest).Error; err != nil {
			return domain.ClaimFile{}, fmt.Errorf("load %s: %w", q.table, err)
		}
	}
	for _, l := range links {
		f.Report.Links = append(f.Report.Links, domain.Link{By: l.LinkedBy, At: l.LinkedAt.UTC(),
			Reporter: domain.Reporter{Name: l.ReporterName, Role: domain.ReporterRole(l.ReporterRole), Relation: domain.Relation(l.ReporterRelation)}})
	}
	byID := map[string]int{}
	ids := make([]string, len(docs))
	for i, w := range docs {
		d, err := w.toDomain()
		if err != nil {
			return domain.ClaimFile{}, err
		}
		byID[d.ID], ids[i] = i, d.ID
		f.Documents = append(f.Documents, d)
	}
	if len(ids) > 0 {
		var corrections []correctionRow
		if err := db.Where("document_id IN ?", ids).Order("id").Find(&corrections).Error; err != nil {
			return domain.ClaimFile{}, fmt.Errorf("load corrections: %w", err)
		}
		for _, w := range corrections {
			c, err := w.toDomain()
			if err != nil {
				return domain.ClaimFile{}, fmt.Errorf("correction %d: %w", w.ID, err)
			}
			d := &f.Documents[byID[w.DocumentID]]
			d.Corrections = append(d.Corrections, c)
		}
	}
	for _, w := range waivers {
		f.Waivers = append(f.Waivers, domain.Waiver{ItemID: w.ItemID, Reason: w.Reason, By: w.WaivedBy, At: w.WaivedAt.UTC()})
	}
	for _, w := range notices {
		n, err := w.toDomain()
		if err != nil {
			return domain.ClaimFile{}, err
		}
		f.Notices = append(f.Notices, n)
	}
	return f, nil
}

// errDocumentChanged is returned inside an Update's transaction when a
// document changed under it (a reader took it); Update tries again.
var errDocumentChanged = errors.New("a document changed meanwhile")

// updateAttempts bounds how often Update tries again after a document
// changed under it.
const updateAttempts = 5

// Update changes a claim file under the report's row lock and stores what
// changed with the effects, in one transaction. Documents are also changed
// by readers taking them, without that lock: a document changed meanwhile
// makes the transaction roll back and start again with what is stored.
func (s *Reports) Update(ctx context.Context, id string, change func(*domain.ClaimFile) (tracking.Effects, error)) (domain.ClaimFile, error) {
	for attempt := 1; ; attempt++ {
		f, err := s.update(ctx, id, change)
		if errors.Is(err, errDocumentChanged) && attempt < updateAttempts {
			continue
		}
		if errors.Is(err, errDocumentChanged) {
			return domain.ClaimFile{}, apperr.New(apperr.Conflict, "the documents of report %s keep changing; try again", id)
		}
		return f, err
	}
}

func (s *Reports) update(ctx context.Context, id string, change func(*domain.ClaimFile) (tracking.Effects, error)) (domain.ClaimFile, error) {
	var result domain.ClaimFile
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		var row reportRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return tracking.Effects{}, apperr.New(apperr.NotFound, "no incident report with id %q", id)
		}
		if err != nil {
			return tracking.Effects{}, fmt.Errorf("load report: %w", err)
		}
		before, err := loadRest(tx, row)
		if err != nil {
			return tracking.Effects{}, err
		}
		versions := map[string]int{}
		var vs []struct {
			ID      string
			Version int
		}
		if err := tx.Model(&documentRow{}).Select("id, version").Where("report_id = ?", id).Scan(&vs).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("load document versions: %w", err)
		}
		for _, v := range vs {
			versions[v.ID] = v.Version
		}
		f := clone(before)
		eff, err := change(&f)
		if err != nil {
			return tracking.Effects{}, err
		}
		if err := save(tx, before, f, versions); err != nil {
			return tracking.Effects{}, err
		}
		result = f
		return eff, nil
	})
	if err != nil {
		return domain.ClaimFile{}, err
	}
	return result, nil
}

// clone copies a claim file deeply enough that change cannot alter the
// copy kept to compare with.
func clone(f domain.ClaimFile) domain.ClaimFile {
	out := f
	out.Report.Links = slices.Clone(f.Report.Links)
	out.Documents = slices.Clone(f.Documents)
	for i := range out.Documents {
		out.Documents[i].Corrections = slices.Clone(out.Documents[i].Corrections)
	}
	out.Waivers = slices.Clone(f.Waivers)
	out.Notices = slices.Clone(f.Notices)
	return out
}

// save writes what changed from before to after inside tx: the report row,
// and the rows of new or changed documents, corrections, waivers, links and
// notices (corrections, waivers and links only grow).
func save(tx *gorm.DB, before, after domain.ClaimFile, versions map[string]int) error {
	row, err := toRow(after.Report)
	if err != nil {
		return err
	}
	// The incident date is set once, when the report is stored: reports
	// stored before it existed keep none (see migration 0002).
	if err := tx.Model(&reportRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "incident_date").Updates(&row).Error; err != nil {
		return fmt.Errorf("store report: %w", err)
	}
	for _, l := range after.Report.Links[len(before.Report.Links):] {
		if err := tx.Create(&linkRow{ReportID: row.ID, ReporterName: l.Reporter.Name, ReporterRole: string(l.Reporter.Role),
			ReporterRelation: string(l.Reporter.Relation), LinkedBy: l.By, LinkedAt: l.At}).Error; err != nil {
			return fmt.Errorf("store link: %w", err)
		}
	}
	old := map[string]domain.Document{}
	for _, d := range before.Documents {
		old[d.ID] = d
	}
	for _, d := range after.Documents {
		if err := saveDocument(tx, old, d, versions); err != nil {
			return err
		}
	}
	for _, w := range after.Waivers[len(before.Waivers):] {
		if err := tx.Create(&waiverRow{ReportID: row.ID, ItemID: w.ItemID, Reason: w.Reason, WaivedBy: w.By, WaivedAt: w.At}).Error; err != nil {
			return fmt.Errorf("store waiver: %w", err)
		}
	}
	for i, n := range after.Notices {
		if i < len(before.Notices) {
			// A notice sent stays as it was; only the arrival of its
			// supplement is added.
			if !reflect.DeepEqual(before.Notices[i].SupplementReceivedAt, n.SupplementReceivedAt) {
				if err := tx.Model(&noticeRow{}).Where("report_id = ? AND seq = ?", row.ID, n.Seq).
					Update("supplement_received_at", n.SupplementReceivedAt).Error; err != nil {
					return fmt.Errorf("store supplement: %w", err)
				}
			}
			continue
		}
		nr, err := toNoticeRow(row.ID, n)
		if err != nil {
			return err
		}
		if err := tx.Create(&nr).Error; err != nil {
			return fmt.Errorf("store notice: %w", err)
		}
	}
	return nil
}

// saveDocument inserts a new document, or updates a changed one if its
// version is still the one loaded, and adds its new corrections.
func saveDocument(tx *gorm.DB, old map[string]domain.Document, d domain.Document, versions map[string]int) error {
	prev, existed := old[d.ID]
	if existed && reflect.DeepEqual(prev, d) {
		return nil
	}
	row, err := toDocumentRow(d)
	if err != nil {
		return err
	}
	if !existed {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("store document: %w", err)
		}
	} else {
		row.Version = versions[d.ID] + 1
		res := tx.Model(&documentRow{}).Where("id = ? AND version = ?", d.ID, versions[d.ID]).Select("*").Omit("id").Updates(&row)
		if res.Error != nil {
			return fmt.Errorf("store document: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return errDocumentChanged
		}
	}
	for _, c := range d.Corrections[len(prev.Corrections):] {
		cr, err := toCorrectionRow(d.ID, c)
		if err != nil {
			return err
		}
		if err := tx.Create(&cr).Error; err != nil {
			return fmt.Errorf("store correction: %w", err)
		}
	}
	return nil
}

// TakeDocument leases the document that has waited longest: pending, or
// being read by a reader whose lease ran out. The row is taken with FOR
// UPDATE SKIP LOCKED, so readers in every instance share the queue without
// waiting for each other; the take is counted (domain.MaxReadAttempts).
func (s *Reports) TakeDocument(ctx context.Context, now time.Time, lease time.Duration) (app.DocumentJob, bool, error) {
	var jobs []struct {
		ID       string
		ReportID string
		SHA256   string `gorm:"column:sha256"`
		Attempts int
	}
	err := s.db.WithContext(ctx).Raw(`
		UPDATE documents d SET state = 'reading', attempts = d.attempts + 1, lease_until = ?, version = d.version + 1
		FROM (SELECT id FROM documents
		      WHERE state = 'pending' OR (state = 'reading' AND lease_until < ?)
		      ORDER BY uploaded_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) next
		WHERE d.id = next.id
		RETURNING d.id, d.report_id, d.sha256, d.attempts`, now.Add(lease), now).Scan(&jobs).Error
	if err != nil {
		return app.DocumentJob{}, false, fmt.Errorf("take a document: %w", err)
	}
	if len(jobs) == 0 {
		return app.DocumentJob{}, false, nil
	}
	j := jobs[0]
	return app.DocumentJob{DocumentID: j.ID, ReportID: j.ReportID, SHA256: j.SHA256, Attempt: j.Attempts}, true, nil
}
