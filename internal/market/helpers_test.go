package market_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func asAdmin(ctx context.Context) context.Context { return tide.WithActor(ctx, tide.System) }

func asBuyer(ctx context.Context, id int64) context.Context {
	return tide.WithActor(ctx, &tide.Actor{UserID: id, Name: "buyer", Roles: []tide.Role{tide.RolePublic}})
}

// sale is a seller with one product on sale in a live room, and an engine.
type sale struct {
	cfg     market.EngineConfig
	db      *sqlstore.DB
	engine  *market.Engine
	svc     *market.Service
	room    *market.Room
	product *market.Product
}

// seedRegions adds a province down to a village, the places sellers and
// produce come from.
func seedRegions(tb testing.TB, db *sqlstore.DB) {
	tb.Helper()
	rs := []*region.Region{
		{Code: "52", Name: "Guizhou", Level: region.Province},
		{Code: "5226", Name: "Qiandongnan", Level: region.Prefecture, Parent: "52"},
		{Code: "522601", Name: "Kaili", Level: region.County, Parent: "5226"},
		{Code: "522601100", Name: "Town", Level: region.Township, Parent: "522601"},
		{Code: "522601100201", Name: "Village", Level: region.Village, Parent: "522601100"},
	}
	if err := db.CreateRegions(context.Background(), rs, nil); err != nil {
		tb.Fatalf("create regions: %v", err)
	}
}

// openSale seeds a sale with the given stock and buyer limit and starts an
// engine over db that is closed when the test ends.
func openSale(tb testing.TB, db *sqlstore.DB, stock, limit int64) *sale {
	tb.Helper()
	seedRegions(tb, db)
	s := &sale{db: db}
	s.start(tb, context.Background(), db)
	ctx := asAdmin(context.Background())
	seller := &market.Seller{Name: "Miao embroidery co-op", Kind: market.KindCooperative, Region: "522601"}
	if err := s.svc.CreateSeller(ctx, seller); err != nil {
		tb.Fatalf("create seller: %v", err)
	}
	if _, err := s.svc.ApproveSeller(ctx, seller.ID); err != nil {
		tb.Fatalf("approve seller: %v", err)
	}
	s.product = &market.Product{SellerID: seller.ID, Name: "Sour soup base", Unit: "jar", Price: 2800,
		Currency: "CNY", Stock: stock, BuyerLimit: limit, Origin: "522601100201", OnSale: true}
	if err := s.svc.CreateProduct(ctx, s.product); err != nil {
		tb.Fatalf("create product: %v", err)
	}
	s.room = &market.Room{SellerID: seller.ID, Title: "Harvest night", Products: []string{s.product.ID}}
	if err := s.svc.CreateRoom(ctx, s.room); err != nil {
		tb.Fatalf("create room: %v", err)
	}
	if _, err := s.svc.SetRoomStatus(ctx, s.room.ID, market.RoomLive); err != nil {
		tb.Fatalf("open room: %v", err)
	}
	return s
}

// start replaces the sale's engine and service with new ones over store, as
// a restarted server would have; cancelling ctx crashes the engine.
func (s *sale) start(tb testing.TB, ctx context.Context, store market.Store) {
	tb.Helper()
	if s.engine != nil {
		s.engine.Close()
	}
	e := market.NewEngine(store, s.cfg)
	if err := e.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	s.engine, s.svc = e, market.NewService(store, e)
}

func (s *sale) order(qty int64, key string) market.OrderRequest {
	return market.OrderRequest{Room: s.room.ID, Product: s.product.ID, Quantity: qty, IdempotencyKey: key}
}

// committed returns the product's stored orders by ID and the units they hold.
func (s *sale) committed(tb testing.TB) (map[string]*market.Order, int64) {
	tb.Helper()
	all := map[string]*market.Order{}
	var units int64
	for offset := 0; ; offset += 500 {
		os, _, err := s.db.FindOrders(context.Background(), market.OrderFilter{ProductID: s.product.ID, Offset: offset, Limit: 500})
		if err != nil {
			tb.Fatalf("find orders: %v", err)
		}
		for _, o := range os {
			all[o.ID] = o
			if o.State != market.Cancelled {
				units += o.Quantity
			}
		}
		if len(os) < 500 {
			return all, units
		}
	}
}

func (s *sale) available(tb testing.TB) int64 {
	tb.Helper()
	n, err := s.engine.Available(context.Background(), s.product.ID)
	if err != nil {
		tb.Fatalf("available: %v", err)
	}
	return n
}

// acks collects acknowledged orders from many goroutines.
type acks struct {
	mu     sync.Mutex
	orders map[string]*market.Order
	units  int64
}

func (a *acks) add(o *market.Order) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.orders == nil {
		a.orders = map[string]*market.Order{}
	}
	if _, ok := a.orders[o.ID]; !ok {
		a.units += o.Quantity
	}
	a.orders[o.ID] = o
}

func (a *acks) count() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.units
}
