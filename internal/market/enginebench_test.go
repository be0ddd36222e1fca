package market_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// memStore is an order store in memory whose commit takes a fixed time and
// no CPU, so BenchmarkEngine measures what the engine itself costs an order.
type memStore struct {
	product market.Product
	room    market.Room
	commit  time.Duration
	mu      sync.Mutex
	units   int64
}

func (s *memStore) FindProduct(context.Context, string) (*market.Product, error) {
	p := s.product
	return &p, nil
}

func (s *memStore) FindRoom(context.Context, string) (*market.Room, error) {
	r := s.room
	return &r, nil
}

func (s *memStore) ProductSales(context.Context, string) (market.Sales, error) {
	return market.Sales{}, nil
}

func (s *memStore) InsertOrders(_ context.Context, orders []*market.Order) ([]int, error) {
	time.Sleep(s.commit)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range orders {
		s.units += o.Quantity
	}
	return nil, nil
}

func (s *memStore) sold() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.units
}

func (s *memStore) FindOrderIDs(context.Context, []string) (map[string]bool, error) {
	return nil, nil
}

func (s *memStore) FindOrderByKey(context.Context, int64, string) (*market.Order, error) {
	return nil, tide.NotFound("order")
}

func (s *memStore) SetOrderState(context.Context, string, market.State, market.State, audit.Change) error {
	return nil
}

// serviceStore is a memStore that serves as a whole Store to the market
// service; only its order methods may be called.
type serviceStore struct {
	*memStore
	otherMethods
}

type otherMethods struct{ market.Store }

// quietEvents is told of sales and tells nobody.
type quietEvents struct{}

func (quietEvents) Sold(string, string, int64, int64)                   {}
func (quietEvents) Stock(string, int64)                                 {}
func (quietEvents) Commented(string, string, string, string, time.Time) {}
func (quietEvents) CommentRemoved(string, string)                       {}
func (quietEvents) RoomStatus(string, string)                           {}

// BenchmarkEngine is BenchmarkPlaceOrder over a store in memory whose commit
// waits 200µs, so its CPU time is the engine's alone: straight to the engine,
// and through the market service that tells live viewers of each sale.
func BenchmarkEngine(b *testing.B) {
	st := &memStore{commit: 200 * time.Microsecond,
		product: market.Product{ID: "p", Price: 100, Currency: "CNY", Stock: market.MaxStock, OnSale: true},
		room:    market.Room{ID: "r", Status: market.RoomLive, Products: []string{"p"}}}
	e := market.NewEngine(st, market.EngineConfig{})
	if err := e.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	svc := market.NewService(serviceStore{memStore: st}, e)
	svc.Events = quietEvents{}
	for _, tc := range []struct {
		name  string
		place func(ctx context.Context, buyer int64, r market.OrderRequest) (*market.Order, error)
	}{
		{"engine", e.PlaceOrder},
		{"service", func(ctx context.Context, buyer int64, r market.OrderRequest) (*market.Order, error) {
			return svc.PlaceOrder(asBuyer(ctx, buyer), r)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var buyers atomic.Int64
			sold := st.sold()
			b.SetParallelism(256)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				buyer := buyers.Add(1)
				for pb.Next() {
					r := market.OrderRequest{Room: "r", Product: "p", Quantity: 1, IdempotencyKey: market.NewID()}
					if _, err := tc.place(context.Background(), buyer, r); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if got := st.sold() - sold; got != int64(b.N) {
				b.Errorf("stored units = %d, want %d", got, b.N)
			}
		})
	}
}
