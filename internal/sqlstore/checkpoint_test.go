package sqlstore

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestStartCheckpoints writes less than the automatic checkpoint's mark to
// the write-ahead log and finds it copied into the database file by the
// background checkpoints.
func TestStartCheckpoints(t *testing.T) {
	db := OpenTest(t, SQLite)
	var path string
	if err := db.SQL().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if _, err := db.SQL().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	before := size()
	stop := db.StartCheckpoints(10 * time.Millisecond)
	defer stop()
	// About 100 pages: far below wal_autocheckpoint's 10,000.
	if _, err := db.SQL().Exec(`CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, err := db.SQL().Exec(`INSERT INTO filler VALUES (?)`, []byte(strings.Repeat("x", 4000))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+100*4000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after the writes, %d before: the log was not copied", size(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
