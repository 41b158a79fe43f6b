package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/tracking"
)

// TestPartsAndPagesRoundTrip: a reading's pages (size, rotation, lines with
// their boxes) and parts (page range, type, confidence, fields with their
// sources) are stored and read back as they were, and a correction keeps
// the part it addresses.
func TestPartsAndPagesRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(t, sample(t, "r1"))
	now := time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC)
	summary := document.Fields{Names: []string{"王芳"}, EventDate: calendar.Date{Year: 2026, Month: 2, Day: 10},
		Sources: map[string]document.Source{"names": {Page: 1, Box: document.Box{X: 5, Y: 6, W: 7, H: 8}, Confidence: 0.8}}}
	invoice := document.Fields{HasAmount: true, TotalAmountFen: 123450, HasFigures: true, FiguresFen: 123450, InvoiceNumber: "AB12345678",
		Sources: map[string]document.Source{"total_amount_fen": {Page: 2, Box: document.Box{X: 100, Y: 200, W: 300, H: 40}, Confidence: 0.91}}}
	reading := twoPartReading(now, summary, invoice)
	stored, err := f.repo.Update(context.Background(), "r1", func(x *domain.ClaimFile) (tracking.Effects, error) {
		d := newDocument(x.Report, "d1", 'a')
		d.State, d.Attempts = domain.DocumentReading, 1
		require.True(t, d.RecordReading(1, reading))
		typ := document.MedicalInvoice
		require.NoError(t, d.Correct(domain.Correction{Part: 1, ExpectedType: &typ, TotalAmountFen: ptr(int64(123460)), Note: "看原件", By: "h", At: now}))
		x.AddDocument(d)
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	got, err := f.repo.Get(context.Background(), "r1")
	require.NoError(t, err)
	require.Equal(t, stored, got, "claim file read back")
	d := got.Documents[0]
	require.Equal(t, reading.Pages, d.Reading.Pages, "pages read back")
	require.Equal(t, reading.Parts, d.Reading.Parts, "parts read back")
	if p := d.PartFields(1); p.TotalAmountFen != 123460 || d.Corrections[0].Part != 1 {
		t.Fatalf("got part 1 amount %d, correction of part %d; want 123460 corrected on part 1", p.TotalAmountFen, d.Corrections[0].Part)
	}
}

// twoPartReading is the reading of a two-page document read at now: a
// discharge summary with summary's fields, then an invoice with invoice's.
func twoPartReading(now time.Time, summary, invoice document.Fields) domain.Reading {
	return domain.Reading{Type: document.DischargeSummary, Confidence: 0.9, Fields: summary, Text: "出院小结\n\n医疗收费票据", ReadAt: now,
		Pages: []document.Page{
			{Number: 1, Width: 1240, Height: 1754, Rotation: 90, Source: document.FromOCR,
				Lines: []document.Line{{Text: "出院小结", Box: document.Box{X: 1, Y: 2, W: 3, H: 4}, Confidence: 0.88}}},
			{Number: 2, Width: 1240, Height: 1754, Source: document.FromTextLayer,
				Lines: []document.Line{{Text: "合计 1234.50", Box: document.Box{X: 100, Y: 200, W: 300, H: 40}, Confidence: 1}}},
		},
		Parts: []document.Part{
			{FirstPage: 1, LastPage: 1, Analysis: document.Analysis{Type: document.DischargeSummary, Confidence: 0.9, Fields: summary}},
			{FirstPage: 2, LastPage: 2, Analysis: document.Analysis{Type: document.MedicalInvoice, Confidence: 0.95, Fields: invoice}},
		}}
}
