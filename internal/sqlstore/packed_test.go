package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/tide-project/tide/internal/tide"
)

// packedRow is one row of the scratch table the packed tests write, in the
// types a statement argument takes.
func packedRow(i int) []any {
	var blob []byte // NULL in every third row
	if i%3 != 0 {
		blob = []byte{byte(i), 0, 0xff}
	}
	if i%5 == 0 {
		blob = []byte{} // an empty blob, which is not NULL
	}
	var text any = fmt.Sprintf("行 %d", i)
	if i%7 == 0 {
		text = ""
	}
	if i%11 == 0 {
		text = nil
	}
	return []any{int64(i), int64(math.MinInt64 + i), i * 3, int32(-i), i%2 == 0, float64(i) / 8, text, blob}
}

const packedTable = `CREATE TABLE packed (id INTEGER PRIMARY KEY, big INTEGER, n INTEGER, small INTEGER,
	flag INTEGER, f REAL, t TEXT, b BLOB)`

// writePacked writes rows rows of packedRow, starting at first, through a
// bulk transaction's row batcher, as an import writes its rows.
func writePacked(t *testing.T, db *DB, first, rows, batch int) error {
	t.Helper()
	return db.inBulkTx(context.Background(), 0, func(tx *Tx) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pipe := newBatchPipe(ctx)
		b := newRowBatcher(tx, pipe, `INSERT INTO packed (id, big, n, small, flag, f, t, b) VALUES `, 8, batch)
		defer b.close()
		b.conflict = func(err error) error { return mapError(err) }
		gathered := make(chan error, 1)
		go func() {
			defer close(pipe.full)
			for i := first; i < first+rows; i++ {
				if err := b.add(i, packedRow(i)...); err != nil {
					gathered <- err
					return
				}
			}
			gathered <- b.flush(first + rows)
		}()
		err := pipe.write(cancel, func(queuedBatch) {})
		if gerr := <-gathered; err == nil {
			err = gerr
		}
		return err
	})
}

// TestPackedRows writes rows of every value type through a bulk
// transaction, in batches that are not a whole number of packed groups, and
// reads back each value with the type SQLite stored it as: what the driver
// would have stored, NULL and empty values kept apart.
func TestPackedRows(t *testing.T) {
	db := OpenTest(t, SQLite)
	if _, err := db.SQL().Exec(packedTable); err != nil {
		t.Fatal(err)
	}
	const rows = 3*packedGroup + 5
	if err := writePacked(t, db, 1, rows, 2*packedGroup+1); err != nil {
		t.Fatalf("write: %v", err)
	}
	q, err := db.SQL().Query(`SELECT id, big, n, small, flag, f, t, b, typeof(t), typeof(b) FROM packed ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	n := 0
	for q.Next() {
		n++
		var id, big, num, small, flag int64
		var f float64
		var text sql.NullString
		var blob []byte
		var textType, blobType string
		if err := q.Scan(&id, &big, &num, &small, &flag, &f, &text, &blob, &textType, &blobType); err != nil {
			t.Fatal(err)
		}
		want := packedRow(n)
		wantFlag := int64(0)
		if want[4].(bool) {
			wantFlag = 1
		}
		if id != int64(n) || big != want[1].(int64) || num != int64(want[2].(int)) || small != int64(want[3].(int32)) ||
			flag != wantFlag || f != want[5].(float64) {
			t.Errorf("row %d: numbers %d %d %d %d %d %v, want %v", n, id, big, num, small, flag, f, want[:6])
		}
		switch wt := want[6].(type) {
		case nil:
			if text.Valid || textType != "null" {
				t.Errorf("row %d: text %q (%s), want NULL", n, text.String, textType)
			}
		case string:
			if text.String != wt || textType != "text" {
				t.Errorf("row %d: text %q (%s), want %q", n, text.String, textType, wt)
			}
		}
		wb := want[7].([]byte)
		switch {
		case wb == nil && blobType != "null":
			t.Errorf("row %d: blob %v (%s), want NULL", n, blob, blobType)
		case wb != nil && (blobType != "blob" || !reflect.DeepEqual(append([]byte{}, blob...), wb)):
			t.Errorf("row %d: blob %v (%s), want %v", n, blob, blobType, wb)
		}
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	if n != rows {
		t.Errorf("read %d rows, want %d", n, rows)
	}
}

// TestPackedRowsConflict writes a batch one of whose rows breaks the primary
// key, with the database to itself (so in rollback-journal mode) and shared:
// the write's error is a conflict, the transaction writes none of its rows,
// and the database is in WAL mode after.
func TestPackedRowsConflict(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			db := OpenTest(t, SQLite)
			db.WorkAlone()
			db.SQL().SetMaxIdleConns(1)
			if _, err := db.SQL().Exec(packedTable); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().Exec(`INSERT INTO packed (id) VALUES (150)`); err != nil {
				t.Fatal(err)
			}
			if shared {
				other, err := db.SQL().Conn(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
			}
			err := writePacked(t, db, 1, 300, 100)
			if tide.ErrorCode(err) != tide.ECONFLICT {
				t.Fatalf("write over a taken id: got %v, want a conflict", err)
			}
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM packed`).Scan(&n); err != nil || n != 1 {
				t.Errorf("rows after the failed write: %d (%v), want the 1 there before", n, err)
			}
			var mode string
			if err := db.SQL().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal mode after: %q (%v), want wal", mode, err)
			}
		})
	}
}

// TestAppendPackedRefuses checks that a value of a type the packed form does
// not know is refused by name, leaving the buffer as it was.
func TestAppendPackedRefuses(t *testing.T) {
	buf := []byte{packedNull}
	out, err := appendPacked(buf, struct{}{})
	if err == nil || len(out) != 1 {
		t.Fatalf("append a struct: %v, %d bytes; want an error and the buffer unchanged", err, len(out))
	}
}

// TestRollbackJournal checks the journal mode of a bulk write: rollback
// journal, synced in full, while the connection has the database to
// itself, WAL and synchronous=NORMAL again after; and WAL throughout, with no wait, while another connection has the
// database open.
func TestRollbackJournal(t *testing.T) {
	db := OpenTest(t, SQLite)
	ctx := context.Background()
	mode := func(c *sql.Conn) string {
		t.Helper()
		var m string
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	db.SQL().SetMaxIdleConns(0) // no other connection open but those below
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	restore, err := rollbackJournal(ctx, conn)
	if err != nil || restore == nil {
		t.Fatalf("alone: restore %v, %v; want a switch", restore != nil, err)
	}
	sync := func() int {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if m, s := mode(conn), sync(); m != "delete" || s != 2 {
		t.Errorf("alone: mode %q, synchronous %d; want delete and 2 (FULL)", m, s)
	}
	restore()
	if m, s := mode(conn), sync(); m != "wal" || s != 1 {
		t.Errorf("restored: mode %q, synchronous %d; want wal and 1 (NORMAL)", m, s)
	}

	other, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if m := mode(other); m != "wal" {
		t.Fatalf("other: mode %q, want wal", m)
	}
	restore, err = rollbackJournal(ctx, conn)
	if err != nil || restore != nil {
		t.Fatalf("shared: restore %v, %v; want no switch and no error", restore != nil, err)
	}
	if m := mode(conn); m != "wal" {
		t.Errorf("shared: mode %q, want wal", m)
	}
	var timeout int
	if err := conn.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil || timeout != busyTimeoutMillis {
		t.Errorf("busy timeout after the attempt: %d (%v), want %d", timeout, err, busyTimeoutMillis)
	}
}
