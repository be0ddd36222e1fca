package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// minBulkCacheKiB is the least page cache of a bulk write: 512 MiB.
const minBulkCacheKiB = 512 << 10

// inBulkTx is inTx for bulk writes. On SQLite the connection gets a bigger
// page cache, which keeps the indexes' random inserts in memory; foreign
// keys off, since counting them makes SQLite journal every statement; and
// a helper thread for sorting, which builds indexes rebuilt after a large
// import on both processors. The caller vouches for the references
// instead: an import's villages were checked by the registry a moment
// before (regions are never deleted) and its members point at households
// it has just inserted. All of these must be set before the transaction
// begins, and all are put back before the connection returns to the pool.
//
// The page cache holds at least cacheBytes, so an import sized to its rows
// keeps the tables and the indexes it rebuilds in memory until it commits,
// rather than spilling pages and reading them back to build each index;
// cache_spill holds it to that even while the cache is made small for
// sorting (see sortingCacheKiB). Temporary storage stays in files: with it
// in memory SQLite sorts an index's keys as one list on one thread, where
// from files it sorts runs of them on the helper thread too and merges.
func (db *DB) inBulkTx(ctx context.Context, cacheBytes int64, fn func(tx *Tx) error) error {
	if db.dialect != SQLite {
		return db.inTx(ctx, fn)
	}
	db.writer.Lock() // see DB.writer
	defer db.writer.Unlock()
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	cacheKiB := max(cacheBytes>>10, minBulkCacheKiB)
	cache := strconv.FormatInt(-cacheKiB, 10)
	bulk := []struct{ name, value, was string }{{name: "cache_size", value: cache}, {name: "cache_spill", value: cache},
		{name: "temp_store", value: "FILE"}, {name: "foreign_keys", value: "OFF"}, {name: "threads", value: "2"}}
	// Every setting is read before any is changed: cache_spill reads as at
	// least the cache's size.
	for i := range bulk {
		p := &bulk[i]
		if err := conn.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&p.was); err != nil {
			return err
		}
	}
	defer func() {
		ctx := context.WithoutCancel(ctx)
		for _, p := range bulk {
			if _, err := conn.ExecContext(ctx, `PRAGMA `+p.name+` = `+p.was); err != nil {
				// A connection that kept the bulk settings must not serve
				// anyone else: drop it from the pool.
				conn.Raw(func(any) error { return driver.ErrBadConn })
				return
			}
		}
	}()
	for _, p := range bulk {
		if _, err := conn.ExecContext(ctx, `PRAGMA `+p.name+` = `+p.value); err != nil {
			return err
		}
	}
	if db.alone && sqliteOpensBusy {
		if restore, err := rollbackJournal(ctx, conn); err != nil {
			return err
		} else if restore != nil {
			defer restore()
		}
	}
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	tx := &Tx{Tx: stx, db: db, now: db.Now().UTC(), conn: conn}
	if err := fn(tx); err != nil {
		stx.Rollback()
		return mapError(err)
	}
	return mapError(stx.Commit())
}

// rollbackJournal puts the database in rollback-journal mode for a bulk
// write when conn is the only connection that has it open, in a process
// that works alone (DB.WorkAlone), and returns what puts it back in WAL
// mode. A transaction's pages that are new to the file (nearly all of a
// large import's) then go to the database file once at the commit, with nothing to journal, where
// through the WAL each would be written to the log and copied to the
// database by the checkpoint that follows: two writes, a read, and two
// system calls per page in the log. Where other connections have it open,
// the database stays in WAL mode, so that they read on while the
// transaction writes; the mode is only ever changed with the database to
// itself. A connection that another process opens meanwhile cannot put the
// database in WAL mode as it opens; it opens all the same (see
// sqliteOpensBusy) and reads once the write has committed.
func rollbackJournal(ctx context.Context, conn *sql.Conn) (restore func(), err error) {
	var was, now string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&was); err != nil {
		return nil, err
	}
	if !strings.EqualFold(was, "wal") {
		return nil, nil
	}
	// SQLite leaves WAL mode only with an exclusive lock; it does not wait
	// for one here, busy or not.
	exec := func(q string) error {
		_, err := conn.ExecContext(ctx, q)
		return err
	}
	err = withoutWaiting(exec, func() error {
		return conn.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&now)
	})
	if err != nil && sqliteBusy(err) {
		return nil, nil // another connection has the database open
	}
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(now, "delete") {
		return nil, nil
	}
	toWAL := func() {
		// Back in WAL mode, as every connection opens it. The write lock
		// the switch takes is waited for as any other, so a reader that
		// came meanwhile cannot leave the database in the wrong mode.
		ctx := context.WithoutCancel(ctx)
		if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&now); err != nil || !strings.EqualFold(now, "wal") {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	// synchronous=NORMAL is safe in WAL mode only: with a rollback journal a
	// power cut at the wrong moment could corrupt the database. FULL costs
	// the commit one more sync of the journal.
	var sync string
	if err := conn.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		toWAL()
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		toWAL()
		return nil, err
	}
	return func() {
		toWAL()
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = `+sync); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// bulkInsert runs one multi-row INSERT many times, keeping the statements
// it prepared, one per number of rows, up to keptStatements of them: an
// import's household batches end where a batch of members does, so they
// come in a few dozen sizes. head ends with VALUES; tail (a RETURNING
// clause, say) follows the rows.
type bulkInsert struct {
	tx         *Tx
	head, tail string
	cols       int
	kept       map[int]*sql.Stmt
	// keptDriver are the statements prepared on the driver's connection by
	// execValues, by number of rows.
	keptDriver map[int]driver.Stmt
	// packed holds the statements execPacked runs.
	packed *packedStmt
}

// keptStatements bounds the statements one bulkInsert keeps prepared.
const keptStatements = 64

func newBulkInsert(tx *Tx, head string, cols int, tail string) *bulkInsert {
	return &bulkInsert{tx: tx, head: head, cols: cols, tail: tail, kept: map[int]*sql.Stmt{}, keptDriver: map[int]driver.Stmt{}}
}

func (b *bulkInsert) sql(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.cols), ", ") + ")"
	return b.tx.db.rebind(b.head + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ") + b.tail)
}

// stmt returns a prepared statement for rows rows: a kept one, or a fresh
// one that the caller closes via done when no more can be kept.
func (b *bulkInsert) stmt(ctx context.Context, rows int) (st *sql.Stmt, done func(), err error) {
	if st := b.kept[rows]; st != nil {
		return st, func() {}, nil
	}
	st, err = b.tx.PrepareContext(ctx, b.sql(rows))
	if err != nil {
		return nil, nil, err
	}
	if len(b.kept) < keptStatements {
		b.kept[rows] = st
		return st, func() {}, nil
	}
	return st, func() { st.Close() }, nil
}

// exec inserts rows rows whose values are args.
func (b *bulkInsert) exec(ctx context.Context, rows int, args []any) error {
	st, done, err := b.stmt(ctx, rows)
	if err != nil {
		return err
	}
	defer done()
	_, err = st.ExecContext(ctx, args...)
	return err
}

// returning inserts rows rows and calls scan for each row the tail returns.
func (b *bulkInsert) returning(ctx context.Context, rows int, args []any, scan func(*sql.Rows) error) error {
	st, done, err := b.stmt(ctx, rows)
	if err != nil {
		return err
	}
	defer done()
	rs, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := scan(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

// execValues inserts rows rows whose values are already of the driver's
// types (int64, float64, bool, string, []byte, nil) and numbered. In a
// bulk transaction on SQLite they go to the driver's statement as they
// are: database/sql would otherwise check and convert every one of them
// again, on the goroutine that runs the statements, which is the one an
// import waits for.
func (b *bulkInsert) execValues(ctx context.Context, rows int, vals []driver.NamedValue) error {
	if b.tx.conn == nil || b.tail != "" {
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v.Value
		}
		return b.exec(ctx, rows, args)
	}
	return b.tx.conn.Raw(func(dc any) error {
		st := b.keptDriver[rows]
		if st == nil {
			prep, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return errors.New("the SQLite driver cannot prepare with a context")
			}
			var err error
			if st, err = prep.PrepareContext(ctx, b.sql(rows)); err != nil {
				return err
			}
			if _, ok := st.(driver.StmtExecContext); !ok {
				st.Close()
				return errors.New("the SQLite driver cannot run a statement with a context")
			}
			if len(b.keptDriver) < keptStatements {
				b.keptDriver[rows] = st
			} else {
				defer st.Close()
			}
		}
		_, err := st.(driver.StmtExecContext).ExecContext(ctx, vals)
		return err
	})
}

// packs says whether rows for b go packed to execPacked: in a bulk
// transaction on SQLite, in a build whose SQLite is the C library, for a
// statement without a tail.
func (b *bulkInsert) packs() bool {
	return packedAvailable && b.tx.conn != nil && b.tx.db.dialect == SQLite && b.tail == ""
}

// packedGroup is how many rows one statement of execPacked inserts: enough
// that what SQLite pays per statement run (opening the table, counting the
// AUTOINCREMENT sequence) is spread thin.
const packedGroup = 64

// execPacked inserts the rows packed in buf, rows of them, in one call into
// SQLite's C library.
func (b *bulkInsert) execPacked(ctx context.Context, rows int, buf []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.tx.conn.Raw(func(dc any) error {
		if b.packed == nil {
			st, err := preparePacked(dc, b.sql(1), b.sql(packedGroup), packedGroup, b.cols)
			if err != nil {
				return err
			}
			b.packed = st
		}
		n, err := b.packed.exec(rows, buf)
		if err == nil && n != rows {
			err = fmt.Errorf("packed rows: ran %d rows of %d", n, rows)
		}
		return err
	})
}

func (b *bulkInsert) close() {
	for _, st := range b.kept {
		st.Close()
	}
	if len(b.keptDriver) > 0 || b.packed != nil {
		b.tx.conn.Raw(func(any) error {
			for _, st := range b.keptDriver {
				st.Close()
			}
			if b.packed != nil {
				b.packed.close()
			}
			return nil
		})
	}
}
