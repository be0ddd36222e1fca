//go:build cgo

package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPackedStmtBadBytes runs packed rows whose bytes end inside a value,
// hold an unknown tag, or hold more or fewer rows than the count says: each
// is refused, and no row past the last whole run is written.
func TestPackedStmtBadBytes(t *testing.T) {
	db := OpenTest(t, SQLite)
	ctx := context.Background()
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE p (a INTEGER, b TEXT)`); err != nil {
		t.Fatal(err)
	}
	row := func(a int64, b string) []byte {
		buf, _ := appendPacked(nil, a)
		buf, _ = appendPacked(buf, b)
		return buf
	}
	whole := append(row(1, "one"), row(2, "two")...)
	for _, tc := range []struct {
		name string
		rows int
		buf  []byte
		done int
	}{
		// Two rows are one run of the statement of two: neither is written.
		{"cut inside a text", 2, whole[:len(whole)-1], 0},
		{"cut inside a text, a row at a time", 1, row(1, "one")[:5], 0},
		{"unknown tag", 1, append([]byte{9}, whole[1:]...), 0},
		{"bytes left over", 1, whole, 1},
		{"too few rows", 3, whole, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := conn.Raw(func(dc any) error {
				st, err := preparePacked(dc, `INSERT INTO p (a, b) VALUES (?, ?)`, `INSERT INTO p (a, b) VALUES (?, ?), (?, ?)`, 2, 2)
				if err != nil {
					t.Fatal(err)
				}
				defer st.close()
				done, err := st.exec(tc.rows, tc.buf)
				if done != tc.done {
					t.Errorf("wrote %d rows, want %d", done, tc.done)
				}
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "packed rows") {
				t.Errorf("got %v, want the bytes refused", err)
			}
			if _, err := conn.ExecContext(ctx, `DELETE FROM p`); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOpenWhileRollbackJournal opens the database from a second pool, as
// another process would, while a bulk write holds it in rollback-journal
// mode: the connection opens at once and reads what was committed before,
// and once the write commits the database is in WAL mode for both.
func TestOpenWhileRollbackJournal(t *testing.T) {
	db := OpenTest(t, SQLite)
	ctx := context.Background()
	if _, err := db.SQL().Exec(`CREATE TABLE w (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.WorkAlone()
	db.SQL().SetMaxIdleConns(1)
	inside := make(chan struct{})
	done := make(chan error, 1)
	var path string
	if err := db.SQL().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	go func() {
		done <- db.inBulkTx(ctx, 0, func(tx *Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO w VALUES (1)`); err != nil {
				return err
			}
			var mode string
			if err := tx.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
				t.Errorf("journal mode in the bulk write: %q (%v), want delete", mode, err)
			}
			close(inside)
			<-time.After(300 * time.Millisecond)
			return nil
		})
	}()
	<-inside
	other, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatalf("open during the bulk write: %v", err)
	}
	defer other.Close()
	var n int
	if err := other.SQL().QueryRow(`SELECT COUNT(*) FROM w`).Scan(&n); err != nil || n != 0 {
		t.Errorf("read during the bulk write: %d (%v), want 0", n, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("bulk write: %v", err)
	}
	// The other pool's connection finds WAL mode at its next read.
	if err := other.SQL().QueryRow(`SELECT COUNT(*) FROM w`).Scan(&n); err != nil || n != 1 {
		t.Errorf("read after the bulk write: %d (%v), want 1", n, err)
	}
	for _, d := range []*DB{db, other} {
		var mode string
		if err := d.SQL().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal mode after: %q (%v), want wal", mode, err)
		}
	}
}
