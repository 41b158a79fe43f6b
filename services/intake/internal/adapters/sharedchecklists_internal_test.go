package adapters

import (
	"testing"

	"claims.local/intake/checklists"
	"claims.local/intake/internal/domain"
)

// BenchmarkNameAChecklist: what naming a report's checklist costs with the
// remembered encoding (issue 21), against encoding it for each report as
// before, in the same run.
func BenchmarkNameAChecklist(b *testing.B) {
	lists, err := LoadChecklists(checklists.V1)
	if err != nil {
		b.Fatal(err)
	}
	t, err := lists.Resolve(domain.IncidentMedical, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("remembered", func(b *testing.B) {
		s := newSharedChecklists()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.encode(t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoded-each-time", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeChecklist(t); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestEveryChecklistOfTheFilesIsRemembered: each checklist the files give
// comes back from its encoding as it was, so that it is encoded once
// (one that did not would be encoded for every report).
func TestEveryChecklistOfTheFilesIsRemembered(t *testing.T) {
	lists, err := LoadChecklists(checklists.V1)
	if err != nil {
		t.Fatal(err)
	}
	s := newSharedChecklists()
	var all []domain.ChecklistTemplate
	for kind := range lists.standard {
		c, err := lists.Resolve(kind, "")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, c)
		for product := range lists.products {
			if c, err := lists.Resolve(kind, product); err == nil {
				all = append(all, c)
			}
		}
		c, err = lists.FastChannel(kind)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, c)
	}
	distinct := map[checklistKey]bool{}
	for _, c := range all {
		if _, err := s.encode(c); err != nil {
			t.Fatal(err)
		}
		distinct[checklistKey{kind: c.IncidentType, product: c.Product, variant: c.Variant, version: c.Version}] = true
	}
	if got := len(s.encoded); got != len(distinct) {
		t.Fatalf("got %d of the files' %d checklists remembered, want every one", got, len(distinct))
	}
}
