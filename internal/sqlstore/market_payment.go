package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

const paymentColumns = `id, order_id, provider, state, amount, currency, checkout_url, created_at, updated_at`

func scanPayment(sc interface{ Scan(...any) error }) (*market.Payment, error) {
	var p market.Payment
	var created, updated int64
	err := sc.Scan(&p.ID, &p.OrderID, &p.Provider, &p.State, &p.Amount, &p.Currency, &p.CheckoutURL, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, err
}

// CreatePayment stores a payment with its audit entry.
func (db *DB) CreatePayment(ctx context.Context, p *market.Payment, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO payments (`+paymentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.OrderID, p.Provider, string(p.State), p.Amount, p.Currency, p.CheckoutURL,
			micros(p.CreatedAt), micros(p.UpdatedAt)); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindPayment returns the payment with id, or ENOTFOUND.
func (db *DB) FindPayment(ctx context.Context, id string) (*market.Payment, error) {
	p, err := scanPayment(db.queryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("payment")
	}
	return p, err
}

// FindPayments returns an order's payments, newest first.
func (db *DB) FindPayments(ctx context.Context, orderID string) ([]*market.Payment, error) {
	rows, err := db.query(ctx, `SELECT `+paymentColumns+` FROM payments WHERE order_id = ? ORDER BY id DESC`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*market.Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPaymentState moves a payment from one state to another with its audit
// entry.
func (db *DB) SetPaymentState(ctx context.Context, id string, from, to market.PaymentState, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.setPaymentState(ctx, id, from, to, tx.now); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

func (tx *Tx) setPaymentState(ctx context.Context, id string, from, to market.PaymentState, at time.Time) error {
	res, err := tx.exec(ctx, `UPDATE payments SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
		string(to), micros(at), id, string(from))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if err := tx.mustExist(ctx, tide.NotFound("payment"), `SELECT 1 FROM payments WHERE id = ?`, id); err != nil {
			return err
		}
		return tide.Errorf(tide.ECONFLICT, "the payment is no longer %s", from)
	}
	return nil
}
