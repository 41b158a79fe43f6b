package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/document"
)

func text(s string) domain.Text { return domain.Text{ZH: s + "（中）", EN: s} }

func item(id string, types ...document.Type) domain.ChecklistItem {
	it := domain.ChecklistItem{ID: id, Title: text(id), Description: text(id + " description")}
	for _, t := range types {
		it.Documents = append(it.Documents, domain.DocumentOption{Type: t, Name: text(string(t))})
	}
	return it
}

func fen(v int64) *int64 { return &v }

// template is a medical checklist like the one in the files, small.
func template() domain.ChecklistTemplate {
	insured := item("insured_id", document.IDCard)
	insured.Person = domain.PersonInsured
	invoices := item("medical_invoices", document.MedicalInvoice)
	invoices.Multiple = true
	claimant := item("claimant_id", document.IDCard)
	claimant.Person, claimant.When = domain.PersonClaimant, domain.Condition{ClaimantNotInsured: true}
	relation := item("relationship_proof", document.RelationshipProof)
	relation.When = domain.Condition{ClaimantNotInsured: true}
	bank := item("bank_account", document.BankCard)
	bank.When = domain.Condition{AmountAboveFen: fen(1_000_000)}
	return domain.ChecklistTemplate{IncidentType: domain.IncidentMedical, Version: "medical@1", Title: text("medical"), Items: []domain.ChecklistItem{
		insured, invoices, item("treatment_record", document.DischargeSummary, document.DiagnosisCertificate), claimant, relation, bank,
	}}
}

func evidence(id string, t document.Type, names ...string) domain.Evidence {
	return domain.Evidence{DocumentID: id, Type: t, Names: names, ArrivedAt: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
}

// numbered is an identity card naming names whose resident ID number was
// read, its check character verified.
func numbered(id string, names ...string) domain.Evidence {
	e := evidence(id, document.IDCard, names...)
	e.IDNumberRead = true
	return e
}

func TestEvaluate(t *testing.T) {
	insured := domain.Facts{InsuredName: "张三"}
	spouse := domain.Facts{InsuredName: "张三", Claimant: domain.Person{Name: "李四", Relation: domain.RelationSpouse}, ClaimantNotInsured: true}
	tests := []struct {
		name     string
		facts    domain.Facts
		evidence []domain.Evidence
		waivers  []domain.Waiver
		want     map[string]string // item: state and documents, "missing" or "satisfied:d1,d2"
		complete bool
	}{
		{"nothing yet", insured, nil, nil, map[string]string{
			"insured_id": "missing", "medical_invoices": "missing", "treatment_record": "missing",
			"claimant_id": "not_applicable", "relationship_proof": "not_applicable", "bank_account": "not_applicable"}, false},
		{"any one of the treatment records, every invoice", insured, []domain.Evidence{
			evidence("d1", document.IDCard, "张三"), evidence("d2", document.MedicalInvoice), evidence("d3", document.MedicalInvoice),
			evidence("d4", document.DiagnosisCertificate)}, nil, map[string]string{
			"insured_id": "satisfied:d1", "medical_invoices": "satisfied:d2,d3", "treatment_record": "satisfied:d4"}, true},
		{"an ID card naming someone else is not the insured's", insured, []domain.Evidence{evidence("d1", document.IDCard, "王五")}, nil,
			map[string]string{"insured_id": "missing"}, false},
		{"an ID card whose name was not read will do", insured, []domain.Evidence{evidence("d1", document.IDCard)}, nil,
			map[string]string{"insured_id": "satisfied:d1"}, false},
		{"a spouse claims: her ID and the relationship too", spouse, []domain.Evidence{
			evidence("d1", document.IDCard, "李四"), evidence("d2", document.IDCard, "张三")}, nil, map[string]string{
			"insured_id": "satisfied:d2", "claimant_id": "satisfied:d1", "relationship_proof": "missing", "bank_account": "not_applicable"}, false},
		{"one ID card satisfies one item", spouse, []domain.Evidence{evidence("d1", document.IDCard)}, nil, map[string]string{
			"insured_id": "satisfied:d1", "claimant_id": "missing"}, false},
		{"the amount above the threshold asks for the bank account", domain.Facts{InsuredName: "张三", AmountFen: 1_000_001}, nil, nil,
			map[string]string{"bank_account": "missing"}, false},
		{"the amount at the threshold does not", domain.Facts{InsuredName: "张三", AmountFen: 1_000_000}, nil, nil,
			map[string]string{"bank_account": "not_applicable"}, false},
		{"waived items take no document", insured, []domain.Evidence{evidence("d1", document.MedicalInvoice)}, []domain.Waiver{
			{ItemID: "insured_id", Reason: "seen"}, {ItemID: "medical_invoices", Reason: "direct billing"}, {ItemID: "treatment_record", Reason: "seen"}},
			map[string]string{"insured_id": "waived", "medical_invoices": "waived", "treatment_record": "waived"}, true},
		// Issue 19: an identity card whose name OCR read one character
		// off the insured's (磊 as 舌) and whose valid ID number was read
		// goes on to adjudication, which proves it the insured's by that
		// number against the policy or holds the claim
		// (id_name_mismatch); the attacks stay missing.
		{"an ID card one character off the insured's, its number read, will do", insured, []domain.Evidence{numbered("d1", "张山")}, nil,
			map[string]string{"insured_id": "satisfied:d1"}, false},
		{"the insured's own card before a look-alike's", insured, []domain.Evidence{numbered("d1", "张山"), evidence("d2", document.IDCard, "张三")}, nil,
			map[string]string{"insured_id": "satisfied:d2"}, false},
		{"an ID card one character off, its number not read", insured, []domain.Evidence{evidence("d1", document.IDCard, "张山")}, nil,
			map[string]string{"insured_id": "missing"}, false},
		{"an ID card two characters off, its number read", insured, []domain.Evidence{numbered("d1", "王五")}, nil,
			map[string]string{"insured_id": "missing"}, false},
		{"an ID card one letter off, its number read", domain.Facts{InsuredName: "ZHANG SAN"}, []domain.Evidence{numbered("d1", "ZHANG SAM")}, nil,
			map[string]string{"insured_id": "missing"}, false},
		{"an ID card with an invisible character in place of one, its number read", insured, []domain.Evidence{numbered("d1", "张\u200b")}, nil,
			map[string]string{"insured_id": "missing"}, false},
		{"another document one character off, its number read", insured, []domain.Evidence{
			{DocumentID: "d1", Type: document.MedicalInvoice, Names: []string{"张山"}, IDNumberRead: true}}, nil,
			map[string]string{"insured_id": "missing"}, false},
		{"a claimant's card one character off is not the claimant's", spouse, []domain.Evidence{numbered("d1", "李四"), numbered("d2", "张三"), numbered("d3", "李西")}, nil,
			map[string]string{"insured_id": "satisfied:d2", "claimant_id": "satisfied:d1"}, false},
		{"only a look-alike of the claimant", spouse, []domain.Evidence{numbered("d2", "张三"), numbered("d3", "李西")}, nil,
			map[string]string{"insured_id": "satisfied:d2", "claimant_id": "missing"}, false},
		{"documents of other types satisfy nothing", insured, []domain.Evidence{evidence("d1", document.Other), evidence("d2", document.BankCard)}, nil,
			map[string]string{"insured_id": "missing", "bank_account": "not_applicable"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := domain.Evaluate(template(), tt.facts, tt.evidence, tt.waivers)
			for id, want := range tt.want {
				it, ok := s.Item(id)
				if !ok {
					t.Fatalf("no item %s", id)
				}
				got := string(it.State)
				if len(it.SatisfiedBy) > 0 {
					var ids []string
					for _, e := range it.SatisfiedBy {
						ids = append(ids, e.DocumentID)
					}
					got += ":" + strings.Join(ids, ",")
				}
				if got != want {
					t.Errorf("item %s: got %s, want %s", id, got, want)
				}
			}
			if s.Complete() != tt.complete {
				t.Errorf("got complete %v, want %v (missing %v)", s.Complete(), tt.complete, s.Missing())
			}
		})
	}
}

func TestConditionTexts(t *testing.T) {
	c := domain.Condition{ClaimantNotInsured: true, AmountAboveFen: fen(1_000_000)}
	d := c.Describe()
	if !strings.Contains(d.ZH, "10,000.00元") || !strings.Contains(d.EN, "When the claimant is not the insured; when the amount claimed exceeds CNY 10,000.00") {
		t.Errorf("got %+v, want both conditions in both languages", d)
	}
	why := c.Explain(domain.Facts{AmountFen: 1_234_567})
	if !strings.Contains(why.ZH, "12,345.67元超过10,000.00元") || !strings.Contains(why.EN, "CNY 12,345.67, exceeds CNY 10,000.00") {
		t.Errorf("got %+v, want the amount against the threshold", why)
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 123456: "1,234.56", 100000000: "1,000,000.00", -150: "-1.50"} {
		if got := domain.Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestValidateChecklist(t *testing.T) {
	tests := []struct {
		name   string
		change func(*domain.ChecklistTemplate)
		want   string
	}{
		{"valid", func(*domain.ChecklistTemplate) {}, ""},
		{"unknown incident type", func(c *domain.ChecklistTemplate) { c.IncidentType = "flood" }, "unknown incident type"},
		{"no items", func(c *domain.ChecklistTemplate) { c.Items = nil }, "no items"},
		{"two items of one id", func(c *domain.ChecklistTemplate) { c.Items[1].ID = c.Items[0].ID }, "appears twice"},
		{"an id with capitals", func(c *domain.ChecklistTemplate) { c.Items[0].ID = "Insured" }, "the id must match"},
		{"no English", func(c *domain.ChecklistTemplate) { c.Items[0].Title.EN = " " }, "Chinese and English"},
		{"a reminder in Chinese only", func(c *domain.ChecklistTemplate) { c.Items[0].Reminder = domain.Text{ZH: "提醒"} }, "reminder"},
		{"no document", func(c *domain.ChecklistTemplate) { c.Items[0].Documents = nil }, "no document type"},
		{"other", func(c *domain.ChecklistTemplate) { c.Items[0].Documents[0].Type = document.Other }, "not one OCR recognises"},
		{"unknown person", func(c *domain.ChecklistTemplate) { c.Items[0].Person = "heir" }, "person"},
		{"negative threshold", func(c *domain.ChecklistTemplate) { c.Items[5].When.AmountAboveFen = fen(-1) }, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := template()
			tt.change(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestWithChange(t *testing.T) {
	bank := item("bank_account", document.BankCard)
	extra := item("accident_proof", document.AccidentReport)
	got, err := template().WithChange(domain.ChecklistChange{Product: "PM-2026", Version: "2", Items: []domain.ChecklistItem{bank, extra}, Remove: []string{"relationship_proof"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range got.Items {
		ids = append(ids, it.ID)
	}
	want := []string{"insured_id", "medical_invoices", "treatment_record", "claimant_id", "bank_account", "accident_proof"}
	if !slices.Equal(ids, want) || got.Version != "medical@1+PM-2026@2" || got.Product != "PM-2026" || !got.Items[4].When.IsZero() {
		t.Fatalf("got %v version %s, want %v version medical@1+PM-2026@2 with the bank account always asked", ids, got.Version, want)
	}
	if _, err := template().WithChange(domain.ChecklistChange{Product: "X", Version: "1", Remove: []string{"nope"}}); err == nil {
		t.Fatal("got no error removing an unknown item, want one")
	}
	if base := template(); len(base.Items) != 6 {
		t.Fatalf("got %d items in the standard checklist after a change, want it untouched", len(base.Items))
	}
}
