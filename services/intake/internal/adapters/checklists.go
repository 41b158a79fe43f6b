package adapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// The formats of the checklist files (checklists/v1/README.md).
const (
	checklistFormat = "claims.intake.checklist/v1"
	productFormat   = "claims.intake.checklist-product/v1"
)

// textFile is a text in the checklist files, and in the checklist a report
// keeps.
type textFile struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

type optionFile struct {
	Type string   `json:"type"`
	Name textFile `json:"name"`
}

type conditionFile struct {
	ClaimantNotInsured bool   `json:"claimant_not_insured,omitempty"`
	AmountAboveFen     *int64 `json:"amount_above_fen,omitempty"`
}

type itemFile struct {
	ID          string         `json:"id"`
	Title       textFile       `json:"title"`
	Description textFile       `json:"description"`
	Documents   []optionFile   `json:"documents"`
	Person      string         `json:"person,omitempty"`
	Multiple    bool           `json:"multiple,omitempty"`
	When        *conditionFile `json:"when,omitempty"`
	Reminder    *textFile      `json:"reminder,omitempty"`
	Basis       string         `json:"basis,omitempty"`
}

// checklistFile is a checklist file; a report's checklist is stored in the
// same shape, with the product it was resolved for.
type checklistFile struct {
	Format       string     `json:"format"`
	Variant      string     `json:"variant,omitempty"`
	IncidentType string     `json:"incident_type"`
	Product      string     `json:"product,omitempty"`
	Version      string     `json:"version"`
	Title        textFile   `json:"title"`
	Items        []itemFile `json:"items"`
}

type productFile struct {
	Format  string                `json:"format"`
	Product string                `json:"product"`
	Version string                `json:"version"`
	Name    textFile              `json:"name"`
	Changes map[string]changeFile `json:"changes"`
}

type changeFile struct {
	Items  []itemFile `json:"items"`
	Remove []string   `json:"remove"`
}

func (t textFile) toDomain() domain.Text { return domain.Text{ZH: t.ZH, EN: t.EN} }

func textOf(t domain.Text) textFile { return textFile{ZH: t.ZH, EN: t.EN} }

func (it itemFile) toDomain() domain.ChecklistItem {
	out := domain.ChecklistItem{
		ID: it.ID, Title: it.Title.toDomain(), Description: it.Description.toDomain(),
		Person: domain.PersonRole(it.Person), Multiple: it.Multiple, Basis: it.Basis,
	}
	for _, o := range it.Documents {
		out.Documents = append(out.Documents, domain.DocumentOption{Type: document.Type(o.Type), Name: o.Name.toDomain()})
	}
	if it.When != nil {
		out.When = domain.Condition{ClaimantNotInsured: it.When.ClaimantNotInsured, AmountAboveFen: it.When.AmountAboveFen}
	}
	if it.Reminder != nil {
		out.Reminder = it.Reminder.toDomain()
	}
	return out
}

func itemOf(it domain.ChecklistItem) itemFile {
	out := itemFile{
		ID: it.ID, Title: textOf(it.Title), Description: textOf(it.Description), Person: string(it.Person),
		Multiple: it.Multiple, Basis: it.Basis,
	}
	for _, o := range it.Documents {
		out.Documents = append(out.Documents, optionFile{Type: string(o.Type), Name: textOf(o.Name)})
	}
	if !it.When.IsZero() {
		out.When = &conditionFile{ClaimantNotInsured: it.When.ClaimantNotInsured, AmountAboveFen: it.When.AmountAboveFen}
	}
	if !it.Reminder.IsZero() {
		r := textOf(it.Reminder)
		out.Reminder = &r
	}
	return out
}

func (c checklistFile) toDomain() domain.ChecklistTemplate {
	t := domain.ChecklistTemplate{
		IncidentType: domain.IncidentType(c.IncidentType), Product: c.Product, Variant: c.Variant, Version: c.Version,
		Title: c.Title.toDomain(),
	}
	for _, it := range c.Items {
		t.Items = append(t.Items, it.toDomain())
	}
	return t
}

func checklistOf(t domain.ChecklistTemplate) checklistFile {
	c := checklistFile{Format: checklistFormat, Variant: t.Variant, IncidentType: string(t.IncidentType), Product: t.Product,
		Version: t.Version, Title: textOf(t.Title)}
	for _, it := range t.Items {
		c.Items = append(c.Items, itemOf(it))
	}
	return c
}

// encodeChecklist and decodeChecklist store a report's checklist.
func encodeChecklist(t domain.ChecklistTemplate) ([]byte, error) {
	b, err := json.Marshal(checklistOf(t))
	if err != nil {
		return nil, fmt.Errorf("encode checklist: %w", err)
	}
	return b, nil
}

func decodeChecklist(b []byte) (domain.ChecklistTemplate, error) {
	if len(b) == 0 {
		return domain.ChecklistTemplate{}, nil
	}
	var c checklistFile
	if err := json.Unmarshal(b, &c); err != nil {
		return domain.ChecklistTemplate{}, fmt.Errorf("decode checklist: %w", err)
	}
	return c.toDomain(), nil
}

// Checklists are the guidance checklists read from the checklist files:
// the standard one of each incident type, the products' changes, and the
// simplified variant of each incident type for the catastrophe fast
// channel (R8).
type Checklists struct {
	standard    map[domain.IncidentType]domain.ChecklistTemplate
	products    map[string]map[domain.IncidentType]domain.ChecklistTemplate
	catastrophe map[domain.IncidentType]domain.ChecklistTemplate
}

// LoadChecklists reads every checklist file of fsys (the layout of package
// checklists: v1/<incident_type>.json, v1/products/<product>.json,
// v1/catastrophe/<incident_type>.json) and checks it: known format,
// variant, members and document types, texts in both languages, one file
// per incident type, and a standard checklist and a catastrophe variant
// for every incident type (any of them may be eligible for a
// catastrophe's fast channel). A product's changes are applied here, so a
// bad change fails at start-up, not on a report.
func LoadChecklists(fsys fs.FS) (*Checklists, error) {
	c := &Checklists{products: map[string]map[domain.IncidentType]domain.ChecklistTemplate{}}
	var err error
	if c.standard, err = readChecklists(fsys, "v1", ""); err != nil {
		return nil, err
	}
	if c.catastrophe, err = readChecklists(fsys, "v1/catastrophe", domain.VariantCatastrophe); err != nil {
		return nil, err
	}
	products, err := fs.Glob(fsys, "v1/products/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range products {
		var f productFile
		if err := readStrict(fsys, name, &f); err != nil {
			return nil, err
		}
		if f.Format != productFormat || f.Version == "" || f.Product+".json" != path.Base(name) {
			return nil, fmt.Errorf("product checklist %s: want format %s, a version and the product named as the file", name, productFormat)
		}
		if strings.TrimSpace(f.Name.ZH) == "" || strings.TrimSpace(f.Name.EN) == "" {
			return nil, fmt.Errorf("product checklist %s: the product's name wants Chinese and English", name)
		}
		c.products[f.Product] = map[domain.IncidentType]domain.ChecklistTemplate{}
		for kind, change := range f.Changes {
			base, ok := c.standard[domain.IncidentType(kind)]
			if !ok {
				return nil, fmt.Errorf("product checklist %s: unknown incident type %q", name, kind)
			}
			ch := domain.ChecklistChange{Product: f.Product, Version: f.Version, Remove: change.Remove}
			for _, it := range change.Items {
				ch.Items = append(ch.Items, it.toDomain())
			}
			t, err := base.WithChange(ch)
			if err != nil {
				return nil, fmt.Errorf("product checklist %s: %w", name, err)
			}
			c.products[f.Product][t.IncidentType] = t
		}
	}
	return c, nil
}

// readChecklists reads the checklist files of variant in dir, one per
// incident type and one for every incident type. The version of each names
// its file: "medical@2026.1", or "catastrophe/medical@2026.1" for the
// catastrophe variant.
func readChecklists(fsys fs.FS, dir, variant string) (map[domain.IncidentType]domain.ChecklistTemplate, error) {
	files, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, err
	}
	out := map[domain.IncidentType]domain.ChecklistTemplate{}
	for _, name := range files {
		var f checklistFile
		if err := readStrict(fsys, name, &f); err != nil {
			return nil, err
		}
		if f.Format != checklistFormat || f.Product != "" || f.Version == "" || f.Variant != variant {
			return nil, fmt.Errorf("checklist %s: want format %s, variant %q, a version and no product", name, checklistFormat, variant)
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); f.IncidentType != want {
			return nil, fmt.Errorf("checklist %s: incident type %q, want %q as the file name says", name, f.IncidentType, want)
		}
		t := f.toDomain()
		t.Version = f.IncidentType + "@" + f.Version
		if variant != "" {
			t.Version = variant + "/" + t.Version
		}
		if err := t.Validate(); err != nil {
			return nil, err
		}
		out[t.IncidentType] = t
	}
	for _, kind := range domain.IncidentTypes() {
		if _, ok := out[kind]; !ok {
			if variant != "" {
				return nil, fmt.Errorf("checklists: no %s variant for incident type %s", variant, kind)
			}
			return nil, fmt.Errorf("checklists: no checklist for incident type %s", kind)
		}
	}
	return out, nil
}

// readStrict decodes a JSON file, refusing unknown members.
func readStrict(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("checklist file %s: %w", name, err)
	}
	return nil
}

// Resolve returns the checklist of an incident type for a product: the
// product's version when it changes that incident type's checklist, the
// standard one otherwise (most products keep it).
func (c *Checklists) Resolve(kind domain.IncidentType, product string) (domain.ChecklistTemplate, error) {
	if t, ok := c.products[product][kind]; ok {
		return t, nil
	}
	t, ok := c.standard[kind]
	if !ok {
		return domain.ChecklistTemplate{}, apperr.InvalidField("incident_type", "must be one of %s", strings.Join(kinds(), ", "))
	}
	return t, nil
}

// FastChannel returns the simplified checklist of an incident type that a
// report matching an active catastrophe takes (R8), in place of the
// standard one and any product's changes.
func (c *Checklists) FastChannel(kind domain.IncidentType) (domain.ChecklistTemplate, error) {
	t, ok := c.catastrophe[kind]
	if !ok {
		return domain.ChecklistTemplate{}, apperr.InvalidField("incident_type", "must be one of %s", strings.Join(kinds(), ", "))
	}
	return t, nil
}

func kinds() []string {
	var out []string
	for _, k := range domain.IncidentTypes() {
		out = append(out, string(k))
	}
	return out
}
