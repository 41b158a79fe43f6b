// Package ocr reads supporting documents with Tesseract (through gosseract)
// and poppler, and hands their text to package document for classification
// and field extraction.
//
// A Pipeline keeps a pool of warm Tesseract clients, one per worker, each
// worker on its own locked OS thread, each client loaded once with its
// languages (chi_sim by default). Images (JPEG, PNG, TIFF, every page) are
// decoded in Go, after their headers passed the limits, and reach
// Tesseract as 8-bit gray pixels made here: the C decoders never see an
// upload. A PDF's page count and
// page sizes are checked with pdfinfo first; pages with a text layer are
// read exactly with pdftotext -bbox (words with their boxes), the others
// rasterised with pdftoppm at 200 dpi and recognised.
//
// Every page read is a document.Page: its lines with their boxes, in the
// pixels of the upright page (a text layer's points scaled to the
// resolution its page would be rasterised at), and their confidence (1 for
// a text layer). Before recognition a page is turned upright (guessed
// from its ink, Tesseract's OSD data when that fails), shrunk when its
// text is large, deskewed, and its background flattened; a colour
// image is read by its red channel, so that red seals vanish (see
// preprocess.go).
//
// # Threads
//
// Debian's libtesseract runs its LSTM with OpenMP (libgomp). Workers must
// stay single-threaded, or OpenMP threads of every worker fight for the
// cores: on this two-core machine ten test pages took 6-7 s on one worker
// without OMP_THREAD_LIMIT=1 and 3.2 s with it. libgomp reads the variable
// once, when the program is loaded, so setting it from Go is too late for
// the running process: call RestartSingleThreaded at the top of main (or
// TestMain), which re-executes the program with OMP_THREAD_LIMIT=1 unless
// the variable is set. New sets it too when it is missing, for the poppler
// and tesseract processes the program starts.
//
// # gosseract v2.4.1
//
// A gosseract client is not safe for concurrent use; each worker owns one.
// Clients must not be initialised concurrently: gosseract's initialisation
// (run by the first recognition) redirects the process's stderr with
// freopen and dup2. Clients are therefore created one after another at
// start-up, warmed with a blank page so that the language data is loaded
// there, and re-created under a lock. While one is initialised, file
// descriptor 2 briefly points to /dev/null, and a file opened by another
// goroutine at that instant could be given descriptor 2 and lose it again:
// recycling is kept rare for that reason too.
//
// Client.Text leaks the C string of every result (a few KB a page), and
// Tesseract's own caches grow with use: after Config.RecycleAfter pages a
// worker closes its client and makes a new one, which returns Tesseract's
// memory; the leaked text is not returned, so RSS still grows by roughly
// the size of the text read. A page is recognised once by words.go's
// bridge on the client's own engine, which gives each line's text, box and
// confidence as gosseract's GetBoundingBoxes at the text-line level did,
// with its words and their characters (calling GetBoundingBoxes after
// Text, or GetBoundingBoxesVerbose after it, would recognise twice), and
// frees every string it returns.
//
// # Accuracy
//
// The defaults were measured on the test pages (package scantest: ten
// document types, skewed, grainy): page segmentation mode 4 (one column of
// lines) reads forms best, keeping each label with its value (mode 3 split
// labels and values into columns). The default language is chi_sim alone,
// whose model reads Latin letters and digits too: with chi_sim+eng (both
// are installed; set Config.Languages to use both) Tesseract read a noisy
// Chinese name as Latin letters on 2 of the 10 plain test pages and on 10
// of the 27 hard scans of TestInspectHardScans (王芳 as "ER"), where
// chi_sim misread one name (in a fax), and chi_sim alone is about 40%
// faster. A scan in English only reads better with eng.
package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// threadLimitVar is the OpenMP variable that caps the threads of each
// Tesseract worker.
const threadLimitVar = "OMP_THREAD_LIMIT"

// Config sets up a Pipeline. Zero fields take the defaults listed.
type Config struct {
	// Workers is the number of Tesseract clients, hence of pages
	// recognised at once (default: the number of CPUs).
	Workers int
	// Languages are the Tesseract languages (default DefaultLanguages).
	Languages []string
	// RecycleAfter is the number of pages after which a worker closes its
	// client and makes a new one, so that memory stays bounded (default
	// 200).
	RecycleAfter int
	// Limits bound uploads (default document.DefaultLimits).
	Limits document.Limits
	// DPI is the resolution PDF pages are rasterised at (default 200).
	DPI int
	// ImageDPI is the resolution Tesseract assumes for uploaded images,
	// which seldom say theirs (default 300).
	ImageDPI int
	// PageSegMode is Tesseract's page segmentation mode (default
	// gosseract.PSM_SINGLE_COLUMN, 4).
	PageSegMode gosseract.PageSegMode
	// TempDir holds the PDF and its rasterised pages while a document is
	// read (default os.TempDir()).
	TempDir string
	// CommandTimeout bounds each poppler command (default 2 minutes).
	CommandTimeout time.Duration
	// SecondLanguage is a second Tesseract model (HanS) that reads again
	// the line of a name read below the floor on an image's page not in
	// doubt as a whole (readNamesAgain); "" reads no name twice. Each
	// worker keeps a client of it, made with its own.
	SecondLanguage string
	// Choices keeps Tesseract's alternatives for each character read
	// (lstm_choice_mode 2: document.Char.Choices).
	Choices bool
	// FiguresLanguage is a Tesseract model (eng) that reads again the
	// line of a receipt's total in figures (小写) when the first reading
	// left the total uncorroborated, on an image's page not in doubt as a
	// whole (readFiguresAgain); "" reads no total twice. Each worker makes
	// a client of it, single-line, the first time it is asked to.
	FiguresLanguage string
	// RereadNames has chi_sim read again, alone, the value of each name on
	// an image's page not in doubt as a whole, cropped and enlarged
	// (rereadNames), kept beside the first reading and confirming
	// nothing; false reads no name's value twice. Each worker makes
	// a client of it, single-line and without dictionaries, the first time
	// it is asked to.
	RereadNames bool
	// NamesModelDir is a directory holding a chi_sim.traineddata other
	// than the one Languages load: tessdata 4.0.0's (the project's set-up
	// installs it, deployments/local/infra.sh names_model_install). When
	// set, its LSTM reads again, alone, the value of each name on an
	// image's page not in doubt as a whole, cropped and enlarged as
	// RereadNames does, and a name it reads sure becomes the name used
	// (document.Fields.TakeNameReading); it replaces RereadNames' client.
	// "" reads no name with it. New fails when the directory holds no
	// such model.
	NamesModelDir string
}

// DefaultLanguages returns the languages a pipeline reads with unless
// configured otherwise: chi_sim alone (see the package documentation).
func DefaultLanguages() []string { return []string{"chi_sim"} }

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
	if len(c.Languages) == 0 {
		c.Languages = DefaultLanguages()
	}
	if c.RecycleAfter <= 0 {
		c.RecycleAfter = 200
	}
	c.Limits = c.Limits.WithDefaults()
	if c.DPI <= 0 {
		c.DPI = 200
	}
	if c.ImageDPI <= 0 {
		c.ImageDPI = 300
	}
	if c.PageSegMode <= 0 {
		c.PageSegMode = gosseract.PSM_SINGLE_COLUMN
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 2 * time.Minute
	}
	return c
}

// Result is what reading a document gave: its type, confidence and fields
// (from document.Analyze), its format, its number of pages, and its text
// (pages separated by a blank line).
type Result struct {
	document.Analysis
	Media document.Media
	Pages int
	// RecognisedPages is how many pages went through Tesseract; the others
	// came from a PDF's text layer.
	RecognisedPages int
	Text            string
	// PageTexts are the pages as read, in order, and Parts the documents
	// the upload holds (document.AnalyzePages); Analysis is that of the
	// first part.
	PageTexts []document.Page
	Parts     []document.Part
	// Recognitions is how many times Tesseract recognised a page (a page
	// read turned both ways counts twice), and OSDRuns how many pages were
	// shown to its orientation detection: the work reading took.
	Recognitions int
	OSDRuns      int
	// SecondReadings is how many lines the second model read
	// (Config.SecondLanguage): one a name in doubt.
	SecondReadings int
	// FiguresReadings is how many lines of a total in figures the
	// figures' model read (Config.FiguresLanguage).
	FiguresReadings int
	// NameRereadings is how many names' values were read again alone
	// (Config.RereadNames).
	NameRereadings int
}

// ErrClosed is returned by Inspect after Close.
var ErrClosed = errors.New("ocr: pipeline closed")

// Pipeline reads documents. It is safe for concurrent use; at most
// Config.Workers pages are recognised at once, the others wait.
type Pipeline struct {
	cfg  Config
	jobs chan job
	quit chan struct{}
	wg   sync.WaitGroup
	// initMu serialises the creation of Tesseract clients (see the package
	// documentation).
	initMu    sync.Mutex
	closeOnce sync.Once
}

// job is one page for a worker to recognise.
type job struct {
	ctx   context.Context
	index int
	img   *image.Gray
	dpi   int
	out   chan<- pageResult // buffered: a worker never blocks on it
	// second asks for img, a line, to be read by the second model;
	// figures by the figures' model (Config.FiguresLanguage); reread by
	// the names' client (Config.RereadNames).
	second, figures, reread bool
}

// pageResult is a worker's answer to a job.
type pageResult struct {
	index  int
	page   document.Page
	passes passes
	err    error
}

// New starts a pipeline: it creates the workers' Tesseract clients one
// after another and loads their languages, so that a missing language
// fails here and the first document is read at full speed. Close releases
// them.
func New(cfg Config) (*Pipeline, error) {
	cfg = cfg.withDefaults()
	if _, set := os.LookupEnv(threadLimitVar); !set {
		// For child processes; see the package documentation for this
		// process's own OpenMP runtime.
		if err := os.Setenv(threadLimitVar, "1"); err != nil {
			return nil, fmt.Errorf("ocr: setting %s: %w", threadLimitVar, err)
		}
	}
	if cfg.NamesModelDir != "" {
		model := filepath.Join(cfg.NamesModelDir, "chi_sim.traineddata")
		if _, err := os.Stat(model); err != nil {
			return nil, &apperr.Error{Code: apperr.Unavailable, Message: "the names' OCR model is not installed", Err: err}
		}
	}
	p := &Pipeline{cfg: cfg, jobs: make(chan job), quit: make(chan struct{})}
	for i := 0; i < cfg.Workers; i++ {
		ready := make(chan error, 1)
		p.wg.Add(1)
		go p.work(ready)
		if err := <-ready; err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// Close stops the workers once their current page is done and frees their
// clients. It is safe to call more than once.
func (p *Pipeline) Close() error {
	p.closeOnce.Do(func() { close(p.quit) })
	p.wg.Wait()
	return nil
}

// Workers returns the number of workers.
func (p *Pipeline) Workers() int { return p.cfg.Workers }

// Limits returns the limits the pipeline enforces.
func (p *Pipeline) Limits() document.Limits { return p.cfg.Limits }

// Inspect reads one document: it recognises the format from the content,
// checks it against the limits, reads the text of every page, classifies
// it and extracts its fields. Refusals are *apperr.Error with code
// payload_too_large, unsupported_media_type or unprocessable. Cancelling
// ctx stops the work before the next page or command; a page already in
// Tesseract (about a second) is finished first.
func (p *Pipeline) Inspect(ctx context.Context, data []byte) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if err := p.cfg.Limits.CheckSize(int64(len(data))); err != nil {
		return Result{}, err
	}
	media, err := document.Sniff(data)
	if err != nil {
		return Result{}, err
	}
	var pages []document.Page
	var imgs []*image.Gray
	var recognised int
	var n passes
	switch media {
	case document.PDF:
		pages, recognised, n, err = p.readPDF(ctx, data)
	case document.OFD:
		// An OFD package is an electronic document: its text is exact and
		// read from its XML, with no page recognised.
		pages, err = document.ReadOFD(data, p.cfg.Limits)
	default:
		pages, imgs, n, err = p.readImage(ctx, data)
		recognised = len(pages)
	}
	if err != nil {
		return Result{}, err
	}
	texts := make([]string, len(pages))
	for i := range pages {
		pages[i].Number = i + 1
		texts[i] = pages[i].Text()
	}
	text := strings.Join(texts, "\n\n")
	parts := document.AnalyzePages(pages)
	second, err := p.readNamesAgain(ctx, pages, imgs, parts)
	if err != nil {
		return Result{}, err
	}
	figures, err := p.readFiguresAgain(ctx, pages, imgs, parts)
	if err != nil {
		return Result{}, err
	}
	rereads, err := p.rereadNames(ctx, pages, imgs, parts)
	if err != nil {
		return Result{}, err
	}
	visitNumbersAsSureAsTheirPage(pages, parts)
	analysis := document.Analyze(text)
	if len(parts) > 0 {
		analysis = parts[0].Analysis
	}
	return Result{
		Analysis:        analysis,
		Media:           media,
		Pages:           len(pages),
		RecognisedPages: recognised,
		Recognitions:    n.recognitions,
		OSDRuns:         n.osd,
		SecondReadings:  second,
		FiguresReadings: figures,
		NameRereadings:  rereads,
		Text:            text,
		PageTexts:       pages,
		Parts:           parts,
	}, nil
}

// readImage recognises every page of an image file, and counts the
// Tesseract passes it took; it returns the pages' images too.
func (p *Pipeline) readImage(ctx context.Context, data []byte) ([]document.Page, []*image.Gray, passes, error) {
	info, err := document.ProbeImage(data, p.cfg.Limits)
	if err != nil {
		return nil, nil, passes{}, err
	}
	r := p.newRun(ctx, len(info.Sizes))
	imgs := make([]*image.Gray, len(info.Sizes))
	for i := range info.Sizes {
		img, err := decodeForOCR(data, info, i)
		if err != nil {
			return nil, nil, passes{}, err
		}
		imgs[i] = img
		if err := r.submit(i, img, p.cfg.ImageDPI); err != nil {
			return nil, nil, passes{}, err
		}
	}
	pages, err := r.wait()
	return pages, imgs, r.passes, err
}

// run collects the pages of one document as workers recognise them.
type run struct {
	p       *Pipeline
	ctx     context.Context
	pages   []document.Page
	passes  passes
	out     chan pageResult
	pending int
}

func (p *Pipeline) newRun(ctx context.Context, pages int) *run {
	return &run{p: p, ctx: ctx, pages: make([]document.Page, pages), out: make(chan pageResult, pages)}
}

// submit hands page index to the next free worker, waiting for one.
func (r *run) submit(index int, img *image.Gray, dpi int) error {
	j := job{ctx: r.ctx, index: index, img: img, dpi: dpi, out: r.out}
	select {
	case r.p.jobs <- j:
		r.pending++
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-r.p.quit:
		return ErrClosed
	}
}

// wait returns all pages once the submitted ones are done; r.passes then
// counts the Tesseract passes they took.
func (r *run) wait() ([]document.Page, error) {
	for ; r.pending > 0; r.pending-- {
		select {
		case pr := <-r.out:
			if pr.err != nil {
				return nil, pr.err
			}
			r.pages[pr.index] = pr.page
			r.passes.recognitions += pr.passes.recognitions
			r.passes.osd += pr.passes.osd
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		}
	}
	return r.pages, nil
}

// work is one worker: it owns a Tesseract client and an OSD engine on a
// locked OS thread and recognises pages until the pipeline closes. It
// reports on ready once its first client is made.
func (p *Pipeline) work(ready chan<- error) {
	defer p.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	osd, err := p.newOSD()
	if err != nil {
		ready <- err
		return
	}
	defer osd.close()
	client, err := p.newMainClient()
	var second *gosseract.Client
	if err == nil && p.cfg.SecondLanguage != "" {
		if second, err = p.newClient([]string{p.cfg.SecondLanguage}, gosseract.PSM_SINGLE_LINE); err != nil {
			client.Close()
		} else {
			defer second.Close()
		}
	}
	ready <- err
	if err != nil {
		return
	}
	var figures, reread *gosseract.Client
	defer func() {
		if client != nil {
			client.Close()
		}
		if figures != nil {
			figures.Close()
		}
		if reread != nil {
			reread.Close()
		}
	}()
	pages := 0
	for {
		var j job
		select {
		case <-p.quit:
			return
		case j = <-p.jobs:
		}
		if err := j.ctx.Err(); err != nil {
			j.out <- pageResult{index: j.index, err: err}
			continue
		}
		if j.second {
			lines, err := recognise(second, j.img, j.dpi)
			j.out <- pageResult{index: j.index, page: document.Page{Lines: lines}, err: err}
			continue
		}
		if j.reread {
			if reread == nil {
				if reread, err = p.newRereadClient(); err != nil {
					j.out <- pageResult{index: j.index, err: err}
					continue
				}
			}
			lines, err := recognise(reread, j.img, j.dpi)
			j.out <- pageResult{index: j.index, page: document.Page{Lines: lines}, err: err}
			continue
		}
		if j.figures {
			if figures == nil {
				if figures, err = p.newClient([]string{p.cfg.FiguresLanguage}, gosseract.PSM_SINGLE_LINE); err != nil {
					j.out <- pageResult{index: j.index, err: err}
					continue
				}
			}
			lines, err := recognise(figures, j.img, j.dpi)
			j.out <- pageResult{index: j.index, page: document.Page{Lines: lines}, err: err}
			continue
		}
		if client == nil || pages >= p.cfg.RecycleAfter {
			if client != nil {
				client.Close()
			}
			if client, err = p.newMainClient(); err != nil {
				j.out <- pageResult{index: j.index, err: err}
				continue
			}
			pages = 0
		}
		page, n, err := readPageOrFax(client, osd, j.img, j.dpi)
		pages++
		j.out <- pageResult{index: j.index, page: page, passes: n, err: err}
	}
}

// newMainClient makes a worker's client of the pipeline's languages,
// keeping each character's alternatives when configured (Config.Choices).
func (p *Pipeline) newMainClient() (*gosseract.Client, error) {
	c, err := p.newClient(p.cfg.Languages, p.cfg.PageSegMode)
	if err != nil || !p.cfg.Choices {
		return c, err
	}
	if err := c.SetVariable("lstm_choice_mode", "2"); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: keeping the alternatives: %w", err)
	}
	return c, nil
}

// newClient makes a Tesseract client with languages, segmenting pages in
// mode psm, and warms it with a blank page, which loads the language data.
// A config file, when given, is read by Tesseract as it loads them (the
// variables only initialisation reads, such as the dictionaries').
// Clients are made one at a time (see the package documentation).
func (p *Pipeline) newClient(languages []string, psm gosseract.PageSegMode, config ...string) (*gosseract.Client, error) {
	return p.newClientIn("", languages, psm, config...)
}

// newClientIn is newClient with the languages' data read from dir (""
// for Tesseract's own tessdata directory).
func (p *Pipeline) newClientIn(dir string, languages []string, psm gosseract.PageSegMode, config ...string) (*gosseract.Client, error) {
	p.initMu.Lock()
	defer p.initMu.Unlock()
	c := gosseract.NewClient()
	fail := func(err error) (*gosseract.Client, error) {
		c.Close()
		return nil, &apperr.Error{Code: apperr.Unavailable, Message: "the OCR engine cannot start", Err: err}
	}
	if dir != "" {
		if err := c.SetTessdataPrefix(dir); err != nil {
			return fail(err)
		}
	}
	for _, path := range config {
		if err := c.SetConfigFile(path); err != nil {
			return fail(err)
		}
	}
	if err := c.SetLanguage(languages...); err != nil {
		return fail(err)
	}
	// Tesseract's tprintf diagnostics go to /dev/null rather than stderr.
	if err := c.SetVariable(gosseract.DEBUG_FILE, os.DevNull); err != nil {
		return fail(err)
	}
	if err := c.SetVariable("tessedit_pageseg_mode", strconv.Itoa(int(psm))); err != nil {
		return fail(err)
	}
	// Tesseract reads a line it reads badly a second time inverted (white
	// on black), which claim documents do not print: not doing so saved 9%
	// a page on the benchmark's pages (0.75 s against 0.83 s).
	if err := c.SetVariable("tessedit_do_invert", "0"); err != nil {
		return fail(err)
	}
	// gosseract loads the languages and sets the variables on the
	// client's first recognition through it; pages are then recognised on
	// its engine directly (recognise).
	if err := c.SetImageFromBytes(blankPGM()); err != nil {
		return fail(err)
	}
	if _, err := c.GetBoundingBoxes(gosseract.RIL_TEXTLINE); err != nil {
		return fail(fmt.Errorf("loading %s: %w", strings.Join(languages, "+"), err))
	}
	if _, err := apiOf(c); err != nil {
		return fail(err)
	}
	return c, nil
}

// newOSD makes a worker's orientation engine, one at a time like the
// clients (its initialisation loads data as theirs does).
func (p *Pipeline) newOSD() (*osdEngine, error) {
	p.initMu.Lock()
	defer p.initMu.Unlock()
	o, err := newOSD()
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unavailable, Message: "the OCR engine cannot start", Err: err}
	}
	return o, nil
}

// passes counts the Tesseract passes a page took: recognitions, and
// orientation detections with OSD.
type passes struct {
	recognitions, osd int
}

// readPage prepares a page (see preprocess.go: skew, background) and
// recognises it, turned the way pageLayout finds likeliest (orient.go).
// A page that reads with a low confidence (below minUprightConfidence)
// or as almost no text (readsUpright) that way is read turned by half a
// turn more; if it still reads badly,
// Tesseract's OSD is asked, and when it names a turn not yet tried the
// page is read that way too. The reading with the highest confidence is
// kept. Upright pages read at 0.68 to 0.93 on the test pages where turned
// ones read below 0.3, and OSD costs more than a recognition (about 0.6 s
// a page against 0.5 s), so a page whose orientation the guess finds,
// nearly all of them, is recognised once and never shown to OSD. The
// page's size is that of img once upright, and its line boxes are in that
// space. A page whose lines of text are large is read shrunk
// (shrinkFactor), its boxes scaled back to img's pixels.
func readPage(client *gosseract.Client, osd *osdEngine, img *image.Gray, dpi int) (document.Page, passes, error) {
	var n passes
	var best document.Page
	bestConfidence := -1.0
	lay := pageLayout(img)
	f := shrinkFactor(lay.lineHeight)
	small := shrink(img, f)
	// The page is read at the resolution it is shrunk to.
	smallDPI := max(1, int(math.Round(float64(dpi)*float64(small.Bounds().Dx())/float64(img.Bounds().Dx()))))
	read := func(turn int) (bool, error) {
		page, err := readUpright(client, turnClockwise(small, turn), smallDPI)
		n.recognitions++
		if err != nil {
			return false, err
		}
		if small != img {
			upright := turnedSize(img, turn)
			k := float64(upright.X) / float64(page.Width)
			for i := range page.Lines {
				mapBoxes(&page.Lines[i], func(b document.Box) document.Box { return scaleBox(b, k, upright.X, upright.Y) })
			}
			page.Width, page.Height = upright.X, upright.Y
		}
		page.Rotation = turn
		c := meanConfidence(page.Lines)
		if c > bestConfidence {
			best, bestConfidence = page, c
		}
		return readsUpright(page.Lines), nil
	}
	turns := lay.turns
	for _, turn := range turns[:2] {
		if ok, err := read(turn); ok || err != nil {
			return best, n, err
		}
	}
	turn, confidence := osd.orientation(small, smallDPI)
	n.osd++
	if confidence < minOSDConfidence || turn == turns[0] || turn == turns[1] {
		return best, n, nil
	}
	_, err := read(turn)
	return best, n, err
}

// readUpright deskews img, flattens its background and recognises it, as
// it stands.
func readUpright(client *gosseract.Client, img *image.Gray, dpi int) (document.Page, error) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	skew := estimateSkew(img)
	prepared := image.NewGray(image.Rect(0, 0, w, h))
	if math.Abs(skew) >= minDeskewDegrees {
		rotateInto(prepared, img, skew)
	} else {
		skew = 0
		for y := 0; y < h; y++ {
			copy(prepared.Pix[y*w:(y+1)*w], img.Pix[img.PixOffset(img.Bounds().Min.X, img.Bounds().Min.Y+y):])
		}
	}
	flattenBackground(prepared)
	lines, err := recognise(client, prepared, dpi)
	if err != nil {
		return document.Page{}, err
	}
	for i := range lines {
		mapBoxes(&lines[i], func(b document.Box) document.Box {
			if skew != 0 {
				return unrotateBox(b, skew, w, h)
			}
			return clampBox(b, w, h)
		})
	}
	return document.Page{Width: w, Height: h, Source: document.FromOCR, Lines: lines}, nil
}

// meanConfidence returns the confidence of lines weighted by their length
// in characters, 0 for no text.
func meanConfidence(lines []document.Line) float64 {
	var sum float64
	n := 0
	for _, l := range lines {
		k := len([]rune(l.Text))
		sum += l.Confidence * float64(k)
		n += k
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// recognise reads the lines of one page, with their boxes and confidences
// and their words', in one recognition (readLines: Tesseract's Recognize
// once, its result iterator walked line by line as gosseract's
// GetBoundingBoxes at the text-line level did, each line's words with
// it). Blank lines are dropped.
func recognise(c *gosseract.Client, img *image.Gray, dpi int) ([]document.Line, error) {
	if err := c.SetVariable("user_defined_dpi", strconv.Itoa(dpi)); err != nil {
		return nil, fmt.Errorf("ocr: setting the resolution: %w", err)
	}
	return readLines(c, img)
}
