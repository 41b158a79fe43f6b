package domain

import (
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
)

// The channels a complaint comes in by, and the categories it is filed
// under.
var (
	complaintChannels   = []string{"phone", "letter", "counter", "email", "online", "regulator"}
	complaintCategories = []string{"claim_decision", "claim_delay", "payment", "documents", "service", "other"}
	// replyChannels are the channels of a written answer (R12: "书面答复").
	replyChannels = []string{"letter", "email", "registered_electronic", "hand_delivery"}
)

// ComplaintChannels lists the channels a complaint may be received by.
func ComplaintChannels() []string { return slices.Clone(complaintChannels) }

// ComplaintCategories lists the categories of the register.
func ComplaintCategories() []string { return slices.Clone(complaintCategories) }

// ReplyChannels lists the written channels a reply may be sent by.
func ReplyChannels() []string { return slices.Clone(replyChannels) }

// Limits on complaints.
const (
	maxComplaintContent = 4000
	maxComplaintReply   = 4000
	maxProgressNotice   = 1000
)

// Complaint is one entry of the complaint register (R12, Reg. art. 29):
// who complained, by which channel, about which claim, and what. It owes a
// written reply within 10 working days of its acceptance (the
// complaint-reply deadline); a reply that will be late is announced to the
// complainant with a progress notice before that. The register and its
// notices and reply are append-only: a complaint is never edited, and its
// reply, once stored, is final.
type Complaint struct {
	ID          string
	ClaimID     string
	Channel     string
	Complainant string
	Contact     string
	Category    string
	Content     string
	// ReceivedAt is when the complaint reached the company (the clock's
	// start); AcceptedBy and CreatedAt who registered it and when.
	ReceivedAt time.Time
	AcceptedBy string
	CreatedAt  time.Time
	Notices    []ProgressNotice
	Reply      *ComplaintReply
}

// ProgressNotice tells the complainant that the reply will come later and
// how the complaint stands (Reg. art. 29). BeforeDue records whether it was
// sent inside the reply period, as the rule asks.
type ProgressNotice struct {
	Text      string
	Channel   string
	SentAt    time.Time
	SentBy    string
	BeforeDue bool
}

// ReplyEvidence is the evidence of the step that meets a complaint's reply
// deadline (R12): the written reply to complaint id, stored once
// (complaint_replies, append-only). The deadline witness finds it there.
func ReplyEvidence(complaintID string) string { return "reply:" + complaintID }

// ComplaintReply is the written answer to a complaint, stored once.
type ComplaintReply struct {
	Text      string
	Channel   string
	RepliedAt time.Time
	RepliedBy string
}

// ComplaintInput is a complaint as staff register it.
type ComplaintInput struct {
	ClaimID     string
	Channel     string
	Complainant string
	Contact     string
	Category    string
	Content     string
	// ReceivedAt is when a complaint received earlier (by letter, at a
	// counter) reached the company; zero means now.
	ReceivedAt time.Time
}

// TrackingClaimID is the claim the complaint's deadline is filed under:
// the linked claim, or the complaint itself when it names none (every
// tracked deadline names a claim).
func (c Complaint) TrackingClaimID() string {
	if c.ClaimID != "" {
		return c.ClaimID
	}
	return "complaint:" + c.ID
}

// Answered reports whether the complaint has its reply.
func (c Complaint) Answered() bool { return c.Reply != nil }

// NewComplaint validates in and returns the register entry, accepted by
// actor at now. A receipt in the future is refused: the deadline would
// start later than the law says.
func NewComplaint(actor Actor, in ComplaintInput, id string, now time.Time) (Complaint, error) {
	c := Complaint{ID: id, AcceptedBy: actor.Subject, CreatedAt: now.UTC(), ReceivedAt: now.UTC()}
	var err error
	if c.Channel, err = oneOf("channel", in.Channel, complaintChannels); err != nil {
		return Complaint{}, err
	}
	if c.Category, err = oneOf("category", in.Category, complaintCategories); err != nil {
		return Complaint{}, err
	}
	if c.Complainant, err = shortText("complainant", in.Complainant, maxShortText, true); err != nil {
		return Complaint{}, err
	}
	if c.Contact, err = shortText("contact", in.Contact, maxShortText, false); err != nil {
		return Complaint{}, err
	}
	if c.ClaimID, err = shortText("claim_id", in.ClaimID, maxShortText, false); err != nil {
		return Complaint{}, err
	}
	if c.Content, err = requiredText("content", in.Content, maxComplaintContent, "say what the complainant complains about"); err != nil {
		return Complaint{}, err
	}
	if !in.ReceivedAt.IsZero() {
		if in.ReceivedAt.After(now) {
			return Complaint{}, apperr.InvalidField("received_at", "cannot be in the future")
		}
		c.ReceivedAt = in.ReceivedAt.UTC().Truncate(time.Microsecond)
	}
	return c, nil
}

// AddProgressNotice records that the complainant was told, at now, that the
// reply will be late (Reg. art. 29). dueAt is the reply's due time; a
// notice after it is recorded but does not count as given in time. A
// complaint already answered needs none.
func (c *Complaint) AddProgressNotice(actor Actor, text, channel string, dueAt, now time.Time) (ProgressNotice, error) {
	if c.Answered() {
		return ProgressNotice{}, apperr.New(apperr.Conflict, "complaint %s is answered: it needs no progress notice", c.ID)
	}
	t, err := requiredText("text", text, maxProgressNotice, "say how the complaint stands and when the reply will come")
	if err != nil {
		return ProgressNotice{}, err
	}
	ch, err := oneOf("channel", channel, append(ComplaintChannels(), replyChannels...))
	if err != nil {
		return ProgressNotice{}, err
	}
	n := ProgressNotice{Text: t, Channel: ch, SentAt: now.UTC(), SentBy: actor.Subject, BeforeDue: !now.After(dueAt)}
	c.Notices = append(c.Notices, n)
	return n, nil
}

// Answer stores the written reply, made by actor at now. A complaint is
// answered once: a second reply is refused, so the first stays what was
// sent. Only a senior handler answers; the register records who.
func (c *Complaint) Answer(actor Actor, text, channel string, now time.Time) error {
	if err := requireSenior(actor, "answering a complaint"); err != nil {
		return err
	}
	if c.Answered() {
		return apperr.New(apperr.Conflict, "complaint %s was answered at %s by %s: a reply is final", c.ID,
			c.Reply.RepliedAt.Format(time.RFC3339), c.Reply.RepliedBy)
	}
	t, err := requiredText("text", text, maxComplaintReply, "the written answer to the complaint")
	if err != nil {
		return err
	}
	ch, err := oneOf("channel", channel, replyChannels)
	if err != nil {
		return err
	}
	c.Reply = &ComplaintReply{Text: t, Channel: ch, RepliedAt: now.UTC(), RepliedBy: actor.Subject}
	return nil
}

// oneOf checks that s, trimmed, is one of allowed.
func oneOf(field, s string, allowed []string) (string, error) {
	s = strings.TrimSpace(s)
	if !slices.Contains(allowed, s) {
		return "", apperr.InvalidField(field, "must be one of %s; got %q", strings.Join(allowed, ", "), s)
	}
	return s, nil
}
