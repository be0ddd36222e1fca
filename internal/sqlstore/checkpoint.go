package sqlstore

import (
	"context"
	"sync"
	"time"
)

// CheckpointEvery is how often a server copies SQLite's write-ahead log
// into the database in the background (see StartCheckpoints).
const CheckpointEvery = 250 * time.Millisecond

// StartCheckpoints copies SQLite's write-ahead log into the database every
// period on a goroutine of its own, until stop is called; on PostgreSQL it
// does nothing. Without it the copy is made by the commit that takes the log
// past wal_autocheckpoint pages, and the writer, with every order of its
// batch, waits while 40 MB are copied and synced. A passive checkpoint
// blocks no reader and no writer, and leaves the commit that passes the
// mark only the pages written since the last one. A server starts it; a
// command such as `tide import` does not, so that it keeps the database to
// its one connection (see rollbackJournal).
func (db *DB) StartCheckpoints(period time.Duration) (stop func()) {
	if db.dialect != SQLite {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
			// A failure (busy, say) is left to the next tick and to the
			// automatic checkpoint.
			db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
