package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"claims.local/pkg/bankaccount"
	"claims.local/pkg/sealed"
)

// The event types of the claim's life after the decision, on the
// adjudication topic.
var (
	// AgreementReached announces the claimant's agreement to the amount
	// (达成协议); payout starts the payment clock (R6) on it.
	AgreementReached = Type{Name: "claims.adjudication.agreement-reached", Version: 1}
)

// Supplement is one pause of the decision clock (R4): the one-time notice of
// missing documents (R3) was sent at NoticeSentAt, reached the claimant at
// DeliveredAt and the supplement arrived at ReceivedAt (Judicial
// Interpretation II of the Insurance Law, art. 15: the days deducted run from
// the day after the notice reached the claimant). ReceivedAt is nil while
// the supplement is awaited; DeliveredAt is nil when no delivery of the
// notice was recorded, and such a notice stops the clock not at all (an
// event from an intake older than the field reads so too).
type Supplement struct {
	NoticeSentAt time.Time  `json:"notice_sent_at"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	ReceivedAt   *time.Time `json:"received_at,omitempty"`
}

// ClaimDocument is a supporting document handed on with a claim request,
// with the fields read from it. Type is one of the document vocabulary
// (id_card, death_certificate, medical_invoice, discharge_summary,
// diagnosis_certificate, accident_report, disability_appraisal, bank_card,
// relationship_proof, other). Resident ID numbers are not carried.
//
// A bank card's account number is not carried either (issue 17: no personal
// data in clear on topics): AccountFingerprint is its keyed fingerprint for
// the claim (bankaccount.Fingerprints.Account, "v1:<key id>:<hex>": the
// fingerprint adjudication keeps of the accounts it pays), AccountLast4 its
// last four digits, and HolderName the holder printed on it, when read or
// corrected by a handler.
type ClaimDocument struct {
	DocumentID string `json:"document_id"`
	// Part is the index of the part of the upload this is (0 for the first
	// and for an upload of one document), and FirstPage and LastPage its
	// pages (from 1, inclusive; 0 when not known): an upload holding a
	// discharge summary and then an invoice is two ClaimDocuments with the
	// same DocumentID and SHA256 (issue 18).
	Part               int    `json:"part,omitempty"`
	FirstPage          int    `json:"first_page,omitempty"`
	LastPage           int    `json:"last_page,omitempty"`
	Type               string `json:"type"`
	SHA256             string `json:"sha256"`
	InvoiceNumber      string `json:"invoice_number,omitempty"`
	TotalAmountFen     int64  `json:"total_amount_fen,omitempty"`
	EventDate          string `json:"event_date,omitempty"`
	AccountFingerprint string `json:"account_fingerprint,omitempty"`
	AccountLast4       string `json:"account_last4,omitempty"`
	HolderName         string `json:"holder_name,omitempty"`

	// The fields below are read from medical invoices (issue 18) and
	// computed on by straight-through adjudication (issue 19). Dates are
	// YYYY-MM-DD; amounts are in fen.
	InvoiceCode string `json:"invoice_code,omitempty"`
	CheckCode   string `json:"check_code,omitempty"`
	Institution string `json:"institution,omitempty"`
	PatientName string `json:"patient_name,omitempty"`
	// VisitNumber is the hospital's number of the visit (门诊号, 住院号,
	// 病历号) a medical invoice, diagnosis certificate or discharge summary
	// prints: the receipt and the certificate of one visit print the same
	// (issue 19).
	VisitNumber string `json:"visit_number,omitempty"`
	// VisitKind is the kind of visit VisitNumber's label names:
	// "outpatient" (门诊号), "inpatient" (住院号) or "record" (病历号). The
	// same digits under two kinds are two visits.
	VisitKind     string `json:"visit_kind,omitempty"`
	AdmissionDate string `json:"admission_date,omitempty"`
	DischargeDate string `json:"discharge_date,omitempty"`
	// Insurance is a medical invoice's social-insurance split; nil when the
	// invoice prints none.
	Insurance *InsuranceSplit `json:"insurance,omitempty"`
	// Items are the lines of an itemised bill (费用清单).
	Items []InvoiceItem `json:"items,omitempty"`
	// IDNumberValid reports that a resident ID number whose GB 11643
	// checksum verifies was read (the number itself is not carried).
	IDNumberValid bool `json:"id_number_valid,omitempty"`
	// Confidence is the lowest confidence of the fields read (0 to 1; 1
	// for a text layer or OFD file, or a value a handler corrected).
	Confidence float64 `json:"confidence,omitempty"`
	// Sources say where each field was read, keyed by its JSON name
	// (total_amount_fen, invoice_number, …).
	Sources map[string]FieldSource `json:"sources,omitempty"`
	// Corrected names the fields a handler corrected after OCR.
	Corrected []string `json:"corrected,omitempty"`
	// CorrectedBy are the subjects who corrected any of them, each once:
	// none of them may decide the claim (issue 19; absent on events of
	// before it was recorded).
	CorrectedBy []string `json:"corrected_by,omitempty"`
	// Corroborated names the fields (by their names in Sources) whose
	// reading a second reading on the same document confirms (the total in
	// figures and in capitals alike, a split summing to that total, a card
	// number's Luhn digit, an ID number's checksum; document.Fields'
	// Corroborated), never a corrected field: straight-through
	// adjudication relies on them when OCR read them with low confidence
	// (issue 19).
	Corroborated []string `json:"corroborated,omitempty"`
	// IDNumberMasked is the resident ID number read from an identity
	// card, masked as redact.IDNumber does (first six and last four
	// characters): adjudication's queue finds a claim by an ID number
	// given in full without ever holding it (issue 20).
	IDNumberMasked string `json:"id_number_masked,omitempty"`
	// EnteredBy is the subject who uploaded the document to intake, and
	// EnteredVia how: EnteredViaClaimant when the claimant's own channel
	// did (a principal holding only auth.ClaimantChannel), EnteredViaStaff
	// otherwise; absent on documents uploaded before it was recorded.
	// Straight-through adjudication pays nothing on what staff entered
	// without a second person (issue 19).
	EnteredBy  string `json:"entered_by,omitempty"`
	EnteredVia string `json:"entered_via,omitempty"`
	// DisputedNames are the names of the document (patient_name,
	// holder_name) that intake's names' OCR model read as another name in
	// doubt (document.RereadDisputed), each with both readings, never a
	// field a handler corrected: two recognisers read two names, so
	// straight-through adjudication decides no claim on it (issue 19).
	DisputedNames []DisputedName `json:"disputed_names,omitempty"`
}

// DisputedName is a name two OCR recognisers read as two names: First as
// the page was read (and how sure, 0 to 1), Again as the names' model
// read the name's value alone (and how sure, its least sure character).
type DisputedName struct {
	Field           string  `json:"field"`
	First           string  `json:"first"`
	FirstConfidence float64 `json:"first_confidence"`
	Again           string  `json:"again"`
	AgainConfidence float64 `json:"again_confidence"`
}

// How a document or an advance agreement reached intake (EnteredVia).
const (
	EnteredViaClaimant = "claimant"
	EnteredViaStaff    = "staff"
)

// InsuranceSplit is how a medical invoice's total was paid under China's
// basic medical insurance: by the pooled fund (医保统筹基金支付), from the
// personal account (个人账户支付), co-paid by the patient within the
// catalogue (个人自付), and self-funded outside the catalogue (个人自费).
type InsuranceSplit struct {
	FundPaidFen        int64 `json:"fund_paid_fen"`
	PersonalAccountFen int64 `json:"personal_account_fen"`
	SelfPayFen         int64 `json:"self_pay_fen"`
	SelfFundedFen      int64 `json:"self_funded_fen"`
}

// InvoiceItem is one line of an itemised bill: the item, its catalogue
// class (甲, 乙 or 丙), the quantity as printed, and its amount.
type InvoiceItem struct {
	Name      string `json:"name"`
	Class     string `json:"class,omitempty"`
	Quantity  string `json:"quantity,omitempty"`
	AmountFen int64  `json:"amount_fen"`
}

// FieldSource is where a field was read: the page (from 1), the box
// [x, y, width, height] in that page image's pixels, and the confidence.
type FieldSource struct {
	Page       int     `json:"page"`
	Box        [4]int  `json:"box"`
	Confidence float64 `json:"confidence"`
}

// Person is a named party of a claim and their relation to the insured
// (self, spouse, child, parent, other).
type Person struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

// Payee is who receives a payment. Role is beneficiary, insured,
// policyholder or agent (an agent collects for one of the others: R10).
//
// On the topic (issue 17, R11) Name, AccountNumber and OnBehalfOf are
// empty: they travel in Sealed, an HPKE envelope only payout's private key
// opens (SealFor, Open), so neither the broker, adjudication's outbox nor a
// reader of the topic holds them. AccountLast4 and AccountFingerprint
// (bankaccount.Fingerprints.Account, keyed: a reader of the topic cannot
// try the numbers left by the last four digits against it) stay in clear
// for fraud checks and the reconciliation. Payout encrypts the account at
// rest and masks it everywhere else.
type Payee struct {
	Name          string `json:"name,omitempty"`
	Role          string `json:"role"`
	BankName      string `json:"bank_name"`
	AccountNumber string `json:"account_number,omitempty"`
	// OnBehalfOf names the person an agent collects for.
	OnBehalfOf         *Person `json:"on_behalf_of,omitempty"`
	AccountLast4       string  `json:"account_last4,omitempty"`
	AccountFingerprint string  `json:"account_fingerprint,omitempty"`
	// NameFingerprint (bankaccount.Fingerprints.Holder) identifies the
	// sealed name for the claim: adjudication compares it with the
	// insured's and the bank card holder's without opening the payee
	// (issue 19). Empty on payees sealed before it was added.
	NameFingerprint string `json:"name_fingerprint,omitempty"`
	Sealed          string `json:"sealed,omitempty"`
	// HolderVerified is set by intake alone, on the payee of a claim
	// request it signs: the payee's bank confirmed, when intake asked it
	// at the claim request with the account number and name it then
	// sealed, that the account is held by that name (account-holder
	// verification, issue 19); HolderVerificationRef is the bank's
	// reference of the answer. Unset when the bank answered no match, did
	// not answer, or was not asked. Adjudication relies on it only in a
	// claim request whose signature it verified: a claimant cannot set it
	// (intake's API takes no such field) and a forged one fails the
	// signature.
	HolderVerified        bool   `json:"holder_verified,omitempty"`
	HolderVerificationRef string `json:"holder_verification_ref,omitempty"`
}

// sealedPayee is what Payee.Sealed holds.
type sealedPayee struct {
	Name          string  `json:"name"`
	AccountNumber string  `json:"account_number"`
	OnBehalfOf    *Person `json:"on_behalf_of,omitempty"`
}

// payeeInfo binds a sealed payee to its claim: moved into another claim's
// event, it does not open.
func payeeInfo(claimID string) []byte { return []byte("claims.payee.v1\n" + claimID) }

// SealFor returns p as published for payout: the name, account number and
// the person an agent collects for sealed for payout's public key and bound
// to claimID, the last four digits and the account's and the name's keyed
// fingerprints for the claim (f) in clear.
func (p Payee) SealFor(s *sealed.Sealer, f *bankaccount.Fingerprints, claimID string) (Payee, error) {
	if s == nil {
		return Payee{}, errors.New("events: no public key of payout to seal the payee for")
	}
	if f == nil {
		return Payee{}, errors.New("events: no fingerprint key to fingerprint the payee with")
	}
	plain, err := json.Marshal(sealedPayee{Name: p.Name, AccountNumber: p.AccountNumber, OnBehalfOf: p.OnBehalfOf})
	if err != nil {
		return Payee{}, err
	}
	box, err := s.SealString(plain, payeeInfo(claimID))
	if err != nil {
		return Payee{}, err
	}
	return Payee{Role: p.Role, BankName: p.BankName, AccountLast4: bankaccount.Last4(p.AccountNumber),
		AccountFingerprint: f.Account(claimID, p.AccountNumber), NameFingerprint: f.Holder(claimID, p.Name),
		Sealed: box}, nil
}

// PayeeOpener opens payee envelopes (a *sealed.Opener holding payout's
// private keys).
type PayeeOpener interface {
	OpenString(b64 string, info []byte) ([]byte, error)
}

// Open returns the payee of claimID in clear from its sealed form. A payee
// published in clear, one that does not open (sealed for another claim),
// or one whose account or name does not match its keyed fingerprint (f) is
// an error wrapping ErrMalformed: the event is parked, nothing is paid. A
// legacy, unkeyed fingerprint (an instruction signed before the key) is
// not compared and not kept: anyone could have computed it.
func (p Payee) Open(o PayeeOpener, f *bankaccount.Fingerprints, claimID string) (Payee, error) {
	if p.Sealed == "" || p.Name != "" || p.AccountNumber != "" || p.OnBehalfOf != nil {
		return Payee{}, fmt.Errorf("%w: the payee is not sealed for payout", ErrMalformed)
	}
	if o == nil {
		return Payee{}, fmt.Errorf("%w: no private key to open the payee with", ErrMalformed)
	}
	plain, err := o.OpenString(p.Sealed, payeeInfo(claimID))
	if err != nil {
		return Payee{}, fmt.Errorf("%w: the payee: %v", ErrMalformed, err)
	}
	var in sealedPayee
	if err := json.Unmarshal(plain, &in); err != nil {
		return Payee{}, fmt.Errorf("%w: the sealed payee: %v", ErrMalformed, err)
	}
	p.AccountFingerprint, p.NameFingerprint = bankaccount.FromEvent(p.AccountFingerprint), bankaccount.FromEvent(p.NameFingerprint)
	if p.AccountFingerprint != "" && !f.MatchAccount(p.AccountFingerprint, claimID, in.AccountNumber) {
		return Payee{}, fmt.Errorf("%w: the sealed account does not match the payee's fingerprint", ErrMalformed)
	}
	if p.NameFingerprint != "" && !f.MatchHolder(p.NameFingerprint, claimID, in.Name) {
		return Payee{}, fmt.Errorf("%w: the sealed name does not match the payee's name fingerprint", ErrMalformed)
	}
	return Payee{Name: in.Name, Role: p.Role, BankName: p.BankName, AccountNumber: in.AccountNumber, OnBehalfOf: in.OnBehalfOf,
		AccountLast4: p.AccountLast4, AccountFingerprint: p.AccountFingerprint}, nil
}

// AdvanceAgreement is the claimant's agreement, given with the claim
// request, to be paid the amount decided under the product's published
// rules (issue 19; Insurance Law art. 23: payment is due within 10 days of
// the agreement, R6). It counts only on a product whose terms allow it
// (ProductRules.Agreement "in_advance") and only for a claim the system
// decides: adjudication then records the agreement at the decision, which
// starts R6's clock. Channel is how the claimant gave it (app, web,
// signed_form, …) and AgreedAt when. AccountKey is the keyed hash of the
// payee's account (bankaccount.Key with the signal key intake and
// adjudication share) on which the account fraud signals run; "" when
// intake holds no key, and adjudication then leaves the claim to a person.
//
// EnteredBy is the subject who made the claim request naming the payee,
// and EnteredVia how (EnteredViaClaimant: the claimant's own channel;
// EnteredViaStaff: a member of staff, whatever Channel says). Absent on
// agreements entered before it was recorded.
type AdvanceAgreement struct {
	Channel    string    `json:"channel"`
	AgreedAt   time.Time `json:"agreed_at"`
	AccountKey string    `json:"account_key,omitempty"`
	EnteredBy  string    `json:"entered_by,omitempty"`
	EnteredVia string    `json:"entered_via,omitempty"`
}

// AgreementReachedData records the claimant's agreement to the amount
// decided (达成赔偿或者给付保险金的协议). AgreedAt starts the payment clock
// (R6: 10 days, or PaymentPeriodDays when the contract sets its own).
// AmountFen is the total agreed; AdvancedFen what was already paid in
// advance (R7, catastrophe), to be deducted by payout. Who agreed (a
// claimant's name) stays in adjudication's record: the event carries no
// name in clear (R11; the payee's is sealed for payout).
//
// DecidedBy, DecisionApprovedBy (empty when the decision needed no second
// person) and RecordedBy name everyone who had a hand in the amount and
// the payee: payout lets none of them confirm the payee of a payment above
// the segregation-of-duties threshold. BlockingSignals lists the fraud
// signals on the case that block (issue 14) and that a senior other than
// the decider went past: payout then holds the payment for another
// senior's confirmation whatever its amount.
type AgreementReachedData struct {
	ClaimID            string    `json:"claim_id"`
	CaseID             string    `json:"case_id"`
	PolicyNumber       string    `json:"policy_number"`
	AmountFen          int64     `json:"amount_fen"`
	Currency           string    `json:"currency"`
	AdvancedFen        int64     `json:"advanced_fen,omitempty"`
	Payee              Payee     `json:"payee"`
	Channel            string    `json:"channel"`
	RecordedBy         string    `json:"recorded_by"`
	DecidedBy          string    `json:"decided_by,omitempty"`
	DecisionApprovedBy string    `json:"decision_approved_by,omitempty"`
	AgreedAt           time.Time `json:"agreed_at"`
	PaymentPeriodDays  int       `json:"payment_period_days,omitempty"`
	BlockingSignals    []string  `json:"blocking_signals,omitempty"`
	// EnteredBy names the members of staff who entered or corrected what
	// the claim rests on (documents, the advance payee: the assessment's
	// entered_by_staff). Adjudication kept them from deciding the claim;
	// payout keeps them from confirming its payee.
	EnteredBy []string `json:"entered_by,omitempty"`
}

// NoticeDelivered tells adjudication that an R3 notice intake handed over
// with the claim request reached the claimant: its postal receipt came back
// after the hand-over. The stop it makes (from the day after the delivery
// to the supplement's arrival, Judicial Interpretation II of the Insurance
// Law, art. 15) was not in the request. Intake signs it as it signs the
// claim request: it moves the decision deadline (R4) adjudication holds to.
var NoticeDelivered = Type{Name: "claims.intake.notice-delivered", Version: 1}

// NoticeDeliveredData is the payload of NoticeDelivered. NoticeSentAt names
// the notice as the claim request's supplement did (its sending);
// DeliveredAt is when it reached the claimant, as Receipt says, recorded by
// RecordedBy at RecordedAt.
type NoticeDeliveredData struct {
	ClaimID      string    `json:"claim_id"`
	ReportID     string    `json:"report_id"`
	NoticeSeq    int       `json:"notice_seq"`
	NoticeSentAt time.Time `json:"notice_sent_at"`
	DeliveredAt  time.Time `json:"delivered_at"`
	Receipt      string    `json:"receipt"`
	RecordedBy   string    `json:"recorded_by"`
	RecordedAt   time.Time `json:"recorded_at"`
}
