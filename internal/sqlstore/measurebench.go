package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tide-project/tide/internal/measure"
)

// MeasureBench is a scratch table of households for `tide bench measure`:
// the same poverty measures the in-memory index answers, asked of the
// database as one GROUP BY, so the two can be timed side by side and held to
// the same answers. On PostgreSQL the table lives in a schema of its own; on
// SQLite in the file the DB was opened on. Drop removes either.
type MeasureBench struct {
	db     *DB
	schema string // PostgreSQL: the schema made for the table
	table  string // qualified table name
}

// measureBenchTable is the scratch table's name; on SQLite it sits beside
// whatever else the file holds, so it is named for its owner.
const measureBenchTable = "tide_measure_bench"

// NewMeasureBench creates an empty bench table: on SQLite a WITHOUT ROWID
// table keyed by (region, id), so that a region's rows lie together as the
// index keeps them, replacing any left by an interrupted run; on PostgreSQL
// an UNLOGGED table in a new schema, with region in the "C" collation so that
// a prefix range can use the index Load builds.
func NewMeasureBench(ctx context.Context, db *DB) (*MeasureBench, error) {
	b := &MeasureBench{db: db, table: measureBenchTable}
	if db.dialect == SQLite {
		_, err := db.db.ExecContext(ctx, `DROP TABLE IF EXISTS `+b.table)
		if err == nil {
			_, err = db.db.ExecContext(ctx, `CREATE TABLE `+b.table+` (
				region TEXT NOT NULL, id INTEGER NOT NULL, persons INTEGER NOT NULL,
				income INTEGER NOT NULL, deprived INTEGER NOT NULL,
				PRIMARY KEY (region, id)) WITHOUT ROWID`)
		}
		if err != nil {
			return nil, fmt.Errorf("create measure bench table: %w", err)
		}
		return b, nil
	}
	r := make([]byte, 6)
	rand.Read(r)
	b.schema = "tide_bench_" + hex.EncodeToString(r)
	b.table = b.schema + "." + measureBenchTable
	if _, err := db.db.ExecContext(ctx, `CREATE SCHEMA `+b.schema); err != nil {
		return nil, fmt.Errorf("create measure bench schema: %w", err)
	}
	_, err := db.db.ExecContext(ctx, `CREATE UNLOGGED TABLE `+b.table+` (
		id BIGINT NOT NULL, income BIGINT NOT NULL, persons INTEGER NOT NULL,
		deprived INTEGER NOT NULL, region TEXT COLLATE "C" NOT NULL)`)
	if err != nil {
		b.Drop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("create measure bench table: %w", err)
	}
	return b, nil
}

// DescribeLoad says how Load fills the table, for the bench's report.
func (b *MeasureBench) DescribeLoad() string {
	if b.db.dialect == SQLite {
		return fmt.Sprintf("multi-row INSERT of %d rows a prepared statement, %d rows a transaction, "+
			"into a WITHOUT ROWID table keyed (region, id)", benchInsertRows, benchTxRows)
	}
	return "COPY into an UNLOGGED table in a schema of its own, then CREATE INDEX on region (COLLATE \"C\") and ANALYZE"
}

// DescribeQuery says how Measure asks for the measures.
func (b *MeasureBench) DescribeQuery() string {
	const rollup = "village sums by GROUP BY region into a MATERIALIZED CTE, rolled up a level at a time " +
		"by GROUP BY substr(region, 1, n) over those sums, UNION ALL; a county is a key range of region"
	if b.db.dialect == SQLite {
		return "each row's score looked up in the scores of all 2^n masks, which the query works out " +
			"from the weights (WITH RECURSIVE, joined on the mask by an automatic index); " + rollup
	}
	return "each row's score looked up in a float8[] of the scores of all 2^n masks, which the query works out " +
		"from the weights (array_agg over generate_series); " + rollup + "; SET LOCAL work_mem = '" +
		measureBenchWorkMem + "'"
}

// Engine names the database engine and its version.
func (b *MeasureBench) Engine(ctx context.Context) (string, error) {
	q, name := `SELECT sqlite_version()`, "SQLite"
	if b.db.dialect == Postgres {
		q, name = `SHOW server_version`, "PostgreSQL"
	}
	var v string
	if err := b.db.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return "", fmt.Errorf("engine version: %w", err)
	}
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0] // "15.20 (Debian 15.20-0+deb12u1)" is 15.20
	}
	return name + " " + v, nil
}

// Drop removes the bench table, and on PostgreSQL its schema.
func (b *MeasureBench) Drop(ctx context.Context) error {
	q := `DROP TABLE IF EXISTS ` + b.table
	if b.schema != "" {
		q = `DROP SCHEMA IF EXISTS ` + b.schema + ` CASCADE`
	}
	if _, err := b.db.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("drop measure bench table: %w", err)
	}
	return nil
}

// SQLite loading: rows a multi-row INSERT, and rows a transaction.
const (
	benchInsertRows = 1000
	benchTxRows     = 500_000
)

// progressEvery is how many rows Load loads between progress calls.
const progressEvery = 1 << 16

// Load adds every household of rows to the table, calling progress, when not
// nil, with the rows loaded so far every few tens of thousands of rows and at
// the end. Rows go in fastest in (region, id) order, as Index.Each yields
// them. It returns the number of rows loaded.
func (b *MeasureBench) Load(ctx context.Context, rows iter.Seq[measure.Household], progress func(rows int64)) (int64, error) {
	if progress == nil {
		progress = func(int64) {}
	}
	var n int64
	var err error
	if b.db.dialect == SQLite {
		n, err = b.loadSQLite(ctx, rows, progress)
	} else {
		n, err = b.loadPostgres(ctx, rows, progress)
	}
	if err != nil {
		return n, fmt.Errorf("load measure bench (%d rows read): %w", n, err)
	}
	progress(n)
	return n, nil
}

func (b *MeasureBench) loadSQLite(ctx context.Context, rows iter.Seq[measure.Household], progress func(int64)) (int64, error) {
	insert := func(k int) string {
		return `INSERT INTO ` + b.table + ` (region, id, persons, income, deprived) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", k), ", ")
	}
	var (
		tx   *sql.Tx
		stmt *sql.Stmt
		n    int64 // rows read
		inTx int   // rows written in tx
	)
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	begin := func() (err error) {
		if tx, err = b.db.db.BeginTx(ctx, nil); err != nil {
			return err
		}
		stmt, err = tx.PrepareContext(ctx, insert(benchInsertRows))
		return err
	}
	args := make([]any, 0, 5*benchInsertRows)
	for h := range rows {
		if tx == nil {
			if err := begin(); err != nil {
				return n, err
			}
		}
		args = append(args, h.Region, int64(h.ID), int64(h.Persons), h.Income, int64(int32(h.Deprived)))
		n++
		if n%progressEvery == 0 {
			progress(n)
		}
		if len(args) < cap(args) {
			continue
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return n, err
		}
		args = args[:0]
		if inTx += benchInsertRows; inTx >= benchTxRows {
			if err := tx.Commit(); err != nil {
				return n, err
			}
			tx, inTx = nil, 0
		}
	}
	if len(args) > 0 {
		if tx == nil {
			if err := begin(); err != nil {
				return n, err
			}
		}
		if _, err := tx.ExecContext(ctx, insert(len(args)/5), args...); err != nil {
			return n, err
		}
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return n, err
		}
		tx = nil
	}
	return n, nil
}

func (b *MeasureBench) loadPostgres(ctx context.Context, rows iter.Seq[measure.Household], progress func(int64)) (int64, error) {
	next, stop := iter.Pull(rows)
	defer stop()
	src := &householdSource{next: next, progress: progress, row: make([]any, 5)}
	conn, err := b.db.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		_, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{b.schema, measureBenchTable},
			[]string{"id", "income", "persons", "deprived", "region"}, src)
		return err
	})
	if err != nil {
		return src.n, err
	}
	for _, q := range []string{`CREATE INDEX ON ` + b.table + ` (region)`, `ANALYZE ` + b.table} {
		if _, err := b.db.db.ExecContext(ctx, q); err != nil {
			return src.n, err
		}
	}
	return src.n, nil
}

// householdSource feeds COPY from a pulled iterator, one reused row at a
// time; pgx encodes each row before asking for the next.
type householdSource struct {
	next     func() (measure.Household, bool)
	progress func(int64)
	row      []any
	h        measure.Household
	n        int64
}

func (s *householdSource) Next() bool {
	h, ok := s.next()
	if !ok {
		return false
	}
	s.h = h
	s.n++
	if s.n%progressEvery == 0 {
		s.progress(s.n)
	}
	return true
}

func (s *householdSource) Values() ([]any, error) {
	h := s.h
	s.row[0], s.row[1], s.row[2], s.row[3], s.row[4] = int64(h.ID), h.Income, h.Persons, int32(h.Deprived), h.Region
	return s.row, nil
}

func (s *householdSource) Err() error { return nil }

// Measure returns, from one SQL statement, the measures of every region that
// holds rows: each row's own region (a village) by GROUP BY region, and each
// prefix of the lengths in prefixLens (0 for the root "") by GROUP BY
// substr(region, 1, n) over those village sums. When within is not "", only
// rows whose region starts with it count, and prefixes shorter than within
// are left out. Rows must sit in regions whose codes are longer than every
// prefix length, or a region would be counted at two levels. The Results
// have no Children.
//
// The query works out the score of every deprivation mask from p's weights
// (at most 16), in ascending bit order as the index does, in double
// precision, and looks each row's score up by its mask; the sums are those
// the index keeps, and the measures follow from them in SQL too.
func (b *MeasureBench) Measure(ctx context.Context, p measure.Params, prefixLens []int, within string) (map[string]measure.Result, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("measure bench: %w", err)
	}
	if len(p.Weights) > maxBenchIndicators {
		return nil, fmt.Errorf("measure bench: %d weights, at most %d: %w", len(p.Weights), maxBenchIndicators, measure.ErrInvalidParams)
	}
	q, args := b.measureSQL(p, prefixLens, within)
	var out map[string]measure.Result
	err := b.readOnly(ctx, func(query func(string, ...any) (*sql.Rows, error)) error {
		rows, err := query(q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = make(map[string]measure.Result)
		for rows.Next() {
			var r measure.Result
			if err := rows.Scan(&r.Region, &r.Persons, &r.Households, &r.PoorPersons, &r.MPIPoorPersons,
				&r.P0, &r.P1, &r.P2, &r.MPI.H, &r.MPI.A, &r.MPI.M0); err != nil {
				return err
			}
			if _, dup := out[r.Region]; dup {
				return fmt.Errorf("region %q at two levels: prefix lengths %v must be shorter than every row's region", r.Region, prefixLens)
			}
			out[r.Region] = r
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("measure bench query: %w", err)
	}
	return out, nil
}

// maxBenchIndicators bounds the weights Measure takes: its query works out
// the score of every one of the 2^n masks, as the index does up to 16.
const maxBenchIndicators = 16

// measureBenchWorkMem is the work_mem the PostgreSQL query runs with, so that
// hashing a few hundred thousand villages stays in memory as the index does.
const measureBenchWorkMem = "256MB"

// readOnly runs fn with a query function: on PostgreSQL inside a transaction
// that sets work_mem (JIT stays as the server has it: on by default, and a
// little faster than off on this query at 30 million rows), on SQLite
// straight on the pool.
func (b *MeasureBench) readOnly(ctx context.Context, fn func(query func(string, ...any) (*sql.Rows, error)) error) error {
	if b.db.dialect == SQLite {
		return fn(func(q string, args ...any) (*sql.Rows, error) { return b.db.db.QueryContext(ctx, q, args...) })
	}
	tx, err := b.db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '`+measureBenchWorkMem+`'`); err != nil {
		return err
	}
	if err := fn(func(q string, args ...any) (*sql.Rows, error) { return tx.QueryContext(ctx, q, args...) }); err != nil {
		return err
	}
	return tx.Commit()
}

// measureScoreEpsilon is measure's allowance at the cut-off: a score of 2/6
// meets k = 1/3 despite rounding.
const measureScoreEpsilon = 1e-9

// measureSQL builds Measure's statement and its arguments. Integers go into
// the text; floats are bound, so that they reach the engine bit for bit.
func (b *MeasureBench) measureSQL(p measure.Params, prefixLens []int, within string) (string, []any) {
	var args []any
	arg := func(v any) string { args = append(args, v); return "CAST(? AS DOUBLE PRECISION)" }
	line := strconv.FormatInt(p.Line, 10)
	masks := strconv.Itoa(1<<len(p.Weights) - 1)
	// scoreOf is the score of the mask in column col, summed in ascending
	// bit order as measure sums it: adding 0 for a bit not set leaves the
	// sum as it was.
	scoreOf := func(col string) string {
		terms := make([]string, len(p.Weights))
		for j, w := range p.Weights {
			terms[j] = fmt.Sprintf("((%s >> %d) & 1) * %s", col, j, arg(w))
		}
		return "(" + strings.Join(terms, " + ") + ")"
	}

	var q strings.Builder
	q.WriteString("WITH RECURSIVE ")
	from, score := b.table, "0.0"
	switch {
	case len(p.Weights) == 0:
	case b.db.dialect == SQLite:
		q.WriteString("m(mask) AS (SELECT 0 UNION ALL SELECT mask + 1 FROM m WHERE mask < " + masks + "),\n")
		q.WriteString("s AS MATERIALIZED (SELECT mask, " + scoreOf("mask") + " AS score FROM m),\n")
		from += " JOIN s ON s.mask = (deprived & " + masks + ")"
		score = "s.score"
	default:
		score = "(SELECT array_agg(score ORDER BY mask) FROM (SELECT mask, " + scoreOf("mask") +
			" AS score FROM generate_series(0, " + masks + ") AS mask) s)[(deprived & " + masks + ") + 1]"
	}
	q.WriteString("b AS (SELECT region, persons, income, " + score + " AS score FROM " + from)
	if within != "" {
		q.WriteString(" WHERE region >= ?")
		args = append(args, within)
		if end, ok := benchPrefixEnd(within); ok {
			q.WriteString(" AND region < ?")
			args = append(args, end)
		}
	}
	mpiPoor := func() string {
		if len(p.Weights) == 0 {
			return "1 = 0" // no weights: nobody is MPI-poor
		}
		return "score >= " + arg(p.K-measureScoreEpsilon)
	}
	gap := "CAST(" + line + " - income AS DOUBLE PRECISION)"
	q.WriteString("),\nv AS MATERIALIZED (SELECT region, COUNT(*) AS households, SUM(persons) AS persons,\n")
	q.WriteString("  SUM(CASE WHEN income < " + line + " THEN persons ELSE 0 END) AS poor,\n")
	q.WriteString("  SUM(CASE WHEN income < " + line + " THEN persons * " + gap + " ELSE 0.0 END) AS gap,\n")
	q.WriteString("  SUM(CASE WHEN income < " + line + " THEN persons * " + gap + " * " + gap + " ELSE 0.0 END) AS gap2,\n")
	q.WriteString("  SUM(CASE WHEN " + mpiPoor() + " THEN persons ELSE 0 END) AS mpi_poor,\n")
	q.WriteString("  SUM(CASE WHEN " + mpiPoor() + " THEN persons * score ELSE 0.0 END) AS score\n")
	q.WriteString("FROM b")
	q.WriteString(" GROUP BY region),\nr AS (SELECT region, households, persons, poor, gap, gap2, mpi_poor, score FROM v")
	for _, n := range prefixLens {
		if within != "" && n < len(within) {
			continue
		}
		key, group := "substr(region, 1, "+strconv.Itoa(n)+")", ""
		if n == 0 {
			key = "''"
		} else {
			group = " GROUP BY " + key
		}
		q.WriteString("\n  UNION ALL SELECT " + key + ", CAST(SUM(households) AS BIGINT), CAST(SUM(persons) AS BIGINT), " +
			"CAST(SUM(poor) AS BIGINT), SUM(gap), SUM(gap2), CAST(SUM(mpi_poor) AS BIGINT), SUM(score) FROM v" + group)
	}
	z := "CAST(" + line + " AS DOUBLE PRECISION)"
	q.WriteString(")\nSELECT region, persons, households, poor, mpi_poor,\n" +
		"  CASE WHEN persons > 0 THEN CAST(poor AS DOUBLE PRECISION) / persons ELSE 0.0 END,\n" +
		"  CASE WHEN persons > 0 THEN gap / " + z + " / persons ELSE 0.0 END,\n" +
		"  CASE WHEN persons > 0 THEN gap2 / " + z + " / " + z + " / persons ELSE 0.0 END,\n" +
		"  CASE WHEN mpi_poor > 0 THEN CAST(mpi_poor AS DOUBLE PRECISION) / persons ELSE 0.0 END,\n" +
		"  CASE WHEN mpi_poor > 0 THEN score / mpi_poor ELSE 0.0 END,\n" +
		"  CASE WHEN mpi_poor > 0 THEN (CAST(mpi_poor AS DOUBLE PRECISION) / persons) * (score / mpi_poor) ELSE 0.0 END\n" +
		"FROM r WHERE persons IS NOT NULL")
	return b.db.rebind(q.String()), args
}

// benchPrefixEnd returns the least string greater than every string that
// starts with p, so that a prefix is a range an index can answer; ok is false
// when there is none (p is all 0xff bytes).
func benchPrefixEnd(p string) (end string, ok bool) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] < 0xff {
			return p[:i] + string([]byte{p[i] + 1}), true
		}
	}
	return "", false
}
