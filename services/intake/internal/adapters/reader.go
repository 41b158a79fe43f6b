package adapters

import (
	"context"
	"errors"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
)

// Reader reads documents with the OCR pipeline of package ocr. Probe needs
// no Tesseract and works in every instance; Read needs the pipeline, which
// only instances that run OCR workers start.
type Reader struct {
	cfg      ocr.Config
	pipeline *ocr.Pipeline
}

// NewReader returns a reader with the pipeline's configuration; pipeline
// may be nil in an instance that reads nothing.
func NewReader(cfg ocr.Config, pipeline *ocr.Pipeline) *Reader {
	return &Reader{cfg: cfg, pipeline: pipeline}
}

// Probe checks an upload against the limits without reading its text.
func (r *Reader) Probe(ctx context.Context, data []byte) (document.Media, int, error) {
	info, err := ocr.Probe(ctx, r.cfg, data)
	return info.Media, info.Pages, err
}

// Read recognises a document's text, splits it into parts, classifies
// each and extracts its fields with where each was read.
func (r *Reader) Read(ctx context.Context, data []byte) (domain.Reading, error) {
	if r.pipeline == nil {
		return domain.Reading{}, errors.New("this instance runs no OCR workers")
	}
	res, err := r.pipeline.Inspect(ctx, data)
	if errors.Is(err, ocr.ErrClosed) {
		return domain.Reading{}, apperr.New(apperr.Unavailable, "the OCR pipeline is closed")
	}
	if err != nil {
		return domain.Reading{}, err
	}
	return domain.Reading{Type: res.Type, Confidence: res.Confidence, Fields: res.Fields, Text: res.Text,
		Pages: res.PageTexts, Parts: res.Parts}, nil
}

// Limits returns the limits uploads are checked against.
func (r *Reader) Limits() document.Limits { return r.cfg.Limits.WithDefaults() }
