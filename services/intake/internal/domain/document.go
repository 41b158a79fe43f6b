package domain

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
)

// DocumentState is where the reading of a supporting document stands.
// Documents are read off the request path: an upload is stored pending, a
// worker takes it (reading), and records what it read (read) or why it
// could not (failed).
type DocumentState string

// The states of a document.
const (
	DocumentPending DocumentState = "pending"
	DocumentReading DocumentState = "reading"
	DocumentRead    DocumentState = "read"
	DocumentFailed  DocumentState = "failed"
)

// MaxReadAttempts is how many times a document is taken for reading before
// it is failed: a document that makes the reader crash or hang is not
// retried for ever.
const MaxReadAttempts = 3

// LowConfidence is the classifier confidence below which a handler should
// check the type a machine read.
const LowConfidence = 0.6

// Document is a supporting document of a claim: a file stored under its
// SHA-256 (one document per file and claim), what the machine read from it,
// and the corrections handlers made, kept beside the machine's reading.
type Document struct {
	ID         string
	ReportID   string
	ClaimID    string
	SHA256     string
	Media      document.Media
	Pages      int
	SizeBytes  int64
	FileName   string
	UploadedBy string
	UploadedAt time.Time
	State      DocumentState
	// UploadedVia is how the document reached intake: ViaClaimant when
	// the claimant's own channel uploaded it, ViaStaff when a member of
	// staff did, "" when stored before it was recorded (issue 19).
	UploadedVia string
	// Attempts counts the times a worker took the document; the current
	// reader's lease ends at LeaseUntil.
	Attempts    int
	LeaseUntil  *time.Time
	Failure     *Failure
	Reading     *Reading
	Corrections []Correction
}

// Failure says why a document could not be read.
type Failure struct {
	Code    apperr.Code
	Message string
}

// Reading is what the machine read from a document. Type, Confidence and
// Fields are those of its first part.
type Reading struct {
	Type       document.Type
	Confidence float64
	Fields     document.Fields
	Text       string
	ReadAt     time.Time
	// Pages are the pages as read (size, rotation, the lines' boxes), and
	// Parts the documents the upload holds, in page order (issue 18: a PDF
	// holding a discharge summary and then an invoice is two parts). A
	// reading stored before parts were read has none: it is one part, every
	// page of the upload.
	Pages []document.Page
	Parts []document.Part
}

// Correction is a handler's correction of the type or fields of one part
// of a document. Nil fields are left as they were; later corrections win
// over earlier ones. The machine's reading is kept beside it (Reading).
type Correction struct {
	// Part is the index of the part corrected, 0 for the first (and only
	// part of a document of one).
	Part int
	Type *document.Type
	// ExpectedType is the type the handler saw when making the correction
	// ("" for a document whose type is not known), nil when not given. It
	// binds the correction to the document as shown: see Correct.
	ExpectedType   *document.Type
	IDNumber       *string
	TotalAmountFen *int64
	EventDate      *calendar.Date
	InvoiceNumber  *string
	Names          []string
	Note           string
	By             string
	At             time.Time

	// AccountNumber (digits, "" for none) and AccountHolder ("" for none
	// printed) correct a bank card's reading.
	AccountNumber *string
	AccountHolder *string
}

// NewDocument returns an uploaded document, pending its reading. fileName is
// what the uploader called the file, kept for people only: the format comes
// from the content.
func NewDocument(id string, r IncidentReport, sha256 string, media document.Media, pages int, size int64, fileName, by string, now time.Time) Document {
	return Document{
		ID: id, ReportID: r.ID, ClaimID: r.ClaimID, SHA256: sha256, Media: media, Pages: pages, SizeBytes: size,
		FileName: cleanFileName(fileName), UploadedBy: by, UploadedAt: now.UTC(), State: DocumentPending,
	}
}

// cleanFileName keeps the base name of a file name, without control
// characters nor format characters (bidirectional overrides, isolates and
// marks, zero-width characters, the byte-order mark: a right-to-left
// override showed "发票\u202Egnp.exe" as "发票exe.png" to the handler), and at
// most 200 characters of it.
func cleanFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	s = path.Base(strings.ReplaceAll(strings.TrimSpace(s), `\`, "/"))
	if s == "." || s == "/" {
		return ""
	}
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200])
	}
	return s
}

// Type returns the type of the document's first part, a handler's
// correction first, and whether it is known.
func (d Document) Type() (document.Type, bool) { return d.PartType(0) }

// Fields returns the fields of the document's first part (see PartFields).
func (d Document) Fields() document.Fields { return d.PartFields(0) }

// PartCount returns how many parts the document holds: at least one.
func (d Document) PartCount() int {
	if d.Reading != nil && len(d.Reading.Parts) > 0 {
		return len(d.Reading.Parts)
	}
	return 1
}

// MachinePart returns the machine's reading of part i, and false when the
// document is not read or has no such part. A reading stored before parts
// were read is one part over every page.
func (d Document) MachinePart(i int) (document.Part, bool) {
	r := d.Reading
	switch {
	case r == nil || i < 0 || i >= d.PartCount():
		return document.Part{}, false
	case len(r.Parts) == 0:
		return document.Part{FirstPage: 1, LastPage: max(d.Pages, 1),
			Analysis: document.Analysis{Type: r.Type, Confidence: r.Confidence, Fields: r.Fields}}, true
	}
	return r.Parts[i], true
}

// PartType returns the type of part i, a handler's correction of that part
// first, and whether it is known.
func (d Document) PartType(i int) (document.Type, bool) {
	for j := len(d.Corrections) - 1; j >= 0; j-- {
		if c := d.Corrections[j]; c.Part == i && c.Type != nil {
			return *c.Type, true
		}
	}
	if p, ok := d.MachinePart(i); ok {
		return p.Analysis.Type, true
	}
	return "", false
}

// PartFields returns the fields of part i: the machine's reading with the
// handlers' corrections of that part laid over it. A corrected amount
// settles a disagreement between figures and capitals. A corrected field
// keeps the machine's source (where it was read), so the viewer still shows
// the handler where to look.
func (d Document) PartFields(i int) document.Fields {
	var f document.Fields
	if p, ok := d.MachinePart(i); ok {
		f = p.Analysis.Fields
	}
	for _, c := range d.Corrections {
		if c.Part != i {
			continue
		}
		if c.IDNumber != nil {
			f.IDNumber = *c.IDNumber
		}
		if c.TotalAmountFen != nil {
			f.HasAmount, f.TotalAmountFen, f.AmountsDisagree = true, *c.TotalAmountFen, false
		}
		if c.EventDate != nil {
			f.EventDate = *c.EventDate
		}
		if c.InvoiceNumber != nil {
			f.InvoiceNumber = *c.InvoiceNumber
		}
		if c.Names != nil {
			f.Names = slices.Clone(c.Names)
		}
		if c.AccountNumber != nil {
			f.AccountNumber = *c.AccountNumber
		}
		if c.AccountHolder != nil {
			f.AccountHolder = *c.AccountHolder
		}
	}
	return f
}

// CorrectedFields names the fields of part i a handler corrected, by their
// names on the claim-request event, in a fixed order.
func (d Document) CorrectedFields(i int) []string {
	set := map[string]bool{}
	for _, c := range d.Corrections {
		if c.Part != i {
			continue
		}
		for name, changed := range map[string]bool{
			"type": c.Type != nil, "id_number": c.IDNumber != nil, "total_amount_fen": c.TotalAmountFen != nil,
			"event_date": c.EventDate != nil, "invoice_number": c.InvoiceNumber != nil, "names": c.Names != nil,
			"account_number": c.AccountNumber != nil, "holder_name": c.AccountHolder != nil,
		} {
			set[name] = set[name] || changed
		}
	}
	var out []string
	for _, name := range []string{"type", "id_number", "total_amount_fen", "event_date", "invoice_number", "names", "account_number", "holder_name"} {
		if set[name] {
			out = append(out, name)
		}
	}
	return out
}

// CorrectedBy names who corrected part i, each once, in the order they
// first did: what they typed is staff's entry, and adjudication lets none
// of them decide the claim (issue 19).
func (d Document) CorrectedBy(i int) []string {
	var out []string
	for _, c := range d.Corrections {
		if c.Part == i && c.By != "" && !slices.Contains(out, c.By) {
			out = append(out, c.By)
		}
	}
	return out
}

// Awaited reports whether the document's type is not known yet because it
// is still to be read.
func (d Document) Awaited() bool {
	_, known := d.Type()
	return !known && (d.State == DocumentPending || d.State == DocumentReading)
}

// Review lists why a handler should look at the document's first part
// (see PartReview).
func (d Document) Review() []string { return d.PartReview(0) }

// PartReview lists why a handler should look at part i: unreadable (read
// failed), low_confidence (the type is a guess), amounts_disagree (the
// figures and the capitals of the total differ). A correction of the type
// answers the first two, one of the amount the third.
func (d Document) PartReview(i int) []string {
	var out []string
	typeCorrected := slices.ContainsFunc(d.Corrections, func(c Correction) bool { return c.Part == i && c.Type != nil })
	p, read := d.MachinePart(i)
	switch {
	case typeCorrected:
	case d.State == DocumentFailed:
		out = append(out, "unreadable")
	case read && p.Analysis.Confidence < LowConfidence:
		out = append(out, "low_confidence")
	}
	if d.PartFields(i).AmountsDisagree {
		out = append(out, "amounts_disagree")
	}
	return out
}

// evidence returns the document's parts whose type is known as the
// checklist sees them: each part satisfies its own item (issue 18).
func (d Document) evidence() []Evidence {
	var out []Evidence
	for i := range d.PartCount() {
		if t, ok := d.PartType(i); ok {
			f := d.PartFields(i)
			out = append(out, Evidence{DocumentID: d.ID, Part: i, Type: t, Names: f.Names, IDNumberRead: f.IDNumber != "", ArrivedAt: d.UploadedAt})
		}
	}
	return out
}

// RecordReading stores what the worker on its attempt-th take read. A
// worker whose lease was taken over (the document was taken again) is too
// late: it reports false and nothing changes.
func (d *Document) RecordReading(attempt int, r Reading) bool {
	if d.State != DocumentReading || d.Attempts != attempt {
		return false
	}
	r.ReadAt = r.ReadAt.UTC()
	d.State, d.Reading, d.Failure, d.LeaseUntil = DocumentRead, &r, nil, nil
	return true
}

// RecordFailure stores why the worker on its attempt-th take could not
// read the document. A refusal of the file itself is final; another failure
// (the OCR engine unavailable) puts the document back in the queue, unless
// it was taken MaxReadAttempts times. Like RecordReading it reports false for
// a worker that lost its lease.
func (d *Document) RecordFailure(attempt int, f Failure) bool {
	if d.State != DocumentReading || d.Attempts != attempt {
		return false
	}
	d.LeaseUntil = nil
	final := f.Code == apperr.Unprocessable || f.Code == apperr.TooLarge || f.Code == apperr.UnsupportedMedia
	if !final && d.Attempts < MaxReadAttempts {
		d.State, d.Failure = DocumentPending, &f
		return true
	}
	d.State, d.Failure = DocumentFailed, &f
	return true
}

// Release gives back a document the worker on its attempt-th take stopped
// reading (the service shutting down): it waits again, and the take does
// not count.
func (d *Document) Release(attempt int) bool {
	if d.State != DocumentReading || d.Attempts != attempt {
		return false
	}
	d.State, d.LeaseUntil, d.Attempts = DocumentPending, nil, d.Attempts-1
	return true
}

var invoiceNumberPattern = regexp.MustCompile(`^[0-9A-Za-z]{6,30}$`)

// Correct records a handler's correction after checking it: a known type,
// a resident ID number whose checksum verifies, an amount in range, a
// date not in the future, and at least one change.
//
// A correction is bound to the document as the handler saw it (issue 20: a
// form that kept the previous document's values re-typed an invoice as an
// ID card). It is refused as a conflict when it names an ExpectedType that is
// not the document's current type, and when it changes the type of a
// document whose type is already known without naming the type it changes
// from: a re-type is explicit or it is not done. Bank-card fields belong to
// a document that is (or is explicitly made) a bank card.
func (d *Document) Correct(c Correction) error {
	if c.Type != nil && !slices.Contains(document.Types(), *c.Type) {
		return apperr.InvalidField("type", "must be one of the document types, got %q", *c.Type)
	}
	if c.Part < 0 || c.Part >= d.PartCount() {
		return apperr.InvalidField("part", "must be the index of one of the document's %d parts, got %d", d.PartCount(), c.Part)
	}
	current, known := d.PartType(c.Part)
	if c.ExpectedType != nil && *c.ExpectedType != current {
		return apperr.New(apperr.Conflict, "the document's type is %q now, not %q as shown when the correction was made: reload it and correct it again",
			current, *c.ExpectedType)
	}
	if c.Type != nil && known && *c.Type != current && c.ExpectedType == nil {
		return apperr.New(apperr.Conflict, "the correction changes the document's type from %q to %q without naming the type it changes from (expected_type)",
			current, *c.Type)
	}
	target := current
	if c.Type != nil {
		target = *c.Type
	}
	if (c.AccountNumber != nil || c.AccountHolder != nil) && target != document.BankCard {
		field := "fields.account_number"
		if c.AccountNumber == nil {
			field = "fields.account_holder"
		}
		return apperr.InvalidField(field, "belongs to a bank card, and the document is %q", target)
	}
	if c.IDNumber != nil && !document.ValidIDNumber(*c.IDNumber) {
		return apperr.InvalidField("fields.id_number", "is not a resident ID number whose check character verifies")
	}
	if a := c.TotalAmountFen; a != nil && (*a < 0 || *a > MaxAmountFen) {
		return apperr.InvalidField("fields.total_amount_fen", "must be between 0 and %d fen", MaxAmountFen)
	}
	if e := c.EventDate; e != nil && (!e.IsValid() || calendar.DateOf(c.At).Before(*e)) {
		return apperr.InvalidField("fields.event_date", "must be a real date (YYYY-MM-DD), not in the future")
	}
	if n := c.InvoiceNumber; n != nil && *n != "" && !invoiceNumberPattern.MatchString(*n) {
		return apperr.InvalidField("fields.invoice_number", "must be 6 to 30 letters or digits")
	}
	if len(c.Names) > 10 {
		return apperr.InvalidField("fields.names", "lists more than 10 names")
	}
	for i, n := range c.Names {
		name, err := personName("fields.names", n)
		if err != nil {
			return err
		}
		c.Names[i] = name
	}
	if a := c.AccountNumber; a != nil && *a != "" {
		digits, err := bankaccount.Normalize("fields.account_number", *a)
		if err != nil {
			return err
		}
		c.AccountNumber = &digits
	}
	if h := c.AccountHolder; h != nil && strings.TrimSpace(*h) != "" {
		name, err := personName("fields.account_holder", *h)
		if err != nil {
			return err
		}
		c.AccountHolder = &name
	} else if h != nil {
		c.AccountHolder = new(string)
	}
	note, err := freeText("note", c.Note, 1000)
	if err != nil {
		return err
	}
	c.Note = note
	if c.Type == nil && c.IDNumber == nil && c.TotalAmountFen == nil && c.EventDate == nil && c.InvoiceNumber == nil && c.Names == nil &&
		c.AccountNumber == nil && c.AccountHolder == nil {
		return apperr.New(apperr.Invalid, "the correction changes nothing: give a type or at least one field")
	}
	c.At = c.At.UTC()
	c.ExpectedType = nil // a precondition checked above, not part of the record
	d.Corrections = append(d.Corrections, c)
	return nil
}
