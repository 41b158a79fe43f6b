package adapters

import (
	"encoding/json"
	"fmt"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/postgres"
)

// The row types of intake's tables and their mappers to and from the
// domain.

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
	// ClaimClosedAt and ClaimClosure record the claim's rejection, withdrawal or
	// payment (issue 20); DistinctFrom names the open report of the same
	// incident the person entering this one said it is not.
	ClaimClosedAt *time.Time
	ClaimClosure  string
	DistinctFrom  string
	// AdvanceAgreement is advanceJSON (issue 19), nil when none was given.
	AdvanceAgreement []byte
	// ChecklistID names the report's checklist in table checklists
	// (issue 21); nil for a report stored before, whose Checklist column
	// holds it. A claim file read carries the named one in Checklist.
	ChecklistID *string
}

// advanceJSON is how an advance agreement is stored: its payee sealed for
// payout (issue 19, R11).
type advanceJSON struct {
	Channel            string    `json:"channel"`
	AgreedAt           time.Time `json:"agreed_at"`
	PayeeRole          string    `json:"payee_role"`
	BankName           string    `json:"bank_name"`
	AccountLast4       string    `json:"account_last4"`
	AccountFingerprint string    `json:"account_fingerprint"`
	NameFingerprint    string    `json:"name_fingerprint"`
	AccountKey         string    `json:"account_key,omitempty"`
	Sealed             string    `json:"sealed"`
	EnteredBy          string    `json:"entered_by,omitempty"`
	EnteredVia         string    `json:"entered_via,omitempty"`
	// Holder is the bank's account-holder verification (issue 19).
	Holder domain.HolderCheck `json:"holder"`
}

func (reportRow) TableName() string { return "incident_reports" }

// toRow maps r to its row, all but its checklist: the repository names
// that (Reports.rowOf).
func toRow(r domain.IncidentReport) (reportRow, error) {
	date := r.IncidentDate().String()
	row := reportRow{
		ID: r.ID, ClaimID: r.ClaimID, PolicyNumber: r.PolicyNumber, ProductCode: r.ProductCode, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime, IncidentDate: &date, IncidentPlace: r.IncidentPlace,
		Description: r.Description, Contact: r.Contact, ReporterName: r.Reporter.Name, ReporterRole: string(r.Reporter.Role),
		ReporterRelation: string(r.Reporter.Relation), ClaimedAmountFen: r.ClaimedAmountFen, ReportedAt: r.ReportedAt,
		ClaimRequestedAt: r.ClaimRequestedAt, HandedOverAt: r.HandedOverAt,
	}
	if b := r.Beneficiary; b != nil {
		relation := string(b.Relation)
		row.BeneficiaryName, row.BeneficiaryRelation = &b.Name, &relation
	}
	if fc := r.FastChannel; fc != nil {
		row.CatastropheCode, row.CatastropheName, row.AdvanceShareBps, row.AdvanceCapFen = fc.Code, fc.Name, fc.AdvanceShareBps, fc.AdvanceCapFen
	}
	if a := r.Advance; a != nil {
		var err error
		if row.AdvanceAgreement, err = json.Marshal(advanceJSON(*a)); err != nil {
			return reportRow{}, err
		}
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
		ClaimedAmountFen: w.ClaimedAmountFen, ReportedAt: w.ReportedAt.UTC(), ClaimRequestedAt: postgres.UTC(w.ClaimRequestedAt),
		HandedOverAt: postgres.UTC(w.HandedOverAt), Checklist: checklist,
	}
	if w.BeneficiaryName != nil && w.BeneficiaryRelation != nil {
		r.Beneficiary = &domain.Person{Name: *w.BeneficiaryName, Relation: domain.Relation(*w.BeneficiaryRelation)}
	}
	if w.CatastropheCode != "" {
		r.FastChannel = &domain.FastChannel{Code: w.CatastropheCode, Name: w.CatastropheName, AdvanceShareBps: w.AdvanceShareBps,
			AdvanceCapFen: w.AdvanceCapFen}
	}
	if len(w.AdvanceAgreement) > 0 {
		var a advanceJSON
		if err := json.Unmarshal(w.AdvanceAgreement, &a); err != nil {
			return domain.IncidentReport{}, fmt.Errorf("report %s: advance agreement: %w", w.ID, err)
		}
		a.AgreedAt = a.AgreedAt.UTC()
		adv := domain.AdvanceAgreement(a)
		r.Advance = &adv
	}
	return r, nil
}

type linkRow struct {
	ID               int64 `gorm:"primaryKey"`
	ReportID         string
	ReporterName     string
	ReporterRole     string
	ReporterRelation string
	Description      string
	ClaimedAmountFen int64
	LinkedBy         string
	LinkedAt         time.Time
}

func (linkRow) TableName() string { return "report_links" }

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
	UploadedVia         string
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
	ReadAccountNumber   *string
	ReadAccountHolder   *string
	// ReadPages and ReadParts are the reading's pages and parts as JSON
	// (pageJSON, partJSON); nil for a reading stored before parts.
	ReadPages []byte
	ReadParts []byte
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
	AccountNumber  *string
	AccountHolder  *string
	Part           int
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
	// The delivery (migration 0014): all four null until recorded.
	DeliveredAt        *time.Time
	DeliveryReceipt    *string
	DeliveryRecordedBy *string
	DeliveryRecordedAt *time.Time
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
	r := noticeRow{ReportID: reportID, Seq: n.Seq, Items: b, Reason: n.Reason, Channel: string(n.Channel), SentBy: n.SentBy,
		SentAt: n.SentAt, SupplementReceivedAt: n.SupplementReceivedAt}
	r.setDelivery(n.Delivery)
	return r, nil
}

// setDelivery sets the delivery columns of d (none when nil).
func (w *noticeRow) setDelivery(d *domain.Delivery) {
	if d == nil {
		return
	}
	at, recorded, receipt, by := d.At, d.RecordedAt, d.Receipt, d.By
	w.DeliveredAt, w.DeliveryReceipt, w.DeliveryRecordedBy, w.DeliveryRecordedAt = &at, &receipt, &by, &recorded
}

func (w noticeRow) toDomain() (domain.Notice, error) {
	var items []noticeItemJSON
	if err := json.Unmarshal(w.Items, &items); err != nil {
		return domain.Notice{}, fmt.Errorf("notice %d of report %s: %w", w.Seq, w.ReportID, err)
	}
	n := domain.Notice{Seq: w.Seq, Reason: w.Reason, Channel: domain.NoticeChannel(w.Channel), SentBy: w.SentBy,
		SentAt: w.SentAt.UTC(), SupplementReceivedAt: postgres.UTC(w.SupplementReceivedAt)}
	if w.DeliveredAt != nil && w.DeliveryReceipt != nil && w.DeliveryRecordedBy != nil && w.DeliveryRecordedAt != nil {
		n.Delivery = &domain.Delivery{At: w.DeliveredAt.UTC(), Receipt: *w.DeliveryReceipt, By: *w.DeliveryRecordedBy,
			RecordedAt: w.DeliveryRecordedAt.UTC()}
	}
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
		SizeBytes: d.SizeBytes, FileName: d.FileName, UploadedBy: d.UploadedBy, UploadedVia: d.UploadedVia, UploadedAt: d.UploadedAt, State: string(d.State),
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
		row.ReadAccountNumber, row.ReadAccountHolder = &f.AccountNumber, &f.AccountHolder
		if f.HasAmount {
			row.ReadAmountFen = &f.TotalAmountFen
		}
		if f.HasFigures {
			row.ReadFiguresFen = &f.FiguresFen
		}
		if f.HasCapitals {
			row.ReadCapitalsFen = &f.CapitalsFen
		}
		if row.ReadPages, row.ReadParts, err = marshalParts(r.Pages, r.Parts); err != nil {
			return documentRow{}, fmt.Errorf("document %s: %w", d.ID, err)
		}
	}
	return row, nil
}

func (w documentRow) toDomain() (domain.Document, error) {
	d := domain.Document{
		ID: w.ID, ReportID: w.ReportID, ClaimID: w.ClaimID, SHA256: w.SHA256, Media: document.Media(w.Media), Pages: w.Pages,
		SizeBytes: w.SizeBytes, FileName: w.FileName, UploadedBy: w.UploadedBy, UploadedVia: w.UploadedVia, UploadedAt: w.UploadedAt.UTC(),
		State: domain.DocumentState(w.State), Attempts: w.Attempts, LeaseUntil: postgres.UTC(w.LeaseUntil),
	}
	if w.FailureCode != nil {
		d.Failure = &domain.Failure{Code: apperr.Code(*w.FailureCode), Message: deref(w.FailureMessage)}
	}
	if w.ReadAt != nil {
		f := document.Fields{IDNumber: deref(w.ReadIDNumber), InvoiceNumber: deref(w.ReadInvoiceNumber), AmountsDisagree: deref(w.ReadAmountsDisagree)}
		f.AccountNumber, f.AccountHolder = deref(w.ReadAccountNumber), deref(w.ReadAccountHolder)
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
		// Names stored as JSON null come back as none.
		if len(w.ReadNames) > 0 {
			if err := json.Unmarshal(w.ReadNames, &f.Names); err != nil {
				return domain.Document{}, fmt.Errorf("document %s: names: %w", w.ID, err)
			}
		}
		d.Reading = &domain.Reading{Type: document.Type(deref(w.ReadType)), Confidence: deref(w.ReadConfidence), Fields: f,
			Text: deref(w.ReadText), ReadAt: w.ReadAt.UTC()}
		if d.Reading.Pages, d.Reading.Parts, err = unmarshalParts(w.ReadPages, w.ReadParts); err != nil {
			return domain.Document{}, fmt.Errorf("document %s: %w", w.ID, err)
		}
		if len(d.Reading.Parts) > 0 {
			// The first part's fields in full (sources and all the fields
			// of its type); the read_* columns hold the ones queried.
			d.Reading.Fields = d.Reading.Parts[0].Analysis.Fields
		}
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
		InvoiceNumber: c.InvoiceNumber, Note: c.Note, CorrectedBy: c.By, CorrectedAt: c.At, AccountNumber: c.AccountNumber,
		AccountHolder: c.AccountHolder, Part: c.Part}
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
		Note: w.Note, By: w.CorrectedBy, At: w.CorrectedAt.UTC(), AccountNumber: w.AccountNumber, AccountHolder: w.AccountHolder,
		Part: w.Part}
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
