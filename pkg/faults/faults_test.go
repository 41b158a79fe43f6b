//go:build faults

package faults_test

import (
	"strings"
	"testing"

	"claims.local/pkg/faults"
)

func TestWrapTakesTheWrapperTheVariableNames(t *testing.T) {
	wrappers := map[string]func(string) string{"loud": strings.ToUpper}
	tests := []struct {
		name, value, want string
		wantErr           bool
	}{
		{"unset: as it is", "", "bank", false},
		{"a known fault: wrapped", "loud", "BANK", false},
		{"an unknown fault: refused", "crash-everywhere", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TEST_FAULT", tt.value)
			got, err := faults.Wrap("TEST_FAULT", "bank", wrappers)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "crash-everywhere") {
					t.Fatalf("got error %v, want one naming the unknown fault", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}
