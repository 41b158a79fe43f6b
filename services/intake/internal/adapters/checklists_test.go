package adapters_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"claims.local/intake/checklists"
	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
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
	// An accidental injury can end in disability: its checklists, standard
	// and catastrophe, carry the appraisal reminder too (R2).
	injury, _ := lists.Resolve(domain.IncidentAccidentalInjury, "")
	fast, _ := lists.FastChannel(domain.IncidentAccidentalInjury)
	for _, c := range []domain.ChecklistTemplate{injury, fast} {
		if !slices.ContainsFunc(c.Items, func(it domain.ChecklistItem) bool {
			return strings.Contains(it.Reminder.ZH, "伤残鉴定") && strings.Contains(it.Reminder.EN, "disability appraisal")
		}) {
			t.Errorf("got %s items %+v, want one with the R2 appraisal reminder", c.Version, c.Items)
		}
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
	// Every incident type has its simplified variant for the catastrophe
	// fast channel (R8): an identity card and one proof.
	for _, kind := range domain.IncidentTypes() {
		c, err := lists.FastChannel(kind)
		if err != nil || c.IncidentType != kind || c.Variant != domain.VariantCatastrophe || c.Version != "catastrophe/"+string(kind)+"@2026.1" {
			t.Errorf("%s: got %+v, %v; want its catastrophe variant", kind, c, err)
			continue
		}
		standard, _ := lists.Resolve(kind, "")
		if len(c.Items) != 2 || len(c.Items) >= len(standard.Items) || !slices.ContainsFunc(c.Items[0].Documents, isIDCard) {
			t.Errorf("%s: got %d items, want an identity card and one proof, fewer than the standard %d", kind, len(c.Items), len(standard.Items))
		}
		for _, it := range c.Items {
			if !it.When.IsZero() {
				t.Errorf("%s: item %s is conditional, want every simplified item asked for", kind, it.ID)
			}
		}
	}
	if dv, _ := lists.FastChannel(domain.IncidentDisability); !strings.Contains(dv.Items[1].Reminder.ZH, "伤残鉴定") {
		t.Errorf("got the disability variant's items %+v, want the R2 reminder kept", dv.Items)
	}
	if _, err := lists.FastChannel("flood"); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("got %v for the variant of an unknown incident type, want invalid_argument", err)
	}
}

func isIDCard(o domain.DocumentOption) bool { return o.Type == document.IDCard }

// TestBadChecklistFilesAreRefused: intake does not start with a checklist
// file that does not validate.
func TestBadChecklistFilesAreRefused(t *testing.T) {
	t.Parallel()
	valid := func() fstest.MapFS {
		fsys := fstest.MapFS{}
		for _, kind := range domain.IncidentTypes() {
			for _, name := range []string{"v1/" + string(kind) + ".json", "v1/catastrophe/" + string(kind) + ".json"} {
				data, err := checklists.V1.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				fsys[name] = &fstest.MapFile{Data: data}
			}
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
		{"a missing catastrophe variant", func(fsys fstest.MapFS) { delete(fsys, "v1/catastrophe/medical.json") },
			"no catastrophe variant for incident type medical"},
		{"a variant without its variant member", edit("v1/catastrophe/death.json", `"variant": "catastrophe",`, ``), `variant "catastrophe"`},
		{"a standard checklist saying it is a variant", edit("v1/death.json", `"format": "claims.intake.checklist/v1",`,
			`"format": "claims.intake.checklist/v1", "variant": "catastrophe",`), `variant ""`},
		{"a variant file named for another type", edit("v1/catastrophe/medical.json", `"incident_type": "medical"`, `"incident_type": "death"`),
			"as the file name says"},
		{"a variant item without English", edit("v1/catastrophe/medical.json", `"en": "Proof of treatment"`, `"en": ""`), "Chinese and English"},
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
