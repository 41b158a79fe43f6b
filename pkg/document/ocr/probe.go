package ocr

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"claims.local/pkg/document"
)

// Info is what Probe learns about a document without reading its text.
type Info struct {
	Media document.Media
	Pages int
}

// Probe checks data as Inspect does before it reads any text, without a
// Tesseract client, so that a service can refuse an upload on the request
// path and queue only files the pipeline will accept: the size, the format
// recognised from the content, the number of pages, and the pixels of every
// page. An image is decoded in full, page by page, so that a truncated or
// corrupt file is refused too. A PDF is checked with pdfinfo (a PDF of
// thousands of pages costs no more than one of MaxPages+1), and each of its
// pages at the resolution Inspect would rasterise it at, even a page with a
// text layer that Inspect would not rasterise. cfg is the configuration the
// pipeline is made with; its zero fields take the same defaults. Refusals
// are the *apperr.Error codes of Inspect: payload_too_large,
// unsupported_media_type or unprocessable.
func Probe(ctx context.Context, cfg Config, data []byte) (Info, error) {
	cfg = cfg.withDefaults()
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	if err := cfg.Limits.CheckSize(int64(len(data))); err != nil {
		return Info{}, err
	}
	media, err := document.Sniff(data)
	if err != nil {
		return Info{}, err
	}
	if media == document.OFD {
		pages, err := document.ReadOFD(data, cfg.Limits)
		if err != nil {
			return Info{}, err
		}
		return Info{Media: media, Pages: len(pages)}, nil
	}
	if media != document.PDF {
		info, err := document.ProbeImage(data, cfg.Limits)
		if err != nil {
			return Info{}, err
		}
		for i := range info.Sizes {
			if err := ctx.Err(); err != nil {
				return Info{}, err
			}
			if _, err := document.DecodeGray(data, info, i); err != nil {
				return Info{}, err
			}
		}
		return Info{Media: media, Pages: len(info.Sizes)}, nil
	}
	dir, err := os.MkdirTemp(cfg.TempDir, "claims-probe-*")
	if err != nil {
		return Info{}, fmt.Errorf("ocr: temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "document.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return Info{}, fmt.Errorf("ocr: writing the PDF: %w", err)
	}
	// A pipeline without workers: pdfPageSizes and the commands it runs
	// read nothing but the configuration.
	p := &Pipeline{cfg: cfg}
	sizes, err := p.pdfPageSizes(ctx, path)
	if err != nil {
		return Info{}, err
	}
	for i, size := range sizes {
		w := int64(math.Ceil(size[0] / 72 * float64(cfg.DPI)))
		h := int64(math.Ceil(size[1] / 72 * float64(cfg.DPI)))
		if err := cfg.Limits.CheckPixels(i+1, w, h); err != nil {
			return Info{}, err
		}
	}
	return Info{Media: document.PDF, Pages: len(sizes)}, nil
}
