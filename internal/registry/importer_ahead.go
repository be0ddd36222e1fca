package registry

import (
	"errors"
	"io"
)

// rowsAhead reads a file's rows on a goroutine of its own, some batches
// ahead of the caller, so parsing the file (and hashing it, when the reader
// tees into a hash) overlaps making households of the rows already read.
// Batches go back to the reader once the caller has moved past them, so a
// million rows do not leave a million slices of fields for the collector.
type rowsAhead struct {
	batches chan *rowBatch
	free    chan *rowBatch
	stop    chan struct{}
	done    chan struct{}
	batch   *rowBatch // the batch cur is in
	cur     []readRow
}

// readRow is what one call of a rowReader's next returned.
type readRow struct {
	line int
	rec  []string
	err  error
}

// rowBatch holds rows and, in cells, the fields their recs slice.
type rowBatch struct {
	rows  []readRow
	cells []string
}

// rowsAheadBatch is how many rows go to the caller at a time.
const rowsAheadBatch = 256

// readAhead starts reading r. The rows come out of next in r's order,
// bad rows included; the first other error (io.EOF at the end) is the last.
// A row's rec is valid until the next call of next, as with
// encoding/csv's ReuseRecord, since its batch may then be reused; the
// strings in it stay valid. Call close when done, whether or not every row
// was read.
func readAhead(r rowReader) *rowsAhead {
	a := &rowsAhead{batches: make(chan *rowBatch, 8), free: make(chan *rowBatch, 10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		defer close(a.batches)
		b := a.newBatch()
		for {
			line, rec, err := r.next()
			// The fields are copied: r may reuse rec.
			start := len(b.cells)
			b.cells = append(b.cells, rec...)
			b.rows = append(b.rows, readRow{line, b.cells[start:len(b.cells):len(b.cells)], err})
			var re *RowError
			last := err != nil && !errors.As(err, &re)
			if len(b.rows) < rowsAheadBatch && !last {
				continue
			}
			select {
			case a.batches <- b:
			case <-a.stop:
				return
			}
			if last {
				return
			}
			b = a.newBatch()
		}
	}()
	return a
}

// newBatch returns an empty batch: one the caller is done with, or a new one.
func (a *rowsAhead) newBatch() *rowBatch {
	select {
	case b := <-a.free:
		clear(b.cells) // drop the old rows' strings
		b.rows, b.cells = b.rows[:0], b.cells[:0]
		return b
	default:
		return &rowBatch{rows: make([]readRow, 0, rowsAheadBatch)}
	}
}

func (a *rowsAhead) next() (int, []string, error) {
	if len(a.cur) == 0 {
		if a.batch != nil {
			// The caller is done with every row of the batch, the last
			// one included, since it asks for the next.
			select {
			case a.free <- a.batch:
			default:
			}
			a.batch = nil
		}
		b, ok := <-a.batches
		if !ok {
			return 0, nil, io.EOF
		}
		a.batch, a.cur = b, b.rows
	}
	r := a.cur[0]
	a.cur = a.cur[1:]
	return r.line, r.rec, r.err
}

// close stops the reading and waits for the goroutine, so the underlying
// reader is not read after close returns.
func (a *rowsAhead) close() {
	close(a.stop)
	<-a.done
}
