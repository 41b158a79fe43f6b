package adapters

import (
	"encoding/json"
	"fmt"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/calendar"
)

type caseRow struct {
	// ID is the primary key.
	ID, ClaimID, ReportID                   string
	PolicyNumber, InsuredName               string
	IncidentType, IncidentPlace             string
	IncidentTime, FirstReceivedAt, OpenedAt time.Time
	ClaimedAmountFen                        int64
	BeneficiaryName                         *string
	BeneficiaryRelation                     *string
	Supplements                             []byte
	State                                   string
	Version                                 int
	Assignee                                string
	ComplexReason                           *string
	ComplexBy                               *string
	ComplexAt                               *time.Time
	ClosedReason                            *string
	ClosedBy                                *string
	ClosedAt                                *time.Time
	CatastropheCode                         string
	TargetWorkingDays                       *int
	TargetDueDate                           *string
	TargetDueAt                             *time.Time
	TargetAtRiskFrom                        *time.Time
	Branch                                  string
	Advances                                []advanceRow         `gorm:"foreignKey:CaseID" json:"advances"`
	Decision                                *decisionRow         `gorm:"foreignKey:CaseID" json:"decision"`
	RejectionLetter                         *letterRow           `gorm:"foreignKey:CaseID" json:"rejection_letter"`
	Agreement                               *agreementRow        `gorm:"foreignKey:CaseID" json:"agreement"`
	Advance                                 *advanceAgreementRow `gorm:"foreignKey:CaseID" json:"advance"`
	Overrides                               []overrideRow        `gorm:"foreignKey:CaseID" json:"overrides"`
	Signals                                 []signalRow          `gorm:"foreignKey:CaseID" json:"signals"`
	Documents                               []documentRow        `gorm:"foreignKey:CaseID" json:"documents"`
	// Parts is the case's parts above as one JSON object (loadSQL), read
	// with the row and never written.
	Parts []byte `gorm:"->"`
}

func (caseRow) TableName() string { return "cases" }

type decisionRow struct {
	CaseID        string          `gorm:"primaryKey" json:"case_id"`
	Outcome       string          `json:"outcome"`
	AmountFen     int64           `json:"amount_fen"`
	Reason        string          `json:"reason"`
	Reasons       json.RawMessage `json:"reasons"`
	DecidedBy     string          `json:"decided_by"`
	DecidedAt     time.Time       `json:"decided_at"`
	NeedsApproval bool            `json:"needs_approval"`
	ApprovedBy    *string         `json:"approved_by"`
	ApprovedAt    *time.Time      `json:"approved_at"`
	ExGratia      bool            `json:"ex_gratia"`
	RulesVersion  int             `json:"rules_version"`
	ComputedFen   *int64          `json:"computed_fen"`
	DeductibleFen *int64          `json:"deductible_fen"`
	AmountReason  string          `json:"amount_reason"`
	ForReview     string          `json:"for_review"`
	Lines         []lineRow       `gorm:"foreignKey:CaseID;references:CaseID" json:"lines"`
}

func (decisionRow) TableName() string { return "decisions" }

type lineRow struct {
	CaseID      string `gorm:"primaryKey" json:"case_id"`
	LineNo      int    `gorm:"primaryKey" json:"line_no"`
	Benefit     string `json:"benefit"`
	ClaimedFen  int64  `json:"claimed_fen"`
	ApprovedFen int64  `json:"approved_fen"`
}

func (lineRow) TableName() string { return "decision_lines" }

type letterRow struct {
	CaseID       string     `gorm:"primaryKey" json:"case_id"`
	Channel      *string    `json:"channel"`
	SentBy       *string    `json:"sent_by"`
	SentAt       *time.Time `json:"sent_at"`
	LetterNumber *string    `json:"letter_number"`
	IssueDate    *string    `json:"issue_date"`
	PDF          []byte     `gorm:"column:pdf" json:"pdf"`
	SHA256       *string    `gorm:"column:sha256" json:"sha256"`
	GeneratedAt  *time.Time `json:"generated_at"`
	GeneratedBy  *string    `json:"generated_by"`
}

func (letterRow) TableName() string { return "rejection_letters" }

type agreementRow struct {
	CaseID             string    `gorm:"primaryKey" json:"case_id"`
	AmountFen          int64     `json:"amount_fen"`
	AgreedBy           string    `json:"agreed_by"`
	Channel            string    `json:"channel"`
	RecordedBy         string    `json:"recorded_by"`
	AgreedAt           time.Time `json:"agreed_at"`
	PayeeName          string    `json:"payee_name"`
	PayeeRole          string    `json:"payee_role"`
	BankName           string    `json:"bank_name"`
	AccountMasked      string    `json:"account_masked"`
	OnBehalfOfName     *string   `json:"on_behalf_of_name"`
	OnBehalfOfRelation *string   `json:"on_behalf_of_relation"`
	PaymentPeriodDays  int       `json:"payment_period_days"`
	AccountFingerprint string    `json:"account_fingerprint"`
	AccountKey         string    `json:"account_key"`
}

func (agreementRow) TableName() string { return "agreements" }

// advanceAgreementRow is a case's advance agreement (issue 19), its payee
// sealed for payout.
type advanceAgreementRow struct {
	CaseID             string    `gorm:"primaryKey" json:"case_id"`
	Channel            string    `json:"channel"`
	AgreedAt           time.Time `json:"agreed_at"`
	PayeeRole          string    `json:"payee_role"`
	BankName           string    `json:"bank_name"`
	AccountLast4       string    `json:"account_last4"`
	AccountFingerprint string    `json:"account_fingerprint"`
	NameFingerprint    string    `json:"name_fingerprint"`
	AccountKey         string    `json:"account_key"`
	Sealed             string    `json:"sealed"`
	EnteredBy          string    `json:"entered_by"`
	EnteredVia         string    `json:"entered_via"`
	// HolderVerified and HolderVerificationRef are the bank's confirmation
	// that the payee's account is held by the payee's name, as intake's
	// signed claim request carried it (migration 0020).
	HolderVerified        bool   `json:"holder_verified"`
	HolderVerificationRef string `json:"holder_verification_ref"`
}

func (advanceAgreementRow) TableName() string { return "advance_agreements" }

type overrideRow struct {
	ID           int64     `gorm:"primaryKey" json:"id"`
	CaseID       string    `json:"case_id"`
	CheckName    string    `json:"check_name"`
	Reason       string    `json:"reason"`
	OverriddenBy string    `json:"overridden_by"`
	OverriddenAt time.Time `json:"overridden_at"`
	BySenior     bool      `json:"by_senior"`
}

func (overrideRow) TableName() string { return "check_overrides" }

type signalRow struct {
	ID          int64  `gorm:"primaryKey" json:"id"`
	CaseID      string `json:"case_id"`
	Kind        string `json:"kind"`
	Explanation string `json:"explanation"`
	// Params is the signal's values as a JSON object (migration 0010).
	Params   json.RawMessage `json:"params"`
	Blocking bool            `json:"blocking"`
	RaisedBy string          `json:"raised_by"`
	RaisedAt time.Time       `json:"raised_at"`
}

func (signalRow) TableName() string { return "case_signals" }

type employeeRow struct {
	EmployeeID string `gorm:"primaryKey"`
	AccountKey string
	LoadedBy   string
	LoadedAt   time.Time
}

func (employeeRow) TableName() string { return "employees" }

type documentRow struct {
	CaseID         string `gorm:"primaryKey" json:"case_id"`
	Position       int    `gorm:"primaryKey" json:"position"`
	DocumentID     string `json:"document_id"`
	Type           string `json:"type"`
	SHA256         string `gorm:"column:sha256" json:"sha256"`
	InvoiceNumber  string `json:"invoice_number"`
	InvoiceKey     string `json:"invoice_key"`
	TotalAmountFen int64  `json:"total_amount_fen"`
	EventDate      string `json:"event_date"`
	// The bank card's account: its fingerprint, last four digits, holder.
	AccountFingerprint string `json:"account_fingerprint"`
	AccountLast4       string `gorm:"column:account_last4" json:"account_last4"`
	HolderName         string `json:"holder_name"`
	IDNumberMasked     string `json:"id_number_masked"`
}

func (documentRow) TableName() string { return "case_documents" }

type auditRow struct {
	Seq       int64 `gorm:"primaryKey"`
	CaseID    string
	ClaimID   string
	At        time.Time
	Actor     string
	Action    string
	FromState string
	ToState   string
	Reason    string
	Details   []byte
}

func (auditRow) TableName() string { return "case_audit" }

// supplementJSON is a supplement as kept in cases.supplements.
type supplementJSON struct {
	NoticeSentAt time.Time  `json:"notice_sent_at"`
	ReceivedAt   *time.Time `json:"received_at,omitempty"`
	RequestedBy  string     `json:"requested_by"`
	Documents    []string   `json:"documents,omitempty"`
	Note         string     `json:"note,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	Channel      string     `json:"channel,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	Receipt      string     `json:"receipt,omitempty"`
}

// reasonJSON is a decision's reason as kept in decisions.reasons.
type reasonJSON struct {
	Code   string `json:"code"`
	Text   string `json:"text"`
	Clause string `json:"clause"`
}

func toRow(c domain.Case) (caseRow, error) {
	sups := make([]supplementJSON, len(c.Supplements))
	for i, s := range c.Supplements {
		sups[i] = supplementJSON(s)
	}
	supplements, err := json.Marshal(sups)
	if err != nil {
		return caseRow{}, err
	}
	r := caseRow{
		ID: c.ID, ClaimID: c.ClaimID, ReportID: c.ReportID, PolicyNumber: c.PolicyNumber, InsuredName: c.InsuredName,
		IncidentType: c.IncidentType, IncidentTime: c.IncidentTime, IncidentPlace: c.IncidentPlace,
		FirstReceivedAt: c.FirstReceivedAt, OpenedAt: c.OpenedAt, ClaimedAmountFen: c.ClaimedAmountFen,
		Supplements: supplements, State: string(c.State), Version: c.Version, Assignee: c.Assignee,
		Branch: c.Branch,
	}
	if b := c.Beneficiary; b != nil {
		r.BeneficiaryName, r.BeneficiaryRelation = &b.Name, &b.Relation
	}
	if m := c.Complex; m != nil {
		r.ComplexReason, r.ComplexBy, r.ComplexAt = &m.Reason, &m.By, &m.At
	}
	if m := c.Closure; m != nil {
		r.ClosedReason, r.ClosedBy, r.ClosedAt = &m.Reason, &m.By, &m.At
	}
	if t := c.Catastrophe; t != nil {
		due := t.TargetDueDate.String()
		r.CatastropheCode, r.TargetWorkingDays, r.TargetDueDate = t.Code, &t.TargetWorkingDays, &due
		r.TargetDueAt, r.TargetAtRiskFrom = &t.TargetDueAt, &t.TargetAtRiskFrom
	}
	return r, nil
}

// advanceRow is an advance offered or approved on a case.
type advanceRow struct {
	ID                 string     `gorm:"primaryKey" json:"id"`
	CaseID             string     `json:"case_id"`
	Position           int        `json:"position"`
	Ground             string     `json:"ground"`
	CatastropheCode    string     `json:"catastrophe_code"`
	State              string     `json:"state"`
	Reason             string     `json:"reason"`
	AmountFen          int64      `json:"amount_fen"`
	ExpectedBenefitFen int64      `json:"expected_benefit_fen"`
	OfferedAt          time.Time  `json:"offered_at"`
	PayeeName          *string    `json:"payee_name"`
	PayeeRole          *string    `json:"payee_role"`
	BankName           *string    `json:"bank_name"`
	AccountMasked      *string    `json:"account_masked"`
	OnBehalfOfName     *string    `json:"on_behalf_of_name"`
	OnBehalfOfRelation *string    `json:"on_behalf_of_relation"`
	ApprovedBy         *string    `json:"approved_by"`
	ApprovedAt         *time.Time `json:"approved_at"`
	AccountFingerprint string     `json:"account_fingerprint"`
	OfferedBy          string     `json:"offered_by"`
	AccountKey         string     `json:"account_key"`
}

func (advanceRow) TableName() string { return "case_advances" }

func toAdvanceRow(caseID string, position int, a domain.Advance) advanceRow {
	r := advanceRow{ID: a.ID, CaseID: caseID, Position: position, Ground: a.Ground, CatastropheCode: a.CatastropheCode,
		AmountFen: a.AmountFen, ExpectedBenefitFen: a.ExpectedBenefitFen, State: a.State, Reason: a.Reason, OfferedAt: a.OfferedAt,
		ApprovedAt: a.ApprovedAt, AccountFingerprint: a.AccountFingerprint, OfferedBy: a.OfferedBy,
		AccountKey: a.AccountKey}
	if p := a.Payee; p != nil {
		r.PayeeName, r.PayeeRole, r.BankName, r.AccountMasked = &p.Name, &p.Role, &p.BankName, &p.AccountMasked
		if o := p.OnBehalfOf; o != nil {
			r.OnBehalfOfName, r.OnBehalfOfRelation = &o.Name, &o.Relation
		}
	}
	if a.ApprovedAt != nil {
		r.ApprovedBy = &a.ApprovedBy
	}
	return r
}

func (r advanceRow) toDomain() domain.Advance {
	a := domain.Advance{ID: r.ID, Ground: r.Ground, CatastropheCode: r.CatastropheCode, AmountFen: r.AmountFen,
		ExpectedBenefitFen: r.ExpectedBenefitFen, State: r.State, Reason: r.Reason, OfferedAt: r.OfferedAt.UTC(),
		ApprovedBy: deref(r.ApprovedBy), AccountFingerprint: r.AccountFingerprint, OfferedBy: r.OfferedBy,
		AccountKey: r.AccountKey}
	if r.ApprovedAt != nil {
		at := r.ApprovedAt.UTC()
		a.ApprovedAt = &at
	}
	if r.AccountMasked != nil {
		a.Payee = &domain.Payee{Name: deref(r.PayeeName), Role: deref(r.PayeeRole), BankName: deref(r.BankName), AccountMasked: *r.AccountMasked}
		if r.OnBehalfOfName != nil {
			a.Payee.OnBehalfOf = &domain.Person{Name: *r.OnBehalfOfName, Relation: deref(r.OnBehalfOfRelation)}
		}
	}
	return a
}

func documentRows(c domain.Case) []documentRow {
	out := make([]documentRow, len(c.Documents))
	for i, d := range c.Documents {
		out[i] = documentRow{CaseID: c.ID, Position: i, DocumentID: d.DocumentID, Type: d.Type, SHA256: d.SHA256,
			InvoiceNumber: d.InvoiceNumber, InvoiceKey: domain.InvoiceKey(d.InvoiceNumber), TotalAmountFen: d.TotalAmountFen, EventDate: d.EventDate,
			AccountFingerprint: d.AccountFingerprint, AccountLast4: d.AccountLast4, HolderName: d.HolderName}
	}
	for i, d := range c.Documents {
		out[i].IDNumberMasked = d.IDNumberMasked
	}
	return out
}

func mark(reason, by *string, at *time.Time) *domain.Mark {
	if at == nil {
		return nil
	}
	return &domain.Mark{Reason: *reason, By: *by, At: at.UTC()}
}

func (w caseRow) toDomain() (domain.Case, error) {
	c := domain.Case{
		ID: w.ID, ClaimID: w.ClaimID, ReportID: w.ReportID, PolicyNumber: w.PolicyNumber, InsuredName: w.InsuredName,
		IncidentType: w.IncidentType, IncidentTime: w.IncidentTime.UTC(), IncidentPlace: w.IncidentPlace,
		FirstReceivedAt: w.FirstReceivedAt.UTC(), OpenedAt: w.OpenedAt.UTC(), ClaimedAmountFen: w.ClaimedAmountFen,
		State: domain.State(w.State), Version: w.Version, Assignee: w.Assignee,
		Complex: mark(w.ComplexReason, w.ComplexBy, w.ComplexAt), Closure: mark(w.ClosedReason, w.ClosedBy, w.ClosedAt),
		Branch: w.Branch,
	}
	if w.BeneficiaryName != nil {
		c.Beneficiary = &domain.Person{Name: *w.BeneficiaryName, Relation: deref(w.BeneficiaryRelation)}
	}
	if w.CatastropheCode != "" && w.TargetDueAt != nil && w.TargetDueDate != nil {
		due, err := calendar.ParseDate((*w.TargetDueDate)[:min(len(*w.TargetDueDate), 10)])
		if err != nil {
			return domain.Case{}, fmt.Errorf("case %s: target due date: %w", w.ID, err)
		}
		c.Catastrophe = &domain.Tag{Code: w.CatastropheCode, TargetDueDate: due, TargetDueAt: w.TargetDueAt.In(calendar.Location())}
		if w.TargetWorkingDays != nil {
			c.Catastrophe.TargetWorkingDays = *w.TargetWorkingDays
		}
		if w.TargetAtRiskFrom != nil {
			c.Catastrophe.TargetAtRiskFrom = w.TargetAtRiskFrom.In(calendar.Location())
		}
	}
	for _, a := range w.Advances {
		c.Advances = append(c.Advances, a.toDomain())
	}
	var sups []supplementJSON
	if len(w.Supplements) > 0 {
		if err := json.Unmarshal(w.Supplements, &sups); err != nil {
			return domain.Case{}, fmt.Errorf("case %s: supplements: %w", w.ID, err)
		}
	}
	for _, s := range sups {
		s.NoticeSentAt = s.NoticeSentAt.UTC()
		if s.ReceivedAt != nil {
			r := s.ReceivedAt.UTC()
			s.ReceivedAt = &r
		}
		c.Supplements = append(c.Supplements, domain.Supplement(s))
	}
	for _, d := range w.Documents {
		c.Documents = append(c.Documents, domain.Document{DocumentID: d.DocumentID, Type: d.Type, SHA256: d.SHA256,
			InvoiceNumber: d.InvoiceNumber, TotalAmountFen: d.TotalAmountFen, EventDate: d.EventDate,
			AccountFingerprint: d.AccountFingerprint, AccountLast4: d.AccountLast4, HolderName: d.HolderName})
	}
	for i, d := range w.Documents {
		c.Documents[len(c.Documents)-len(w.Documents)+i].IDNumberMasked = d.IDNumberMasked
	}
	if d := w.Decision; d != nil {
		dec, err := d.toDomain()
		if err != nil {
			return domain.Case{}, err
		}
		c.Decision = &dec
	}
	if l := w.RejectionLetter; l != nil {
		letter, err := l.toDomain()
		if err != nil {
			return domain.Case{}, err
		}
		c.RejectionLetter = &letter
	}
	if a := w.Agreement; a != nil {
		agreement := a.toDomain()
		c.Agreement = &agreement
	}
	if a := w.Advance; a != nil {
		c.Advance = &domain.AdvanceAgreement{Channel: a.Channel, AgreedAt: a.AgreedAt.UTC(), PayeeRole: a.PayeeRole, BankName: a.BankName,
			AccountLast4: a.AccountLast4, AccountFingerprint: a.AccountFingerprint, NameFingerprint: a.NameFingerprint, AccountKey: a.AccountKey,
			Sealed: a.Sealed, EnteredBy: a.EnteredBy, EnteredVia: a.EnteredVia, HolderVerified: a.HolderVerified, HolderVerificationRef: a.HolderVerificationRef}
	}
	for _, o := range w.Overrides {
		c.Overrides = append(c.Overrides, domain.CheckOverride{Check: domain.CheckName(o.CheckName), Reason: o.Reason, By: o.OverriddenBy,
			At: o.OverriddenAt.UTC(), Senior: o.BySenior})
	}
	for _, s := range w.Signals {
		var params map[string]string
		if len(s.Params) > 0 {
			if err := json.Unmarshal(s.Params, &params); err != nil {
				return domain.Case{}, fmt.Errorf("signal %d params: %w", s.ID, err)
			}
		}
		c.Signals = append(c.Signals, domain.Signal{Kind: domain.SignalKind(s.Kind), Explanation: s.Explanation, Params: params, Blocking: s.Blocking,
			RaisedBy: s.RaisedBy, At: s.RaisedAt.UTC()})
	}
	return c, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func toDecisionRow(caseID string, d domain.Decision) (decisionRow, error) {
	rs := make([]reasonJSON, len(d.Reasons))
	for i, r := range d.Reasons {
		rs[i] = reasonJSON(r)
	}
	reasons, err := json.Marshal(rs)
	if err != nil {
		return decisionRow{}, err
	}
	row := decisionRow{CaseID: caseID, Outcome: string(d.Outcome), AmountFen: d.AmountFen, Reason: d.Note, Reasons: reasons,
		DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, NeedsApproval: d.NeedsApproval, ApprovedAt: d.ApprovedAt, ExGratia: d.ExGratia,
		RulesVersion: d.RulesVersion, ComputedFen: d.ComputedFen, DeductibleFen: d.DeductibleFen, AmountReason: d.AmountReason, ForReview: d.ForReview}
	if d.ApprovedAt != nil {
		row.ApprovedBy = &d.ApprovedBy
	}
	for i, l := range d.Lines {
		row.Lines = append(row.Lines, lineRow{CaseID: caseID, LineNo: i, Benefit: l.Benefit, ClaimedFen: l.ClaimedFen, ApprovedFen: l.ApprovedFen})
	}
	return row, nil
}

func (r decisionRow) toDomain() (domain.Decision, error) {
	var rs []reasonJSON
	if len(r.Reasons) > 0 {
		if err := json.Unmarshal(r.Reasons, &rs); err != nil {
			return domain.Decision{}, fmt.Errorf("decision of case %s: reasons: %w", r.CaseID, err)
		}
	}
	d := domain.Decision{Outcome: domain.Outcome(r.Outcome), AmountFen: r.AmountFen, Note: r.Reason, DecidedBy: r.DecidedBy,
		DecidedAt: r.DecidedAt.UTC(), NeedsApproval: r.NeedsApproval, ApprovedBy: deref(r.ApprovedBy), ExGratia: r.ExGratia,
		RulesVersion: r.RulesVersion, ComputedFen: r.ComputedFen, DeductibleFen: r.DeductibleFen, AmountReason: r.AmountReason, ForReview: r.ForReview}
	if r.ApprovedAt != nil {
		at := r.ApprovedAt.UTC()
		d.ApprovedAt = &at
	}
	for _, x := range rs {
		d.Reasons = append(d.Reasons, domain.RejectionReason(x))
	}
	for _, l := range r.Lines {
		d.Lines = append(d.Lines, domain.BenefitLine{Benefit: l.Benefit, ClaimedFen: l.ClaimedFen, ApprovedFen: l.ApprovedFen})
	}
	return d, nil
}

func toLetterRow(caseID string, l domain.RejectionLetter) letterRow {
	row := letterRow{CaseID: caseID, PDF: l.PDF}
	if l.Stored() {
		issued, at := l.IssueDate.String(), l.GeneratedAt
		row.LetterNumber, row.IssueDate, row.SHA256, row.GeneratedAt, row.GeneratedBy = &l.Number, &issued, &l.SHA256, &at, &l.GeneratedBy
	}
	if s := l.Sent; s != nil {
		row.Channel, row.SentBy, row.SentAt = &s.Channel, &s.SentBy, &s.SentAt
	}
	return row
}

func (r letterRow) toDomain() (domain.RejectionLetter, error) {
	l := domain.RejectionLetter{Number: deref(r.LetterNumber), SHA256: deref(r.SHA256), GeneratedBy: deref(r.GeneratedBy)}
	if r.IssueDate != nil {
		d, err := calendar.ParseDate((*r.IssueDate)[:min(len(*r.IssueDate), 10)])
		if err != nil {
			return domain.RejectionLetter{}, fmt.Errorf("letter of case %s: issue date: %w", r.CaseID, err)
		}
		l.IssueDate = d
	}
	if r.GeneratedAt != nil {
		l.GeneratedAt = r.GeneratedAt.UTC()
	}
	if r.SentAt != nil {
		l.Sent = &domain.LetterSent{Channel: deref(r.Channel), SentBy: deref(r.SentBy), SentAt: r.SentAt.UTC()}
	}
	return l, nil
}

func toAgreementRow(caseID string, a domain.Agreement) *agreementRow {
	row := &agreementRow{CaseID: caseID, AmountFen: a.AmountFen, AgreedBy: a.AgreedBy, Channel: a.Channel, RecordedBy: a.RecordedBy,
		AgreedAt: a.AgreedAt, PayeeName: a.Payee.Name, PayeeRole: a.Payee.Role, BankName: a.Payee.BankName,
		AccountMasked: a.Payee.AccountMasked, PaymentPeriodDays: a.PaymentPeriodDays, AccountFingerprint: a.AccountFingerprint,
		AccountKey: a.AccountKey}
	if p := a.Payee.OnBehalfOf; p != nil {
		row.OnBehalfOfName, row.OnBehalfOfRelation = &p.Name, &p.Relation
	}
	return row
}

func (r agreementRow) toDomain() domain.Agreement {
	a := domain.Agreement{AmountFen: r.AmountFen, AgreedBy: r.AgreedBy, Channel: r.Channel, RecordedBy: r.RecordedBy,
		AgreedAt: r.AgreedAt.UTC(), PaymentPeriodDays: r.PaymentPeriodDays, AccountFingerprint: r.AccountFingerprint, AccountKey: r.AccountKey,
		Payee: domain.Payee{Name: r.PayeeName, Role: r.PayeeRole, BankName: r.BankName, AccountMasked: r.AccountMasked}}
	if r.OnBehalfOfName != nil {
		a.Payee.OnBehalfOf = &domain.Person{Name: *r.OnBehalfOfName, Relation: deref(r.OnBehalfOfRelation)}
	}
	return a
}
