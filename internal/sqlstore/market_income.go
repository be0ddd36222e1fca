package sqlstore

import (
	"context"

	"github.com/tide-project/tide/internal/market"
)

// SellerIncome sums a seller's income entries of a year.
func (db *DB) SellerIncome(ctx context.Context, sellerID string, year int) (market.Income, error) {
	in := market.Income{SellerID: sellerID, Year: year, ByHousehold: map[string]int64{}}
	rows, err := db.query(ctx, `SELECT order_id, kind, household, amount FROM market_income WHERE seller_id = ? AND year = ?`,
		sellerID, year)
	if err != nil {
		return in, err
	}
	defer rows.Close()
	credited := map[string]bool{}
	for rows.Next() {
		var order, kind, household string
		var amount int64
		if err := rows.Scan(&order, &kind, &household, &amount); err != nil {
			return in, err
		}
		if amount >= 0 {
			in.Credited += amount
		} else {
			in.Debited -= amount
		}
		if kind == market.IncomeCredit {
			credited[order] = true
		}
		if household != "" {
			in.ByHousehold[household] += amount
		}
	}
	in.Net, in.Orders = in.Credited-in.Debited, len(credited)
	return in, rows.Err()
}

// UnsyncedIncome returns up to limit income entries the registry has not
// been told of, oldest first.
func (db *DB) UnsyncedIncome(ctx context.Context, limit int) ([]market.IncomeEntry, error) {
	rows, err := db.query(ctx, `SELECT order_id, kind, household, seller_id, year, amount, currency FROM market_income
		WHERE synced = ? ORDER BY created_at, order_id, kind, household LIMIT ?`, false, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []market.IncomeEntry
	for rows.Next() {
		var e market.IncomeEntry
		if err := rows.Scan(&e.OrderID, &e.Kind, &e.Household, &e.SellerID, &e.Year, &e.Amount, &e.Currency); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkIncomeSynced marks entries as told to the registry.
func (db *DB) MarkIncomeSynced(ctx context.Context, entries []market.IncomeEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, e := range entries {
			if _, err := tx.exec(ctx, `UPDATE market_income SET synced = ? WHERE order_id = ? AND kind = ? AND household = ?`,
				true, e.OrderID, e.Kind, e.Household); err != nil {
				return err
			}
		}
		return nil
	})
}
