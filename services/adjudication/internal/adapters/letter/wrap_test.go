package letter

import (
	"reflect"
	"strings"
	"testing"
)

// gridWidth measures text on a grid: a Chinese or full-width character is
// two units wide, anything else one, so that tests can count widths.
func gridWidth(r rune) float64 {
	if breaksAround(r) {
		return 2
	}
	return 1
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name        string
		text        string
		first, rest float64
		want        []string
	}{
		{"fits", "拒绝给付", 10, 10, []string{"拒绝给付"}},
		{"breaks between Chinese characters and keeps them all", "一二三四五六七", 6, 6, []string{"一二三", "四五六", "七"}},
		{"keeps a number whole", "案号CLM-2026-000123已收悉", 20, 20, []string{"案号CLM-2026-000123", "已收悉"}},
		{"splits a word wider than a line", "ABCDEFGHIJ", 4, 4, []string{"ABCD", "EFGH", "IJ"}},
		{"breaks at spaces and drops them", "alpha beta gamma", 10, 10, []string{"alpha beta", "gamma"}},
		{"closing punctuation does not start a line", "一二三。四", 6, 6, []string{"一二", "三。四"}},
		{"opening punctuation does not end a line", "一二《三四》", 6, 6, []string{"一二", "《三", "四》"}},
		{"clause citation", "依据：《XX重大疾病保险条款》第七条第（二）项", 20, 20,
			[]string{"依据：《XX重大疾病保", "险条款》第七条第", "（二）项"}},
		{"date unit stays with its number", "一二于2026年10月9日作出", 12, 12, []string{"一二于2026年", "10月9日作出"}},
		{"hanging indent", "1. 一二三四五六", 9, 6, []string{"1. 一二三", "四五六"}},
		{"paragraph indent kept, wrapped line not indented", "\u3000\u3000一二三 四五", 8, 8, []string{"\u3000\u3000一二", "三 四五"}},
		{"line breaks start paragraphs", "一\n\n二", 6, 6, []string{"一", "", "二"}},
		{"empty", "", 6, 6, []string{""}},
		{"a character wider than the line still appears", "一", 1, 1, []string{"一"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrap(tt.text, tt.first, tt.rest, gridWidth)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWrapLosesNoCharacter guards against the fpdf MultiCell bug this
// wrapper exists for: whatever the width, the lines joined give back the
// text less the spaces at wrapped line edges.
func TestWrapLosesNoCharacter(t *testing.T) {
	text := "经审核，被保险人于合同生效后九十日等待期内确诊，依据《XX重大疾病保险条款》第七条第（二）项（CLM-2026-000123），不属于保险责任。"
	for width := 2.0; width <= 40; width++ {
		got := strings.Join(wrap(text, width, width, gridWidth), "")
		if got != text {
			t.Fatalf("at width %v: got %q, want %q", width, got, text)
		}
	}
}
