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
		key  memberKey
		vals []string
	}{{idHashKey, idHashes}, {phoneKey, phones}} {
		var err error
		switch {
		case len(q.vals) == 0:
		case members <= len(q.vals):
			err = db.matchRegistered(ctx, q.key, q.vals, &out)
		default:
			err = db.lookUpRegistered(ctx, q.key, q.vals, &out)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// matchRegistered reads every value of key's column and keeps those among
// vals, then names the households of the few that match.
func (db *DB) matchRegistered(ctx context.Context, key memberKey, vals []string, out *[]registry.Duplicate) error {
	registered := map[string][]int64{}
	rows, err := db.query(ctx, `SELECT `+key.col+`, household_id FROM members WHERE `+key.col+` IS NOT NULL`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v sql.RawBytes
		var hid int64
		if err := rows.Scan(&v, &hid); err != nil {
			rows.Close()
			return err
		}
		t := key.text(v)
		registered[t] = append(registered[t], hid)
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

// lookUpRegistered finds vals in key's column through its index.
func (db *DB) lookUpRegistered(ctx context.Context, key memberKey, vals []string, out *[]registry.Duplicate) error {
	n := min(findRegisteredChunk, len(vals))
	st, err := db.db.PrepareContext(ctx, db.rebind(`SELECT m.`+key.col+`, h.ref, h.region FROM members m
		JOIN households h ON h.id = m.household_id WHERE m.`+key.col+` IN (`+strings.TrimSuffix(strings.Repeat("?,", n), ",")+`)`))
	if err != nil {
		return err
	}
	defer st.Close()
	args := make([]any, n)
	for start := 0; start < len(vals); start += n {
		chunk := vals[start:min(start+n, len(vals))]
		for i := range args {
			if args[i], err = key.arg(chunk[min(i, len(chunk)-1)]); err != nil {
				return err
			}
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		err = scanDuplicates(rows, key, out)
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// scanDuplicates reads rows of a key's value, a household's ref and region.
func scanDuplicates(rows *sql.Rows, key memberKey, out *[]registry.Duplicate) error {
	for rows.Next() {
		var d registry.Duplicate
		var v sql.RawBytes
		if err := rows.Scan(&v, &d.Household, &d.Region); err != nil {
			return err
		}
		d.Hash = key.text(v)
		*out = append(*out, d)
	}
	return rows.Err()
}
