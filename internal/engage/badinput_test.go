package engage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestDonateBadInput refuses a donation of zero, a negative amount or more
// than is wanted, and one to a need that is pending, funded, delivered or
// cancelled, each with a clear error and nothing written: no donation, no
// ledger transaction, no audit entry.
func TestDonateBadInput(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		open := b.approvedNeed(t, 5000)
		funded := b.approvedNeed(t, 1000)
		b.give(t, 20, funded.ID, 1000)
		delivered := b.approvedNeed(t, 800)
		b.give(t, 20, delivered.ID, 300)
		if _, err := b.svc.DeliverNeed(as(registrar), delivered.ID, proof(t, "Handed over")); err != nil {
			t.Fatal(err)
		}
		cancelled := b.approvedNeed(t, 700)
		if _, err := b.svc.CancelNeed(as(registrar), cancelled.ID); err != nil {
			t.Fatal(err)
		}
		pending := &engage.Need{Kind: engage.ForVillage, Region: village, Title: "Pending", Amount: 900, Currency: "CNY"}
		if err := b.svc.CreateNeed(as(registrar), pending); err != nil {
			t.Fatal(err)
		}
		_, txs := b.ledger(t)
		_, audits, _ := db.FindAuditEntries(context.Background(), audit.Filter{Limit: 1})

		for _, tc := range []struct {
			name   string
			need   string
			amount int64
			code   string
			field  string
		}{
			{"ErrZero", open.ID, 0, tide.EINVALID, "amount"},
			{"ErrNegative", open.ID, -500, tide.EINVALID, "amount"},
			{"ErrMoreThanWanted", open.ID, 5001, tide.EINVALID, "amount"},
			{"ErrPending", pending.ID, 100, tide.ENOTFOUND, ""},
			{"ErrCancelled", cancelled.ID, 100, tide.ENOTFOUND, ""},
			{"ErrFunded", funded.ID, 100, tide.ECONFLICT, "state"},
			{"ErrDelivered", delivered.ID, 100, tide.ECONFLICT, "state"},
			{"ErrNoSuchNeed", "01NOSUCHNEED", 100, tide.ENOTFOUND, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := b.svc.Donate(as(donor(30)), tc.need, tc.amount)
				var e *tide.Error
				if !errors.As(err, &e) || e.Code != tc.code || e.Field != tc.field || e.Message == "" {
					t.Fatalf("donate %d to %s: %v, want %s naming %q", tc.amount, tc.name, err, tc.code, tc.field)
				}
			})
		}
		if _, n, _ := b.svc.Donations(as(donor(30)), engage.DonationFilter{Limit: 10}); n != 0 {
			t.Errorf("refused donations left %d donations", n)
		}
		if _, after := b.ledger(t); after != txs {
			t.Errorf("ledger transactions %d, want %d", after, txs)
		}
		if _, after, _ := db.FindAuditEntries(context.Background(), audit.Filter{Limit: 1}); after != audits {
			t.Errorf("audit entries %d, want %d", after, audits)
		}
	})
}
