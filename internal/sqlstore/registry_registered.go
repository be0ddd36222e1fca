package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tide-project/tide/internal/registry"
)

// findRegisteredChunk is how many values one lookup of FindRegistered binds.
const findRegisteredChunk = 1000

// FindRegistered is FindDuplicates for the volumes of an import: it returns
// the members whose ID hash or normalised phone is among the given ones, with
// their households. When there are fewer members than values, as when a
// registry is first filled, it reads the column once and matches in memory;
// otherwise it looks the values up through one prepared statement per column
// over large chunks (the last padded with its own last value), so a million
// values cost a thousand lookups rather than thousands of statements parsed.
func (db *DB) FindRegistered(ctx context.Context, idHashes, phones []string) ([]registry.Duplicate, error) {
	var members int
	if err := db.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM members`).Scan(&members); err != nil {
		return nil, err
	}
	var out []registry.Duplicate
	for _, q := range []struct {
		col  string
		vals []string
	}{{"id_hash", idHashes}, {"phone_norm", phones}} {
		var err error
		switch {
		case len(q.vals) == 0:
		case members <= len(q.vals):
			err = db.matchRegistered(ctx, q.col, q.vals, &out)
		default:
			err = db.lookUpRegistered(ctx, q.col, q.vals, &out)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// matchRegistered reads every value of col and keeps those among vals, then
// names the households of the few that match.
func (db *DB) matchRegistered(ctx context.Context, col string, vals []string, out *[]registry.Duplicate) error {
	registered := map[string][]int64{}
	rows, err := db.query(ctx, `SELECT `+col+`, household_id FROM members WHERE `+col+` IS NOT NULL`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v string
		var hid int64
		if err := rows.Scan(&v, &hid); err != nil {
			rows.Close()
			return err
		}
		registered[v] = append(registered[v], hid)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(registered) == 0 {
		return err
	}
	type hit struct {
		val string
		hid int64
	}
	var hits []hit
	var ids []int64
	for _, v := range vals {
		for _, hid := range registered[v] {
			hits = append(hits, hit{v, hid})
			ids = append(ids, hid)
		}
	}
	where := map[int64]registry.Duplicate{}
	for start := 0; start < len(ids); start += findRegisteredChunk {
		chunk := ids[start:min(start+findRegisteredChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.query(ctx, `SELECT id, ref, region FROM households WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var d registry.Duplicate
			if err := rows.Scan(&id, &d.Household, &d.Region); err != nil {
				rows.Close()
				return err
			}
			where[id] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, h := range hits {
		d := where[h.hid]
		d.Hash = h.val
		*out = append(*out, d)
	}
	return nil
}

// lookUpRegistered finds vals in col through the column's index.
func (db *DB) lookUpRegistered(ctx context.Context, col string, vals []string, out *[]registry.Duplicate) error {
	n := min(findRegisteredChunk, len(vals))
	st, err := db.db.PrepareContext(ctx, db.rebind(`SELECT m.`+col+`, h.ref, h.region FROM members m
		JOIN households h ON h.id = m.household_id WHERE m.`+col+` IN (`+strings.TrimSuffix(strings.Repeat("?,", n), ",")+`)`))
	if err != nil {
		return err
	}
	defer st.Close()
	args := make([]any, n)
	for start := 0; start < len(vals); start += n {
		chunk := vals[start:min(start+n, len(vals))]
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		if err := scanDuplicates(ctx, st, args, out); err != nil {
			return err
		}
	}
	return nil
}

func scanDuplicates(ctx context.Context, st *sql.Stmt, args []any, out *[]registry.Duplicate) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d registry.Duplicate
		if err := rows.Scan(&d.Hash, &d.Household, &d.Region); err != nil {
			return err
		}
		*out = append(*out, d)
	}
	return rows.Err()
}
