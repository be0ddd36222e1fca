package match

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Instance files let another solver read the very instance Tide solved.
// Both formats are plain text, numbers in decimal separated by spaces, one
// record a line.
//
// A dense assignment instance (WriteDense, ReadDense) is the line
//
//	n
//
// followed by n lines of n costs: line i+2 is row i of the matrix.
//
// A transportation instance (WriteProblem, ReadProblem) is
//
//	transport L R
//	capacity c_0 c_1 … c_{R-1}
//
// followed by one line for each left node i = 0 … L-1:
//
//	skip k r_1 cost_1 r_2 cost_2 … r_k cost_k
//
// where skip is Skip[i], or "-" when the problem has no Skip, and then come
// the node's k arcs as pairs of right node and cost. Lines starting with #
// are comments, in either format.

// WriteDense writes the n×n row-major matrix cost.
func WriteDense(w io.Writer, n int, cost []int64) error {
	if err := validateDense(n, cost); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	buf := strconv.AppendInt(nil, int64(n), 10)
	buf = append(buf, '\n')
	for i := range n {
		for j, c := range cost[i*n : i*n+n] {
			if j > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendInt(buf, c, 10)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadDense reads a matrix WriteDense wrote.
func ReadDense(r io.Reader) (n int, cost []int64, err error) {
	lr := newLineReader(r)
	line, err := lr.next()
	if err != nil {
		return 0, nil, lr.fail(err, "want the size n")
	}
	head, err := lr.ints(line, nil)
	if err != nil {
		return 0, nil, err
	}
	if len(head) != 1 || head[0] < 0 || head[0] > 1<<20 {
		return 0, nil, lr.errorf("want the size n alone, got %q", line)
	}
	n = int(head[0])
	cost = make([]int64, 0, n*n)
	for i := range n {
		line, err := lr.next()
		if err != nil {
			return 0, nil, lr.fail(err, fmt.Sprintf("want row %d of %d", i, n))
		}
		before := len(cost)
		if cost, err = lr.ints(line, cost); err != nil {
			return 0, nil, err
		}
		if got := len(cost) - before; got != n {
			return 0, nil, lr.errorf("row %d has %d costs, want %d", i, got, n)
		}
	}
	if err := lr.end(); err != nil {
		return 0, nil, err
	}
	return n, cost, validateDense(n, cost)
}

// WriteProblem writes p with each left node's arcs on its line, in the
// order they come in p.
func WriteProblem(w io.Writer, p *Problem) error {
	rs, err := p.check()
	if err != nil {
		return err
	}
	arcs, start := byLeft(p, rs), rs.start
	bw := bufio.NewWriterSize(w, 1<<20)
	buf := fmt.Appendf(nil, "transport %d %d\ncapacity", p.Left, len(p.Capacity))
	for _, c := range p.Capacity {
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(c), 10)
	}
	buf = append(buf, '\n')
	for i := range p.Left {
		if p.Skip == nil {
			buf = append(buf, '-')
		} else {
			buf = strconv.AppendInt(buf, p.Skip[i], 10)
		}
		row := arcs[start[i]:start[i+1]]
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(len(row)), 10)
		for _, a := range row {
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(a.Right), 10)
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, a.Cost, 10)
		}
		buf = append(buf, '\n')
		if len(buf) > 1<<16 {
			if _, err := bw.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadProblem reads a problem WriteProblem wrote. Its arcs come ordered by
// left node.
func ReadProblem(r io.Reader) (*Problem, error) {
	lr := newLineReader(r)
	line, err := lr.next()
	if err != nil {
		return nil, lr.fail(err, "want \"transport L R\"")
	}
	rest, ok := bytes.CutPrefix(line, []byte("transport "))
	if !ok {
		return nil, lr.errorf("want \"transport L R\", got %q", clip(line))
	}
	head, err := lr.ints(rest, nil)
	if err != nil {
		return nil, err
	}
	if len(head) != 2 || head[0] < 0 || head[0] > 1<<30 || head[1] < 0 || head[1] > 1<<30 {
		return nil, lr.errorf("want \"transport L R\" with L and R in [0, 2^30], got %q", clip(line))
	}
	p := &Problem{Left: int(head[0]), Capacity: make([]int32, 0, head[1])}
	if line, err = lr.next(); err != nil {
		return nil, lr.fail(err, "want the capacity line")
	}
	rest, ok = bytes.CutPrefix(line, []byte("capacity"))
	if !ok {
		return nil, lr.errorf("want \"capacity\" and %d numbers, got %q", head[1], clip(line))
	}
	caps, err := lr.ints(rest, nil)
	if err != nil {
		return nil, err
	}
	if int64(len(caps)) != head[1] {
		return nil, lr.errorf("%d capacities, want R = %d", len(caps), head[1])
	}
	for r, c := range caps {
		if c < 0 || c > 1<<31-1 {
			return nil, lr.errorf("capacity of right node %d is %d, want 0 to 2^31-1", r, c)
		}
		p.Capacity = append(p.Capacity, int32(c))
	}
	var nums []int64
	for i := range p.Left {
		if line, err = lr.next(); err != nil {
			return nil, lr.fail(err, fmt.Sprintf("want the line of left node %d of %d", i, p.Left))
		}
		skip, rest, _ := bytes.Cut(line, []byte(" "))
		must := string(skip) == "-"
		switch {
		case i == 0 && !must:
			p.Skip = make([]int64, p.Left)
		case must != (p.Skip == nil):
			return nil, lr.errorf("left node %d: skip %q differs in kind from the first left node's: every left node has a skip cost or none has", i, skip)
		}
		if nums, err = lr.ints(rest, nums[:0]); err != nil {
			return nil, err
		}
		if !must {
			s, err := strconv.ParseInt(string(skip), 10, 64)
			if err != nil {
				return nil, lr.errorf("left node %d: skip %q is not an integer or -", i, skip)
			}
			p.Skip[i] = s
		}
		if len(nums) == 0 || nums[0] < 0 || int64(len(nums)) != 1+2*nums[0] {
			return nil, lr.errorf("left node %d: want the number of arcs k and then k pairs of right node and cost", i)
		}
		for t := 1; t < len(nums); t += 2 {
			if nums[t] < 0 || nums[t] >= int64(len(p.Capacity)) {
				return nil, lr.errorf("left node %d: right node %d out of range [0, %d)", i, nums[t], len(p.Capacity))
			}
			p.Arcs = append(p.Arcs, Arc{int32(i), int32(nums[t]), nums[t+1]})
		}
	}
	if err := lr.end(); err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// lineReader hands out the lines of an instance file that are not comments,
// counting them all for error messages.
type lineReader struct {
	r    *bufio.Reader
	long []byte
	n    int // number of the line last read, from 1
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<20)}
}

// next returns the next line that is not a comment, without its newline;
// it is valid until the following call.
func (lr *lineReader) next() ([]byte, error) {
	for {
		line, err := lr.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			lr.long = append(lr.long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = lr.r.ReadSlice('\n')
				lr.long = append(lr.long, line...)
			}
			line = lr.long
		}
		if err != nil && (err != io.EOF || len(line) == 0) {
			return nil, err
		}
		lr.n++
		line = bytes.TrimRight(line, " \t\r\n")
		if len(line) > 0 && line[0] == '#' {
			continue
		}
		return line, nil
	}
}

// end checks that nothing but comments and blank lines is left.
func (lr *lineReader) end() error {
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return lr.errorf("%v", err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			return lr.errorf("unexpected line after the instance: %q", clip(line))
		}
	}
}

// ints appends the integers of line to dst.
func (lr *lineReader) ints(line []byte, dst []int64) ([]int64, error) {
	for i := 0; i < len(line); {
		c := line[i]
		if c == ' ' || c == '\t' {
			i++
			continue
		}
		j := i
		neg := c == '-'
		if neg || c == '+' {
			j++
		}
		var v uint64
		digits := 0
		for ; j < len(line) && line[j] >= '0' && line[j] <= '9'; j++ {
			v = v*10 + uint64(line[j]-'0')
			digits++
			if digits > 18 {
				return nil, lr.errorf("number %q out of range", clip(line[i:]))
			}
		}
		if digits == 0 || (j < len(line) && line[j] != ' ' && line[j] != '\t') {
			end := j
			for end < len(line) && line[end] != ' ' && line[end] != '\t' {
				end++
			}
			return nil, lr.errorf("%q is not an integer", clip(line[i:end]))
		}
		if neg {
			dst = append(dst, -int64(v))
		} else {
			dst = append(dst, int64(v))
		}
		i = j
	}
	return dst, nil
}

func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrInvalid, lr.n, fmt.Sprintf(format, args...))
}

// fail words an error from next: the end of the file where more was due.
func (lr *lineReader) fail(err error, want string) error {
	if err == io.EOF {
		return fmt.Errorf("%w: line %d: file ends early: %s", ErrInvalid, lr.n+1, want)
	}
	return fmt.Errorf("line %d: %w", lr.n+1, err)
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
