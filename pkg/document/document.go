// Package document reads the supporting documents of a claim: it recognises
// an upload's format from its content, refuses what is too large before
// decoding it, classifies a document's text into the platform's document
// types and extracts the fields a claims handler checks (resident ID number,
// invoice total in fen, event date, invoice number, names), each type's
// dates and names by their meaning, and a medical invoice's insurance split
// and items with their sums checked.
//
// AnalyzePages splits the pages of one upload into the documents it holds
// (a discharge summary and an invoice scanned together are two parts) and
// says, for every field, the page, box and confidence of the line it was
// read from. ReadOFD reads the pages of an OFD electronic document exactly.
//
// The package is pure Go and does no OCR itself: package document/ocr turns
// pages into lines and calls AnalyzePages.
package document

// Type is the kind of a supporting document. The set is closed: Classify
// returns one of the constants below.
type Type string

// The document types of the platform's guidance checklists.
const (
	IDCard               Type = "id_card"
	DeathCertificate     Type = "death_certificate"
	MedicalInvoice       Type = "medical_invoice"
	DischargeSummary     Type = "discharge_summary"
	DiagnosisCertificate Type = "diagnosis_certificate"
	AccidentReport       Type = "accident_report"
	DisabilityAppraisal  Type = "disability_appraisal"
	BankCard             Type = "bank_card"
	RelationshipProof    Type = "relationship_proof"
	Other                Type = "other"
)

// Types returns every document type, Other last.
func Types() []Type {
	return []Type{IDCard, DeathCertificate, MedicalInvoice, DischargeSummary, DiagnosisCertificate,
		AccidentReport, DisabilityAppraisal, BankCard, RelationshipProof, Other}
}

// Analysis is what the text of a document says: its type, how sure the
// classifier is (0 to 1), and the fields found in it.
type Analysis struct {
	Type       Type
	Confidence float64
	Fields     Fields
}

// Analyze classifies text and extracts its fields. Text is normalised first
// (full-width forms folded, OCR spaces between Chinese characters removed),
// so raw OCR output can be passed as it is.
func Analyze(text string) Analysis {
	norm := Normalize(text)
	t, conf := classifyNormalized(norm)
	return Analysis{Type: t, Confidence: conf, Fields: extractNormalized(norm, t)}
}
