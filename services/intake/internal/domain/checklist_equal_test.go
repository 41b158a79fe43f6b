package domain_test

import (
	"reflect"
	"testing"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/document"
)

func equalBase() domain.ChecklistTemplate {
	amount := int64(100000)
	return domain.ChecklistTemplate{IncidentType: domain.IncidentMedical, Product: "PM-2026", Variant: "", Version: "medical@2026.1",
		Title: text("medical"), Items: []domain.ChecklistItem{
			item("id_card", document.Type("id_card")),
			{ID: "invoice", Title: text("invoice"), Description: text("d"), Documents: []domain.DocumentOption{{Type: "invoice", Name: text("i")}},
				Person: domain.PersonInsured, Multiple: true, When: domain.Condition{ClaimantNotInsured: true, AmountAboveFen: &amount},
				Reminder: text("r"), Basis: "R1"},
		}}
}

// TestChecklistEqualTellsEveryField: a checklist differing in any one field
// is another (the repository stores a report's checklist by it).
func TestChecklistEqualTellsEveryField(t *testing.T) {
	other := int64(200000)
	for _, tc := range []struct {
		name   string
		change func(*domain.ChecklistTemplate)
		equal  bool
	}{
		{"the same", func(*domain.ChecklistTemplate) {}, true},
		{"a copy of the items", func(c *domain.ChecklistTemplate) { c.Items = append([]domain.ChecklistItem(nil), c.Items...) }, true},
		{"incident type", func(c *domain.ChecklistTemplate) { c.IncidentType = domain.IncidentDeath }, false},
		{"product", func(c *domain.ChecklistTemplate) { c.Product = "" }, false},
		{"variant", func(c *domain.ChecklistTemplate) { c.Variant = domain.VariantCatastrophe }, false},
		{"version", func(c *domain.ChecklistTemplate) { c.Version = "medical@2026.2" }, false},
		{"title", func(c *domain.ChecklistTemplate) { c.Title.EN = "x" }, false},
		{"an item less", func(c *domain.ChecklistTemplate) { c.Items = c.Items[:1] }, false},
		{"item id", func(c *domain.ChecklistTemplate) { c.Items[1].ID = "x" }, false},
		{"item title", func(c *domain.ChecklistTemplate) { c.Items[1].Title.ZH = "x" }, false},
		{"item description", func(c *domain.ChecklistTemplate) { c.Items[1].Description.EN = "x" }, false},
		{"document type", func(c *domain.ChecklistTemplate) { c.Items[1].Documents[0].Type = "x" }, false},
		{"document name", func(c *domain.ChecklistTemplate) { c.Items[1].Documents[0].Name.EN = "x" }, false},
		{"person", func(c *domain.ChecklistTemplate) { c.Items[1].Person = domain.PersonClaimant }, false},
		{"multiple", func(c *domain.ChecklistTemplate) { c.Items[1].Multiple = false }, false},
		{"condition on the claimant", func(c *domain.ChecklistTemplate) { c.Items[1].When.ClaimantNotInsured = false }, false},
		{"condition's amount", func(c *domain.ChecklistTemplate) { c.Items[1].When.AmountAboveFen = &other }, false},
		{"no condition on the amount", func(c *domain.ChecklistTemplate) { c.Items[1].When.AmountAboveFen = nil }, false},
		{"reminder", func(c *domain.ChecklistTemplate) { c.Items[1].Reminder.ZH = "x" }, false},
		{"basis", func(c *domain.ChecklistTemplate) { c.Items[1].Basis = "R2" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := equalBase(), equalBase()
			tc.change(&b)
			if got := a.Equal(b); got != tc.equal {
				t.Fatalf("got Equal %v, want %v", got, tc.equal)
			}
		})
	}
}

// TestNoDocumentsAndAnEmptyListAreAlike: both encode as no documents.
func TestNoDocumentsAndAnEmptyListAreAlike(t *testing.T) {
	a, b := equalBase(), equalBase()
	a.Items[0].Documents, b.Items[0].Documents = nil, []domain.DocumentOption{}
	if !a.Equal(b) {
		t.Fatal("got Equal false, want true")
	}
}

// TestChecklistEqualKnowsEveryField fails when a field is added to the
// checklist's types: Equal must compare it (else a report given a
// checklist that differs only there would be stored naming another).
func TestChecklistEqualKnowsEveryField(t *testing.T) {
	for _, tc := range []struct {
		typ  reflect.Type
		want int
	}{
		{reflect.TypeFor[domain.ChecklistTemplate](), 6},
		{reflect.TypeFor[domain.ChecklistItem](), 9},
		{reflect.TypeFor[domain.DocumentOption](), 2},
		{reflect.TypeFor[domain.Condition](), 2},
		{reflect.TypeFor[domain.Text](), 2},
	} {
		if got := tc.typ.NumField(); got != tc.want {
			t.Errorf("%s: got %d fields, want %d: compare the new one in its Equal, then count it here", tc.typ, got, tc.want)
		}
	}
}
