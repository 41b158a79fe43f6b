package service_test

import (
	"fmt"
	"os"
	"testing"

	"claims.local/pkg/document/ocr"
)

// TestMain restarts the test binary with OMP_THREAD_LIMIT=1, as intake's
// main does, so that the OCR workers of the component tests run as in
// production.
func TestMain(m *testing.M) {
	if err := ocr.RestartSingleThreaded(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
