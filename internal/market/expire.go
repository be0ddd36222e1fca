package market

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// ExpireUnpaid cancels the orders placed before now less UnpaidTimeout and
// still unpaid, through the engine, so their units go back on sale; it
// returns how many it cancelled. An order paid meanwhile is left alone.
func (s *Service) ExpireUnpaid(ctx context.Context, now time.Time) (int, error) {
	f := OrderFilter{State: Placed, PlacedBefore: now.Add(-s.UnpaidTimeout), Limit: 500}
	n := 0
	for {
		list, _, err := s.store.FindOrders(ctx, f)
		if err != nil {
			return n, fmt.Errorf("find unpaid orders: %w", err)
		}
		done := 0
		products := map[string]bool{}
		for _, o := range list {
			c := audit.Change{Actor: tide.System.Name, Action: "expire", Entity: "order", EntityID: o.ID,
				Before: map[string]any{"state": o.State}, After: map[string]any{"state": Cancelled}}
			err := s.engine.CancelOrder(ctx, o, c)
			switch {
			case err == nil:
				done++
				products[o.ProductID] = true
			case tide.ErrorCode(err) != tide.ECONFLICT:
				return n + done, fmt.Errorf("expire order %s: %w", o.ID, err)
			}
		}
		n += done
		for p := range products {
			s.stockChanged(ctx, p)
		}
		if len(list) < f.Limit || done == 0 {
			return n, nil
		}
	}
}

// Run expires unpaid orders and tells the registry of income it has not yet
// heard of, every interval, until ctx ends. A pass that fails is reported to
// OnError and tried again at the next interval.
func (s *Service) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		_, err := s.ExpireUnpaid(ctx, s.Now())
		err = errors.Join(err, s.SyncIncome(ctx))
		if err != nil && s.OnError != nil && ctx.Err() == nil {
			s.OnError(err)
		}
	}
}
