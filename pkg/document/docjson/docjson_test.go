package docjson_test

import (
	"encoding/json"
	"testing"
	"time"

	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/document/docjson"
)

func TestFieldsOfKeepsOnlyWhatWasFound(t *testing.T) {
	tests := []struct {
		name   string
		fields document.Fields
		want   string
	}{
		{"nothing found", document.Fields{}, `{}`},
		{"every field", document.Fields{
			IDNumber: "11010519491231002X", HasAmount: true, TotalAmountFen: 123456,
			EventDate: calendar.Date{Year: 2026, Month: time.September, Day: 28}, InvoiceNumber: "No.0012", Names: []string{"张三"},
		}, `{"id_number":"11010519491231002X","total_amount_fen":123456,"event_date":"2026-09-28","invoice_number":"No.0012","names":["张三"]}`},
		{"amounts disagree", document.Fields{
			HasAmount: true, TotalAmountFen: 100, HasFigures: true, FiguresFen: 100, HasCapitals: true, CapitalsFen: 1000, AmountsDisagree: true,
		}, `{"total_amount_fen":100,"amounts_disagree":true,"amount_figures_fen":100,"amount_capitals_fen":1000}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(docjson.FieldsOf(tt.fields))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func TestPartOfCarriesPagesAndSources(t *testing.T) {
	p := document.Part{FirstPage: 2, LastPage: 3, Analysis: document.Analysis{Type: document.MedicalInvoice, Confidence: 0.9,
		Fields: document.Fields{HasAmount: true, TotalAmountFen: 100,
			Sources: map[string]document.Source{"total_amount_fen": {Page: 3, Box: document.Box{X: 1, Y: 2, W: 3, H: 4}, Confidence: 0.8}}}}}
	b, err := json.Marshal(docjson.PartOf(p))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"pages":[2,3],"type":"medical_invoice","confidence":0.9,"fields":{"total_amount_fen":100},"sources":{"total_amount_fen":{"page":3,"box":[1,2,3,4],"confidence":0.8}}}`
	if string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
}
