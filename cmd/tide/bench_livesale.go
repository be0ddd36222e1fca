package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tide-project/tide/internal/web"
)

// liveBenchOptions are the flags of `tide bench livesale`.
type liveBenchOptions struct {
	buyers, viewers int
	stock, orders   int64
	duration        time.Duration
	postgres, redis string
	cpuProfile      string
	inProcess       bool
	randomKeys      bool
}

func runBenchLivesale(ctx context.Context, env *Env, args []string) error {
	o := liveBenchOptions{buyers: 256, stock: 100_000, duration: 10 * time.Second,
		postgres: env.Getenv(benchPostgresEnv), redis: "127.0.0.1:6379"}
	fs := flag.NewFlagSet("tide bench livesale", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&o.buyers, "buyers", o.buyers, "buyers ordering at once, each on its own connection")
	fs.Int64Var(&o.stock, "stock", o.stock, "units of the product on sale")
	fs.Int64Var(&o.orders, "orders", o.orders, "stop each run after this many acknowledged orders (0: the stock)")
	fs.DurationVar(&o.duration, "duration", o.duration, "stop each run after this long")
	fs.IntVar(&o.viewers, "viewers", o.viewers, "instead: this many viewers follow the room while it sells")
	fs.StringVar(&o.postgres, "postgres", o.postgres, "PostgreSQL URL of the UPDATE-per-order reference")
	fs.StringVar(&o.redis, "redis", o.redis, "Redis address of the Lua-script reference (empty: skip)")
	fs.BoolVar(&o.inProcess, "in-process", o.inProcess, "run the buyers and viewers in this process, not a second one")
	fs.BoolVar(&o.randomKeys, "random-keys", o.randomKeys, "send random idempotency keys (as UUIDv4s are), not time-ordered ULIDs as the live page does")
	fs.StringVar(&o.cpuProfile, "cpuprofile", o.cpuProfile, "write a CPU profile of the server while Tide's own run goes to this file")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if o.buyers < 1 || o.buyers > 100_000 {
		errs = append(errs, errors.New("--buyers must be between 1 and 100,000"))
	}
	if o.stock < 1 || o.stock > 1_000_000_000 {
		errs = append(errs, errors.New("--stock must be between 1 and 1,000,000,000"))
	}
	if o.orders < 0 || o.duration <= 0 || o.viewers < 0 {
		errs = append(errs, errors.New("--orders and --viewers must not be negative, --duration must be positive"))
	}
	if o.postgres != "" && !strings.HasPrefix(o.postgres, "postgres://") && !strings.HasPrefix(o.postgres, "postgresql://") {
		errs = append(errs, fmt.Errorf("--postgres %q: want a postgres:// URL", o.postgres))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err.Error()}
	}
	if o.orders == 0 || o.orders > o.stock {
		o.orders = o.stock
	}
	return benchLivesale(ctx, env, o)
}

// liveBenchRow is one line of the table.
type liveBenchRow struct {
	name  string
	res   *loadResult
	check string
}

// benchLivesale serves Tide in process on a temporary SQLite folder with the
// production settings, and drives its order route over HTTP; then the
// references behind the same route.
func benchLivesale(ctx context.Context, env *Env, o liveBenchOptions) error {
	out := env.Stdout
	if err := raiseFileLimit(2*o.buyers + 256); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tide-bench-livesale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	m := NewMain()
	m.Config.Addr, m.Config.Data, m.Out, m.Logger = "127.0.0.1:0", dir, io.Discard, slog.New(slog.DiscardHandler)
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "preparing %d buyers ...\n", o.buyers)
	sale, err := prepareLiveSale(ctx, m.DB, o.buyers, o.stock, 0)
	if err != nil {
		return err
	}
	if err := m.Start(); err != nil {
		return err
	}
	fmt.Fprintf(out, "tide bench livesale: %s buyers at once, stock %s, at most %s orders or %s a run; %s, GOMAXPROCS %d, %d CPUs\n",
		thousands(int64(o.buyers)), thousands(o.stock), thousands(o.orders), o.duration, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	plan := loadPlan{addr: m.Listener.Addr().String(), room: sale.Room, product: sale.Product, tokens: sale.Tokens,
		limit: o.orders, duration: o.duration, randomKeys: o.randomKeys,
		warm: func(ctx context.Context) error {
			for _, t := range sale.Tokens {
				if _, err := m.Users.AuthenticateActor(ctx, t); err != nil {
					return fmt.Errorf("sign in a buyer: %w", err)
				}
			}
			return nil
		}}
	if o.viewers > 0 {
		return benchViewers(ctx, env, o, plan)
	}
	fmt.Fprintf(out, "each order: POST /api/v1/rooms/{room}/orders, one unit, a bearer token and a fresh Idempotency-Key (%s), over keep-alive HTTP/1.1 on 127.0.0.1; every placer stands behind the same front and route handler\n", keyKind(o.randomKeys))

	fmt.Fprintln(env.Stderr, "tide ...")
	stopProfile, err := startCPUProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	res, err := runPlan(ctx, env, plan, o.inProcess)
	if err := errors.Join(err, stopProfile()); err != nil {
		return err
	}
	sales, err := m.DB.ProductSales(ctx, sale.Product)
	if err != nil {
		return err
	}
	avail, err := m.Engine.Available(ctx, sale.Product)
	if err != nil {
		return err
	}
	check := "ok"
	if res.Acked > o.stock || sales.Total != res.Acked || avail != o.stock-sales.Total {
		check = fmt.Sprintf("FAILED: %d acknowledged, %d stored, %d available of %d", res.Acked, sales.Total, avail, o.stock)
	}
	rows := []liveBenchRow{{"tide: engine, SQLite group commit", res, check}}
	fmt.Fprintf(out, "oversell check (tide): %s acknowledged, %s units in stored orders, %s available of %s: %s\n",
		thousands(res.Acked), thousands(sales.Total), thousands(avail), thousands(o.stock), check)

	if row, note := benchRedis(ctx, env, o, m, plan); note != "" {
		fmt.Fprintln(out, note)
	} else {
		rows = append(rows, row)
	}
	if row, note := benchPostgres(ctx, env, o, m, plan); note != "" {
		fmt.Fprintln(out, note)
	} else {
		rows = append(rows, row)
	}
	fmt.Fprintln(env.Stderr, "null ...")
	null, err := serveReference(m, nullPlacer{})
	if err != nil {
		return err
	}
	p := plan
	p.addr = null.addr
	res, err = runPlan(ctx, env, p, o.inProcess)
	null.close()
	if err != nil {
		return err
	}
	rows = append(rows, liveBenchRow{"null: answers at once (HTTP ceiling)", res, "-"})
	printLiveBench(out, rows)
	return nil
}

func benchRedis(ctx context.Context, env *Env, o liveBenchOptions, m *Main, plan loadPlan) (liveBenchRow, string) {
	if o.redis == "" {
		return liveBenchRow{}, "redis: skipped (--redis is empty)"
	}
	rp, err := openRedisPlacer(ctx, o.redis, o.stock, min(o.buyers, 256))
	if err != nil {
		return liveBenchRow{}, fmt.Sprintf("redis: skipped (%s: %v)", o.redis, err)
	}
	defer rp.Close()
	fmt.Fprintln(env.Stderr, "redis ...")
	res, err := runReference(ctx, env, m, rp, plan, o.inProcess)
	if err != nil {
		return liveBenchRow{}, fmt.Sprintf("redis: failed: %v", err)
	}
	left, err := rp.left(ctx)
	return liveBenchRow{"redis: Lua decrement, not durable", res, stockCheck(res, o.stock, left, err)}, ""
}

func benchPostgres(ctx context.Context, env *Env, o liveBenchOptions, m *Main, plan loadPlan) (liveBenchRow, string) {
	if o.postgres == "" {
		return liveBenchRow{}, "postgresql: skipped (give --postgres URL)"
	}
	pp, err := openPGPlacer(ctx, o.postgres, o.stock, min(o.buyers, 64))
	if err != nil {
		return liveBenchRow{}, fmt.Sprintf("postgresql: skipped (%v)", err)
	}
	defer pp.Close()
	fmt.Fprintln(env.Stderr, "postgresql ...")
	res, err := runReference(ctx, env, m, pp, plan, o.inProcess)
	if err != nil {
		return liveBenchRow{}, fmt.Sprintf("postgresql: failed: %v", err)
	}
	left, err := pp.left(ctx)
	return liveBenchRow{"postgresql: UPDATE per order", res, stockCheck(res, o.stock, left, err)}, ""
}

func stockCheck(res *loadResult, stock, left int64, err error) string {
	switch {
	case err != nil:
		return "FAILED: " + err.Error()
	case res.Acked > stock || left != stock-res.Acked:
		return fmt.Sprintf("FAILED: %d acknowledged, %d left of %d", res.Acked, left, stock)
	}
	return "ok"
}

func runReference(ctx context.Context, env *Env, m *Main, placer web.OrderPlacer, plan loadPlan, inProcess bool) (*loadResult, error) {
	ref, err := serveReference(m, placer)
	if err != nil {
		return nil, err
	}
	defer ref.close()
	plan.addr = ref.addr
	return runPlan(ctx, env, plan, inProcess)
}

// reference is a second server of the same handler with another placer.
type reference struct {
	addr  string
	close func()
}

func serveReference(m *Main, placer web.OrderPlacer) (*reference, error) {
	s := &web.Server{Regions: m.Regions, Users: m.Users, Store: m.DB, Registry: m.Registry, Analytics: m.Analytics,
		Policies: m.Policies, Market: m.Market, Orders: placer, Logger: m.Logger, Version: Version}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	front := web.NewFront(&http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second})
	go front.Serve(ln)
	return &reference{addr: ln.Addr().String(), close: func() { front.Close() }}, nil
}

func printLiveBench(out io.Writer, rows []liveBenchRow) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "placer\tacknowledged\torders/s\tp50\tp99\tsold out\terrors\tserver CPU/order\tload CPU/order\tcheck\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, thousands(r.res.Acked), thousands(int64(r.res.rate())),
			duration(r.res.P50), duration(r.res.P99), thousands(r.res.SoldOut), thousands(r.res.Other),
			r.res.perOrder(r.res.ServerCPU), r.res.perOrder(r.res.LoadCPU), r.check)
	}
	tw.Flush()
	for _, r := range rows {
		if r.res.FirstErr != "" {
			fmt.Fprintf(out, "%s: first error: %s\n", r.name, r.res.FirstErr)
		}
	}
}

// startCPUProfile profiles this process into path until the returned
// function is called; with no path it does nothing.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

func keyKind(random bool) string {
	if random {
		return "random, as UUIDv4s are"
	}
	return "a ULID, as the live page makes it"
}
