package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// mustExist returns missing when no row matches q. Stores check references
// this way before an insert, because a foreign-key error cannot say which
// reference failed.
func (tx *Tx) mustExist(ctx context.Context, missing error, q string, args ...any) error {
	var one int
	err := tx.queryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return missing
	}
	return err
}

func (tx *Tx) checkRegion(ctx context.Context, field, code string) error {
	return tx.mustExist(ctx, tide.Invalid(field, "region %s does not exist", code), `SELECT 1 FROM regions WHERE code = ?`, code)
}

// CreateSeller stores a seller with its audit entry.
func (db *DB) CreateSeller(ctx context.Context, s *market.Seller, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "region", s.Region); err != nil {
			return err
		}
		if s.Household != "" {
			if err := tx.mustExist(ctx, tide.Invalid("household", "household %s does not exist", s.Household),
				`SELECT 1 FROM households WHERE ref = ?`, s.Household); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO sellers (id, name, kind, region, household, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, s.ID, s.Name, string(s.Kind), s.Region, nullString(s.Household),
			sql.NullInt64{Int64: s.UserID, Valid: s.UserID != 0}, micros(s.CreatedAt)); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindSeller returns the seller with id, or ENOTFOUND.
func (db *DB) FindSeller(ctx context.Context, id string) (*market.Seller, error) {
	var s market.Seller
	var household sql.NullString
	var user sql.NullInt64
	var created int64
	err := db.queryRow(ctx, `SELECT id, name, kind, region, household, user_id, created_at FROM sellers WHERE id = ?`, id).
		Scan(&s.ID, &s.Name, &s.Kind, &s.Region, &household, &user, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("seller")
	}
	s.Household, s.UserID, s.CreatedAt = household.String, user.Int64, fromMicros(created)
	return &s, err
}

const productColumns = `id, seller_id, region, name, unit, price, currency, stock, buyer_limit, on_sale, created_at, updated_at`

func scanProduct(sc interface{ Scan(...any) error }) (*market.Product, error) {
	var p market.Product
	var created, updated int64
	err := sc.Scan(&p.ID, &p.SellerID, &p.Origin, &p.Name, &p.Unit, &p.Price, &p.Currency, &p.Stock, &p.BuyerLimit,
		&p.OnSale, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, err
}

// CreateProduct stores a product with its audit entry.
func (db *DB) CreateProduct(ctx context.Context, p *market.Product, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "origin", p.Origin); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO products (`+productColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.SellerID, p.Origin, p.Name, p.Unit, p.Price, p.Currency, p.Stock, p.BuyerLimit, p.OnSale,
			micros(p.CreatedAt), micros(p.UpdatedAt)); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// UpdateProduct stores everything of a product but its seller and creation.
func (db *DB) UpdateProduct(ctx context.Context, p *market.Product, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "origin", p.Origin); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE products SET region = ?, name = ?, unit = ?, price = ?, currency = ?, stock = ?,
			buyer_limit = ?, on_sale = ?, updated_at = ? WHERE id = ?`, p.Origin, p.Name, p.Unit, p.Price, p.Currency,
			p.Stock, p.BuyerLimit, p.OnSale, micros(p.UpdatedAt), p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("product")
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindProduct returns the product with id, or ENOTFOUND.
func (db *DB) FindProduct(ctx context.Context, id string) (*market.Product, error) {
	p, err := scanProduct(db.queryRow(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("product")
	}
	return p, err
}

// FindProducts returns the products matching f, newest first, and the total.
func (db *DB) FindProducts(ctx context.Context, f market.ProductFilter) ([]*market.Product, int, error) {
	where, args := "1 = 1", []any{}
	if f.SellerID != "" {
		where += " AND seller_id = ?"
		args = append(args, f.SellerID)
	}
	if f.Prefix != "" {
		where += ` AND region LIKE ? ESCAPE '\'`
		args = append(args, likePrefix(f.Prefix))
	}
	if f.OnSale != nil {
		where += " AND on_sale = ?"
		args = append(args, *f.OnSale)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM products WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+productColumns+` FROM products WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, tide.ClampLimit(f.Limit), f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*market.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// CreateRoom stores a room and its products in order, with its audit entry.
func (db *DB) CreateRoom(ctx context.Context, r *market.Room, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO rooms (id, seller_id, region, title, stream_url, status, starts_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.SellerID, r.Region, r.Title, r.StreamURL, string(r.Status),
			micros(r.StartsAt), micros(r.CreatedAt)); err != nil {
			return err
		}
		for i, p := range r.Products {
			if _, err := tx.exec(ctx, `INSERT INTO room_products (room_id, product_id, position) VALUES (?, ?, ?)`,
				r.ID, p, i); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindRoom returns the room with id and its products in order, or ENOTFOUND.
func (db *DB) FindRoom(ctx context.Context, id string) (*market.Room, error) {
	var r market.Room
	var starts, created int64
	err := db.queryRow(ctx, `SELECT id, seller_id, region, title, stream_url, status, starts_at, created_at
		FROM rooms WHERE id = ?`, id).Scan(&r.ID, &r.SellerID, &r.Region, &r.Title, &r.StreamURL, &r.Status, &starts, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("room")
	} else if err != nil {
		return nil, err
	}
	r.StartsAt, r.CreatedAt = fromMicros(starts), fromMicros(created)
	rows, err := db.query(ctx, `SELECT product_id FROM room_products WHERE room_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		r.Products = append(r.Products, p)
	}
	return &r, rows.Err()
}

// SetRoomStatus moves a room from one status to another with its audit entry.
func (db *DB) SetRoomStatus(ctx context.Context, id string, from, to market.RoomStatus, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE rooms SET status = ? WHERE id = ? AND status = ?`, string(to), id, string(from))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.Errorf(tide.ECONFLICT, "the room is no longer %s", from)
		}
		return tx.appendAudit(ctx, c)
	})
}

// orderChunk is the most rows in one INSERT: 13 parameters each stay well
// inside both engines' limits.
const orderChunk = 500

var orderInserts sync.Map // "dialect/rows" → the INSERT statement for that many rows

func (db *DB) orderInsert(rows int) string {
	key := fmt.Sprintf("%s/%d", db.dialect, rows)
	if q, ok := orderInserts.Load(key); ok {
		return q.(string)
	}
	var b strings.Builder
	if db.dialect == SQLite {
		// OR IGNORE rather than ABORT spares SQLite a statement journal (a
		// temporary file written for every row) and skips only a repeated
		// key: no other constraint of the table can fail for the engine's
		// rows.
		b.WriteString(`INSERT OR IGNORE INTO orders (` + orderColumns + `) VALUES `)
	} else {
		b.WriteString(`INSERT INTO orders (` + orderColumns + `) VALUES `)
	}
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?)")
	}
	if db.dialect == Postgres {
		b.WriteString(` ON CONFLICT (idem_key, buyer_id) DO NOTHING`)
	}
	q := db.rebind(b.String())
	orderInserts.Store(key, q)
	return q
}

func orderPlaceholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

const orderColumns = `id, room_id, product_id, region, buyer_id, quantity, unit_price, total, currency, state, idem_key,
	created_at, updated_at`

func scanOrder(sc interface{ Scan(...any) error }) (*market.Order, error) {
	var o market.Order
	var key sql.NullString
	var created, updated int64
	err := sc.Scan(&o.ID, &o.RoomID, &o.ProductID, &o.Region, &o.BuyerID, &o.Quantity, &o.UnitPrice, &o.Total,
		&o.Currency, &o.State, &key, &created, &updated)
	o.IdempotencyKey, o.CreatedAt, o.UpdatedAt = key.String, fromMicros(created), fromMicros(updated)
	return &o, err
}

// InsertOrders writes orders in one transaction, a multi-row INSERT per
// orderChunk. An order whose buyer already holds its idempotency key is left
// out by the database itself and reported by index in skipped; finding which
// ones costs a read only when some were.
func (db *DB) InsertOrders(ctx context.Context, orders []*market.Order) (skipped []int, err error) {
	err = db.inTx(ctx, func(tx *Tx) error {
		skipped = skipped[:0]
		args := make([]any, 0, 13*min(len(orders), orderChunk))
		for start := 0; start < len(orders); start += orderChunk {
			chunk := orders[start:min(start+orderChunk, len(orders))]
			args = args[:0]
			for _, o := range chunk {
				args = append(args, o.ID, o.RoomID, o.ProductID, o.Region, o.BuyerID, o.Quantity, o.UnitPrice, o.Total,
					o.Currency, string(o.State), nullString(o.IdempotencyKey), micros(o.CreatedAt), micros(o.UpdatedAt))
			}
			res, err := tx.ExecContext(ctx, db.orderInsert(len(chunk)), args...)
			if err != nil {
				return fmt.Errorf("insert %d orders: %w", len(chunk), err)
			}
			if n, err := res.RowsAffected(); err == nil && int(n) == len(chunk) {
				continue
			}
			ids := make([]any, len(chunk))
			for i, o := range chunk {
				ids[i] = o.ID
			}
			stored, err := findIDs(ctx, tx.query, ids)
			if err != nil {
				return err
			}
			for i, o := range chunk {
				if !stored[o.ID] {
					skipped = append(skipped, start+i)
				}
			}
		}
		return nil
	})
	return skipped, err
}

// findIDs returns which of the order ids are stored, through query: a
// transaction's, which sees the rows it has just written, or the pool's.
func findIDs(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error), ids []any) (map[string]bool, error) {
	stored := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += orderChunk {
		chunk := ids[start:min(start+orderChunk, len(ids))]
		rows, err := query(ctx, `SELECT id FROM orders WHERE id IN (`+orderPlaceholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("find stored orders: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			stored[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// FindOrderIDs reports which of ids are stored.
func (db *DB) FindOrderIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return findIDs(ctx, db.query, args)
}

// ProductSales sums the product's orders that are not cancelled, in all and
// per buyer.
func (db *DB) ProductSales(ctx context.Context, productID string) (market.Sales, error) {
	s := market.Sales{ByBuyer: map[int64]int64{}}
	rows, err := db.query(ctx, `SELECT buyer_id, SUM(quantity) FROM orders WHERE product_id = ? AND state <> ?
		GROUP BY buyer_id`, productID, string(market.Cancelled))
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var buyer, qty int64
		if err := rows.Scan(&buyer, &qty); err != nil {
			return s, err
		}
		s.ByBuyer[buyer] = qty
		s.Total += qty
	}
	return s, rows.Err()
}

// FindOrder returns the order with id, or ENOTFOUND.
func (db *DB) FindOrder(ctx context.Context, id string) (*market.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("order")
	}
	return o, err
}

// FindOrderByKey returns the buyer's order under an idempotency key, or
// ENOTFOUND.
func (db *DB) FindOrderByKey(ctx context.Context, buyer int64, key string) (*market.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE buyer_id = ? AND idem_key = ?`, buyer, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("order")
	}
	return o, err
}

// FindOrders returns the orders matching f, oldest first, and the total.
func (db *DB) FindOrders(ctx context.Context, f market.OrderFilter) ([]*market.Order, int, error) {
	where, args := "1 = 1", []any{}
	if f.ProductID != "" {
		where, args = where+" AND product_id = ?", append(args, f.ProductID)
	}
	if f.RoomID != "" {
		where, args = where+" AND room_id = ?", append(args, f.RoomID)
	}
	if f.BuyerID != 0 {
		where, args = where+" AND buyer_id = ?", append(args, f.BuyerID)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM orders WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+orderColumns+` FROM orders WHERE `+where+` ORDER BY id LIMIT ? OFFSET ?`,
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
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE orders SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
			string(to), micros(tx.now), id, string(from))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := tx.mustExist(ctx, tide.NotFound("order"), `SELECT 1 FROM orders WHERE id = ?`, id); err != nil {
				return err
			}
			return tide.Errorf(tide.ECONFLICT, "the order is no longer %s", from)
		}
		return tx.appendAudit(ctx, c)
	})
}
