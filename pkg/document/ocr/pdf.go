package ocr

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// minTextLayerChars is the number of letters and digits a page's text layer
// must have to be used instead of OCR. A scanned page often carries a few
// stray characters (a page number, a scanner's stamp) in a text layer.
const minTextLayerChars = 16

// maxCommandOutput bounds what a poppler command may print (the text of 50
// pages is far less).
const maxCommandOutput = 16 << 20

// readPDF reads every page of a PDF: from its text layer where it has one,
// by rasterising and recognising it otherwise. It returns the pages and
// how many were recognised, and the Tesseract passes they took.
func (p *Pipeline) readPDF(ctx context.Context, data []byte) ([]document.Page, int, passes, error) {
	dir, err := os.MkdirTemp(p.cfg.TempDir, "claims-ocr-*")
	if err != nil {
		return nil, 0, passes{}, fmt.Errorf("ocr: temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	pdfPath := filepath.Join(dir, "document.pdf")
	if err := os.WriteFile(pdfPath, data, 0o600); err != nil {
		return nil, 0, passes{}, fmt.Errorf("ocr: writing the PDF: %w", err)
	}

	sizes, err := p.pdfPageSizes(ctx, pdfPath)
	if err != nil {
		return nil, 0, passes{}, err
	}
	layer, err := p.pdfText(ctx, pdfPath, len(sizes))
	if err != nil {
		return nil, 0, passes{}, err
	}

	r := p.newRun(ctx, len(sizes))
	recognised := 0
	for i, size := range sizes {
		if i < len(layer) && countLettersDigits(layer[i].Text()) >= minTextLayerChars {
			r.pages[i] = layer[i]
			continue
		}
		w := int64(math.Ceil(size[0] / 72 * float64(p.cfg.DPI)))
		h := int64(math.Ceil(size[1] / 72 * float64(p.cfg.DPI)))
		if err := p.cfg.Limits.CheckPixels(i+1, w, h); err != nil {
			return nil, 0, passes{}, err
		}
		img, err := p.rasterise(ctx, pdfPath, i+1, size)
		if err != nil {
			return nil, 0, passes{}, err
		}
		if err := r.submit(i, img, p.cfg.DPI); err != nil {
			return nil, 0, passes{}, err
		}
		recognised++
	}
	pages, err := r.wait()
	return pages, recognised, r.passes, err
}

// pdfInfoPage matches pdfinfo's "Page    1 size: 595.276 x 841.89 pts (A4)"
// lines. Read-only.
var pdfInfoPage = regexp.MustCompile(`(?m)^Page\s+(\d+)\s+size:\s+([0-9.]+)\s+x\s+([0-9.]+)\s+pts`)

// pdfPageSizes runs pdfinfo and returns each page's size in points, after
// checking the page count. pdfinfo is asked for at most MaxPages+1 pages,
// so a PDF of a million pages costs no more than one of 51.
func (p *Pipeline) pdfPageSizes(ctx context.Context, path string) ([][2]float64, error) {
	out, err := p.command(ctx, "pdfinfo", "-f", "1", "-l", strconv.Itoa(p.cfg.Limits.MaxPages+1), path)
	if err != nil {
		return nil, err
	}
	pages := -1
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pages:"); ok {
			if pages, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return nil, apperr.New(apperr.Unprocessable, "the PDF's page count cannot be read")
			}
		}
	}
	if pages < 0 {
		return nil, apperr.New(apperr.Unprocessable, "the PDF's page count cannot be read")
	}
	if err := p.cfg.Limits.CheckPages(pages); err != nil {
		return nil, err
	}
	sizes := make([][2]float64, pages)
	found := 0
	for _, m := range pdfInfoPage.FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		w, errW := strconv.ParseFloat(string(m[2]), 64)
		h, errH := strconv.ParseFloat(string(m[3]), 64)
		if n < 1 || n > pages || errW != nil || errH != nil || w <= 0 || h <= 0 || w > 1e6 || h > 1e6 {
			return nil, apperr.New(apperr.Unprocessable, "the PDF's page %s has no usable size", m[1])
		}
		sizes[n-1] = [2]float64{w, h}
		found++
	}
	if found != pages {
		return nil, apperr.New(apperr.Unprocessable, "the PDF's page sizes cannot be read")
	}
	return sizes, nil
}

// pdfText runs pdftotext -bbox over the first pages pages and
// returns each page's text layer, its lines with their boxes in the pixels
// of the page rasterised at Config.DPI (parseTextLayer).
func (p *Pipeline) pdfText(ctx context.Context, path string, pages int) ([]document.Page, error) {
	out, err := p.command(ctx, "pdftotext", "-bbox", "-enc", "UTF-8", "-f", "1", "-l", strconv.Itoa(pages), path, "-")
	if err != nil {
		return nil, err
	}
	layer, err := parseTextLayer(out, p.cfg.DPI)
	if err != nil {
		return nil, err
	}
	return layer[:min(len(layer), pages)], nil
}

// rasterise renders page (1-based), whose size in points pdfinfo measured
// (pdfPageSizes), at the configured resolution in gray with pdftoppm, and
// returns it for Tesseract. It renders the crop box (-cropbox), the box
// pdfinfo measured: by default pdftoppm renders the media box, which a
// hostile file makes far larger than its crop box. The page comes as a
// binary PGM on pdftoppm's standard output, read with no more room than
// the measured size and parsed without copying (decodePGM): pdftoppm's
// PNG, the format read before, cost it about 0.19 s of CPU a page of the
// benchmark's bundles (compressing a grainy scan), against 0.01 s for the
// same pixels as PGM.
func (p *Pipeline) rasterise(ctx context.Context, pdfPath string, page int, size [2]float64) (*image.Gray, error) {
	w := int64(math.Ceil(size[0] / 72 * float64(p.cfg.DPI)))
	h := int64(math.Ceil(size[1] / 72 * float64(p.cfg.DPI)))
	n := strconv.Itoa(page)
	// The page's room is taken at once: grown by doubling, the buffer of a
	// large page would take up to twice its size.
	stdout := &cappedBuffer{limit: int(maxPGMBytes(w, h))}
	stdout.buf.Grow(stdout.limit)
	out, err := p.run(ctx, stdout, "pdftoppm", "-cropbox", "-r", strconv.Itoa(p.cfg.DPI), "-gray", "-singlefile",
		"-f", n, "-l", n, pdfPath)
	if err != nil {
		return nil, err
	}
	img, err := decodePGM(out, w, h)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "the PDF cannot be read",
			Err: fmt.Errorf("the rasterised page %d: %w", page, err)}
	}
	return img, nil
}

// command runs a poppler command with the configured timeout and returns
// its output. A failure of the command on the document, or a timeout, is
// unprocessable, with the command's first line of complaint; a command
// that cannot be started is an internal error; a cancelled ctx returns
// ctx's error.
func (p *Pipeline) command(ctx context.Context, name string, args ...string) ([]byte, error) {
	return p.run(ctx, &cappedBuffer{limit: maxCommandOutput}, name, args...)
}

// run is command writing the output to stdout: a command that prints more
// than stdout's limit fails with payload_too_large.
func (p *Pipeline) run(ctx context.Context, stdout *cappedBuffer, name string, args ...string) ([]byte, error) {
	cmdCtx, cancel := context.WithTimeout(ctx, p.cfg.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(cmdCtx, name, args...)
	stderr := &cappedBuffer{limit: 4096, discardExtra: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case err == nil:
		return stdout.buf.Bytes(), nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case cmdCtx.Err() != nil:
		return nil, apperr.New(apperr.Unprocessable, "%s took longer than %v on this PDF", name, p.cfg.CommandTimeout)
	case stdout.overflow:
		return nil, apperr.New(apperr.TooLarge, "%s printed more than %d bytes on this PDF", name, stdout.limit)
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return nil, fmt.Errorf("ocr: running %s: %w", name, err)
	}
	msg := firstLine(stderr.buf.String())
	if strings.Contains(strings.ToLower(msg), "password") {
		return nil, apperr.New(apperr.Unprocessable, "the PDF is encrypted")
	}
	return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "the PDF cannot be read",
		Err: fmt.Errorf("%s: %s", name, msg)}
}

// cappedBuffer collects a command's output up to limit bytes. Past it, the
// write fails, which stops the command, or with discardExtra the rest is
// dropped (for diagnostics, of which the first lines are enough).
type cappedBuffer struct {
	buf          bytes.Buffer
	limit        int
	discardExtra bool
	overflow     bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); len(p) > room {
		b.overflow = true
		if !b.discardExtra {
			return 0, errors.New("output too large")
		}
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

// firstLine returns the first non-empty line of s, or "no message".
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "no message"
}

// countLettersDigits counts the letters and digits of s.
func countLettersDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
