package ports

import "testing"

// TestSpoolSizeIsTheMostTheSpoolMayTake: an upload of a declared length
// reserves it, one of unknown length (chunked) or declared beyond the
// limit reserves the limit and the byte that proves a file beyond it.
func TestSpoolSizeIsTheMostTheSpoolMayTake(t *testing.T) {
	t.Parallel()
	const limit = 20 << 20
	tests := []struct {
		name          string
		contentLength int64
		want          int64
	}{
		{"a scan of 300 KiB", 300 << 10, 300 << 10},
		{"a body of the limit", limit, limit},
		{"a body beyond the limit, framing included", limit + 64<<10, limit + 1},
		{"a chunked body", -1, limit + 1},
		{"an empty body", 0, 0},
	}
	for _, tt := range tests {
		if got := spoolSize(tt.contentLength, limit); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}
