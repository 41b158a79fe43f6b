package bankaccount_test

import (
	"strings"
	"testing"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"6222 0202 0011 2233 445", "6222020200112233445", false},
		{"6222-0202-0011", "622202020011", false},
		{"123456", "123456", false},
		{"12345", "", true},
		{strings.Repeat("1", 33), "", true},
		{"6222x0202", "", true},
		{"６２２２０２０２", "", true}, // full-width digits are not read as digits
	}
	for _, tt := range tests {
		got, err := bankaccount.Normalize("account_number", tt.in)
		if tt.wantErr {
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Field != "account_number" {
				t.Errorf("Normalize(%q): got %q, %v, want invalid_argument on account_number", tt.in, got, err)
			}
			if err != nil && strings.Contains(err.Error(), "0202") {
				t.Errorf("Normalize(%q): got error %q quoting the number, want it kept out", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q): got %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"6222020200112233445": "****3445", "12345": "****2345", "1234": "****", "": "****"} {
		if got := bankaccount.Mask(in); got != want {
			t.Errorf("Mask(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestAHolderFingerprintIsAnotherPersonsOnlyWhenTheNameDiffers is the
// attack on the name fingerprint the advance agreement's payee is checked
// by (issue 19): spaces and full-width letters name the same person; a
// traditional character, an invisible one, a homophone or another claim
// fingerprint differently, so a payee so named goes to a
// handler.
func TestAHolderFingerprintIsAnotherPersonsOnlyWhenTheNameDiffers(t *testing.T) {
	f := fingerprints(t, "k1")
	want := f.Holder("claim-1", "张三")
	for _, same := range []string{"张三", " 张 三 ", "张\u3000三", "张\u00a0三"} {
		if got := f.Holder("claim-1", same); got != want {
			t.Errorf("%q: got %s, want 张三's %s", same, got, want)
		}
	}
	wantLatin := f.Holder("claim-1", "ZHANG SAN")
	if got := f.Holder("claim-1", "ＺＨＡＮＧ　ＳＡＮ"); got != wantLatin {
		t.Errorf("full-width ZHANG SAN: got %s, want %s", got, wantLatin)
	}
	for name, other := range map[string]string{
		"traditional": f.Holder("claim-1", "張三"), "invisible": f.Holder("claim-1", "张\u200b三"),
		"homophone": f.Holder("claim-1", "张叁"), "another claim": f.Holder("claim-2", "张三"),
		"empty": f.Holder("claim-1", " \u3000 "),
	} {
		if other == want {
			t.Errorf("%s: got 张三's fingerprint, want another", name)
		}
	}
}

// TestOneHanApartIsOneMisreadChineseCharacter is the table of the names
// OneHanApart lets another proof stand for (issue 19): one Han character
// off, spaces and widths not counted; never the same name, two characters,
// another length, or a letter, digit, ideographic number, mark, invisible
// or variant character in place of or beside a character.
func TestOneHanApartIsOneMisreadChineseCharacter(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"孙伟丽鹏", "孙伟丽胸", true},
		{"张磊", "张舌", true},
		{" 张　舌 ", "张磊", true},
		{"张磊", "张磊", false},
		{"张磊", " 张 磊", false},
		{"李伟", "张舌", false},
		{"张磊", "张磊磊", false},
		{"张磊", "张", false},
		{"", "", false},
		{"张磊", "张S", false},
		{"张磊", "张Ｓ", false},
		{"张磊", "张3", false},
		{"张磊", "张〇", false},
		{"张磊", "张·", false},
		{"张磊", "张\u200b", false},
		{"张磊", "张磊\u200b", false},
		{"张磊", "张舌\ufe00", false},
		{"张磊", "张磊\U000e0100", false},
		{"ZHANG SAN", "ZHANG SAM", false},
	}
	for _, tt := range tests {
		if got := bankaccount.OneHanApart(tt.a, tt.b); got != tt.want {
			t.Errorf("OneHanApart(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := bankaccount.OneHanApart(tt.b, tt.a); got != tt.want {
			t.Errorf("OneHanApart(%q, %q): got %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}
