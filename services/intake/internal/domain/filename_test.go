package domain_test

import (
	"strings"
	"testing"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/document"
)

// TestAttackAFileNameCannotDisguiseItselfToTheHandler is a claimant (or
// agent) naming an upload so that the console shows another name: a
// right-to-left override makes "发票\u202Egnp.exe" read "发票exe.png",
// isolates and embeddings reorder it, zero-width characters and a byte-order
// mark hide inside it, and a path walks out of it. The name kept is the
// base name with those characters removed (the file's type is sniffed from
// its content regardless; red team, session 12).
func TestAttackAFileNameCannotDisguiseItselfToTheHandler(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"right-to-left override", "发票\u202Egnp.exe", "发票gnp.exe"},
		{"left-to-right and right-to-left embeddings", "\u202A发票\u202B.pdf\u202C", "发票.pdf"},
		{"isolates", "\u2066发票\u2067.pdf\u2069\u2068", "发票.pdf"},
		{"marks", "发\u200E票\u200F.pdf\u061C", "发票.pdf"},
		{"zero-width characters and a byte-order mark", "\uFEFF发\u200B票\u200C\u200D\u2060.pdf", "发票.pdf"},
		{"C1 controls", "发票\u0085\u009B.pdf", "发票.pdf"},
		{"a path", `..\..\etc/passwd`, "passwd"},
		{"a plain name", "身份证 正面.jpg", "身份证 正面.jpg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := domain.NewDocument("d1", file().Report, strings.Repeat("a", 64), document.PNG, 1, 1, tt.in, "claimant-app", t0)
			if d.FileName != tt.want {
				t.Fatalf("got file name %q, want %q", d.FileName, tt.want)
			}
		})
	}
}
