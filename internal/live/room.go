package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed answers a subscription to a hub that is not running.
var ErrClosed = errors.New("the live hub is not running")

// room is the state of one room with viewers. Its goroutine loads it, then
// encodes at most Rate frames a second while anything changed.
type room struct {
	id     string
	ready  chan struct{} // closed once loaded, or once the load failed
	err    error         // the load's error, set before ready is closed
	loaded atomic.Bool
	// cells and byProduct are set before loaded and not changed after.
	cells     []*cell
	byProduct map[string]*cell
	changed   atomic.Bool
	likes     atomic.Int64

	refs    int           // viewers, counted from the start of Subscribe; guarded by Hub.mu
	dropped bool          // guarded by Hub.mu
	indexed bool          // guarded by Hub.mu
	stop    chan struct{} // closed when the last viewer leaves

	mu       sync.Mutex
	status   string
	recent   []Comment // the latest MaxComments, for new viewers
	fresh    []Comment // since the last frame
	removed  []string  // since the last frame
	subs     map[*Sub]struct{}
	closed   bool
	seq      int64
	lastSent time.Time
}

// Sub is one viewer's stream: frames to write, in order, the first a
// snapshot. A viewer who reads slowly skips to the latest frame. C is closed
// when the hub stops.
type Sub struct {
	C    <-chan []byte
	c    chan []byte
	hub  *Hub
	room *room
	once sync.Once
}

// Subscribe adds a viewer to a room, loading the room when it is the first.
// The caller must Close the subscription when the viewer goes.
func (h *Hub) Subscribe(ctx context.Context, roomID string) (*Sub, error) {
	h.mu.Lock()
	if h.ctx == nil || h.ctx.Err() != nil {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	r := h.roomOf(roomID)
	if r == nil {
		r = &room{id: roomID, ready: make(chan struct{}), stop: make(chan struct{}), subs: map[*Sub]struct{}{}}
		h.rooms.Store(roomID, r)
		h.wg.Add(1)
		go h.run(r)
	}
	r.refs++
	h.mu.Unlock()
	s := &Sub{c: make(chan []byte, 1), hub: h, room: r}
	s.C = s.c
	select {
	case <-r.ready:
	case <-ctx.Done():
		s.Close()
		return nil, ctx.Err()
	}
	if r.err != nil {
		s.Close()
		return nil, r.err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		close(s.c)
		return s, nil
	}
	s.c <- r.snapshotFrame(time.Now())
	r.subs[s] = struct{}{}
	return s, nil
}

// Close ends the subscription; the room is dropped with its last viewer.
func (s *Sub) Close() {
	s.once.Do(func() {
		h, r := s.hub, s.room
		r.mu.Lock()
		delete(r.subs, s)
		r.mu.Unlock()
		h.mu.Lock()
		defer h.mu.Unlock()
		if r.refs--; r.refs > 0 {
			return
		}
		r.dropped = true
		h.rooms.Delete(r.id)
		h.unindex(r)
		close(r.stop)
	})
}

// run loads the room, then ticks until its last viewer leaves or the hub
// stops.
func (h *Hub) run(r *room) {
	defer h.wg.Done()
	snap, err := h.Load(h.ctx, r.id)
	if err != nil {
		r.err = err
		close(r.ready)
		return
	}
	r.cells, r.byProduct = make([]*cell, len(snap.Products)), make(map[string]*cell, len(snap.Products))
	for i, p := range snap.Products {
		c := &cell{room: r, id: p.ID, name: p.Name}
		c.available.Store(p.Available)
		r.cells[i], r.byProduct[p.ID] = c, c
	}
	r.likes.Add(snap.Likes)
	r.mu.Lock()
	if r.status == "" {
		r.status = snap.Status
	}
	r.lastSent = time.Now()
	r.mu.Unlock()
	h.index(r)
	r.loaded.Store(true)
	close(r.ready)

	t := time.NewTicker(time.Second / time.Duration(h.Rate))
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-h.ctx.Done():
			r.mu.Lock()
			r.closed = true
			for s := range r.subs {
				close(s.c)
			}
			clear(r.subs)
			r.mu.Unlock()
			return
		case now := <-t.C:
			r.tick(now, h.Heartbeat)
		}
	}
}

// index lists the room's cells under their products, unless the room was
// dropped while it loaded.
func (h *Hub) index(r *room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.dropped {
		return
	}
	r.indexed = true
	for _, c := range r.cells {
		var list []*cell
		if v, ok := h.products.Load(c.id); ok {
			list = v.([]*cell)
		}
		h.products.Store(c.id, append(list[:len(list):len(list)], c))
	}
}

// unindex removes a dropped room's cells; the caller holds h.mu.
func (h *Hub) unindex(r *room) {
	if !r.indexed {
		return
	}
	for _, c := range r.cells {
		v, ok := h.products.Load(c.id)
		if !ok {
			continue
		}
		var keep []*cell
		for _, o := range v.([]*cell) {
			if o != c {
				keep = append(keep, o)
			}
		}
		if len(keep) == 0 {
			h.products.Delete(c.id)
		} else {
			h.products.Store(c.id, keep)
		}
	}
}
