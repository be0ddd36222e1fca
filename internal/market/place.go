package market

import (
	"context"
	"fmt"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// PlaceOrder admits an order for buyer and answers once it is committed. It
// refuses with ESoldOut when too few units are left and with ELimit when the
// buyer would pass the product's limit. A request under an idempotency key
// already used by the buyer is answered with the order that key made, however
// many times it is retried, before or after a restart.
func (e *Engine) PlaceOrder(ctx context.Context, buyer int64, r OrderRequest) (*Order, error) {
	o, _, err := e.placeOrder(ctx, buyer, r)
	return o, err
}

// placeOrder is PlaceOrder that also reports whether the order is new, and
// not a retry answered with the order its key made, so a sale is told to the
// live viewers once.
func (e *Engine) placeOrder(ctx context.Context, buyer int64, r OrderRequest) (*Order, bool, error) {
	if buyer <= 0 {
		return nil, false, tide.Invalid("buyer", "buyer must be a signed-in user")
	}
	if err := r.Validate(); err != nil {
		return nil, false, err
	}
	if !e.enter() {
		return nil, false, ErrStopped
	}
	defer e.inflight.Done()
	p := &placement{req: r, done: make(chan struct{})}
	now := e.cfg.Now()
	if r.IdempotencyKey == "" {
		return e.place(ctx, buyer, p, now)
	}
	k := idemKey{buyer: buyer, key: r.IdempotencyKey}
	if first := e.keys.claim(k, p, now); first != nil {
		o, err := e.await(ctx, buyer, &r, first)
		return o, false, err
	}
	o, fresh, err := e.place(ctx, buyer, p, now)
	if err != nil {
		e.keys.forget(k, p)
	}
	return o, fresh, err
}

// await answers a retry with the outcome of the placement p that first used
// its key.
func (e *Engine) await(ctx context.Context, buyer int64, r *OrderRequest, p *placement) (*Order, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	switch {
	case p.err != nil:
		return nil, p.err
	case p.duplicate:
		return e.storedOrder(ctx, buyer, r)
	case !r.sameAs(p.order):
		return nil, errKeyReused()
	}
	o := *p.order
	return &o, nil
}

// place admits p's order, queues it for the writer and waits for its batch.
// Once queued it waits whatever ctx does, so the answer it gives is the truth
// about the commit. It answers with the order, whether it is new, and the
// error; p.done is closed when it returns.
func (e *Engine) place(ctx context.Context, buyer int64, p *placement, now time.Time) (*Order, bool, error) {
	if !e.admit(ctx, buyer, p, now) {
		close(p.done)
		return p.order, false, p.err
	}
	// The writer answers every order queued, with ErrStopped once it has
	// stopped.
	<-p.done
	switch {
	case p.err != nil:
		return nil, false, p.err
	case p.duplicate:
		o, err := e.storedOrder(ctx, buyer, &p.req)
		return o, false, err
	}
	return p.order, true, nil
}

// admit takes stock for p's order and queues it for the writer, or answers p
// without it (p.err, or the order an earlier request under the key made) and
// reports false.
func (e *Engine) admit(ctx context.Context, buyer int64, p *placement, now time.Time) bool {
	r := &p.req
	room, err := e.roomOf(ctx, r.Room)
	switch {
	case err != nil:
		p.err = err
	case !room.Has(r.Product):
		p.err = tide.Invalid("product", "this product is not on sale in this room")
	case room.Status != RoomLive:
		p.err = &tide.Error{Code: tide.ECONFLICT, Field: "room", Message: "this room is not live"}
	}
	if p.err != nil {
		return false
	}
	ow, err := e.ownerOf(ctx, r.Product)
	if err != nil {
		p.err = err
		return false
	}
	now = now.UTC()
	order := &p.admitted
	*order = Order{ID: NewID(), RoomID: r.Room, ProductID: r.Product, BuyerID: buyer, Quantity: r.Quantity,
		State: Placed, IdempotencyKey: r.IdempotencyKey, CreatedAt: now, UpdatedAt: now}
	if held, err := ow.admit(buyer, r.Quantity, order); err != nil {
		// A buyer who holds units may be retrying, after a restart or past
		// the key's time in memory, a request that was committed: that is
		// answered with its order, not with the refusal.
		p.err = err
		if r.IdempotencyKey != "" && held > 0 {
			if o, ferr := e.storedOrder(ctx, buyer, r); ferr == nil || tide.ErrorCode(ferr) != tide.ENOTFOUND {
				p.order, p.err = o, ferr
			}
		}
		return false
	}
	p.order, p.owner = order, ow
	select {
	case e.w.in <- p:
		return true
	default:
	}
	// The queue is full: wait for room, for the writer to stop, or for the
	// caller to give up.
	select {
	case e.w.in <- p:
		return true
	case <-e.w.exited:
		p.order, p.err = nil, ErrStopped
	case <-ctx.Done():
		ow.release(buyer, r.Quantity)
		p.order, p.err = nil, ctx.Err()
	}
	return false
}

// storedOrder returns the order the store holds under the request's key.
func (e *Engine) storedOrder(ctx context.Context, buyer int64, r *OrderRequest) (*Order, error) {
	o, err := e.store.FindOrderByKey(ctx, buyer, r.IdempotencyKey)
	if err != nil {
		return nil, fmt.Errorf("find the order of idempotency key %q: %w", r.IdempotencyKey, err)
	}
	if !r.sameAs(o) {
		return nil, errKeyReused()
	}
	return o, nil
}
