package sqlstore

import (
	"context"

	"github.com/tide-project/tide/internal/engage"
)

// post writes a ledger transaction and its entries inside tx. A transaction
// already written under the same key is left as it is and nothing more is
// written, so a repeated posting counts once.
func (tx *Tx) post(ctx context.Context, p *engage.Posting) error {
	if p == nil {
		return nil
	}
	var one int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM ledger_transactions WHERE key = ?`, p.Key).Scan(&one)
	if err != nil || one > 0 {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO ledger_transactions (key, currency, at) VALUES (?, ?, ?)`,
		p.Key, p.Currency, micros(tx.now)); err != nil {
		return err
	}
	for i, e := range p.Entries {
		if _, err := tx.exec(ctx, `INSERT INTO ledger_entries (tx_key, position, account, amount) VALUES (?, ?, ?, ?)`,
			p.Key, i, e.Account, e.Amount); err != nil {
			return err
		}
	}
	return nil
}

// VerifyLedger sums the entries of every transaction, naming those that do
// not come to zero, and answers every account's balance per currency.
func (db *DB) VerifyLedger(ctx context.Context) (*engage.LedgerReport, error) {
	r := &engage.LedgerReport{Unbalanced: []string{}, Balances: []engage.Balance{}}
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM ledger_transactions`).Scan(&r.Transactions); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT t.key FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.tx_key = t.key
		GROUP BY t.key HAVING COALESCE(SUM(e.amount), 0) <> 0 OR COUNT(e.tx_key) < 2 ORDER BY t.key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, err
		}
		r.Unbalanced = append(r.Unbalanced, key)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	rows, err = db.query(ctx, `SELECT e.account, t.currency, SUM(e.amount) FROM ledger_entries e
		JOIN ledger_transactions t ON t.key = e.tx_key GROUP BY e.account, t.currency ORDER BY e.account, t.currency`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b engage.Balance
		if err := rows.Scan(&b.Account, &b.Currency, &b.Amount); err != nil {
			return nil, err
		}
		r.Balances = append(r.Balances, b)
	}
	r.OK = len(r.Unbalanced) == 0
	return r, rows.Err()
}
