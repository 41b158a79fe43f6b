package ports

import (
	"time"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// The JSON of adjudication's answers and requests. Amounts are integer fen;
// an account number is never answered, only its last four digits.

type personJSON struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

type documentJSON struct {
	DocumentID     string `json:"document_id"`
	Type           string `json:"type"`
	SHA256         string `json:"sha256"`
	InvoiceNumber  string `json:"invoice_number,omitempty"`
	TotalAmountFen int64  `json:"total_amount_fen,omitempty"`
	EventDate      string `json:"event_date,omitempty"`
	// A bank card's account, masked to its last four digits, and holder.
	AccountMasked string `json:"account,omitempty"`
	HolderName    string `json:"holder_name,omitempty"`
}

type supplementJSON struct {
	NoticeSentAt time.Time  `json:"notice_sent_at"`
	ReceivedAt   *time.Time `json:"received_at"`
	RequestedBy  string     `json:"requested_by"`
	Documents    []string   `json:"documents"`
	Note         string     `json:"note,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	Channel      string     `json:"channel,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at"`
	Receipt      string     `json:"receipt,omitempty"`
}

type markJSON struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

type lineJSON struct {
	Benefit     string `json:"benefit"`
	ClaimedFen  int64  `json:"claimed_fen"`
	ApprovedFen int64  `json:"approved_fen"`
}

type reasonJSON struct {
	Code   string `json:"code"`
	Text   string `json:"text"`
	Clause string `json:"clause"`
}

type decisionJSON struct {
	Outcome       string       `json:"outcome"`
	AmountFen     int64        `json:"amount_fen"`
	Lines         []lineJSON   `json:"lines"`
	Reasons       []reasonJSON `json:"reasons"`
	Note          string       `json:"note,omitempty"`
	DecidedBy     string       `json:"decided_by"`
	DecidedAt     time.Time    `json:"decided_at"`
	NeedsApproval bool         `json:"needs_approval"`
	ApprovedBy    string       `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time   `json:"approved_at,omitempty"`
	EffectiveAt   *time.Time   `json:"effective_at"`
	ExGratia      bool         `json:"ex_gratia"`
	// Automatic marks a decision of the straight-through path; RulesVersion,
	// ComputedFen and AmountReason say what its amount rests on (issue 19).
	Automatic    bool   `json:"automatic"`
	RulesVersion int    `json:"rules_version,omitempty"`
	ComputedFen  *int64 `json:"computed_fen,omitempty"`
	AmountReason string `json:"amount_reason,omitempty"`
}

type letterJSON struct {
	LetterNumber string     `json:"letter_number,omitempty"`
	IssueDate    string     `json:"issue_date,omitempty"`
	SHA256       string     `json:"sha256,omitempty"`
	GeneratedAt  *time.Time `json:"generated_at,omitempty"`
	GeneratedBy  string     `json:"generated_by,omitempty"`
	Channel      string     `json:"channel,omitempty"`
	SentBy       string     `json:"sent_by,omitempty"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
}

type payeeJSON struct {
	Name                    string      `json:"name"`
	Role                    string      `json:"role"`
	BankName                string      `json:"bank_name"`
	AccountNumber           string      `json:"account_number"`
	OnBehalfOf              *personJSON `json:"on_behalf_of,omitempty"`
	AccountHolder           string      `json:"account_holder,omitempty"`
	AuthorisationDocumentID string      `json:"authorisation_document_id,omitempty"`
}

type agreementJSON struct {
	AmountFen         int64     `json:"amount_fen"`
	AgreedBy          string    `json:"agreed_by"`
	Channel           string    `json:"channel"`
	RecordedBy        string    `json:"recorded_by"`
	AgreedAt          time.Time `json:"agreed_at"`
	Payee             payeeJSON `json:"payee"`
	PaymentPeriodDays int       `json:"payment_period_days,omitempty"`
}

type overrideJSON struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	// Senior is false for an override made before only seniors could
	// override: it no longer lets an approval through.
	Senior bool `json:"senior"`
}

type caseResponse struct {
	ID               string           `json:"id"`
	ClaimID          string           `json:"claim_id"`
	ReportID         string           `json:"report_id"`
	PolicyNumber     string           `json:"policy_number"`
	InsuredName      string           `json:"insured_name"`
	IncidentType     string           `json:"incident_type"`
	IncidentTime     time.Time        `json:"incident_time"`
	IncidentPlace    string           `json:"incident_place,omitempty"`
	FirstReceivedAt  time.Time        `json:"first_received_at"`
	OpenedAt         time.Time        `json:"opened_at"`
	ClaimedAmountFen int64            `json:"claimed_amount_fen"`
	Beneficiary      *personJSON      `json:"beneficiary"`
	Documents        []documentJSON   `json:"documents"`
	Supplements      []supplementJSON `json:"supplements"`
	State            string           `json:"state"`
	Version          int              `json:"version"`
	Assignee         string           `json:"assignee"`
	Complex          *markJSON        `json:"complex"`
	Decision         *decisionJSON    `json:"decision"`
	RejectionLetter  *letterJSON      `json:"rejection_letter"`
	Agreement        *agreementJSON   `json:"agreement"`
	Closure          *markJSON        `json:"closure"`
	Catastrophe      *tagJSON         `json:"catastrophe"`
	Advances         []advanceJSON    `json:"advances"`
	AdvancedFen      int64            `json:"advanced_fen"`
	Signals          []signalJSON     `json:"signals"`
	// MaxPayable is the most the contract allows, on a read of the case
	// whose policy is in adjudication's data.
	MaxPayable *maxPayableJSON `json:"max_payable,omitempty"`
}

type maxPayableJSON struct {
	TotalFen int64             `json:"total_fen"`
	Lines    []payableLineJSON `json:"lines"`
}

type payableLineJSON struct {
	Benefit       string `json:"benefit"`
	MaxPayableFen int64  `json:"max_payable_fen"`
	Note          string `json:"note"`
}

func toMaxPayable(m *domain.MaxPayable) *maxPayableJSON {
	if m == nil {
		return nil
	}
	out := &maxPayableJSON{TotalFen: m.TotalFen, Lines: make([]payableLineJSON, len(m.Lines))}
	for i, l := range m.Lines {
		out.Lines[i] = payableLineJSON(l)
	}
	return out
}

type paymentAuthorisationJSON struct {
	Kind               string    `json:"kind"`
	ClaimID            string    `json:"claim_id"`
	ReferenceID        string    `json:"reference_id"`
	AmountFen          int64     `json:"amount_fen"`
	AdvancedFen        int64     `json:"advanced_fen"`
	AccountFingerprint string    `json:"account_fingerprint"`
	AuthorisedAt       time.Time `json:"authorised_at"`
}

func toMark(m *domain.Mark) *markJSON {
	if m == nil {
		return nil
	}
	return &markJSON{Reason: m.Reason, By: m.By, At: m.At}
}

func toPerson(p *domain.Person) *personJSON {
	if p == nil {
		return nil
	}
	return &personJSON{Name: p.Name, Relation: p.Relation}
}

func toResponse(c domain.Case) caseResponse {
	r := caseResponse{
		ID: c.ID, ClaimID: c.ClaimID, ReportID: c.ReportID, PolicyNumber: c.PolicyNumber, InsuredName: c.InsuredName,
		IncidentType: c.IncidentType, IncidentTime: c.IncidentTime, IncidentPlace: c.IncidentPlace,
		FirstReceivedAt: c.FirstReceivedAt, OpenedAt: c.OpenedAt, ClaimedAmountFen: c.ClaimedAmountFen,
		Beneficiary: toPerson(c.Beneficiary), Documents: []documentJSON{}, Supplements: []supplementJSON{},
		State: string(c.State), Version: c.Version, Assignee: c.Assignee, Complex: toMark(c.Complex), Closure: toMark(c.Closure),
		Catastrophe: toTag(c, time.Now()), Advances: toAdvances(c), AdvancedFen: c.AdvancedFen(), Signals: toSignals(c.Signals),
	}
	for _, d := range c.Documents {
		r.Documents = append(r.Documents, toDocument(d))
	}
	for _, s := range c.Supplements {
		docs := s.Documents
		if docs == nil {
			docs = []string{}
		}
		r.Supplements = append(r.Supplements, supplementJSON{NoticeSentAt: s.NoticeSentAt, ReceivedAt: s.ReceivedAt,
			RequestedBy: s.RequestedBy, Documents: docs, Note: s.Note, Reason: s.Reason, Channel: s.Channel, DeliveredAt: s.DeliveredAt,
			Receipt: s.Receipt})
	}
	if d := c.Decision; d != nil {
		r.Decision = toDecision(*d)
	}
	if l := c.RejectionLetter; l != nil {
		r.RejectionLetter = toLetter(*l)
	}
	if a := c.Agreement; a != nil {
		r.Agreement = &agreementJSON{AmountFen: a.AmountFen, AgreedBy: a.AgreedBy, Channel: a.Channel, RecordedBy: a.RecordedBy,
			AgreedAt: a.AgreedAt, PaymentPeriodDays: a.PaymentPeriodDays, Payee: payeeJSON{Name: a.Payee.Name, Role: a.Payee.Role,
				BankName: a.Payee.BankName, AccountNumber: a.Payee.AccountMasked, OnBehalfOf: toPerson(a.Payee.OnBehalfOf)}}
	}
	return r
}

func toDecision(d domain.Decision) *decisionJSON {
	out := &decisionJSON{Outcome: string(d.Outcome), AmountFen: d.AmountFen, Lines: []lineJSON{}, Reasons: []reasonJSON{},
		Note: d.Note, DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, NeedsApproval: d.NeedsApproval,
		ApprovedBy: d.ApprovedBy, ApprovedAt: d.ApprovedAt, ExGratia: d.ExGratia,
		Automatic: d.Automatic(), RulesVersion: d.RulesVersion, ComputedFen: d.ComputedFen, AmountReason: d.AmountReason}
	if d.Final() {
		at := d.EffectiveAt()
		out.EffectiveAt = &at
	}
	for _, l := range d.Lines {
		out.Lines = append(out.Lines, lineJSON(l))
	}
	for _, x := range d.Reasons {
		out.Reasons = append(out.Reasons, reasonJSON(x))
	}
	return out
}

func toLetter(l domain.RejectionLetter) *letterJSON {
	out := &letterJSON{LetterNumber: l.Number, SHA256: l.SHA256, GeneratedBy: l.GeneratedBy}
	if l.Stored() {
		at := l.GeneratedAt
		out.IssueDate, out.GeneratedAt = l.IssueDate.String(), &at
	}
	if s := l.Sent; s != nil {
		at := s.SentAt
		out.Channel, out.SentBy, out.SentAt = s.Channel, s.SentBy, &at
	}
	return out
}

// checkJSON is a check's result. Blocking says that it holds back an
// approval: a failure without a senior's override (a senior other than the
// decider overrides it), or an unknown result the decider must acknowledge.
type checkJSON struct {
	Check  string `json:"check"`
	Result string `json:"result"`
	Reason string `json:"reason"`
	// ReasonCode and Params let a console word the reason in its user's
	// language (issue 20); empty for a reason not yet catalogued.
	ReasonCode string            `json:"reason_code,omitempty"`
	Params     map[string]string `json:"params,omitempty"`
	Override   *overrideJSON     `json:"override"`
	Blocking   bool              `json:"blocking"`
}

func toChecks(results []domain.CheckResult) []checkJSON {
	out := make([]checkJSON, len(results))
	for i, r := range results {
		out[i] = checkJSON{Check: string(r.Check), Result: string(r.Result), Reason: r.Reason, ReasonCode: r.Code, Params: r.Params, Blocking: r.Blocking()}
		if o := r.Override; o != nil {
			out[i].Override = &overrideJSON{Reason: o.Reason, By: o.By, At: o.At, Senior: o.Senior}
		}
	}
	return out
}

type entryJSON struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	FromState string    `json:"from_state"`
	ToState   string    `json:"to_state"`
	Reason    string    `json:"reason,omitempty"`
	// ReasonCode names a reason the system wrote (issue 20), for a console
	// to word it in its user's language; absent for a person's own words.
	ReasonCode string         `json:"reason_code,omitempty"`
	Details    map[string]any `json:"details"`
}

// systemReasonCode is the code of a reason adjudication writes itself on
// a case's timeline, or "" for a person's own words.
func systemReasonCode(reason string) string {
	switch reason {
	case "took the case to review it":
		return "took_case.review"
	case "took the case to decide it":
		return "took_case.decide"
	case "took the case to approve an advance":
		return "took_case.advance"
	case "took the case to record a notice delivered":
		return "took_case.notice_delivered"
	case "took the case to record documents received":
		return "took_case.documents_received"
	case "took the case to record its agreement":
		return "took_case.agreement"
	case "took the case to record its letter sent":
		return "took_case.letter_sent"
	case "took the case to request an on-site visit":
		return "took_case.visit"
	case "took the case to request documents":
		return "took_case.request_documents"
	case "dispatched for review":
		return "dispatched"
	}
	return ""
}

func toEntries(changes []domain.Change) []entryJSON {
	out := make([]entryJSON, len(changes))
	for i, ch := range changes {
		details := ch.Details
		if details == nil {
			details = map[string]any{}
		}
		out[i] = entryJSON{At: ch.At, Actor: ch.Actor, Action: ch.Action, FromState: string(ch.From), ToState: string(ch.To),
			Reason: ch.Reason, ReasonCode: systemReasonCode(ch.Reason), Details: details}
	}
	return out
}

type queueDeadlineJSON struct {
	Rule    string    `json:"rule"`
	RNumber string    `json:"r_number"`
	DueDate string    `json:"due_date"`
	DueAt   time.Time `json:"due_at"`
	State   string    `json:"state"`
	Risk    string    `json:"risk"`
}

type queueItemJSON struct {
	ClaimID         string             `json:"claim_id"`
	CaseID          string             `json:"case_id"`
	PolicyNumber    string             `json:"policy_number"`
	InsuredName     string             `json:"insured_name"`
	IncidentType    string             `json:"incident_type"`
	FirstReceivedAt time.Time          `json:"first_received_at"`
	State           string             `json:"state"`
	Assignee        string             `json:"assignee"`
	Complex         bool               `json:"complex"`
	Version         int                `json:"version"`
	Deadline        *queueDeadlineJSON `json:"deadline"`
	Catastrophe     *tagJSON           `json:"catastrophe"`
	Signals         []signalJSON       `json:"signals"`
	// NearestDueAt is the nearer of the owed deadline and the catastrophe
	// target (issue 20: the queue counts down to it); NearestKind says
	// which ("deadline" or "target").
	NearestDueAt *time.Time `json:"nearest_due_at,omitempty"`
	NearestKind  string     `json:"nearest_kind,omitempty"`
}

// signalJSON is a fraud signal raised on a case, in plain words.
type signalJSON struct {
	Kind        string `json:"kind"`
	Explanation string `json:"explanation"`
	// Params are the explanation's values, for a console to word the
	// signal of its kind (issue 20); absent on signals raised before.
	Params   map[string]string `json:"params,omitempty"`
	Blocking bool              `json:"blocking"`
	RaisedBy string            `json:"raised_by"`
	RaisedAt time.Time         `json:"raised_at"`
}

func toSignals(sigs []domain.Signal) []signalJSON {
	out := make([]signalJSON, len(sigs))
	for i, s := range sigs {
		out[i] = signalJSON{Kind: string(s.Kind), Explanation: s.Explanation, Params: s.Params, Blocking: s.Blocking, RaisedBy: s.RaisedBy, RaisedAt: s.At}
	}
	return out
}

func toQueue(items []app.QueueItem) []queueItemJSON {
	out := make([]queueItemJSON, len(items))
	for i, it := range items {
		c := it.Case
		out[i] = queueItemJSON{ClaimID: c.ClaimID, CaseID: c.ID, PolicyNumber: c.PolicyNumber, InsuredName: c.InsuredName,
			IncidentType: c.IncidentType, FirstReceivedAt: c.FirstReceivedAt, State: string(c.State), Assignee: c.Assignee,
			Complex: c.Complex != nil, Version: c.Version, Catastrophe: toTag(c, time.Now()), Signals: toSignals(c.Signals)}
		out[i].Deadline = toQueueDeadline(it.Deadline)
		if d := it.Deadline; d != nil && d.State == tracking.StateOpen {
			at := d.DueAt
			out[i].NearestDueAt, out[i].NearestKind = &at, "deadline"
		}
		if st := c.TargetState(time.Now()); c.Catastrophe != nil && st != domain.TargetMet && st != domain.TargetMissed &&
			(out[i].NearestDueAt == nil || c.Catastrophe.TargetDueAt.Before(*out[i].NearestDueAt)) {
			at := c.Catastrophe.TargetDueAt
			out[i].NearestDueAt, out[i].NearestKind = &at, "target"
		}
	}
	return out
}

// toQueueDeadline is the deadline a case or complaint owes, if any.
func toQueueDeadline(d *app.QueueDeadline) *queueDeadlineJSON {
	if d == nil {
		return nil
	}
	rnumber := ""
	if rule, err := deadline.RuleByID(d.Rule); err == nil {
		rnumber = rule.RNumber
	}
	return &queueDeadlineJSON{Rule: string(d.Rule), RNumber: rnumber, DueDate: d.DueDate.String(), DueAt: d.DueAt,
		State: string(d.State), Risk: string(d.Risk)}
}

// toDocument is the JSON view of a document on the case: a bank card's
// account shows only its last four digits (R11), its fingerprint not at all.
func toDocument(d domain.Document) documentJSON {
	out := documentJSON{DocumentID: d.DocumentID, Type: d.Type, SHA256: d.SHA256, InvoiceNumber: d.InvoiceNumber,
		TotalAmountFen: d.TotalAmountFen, EventDate: d.EventDate, HolderName: d.HolderName}
	if d.AccountLast4 != "" {
		out.AccountMasked = "****" + d.AccountLast4
	}
	return out
}
