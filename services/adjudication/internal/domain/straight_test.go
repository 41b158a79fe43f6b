package domain_test

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

// medRules are the rules of testProduct's medical expense benefit: 100
// yuan deductible a year, 80% with social insurance, 60% without,
// self-funded items not paid, 5,000 yuan a claim, 20,000 a year.
func medRules() domain.ProductRules {
	r, err := domain.NewProductRules(domain.ProductRules{Version: 3, Benefit: "medical_expense",
		DeductibleFen: 10_000, DeductibleClause: "《XX健康保险条款》第五条第一款",
		RatioWithSocialBP: 8000, RatioWithoutSocialBP: 6000, RatioClause: "《XX健康保险条款》第五条第二款",
		SelfFundedClause: "《XX健康保险条款》第九条第（三）项", PerClaimLimitFen: 500_000, AnnualLimitFen: 2_000_000,
		LimitClause: "《XX健康保险条款》第五条第三款"}, testProduct())
	if err != nil {
		panic(err)
	}
	return r
}

func src(page int) domain.FieldSource {
	return domain.FieldSource{Page: page, Box: [4]int{10, 20, 300, 40}, Confidence: 0.97}
}

// invoice is a confident medical invoice of 张三 with a split.
func invoice(id, number string, total, fund, selfPay, selfFunded int64) domain.DocumentFields {
	return domain.DocumentFields{DocumentID: id, Type: domain.DocMedicalInvoice, InvoiceCode: "031001", InvoiceNumber: number,
		TotalAmountFen: total, EventDate: "2026-09-28", PatientName: "张三", Confidence: 0.96,
		Insurance: &domain.InsuranceSplit{FundPaidFen: fund, SelfPayFen: selfPay, SelfFundedFen: selfFunded},
		Sources: map[string]domain.FieldSource{"total_amount_fen": src(1), "insurance.self_pay_fen": src(1), "insurance.fund_paid_fen": src(1),
			"insurance.self_funded_fen": src(1)}}
}

func TestNewProductRules(t *testing.T) {
	base := func() domain.ProductRules { r := medRules(); r.ProductCode, r.Agreement = "", ""; return r }
	for _, tc := range []struct {
		name   string
		change func(*domain.ProductRules)
		field  string
	}{
		{"valid", func(*domain.ProductRules) {}, ""},
		{"a benefit the product lacks", func(r *domain.ProductRules) { r.Benefit = "dental" }, "benefit"},
		{"a fixed benefit", func(r *domain.ProductRules) { r.Benefit = "death_benefit" }, "benefit"},
		{"a ratio above 100%", func(r *domain.ProductRules) { r.RatioWithSocialBP = 10001 }, "ratio_with_social_bp"},
		{"a negative deductible", func(r *domain.ProductRules) { r.DeductibleFen = -1 }, "deductible_fen"},
		{"no annual limit", func(r *domain.ProductRules) { r.AnnualLimitFen = 0 }, "annual_limit_fen"},
		{"a clause without its contract", func(r *domain.ProductRules) { r.RatioClause = "第五条" }, "ratio_clause"},
		{"an agreement presumed", func(r *domain.ProductRules) { r.Agreement = "presumed" }, "agreement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.change(&r)
			got, err := domain.NewProductRules(r, testProduct())
			if tc.field == "" {
				wantCode(t, err, "", "")
				if got.Agreement != domain.AgreementByClaimant || got.ProductCode != "HEALTH-1" {
					t.Fatalf("got agreement %q, product %q; want %q, HEALTH-1", got.Agreement, got.ProductCode, domain.AgreementByClaimant)
				}
				return
			}
			wantCode(t, err, apperr.Invalid, tc.field)
		})
	}
}

func TestComputeTheAmountFromTheDocuments(t *testing.T) {
	noSplit := invoice("d-ns", "N1", 50_000, 0, 0, 0)
	noSplit.Insurance = nil
	paysSelfFunded := medRules()
	paysSelfFunded.PaysSelfFunded = true
	for _, tc := range []struct {
		name     string
		rules    domain.ProductRules
		docs     []domain.DocumentFields
		used     domain.Used
		left     int64
		want     int64
		deduct   int64
		problems []string
	}{
		// (300.00 self-pay − 100.00 deductible) × 80% = 160.00
		{"self-pay less the deductible at 80%", medRules(), []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000)}, domain.Used{}, -1, 16_000, 10_000, nil},
		{"self-funded paid when the product pays it", paysSelfFunded, []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000)}, domain.Used{}, -1, 24_000, 10_000, nil},
		{"the deductible used up earlier in the year", medRules(), []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000)}, domain.Used{DeductibleFen: 10_000}, -1, 24_000, 0, nil},
		{"the deductible spans two invoices", medRules(), []domain.DocumentFields{invoice("d1", "A1", 5_000, 0, 5_000, 0), invoice("d2", "A2", 20_000, 10_000, 10_000, 0)},
			domain.Used{}, -1, 4_000, 10_000, nil},
		{"no fund paid: the ratio without social insurance", medRules(), []domain.DocumentFields{invoice("d1", "A1", 40_000, 0, 40_000, 0)}, domain.Used{}, -1, 18_000, 10_000, nil},
		// (123.44 self-pay − 0.01 deductible left) × 80% = 98.744 → 98.74
		{"rounded half up per invoice", medRules(), []domain.DocumentFields{invoice("d1", "A1", 12_345, 1, 12_344, 0)}, domain.Used{DeductibleFen: 9_999}, -1, 9_874, 1, nil},
		{"capped by the per-claim limit", paysSelfFunded, []domain.DocumentFields{invoice("d1", "A1", 1_000_000, 0, 1_000_000, 0)}, domain.Used{}, -1, 500_000, 10_000, nil},
		{"capped by the annual limit left", medRules(), []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000)}, domain.Used{ApprovedFen: 1_995_000}, -1, 5_000, 10_000, nil},
		{"capped by the sum insured left", medRules(), []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000)}, domain.Used{}, 1_000, 1_000, 10_000, nil},
		{"no split: the total when the product pays self-funded items", paysSelfFunded, []domain.DocumentFields{noSplit}, domain.Used{}, -1, 24_000, 10_000, nil},
		{"no split and self-funded items not paid: a handler's", medRules(), []domain.DocumentFields{noSplit}, domain.Used{}, -1, 0, 0, []string{"no_insurance_split"}},
		{"a split above the total", medRules(), []domain.DocumentFields{invoice("d1", "A1", 100, 60, 30, 11)}, domain.Used{}, -1, 0, 0, []string{"insurance_split_inconsistent"}},
		{"an invoice whose total was not read", medRules(), []domain.DocumentFields{invoice("d1", "A1", 0, 0, 0, 0)}, domain.Used{}, -1, 0, 0, []string{"invoice_unread"}},
		{"no invoice", medRules(), nil, domain.Used{}, -1, 0, 0, []string{"no_invoice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := domain.Compute(tc.rules, tc.docs, tc.used, tc.left)
			var problems []string
			for _, p := range got.Problems {
				problems = append(problems, p.Code)
			}
			if got.PayableFen != tc.want || got.DeductibleAppliedFen != tc.deduct || !slices.Equal(problems, tc.problems) {
				t.Fatalf("got %d fen, deductible %d, problems %v; want %d, %d, %v\n%+v", got.PayableFen, got.DeductibleAppliedFen, problems,
					tc.want, tc.deduct, tc.problems, got.Steps)
			}
			if last := got.Steps[len(got.Steps)-1]; last.AmountFen != got.PayableFen {
				t.Fatalf("got last step %+v, want the payable amount %d", last, got.PayableFen)
			}
		})
	}
}

func TestEveryFenTracesToADocumentOrAClause(t *testing.T) {
	got := domain.Compute(medRules(), []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000)}, domain.Used{}, -1)
	var sawSelfPay, sawRatio bool
	for _, s := range got.Steps {
		if s.DocumentID == "" && s.Clause == "" && s.AmountFen != got.PayableFen {
			t.Fatalf("got step %+v with neither a document nor a clause", s)
		}
		if s.Field == "insurance.self_pay_fen" {
			sawSelfPay = s.Page == 1 && s.Box == [4]int{10, 20, 300, 40} && s.AmountFen == 30_000
		}
		if s.Clause == "《XX健康保险条款》第五条第二款" {
			sawRatio = s.AmountFen == 16_000
		}
	}
	if !sawSelfPay || !sawRatio {
		t.Fatalf("got steps %+v; want the self-pay from page 1's box and the ratio's clause giving 160.00", got.Steps)
	}
}

// cleanInput is a clean medical claim of 张三 on the test policy: one
// confident invoice, 张三's ID card whose checksum verifies, 张三's bank
// card, all sent by the claimant's own channel.
func cleanInput() domain.AutoInput {
	c := checkCase()
	c.ClaimedAmountFen = 100_000
	c.Documents = []domain.Document{{DocumentID: "d1", Type: domain.DocMedicalInvoice, InvoiceNumber: "A1", TotalAmountFen: 100_000}}
	r := medRules()
	in := domain.AutoInput{Fingerprints: fingerprints, Case: c, Evidence: evidence(), Rules: &r, Policy: domain.DefaultAutoPolicy(), Enabled: true,
		Docs: []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000),
			{DocumentID: "d2", Type: "id_card", IDNumberValid: true, HolderName: "张三", IDNumberMasked: "110101********001X", Confidence: 0.99},
			{DocumentID: "d3", Type: domain.DocBankCard, HolderName: "张 三", AccountFingerprint: fingerprints.Account(c.ClaimID, "6222020200112233445"), Confidence: 0.99}}}
	in.Evidence.Policy.InsuredIDMasked = "110101********001X"
	for i := range in.Docs {
		in.Docs[i].EnteredBy, in.Docs[i].EnteredVia = "claimant-app", domain.EnteredViaClaimant
	}
	return in
}

func codes(a domain.Assessment) []string {
	var out []string
	for _, r := range a.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func TestACleanSmallClaimIsDecidedAutomatically(t *testing.T) {
	a := domain.Assess(cleanInput())
	if !a.Automatic || a.Computation == nil || a.Computation.PayableFen != 16_000 || a.RulesVersion != 3 {
		t.Fatalf("got automatic %v, reasons %v, computation %+v; want automatic, 16000 fen under version 3", a.Automatic, codes(a), a.Computation)
	}
}

// TestEachDefectGoesToAHandlerWithItsReason is the attack on the path: one
// defect each, and the claim is not decided by the system.
func TestEachDefectGoesToAHandlerWithItsReason(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
		want   string
	}{
		{"the path is switched off", func(in *domain.AutoInput) { in.Enabled = false }, "switched_off"},
		{"no rules for the product", func(in *domain.AutoInput) { in.Rules = nil }, "no_product_rules"},
		{"the patient is another person", func(in *domain.AutoInput) { in.Docs[0].PatientName = "张四" }, "name_mismatch"},
		{"a padded name with an invisible character", func(in *domain.AutoInput) { in.Docs[0].PatientName = "张\u200b三" }, "name_mismatch"},
		{"above the limit", func(in *domain.AutoInput) {
			in.Policy.LimitFen = 15_999
		}, "over_limit"},
		{"inside the waiting period", func(in *domain.AutoInput) { in.Docs[0].EventDate = "2026-01-20" }, "within_waiting_period"},
		{"before the policy's term", func(in *domain.AutoInput) { in.Docs[0].AdmissionDate = "2025-12-20" }, "date_outside_term"},
		{"the invoice was claimed on another claim", func(in *domain.AutoInput) {
			in.Evidence.Invoices = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "A1", AmountFen: 100_000}}
		}, "invoice_seen"},
		{"the same invoice twice on the claim", func(in *domain.AutoInput) { in.Docs = append(in.Docs, in.Docs[0]) }, "invoice_seen"},
		// The attack of an altered number: a second photo of the receipt,
		// its number changed, read with confidence; or the receipt of
		// another claim of the insured so changed.
		{"the same receipt twice on the claim, the copy's number altered", func(in *domain.AutoInput) {
			cp := in.Docs[0]
			cp.DocumentID, cp.InvoiceNumber = "d9", "A2"
			in.Docs = append(in.Docs, cp)
		}, "invoice_alike"},
		{"the receipt of another claim of the insured, its number altered", func(in *domain.AutoInput) {
			in.AlikeSearched = true
			in.InvoicesAlike = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "A2", AmountFen: 100_000, EventDate: "2026-09-28"}}
		}, "invoice_alike"},
		{"the invoice claimed elsewhere, typed full-width in lower case with padding", func(in *domain.AutoInput) {
			in.Docs[0].InvoiceNumber = " ａ　１ "
			in.Evidence.Invoices = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "A1", AmountFen: 100_000}}
		}, "invoice_seen"},
		{"the invoice claimed elsewhere, with an invisible character", func(in *domain.AutoInput) {
			in.Docs[0].InvoiceNumber = "A\u200b1"
			in.Evidence.Invoices = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "A1", AmountFen: 100_000}}
		}, "invoice_seen"},
		{"the same invoice twice on the claim, once with a soft hyphen and a dot", func(in *domain.AutoInput) {
			dup := invoice("d4", "A\u00ad.1", 100_000, 60_000, 30_000, 10_000)
			in.Docs = append(in.Docs, dup)
		}, "invoice_seen"},
		{"a handler corrected a confident amount upwards", func(in *domain.AutoInput) {
			in.Docs[0].TotalAmountFen, in.Docs[0].Corrected = 150_000, []string{"total_amount_fen"}
		}, "corrected_by_handler"},
		{"a handler corrected the patient's name to the insured's", func(in *domain.AutoInput) {
			in.Docs[0].Corrected = []string{"names"}
		}, "corrected_by_handler"},
		{"an unreadable page", func(in *domain.AutoInput) { in.Docs[0].Confidence = 0.41 }, "low_confidence"},
		{"one field read with low confidence", func(in *domain.AutoInput) {
			in.Docs[0].Sources["insurance.self_pay_fen"] = domain.FieldSource{Page: 1, Confidence: 0.5}
		}, "low_confidence"},
		{"the ID number's checksum fails", func(in *domain.AutoInput) { in.Docs[1].IDNumberValid = false }, "id_number_invalid"},
		{"the bank card is another person's", func(in *domain.AutoInput) { in.Docs[2].HolderName = "王五" }, "payee_not_entitled"},
		{"no bank card", func(in *domain.AutoInput) { in.Docs = in.Docs[:2] }, "payee_not_verified"},
		{"a failing check", func(in *domain.AutoInput) { in.Case.IncidentTime = time.Date(2027, 2, 1, 2, 0, 0, 0, time.UTC) }, "check_not_passed"},
		{"a fraud signal", func(in *domain.AutoInput) {
			in.Burst = &domain.Signal{Kind: domain.SignalKind("claim_burst")}
		}, "fraud_signal"},
		{"a claimant other than the insured", func(in *domain.AutoInput) {
			in.Case.Beneficiary = &domain.Person{Name: "李四", Relation: "spouse"}
		}, "claimant_not_insured"},
		{"not a medical claim", func(in *domain.AutoInput) { in.Case.IncidentType = "critical_illness" }, "not_a_medical_claim"},
		{"no split on a product that does not pay self-funded items", func(in *domain.AutoInput) { in.Docs[0].Insurance = nil }, "no_insurance_split"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cleanInput()
			tc.change(&in)
			a := domain.Assess(in)
			if a.Automatic || !slices.Contains(codes(a), tc.want) {
				t.Fatalf("got automatic %v, reasons %v; want not automatic, with %s", a.Automatic, codes(a), tc.want)
			}
			c, r := in.Case, medRules()
			err := c.DecideAutomatically(a, r, 10_000, now)
			if apperr.CodeOf(err) != apperr.Conflict || c.Decision != nil {
				t.Fatalf("got %v, decision %+v; want a conflict and no decision", err, c.Decision)
			}
		})
	}
}

func TestSameInputsAndRulesGiveTheSameAssessment(t *testing.T) {
	first := domain.Assess(cleanInput())
	for range 20 {
		if got := domain.Assess(cleanInput()); !reflect.DeepEqual(got, first) {
			t.Fatalf("got %+v, want %+v", got, first)
		}
	}
	in := cleanInput()
	in.Docs[0].Sources = map[string]domain.FieldSource{"a": {Confidence: 0.1}, "b": {Confidence: 0.2}, "c": {Confidence: 0.3}}
	want := domain.Assess(in)
	for range 20 {
		if got := domain.Assess(in); !reflect.DeepEqual(got.Reasons, want.Reasons) {
			t.Fatalf("got reasons %v, want %v: the order must not depend on a map", got.Reasons, want.Reasons)
		}
	}
}

func TestTheSystemApprovesOnlyWhatTheAssessmentFound(t *testing.T) {
	in := cleanInput()
	a := domain.Assess(in)
	c := in.Case
	if err := c.DecideAutomatically(a, *in.Rules, 10_000, now); err != nil {
		t.Fatal(err)
	}
	d := c.Decision
	if d.DecidedBy != "system:auto-adjudication/HEALTH-1/v3" || d.AmountFen != 16_000 || !d.Automatic() || d.RulesVersion != 3 ||
		c.State != domain.StateApproved || d.NeedsApproval || d.ForReview != domain.ReviewSampled {
		t.Fatalf("got %+v in %s, want an approval of 16000 fen by system:auto-adjudication/HEALTH-1/v3 under version 3", d, c.State)
	}
	if d.DeductibleFen == nil || *d.DeductibleFen != a.Computation.DeductibleAppliedFen {
		t.Fatalf("got deductible %v kept with the decision, want the %d fen its computation applied", d.DeductibleFen, a.Computation.DeductibleAppliedFen)
	}
	if err := c.DecideAutomatically(a, *in.Rules, 0, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want a conflict: a claim is decided once", err)
	}
	other := medRules()
	other.Version = 4
	in = cleanInput()
	if err := in.Case.DecideAutomatically(a, other, 0, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want a conflict: the assessment was made under another version", err)
	}
}

// TestTheSystemDecidesOnlyOnItsPath is the attack of a system actor on
// the handler's path: it may neither approve nor reject.
//
// A token whose subject is the automatic decider's name with a handler's
// role (a misconfigured service client, a directory entry) is refused
// too: its decision would be counted and reported as the system's.
func TestTheSystemDecidesOnlyOnItsPath(t *testing.T) {
	impostor := domain.Actor{Subject: domain.AutoActorPrefix + "HEALTH-1/v3", Roles: []string{domain.RoleHandler, domain.RoleSenior}}
	for _, who := range []domain.Actor{domain.AutoActor(medRules()), impostor} {
		for _, in := range []domain.DecisionInput{approve(100), reject()} {
			c := caseIn(t, domain.StateUnderReview)
			err := c.Decide(who, authority, in, now)
			if apperr.CodeOf(err) != apperr.Forbidden || c.Decision != nil {
				t.Fatalf("%s: got %v, want forbidden and no decision", who.Subject, err)
			}
		}
	}
}

// TestAnApprovalNothingSupportsGoesToASenior is issue 19's attack:
// 1,234.56 yuan approved on a claim with no document and no amount
// claimed. The approval is flagged and goes to a senior's review with the
// decision; one that a document supports is not.
func TestAnApprovalNothingSupportsGoesToASenior(t *testing.T) {
	bare := &domain.Case{ID: "case-9", ClaimID: "claim-9", PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: t0.Add(-48 * time.Hour), FirstReceivedAt: t0, State: domain.StateUnderReview, Version: 1}
	wantCode(t, bare.Decide(handler, authority, approve(123_456), now), "", "")
	got := bare.Changes[len(bare.Changes)-1].Details
	if bare.Decision.ForReview != domain.ReviewAmountUnsupported || got["amount_unsupported"] != true {
		t.Fatalf("got for review %q, audit %v; want %s, flagged", bare.Decision.ForReview, got, domain.ReviewAmountUnsupported)
	}
	supported := *bare
	supported.Decision, supported.State, supported.Changes = nil, domain.StateUnderReview, nil
	supported.Documents = []domain.Document{{DocumentID: "inv-1", Type: domain.DocMedicalInvoice, InvoiceNumber: "A1", TotalAmountFen: 123_456}}
	wantCode(t, supported.Decide(handler, authority, approve(123_456), now), "", "")
	if supported.Decision.ForReview != "" {
		t.Fatalf("got for review %q, want none: the invoice supports the amount", supported.Decision.ForReview)
	}
	rejected := *bare
	rejected.Decision, rejected.State = nil, domain.StateUnderReview
	wantCode(t, rejected.Decide(handler, authority, reject(), now), "", "")
	if rejected.Decision.ForReview != "" {
		t.Fatalf("got for review %q, want none for a rejection", rejected.Decision.ForReview)
	}
}

func TestAHandlerChangesAComputedAmountOnlyWithAReason(t *testing.T) {
	comp := domain.Compute(medRules(), []domain.DocumentFields{invoice("d1", "A1", 100_000, 60_000, 30_000, 10_000)}, domain.Used{}, -1)
	in := approve(20_000)
	in.Computed = &comp
	c := caseIn(t, domain.StateUnderReview)
	wantCode(t, c.Decide(handler, authority, in, now), apperr.Unprocessable, "amount_reason")
	in.AmountReason = "发票第二页的自费项目经核实属于目录内"
	wantCode(t, c.Decide(handler, authority, in, now), "", "")
	got := c.Changes[len(c.Changes)-1].Details
	if got["computed_fen"] != int64(16_000) || got["difference_fen"] != int64(4_000) || got["amount_reason"] != in.AmountReason || got["rules_version"] != 3 {
		t.Fatalf("got audit %v, want computed 16000, difference 4000, the reason and version 3", got)
	}
	c = caseIn(t, domain.StateUnderReview)
	in = approve(16_000)
	in.Computed = &comp
	wantCode(t, c.Decide(handler, authority, in, now), "", "")
	if d := c.Decision.DeductibleFen; d == nil || *d != comp.DeductibleAppliedFen {
		t.Fatalf("got deductible %v kept with the decision, want the %d fen the computed amount applied", d, comp.DeductibleAppliedFen)
	}
}

func TestSampledIsStableAndNearTheShare(t *testing.T) {
	n := 0
	for i := range 10_000 {
		id := "case-" + time.Duration(i).String()
		if domain.Sampled(id, 500) != domain.Sampled(id, 500) {
			t.Fatalf("got two draws for %s, want one", id)
		}
		if domain.Sampled(id, 500) {
			n++
		}
	}
	if n < 400 || n > 600 {
		t.Fatalf("got %d of 10000 sampled at 5%%, want about 500", n)
	}
	if domain.Sampled("any", 0) || !domain.Sampled("any", 10_000) {
		t.Fatalf("got a draw at 0%% or none at 100%%")
	}
}

func TestASampledDecisionIsReviewedOnceByASenior(t *testing.T) {
	r := domain.AutoReview{ClaimID: "claim-1", AmountFen: 16_000, DecidedBy: "s2"}
	wantCode(t, r.Review(handler, domain.ReviewConfirmed, "", now), apperr.Forbidden, "")
	wantCode(t, r.Review(domain.Actor{Subject: "S2", Roles: []string{domain.RoleSenior}}, domain.ReviewConfirmed, "", now), apperr.Forbidden, "")
	wantCode(t, r.Review(senior, "maybe", "", now), apperr.Invalid, "outcome")
	wantCode(t, r.Review(senior, domain.ReviewWrong, " ", now), apperr.Invalid, "note")
	wantCode(t, r.Review(senior, domain.ReviewWrong, "自费药品被计入自付", now), "", "")
	if r.Outcome != domain.ReviewWrong || r.ReviewedBy != "s1" || r.ReviewedAt == nil {
		t.Fatalf("got %+v, want wrong, reviewed by s1", r)
	}
	wantCode(t, r.Review(domain.Actor{Subject: "s3", Roles: []string{domain.RoleSenior}}, domain.ReviewConfirmed, "", now), apperr.Conflict, "")
}

func TestTheSwitchNeedsASeniorOrAnAdminAndAReason(t *testing.T) {
	admin := domain.Actor{Subject: "a1", Roles: []string{"admin"}}
	_, err := domain.NewSwitchChange(handler, false, "暂停", now)
	wantCode(t, err, apperr.Forbidden, "")
	_, err = domain.NewSwitchChange(senior, false, "  ", now)
	wantCode(t, err, apperr.Invalid, "reason")
	for _, who := range []domain.Actor{senior, admin} {
		ch, err := domain.NewSwitchChange(who, false, "规则复核", now)
		wantCode(t, err, "", "")
		if ch.Enabled || ch.ChangedBy != who.Subject || !ch.ChangedAt.Equal(now) {
			t.Fatalf("got %+v, want off by %s at %s", ch, who.Subject, now)
		}
	}
}

// TestANameTwoRecognisersReadAsTwoNamesGoesToAHandler is the attack of
// issue 19's look-alike bank card that passed through the pipeline
// (张磊's card claimed for an insured named 张舌): a card's holder read as
// the insured's (张三 here) at 0.86 by the fast model, which the policy's
// name corroborates at MinCorroborable or more, and read as another name
// in doubt (磊张禄 at 0.48) by intake's names' model. Two readings of one
// name that differ make it no confident reading, whichever is surer: the
// claim goes to a handler with both readings, never approved, never
// rejected by the system. A receipt's patient read sure as the insured's
// and disputed so is held the same way.
func TestANameTwoRecognisersReadAsTwoNamesGoesToAHandler(t *testing.T) {
	for _, tc := range []struct {
		name   string
		doc    int
		field  string
		change func(*domain.DocumentFields)
	}{
		{"a bank card's holder read as the insured's, sure enough to corroborate", 2, "holder_name", func(d *domain.DocumentFields) {
			d.HolderName, d.Confidence = "张三", 0.86
			d.Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.86}}
		}},
		{"a receipt's patient read as the insured's and sure", 0, "patient_name", func(d *domain.DocumentFields) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cleanInput()
			d := &in.Docs[tc.doc]
			tc.change(d)
			if a := domain.Assess(in); !a.Automatic {
				t.Fatalf("got reasons %v before the second reading, want the claim automatic (the case needs it)", codes(a))
			}
			d.DisputedNames = []domain.DisputedName{{Field: tc.field, First: "张三", FirstConfidence: 0.86, Again: "磊张禄", AgainConfidence: 0.48}}
			a := domain.Assess(in)
			i := slices.IndexFunc(a.Reasons, func(r domain.Reason) bool { return r.Code == "name_readings_differ" })
			if a.Automatic || i < 0 {
				t.Fatalf("got automatic %v, reasons %v; want a handler's, with name_readings_differ", a.Automatic, codes(a))
			}
			want := map[string]string{"document_id": d.DocumentID, "type": d.Type, "field": tc.field, "first": "张三", "first_confidence": "0.86",
				"again": "磊张禄", "again_confidence": "0.48"}
			if !maps.Equal(a.Reasons[i].Params, want) {
				t.Errorf("got params %v, want %v: both readings shown", a.Reasons[i].Params, want)
			}
			c := in.Case
			if err := c.DecideAutomatically(a, *in.Rules, 10_000, now); apperr.CodeOf(err) != apperr.Conflict || c.Decision != nil {
				t.Fatalf("got %v, decision %+v; want a conflict and no decision", err, c.Decision)
			}
		})
	}
}
