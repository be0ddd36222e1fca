package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// orderSelect reads orders with their product's name for display.
const orderSelect = `SELECT o.id, o.room_id, o.product_id, o.region, o.buyer_id, o.quantity, o.unit_price, o.total,
	o.currency, o.state, o.idem_key, o.tracking, o.created_at, o.updated_at, COALESCE(p.name, '')
	FROM orders o LEFT JOIN products p ON p.id = o.product_id`

func scanOrder(sc interface{ Scan(...any) error }) (*market.Order, error) {
	var o market.Order
	var key, tracking sql.NullString
	var created, updated int64
	err := sc.Scan(&o.ID, &o.RoomID, &o.ProductID, &o.Region, &o.BuyerID, &o.Quantity, &o.UnitPrice, &o.Total,
		&o.Currency, &o.State, &key, &tracking, &created, &updated, &o.ProductName)
	o.IdempotencyKey, o.Tracking, o.CreatedAt, o.UpdatedAt = key.String, tracking.String, fromMicros(created), fromMicros(updated)
	return &o, err
}

// FindOrder returns the order with id, or ENOTFOUND.
func (db *DB) FindOrder(ctx context.Context, id string) (*market.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, orderSelect+` WHERE o.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("order")
	}
	return o, err
}

// FindOrderByKey returns the buyer's order under an idempotency key, or
// ENOTFOUND.
func (db *DB) FindOrderByKey(ctx context.Context, buyer int64, key string) (*market.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, orderSelect+` WHERE o.buyer_id = ? AND o.idem_key = ?`, buyer, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("order")
	}
	return o, err
}

// FindOrders returns the orders matching f, oldest first, and the total.
func (db *DB) FindOrders(ctx context.Context, f market.OrderFilter) ([]*market.Order, int, error) {
	where, args := "1 = 1", []any{}
	if f.ProductID != "" {
		where, args = where+" AND o.product_id = ?", append(args, f.ProductID)
	}
	if f.RoomID != "" {
		where, args = where+" AND o.room_id = ?", append(args, f.RoomID)
	}
	if f.BuyerID != 0 {
		where, args = where+" AND o.buyer_id = ?", append(args, f.BuyerID)
	}
	if f.SellerID != "" {
		where, args = where+" AND o.product_id IN (SELECT id FROM products WHERE seller_id = ?)", append(args, f.SellerID)
	}
	if f.State != "" {
		where, args = where+" AND o.state = ?", append(args, string(f.State))
	}
	if !f.PlacedBefore.IsZero() {
		where, args = where+" AND o.created_at < ?", append(args, micros(f.PlacedBefore))
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM orders o WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, orderSelect+` WHERE `+where+` ORDER BY o.id LIMIT ? OFFSET ?`,
		append(args, tide.ClampLimit(f.Limit), f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*market.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	return out, total, rows.Err()
}

// SetOrderState moves an order from one state to another with its audit
// entry; ECONFLICT when it is no longer in state from.
func (db *DB) SetOrderState(ctx context.Context, id string, from, to market.State, c audit.Change) error {
	return db.MoveOrder(ctx, &market.Transition{OrderID: id, From: from, To: to}, c)
}

// MoveOrder makes a transition in one transaction: the order's state and
// tracking, its payment's state and its income entries, with the audit entry.
func (db *DB) MoveOrder(ctx context.Context, t *market.Transition, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		at := tx.now
		if !t.At.IsZero() {
			at = t.At
		}
		res, err := tx.exec(ctx, `UPDATE orders SET state = ?, tracking = COALESCE(?, tracking), updated_at = ?
			WHERE id = ? AND state = ?`, string(t.To), nullString(t.Tracking), micros(at), t.OrderID, string(t.From))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := tx.mustExist(ctx, tide.NotFound("order"), `SELECT 1 FROM orders WHERE id = ?`, t.OrderID); err != nil {
				return err
			}
			return tide.Errorf(tide.ECONFLICT, "the order is no longer %s", t.From)
		}
		if t.Payment != "" {
			if err := tx.setPaymentState(ctx, t.Payment, t.PaymentFrom, t.PaymentTo, at); err != nil {
				return err
			}
		}
		for _, e := range t.Income {
			if _, err := tx.exec(ctx, `INSERT INTO market_income (order_id, kind, household, seller_id, year, amount, currency,
				synced, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.OrderID, e.Kind, e.Household, e.SellerID, e.Year,
				e.Amount, e.Currency, false, micros(at)); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}
