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
	Advances                                []advanceRow         `gorm:"foreignKey:CaseID"`
	Decision                                *decisionRow         `gorm:"foreignKey:CaseID"`
	RejectionLetter                         *letterRow           `gorm:"foreignKey:CaseID"`
	Agreement                               *agreementRow        `gorm:"foreignKey:CaseID"`
	Advance                                 *advanceAgreementRow `gorm:"foreignKey:CaseID"`
	Overrides                               []overrideRow        `gorm:"foreignKey:CaseID"`
	Signals                                 []signalRow          `gorm:"foreignKey:CaseID"`
	Documents                               []documentRow        `gorm:"foreignKey:CaseID"`
}

func (caseRow) TableName() string { return "cases" }

type decisionRow struct {
	CaseID        string `gorm:"primaryKey"`
	Outcome       string
	AmountFen     int64
	Reason        string
	Reasons       []byte
	DecidedBy     string
	DecidedAt     time.Time
	NeedsApproval bool
	ApprovedBy    *string
	ApprovedAt    *time.Time
	ExGratia      bool
	RulesVersion  int
	ComputedFen   *int64
	AmountReason  string
	ForReview     string
	Lines         []lineRow `gorm:"foreignKey:CaseID;references:CaseID"`
}

func (decisionRow) TableName() string { return "decisions" }

type lineRow struct {
	CaseID      string `gorm:"primaryKey"`
	LineNo      int    `gorm:"primaryKey"`
	Benefit     string
	ClaimedFen  int64
	ApprovedFen int64
}

func (lineRow) TableName() string { return "decision_lines" }

type letterRow struct {
	CaseID       string `gorm:"primaryKey"`
	Channel      *string
	SentBy       *string
	SentAt       *time.Time
	LetterNumber *string
	IssueDate    *string
	PDF          []byte  `gorm:"column:pdf"`
	SHA256       *string `gorm:"column:sha256"`
	GeneratedAt  *time.Time
	GeneratedBy  *string
}

func (letterRow) TableName() string { return "rejection_letters" }

type agreementRow struct {
	CaseID             string `gorm:"primaryKey"`
	AmountFen          int64
	AgreedBy           string
	Channel            string
	RecordedBy         string
	AgreedAt           time.Time
	PayeeName          string
	PayeeRole          string
	BankName           string
	AccountMasked      string
	OnBehalfOfName     *string
	OnBehalfOfRelation *string
	PaymentPeriodDays  int
	AccountFingerprint string
	AccountKey         string
}

func (agreementRow) TableName() string { return "agreements" }

// advanceAgreementRow is a case's advance agreement (issue 19), its payee
// sealed for payout.
type advanceAgreementRow struct {
	CaseID             string `gorm:"primaryKey"`
	Channel            string
	AgreedAt           time.Time
	PayeeRole          string
	BankName           string
	AccountLast4       string
	AccountFingerprint string
	NameFingerprint    string
	AccountKey         string
	Sealed             string
	EnteredBy          string
	EnteredVia         string
}

func (advanceAgreementRow) TableName() string { return "advance_agreements" }

type overrideRow struct {
	ID           int64 `gorm:"primaryKey"`
	CaseID       string
	CheckName    string
	Reason       string
	OverriddenBy string
	OverriddenAt time.Time
	BySenior     bool
}

func (overrideRow) TableName() string { return "check_overrides" }

type signalRow struct {
	ID          int64 `gorm:"primaryKey"`
	CaseID      string
	Kind        string
	Explanation string
	// Params is the signal's values as a JSON object (migration 0010).
	Params   []byte
	Blocking bool
	RaisedBy string
	RaisedAt time.Time
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
	CaseID         string `gorm:"primaryKey"`
	Position       int    `gorm:"primaryKey"`
	DocumentID     string
	Type           string
	SHA256         string `gorm:"column:sha256"`
	InvoiceNumber  string
	InvoiceKey     string
	TotalAmountFen int64
	EventDate      string
	// The bank card's account: its fingerprint, last four digits, holder.
	AccountFingerprint string
	AccountLast4       string `gorm:"column:account_last4"`
	HolderName         string
	IDNumberMasked     string
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
	ID                                        string `gorm:"primaryKey"`
	CaseID                                    string
	Position                                  int
	Ground, CatastropheCode, State, Reason    string
	AmountFen, ExpectedBenefitFen             int64
	OfferedAt                                 time.Time
	PayeeName                                 *string
	PayeeRole                                 *string
	BankName                                  *string
	AccountMasked                             *string
	OnBehalfOfName                            *string
	OnBehalfOfRelation                        *string
	ApprovedBy                                *string
	ApprovedAt                                *time.Time
	AccountFingerprint, OfferedBy, AccountKey string
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
			Sealed: a.Sealed, EnteredBy: a.EnteredBy, EnteredVia: a.EnteredVia}
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
		RulesVersion: d.RulesVersion, ComputedFen: d.ComputedFen, AmountReason: d.AmountReason, ForReview: d.ForReview}
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
		RulesVersion: r.RulesVersion, ComputedFen: r.ComputedFen, AmountReason: r.AmountReason, ForReview: r.ForReview}
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
