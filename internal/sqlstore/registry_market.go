package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// AddMarketIncome adds a household's market income under source, once: a
// source already counted for the household is left as it is.
func (db *DB) AddMarketIncome(ctx context.Context, ref string, year int, amount int64, source string, c audit.Change) (bool, error) {
	var added bool
	err := db.inTx(ctx, func(tx *Tx) error {
		var id int64
		err := tx.queryRow(ctx, `SELECT id FROM households WHERE ref = ?`, ref).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return tide.NotFound("household")
		} else if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `INSERT INTO household_market_income (household_id, year, source, amount, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (household_id, source) DO NOTHING`, id, year, source, amount, micros(tx.now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		added = true
		return tx.appendAudit(ctx, c)
	})
	return added, err
}
