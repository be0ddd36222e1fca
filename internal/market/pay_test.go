package market_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func TestSandboxSignature(t *testing.T) {
	now := time.Date(2026, 5, 1, 20, 0, 0, 0, time.UTC)
	sb := market.NewSandbox([]byte("secret"), "https://x/pay")
	sb.Now = func() time.Time { return now }
	ev := market.PaymentEvent{PaymentID: "p1", Status: market.PaymentSucceeded, Amount: 100, Currency: "CNY"}
	h, body := sb.Sign(ev)
	if got, err := sb.Verify(h, body); err != nil || *got != ev {
		t.Fatalf("verify a genuine callback = %+v, %v", got, err)
	}
	other := market.NewSandbox([]byte("other"), "https://x/pay")
	other.Now = sb.Now
	forged, _ := other.Sign(ev)
	tampered := []byte(strings.Replace(string(body), "100", "1", 1))
	cases := []struct {
		name string
		h    map[string][]string
		body []byte
		at   time.Time
	}{
		{"WrongSecret", forged, body, now},
		{"TamperedBody", h, tampered, now},
		{"NoHeader", map[string][]string{}, body, now},
		{"Stale", h, body, now.Add(market.SignatureTolerance + time.Second)},
		{"Future", h, body, now.Add(-market.SignatureTolerance - time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb.Now = func() time.Time { return c.at }
			if _, err := sb.Verify(c.h, c.body); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
				t.Errorf("got %v, want unauthorized", err)
			}
		})
	}
	sb.Now = func() time.Time { return now.Add(market.SignatureTolerance) }
	if _, err := sb.Verify(h, body); err != nil {
		t.Errorf("callback at the edge of the tolerance: %v", err)
	}
}

func TestPayment(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		p, r := sh.onSale(t, &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: county}, 2800, 10)
		o := sh.buy(t, 11, p, r, 2)
		buyer := asBuyer(context.Background(), 11)
		pm, err := sh.svc.Pay(buyer, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pm.Amount != 5600 || pm.State != market.PaymentOpen || !strings.Contains(pm.CheckoutURL, "payment="+pm.ID) {
			t.Errorf("payment = %+v", pm)
		}
		if again, err := sh.svc.Pay(buyer, o.ID); err != nil || again.ID != pm.ID {
			t.Errorf("second Pay = %+v, %v; want payment %s", again, err, pm.ID)
		}
		if _, err := sh.svc.Pay(asBuyer(context.Background(), 12), o.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another buyer pays: %v, want not found", err)
		}
		ev := market.PaymentEvent{PaymentID: pm.ID, Status: market.PaymentSucceeded, Amount: pm.Amount, Currency: "CNY"}
		forger := market.NewSandbox([]byte("guess"), "")
		fh, fbody := forger.Sign(ev)
		audits := sh.audited(t, "order", o.ID)
		wantCode(t, "forged callback", sh.svc.PaymentCallback(context.Background(), "sandbox", fh, fbody), tide.EUNAUTHORIZED, "")
		h, body := sh.sandbox.Sign(ev)
		sh.now = sh.now.Add(6 * time.Minute)
		wantCode(t, "stale callback", sh.svc.PaymentCallback(context.Background(), "sandbox", h, body), tide.EUNAUTHORIZED, "")
		if got := sh.order(t, o.ID); got.State != market.Placed || sh.audited(t, "order", o.ID) != audits {
			t.Fatalf("after refused callbacks the order is %s with %d audit entries; want placed, %d", got.State, sh.audited(t, "order", o.ID), audits)
		}
		wantCode(t, "unknown provider", sh.svc.PaymentCallback(context.Background(), "paypal", h, body), tide.ENOTFOUND, "")

		// A declined payment leaves the order placed.
		dh, dbody := sh.sandbox.Sign(market.PaymentEvent{PaymentID: pm.ID, Status: market.PaymentDeclined})
		if err := sh.svc.PaymentCallback(context.Background(), "sandbox", dh, dbody); err != nil {
			t.Fatal(err)
		}
		if got := sh.order(t, o.ID); got.State != market.Placed {
			t.Errorf("after a decline the order is %s, want placed", got.State)
		}
		pm2, err := sh.svc.Pay(buyer, o.ID)
		if err != nil || pm2.ID == pm.ID {
			t.Fatalf("pay after a decline = %+v, %v; want a new payment", pm2, err)
		}
		ev.PaymentID = pm2.ID
		h, body = sh.sandbox.Sign(ev)
		for i := range 3 {
			if err := sh.svc.PaymentCallback(context.Background(), "sandbox", h, body); err != nil {
				t.Fatalf("callback %d: %v", i+1, err)
			}
		}
		if got := sh.order(t, o.ID); got.State != market.Paid {
			t.Errorf("order is %s, want paid", got.State)
		}
		if n := sh.audited(t, "order", o.ID); n != audits+1 {
			t.Errorf("order audit entries = %d, want %d: paid once", n, audits+1)
		}
		if _, err := sh.svc.Pay(buyer, o.ID); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("pay a paid order: %v, want conflict", err)
		}
	})
}

func TestExpireUnpaid(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		p, r := sh.onSale(t, &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: county}, 100, 10)
		unpaid := sh.buy(t, 21, p, r, 3)
		paid := sh.buy(t, 22, p, r, 2)
		sh.pay(t, paid) // in time
		sh.now = sh.now.Add(10 * time.Minute)
		fresh := sh.buy(t, 23, p, r, 1)
		sh.events.take()
		if n, err := sh.svc.ExpireUnpaid(context.Background(), sh.now); err != nil || n != 0 {
			t.Fatalf("expire before the timeout = %d, %v; want 0", n, err)
		}
		sh.now = sh.now.Add(6 * time.Minute)
		n, err := sh.svc.ExpireUnpaid(context.Background(), sh.now)
		if err != nil || n != 1 {
			t.Fatalf("expire = %d, %v; want 1", n, err)
		}
		for _, c := range []struct {
			o    *market.Order
			want market.State
		}{{unpaid, market.Cancelled}, {paid, market.Paid}, {fresh, market.Placed}} {
			if got := sh.order(t, c.o.ID); got.State != c.want {
				t.Errorf("order of buyer %d is %s, want %s", c.o.BuyerID, got.State, c.want)
			}
		}
		if avail, _ := sh.engine.Available(context.Background(), p.ID); avail != 7 {
			t.Errorf("available = %d, want 7 (10 less 2 paid and 1 fresh)", avail)
		}
		if ev := sh.events.take(); fmt.Sprint(ev) != "[stock 7]" {
			t.Errorf("events = %v, want [stock 7]", ev)
		}
		// A payment that succeeds for the expired order is given back.
		pm, err := sh.svc.Pay(asBuyer(context.Background(), 23), fresh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sh.svc.CancelOrder(asBuyer(context.Background(), 23), fresh.ID); err != nil {
			t.Fatal(err)
		}
		h, body := sh.sandbox.Sign(market.PaymentEvent{PaymentID: pm.ID, Status: market.PaymentSucceeded, Amount: pm.Amount, Currency: pm.Currency})
		if err := sh.svc.PaymentCallback(context.Background(), "sandbox", h, body); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindPayment(context.Background(), pm.ID); got.State != market.PaymentRefunded {
			t.Errorf("payment for a cancelled order is %s, want refunded", got.State)
		}
		if got := sh.order(t, fresh.ID); got.State != market.Cancelled {
			t.Errorf("cancelled order is %s after a late payment", got.State)
		}
	})
}
