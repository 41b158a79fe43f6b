package domain_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func testProduct() domain.Product {
	return domain.Product{
		Code: "HEALTH-1", Name: "XX健康保险", NoticeKind: domain.IndemnityRefusal,
		Benefits: []domain.Benefit{
			{Code: "medical_expense", Name: "医疗费用保险金", IncidentTypes: []string{"medical", "accidental_injury"}, PerClaimLimitFen: 5_000_000, Clause: "《XX健康保险条款》第五条"},
			{Code: "critical_illness", Name: "重大疾病保险金", IncidentTypes: []string{"critical_illness"}, Clause: "《XX健康保险条款》第六条"},
			{Code: "death_benefit", Name: "身故保险金", IncidentTypes: []string{"death"}, Clause: "《XX健康保险条款》第七条"},
		},
		WaitingPeriods: []domain.WaitingPeriod{
			{IncidentType: "medical", Days: 30, Clause: "《XX健康保险条款》第四条"},
			{IncidentType: "critical_illness", Days: 90, Clause: "《XX健康保险条款》第四条"},
		},
		Exclusions: []domain.Exclusion{
			{Code: "SUICIDE_2Y", IncidentTypes: []string{"death"}, WithinDays: 730, Text: "合同成立二年内自杀", Clause: "《XX健康保险条款》第九条第（一）项"},
			{Code: "NO_DISABILITY", IncidentTypes: []string{"disability"}, Text: "本合同不承担伤残责任", Clause: "《XX健康保险条款》第九条第（二）项"},
		},
	}
}

func testPolicy() domain.Policy {
	return domain.Policy{
		Number: "P-1", ProductCode: "HEALTH-1", PolicyholderName: "张三", InsuredName: "张三",
		Beneficiaries: []domain.Person{{Name: "李四", Relation: "spouse"}},
		EffectiveFrom: date("2026-01-01"), EffectiveTo: date("2026-12-31"),
		Coverages: []domain.Coverage{
			{Benefit: "medical_expense", SumInsuredFen: 10_000_000, UsedFen: 1_000_000},
			{Benefit: "critical_illness", SumInsuredFen: 50_000_000},
			{Benefit: "death_benefit", SumInsuredFen: 100_000_000},
		},
	}
}

// checkCase is a medical claim of 张三 on 2026-09-28, 10:00 in Shanghai.
func checkCase() *domain.Case {
	return &domain.Case{ClaimID: "claim-1", PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC), ClaimedAmountFen: 300_000, State: domain.StateUnderReview}
}

func evidence() domain.Evidence {
	p, pr := testPolicy(), testProduct()
	return domain.Evidence{Policy: &p, Product: &pr, UsedFen: map[string]int64{}}
}

func runCheck(c *domain.Case, ev domain.Evidence, name domain.CheckName) domain.CheckResult {
	for _, r := range domain.RunChecks(c, ev) {
		if r.Check == name {
			return r
		}
	}
	panic("no check " + name)
}

type checkCaseT struct {
	name       string
	setup      func(c *domain.Case, ev *domain.Evidence)
	want       domain.Result
	wantReason string
}

func runCheckTable(t *testing.T, check domain.CheckName, tests []checkCaseT) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ev := checkCase(), evidence()
			tt.setup(c, &ev)
			got := runCheck(c, ev, check)
			if got.Result != tt.want || !strings.Contains(got.Reason, tt.wantReason) {
				t.Fatalf("got %s %q, want %s with %q", got.Result, got.Reason, tt.want, tt.wantReason)
			}
			// Every reason has its code for the console's catalogue (issue 20).
			if got.Code == "" {
				t.Fatalf("got reason %q without a code, want one", got.Reason)
			}
		})
	}
}

func noPolicy(_ *domain.Case, ev *domain.Evidence) { ev.Policy, ev.Product = nil, nil }

func at(day string) time.Time { return date(day).Start().Add(10 * time.Hour) }

func TestCheckPolicyInForce(t *testing.T) {
	runCheckTable(t, domain.CheckPolicyInForce, []checkCaseT{
		{"in force", func(*domain.Case, *domain.Evidence) {}, domain.ResultPass, "from 2026-01-01 to 2026-12-31; the incident on 2026-09-28 is within"},
		{"first day", func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2026-01-01") }, domain.ResultPass, ""},
		{"last day", func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2026-12-31") }, domain.ResultPass, ""},
		// 23:30 UTC on 2025-12-31 is 2026-01-01 in Shanghai.
		{"Shanghai date counts", func(c *domain.Case, _ *domain.Evidence) {
			c.IncidentTime = time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)
		}, domain.ResultPass, ""},
		{"before it took effect", func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2025-12-31") }, domain.ResultFail, "before policy P-1 took effect on 2026-01-01"},
		{"after the cover", func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2027-01-01") }, domain.ResultFail, "ended on 2026-12-31"},
		{"terminated", func(_ *domain.Case, ev *domain.Evidence) { d := date("2026-09-01"); ev.Policy.TerminatedOn = &d }, domain.ResultFail, "terminated on 2026-09-01"},
		{"terminated the day after", func(_ *domain.Case, ev *domain.Evidence) { d := date("2026-09-29"); ev.Policy.TerminatedOn = &d }, domain.ResultPass, ""},
		{"another insured", func(c *domain.Case, _ *domain.Evidence) { c.InsuredName = "张山" }, domain.ResultFail, "insures 张三, but the claim names 张山"},
		{"policy not imported", noPolicy, domain.ResultUnknown, "policy P-1 is not in adjudication's policy data"},
	})
}

func TestCheckWaitingPeriod(t *testing.T) {
	runCheckTable(t, domain.CheckWaitingPeriod, []checkCaseT{
		{"long after", func(*domain.Case, *domain.Evidence) {}, domain.ResultPass, "after the 30-day waiting period for medical, which ended on 2026-01-30"},
		{"on the last day of the waiting period", func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2026-01-30") },
			domain.ResultFail, "within the 30-day waiting period for medical, from 2026-01-01 to 2026-01-30 (《XX健康保险条款》第四条)"},
		{"the day after", func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2026-01-31") }, domain.ResultPass, ""},
		{"critical illness has 90 days", func(c *domain.Case, _ *domain.Evidence) {
			c.IncidentType, c.IncidentTime = "critical_illness", at("2026-03-31")
		}, domain.ResultFail, "90-day waiting period"},
		{"accidents have none", func(c *domain.Case, _ *domain.Evidence) {
			c.IncidentType, c.IncidentTime = "accidental_injury", at("2026-01-02")
		}, domain.ResultPass, "no waiting period for accidental_injury"},
		{"policy not imported", noPolicy, domain.ResultUnknown, ""},
	})
}

func TestCheckExclusions(t *testing.T) {
	runCheckTable(t, domain.CheckExclusions, []checkCaseT{
		{"covered", func(*domain.Case, *domain.Evidence) {}, domain.ResultPass, "medical is covered by medical_expense, and no exclusion applies"},
		{"excluded incident type", func(c *domain.Case, _ *domain.Evidence) { c.IncidentType = "disability" }, domain.ResultFail, "no benefit of product HEALTH-1 covers disability"},
		{"excluded within two years", func(c *domain.Case, _ *domain.Evidence) { c.IncidentType = "death" },
			domain.ResultFail, "SUICIDE_2Y: 合同成立二年内自杀 (《XX健康保险条款》第九条第（一）项)"},
		{"exclusion window over", func(c *domain.Case, ev *domain.Evidence) {
			c.IncidentType = "death"
			ev.Policy.EffectiveFrom, ev.Policy.EffectiveTo = date("2024-01-01"), date("2030-12-31")
		}, domain.ResultPass, "death is covered by death_benefit"},
		{"benefit not held by the policy", func(_ *domain.Case, ev *domain.Evidence) { ev.Policy.Coverages = ev.Policy.Coverages[1:] },
			domain.ResultFail, "holds none of the benefits that cover medical (medical_expense)"},
		{"policy not imported", noPolicy, domain.ResultUnknown, ""},
	})
}

func TestCheckSumInsured(t *testing.T) {
	runCheckTable(t, domain.CheckSumInsured, []checkCaseT{
		{"claim within what is left", func(*domain.Case, *domain.Evidence) {}, domain.ResultPass,
			"medical_expense: 90000.00 yuan left of 100000.00 (used 10000.00), at most 50000.00 per claim"},
		{"earlier claims counted", func(c *domain.Case, ev *domain.Evidence) {
			c.ClaimedAmountFen = 150_000
			ev.UsedFen["medical_expense"] = 8_800_000
		},
			domain.ResultPass, "2000.00 yuan left of 100000.00 (used 98000.00)"},
		{"claim above what is left", func(c *domain.Case, ev *domain.Evidence) { ev.UsedFen["medical_expense"] = 8_800_000 },
			domain.ResultWarn, "3000.00 yuan claimed, more than the 2000.00 yuan left"},
		{"claim above the per-claim limit", func(c *domain.Case, _ *domain.Evidence) { c.ClaimedAmountFen = 6_000_000 },
			domain.ResultWarn, "60000.00 yuan claimed, more than the 50000.00 yuan left"},
		{"used up", func(_ *domain.Case, ev *domain.Evidence) { ev.UsedFen["medical_expense"] = 9_000_000 }, domain.ResultFail, "the sum insured is used up"},
		{"decision within", func(c *domain.Case, _ *domain.Evidence) {
			c.Decision = &domain.Decision{Lines: []domain.BenefitLine{line("medical_expense", 300_000, 300_000)}}
		}, domain.ResultPass, "the decision is within what is left"},
		{"decision above", func(c *domain.Case, ev *domain.Evidence) {
			ev.UsedFen["medical_expense"] = 8_900_000
			c.Decision = &domain.Decision{Lines: []domain.BenefitLine{line("medical_expense", 300_000, 300_000)}}
		}, domain.ResultFail, "pays 3000.00 yuan on medical_expense, more than is left"},
		{"no cover", func(c *domain.Case, _ *domain.Evidence) { c.IncidentType = "disability" }, domain.ResultFail, "has no cover for disability"},
		{"policy not imported", noPolicy, domain.ResultUnknown, ""},
	})
}

func TestCheckDuplicateInvoice(t *testing.T) {
	invoice := func(number string, fen int64) domain.Document {
		return domain.Document{DocumentID: "d-" + number, Type: "medical_invoice", InvoiceNumber: number, TotalAmountFen: fen}
	}
	runCheckTable(t, domain.CheckDuplicateInvoice, []checkCaseT{
		{"no invoices", func(*domain.Case, *domain.Evidence) {}, domain.ResultPass, "the claim has no invoices"},
		{"new invoices", func(c *domain.Case, ev *domain.Evidence) {
			c.Documents = []domain.Document{invoice("0012345678", 120_000), invoice("0012345679", 30_000)}
		}, domain.ResultPass, "2 invoice(s), none claimed before"},
		{"claimed on another claim", func(c *domain.Case, ev *domain.Evidence) {
			c.Documents = []domain.Document{invoice("0012 3456-78", 120_000)}
			ev.Invoices = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "0012345678", AmountFen: 120_000}}
		}, domain.ResultFail, "invoice 0012 3456-78 (1200.00 yuan) was already claimed on claim claim-0"},
		{"same number, another amount", func(c *domain.Case, ev *domain.Evidence) {
			c.Documents = []domain.Document{invoice("0012345678", 120_000)}
			ev.Invoices = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "0012345678", AmountFen: 20_000}}
		}, domain.ResultWarn, "invoice number 0012345678 is on claim claim-0 with another amount (200.00 yuan, here 1200.00 yuan)"},
		{"twice in this claim", func(c *domain.Case, _ *domain.Evidence) {
			c.Documents = []domain.Document{invoice("A1", 500), invoice("a1", 500)}
		}, domain.ResultFail, "handed in twice with this claim"},
		{"works without the policy", func(c *domain.Case, ev *domain.Evidence) {
			noPolicy(c, ev)
			c.Documents = []domain.Document{invoice("X", 1)}
		}, domain.ResultPass, "1 invoice(s)"},
	})
}

func TestInvoiceKey(t *testing.T) {
	for in, want := range map[string]string{"0012 3456-78": "0012345678", "ab１２": "AB12", "\u3000x\t": "X", "": ""} {
		if got := domain.InvoiceKey(in); got != want {
			t.Errorf("InvoiceKey(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestCheckBeneficiary(t *testing.T) {
	runCheckTable(t, domain.CheckBeneficiary, []checkCaseT{
		{"the insured claims", func(*domain.Case, *domain.Evidence) {}, domain.ResultPass, "the insured 张三 claims"},
		{"the insured claims as self", func(c *domain.Case, _ *domain.Evidence) {
			c.Beneficiary = &domain.Person{Name: "张三", Relation: "self"}
		},
			domain.ResultPass, "the insured 张三 claims"},
		{"someone else claims as self", func(c *domain.Case, _ *domain.Evidence) {
			c.Beneficiary = &domain.Person{Name: "张山", Relation: "self"}
		},
			domain.ResultFail, "张山 claims as the insured, but policy P-1 insures 张三"},
		{"a named beneficiary", func(c *domain.Case, _ *domain.Evidence) {
			c.Beneficiary = &domain.Person{Name: "李四", Relation: "spouse"}
		},
			domain.ResultPass, "李四 is a named beneficiary (spouse)"},
		{"named with another relation", func(c *domain.Case, _ *domain.Evidence) {
			c.Beneficiary = &domain.Person{Name: "李四", Relation: "child"}
		},
			domain.ResultWarn, "李四 is a named beneficiary as spouse, but the claim says child"},
		{"not named", func(c *domain.Case, _ *domain.Evidence) {
			c.Beneficiary = &domain.Person{Name: "王五", Relation: "child"}
		},
			domain.ResultFail, "王五 is not a beneficiary named on policy P-1 (named: 李四 (spouse))"},
		{"legal heirs on a death claim", func(c *domain.Case, ev *domain.Evidence) {
			c.IncidentType, ev.Policy.Beneficiaries = "death", nil
			c.Beneficiary = &domain.Person{Name: "王五", Relation: "child"}
		}, domain.ResultWarn, "the legal heirs benefit (Insurance Law art. 42)"},
		{"policy not imported", noPolicy, domain.ResultUnknown, ""},
	})
}

func TestOverrideCheck(t *testing.T) {
	c, ev := checkCase(), evidence()
	c.InsuredName = "张山"
	failed := runCheck(c, ev, domain.CheckPolicyInForce)
	if failed.Result != domain.ResultFail || failed.Override != nil {
		t.Fatalf("got %+v, want a failed check without override", failed)
	}
	wantCode(t, c.OverrideCheck(senior, failed, " ", now), apperr.Invalid, "reason")
	wantCode(t, c.OverrideCheck(handler, failed, "接受", now), apperr.Forbidden, "")
	wantCode(t, c.OverrideCheck(senior, runCheck(c, ev, domain.CheckWaitingPeriod), "ok", now), apperr.Conflict, "")
	wantCode(t, c.OverrideCheck(senior, failed, "身份证核实：张山为张三曾用名", now), "", "")
	got := runCheck(c, ev, domain.CheckPolicyInForce)
	if got.Result != domain.ResultFail || got.Override == nil || got.Override.By != "s1" || !got.Override.Senior || got.Override.Reason != "身份证核实：张山为张三曾用名" {
		t.Fatalf("got %+v, want the failed check with s1's override", got)
	}
	if len(c.Changes) != 1 || c.Changes[0].Action != domain.ActionCheckOverridden || c.Changes[0].Details["check"] != "policy_in_force" {
		t.Fatalf("got audit %+v, want one check_overridden entry", c.Changes)
	}
	if _, err := domain.ParseCheckName("nope"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("ParseCheckName(nope): got %v, want not found", err)
	}
}

// Issue 20: a check's reason carries a code and its values, so that the
// console words it in Chinese or English from its catalogue.
func TestCheckReasonsCarryACodeAndValues(t *testing.T) {
	tests := []struct {
		name       string
		check      domain.CheckName
		setup      func(c *domain.Case, ev *domain.Evidence)
		wantCode   string
		wantParams map[string]string
	}{
		{"in force", domain.CheckPolicyInForce, func(*domain.Case, *domain.Evidence) {}, "in_force",
			map[string]string{"policy": "P-1", "insured": "张三", "from": "2026-01-01", "to": "2026-12-31", "day": "2026-09-28"}},
		{"before it took effect", domain.CheckPolicyInForce, func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2025-12-31") }, "before_cover",
			map[string]string{"policy": "P-1", "from": "2026-01-01", "day": "2025-12-31"}},
		{"policy not imported", domain.CheckPolicyInForce, noPolicy, "policy_unknown", map[string]string{"policy": "P-1"}},
		{"in the waiting period", domain.CheckWaitingPeriod, func(c *domain.Case, _ *domain.Evidence) { c.IncidentTime = at("2026-01-30") }, "in_waiting_period",
			map[string]string{"day": "2026-01-30", "days": "30", "incident_type": "medical", "from": "2026-01-01", "to": "2026-01-30", "clause": "《XX健康保险条款》第四条"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ev := checkCase(), evidence()
			tt.setup(c, &ev)
			got := runCheck(c, ev, tt.check)
			if got.Code != tt.wantCode || !maps.Equal(got.Params, tt.wantParams) {
				t.Fatalf("got %q %v, want %q %v", got.Code, got.Params, tt.wantCode, tt.wantParams)
			}
		})
	}
}
