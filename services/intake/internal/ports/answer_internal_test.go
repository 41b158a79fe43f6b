package ports

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"claims.local/intake/internal/domain"
)

// answerTemplate is a checklist with a conditional item and a reminder;
// title changes its first item's title.
func answerTemplate(title string) domain.ChecklistTemplate {
	above := int64(500000)
	return domain.ChecklistTemplate{
		IncidentType: domain.IncidentType("medical"), Version: "medical@test", Title: domain.Text{ZH: "医疗", EN: "Medical"},
		Items: []domain.ChecklistItem{
			{ID: "id_card", Title: domain.Text{ZH: title, EN: "ID <card> & copy"}, Documents: []domain.DocumentOption{{Type: "id_card", Name: domain.Text{ZH: "身份证", EN: "ID card"}}}},
			{ID: "invoice", Title: domain.Text{ZH: "发票", EN: "Invoices"}, Multiple: true, Reminder: domain.Text{ZH: "提醒", EN: "Reminder"}},
			{ID: "appraisal", Title: domain.Text{ZH: "鉴定", EN: "Appraisal"}, When: domain.Condition{AmountAboveFen: &above}},
		},
	}
}

func answerFile(t domain.ChecklistTemplate, amount int64, description string) domain.ClaimFile {
	at := time.Date(2026, 3, 2, 9, 30, 0, 123000, time.UTC)
	return domain.ClaimFile{Report: domain.IncidentReport{
		ID: "r-1", ClaimID: "CLM-1", PolicyNumber: "P-1", InsuredName: "钱七", IncidentType: t.IncidentType,
		IncidentTime: at, ReportedAt: at, Description: description, ClaimedAmountFen: amount,
		Reporter: domain.Reporter{Name: "钱七", Role: "insured"}, Checklist: t,
	}}
}

// TestANewReportsAnswerIsTheOneEncodedInFull holds the answer to a new
// report, its checklist encoded once per template and states, to the
// bytes encoding/json makes of the whole answer (issue 21, R1): the attack
// is a remembered checklist served to a report whose checklist differs,
// by a template of the same name and version with other items, by the
// states its facts give, or by an item satisfied or waived.
func TestANewReportsAnswerIsTheOneEncodedInFull(t *testing.T) {
	answers := newReportAnswers()
	waived := answerFile(answerTemplate("身份证"), 0, "")
	waived.Waivers = []domain.Waiver{{ItemID: "id_card", Reason: "seen at the counter", By: "handler-1", At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}
	waivedAgain := answerFile(answerTemplate("身份证"), 0, "")
	waivedAgain.Waivers = []domain.Waiver{{ItemID: "id_card", Reason: "sent by mail", By: "handler-2", At: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}}
	linked := func(r *reportResponse) { r.Linked, r.DuplicateOf = true, "r-0" }
	steps := []struct {
		name string
		file domain.ClaimFile
		fill func(*reportResponse)
	}{
		{"first of its template", answerFile(answerTemplate("身份证"), 0, ""), nil},
		{"again, remembered", answerFile(answerTemplate("身份证"), 0, "another"), nil},
		{"the conditional item asked for", answerFile(answerTemplate("身份证"), 900000, ""), nil},
		{"same name and version, another item's title", answerFile(answerTemplate("身份证明"), 0, ""), nil},
		{"an item waived", waived, nil},
		{"the item waived by another", waivedAgain, nil},
		{"linked", answerFile(answerTemplate("身份证"), 0, ""), linked},
		{"a description holding the empty checklist's encoding", answerFile(answerTemplate("身份证"), 0,
			`"checklist":{"incident_type":"","version":"","title":"","title_en":"","basis":"","basis_zh":"","basis_en":"","items":null},`), nil},
	}
	for _, step := range steps {
		want := toReport(step.file)
		if step.fill != nil {
			step.fill(&want)
		}
		var full bytes.Buffer
		if err := json.NewEncoder(&full).Encode(want); err != nil {
			t.Fatal(err)
		}
		buf, err := answers.encode(step.file, step.fill)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := buf.String(); got != full.String() {
			t.Errorf("%s: got answer\n%s\nwant\n%s", step.name, got, full.String())
		}
		answers.release(buf)
	}
}

// BenchmarkNewReportAnswer encodes a new report's answer with its
// checklist remembered (remembered) and in full, as before (full).
func BenchmarkNewReportAnswer(b *testing.B) {
	f := answerFile(answerTemplate("身份证"), 0, "")
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			if err := json.NewEncoder(&buf).Encode(toReport(f)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		answers := newReportAnswers()
		b.ReportAllocs()
		for b.Loop() {
			buf, err := answers.encode(f, nil)
			if err != nil {
				b.Fatal(err)
			}
			answers.release(buf)
		}
	})
}
