package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/live"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/user"
)

// The live hub is what the market tells of sales, stock, comments and rooms.
var _ market.Events = (*live.Hub)(nil)

// openMarket builds the order engine over the database, the market service
// and the live hub, and starts the engine and the hub: the database is
// migrated by now, and the server does not serve yet.
func (m *Main) openMarket() error {
	m.Engine = market.NewEngine(m.DB, market.EngineConfig{MaxBatch: m.Config.OrderBatch, Writers: m.Config.OrderWriters})
	m.Market = market.NewService(m.DB, m.Engine)
	m.Live = &live.Hub{Load: m.loadRoom, Logger: m.Logger}
	if err := m.configureMarket(); err != nil {
		return err
	}
	// Donations pay through the market's provider instance but keep their
	// own table and callback route.
	m.Engage = engage.NewService(m.DB, m.Market.Payments)
	m.Engage.PhotoDir = m.Market.PhotoDir
	if ls, ok := any(m.DB).(live.LikeStore); ok {
		m.Live.Likes = ls
	}
	if err := m.Engine.Start(context.Background()); err != nil {
		return err
	}
	m.Live.Start(context.Background())
	ctx, stop := context.WithCancel(context.Background())
	m.stopUpkeep = stop
	go m.Market.Run(ctx, upkeepEvery)
	return nil
}

// upkeepEvery is how often unpaid orders are expired and income the
// registry has not yet taken is passed on again.
const upkeepEvery = 30 * time.Second

// configureMarket gives the market its photo folder, payment provider,
// income sink, comment rules and live viewers.
func (m *Main) configureMarket() error {
	svc := m.Market
	svc.PhotoDir = filepath.Join(m.Config.Data, "photos")
	key := []byte(m.Config.PaymentSecret)
	if len(key) == 0 {
		key = []byte(user.RandomSecret(32))
	}
	svc.Payments = market.NewSandbox(key, "/sandbox/pay")
	svc.UnpaidTimeout = m.Config.UnpaidTimeout
	svc.Sink = m.Registry
	svc.Events = m.Live
	svc.OnError = func(err error) { m.Logger.Error("market upkeep", "error", err) }
	if m.Config.BlockedWords != "" {
		words, err := market.LoadBlockedWords(m.Config.BlockedWords)
		if err != nil {
			return fmt.Errorf("--blocked-words: %w", err)
		}
		svc.BlockedWords = words
	}
	return nil
}

// loadRoom reads what a room's first viewer is sent: its status and each
// product with the units the engine has left.
func (m *Main) loadRoom(ctx context.Context, id string) (live.Snapshot, error) {
	r, err := m.Market.FindRoom(ctx, id)
	if err != nil {
		return live.Snapshot{}, err
	}
	snap := live.Snapshot{Status: string(r.Status), Likes: r.Likes, Products: make([]live.ProductState, len(r.Products))}
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
