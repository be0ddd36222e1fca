package live

import (
	"sync/atomic"
	"time"
)

// cell is one product's state in one room. Sales land in its atomics, so
// many buyers at once touch no lock.
type cell struct {
	room      *room
	id, name  string
	available atomic.Int64
	// orders and quantity count the sales since the last frame; lastSale
	// is the time of the latest, in Unix milliseconds.
	orders, quantity, lastSale atomic.Int64
}

// markChanged flags the room for its next frame, writing the flag only when
// it is not set yet so busy sales do not bounce the cache line.
func (r *room) markChanged() {
	if !r.changed.Load() {
		r.changed.Store(true)
	}
}

// Sold records a sale in a room: it goes on the room's ticker, and the
// product's units left become available in every room that shows it.
func (h *Hub) Sold(room, product string, quantity, available int64) {
	h.lower(product, available)
	r := h.roomOf(room)
	if r == nil || !r.loaded.Load() {
		return
	}
	c := r.byProduct[product]
	if c == nil {
		return
	}
	c.orders.Add(1)
	c.quantity.Add(quantity)
	c.lastSale.Store(time.Now().UnixMilli())
	r.markChanged()
}

// lower lowers a product's units left; sales reported out of order never
// raise them.
func (h *Hub) lower(product string, available int64) {
	v, ok := h.products.Load(product)
	if !ok {
		return
	}
	for _, c := range v.([]*cell) {
		for {
			cur := c.available.Load()
			if cur <= available {
				break
			}
			if c.available.CompareAndSwap(cur, available) {
				c.room.markChanged()
				break
			}
		}
	}
}

// Stock sets a product's units left after a restock or a cancellation.
func (h *Hub) Stock(product string, available int64) {
	v, ok := h.products.Load(product)
	if !ok {
		return
	}
	for _, c := range v.([]*cell) {
		if c.available.Swap(available) != available {
			c.room.markChanged()
		}
	}
}

// Comment is a viewer's comment as viewers see it.
type Comment struct {
	ID     string `json:"id"`
	Author string `json:"author"`
	Text   string `json:"text"`
	AtMs   int64  `json:"at_ms"`
}

// Commented adds a comment to a room's stream.
func (h *Hub) Commented(room, id, author, text string, at time.Time) {
	r := h.roomOf(room)
	if r == nil {
		return
	}
	c := Comment{ID: id, Author: author, Text: text, AtMs: at.UnixMilli()}
	r.mu.Lock()
	r.fresh = append(r.fresh, c)
	r.recent = append(r.recent, c)
	if len(r.recent) > MaxComments {
		r.recent = append(r.recent[:0], r.recent[len(r.recent)-MaxComments:]...)
	}
	r.mu.Unlock()
	r.markChanged()
}

// CommentRemoved takes a comment off a room's stream.
func (h *Hub) CommentRemoved(room, id string) {
	r := h.roomOf(room)
	if r == nil {
		return
	}
	r.mu.Lock()
	r.removed = append(r.removed, id)
	for i, c := range r.recent {
		if c.ID == id {
			r.recent = append(r.recent[:i], r.recent[i+1:]...)
			break
		}
	}
	r.mu.Unlock()
	r.markChanged()
}

// RoomStatus tells the viewers that a room went live or ended.
func (h *Hub) RoomStatus(room, status string) {
	r := h.roomOf(room)
	if r == nil {
		return
	}
	r.mu.Lock()
	r.status = status
	r.mu.Unlock()
	r.markChanged()
}
