package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/docjson"
	"claims.local/pkg/document/ocr"
)

// inspectFunc reads the document in a file with OCR. workers is the number
// of Tesseract workers to start.
type inspectFunc func(ctx context.Context, path string, workers int) (ocr.Result, error)

// docOutput is the JSON printed by "claimsctl doc inspect". Other tools
// call the command, so its keys are a contract: add keys, never rename or
// remove one.
type docOutput struct {
	Type       string  `json:"type"`
	Confidence float64 `json:"confidence"`
	Media      string  `json:"media"`
	// Fields has the shape of a document's fields in intake's API
	// (package docjson), with the ID number in full.
	Fields docjson.Fields `json:"fields"`
	Pages  int            `json:"pages"`
	Text   string         `json:"text"`
	// Parts are the documents the file holds, in page order (a PDF with a
	// discharge summary and then an invoice is two); Type and Fields are
	// those of the first.
	Parts []docjson.Part `json:"parts"`
}

const docUsage = `Usage: claimsctl doc inspect [--workers N] FILE

Read a supporting document (JPEG, PNG, TIFF or PDF, recognised from its
content, not its name) with OCR, and print one JSON object:

  type        id_card, death_certificate, medical_invoice, discharge_summary,
              diagnosis_certificate, accident_report, disability_appraisal,
              bank_card, relationship_proof or other
  confidence  of the type, from 0 to 1
  media       jpeg, png, tiff or pdf
  fields      id_number, total_amount_fen, event_date (YYYY-MM-DD),
              invoice_number, names; amounts_disagree with
              amount_figures_fen and amount_capitals_fen when the figures
              and the capitals of the total differ. A key is present only
              when found.
  pages       number of pages
  text        the text read, pages separated by a blank line
  parts       the documents the file holds, in page order, each with
              pages ([first, last], from 1), type, confidence, fields, and
              sources: per field the page, the box [x, y, width, height]
              in that page image's pixels and the confidence it was read
              with. type and fields above are those of the first part.

Files over 20 MiB, 50 pages or 40 megapixels a page are refused.

Flags:
  --workers N   Tesseract workers, pages read at once (default 1)

Exit status: 0 when read, 1 when the file cannot be read or is refused,
2 for bad arguments.
`

// runDoc implements "claimsctl doc".
func runDoc(e env, args []string) int {
	const name = "doc"
	if len(args) == 0 {
		return usageError(e, name, "missing subcommand: want doc inspect FILE")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		io.WriteString(e.stdout, docUsage)
		return exitOK
	case "inspect":
		return runDocInspect(e, args[1:])
	}
	return usageError(e, name, "unknown subcommand %q: want doc inspect FILE", args[0])
}

// runDocInspect implements "claimsctl doc inspect".
func runDocInspect(e env, args []string) int {
	const name = "doc inspect"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	workers := fs.Int("workers", 1, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(e.stdout, docUsage)
			return exitOK
		}
		return usageError(e, name, "%v", err)
	}
	switch {
	case fs.NArg() == 0:
		return usageError(e, name, "missing FILE")
	case fs.NArg() > 1:
		return usageError(e, name, "unexpected argument %q: give one FILE", fs.Arg(1))
	case fs.Arg(0) == "":
		return usageError(e, name, "FILE must not be empty")
	case *workers < 1 || *workers > 16:
		return usageError(e, name, "--workers must be between 1 and 16, got %d", *workers)
	case e.inspect == nil:
		return usageError(e, name, "reading documents is not available here")
	}
	path := fs.Arg(0)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := e.inspect(ctx, path, *workers)
	if err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s: %s: %v\n", name, path, err)
		return exitFailure
	}
	return writeJSON(e, name, docOutputOf(res))
}

// docOutputOf maps a pipeline result to the command's JSON.
func docOutputOf(res ocr.Result) docOutput {
	out := docOutput{
		Type:       string(res.Type),
		Confidence: res.Confidence,
		Media:      string(res.Media),
		Pages:      res.Pages,
		Text:       res.Text,
		Fields:     docjson.FieldsOf(res.Fields),
		Parts:      []docjson.Part{},
	}
	parts := res.Parts
	if len(parts) == 0 {
		// A result without parts is one document over every page.
		parts = []document.Part{{FirstPage: 1, LastPage: max(res.Pages, 1), Analysis: res.Analysis}}
	}
	for _, p := range parts {
		out.Parts = append(out.Parts, docjson.PartOf(p))
	}
	return out
}

// inspectDocument reads a file of at most the pipeline's byte limit and
// inspects it with a pipeline of the given number of workers, closed
// afterwards. An image is checked against the limits before Tesseract is
// started (which takes a few tenths of a second), so a refusal is quick.
func inspectDocument(ctx context.Context, path string, workers int) (ocr.Result, error) {
	limits := document.DefaultLimits()
	data, err := readDocument(path, limits.MaxBytes)
	if err != nil {
		return ocr.Result{}, err
	}
	media, err := document.Sniff(data)
	if err != nil {
		return ocr.Result{}, err
	}
	if media != document.PDF {
		if _, err := document.ProbeImage(data, limits); err != nil {
			return ocr.Result{}, err
		}
	}
	p, err := ocr.New(ocr.Config{Workers: workers, Limits: limits})
	if err != nil {
		return ocr.Result{}, err
	}
	defer p.Close()
	return p.Inspect(ctx, data)
}

// readDocument reads a file of at most limit bytes; a larger one is refused
// as payload_too_large before it is read. Errors do not repeat the path,
// which the caller prints.
func readDocument(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, pathErr.Err
		}
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, apperr.New(apperr.TooLarge, "the file is %d bytes; at most %d are accepted", st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, apperr.New(apperr.TooLarge, "the file is larger than %d bytes", limit)
	}
	return data, nil
}
