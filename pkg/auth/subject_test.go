package auth_test

import (
	"testing"

	"claims.local/pkg/auth"
)

func TestSameSubjectFoldsWhatNamesOnePerson(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"senior-1", "senior-1", true},
		{"senior-1", " Senior-1 ", true},
		{"senior-1", "ＳＥＮＩＯＲ－１", true},
		{"senior-1", "ſenior-1", true},
		{"senior-1", "sen\u00adior-1", true},
		{"senior-1", "senior\u2060-1", true},
		{"senior-1", "se\u200bnior-1", true},
		{"senior-1", "senior-2", false},
		{"senior-1", "senior-1x", false},
		{"", "", false},
		{"\u200b", "", false},
	} {
		if got := auth.SameSubject(tc.a, tc.b); got != tc.want {
			t.Errorf("SameSubject(%q, %q): got %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestOnlyAChannelAccountIsTheClaimantsChannel is the attack of a member
// of staff passing what they enter off as the claimant's (issue 19): an
// account holding a staff role besides claimant_channel stays staff's.
func TestOnlyAChannelAccountIsTheClaimantsChannel(t *testing.T) {
	for _, tc := range []struct {
		roles []auth.Role
		want  bool
	}{
		{[]auth.Role{auth.ClaimantChannel}, true},
		{[]auth.Role{auth.ClaimantChannel, auth.ClaimantChannel}, true},
		{[]auth.Role{auth.ClaimantChannel, auth.Handler}, false},
		{[]auth.Role{auth.Admin, auth.ClaimantChannel}, false},
		{auth.Roles(), false},
		{[]auth.Role{auth.Handler}, false},
		{nil, false},
	} {
		if got := (auth.Principal{Subject: "s", Roles: tc.roles}).ClaimantChannelOnly(); got != tc.want {
			t.Errorf("roles %v: got %v, want %v", tc.roles, got, tc.want)
		}
	}
}
