package market

import (
	"context"
	"fmt"
)

// IncomeSink is told of market income for registry households; the registry
// implements it. A credit told twice under the same source must count once.
type IncomeSink interface {
	CreditMarketIncome(ctx context.Context, household string, year int, amount int64, source string) error
}

// The kinds of income entry.
const (
	IncomeCredit = "credit"
	IncomeDebit  = "debit"
)

// IncomeEntry is one line of a seller's income: a delivered order's share
// for one household (Household is "" for a cooperative without members), or
// the same taken back after a refund (a negative Amount).
type IncomeEntry struct {
	OrderID   string `json:"order"`
	Kind      string `json:"kind"`
	Household string `json:"household,omitempty"`
	SellerID  string `json:"seller"`
	Year      int    `json:"year"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
}

// Source names the entry to the registry, so that telling it twice counts
// once.
func (e IncomeEntry) Source() string { return "market:" + e.OrderID + ":" + e.Kind }

// Income is a seller's income of one year, in minor units.
type Income struct {
	SellerID string `json:"seller"`
	Year     int    `json:"year"`
	// Credited sums deliveries, Debited refunds after delivery (as a
	// positive number); Net is the difference.
	Credited int64 `json:"credited"`
	Debited  int64 `json:"debited"`
	Net      int64 `json:"net"`
	// Orders counts the orders credited.
	Orders int `json:"orders"`
	// ByHousehold is each member household's net share.
	ByHousehold map[string]int64 `json:"by_household,omitempty"`
}

// incomeEntries splits an order's total among the seller's households by
// their shares: credits, or debits taking them back.
func incomeEntries(o *Order, sl *Seller, kind string, year int) []IncomeEntry {
	members := sl.households()
	if len(members) == 0 {
		members = []Member{{Share: ShareWhole}}
	}
	parts := splitShares(o.Total, members)
	out := make([]IncomeEntry, len(members))
	for i, m := range members {
		amount := parts[i]
		if kind == IncomeDebit {
			amount = -amount
		}
		out[i] = IncomeEntry{OrderID: o.ID, Kind: kind, Household: m.Household, SellerID: sl.ID, Year: year,
			Amount: amount, Currency: o.Currency}
	}
	return out
}

// Income returns a seller's income of a year, for whoever acts for it.
func (s *Service) Income(ctx context.Context, sellerID string, year int) (Income, error) {
	a, err := signedIn(ctx, "see income")
	if err != nil {
		return Income{}, err
	}
	if _, err := s.sellerFor(ctx, a, sellerID, "seller"); err != nil {
		return Income{}, err
	}
	return s.store.SellerIncome(ctx, sellerID, year)
}

// SyncIncome tells the registry of the income entries it has not yet heard
// of. Entries are marked only after the sink took them, and the sink counts
// a source once, so a crash between the two repeats a credit harmlessly.
func (s *Service) SyncIncome(ctx context.Context) error {
	if s.Sink == nil {
		return nil
	}
	for {
		entries, err := s.store.UnsyncedIncome(ctx, 500)
		if err != nil || len(entries) == 0 {
			return err
		}
		for i, e := range entries {
			if e.Household == "" {
				continue
			}
			if err := s.Sink.CreditMarketIncome(ctx, e.Household, e.Year, e.Amount, e.Source()); err != nil {
				if merr := s.store.MarkIncomeSynced(ctx, entries[:i]); merr != nil {
					return merr
				}
				return fmt.Errorf("credit order %s to household %s: %w", e.OrderID, e.Household, err)
			}
		}
		if err := s.store.MarkIncomeSynced(ctx, entries); err != nil {
			return err
		}
		if len(entries) < 500 {
			return nil
		}
	}
}

// syncNow tells the registry at once of income just written; what fails is
// left for Run.
func (s *Service) syncNow(ctx context.Context) {
	if err := s.SyncIncome(ctx); err != nil && s.OnError != nil {
		s.OnError(err)
	}
}
