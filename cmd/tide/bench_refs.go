package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// The references of `tide bench livesale` stand behind the same order route
// as Tide's engine: each is a web.OrderPlacer taking stock another way.

// refOrder is the order a reference answers with.
func refOrder(ctx context.Context, r market.OrderRequest) *market.Order {
	now := time.Now().UTC()
	return &market.Order{ID: market.NewID(), RoomID: r.Room, ProductID: r.Product, BuyerID: tide.ActorFrom(ctx).UserID,
		Quantity: r.Quantity, UnitPrice: 2800, Total: 2800 * r.Quantity, Currency: "CNY", State: market.Placed,
		IdempotencyKey: r.IdempotencyKey, CreatedAt: now, UpdatedAt: now}
}

var errRefSoldOut = tide.Errorf(market.ESoldOut, "sold out")

// nullPlacer answers at once: what HTTP, auth and JSON cost alone.
type nullPlacer struct{}

func (nullPlacer) PlaceOrder(ctx context.Context, r market.OrderRequest) (*market.Order, error) {
	return refOrder(ctx, r), nil
}

// redisPlacer takes stock with one Lua script per order, the usual cache in
// front of a flash sale. Redis answers before its log is on disk.
type redisPlacer struct {
	c   *redis.Client
	key string
}

var takeStock = redis.NewScript(`
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
local q = tonumber(ARGV[1])
if left < q then return -1 end
return redis.call('DECRBY', KEYS[1], q)`)

func openRedisPlacer(ctx context.Context, addr string, stock int64, conns int) (*redisPlacer, error) {
	c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: conns, DialTimeout: 2 * time.Second})
	p := &redisPlacer{c: c, key: "tide-bench-livesale:" + market.NewID()}
	if err := c.Set(ctx, p.key, stock, time.Hour).Err(); err != nil {
		c.Close()
		return nil, err
	}
	return p, nil
}

func (p *redisPlacer) PlaceOrder(ctx context.Context, r market.OrderRequest) (*market.Order, error) {
	left, err := takeStock.Run(ctx, p.c, []string{p.key}, r.Quantity).Int64()
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	} else if left < 0 {
		return nil, errRefSoldOut
	}
	return refOrder(ctx, r), nil
}

func (p *redisPlacer) left(ctx context.Context) (int64, error) { return p.c.Get(ctx, p.key).Int64() }

func (p *redisPlacer) Close() error {
	p.c.Del(context.Background(), p.key)
	return p.c.Close()
}

// pgPlacer takes stock with one UPDATE per order, in its own transaction,
// as a shop with no engine in front of its database does.
type pgPlacer struct {
	pool  *pgxpool.Pool
	table string
}

func openPGPlacer(ctx context.Context, url string, stock int64, conns int) (*pgPlacer, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The table is the run's own, so runs sharing a database (tests of
	// several checkouts at once) never sell from each other's stock.
	p := &pgPlacer{pool: pool, table: fmt.Sprintf("tide_bench_products_%d_%x", os.Getpid(), rand.Uint32())}
	if _, err := pool.Exec(ctx, `CREATE TABLE `+p.table+` (id text PRIMARY KEY, stock bigint NOT NULL)`); err != nil {
		pool.Close()
		return nil, err
	}
	if _, err := pool.Exec(ctx, `INSERT INTO `+p.table+` (id, stock) VALUES ('p', $1)`, stock); err != nil {
		pool.Close()
		return nil, err
	}
	return p, nil
}

func (p *pgPlacer) PlaceOrder(ctx context.Context, r market.OrderRequest) (*market.Order, error) {
	tag, err := p.pool.Exec(ctx, `UPDATE `+p.table+` SET stock = stock - $1 WHERE id = $2 AND stock >= $1`, r.Quantity, "p")
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil, errRefSoldOut
	}
	return refOrder(ctx, r), nil
}

func (p *pgPlacer) left(ctx context.Context) (n int64, err error) {
	err = p.pool.QueryRow(ctx, `SELECT stock FROM `+p.table+` WHERE id = 'p'`).Scan(&n)
	return n, err
}

func (p *pgPlacer) Close() error {
	_, err := p.pool.Exec(context.Background(), `DROP TABLE IF EXISTS `+p.table)
	p.pool.Close()
	return err
}
