package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"strings"
	"sync"

	"github.com/tide-project/tide/internal/market"
)

// orderChunk is the most rows in one INSERT, a power of two: 13 parameters
// each stay well inside both engines' limits.
const orderChunk = 1 << orderChunkLog

const orderChunkLog = 9

// preparedInserts keeps the order INSERT for each power of two rows up to
// orderChunk, prepared on the pool the first time it is needed. A batch is
// written as its binary digits (300 orders: 256 + 32 + 8 + 4), so ten
// statements serve every size, and a commit parses no SQL: parsing thousands
// of placeholders cost more than binding them.
type preparedInserts struct {
	mu    sync.Mutex
	stmts [orderChunkLog + 1]*sql.Stmt
}

// orderStmt returns the order INSERT of rows rows, a power of two.
func (db *DB) orderStmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	p := &db.orderInserts
	i := bits.TrailingZeros(uint(rows))
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.stmts[i]; st != nil {
		return st, nil
	}
	st, err := db.db.PrepareContext(ctx, db.orderInsert(rows))
	if err != nil {
		return nil, fmt.Errorf("prepare the INSERT of %d orders: %w", rows, err)
	}
	p.stmts[i] = st
	return st, nil
}

// chunkSize is how many of n rows left the next INSERT writes: the highest
// power of two in n, at most orderChunk.
func chunkSize(n int) int { return min(orderChunk, 1<<(bits.Len(uint(n))-1)) }

func (db *DB) orderInsert(rows int) string {
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
	return db.rebind(b.String())
}

func orderPlaceholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

const orderColumns = `id, room_id, product_id, region, buyer_id, quantity, unit_price, total, currency, state, idem_key,
	created_at, updated_at`

// InsertOrders writes orders in one transaction, a multi-row INSERT per
// orderChunk (on SQLite with cgo, packed: see insertOrdersPacked). An order
// whose buyer already holds its idempotency key is left out by the database
// itself and reported by index in skipped; finding which ones costs a read
// only when some were.
func (db *DB) InsertOrders(ctx context.Context, orders []*market.Order) (skipped []int, err error) {
	if db.dialect == SQLite && packedAvailable {
		return db.insertOrdersPacked(ctx, orders)
	}
	// The batch is written as its binary digits, each by its statement,
	// prepared on the pool before the transaction takes a connection: a
	// pool of one connection would wait for itself.
	var stmts []*sql.Stmt
	for n := len(orders); n > 0; {
		size := chunkSize(n)
		st, err := db.orderStmt(ctx, size)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
		n -= size
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		skipped = skipped[:0]
		args := make([]any, 0, 13*min(len(orders), orderChunk))
		start := 0
		for _, st := range stmts {
			size := chunkSize(len(orders) - start)
			chunk := orders[start : start+size]
			first := start
			start += size
			args = args[:0]
			for _, o := range chunk {
				args = append(args, o.ID, o.RoomID, o.ProductID, o.Region, o.BuyerID, o.Quantity, o.UnitPrice, o.Total,
					o.Currency, string(o.State), nullString(o.IdempotencyKey), micros(o.CreatedAt), micros(o.UpdatedAt))
			}
			res, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...)
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
					skipped = append(skipped, first+i)
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
