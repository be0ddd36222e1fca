// Package live keeps the state of live rooms that have viewers — stock left,
// likes, recent sales, comments, the room's status — and sends it to them as
// server-sent events: a few frames a second, each encoded once and shared by
// every connection of the room.
package live

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Defaults of a Hub's zero fields.
const (
	DefaultRate       = 4
	DefaultHeartbeat  = 15 * time.Second
	DefaultLikesFlush = time.Second
	// MaxComments is how many recent comments a new viewer is sent.
	MaxComments = 20
)

// Snapshot is what a room holds when it first gets viewers.
type Snapshot struct {
	Status   string
	Likes    int64
	Products []ProductState
}

// ProductState is one product on sale in a room and the units left of it.
type ProductState struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	Available int64  `json:"available"`
}

// LikeStore keeps the likes of rooms; the hub adds what it summed in memory
// about once a second.
type LikeStore interface {
	AddLikes(ctx context.Context, room string, n int64) error
}

// Hub holds the rooms that have viewers. Set its fields, call Start, and
// Close when done. Its event methods are cheap and never block on viewers,
// so the order path may call them for every sale.
type Hub struct {
	// Load reads a room's status, likes and products when it first gets
	// viewers; an error with code ENOTFOUND means there is no such room.
	Load func(ctx context.Context, room string) (Snapshot, error)
	// Likes receives the likes summed in memory; with none they are only
	// shown to viewers.
	Likes LikeStore
	// Rate is how many frames a second a room sends at most (4).
	Rate int
	// Heartbeat is how long a quiet room waits before it sends a comment
	// line, so proxies keep the connection (15s).
	Heartbeat  time.Duration
	LikesFlush time.Duration
	Logger     *slog.Logger
	Now        func() time.Time

	rooms    sync.Map // room ID → *room
	products sync.Map // product ID → []*cell, the product's cells in every room with viewers

	mu     sync.Mutex // guards changes to rooms and products
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	likesMu sync.Mutex
	pending map[string]int64 // likes not yet written, per room
}

// Start runs the likes flusher until Close or the end of ctx.
func (h *Hub) Start(ctx context.Context) {
	if h.Rate <= 0 {
		h.Rate = DefaultRate
	}
	if h.Heartbeat <= 0 {
		h.Heartbeat = DefaultHeartbeat
	}
	if h.LikesFlush <= 0 {
		h.LikesFlush = DefaultLikesFlush
	}
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	h.mu.Lock()
	h.ctx, h.cancel = context.WithCancel(ctx)
	h.mu.Unlock()
	h.wg.Add(1)
	go h.flushLikesEvery()
}

// Close stops the rooms, ending every viewer's stream, and writes the likes
// not yet written.
func (h *Hub) Close() error {
	h.mu.Lock()
	cancel := h.cancel
	h.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	h.wg.Wait()
	return h.flushLikes(context.Background())
}

// roomOf returns the room with viewers, or nil.
func (h *Hub) roomOf(id string) *room {
	if r, ok := h.rooms.Load(id); ok {
		return r.(*room)
	}
	return nil
}

// Watched reports whether a room has viewers now.
func (h *Hub) Watched(room string) bool { return h.roomOf(room) != nil }
