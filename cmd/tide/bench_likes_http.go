package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tide-project/tide/internal/market"
)

// The HTTP and Redis runs of `tide bench likes`.

// benchHTTPLikes serves Tide in process on a temporary SQLite folder,
// behind a trusted proxy so each viewer has their own address for the
// like route's rate limit, with one viewer following the room as a live
// room has; connections post batches for viewers in turn. After the run the
// hub writes what it holds, and the room's stored likes must equal the
// likes acknowledged.
func benchHTTPLikes(ctx context.Context, o likesBenchOptions) (likesRow, error) {
	if err := raiseFileLimit(2*o.conns + 256); err != nil {
		return likesRow{}, err
	}
	m, sale, cleanup, err := benchServer(ctx, func(c *Config) { c.TrustProxy = true })
	if err != nil {
		return likesRow{}, err
	}
	defer cleanup()
	sub, err := m.Live.Subscribe(ctx, sale.Room)
	if err != nil {
		return likesRow{}, err
	}
	go func() {
		for range sub.C {
		}
	}()
	defer sub.Close()
	var (
		mu         sync.Mutex
		lats       []time.Duration
		r          = likesRow{name: "http: POST /api/v1/rooms/{room}/likes"}
		firstErr   error
		acked      atomic.Int64
		stop       atomic.Bool
		wg         sync.WaitGroup
		body       = `{"count":` + strconv.FormatInt(o.batch, 10) + `}`
		addr, path = m.Listener.Addr().String(), "/api/v1/rooms/" + sale.Room + "/likes"
	)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return likesRow{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return likesRow{}, err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	time.AfterFunc(o.duration, func() { stop.Store(true) })
	for i := range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var refused, other int64
			lat := make([]time.Duration, 0, 4096)
			defer func() {
				mu.Lock()
				r.refused += refused
				r.errs += other
				lats = append(lats, lat...)
				mu.Unlock()
			}()
			c, err := dialBench(addr)
			if err != nil {
				mu.Lock()
				firstErr = firstOf(firstErr, err)
				mu.Unlock()
				other++
				return
			}
			defer c.c.Close()
			// This connection's viewers are i, i+conns, i+2·conns, …
			mine := (o.viewers - i + o.conns - 1) / o.conns
			for n := 0; !stop.Load(); n++ {
				v := i + (n%mine)*o.conns
				t0 := time.Now()
				status, err := c.post(addr, path, body, "X-Forwarded-For", viewerAddr(v))
				switch {
				case err != nil:
					other++
					mu.Lock()
					firstErr = firstOf(firstErr, err)
					mu.Unlock()
					return
				case status == 204:
					lat = append(lat, time.Since(t0))
					acked.Add(1)
				case status == 429:
					refused++
				default:
					other++
					mu.Lock()
					firstErr = firstOf(firstErr, fmt.Errorf("status %d: %.200s", status, c.body))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.batches = acked.Load()
	r.sent = r.batches * o.batch
	slices.Sort(lats)
	r.p50, r.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
	if firstErr != nil {
		r.firstErr = firstErr.Error()
	}
	if err := m.Live.Close(); err != nil { // writes the likes it holds
		return likesRow{}, err
	}
	room, err := m.DB.FindRoom(ctx, sale.Room)
	if err != nil {
		return likesRow{}, err
	}
	r.counted = room.Likes
	r.tally = fmt.Sprintf("stored in the room's row %s, of %s acknowledged (%s batches refused by the rate limit are not counted as sent)",
		thousands(r.counted), thousands(r.sent), thousands(r.refused))
	return r, nil
}

// viewerAddr is the address of viewer v, as a proxy would pass it on.
func viewerAddr(v int) string {
	return "10." + strconv.Itoa(v>>16&255) + "." + strconv.Itoa(v>>8&255) + "." + strconv.Itoa(v&255)
}

// benchRedisLikes has as many clients as HTTP connections each send
// pipelines of batch INCRBY 1 commands, a round trip carrying as many likes
// as one request does; the key must end at the likes sent.
func benchRedisLikes(ctx context.Context, o likesBenchOptions) (likesRow, error) {
	c := redis.NewClient(&redis.Options{Addr: o.redis, PoolSize: o.conns, DialTimeout: 2 * time.Second})
	defer c.Close()
	key := "tide-bench-likes:" + market.NewID()
	if err := c.Set(ctx, key, 0, time.Hour).Err(); err != nil {
		return likesRow{}, err
	}
	defer c.Del(context.Background(), key)
	var (
		mu       sync.Mutex
		lats     []time.Duration
		firstErr error
		batches  atomic.Int64
		errCount atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	start := time.Now()
	time.AfterFunc(o.duration, func() { stop.Store(true) })
	for range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			defer func() {
				mu.Lock()
				lats = append(lats, lat...)
				mu.Unlock()
			}()
			for !stop.Load() {
				t0 := time.Now()
				_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
					for range o.batch {
						p.IncrBy(ctx, key, 1)
					}
					return nil
				})
				if err != nil {
					errCount.Add(1)
					mu.Lock()
					firstErr = firstOf(firstErr, err)
					mu.Unlock()
					return
				}
				lat = append(lat, time.Since(t0))
				batches.Add(1)
			}
		}()
	}
	wg.Wait()
	r := likesRow{name: "redis: INCRBY 1, pipelined", elapsed: time.Since(start), batches: batches.Load(), errs: errCount.Load()}
	r.sent = r.batches * o.batch
	if r.batches == 0 && firstErr != nil {
		return likesRow{}, firstErr
	}
	slices.Sort(lats)
	r.p50, r.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
	if firstErr != nil {
		r.firstErr = firstErr.Error()
	}
	n, err := c.Get(ctx, key).Int64()
	if err != nil {
		return likesRow{}, err
	}
	r.counted = n
	r.tally = fmt.Sprintf("the key holds %s, of %s sent in pipelines that succeeded", thousands(n), thousands(r.sent))
	return r, nil
}

// benchServer serves Tide in process on a temporary SQLite folder with a
// live room, configured by tweak; cleanup stops it and removes the folder.
func benchServer(ctx context.Context, tweak func(*Config)) (*Main, *liveSale, func(), error) {
	dir, err := os.MkdirTemp("", "tide-bench-likes-")
	if err != nil {
		return nil, nil, nil, err
	}
	m := NewMain()
	m.Config.Addr, m.Config.Data, m.Out, m.Logger = "127.0.0.1:0", dir, io.Discard, slog.New(slog.DiscardHandler)
	tweak(&m.Config)
	cleanup := func() {
		m.Close()
		os.RemoveAll(dir)
	}
	if err := m.Open(ctx); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	sale, err := prepareLiveSale(ctx, m.DB, 1, 1, 0)
	if err == nil {
		err = m.Start()
	}
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return m, sale, cleanup, nil
}
