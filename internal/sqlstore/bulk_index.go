package sqlstore

import (
	"context"
	"fmt"
)

// deferredIndexes are the members indexes a large import into SQLite builds
// once, after its rows, rather than row by row. Their keys (keyed hashes,
// phones) come in no order, so inserting a million of them one at a time
// walks the whole B-tree for each; building the index sorts them once.
var deferredIndexes = []string{"members_id_hash", "members_phone"}

// minDeferredRows is the fewest members an import must add for its indexes
// to be rebuilt rather than kept up row by row.
const minDeferredRows = 10_000

// deferIndexes drops deferredIndexes inside tx when an import of rows members
// into SQLite adds at least as many as the table holds, and returns the
// function that creates them again, by their own definitions, before the
// transaction commits. Other connections never see the table without them:
// readers keep the snapshot from before the transaction, and writers wait
// for it. A duplicate ID hash that a concurrent write slipped in makes the
// unique index fail to build, which rolls the whole import back, as a row
// refused by the index would have.
func (tx *Tx) deferIndexes(ctx context.Context, rows int) (rebuild func(context.Context) error, err error) {
	rebuild = func(context.Context) error { return nil }
	if tx.db.dialect != SQLite || rows < minDeferredRows {
		return rebuild, nil
	}
	var held int
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM members`).Scan(&held); err != nil {
		return nil, err
	}
	if rows < held {
		return rebuild, nil
	}
	var defs []string
	for _, name := range deferredIndexes {
		var def string
		if err := tx.queryRow(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, name).Scan(&def); err != nil {
			return nil, fmt.Errorf("read index %s: %w", name, err)
		}
		if _, err := tx.exec(ctx, `DROP INDEX `+name); err != nil {
			return nil, err
		}
		defs = append(defs, def)
	}
	return func(ctx context.Context) error {
		for _, def := range defs {
			if _, err := tx.exec(ctx, def); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
