package market

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// placement is one order on its way from admission to an answer.
type placement struct {
	req   OrderRequest
	key   idemKey // set when the key table records it
	order *Order
	owner *owner
	// done is closed once order, err and duplicate are final and no longer
	// written: by the writer when the batch holding the order is settled
	// (committed, skipped as a duplicate, or failed with err set), or by the
	// placing caller when the order never reached the writer. The caller and
	// the retries of its key wait on it.
	done      chan struct{}
	duplicate bool
	err       error
	// admitted is the order's storage, allocated with the placement.
	admitted Order
}

// writer is the group commit: a goroutine takes every admitted order queued
// while its previous transaction was committing, up to maxBatch, and writes
// them in one transaction. Under load the batches grow by themselves, so the
// cost of a commit is shared by as many orders as arrived during the last one.
// With more than one such goroutine, one batch is written while another
// waits for its commit, which pays where a commit waits on a server's disk
// (PostgreSQL) and not where writes are serialised anyway (SQLite).
type writer struct {
	store    OrderStore
	in       chan *placement
	maxBatch int
	linger   time.Duration
	loops    int
	exited   chan struct{}
	// closed is closed by the engine's Close once no caller can queue an
	// order any more.
	closed chan struct{}
}

// run writes batches until ctx ends, then answers what is still queued.
func (w *writer) run(ctx context.Context) {
	var wg sync.WaitGroup
	for range w.loops {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
	close(w.exited)
	w.refuse()
}

// refuse answers ErrStopped to every order left in the queue when the
// writers exited, and to every order queued later, until the engine is
// closed; none of them was written. So a caller that queued an order waits
// for its answer alone, never for the writers' exit as well.
func (w *writer) refuse() {
	for {
		select {
		case p := <-w.in:
			p.order, p.err = nil, ErrStopped
			close(p.done)
		case <-w.closed:
			return
		}
	}
}

func (w *writer) loop(ctx context.Context) {
	batch := make([]*placement, 0, w.maxBatch)
	orders := make([]*Order, 0, w.maxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	busy := false
	for {
		select {
		case p := <-w.in:
			batch = append(batch[:0], p)
		case <-ctx.Done():
			return
		}
		batch = w.fill(batch, timer, busy)
		busy = len(batch) > 1
		orders = orders[:0]
		for _, p := range batch {
			orders = append(orders, p.order)
		}
		w.commit(ctx, batch, orders)
		clear(batch)
		clear(orders)
	}
}

// fill adds what is queued to batch. When busy (the last batch held more
// than one order) it then waits up to the linger for the batch to fill: the
// callers answered by the last commit come back one by one, and a writer that
// did not wait would commit them in batches of one or two, paying a whole
// commit for each. A lone buyer is never kept waiting.
func (w *writer) fill(batch []*placement, timer *time.Timer, busy bool) []*placement {
drain:
	for len(batch) < w.maxBatch {
		select {
		case p := <-w.in:
			batch = append(batch, p)
		default:
			break drain
		}
	}
	if !busy || w.linger <= 0 || len(batch) >= w.maxBatch {
		return batch
	}
	timer.Reset(w.linger)
	defer timer.Stop()
	for len(batch) < w.maxBatch {
		select {
		case p := <-w.in:
			batch = append(batch, p)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// commit writes the batch and answers every order in it. An order whose key
// the store already held gives its units back and is answered by its caller
// with the stored order.
func (w *writer) commit(ctx context.Context, batch []*placement, orders []*Order) {
	skipped, err := w.store.InsertOrders(ctx, orders)
	if err != nil {
		w.settle(ctx, batch, fmt.Errorf("commit a batch of %d orders: %w", len(batch), err))
		return
	}
	for _, i := range skipped {
		p := batch[i]
		p.duplicate = true
		p.owner.release(p.order.BuyerID, p.order.Quantity)
	}
	for _, p := range batch {
		close(p.done)
	}
}

// settle answers a batch whose commit failed. The failure may have come after
// the database committed (a connection lost during COMMIT), so the writer asks
// which orders are stored: those are acknowledged after all, and only the
// others give their units back. If even that cannot be learned, every order is
// answered with the error and no units are given back: the product may then
// sell short until the next start rebuilds its stock, but it never oversells.
func (w *writer) settle(ctx context.Context, batch []*placement, err error) {
	ids := make([]string, len(batch))
	for i, p := range batch {
		ids[i] = p.order.ID
	}
	stored, cerr := w.store.FindOrderIDs(ctx, ids)
	for _, p := range batch {
		switch {
		case cerr == nil && stored[p.order.ID]:
		case cerr == nil:
			p.owner.release(p.order.BuyerID, p.order.Quantity)
			p.err = err
		default:
			p.err = err
		}
		close(p.done)
	}
}
