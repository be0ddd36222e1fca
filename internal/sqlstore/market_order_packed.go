package sqlstore

import (
	"context"
	"database/sql"
	"sync"

	"github.com/tide-project/tide/internal/market"
)

// orderGroup is how many orders one statement of a packed batch inserts;
// the rest of a batch goes in one at a time.
const orderGroup = 16

// orderBufs are the byte slices order batches are packed into.
var orderBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// insertOrdersPacked is InsertOrders on SQLite where its C library takes
// packed rows: the batch is packed here and written in one call into
// SQLite, by statements kept prepared on the connection, rather than
// through database/sql and the driver, which convert and bind each of an
// order's 13 values with a call of its own. SQLite counts the rows each
// statement inserted, so the orders its OR IGNORE skipped are looked for
// only when there are some.
func (db *DB) insertOrdersPacked(ctx context.Context, orders []*market.Order) (skipped []int, err error) {
	bp := orderBufs.Get().(*[]byte)
	defer orderBufs.Put(bp)
	buf := (*bp)[:0]
	for _, o := range orders {
		buf = packOrder(buf, o)
	}
	*bp = buf
	db.writer.Lock() // see DB.writer
	defer db.writer.Unlock()
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	var changed int
	err = conn.Raw(func(dc any) error {
		st, err := keptPacked(dc, "orders", func() (*packedStmt, error) {
			return preparePacked(dc, db.orderInsert(1), db.orderInsert(orderGroup), orderGroup, 13)
		})
		if err != nil {
			return err
		}
		_, changed, err = st.execCounting(len(orders), buf)
		return err
	})
	if err == nil && changed < len(orders) {
		skipped, err = skippedOrders(ctx, tx, orders)
	}
	if err != nil {
		tx.Rollback()
		return nil, mapError(err)
	}
	return skipped, mapError(tx.Commit())
}

// skippedOrders returns the places in orders of those tx did not store.
func skippedOrders(ctx context.Context, tx *sql.Tx, orders []*market.Order) ([]int, error) {
	ids := make([]any, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	stored, err := findIDs(ctx, tx.QueryContext, ids)
	if err != nil {
		return nil, err
	}
	var skipped []int
	for i, o := range orders {
		if !stored[o.ID] {
			skipped = append(skipped, i)
		}
	}
	return skipped, nil
}

// packOrder appends o's row, its values in the order of orderColumns.
func packOrder(buf []byte, o *market.Order) []byte {
	buf = appendPackedText(buf, o.ID)
	buf = appendPackedText(buf, o.RoomID)
	buf = appendPackedText(buf, o.ProductID)
	buf = appendPackedText(buf, o.Region)
	buf = appendPackedInt(buf, o.BuyerID)
	buf = appendPackedInt(buf, o.Quantity)
	buf = appendPackedInt(buf, o.UnitPrice)
	buf = appendPackedInt(buf, o.Total)
	buf = appendPackedText(buf, o.Currency)
	buf = appendPackedText(buf, string(o.State))
	if o.IdempotencyKey == "" {
		buf = append(buf, packedNull)
	} else {
		buf = appendPackedText(buf, o.IdempotencyKey)
	}
	buf = appendPackedInt(buf, micros(o.CreatedAt))
	return appendPackedInt(buf, micros(o.UpdatedAt))
}
