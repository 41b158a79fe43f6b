package document

import "testing"

// TestASecondReadingConfirmsOnlyTheSameName: the second model's line
// confirms a name only when the same finder reads the same name in it after
// a name label; the attacks: a character more, less or other, a name with
// no label before it, nothing read first.
func TestASecondReadingConfirmsOnlyTheSameName(t *testing.T) {
	for _, tc := range []struct {
		line, name string
		want       bool
	}{
		{"交款人:孙伟磊洋。校验码:c00123", "孙伟磊洋", true},
		{"姓名:孙伟娜丽”性别:男", "孙伟娜丽", true},
		{"持卡人姓名:孙娜磊琳", "孙娜磊琳", true},
		{"交款人:孙伟磊洋洋。校验码:c00123", "孙伟磊洋", false},
		{"交款人:孙伟磊。校验码:c00123", "孙伟磊洋", false},
		{"交款人:孙伟椅洋。校验码:c00123", "孙伟磊洋", false},
		{"孙伟磊洋", "孙伟磊洋", false},
		{"交款人:孙伟磊洋", "", false},
	} {
		if got := ReadsName(tc.line, tc.name); got != tc.want {
			t.Errorf("ReadsName(%q, %q): got %v, want %v", tc.line, tc.name, got, tc.want)
		}
	}
}
