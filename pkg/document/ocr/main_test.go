package ocr_test

import (
	"fmt"
	"os"
	"testing"

	"claims.local/pkg/document/ocr"
)

// TestMain restarts the test binary with OMP_THREAD_LIMIT=1, as a program
// using the pipeline does, so that timings and thread counts are those of
// production.
func TestMain(m *testing.M) {
	if err := ocr.RestartSingleThreaded(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
