package sqlstore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// seedMarket stores a village, a cooperative and a product, straight through
// the store.
func seedMarket(t *testing.T, db *sqlstore.DB) (*market.Seller, *market.Product) {
	t.Helper()
	ctx := context.Background()
	rs := []*region.Region{{Code: "52", Name: "P", Level: region.Province}, {Code: "5226", Name: "Pre", Level: region.Prefecture, Parent: "52"}}
	if err := db.CreateRegions(ctx, rs, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := &market.Seller{ID: market.NewID(), Name: "Co-op", Kind: market.KindCooperative, Region: "5226", Status: market.SellerApproved, CreatedAt: now}
	if err := db.CreateSeller(ctx, s, audit.Change{Actor: "t", Action: "create", Entity: "seller", EntityID: s.ID}); err != nil {
		t.Fatal(err)
	}
	p := &market.Product{ID: market.NewID(), SellerID: s.ID, Name: "Tea", Unit: "box", Price: 3500, Currency: "CNY",
		Stock: 100, BuyerLimit: 3, Origin: "5226", OnSale: true, Photos: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateProduct(ctx, p, audit.Change{Actor: "t", Action: "create", Entity: "product", EntityID: p.ID}); err != nil {
		t.Fatal(err)
	}
	return s, p
}

func TestMarketCatalogue(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		s, p := seedMarket(t, db)
		c := audit.Change{Actor: "t", Action: "create", Entity: "seller"}
		err := db.CreateSeller(ctx, &market.Seller{ID: market.NewID(), Name: "X", Kind: market.KindCooperative, Region: "99"}, c)
		if got := tide.ErrorField(err); got != "region" {
			t.Errorf("unknown region: field %q (%v), want region", got, err)
		}
		err = db.CreateSeller(ctx, &market.Seller{ID: market.NewID(), Name: "X", Kind: market.KindHousehold, Region: "52", Household: "nope"}, c)
		if got := tide.ErrorField(err); got != "household" {
			t.Errorf("unknown household: field %q (%v), want household", got, err)
		}
		if got, err := db.FindSeller(ctx, s.ID); err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("seller = %+v, %v; want %+v", got, err, s)
		}
		if got, err := db.FindProduct(ctx, p.ID); err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("product = %+v, %v; want %+v", got, err, p)
		}
		p.Stock, p.OnSale = 250, false
		if err := db.UpdateProduct(ctx, p, audit.Change{Actor: "t", Action: "update", Entity: "product", EntityID: p.ID}); err != nil {
			t.Fatal(err)
		}
		onSale := true
		if list, total, err := db.FindProducts(ctx, market.ProductFilter{Prefix: "52", OnSale: &onSale}); err != nil || total != 0 || len(list) != 0 {
			t.Errorf("products on sale = %v, %d, %v; want none", list, total, err)
		}
		if list, total, err := db.FindProducts(ctx, market.ProductFilter{SellerID: s.ID}); err != nil || total != 1 || list[0].Stock != 250 {
			t.Errorf("seller's products = %v, %d, %v", list, total, err)
		}
		r := &market.Room{ID: market.NewID(), SellerID: s.ID, Region: s.Region, Title: "Live", Status: market.RoomScheduled,
			Products: []string{p.ID}, StartsAt: time.Now().UTC().Truncate(time.Microsecond), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		if err := db.CreateRoom(ctx, r, audit.Change{Actor: "t", Action: "create", Entity: "room", EntityID: r.ID}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRoomStatus(ctx, r.ID, market.RoomScheduled, market.RoomLive, audit.Change{Actor: "t", Action: "update", Entity: "room"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRoomStatus(ctx, r.ID, market.RoomScheduled, market.RoomEnded, audit.Change{}); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("stale room status: %v, want conflict", err)
		}
		got, err := db.FindRoom(ctx, r.ID)
		if err != nil || got.Status != market.RoomLive || len(got.Products) != 1 || got.Products[0] != p.ID || !got.StartsAt.Equal(r.StartsAt) {
			t.Errorf("room = %+v, %v", got, err)
		}
		if _, err := db.FindRoom(ctx, "nope"); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("missing room: %v, want not found", err)
		}
		if _, n, err := db.FindAuditEntries(ctx, audit.Filter{Entity: "product", Limit: 10}); err != nil || n != 2 {
			t.Errorf("product audit entries = %d, %v; want 2", n, err)
		}
	})
}

func newOrders(p *market.Product, buyer int64, keys ...string) []*market.Order {
	now := time.Now().UTC().Truncate(time.Microsecond)
	out := make([]*market.Order, len(keys))
	for i, k := range keys {
		out[i] = &market.Order{ID: market.NewID(), RoomID: "room", ProductID: p.ID, Region: p.Origin, BuyerID: buyer,
			Quantity: 1, UnitPrice: p.Price, Total: p.Price, Currency: p.Currency, State: market.Placed,
			IdempotencyKey: k, CreatedAt: now, UpdatedAt: now}
	}
	return out
}

func TestInsertOrders(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		_, p := seedMarket(t, db)
		first := newOrders(p, 1, "a", "b", "", "")
		if skipped, err := db.InsertOrders(ctx, first); err != nil || len(skipped) != 0 {
			t.Fatalf("insert = %v, %v", skipped, err)
		}
		// A repeated key of the same buyer is left out and reported; the same
		// key of another buyer, and orders without keys, are not.
		second := append(newOrders(p, 1, "c", "b"), newOrders(p, 2, "a", "")...)
		skipped, err := db.InsertOrders(ctx, second)
		if err != nil || len(skipped) != 1 || skipped[0] != 1 {
			t.Fatalf("skipped = %v, %v; want [1]", skipped, err)
		}
		stored, err := db.FindOrderByKey(ctx, 1, "b")
		if err != nil || stored.ID != first[1].ID || stored.ProductName != p.Name {
			t.Errorf("order by key = %+v, %v; want %+v", stored, err, first[1])
		}
		if _, err := db.FindOrderByKey(ctx, 3, "b"); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("other buyer's key: %v, want not found", err)
		}
		ids, err := db.FindOrderIDs(ctx, []string{first[0].ID, second[1].ID, second[2].ID})
		if err != nil || !ids[first[0].ID] || ids[second[1].ID] || !ids[second[2].ID] {
			t.Errorf("stored IDs = %v, %v", ids, err)
		}
		// More than one INSERT's worth of rows in one call.
		keys := make([]string, 1234)
		for i := range keys {
			keys[i] = fmt.Sprint("bulk-", i)
		}
		if skipped, err := db.InsertOrders(ctx, newOrders(p, 3, keys...)); err != nil || len(skipped) != 0 {
			t.Fatalf("bulk insert = %d skipped, %v", len(skipped), err)
		}
		c := audit.Change{Actor: "t", Action: "cancel", Entity: "order", EntityID: first[0].ID}
		if err := db.SetOrderState(ctx, first[0].ID, market.Placed, market.Cancelled, c); err != nil {
			t.Fatal(err)
		}
		if err := db.SetOrderState(ctx, first[0].ID, market.Placed, market.Cancelled, c); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("cancel twice: %v, want conflict", err)
		}
		if err := db.SetOrderState(ctx, "nope", market.Placed, market.Cancelled, c); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("cancel a missing order: %v, want not found", err)
		}
		sales, err := db.ProductSales(ctx, p.ID)
		want := map[int64]int64{1: 4, 2: 2, 3: 1234}
		if err != nil || sales.Total != 1240 || len(sales.ByBuyer) != 3 {
			t.Fatalf("sales = %+v, %v", sales, err)
		}
		for b, n := range want {
			if sales.ByBuyer[b] != n {
				t.Errorf("buyer %d holds %d, want %d", b, sales.ByBuyer[b], n)
			}
		}
		list, total, err := db.FindOrders(ctx, market.OrderFilter{BuyerID: 1, Limit: 10})
		if err != nil || total != 5 || len(list) != 5 {
			t.Errorf("buyer 1's orders = %d of %d, %v; want 5", len(list), total, err)
		}
	})
}

// TestInsertOrdersInChunks writes a batch as statements of 256, 32, 8 and 4
// rows on a pool of one connection, and reports repeated keys by their place
// in the whole batch, whichever statement held them.
func TestInsertOrdersInChunks(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		db.SQL().SetMaxOpenConns(1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, p := seedMarket(t, db)
		if _, err := db.InsertOrders(ctx, newOrders(p, 1, "old-1", "old-2")); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 300)
		for i := range keys {
			keys[i] = fmt.Sprint("new-", i)
		}
		keys[270], keys[299] = "old-1", "old-2"
		skipped, err := db.InsertOrders(ctx, newOrders(p, 1, keys...))
		if err != nil || !slices.Equal(skipped, []int{270, 299}) {
			t.Fatalf("skipped = %v, %v; want [270 299]", skipped, err)
		}
		sales, err := db.ProductSales(ctx, p.ID)
		if err != nil || sales.Total != 300 {
			t.Errorf("stored units = %d, %v; want 300", sales.Total, err)
		}
	})
}
