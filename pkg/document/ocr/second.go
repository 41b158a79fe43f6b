package ocr

import (
	"context"
	"image"
	"slices"
	"strings"

	"claims.local/pkg/document"
)

// secondReadingBelow is the confidence below which a name is read again by
// the second model: adjudication's ADJUDICATION_AUTO_MIN_CORROBORABLE
// default, below which no check vouches for a field read once.
const secondReadingBelow = 0.8

// secondReadingMinPage is the lowest confidence of a page (its lines' mean,
// weighted by characters) whose names are read again. Measured on issue
// 19's benchmark: its grainy receipts ("unreadable pages") read at
// 0.573-0.742, the 280 pages of its clean scanned claims at 0.792-0.931;
// on a grainy page the second model confirmed the first's name 8 times in
// 48, so a name in doubt on a page in doubt stays in doubt.
const secondReadingMinPage = 0.77

// lineMargin is the white kept around a line cropped for the second model,
// in pixels.
const lineMargin = 4

// readNamesAgain has the second model read the line of each name of parts
// read below secondReadingBelow on an image's page read at
// secondReadingMinPage or more, and records in the part's fields the names
// it read the same (document.Fields.SecondReading). It returns how many
// lines it read. The line, not the value's box, is read: the value alone
// was read as the same name for 5 of 28 names against 14 of 28 for the
// line, its label giving the model its context.
func (p *Pipeline) readNamesAgain(ctx context.Context, pages []document.Page, imgs []*image.Gray, parts []document.Part) (int, error) {
	if p.cfg.SecondLanguage == "" || imgs == nil {
		return 0, nil
	}
	n := 0
	for k := range parts {
		f := &parts[k].Analysis.Fields
		for field, name := range document.NamesInDoubt(*f, secondReadingBelow) {
			src := f.Sources[field]
			i := src.Page - 1
			if i < 0 || i >= len(pages) || i >= len(imgs) || pages[i].Source != document.FromOCR ||
				meanConfidence(pages[i].Lines) < secondReadingMinPage {
				continue
			}
			line, ok := lineAt(pages[i], src.Box)
			if !ok {
				continue
			}
			text, _, err := p.readLine(ctx, cropLine(turnClockwise(imgs[i], pages[i].Rotation), line), false)
			if err != nil {
				return n, err
			}
			n++
			if document.ReadsName(text, parts[k].Analysis.Type, field, name) {
				f.ConfirmSecondReading(field)
			}
		}
	}
	return n, nil
}

// lineAt returns the box of page's line holding the centre of box.
func lineAt(page document.Page, box document.Box) (document.Box, bool) {
	cx, cy := box.X+box.W/2, box.Y+box.H/2
	for _, l := range page.Lines {
		b := l.Box
		if b.X <= cx && cx < b.X+b.W && b.Y <= cy && cy < b.Y+b.H {
			return b, true
		}
	}
	return document.Box{}, false
}

// cropLine copies box of img, lineMargin wider each side, inside img.
func cropLine(img *image.Gray, box document.Box) *image.Gray {
	r := image.Rect(box.X-lineMargin, box.Y-lineMargin, box.X+box.W+lineMargin, box.Y+box.H+lineMargin).
		Add(img.Bounds().Min).Intersect(img.Bounds())
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[y*out.Stride:y*out.Stride+r.Dx()], img.Pix[img.PixOffset(r.Min.X, r.Min.Y+y):])
	}
	return out
}

// readLine has a worker read img, one line, with the second model, or
// with the figures' model when figures; it returns the text read and the
// lowest confidence of its words that hold a digit (of its lines when it
// has no such word; 0 for no line): how sure the reading of an amount or
// a number is, whatever its label was read as.
func (p *Pipeline) readLine(ctx context.Context, img *image.Gray, figures bool) (string, float64, error) {
	r := p.newRun(ctx, 1)
	j := job{ctx: ctx, img: img, dpi: p.cfg.ImageDPI, out: r.out, second: !figures, figures: figures}
	select {
	case p.jobs <- j:
	case <-ctx.Done():
		return "", 0, ctx.Err()
	case <-p.quit:
		return "", 0, ErrClosed
	}
	select {
	case pr := <-r.out:
		if pr.err != nil {
			return "", 0, pr.err
		}
		texts := make([]string, len(pr.page.Lines))
		least, digits := 0.0, false
		for i, l := range pr.page.Lines {
			texts[i] = l.Text
			if !digits && (i == 0 || l.Confidence < least) {
				least = l.Confidence
			}
			for _, w := range l.Words {
				if strings.ContainsAny(w.Text, "0123456789") && (!digits || w.Confidence < least) {
					least, digits = w.Confidence, true
				}
			}
		}
		return strings.Join(texts, " "), least, nil
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
}

// readFiguresAgain has the figures' model (Config.FiguresLanguage) read
// again the line of the total in figures (小写) of each medical receipt of
// parts whose total the first reading left uncorroborated, and the line of
// the number of each bank card whose number it left unread, on an image's
// page read at secondReadingMinPage or more, and hands what it read to
// document.Fields.ReadFiguresAgain, which takes it only when another
// printing of the total on the receipt agrees, or ReadCardNumberAgain,
// which takes it only when both readings hold the same digits. It returns
// how many lines it read. On the benchmark's one bank card whose number
// chi_sim read as 6539. .899, eng read 6539 899. Measured on issue 19's benchmark (8 clean receipts, 4 of them
// the ones chi_sim read as 涪,000.00): eng read the line ¥1,000.00 on all
// 8, chi_sim again on the line 3 of the 4 (六,000.00 and Y1.000.00 the
// others), and chi_sim kept to the capital numerals (a whitelist) read
// 壹仟元整 as 壹元整 or 元整: a reading forced into the expected characters
// makes a plausible wrong amount, so none is used.
func (p *Pipeline) readFiguresAgain(ctx context.Context, pages []document.Page, imgs []*image.Gray, parts []document.Part) (int, error) {
	if p.cfg.FiguresLanguage == "" || imgs == nil {
		return 0, nil
	}
	n := 0
	for k := range parts {
		a := &parts[k].Analysis
		card := a.Type == document.BankCard && a.Fields.AccountNumber == ""
		if !card && (a.Type != document.MedicalInvoice || slices.Contains(a.Fields.Corroborated(), "total_amount_fen")) {
			continue
		}
		for i := parts[k].FirstPage - 1; i < parts[k].LastPage && i < len(pages) && i < len(imgs); i++ {
			if i < 0 || pages[i].Source != document.FromOCR || meanConfidence(pages[i].Lines) < secondReadingMinPage {
				continue
			}
			find := document.FiguresLine
			if card {
				find = document.CardNumberLine
			}
			line, ok := find(pages[i])
			if !ok {
				continue
			}
			text, conf, err := p.readLine(ctx, cropLine(turnClockwise(imgs[i], pages[i].Rotation), line.Box), true)
			if err != nil {
				return n, err
			}
			n++
			at := document.Source{Page: i + 1, Box: line.Box, Confidence: conf}
			if card {
				a.Fields.ReadCardNumberAgain(line.Text, text, at)
			} else {
				a.Fields.ReadFiguresAgain(text, at)
			}
			break
		}
	}
	return n, nil
}

// visitNumbersAsSureAsTheirPage makes the visit number of each part read
// on a recognised page in doubt as a whole (its lines' mean below
// secondReadingMinPage) no surer than that page. Adjudication lets a
// sure visit number tie a patient's name read in doubt to the certificate
// of the same visit (issue 19); digits read well under grain (the
// benchmark's grainy receipts read theirs at 0.89-0.92, their names at
// 0.5-0.75), and a name in doubt on a page in doubt stays in doubt, as
// it does for the second model.
func visitNumbersAsSureAsTheirPage(pages []document.Page, parts []document.Part) {
	for k := range parts {
		f := &parts[k].Analysis.Fields
		src, ok := f.Sources["visit_number"]
		i := src.Page - 1
		if !ok || i < 0 || i >= len(pages) || pages[i].Source != document.FromOCR {
			continue
		}
		if mean := meanConfidence(pages[i].Lines); mean < secondReadingMinPage && src.Confidence > mean {
			src.Confidence = mean
			f.Sources["visit_number"] = src
		}
	}
}
