package engage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
)

// TestLedgerProperty runs random sequences of donations, declines, late
// payments, repeated callbacks, deliveries and cancellations, and checks
// after every step that each transaction sums to zero, that escrow, needs
// and delivered together hold exactly what was paid in and not refunded,
// and that each need's account holds its raised money not yet delivered.
func TestLedgerProperty(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) { ledgerRun(t, seed) })
	}
}

// ledgerRun runs one random sequence on each dialect.
func ledgerRun(t *testing.T, seed uint64) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		rng := rand.New(rand.NewPCG(seed, 42))
		var needs []*engage.Need
		var open, paid []*engage.Donation
		for step := range 40 {
			if len(needs) < 3 || rng.IntN(8) == 0 {
				needs = append(needs, b.approvedNeed(t, int64(1+rng.IntN(20000))))
			}
			n := needs[rng.IntN(len(needs))]
			cur, _ := db.FindNeed(context.Background(), n.ID)
			op := rng.IntN(7)
			switch {
			case op <= 2 && cur.State == engage.NeedApproved:
				d, err := b.svc.Donate(as(donor(int64(10+rng.IntN(4)))), n.ID, 1+rng.Int64N(cur.Remaining()))
				if err != nil {
					t.Fatalf("seed %d step %d: donate: %v", seed, step, err)
				}
				switch op {
				case 0:
					mustCallback(t, b, d, market.PaymentSucceeded)
					paid = append(paid, d)
				case 1:
					mustCallback(t, b, d, market.PaymentDeclined)
				default:
					open = append(open, d)
				}
			case op == 3 && len(open) > 0:
				i := rng.IntN(len(open))
				mustCallback(t, b, open[i], market.PaymentSucceeded)
				paid, open = append(paid, open[i]), append(open[:i], open[i+1:]...)
			case op == 4 && len(paid) > 0:
				mustCallback(t, b, paid[rng.IntN(len(paid))], market.PaymentSucceeded)
			case op == 5:
				b.svc.DeliverNeed(as(registrar), n.ID, proof(t, "handed over"))
			case op == 6:
				b.svc.CancelNeed(as(county1), n.ID)
			}
			checkLedger(t, b, seed, step)
		}
	})
}

func mustCallback(tb testing.TB, b *bench, d *engage.Donation, status string) {
	tb.Helper()
	if err := b.callback(d, status); err != nil {
		tb.Fatalf("%s callback of %s: %v", status, d.ID, err)
	}
}

// checkLedger compares the ledger with the donations and needs stored.
func checkLedger(tb testing.TB, b *bench, seed uint64, step int) {
	tb.Helper()
	ctx := context.Background()
	bal, _ := b.ledger(tb)
	ds, _, err := b.db.FindDonations(ctx, engage.DonationFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	var kept int64 // paid in and not refunded
	for _, d := range ds {
		if d.State == market.PaymentPaid {
			kept += d.Amount
		}
	}
	var held, donors int64
	for acct, v := range bal {
		switch {
		case strings.HasPrefix(acct, "donor:"):
			donors += v
		default:
			held += v
			if v < 0 {
				tb.Fatalf("seed %d step %d: account %s is negative (%d); only donors' outside accounts may be", seed, step, acct, v)
			}
		}
	}
	if held != kept || donors != -kept {
		tb.Fatalf("seed %d step %d: escrow+needs+delivered = %d, donors = %d; want %d and %d (balances %v)",
			seed, step, held, donors, kept, -kept, bal)
	}
	if bal[engage.Escrow] != 0 {
		tb.Fatalf("seed %d step %d: escrow holds %d between moves", seed, step, bal[engage.Escrow])
	}
	ns, _, err := b.db.FindNeeds(ctx, engage.NeedFilter{Limit: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	var delivered int64
	for _, n := range ns {
		if got := bal[engage.NeedAccount(n.ID)]; got != n.Raised-n.Delivered {
			tb.Fatalf("seed %d step %d: need %s (%s) account %d, want raised %d - delivered %d",
				seed, step, n.ID, n.State, got, n.Raised, n.Delivered)
		}
		if n.Raised > n.Amount {
			tb.Fatalf("seed %d step %d: need %s raised %d of %d", seed, step, n.ID, n.Raised, n.Amount)
		}
		delivered += n.Delivered
	}
	if bal[engage.Delivered] != delivered {
		tb.Fatalf("seed %d step %d: delivered account %d, want %d", seed, step, bal[engage.Delivered], delivered)
	}
}
