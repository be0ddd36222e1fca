package sqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"
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
}

func newRowBatcher(tx *Tx, pipe *batchPipe, head string, cols, rows int) *rowBatcher {
	return &rowBatcher{ins: newBulkInsert(tx, head, cols, ""), pipe: pipe, rows: rows,
		conflict: func(err error) error { return err }}
}

// add queues one row, handing the batch on when it is full. Its values are
// packed or converted here, on the gatherer's goroutine, to the types a
// driver takes (int64, float64, bool, string, []byte, nil); giving those
// saves the work.
func (b *rowBatcher) add(done int, values ...any) error {
	if len(values) != b.ins.cols {
		return fmt.Errorf("a row of %d values for a statement of %d columns", len(values), b.ins.cols)
	}
	if b.ins.packs() {
		return b.addPacked(done, values)
	}
	if b.args == nil {
		select {
		case b.args = <-b.pipe.free:
		default:
			b.args = make([]driver.NamedValue, 0, b.ins.cols*b.rows)
		}
	}
	for _, v := range values {
		v, err := driverValue(v)
		if err != nil {
			return err
		}
		b.args = append(b.args, driver.NamedValue{Ordinal: len(b.args) + 1, Value: v})
	}
	if b.n++; b.n < b.rows {
		return nil
	}
	return b.flush(done)
}

func (b *rowBatcher) addPacked(done int, values []any) error {
	if b.packed == nil {
		select {
		case b.packed = <-b.pipe.freePacked:
		default:
			b.packed = make([]byte, 0, 64*b.ins.cols*b.rows)
		}
	}
	mark := len(b.packed)
	for _, v := range values {
		v, err := driverValue(v)
		if err == nil {
			b.packed, err = appendPacked(b.packed, v)
		}
		if err != nil {
			b.packed = b.packed[:mark]
			return err
		}
	}
	if b.n++; b.n < b.rows {
		return nil
	}
	return b.flush(done)
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
