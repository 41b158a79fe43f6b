package domain

import (
	"fmt"
	"strconv"
)

// DocumentFields are the fields intake read from one document of a claim
// request (issue 18), as the straight-through path computes on them: they
// come with the claim-requested event and are kept with the assessment, not
// on the case.
type DocumentFields struct {
	DocumentID         string
	Type               string
	InvoiceCode        string
	InvoiceNumber      string
	TotalAmountFen     int64
	EventDate          string
	AdmissionDate      string
	DischargeDate      string
	PatientName        string
	Institution        string
	HolderName         string
	AccountFingerprint string
	Insurance          *InsuranceSplit
	IDNumberValid      bool
	// VisitNumber is the hospital's number of the visit a receipt, a
	// diagnosis certificate or a discharge summary is of (门诊号, 住院号,
	// 病历号): the receipt and the certificate of one visit print the same
	// (corroborate's CorroboratedByVisitNumber). No product rule reads it.
	VisitNumber string
	// VisitKind is the kind of visit the label of VisitNumber names
	// (VisitOutpatient 门诊号, VisitInpatient 住院号, VisitRecord 病历号);
	// "" when the document was read before kinds were (a stored
	// assessment). An outpatient number and an inpatient number are
	// counted separately by a hospital, so equal digits under two kinds
	// are two visits.
	VisitKind string
	// Confidence is the lowest confidence of the fields read, 0 when
	// nothing was read; Sources where each field was read, by its name.
	Confidence float64
	Sources    map[string]FieldSource
	// Corrected names the fields a handler corrected after OCR: what a
	// person typed is that person's judgement, never the system's reading.
	Corrected []string
	// CorrectedBy are the members of staff who corrected any of them:
	// what they typed the decision rests on, so none of them may decide
	// the claim (EnteredByStaff).
	CorrectedBy []string
	// Corroborated names the fields intake found confirmed by a second
	// reading on the same document (figures and capitals, a split's sum, a
	// check digit): what corroborate relies on (issue 19).
	Corroborated []string
	// IDNumberMasked is an identity card's resident ID number as masked
	// (first six and last four characters), compared with the policy's
	// insured (id_number_mismatch).
	IDNumberMasked string
	// EnteredBy is who uploaded the document and EnteredVia how:
	// EnteredViaClaimant when the claimant's own channel did, anything
	// else (a member of staff, or not recorded) is for a person to look
	// at before money moves on it (entered_by_staff).
	EnteredBy  string
	EnteredVia string
	// DisputedNames are the names of the document two OCR recognisers
	// read as two names (intake's names' model reading another name in
	// doubt): none is confidently read, whatever either's confidence, so
	// each holds the claim for a person (name_readings_differ).
	DisputedNames []DisputedName
}

// DisputedName is a name field of a document read First by the OCR that
// read the page, at FirstConfidence, and Again, another name, by intake's
// names' model at AgainConfidence (issue 19).
type DisputedName struct {
	Field           string
	First           string
	FirstConfidence float64
	Again           string
	AgainConfidence float64
}

// InsuranceSplit is a medical invoice's social-insurance split.
type InsuranceSplit struct {
	FundPaidFen        int64
	PersonalAccountFen int64
	SelfPayFen         int64
	SelfFundedFen      int64
}

// FieldSource is where a field was read: the page (from 1), the box [x, y,
// width, height] and the confidence.
type FieldSource struct {
	Page       int
	Box        [4]int
	Confidence float64
}

// DocMedicalInvoice is the document type of a medical invoice.
const DocMedicalInvoice = "medical_invoice"

// Step is one step of a computation's explanation: an amount, what it is
// and where it comes from (a document's field, its page and box) or the
// clause that applies. Every fen of the payable amount is the result of
// these steps.
type Step struct {
	Text       string
	AmountFen  int64
	DocumentID string
	Field      string
	Page       int
	Box        [4]int
	Clause     string
}

// InvoiceLine is what one invoice adds to the payable amount.
type InvoiceLine struct {
	DocumentID    string
	InvoiceNumber string
	TotalFen      int64
	BaseFen       int64
	DeductibleFen int64
	RatioBP       int
	PayableFen    int64
}

// Computation is the payable amount of an expense benefit computed from
// the documents' fields and a version of the product's rules, with its
// explanation. Problems are why it could not be computed in full: a
// computation with problems is never decided automatically.
type Computation struct {
	RulesVersion         int
	Benefit              string
	Invoices             []InvoiceLine
	Steps                []Step
	ClaimedFen           int64
	DeductibleAppliedFen int64
	PayableFen           int64
	Problems             []Reason
}

// Reason is a machine-readable reason, with its parameters: why a claim
// was not decided automatically, or why an amount could not be computed.
type Reason struct {
	Code   string
	Params map[string]string
}

// Used is what the insured already used of the product's rules in the
// policy year: the deductible applied and the amount approved on the
// benefit by earlier decisions.
type Used struct {
	DeductibleFen int64
	ApprovedFen   int64
}

// RoundingRule is how a ratio's product is rounded: to the nearest fen,
// half a fen up (四舍五入).
const RoundingRule = "rounded to the nearest fen, half a fen up (四舍五入)"

// applyRatio is amount × bp / 10000 rounded to the nearest fen, half up.
func applyRatio(amount int64, bp int) int64 {
	return (amount*int64(bp) + 5000) / 10000
}

func pct(bp int) string {
	s := strconv.Itoa(bp / 100)
	if bp%100 != 0 {
		s += fmt.Sprintf(".%02d", bp%100)
	}
	return s + "%"
}

// step returns the step of a document's field.
func fieldStep(d DocumentFields, field, text string, amount int64) Step {
	s := Step{Text: text, AmountFen: amount, DocumentID: d.DocumentID, Field: field}
	if src, ok := d.Sources[field]; ok {
		s.Page, s.Box = src.Page, src.Box
	}
	return s
}

// Compute computes the payable amount of the rules' benefit from the
// medical invoices among docs, in their order, given what the insured used
// in the policy year and what is left of the policy's sum insured on the
// benefit (coverLeftFen, -1 when unknown).
//
// Per invoice the payable base is the self-pay part (个人自付), plus the
// self-funded part (个人自费) when the product pays it; the fund's share
// is never payable. An invoice that prints no social-insurance split is
// computed on its total, at the ratio without social insurance, only when
// the product pays the self-funded part too: then the whole total is
// payable whatever its split. Otherwise the part out of the catalogue
// cannot be told from the total, and the invoice is a problem
// (no_insurance_split) for a handler: an insurer does not pay 自费 items its
// product excludes because the invoice did not say which they are.
//
// The deductible left for the year is taken from the invoices' bases in
// order, then each invoice's ratio applies (with social insurance when the
// fund paid part of it), rounded per invoice (RoundingRule); the sum is
// capped by the per-claim limit, the annual limit left and the sum insured
// left.
func Compute(r ProductRules, docs []DocumentFields, used Used, coverLeftFen int64) Computation {
	c := Computation{RulesVersion: r.Version, Benefit: r.Benefit}
	deductibleLeft := max(r.DeductibleFen-used.DeductibleFen, 0)
	if r.DeductibleFen > 0 {
		c.Steps = append(c.Steps, Step{Text: fmt.Sprintf("annual deductible %s, %s used this policy year: %s left",
			yuan(r.DeductibleFen), yuan(min(used.DeductibleFen, r.DeductibleFen)), yuan(deductibleLeft)), AmountFen: deductibleLeft, Clause: r.DeductibleClause})
	}
	var total int64
	for _, d := range docs {
		if d.Type != DocMedicalInvoice {
			continue
		}
		if d.TotalAmountFen <= 0 {
			c.Problems = append(c.Problems, Reason{Code: "invoice_unread", Params: map[string]string{"document_id": d.DocumentID}})
			continue
		}
		line := InvoiceLine{DocumentID: d.DocumentID, InvoiceNumber: d.InvoiceNumber, TotalFen: d.TotalAmountFen}
		c.ClaimedFen += d.TotalAmountFen
		label := "invoice " + d.InvoiceNumber
		c.Steps = append(c.Steps, fieldStep(d, "total_amount_fen", label+": total "+yuan(d.TotalAmountFen), d.TotalAmountFen))
		ins := d.Insurance
		switch {
		case ins == nil && !r.PaysSelfFunded:
			c.Problems = append(c.Problems, Reason{Code: "no_insurance_split", Params: map[string]string{"document_id": d.DocumentID, "invoice_number": d.InvoiceNumber}})
			continue
		case ins == nil:
			line.BaseFen, line.RatioBP = d.TotalAmountFen, r.RatioWithoutSocialBP
			c.Steps = append(c.Steps, Step{Text: label + ": no social-insurance split printed; the product pays self-funded items, so the whole total is the base, at the ratio without social insurance",
				AmountFen: line.BaseFen, DocumentID: d.DocumentID, Clause: r.SelfFundedClause})
		default:
			if ins.FundPaidFen < 0 || ins.SelfPayFen < 0 || ins.SelfFundedFen < 0 || ins.PersonalAccountFen < 0 ||
				ins.FundPaidFen+ins.SelfPayFen+ins.SelfFundedFen > d.TotalAmountFen {
				c.Problems = append(c.Problems, Reason{Code: "insurance_split_inconsistent", Params: map[string]string{"document_id": d.DocumentID,
					"invoice_number": d.InvoiceNumber, "total_fen": strconv.FormatInt(d.TotalAmountFen, 10)}})
				continue
			}
			c.Steps = append(c.Steps, fieldStep(d, "insurance.fund_paid_fen", label+": social-insurance fund paid "+yuan(ins.FundPaidFen)+", never payable", ins.FundPaidFen))
			line.BaseFen = ins.SelfPayFen
			c.Steps = append(c.Steps, fieldStep(d, "insurance.self_pay_fen", label+": self-pay (个人自付) "+yuan(ins.SelfPayFen)+", payable", ins.SelfPayFen))
			if r.PaysSelfFunded {
				line.BaseFen += ins.SelfFundedFen
				s := fieldStep(d, "insurance.self_funded_fen", label+": self-funded (个人自费) "+yuan(ins.SelfFundedFen)+", payable under the product", ins.SelfFundedFen)
				s.Clause = r.SelfFundedClause
				c.Steps = append(c.Steps, s)
			} else if ins.SelfFundedFen > 0 {
				s := fieldStep(d, "insurance.self_funded_fen", label+": self-funded (个人自费) "+yuan(ins.SelfFundedFen)+", not payable under the product", 0)
				s.Clause = r.SelfFundedClause
				c.Steps = append(c.Steps, s)
			}
			line.RatioBP = r.RatioWithoutSocialBP
			if ins.FundPaidFen > 0 || ins.PersonalAccountFen > 0 {
				line.RatioBP = r.RatioWithSocialBP
			}
		}
		line.DeductibleFen = min(deductibleLeft, line.BaseFen)
		deductibleLeft -= line.DeductibleFen
		if line.DeductibleFen > 0 {
			c.Steps = append(c.Steps, Step{Text: label + ": − deductible " + yuan(line.DeductibleFen), AmountFen: -line.DeductibleFen, DocumentID: d.DocumentID, Clause: r.DeductibleClause})
		}
		line.PayableFen = applyRatio(line.BaseFen-line.DeductibleFen, line.RatioBP)
		c.Steps = append(c.Steps, Step{Text: fmt.Sprintf("%s: (%s − %s) × %s = %s, %s", label, yuan(line.BaseFen), yuan(line.DeductibleFen),
			pct(line.RatioBP), yuan(line.PayableFen), RoundingRule), AmountFen: line.PayableFen, DocumentID: d.DocumentID, Clause: r.RatioClause})
		c.DeductibleAppliedFen += line.DeductibleFen
		total += line.PayableFen
		c.Invoices = append(c.Invoices, line)
	}
	if len(c.Invoices) == 0 && len(c.Problems) == 0 {
		c.Problems = append(c.Problems, Reason{Code: "no_invoice", Params: map[string]string{}})
	}
	c.PayableFen = total
	c.cap(r.PerClaimLimitFen, "per-claim limit", r.LimitClause)
	if r.AnnualLimitFen > 0 {
		c.cap(max(r.AnnualLimitFen-used.ApprovedFen, 0), "annual limit "+yuan(r.AnnualLimitFen)+" less "+yuan(used.ApprovedFen)+" used", r.LimitClause)
	}
	if coverLeftFen >= 0 {
		c.cap(coverLeftFen, "sum insured left on "+r.Benefit, "")
	}
	c.Steps = append(c.Steps, Step{Text: "payable on " + r.Benefit + ": " + yuan(c.PayableFen), AmountFen: c.PayableFen})
	return c
}

// cap limits the payable amount to limit (0: no limit), explaining it.
func (c *Computation) cap(limit int64, what, clause string) {
	if limit <= 0 && what == "per-claim limit" {
		return
	}
	if c.PayableFen > limit {
		c.Steps = append(c.Steps, Step{Text: fmt.Sprintf("capped at the %s: %s", what, yuan(limit)), AmountFen: limit - c.PayableFen, Clause: clause})
		c.PayableFen = limit
	}
}

// The kinds of visit a visit number's label names (DocumentFields.VisitKind).
const (
	// VisitOutpatient is an outpatient visit's number (门诊号).
	VisitOutpatient = "outpatient"
	// VisitInpatient is a hospital stay's number (住院号).
	VisitInpatient = "inpatient"
	// VisitRecord is the patient's medical record number (病历号).
	VisitRecord = "record"
)
