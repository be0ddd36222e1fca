package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// raiseFileLimit lifts the open-files limit to at least need: the soft
// limit up to the hard one, and the hard one too where the process may.
func raiseFileLimit(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= uint64(need) {
		return nil
	}
	hard := lim.Max
	lim.Cur, lim.Max = uint64(need), max(lim.Max, uint64(need))
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("the bench needs %d open files and the hard limit is %d: raise it (ulimit -Hn): %v", need, hard, err)
	}
	return nil
}

// viewer is one server-sent-events connection and what it saw.
type viewer struct {
	c      net.Conn
	frames int64
	lags   []time.Duration
}

// follow reads the room's stream until the connection closes, noting each
// update's lag: the time it is read less the time the server sent it.
func (v *viewer) follow(ready func()) {
	r := bufio.NewReaderSize(v.c, 8192)
	sentKey := []byte(`"sent_ms":`)
	first := true
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		data, ok := bytes.CutPrefix(line, []byte("data: "))
		if !ok {
			continue
		}
		now := time.Now().UnixMilli()
		if first {
			first = false
			ready()
			continue // the snapshot
		}
		i := bytes.Index(data, sentKey)
		if i < 0 {
			continue
		}
		rest := data[i+len(sentKey):]
		j := bytes.IndexAny(rest, ",}")
		sent, err := strconv.ParseInt(string(rest[:max(j, 0)]), 10, 64)
		if err != nil {
			continue
		}
		v.frames++
		v.lags = append(v.lags, time.Duration(now-sent)*time.Millisecond)
	}
}

// watch is many viewers following one room.
type watch struct {
	vs     []*viewer
	wg     sync.WaitGroup
	failed int64
}

// watchRoom connects n viewers to a room and returns once each has its
// snapshot, or has failed.
func watchRoom(addr, room string, n int, progress io.Writer) *watch {
	w := &watch{vs: make([]*viewer, n)}
	var connected sync.WaitGroup
	var failed atomic.Int64
	req := []byte("GET /api/v1/rooms/" + room + "/events HTTP/1.1\r\nHost: " + addr + "\r\nAccept: text/event-stream\r\n\r\n")
	for i := range w.vs {
		connected.Add(1)
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_, err = c.Write(req)
		}
		if err != nil {
			failed.Add(1)
			connected.Done()
			continue
		}
		v := &viewer{c: c}
		w.vs[i] = v
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			var once sync.Once
			v.follow(func() { once.Do(connected.Done) })
			once.Do(func() { failed.Add(1); connected.Done() })
		}()
		if (i+1)%2000 == 0 {
			fmt.Fprintf(progress, "viewers connected: %d\n", i+1)
		}
	}
	connected.Wait()
	w.failed = failed.Load()
	return w
}

// stop closes the viewers' connections and returns the updates they read
// and their lags, sorted.
func (w *watch) stop() (frames int64, lags []time.Duration) {
	for _, v := range w.vs {
		if v != nil {
			v.c.Close()
		}
	}
	w.wg.Wait()
	for _, v := range w.vs {
		if v != nil {
			frames += v.frames
			lags = append(lags, v.lags...)
		}
	}
	slices.Sort(lags)
	return frames, lags
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// watchResult is what the viewers report.
type watchResult struct {
	Failed, Frames int64
	P50, P99, Max  time.Duration
}

// benchViewers has viewers follow the room while a few buyers keep selling,
// so the room sends its 4 updates a second, and reports how late they came.
// The viewers run in a second process when this one may not open a socket
// for both ends of every connection.
func benchViewers(ctx context.Context, env *Env, o liveBenchOptions, plan loadPlan) error {
	out := env.Stdout
	start := time.Now()
	var finish func() (watchResult, error)
	if o.inProcess {
		if err := raiseFileLimit(2*o.viewers + 2*o.buyers + 256); err != nil {
			return err
		}
		w := watchRoom(plan.addr, plan.room, o.viewers, env.Stderr)
		finish = func() (watchResult, error) {
			frames, lags := w.stop()
			return watchResult{Failed: w.failed, Frames: frames, P50: percentile(lags, 0.5), P99: percentile(lags, 0.99), Max: percentile(lags, 1)}, nil
		}
	} else {
		var err error
		if finish, err = watchInChild(ctx, env, plan, o.viewers); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s viewers following one room, all with their snapshot in %s\n", thousands(int64(o.viewers)), duration(time.Since(start)))

	sales := plan
	sales.tokens = plan.tokens[:min(4, len(plan.tokens))]
	sales.pace = 5 * time.Millisecond
	res, err := runPlan(ctx, env, sales, o.inProcess)
	if err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond) // the last updates
	r, err := finish()
	if err != nil {
		return err
	}
	secs := res.Elapsed.Seconds() + 0.5
	fmt.Fprintf(out, "sales while they watched: %s orders in %s (%s buyers, a pause of %s between orders)\n",
		thousands(res.Acked), duration(res.Elapsed), thousands(int64(len(sales.tokens))), sales.pace)
	fmt.Fprintf(out, "viewers failed: %s; updates delivered: %s (%.2f a second to each viewer)\n",
		thousands(r.Failed), thousands(r.Frames), float64(r.Frames)/secs/float64(max(1, int64(o.viewers)-r.Failed)))
	fmt.Fprintf(out, "delivery lag (read by the viewer less sent by the server, ms resolution): p50 %s, p99 %s, max %s\n",
		duration(r.P50), duration(r.P99), duration(r.Max))
	return nil
}

// watchInChild runs the viewers in `tide bench livesale-viewers`: it says
// "ready" once they have their snapshots, and writes its result as JSON
// when its standard input closes.
func watchInChild(ctx context.Context, env *Env, plan loadPlan, n int) (func() (watchResult, error), error) {
	c, err := startBenchChild(ctx, env, "livesale-viewers", "--addr", plan.addr, "--room", plan.room, "--viewers", strconv.Itoa(n))
	if err != nil {
		return nil, err
	}
	if !c.lines.Scan() || c.lines.Text() != "ready" {
		c.cmd.Process.Kill()
		c.cmd.Wait()
		return nil, fmt.Errorf("the viewers' process did not start: %q", c.lines.Text())
	}
	return func() (watchResult, error) {
		var r watchResult
		return r, c.result(&r)
	}, nil
}

// runBenchViewers is the second process of `tide bench livesale --viewers`.
func runBenchViewers(ctx context.Context, env *Env, args []string) error {
	var addr, room string
	var n int
	fs := flag.NewFlagSet("tide bench livesale-viewers", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&addr, "addr", "", "server address")
	fs.StringVar(&room, "room", "", "room ID")
	fs.IntVar(&n, "viewers", 1, "viewers")
	if err := fs.Parse(args); err != nil || addr == "" || room == "" || n < 1 {
		return usageError{"want: tide bench livesale-viewers --addr HOST:PORT --room ID --viewers N"}
	}
	if err := raiseFileLimit(n + 64); err != nil {
		return err
	}
	w := watchRoom(addr, room, n, env.Stderr)
	fmt.Fprintln(env.Stdout, "ready")
	io.Copy(io.Discard, os.Stdin) // the first process closes it when the sale is over
	frames, lags := w.stop()
	b, err := json.Marshal(watchResult{Failed: w.failed, Frames: frames, P50: percentile(lags, 0.5), P99: percentile(lags, 0.99), Max: percentile(lags, 1)})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\n", b)
	return nil
}
