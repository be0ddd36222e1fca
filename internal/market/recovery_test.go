package market_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func openURL(tb testing.TB, url string) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return db
}

// TestCrashRecovery stops an engine in the middle of a sale, by cancelling
// its context or by closing the database under it, then starts a new engine
// on the same database. Every acknowledged order is stored, the new engine's
// stock is the product's less what is stored, retries are answered with the
// stored orders, and the sale ends with exactly the stock sold.
func TestCrashRecovery(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		for _, how := range []string{"CancelContext", "CloseDatabase"} {
			t.Run(string(d)+"/"+how, func(t *testing.T) {
				const stock = 1000
				url := sqlstore.TestURL(t, d)
				db1 := openURL(t, url)
				s := openSale(t, db1, stock, 0)
				ctx, crash := context.WithCancel(context.Background())
				s.start(t, ctx, db1)
				var got acks
				var seq atomic.Int64
				var wg sync.WaitGroup
				for b := range 100 {
					wg.Go(func() {
						for {
							k := seq.Add(1)
							o, err := s.engine.PlaceOrder(context.Background(), int64(b+1), s.order(1, fmt.Sprint("k", k)))
							if err != nil {
								return
							}
							got.add(o)
						}
					})
				}
				for deadline := time.Now().Add(time.Minute); got.count() < 300; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("only %d units sold in a minute", got.count())
					}
				}
				if how == "CancelContext" {
					crash()
					<-s.engine.Stopped()
					db1.Close()
				} else {
					db1.Close()
				}
				wg.Wait()
				s.engine.Close()
				crash()

				db2 := openURL(t, url)
				s.db = db2
				s.start(t, context.Background(), db2)
				stored, units := s.committed(t)
				for id := range got.orders {
					if stored[id] == nil {
						t.Errorf("acknowledged order %s is not stored", id)
					}
				}
				t.Logf("acknowledged %d orders, stored %d", len(got.orders), len(stored))
				if got, want := s.available(t), int64(stock)-units; got != want {
					t.Errorf("available after restart = %d, want %d", got, want)
				}
				retryAcknowledged(t, s, got.orders, stock-units)
				sellOut(t, s, 101)
				if _, units := s.committed(t); units != stock {
					t.Errorf("stored units after the sale = %d, want %d", units, stock)
				}
			})
		}
	}
}

// retryAcknowledged retries a few acknowledged orders with their keys, and
// checks each is answered with the same order and takes no stock.
func retryAcknowledged(t *testing.T, s *sale, orders map[string]*market.Order, available int64) {
	t.Helper()
	n := 0
	for _, o := range orders {
		if n++; n > 5 {
			break
		}
		again, err := s.engine.PlaceOrder(context.Background(), o.BuyerID, s.order(o.Quantity, o.IdempotencyKey))
		if err != nil || again.ID != o.ID {
			t.Errorf("retry of %s after restart = %v, %v", o.ID, again, err)
		}
	}
	if got := s.available(t); got != available {
		t.Errorf("available after retries = %d, want %d", got, available)
	}
}

// sellOut has buyers from first on buy one unit at a time until none is left.
func sellOut(t *testing.T, s *sale, first int64) {
	t.Helper()
	for buyer := first; ; buyer++ {
		_, err := s.engine.PlaceOrder(context.Background(), buyer, s.order(1, "last"))
		if tide.ErrorCode(err) == market.ESoldOut {
			return
		} else if err != nil {
			t.Fatalf("sell out: %v", err)
		}
	}
}

// flakyStore fails the next commits on demand: before writing (the batch is
// lost) or after (the database committed but the answer was lost).
type flakyStore struct {
	*sqlstore.DB
	mu         sync.Mutex
	fail       int
	afterWrite bool
}

func (f *flakyStore) failNext(n int, afterWrite bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.afterWrite = n, afterWrite
}

func (f *flakyStore) InsertOrders(ctx context.Context, orders []*market.Order) ([]int, error) {
	f.mu.Lock()
	fail, after := f.fail > 0, f.afterWrite
	if fail {
		f.fail--
	}
	f.mu.Unlock()
	if !fail {
		return f.DB.InsertOrders(ctx, orders)
	}
	if after {
		if _, err := f.DB.InsertOrders(ctx, orders); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("injected commit failure")
}

// TestFailedCommit shows a failed batch gives its units back and answers its
// callers with the error, a retry with the same key then succeeds, and a
// batch that committed though the commit reported failure is acknowledged.
func TestFailedCommit(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		s := openSale(t, db, 10, 0)
		flaky := &flakyStore{DB: db}
		s.start(t, context.Background(), flaky)
		ctx := context.Background()

		flaky.failNext(1, false)
		if _, err := s.engine.PlaceOrder(ctx, 1, s.order(4, "a")); err == nil {
			t.Fatal("failed commit answered with an order")
		}
		if got := s.available(t); got != 10 {
			t.Errorf("available after a failed commit = %d, want 10", got)
		}
		if stored, _ := s.committed(t); len(stored) != 0 {
			t.Errorf("stored after a failed commit: %d orders", len(stored))
		}
		o, err := s.engine.PlaceOrder(ctx, 1, s.order(4, "a"))
		if err != nil {
			t.Fatalf("retry after a failed commit: %v", err)
		}

		flaky.failNext(1, true)
		o2, err := s.engine.PlaceOrder(ctx, 2, s.order(3, "b"))
		if err != nil {
			t.Fatalf("commit stored but reported failed: %v", err)
		}
		stored, units := s.committed(t)
		if len(stored) != 2 || stored[o.ID] == nil || stored[o2.ID] == nil || units != 7 {
			t.Errorf("stored %d orders of %d units, want %s and %s of 7", len(stored), units, o.ID, o2.ID)
		}
		if got := s.available(t); got != 3 {
			t.Errorf("available = %d, want 3", got)
		}
	})
}
