package document

import "testing"

func TestValidIDNumber(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true},
		{"110105198506150014", true},
		{"110105198506150015", false}, // wrong check digit
		{"11010519491231002x", false}, // the check X is upper-case
		{"110105198502300011", false}, // 30 February
		{"110105180001010015", false}, // born before 1900
		{"11010519850615001", false},  // 17 characters
		{"1101051985061500140", false},
		{"11010519850615OO14", false}, // letters are repaired by findIDNumber, not accepted here
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidIDNumber(tt.id); got != tt.want {
			t.Errorf("ValidIDNumber(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestFindIDNumber(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"labelled", "公民身份号码 110105198506150014", "110105198506150014"},
		{"in running text", "死者李四，证件110105198506150014，于", "110105198506150014"},
		{"OCR O for 0 repaired when the checksum verifies", "身份证号：11O1O5198506150014", "110105198506150014"},
		{"OCR l and I for 1 repaired", "公民身份号码 l10105198506I50014", "110105198506150014"},
		{"lower-case x check character", "身份证号 11010519491231002x", "11010519491231002X"},
		{"split in groups on a labelled line", "公民身份号码 1101 0519 8506 1500 14", "110105198506150014"},
		{"repair that breaks the checksum is refused", "身份证号：11O1O5198506150015", ""},
		{"bank card numbers are not searched for a window", "卡号 62220212345678901105198506150014", ""},
		{"wrong checksum", "公民身份号码 110105198506150015", ""},
		{"nothing", "诊断证明书", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := findIDNumber(Normalize(tt.text))
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
