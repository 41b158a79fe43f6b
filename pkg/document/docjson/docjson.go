// Package docjson is the JSON view of the fields read from a document, the
// one shape both intake's API (a document's reading and corrections) and
// "claimsctl doc inspect" print. Other tools read it, so its keys are a
// contract: add keys, never rename or remove one. The document types
// themselves (package document) carry no JSON tags.
package docjson

import "claims.local/pkg/document"

// Fields holds the fields found; a key is present only when its field was
// found. When the figures and the capitals of an amount disagree,
// amounts_disagree is true and both readings are given.
type Fields struct {
	IDNumber          string   `json:"id_number,omitempty"`
	TotalAmountFen    *int64   `json:"total_amount_fen,omitempty"`
	AmountsDisagree   bool     `json:"amounts_disagree,omitempty"`
	AmountFiguresFen  *int64   `json:"amount_figures_fen,omitempty"`
	AmountCapitalsFen *int64   `json:"amount_capitals_fen,omitempty"`
	EventDate         string   `json:"event_date,omitempty"`
	InvoiceNumber     string   `json:"invoice_number,omitempty"`
	Names             []string `json:"names,omitempty"`
	// AccountNumber and AccountHolder are a bank card's (intake's API
	// masks the number to its last four digits).
	AccountNumber string `json:"account_number,omitempty"`
	AccountHolder string `json:"account_holder,omitempty"`
}

// FieldsOf returns the JSON view of f, as it is: a caller that must not
// show the resident ID number in full (R11) masks it first.
func FieldsOf(f document.Fields) Fields {
	out := Fields{IDNumber: f.IDNumber, InvoiceNumber: f.InvoiceNumber, Names: f.Names, AccountNumber: f.AccountNumber,
		AccountHolder: f.AccountHolder}
	if f.HasAmount {
		out.TotalAmountFen = &f.TotalAmountFen
	}
	if f.AmountsDisagree {
		out.AmountsDisagree = true
		out.AmountFiguresFen, out.AmountCapitalsFen = &f.FiguresFen, &f.CapitalsFen
	}
	if f.EventDate.IsValid() {
		out.EventDate = f.EventDate.String()
	}
	return out
}
