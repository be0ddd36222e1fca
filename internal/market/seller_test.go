package market_test

import (
	"context"
	"testing"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func TestSellerApproval(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		admin := asAdmin(context.Background())
		sl := &market.Seller{Name: "Tea co-op", Kind: market.KindCooperative, Region: county, UserID: sh.account.ID}
		if err := sh.svc.CreateSeller(admin, sl); err != nil {
			t.Fatal(err)
		}
		if sl.Status != market.SellerPending {
			t.Errorf("new seller is %s, want pending", sl.Status)
		}
		p := &market.Product{SellerID: sl.ID, Name: "Tea", Unit: "box", Price: 100, Currency: "CNY", Stock: 5, Origin: county, OnSale: true}
		wantCode(t, "on sale while pending", sh.svc.CreateProduct(sh.asSeller(), p), tide.ECONFLICT, "on_sale")
		p.OnSale = false
		if err := sh.svc.CreateProduct(sh.asSeller(), p); err != nil {
			t.Fatalf("a pending seller lists a product off sale: %v", err)
		}
		r := &market.Room{SellerID: sl.ID, Title: "Live", Products: []string{p.ID}}
		if err := sh.svc.CreateRoom(sh.asSeller(), r); err != nil {
			t.Fatal(err)
		}
		_, err := sh.svc.SetRoomStatus(sh.asSeller(), r.ID, market.RoomLive)
		wantCode(t, "live while pending", err, tide.ECONFLICT, "status")

		_, err = sh.svc.ApproveSeller(officer("522602"), sl.ID)
		wantCode(t, "approve from another county", err, tide.ENOTFOUND, "")
		registrar := tide.WithActor(context.Background(), &tide.Actor{Name: "r", Roles: []tide.Role{tide.RoleRegistrar}, Scope: county})
		_, err = sh.svc.ApproveSeller(registrar, sl.ID)
		wantCode(t, "approve as registrar", err, tide.EFORBIDDEN, "")
		_, err = sh.svc.ApproveSeller(sh.asSeller(), sl.ID)
		wantCode(t, "approve oneself", err, tide.EFORBIDDEN, "")
		got, err := sh.svc.ApproveSeller(officer(county), sl.ID)
		if err != nil || got.Status != market.SellerApproved {
			t.Fatalf("approve = %+v, %v", got, err)
		}
		_, err = sh.svc.ApproveSeller(officer(county), sl.ID)
		wantCode(t, "approve twice", err, tide.ECONFLICT, "status")
		if n := sh.audited(t, "seller", sl.ID); n != 2 {
			t.Errorf("seller audit entries = %d, want 2 (create, approve)", n)
		}
		p.OnSale = true
		if err := sh.svc.UpdateProduct(sh.asSeller(), p); err != nil {
			t.Errorf("put on sale once approved: %v", err)
		}
		if _, err := sh.svc.SetRoomStatus(sh.asSeller(), r.ID, market.RoomLive); err != nil {
			t.Errorf("go live once approved: %v", err)
		}
		if ev := sh.events.take(); len(ev) == 0 || ev[len(ev)-1] != "room live" {
			t.Errorf("events = %v, want the room going live last", ev)
		}

		// Lists: the official's scope, and the seller account's own.
		if list, n, err := sh.svc.Sellers(officer(county), market.SellerFilter{}); err != nil || n != 1 || list[0].ID != sl.ID {
			t.Errorf("county's sellers = %v, %d, %v", list, n, err)
		}
		if _, n, err := sh.svc.Sellers(officer("522602"), market.SellerFilter{}); err != nil || n != 0 {
			t.Errorf("other county's sellers = %d, %v; want none", n, err)
		}
		if _, _, err := sh.svc.Sellers(asBuyer(context.Background(), 5), market.SellerFilter{}); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("buyer lists sellers: %v, want forbidden", err)
		}
		if mine, err := sh.svc.SellersOf(sh.asSeller()); err != nil || len(mine) != 1 || mine[0].ID != sl.ID {
			t.Errorf("sellers of the account = %v, %v", mine, err)
		}
		if got, err := sh.svc.FindSeller(context.Background(), sl.ID); err != nil || got.UserID != 0 || got.Name != sl.Name {
			t.Errorf("public seller = %+v, %v; want the name without the account", got, err)
		}
		if _, err := sh.svc.SuspendSeller(officer(county), sl.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "on sale while suspended", sh.svc.UpdateProduct(sh.asSeller(), p), tide.ECONFLICT, "on_sale")
	})
}

func TestCooperativeMembers(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		admin := asAdmin(context.Background())
		a, b := sh.household(t, 3000), sh.household(t, 3000)
		coop := func(ms ...market.Member) *market.Seller {
			return &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: county, Members: ms}
		}
		wantCode(t, "shares short", sh.svc.CreateSeller(admin, coop(market.Member{a, 5000}, market.Member{b, 4999})), tide.EINVALID, "members")
		wantCode(t, "twice", sh.svc.CreateSeller(admin, coop(market.Member{a, 5000}, market.Member{a, 5000})), tide.EINVALID, "members[1].household")
		wantCode(t, "zero share", sh.svc.CreateSeller(admin, coop(market.Member{a, 0}, market.Member{b, 10000})), tide.EINVALID, "members[0].share")
		wantCode(t, "unknown household", sh.svc.CreateSeller(admin, coop(market.Member{a, 5000}, market.Member{"nope", 5000})), tide.EINVALID, "members[1].household")
		outside := &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: "522601100", Members: []market.Member{{a, 10000}}}
		if err := sh.svc.CreateSeller(admin, outside); err != nil {
			t.Fatalf("households in the seller's township: %v", err)
		}
		seedOther(t, db)
		far := &market.Seller{Name: "Far", Kind: market.KindCooperative, Region: "522602", Members: []market.Member{{a, 10000}}}
		wantCode(t, "household outside the area", sh.svc.CreateSeller(admin, far), tide.EINVALID, "members[0].household")
		sl := coop(market.Member{a, 2500}, market.Member{b, 7500})
		if err := sh.svc.CreateSeller(admin, sl); err != nil {
			t.Fatal(err)
		}
		got, err := sh.svc.FindSeller(admin, sl.ID)
		if err != nil || len(got.Members) != 2 || got.Members[1] != (market.Member{b, 7500}) {
			t.Errorf("seller = %+v, %v", got, err)
		}
		if got, _ := sh.svc.FindSeller(context.Background(), sl.ID); len(got.Members) != 0 {
			t.Errorf("the public sees members %v", got.Members)
		}
	})
}
