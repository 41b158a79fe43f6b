package ports

import (
	"fmt"
	"slices"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/document"
	"claims.local/pkg/document/docjson"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/redact"
)

// r1BasisZH and r1BasisEN cite the rule behind the guidance checklist (R1)
// in each language; r1Basis gives both, as the API always has.
const (
	r1BasisZH = "《人身保险业务基本服务规定》第二十二条；公司通知第四条第1项"
	r1BasisEN = "CIRC Basic Service Rules for Personal Insurance, art. 22; company notice §4.1"
	r1Basis   = r1BasisZH + " (" + r1BasisEN + ")"
)

type linkJSON struct {
	Reporter         reporterJSON `json:"reporter"`
	Description      string       `json:"description,omitempty"`
	ClaimedAmountFen int64        `json:"claimed_amount_fen,omitempty"`
	By               string       `json:"by"`
	At               time.Time    `json:"at"`
}

type reportResponse struct {
	ID               string         `json:"id"`
	ClaimID          string         `json:"claim_id"`
	PolicyNumber     string         `json:"policy_number"`
	ProductCode      string         `json:"product_code,omitempty"`
	InsuredName      string         `json:"insured_name"`
	IncidentType     string         `json:"incident_type"`
	IncidentTime     time.Time      `json:"incident_time"`
	IncidentPlace    string         `json:"incident_place,omitempty"`
	Description      string         `json:"description,omitempty"`
	Contact          string         `json:"contact,omitempty"`
	Reporter         reporterJSON   `json:"reporter"`
	Beneficiary      *personJSON    `json:"beneficiary,omitempty"`
	ClaimedAmountFen int64          `json:"claimed_amount_fen,omitempty"`
	ReportedAt       time.Time      `json:"reported_at"`
	ClaimRequestedAt *time.Time     `json:"claim_requested_at"`
	HandedOverAt     *time.Time     `json:"handed_over_at"`
	Linked           bool           `json:"linked,omitempty"`
	DuplicateOf      string         `json:"duplicate_of,omitempty"`
	LinkedReports    []linkJSON     `json:"linked_reports,omitempty"`
	FastChannel      *fastChannel   `json:"fast_channel,omitempty"`
	Advance          *advanceJSON   `json:"advance_agreement,omitempty"`
	Checklist        checklistJSON  `json:"checklist"`
	Documents        []documentJSON `json:"documents"`
	Notices          []noticeJSON   `json:"missing_documents_notices"`
	Supplements      []supplement   `json:"supplements"`
}

// fastChannel tells the claimant at once what the catastrophe fast channel
// means for them (R8): the points in Chinese and English.
type fastChannel struct {
	CatastropheCode string        `json:"catastrophe_code"`
	CatastropheName string        `json:"catastrophe_name"`
	Title           string        `json:"title"`
	TitleEN         string        `json:"title_en"`
	Points          []textPair    `json:"points"`
	Advance         advancePolicy `json:"advance"`
	Basis           string        `json:"basis"`
}

// advancePolicy is the advance the catastrophe's policy granted when the
// report was taken.
type advancePolicy struct {
	ShareBps int   `json:"share_bps"`
	CapFen   int64 `json:"cap_fen"`
}

func toFastChannel(fc domain.FastChannel, kind domain.IncidentType) *fastChannel {
	n := fc.Notice(kind)
	out := &fastChannel{CatastropheCode: fc.Code, CatastropheName: fc.Name, Title: n.Title.ZH, TitleEN: n.Title.EN,
		Points: make([]textPair, len(n.Points)), Advance: advancePolicy{ShareBps: fc.AdvanceShareBps, CapFen: fc.AdvanceCapFen}, Basis: n.Basis}
	for i, p := range n.Points {
		out.Points[i] = textPair{Text: p.ZH, TextEN: p.EN}
	}
	return out
}

// supplement is one stop of the decision clock (R4): from the day after
// delivered_at (null: the notice is not known to have reached the
// claimant, and the stop deducts nothing) to received_at.
type supplement struct {
	NoticeSentAt time.Time  `json:"notice_sent_at"`
	DeliveredAt  *time.Time `json:"delivered_at"`
	ReceivedAt   *time.Time `json:"received_at"`
}

// textPair is a text for the claimant in Chinese and English.
type textPair struct {
	Text   string `json:"text"`
	TextEN string `json:"text_en"`
}

func pairOf(t domain.Text) *textPair {
	if t.IsZero() {
		return nil
	}
	return &textPair{Text: t.ZH, TextEN: t.EN}
}

type optionJSON struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

func optionsOf(options []domain.DocumentOption) []optionJSON {
	out := make([]optionJSON, len(options))
	for i, o := range options {
		out[i] = optionJSON{Type: string(o.Type), Name: o.Name.ZH, NameEN: o.Name.EN}
	}
	return out
}

type satisfiedJSON struct {
	DocumentID string `json:"document_id"`
	// Part is the part of the document that satisfies the item (0 for the
	// first): a bundle's parts satisfy their own items (issue 18).
	Part int    `json:"part"`
	Type string `json:"type"`
}

type waiverJSON struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

type itemJSON struct {
	ID            string       `json:"id"`
	Title         string       `json:"title"`
	TitleEN       string       `json:"title_en"`
	Description   string       `json:"description"`
	DescriptionEN string       `json:"description_en"`
	Documents     []optionJSON `json:"documents"`
	// AnyOf is set when any one of several documents will do.
	AnyOf     bool      `json:"any_of"`
	Person    string    `json:"person,omitempty"`
	Multiple  bool      `json:"multiple,omitempty"`
	Condition *textPair `json:"condition,omitempty"`
	Reminder  *textPair `json:"reminder,omitempty"`
	Basis     string    `json:"basis,omitempty"`
	// The rest describes the item on a report.
	State       string          `json:"state,omitempty"`
	SatisfiedBy []satisfiedJSON `json:"satisfied_by,omitempty"`
	Waiver      *waiverJSON     `json:"waiver,omitempty"`
}

type checklistJSON struct {
	IncidentType string     `json:"incident_type"`
	Product      string     `json:"product,omitempty"`
	Variant      string     `json:"variant,omitempty"`
	Version      string     `json:"version"`
	Title        string     `json:"title"`
	TitleEN      string     `json:"title_en"`
	Basis        string     `json:"basis"`
	BasisZH      string     `json:"basis_zh"`
	BasisEN      string     `json:"basis_en"`
	Items        []itemJSON `json:"items"`
	// Complete and Missing describe the checklist of a report.
	Complete *bool    `json:"complete,omitempty"`
	Missing  []string `json:"missing,omitempty"`
}

func toItem(it domain.ChecklistItem) itemJSON {
	out := itemJSON{
		ID: it.ID, Title: it.Title.ZH, TitleEN: it.Title.EN, Description: it.Description.ZH, DescriptionEN: it.Description.EN,
		Documents: optionsOf(it.Documents), AnyOf: len(it.Documents) > 1, Person: string(it.Person), Multiple: it.Multiple, Reminder: pairOf(it.Reminder), Basis: it.Basis,
	}
	if !it.When.IsZero() {
		out.Condition = pairOf(it.When.Describe())
	}
	return out
}

func toChecklist(t domain.ChecklistTemplate) checklistJSON {
	out := checklistJSON{IncidentType: string(t.IncidentType), Product: t.Product, Variant: t.Variant, Version: t.Version,
		Title: t.Title.ZH, TitleEN: t.Title.EN, Basis: r1Basis, BasisZH: r1BasisZH, BasisEN: r1BasisEN, Items: []itemJSON{}}
	for _, it := range t.Items {
		out.Items = append(out.Items, toItem(it))
	}
	return out
}

func toChecklistStatus(s domain.ChecklistStatus) checklistJSON {
	out := toChecklist(s.Template)
	complete := s.Complete()
	out.Complete = &complete
	for i, st := range s.Items {
		it := &out.Items[i]
		it.State = string(st.State)
		for _, e := range st.SatisfiedBy {
			it.SatisfiedBy = append(it.SatisfiedBy, satisfiedJSON{DocumentID: e.DocumentID, Part: e.Part, Type: string(e.Type)})
		}
		if w := st.Waiver; w != nil {
			it.Waiver = &waiverJSON{Reason: w.Reason, By: w.By, At: w.At}
		}
		if st.State == domain.ItemMissing {
			out.Missing = append(out.Missing, st.ID)
		}
	}
	return out
}

// advanceJSON is an advance agreement as shown (issue 19): the payee is
// sealed for payout, its account masked here (R11).
type advanceJSON struct {
	Channel   string    `json:"channel"`
	AgreedAt  time.Time `json:"agreed_at"`
	PayeeRole string    `json:"payee_role"`
	BankName  string    `json:"bank_name"`
	Account   string    `json:"account"`
}

func toReport(f domain.ClaimFile) reportResponse { return toReportOf(f, f.Checklist(), true) }

// toReportOf returns f's answer, whose checklist stands at status; with
// its checklist only when withChecklist (reportAnswers adds it encoded).
func toReportOf(f domain.ClaimFile, status domain.ChecklistStatus, withChecklist bool) reportResponse {
	r := f.Report
	out := reportResponse{
		ID: r.ID, ClaimID: r.ClaimID, PolicyNumber: r.PolicyNumber, ProductCode: r.ProductCode, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime, IncidentPlace: r.IncidentPlace,
		Description: r.Description, Contact: redact.Contact(r.Contact),
		Reporter:         reporterJSON{Name: r.Reporter.Name, Role: string(r.Reporter.Role), Relation: string(r.Reporter.Relation)},
		ClaimedAmountFen: r.ClaimedAmountFen, ReportedAt: r.ReportedAt, ClaimRequestedAt: r.ClaimRequestedAt,
		HandedOverAt: r.HandedOverAt,
		Documents:    []documentJSON{}, Notices: []noticeJSON{}, Supplements: []supplement{},
	}
	if withChecklist {
		out.Checklist = toChecklistStatus(status)
	}
	if b := r.Beneficiary; b != nil {
		out.Beneficiary = &personJSON{Name: b.Name, Relation: string(b.Relation)}
	}
	if fc := r.FastChannel; fc != nil {
		out.FastChannel = toFastChannel(*fc, r.IncidentType)
	}
	if a := r.Advance; a != nil {
		out.Advance = &advanceJSON{Channel: a.Channel, AgreedAt: a.AgreedAt, PayeeRole: a.PayeeRole, BankName: a.BankName, Account: "****" + a.AccountLast4}
	}
	for _, l := range r.Links {
		out.LinkedReports = append(out.LinkedReports, linkJSON{By: l.By, At: l.At, Description: l.Description, ClaimedAmountFen: l.ClaimedAmountFen,
			Reporter: reporterJSON{Name: l.Reporter.Name, Role: string(l.Reporter.Role), Relation: string(l.Reporter.Relation)}})
	}
	satisfies := satisfiedItems(status)
	for _, d := range f.Documents {
		out.Documents = append(out.Documents, toDocument(d, satisfies[d.ID], false))
	}
	for _, n := range f.Notices {
		out.Notices = append(out.Notices, toNotice(r.ID, n))
	}
	for _, s := range f.Supplements() {
		out.Supplements = append(out.Supplements, supplement{NoticeSentAt: s.NoticeSentAt, DeliveredAt: s.DeliveredAt, ReceivedAt: s.ReceivedAt})
	}
	return out
}

// satisfiedItems maps each document to the checklist items each of its
// parts satisfies, indexed by part.
func satisfiedItems(s domain.ChecklistStatus) map[string][][]string {
	out := map[string][][]string{}
	for _, it := range s.Items {
		for _, e := range it.SatisfiedBy {
			parts := out[e.DocumentID]
			for len(parts) <= e.Part {
				parts = append(parts, nil)
			}
			parts[e.Part] = append(parts[e.Part], it.ID)
			out[e.DocumentID] = parts
		}
	}
	return out
}

type failureJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fieldsJSON are a document's fields in the shape claimsctl doc inspect
// prints too (package docjson); a key is present only when the field was
// found.
type fieldsJSON = docjson.Fields

// toFields is the JSON view of f with the resident ID number and the
// account number masked (R11).
func toFields(f document.Fields) fieldsJSON {
	if f.IDNumber != "" {
		f.IDNumber = redact.IDNumber(f.IDNumber)
	}
	if f.AccountNumber != "" {
		f.AccountNumber = bankaccount.Mask(f.AccountNumber)
	}
	return docjson.FieldsOf(f)
}

type readingJSON struct {
	Type       string     `json:"type"`
	Confidence float64    `json:"confidence"`
	Fields     fieldsJSON `json:"fields"`
	ReadAt     time.Time  `json:"read_at"`
}

type correctionJSON struct {
	Part   int        `json:"part"`
	Type   string     `json:"type,omitempty"`
	Fields fieldsJSON `json:"fields"`
	Note   string     `json:"note,omitempty"`
	By     string     `json:"by"`
	At     time.Time  `json:"at"`
}

type documentJSON struct {
	ID         string    `json:"id"`
	ReportID   string    `json:"report_id"`
	ClaimID    string    `json:"claim_id"`
	SHA256     string    `json:"sha256"`
	Media      string    `json:"media"`
	Pages      int       `json:"pages"`
	SizeBytes  int64     `json:"size_bytes"`
	FileName   string    `json:"file_name,omitempty"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
	State      string    `json:"state"`
	// Type and Fields are the document's as it stands: the machine's
	// reading with the handlers' corrections over it.
	Type        string           `json:"type,omitempty"`
	Fields      fieldsJSON       `json:"fields"`
	Review      []string         `json:"review,omitempty"`
	Satisfies   []string         `json:"satisfies,omitempty"`
	Failure     *failureJSON     `json:"failure,omitempty"`
	Reading     *readingJSON     `json:"reading,omitempty"`
	Corrections []correctionJSON `json:"corrections,omitempty"`
	Text        string           `json:"text,omitempty"`
	// Parts are the documents the upload holds, in page order (issue 18);
	// Type, Fields, Review and Reading above are the first part's, and
	// Satisfies lists what every part satisfies. PageImages are the pages
	// as read: the size and rotation the sources' boxes refer to.
	Parts      []partJSON      `json:"parts,omitempty"`
	PageImages []pageImageJSON `json:"page_images,omitempty"`
}

// partJSON is a part of a document as it stands: its pages, type and
// fields with the handlers' corrections, where each field was read, and the
// machine's own reading kept beside it (Reading, Corrected).
type partJSON struct {
	docjson.Part
	Index     int          `json:"index"`
	Review    []string     `json:"review,omitempty"`
	Satisfies []string     `json:"satisfies,omitempty"`
	Reading   *readingJSON `json:"reading,omitempty"`
	// Corrected names the fields a handler corrected (their names on the
	// claim-request event).
	Corrected []string `json:"corrected,omitempty"`
}

// pageImageJSON is a page as read: its number (from 1), the upright image's
// size in pixels, the clockwise rotation the reader applied to make it
// upright, and how its text was read (ocr, text_layer, ofd).
type pageImageJSON struct {
	Number   int    `json:"number"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Rotation int    `json:"rotation"`
	Source   string `json:"source"`
}

// toDocument is the JSON view of d; satisfies lists, per part, the
// checklist items it satisfies (satisfiedItems).
func toDocument(d domain.Document, satisfies [][]string, withText bool) documentJSON {
	out := documentJSON{
		ID: d.ID, ReportID: d.ReportID, ClaimID: d.ClaimID, SHA256: d.SHA256, Media: string(d.Media), Pages: d.Pages,
		SizeBytes: d.SizeBytes, FileName: d.FileName, UploadedBy: d.UploadedBy, UploadedAt: d.UploadedAt, State: string(d.State),
		Fields: toFields(d.Fields()), Review: d.Review(), Satisfies: slices.Concat(satisfies...),
	}
	for i := range d.PartCount() {
		m, read := d.MachinePart(i)
		if !read {
			break
		}
		f := d.PartFields(i)
		p := partJSON{Part: docjson.Part{Pages: [2]int{m.FirstPage, m.LastPage}, Confidence: m.Analysis.Confidence,
			Fields: toFields(f), Sources: docjson.SourcesOf(f.Sources)},
			Index: i, Review: d.PartReview(i), Corrected: d.CorrectedFields(i),
			Reading: &readingJSON{Type: string(m.Analysis.Type), Confidence: m.Analysis.Confidence, Fields: toFields(m.Analysis.Fields), ReadAt: d.Reading.ReadAt}}
		if t, ok := d.PartType(i); ok {
			p.Type = string(t)
		}
		if i < len(satisfies) {
			p.Satisfies = satisfies[i]
		}
		out.Parts = append(out.Parts, p)
	}
	if d.Reading != nil {
		for _, pg := range d.Reading.Pages {
			out.PageImages = append(out.PageImages, pageImageJSON{Number: pg.Number, Width: pg.Width, Height: pg.Height, Rotation: pg.Rotation, Source: string(pg.Source)})
		}
	}
	if t, ok := d.Type(); ok {
		out.Type = string(t)
	}
	if f := d.Failure; f != nil {
		out.Failure = &failureJSON{Code: string(f.Code), Message: f.Message}
	}
	if r := d.Reading; r != nil {
		out.Reading = &readingJSON{Type: string(r.Type), Confidence: r.Confidence, Fields: toFields(r.Fields), ReadAt: r.ReadAt}
		if withText {
			// Issue 17: the ID and account numbers read are masked in the
			// text too; the full text is revealed for a reason only.
			out.Text = redact.Text(r.Text)
		}
	}
	for _, c := range d.Corrections {
		cj := correctionJSON{Part: c.Part, Note: c.Note, By: c.By, At: c.At}
		if c.Type != nil {
			cj.Type = string(*c.Type)
		}
		var f document.Fields
		if c.IDNumber != nil {
			f.IDNumber = *c.IDNumber
		}
		if c.TotalAmountFen != nil {
			f.HasAmount, f.TotalAmountFen = true, *c.TotalAmountFen
		}
		if c.EventDate != nil {
			f.EventDate = *c.EventDate
		}
		if c.InvoiceNumber != nil {
			f.InvoiceNumber = *c.InvoiceNumber
		}
		f.Names = c.Names
		if c.AccountNumber != nil {
			f.AccountNumber = *c.AccountNumber
		}
		if c.AccountHolder != nil {
			f.AccountHolder = *c.AccountHolder
		}
		cj.Fields = toFields(f)
		out.Corrections = append(out.Corrections, cj)
	}
	return out
}

type noticeItem struct {
	ItemID        string       `json:"item_id"`
	Title         string       `json:"title"`
	TitleEN       string       `json:"title_en"`
	Description   string       `json:"description"`
	DescriptionEN string       `json:"description_en"`
	Documents     []optionJSON `json:"documents"`
	Reminder      *textPair    `json:"reminder,omitempty"`
	Why           *textPair    `json:"why,omitempty"`
}

type noticeJSON struct {
	Seq                  int          `json:"seq"`
	OneTime              bool         `json:"one_time"`
	Items                []noticeItem `json:"items"`
	Reason               string       `json:"reason,omitempty"`
	Channel              string       `json:"channel"`
	SentBy               string       `json:"sent_by"`
	SentAt               time.Time    `json:"sent_at"`
	SupplementReceivedAt *time.Time   `json:"supplement_received_at"`
	// DeliveredAt is when the notice reached the claimant (null until its
	// receipt is recorded), Receipt names the receipt and
	// DeliveryRecordedBy who recorded it.
	DeliveredAt        *time.Time `json:"delivered_at"`
	Receipt            string     `json:"receipt,omitempty"`
	DeliveryRecordedBy string     `json:"delivery_recorded_by,omitempty"`
	// Letter is where the printable notice is.
	Letter string `json:"letter"`
}

func letterPath(reportID string, seq int) string {
	return fmt.Sprintf("/v1/reports/%s/missing-documents-notices/%d/letter.html", reportID, seq)
}

func toNotice(reportID string, n domain.Notice) noticeJSON {
	out := noticeJSON{Seq: n.Seq, OneTime: n.Seq == 1, Reason: n.Reason, Channel: string(n.Channel), SentBy: n.SentBy,
		SentAt: n.SentAt, SupplementReceivedAt: n.SupplementReceivedAt, Letter: letterPath(reportID, n.Seq)}
	if d := n.Delivery; d != nil {
		at := d.At
		out.DeliveredAt, out.Receipt, out.DeliveryRecordedBy = &at, d.Receipt, d.By
	}
	for _, it := range n.Items {
		ni := noticeItem{ItemID: it.ItemID, Title: it.Title.ZH, TitleEN: it.Title.EN, Description: it.Description.ZH,
			DescriptionEN: it.Description.EN, Documents: optionsOf(it.Documents), Reminder: pairOf(it.Reminder), Why: pairOf(it.Why)}
		out.Items = append(out.Items, ni)
	}
	return out
}

// candidateJSON is the open report of the same incident a new report may be
// linked to, as the person entering the new one sees it to choose (issue
// 20): what it says and how far it got, the contact masked.
type candidateJSON struct {
	ID               string       `json:"id"`
	ClaimID          string       `json:"claim_id"`
	IncidentType     string       `json:"incident_type"`
	IncidentTime     time.Time    `json:"incident_time"`
	Description      string       `json:"description"`
	Reporter         reporterJSON `json:"reporter"`
	ClaimedAmountFen int64        `json:"claimed_amount_fen,omitempty"`
	ReportedAt       time.Time    `json:"reported_at"`
	ClaimRequestedAt *time.Time   `json:"claim_requested_at,omitempty"`
	LinkedReports    int          `json:"linked_reports"`
}

func toCandidate(f domain.ClaimFile) candidateJSON {
	r := f.Report
	return candidateJSON{ID: r.ID, ClaimID: r.ClaimID, IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime,
		Description: r.Description, Reporter: reporterJSON{Name: r.Reporter.Name, Role: string(r.Reporter.Role), Relation: string(r.Reporter.Relation)},
		ClaimedAmountFen: r.ClaimedAmountFen, ReportedAt: r.ReportedAt, ClaimRequestedAt: r.ClaimRequestedAt, LinkedReports: len(r.Links)}
}

// possibleDuplicateJSON is the 409 answer of a report matching an open one:
// the platform's error with the candidate beside it, for staff only (the
// claimant's channel is told none).
type possibleDuplicateJSON struct {
	Error     httpapi.ErrorDetail `json:"error"`
	Candidate *candidateJSON      `json:"candidate,omitempty"`
}
