package document

import (
	"strings"
	"unicode/utf8"
)

// ocrNameConfusions maps a character Tesseract's chi_sim model reads in
// place of a given-name character to that character, for the misreads
// that can only be misreads: the character read never stands in a given
// name (害 "harm", 输 "lose"; 荫 and 芯 hardly ever), and it was read for one
// given-name character only.
//
// The table is a dictionary, measured rather than guessed: 195 of the
// given-name characters most used in China (not the test corpus's names)
// were rendered six times each after the usual labels (姓名:, 患者姓名:,
// 被鉴定人:, 交款人:) and six common surnames, as scans (package
// scantest's Scanned style, its one CJK font), and read by the pipeline;
// a pair is listed when the misread was seen at least twice, always for
// the same character, and is not itself a character of that list or a
// common surname. A misread that is itself a name character (春 for 鑫,
// 吴 for 昊) cannot be told from a right reading and is left alone; a
// name none of whose characters is in the table is read as it is.
// Read-only.
var ocrNameConfusions = map[rune]rune{
	'害': '睿', '蹇': '睿', '裔': '毅', '输': '晗', '瞪': '晗', '荫': '萌', '苦': '茜', '准': '鹤', '锥': '鹤',
	'座': '鹰', '记': '岚', '靶': '芸', '芯': '馨', '戎': '菁',
}

// repairName replaces, in a name read by OCR, the given-name characters
// chi_sim is known to misread as characters no name holds
// (ocrNameConfusions). The first character, the surname, is kept.
func repairName(name string) string {
	_, first := utf8.DecodeRuneInString(name)
	var b strings.Builder
	b.WriteString(name[:first])
	for _, r := range name[first:] {
		if fixed, ok := ocrNameConfusions[r]; ok {
			r = fixed
		}
		b.WriteRune(r)
	}
	return b.String()
}
