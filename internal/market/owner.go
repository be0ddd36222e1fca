package market

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tide-project/tide/internal/tide"
)

// owner holds one product's stock in memory. Every change to what is sold of
// the product goes through its lock, so admission is a few comparisons and
// never a database read. Sold counts orders admitted and not yet committed as
// well as committed ones; a failed commit or a cancellation gives units back.
// Left mirrors stock less sold, written under the lock, so that the count
// shown to viewers after each sale is read without taking it.
type owner struct {
	mu      sync.Mutex
	product Product
	sold    int64
	byBuyer map[int64]int64
	left    atomic.Int64
}

func newOwner(p *Product, s Sales) *owner {
	if s.ByBuyer == nil {
		s.ByBuyer = map[int64]int64{}
	}
	o := &owner{product: *p, sold: s.Total, byBuyer: s.ByBuyer}
	o.recount()
	return o
}

// admit takes qty units for buyer and fills the order's price, or says why
// not. held is what the buyer holds of the product either way, so a refused
// buyer who holds nothing cannot have an earlier order to be answered with.
func (o *owner) admit(buyer, qty int64, order *Order) (held int64, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := &o.product
	held = o.byBuyer[buyer]
	switch left := p.Stock - o.sold; {
	case !p.OnSale:
		return held, &tide.Error{Code: tide.ECONFLICT, Field: "product", Message: "this product is not on sale"}
	case left <= 0:
		return held, &tide.Error{Code: ESoldOut, Field: "quantity", Message: "sold out"}
	case qty > left:
		return held, &tide.Error{Code: ESoldOut, Field: "quantity", Message: fmt.Sprintf("only %d left", left)}
	case p.BuyerLimit > 0 && held+qty > p.BuyerLimit:
		return held, &tide.Error{Code: ELimit, Field: "quantity",
			Message: fmt.Sprintf("one buyer may have at most %d of this product; you have %d", p.BuyerLimit, held)}
	}
	o.sold += qty
	o.recount()
	o.byBuyer[buyer] = held + qty
	order.UnitPrice, order.Currency, order.Region = p.Price, p.Currency, p.Origin
	order.Total = p.Price * qty
	return held, nil
}

// release gives back units an order held: its commit failed, or it was
// cancelled.
func (o *owner) release(buyer, qty int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sold -= qty
	o.recount()
	if n := o.byBuyer[buyer] - qty; n > 0 {
		o.byBuyer[buyer] = n
	} else {
		delete(o.byBuyer, buyer)
	}
}

// update takes a product's new price, stock, limit and sale flag; what is
// sold stays, so lowering stock below it only makes the product sold out.
func (o *owner) update(p *Product) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.product = *p
	o.recount()
}

// recount sets left from stock and sold; the caller holds the lock, or is
// making the owner.
func (o *owner) recount() { o.left.Store(o.product.Stock - o.sold) }

func (o *owner) available() int64 {
	return max(o.left.Load(), 0)
}

func (o *owner) heldBy(buyer int64) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.byBuyer[buyer]
}

// ownerSlot is a map entry whose owner is being loaded; later callers wait
// for ready instead of loading the product twice.
type ownerSlot struct {
	ready chan struct{}
	owner *owner
	err   error
}

// ownerOf returns the product's owner, loading it on first use: the product
// and the sum of its committed orders are read before any order of the
// product is admitted, so the stock it starts from is exact. This is the
// recovery after a crash, done product by product as they are first sold.
func (e *Engine) ownerOf(ctx context.Context, productID string) (*owner, error) {
	for {
		e.mu.RLock()
		slot, ok := e.owners[productID]
		e.mu.RUnlock()
		if !ok {
			e.mu.Lock()
			if slot, ok = e.owners[productID]; !ok {
				slot = &ownerSlot{ready: make(chan struct{})}
				e.owners[productID] = slot
			}
			e.mu.Unlock()
			if !ok {
				return e.fillSlot(ctx, productID, slot)
			}
		}
		select {
		case <-slot.ready:
		default:
			select {
			case <-slot.ready:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		// A load that failed because its own caller gave up is tried again
		// for this one.
		if slot.err == nil || !errors.Is(slot.err, context.Canceled) && !errors.Is(slot.err, context.DeadlineExceeded) {
			return slot.owner, slot.err
		}
	}
}

func (e *Engine) fillSlot(ctx context.Context, productID string, slot *ownerSlot) (*owner, error) {
	slot.owner, slot.err = e.loadOwner(ctx, productID)
	if slot.err != nil {
		e.mu.Lock()
		delete(e.owners, productID)
		e.mu.Unlock()
	}
	close(slot.ready)
	return slot.owner, slot.err
}

func (e *Engine) loadOwner(ctx context.Context, productID string) (*owner, error) {
	p, err := e.store.FindProduct(ctx, productID)
	if err != nil {
		return nil, err
	}
	s, err := e.store.ProductSales(ctx, productID)
	if err != nil {
		return nil, fmt.Errorf("sum sales of product %s: %w", productID, err)
	}
	return newOwner(p, s), nil
}

// loadedOwner returns the product's owner once it is loaded, or nil when no
// order has touched the product yet (its next load reads the store afresh).
func (e *Engine) loadedOwner(productID string) *owner {
	e.mu.RLock()
	slot, ok := e.owners[productID]
	e.mu.RUnlock()
	if !ok {
		return nil
	}
	<-slot.ready
	return slot.owner
}
