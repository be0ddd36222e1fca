package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// raiseFileLimit lifts the open-files limit to at least need, as far as the
// hard limit allows.
func raiseFileLimit(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= uint64(need) {
		return nil
	}
	if lim.Max < uint64(need) {
		return fmt.Errorf("the bench needs %d open files and the hard limit is %d: raise it (ulimit -Hn)", need, lim.Max)
	}
	lim.Cur = uint64(need)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
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

// benchViewers has viewers follow the room while a few buyers keep selling,
// so the room sends its 4 updates a second, and reports how late they came.
func benchViewers(ctx context.Context, env *Env, o liveBenchOptions, plan loadPlan) error {
	out := env.Stdout
	vs := make([]*viewer, o.viewers)
	var wg, connected sync.WaitGroup
	var failed atomic.Int64
	req := []byte("GET /api/v1/rooms/" + plan.room + "/events HTTP/1.1\r\nHost: " + plan.addr + "\r\nAccept: text/event-stream\r\n\r\n")
	start := time.Now()
	sem := make(chan struct{}, 64)
	for i := range vs {
		connected.Add(1)
		sem <- struct{}{}
		c, err := net.Dial("tcp", plan.addr)
		if err == nil {
			_, err = c.Write(req)
		}
		<-sem
		if err != nil {
			failed.Add(1)
			connected.Done()
			continue
		}
		vs[i] = &viewer{c: c}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var once sync.Once
			vs[i].follow(func() { once.Do(connected.Done) })
			once.Do(func() { failed.Add(1); connected.Done() })
		}()
		if (i+1)%1000 == 0 {
			fmt.Fprintf(env.Stderr, "viewers connected: %d\n", i+1)
		}
	}
	connected.Wait()
	fmt.Fprintf(out, "%s viewers following one room (%s failed), all with their snapshot in %s\n",
		thousands(int64(o.viewers)), thousands(failed.Load()), duration(time.Since(start)))

	sales := plan
	sales.tokens = plan.tokens[:min(4, len(plan.tokens))]
	sales.pace = 5 * time.Millisecond
	res := sales.run()
	time.Sleep(500 * time.Millisecond) // the last updates
	for _, v := range vs {
		if v != nil {
			v.c.Close()
		}
	}
	wg.Wait()

	var lags []time.Duration
	var frames int64
	for _, v := range vs {
		if v != nil {
			frames += v.frames
			lags = append(lags, v.lags...)
		}
	}
	slices.Sort(lags)
	pct := func(p float64) time.Duration {
		if len(lags) == 0 {
			return 0
		}
		return lags[min(len(lags)-1, int(p*float64(len(lags))))]
	}
	secs := res.elapsed.Seconds() + 0.5
	fmt.Fprintf(out, "sales while they watched: %s orders in %s (%s buyers, a pause of %s between orders)\n",
		thousands(res.acked), duration(res.elapsed), thousands(int64(len(sales.tokens))), sales.pace)
	fmt.Fprintf(out, "updates delivered: %s (%.2f a second to each viewer)\n", thousands(frames), float64(frames)/secs/float64(max(1, o.viewers-int(failed.Load()))))
	fmt.Fprintf(out, "delivery lag (read by the viewer less sent by the server, ms resolution): p50 %s, p99 %s, max %s\n",
		duration(pct(0.50)), duration(pct(0.99)), duration(pct(1)))
	return nil
}
