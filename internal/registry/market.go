package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// MarketIncomeStore keeps households' income from market sales.
type MarketIncomeStore interface {
	// AddMarketIncome adds amount to a household's market income of year
	// under source, with its audit entry, and reports whether it did: a
	// source already counted is not counted again. ENOTFOUND when there is
	// no such household.
	AddMarketIncome(ctx context.Context, ref string, year int, amount int64, source string, c audit.Change) (bool, error)
}

// CreditMarketIncome counts a sale (or, negative, its refund) in a
// household's income of a year, once per source however often it is told,
// and brings the household's measures up to date. The market calls it, for
// sellers whose households it credits; the caller's rights were checked
// there.
func (s *Service) CreditMarketIncome(ctx context.Context, household string, year int, amount int64, source string) error {
	source = strings.TrimSpace(source)
	switch {
	case source == "":
		return tide.Invalid("source", "a market credit needs its source")
	case year < 2000 || year > 9999:
		return tide.Invalid("year", "year %d is out of range", year)
	case amount < -MaxIncome || amount > MaxIncome:
		return tide.Invalid("amount", "amount is out of range")
	}
	actor := "market"
	if a := tide.ActorFrom(ctx); a != nil {
		actor = a.Name
	}
	c := audit.Change{Actor: actor, Action: "market_income", Entity: "household", EntityID: household,
		After: map[string]any{"year": year, "amount": amount, "source": source}}
	added, err := s.store.AddMarketIncome(ctx, household, year, amount, source, c)
	if err != nil || !added {
		return err
	}
	h, err := s.store.FindHousehold(ctx, household)
	if err != nil {
		return fmt.Errorf("read household %s after its market income: %w", household, err)
	}
	s.notify(h)
	return nil
}
