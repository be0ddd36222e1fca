package market_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestPlaceOrderSellsExactlyTheStock has 200 buyers race for 1,000 units, each
// placing up to 10 orders of 1 to 3 units and falling back to 1 unit when
// fewer are left. Exactly the stock is sold; every acknowledged order, and no
// other, is stored.
func TestPlaceOrderSellsExactlyTheStock(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		const stock, buyers, perBuyer = 1000, 200, 10
		s := openSale(t, db, stock, 0)
		var got acks
		var wg sync.WaitGroup
		errs := make(chan error, buyers)
		for b := range buyers {
			wg.Go(func() {
				buyer := int64(b + 1)
				for i := 0; i < perBuyer; i++ {
					qty := int64(1 + (b+i)%3)
					for {
						o, err := s.engine.PlaceOrder(context.Background(), buyer, s.order(qty, fmt.Sprintf("k%d-%d", b, i)))
						if err == nil {
							got.add(o)
							break
						}
						if tide.ErrorCode(err) != market.ESoldOut {
							errs <- fmt.Errorf("buyer %d order %d: %w", buyer, i, err)
							return
						}
						if qty == 1 {
							return
						}
						qty = 1
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got.units != stock {
			t.Errorf("acknowledged units = %d, want %d", got.units, stock)
		}
		stored, units := s.committed(t)
		if units != stock {
			t.Errorf("stored units = %d, want %d", units, stock)
		}
		if len(stored) != len(got.orders) {
			t.Errorf("stored orders = %d, acknowledged = %d", len(stored), len(got.orders))
		}
		for id, o := range got.orders {
			if so := stored[id]; so == nil || so.Quantity != o.Quantity || so.BuyerID != o.BuyerID {
				t.Errorf("acknowledged order %s: stored %+v, want %+v", id, so, o)
			}
		}
		if got := s.available(t); got != 0 {
			t.Errorf("available = %d, want 0", got)
		}
	})
}

// TestIdempotentRetry shows that retries with one key, in a row or at once,
// make one order and are each answered with it, and that a key reused for
// another order is refused.
func TestIdempotentRetry(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		s := openSale(t, db, 100, 0)
		ctx := context.Background()
		first, err := s.engine.PlaceOrder(ctx, 7, s.order(2, "retry-1"))
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.engine.PlaceOrder(ctx, 7, s.order(2, "retry-1"))
		if err != nil || again.ID != first.ID {
			t.Fatalf("retry = %v, %v; want order %s", again, err, first.ID)
		}
		// The same key of another buyer is another order.
		other, err := s.engine.PlaceOrder(ctx, 8, s.order(2, "retry-1"))
		if err != nil || other.ID == first.ID {
			t.Fatalf("other buyer's key = %v, %v; want a new order", other, err)
		}
		ids := placeAtOnce(t, 20, "burst", func() (*market.Order, error) { return s.engine.PlaceOrder(ctx, 9, s.order(1, "burst")) })
		for i, id := range ids {
			if id != ids[0] {
				t.Errorf("burst %d answered %s, want %s", i, id, ids[0])
			}
		}
		_, err = s.engine.PlaceOrder(ctx, 7, s.order(3, "retry-1"))
		if got := tide.ErrorField(err); got != "idempotency_key" {
			t.Errorf("reused key: field %q (%v), want idempotency_key", got, err)
		}
		stored, units := s.committed(t)
		if len(stored) != 3 || units != 5 {
			t.Errorf("stored %d orders of %d units, want 3 of 5", len(stored), units)
		}
		if got := s.available(t); got != 95 {
			t.Errorf("available = %d, want 95", got)
		}
	})
}

// TestIdempotentRetryAfterRestart sends a burst of retries of a committed
// order to a restarted engine, which no longer holds the key in memory: the
// first retry is admitted afresh and found a duplicate by the store, and it
// and the retries waiting on it are all answered with the stored order.
func TestIdempotentRetryAfterRestart(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		s := openSale(t, db, 100, 0)
		ctx := context.Background()
		first, err := s.engine.PlaceOrder(ctx, 7, s.order(2, "restart-1"))
		if err != nil {
			t.Fatal(err)
		}
		s.start(t, ctx, db)
		ids := placeAtOnce(t, 20, "retry", func() (*market.Order, error) { return s.engine.PlaceOrder(ctx, 7, s.order(2, "restart-1")) })
		for i, id := range ids {
			if id != first.ID {
				t.Errorf("retry %d answered %s, want %s", i, id, first.ID)
			}
		}
		if stored, units := s.committed(t); len(stored) != 1 || units != 2 {
			t.Errorf("stored %d orders of %d units, want 1 of 2", len(stored), units)
		}
		if got := s.available(t); got != 98 {
			t.Errorf("available = %d, want 98", got)
		}
	})
}

// TestBuyerLimit shows the per-buyer limit counts what the buyer holds, and
// that a cancelled order frees its units for the buyer and for everyone.
func TestBuyerLimit(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		s := openSale(t, db, 10, 5)
		ctx := context.Background()
		o1, err := s.svc.PlaceOrder(asBuyer(ctx, 1), s.order(3, "a"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.svc.PlaceOrder(asBuyer(ctx, 1), s.order(3, "b"))
		if got := tide.ErrorCode(err); got != tide.ETOOMANY {
			t.Fatalf("over the limit: code %q (%v), want %q", got, err, tide.ETOOMANY)
		}
		if _, err := s.svc.PlaceOrder(asBuyer(ctx, 1), s.order(2, "c")); err != nil {
			t.Fatalf("up to the limit: %v", err)
		}
		if held, err := s.engine.Held(ctx, s.product.ID, 1); err != nil || held != 5 {
			t.Errorf("held = %d, %v; want 5", held, err)
		}
		if _, err := s.svc.PlaceOrder(asBuyer(ctx, 2), s.order(5, "a")); err != nil {
			t.Fatalf("another buyer: %v", err)
		}
		_, err = s.svc.PlaceOrder(asBuyer(ctx, 3), s.order(1, "a"))
		if got := tide.ErrorCode(err); got != market.ESoldOut {
			t.Fatalf("sold out: code %q (%v), want %q", got, err, market.ESoldOut)
		}
		if _, err := s.svc.CancelOrder(asBuyer(ctx, 2), o1.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("cancel another buyer's order: %v, want not found", err)
		}
		c, err := s.svc.CancelOrder(asBuyer(ctx, 1), o1.ID)
		if err != nil || c.State != market.Cancelled {
			t.Fatalf("cancel = %v, %v", c, err)
		}
		if _, err := s.svc.CancelOrder(asBuyer(ctx, 1), o1.ID); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("cancel twice: %v, want conflict", err)
		}
		if got := s.available(t); got != 3 {
			t.Errorf("available after cancel = %d, want 3", got)
		}
		if _, err := s.svc.PlaceOrder(asBuyer(ctx, 1), s.order(3, "d")); err != nil {
			t.Errorf("buy again after cancel: %v", err)
		}
		if _, units := s.committed(t); units != 10 {
			t.Errorf("stored units = %d, want 10", units)
		}
		// A restock sells at once; stock lowered below what is sold leaves
		// the product sold out.
		for _, tc := range []struct{ stock, want int64 }{{15, 5}, {8, 0}} {
			p := *s.product
			p.Stock = tc.stock
			if err := s.svc.UpdateProduct(asAdmin(ctx), &p); err != nil {
				t.Fatalf("set stock %d: %v", tc.stock, err)
			}
			if got := s.available(t); got != tc.want {
				t.Errorf("available with stock %d = %d, want %d", tc.stock, got, tc.want)
			}
		}
	})
}

// TestPlaceOrderRefusals names the field of each refused request.
func TestPlaceOrderRefusals(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		s := openSale(t, db, 10, 0)
		ctx := asAdmin(context.Background())
		other := &market.Product{SellerID: s.product.SellerID, Name: "Rice", Unit: "kg", Price: 900, Currency: "CNY",
			Stock: 5, Origin: "522601", OnSale: true}
		if err := s.svc.CreateProduct(ctx, other); err != nil {
			t.Fatal(err)
		}
		later := &market.Room{SellerID: s.product.SellerID, Title: "Tomorrow", Products: []string{other.ID}}
		if err := s.svc.CreateRoom(ctx, later); err != nil {
			t.Fatal(err)
		}
		long := string(make([]byte, market.MaxKeyLen+1))
		for _, tc := range []struct {
			name        string
			buyer       int64
			req         market.OrderRequest
			code, field string
		}{
			{"ErrQuantityZero", 1, s.order(0, ""), tide.EINVALID, "quantity"},
			{"ErrQuantityTooMany", 1, s.order(market.MaxOrderQuantity+1, ""), tide.EINVALID, "quantity"},
			{"ErrKeyTooLong", 1, s.order(1, long), tide.EINVALID, "idempotency_key"},
			{"ErrNoBuyer", 0, s.order(1, ""), tide.EINVALID, "buyer"},
			{"ErrNoRoom", 1, market.OrderRequest{Product: s.product.ID, Quantity: 1}, tide.EINVALID, "room"},
			{"ErrUnknownRoom", 1, market.OrderRequest{Room: "nope", Product: s.product.ID, Quantity: 1}, tide.ENOTFOUND, ""},
			{"ErrProductNotInRoom", 1, market.OrderRequest{Room: s.room.ID, Product: other.ID, Quantity: 1}, tide.EINVALID, "product"},
			{"ErrRoomNotLive", 1, market.OrderRequest{Room: later.ID, Product: other.ID, Quantity: 1}, tide.ECONFLICT, "room"},
			{"ErrMoreThanLeft", 1, s.order(11, ""), market.ESoldOut, "quantity"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.engine.PlaceOrder(context.Background(), tc.buyer, tc.req)
				if got := tide.ErrorCode(err); got != tc.code {
					t.Errorf("code = %q (%v), want %q", got, err, tc.code)
				}
				if got := tide.ErrorField(err); got != tc.field {
					t.Errorf("field = %q, want %q", got, tc.field)
				}
			})
		}
		if _, err := s.svc.PlaceOrder(context.Background(), s.order(1, "")); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
			t.Errorf("anonymous buyer: %v, want unauthorized", err)
		}
		if got := s.available(t); got != 10 {
			t.Errorf("available after refusals = %d, want 10", got)
		}
	})
}

// TestOrderAfterWritersExit places orders on an engine whose writers have
// exited, its context cancelled as in a crash: each is answered ErrStopped
// at once, and Close returns.
func TestOrderAfterWritersExit(t *testing.T) {
	st := &memStore{
		product: market.Product{ID: "p", Price: 100, Currency: "CNY", Stock: 10, OnSale: true},
		room:    market.Room{ID: "r", Status: market.RoomLive, Products: []string{"p"}}}
	e := market.NewEngine(st, market.EngineConfig{})
	ctx, crash := context.WithCancel(context.Background())
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PlaceOrder(context.Background(), 1, market.OrderRequest{Room: "r", Product: "p", Quantity: 1}); err != nil {
		t.Fatalf("order before the crash: %v", err)
	}
	crash()
	<-e.Stopped()
	done := make(chan error, 3)
	for i := range 3 {
		go func() {
			_, err := e.PlaceOrder(context.Background(), int64(i+2),
				market.OrderRequest{Room: "r", Product: "p", Quantity: 1, IdempotencyKey: "k"})
			done <- err
		}()
	}
	for range 3 {
		select {
		case err := <-done:
			if !errors.Is(err, market.ErrStopped) {
				t.Errorf("order after the crash: %v, want ErrStopped", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("an order placed after the writers exited was not answered")
		}
	}
	closed := make(chan struct{})
	go func() { e.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	if st.units != 1 {
		t.Errorf("stored units = %d, want 1", st.units)
	}
}

// placeAtOnce runs place n times at once and returns the IDs of the orders
// it answered, in the order the calls were started; a failed call is an
// error of the test, named what and its number, and leaves its ID empty.
func placeAtOnce(t *testing.T, n int, what string, place func() (*market.Order, error)) []string {
	t.Helper()
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range ids {
		wg.Go(func() {
			o, err := place()
			if err != nil {
				t.Errorf("%s %d: %v", what, i, err)
				return
			}
			ids[i] = o.ID
		})
	}
	wg.Wait()
	return ids
}
