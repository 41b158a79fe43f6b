package servicekit

import (
	"context"
	"time"

	"claims.local/pkg/catastrophe/catbus"
	"claims.local/pkg/lifecycle"
)

// StartCatastrophes loads every catastrophe from the compacted catastrophes
// topic before it returns, so that a service that starts while a
// catastrophe is active applies the fast-track mode (R8) from its first
// request, and adds the registry's follower as a component of the service.
// Call it after Start and before Run.
func (k *Kit) StartCatastrophes(ctx context.Context) (*catbus.Registry, error) {
	r := catbus.New(k.cfg.Kafka, k.cfg.Topics.Catastrophes(), k.log)
	loadCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := r.Load(loadCtx); err != nil {
		return nil, err
	}
	k.log.Info("catastrophes loaded", "active", len(r.Active()))
	k.components = append(k.components, lifecycle.Component{Name: "catastrophes", Run: r.Run})
	return r, nil
}
