package market_test

import (
	"context"
	"testing"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestFulfilmentAndIncome takes a cooperative's order from paid to delivered
// and refunded, and follows the income into its member households.
func TestFulfilmentAndIncome(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		a, b, c := sh.household(t, 3000), sh.household(t, 3000), sh.household(t, 3000)
		sl := &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: county,
			Members: []market.Member{{Household: a, Share: 3333}, {Household: b, Share: 3333}, {Household: c, Share: 3334}}}
		p, r := sh.onSale(t, sl, 3335, 10)
		o := sh.buy(t, 31, p, r, 3) // 10,005
		buyer, seller := asBuyer(context.Background(), 31), sh.asSeller()

		_, err := sh.svc.Ship(seller, o.ID, "SF123")
		wantCode(t, "ship unpaid", err, tide.ECONFLICT, "state")
		sh.pay(t, o)
		_, err = sh.svc.Ship(buyer, o.ID, "SF123")
		wantCode(t, "the buyer ships", err, tide.ENOTFOUND, "")
		_, err = sh.svc.Ship(seller, o.ID, " ")
		wantCode(t, "no tracking", err, tide.EINVALID, "tracking")
		_, err = sh.svc.Deliver(buyer, o.ID)
		wantCode(t, "deliver unshipped", err, tide.ECONFLICT, "state")
		if _, err := sh.svc.Ship(officer(county), o.ID, "SF123"); err != nil {
			t.Fatalf("the county ships: %v", err)
		}
		_, err = sh.svc.Deliver(asBuyer(context.Background(), 32), o.ID)
		wantCode(t, "another buyer confirms", err, tide.ENOTFOUND, "")
		got, err := sh.svc.Deliver(buyer, o.ID)
		if err != nil || got.State != market.Delivered {
			t.Fatalf("deliver = %+v, %v", got, err)
		}
		if got := sh.order(t, o.ID); got.Tracking != "SF123" || got.ProductName != "Tea" {
			t.Errorf("order tracking %q, product %q; want SF123, Tea", got.Tracking, got.ProductName)
		}
		in, err := sh.svc.Income(seller, sl.ID, sh.now.Year())
		// 3333, 3333 and 3334 basis points of 10,005 are 3334.67, 3334.67
		// and 3335.67: rounded down they leave 2, which go to the largest
		// remainders, the third's and then the first's.
		want := map[string]int64{a: 3335, b: 3334, c: 3336}
		if err != nil || in.Net != 10005 || in.Orders != 1 || len(in.ByHousehold) != 3 {
			t.Errorf("income = %+v, %v; want 10005 net", in, err)
		}
		if _, err := sh.svc.Income(buyer, sl.ID, sh.now.Year()); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("a buyer reads income: %v, want the seller refused", err)
		}
		for ref, w := range want {
			if in.ByHousehold[ref] != w {
				t.Errorf("household %s's share = %d, want %d", ref, in.ByHousehold[ref], w)
			}
			h, err := sh.registry.Find(asAdmin(context.Background()), ref)
			if err != nil || h.MarketIncome != w {
				t.Errorf("household %s market income = %d, %v; want %d", ref, h.MarketIncome, err, w)
			}
		}
		// Telling the registry again changes nothing.
		if err := sh.svc.SyncIncome(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, err = sh.svc.Refund(seller, o.ID, "")
		wantCode(t, "refund without reason", err, tide.EINVALID, "reason")
		_, err = sh.svc.Refund(buyer, o.ID, "broken")
		wantCode(t, "the buyer refunds", err, tide.ENOTFOUND, "")
		if got, err := sh.svc.Refund(seller, o.ID, "jars broken"); err != nil || got.State != market.Refunded {
			t.Fatalf("refund = %+v, %v", got, err)
		}
		in, _ = sh.svc.Income(seller, sl.ID, sh.now.Year())
		if in.Net != 0 || in.Credited != 10005 || in.Debited != 10005 {
			t.Errorf("income after refund = %+v, want 10005 both ways", in)
		}
		h, _ := sh.registry.Find(asAdmin(context.Background()), a)
		if h.MarketIncome != 0 {
			t.Errorf("household market income after refund = %d, want 0", h.MarketIncome)
		}
		ps, _ := db.FindPayments(context.Background(), o.ID)
		if len(ps) != 1 || ps[0].State != market.PaymentRefunded {
			t.Errorf("payments after refund = %+v", ps)
		}
		if n := sh.audited(t, "order", o.ID); n != 4 {
			t.Errorf("order audit entries = %d, want 4 (pay, ship, deliver, refund)", n)
		}

		// A paid order refunded before shipping is cancelled and its units
		// return.
		o2 := sh.buy(t, 33, p, r, 2)
		sh.pay(t, o2)
		if got, err := sh.svc.Refund(seller, o2.ID, "out of season"); err != nil || got.State != market.Cancelled {
			t.Fatalf("refund before shipping = %+v, %v", got, err)
		}
		if n, _ := sh.engine.Available(context.Background(), p.ID); n != 7 {
			t.Errorf("available = %d, want 7", n)
		}

		mine, n, err := sh.svc.Orders(buyer, market.OrderFilter{Mine: true})
		if err != nil || n != 1 || mine[0].ID != o.ID || mine[0].ProductName != "Tea" {
			t.Errorf("buyer's orders = %v, %d, %v", mine, n, err)
		}
		if _, n, err := sh.svc.Orders(seller, market.OrderFilter{SellerID: sl.ID}); err != nil || n != 2 {
			t.Errorf("seller's orders = %d, %v; want 2", n, err)
		}
		if _, _, err := sh.svc.Orders(buyer, market.OrderFilter{SellerID: sl.ID}); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("a buyer lists the seller's orders: %v", err)
		}
	})
}

// TestHouseholdSellerIncome credits a household seller's whole sale to its
// household.
func TestHouseholdSellerIncome(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		ref := sh.household(t, 3000)
		p, r := sh.onSale(t, &market.Seller{Name: "Wang family", Kind: market.KindHousehold, Region: county, Household: ref}, 999, 5)
		o := sh.buy(t, 41, p, r, 1)
		sh.pay(t, o)
		if _, err := sh.svc.Ship(sh.asSeller(), o.ID, "EMS1"); err != nil {
			t.Fatal(err)
		}
		if _, err := sh.svc.Deliver(sh.asSeller(), o.ID); err != nil {
			t.Fatal(err)
		}
		h, err := sh.registry.Find(asAdmin(context.Background()), ref)
		if err != nil || h.MarketIncome != 999 {
			t.Errorf("market income = %d, %v; want 999", h.MarketIncome, err)
		}
	})
}
