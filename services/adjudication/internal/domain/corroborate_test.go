package domain_test

import (
	"maps"
	"slices"
	"testing"

	"claims.local/adjudication/internal/domain"
)

// scannedInput is cleanInput as OCR reads a scan: every field below the
// policy's confidence, with what intake found confirmed on the documents
// (the total in figures and capitals, the split's sum, the ID number's
// checksum, the card's Luhn digit) and a diagnosis certificate dated as the
// invoice.
func scannedInput() domain.AutoInput {
	in := cleanInput()
	low := func(fields ...string) map[string]domain.FieldSource {
		m := map[string]domain.FieldSource{}
		for _, f := range fields {
			m[f] = domain.FieldSource{Page: 1, Box: [4]int{10, 20, 300, 40}, Confidence: 0.84}
		}
		return m
	}
	inv := &in.Docs[0]
	inv.Confidence = 0.84
	inv.Sources = low("total_amount_fen", "insurance.fund_paid_fen", "insurance.self_pay_fen", "insurance.self_funded_fen", "patient_name", "event_date", "institution")
	inv.Corroborated = []string{"total_amount_fen", "insurance.fund_paid_fen", "insurance.self_pay_fen", "insurance.self_funded_fen"}
	in.Docs[1].Confidence, in.Docs[1].Sources, in.Docs[1].Corroborated = 0.84, low("id_number"), []string{"id_number"}
	in.Docs[2].Confidence, in.Docs[2].Sources, in.Docs[2].Corroborated = 0.84, low("account_number", "holder_name"), []string{"account_number"}
	in.Docs = append(in.Docs, domain.DocumentFields{DocumentID: "d4", Type: "diagnosis_certificate", EventDate: "2026-09-28", PatientName: "张三",
		Confidence: 0.84, Sources: low("event_date", "patient_name"), EnteredBy: "claimant-app", EnteredVia: domain.EnteredViaClaimant})
	return in
}

func TestAScanWhoseFieldsAreCorroboratedIsDecidedAutomatically(t *testing.T) {
	a := domain.Assess(scannedInput())
	if !a.Automatic || a.Computation == nil || a.Computation.PayableFen != 16_000 {
		t.Fatalf("got automatic %v, reasons %v, computation %+v; want automatic, 16000 fen", a.Automatic, a.Reasons, a.Computation)
	}
	got := map[string]string{}
	for _, c := range a.Corroborations {
		got[c.DocumentID+"/"+c.Field] = c.By + c.Other
	}
	want := map[string]string{
		"d1/total_amount_fen": domain.CorroboratedByCapitals, "d1/insurance.fund_paid_fen": domain.CorroboratedBySplitSum,
		"d1/insurance.self_pay_fen": domain.CorroboratedBySplitSum, "d1/insurance.self_funded_fen": domain.CorroboratedBySplitSum,
		"d1/patient_name": domain.CorroboratedByPolicyName, "d1/event_date": domain.CorroboratedByOtherDate + "d4",
		"d1/institution": domain.NotReadByTheRules,
		"d2/id_number":   domain.CorroboratedByChecksum, "d3/account_number": domain.CorroboratedByLuhn,
		"d3/holder_name": domain.CorroboratedByPolicyName, "d4/event_date": domain.CorroboratedByOtherDate + "d1",
		"d4/patient_name": domain.CorroboratedByPolicyName,
	}
	if len(got) != len(want) {
		t.Fatalf("got corroborations %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("got %s corroborated by %q, want %q", k, got[k], v)
		}
	}
}

// TestALowConfidenceFieldNothingConfirmsStaysWithAPerson is the attack on
// corroboration: a misread that no independent check confirms keeps the
// claim with a handler.
func TestALowConfidenceFieldNothingConfirmsStaysWithAPerson(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
		want   []string
	}{
		{"a total whose figures and capitals differ", func(in *domain.AutoInput) {
			// Intake lists the total only when both readings agree; the
			// split is then not confirmed either.
			in.Docs[0].Corroborated = []string{"insurance.fund_paid_fen", "insurance.self_pay_fen", "insurance.self_funded_fen"}
			in.Docs[0].Sources["total_amount_fen"] = domain.FieldSource{Page: 1, Confidence: 0}
		}, []string{"low_confidence:total_amount_fen", "low_confidence:insurance.self_pay_fen"}},
		{"a total its capitals do not confirm, equal to the amount the claimant typed", func(in *domain.AutoInput) {
			// What the claimant typed is no reading of the receipt.
			in.Docs[0].Corroborated = nil
			in.Case.ClaimedAmountFen = in.Docs[0].TotalAmountFen
		}, []string{"low_confidence:total_amount_fen"}},
		{"a split that does not add up to the total", func(in *domain.AutoInput) {
			in.Docs[0].Corroborated = []string{"total_amount_fen"}
		}, []string{"low_confidence:insurance.self_pay_fen", "low_confidence:insurance.fund_paid_fen"}},
		{"a date misread and printed on no other document", func(in *domain.AutoInput) {
			in.Docs[0].EventDate = "2026-09-23"
		}, []string{"low_confidence:event_date"}},
		{"a date confirmed only by a document of no listed kind", func(in *domain.AutoInput) {
			// A note the claimant typed, printing the date wanted, is no
			// independent reading of the receipt's date.
			in.Docs[3].Type = domain.DocOther
		}, []string{"low_confidence:event_date"}},
		{"a date confirmed only by another patient's certificate", func(in *domain.AutoInput) {
			// A diagnosis certificate of someone else, dated as wanted, is
			// no reading of this insured's stay; the claim goes to a person.
			in.Docs[3].PatientName = "李四"
		}, []string{"name_mismatch", "low_confidence:event_date", "low_confidence:event_date", "low_confidence:patient_name"}},
		{"a date confirmed only by a handler's correction elsewhere", func(in *domain.AutoInput) {
			in.Docs[3].Corrected = []string{"event_date"}
		}, []string{"low_confidence:event_date"}},
		{"a patient's name one character off", func(in *domain.AutoInput) { in.Docs[0].PatientName = "张二" },
			[]string{"name_mismatch", "low_confidence:patient_name"}},
		{"a card holder's name one character off", func(in *domain.AutoInput) { in.Docs[2].HolderName = "张二" },
			[]string{"payee_not_entitled", "low_confidence:holder_name"}},
		{"a name read without a policy to compare", func(in *domain.AutoInput) { in.Evidence.Policy = nil },
			[]string{"low_confidence:patient_name"}},
		{"a corrected total listed as corroborated", func(in *domain.AutoInput) {
			in.Docs[0].Corrected = []string{"total_amount_fen"}
		}, []string{"corrected_by_handler", "low_confidence:total_amount_fen"}},
		{"an ID number whose checksum fails", func(in *domain.AutoInput) { in.Docs[1].IDNumberValid = false },
			[]string{"id_number_invalid", "low_confidence:id_number"}},
		{"a card number whose Luhn digit fails", func(in *domain.AutoInput) { in.Docs[2].Corroborated = nil },
			[]string{"low_confidence:account_number"}},
		{"an invoice number read with low confidence, the other claims not searched by content", func(in *domain.AutoInput) {
			in.Docs[0].Sources["invoice_number"] = domain.FieldSource{Page: 1, Confidence: 0.84}
			in.Docs[0].Corroborated = append(in.Docs[0].Corroborated, "invoice_number")
		}, []string{"low_confidence:invoice_number"}},
		{"the same receipt claimed again, its number misread", func(in *domain.AutoInput) {
			lowReceiptNumbers(in)
			d := in.Docs[0]
			in.InvoicesAlike = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "0012345670", AmountFen: d.TotalAmountFen, EventDate: d.EventDate}}
		}, []string{"invoice_alike", "low_confidence:invoice_number", "low_confidence:invoice_code"}},
		{"the same receipt uploaded twice on the claim, the copy's number misread", func(in *domain.AutoInput) {
			// A second photo of the receipt (other bytes, so another
			// document) whose number OCR reads differently escapes the
			// check that an invoice is claimed once on the claim; the
			// search by content must see the claim's own receipts too.
			lowReceiptNumbers(in)
			cp := in.Docs[0]
			cp.DocumentID, cp.InvoiceNumber = "d5", "A7"
			cp.Sources = maps.Clone(in.Docs[0].Sources)
			cp.Corroborated = slices.Clone(in.Docs[0].Corroborated)
			in.Docs = append(in.Docs, cp)
		}, []string{"low_confidence:invoice_number"}},
		{"a receipt number misread, its total unsure", func(in *domain.AutoInput) {
			lowReceiptNumbers(in)
			in.Docs[0].Corroborated = []string{"insurance.fund_paid_fen", "insurance.self_pay_fen", "insurance.self_funded_fen"}
		}, []string{"low_confidence:total_amount_fen", "low_confidence:invoice_number"}},
		{"a receipt number misread, its date unsure", func(in *domain.AutoInput) {
			lowReceiptNumbers(in)
			in.Docs[0].EventDate = "2026-09-23"
		}, []string{"low_confidence:event_date", "low_confidence:invoice_number"}},
		{"a grainy page: its fields read below what a check may vouch for", func(in *domain.AutoInput) {
			lowReceiptNumbers(in)
			grainy(in, 0.7)
		}, []string{"low_confidence:patient_name", "low_confidence:invoice_number", "low_confidence:event_date", "low_confidence:insurance.self_pay_fen"}},
		{"a document whose low confidence no field explains", func(in *domain.AutoInput) { in.Docs[0].Confidence = 0.3 },
			[]string{"low_confidence:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := scannedInput()
			tc.change(&in)
			a := domain.Assess(in)
			got := reasonsByField(a)
			if a.Automatic {
				t.Fatalf("got automatic with reasons %v; want a handler", got)
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("got reasons %v; want %s among them", got, w)
				}
			}
		})
	}
}

// reasonsByField returns a's reason codes, each low_confidence one also
// with its field (low_confidence:patient_name).
func reasonsByField(a domain.Assessment) []string {
	var got []string
	for _, r := range a.Reasons {
		got = append(got, r.Code)
		if r.Code == "low_confidence" {
			got = append(got, r.Code+":"+r.Params["field"])
		}
	}
	return got
}

// grainy makes every field of in's documents read at confidence, as on a
// grainy page.
func grainy(in *domain.AutoInput, confidence float64) {
	for _, d := range in.Docs {
		for f, src := range d.Sources {
			src.Confidence = confidence
			d.Sources[f] = src
		}
	}
}

// lowReceiptNumbers makes the receipt's number, code and check code read
// with low confidence, and the other claims searched by content with no
// invoice alike found.
func lowReceiptNumbers(in *domain.AutoInput) {
	for _, f := range []string{"invoice_number", "invoice_code", "check_code"} {
		in.Docs[0].Sources[f] = domain.FieldSource{Page: 1, Box: [4]int{10, 60, 300, 40}, Confidence: 0.84}
	}
	in.AlikeSearched = true
}

// TestAScannedReceiptsNumberIsReliedOnWhenNoClaimHoldsAnInvoiceAlike: a
// receipt number read with low confidence is relied on when the receipt's
// total and date are sure and no other claim of the insured holds an
// invoice of that total on that date (invoices of another total, or of
// that total on another day, are no duplicate of it).
func TestAScannedReceiptsNumberIsReliedOnWhenNoClaimHoldsAnInvoiceAlike(t *testing.T) {
	in := scannedInput()
	lowReceiptNumbers(&in)
	d := in.Docs[0]
	in.InvoicesAlike = []domain.InvoiceMatch{
		{ClaimID: "claim-0", InvoiceNumber: "0012345670", AmountFen: d.TotalAmountFen + 1, EventDate: d.EventDate},
		{ClaimID: "claim-1", InvoiceNumber: "0012345671", AmountFen: d.TotalAmountFen, EventDate: "2026-09-27"},
	}
	a := domain.Assess(in)
	if !a.Automatic {
		t.Fatalf("got reasons %v; want automatic", a.Reasons)
	}
	by := map[string]string{}
	for _, c := range a.Corroborations {
		by[c.DocumentID+"/"+c.Field] = c.By
	}
	for _, f := range []string{"invoice_number", "invoice_code"} {
		if got := by["d1/"+f]; got != domain.CorroboratedByNoInvoiceAlike {
			t.Errorf("got d1/%s corroborated by %q, want %q", f, got, domain.CorroboratedByNoInvoiceAlike)
		}
	}
}

// TestACheckCodeInDoubtHoldsNoClaim: a receipt's check code (校验码)
// serves only to verify an electronic invoice with the platform that
// issued it, which adjudication does not do, and no rule reads it (an
// invoice is the same invoice by its code and number: invoice_seen,
// invoice_alike), so its reading, however doubtful (Tesseract reads the
// c of c00042 as c or C), holds no claim: it is recorded as
// CheckCodeNotVerified. The attacks: a grainy page, a misread receipt
// number and the same receipt claimed again still go to a handler, for
// the fields the rules read.
func TestACheckCodeInDoubtHoldsNoClaim(t *testing.T) {
	checkCode := func(confidence float64) func(*domain.AutoInput) {
		return func(in *domain.AutoInput) {
			in.Docs[0].Sources["check_code"] = domain.FieldSource{Page: 1, Box: [4]int{10, 40, 300, 40}, Confidence: confidence}
			in.Docs[0].Confidence = min(in.Docs[0].Confidence, confidence)
		}
	}
	for _, tc := range []struct {
		name      string
		change    func(*domain.AutoInput)
		automatic bool
		want      []string
	}{
		{"a check code whose c is in doubt, below the floor", checkCode(0.62), true, nil},
		{"a check code read at no confidence at all", checkCode(0), true, nil},
		{"a check code in doubt on a grainy page", func(in *domain.AutoInput) {
			lowReceiptNumbers(in)
			grainy(in, 0.7)
			checkCode(0.5)(in)
		}, false, []string{"low_confidence:patient_name", "low_confidence:invoice_number", "low_confidence:event_date"}},
		{"a check code in doubt beside a receipt number the other claims were not searched for", func(in *domain.AutoInput) {
			lowReceiptNumbers(in)
			in.AlikeSearched = false
			checkCode(0.62)(in)
		}, false, []string{"low_confidence:invoice_number", "low_confidence:invoice_code"}},
		{"a check code in doubt on a receipt claimed again, its number misread", func(in *domain.AutoInput) {
			lowReceiptNumbers(in)
			checkCode(0.62)(in)
			d := in.Docs[0]
			in.InvoicesAlike = []domain.InvoiceMatch{{ClaimID: "claim-0", InvoiceNumber: "0012345670", AmountFen: d.TotalAmountFen, EventDate: d.EventDate}}
		}, false, []string{"invoice_alike", "low_confidence:invoice_number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := scannedInput()
			tc.change(&in)
			a := assessed(t, in, tc.automatic, tc.want)
			got := reasonsByField(a)
			if slices.Contains(got, "low_confidence:check_code") {
				t.Errorf("got reasons %v; want none for the check code", got)
			}
			i := slices.IndexFunc(a.Corroborations, func(c domain.Corroboration) bool { return c.Field == "check_code" })
			if i < 0 || a.Corroborations[i].By != domain.CheckCodeNotVerified {
				t.Errorf("got corroborations %+v, want the check code's by %q", a.Corroborations, domain.CheckCodeNotVerified)
			}
		})
	}
}

// TestANameInDoubtCountsOnlyWhenTwoModelsReadTheInsured: a name read below
// the floor (ADJUDICATION_AUTO_MIN_CORROBORABLE) counts when a second OCR
// model read the same name on its line (intake's fact, never set on a page
// in doubt as a whole) and that name is the policy's insured; the attacks:
// the two readings differ, both read a name that is not the insured's, a
// handler's correction listed as read twice, a grainy page.
func TestANameInDoubtCountsOnlyWhenTwoModelsReadTheInsured(t *testing.T) {
	for _, tc := range []struct {
		name      string
		change    func(*domain.AutoInput)
		automatic bool
		want      []string
	}{
		{"both models read the insured's name", func(in *domain.AutoInput) {}, true, nil},
		{"the two readings differ", func(in *domain.AutoInput) {
			in.Docs[0].Corroborated = slices.DeleteFunc(in.Docs[0].Corroborated, func(f string) bool { return f == "patient_name" })
		}, false, []string{"low_confidence:patient_name"}},
		{"both models read a name that is not the insured's", func(in *domain.AutoInput) { in.Docs[0].PatientName = "张二" },
			false, []string{"name_mismatch", "low_confidence:patient_name"}},
		{"both read the card holder as another person", func(in *domain.AutoInput) { in.Docs[2].HolderName = "张二" },
			false, []string{"payee_not_entitled", "low_confidence:holder_name"}},
		{"a handler's correction listed as read twice", func(in *domain.AutoInput) {
			in.Docs[0].Corrected = []string{"patient_name"}
		}, false, []string{"corrected_by_handler"}},
		// The names' exception lifts no other field intake corroborated:
		// the checksum, the Luhn digit and the split's sum read below the
		// floor stay in doubt.
		{"a grainy page whose name both models read", func(in *domain.AutoInput) { grainy(in, 0.7) },
			false, []string{"low_confidence:event_date", "low_confidence:insurance.self_pay_fen", "low_confidence:insurance.fund_paid_fen",
				"low_confidence:id_number", "low_confidence:account_number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := scannedInput()
			in.Docs[0].Sources["patient_name"] = domain.FieldSource{Page: 1, Box: [4]int{10, 20, 300, 40}, Confidence: 0.72}
			in.Docs[2].Sources["holder_name"] = domain.FieldSource{Page: 1, Box: [4]int{10, 20, 300, 40}, Confidence: 0.75}
			in.Docs[0].Corroborated = append(in.Docs[0].Corroborated, "patient_name")
			in.Docs[2].Corroborated = append(in.Docs[2].Corroborated, "holder_name")
			tc.change(&in)
			a := assessed(t, in, tc.automatic, tc.want)
			if !tc.automatic {
				return
			}
			for _, c := range a.Corroborations {
				if (c.Field == "patient_name" && c.DocumentID == "d1" || c.Field == "holder_name") && c.By != domain.CorroboratedBySecondModel {
					t.Errorf("got %s/%s corroborated by %q, want %q", c.DocumentID, c.Field, c.By, domain.CorroboratedBySecondModel)
				}
			}
		})
	}
}

// assessed assesses in and checks it is decided automatically or not as
// automatic says, with each of want among its reasons (reasonsByField).
func assessed(t *testing.T, in domain.AutoInput, automatic bool, want []string) domain.Assessment {
	t.Helper()
	a := domain.Assess(in)
	got := reasonsByField(a)
	if a.Automatic != automatic {
		t.Fatalf("got automatic %v with reasons %v, want %v", a.Automatic, got, automatic)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("got reasons %v; want %s among them", got, w)
		}
	}
	return a
}
