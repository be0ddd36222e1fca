package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests. When it
// is set, every store test also runs on PostgreSQL; CI always sets it.
const PostgresEnv = "TIDE_TEST_POSTGRES"

// OpenTest opens a migrated database of the given dialect for a test, in a
// temporary SQLite file or a fresh PostgreSQL schema that is dropped after.
// A PostgreSQL test is skipped when TIDE_TEST_POSTGRES is unset.
func OpenTest(tb testing.TB, d Dialect) *DB {
	tb.Helper()
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(tb.TempDir(), "tide.db")
	if d == Postgres {
		base := os.Getenv(PostgresEnv)
		if base == "" {
			tb.Skipf("%s is not set; PostgreSQL tests skipped", PostgresEnv)
		}
		url = testSchema(tb, base)
	}
	db, err := Open(ctx, url)
	if err != nil {
		tb.Fatalf("open %s: %v", d, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// TestURL returns a database URL of the given dialect for a test that opens
// the database itself, as the command line and the server do: a SQLite file in
// a temporary folder, or a fresh PostgreSQL schema that is dropped after the
// test. Nothing is migrated. A PostgreSQL test is skipped when
// TIDE_TEST_POSTGRES is unset.
func TestURL(tb testing.TB, d Dialect) string {
	tb.Helper()
	if d != Postgres {
		return "sqlite:" + filepath.Join(tb.TempDir(), "tide.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("%s is not set; PostgreSQL tests skipped", PostgresEnv)
	}
	return testSchema(tb, base)
}

// testSchema creates a schema of its own for one test and returns a URL whose
// connections use it.
func testSchema(tb testing.TB, base string) string {
	tb.Helper()
	ctx := context.Background()
	admin, err := Open(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%ssearch_path=%s", base, sep, schema)
}

// EachDialect runs fn as a subtest on SQLite and on PostgreSQL.
func EachDialect(t *testing.T, fn func(t *testing.T, db *DB)) {
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, OpenTest(t, d)) })
	}
}

// TamperAudit changes an audit row behind the store's back, past the
// append-only trigger, as someone holding the database could; tests use it to
// show that verification finds the change.
func TamperAudit(tb testing.TB, db *DB, seq int64, set string) {
	tb.Helper()
	ctx := context.Background()
	stmts := []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET " + set + " WHERE seq = ?"}
	if db.dialect == Postgres {
		stmts = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change", "UPDATE audit_log SET " + set + " WHERE seq = ?"}
	}
	if _, err := db.db.ExecContext(ctx, stmts[0]); err != nil {
		tb.Fatalf("%s: %v", stmts[0], err)
	}
	if _, err := db.db.ExecContext(ctx, db.rebind(stmts[1]), seq); err != nil {
		tb.Fatalf("%s: %v", stmts[1], err)
	}
}
