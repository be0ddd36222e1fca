// Package sqlstore is the only package that speaks SQL. One implementation
// serves SQLite (embedded, the default) and PostgreSQL (for scale), with a
// small dialect switch; migrations for each are embedded.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"

	"github.com/tide-project/tide/internal/tide"
)

//go:embed migrations
var migrations embed.FS

// sqlitePragmas are set on every SQLite connection, by whichever driver the
// binary is built with (sqlite_cgo.go, sqlite_purego.go); the busy timeout
// comes first, so setting the others waits out a writer.
//
// wal_autocheckpoint: SQLite copies the write-ahead log into the database
// once it passes 1,000 pages (4 MB), inside the commit that passed it.
// Tide's batch writes (imports, the demo, batch steps) are bigger than that,
// so each would be copied as soon as written, and a page rewritten by the
// next batch copied again; at 10,000 pages a page rewritten by several
// batches is copied once.
var sqlitePragmas = []string{"busy_timeout(" + strconv.Itoa(busyTimeoutMillis) + ")", "foreign_keys(1)", walPragma, "synchronous(NORMAL)", "wal_autocheckpoint(10000)"}

// walPragma puts a database in WAL mode.
const walPragma = "journal_mode(WAL)"

// busyTimeoutMillis is how long a statement waits for another connection's
// lock before it fails as busy.
const busyTimeoutMillis = 10_000

// withoutWaiting runs try on a SQLite connection whose busy timeout is zero
// meanwhile, so a lock held elsewhere fails it at once; exec runs a
// statement on that connection.
func withoutWaiting(exec func(q string) error, try func() error) error {
	if err := exec("PRAGMA busy_timeout = 0"); err != nil {
		return err
	}
	err := try()
	if berr := exec("PRAGMA busy_timeout = " + strconv.Itoa(busyTimeoutMillis)); berr != nil {
		return berr
	}
	return err
}

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a connection pool to one Tide database.
type DB struct {
	db      *sql.DB
	dialect Dialect
	// writer queues this process's SQLite write transactions. SQLite has one
	// writer; a transaction waiting here starts the moment the one before it
	// ends, where one left to SQLite's busy handler sleeps and polls.
	writer sync.Mutex
	// orderInserts are the order engine's INSERTs, prepared once each.
	orderInserts preparedInserts
	// alone is set by WorkAlone.
	alone bool
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// sqliteIdleConns is how many SQLite connections stay open between uses.
const sqliteIdleConns = 64

// Open connects to url: "sqlite:PATH" or a "postgres://" URL. It does not
// migrate; call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	var (
		db  *sql.DB
		d   Dialect
		err error
	)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, tide.Invalid("db", "sqlite: needs a file path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		db, err = sql.Open(sqliteDriver, sqliteDSN(path))
		d = SQLite
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err = sql.Open("pgx", url)
		d = Postgres
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(10)
		}
	default:
		return nil, tide.Invalid("db", "database must be sqlite:PATH or a postgres:// URL")
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if d == SQLite {
		// A new SQLite connection reads and parses the whole schema before
		// its first query. With database/sql's two idle connections, every
		// burst of concurrent reads (a live sale's buyers signing in at
		// once) opened connections, parsed the schema and closed them
		// again; kept idle, they are parsed once.
		db.SetMaxIdleConns(sqliteIdleConns)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{db: db, dialect: d, Now: time.Now}, nil
}

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying pool, for tests and benchmarks that must reach
// past the store.
func (db *DB) SQL() *sql.DB { return db.db }

// WorkAlone declares that this process uses the database for one job at a
// time, as a command such as `tide import` does, with no connection of its
// own reading while it writes. A bulk write may then take the database to
// itself in rollback-journal mode (see rollbackJournal), when no other
// process has it open. Call it before the job; a server never does.
func (db *DB) WorkAlone() { db.alone = true }

// Close closes the pool.
func (db *DB) Close() error { return db.db.Close() }

// Ping checks the connection, for readiness probes.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }

// Migrate applies every embedded migration not yet applied and returns how
// many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.migrations()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// migrations returns the provider of the dialect's migrations: its SQL
// files, and on SQLite those written in Go.
func (db *DB) migrations() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return nil, err
	}
	if db.dialect == Postgres {
		return goose.NewProvider(goose.DialectPostgres, db.db, sub)
	}
	return goose.NewProvider(goose.DialectSQLite3, db.db, sub, goose.WithGoMigrations(sqliteGoMigrations()...))
}

// rebind turns '?' placeholders into the dialect's own.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Tx is a transaction that rebinds placeholders.
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	// conn is the connection of a bulk transaction on SQLite (see inBulkTx),
	// whose driver a bulk insert may use directly; nil otherwise.
	conn *sql.Conn
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.QueryContext(ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.QueryRowContext(ctx, tx.db.rebind(q), args...)
}

// inTx runs fn in one transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == SQLite {
		db.writer.Lock()
		defer db.writer.Unlock()
	}
	stx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	tx := &Tx{Tx: stx, db: db, now: db.Now().UTC()}
	if err := fn(tx); err != nil {
		stx.Rollback()
		return mapError(err)
	}
	return mapError(stx.Commit())
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.db.QueryContext(ctx, db.rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.db.QueryRowContext(ctx, db.rebind(q), args...)
}

// mapError turns each engine's constraint errors into Tide's codes, so a
// unique violation is ECONFLICT on SQLite and PostgreSQL alike.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var te *tide.Error
	if errors.As(err, &te) {
		return err
	}
	switch sqliteConstraint(err) {
	case uniqueConstraint:
		return errDuplicateKey()
	case foreignKeyConstraint:
		return errMissingReference()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return errDuplicateKey()
		case "23503":
			return errMissingReference()
		}
	}
	return err
}

// constraint is the kind of constraint a failed statement broke, whichever
// the engine and driver.
type constraint int

const (
	noConstraint constraint = iota
	uniqueConstraint
	foreignKeyConstraint
)

func errDuplicateKey() error {
	return &tide.Error{Code: tide.ECONFLICT, Message: "a record with the same key already exists"}
}

func errMissingReference() error {
	return &tide.Error{Code: tide.EINVALID, Message: "a referenced record does not exist"}
}

// micros is how the store keeps a time: an integer of microseconds since
// 1970, 0 for the zero time. Integers read back the same through either
// SQLite driver, which format and parse time values each their own way.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// likePrefix returns a LIKE pattern matching strings that start with p.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}
