package domain

import (
	"strings"
	"testing"
	"time"

	"claims.local/pkg/apperr"
)

func TestNewNote(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	handler := Actor{Subject: "handler-1", Roles: []string{"handler"}}
	for _, c := range []struct {
		name, text string
		who        Actor
		wantText   string
		wantCode   apperr.Code
	}{
		{"trimmed", "  已电话联系被保险人，周三补交发票。 ", handler, "已电话联系被保险人，周三补交发票。", ""},
		{"empty", "   ", handler, "", apperr.Invalid},
		{"too long", strings.Repeat("字", MaxNoteRunes+1), handler, "", apperr.Invalid},
		{"longest", strings.Repeat("字", MaxNoteRunes), handler, strings.Repeat("字", MaxNoteRunes), ""},
		{"no author", "x", Actor{}, "", apperr.Unauthenticated},
	} {
		n, err := NewNote(c.who, "claim-1", c.text, "n-1", now)
		got := apperr.Code("")
		if err != nil {
			got = apperr.CodeOf(err)
		}
		if got != c.wantCode {
			t.Errorf("%s: got code %q, want %q", c.name, got, c.wantCode)
			continue
		}
		if err == nil && (n.Text != c.wantText || n.Author != "handler-1" || n.ClaimID != "claim-1" || !n.CreatedAt.Equal(now)) {
			t.Errorf("%s: got %+v, want text %q by handler-1 on claim-1", c.name, n, c.wantText)
		}
	}
}
