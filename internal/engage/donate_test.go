package engage_test

import (
	"context"
	"testing"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func TestPostingValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    engage.Posting
		ok   bool
	}{
		{"Balanced", engage.Posting{Key: "k", Currency: "CNY", Entries: []engage.Entry{{"a", -5}, {"b", 5}}}, true},
		{"ErrUnbalanced", engage.Posting{Key: "k", Currency: "CNY", Entries: []engage.Entry{{"a", -5}, {"b", 4}}}, false},
		{"ErrOneLeg", engage.Posting{Key: "k", Currency: "CNY", Entries: []engage.Entry{{"a", 0}}}, false},
		{"ErrZeroLeg", engage.Posting{Key: "k", Currency: "CNY", Entries: []engage.Entry{{"a", 0}, {"b", 0}}}, false},
		{"ErrNoKey", engage.Posting{Currency: "CNY", Entries: []engage.Entry{{"a", -5}, {"b", 5}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestDonationCallbackIdempotent(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		n := b.approvedNeed(t, 10000)
		d, err := b.svc.Donate(as(donor(10)), n.ID, 4000)
		if err != nil || d.CheckoutURL == "" || d.State != market.PaymentOpen {
			t.Fatalf("donate: %+v, %v", d, err)
		}
		if _, err := b.svc.Donate(as(donor(10)), n.ID, 10001); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("donate more than wanted: %v, want EINVALID", err)
		}
		if _, err := b.svc.Donate(context.Background(), n.ID, 10); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
			t.Errorf("donate signed out: %v, want EUNAUTHORIZED", err)
		}
		h, body := b.sandbox.Sign(market.PaymentEvent{PaymentID: d.ID, Status: market.PaymentSucceeded, Amount: 4000, Currency: "CNY"})
		for i := range 3 {
			if err := b.svc.DonationCallback(context.Background(), "sandbox", h, body); err != nil {
				t.Fatalf("callback %d: %v", i+1, err)
			}
		}
		bal, txs := b.ledger(t)
		if txs != 1 {
			t.Errorf("ledger transactions = %d, want 1", txs)
		}
		if bal[engage.NeedAccount(n.ID)] != 4000 || bal[engage.DonorAccount(10)] != -4000 || bal[engage.Escrow] != 0 {
			t.Errorf("balances = %v, want need 4000, donor -4000, escrow 0", bal)
		}
		got, _ := b.svc.PublicNeed(context.Background(), n.ID)
		if got.In != 4000 || got.Remaining != 6000 {
			t.Errorf("need in %d remaining %d, want 4000 6000", got.In, got.Remaining)
		}
		mine, total, err := b.svc.Donations(as(donor(10)), engage.DonationFilter{Limit: 10})
		if err != nil || total != 1 || mine[0].State != market.PaymentPaid {
			t.Errorf("my donations = %d, %v", total, err)
		}
		if _, total, _ := b.svc.Donations(as(donor(11)), engage.DonationFilter{Limit: 10}); total != 0 {
			t.Errorf("another donor sees %d donations, want 0", total)
		}
	})
}

func TestForgedCallbackWritesNothing(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		n := b.approvedNeed(t, 10000)
		d, err := b.svc.Donate(as(donor(10)), n.ID, 4000)
		if err != nil {
			t.Fatal(err)
		}
		_, before, _ := db.FindAuditEntries(context.Background(), audit.Filter{Limit: 1})
		ev := market.PaymentEvent{PaymentID: d.ID, Status: market.PaymentSucceeded, Amount: 4000, Currency: "CNY"}
		fh, fb := forged(ev)
		sh, sb := stale(b.sandbox, ev)
		for name, call := range map[string]func() error{
			"Forged": func() error { return b.svc.DonationCallback(context.Background(), "sandbox", fh, fb) },
			"Stale":  func() error { return b.svc.DonationCallback(context.Background(), "sandbox", sh, sb) },
		} {
			if err := call(); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
				t.Errorf("%s callback: %v, want EUNAUTHORIZED", name, err)
			}
		}
		got, _ := db.FindDonation(context.Background(), d.ID)
		if got.State != market.PaymentOpen {
			t.Errorf("donation is %s, want open", got.State)
		}
		if _, txs := b.ledger(t); txs != 0 {
			t.Errorf("ledger transactions = %d, want 0", txs)
		}
		if _, after, _ := db.FindAuditEntries(context.Background(), audit.Filter{Limit: 1}); after != before {
			t.Errorf("audit entries %d, want %d", after, before)
		}
		// A market payment's callback names no donation.
		h, body := b.sandbox.Sign(market.PaymentEvent{PaymentID: "01MARKETPAYMENT", Status: market.PaymentSucceeded, Amount: 4000, Currency: "CNY"})
		if err := b.svc.DonationCallback(context.Background(), "sandbox", h, body); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("callback for an unknown payment: %v, want EINVALID", err)
		}
	})
}

func TestDeliverAndCancel(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		n := b.approvedNeed(t, 5000)
		if _, err := b.svc.DeliverNeed(as(registrar), n.ID, proof(t, "Handed over")); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("deliver with no money: %v, want ECONFLICT", err)
		}
		b.give(t, 10, n.ID, 2000)
		b.give(t, 11, n.ID, 3000)
		got, _ := b.svc.PublicNeed(context.Background(), n.ID)
		if got.State != engage.NeedFunded || got.Remaining != 0 {
			t.Errorf("fully given need is %s with %d remaining, want funded 0", got.State, got.Remaining)
		}
		if _, err := b.svc.DeliverNeed(as(county2), n.ID, proof(t, "x")); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another county delivers: %v, want ENOTFOUND", err)
		}
		dn, err := b.svc.DeliverNeed(as(registrar), n.ID, proof(t, "Seeds handed to the village committee"))
		if err != nil || dn.State != engage.NeedDelivered || dn.Delivered != 5000 {
			t.Fatalf("deliver: %+v, %v", dn, err)
		}
		if _, err := b.svc.CancelNeed(as(registrar), n.ID); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("cancel a delivered need: %v, want ECONFLICT", err)
		}
		bal, _ := b.ledger(t)
		if bal[engage.Delivered] != 5000 || bal[engage.NeedAccount(n.ID)] != 0 {
			t.Errorf("balances after delivery = %v", bal)
		}

		c := b.approvedNeed(t, 9000)
		d1 := b.give(t, 12, c.ID, 1000)
		open, err := b.svc.Donate(as(donor(13)), c.ID, 500)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.CancelNeed(as(registrar), c.ID); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		if got, _ := db.FindDonation(context.Background(), d1.ID); got.State != market.PaymentRefunded {
			t.Errorf("paid donation of a cancelled need is %s, want refunded", got.State)
		}
		// Money arriving after the cancel goes straight back.
		if err := b.callback(open, market.PaymentSucceeded); err != nil {
			t.Fatalf("late callback: %v", err)
		}
		if got, _ := db.FindDonation(context.Background(), open.ID); got.State != market.PaymentRefunded {
			t.Errorf("late donation is %s, want refunded", got.State)
		}
		bal, _ = b.ledger(t)
		if bal[engage.NeedAccount(c.ID)] != 0 || bal[engage.DonorAccount(12)] != 0 || bal[engage.DonorAccount(13)] != 0 || bal[engage.Escrow] != 0 {
			t.Errorf("balances after cancel = %v, want the cancelled need's accounts at zero", bal)
		}
	})
}
