package adapters

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// pageImageSide is the longer side, in pixels, of a PDF page rendered for
// the document viewer: enough to read a receipt zoomed in, and bounded
// whatever size a hostile file claims for its page.
const pageImageSide = 1600

// renderTimeout bounds the rendering of one PDF page.
const renderTimeout = 30 * time.Second

// RenderPage returns page n (from 1) of an upload as an image a browser
// shows: a JPEG or PNG as it is (one page), a TIFF page decoded and encoded
// as PNG, a PDF page rendered in colour as PNG with poppler's pdftoppm (the
// tool the OCR pipeline rasterises with), its crop box scaled to at most
// pageImageSide pixels.
//
// The file is one an upload stored after probing it, and media is what the
// probe found: it is not probed again for every page shown (a TIFF's probe
// decodes every page). The caller checks n against the stored page count.
func (r *Reader) RenderPage(ctx context.Context, data []byte, media document.Media, n int) ([]byte, string, error) {
	switch media {
	case document.JPEG:
		return data, "image/jpeg", nil
	case document.PNG:
		return data, "image/png", nil
	case document.TIFF:
		info, err := document.ProbeImage(data, r.Limits())
		if err != nil {
			return nil, "", err
		}
		if n < 1 || n > len(info.Sizes) {
			return nil, "", apperr.New(apperr.NotFound, "the file has %d pages, no page %d", len(info.Sizes), n)
		}
		img, err := document.DecodeGray(data, info, n-1)
		if err != nil {
			return nil, "", err
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return nil, "", fmt.Errorf("encode page %d: %w", n, err)
		}
		return b.Bytes(), "image/png", nil
	case document.OFD:
		// An OFD package is XML drawn by its reader; its text and the
		// boxes of its lines are the document's reading.
		return nil, "", apperr.New(apperr.UnsupportedMedia, "an OFD electronic document has no page image here: its text and the place of each field are in the document's reading")
	}
	return renderPDFPage(ctx, data, n)
}

// renderPDFPage renders page n of a PDF as PNG.
func renderPDFPage(ctx context.Context, data []byte, n int) ([]byte, string, error) {
	dir, err := os.MkdirTemp("", "intake-page-*")
	if err != nil {
		return nil, "", fmt.Errorf("render a page: %w", err)
	}
	defer os.RemoveAll(dir)
	pdfPath := filepath.Join(dir, "document.pdf")
	if err := os.WriteFile(pdfPath, data, 0o600); err != nil {
		return nil, "", fmt.Errorf("render a page: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, renderTimeout)
	defer cancel()
	page := strconv.Itoa(n)
	prefix := filepath.Join(dir, "page")
	cmd := exec.CommandContext(ctx, "pdftoppm", "-cropbox", "-scale-to", strconv.Itoa(pageImageSide), "-png", "-singlefile",
		"-f", page, "-l", page, pdfPath, prefix)
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil && ctx.Err() != context.DeadlineExceeded {
			return nil, "", ctx.Err()
		}
		return nil, "", apperr.New(apperr.Unprocessable, "page %d of the PDF cannot be rendered: %s", n, firstLineOf(out))
	}
	img, err := os.ReadFile(prefix + ".png")
	if err != nil {
		return nil, "", fmt.Errorf("render page %d: %w", n, err)
	}
	return img, "image/png", nil
}

// firstLineOf returns the first line of a command's complaint, at most 200
// bytes of it.
func firstLineOf(out []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(out), []byte("\n"))
	if len(line) > 200 {
		line = line[:200]
	}
	return string(line)
}
