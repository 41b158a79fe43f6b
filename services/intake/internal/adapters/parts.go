package adapters

import (
	"encoding/json"
	"fmt"

	"claims.local/pkg/document"
)

// boxJSON is a box on a page as stored: [x, y, width, height] in the page
// image's pixels.
type boxJSON [4]int

func boxOf(b document.Box) boxJSON       { return boxJSON{b.X, b.Y, b.W, b.H} }
func (b boxJSON) toDomain() document.Box { return document.Box{X: b[0], Y: b[1], W: b[2], H: b[3]} }

type lineJSON struct {
	Text       string  `json:"text"`
	Box        boxJSON `json:"box"`
	Confidence float64 `json:"confidence"`
}

// pageJSON is a page of a reading as stored in documents.read_pages.
type pageJSON struct {
	Number   int        `json:"number"`
	Width    int        `json:"width"`
	Height   int        `json:"height"`
	Rotation int        `json:"rotation"`
	Source   string     `json:"source"`
	Lines    []lineJSON `json:"lines"`
}

type sourceJSON struct {
	Page       int     `json:"page"`
	Box        boxJSON `json:"box"`
	Confidence float64 `json:"confidence"`
}

// partJSON is a part of a reading as stored in documents.read_parts. Its
// fields are package document's Fields in Go's own JSON form, so every
// field a type reads is kept, including ones added after this table; the
// sources are stored in their own key, in a stable shape.
type partJSON struct {
	FirstPage  int                   `json:"first_page"`
	LastPage   int                   `json:"last_page"`
	Type       string                `json:"type"`
	Confidence float64               `json:"confidence"`
	Fields     json.RawMessage       `json:"fields"`
	Sources    map[string]sourceJSON `json:"sources,omitempty"`
}

// marshalParts returns the JSON of a reading's pages and parts; nil for
// none (a reading stored before parts).
func marshalParts(pages []document.Page, parts []document.Part) (pagesJSON, partsJSON []byte, err error) {
	if len(pages) > 0 {
		out := make([]pageJSON, len(pages))
		for i, p := range pages {
			out[i] = pageJSON{Number: p.Number, Width: p.Width, Height: p.Height, Rotation: p.Rotation, Source: string(p.Source),
				Lines: make([]lineJSON, len(p.Lines))}
			for j, l := range p.Lines {
				out[i].Lines[j] = lineJSON{Text: l.Text, Box: boxOf(l.Box), Confidence: l.Confidence}
			}
		}
		if pagesJSON, err = json.Marshal(out); err != nil {
			return nil, nil, fmt.Errorf("pages: %w", err)
		}
	}
	if len(parts) > 0 {
		out := make([]partJSON, len(parts))
		for i, p := range parts {
			f := p.Analysis.Fields
			sources := f.Sources
			f.Sources = nil
			fields, err := json.Marshal(f)
			if err != nil {
				return nil, nil, fmt.Errorf("part %d: %w", i, err)
			}
			out[i] = partJSON{FirstPage: p.FirstPage, LastPage: p.LastPage, Type: string(p.Analysis.Type),
				Confidence: p.Analysis.Confidence, Fields: fields}
			for k, s := range sources {
				if out[i].Sources == nil {
					out[i].Sources = map[string]sourceJSON{}
				}
				out[i].Sources[k] = sourceJSON{Page: s.Page, Box: boxOf(s.Box), Confidence: s.Confidence}
			}
		}
		if partsJSON, err = json.Marshal(out); err != nil {
			return nil, nil, fmt.Errorf("parts: %w", err)
		}
	}
	return pagesJSON, partsJSON, nil
}

// unmarshalParts reads back what marshalParts stored.
func unmarshalParts(pagesJSON, partsJSON []byte) ([]document.Page, []document.Part, error) {
	var pages []document.Page
	if len(pagesJSON) > 0 {
		var in []pageJSON
		if err := json.Unmarshal(pagesJSON, &in); err != nil {
			return nil, nil, fmt.Errorf("pages: %w", err)
		}
		for _, p := range in {
			page := document.Page{Number: p.Number, Width: p.Width, Height: p.Height, Rotation: p.Rotation, Source: document.PageSource(p.Source)}
			for _, l := range p.Lines {
				page.Lines = append(page.Lines, document.Line{Text: l.Text, Box: l.Box.toDomain(), Confidence: l.Confidence})
			}
			pages = append(pages, page)
		}
	}
	var parts []document.Part
	if len(partsJSON) > 0 {
		var in []partJSON
		if err := json.Unmarshal(partsJSON, &in); err != nil {
			return nil, nil, fmt.Errorf("parts: %w", err)
		}
		for i, p := range in {
			var f document.Fields
			if err := json.Unmarshal(p.Fields, &f); err != nil {
				return nil, nil, fmt.Errorf("part %d: %w", i, err)
			}
			for k, s := range p.Sources {
				if f.Sources == nil {
					f.Sources = map[string]document.Source{}
				}
				f.Sources[k] = document.Source{Page: s.Page, Box: s.Box.toDomain(), Confidence: s.Confidence}
			}
			parts = append(parts, document.Part{FirstPage: p.FirstPage, LastPage: p.LastPage,
				Analysis: document.Analysis{Type: document.Type(p.Type), Confidence: p.Confidence, Fields: f}})
		}
	}
	return pages, parts, nil
}
