// Package domain holds intake's rules about incident reports (报案), the
// guidance checklists given with them (R1, R2), the supporting documents and
// what was read from them, the one-time notice of missing documents (R3), and
// the claim requests (索赔申请) handed to adjudication once complete.
package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// IncidentType is what happened to the insured.
type IncidentType string

// The incident types intake accepts.
const (
	IncidentDeath            IncidentType = "death"
	IncidentDisability       IncidentType = "disability"
	IncidentCriticalIllness  IncidentType = "critical_illness"
	IncidentMedical          IncidentType = "medical"
	IncidentAccidentalInjury IncidentType = "accidental_injury"
)

var incidentTypes = []IncidentType{IncidentDeath, IncidentDisability, IncidentCriticalIllness, IncidentMedical, IncidentAccidentalInjury}

// IncidentTypes lists the incident types intake accepts; each has a
// checklist file.
func IncidentTypes() []IncidentType { return slices.Clone(incidentTypes) }

// ReporterRole is who reports, relative to the policy.
type ReporterRole string

// The roles a reporter may have.
const (
	RolePolicyholder ReporterRole = "policyholder"
	RoleInsured      ReporterRole = "insured"
	RoleBeneficiary  ReporterRole = "beneficiary"
	RoleAgent        ReporterRole = "agent"
)

var reporterRoles = []ReporterRole{RolePolicyholder, RoleInsured, RoleBeneficiary, RoleAgent}

// Relation is how a person is related to the insured (the vocabulary of
// events.Person).
type Relation string

// The relations intake records.
const (
	RelationSelf   Relation = "self"
	RelationSpouse Relation = "spouse"
	RelationChild  Relation = "child"
	RelationParent Relation = "parent"
	RelationOther  Relation = "other"
)

var relations = []Relation{RelationSelf, RelationSpouse, RelationChild, RelationParent, RelationOther}

// Reporter is the person who reported the incident. Relation is their
// relation to the insured: always self for the insured, empty when a
// reporter who is not the insured did not say.
type Reporter struct {
	Name     string
	Role     ReporterRole
	Relation Relation
}

// Person is a named party of a claim and their relation to the insured.
type Person struct {
	Name     string
	Relation Relation
}

// Link records a report that matched an open one and was linked to it
// rather than stored as a second report of the same incident. What the
// linked report said that the first may not have (its description and
// claimed amount) is kept on the link, never dropped (issue 20).
type Link struct {
	Reporter         Reporter
	Description      string
	ClaimedAmountFen int64
	By               string
	At               time.Time
}

// IncidentReport is a stored report. ClaimID is assigned when the report is
// taken, so every event about the claim, from the report on, shares one key.
// ClaimRequestedAt is when the claim request was first received: the clock
// start of the decision deadline (R4) and of the missing-documents notice
// (R3); it never changes once set. HandedOverAt is when the complete claim
// request was announced to adjudication, once.
//
// Checklist is the guidance checklist given with the report (R1), kept as it
// was given: a later edit of the checklist files changes what new reports
// are told, not what this one was. A report tagged with a catastrophe keeps
// the simplified variant it was given (R8), whatever becomes of the mode.
type IncidentReport struct {
	ID           string
	ClaimID      string
	PolicyNumber string
	// ProductCode names the insurance product, whose checklist may differ
	// from the standard one; empty when not known.
	ProductCode  string
	InsuredName  string
	IncidentType IncidentType
	IncidentTime time.Time
	// IncidentPlace is the administrative division code (行政区划代码,
	// GB/T 2260) of the place of the incident; empty when not known.
	IncidentPlace string
	Description   string
	// Contact is a telephone number or an e-mail address to reach the
	// reporter.
	Contact  string
	Reporter Reporter
	// Beneficiary is who claims the benefit when the report names them.
	Beneficiary *Person
	// ClaimedAmountFen is the amount the reporter says is claimed, in fen;
	// zero when not said.
	ClaimedAmountFen int64
	ReportedAt       time.Time
	ClaimRequestedAt *time.Time
	HandedOverAt     *time.Time
	Checklist        ChecklistTemplate
	Links            []Link
	// FastChannel is set when the incident matched an active catastrophe
	// when the report was taken (R8): the report is tagged with it and its
	// Checklist is the simplified variant.
	FastChannel *FastChannel
	// Advance is the advance agreement and payee given with the claim
	// request (issue 19), nil when none was.
	Advance *AdvanceAgreement
}

// NewReport is what a reporter tells us.
type NewReport struct {
	PolicyNumber     string
	ProductCode      string
	InsuredName      string
	IncidentType     string
	IncidentTime     time.Time
	IncidentPlace    string
	Description      string
	Contact          string
	Reporter         Reporter
	Beneficiary      *Person
	ClaimedAmountFen int64
}

var (
	policyNumberPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{2,39}$`)
	productCodePattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{1,39}$`)
	placePattern        = regexp.MustCompile(`^[1-8][0-9]{5}$`)
	phonePattern        = regexp.MustCompile(`^\+?[0-9][0-9 -]{4,24}$`)
	emailPattern        = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// provinces are the first two digits of the administrative division codes
// of the provinces, autonomous regions and municipalities (GB/T 2260),
// Taiwan, Hong Kong and Macao included.
var provinces = []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
	"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}

// MaxAmountFen bounds amounts: ten trillion yuan, far above any claim and
// far below the int64 limit.
const MaxAmountFen int64 = 1_000_000_000_000_000

// clockSkew is how far in the future an incident time may lie before it is
// refused: devices' clocks differ.
const clockSkew = 10 * time.Minute

// NewIncidentReport validates in and returns the report to store, without
// its checklist (the caller resolves it from the incident type and the
// product). Times are kept to the microsecond, as they are stored.
func NewIncidentReport(id, claimID string, in NewReport, now time.Time) (IncidentReport, error) {
	policy := strings.TrimSpace(in.PolicyNumber)
	if policy == "" {
		return IncidentReport{}, apperr.InvalidField("policy_number", "is required")
	}
	if !policyNumberPattern.MatchString(policy) {
		return IncidentReport{}, apperr.InvalidField("policy_number", "must be 3 to 40 letters, digits or hyphens, starting with a letter or digit")
	}
	product := strings.TrimSpace(in.ProductCode)
	if product != "" && !productCodePattern.MatchString(product) {
		return IncidentReport{}, apperr.InvalidField("product_code", "must be 2 to 40 letters, digits or hyphens, starting with a letter or digit")
	}
	insured, err := personName("insured_name", in.InsuredName)
	if err != nil {
		return IncidentReport{}, err
	}
	kind := IncidentType(strings.TrimSpace(in.IncidentType))
	if !contains(incidentTypes, kind) {
		return IncidentReport{}, apperr.InvalidField("incident_type", "must be one of %s", join(incidentTypes))
	}
	if in.IncidentTime.IsZero() {
		return IncidentReport{}, apperr.InvalidField("incident_time", "is required (RFC 3339, e.g. 2026-09-30T16:20:00+08:00)")
	}
	if in.IncidentTime.After(now.Add(clockSkew)) {
		return IncidentReport{}, apperr.InvalidField("incident_time", "lies in the future")
	}
	place := strings.TrimSpace(in.IncidentPlace)
	if place != "" && (!placePattern.MatchString(place) || !contains(provinces, place[:2])) {
		return IncidentReport{}, apperr.InvalidField("incident_place", "must be a 6-digit administrative division code (GB/T 2260), e.g. 310115")
	}
	description, err := freeText("description", in.Description, 2000)
	if err != nil {
		return IncidentReport{}, err
	}
	contact := strings.TrimSpace(in.Contact)
	if contact != "" && (utf8.RuneCountInString(contact) > 100 || !phonePattern.MatchString(contact) && !emailPattern.MatchString(contact)) {
		return IncidentReport{}, apperr.InvalidField("contact", "must be a telephone number or an e-mail address")
	}
	reporter, err := newReporter(in.Reporter, kind)
	if err != nil {
		return IncidentReport{}, err
	}
	var beneficiary *Person
	if in.Beneficiary != nil {
		b, err := newBeneficiary(*in.Beneficiary, kind)
		if err != nil {
			return IncidentReport{}, err
		}
		beneficiary = &b
	}
	if in.ClaimedAmountFen < 0 || in.ClaimedAmountFen > MaxAmountFen {
		return IncidentReport{}, apperr.InvalidField("claimed_amount_fen", "must be between 0 and %d fen", MaxAmountFen)
	}
	return IncidentReport{
		ID: id, ClaimID: claimID, PolicyNumber: policy, ProductCode: product, InsuredName: insured, IncidentType: kind,
		IncidentTime: in.IncidentTime.UTC().Truncate(time.Microsecond), IncidentPlace: place, Description: description,
		Contact: contact, Reporter: reporter, Beneficiary: beneficiary, ClaimedAmountFen: in.ClaimedAmountFen,
		ReportedAt: now.UTC(),
	}, nil
}

// newReporter validates the reporter. The insured is their own relation
// (self) and cannot report their own death.
func newReporter(in Reporter, kind IncidentType) (Reporter, error) {
	name, err := personName("reporter.name", in.Name)
	if err != nil {
		return Reporter{}, err
	}
	if !contains(reporterRoles, in.Role) {
		return Reporter{}, apperr.InvalidField("reporter.role", "must be one of %s", join(reporterRoles))
	}
	if in.Relation != "" && !contains(relations, in.Relation) {
		return Reporter{}, apperr.InvalidField("reporter.relation", "must be one of %s", join(relations))
	}
	if in.Role == RoleInsured {
		switch {
		case kind == IncidentDeath:
			return Reporter{}, apperr.InvalidField("reporter.role", "the insured cannot report their own death")
		case in.Relation != "" && in.Relation != RelationSelf:
			return Reporter{}, apperr.InvalidField("reporter.relation", "must be self (or left out) when the insured reports")
		}
		in.Relation = RelationSelf
	}
	return Reporter{Name: name, Role: in.Role, Relation: in.Relation}, nil
}

// newBeneficiary validates the beneficiary a report names. The insured
// cannot receive a death benefit.
func newBeneficiary(in Person, kind IncidentType) (Person, error) {
	name, err := personName("beneficiary.name", in.Name)
	if err != nil {
		return Person{}, err
	}
	if !contains(relations, in.Relation) {
		return Person{}, apperr.InvalidField("beneficiary.relation", "must be one of %s", join(relations))
	}
	if kind == IncidentDeath && in.Relation == RelationSelf {
		return Person{}, apperr.InvalidField("beneficiary.relation", "the insured cannot be the beneficiary of a death benefit")
	}
	return Person{Name: name, Relation: in.Relation}, nil
}

// IncidentDate is the Asia/Shanghai date of the incident. Two reports of
// the same policy, insured, incident type and date are one incident.
func (r IncidentReport) IncidentDate() calendar.Date { return calendar.DateOf(r.IncidentTime) }

// Claimant returns who claims the benefit when it is not the insured, and
// whether that is so. A death benefit is never claimed by the insured: the
// claimant is the named beneficiary, else a reporter who is a beneficiary,
// else not yet known (an empty Person). Living benefits (medical, critical
// illness, disability, injury) go to the insured unless the report names
// another beneficiary or a beneficiary reports.
func (r IncidentReport) Claimant() (Person, bool) {
	switch {
	case r.Beneficiary != nil:
		return *r.Beneficiary, r.Beneficiary.Relation != RelationSelf
	case r.Reporter.Role == RoleBeneficiary && r.Reporter.Relation != RelationSelf:
		return Person{Name: r.Reporter.Name, Relation: r.Reporter.Relation}, true
	case r.IncidentType == IncidentDeath:
		return Person{}, true
	}
	return Person{}, false
}

// Link records that reporter reported the same incident again; by is who
// entered it.
func (r *IncidentReport) Link(reporter Reporter, by string, now time.Time) {
	r.Links = append(r.Links, Link{Reporter: reporter, By: by, At: now.UTC()})
}

// MaxBackdating is how long before its entry a claim request may have been
// received: five years, the limitation period of life insurance claims
// (Insurance Law art. 26).
const MaxBackdating = 5 * 365 * 24 * time.Hour

// RequestClaim records that the claim request was received: at receivedAt
// when a request that came in on paper (at a branch, by post) is entered
// later, otherwise at now. The decision clock (R4) starts at the first
// receipt, so a request received earlier must be entered with that time.
// It reports false when the request had already been received: the first
// receipt stands.
func (r *IncidentReport) RequestClaim(receivedAt *time.Time, now time.Time) (first bool, err error) {
	if r.ClaimRequestedAt != nil {
		return false, nil
	}
	t := now.UTC()
	if receivedAt != nil {
		switch {
		case receivedAt.After(now.Add(clockSkew)):
			return false, apperr.InvalidField("received_at", "lies in the future")
		case receivedAt.Before(r.IncidentTime):
			return false, apperr.InvalidField("received_at", "is before the incident")
		case receivedAt.Before(now.Add(-MaxBackdating)):
			return false, apperr.InvalidField("received_at", "is more than five years ago")
		}
		t = receivedAt.UTC().Truncate(time.Microsecond)
	}
	r.ClaimRequestedAt = &t
	return true, nil
}

func personName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", apperr.InvalidField(field, "is required")
	case utf8.RuneCountInString(s) > 100:
		return "", apperr.InvalidField(field, "is longer than 100 characters")
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", apperr.InvalidField(field, "contains control characters")
	}
	return s, nil
}

// freeText trims s and refuses it when longer than limit characters or
// when it holds control characters other than line breaks and tabs.
func freeText(field, s string, limit int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case utf8.RuneCountInString(s) > limit:
		return "", apperr.InvalidField(field, "is longer than %d characters", limit)
	case strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f }):
		return "", apperr.InvalidField(field, "contains control characters")
	}
	return s, nil
}

func contains[T comparable](set []T, v T) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func join[T ~string](set []T) string {
	parts := make([]string, len(set))
	for i, s := range set {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
