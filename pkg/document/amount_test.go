package document

import (
	"errors"
	"testing"
)

func TestParseFigureAmount(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1,234.50", 123450, false},
		{"¥1,234.5", 123450, false},
		{"￥１２３４．５０", 123450, false}, // full-width, as some OCR output
		{"RMB 0.05", 5, false},
		{"1234", 123400, false},
		{"0", 0, false},
		{"9,999,999,999,999.99", 999999999999999, false},
		{"99999999999999", 0, true}, // above maxAmountFen
		{"1,23.50", 0, true},
		{"12.345", 0, true},
		{"", 0, true},
		{"abc", 0, true},
		{"-5", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFigureAmount(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFigureAmount(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadAmount) {
			t.Errorf("ParseFigureAmount(%q): got error %v, want ErrBadAmount", tt.in, err)
		}
	}
}

func TestParseCapitalAmount(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"壹仟贰佰叁拾肆元伍角整", 123450, false},
		{"人民币壹仟贰佰叁拾肆元伍角陆分", 123456, false},
		{"贰万零伍拾元零捌分", 2005008, false},
		{"壹仟零伍元整", 100500, false},
		{"拾伍元", 1500, false},
		{"壹拾伍圆正", 1500, false},
		{"伍角", 50, false},
		{"零元伍角", 50, false},
		{"陆分", 6, false},
		{"壹亿贰仟万元整", 12000000000, false},
		{"壹万亿元", 1000000000000_00, false},
		{"叁拾萬元", 30000000, false},
		{"玖仟玖佰玖拾玖元玖角玖分", 999999, false},
		{"参拾元", 3000, false}, // 参 for 叁
		// Issue 19's edge cases: 壹拾 and 拾 are both ten, 万 groups with
		// and without 零, 正 for 整.
		{"壹拾元整", 1000, false},
		{"拾元整", 1000, false},
		{"壹拾万元整", 10000000, false},
		{"拾万元正", 10000000, false},
		{"壹万零壹元", 1000100, false},
		{"壹万零壹拾元", 1001000, false},
		{"壹仟零壹拾元", 101000, false},
		{"壹佰零伍元", 10500, false},
		{"伍佰万元整", 500000000, false},
		{"壹万贰仟叁佰肆拾伍元陆角柒分", 1234567, false},
		{"壹仟元整", 100000, false},
		{"壹元整", 100, false}, // a whitelisted OCR reading of 壹仟元整: a plausible wrong amount, which is why none is used
		{"壹拾拾元", 0, true},
		{"壹万贰万元", 0, true},
		{"元", 0, true},
		{"元整", 0, true},
		{"壹贰元", 0, true},   // two digits, no unit
		{"壹拾佰元", 0, true},  // units out of order
		{"佰元", 0, true},    // unit without digit
		{"壹仟元伍", 0, true},  // trailing digit without 角 or 分
		{"壹元伍角陆", 0, true}, // trailing digit after 角
		{"万元", 0, true},
		{"", 0, true},
		{"整", 0, true},
		{"壹万壹万元", 0, true},
		{"玖万玖仟亿亿元", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseCapitalAmount(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseCapitalAmount(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
