package domain_test

import (
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
)

func TestNewIncidentReportValidation(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	valid := domain.NewReport{
		PolicyNumber: "P-2026-0001", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: now.Add(-48 * time.Hour), Reporter: domain.Reporter{Name: "李四", Role: domain.RoleBeneficiary},
	}
	tests := []struct {
		name      string
		change    func(*domain.NewReport)
		wantField string
	}{
		{"valid", func(*domain.NewReport) {}, ""},
		{"missing policy", func(r *domain.NewReport) { r.PolicyNumber = " " }, "policy_number"},
		{"policy with spaces", func(r *domain.NewReport) { r.PolicyNumber = "P 1" }, "policy_number"},
		{"missing insured", func(r *domain.NewReport) { r.InsuredName = "" }, "insured_name"},
		{"insured with control char", func(r *domain.NewReport) { r.InsuredName = "a\x00b" }, "insured_name"},
		{"unknown incident type", func(r *domain.NewReport) { r.IncidentType = "flood" }, "incident_type"},
		{"no incident time", func(r *domain.NewReport) { r.IncidentTime = time.Time{} }, "incident_time"},
		{"incident in the future", func(r *domain.NewReport) { r.IncidentTime = now.Add(time.Hour) }, "incident_time"},
		{"incident within clock skew", func(r *domain.NewReport) { r.IncidentTime = now.Add(5 * time.Minute) }, ""},
		{"missing reporter", func(r *domain.NewReport) { r.Reporter.Name = "" }, "reporter.name"},
		{"unknown reporter role", func(r *domain.NewReport) { r.Reporter.Role = "friend" }, "reporter.role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.change(&in)
			r, err := domain.NewIncidentReport("r1", "c1", in, now)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if r.ClaimID != "c1" || r.ReportedAt != now {
					t.Fatalf("got claim %q reported %v, want c1 at %v", r.ClaimID, r.ReportedAt, now)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Field != tt.wantField {
				t.Fatalf("got %v, want invalid_argument on field %s", err, tt.wantField)
			}
		})
	}
}

func TestRequestClaimKeepsFirstReceipt(t *testing.T) {
	first := time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)
	r := domain.IncidentReport{ID: "r1"}
	if !r.RequestClaim(first) {
		t.Fatalf("got first=false on the first request, want true")
	}
	if r.RequestClaim(first.Add(time.Hour)) {
		t.Fatalf("got first=true on a repeated request, want false")
	}
	if !r.ClaimRequestedAt.Equal(first) {
		t.Fatalf("got claim requested at %v, want %v", r.ClaimRequestedAt, first)
	}
}
