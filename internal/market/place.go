package market

import (
	"context"
	"fmt"

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
	p := &placement{req: r}
	if r.IdempotencyKey == "" {
		e.place(ctx, buyer, p)
		return p.order, p.fresh, p.err
	}
	k := idemKey{buyer: buyer, key: r.IdempotencyKey}
	p.done = make(chan struct{})
	if first := e.keys.claim(k, p, e.cfg.Now()); first != nil {
		o, err := first.await(ctx, &r)
		return o, false, err
	}
	e.place(ctx, buyer, p)
	if p.err != nil {
		e.keys.forget(k, p)
	}
	close(p.done)
	return p.order, p.fresh, p.err
}

// await answers a retry with the outcome of the placement that first used
// its key.
func (p *placement) await(ctx context.Context, r *OrderRequest) (*Order, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.err != nil {
		return nil, p.err
	}
	if !r.sameAs(p.order) {
		return nil, errKeyReused()
	}
	o := *p.order
	return &o, nil
}

// place admits p's order, queues it for the writer and waits for its batch.
// Once queued it waits whatever ctx does, so the answer it gives is the truth
// about the commit.
func (e *Engine) place(ctx context.Context, buyer int64, p *placement) {
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
		return
	}
	ow, err := e.ownerOf(ctx, r.Product)
	if err != nil {
		p.err = err
		return
	}
	now := e.cfg.Now().UTC()
	order := &Order{ID: NewID(), RoomID: r.Room, ProductID: r.Product, BuyerID: buyer, Quantity: r.Quantity,
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
		return
	}
	p.order, p.owner, p.committed = order, ow, make(chan struct{})
	select {
	case e.w.in <- p:
	case <-e.w.exited:
		p.order, p.err = nil, ErrStopped
		return
	case <-ctx.Done():
		ow.release(buyer, r.Quantity)
		p.order, p.err = nil, ctx.Err()
		return
	}
	select {
	case <-p.committed:
	case <-e.w.exited:
		// The writer answers every batch it takes before it exits, so an
		// order still unanswered was never written.
		select {
		case <-p.committed:
		default:
			p.order, p.err = nil, ErrStopped
			return
		}
	}
	switch {
	case p.err != nil:
		p.order = nil
	case p.duplicate:
		p.order, p.err = e.storedOrder(ctx, buyer, r)
	default:
		p.fresh = true
	}
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
