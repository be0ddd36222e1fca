package sqlstore

import (
	"context"
	"fmt"
	"strconv"
)

// deferredIndexes are the indexes of households and members that a large
// import into SQLite builds once, after its rows, rather than row by row.
// Keyed hashes and phones come in no order, and households land in every
// village's and status's stretch of their indexes at once, so inserting a
// million keys one at a time splits pages all over each B-tree; building an
// index sorts its keys once and fills its pages in order.
var deferredIndexes = []string{"members_id_hash", "members_phone", "members_household", "households_region", "households_status"}

// minDeferredRows is the fewest members an import must add for the indexes
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
		var cache string
		if err := tx.queryRow(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `PRAGMA cache_size = `+strconv.Itoa(-sortingCacheKiB)); err != nil {
			return err
		}
		for _, def := range defs {
			if _, err := tx.exec(ctx, def); err != nil {
				return err
			}
		}
		_, err := tx.exec(ctx, `PRAGMA cache_size = `+cache)
		return err
	}, nil
}

// sortingCacheKiB is the page cache while indexes are rebuilt, in KiB.
// SQLite sorts an index's keys in runs as large as the page cache, each on
// a helper thread when there is one, then merges them: runs of a few MiB
// stay in the processor's caches and keep both processors busy, where one
// run of all 3 million keys of a large import is sorted on one thread,
// three times slower. The pages the import wrote stay in memory, however
// small the cache: they are dirty, and the bulk transaction's cache_spill
// keeps them from being written out before the commit.
const sortingCacheKiB = 4 << 10
