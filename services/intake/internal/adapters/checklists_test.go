package adapters_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"claims.local/intake/checklists"
	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
)

// TestTheChecklistFilesLoad reads the checklist files of the repository:
// every incident type has its checklist, each asks for the insured's
// identity at least, the disability checklist reminds of the appraisal
// (R2), and the product file changes what it says.
func TestTheChecklistFilesLoad(t *testing.T) {
	t.Parallel()
	lists, err := adapters.LoadChecklists(checklists.V1)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range domain.IncidentTypes() {
		c, err := lists.Resolve(kind, "")
		if err != nil || c.IncidentType != kind || !strings.HasPrefix(c.Version, string(kind)+"@") || len(c.Items) < 3 {
			t.Errorf("%s: got %+v, %v; want its checklist", kind, c, err)
		}
	}
	d, _ := lists.Resolve(domain.IncidentDisability, "")
	found := false
	for _, it := range d.Items {
		found = found || it.ID == "disability_appraisal" && strings.Contains(it.Reminder.ZH, "伤残鉴定")
	}
	if !found {
		t.Errorf("got disability items %+v, want the appraisal with the R2 reminder", d.Items)
	}
	pm, err := lists.Resolve(domain.IncidentMedical, "PM-2026")
	if err != nil || pm.Product != "PM-2026" || pm.Version != "medical@2026.1+PM-2026@2026.1" {
		t.Errorf("got %+v, %v; want the product's medical checklist", pm, err)
	}
	if other, _ := lists.Resolve(domain.IncidentDeath, "PM-2026"); other.Product != "" {
		t.Errorf("got product %q for a death claim, want the standard checklist: PM-2026 changes medical only", other.Product)
	}
	if _, err := lists.Resolve("flood", ""); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("got %v for an unknown incident type, want invalid_argument", err)
	}
}

// TestBadChecklistFilesAreRefused: intake does not start with a checklist
// file that does not validate.
func TestBadChecklistFilesAreRefused(t *testing.T) {
	t.Parallel()
	valid := func() fstest.MapFS {
		fsys := fstest.MapFS{}
		for _, kind := range domain.IncidentTypes() {
			data, err := checklists.V1.ReadFile("v1/" + string(kind) + ".json")
			if err != nil {
				t.Fatal(err)
			}
			fsys["v1/"+string(kind)+".json"] = &fstest.MapFile{Data: data}
		}
		return fsys
	}
	edit := func(name, old, new string) func(fstest.MapFS) {
		return func(fsys fstest.MapFS) {
			f := fsys[name]
			f.Data = []byte(strings.Replace(string(f.Data), old, new, 1))
		}
	}
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		want   string
	}{
		{"valid", func(fstest.MapFS) {}, ""},
		{"a missing incident type", func(fsys fstest.MapFS) { delete(fsys, "v1/death.json") }, "no checklist for incident type death"},
		{"an unknown member", edit("v1/medical.json", `"multiple"`, `"multiples"`), "unknown field"},
		{"a file named for another type", edit("v1/medical.json", `"incident_type": "medical"`, `"incident_type": "death"`), "as the file name says"},
		{"an unknown document type", edit("v1/medical.json", `"type": "id_card"`, `"type": "passport"`), "not one OCR recognises"},
		{"no English", edit("v1/death.json", `"en": "Proof of death"`, `"en": ""`), "Chinese and English"},
		{"another format", edit("v1/death.json", `checklist/v1`, `checklist/v2`), "want format"},
		{"a product removing what is not there", func(fsys fstest.MapFS) {
			fsys["v1/products/X-1.json"] = &fstest.MapFile{Data: []byte(`{"format":"claims.intake.checklist-product/v1","product":"X-1",
				"version":"1","name":{"zh":"某产品","en":"A product"},"changes":{"medical":{"items":[],"remove":["nope"]}}}`)}
		}, `removes item "nope"`},
		{"a product of another name", func(fsys fstest.MapFS) {
			fsys["v1/products/X-1.json"] = &fstest.MapFile{Data: []byte(`{"format":"claims.intake.checklist-product/v1","product":"Y-1",
				"version":"1","name":{"zh":"某产品","en":"A product"},"changes":{}}`)}
		}, "the product named as the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := valid()
			tt.change(fsys)
			_, err := adapters.LoadChecklists(fsys)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
