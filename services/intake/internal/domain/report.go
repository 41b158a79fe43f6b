// Package domain holds intake's rules about incident reports (报案) and the
// claim requests (索赔申请) made on them.
package domain

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/apperr"
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

// Reporter is the person who reported the incident.
type Reporter struct {
	Name string
	Role ReporterRole
}

// IncidentReport is a stored report. ClaimID is assigned when the report is
// taken, so every event about the claim, from the report on, shares one key.
// ClaimRequestedAt is when the claim request was first received: the clock
// start of the decision deadline (R4); it never changes once set.
type IncidentReport struct {
	ID               string
	ClaimID          string
	PolicyNumber     string
	InsuredName      string
	IncidentType     IncidentType
	IncidentTime     time.Time
	Reporter         Reporter
	ReportedAt       time.Time
	ClaimRequestedAt *time.Time
}

// NewReport is what a reporter tells us.
type NewReport struct {
	PolicyNumber string
	InsuredName  string
	IncidentType string
	IncidentTime time.Time
	Reporter     Reporter
}

var policyNumberPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{2,39}$`)

// clockSkew is how far in the future an incident time may lie before it is
// refused: devices' clocks differ.
const clockSkew = 10 * time.Minute

// NewIncidentReport validates in and returns the report to store. Times are
// kept to the microsecond, as they are stored.
func NewIncidentReport(id, claimID string, in NewReport, now time.Time) (IncidentReport, error) {
	policy := strings.TrimSpace(in.PolicyNumber)
	if policy == "" {
		return IncidentReport{}, apperr.InvalidField("policy_number", "is required")
	}
	if !policyNumberPattern.MatchString(policy) {
		return IncidentReport{}, apperr.InvalidField("policy_number", "must be 3 to 40 letters, digits or hyphens, starting with a letter or digit")
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
	reporter, err := personName("reporter.name", in.Reporter.Name)
	if err != nil {
		return IncidentReport{}, err
	}
	if !contains(reporterRoles, in.Reporter.Role) {
		return IncidentReport{}, apperr.InvalidField("reporter.role", "must be one of %s", join(reporterRoles))
	}
	return IncidentReport{
		ID: id, ClaimID: claimID, PolicyNumber: policy, InsuredName: insured, IncidentType: kind,
		IncidentTime: in.IncidentTime.UTC().Truncate(time.Microsecond), Reporter: Reporter{Name: reporter, Role: in.Reporter.Role}, ReportedAt: now.UTC(),
	}, nil
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
