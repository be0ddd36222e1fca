package sqlstore

import (
	"context"
	"database/sql/driver"
)

// batchPipe carries full batches of rows from the goroutine that gathers
// them to the one that writes them, so making the values of one batch
// overlaps writing the one before. The gatherer puts the values in the
// driver's own form, so the writer only runs statements. Slices of values
// go back for reuse.
type batchPipe struct {
	ctx  context.Context
	full chan queuedBatch
	free chan []driver.NamedValue
}

// queuedBatch is one batch of rows for a rowBatcher's statement; done is
// what the gatherer had counted when it was queued.
type queuedBatch struct {
	b    *rowBatcher
	args []driver.NamedValue
	done int
}

func newBatchPipe(ctx context.Context) *batchPipe {
	return &batchPipe{ctx: ctx, full: make(chan queuedBatch, 4), free: make(chan []driver.NamedValue, 8)}
}

// write runs the queued batches in order until the gatherer closes the
// pipe, calling written with each batch's done count. After the first
// failure it only drains the pipe, and cancel stops the gatherer.
func (p *batchPipe) write(cancel func(), written func(q queuedBatch)) error {
	var failed error
	for q := range p.full {
		if failed == nil {
			if err := q.b.ins.execValues(p.ctx, len(q.args)/q.b.ins.cols, q.args); err != nil {
				failed = q.b.conflict(err)
				cancel()
			} else {
				written(q)
			}
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
	before   *rowBatcher // queued before each batch of this one
	ins      *bulkInsert
	pipe     *batchPipe
	rows     int
	args     []driver.NamedValue
	conflict func(error) error // names what a failed batch broke
}

func newRowBatcher(tx *Tx, pipe *batchPipe, head string, cols, rows int) *rowBatcher {
	return &rowBatcher{ins: newBulkInsert(tx, head, cols, ""), pipe: pipe, rows: rows,
		conflict: func(err error) error { return err }}
}

// add queues one row, handing the batch on when it is full. Its values are
// converted here, on the gatherer's goroutine, to the types a driver takes
// (int64, float64, bool, string, []byte, nil); giving those saves the work.
func (b *rowBatcher) add(done int, values ...any) error {
	if b.args == nil {
		select {
		case b.args = <-b.pipe.free:
		default:
			b.args = make([]driver.NamedValue, 0, b.ins.cols*b.rows)
		}
	}
	for _, v := range values {
		if !driver.IsValue(v) {
			var err error
			if v, err = driver.DefaultParameterConverter.ConvertValue(v); err != nil {
				return err
			}
		}
		b.args = append(b.args, driver.NamedValue{Ordinal: len(b.args) + 1, Value: v})
	}
	if len(b.args) < b.ins.cols*b.rows {
		return nil
	}
	return b.flush(done)
}

// flush hands on the rows still gathered.
func (b *rowBatcher) flush(done int) error {
	if len(b.args) == 0 {
		return nil
	}
	if b.before != nil {
		if err := b.before.flush(done); err != nil {
			return err
		}
	}
	select {
	case b.pipe.full <- queuedBatch{b: b, args: b.args, done: done}:
		b.args = nil
		return nil
	case <-b.pipe.ctx.Done():
		return b.pipe.ctx.Err()
	}
}

func (b *rowBatcher) close() { b.ins.close() }
