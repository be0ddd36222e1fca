package market

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// EngineConfig tunes the order engine; zero fields take their defaults.
type EngineConfig struct {
	// MaxBatch is the most orders written in one transaction (500).
	MaxBatch int
	// Writers is how many transactions may be in flight at once (1). More
	// than one pays on PostgreSQL, whose commits wait on the server's disk;
	// SQLite serialises its writers anyway.
	Writers int
	// Linger is how long a busy writer waits for a batch to fill (1ms; a
	// negative value: never, it writes what is queued at once).
	Linger time.Duration
	// Queue is how many admitted orders may wait for the writer (4 × MaxBatch);
	// past it, callers wait, which is the engine's back-pressure.
	Queue int
	// KeyTTL is how long idempotency keys stay in memory (a minute), and
	// KeyCap how many at most arrive in one KeyTTL before the oldest are
	// forgotten sooner (200,000); later retries are answered through the
	// store.
	KeyTTL time.Duration
	KeyCap int
	Now    func() time.Time
}

func (c *EngineConfig) defaults() {
	if c.MaxBatch <= 0 {
		c.MaxBatch = 500
	}
	if c.Writers <= 0 {
		c.Writers = 1
	}
	if c.Linger == 0 {
		c.Linger = time.Millisecond
	}
	if c.Queue <= 0 {
		c.Queue = 4 * c.MaxBatch
	}
	if c.KeyTTL <= 0 {
		c.KeyTTL = time.Minute
	}
	if c.KeyCap <= 0 {
		c.KeyCap = 200_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Engine places orders. Stock is admitted in memory by one owner per product,
// admitted orders are written in batches by one writer, and a caller is
// answered only after the transaction holding its order has committed. One
// engine must be the only one placing orders on its database.
type Engine struct {
	store OrderStore
	cfg   EngineConfig
	keys  *keyTable
	w     *writer

	mu     sync.RWMutex
	owners map[string]*ownerSlot

	roomsMu sync.RWMutex
	rooms   map[string]*Room

	life     sync.RWMutex
	running  bool
	inflight sync.WaitGroup
	cancel   context.CancelFunc
}

// NewEngine returns an engine over store; it takes orders once started.
func NewEngine(store OrderStore, cfg EngineConfig) *Engine {
	cfg.defaults()
	return &Engine{
		store: store, cfg: cfg, keys: newKeyTable(cfg.KeyTTL, cfg.KeyCap),
		w: &writer{store: store, in: make(chan *placement, cfg.Queue), maxBatch: cfg.MaxBatch,
			linger: cfg.Linger, loops: cfg.Writers, exited: make(chan struct{}), closed: make(chan struct{})},
		owners: map[string]*ownerSlot{},
		rooms:  map[string]*Room{},
	}
}

// Start runs the writer until Close, or until ctx ends: cancelling ctx stops
// the engine at once, as a crash would, failing the batch being written.
func (e *Engine) Start(ctx context.Context) error {
	e.life.Lock()
	defer e.life.Unlock()
	if e.running || e.cancel != nil {
		return errors.New("start the order engine: it has already been started")
	}
	ctx, e.cancel = context.WithCancel(ctx)
	e.running = true
	go e.w.run(ctx)
	return nil
}

// Close stops taking orders, waits until every order in flight is answered,
// and stops the writer.
func (e *Engine) Close() error {
	e.life.Lock()
	wasRunning := e.running
	e.running = false
	e.life.Unlock()
	if !wasRunning {
		return nil
	}
	e.inflight.Wait()
	e.cancel()
	<-e.w.exited
	close(e.w.closed)
	return nil
}

// Stopped is closed once the writers have exited, after Close or the end of
// the context Start was given.
func (e *Engine) Stopped() <-chan struct{} { return e.w.exited }

func (e *Engine) enter() bool {
	e.life.RLock()
	defer e.life.RUnlock()
	if e.running {
		e.inflight.Add(1)
	}
	return e.running
}

// Available returns the units of a product that can still be ordered.
func (e *Engine) Available(ctx context.Context, productID string) (int64, error) {
	o, err := e.ownerOf(ctx, productID)
	if err != nil {
		return 0, err
	}
	return o.available(), nil
}

// Held returns the units of a product the buyer holds in orders placed and
// not cancelled, which is what the product's buyer limit counts.
func (e *Engine) Held(ctx context.Context, productID string, buyer int64) (int64, error) {
	o, err := e.ownerOf(ctx, productID)
	if err != nil {
		return 0, err
	}
	return o.heldBy(buyer), nil
}

// CancelOrder cancels o, writing the change with its audit entry, and gives
// its units back to the product. The owner is loaded before the write so the
// units are counted once: either in the sum it starts from or in the release.
func (e *Engine) CancelOrder(ctx context.Context, o *Order, c audit.Change) error {
	if !o.State.CanBecome(Cancelled) {
		return tide.Errorf(tide.ECONFLICT, "a %s order cannot be cancelled", o.State)
	}
	ow, err := e.ownerOf(ctx, o.ProductID)
	if err != nil {
		return fmt.Errorf("cancel order %s: %w", o.ID, err)
	}
	if err := e.store.SetOrderState(ctx, o.ID, o.State, Cancelled, c); err != nil {
		return fmt.Errorf("cancel order %s: %w", o.ID, err)
	}
	ow.release(o.BuyerID, o.Quantity)
	o.State, o.UpdatedAt = Cancelled, e.cfg.Now().UTC()
	return nil
}

// ProductChanged tells the engine of a product's new price, stock, limit or
// sale flag once they are stored.
func (e *Engine) ProductChanged(p *Product) {
	if o := e.loadedOwner(p.ID); o != nil {
		o.update(p)
	}
}

// RoomChanged tells the engine of a room's new status or products once they
// are stored.
func (e *Engine) RoomChanged(r *Room) {
	c := *r
	e.roomsMu.Lock()
	e.rooms[r.ID] = &c
	e.roomsMu.Unlock()
}

// roomOf returns the room from memory, reading it once. A read that races a
// change keeps the change: it stores only where nothing is stored yet.
func (e *Engine) roomOf(ctx context.Context, id string) (*Room, error) {
	e.roomsMu.RLock()
	r, ok := e.rooms[id]
	e.roomsMu.RUnlock()
	if ok {
		return r, nil
	}
	r, err := e.store.FindRoom(ctx, id)
	if err != nil {
		return nil, err
	}
	e.roomsMu.Lock()
	defer e.roomsMu.Unlock()
	if cur, ok := e.rooms[id]; ok {
		return cur, nil
	}
	e.rooms[id] = r
	return r, nil
}
