package domain_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
)

var t0 = time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)

// file returns the claim file of a medical report by the insured, its
// claim request received at t0.
func file() *domain.ClaimFile {
	received := t0
	return &domain.ClaimFile{Report: domain.IncidentReport{
		ID: "r1", ClaimID: "c1", InsuredName: "张三", IncidentType: domain.IncidentMedical,
		Reporter:         domain.Reporter{Name: "张三", Role: domain.RoleInsured, Relation: domain.RelationSelf},
		ClaimRequestedAt: &received, Checklist: template(),
	}}
}

// read adds a document read as type t with fields, uploaded at at.
func read(f *domain.ClaimFile, id string, t document.Type, at time.Time, fields document.Fields) {
	d := domain.NewDocument(id, f.Report, strings.Repeat(id[len(id)-1:], 64), document.PNG, 1, 100, id+".png", "h", at)
	d.State, d.Attempts = domain.DocumentReading, 1
	d.RecordReading(1, domain.Reading{Type: t, Confidence: 0.9, Fields: fields, ReadAt: at})
	f.AddDocument(d)
}

func wantConflict(t *testing.T, err error, about string) {
	t.Helper()
	if apperr.CodeOf(err) != apperr.Conflict || !strings.Contains(err.Error(), about) {
		t.Fatalf("got %v, want a conflict about %q", err, about)
	}
}

func itemIDs(n domain.Notice) []string {
	var out []string
	for _, it := range n.Items {
		out = append(out, it.ItemID)
	}
	return out
}

func TestTheOneTimeNoticeListsEverythingMissing(t *testing.T) {
	f := file()
	read(f, "d1", document.IDCard, t0, document.Fields{Names: []string{"张三"}})
	n, err := f.SendNotice(domain.ChannelSMS, "", "handler-1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := itemIDs(n), []string{"medical_invoices", "treatment_record"}; !slices.Equal(got, want) || n.Seq != 1 {
		t.Fatalf("got notice %d of %v, want notice 1 of %v", n.Seq, got, want)
	}
	// Nothing new to ask for: no second notice.
	_, err = f.SendNotice(domain.ChannelSMS, "again", "handler-1", t0.Add(2*time.Hour))
	wantConflict(t, err, "already asked for every item")

	// An invoice read above the threshold makes the bank account necessary:
	// a later notice may ask for it, saying why.
	read(f, "d2", document.MedicalInvoice, t0.Add(3*time.Hour), document.Fields{HasAmount: true, TotalAmountFen: 1_500_000, InvoiceNumber: "0012345678"})
	_, err = f.SendNotice(domain.ChannelSMS, "", "handler-1", t0.Add(4*time.Hour))
	if e, ok := apperr.As(err); !ok || e.Field != "reason" {
		t.Fatalf("got %v for a later notice without a reason, want invalid reason", err)
	}
	later, err := f.SendNotice(domain.ChannelLetter, "发票金额合计15,000元", "handler-2", t0.Add(4*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(later); !slices.Equal(got, []string{"bank_account"}) || later.Seq != 2 || !strings.Contains(later.Items[0].Why.EN, "CNY 15,000.00") {
		t.Fatalf("got later notice %d of %v (why %+v), want notice 2 of the bank account because of the amount", later.Seq, got, later.Items[0].Why)
	}
	if s := f.Supplements(); len(s) != 1 || !s[0].NoticeSentAt.Equal(t0.Add(time.Hour)) || s[0].ReceivedAt != nil {
		t.Fatalf("got supplements %+v, want one, from the one-time notice, awaited", s)
	}
}

func TestNoticeRefusals(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *domain.ClaimFile)
		about  string
		code   apperr.Code
		reason string
	}{
		{"before the claim request", func(f *domain.ClaimFile) { f.Report.ClaimRequestedAt = nil }, "no claim request", apperr.Conflict, ""},
		{"after the hand-over", func(f *domain.ClaimFile) { f.Report.HandedOverAt = &t0 }, "handed to adjudication", apperr.Conflict, ""},
		{"while a document is being read", func(f *domain.ClaimFile) {
			f.AddDocument(domain.NewDocument("d1", f.Report, strings.Repeat("a", 64), document.PNG, 1, 1, "", "h", t0))
		}, "still being read", apperr.Conflict, ""},
		{"when nothing is missing", func(f *domain.ClaimFile) {
			for _, id := range []string{"insured_id", "medical_invoices", "treatment_record"} {
				f.Waivers = append(f.Waivers, domain.Waiver{ItemID: id, Reason: "seen"})
			}
		}, "nothing is missing", apperr.Conflict, ""},
		{"a reason with control characters", func(*domain.ClaimFile) {}, "control characters", apperr.Invalid, "a\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file()
			tt.setup(f)
			_, err := f.SendNotice(domain.ChannelSMS, tt.reason, "h", t0)
			if apperr.CodeOf(err) != tt.code || !strings.Contains(err.Error(), tt.about) {
				t.Fatalf("got %v, want %s about %q", err, tt.code, tt.about)
			}
			if len(f.Notices) != 0 {
				t.Fatalf("got %d notices after a refusal, want none", len(f.Notices))
			}
		})
	}
	if _, err := file().SendNotice("pigeon", "", "h", t0); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("got %v for an unknown channel, want invalid_argument", err)
	}
	// A document still being read whose type a handler set does not hold
	// the notice back.
	f := file()
	d := domain.NewDocument("d1", f.Report, strings.Repeat("a", 64), document.PNG, 1, 1, "", "h", t0)
	typ := document.IDCard
	if err := d.Correct(domain.Correction{Type: &typ, By: "h", At: t0}); err != nil {
		t.Fatal(err)
	}
	f.AddDocument(d)
	if _, err := f.SendNotice(domain.ChannelSMS, "", "h", t0); err != nil {
		t.Fatalf("got %v with a pending document whose type was corrected, want the notice sent", err)
	}
}

func TestHandOver(t *testing.T) {
	f := file()
	f.Report.ClaimRequestedAt = nil
	read(f, "d1", document.IDCard, t0, document.Fields{Names: []string{"张三"}})
	read(f, "d2", document.MedicalInvoice, t0, document.Fields{})
	read(f, "d3", document.DischargeSummary, t0, document.Fields{})
	if f.HandOver(t0) {
		t.Fatal("got a hand-over before the claim request, want none")
	}
	received := t0
	f.Report.ClaimRequestedAt = &received
	pending := domain.NewDocument("d4", f.Report, strings.Repeat("4", 64), document.PDF, 1, 1, "", "h", t0)
	f.AddDocument(pending)
	if f.HandOver(t0) {
		t.Fatal("got a hand-over while a document is being read, want none")
	}
	f.Documents[3].State = domain.DocumentFailed
	if !f.HandOver(t0.Add(time.Minute)) || !f.Report.HandedOverAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("got handed over at %v, want at once when complete", f.Report.HandedOverAt)
	}
	if f.HandOver(t0.Add(time.Hour)) {
		t.Fatal("got a second hand-over, want one")
	}
}

// TestTheSupplementArrivesWithItsLastItem: after the one-time notice the
// clock restarts when the last item asked for arrived (its upload, not its
// reading), never before the notice.
func TestTheSupplementArrivesWithItsLastItem(t *testing.T) {
	notice := t0.Add(time.Hour)
	tests := []struct {
		name string
		add  func(f *domain.ClaimFile)
		want time.Time
	}{
		{"the last upload", func(f *domain.ClaimFile) {
			read(f, "d2", document.MedicalInvoice, notice.Add(48*time.Hour), document.Fields{})
			read(f, "d3", document.DiagnosisCertificate, notice.Add(24*time.Hour), document.Fields{})
		}, notice.Add(48 * time.Hour)},
		{"a waiver", func(f *domain.ClaimFile) {
			read(f, "d2", document.MedicalInvoice, notice.Add(2*time.Hour), document.Fields{})
			f.Waivers = append(f.Waivers, domain.Waiver{ItemID: "treatment_record", Reason: "seen", At: notice.Add(72 * time.Hour)})
		}, notice.Add(72 * time.Hour)},
		{"uploaded before the notice, read after", func(f *domain.ClaimFile) {
			read(f, "d2", document.MedicalInvoice, t0, document.Fields{})
			read(f, "d3", document.DiagnosisCertificate, t0, document.Fields{})
		}, notice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file()
			read(f, "d1", document.IDCard, t0, document.Fields{Names: []string{"张三"}})
			if _, err := f.SendNotice(domain.ChannelSMS, "", "h", notice); err != nil {
				t.Fatal(err)
			}
			tt.add(f)
			now := notice.Add(100 * time.Hour)
			if !f.HandOver(now) {
				t.Fatal("got no hand-over of a complete claim")
			}
			s := f.Supplements()
			if len(s) != 1 || s[0].ReceivedAt == nil || !s[0].ReceivedAt.Equal(tt.want) {
				t.Fatalf("got supplements %+v, want one received at %v", s, tt.want)
			}
		})
	}
}

func TestSatisfy(t *testing.T) {
	f := file()
	if err := f.Satisfy("insured_id", "原件已在柜面核验", "handler-1", t0); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Checklist().Item("insured_id")
	if st.State != domain.ItemWaived || st.Waiver.By != "handler-1" || st.Waiver.Reason != "原件已在柜面核验" {
		t.Fatalf("got %+v, want waived by handler-1 with the reason", st)
	}
	tests := []struct {
		item, reason string
		code         apperr.Code
	}{
		{"insured_id", "again", apperr.Conflict},
		{"bank_account", "not asked for", apperr.Conflict},
		{"nope", "no such item", apperr.NotFound},
		{"medical_invoices", " ", apperr.Invalid},
	}
	for _, tt := range tests {
		if err := f.Satisfy(tt.item, tt.reason, "h", t0); apperr.CodeOf(err) != tt.code {
			t.Errorf("Satisfy(%s, %q): got %v, want %s", tt.item, tt.reason, err, tt.code)
		}
	}
}

func TestSatisfyAll(t *testing.T) {
	many := make([]string, domain.MaxSatisfyAtOnce+1)
	for i := range many {
		many[i] = fmt.Sprintf("item-%d", i)
	}
	tests := []struct {
		name    string
		items   []string
		reason  string
		code    apperr.Code
		waivers int
	}{
		{"two items", []string{"insured_id", "medical_invoices"}, "原件已在柜面核验", "", 2},
		{"no item", nil, "原件已在柜面核验", apperr.Invalid, 0},
		{"an item twice", []string{"insured_id", "medical_invoices", "insured_id"}, "原件已在柜面核验", apperr.Invalid, 0},
		{"one not on the checklist", []string{"insured_id", "nope"}, "原件已在柜面核验", apperr.NotFound, 0},
		{"one not asked for", []string{"insured_id", "bank_account"}, "原件已在柜面核验", apperr.Conflict, 0},
		{"no reason", []string{"insured_id"}, " ", apperr.Invalid, 0},
		{"too many", many, "原件已在柜面核验", apperr.Invalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file()
			err := f.SatisfyAll(tt.items, tt.reason, "h", t0)
			if tt.code == "" && err != nil || tt.code != "" && apperr.CodeOf(err) != tt.code {
				t.Fatalf("got %v, want code %q", err, tt.code)
			}
			if len(f.Waivers) != tt.waivers {
				t.Fatalf("got %d waivers, want %d (all or none)", len(f.Waivers), tt.waivers)
			}
		})
	}
}

func TestAmountsOfTheInvoices(t *testing.T) {
	f := file()
	f.Report.ClaimedAmountFen = 0
	read(f, "d1", document.MedicalInvoice, t0, document.Fields{HasAmount: true, TotalAmountFen: 600_000, InvoiceNumber: "0001"})
	read(f, "d2", document.MedicalInvoice, t0, document.Fields{HasAmount: true, TotalAmountFen: 600_000, InvoiceNumber: "0001"})
	read(f, "d3", document.MedicalInvoice, t0, document.Fields{HasAmount: true, TotalAmountFen: 500_000})
	read(f, "d4", document.DischargeSummary, t0, document.Fields{HasAmount: true, TotalAmountFen: 999})
	if got := f.InvoiceTotalFen(); got != 1_100_000 {
		t.Fatalf("got invoices %d fen, want 1,100,000: one invoice scanned twice counts once, no other document counts", got)
	}
	if st, _ := f.Checklist().Item("bank_account"); st.State != domain.ItemMissing {
		t.Fatalf("got bank account %s, want missing above the threshold", st.State)
	}
	f.Report.ClaimedAmountFen = 50_000
	if got := f.ClaimedAmountFen(); got != 50_000 {
		t.Fatalf("got claimed %d, want the report's 50,000", got)
	}
}

func TestAddingTheSameFileTwiceIsOneDocument(t *testing.T) {
	f := file()
	first, added := f.AddDocument(domain.NewDocument("d1", f.Report, strings.Repeat("a", 64), document.PNG, 1, 1, "a.png", "h", t0))
	again, addedAgain := f.AddDocument(domain.NewDocument("d2", f.Report, strings.Repeat("a", 64), document.PNG, 1, 1, "copy.png", "h", t0))
	if !added || addedAgain || again.ID != first.ID || len(f.Documents) != 1 {
		t.Fatalf("got added %v then %v (%s), %d documents; want the first document once", added, addedAgain, again.ID, len(f.Documents))
	}
}

func TestDocumentReadingAndCorrections(t *testing.T) {
	f := file()
	d := domain.NewDocument("d1", f.Report, strings.Repeat("a", 64), document.JPEG, 1, 1, `C:\scans\..\身份证 正面.jpg`, "h", t0)
	if d.FileName != "身份证 正面.jpg" {
		t.Fatalf("got file name %q, want the base name", d.FileName)
	}
	if !d.Awaited() || len(d.Review()) != 0 {
		t.Fatalf("got awaited %v review %v for a pending document, want awaited and nothing to review", d.Awaited(), d.Review())
	}
	d.State, d.Attempts = domain.DocumentReading, 2
	if d.RecordReading(1, domain.Reading{Type: document.IDCard}) {
		t.Fatal("got a stale reader's reading recorded, want it ignored")
	}
	d.RecordReading(2, domain.Reading{Type: document.MedicalInvoice, Confidence: 0.4, ReadAt: t0,
		Fields: document.Fields{HasAmount: true, TotalAmountFen: 100, HasFigures: true, FiguresFen: 100, HasCapitals: true, CapitalsFen: 1000, AmountsDisagree: true}})
	if got := d.Review(); !slices.Equal(got, []string{"low_confidence", "amounts_disagree"}) {
		t.Fatalf("got review %v, want low_confidence and amounts_disagree", got)
	}
	typ, date := document.MedicalInvoice, calendar.Date{Year: 2026, Month: 3, Day: 5}
	if err := d.Correct(domain.Correction{Type: &typ, TotalAmountFen: fen(1000), EventDate: &date, By: "h", At: t0}); err != nil {
		t.Fatal(err)
	}
	if f := d.Fields(); len(d.Review()) != 0 || f.TotalAmountFen != 1000 || f.AmountsDisagree || f.EventDate != date || d.Reading.Fields.TotalAmountFen != 100 {
		t.Fatalf("got fields %+v review %v, want the correction over the machine's reading, which is kept", f, d.Review())
	}
	bad := []struct {
		c     domain.Correction
		field string
	}{
		{domain.Correction{Type: ptrType("passport")}, "type"},
		{domain.Correction{IDNumber: ptrString("110105198506150015")}, "fields.id_number"},
		{domain.Correction{TotalAmountFen: fen(-1)}, "fields.total_amount_fen"},
		{domain.Correction{EventDate: &calendar.Date{Year: 2099, Month: 1, Day: 1}}, "fields.event_date"},
		{domain.Correction{InvoiceNumber: ptrString("12 34")}, "fields.invoice_number"},
		{domain.Correction{Names: []string{""}}, "fields.names"},
		{domain.Correction{AccountNumber: ptrString("6222 0212 34x")}, "fields.account_number"},
		{domain.Correction{AccountNumber: ptrString("12345")}, "fields.account_number"},
		{domain.Correction{AccountHolder: ptrString("李\x00四")}, "fields.account_holder"},
		{domain.Correction{Note: "nothing else"}, ""},
	}
	for _, b := range bad {
		b.c.At = t0
		err := d.Correct(b.c)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Field != b.field {
			t.Errorf("Correct(%+v): got %v, want invalid_argument on %q", b.c, err, b.field)
		}
	}
	if len(d.Corrections) != 1 {
		t.Fatalf("got %d corrections after refusals, want 1", len(d.Corrections))
	}
}

// TestBankCardCorrection: a handler's correction of a bank card's account
// number and holder wins over the machine's reading, which is kept; the
// number is kept as digits, and an empty holder says none is printed.
func TestBankCardCorrection(t *testing.T) {
	f := file()
	d := domain.NewDocument("d1", f.Report, strings.Repeat("a", 64), document.JPEG, 1, 1, "card.jpg", "h", t0)
	d.State, d.Attempts = domain.DocumentReading, 1
	d.RecordReading(1, domain.Reading{Type: document.BankCard, Confidence: 0.9, ReadAt: t0,
		Fields: document.Fields{AccountNumber: "6222021234567890128", AccountHolder: "郑丽"}})
	if err := d.Correct(domain.Correction{AccountNumber: ptrString("6222-0212-3456-7890-136"), AccountHolder: ptrString(" "), By: "h", At: t0}); err != nil {
		t.Fatal(err)
	}
	if got := d.Fields(); got.AccountNumber != "6222021234567890136" || got.AccountHolder != "" || d.Reading.Fields.AccountNumber != "6222021234567890128" {
		t.Fatalf("got %q %q (read %q), want the corrected digits 6222021234567890136, no holder, the reading kept",
			got.AccountNumber, got.AccountHolder, d.Reading.Fields.AccountNumber)
	}
}

func ptrType(s string) *document.Type { t := document.Type(s); return &t }
func ptrString(s string) *string      { return &s }

func TestReadingFailures(t *testing.T) {
	tests := []struct {
		name      string
		code      apperr.Code
		attempts  int
		wantState domain.DocumentState
	}{
		{"the file is refused", apperr.Unprocessable, 1, domain.DocumentFailed},
		{"the engine is down", apperr.Unavailable, 1, domain.DocumentPending},
		{"the engine is down a third time", apperr.Internal, domain.MaxReadAttempts, domain.DocumentFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := domain.Document{State: domain.DocumentReading, Attempts: tt.attempts, LeaseUntil: &t0}
			if !d.RecordFailure(tt.attempts, domain.Failure{Code: tt.code, Message: "m"}) || d.State != tt.wantState || d.LeaseUntil != nil {
				t.Fatalf("got %s, want %s without a lease", d.State, tt.wantState)
			}
		})
	}
	d := domain.Document{State: domain.DocumentReading, Attempts: 2, LeaseUntil: &t0}
	if !d.Release(2) || d.State != domain.DocumentPending || d.Attempts != 1 {
		t.Fatalf("got %s attempt %d after a release, want pending, the take not counted", d.State, d.Attempts)
	}
}

// TestTheFileRecordsWhatChanged: the repository stores what the file
// recorded as changed, so every way of changing a document or the
// supplement's arrival must be recorded, once, and reading nothing records
// nothing.
func TestTheFileRecordsWhatChanged(t *testing.T) {
	loaded := func() *domain.ClaimFile {
		f := file()
		read(f, "d1", document.IDCard, t0, document.Fields{Names: []string{"张三"}})
		read(f, "d2", document.MedicalInvoice, t0, document.Fields{})
		if _, err := f.SendNotice(domain.ChannelSMS, "", "h", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		f.Changed = domain.Changes{}
		return f
	}
	typ := document.DiagnosisCertificate
	tests := []struct {
		name   string
		change func(t *testing.T, f *domain.ClaimFile)
		want   domain.Changes
	}{
		{"nothing", func(*testing.T, *domain.ClaimFile) {}, domain.Changes{}},
		{"an upload", func(t *testing.T, f *domain.ClaimFile) {
			f.AddDocument(domain.NewDocument("d3", f.Report, strings.Repeat("3", 64), document.PNG, 1, 1, "", "h", t0))
		}, domain.Changes{Documents: []string{"d3"}}},
		{"the same file again", func(t *testing.T, f *domain.ClaimFile) {
			f.AddDocument(domain.NewDocument("d9", f.Report, strings.Repeat("1", 64), document.PNG, 1, 1, "", "h", t0))
		}, domain.Changes{}},
		{"a correction, twice", func(t *testing.T, f *domain.ClaimFile) {
			for range 2 {
				d, err := f.Document("d2")
				if err != nil {
					t.Fatal(err)
				}
				from, _ := d.Type()
				if err := d.Correct(domain.Correction{ExpectedType: &from, Type: &typ, By: "h", At: t0}); err != nil {
					t.Fatal(err)
				}
			}
		}, domain.Changes{Documents: []string{"d2"}}},
		{"the supplement and the last item", func(t *testing.T, f *domain.ClaimFile) {
			read(f, "d3", document.DiagnosisCertificate, t0.Add(2*time.Hour), document.Fields{})
			f.Waivers = append(f.Waivers, domain.Waiver{ItemID: "treatment_record", Reason: "seen", At: t0.Add(3 * time.Hour)})
			if !f.HandOver(t0.Add(4 * time.Hour)) {
				t.Fatal("got no hand-over of a complete claim")
			}
		}, domain.Changes{Documents: []string{"d3"}, Supplement: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loaded()
			tt.change(t, f)
			if got := f.Changed; !slices.Equal(got.Documents, tt.want.Documents) || got.Supplement != tt.want.Supplement {
				t.Fatalf("got changes %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestCorrectionIsBoundToTheDocumentsType is the server's defence against a
// correction form that kept another document's values (issue 20): a
// correction that re-types a typed document, or that names the type it was
// made for, is refused when that type is not the document's current one,
// and bank-card fields belong to a bank card only.
func TestCorrectionIsBoundToTheDocumentsType(t *testing.T) {
	invoice, idCard, bankCard := document.MedicalInvoice, document.IDCard, document.BankCard
	unknown := document.Type("")
	tests := []struct {
		name    string
		read    *document.Type // nil: not read yet
		c       domain.Correction
		code    apperr.Code // "" when recorded
		wantTyp document.Type
	}{
		{"the amount alone, naming the invoice", &invoice, domain.Correction{ExpectedType: &invoice, TotalAmountFen: fen(5000)}, "", invoice},
		{"the amount alone, naming nothing", &invoice, domain.Correction{TotalAmountFen: fen(5000)}, "", invoice},
		{"a stale form: the ID card's type and name over the invoice", &invoice,
			domain.Correction{Type: &idCard, Names: []string{"王五"}, TotalAmountFen: fen(5000)}, apperr.Conflict, invoice},
		{"a stale form naming the ID card it was made for", &invoice,
			domain.Correction{ExpectedType: &idCard, Type: &idCard, TotalAmountFen: fen(5000)}, apperr.Conflict, invoice},
		{"an explicit re-type naming the current type", &invoice, domain.Correction{ExpectedType: &invoice, Type: &idCard}, "", idCard},
		{"the same type again", &invoice, domain.Correction{Type: &invoice, TotalAmountFen: fen(5000)}, "", invoice},
		{"typing a document not read", nil, domain.Correction{Type: &idCard, Names: []string{"王五"}}, "", idCard},
		{"naming no type for a document not read", nil, domain.Correction{ExpectedType: &unknown, Type: &invoice}, "", invoice},
		{"naming a type for a document not read", nil, domain.Correction{ExpectedType: &invoice, Type: &invoice}, apperr.Conflict, ""},
		{"a card number on an invoice", &invoice, domain.Correction{AccountNumber: ptrString("6222021234567890128")}, apperr.Invalid, invoice},
		{"a card number with an explicit re-type to a bank card", &invoice,
			domain.Correction{ExpectedType: &invoice, Type: &bankCard, AccountNumber: ptrString("6222021234567890128")}, "", bankCard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file()
			d := domain.NewDocument("d1", f.Report, strings.Repeat("a", 64), document.PNG, 1, 1, "x.png", "h", t0)
			if tt.read != nil {
				d.State, d.Attempts = domain.DocumentReading, 1
				d.RecordReading(1, domain.Reading{Type: *tt.read, Confidence: 0.9, ReadAt: t0})
			}
			tt.c.By, tt.c.At = "h", t0
			err := d.Correct(tt.c)
			if tt.code == "" && err != nil {
				t.Fatalf("got %v, want the correction recorded", err)
			}
			if tt.code != "" {
				if e, ok := apperr.As(err); !ok || e.Code != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				if len(d.Corrections) != 0 {
					t.Fatalf("got %d corrections after a refusal, want none", len(d.Corrections))
				}
			}
			if got, _ := d.Type(); got != tt.wantTyp {
				t.Fatalf("got type %q, want %q", got, tt.wantTyp)
			}
		})
	}
}

func TestAReportTakesAtMostMaxDocuments(t *testing.T) {
	for _, tt := range []struct {
		held int
		want apperr.Code
	}{
		{0, ""},
		{domain.MaxDocuments - 1, ""},
		{domain.MaxDocuments, apperr.Conflict},
	} {
		f := file()
		for i := range tt.held {
			f.AddDocument(domain.NewDocument(strconv.Itoa(i), f.Report, fmt.Sprintf("%064d", i), document.PNG, 1, 1, "", "h", t0))
		}
		err := f.RoomForDocument()
		if got := apperr.CodeOf(err); (err != nil || tt.want != "") && got != tt.want {
			t.Errorf("a report holding %d documents: got %v, want %q", tt.held, err, tt.want)
		}
	}
}
