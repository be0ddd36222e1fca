package engage_test

import (
	"context"
	"testing"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestReceipt checks that a donor reads the receipt of their own donation,
// still after its need is cancelled, and nobody else does.
func TestReceipt(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		n := b.approvedNeed(t, 5000)
		d := b.give(t, 10, n.ID, 1200)
		r, err := b.svc.Receipt(as(donor(10)), d.ID)
		if err != nil {
			t.Fatalf("receipt: %v", err)
		}
		if r.ID != d.ID || r.Amount != 1200 || r.Currency != "CNY" || r.State != market.PaymentPaid || r.NeedTitle != "Seeds" ||
			r.NeedState != engage.NeedApproved || r.Provider != "sandbox" {
			t.Errorf("receipt = %+v", r)
		}
		if _, err := b.svc.Receipt(as(donor(11)), d.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another donor's receipt: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.Receipt(context.Background(), d.ID); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
			t.Errorf("receipt signed out: %v, want EUNAUTHORIZED", err)
		}
		if _, err := b.svc.CancelNeed(as(registrar), n.ID); err != nil {
			t.Fatal(err)
		}
		r, err = b.svc.Receipt(as(donor(10)), d.ID)
		if err != nil || r.State != market.PaymentRefunded || r.NeedState != engage.NeedCancelled {
			t.Errorf("receipt after the need is cancelled = %+v, %v; want refunded of a cancelled need", r, err)
		}
	})
}
