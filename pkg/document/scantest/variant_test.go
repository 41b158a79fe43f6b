package scantest_test

import (
	"slices"
	"strings"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// TestVariantsReadFromTheirText checks the truth of the variants against
// their own text: analysed without OCR, every variant of every sample has
// its type and exactly the fields its truth says. A benchmark miss is then
// the reader's, not the corpus's.
func TestVariantsReadFromTheirText(t *testing.T) {
	for _, s := range scantest.Samples() {
		for seed := uint64(0); seed < 60; seed++ {
			v := scantest.Variant(s, seed)
			if seed > 0 && s.Type != document.Other && slices.Equal(v.Lines, s.Lines) {
				t.Errorf("%s seed %d: the variant is the sample itself", s.Type, seed)
			}
			a := document.Analyze(strings.Join(v.Lines, "\n"))
			if a.Type != v.Type {
				t.Errorf("%s seed %d: type got %s, want %s", s.Type, seed, a.Type, v.Type)
			}
			if misses, _ := v.Want.Misses(a.Fields); len(misses) > 0 {
				t.Errorf("%s seed %d: fields %v differ from the truth %+v\ntext: %q", s.Type, seed, misses, v.Want, v.Lines)
			}
		}
	}
}

// TestCapitals checks the capital numerals against the parser.
func TestCapitals(t *testing.T) {
	tests := []struct {
		fen  int64
		want string
	}{
		{123450, "壹仟贰佰叁拾肆元伍角整"},
		{2005008, "贰万零伍拾元零捌分"},
		{50, "伍角整"},
		{10000000, "壹拾万元整"},
		{100100, "壹仟零壹元整"},
	}
	for _, tt := range tests {
		if got := scantest.Capitals(tt.fen); got != tt.want {
			t.Errorf("Capitals(%d): got %s, want %s", tt.fen, got, tt.want)
		}
	}
	for fen := int64(1); fen < 3_000_000; fen += 7919 {
		got, err := document.ParseCapitalAmount(scantest.Capitals(fen))
		if err != nil || got != fen {
			t.Errorf("ParseCapitalAmount(%s): got %d, %v; want %d", scantest.Capitals(fen), got, err, fen)
		}
	}
}
