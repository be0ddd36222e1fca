package main

import (
	"context"
	"fmt"

	"github.com/tide-project/tide/internal/live"
	"github.com/tide-project/tide/internal/market"
)

// openMarket builds the order engine over the database, the market service
// and the live hub, and starts the engine and the hub: the database is
// migrated by now, and the server does not serve yet.
func (m *Main) openMarket() error {
	m.Engine = market.NewEngine(m.DB, market.EngineConfig{MaxBatch: m.Config.OrderBatch, Writers: m.Config.OrderWriters})
	m.Market = market.NewService(m.DB, m.Engine)
	m.Live = &live.Hub{Load: m.loadRoom, Logger: m.Logger}
	if ls, ok := any(m.DB).(live.LikeStore); ok {
		m.Live.Likes = ls
	}
	if err := m.Engine.Start(context.Background()); err != nil {
		return err
	}
	m.Live.Start(context.Background())
	return nil
}

// loadRoom reads what a room's first viewer is sent: its status and each
// product with the units the engine has left.
func (m *Main) loadRoom(ctx context.Context, id string) (live.Snapshot, error) {
	r, err := m.Market.FindRoom(ctx, id)
	if err != nil {
		return live.Snapshot{}, err
	}
	snap := live.Snapshot{Status: string(r.Status), Products: make([]live.ProductState, len(r.Products))}
	for i, pid := range r.Products {
		p, err := m.DB.FindProduct(ctx, pid)
		if err != nil {
			return live.Snapshot{}, fmt.Errorf("load room %s: product %s: %w", id, pid, err)
		}
		n, err := m.Engine.Available(ctx, pid)
		if err != nil {
			return live.Snapshot{}, fmt.Errorf("load room %s: product %s: %w", id, pid, err)
		}
		snap.Products[i] = live.ProductState{ID: pid, Name: p.Name, Available: n}
	}
	return snap, nil
}
