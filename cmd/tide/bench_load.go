package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tide-project/tide/internal/market"
)

// benchConn is one keep-alive HTTP/1.1 connection of the load generator:
// requests are written from a reused buffer and answers parsed by hand, so
// the generator costs the machine far less than the server it measures.
type benchConn struct {
	c    net.Conn
	r    *bufio.Reader
	req  []byte
	body []byte
}

func dialBench(addr string) (*benchConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &benchConn{c: c, r: bufio.NewReaderSize(c, 4096)}, nil
}

// order posts one order and returns the answer's status.
func (b *benchConn) order(host, room, token, key, body string) (int, error) {
	return b.post(host, "/api/v1/rooms/"+room+"/orders", body, "Authorization", "Bearer "+token, "Idempotency-Key", key)
}

// post sends one JSON POST on the kept-alive connection, with the header
// names and values given in pairs, and returns the answer's status. The
// request is built in the connection's own buffer, so the load generator
// allocates nothing per request but the strings its caller joins.
func (b *benchConn) post(host, path, body string, header ...string) (int, error) {
	q := b.req[:0]
	q = append(q, "POST "...)
	q = append(q, path...)
	q = append(q, " HTTP/1.1\r\nHost: "...)
	q = append(q, host...)
	for i := 0; i+1 < len(header); i += 2 {
		q = append(q, "\r\n"...)
		q = append(q, header[i]...)
		q = append(q, ": "...)
		q = append(q, header[i+1]...)
	}
	q = append(q, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	q = strconv.AppendInt(q, int64(len(body)), 10)
	q = append(q, "\r\n\r\n"...)
	q = append(q, body...)
	b.req = q
	if _, err := b.c.Write(q); err != nil {
		return 0, err
	}
	return b.answer()
}

// answer reads one response: the status line, the headers, and a body of
// Content-Length bytes.
func (b *benchConn) answer() (int, error) {
	line, err := b.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		h, err := b.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		if len(h) > 16 && bytes.EqualFold(h[:15], []byte("Content-Length:")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(h[15:]))); err != nil {
				return 0, fmt.Errorf("bad header %q", h)
			}
		}
	}
	if length < 0 && status == 204 {
		return status, nil // No Content has no body
	}
	if length < 0 {
		return 0, errors.New("an answer without Content-Length")
	}
	if cap(b.body) < length {
		b.body = make([]byte, length)
	}
	b.body = b.body[:length]
	_, err = io.ReadFull(b.r, b.body)
	return status, err
}

// loadResult is what the buyers of one run saw; it travels as JSON from a
// second process.
type loadResult struct {
	Acked, SoldOut, Other int64
	Elapsed               time.Duration
	// P50 and P99 are the latencies of acknowledged orders.
	P50, P99 time.Duration
	// LoadCPU is the processor time the load generator's process spent in
	// the run, ServerCPU the server's; with the load in a second process
	// they tell where each order's cost lies, however busy the machine.
	LoadCPU, ServerCPU time.Duration
	FirstErr           string `json:",omitempty"`
}

func (r *loadResult) rate() float64 { return float64(r.Acked) / r.Elapsed.Seconds() }

// perOrder is d shared by the acknowledged orders, in microseconds.
func (r *loadResult) perOrder(d time.Duration) string {
	if r.Acked == 0 || d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f µs", float64(d.Microseconds())/float64(r.Acked))
}

// loadPlan is one run: buyers at once, each on its own connection with its
// own token, ordering one unit at a time under fresh idempotency keys until
// the stock is sold out, limit orders are acknowledged, or the time is up.
type loadPlan struct {
	addr, room, product string
	tokens              []string
	limit               int64
	duration            time.Duration
	pace                time.Duration // a pause between a buyer's orders; 0: none
	// randomKeys sends random idempotency keys, as a client making UUIDv4s
	// does, rather than the time-ordered ULIDs of Tide's live page.
	randomKeys bool
	// warm, when set, is called by the server's side before each run: the
	// buyers of a sale have signed in and opened the room before it starts,
	// so each run is timed with their sessions known, as every reference's
	// run is.
	warm func(context.Context) error
}

// appendKey appends a fresh idempotency key: a ULID, as the live page makes
// one, or 128 random bits in hex.
func appendKey(b []byte, random bool) []byte {
	if !random {
		return append(b, market.NewID()...)
	}
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], rand.Uint64())
	binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	return hex.AppendEncode(b, id[:])
}

func (p loadPlan) run() *loadResult {
	var (
		res      loadResult
		lats     []time.Duration
		firstErr error
		mu       sync.Mutex
		acked    atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
		body     = `{"product":"` + p.product + `","quantity":1}`
		deadline = time.Now().Add(p.duration)
	)
	start, cpu := time.Now(), processCPU()
	for _, token := range p.tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var soldOut, other int64
			lat := make([]time.Duration, 0, 1024)
			defer func() {
				mu.Lock()
				res.SoldOut += soldOut
				res.Other += other
				lats = append(lats, lat...)
				mu.Unlock()
			}()
			c, err := dialBench(p.addr)
			if err != nil {
				stop.Store(true)
				mu.Lock()
				firstErr = firstOf(firstErr, err)
				mu.Unlock()
				return
			}
			defer c.c.Close()
			key := make([]byte, 0, 32)
			for !stop.Load() {
				key = appendKey(key[:0], p.randomKeys)
				t0 := time.Now()
				status, err := c.order(p.addr, p.room, token, string(key), body)
				switch {
				case err != nil:
					other++
					stop.Store(true)
					mu.Lock()
					firstErr = firstOf(firstErr, err)
					mu.Unlock()
					return
				case status == 201:
					lat = append(lat, time.Since(t0))
					if acked.Add(1) >= p.limit {
						stop.Store(true)
					}
				case status == 409:
					soldOut++
					stop.Store(true)
				default:
					other++
					mu.Lock()
					firstErr = firstOf(firstErr, fmt.Errorf("status %d: %.200s", status, c.body))
					mu.Unlock()
				}
				if time.Now().After(deadline) {
					stop.Store(true)
				}
				if p.pace > 0 {
					time.Sleep(p.pace)
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.LoadCPU = processCPU() - cpu
	res.Acked = acked.Load()
	slices.Sort(lats)
	res.P50, res.P99 = percentile(lats, 0.50), percentile(lats, 0.99)
	if firstErr != nil {
		res.FirstErr = firstErr.Error()
	}
	return &res
}

func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
