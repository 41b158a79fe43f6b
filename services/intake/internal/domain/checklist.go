package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"claims.local/pkg/bankaccount"
	"claims.local/pkg/document"
)

// Text is a plain sentence for a claimant: Chinese first, English too.
type Text struct {
	ZH, EN string
}

// IsZero reports whether t holds nothing.
func (t Text) IsZero() bool { return t.ZH == "" && t.EN == "" }

// ChecklistTemplate is a guidance checklist (R1: Reg. art. 22, notice
// §4.1): the documents a claimant is told to provide for an incident type,
// as written in a versioned checklist file, with a product's changes
// applied. It is data, not code: intake's rules only evaluate it.
type ChecklistTemplate struct {
	IncidentType IncidentType
	// Product is the product whose changes were applied; empty for the
	// standard checklist.
	Product string
	// Variant is empty for the standard checklist, VariantCatastrophe for
	// the simplified one of the catastrophe fast channel (R8).
	Variant string
	// Version names the files the checklist was made from, such as
	// "medical@2026.1", "medical@2026.1+PM-2026@2026.2" or
	// "catastrophe/medical@2026.1".
	Version string
	Title   Text
	Items   []ChecklistItem
}

// PersonRole says whose document an item asks for.
type PersonRole string

// The persons an item may be about. An item about a person is satisfied
// preferably by a document naming them, and never by one that names only
// someone else.
const (
	PersonAny      PersonRole = ""
	PersonInsured  PersonRole = "insured"
	PersonClaimant PersonRole = "claimant"
)

// ChecklistItem is one entry of a checklist. Documents lists the document
// types that satisfy it: any one of them will do when there are several.
// Multiple items (invoices) take every document of their types; the others
// take one. When is the condition under which the item is asked for; the
// zero Condition always holds. Reminder is a notice the claimant must be
// given with the item, such as the disability appraisal reminder (R2).
type ChecklistItem struct {
	ID          string
	Title       Text
	Description Text
	Documents   []DocumentOption
	Person      PersonRole
	Multiple    bool
	When        Condition
	Reminder    Text
	// Basis cites the rule the item or its reminder rests on.
	Basis string
}

// DocumentOption is one kind of document that satisfies an item.
type DocumentOption struct {
	Type document.Type
	Name Text
}

// Condition says when an item is asked for. The conditions are closed: a
// new one needs code here and in the checklist file format.
type Condition struct {
	// ClaimantNotInsured holds when someone other than the insured claims
	// the benefit: they prove their relationship to the insured.
	ClaimantNotInsured bool
	// AmountAboveFen, when set, holds when the amount claimed exceeds it.
	AmountAboveFen *int64
}

// IsZero reports whether c always holds.
func (c Condition) IsZero() bool { return !c.ClaimantNotInsured && c.AmountAboveFen == nil }

// Equal reports whether c and o ask for the same.
func (c Condition) Equal(o Condition) bool {
	return c.ClaimantNotInsured == o.ClaimantNotInsured && (c.AmountAboveFen == nil) == (o.AmountAboveFen == nil) &&
		(c.AmountAboveFen == nil || *c.AmountAboveFen == *o.AmountAboveFen)
}

// Equal reports whether it and o are the same item, field by field (no
// documents and an empty list of them alike).
func (it ChecklistItem) Equal(o ChecklistItem) bool {
	return it.ID == o.ID && it.Title == o.Title && it.Description == o.Description && slices.Equal(it.Documents, o.Documents) &&
		it.Person == o.Person && it.Multiple == o.Multiple && it.When.Equal(o.When) && it.Reminder == o.Reminder && it.Basis == o.Basis
}

// Equal reports whether t and o are the same checklist, item by item: the
// repository tells by it that a report's checklist is one it has stored
// (issue 21), so every field counts.
func (t ChecklistTemplate) Equal(o ChecklistTemplate) bool {
	return t.IncidentType == o.IncidentType && t.Product == o.Product && t.Variant == o.Variant && t.Version == o.Version &&
		t.Title == o.Title && slices.EqualFunc(t.Items, o.Items, ChecklistItem.Equal)
}

// Holds reports whether c holds for facts.
func (c Condition) Holds(f Facts) bool {
	if c.ClaimantNotInsured && !f.ClaimantNotInsured {
		return false
	}
	if c.AmountAboveFen != nil && f.AmountFen <= *c.AmountAboveFen {
		return false
	}
	return true
}

// Describe says when c holds, for the printed checklist.
func (c Condition) Describe() Text {
	var zh, en []string
	if c.ClaimantNotInsured {
		zh = append(zh, "申请人不是被保险人本人时提供")
		en = append(en, "when the claimant is not the insured")
	}
	if c.AmountAboveFen != nil {
		zh = append(zh, fmt.Sprintf("申请金额超过人民币%s元时提供", Yuan(*c.AmountAboveFen)))
		en = append(en, fmt.Sprintf("when the amount claimed exceeds CNY %s", Yuan(*c.AmountAboveFen)))
	}
	return Text{ZH: strings.Join(zh, "；"), EN: capitalise(strings.Join(en, "; "))}
}

// Explain says why c holds for facts: the information that made the item
// necessary, recorded with a later notice (R3).
func (c Condition) Explain(f Facts) Text {
	var zh, en []string
	if c.ClaimantNotInsured {
		zh = append(zh, "申请人不是被保险人本人")
		en = append(en, "the claimant is not the insured")
	}
	if c.AmountAboveFen != nil {
		zh = append(zh, fmt.Sprintf("申请金额%s元超过%s元", Yuan(f.AmountFen), Yuan(*c.AmountAboveFen)))
		en = append(en, fmt.Sprintf("the amount claimed, CNY %s, exceeds CNY %s", Yuan(f.AmountFen), Yuan(*c.AmountAboveFen)))
	}
	return Text{ZH: strings.Join(zh, "；"), EN: capitalise(strings.Join(en, "; "))}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Yuan writes an amount in fen as yuan with thousands separators and two
// decimals: 1234500 is "12,345.00".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	whole := fmt.Sprint(fen / 100)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s.%02d", sign, b.String(), fen%100)
}

var itemIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,40}$`)

// Validate checks a checklist as read from its files: a known incident type
// and variant, every item has a unique id, texts in both languages, at
// least one document type of the platform's vocabulary, and a sensible
// condition.
func (t ChecklistTemplate) Validate() error {
	if !contains(incidentTypes, t.IncidentType) {
		return fmt.Errorf("checklist %s: unknown incident type %q", t.Version, t.IncidentType)
	}
	if t.Variant != "" && t.Variant != VariantCatastrophe {
		return fmt.Errorf("checklist %s: unknown variant %q", t.Version, t.Variant)
	}
	if err := bothLanguages(t.Title); err != nil {
		return fmt.Errorf("checklist %s: title: %w", t.Version, err)
	}
	if len(t.Items) == 0 {
		return fmt.Errorf("checklist %s: no items", t.Version)
	}
	seen := map[string]bool{}
	for _, it := range t.Items {
		if err := it.validate(); err != nil {
			return fmt.Errorf("checklist %s: item %q: %w", t.Version, it.ID, err)
		}
		if seen[it.ID] {
			return fmt.Errorf("checklist %s: item %q appears twice", t.Version, it.ID)
		}
		seen[it.ID] = true
	}
	return nil
}

func (it ChecklistItem) validate() error {
	if !itemIDPattern.MatchString(it.ID) {
		return fmt.Errorf("the id must match %s", itemIDPattern)
	}
	if err := bothLanguages(it.Title); err != nil {
		return fmt.Errorf("title: %w", err)
	}
	if err := bothLanguages(it.Description); err != nil {
		return fmt.Errorf("description: %w", err)
	}
	if !it.Reminder.IsZero() {
		if err := bothLanguages(it.Reminder); err != nil {
			return fmt.Errorf("reminder: %w", err)
		}
	}
	if len(it.Documents) == 0 {
		return fmt.Errorf("no document type satisfies it")
	}
	for _, d := range it.Documents {
		if d.Type == document.Other || !slices.Contains(document.Types(), d.Type) {
			return fmt.Errorf("document type %q is not one OCR recognises", d.Type)
		}
		if err := bothLanguages(d.Name); err != nil {
			return fmt.Errorf("document %s: %w", d.Type, err)
		}
	}
	switch it.Person {
	case PersonAny, PersonInsured, PersonClaimant:
	default:
		return fmt.Errorf("person must be insured or claimant, got %q", it.Person)
	}
	if a := it.When.AmountAboveFen; a != nil && (*a < 0 || *a > MaxAmountFen) {
		return fmt.Errorf("amount threshold %d out of range", *a)
	}
	return nil
}

func bothLanguages(t Text) error {
	if strings.TrimSpace(t.ZH) == "" || strings.TrimSpace(t.EN) == "" {
		return fmt.Errorf("wants Chinese and English text")
	}
	return nil
}

// ChecklistChange is a product's change to the standard checklist of an
// incident type: items replaced (same id) or added, and items removed.
type ChecklistChange struct {
	Product string
	Version string
	Items   []ChecklistItem
	Remove  []string
}

// WithChange returns t with a product's change applied, its version naming
// both.
func (t ChecklistTemplate) WithChange(c ChecklistChange) (ChecklistTemplate, error) {
	out := t
	out.Product = c.Product
	out.Version = t.Version + "+" + c.Product + "@" + c.Version
	out.Items = slices.Clone(t.Items)
	for _, id := range c.Remove {
		i := slices.IndexFunc(out.Items, func(it ChecklistItem) bool { return it.ID == id })
		if i < 0 {
			return ChecklistTemplate{}, fmt.Errorf("product %s removes item %q, which the %s checklist does not have", c.Product, id, t.IncidentType)
		}
		out.Items = slices.Delete(out.Items, i, i+1)
	}
	for _, it := range c.Items {
		if i := slices.IndexFunc(out.Items, func(x ChecklistItem) bool { return x.ID == it.ID }); i >= 0 {
			out.Items[i] = it
		} else {
			out.Items = append(out.Items, it)
		}
	}
	return out, out.Validate()
}

// Facts are what the conditions of a checklist and the matching of
// documents to items depend on.
type Facts struct {
	InsuredName string
	// Claimant is who claims the benefit when ClaimantNotInsured; the
	// name is empty when not yet known.
	Claimant           Person
	ClaimantNotInsured bool
	// AmountFen is the larger of the amount the report claims and the
	// total of the invoices read.
	AmountFen int64
}

// Evidence is a part of a document whose type is known, as the checklist
// sees it: Part is its index in the document (0 for the first).
type Evidence struct {
	DocumentID string
	Part       int
	Type       document.Type
	Names      []string
	// IDNumberRead says a resident ID number whose check character
	// verifies was read on it.
	IDNumberRead bool
	ArrivedAt    time.Time
}

// Waiver records that a handler marked an item satisfied without an upload,
// and why: an original seen at the counter, a rule of the product.
type Waiver struct {
	ItemID string
	Reason string
	By     string
	At     time.Time
}

// ItemState is where a checklist item stands.
type ItemState string

// The states of an item.
const (
	ItemSatisfied     ItemState = "satisfied"
	ItemWaived        ItemState = "waived"
	ItemMissing       ItemState = "missing"
	ItemNotApplicable ItemState = "not_applicable"
)

// ItemStatus is an item with what satisfies it.
type ItemStatus struct {
	ChecklistItem
	State       ItemState
	SatisfiedBy []Evidence
	Waiver      *Waiver
}

// Applies reports whether the item is asked for.
func (s ItemStatus) Applies() bool { return s.State != ItemNotApplicable }

// arrivedAt is when what satisfies the item arrived: the waiver, or the
// first of its documents.
func (s ItemStatus) arrivedAt() (time.Time, bool) {
	if s.Waiver != nil {
		return s.Waiver.At, true
	}
	var first time.Time
	for _, e := range s.SatisfiedBy {
		if first.IsZero() || e.ArrivedAt.Before(first) {
			first = e.ArrivedAt
		}
	}
	return first, !first.IsZero()
}

// ChecklistStatus is a checklist evaluated against a claim's facts,
// documents and waivers.
type ChecklistStatus struct {
	Template ChecklistTemplate
	Facts    Facts
	Items    []ItemStatus
}

// Complete reports whether every item asked for is satisfied or waived.
func (s ChecklistStatus) Complete() bool { return len(s.Missing()) == 0 }

// Missing returns the items asked for and not yet satisfied.
func (s ChecklistStatus) Missing() []ItemStatus {
	var out []ItemStatus
	for _, it := range s.Items {
		if it.State == ItemMissing {
			out = append(out, it)
		}
	}
	return out
}

// Item returns the status of the item with id.
func (s ChecklistStatus) Item(id string) (ItemStatus, bool) {
	i := slices.IndexFunc(s.Items, func(it ItemStatus) bool { return it.ID == id })
	if i < 0 {
		return ItemStatus{}, false
	}
	return s.Items[i], true
}

// Evaluate says, per item of t, whether it is asked for under facts and
// what satisfies it. Items are taken in order; each part of a document
// satisfies at most one item, and a waived item takes none. An item about a person
// takes a document naming that person first, else one whose names could
// not be read, never one naming only others; a document of no listed type
// satisfies nothing. The one exception is the insured's identity card
// whose name OCR read one Han character off (bankaccount.OneHanApart: 磊
// as 舌, 鹏 as 胸) and on which a valid resident ID number was read: it is
// taken last, because intake cannot tell a misread name from a look-alike
// person's, and adjudication can, by the card's number against the
// policy's insured (id_number_is_the_insureds; another person's card is
// id_name_mismatch there, and goes to a handler). Issue 19: 12 of the
// straight-through benchmark's 70 clean scans waited here for a person.
func Evaluate(t ChecklistTemplate, facts Facts, evidence []Evidence, waivers []Waiver) ChecklistStatus {
	type partKey struct {
		doc  string
		part int
	}
	used := map[partKey]bool{}
	out := ChecklistStatus{Template: t, Facts: facts, Items: make([]ItemStatus, 0, len(t.Items))}
	for _, item := range t.Items {
		st := ItemStatus{ChecklistItem: item, State: ItemMissing}
		if !item.When.Holds(facts) {
			st.State = ItemNotApplicable
			out.Items = append(out.Items, st)
			continue
		}
		if i := slices.IndexFunc(waivers, func(w Waiver) bool { return w.ItemID == item.ID }); i >= 0 {
			w := waivers[i]
			st.State, st.Waiver = ItemWaived, &w
			out.Items = append(out.Items, st)
			continue
		}
		name := ""
		switch item.Person {
		case PersonInsured:
			name = facts.InsuredName
		case PersonClaimant:
			name = facts.Claimant.Name
		}
		var named, unnamed, misread []Evidence
		for _, e := range evidence {
			if used[partKey{e.DocumentID, e.Part}] || !slices.ContainsFunc(item.Documents, func(o DocumentOption) bool { return o.Type == e.Type }) {
				continue
			}
			switch {
			case name == "" || slices.Contains(e.Names, name):
				named = append(named, e)
			case len(e.Names) == 0:
				unnamed = append(unnamed, e)
			case item.Person == PersonInsured && e.Type == document.IDCard && e.IDNumberRead && slices.ContainsFunc(e.Names, func(n string) bool {
				return bankaccount.OneHanApart(n, name)
			}):
				misread = append(misread, e)
			}
		}
		candidates := append(append(named, unnamed...), misread...)
		if !item.Multiple && len(candidates) > 1 {
			candidates = candidates[:1]
		}
		for _, e := range candidates {
			used[partKey{e.DocumentID, e.Part}] = true
		}
		if len(candidates) > 0 {
			st.State, st.SatisfiedBy = ItemSatisfied, candidates
		}
		out.Items = append(out.Items, st)
	}
	return out
}
