package domain

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/calendar"
)

// Straight-through adjudication (issue 19): a small, clean claim whose
// amount the product's rules compute from its documents is decided by the
// system, never rejected by it; every other claim goes to a handler with
// the reasons it was not decided automatically.

// AutoActorPrefix begins the subject of the automatic decider; the rules
// version follows: "system:auto-adjudication/MED01/v3".
const AutoActorPrefix = "system:auto-adjudication/"

// AutoActor is the actor of an automatic decision under rules.
func AutoActor(r ProductRules) Actor { return Actor{Subject: AutoActorPrefix + r.RulesVersionLabel()} }

// AutoPolicy is how the straight-through path is configured: the lowest
// confidence of a field it decides on (0 to 1), the lowest confidence of a
// field an independent check may still vouch for (MinCorroborable: below
// it the page itself is in doubt, a grainy or damaged scan, and no
// corroboration rescues it), the largest amount it decides (the 2015
// small-claims guidance: RMB 3,000), and the share of its decisions
// sampled for a senior's review, in basis points (500 = 5%).
type AutoPolicy struct {
	MinConfidence   float64
	MinCorroborable float64
	LimitFen        int64
	SampleBP        int
}

// DefaultAutoPolicy is the configuration without settings. Tesseract
// reads the fields of an ordinary scan at 0.83 to 0.92 and those of a
// grainy one at 0.4 to 0.75 (BenchmarkStraightThrough's receipts), hence
// MinCorroborable 0.8.
func DefaultAutoPolicy() AutoPolicy {
	return AutoPolicy{MinConfidence: 0.9, MinCorroborable: 0.8, LimitFen: 300000, SampleBP: 500}
}

// AutoInput is everything the straight-through assessment reads. The same
// input and rules version always give the same assessment.
type AutoInput struct {
	Case     *Case
	Docs     []DocumentFields
	Evidence Evidence
	Rules    *ProductRules
	Used     Used
	Policy   AutoPolicy
	// Enabled is the audited switch of the path.
	Enabled bool
	// Burst is the claim-burst signal of the insured, nil for none.
	Burst *Signal
	// Advance is what the fraud signals read of the account of the
	// case's advance agreement (issue 19), nil when there is none.
	Advance *AdvanceFacts
	// Fingerprints compare the advance agreement's payee with the insured
	// and the bank card on the claim by their keyed fingerprints (R11).
	Fingerprints *bankaccount.Fingerprints
	// InvoicesAlike are the medical invoices on the insured's other claims
	// (same policy or same insured's name) with the total and the date of
	// one of this claim's invoices, whatever their numbers; AlikeSearched
	// says they were looked up. They let a receipt number read with low
	// confidence be relied on (CorroboratedByNoInvoiceAlike).
	InvoicesAlike []InvoiceMatch
	AlikeSearched bool
}

// Assessment is the straight-through path's finding on a claim: the
// computation (nil without rules), whether the system may decide it, and
// why not, as machine-readable reasons.
type Assessment struct {
	ClaimID      string
	RulesVersion int
	Computation  *Computation
	Automatic    bool
	Reasons      []Reason
	// Corroborations are the fields read with low confidence that an
	// independent check confirmed, and how (corroborate).
	Corroborations []Corroboration
	AssessedAt     time.Time
}

func reason(code string, kv ...string) Reason {
	r := Reason{Code: code, Params: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Params[kv[i]] = kv[i+1]
	}
	return r
}

// Assess decides whether the system may decide the claim (issue 19): the
// path is on, the product has rules, the claim is a medical claim of the
// insured complete with no document awaited, every check passes (R-checks
// of issue 14, with no override: an override is a person's judgement),
// no fraud signal is raised, every document read is confident, consistent
// and uncorrected by a handler (the patient and the bank card's holder are
// the insured, an identity card's name is the insured's and its ID number
// checksum verifies and is the insured's: idCardReasons; no name read as
// two names by two recognisers: name_readings_differ; the invoice
// dates are in the policy's term and after the waiting period, no invoice
// is seen twice, nor a receipt of the same total and day under another
// number: alikeReasons),
// the amount is computed in full and at most the configured limit, and the
// payee (the bank card's holder, the insured, or one Han character off it
// when the bank verified the payee's account, the card's, is held by the
// insured's name: cardByBankVerification) is entitled and the card was
// read; under a product whose term is AgreementInAdvance, the payee named
// with an advance agreement is that insured, paid to that card's account,
// with no fraud signal on it (advanceReasons); and everything it rests on
// came through the claimant's own channel, not entered by staff
// (provenanceReasons). It never finds for a rejection: what it cannot approve goes to a
// handler with the reasons.
func Assess(in AutoInput) Assessment {
	c := in.Case
	a := Assessment{ClaimID: c.ClaimID}
	add := func(r Reason) { a.Reasons = append(a.Reasons, r) }
	if !in.Enabled {
		add(reason("switched_off"))
	}
	if in.Rules == nil {
		add(reason("no_product_rules"))
	} else {
		a.RulesVersion = in.Rules.Version
	}
	if in.Evidence.Policy == nil || in.Evidence.Product == nil {
		add(reason("policy_unknown", "policy_number", c.PolicyNumber))
	}
	if c.IncidentType != "medical" {
		add(reason("not_a_medical_claim", "incident_type", c.IncidentType))
	}
	if c.Beneficiary != nil && c.Beneficiary.Relation != "self" && !sameName(c.Beneficiary.Name, c.InsuredName) {
		add(reason("claimant_not_insured", "claimant", c.Beneficiary.Name))
	}
	if _, open := c.Pauses(); open != nil {
		add(reason("documents_awaited"))
	}
	if c.Catastrophe != nil {
		add(reason("catastrophe_case", "code", c.Catastrophe.Code))
	}
	if c.Decision != nil {
		add(reason("already_decided", "by", c.Decision.DecidedBy))
	}
	for _, r := range RunChecks(c, in.Evidence) {
		if r.Result != ResultPass {
			kv := []string{"check", string(r.Check), "result", string(r.Result), "finding", r.Reason, "finding_code", r.Code}
			for k, v := range r.Params {
				kv = append(kv, "finding_"+k, v)
			}
			add(reason("check_not_passed", kv...))
		}
	}
	for _, s := range c.Signals {
		add(reason("fraud_signal", "signal", string(s.Kind)))
	}
	if in.Burst != nil {
		add(reason("fraud_signal", "signal", string(in.Burst.Kind)))
	}
	docReasons, corroborated := documentReasons(in)
	a.Reasons, a.Corroborations = append(a.Reasons, docReasons...), corroborated
	a.Reasons = append(a.Reasons, advanceReasons(in, in.Evidence.InsuredOf(*c))...)
	a.Reasons = append(a.Reasons, provenanceReasons(in)...)
	if in.Rules != nil && in.Evidence.Policy != nil && in.Evidence.Product != nil {
		comp := ComputeOn(c, in.Evidence, *in.Rules, in.Docs, in.Used)
		a.Computation = &comp
		a.Reasons = append(a.Reasons, comp.Problems...)
		switch {
		case comp.PayableFen > in.Policy.LimitFen:
			add(reason("over_limit", "amount_fen", strconv.FormatInt(comp.PayableFen, 10), "limit_fen", strconv.FormatInt(in.Policy.LimitFen, 10)))
		case comp.PayableFen <= 0 && len(comp.Problems) == 0:
			add(reason("nothing_payable", "claimed_fen", strconv.FormatInt(comp.ClaimedFen, 10)))
		}
	}
	a.Automatic = len(a.Reasons) == 0
	return a
}

// ComputeOn is Compute of c's documents docs under r, given what the
// insured used in the policy year, capped by what is left of the policy's
// sum insured on r's benefit as ev shows it (MaxPayableOf; unknown without
// the policy's data).
func ComputeOn(c *Case, ev Evidence, r ProductRules, docs []DocumentFields, used Used) Computation {
	left := int64(-1)
	if m := MaxPayableOf(c, ev); m != nil {
		left = 0
		if i := slices.IndexFunc(m.Lines, func(p PayableLine) bool { return p.Benefit == r.Benefit }); i >= 0 {
			left = m.Lines[i].MaxPayableFen
		}
	}
	return Compute(r, docs, used, left)
}

// documentReasons finds what in the documents keeps a person in the loop,
// and the fields read with low confidence that were corroborated.
func documentReasons(in AutoInput) ([]Reason, []Corroboration) {
	c := in.Case
	var out []Reason
	var corroborated []Corroboration
	insured := in.Evidence.InsuredOf(*c)
	card := false
	seen := map[string]string{}
	for i, d := range in.Docs {
		if d.Confidence < in.Policy.MinConfidence && !lowFieldExplains(d, in.Policy.MinConfidence) {
			out = append(out, reason("low_confidence", "document_id", d.DocumentID, "type", d.Type,
				"confidence", strconv.FormatFloat(d.Confidence, 'f', 2, 64), "threshold", strconv.FormatFloat(in.Policy.MinConfidence, 'f', 2, 64)))
		}
		// A field a handler corrected is not the system's reading: the
		// claim goes to a person, who decides on what was typed (a
		// correction alone never makes a claim automatic).
		for _, field := range slices.Sorted(slices.Values(d.Corrected)) {
			out = append(out, reason("corrected_by_handler", "document_id", d.DocumentID, "field", field))
		}
		// Whoever corrected the document entered what the person decides
		// on: one reason names each, whom EnteredByStaff bars from deciding.
		if len(d.Corrected) > 0 {
			for _, who := range d.CorrectedBy {
				out = append(out, reason("entered_by_staff", "document_id", d.DocumentID, "type", d.Type, "corrected_by", who, "entered_by", who))
			}
		}
		// A name two recognisers read as two names is not confidently
		// read, whatever either's confidence and whatever would
		// corroborate it: a person compares both readings with the page
		// (issue 19: 张磊's bank card, read 张舌 at 0.86 and 磊张禄 at 0.48,
		// passed as the insured 张舌's).
		for _, n := range d.DisputedNames {
			out = append(out, reason("name_readings_differ", "document_id", d.DocumentID, "type", d.Type, "field", n.Field,
				"first", n.First, "first_confidence", strconv.FormatFloat(n.FirstConfidence, 'f', 2, 64),
				"again", n.Again, "again_confidence", strconv.FormatFloat(n.AgainConfidence, 'f', 2, 64)))
		}
		for _, field := range sortedKeys(d.Sources) {
			if s := d.Sources[field]; s.Confidence < in.Policy.MinConfidence {
				if k, ok := corroborate(in, i, field); ok {
					corroborated = append(corroborated, k)
					continue
				}
				out = append(out, reason("low_confidence", "document_id", d.DocumentID, "field", field,
					"confidence", strconv.FormatFloat(s.Confidence, 'f', 2, 64), "threshold", strconv.FormatFloat(in.Policy.MinConfidence, 'f', 2, 64)))
			}
		}
		switch d.Type {
		case DocMedicalInvoice:
			if !sameName(d.PatientName, insured) {
				out = append(out, reason("name_mismatch", "document_id", d.DocumentID, "field", "patient_name", "read", d.PatientName, "insured", insured))
			}
			key := InvoiceKey(d.InvoiceCode) + "/" + InvoiceKey(d.InvoiceNumber)
			if d.InvoiceNumber == "" {
				out = append(out, reason("invoice_unread", "document_id", d.DocumentID, "field", "invoice_number"))
			} else if other, dup := seen[key]; dup {
				out = append(out, reason("invoice_seen", "document_id", d.DocumentID, "other_document_id", other, "invoice_number", d.InvoiceNumber))
			} else {
				seen[key] = d.DocumentID
			}
			for _, m := range in.Evidence.Invoices {
				if InvoiceKey(m.InvoiceNumber) == InvoiceKey(d.InvoiceNumber) {
					out = append(out, reason("invoice_seen", "document_id", d.DocumentID, "claim_id", m.ClaimID, "invoice_number", d.InvoiceNumber))
				}
			}
			out = append(out, alikeReasons(in, i)...)
			out = append(out, dateReasons(in, d)...)
		case DocIDCard:
			reasons, byNumber := idCardReasons(in, i, insured)
			out = append(out, reasons...)
			for _, k := range byNumber {
				corroborated = addCorroboration(corroborated, k)
			}
		case DocBankCard:
			card = true
			if !sameName(d.HolderName, insured) {
				// A holder one character off whose account the bank
				// confirmed is the insured's payee's (cardByBankVerification).
				if k, ok := cardByBankVerification(in, i, insured); ok {
					corroborated = addCorroboration(corroborated, k)
				} else {
					out = append(out, reason("payee_not_entitled", "document_id", d.DocumentID, "holder", d.HolderName, "insured", insured))
				}
			}
			// A fingerprint under a key adjudication does not hold
			// compares with no account: it proves none (R11).
			if !in.Fingerprints.Held(d.AccountFingerprint) {
				out = append(out, reason("payee_not_verified", "document_id", d.DocumentID, "field", "account_number"))
			}
		default:
			// Any other document naming a patient (a diagnosis
			// certificate, a discharge summary) must name the insured:
			// another person's papers are for a person to look at.
			if d.PatientName != "" && !sameName(d.PatientName, insured) {
				out = append(out, reason("name_mismatch", "document_id", d.DocumentID, "field", "patient_name", "read", d.PatientName, "insured", insured))
			}
		}
	}
	if !card {
		out = append(out, reason("payee_not_verified", "missing", DocBankCard))
	}
	return out, corroborated
}

// addCorroboration adds k to list unless its field of its document is
// there already: a name read below the threshold is corroborated by the
// card's number or the bank in the loop over its fields, and again where
// its card is compared with the insured; once is enough.
func addCorroboration(list []Corroboration, k Corroboration) []Corroboration {
	if slices.ContainsFunc(list, func(o Corroboration) bool { return o.Doc == k.Doc && o.Field == k.Field }) {
		return list
	}
	return append(list, k)
}

// alikeReasons finds the receipts of the insured's other claims
// (InvoicesAlike) and the earlier receipts of this claim with the total and
// the date of the i-th document, a receipt, under another number
// (invoice_alike). The same receipt claimed again with its number altered,
// or photographed twice with the number changed on one photo, escapes
// invoice_seen; two receipts of one total on one day are for a person to
// look at, never for the system to pay twice.
func alikeReasons(in AutoInput, i int) []Reason {
	d := in.Docs[i]
	if d.TotalAmountFen <= 0 || d.EventDate == "" {
		return nil
	}
	var out []Reason
	for _, m := range in.InvoicesAlike {
		if m.AmountFen == d.TotalAmountFen && m.EventDate == d.EventDate && InvoiceKey(m.InvoiceNumber) != InvoiceKey(d.InvoiceNumber) {
			out = append(out, reason("invoice_alike", "document_id", d.DocumentID, "claim_id", m.ClaimID, "invoice_number", m.InvoiceNumber))
		}
	}
	for _, o := range in.Docs[:i] {
		if o.Type == DocMedicalInvoice && o.TotalAmountFen == d.TotalAmountFen && o.EventDate == d.EventDate &&
			InvoiceKey(o.InvoiceNumber) != InvoiceKey(d.InvoiceNumber) {
			out = append(out, reason("invoice_alike", "document_id", d.DocumentID, "other_document_id", o.DocumentID, "invoice_number", o.InvoiceNumber))
		}
	}
	return out
}

// dateReasons checks an invoice's dates against the policy's term and the
// waiting period of medical claims.
func dateReasons(in AutoInput, d DocumentFields) []Reason {
	p, pr := in.Evidence.Policy, in.Evidence.Product
	if p == nil || pr == nil {
		return nil
	}
	var out []Reason
	waitEnd := calendar.Date{}
	for _, w := range pr.WaitingPeriods {
		if w.IncidentType == in.Case.IncidentType {
			waitEnd = p.EffectiveFrom.AddDays(w.Days - 1)
		}
	}
	any := false
	for _, f := range []struct{ name, v string }{{"event_date", d.EventDate}, {"admission_date", d.AdmissionDate}, {"discharge_date", d.DischargeDate}} {
		if f.v == "" {
			continue
		}
		any = true
		day, err := calendar.ParseDate(f.v)
		switch {
		case err != nil:
			out = append(out, reason("date_unreadable", "document_id", d.DocumentID, "field", f.name, "read", f.v))
		case !p.InForceOn(day):
			out = append(out, reason("date_outside_term", "document_id", d.DocumentID, "field", f.name, "date", f.v,
				"from", p.EffectiveFrom.String(), "to", p.EffectiveTo.String()))
		case waitEnd.IsValid() && !day.After(waitEnd):
			out = append(out, reason("within_waiting_period", "document_id", d.DocumentID, "field", f.name, "date", f.v, "waiting_until", waitEnd.String()))
		}
	}
	if !any {
		out = append(out, reason("date_unreadable", "document_id", d.DocumentID, "field", "event_date"))
	}
	return out
}

func sortedKeys(m map[string]FieldSource) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Sampled reports whether the automatic decision on claimID is one of the
// share (basis points) a senior reviews after the fact. The draw is a hash
// of the case's id, a random UUID: unpredictable before the case exists,
// and the same every time it is asked.
func Sampled(caseID string, bp int) bool {
	h := fnv.New32a()
	h.Write([]byte(caseID))
	return int(h.Sum32()%10000) < bp
}

// DecideAutomatically records the system's approval of a case the
// assessment found automatic: one line on the rules' benefit, paying the
// computed amount in full. Only this path decides as a system actor, and
// it never rejects: an assessment that is not automatic is refused. The
// share sampleBP of the decisions (Sampled) goes to a senior's review.
func (c *Case) DecideAutomatically(a Assessment, r ProductRules, sampleBP int, now time.Time) error {
	if !a.Automatic || a.Computation == nil || a.Computation.PayableFen <= 0 || a.RulesVersion != r.Version {
		return apperr.New(apperr.Conflict, "case of claim %s is not for the straight-through path: a handler decides it", c.ClaimID)
	}
	if c.Decision != nil {
		return apperr.New(apperr.Conflict, "case of claim %s was already decided by %s", c.ClaimID, c.Decision.DecidedBy)
	}
	if err := c.mayMove(ActionDecided, StateApproved, "be decided"); err != nil {
		return err
	}
	actor := AutoActor(r)
	amount := a.Computation.PayableFen
	d := Decision{Outcome: Approve, Lines: []BenefitLine{{Benefit: r.Benefit, ClaimedFen: amount, ApprovedFen: amount}}, AmountFen: amount,
		Note: fmt.Sprintf("decided automatically under the rules %s: %s of %s invoiced (see the explanation)", r.RulesVersionLabel(), yuan(amount),
			yuan(a.Computation.ClaimedFen)), DecidedBy: actor.Subject, DecidedAt: now.UTC(), RulesVersion: r.Version, ComputedFen: &amount}
	deductible := a.Computation.DeductibleAppliedFen
	d.DeductibleFen = &deductible
	if Sampled(c.ID, sampleBP) {
		d.ForReview = ReviewSampled
	}
	details := decisionDetails(d)
	details["rules_version"] = r.RulesVersionLabel()
	details["claimed_fen"] = a.Computation.ClaimedFen
	details["automatic"] = true
	if d.ForReview != "" {
		details["for_review"] = d.ForReview
	}
	if err := c.moveTo(StateApproved, "be decided", Change{Action: ActionDecided, Actor: actor.Subject, Reason: d.Note, At: now,
		Details: details}); err != nil {
		return err
	}
	c.Decision = &d
	return nil
}

// AutoReview is a decision a senior reviews after the fact: an automatic
// decision sampled, or a handler's approval nothing on the claim supports
// (Reason, Decision.ForReview). Outcome is "" until reviewed, then
// confirmed or wrong, with the reviewer's note.
type AutoReview struct {
	ClaimID    string
	Reason     string
	AmountFen  int64
	DecidedBy  string
	SampledAt  time.Time
	Outcome    string
	Note       string
	ReviewedBy string
	ReviewedAt *time.Time
}

// The outcomes of a review of an automatic decision.
const (
	ReviewConfirmed = "confirmed"
	ReviewWrong     = "wrong"
)

// Review records a senior's finding on a decision under review, once:
// confirmed, or wrong with a note saying what was wrong (the note goes to
// the owners of the rules; the decision itself is corrected by the
// complaint and recovery paths, not here).
func (r *AutoReview) Review(actor Actor, outcome, note string, now time.Time) error {
	if err := requireSenior(actor, "reviewing a decision after the fact"); err != nil {
		return err
	}
	if samePerson(actor.Subject, r.DecidedBy) {
		return apperr.New(apperr.Forbidden, "%s made this decision and cannot review it", actor.Subject)
	}
	note, err := optionalText("note", note, maxReason)
	if err != nil {
		return err
	}
	switch outcome {
	case ReviewConfirmed:
	case ReviewWrong:
		if note == "" {
			return apperr.InvalidField("note", "is required: say what the automatic decision got wrong")
		}
	default:
		return apperr.InvalidField("outcome", "must be %s or %s", ReviewConfirmed, ReviewWrong)
	}
	if r.Outcome != "" {
		return apperr.New(apperr.Conflict, "the decision on claim %s was already reviewed by %s (%s)", r.ClaimID, r.ReviewedBy, r.Outcome)
	}
	at := now.UTC()
	r.Outcome, r.Note, r.ReviewedBy, r.ReviewedAt = outcome, note, actor.Subject, &at
	return nil
}

// SwitchChange is one change of the straight-through path's switch: on or
// off, why, by whom and when. Every change is kept.
type SwitchChange struct {
	Enabled   bool
	Reason    string
	ChangedBy string
	ChangedAt time.Time
}

// NewSwitchChange checks a change of the switch: an admin or a senior
// handler turns the path on or off, saying why.
func NewSwitchChange(actor Actor, enabled bool, reason string, now time.Time) (SwitchChange, error) {
	if !actor.Senior() && !actor.Has("admin") {
		return SwitchChange{}, apperr.New(apperr.Forbidden, "turning the straight-through path on or off needs the %s or admin role", RoleSenior)
	}
	reason, err := requiredText("reason", reason, maxReason, "say why the straight-through path is turned on or off")
	if err != nil {
		return SwitchChange{}, err
	}
	return SwitchChange{Enabled: enabled, Reason: reason, ChangedBy: actor.Subject, ChangedAt: now.UTC()}, nil
}
