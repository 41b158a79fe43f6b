package docjson

import "claims.local/pkg/document"

// Source is where a field was read: the page (from 1), the box [x, y,
// width, height] in that page image's pixels, and the reader's confidence.
type Source struct {
	Page       int     `json:"page"`
	Box        [4]int  `json:"box"`
	Confidence float64 `json:"confidence"`
}

// Part is one document of an upload (issue 18): its pages [first, last]
// (from 1, inclusive), its type and the classifier's confidence, its
// fields and, keyed like the claim-request event's fields, where each was
// read.
type Part struct {
	Pages      [2]int            `json:"pages"`
	Type       string            `json:"type"`
	Confidence float64           `json:"confidence"`
	Fields     Fields            `json:"fields"`
	Sources    map[string]Source `json:"sources,omitempty"`
}

// SourcesOf returns the JSON view of a part's sources; nil for none.
func SourcesOf(sources map[string]document.Source) map[string]Source {
	if len(sources) == 0 {
		return nil
	}
	out := make(map[string]Source, len(sources))
	for name, s := range sources {
		out[name] = Source{Page: s.Page, Box: [4]int{s.Box.X, s.Box.Y, s.Box.W, s.Box.H}, Confidence: s.Confidence}
	}
	return out
}

// PartOf returns the JSON view of p with fields as FieldsOf gives them (a
// caller that must not show the ID number in full masks p's first).
func PartOf(p document.Part) Part {
	return Part{Pages: [2]int{p.FirstPage, p.LastPage}, Type: string(p.Analysis.Type), Confidence: p.Analysis.Confidence,
		Fields: FieldsOf(p.Analysis.Fields), Sources: SourcesOf(p.Analysis.Fields.Sources)}
}
