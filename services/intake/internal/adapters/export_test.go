package adapters

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/tracking"
)

// CreateInOneGroup files reports as Create does when they all arrive in one
// group (each with the one event of its effects): one group statement, then
// each report the group left alone by itself. grouped tells which the group
// stored.
func (s *Reports) CreateInOneGroup(t *testing.T, ctx context.Context, reports []domain.IncidentReport, effs []tracking.Effects) (out []app.Created, errs []error, grouped []bool) {
	entries := make([]*groupEntry, len(reports))
	out, errs, grouped = make([]app.Created, len(reports)), make([]error, len(reports)), make([]bool, len(reports))
	for i, r := range reports {
		e, err := s.newGroupEntry(ctx, r, effs[i].Events[0])
		require.NoError(t, err)
		e.done = make(chan struct{})
		entries[i] = e
	}
	s.storeGroup(ctx, entries)
	for i, e := range entries {
		if e.alone {
			out[i], errs[i] = s.createAlone(ctx, reports[i], nil, effs[i], "handler-1", domain.LinkChoice{})
			continue
		}
		out[i], errs[i], grouped[i] = e.out, e.err, true
	}
	return out, errs, grouped
}
