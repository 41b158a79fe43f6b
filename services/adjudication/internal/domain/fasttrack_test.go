package domain_test

import (
	"strings"
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/catastrophe"
)

var coordinator = domain.Actor{Subject: "c1", Roles: []string{domain.RoleCoordinator}}

func typhoon(t *testing.T) catastrophe.Catastrophe {
	t.Helper()
	c, err := catastrophe.Declare(catastrophe.Declaration{Code: "TY-1", Name: "台风", Peril: "typhoon", Regions: []string{"4401"},
		WindowStart: "2026-09-01", WindowEnd: "2026-10-31", ShareBps: 3000, CapFen: 5_000_000, IncidentTypes: []string{"death", "medical"}},
		"c1", t0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cover is a policy in force in 2026 on a product paying deaths (200000
// yuan) and medical expenses (50000 yuan, at most 20000 a claim).
func cover(insured string) domain.Evidence {
	product := &domain.Product{Code: "ACC", Benefits: []domain.Benefit{
		{Code: "death", IncidentTypes: []string{"death"}},
		{Code: "medical_expense", IncidentTypes: []string{"medical"}, PerClaimLimitFen: 2_000_000}}}
	policy := &domain.Policy{Number: "P-1", ProductCode: "ACC", InsuredName: insured,
		EffectiveFrom: calendar.Date{Year: 2026, Month: 1, Day: 1}, EffectiveTo: calendar.Date{Year: 2026, Month: 12, Day: 31},
		Coverages: []domain.Coverage{{Benefit: "death", SumInsuredFen: 20_000_000}, {Benefit: "medical_expense", SumInsuredFen: 5_000_000, UsedFen: 1_000_000}}}
	return domain.Evidence{Policy: policy, Product: product}
}

func TestTheCatastropheAdvanceIsOfferedOnlyOnAVerifiedEligibleClaim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		incidentType string
		claimed      int64
		ev           domain.Evidence
		wantExpected int64
		wantAmount   int64
	}{
		{"death: the sum insured, capped", "death", 0, cover("张三"), 20_000_000, 5_000_000},
		{"medical: the amount claimed", "medical", 300_000, cover("张三"), 300_000, 90_000},
		{"medical: no more than the per-claim limit", "medical", 9_000_000, cover("张三"), 2_000_000, 600_000},
		{"medical without an amount: the per-claim limit", "medical", 0, cover("张三"), 2_000_000, 600_000},
		{"ineligible type", "critical_illness", 0, cover("张三"), 0, 0},
		{"another insured: the policy is not verified", "death", 0, cover("李四"), 0, 0},
		{"no policy data", "death", 0, domain.Evidence{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StateReceived)
			c.IncidentType, c.ClaimedAmountFen = tt.incidentType, tt.claimed
			offered := c.OfferCatastropheAdvance(typhoon(t), tt.ev, "adv-1", now)
			if offered != (tt.wantAmount > 0) {
				t.Fatalf("got offered %v, want %v", offered, tt.wantAmount > 0)
			}
			if len(c.Changes) != 1 {
				t.Fatalf("got %d audit entries, want 1 saying what was (not) offered", len(c.Changes))
			}
			if !offered {
				if c.Changes[0].Action != domain.ActionAdvanceNotOffered || c.Changes[0].Reason == "" || len(c.Advances) != 0 {
					t.Fatalf("got %+v and %d advances, want the reason no advance was offered", c.Changes[0], len(c.Advances))
				}
				return
			}
			a := c.Advances[0]
			if a.ExpectedBenefitFen != tt.wantExpected || a.AmountFen != tt.wantAmount || a.State != domain.AdvanceOffered || c.AdvancedFen() != 0 {
				t.Fatalf("got %+v, want %d fen offered on %d expected, nothing advanced yet", a, tt.wantAmount, tt.wantExpected)
			}
		})
	}
}

func payee() domain.PayeeInput {
	return domain.PayeeInput{Name: "张三", Role: "insured", BankName: "中国工商银行", AccountNumber: "6222020200112233445"}
}

func TestApproveAdvance(t *testing.T) {
	t.Parallel()
	offered := func(t *testing.T) *domain.Case {
		c := caseIn(t, domain.StateUnderReview)
		c.IncidentType = "death"
		c.OfferCatastropheAdvance(typhoon(t), cover("张三"), "adv-1", now)
		return c
	}
	plain := func(t *testing.T) *domain.Case { return caseIn(t, domain.StateUnderReview) }
	tests := []struct {
		name       string
		c          func(*testing.T) *domain.Case
		actor      domain.Actor
		in         domain.AdvanceInput
		code       apperr.Code
		field      string
		wantGround string
		wantAmount int64
	}{
		{"the offer as offered", offered, handler, domain.AdvanceInput{Payee: payee()}, "", "", "catastrophe", 5_000_000},
		{"less than offered", offered, handler, domain.AdvanceInput{AmountFen: 1_000_000, Payee: payee()}, "", "", "catastrophe", 1_000_000},
		{"more than offered", offered, handler, domain.AdvanceInput{AmountFen: 5_000_001, Payee: payee()}, apperr.Invalid, "amount_fen", "", 0},
		{"no payee", offered, handler, domain.AdvanceInput{}, apperr.Invalid, "payee.name", "", 0},
		{"R7: the amount determined", plain, handler, domain.AdvanceInput{AmountFen: 12_000, Reason: "已确定的住院费用", Payee: payee()}, "", "", "sixty-days", 12_000},
		{"R7 without an amount", plain, handler, domain.AdvanceInput{Reason: "x", Payee: payee()}, apperr.Invalid, "amount_fen", "", 0},
		{"R7 without a reason", plain, handler, domain.AdvanceInput{AmountFen: 12_000, Payee: payee()}, apperr.Invalid, "reason", "", 0},
		{"R7 above the handler's authority", plain, handler, domain.AdvanceInput{AmountFen: 5_000_001, Reason: "x", Payee: payee()}, apperr.Forbidden, "", "", 0},
		{"R7 above a handler's authority, by a senior", plain, senior, domain.AdvanceInput{AmountFen: 5_000_001, Reason: "x", Payee: payee()}, "", "", "sixty-days", 5_000_001},
		{"after the decision", func(t *testing.T) *domain.Case { return caseIn(t, domain.StateApproved) }, handler,
			domain.AdvanceInput{AmountFen: 100, Reason: "x", Payee: payee()}, apperr.Conflict, "", "", 0},
		// Attack: the clerk who entered the documents the system would not
		// pay on alone (entered_by_staff) pays an advance on them, under
		// any spelling of their name; another handler may.
		{"R7 by who entered the documents", plain, handler,
			domain.AdvanceInput{AmountFen: 12_000, Reason: "x", Payee: payee(), EnteredBy: []string{handler.Subject}}, apperr.Forbidden, "", "", 0},
		{"R7 by who entered the documents, padded", plain, handler,
			domain.AdvanceInput{AmountFen: 12_000, Reason: "x", Payee: payee(), EnteredBy: []string{" " + strings.ToUpper(handler.Subject) + "\u200b"}}, apperr.Forbidden, "", "", 0},
		{"the catastrophe's offer by who entered the documents", offered, handler,
			domain.AdvanceInput{Payee: payee(), EnteredBy: []string{handler.Subject}}, apperr.Forbidden, "", "", 0},
		{"R7 by another than who entered the documents", plain, handler,
			domain.AdvanceInput{AmountFen: 12_000, Reason: "x", Payee: payee(), EnteredBy: []string{"clerk-7"}}, "", "", "sixty-days", 12_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c(t)
			c.Changes = nil
			a, account, err := c.ApproveAdvance(tt.actor, authority, tt.in, "adv-2", now)
			wantCode(t, err, tt.code, tt.field)
			if tt.code != "" {
				if c.AdvancedFen() != 0 || len(c.Changes) != 0 {
					t.Fatalf("a refused advance changed the case: %d advanced, %d audit entries", c.AdvancedFen(), len(c.Changes))
				}
				return
			}
			if a.Ground != tt.wantGround || a.AmountFen != tt.wantAmount || a.State != domain.AdvanceApproved || a.ApprovedBy != tt.actor.Subject ||
				account != "6222020200112233445" || a.Payee.AccountMasked != "****3445" || c.AdvancedFen() != tt.wantAmount {
				t.Fatalf("got %+v (account %s), want %d fen approved on the %s ground by %s", a, account, tt.wantAmount, tt.wantGround, tt.actor.Subject)
			}
			if len(c.Changes) != 1 || c.Changes[0].Action != domain.ActionAdvanceApproved {
				t.Fatalf("got audit %+v, want the approval recorded", c.Changes)
			}
		})
	}
}

func TestTheTeamDispatchesTaggedCasesOnly(t *testing.T) {
	t.Parallel()
	tagged := caseIn(t, domain.StateReceived)
	tagged.TagWith(typhoon(t), domain.Tag{TargetDueAt: now}, now)
	wantCode(t, tagged.StartReviewFor(coordinator, "h9", now), "", "")
	if tagged.State != domain.StateUnderReview || tagged.Assignee != "h9" {
		t.Fatalf("got %s for %q, want under review for h9", tagged.State, tagged.Assignee)
	}
	wantCode(t, tagged.Assign(coordinator, "h8", "", now), "", "")
	plain := caseIn(t, domain.StateReceived)
	wantCode(t, plain.StartReviewFor(coordinator, "h9", now), apperr.Forbidden, "")
	wantCode(t, plain.Assign(coordinator, "h9", "", now), apperr.Forbidden, "")
	wantCode(t, plain.StartReviewFor(senior, "h9", now), "", "")
}

func TestTargetState(t *testing.T) {
	t.Parallel()
	due := now.Add(48 * time.Hour)
	tests := []struct {
		name string
		at   time.Time
		c    func(*testing.T) *domain.Case
		want string
	}{
		{"before the risk lead", now, func(t *testing.T) *domain.Case { return caseIn(t, domain.StateReceived) }, domain.TargetOnTrack},
		{"within the risk lead", due.Add(-time.Hour), func(t *testing.T) *domain.Case { return caseIn(t, domain.StateReceived) }, domain.TargetAtRisk},
		{"past due", due.Add(time.Hour), func(t *testing.T) *domain.Case { return caseIn(t, domain.StateReceived) }, domain.TargetBreached},
		{"decided in time", due.Add(time.Hour), func(t *testing.T) *domain.Case { return caseIn(t, domain.StateApproved) }, domain.TargetMet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c(t)
			c.TagWith(typhoon(t), domain.Tag{TargetDueAt: due, TargetAtRiskFrom: due.Add(-24 * time.Hour)}, now)
			if got := c.TargetState(tt.at); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	if got := caseIn(t, domain.StateReceived).TargetState(now); got != "" {
		t.Fatalf("untagged: got %q, want none", got)
	}
}

func TestVisitLife(t *testing.T) {
	t.Parallel()
	c := caseIn(t, domain.StateReceived)
	_, err := c.RequestSiteVisit(handler, domain.VisitInput{ContactName: "李四", ContactPhone: "abc", Reason: "上门"}, "v1", now)
	wantCode(t, err, apperr.Invalid, "contact_phone")
	v, err := c.RequestSiteVisit(handler, domain.VisitInput{ContactName: "李四", ContactPhone: "+86 138-0000-0000", Reason: "上门"}, "v1", now)
	wantCode(t, err, "", "")
	ptr := func(s string) *string { return &s }
	at := now.Add(24 * time.Hour)
	steps := []struct {
		name  string
		patch domain.VisitPatch
		code  apperr.Code
		field string
		want  string
	}{
		{"arranged without an address", domain.VisitPatch{State: ptr(domain.VisitArranged)}, apperr.Invalid, "address", domain.VisitToArrange},
		{"done before arranged", domain.VisitPatch{State: ptr(domain.VisitDone)}, apperr.Conflict, "", domain.VisitToArrange},
		{"an unknown state", domain.VisitPatch{State: ptr("lost")}, apperr.Invalid, "state", domain.VisitToArrange},
		{"stale version", domain.VisitPatch{Note: ptr("x"), Version: 9}, apperr.Conflict, "", domain.VisitToArrange},
		{"arranged", domain.VisitPatch{State: ptr(domain.VisitArranged), Address: ptr("广州市天河区"), ScheduledFor: &at, Version: 1}, "", "", domain.VisitArranged},
		{"done", domain.VisitPatch{State: ptr(domain.VisitDone)}, "", "", domain.VisitDone},
		{"changed after done", domain.VisitPatch{Note: ptr("x")}, apperr.Conflict, "", domain.VisitDone},
	}
	for _, s := range steps {
		next := v
		err := next.Update(handler2, s.patch, now)
		wantCode(t, err, s.code, s.field)
		if err == nil {
			v = next
		}
		if v.State != s.want {
			t.Fatalf("%s: got %s, want %s", s.name, v.State, s.want)
		}
	}
	if v.Version != 3 || v.UpdatedBy != "h2" {
		t.Fatalf("got version %d by %s, want 3 by h2", v.Version, v.UpdatedBy)
	}
}
