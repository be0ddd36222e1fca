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

func (s *memStore) FindOrderIDs(context.Context, []string) (map[string]bool, error) {
	return nil, nil
}

func (s *memStore) FindOrderByKey(context.Context, int64, string) (*market.Order, error) {
	return nil, tide.NotFound("order")
}

func (s *memStore) SetOrderState(context.Context, string, market.State, market.State, audit.Change) error {
	return nil
}

// BenchmarkEngine is BenchmarkPlaceOrder over a store in memory whose commit
// waits 200µs, so its CPU time is the engine's alone.
func BenchmarkEngine(b *testing.B) {
	st := &memStore{commit: 200 * time.Microsecond,
		product: market.Product{ID: "p", Price: 100, Currency: "CNY", Stock: market.MaxStock, OnSale: true},
		room:    market.Room{ID: "r", Status: market.RoomLive, Products: []string{"p"}}}
	e := market.NewEngine(st, market.EngineConfig{})
	if err := e.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	var buyers atomic.Int64
	b.SetParallelism(256)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buyer := buyers.Add(1)
		for pb.Next() {
			r := market.OrderRequest{Room: "r", Product: "p", Quantity: 1, IdempotencyKey: market.NewID()}
			if _, err := e.PlaceOrder(context.Background(), buyer, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if got := st.units; got != int64(b.N) {
		b.Errorf("stored units = %d, want %d", got, b.N)
	}
}
