package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// LetterIssuer is the company that issues rejection notices (R5): its name
// and address, its published service telephone (Reg. art. 4), and how a
// claimant asks it to review a decision or complains (复核/申诉).
type LetterIssuer struct {
	CompanyName     string
	CompanyAddress  string
	ServicePhone    string
	ReviewProcedure string
}

// Validate checks the issuer as a notice would print it.
func (i LetterIssuer) Validate() error {
	if err := checkText("company_name", i.CompanyName, maxShortText, false); err != nil {
		return err
	}
	if err := checkText("company_address", i.CompanyAddress, maxAddress, false); err != nil {
		return err
	}
	if err := checkText("review_procedure", i.ReviewProcedure, maxLongText, true); err != nil {
		return err
	}
	return checkPhone("service_phone", i.ServicePhone)
}

// LetterNumber formats the company's reference of the n-th rejection notice
// issued in year: 理赔拒字〔2026〕第000123号.
func LetterNumber(year int, n int64) string {
	return fmt.Sprintf("理赔拒字〔%d〕第%06d号", year, n)
}

// RejectionLetter is the written rejection notice of a rejected case (R5):
// generated once, at the rejection (or on the first download of a case
// rejected before letters were kept), and never regenerated. PDF is set only
// when the letter was generated in the change at hand or loaded on purpose;
// the case as usually loaded carries the letter's metadata, not its bytes.
// A letter sent before letters were kept has no Number and no PDF.
type RejectionLetter struct {
	Number      string
	IssueDate   calendar.Date
	SHA256      string
	GeneratedAt time.Time
	GeneratedBy string
	PDF         []byte
	Sent        *LetterSent
}

// Stored reports whether the letter's PDF is kept.
func (l *RejectionLetter) Stored() bool { return l.SHA256 != "" }

// LetterSent records how and when a letter left the company, and who sent it.
type LetterSent struct {
	Channel string
	SentBy  string
	SentAt  time.Time
}

// LetterChannels lists the ways a rejection notice can be sent: only
// written channels meet R5 (post, signed hand delivery, registered
// electronic delivery); an SMS, an e-mail or an app message alone does not.
func LetterChannels() []string { return []string{"post", "in_person", "registered_electronic"} }

// OwesRefusalNotice reports whether the case's decision refuses all or part
// of the claim, so that the claimant is owed the written notice of the
// refusal with its reasons within 3 days (R5; Insurance Law art. 24): a
// rejection, or the refused part of a partial approval.
func (c *Case) OwesRefusalNotice() bool {
	if c.Decision == nil || c.Decision.Outcome == Approve {
		return false
	}
	return c.State == StateRejected || c.State == StatePartlyApproved || c.State == StateAgreed || c.State == StateClosed
}

// NoticeKindFor returns the kind of rejection notice for a case: the
// product's, or, for a product not known, a refusal to indemnify (赔偿) for
// medical expenses and a refusal to pay a benefit (给付) otherwise.
func NoticeKindFor(product *Product, incidentType string) NoticeKind {
	if product != nil && product.NoticeKind != "" {
		return product.NoticeKind
	}
	if incidentType == "medical" {
		return IndemnityRefusal
	}
	return BenefitRefusal
}

// ClaimReference is the reference a claimant reads for a claim, which has
// no number of its own: the first 8 characters of its id in capitals, as
// the console shows it, never the whole UUID (issue 20).
func ClaimReference(claimID string) string {
	if len(claimID) > 8 {
		claimID = claimID[:8]
	}
	return strings.ToUpper(claimID)
}

// RejectionNotice returns the written notice of the case's rejection:
// addressed to the beneficiary who claimed, or to the insured, with the
// decision's date and reasons (Insurance Law art. 24; Reg. art. 24).
func (c *Case) RejectionNotice(kind NoticeKind, issuer LetterIssuer, number string, issued calendar.Date) (RejectionNotice, error) {
	if !c.OwesRefusalNotice() {
		return RejectionNotice{}, c.refuse("have a rejection notice: only a case rejected in all or in part has one")
	}
	addressee := c.InsuredName
	if c.Beneficiary != nil && c.Beneficiary.Name != "" {
		addressee = c.Beneficiary.Name
	}
	return NewRejectionNotice(RejectionNotice{
		Kind: kind, LetterNumber: number, ClaimNumber: ClaimReference(c.ClaimID), PolicyNumber: c.PolicyNumber,
		InsuredName: c.InsuredName, AddresseeName: addressee, DecisionDate: calendar.DateOf(c.Decision.EffectiveAt()),
		IssueDate: issued, Reasons: c.Decision.Reasons, ReviewProcedure: issuer.ReviewProcedure,
		ServicePhone: issuer.ServicePhone, CompanyName: issuer.CompanyName, CompanyAddress: issuer.CompanyAddress,
	})
}

// AttachRejectionLetter keeps the generated notice of a rejected case with
// its SHA-256. A case has one letter: it is never regenerated.
func (c *Case) AttachRejectionLetter(actor Actor, n RejectionNotice, pdf []byte, now time.Time) error {
	if !c.OwesRefusalNotice() {
		return c.refuse("have a rejection letter: only a case rejected in all or in part has one")
	}
	if c.RejectionLetter != nil {
		return apperr.New(apperr.Conflict, "case of claim %s already has its rejection letter", c.ClaimID)
	}
	sum := sha256.Sum256(pdf)
	l := RejectionLetter{Number: n.LetterNumber, IssueDate: n.IssueDate, SHA256: hex.EncodeToString(sum[:]),
		GeneratedAt: now.UTC(), GeneratedBy: actor.Subject, PDF: pdf}
	c.RejectionLetter = &l
	c.record(Change{Action: ActionLetterGenerated, From: c.State, To: c.State, Actor: actor.Subject, At: now,
		Details: map[string]any{"letter_number": l.Number, "sha256": l.SHA256, "issue_date": l.IssueDate.String(), "kind": string(n.Kind)}})
	return nil
}

// RecordRejectionLetterSent records that the written notice of a rejection,
// or of the refused part of a partial approval, was sent (Insurance Law art. 24; Reg. art. 24: within 3 days of the
// decision, with reasons). Only a rejected case has such a letter, it must
// have been generated, and it is sent once; from then on it is kept as it
// was sent.
func (c *Case) RecordRejectionLetterSent(actor Actor, channel string, now time.Time) error {
	if !c.OwesRefusalNotice() {
		return c.refuse("send a rejection letter: only a case rejected in all or in part has one")
	}
	l := c.RejectionLetter
	if l != nil && l.Sent != nil {
		return apperr.New(apperr.Conflict, "the rejection letter of claim %s was already sent on %s", c.ClaimID, l.Sent.SentAt.Format(time.RFC3339))
	}
	if l == nil {
		return apperr.New(apperr.Conflict, "the rejection letter of claim %s has not been generated: download it (GET .../rejection-letter) to see why", c.ClaimID)
	}
	channel = strings.TrimSpace(channel)
	if !slices.Contains(LetterChannels(), channel) {
		return apperr.InvalidField("channel", "must be a written channel, one of %s: an SMS, e-mail or app message alone is not a written notice (R5); got %q",
			strings.Join(LetterChannels(), ", "), channel)
	}
	if err := c.mayAct(actor, "record its letter sent", now); err != nil {
		return err
	}
	l.Sent = &LetterSent{Channel: channel, SentBy: actor.Subject, SentAt: now.UTC()}
	c.record(Change{Action: ActionLetterSent, From: c.State, To: c.State, Actor: actor.Subject, At: now,
		Details: map[string]any{"channel": channel, "letter_number": l.Number}})
	return nil
}
