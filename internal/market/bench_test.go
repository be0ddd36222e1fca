package market_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
)

// BenchmarkPlaceOrder measures acknowledged, committed orders a second: many
// buyers at once (parallelism × GOMAXPROCS goroutines) on one hot product,
// each order of one unit under its own idempotency key, a ULID as Tide's pages
// make them. SQLite runs with synchronous=NORMAL, the store's setting, and
// FULL, which syncs the WAL at every commit, and once with random keys to
// show what they cost the unique index; PostgreSQL runs when
// TIDE_TEST_POSTGRES is set, with one writer and with four.
func BenchmarkPlaceOrder(b *testing.B) {
	for _, tc := range []struct {
		name    string
		dialect sqlstore.Dialect
		sync    string
		writers int
		key     func() string
	}{
		{"sqlite-normal", sqlstore.SQLite, "NORMAL", 1, market.NewID},
		{"sqlite-full", sqlstore.SQLite, "FULL", 1, market.NewID},
		{"sqlite-normal-randomkeys", sqlstore.SQLite, "NORMAL", 1, randomKey},
		{"postgres", sqlstore.Postgres, "", 1, market.NewID},
		{"postgres-4writers", sqlstore.Postgres, "", 4, market.NewID},
	} {
		b.Run(tc.name, func(b *testing.B) {
			db := sqlstore.OpenTest(b, tc.dialect)
			if tc.sync != "" {
				// One connection, so the pragma holds for the writer's
				// transactions; the writer is the only one writing anyway.
				db.SQL().SetMaxOpenConns(1)
				if _, err := db.SQL().Exec("PRAGMA synchronous = " + tc.sync); err != nil {
					b.Fatal(err)
				}
			}
			benchPlace(b, db, market.EngineConfig{Writers: tc.writers}, 256, tc.key)
		})
	}
}

// randomKey is a key as a client making UUIDv4s sends it: no order in time.
func randomKey() string { return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()) }

func benchPlace(b *testing.B, db *sqlstore.DB, cfg market.EngineConfig, parallelism int, key func() string) {
	s := openSale(b, db, market.MaxStock, 0)
	s.cfg = cfg
	s.start(b, context.Background(), db)
	if _, err := s.engine.Available(context.Background(), s.product.ID); err != nil {
		b.Fatal(err)
	}
	var buyers, failed atomic.Int64
	b.SetParallelism(parallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		buyer := buyers.Add(1)
		for pb.Next() {
			r := s.order(1, key())
			if _, err := s.engine.PlaceOrder(context.Background(), buyer, r); err != nil {
				failed.Add(1)
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
	if failed.Load() == 0 {
		sales, err := db.ProductSales(context.Background(), s.product.ID)
		if err != nil || sales.Total != int64(b.N) {
			b.Errorf("stored units = %d (%v), want %d", sales.Total, err, b.N)
		}
	}
}
