package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// ClaimFile is an incident report with everything gathered for its claim:
// the supporting documents, the items a handler marked satisfied without an
// upload, and the notices of missing documents. It changes as one: a use
// case loads it, changes it and stores it in one transaction.
type ClaimFile struct {
	Report    IncidentReport
	Documents []Document
	Waivers   []Waiver
	Notices   []Notice
	// Changed records what the file's methods changed since it was loaded,
	// as a case's Changes do in adjudication, so that the repository
	// stores that and nothing else; the repository clears it once stored
	// and never loads it back.
	Changed Changes
}

// Changes are the parts of a claim file a change touched besides the
// report itself and what only grows (links, waivers, notices and
// corrections are appended, never edited, so what is new is what follows
// the count loaded).
type Changes struct {
	// Documents are the ids of the documents added, or handed out by
	// Document to be changed, once each in order.
	Documents []string
	// Supplement is set when the arrival of what a notice asked for was
	// recorded on the notices (R4: the decision clock runs again).
	Supplement bool
	// Delivered are the seqs of the stored notices whose delivery was
	// recorded (R4: the decision clock stops from then).
	Delivered []int
}

// touch records that the document with id is new or changed.
func (f *ClaimFile) touch(id string) {
	if !slices.Contains(f.Changed.Documents, id) {
		f.Changed.Documents = append(f.Changed.Documents, id)
	}
}

// NoticeChannel is how a notice of missing documents reached the claimant.
type NoticeChannel string

// The channels of a notice.
const (
	ChannelLetter   NoticeChannel = "letter"
	ChannelSMS      NoticeChannel = "sms"
	ChannelEmail    NoticeChannel = "email"
	ChannelInPerson NoticeChannel = "in_person"
)

var channels = []NoticeChannel{ChannelLetter, ChannelSMS, ChannelEmail, ChannelInPerson}

// NoticeEvidence is the evidence of the step that meets a claim's R3
// deadline when its one-time notice is sent (tracking.Step.Proven): notice
// seq of report reportID, kept as sent (missing_document_notices). Intake's
// deadline witness finds it there.
func NoticeEvidence(reportID string, seq int) string {
	return NoticeEvidencePrefix + reportID + "/" + strconv.Itoa(seq)
}

// NoticeEvidencePrefix begins every NoticeEvidence.
const NoticeEvidencePrefix = "notice:"

// HandOverEvidence is the evidence of the step that meets a claim's R3
// deadline when the claim is handed to adjudication complete, so that no
// notice is owed (tracking.Step.Proven): the hand-over of report reportID.
func HandOverEvidence(reportID string) string { return "handover:" + reportID }

// Notice is a notice of missing documents (R3: Insurance Law art. 22). The
// first one is the one-time notice: it lists every item missing when it is
// sent, and stops the decision clock (R4) from the day after it reached the
// claimant (Delivery) until the supplement arrives (Judicial Interpretation
// II of the Insurance Law, art. 15). A later notice
// may list only items that new information made necessary since, and says
// what that information was.
type Notice struct {
	Seq     int
	Items   []NoticeItem
	Reason  string
	Channel NoticeChannel
	SentBy  string
	SentAt  time.Time
	// SupplementReceivedAt is set on each notice when the claim is
	// complete: the arrival of the last item that notice asked for, which
	// ends its stop of the decision clock.
	SupplementReceivedAt *time.Time
	// Delivery is when the notice reached the claimant, nil until a
	// delivery receipt is recorded: the decision clock stops from then
	// (Judicial Interpretation II art. 15), never from the sending.
	Delivery *Delivery
}

// Delivery is the recorded arrival of a notice at the claimant: At as the
// Receipt says (the SMS or mail gateway's receipt id, the signed postal
// receipt, the claimant's signature on a notice handed over), recorded by
// By at RecordedAt. It is written once.
type Delivery struct {
	At         time.Time
	Receipt    string
	By         string
	RecordedAt time.Time
}

// DeliveredAt is when the notice reached the claimant, nil when not known.
func (n Notice) DeliveredAt() *time.Time {
	if n.Delivery == nil {
		return nil
	}
	at := n.Delivery.At
	return &at
}

// DeliveredAsSent reports whether the channel reaches the claimant as the
// notice is sent, so that its delivery may be recorded with the sending: a
// text message or e-mail with the gateway's receipt, a notice handed over
// in person with the claimant's signature. A letter takes days in the post
// and needs its postal receipt, recorded when it comes back.
func (c NoticeChannel) DeliveredAsSent() bool {
	return c != ChannelLetter
}

// Lists reports, as an error, whether the notice lists other items than
// previewed (in any order), the items its sender was shown before
// confirming: a notice goes out only as previewed. Nil previewed checks
// nothing.
func (n Notice) Lists(previewed []string) error {
	if previewed == nil {
		return nil
	}
	got := make([]string, len(n.Items))
	for i, it := range n.Items {
		got[i] = it.ItemID
	}
	want := slices.Clone(previewed)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return apperr.New(apperr.Conflict, "the missing documents changed since the preview: the notice would list %s, not %s; look again before sending",
			strings.Join(got, ", "), strings.Join(want, ", "))
	}
	return nil
}

// NoticeItem is an item as a notice listed it.
type NoticeItem struct {
	ItemID      string
	Title       Text
	Description Text
	Documents   []DocumentOption
	// Reminder is repeated from the checklist: the disability appraisal
	// reminder (R2) belongs in the notice too.
	Reminder Text
	// Why says what made the item necessary, for an item with a condition.
	Why Text
}

// Supplement is one stop of the decision clock: a notice sent, its arrival
// at the claimant (nil when not recorded: the stop deducts nothing) and the
// arrival of what it asked for (nil while awaited).
type Supplement struct {
	NoticeSentAt time.Time
	DeliveredAt  *time.Time
	ReceivedAt   *time.Time
}

// Document returns the document with id, to read or to change in place;
// the file records it as changed (Changed.Documents).
func (f *ClaimFile) Document(id string) (*Document, error) {
	for i := range f.Documents {
		if f.Documents[i].ID == id {
			f.touch(id)
			return &f.Documents[i], nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "report %s has no document %q", f.Report.ID, id)
}

// MaxDocuments is the most documents a report takes. Each upload loads
// every document of its report and waits for OCR ahead of later ones, so
// an unbounded report let one sender (the claimant's channel, a handler)
// slow every claim behind it; 200 files is far above a real claim's, whose
// many pages of invoices travel as one bundle (a PDF of up to 50 pages).
const MaxDocuments = 200

// RoomForDocument refuses an upload to a report that holds MaxDocuments
// already (conflict), the same file again included.
func (f *ClaimFile) RoomForDocument() error {
	if len(f.Documents) >= MaxDocuments {
		return apperr.New(apperr.Conflict, "report %s holds %d documents, the most a report takes: send further pages together as one PDF, or ask a handler",
			f.Report.ID, MaxDocuments)
	}
	return nil
}

// AddDocument adds d unless the same file (same SHA-256) is already a
// document of the claim; then it returns that one and false. The caller
// checks RoomForDocument first.
func (f *ClaimFile) AddDocument(d Document) (Document, bool) {
	if i := slices.IndexFunc(f.Documents, func(x Document) bool { return x.SHA256 == d.SHA256 }); i >= 0 {
		return f.Documents[i], false
	}
	f.Documents = append(f.Documents, d)
	f.touch(d.ID)
	return d, true
}

// InvoiceTotalFen is the total of the medical invoices read or corrected,
// each invoice number counted once (the same invoice scanned twice is one
// invoice).
func (f *ClaimFile) InvoiceTotalFen() int64 {
	var total int64
	seen := map[string]bool{}
	for _, d := range f.Documents {
		for i := range d.PartCount() {
			t, ok := d.PartType(i)
			fields := d.PartFields(i)
			if !ok || t != document.MedicalInvoice || !fields.HasAmount {
				continue
			}
			if n := fields.InvoiceNumber; n != "" {
				if seen[n] {
					continue
				}
				seen[n] = true
			}
			total = min(total+fields.TotalAmountFen, MaxAmountFen)
		}
	}
	return total
}

// ClaimedAmountFen is the amount claimed: what the report says, else the
// total of the invoices.
func (f *ClaimFile) ClaimedAmountFen() int64 {
	if f.Report.ClaimedAmountFen > 0 {
		return f.Report.ClaimedAmountFen
	}
	return f.InvoiceTotalFen()
}

// Facts returns what the checklist's conditions see of the claim.
func (f *ClaimFile) Facts() Facts {
	claimant, other := f.Report.Claimant()
	return Facts{
		InsuredName: f.Report.InsuredName, Claimant: claimant, ClaimantNotInsured: other,
		AmountFen: max(f.Report.ClaimedAmountFen, f.InvoiceTotalFen()),
	}
}

// Checklist evaluates the report's checklist against the claim as it
// stands.
func (f *ClaimFile) Checklist() ChecklistStatus {
	var evidence []Evidence
	for _, d := range f.Documents {
		evidence = append(evidence, d.evidence()...)
	}
	return Evaluate(f.Report.Checklist, f.Facts(), evidence, f.Waivers)
}

// awaited counts the documents still to be read.
func (f *ClaimFile) awaited() int {
	n := 0
	for _, d := range f.Documents {
		if d.Awaited() {
			n++
		}
	}
	return n
}

// Satisfy records that a handler marked an item satisfied without an
// upload, with the reason. The item must be asked for and not yet
// satisfied by a waiver.
func (f *ClaimFile) Satisfy(itemID, reason, by string, now time.Time) error {
	reason, err := freeText("reason", reason, 500)
	if err != nil {
		return err
	}
	if reason == "" {
		return apperr.InvalidField("reason", "is required: say why the item is satisfied without an upload")
	}
	st, ok := f.Checklist().Item(itemID)
	switch {
	case !ok:
		return apperr.New(apperr.NotFound, "the checklist of report %s has no item %q", f.Report.ID, itemID)
	case st.State == ItemNotApplicable:
		return apperr.New(apperr.Conflict, "item %q is not asked for on this claim (%s)", itemID, st.When.Describe().EN)
	case st.State == ItemWaived:
		return apperr.New(apperr.Conflict, "item %q was already marked satisfied by %s at %s", itemID, st.Waiver.By, st.Waiver.At.Format(time.RFC3339))
	}
	f.Waivers = append(f.Waivers, Waiver{ItemID: itemID, Reason: reason, By: by, At: now.UTC()})
	return nil
}

// MaxSatisfyAtOnce bounds the items SatisfyAll takes: more than any
// checklist holds, so a longer list names an item twice or one the
// checklist does not have.
const MaxSatisfyAtOnce = 64

// SatisfyAll records that a handler marked the items satisfied without an
// upload, with one reason, as Satisfy does each in turn: all of them or,
// when one cannot be (not asked for, already satisfied, named twice), none.
func (f *ClaimFile) SatisfyAll(itemIDs []string, reason, by string, now time.Time) error {
	switch {
	case len(itemIDs) == 0:
		return apperr.InvalidField("items", "is required: name the items satisfied")
	case len(itemIDs) > MaxSatisfyAtOnce:
		return apperr.InvalidField("items", "names %d items: at most %d at once", len(itemIDs), MaxSatisfyAtOnce)
	}
	for i, id := range itemIDs {
		if slices.Contains(itemIDs[:i], id) {
			return apperr.InvalidField("items", "names %q twice", id)
		}
	}
	before := len(f.Waivers)
	for _, id := range itemIDs {
		if err := f.Satisfy(id, reason, by, now); err != nil {
			f.Waivers = f.Waivers[:before]
			return err
		}
	}
	return nil
}

// SendNotice records a notice of the missing documents, sent by by through
// channel. The first notice lists every item missing (the one-time notice,
// R3) and needs no reason. A later one lists only the missing items no
// earlier notice asked for, which new information made necessary (a
// condition that now holds, a document found not to be what it seemed),
// and must say what that information was. Notices are about a claim
// request, so one must have been made; once the claim is handed to
// adjudication nothing is missing. While uploaded documents are still being
// read the notice waits, lest it ask for what was already given.
func (f *ClaimFile) SendNotice(channel NoticeChannel, reason, by string, now time.Time) (Notice, error) {
	if !slices.Contains(channels, channel) {
		return Notice{}, apperr.InvalidField("channel", "must be one of %s", join(channels))
	}
	reason, err := freeText("reason", reason, 1000)
	if err != nil {
		return Notice{}, err
	}
	r := f.Report
	switch {
	case r.ClaimRequestedAt == nil:
		return Notice{}, apperr.New(apperr.Conflict, "no claim request was made on report %s: the notice of missing documents answers a claim request", r.ID)
	case r.HandedOverAt != nil:
		return Notice{}, apperr.New(apperr.Conflict, "the claim was complete and handed to adjudication at %s: nothing is missing", r.HandedOverAt.Format(time.RFC3339))
	}
	if n := f.awaited(); n > 0 {
		return Notice{}, apperr.New(apperr.Conflict, "%d uploaded documents are still being read; send the notice once they are, or correct their type", n)
	}
	st := f.Checklist()
	missing := st.Missing()
	asked := map[string]bool{}
	for _, n := range f.Notices {
		for _, it := range n.Items {
			asked[it.ItemID] = true
		}
	}
	missing = slices.DeleteFunc(missing, func(it ItemStatus) bool { return asked[it.ID] })
	switch {
	case len(missing) == 0 && len(f.Notices) == 0:
		return Notice{}, apperr.New(apperr.Conflict, "nothing is missing from the claim")
	case len(missing) == 0:
		first := f.Notices[0].SentAt.Format(time.RFC3339)
		return Notice{}, apperr.New(apperr.Conflict, "the one-time notice of %s already asked for every item still missing; a later notice may only ask for items new information made necessary", first)
	case len(f.Notices) > 0 && reason == "":
		return Notice{}, apperr.InvalidField("reason", "is required for a later notice: say what new information made the items necessary")
	}
	n := Notice{Seq: len(f.Notices) + 1, Reason: reason, Channel: channel, SentBy: by, SentAt: now.UTC()}
	for _, it := range missing {
		ni := NoticeItem{ItemID: it.ID, Title: it.Title, Description: it.Description, Documents: it.Documents, Reminder: it.Reminder}
		if !it.When.IsZero() {
			ni.Why = it.When.Explain(st.Facts)
		}
		n.Items = append(n.Items, ni)
	}
	f.Notices = append(f.Notices, n)
	return n, nil
}

// RecordNoticeDelivered records that notice seq reached the claimant at at
// (now when zero), as receipt says: the decision clock (R4) stops from then
// until the supplement arrives (Judicial Interpretation II of the Insurance
// Law, art. 15, "from the day after the notice reaches the claimant"). A
// delivery is recorded once, never before the sending nor in the future.
// While the claim is with intake the stop goes to adjudication with the
// claim request; a postal receipt that comes back after the hand-over is
// recorded too, and the service announces it to adjudication
// (events.NoticeDelivered), which deducts the stop if its deadline is still
// owed.
func (f *ClaimFile) RecordNoticeDelivered(seq int, at time.Time, receipt, by string, now time.Time) (Notice, error) {
	receipt, err := freeText("receipt", receipt, 200)
	if err != nil {
		return Notice{}, err
	}
	if receipt == "" {
		return Notice{}, apperr.InvalidField("receipt", "is required: name the delivery receipt (the gateway's receipt id, the postal receipt, the claimant's signature)")
	}
	i := slices.IndexFunc(f.Notices, func(n Notice) bool { return n.Seq == seq })
	if i < 0 {
		return Notice{}, apperr.New(apperr.NotFound, "report %s has no notice %d", f.Report.ID, seq)
	}
	n := &f.Notices[i]
	if at.IsZero() {
		at = now
	}
	switch {
	case n.Delivery != nil:
		return Notice{}, apperr.New(apperr.Conflict, "notice %d was already recorded delivered on %s (receipt %s)", seq,
			n.Delivery.At.Format(time.RFC3339), n.Delivery.Receipt)
	case at.After(now):
		return Notice{}, apperr.InvalidField("delivered_at", "is in the future")
	case at.Before(n.SentAt):
		return Notice{}, apperr.InvalidField("delivered_at", "is before the notice was sent on %s", n.SentAt.Format(time.RFC3339))
	}
	n.Delivery = &Delivery{At: at.UTC(), Receipt: receipt, By: by, RecordedAt: now.UTC()}
	if !slices.Contains(f.Changed.Delivered, seq) {
		f.Changed.Delivered = append(f.Changed.Delivered, seq)
	}
	return *n, nil
}

// Supplements returns the stops of the decision clock (R4), one per notice
// (Judicial Interpretation II of the Insurance Law, art. 15): from the day
// after the notice reached the claimant until the arrival of the items that
// notice asked for (nil while awaited). A notice not recorded delivered, or
// delivered only after its items arrived, deducts nothing (its DeliveredAt
// is nil). Stops that overlap (a later notice delivered while an earlier
// one is still awaited) are merged into one, so that no time is deducted
// twice; a notice that deducts nothing and was sent while an earlier one
// was awaited adds nothing and is left out. The stops are in the order of
// their notices and never overlap: each one starts (its delivery, else its
// sending) after the one before ended. A claim handed over before stops
// were kept per notice has its receipt on the first notice only, covering
// the later ones: those are left out.
func (f *ClaimFile) Supplements() []Supplement {
	var out []Supplement
	for i, n := range f.Notices {
		if i > 0 && n.SupplementReceivedAt == nil && f.Report.HandedOverAt != nil {
			continue
		}
		s := Supplement{NoticeSentAt: n.SentAt, DeliveredAt: n.DeliveredAt(), ReceivedAt: n.SupplementReceivedAt}
		if s.DeliveredAt != nil && s.ReceivedAt != nil && s.ReceivedAt.Before(*s.DeliveredAt) {
			s.DeliveredAt = nil
		}
		last := len(out) - 1
		if last < 0 || (out[last].ReceivedAt != nil && s.start().After(*out[last].ReceivedAt)) {
			out = append(out, s)
			continue
		}
		p := &out[last]
		switch {
		case p.ReceivedAt == nil || s.DeliveredAt == nil:
			// Within a stop still awaited, or deducting nothing: adds no day.
		case p.DeliveredAt == nil:
			// The stop's notice is not known to have arrived: the stop is
			// this one's alone.
			p.DeliveredAt, p.ReceivedAt = s.DeliveredAt, s.ReceivedAt
		default:
			if s.DeliveredAt.Before(*p.DeliveredAt) {
				p.DeliveredAt = s.DeliveredAt
			}
			if s.ReceivedAt == nil || s.ReceivedAt.After(*p.ReceivedAt) {
				p.ReceivedAt = s.ReceivedAt
			}
		}
	}
	return out
}

// start is when the stop begins: its notice's delivery, else its sending.
func (s Supplement) start() time.Time {
	if s.DeliveredAt != nil {
		return *s.DeliveredAt
	}
	return s.NoticeSentAt
}

// Ready reports whether the claim has what a hand-over to adjudication
// needs, handed over or not: the request was made, the checklist is
// complete and no uploaded document is still being read (HandOver's
// conditions). A report marked handed over that is not ready was never
// handed over by intake (red team, session 17): its hand-over cannot be
// given again, and proves nothing of R3.
func (f *ClaimFile) Ready() bool {
	_, ready := f.readyChecklist()
	return ready
}

// readyChecklist returns the claim's checklist and whether the claim is
// Ready (the checklist's zero value when the request was not made or a
// document is still being read).
func (f *ClaimFile) readyChecklist() (ChecklistStatus, bool) {
	if f.Report.ClaimRequestedAt == nil || f.awaited() > 0 {
		return ChecklistStatus{}, false
	}
	st := f.Checklist()
	return st, st.Complete()
}

// HandOver marks the claim request handed to adjudication at now when it
// is due: the request was made, the checklist is complete and no uploaded
// document is still being read (an invoice being read may raise the amount
// claimed, and adjudication gets what every document says). It reports
// whether it did. After each notice, its supplement arrived when the last
// item it asked for did (the upload or the waiver, not its reading), never
// before the notice.
func (f *ClaimFile) HandOver(now time.Time) bool {
	r := &f.Report
	if r.HandedOverAt != nil {
		return false
	}
	st, ready := f.readyChecklist()
	if !ready {
		return false
	}
	now = now.UTC()
	for i := range f.Notices {
		n := &f.Notices[i]
		if n.SupplementReceivedAt != nil {
			continue
		}
		// Each notice's supplement arrived with the last of its own items.
		arrived := n.SentAt
		for _, ni := range n.Items {
			if it, ok := st.Item(ni.ItemID); ok {
				if at, ok := it.arrivedAt(); ok && at.After(arrived) {
					arrived = at
				}
			}
		}
		if arrived.After(now) {
			arrived = now
		}
		arrived = arrived.UTC()
		n.SupplementReceivedAt = &arrived
		f.Changed.Supplement = true
	}
	r.HandedOverAt = &now
	return true
}
