package domain_test

import (
	"strings"
	"testing"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

func TestDecideChecksTheDecision(t *testing.T) {
	lines := func(ls ...domain.BenefitLine) []domain.BenefitLine { return ls }
	reasons := []domain.RejectionReason{reason()}
	tests := []struct {
		name      string
		in        domain.DecisionInput
		wantCode  apperr.Code
		wantField string
		wantState domain.State
		wantTotal int64
	}{
		{"approve in full", domain.DecisionInput{Outcome: "approve", Lines: lines(line("medical_expense", 120_000, 120_000), line("hospital_allowance", 30_000, 30_000))},
			"", "", domain.StateApproved, 150_000},
		{"partly approve", domain.DecisionInput{Outcome: "partly_approve", Lines: lines(line("medical_expense", 120_000, 80_000)), Reasons: reasons},
			"", "", domain.StatePartlyApproved, 80_000},
		{"partly approve with one line refused", domain.DecisionInput{Outcome: "partly_approve",
			Lines: lines(line("medical_expense", 120_000, 120_000), line("hospital_allowance", 30_000, 0)), Reasons: reasons},
			"", "", domain.StatePartlyApproved, 120_000},
		{"reject", domain.DecisionInput{Outcome: "reject", Reasons: reasons, Note: "见条款"}, "", "", domain.StateRejected, 0},
		{"reject with lines paying nothing", domain.DecisionInput{Outcome: "reject", Lines: lines(line("medical_expense", 120_000, 0)), Reasons: reasons},
			"", "", domain.StateRejected, 0},
		{"unknown outcome", domain.DecisionInput{Outcome: "maybe"}, apperr.Invalid, "outcome", domain.StateReceived, 0},
		{"approve without lines", domain.DecisionInput{Outcome: "approve"}, apperr.Invalid, "lines", domain.StateReceived, 0},
		{"approve paying less than claimed", domain.DecisionInput{Outcome: "approve", Lines: lines(line("medical_expense", 120_000, 100_000))},
			apperr.Invalid, "lines", domain.StateReceived, 0},
		{"partly approve paying in full", domain.DecisionInput{Outcome: "partly_approve", Lines: lines(line("medical_expense", 100, 100)), Reasons: reasons},
			apperr.Invalid, "lines", domain.StateReceived, 0},
		{"partly approve paying nothing", domain.DecisionInput{Outcome: "partly_approve", Lines: lines(line("medical_expense", 100, 0)), Reasons: reasons},
			apperr.Invalid, "lines", domain.StateReceived, 0},
		{"partly approve without reasons", domain.DecisionInput{Outcome: "partly_approve", Lines: lines(line("medical_expense", 100, 50))},
			apperr.Invalid, "reasons", domain.StateReceived, 0},
		{"reject without reasons", domain.DecisionInput{Outcome: "reject"}, apperr.Invalid, "reasons", domain.StateReceived, 0},
		{"reject paying something", domain.DecisionInput{Outcome: "reject", Lines: lines(line("medical_expense", 100, 1)), Reasons: reasons},
			apperr.Invalid, "lines", domain.StateReceived, 0},
		{"reason without clause", domain.DecisionInput{Outcome: "reject", Reasons: []domain.RejectionReason{{Code: "X", Text: "y"}}},
			apperr.Invalid, "reasons[0].clause", domain.StateReceived, 0},
		{"clause naming no document", domain.DecisionInput{Outcome: "reject", Reasons: []domain.RejectionReason{{Code: "X", Text: "y", Clause: "clause 4.2"}}},
			apperr.Invalid, "reasons[0].clause", domain.StateReceived, 0},
		{"reason code with spaces", domain.DecisionInput{Outcome: "reject", Reasons: []domain.RejectionReason{{Code: "waiting period", Text: "y", Clause: "《条款》"}}},
			apperr.Invalid, "reasons[0].code", domain.StateReceived, 0},
		{"line without benefit", domain.DecisionInput{Outcome: "approve", Lines: lines(line("", 100, 100))}, apperr.Invalid, "lines[0].benefit", domain.StateReceived, 0},
		{"benefit listed twice", domain.DecisionInput{Outcome: "approve", Lines: lines(line("a", 100, 100), line("a", 5, 5))}, apperr.Invalid, "lines[1].benefit", domain.StateReceived, 0},
		{"benefit not of the product", domain.DecisionInput{Outcome: "approve", Lines: lines(line("dental", 100, 100)), Benefits: []string{"medical_expense"}},
			apperr.Invalid, "lines[0].benefit", domain.StateReceived, 0},
		{"nothing claimed", domain.DecisionInput{Outcome: "approve", Lines: lines(line("a", 0, 0))}, apperr.Invalid, "lines[0].claimed_fen", domain.StateReceived, 0},
		{"negative approval", domain.DecisionInput{Outcome: "partly_approve", Lines: lines(line("a", 100, -1)), Reasons: reasons}, apperr.Invalid, "lines[0].approved_fen", domain.StateReceived, 0},
		{"more approved than claimed", domain.DecisionInput{Outcome: "approve", Lines: lines(line("a", 100, 101))}, apperr.Invalid, "lines[0].approved_fen", domain.StateReceived, 0},
		{"above the platform's cap", domain.DecisionInput{Outcome: "approve", Lines: lines(line("a", domain.MaxAmountFen, domain.MaxAmountFen), line("b", 1, 1))},
			apperr.Invalid, "lines", domain.StateReceived, 0},
		{"note too long", domain.DecisionInput{Outcome: "reject", Reasons: reasons, Note: strings.Repeat("长", 2001)}, apperr.Invalid, "note", domain.StateReceived, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StateReceived)
			err := c.Decide(senior, authority, tt.in, now)
			wantCode(t, err, tt.wantCode, tt.wantField)
			if c.State != tt.wantState {
				t.Fatalf("got state %s, want %s", c.State, tt.wantState)
			}
			if tt.wantCode != "" {
				if c.Decision != nil || len(c.Changes) != 0 {
					t.Fatalf("got decision %+v and %d audit entries after a refusal, want none", c.Decision, len(c.Changes))
				}
				return
			}
			d := c.Decision
			if d == nil || d.AmountFen != tt.wantTotal || d.DecidedBy != "s1" || !d.DecidedAt.Equal(now) || !d.Final() {
				t.Fatalf("got decision %+v, want a final one of %d fen by s1 at %v", d, tt.wantTotal, now)
			}
		})
	}
}

func TestAuthorityLimits(t *testing.T) {
	limits := mustAuthority(map[string]int64{domain.RoleHandler: 5_000_000, domain.RoleSenior: 50_000_000, "trainee": 0})
	tests := []struct {
		name        string
		actor       domain.Actor
		amount      int64
		wantPending bool
	}{
		{"handler at the limit", handler, 5_000_000, false},
		{"handler one fen above", handler, 5_000_001, true},
		{"senior within theirs", senior, 50_000_000, false},
		{"senior above theirs", senior, 50_000_001, true},
		{"both roles take the higher limit", senior2, 20_000_000, false},
		{"a role with no authority", domain.Actor{Subject: "t1", Roles: []string{"trainee"}}, 1, true},
		{"a role not listed", domain.Actor{Subject: "a1", Roles: []string{"auditor"}}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StateUnderReview)
			c.Assignee = "" // unassigned: the decider takes it
			if err := c.Decide(tt.actor, limits, approve(tt.amount), now); err != nil {
				t.Fatal(err)
			}
			wantState := domain.StateApproved
			if tt.wantPending {
				wantState = domain.StatePendingApproval
			}
			if c.State != wantState || c.Decision.NeedsApproval != tt.wantPending || c.Decision.Final() == tt.wantPending {
				t.Fatalf("got %s, needs approval %v, want %s", c.State, c.Decision.NeedsApproval, wantState)
			}
		})
	}
	// A rejection of a small claim is within everyone's authority.
	c := caseIn(t, domain.StateUnderReview)
	c.Assignee = ""
	if err := c.Decide(domain.Actor{Subject: "t1", Roles: []string{"trainee"}}, limits, reject(), now); err != nil || c.State != domain.StateRejected {
		t.Fatalf("got %s, %v, want rejected", c.State, err)
	}
}

func TestNewAuthorityRefuses(t *testing.T) {
	tests := []struct {
		name   string
		limits map[string]int64
	}{
		{"no senior limit", map[string]int64{domain.RoleHandler: 100}},
		{"senior with no authority", map[string]int64{domain.RoleSenior: 0}},
		{"negative limit", map[string]int64{domain.RoleSenior: domain.Unlimited, domain.RoleHandler: -5}},
		{"empty role", map[string]int64{domain.RoleSenior: domain.Unlimited, "": 5}},
	}
	for _, tt := range tests {
		if _, err := domain.NewAuthority(tt.limits); err == nil {
			t.Errorf("%s: got no error, want one", tt.name)
		}
	}
}

func TestFourEyesApproval(t *testing.T) {
	limited := mustAuthority(map[string]int64{domain.RoleHandler: 5_000_000, domain.RoleSenior: 6_000_000})
	tests := []struct {
		name      string
		decider   domain.Actor
		approver  domain.Actor
		auth      domain.Authority
		verdict   string
		reason    string
		wantCode  apperr.Code
		wantField string
		wantState domain.State
	}{
		{"another senior approves", handler, senior, authority, "approve", "", "", "", domain.StateApproved},
		{"another senior returns it", handler, senior, authority, "return", "发票金额与清单不符", "", "", domain.StateUnderReview},
		{"return without a reason", handler, senior, authority, "return", "", apperr.Invalid, "reason", domain.StatePendingApproval},
		{"a handler cannot approve", handler, handler2, authority, "approve", "", apperr.Forbidden, "", domain.StatePendingApproval},
		{"the decider cannot approve", senior2, senior2, limited, "approve", "", apperr.Forbidden, "", domain.StatePendingApproval},
		{"the approver's own limit", handler, senior, limited, "approve", "", apperr.Forbidden, "", domain.StatePendingApproval},
		{"unknown verdict", handler, senior, authority, "maybe", "", apperr.Invalid, "verdict", domain.StatePendingApproval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StateUnderReview)
			if err := c.Decide(tt.decider, tt.auth, approve(7_000_000), now); err != nil {
				t.Fatal(err)
			}
			if c.State != domain.StatePendingApproval {
				t.Fatalf("got %s, want pending_approval", c.State)
			}
			err := c.ReviewDecision(tt.approver, tt.auth, tt.verdict, tt.reason, 0, now.Add(1))
			wantCode(t, err, tt.wantCode, tt.wantField)
			if c.State != tt.wantState {
				t.Fatalf("got state %s, want %s", c.State, tt.wantState)
			}
			switch tt.wantState {
			case domain.StateApproved:
				d := c.Decision
				if d.ApprovedBy != tt.approver.Subject || !d.Final() || !d.EffectiveAt().Equal(now.Add(1)) || d.DecidedBy != tt.decider.Subject {
					t.Fatalf("got decision %+v, want approved by %s, effective at the approval", d, tt.approver.Subject)
				}
			case domain.StateUnderReview:
				if c.Decision != nil {
					t.Fatalf("got decision %+v after a return, want none", c.Decision)
				}
			case domain.StatePendingApproval:
				if c.Decision == nil || c.Decision.Final() {
					t.Fatalf("got decision %+v, want it still awaiting approval", c.Decision)
				}
			}
		})
	}
	// A returned decision leaves the case to be decided again.
	c := caseIn(t, domain.StateComplex)
	if err := c.Decide(handler, authority, approve(7_000_000), now); err != nil {
		t.Fatal(err)
	}
	if err := c.ReviewDecision(senior, authority, "return", "重新核算", 0, now); err != nil || c.State != domain.StateComplex {
		t.Fatalf("got %s, %v, want back to complex", c.State, err)
	}
	if err := c.Decide(handler, authority, approve(4_000_000), now); err != nil || c.State != domain.StateApproved {
		t.Fatalf("got %s, %v, want approved", c.State, err)
	}
	if err := c.ReviewDecision(senior, authority, "approve", "", 0, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("approving a decision that needs no approval: got %v, want a conflict", err)
	}
}

func TestADecisionIsMadeOnce(t *testing.T) {
	for _, s := range []domain.State{domain.StatePendingApproval, domain.StateApproved, domain.StatePartlyApproved, domain.StateRejected, domain.StateAgreed} {
		c := caseIn(t, s)
		wantCode(t, c.Decide(senior, authority, approve(1), now), apperr.Conflict, "")
	}
}
