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
