package web

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Front serves plain HTTP/1.1 connections for an http.Server. The order
// route, the one a live sale's buyers all press in the same second, it reads
// itself: the request parsed in place from the connection's buffer, handed
// to the server's own Handler, and the answer written in one system call,
// with no goroutine left reading behind it (net/http starts one per request
// to notice a client going away, and writes header and body apart). At the
// first request of any other kind, or one it is not sure of (a chunked body,
// an Expect header, a head larger than its buffer), it hands the connection
// with the bytes it has read to the http.Server, which serves it from then
// on. The handler is the same either way, so the answers are too.
type Front struct {
	hs      *http.Server
	handoff *connListener
	start   sync.Once

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*frontConn]struct{}
	closing   atomic.Bool
	done      chan struct{} // signalled as each connection of the front ends
	answered  atomic.Int64
}

// Answered is how many requests the front has answered itself.
func (f *Front) Answered() int64 { return f.answered.Load() }

// NewFront returns a front for hs; hs.Handler answers every request.
func NewFront(hs *http.Server) *Front {
	return &Front{hs: hs, handoff: newConnListener(), listeners: map[net.Listener]struct{}{},
		conns: map[*frontConn]struct{}{}, done: make(chan struct{}, 1)}
}

// Sizes of the front's buffer and of the bodies it reads itself.
const (
	frontBufSize  = 4 << 10
	frontMaxBody  = 2 << 10
	frontMaxLines = 64
)

// Serve accepts connections on ln until Shutdown or Close, which return
// http.ErrServerClosed from it.
func (f *Front) Serve(ln net.Listener) error {
	f.start.Do(func() {
		f.handoff.addr = ln.Addr()
		go f.hs.Serve(f.handoff)
	})
	f.mu.Lock()
	if f.closing.Load() {
		f.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	f.listeners[ln] = struct{}{}
	f.mu.Unlock()
	var wait time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if f.closing.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				wait = min(max(2*wait, 5*time.Millisecond), time.Second)
				time.Sleep(wait)
				continue
			}
			return err
		}
		wait = 0
		fc := &frontConn{f: f, c: c}
		if !f.track(fc) {
			c.Close()
			return http.ErrServerClosed
		}
		go fc.serve()
	}
}

// Shutdown stops accepting, closes idle connections, and waits until the
// requests under way are answered or ctx ends, as http.Server.Shutdown does;
// the connections handed over are the http.Server's to shut down.
func (f *Front) Shutdown(ctx context.Context) error {
	f.stop()
	err := f.hs.Shutdown(ctx)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if f.closeIdle() == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-f.done:
		case <-tick.C:
		}
	}
}

// Close closes the listeners and every connection at once.
func (f *Front) Close() error {
	f.stop()
	err := f.hs.Close()
	f.mu.Lock()
	for fc := range f.conns {
		fc.c.Close()
	}
	f.mu.Unlock()
	return err
}

func (f *Front) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closing.Store(true)
	for ln := range f.listeners {
		ln.Close()
	}
	clear(f.listeners)
	f.handoff.Close()
}

// closeIdle closes the connections waiting for a request and returns how
// many are still answering one.
func (f *Front) closeIdle() (busy int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for fc := range f.conns {
		if fc.state.CompareAndSwap(connIdle, connClosed) {
			fc.c.Close()
		} else if fc.state.Load() == connActive {
			busy++
		}
	}
	return busy
}

func (f *Front) track(fc *frontConn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing.Load() {
		return false
	}
	f.conns[fc] = struct{}{}
	return true
}

func (f *Front) untrack(fc *frontConn) {
	f.mu.Lock()
	delete(f.conns, fc)
	f.mu.Unlock()
	select {
	case f.done <- struct{}{}:
	default:
	}
}

// The states of a front connection.
const (
	connIdle int32 = iota
	connActive
	connClosed
)

// frontConn is one connection while the front reads it. Its buffers, header
// map and writer are reused from one request to the next.
type frontConn struct {
	f       *Front
	c       net.Conn
	br      *bufio.Reader
	state   atomic.Int32
	remote  string
	header  http.Header
	values  []string
	bodyBuf []byte
	body    frontBody
	w       frontWriter
}

// frontRequest is what the front read of one request.
type frontRequest struct {
	path, host string
	headLen    int
	body       []byte
	close      bool
}

func (fc *frontConn) serve() {
	fc.br = bufio.NewReaderSize(fc.c, frontBufSize)
	fc.remote = fc.c.RemoteAddr().String()
	ctx := context.WithValue(context.Background(), http.ServerContextKey, fc.f.hs)
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, fc.c.LocalAddr())
	defer fc.f.untrack(fc)
	for {
		if !fc.idle() {
			return
		}
		fc.c.SetReadDeadline(time.Now().Add(fc.f.idleTimeout()))
		if _, err := fc.br.Peek(1); err != nil {
			fc.c.Close()
			return
		}
		if !fc.state.CompareAndSwap(connIdle, connActive) {
			return // closed by Shutdown
		}
		q, ok, err := fc.read()
		if err != nil {
			fc.c.Close()
			return
		}
		if !ok {
			fc.handOver()
			return
		}
		if !fc.answer(ctx, q) || q.close || fc.f.closing.Load() {
			fc.c.Close()
			return
		}
	}
}

// idle marks the connection as waiting for a request; false when the front
// is shutting down, in which case the connection is closed.
func (fc *frontConn) idle() bool {
	fc.state.Store(connIdle)
	if fc.f.closing.Load() && fc.state.CompareAndSwap(connIdle, connClosed) {
		fc.c.Close()
		return false
	}
	return fc.state.Load() == connIdle
}

func (f *Front) idleTimeout() time.Duration {
	switch {
	case f.hs.IdleTimeout > 0:
		return f.hs.IdleTimeout
	case f.hs.ReadTimeout > 0:
		return f.hs.ReadTimeout
	}
	return 2 * time.Minute
}

// handOver gives the connection, and what the front has read of it, to the
// http.Server.
func (fc *frontConn) handOver() {
	fc.c.SetReadDeadline(time.Time{})
	fc.f.mu.Lock()
	delete(fc.f.conns, fc)
	fc.f.mu.Unlock()
	c := &readAheadConn{Conn: fc.c, r: fc.br}
	select {
	case fc.f.handoff.ch <- c:
	case <-fc.f.handoff.done:
		fc.c.Close()
	}
}

// read reads the head and the body of the request at the front of the
// buffer. ok is false, and nothing is consumed, when the request is one for
// the http.Server.
func (fc *frontConn) read() (q frontRequest, ok bool, err error) {
	headerWait := false
	for {
		buf, _ := fc.br.Peek(fc.br.Buffered())
		if !mayBeOrder(buf) {
			return q, false, nil
		}
		end, complete, fits := headEnd(buf)
		if !fits {
			return q, false, nil
		}
		if complete {
			q.headLen = end
			break
		}
		if fc.br.Buffered() == frontBufSize {
			return q, false, nil
		}
		if !headerWait && fc.f.hs.ReadHeaderTimeout > 0 {
			fc.c.SetReadDeadline(time.Now().Add(fc.f.hs.ReadHeaderTimeout))
			headerWait = true
		}
		if _, err := fc.br.Peek(fc.br.Buffered() + 1); err != nil {
			return q, false, err
		}
	}
	buf, _ := fc.br.Peek(q.headLen)
	head := string(buf)
	n, ok := fc.parseHead(head, &q)
	if !ok {
		return q, false, nil
	}
	if q.headLen+n > frontBufSize {
		return q, false, nil
	}
	all, err := fc.br.Peek(q.headLen + n)
	if err != nil {
		return q, false, err
	}
	fc.bodyBuf = append(fc.bodyBuf[:0], all[q.headLen:]...)
	fc.body.Reset(fc.bodyBuf)
	q.body = fc.bodyBuf
	fc.br.Discard(q.headLen + n)
	return q, true, nil
}

// headEnd finds the end of the head in buf: the index past its empty line.
// fits is false when the head is one the front leaves to the http.Server:
// lines not ended by CRLF, too many of them, or a header line that is not a
// plain "Name: value", which net/http refuses as soon as it reads it.
func headEnd(buf []byte) (end int, complete, fits bool) {
	for lines := 0; lines <= frontMaxLines; lines++ {
		i := bytes.IndexByte(buf[end:], '\n')
		if i < 0 {
			return end, false, true
		}
		if i == 0 || buf[end+i-1] != '\r' {
			return end, false, false
		}
		if lines > 0 && i > 1 && !plainHeaderLine(buf[end:end+i-1]) {
			return end, false, false
		}
		end += i + 1
		if i == 1 {
			return end, true, true
		}
	}
	return end, false, false
}

// plainHeaderLine tells whether line is a token, a colon and a value of
// visible characters, spaces and tabs.
func plainHeaderLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	for _, c := range line[:colon] {
		if !httpguts.IsTokenRune(rune(c)) {
			return false
		}
	}
	for _, c := range line[colon+1:] {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// parseHead reads the request line and the headers into fc.header and q,
// and returns the body's length; ok is false for anything but an order
// placed as the live page and the API's clients place it.
//
// headEnd has checked every line: each ends in CRLF, and each header line is
// a token, a colon and a plain value.
func (fc *frontConn) parseHead(head string, q *frontRequest) (bodyLen int, ok bool) {
	line, rest, _ := strings.Cut(head, "\r\n")
	path, ok := orderRoute(line)
	if !ok {
		return 0, false
	}
	q.path = path
	if fc.header == nil {
		fc.header = make(http.Header, 8)
	}
	clear(fc.header)
	fc.values = fc.values[:0]
	hosts, lengths := 0, 0
	for {
		line, rest, _ = strings.Cut(rest, "\r\n")
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		value = textproto.TrimString(value)
		key := textproto.CanonicalMIMEHeaderKey(name)
		switch key {
		case "Host":
			hosts++
			q.host = value
			continue
		case "Content-Length":
			lengths++
			n, err := strconv.ParseUint(value, 10, 32)
			if err != nil || lengths > 1 || n > frontMaxBody {
				return 0, false
			}
			bodyLen = int(n)
		case "Connection":
			switch {
			case asciiEqualFold(value, "close"):
				q.close = true
			case !asciiEqualFold(value, "keep-alive"):
				return 0, false
			}
		case "Transfer-Encoding", "Expect", "Upgrade", "Trailer", "Te":
			return 0, false
		}
		fc.addHeader(key, value)
	}
	if hosts != 1 || !httpguts.ValidHostHeader(q.host) {
		return 0, false
	}
	return bodyLen, true
}

// addHeader adds a value to the request's header, from one backing array
// for all values so a header costs no allocation of its own.
func (fc *frontConn) addHeader(key, value string) {
	if vs, ok := fc.header[key]; ok {
		fc.header[key] = append(vs, value)
		return
	}
	if len(fc.values) == cap(fc.values) {
		fc.values = make([]string, 0, max(16, 2*cap(fc.values)))
	}
	i := len(fc.values)
	fc.values = append(fc.values, value)
	fc.header[key] = fc.values[i : i+1 : i+1]
}

const orderPrefix = "POST /api/v1/rooms/"

// mayBeOrder tells whether buf, the start of a request, may still be an
// order: as soon as it cannot, the request goes to net/http unread, which
// answers a malformed one at once rather than after a head the front would
// wait for.
func mayBeOrder(buf []byte) bool {
	n := min(len(buf), len(orderPrefix))
	if string(buf[:n]) != orderPrefix[:n] {
		return false
	}
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		return true
	}
	if i == 0 || buf[i-1] != '\r' {
		return false
	}
	_, ok := orderRoute(buf[:i-1])
	return ok
}

// orderRoute returns the path of "POST /api/v1/rooms/{room}/orders HTTP/1.1"
// when the room is a plain reference (letters, digits, '-' and '_'), which
// needs no unescaping or cleaning.
func orderRoute[T string | []byte](line T) (path T, ok bool) {
	const prefix, suffix = orderPrefix, "/orders HTTP/1.1"
	if len(line) <= len(prefix)+len(suffix) || string(line[:len(prefix)]) != prefix || string(line[len(line)-len(suffix):]) != suffix {
		return path, false
	}
	room := line[len(prefix) : len(line)-len(suffix)]
	if len(room) > 128 {
		return path, false
	}
	for i := 0; i < len(room); i++ {
		if c := room[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return path, false
		}
	}
	return line[len("POST ") : len(line)-len(" HTTP/1.1")], true
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i]|0x20 != b[i]|0x20 {
			return false
		}
	}
	return true
}

// answer serves one request through the server's handler and writes its
// response; false when the connection must close.
func (fc *frontConn) answer(ctx context.Context, q frontRequest) (ok bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u := url.URL{Path: q.path}
	tmpl := http.Request{Method: http.MethodPost, URL: &u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: fc.header, Body: &fc.body, ContentLength: int64(len(q.body)), Host: q.host,
		RemoteAddr: fc.remote, RequestURI: q.path, Close: q.close}
	r := tmpl.WithContext(ctx)
	w := &fc.w
	w.reset()
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler && fc.f.hs.ErrorLog != nil {
				fc.f.hs.ErrorLog.Printf("http: panic serving %s: %v", fc.remote, v)
			}
			ok = false
		}
	}()
	fc.f.hs.Handler.ServeHTTP(w, r)
	fc.f.answered.Add(1)
	if fc.f.hs.WriteTimeout > 0 {
		fc.c.SetWriteDeadline(time.Now().Add(fc.f.hs.WriteTimeout))
	}
	_, err := fc.c.Write(w.response(q.close || fc.f.closing.Load()))
	return err == nil
}

// frontBody is a request body read whole by the front.
type frontBody struct{ bytes.Reader }

func (*frontBody) Close() error { return nil }

// frontWriter collects a response to write it in one piece.
type frontWriter struct {
	header http.Header
	status int
	body   []byte
	out    bytes.Buffer
}

func (w *frontWriter) reset() {
	if w.header == nil {
		w.header = make(http.Header, 8)
	}
	clear(w.header)
	w.status = 0
	w.body = w.body[:0]
}

func (w *frontWriter) Header() http.Header { return w.header }

func (w *frontWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
}

func (w *frontWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}

// response is the status line, the headers as net/http completes them (Date,
// Content-Length, a sniffed Content-Type) and the body.
func (w *frontWriter) response(closing bool) []byte {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	h, b := w.header, &w.out
	body := bodyAllowed(w.status)
	if _, ok := h["Content-Type"]; !ok && body && len(w.body) > 0 {
		h["Content-Type"] = []string{http.DetectContentType(w.body)}
	}
	if !body {
		delete(h, "Content-Length")
	}
	if closing {
		delete(h, "Connection") // said below
	}
	b.Reset()
	b.WriteString("HTTP/1.1 ")
	b.WriteString(statusLabel(w.status))
	b.WriteByte(' ')
	b.WriteString(http.StatusText(w.status))
	b.WriteString("\r\n")
	h.Write(b) // sorted, line breaks in values made spaces, as net/http writes them
	if _, ok := h["Date"]; !ok {
		b.WriteString("Date: ")
		b.WriteString(httpDate())
		b.WriteString("\r\n")
	}
	if _, ok := h["Content-Length"]; !ok && body {
		b.WriteString("Content-Length: ")
		b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(len(w.body)), 10))
		b.WriteString("\r\n")
	}
	if closing {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.Write(w.body)
	return b.Bytes()
}

// dateCache holds the Date header of the current second.
var dateCache atomic.Pointer[datedString]

type datedString struct {
	sec int64
	s   string
}

func httpDate() string {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.sec == now.Unix() {
		return d.s
	}
	d := &datedString{sec: now.Unix(), s: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.s
}

// readAheadConn is a connection handed over with bytes already read.
type readAheadConn struct {
	net.Conn
	mu sync.Mutex
	r  *bufio.Reader
}

func (c *readAheadConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	r := c.r
	if r != nil && r.Buffered() == 0 {
		c.r, r = nil, nil // drained: let the buffer go
	}
	c.mu.Unlock()
	if r == nil {
		return c.Conn.Read(p)
	}
	return r.Read(p)
}

// connListener passes handed-over connections to http.Server.Serve.
type connListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	addr net.Addr
}

func newConnListener() *connListener {
	return &connListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
