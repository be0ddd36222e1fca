package sqlstore

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
)

// batchPipe carries full batches of rows from the goroutine that gathers
// them to the one that writes them, so making the values of one batch
// overlaps writing the one before. The gatherer puts the values in the
// form the writer runs them in: packed (see packed.go) where SQLite's C
// library takes them so, else the driver's own values; either way the
// writer only runs statements. Slices go back for reuse.
type batchPipe struct {
	ctx        context.Context
	full       chan queuedBatch
	free       chan []driver.NamedValue
	freePacked chan []byte
}

// queuedBatch is one batch of rows for a rowBatcher's statement, as values
// or packed; done is what the gatherer had counted when it was queued.
type queuedBatch struct {
	b      *rowBatcher
	args   []driver.NamedValue
	packed []byte
	rows   int
	done   int
}

func newBatchPipe(ctx context.Context) *batchPipe {
	return &batchPipe{ctx: ctx, full: make(chan queuedBatch, 4), free: make(chan []driver.NamedValue, 8),
		freePacked: make(chan []byte, 8)}
}

// write runs the queued batches in order until the gatherer closes the
// pipe, calling written with each batch's done count. After the first
// failure it only drains the pipe, and cancel stops the gatherer.
func (p *batchPipe) write(cancel func(), written func(q queuedBatch)) error {
	var failed error
	for q := range p.full {
		if failed == nil {
			var err error
			if q.packed != nil {
				err = q.b.ins.execPacked(p.ctx, q.rows, q.packed)
			} else {
				err = q.b.ins.execValues(p.ctx, q.rows, q.args)
			}
			if err != nil {
				failed = q.b.conflict(err)
				cancel()
			} else {
				written(q)
			}
		}
		if q.packed != nil {
			select {
			case p.freePacked <- q.packed[:0]:
			default:
			}
			continue
		}
		clear(q.args)
		select {
		case p.free <- q.args[:0]:
		default:
		}
	}
	return failed
}

// rowBatcher gathers rows and queues them in batches of up to rows rows for
// one multi-row INSERT.
type rowBatcher struct {
	before *rowBatcher // queued before each batch of this one
	ins    *bulkInsert
	pipe   *batchPipe
	rows   int
	// The rows gathered: n of them, packed or as args.
	n        int
	packed   []byte
	args     []driver.NamedValue
	conflict func(error) error // names what a failed batch broke
	pack     bool              // whether rows go packed (see bulkInsert.packs)
	// The row being queued: where it began, how many values it has and the
	// first that failed.
	mark int
	vals int
	err  error
}

func newRowBatcher(tx *Tx, pipe *batchPipe, head string, cols, rows int) *rowBatcher {
	b := &rowBatcher{ins: newBulkInsert(tx, head, cols, ""), pipe: pipe, rows: rows,
		conflict: func(err error) error { return err }}
	b.pack = b.ins.packs()
	return b
}

// A row is queued value by value, on the gatherer's goroutine: begin, one
// call per column in the statement's order (int, text, blob, ...), then end.
// The values go straight into the form the writer runs them in, packed or
// as the driver's own values, with nothing boxed on the way where they are
// packed. A value that cannot be written is reported by end, and the row
// is dropped.

// begin starts a row.
func (b *rowBatcher) begin() {
	if b.pack && b.packed == nil {
		select {
		case b.packed = <-b.pipe.freePacked:
		default:
			b.packed = make([]byte, 0, 64*b.ins.cols*b.rows)
		}
	}
	if !b.pack && b.args == nil {
		select {
		case b.args = <-b.pipe.free:
		default:
			b.args = make([]driver.NamedValue, 0, b.ins.cols*b.rows)
		}
	}
	b.mark, b.vals, b.err = len(b.packed), 0, nil
	if !b.pack {
		b.mark = len(b.args)
	}
}

// value queues v, one of the driver's types, without packing.
func (b *rowBatcher) value(v any) {
	b.vals++
	b.args = append(b.args, driver.NamedValue{Ordinal: len(b.args) + 1, Value: v})
}

func (b *rowBatcher) int(v int64) {
	if !b.pack {
		b.value(v)
		return
	}
	b.vals++
	b.packed = appendPackedInt(b.packed, v)
}

// bool goes to the driver as it is; packed, it is the integer 1 or 0, as
// SQLite's driver stores it.
func (b *rowBatcher) bool(v bool) {
	if !b.pack {
		b.value(v)
		return
	}
	if v {
		b.int(1)
	} else {
		b.int(0)
	}
}

func (b *rowBatcher) text(s string) {
	if !b.pack {
		b.value(s)
	} else if b.fits(packedText, len(s)) {
		b.vals++
		b.packed = appendPackedText(b.packed, s)
	}
}

// fits says whether a packed text or blob of n bytes can be written, and
// fails the row when it cannot.
func (b *rowBatcher) fits(tag byte, n int) bool {
	if err := packedFits(tag, n); err != nil {
		b.fail(err)
		return false
	}
	return true
}

// textOrNull is s, or NULL when s is empty.
func (b *rowBatcher) textOrNull(s string) {
	if s == "" {
		b.null()
		return
	}
	b.text(s)
}

// textBytes is p as text; p may be reused once the call returns.
func (b *rowBatcher) textBytes(p []byte) {
	if !b.pack {
		b.value(string(p))
	} else if b.fits(packedText, len(p)) {
		b.vals++
		b.packed = appendPackedBytes(b.packed, packedText, p)
	}
}

// blob is p as a blob, an empty one when p is nil: never NULL.
func (b *rowBatcher) blob(p []byte) {
	if p == nil {
		p = []byte{}
	}
	if !b.pack {
		b.value(p)
	} else if b.fits(packedBlob, len(p)) {
		b.vals++
		b.packed = appendPackedBytes(b.packed, packedBlob, p)
	}
}

// hexBlob is the bytes the hex digits of s spell, as a blob; or NULL when s
// is empty. Digits that are not hex fail with bad.
func (b *rowBatcher) hexBlob(s string, bad error) {
	switch {
	case s == "":
		b.null()
	case !b.pack:
		p, err := hex.DecodeString(s)
		if err != nil {
			b.fail(bad)
			return
		}
		b.value(p)
	case b.fits(packedBlob, len(s)/2):
		at := len(b.packed)
		b.packed = append(b.packed, packedBlob)
		b.packed = binary.LittleEndian.AppendUint32(b.packed, uint32(len(s)/2))
		var ok bool
		if b.packed, ok = appendHexDecoded(b.packed, s); !ok {
			b.packed = b.packed[:at]
			b.fail(bad)
			return
		}
		b.vals++
	}
}

// appendHexDecoded appends the bytes the hex digits of s spell to dst;
// false when s is not hex. Unlike hex.AppendDecode it takes the string as it
// is, with no copy of it made.
func appendHexDecoded(dst []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return dst, false
	}
	n := len(dst)
	dst = slices.Grow(dst, len(s)/2)[:n+len(s)/2]
	out := dst[n:]
	for i := range out {
		hi, lo := hexDigits[s[2*i]], hexDigits[s[2*i+1]]
		if hi|lo > 0xf {
			return dst[:n], false
		}
		out[i] = hi<<4 | lo
	}
	return dst, true
}

// hexDigits holds each byte's value as a hex digit, 0xff for a byte that
// is none.
var hexDigits = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	for i, c := range "ABCDEF" {
		t[c] = byte(10 + i)
	}
	return t
}()

func (b *rowBatcher) null() {
	if !b.pack {
		b.value(nil)
		return
	}
	b.vals++
	b.packed = append(b.packed, packedNull)
}

// fail records the first value of the row that cannot be written.
func (b *rowBatcher) fail(err error) {
	b.vals++
	if b.err == nil {
		b.err = err
	}
}

// end finishes the row begun last, handing the batch on when it is full;
// done is what the gatherer has counted so far.
func (b *rowBatcher) end(done int) error {
	err := b.err
	if err == nil && b.vals != b.ins.cols {
		err = fmt.Errorf("a row of %d values for a statement of %d columns", b.vals, b.ins.cols)
	}
	if err != nil {
		if b.pack {
			b.packed = b.packed[:b.mark]
		} else {
			clear(b.args[b.mark:])
			b.args = b.args[:b.mark]
		}
		return err
	}
	if b.n++; b.n < b.rows {
		return nil
	}
	return b.flush(done)
}

// add queues one row of values of any type database/sql takes, converted as
// it would convert them.
func (b *rowBatcher) add(done int, values ...any) error {
	b.begin()
	for _, v := range values {
		v, err := driverValue(v)
		switch {
		case err != nil:
			b.fail(err)
		case !b.pack:
			b.value(v)
		default:
			if b.packed, err = appendPacked(b.packed, v); err != nil {
				b.fail(err)
			} else {
				b.vals++
			}
		}
	}
	return b.end(done)
}

// driverValue is v as one of the types a driver takes, converted as
// database/sql would.
func driverValue(v any) (any, error) {
	if driver.IsValue(v) {
		return v, nil
	}
	return driver.DefaultParameterConverter.ConvertValue(v)
}

// flush hands on the rows still gathered.
func (b *rowBatcher) flush(done int) error {
	if b.n == 0 {
		return nil
	}
	if b.before != nil {
		if err := b.before.flush(done); err != nil {
			return err
		}
	}
	select {
	case b.pipe.full <- queuedBatch{b: b, args: b.args, packed: b.packed, rows: b.n, done: done}:
		b.args, b.packed, b.n = nil, nil, 0
		return nil
	case <-b.pipe.ctx.Done():
		return b.pipe.ctx.Err()
	}
}

func (b *rowBatcher) close() { b.ins.close() }
