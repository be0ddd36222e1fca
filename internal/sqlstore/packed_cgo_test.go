//go:build cgo

package sqlstore

import (
	"context"
	"strings"
	"testing"
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
