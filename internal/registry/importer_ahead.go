package registry

import (
	"errors"
	"io"
)

// rowsAhead reads a file's rows on a goroutine of its own, some batches
// ahead of the caller, so parsing the file (and hashing it, when the reader
// tees into a hash) overlaps making households of the rows already read.
type rowsAhead struct {
	batches chan []readRow
	stop    chan struct{}
	done    chan struct{}
	cur     []readRow
}

// readRow is what one call of a rowReader's next returned.
type readRow struct {
	line int
	rec  []string
	err  error
}

// rowsAheadBatch is how many rows go to the caller at a time.
const rowsAheadBatch = 256

// readAhead starts reading r. The rows come out of next in r's order,
// bad rows included; the first other error (io.EOF at the end) is the last.
// Call close when done, whether or not every row was read.
func readAhead(r rowReader) *rowsAhead {
	a := &rowsAhead{batches: make(chan []readRow, 8), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		defer close(a.batches)
		batch := make([]readRow, 0, rowsAheadBatch)
		for {
			line, rec, err := r.next()
			batch = append(batch, readRow{line, rec, err})
			var re *RowError
			last := err != nil && !errors.As(err, &re)
			if len(batch) < rowsAheadBatch && !last {
				continue
			}
			select {
			case a.batches <- batch:
			case <-a.stop:
				return
			}
			if last {
				return
			}
			batch = make([]readRow, 0, rowsAheadBatch)
		}
	}()
	return a
}

func (a *rowsAhead) next() (int, []string, error) {
	if len(a.cur) == 0 {
		b, ok := <-a.batches
		if !ok {
			return 0, nil, io.EOF
		}
		a.cur = b
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
