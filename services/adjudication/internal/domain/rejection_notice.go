package domain

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// NoticeKind says which of the two statutory rejection notices a letter is:
// a refusal to pay a fixed benefit (给付, life, critical illness, accident
// death or disability) or a refusal to indemnify a loss (赔偿, medical
// expense reimbursement). The law names both; the letter's title follows it.
type NoticeKind string

// The kinds of rejection notice.
const (
	BenefitRefusal   NoticeKind = "benefit"
	IndemnityRefusal NoticeKind = "indemnity"
)

// Title returns the letter's title as the law names it, or "" for an unknown
// kind.
func (k NoticeKind) Title() string {
	switch k {
	case BenefitRefusal:
		return "拒绝给付保险金通知书"
	case IndemnityRefusal:
		return "拒绝赔偿通知书"
	}
	return ""
}

// Refusal returns the verb phrase the letter's body uses for the decision
// (拒绝给付保险金 or 拒绝赔偿), or "" for an unknown kind.
func (k NoticeKind) Refusal() string {
	switch k {
	case BenefitRefusal:
		return "拒绝给付保险金"
	case IndemnityRefusal:
		return "拒绝赔偿"
	}
	return ""
}

// RegulatorHotline is the financial regulator's consumer complaint hotline
// that every rejection notice gives, so that a claimant who disagrees knows
// where to complain outside the company.
const RegulatorHotline = "12378"

// Limits on what a notice may hold. They keep a letter readable and stop a
// slip of the keyboard from producing a hundred-page PDF.
const (
	MaxRejectionReasons = 10
	maxShortText        = 64  // numbers, names
	maxAddress          = 128 // company address
	maxClause           = 200 // one clause citation
	maxLongText         = 1000
	maxReasonCode       = 32
	maxPhone            = 32
	minPhoneDigits      = 5 // 95xxx service numbers have five
)

// RejectionNotice is the written notice (拒绝赔偿/给付保险金通知书) that a
// claim is not covered, with the reasons for it (rule R5).
//
// Legal basis: Insurance Law art. 24 (保险人依照本法第二十三条的规定作出核定后，
// 对不属于保险责任的，应当自作出核定之日起三日内向被保险人或者受益人发出拒绝
// 赔偿或者拒绝给付保险金通知书，并说明理由) and 《人身保险业务基本服务规定》
// art. 24, as in shared/seeds: "保险公司作出不属于保险责任的核定后,应当自作出
// 核定之日起3日内向被保险人或者受益人发出拒绝赔偿或者拒绝给付保险金通知书,
// 并说明理由。" The insurer's implementing notice (§8.3(2)) adds that it is
// sent 以书面形式, in writing. So the notice goes to the insured or the beneficiary (Addressee),
// names the decision date (the clock start of the three days), and states
// every reason with the contract clause it rests on.
//
// Build one with NewRejectionNotice; a value built by hand should pass
// Validate before it is rendered or stored.
type RejectionNotice struct {
	Kind NoticeKind
	// LetterNumber is the company's reference of this letter (文书编号),
	// e.g. 理赔拒字〔2026〕第000123号.
	LetterNumber string
	ClaimNumber  string
	PolicyNumber string
	InsuredName  string
	// AddresseeName is the person the notice is sent to: the insured or a
	// beneficiary (the claimant).
	AddresseeName string
	// DecisionDate is the Asia/Shanghai date of the decision (核定) that
	// the claim is not covered: day D of the three-day limit.
	DecisionDate calendar.Date
	// IssueDate is the date the letter bears. It may not be before the
	// decision. A date past the three-day limit is not refused: a late
	// notice must still be sent, and the breach is tracked as a deadline
	// (R5), not hidden by refusing the letter.
	IssueDate calendar.Date
	Reasons   []RejectionReason
	// ReviewProcedure tells the claimant how to ask the company to review
	// the decision or to complain (复核/申诉): where, how, and within what
	// time.
	ReviewProcedure string
	// RegulatorHotline is the regulator's complaint number; NewRejectionNotice
	// fills in the package constant RegulatorHotline when it is empty.
	RegulatorHotline string
	// ServicePhone is the company's published service number (Reg. art. 4).
	ServicePhone   string
	CompanyName    string
	CompanyAddress string
}

// RejectionReason is one reason a claim is not covered. Code is the
// company's machine-readable reason (for statistics and audit), Text says
// in plain words what was found, and Clause cites the contract or statute
// provision it rests on, naming the document in 《》, e.g.
// 《XX重大疾病保险条款》第七条第（二）项.
type RejectionReason struct {
	Code   string
	Text   string
	Clause string
}

// NewRejectionNotice returns draft with its texts trimmed (and CRLF line
// ends made LF), the regulator hotline defaulted, and the reasons copied, or
// an *apperr.Error naming the first field that is missing or wrong.
func NewRejectionNotice(draft RejectionNotice) (RejectionNotice, error) {
	n := draft
	for _, s := range []*string{&n.LetterNumber, &n.ClaimNumber, &n.PolicyNumber, &n.InsuredName,
		&n.AddresseeName, &n.RegulatorHotline, &n.ServicePhone, &n.CompanyName, &n.CompanyAddress} {
		*s = strings.TrimSpace(*s)
	}
	n.ReviewProcedure = normalizeLong(n.ReviewProcedure)
	if n.RegulatorHotline == "" {
		n.RegulatorHotline = RegulatorHotline
	}
	n.Reasons = trimReasons(draft.Reasons)
	if err := n.Validate(); err != nil {
		return RejectionNotice{}, err
	}
	return n, nil
}

// Validate reports the first missing or malformed part of n as an
// *apperr.Error with the field's name (reasons[i].clause for a reason's
// part), or nil when the notice says all the law asks of it.
func (n RejectionNotice) Validate() error {
	if n.Kind.Title() == "" {
		return apperr.InvalidField("kind", "must be %s (拒绝给付保险金) or %s (拒绝赔偿)", BenefitRefusal, IndemnityRefusal)
	}
	short := []struct {
		field, value string
		limit        int
	}{
		{"letter_number", n.LetterNumber, maxShortText},
		{"claim_number", n.ClaimNumber, maxShortText},
		{"policy_number", n.PolicyNumber, maxShortText},
		{"insured_name", n.InsuredName, maxShortText},
		{"addressee_name", n.AddresseeName, maxShortText},
		{"company_name", n.CompanyName, maxShortText},
		{"company_address", n.CompanyAddress, maxAddress},
	}
	for _, s := range short {
		if err := checkText(s.field, s.value, s.limit, false); err != nil {
			return err
		}
	}
	if !n.DecisionDate.IsValid() {
		return apperr.InvalidField("decision_date", "is required: the date the claim was decided not covered")
	}
	if !n.IssueDate.IsValid() {
		return apperr.InvalidField("issue_date", "is required: the date the letter bears")
	}
	if n.IssueDate.Before(n.DecisionDate) {
		return apperr.InvalidField("issue_date", "is %s, before the decision date %s", n.IssueDate, n.DecisionDate)
	}
	if err := n.validateReasons(); err != nil {
		return err
	}
	if err := checkText("review_procedure", n.ReviewProcedure, maxLongText, true); err != nil {
		return err
	}
	if err := checkPhone("regulator_hotline", n.RegulatorHotline); err != nil {
		return err
	}
	return checkPhone("service_phone", n.ServicePhone)
}

func (n RejectionNotice) validateReasons() error {
	if len(n.Reasons) == 0 {
		return apperr.InvalidField("reasons", "needs at least one reason: the law requires the notice to state why (说明理由)")
	}
	return validateReasons(n.Reasons)
}

// trimReasons returns a copy of reasons with their texts trimmed (and CRLF
// line ends made LF).
func trimReasons(reasons []RejectionReason) []RejectionReason {
	if len(reasons) == 0 {
		return nil
	}
	out := make([]RejectionReason, len(reasons))
	for i, r := range reasons {
		out[i] = RejectionReason{Code: strings.TrimSpace(r.Code), Text: normalizeLong(r.Text), Clause: strings.TrimSpace(r.Clause)}
	}
	return out
}

// normalizeReasons trims reasons and checks them as validateReasons does;
// none is fine here (the caller says when reasons are required).
func normalizeReasons(reasons []RejectionReason) ([]RejectionReason, error) {
	out := trimReasons(reasons)
	return out, validateReasons(out)
}

// validateReasons checks each reason: a code, a text, and a clause naming
// the contract or statute in 《》, so that the reason can be printed on the
// rejection notice (R5) as it stands.
func validateReasons(reasons []RejectionReason) error {
	if len(reasons) > MaxRejectionReasons {
		return apperr.InvalidField("reasons", "has %d reasons, more than %d", len(reasons), MaxRejectionReasons)
	}
	for i, r := range reasons {
		prefix := "reasons[" + strconv.Itoa(i) + "]."
		if err := checkCode(prefix+"code", r.Code); err != nil {
			return err
		}
		if err := checkText(prefix+"text", r.Text, maxLongText, true); err != nil {
			return err
		}
		if err := checkClause(prefix+"clause", r.Clause); err != nil {
			return err
		}
	}
	return nil
}

// checkClause accepts a citation of a contract or statute provision that
// names the document in 《》.
func checkClause(field, clause string) error {
	if err := checkText(field, clause, maxClause, false); err != nil {
		return err
	}
	open := strings.Index(clause, "《")
	if open < 0 || !strings.Contains(clause[open:], "》") {
		return apperr.InvalidField(field, "must name the contract or statute in 《》, e.g. 《XX重大疾病保险条款》第七条第（二）项; got %q", clause)
	}
	return nil
}

// normalizeLong trims s and turns CRLF and lone CR line ends into LF, the
// one line end the letter renderer knows.
func normalizeLong(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// checkText refuses an empty value, one longer than limit characters, and
// control characters (line breaks are allowed where multiline).
func checkText(field, value string, limit int, multiline bool) error {
	if value == "" {
		return apperr.InvalidField(field, "is required")
	}
	if !utf8.ValidString(value) {
		return apperr.InvalidField(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(value); n > limit {
		return apperr.InvalidField(field, "has %d characters, more than %d", n, limit)
	}
	for _, r := range value {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) {
			return apperr.InvalidField(field, "contains the control character %U", r)
		}
	}
	return nil
}

// checkCode accepts a short code of ASCII letters, digits, '.', '_' and
// '-', such as WAITING_PERIOD, EXCL-03 or medical_expense.
func checkCode(field, code string) error {
	if code == "" {
		return apperr.InvalidField(field, "is required")
	}
	if len(code) > maxReasonCode {
		return apperr.InvalidField(field, "is longer than %d characters", maxReasonCode)
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return apperr.InvalidField(field, "may hold only ASCII letters, digits, '.', '_' and '-'; got %q", code)
		}
	}
	return nil
}

// checkPhone accepts digits with the separators people write in Chinese
// phone numbers (400-800-1234, (010) 6666 8888, +86 10 ...) and at least
// minPhoneDigits digits.
func checkPhone(field, phone string) error {
	if phone == "" {
		return apperr.InvalidField(field, "is required")
	}
	if len(phone) > maxPhone {
		return apperr.InvalidField(field, "is longer than %d characters", maxPhone)
	}
	digits := 0
	for _, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ' || r == '+' || r == '(' || r == ')':
		default:
			return apperr.InvalidField(field, "may hold only digits, spaces and - + ( ); got %q", phone)
		}
	}
	if digits < minPhoneDigits {
		return apperr.InvalidField(field, "has %d digits, fewer than %d", digits, minPhoneDigits)
	}
	return nil
}
