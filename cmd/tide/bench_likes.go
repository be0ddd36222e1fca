package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tide-project/tide/internal/live"
	"github.com/tide-project/tide/internal/web"
)

// likesBenchOptions are the flags of `tide bench likes`.
type likesBenchOptions struct {
	batch    int64
	duration time.Duration
	conns    int
	viewers  int
	workers  int
	redis    string
	// cpuProfile names a file for a CPU profile of the HTTP run.
	cpuProfile string
}

func runBenchLikes(ctx context.Context, env *Env, args []string) error {
	o := likesBenchOptions{batch: 20, duration: 5 * time.Second, conns: 64, viewers: 20_000,
		workers: runtime.GOMAXPROCS(0), redis: "127.0.0.1:6379"}
	fs := flag.NewFlagSet("tide bench likes", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Int64Var(&o.batch, "batch", o.batch, "likes in one batch: one hub call, one request's count, one Redis pipeline")
	fs.DurationVar(&o.duration, "duration", o.duration, "how long each of the three runs lasts")
	fs.IntVar(&o.conns, "conns", o.conns, "HTTP connections and Redis clients at once")
	fs.IntVar(&o.viewers, "viewers", o.viewers, "viewers the HTTP requests come from, each its own address")
	fs.IntVar(&o.workers, "workers", o.workers, "goroutines calling the hub in process")
	fs.StringVar(&o.redis, "redis", o.redis, "Redis address of the INCRBY reference (empty: skip)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", o.cpuProfile, "write a CPU profile of the HTTP run to this file")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if o.batch < 1 || o.batch > web.MaxLikes {
		errs = append(errs, fmt.Errorf("--batch must be between 1 and %d, what one request may carry", web.MaxLikes))
	}
	if o.duration <= 0 {
		errs = append(errs, errors.New("--duration must be positive"))
	}
	if o.conns < 1 || o.conns > 10_000 || o.workers < 1 || o.workers > 10_000 {
		errs = append(errs, errors.New("--conns and --workers must be between 1 and 10,000"))
	}
	if o.viewers < o.conns || o.viewers > 1_000_000 {
		errs = append(errs, errors.New("--viewers must be at least --conns and at most 1,000,000"))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err.Error()}
	}
	return benchLikes(ctx, env, o)
}

// likesRow is one line of the table: likes sent in batches, and what the
// counter at the end held.
type likesRow struct {
	name          string
	sent, batches int64
	refused, errs int64
	elapsed       time.Duration
	p50, p99      time.Duration // of a batch; zero in process
	counted       int64
	firstErr      string
	// tally says in words where the likes were counted, and how many.
	tally string
	// mismatch, when set, is a second count that differs from the likes
	// sent.
	mismatch string
	// cpu is the processor time this process used in the run, so a run on
	// a shared machine can be read per core.
	cpu time.Duration
}

func (r likesRow) rate() float64 { return float64(r.sent) / r.elapsed.Seconds() }

func (r likesRow) check() string {
	if r.mismatch != "" {
		return "FAILED: " + r.mismatch
	}
	if r.counted != r.sent {
		return fmt.Sprintf("FAILED: counted %s of %s sent", thousands(r.counted), thousands(r.sent))
	}
	return "ok"
}

// benchLikes measures the three ways in one run: the live hub's counters
// in process, Tide's like route over loopback HTTP, and Redis INCRBY.
func benchLikes(ctx context.Context, env *Env, o likesBenchOptions) error {
	out := env.Stdout
	fmt.Fprintf(out, "tide bench likes: batches of %d likes, %s a run; %d workers in process; %d connections for %s viewers over HTTP; %s, GOMAXPROCS %d, %d CPUs\n",
		o.batch, o.duration, o.workers, o.conns, thousands(int64(o.viewers)), runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintln(env.Stderr, "in process ...")
	var rows []likesRow
	cpu0 := cpuTime()
	row, err := benchHubLikes(ctx, o)
	if err != nil {
		return fmt.Errorf("in process: %w", err)
	}
	row.cpu = cpuTime() - cpu0
	rows = append(rows, row)
	fmt.Fprintln(env.Stderr, "http ...")
	cpu0 = cpuTime()
	if row, err = benchHTTPLikes(ctx, o); err != nil {
		return fmt.Errorf("http: %w", err)
	}
	row.cpu = cpuTime() - cpu0
	rows = append(rows, row)
	if o.redis == "" {
		fmt.Fprintln(out, "redis: skipped (--redis is empty)")
	} else {
		fmt.Fprintln(env.Stderr, "redis ...")
		if row, err := benchRedisLikes(ctx, o); err != nil {
			fmt.Fprintf(out, "redis: skipped (%s: %v)\n", o.redis, err)
		} else {
			rows = append(rows, row)
		}
	}
	fmt.Fprintf(out, "each HTTP batch: POST /api/v1/rooms/{room}/likes with {\"count\":%d} from one viewer's address (X-Forwarded-For, a trusted proxy), keep-alive HTTP/1.1 on 127.0.0.1, the load generator in this process; the room has a viewer. CPU used is this process's, server and load generator together, which on a shared machine tells its share\n", o.batch)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\tlikes sent\tlikes/s\tbatches/s\tp50\tp99\trefused\terrors\tcounted\tcheck\tCPU used\tlikes per CPU-s\t")
	for _, r := range rows {
		p50, p99 := "-", "-"
		if r.p99 > 0 {
			p50, p99 = duration(r.p50), duration(r.p99)
		}
		cpu, perCPU := "-", "-" // Redis works in its own process
		if r.cpu > 0 {
			cpu, perCPU = fmt.Sprintf("%.2f s", r.cpu.Seconds()), thousands(int64(float64(r.sent)/r.cpu.Seconds()))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, thousands(r.sent), thousands(int64(r.rate())),
			thousands(int64(float64(r.batches)/r.elapsed.Seconds())), p50, p99, thousands(r.refused), thousands(r.errs),
			thousands(r.counted), r.check(), cpu, perCPU)
	}
	tw.Flush()
	var wrong []string
	for _, r := range rows {
		fmt.Fprintf(out, "%s: %s\n", r.name, r.tally)
		if r.firstErr != "" {
			fmt.Fprintf(out, "%s: first error: %s\n", r.name, r.firstErr)
		}
		if r.check() != "ok" {
			wrong = append(wrong, r.name)
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("likes counted wrong: %s", strings.Join(wrong, "; "))
	}
	return nil
}

// likeSum is a LikeStore that only adds up what the hub writes.
type likeSum struct {
	mu  sync.Mutex
	sum map[string]int64
}

func (s *likeSum) AddLikes(ctx context.Context, room string, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sum[room] += n
	return nil
}

// benchHubLikes has workers call the hub's Like for a room one viewer
// watches, then closes the hub, which writes the rest; both the room's
// counter, as the viewer's last frame shows it, and what was written must
// equal the likes sent.
func benchHubLikes(ctx context.Context, o likesBenchOptions) (likesRow, error) {
	const room = "bench-room"
	store := &likeSum{sum: map[string]int64{}}
	hub := &live.Hub{Likes: store, Logger: slog.New(slog.DiscardHandler),
		Load: func(context.Context, string) (live.Snapshot, error) { return live.Snapshot{Status: "live"}, nil }}
	hub.Start(ctx)
	sub, err := hub.Subscribe(ctx, room)
	if err != nil {
		return likesRow{}, err
	}
	var shown atomic.Int64
	viewing := make(chan struct{})
	go func() {
		defer close(viewing)
		for frame := range sub.C {
			if n, ok := frameLikes(frame); ok {
				shown.Store(n)
			}
		}
	}()
	var stop atomic.Bool
	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	time.AfterFunc(o.duration, func() { stop.Store(true) })
	for range o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			for !stop.Load() {
				hub.Like(room, o.batch)
				n++
			}
			sent.Add(n)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := sent.Load() * o.batch
	// The room sends a frame a few times a second; wait for the last.
	for deadline := time.Now().Add(2 * time.Second); shown.Load() != total && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	onScreen := shown.Load()
	err = hub.Close() // ends the viewer's stream too
	sub.Close()
	if err != nil {
		return likesRow{}, err
	}
	select {
	case <-viewing:
	case <-time.After(time.Second):
	}
	r := likesRow{name: "in process: live hub", sent: total, batches: sent.Load(), elapsed: elapsed, counted: store.sum[room]}
	r.tally = fmt.Sprintf("written by the hub %s, shown to the viewer %s, of %s sent", thousands(r.counted), thousands(onScreen), thousands(total))
	if onScreen != total {
		r.mismatch = fmt.Sprintf("the viewer was shown %s of %s sent", thousands(onScreen), thousands(total))
	}
	return r, nil
}

// frameLikes reads the likes of one server-sent event of a room.
func frameLikes(event []byte) (int64, bool) {
	_, data, ok := bytes.Cut(event, []byte("data: "))
	if !ok {
		return 0, false // a heartbeat
	}
	var f live.Frame
	if err := json.Unmarshal(bytes.TrimSpace(data), &f); err != nil {
		return 0, false
	}
	return f.Likes, true
}

// cpuTime is the processor time, user and system, this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
