package registry_test

import (
	"testing"
	"time"

	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestMarketIncomeCountsOnceAndMovesMeasures credits a household with market
// income, twice under one source, and checks that it counts once, in this
// year only, and in the income per person the measures use.
func TestMarketIncomeCountsOnceAndMovesMeasures(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		db.Now = func() time.Time { return f.now }
		year := f.now.Year()
		h := rtHousehold(rtVillage1, 3000, 2) // below cn-2020's line of 4,000 a person
		f.create(t, h)
		if r := f.measures(t, rtVillage1); r.P0 != 1 {
			t.Fatalf("before: P0 = %v, want 1", r.P0)
		}
		ctx := rtAdmin()
		for range 2 {
			if err := f.svc.CreditMarketIncome(ctx, h.Ref, year, 240000, "market:o1:credit"); err != nil {
				t.Fatalf("credit: %v", err)
			}
		}
		if err := f.svc.CreditMarketIncome(ctx, h.Ref, year-1, 999900, "market:o0:credit"); err != nil {
			t.Fatalf("credit last year: %v", err)
		}
		got, err := f.svc.Find(ctx, h.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if got.MarketIncome != 240000 || got.TotalIncomePerPerson() != 420000 {
			t.Errorf("market income = %d, per person %d; want 240000 and 420000", got.MarketIncome, got.TotalIncomePerPerson())
		}
		if fs := got.Facts(); fs.IncomePerPerson != 420000 {
			t.Errorf("facts income per person = %d, want 420000", fs.IncomePerPerson)
		}
		if r := f.measures(t, rtVillage1); r.P0 != 0 {
			t.Errorf("after the credit: P0 = %v, want 0", r.P0)
		}
		if err := f.svc.CreditMarketIncome(ctx, h.Ref, year, -240000, "market:o1:debit"); err != nil {
			t.Fatalf("debit: %v", err)
		}
		if r := f.measures(t, rtVillage1); r.P0 != 1 {
			t.Errorf("after the debit: P0 = %v, want 1", r.P0)
		}
		if n := len(f.auditOf(t, h.Ref)); n != 4 {
			t.Errorf("audit entries = %d, want 4 (create and three credits)", n)
		}
		err = f.svc.CreditMarketIncome(ctx, "nope", year, 100, "market:o2:credit")
		if tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("unknown household: %v, want not found", err)
		}
		wantErr(t, "no source", f.svc.CreditMarketIncome(ctx, h.Ref, year, 100, " "), tide.EINVALID, "source")
		f.verifyAudit(t)
	})
}
