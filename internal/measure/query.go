package measure

import (
	"fmt"
	"sync"
)

// Measure returns the measures of a region (the whole index for "") with one
// child Result per direct child region. It scans the region's rows once and
// rolls the subtree up, exactly as MeasureAll does, so both agree to the bit.
func (ix *Index) Measure(region string, p Params) (Result, error) {
	q, err := newQuery(p)
	if err != nil {
		return Result{}, fmt.Errorf("measure %q: %w", region, err)
	}
	defer q.release()
	ix.mu.RLock()
	t := ix.tree
	pos, ok := t.pos[region]
	if !ok {
		ix.mu.RUnlock()
		return Result{}, fmt.Errorf("measure %q: %w", region, ErrUnknownRegion)
	}
	buf := getSums(int(t.end[pos] - pos))
	defer sumsPool.Put(buf)
	s := *buf
	ix.scanRange(q, t, pos, t.end[pos], s)
	ix.mu.RUnlock()
	rollup(t, pos, s)
	return withChildren(t, pos, s, p.Line), nil
}

// sumsPool recycles Measure's per-region sums, so that a stream of county
// queries allocates next to nothing on a heap of gigabytes, where every fresh
// page would cost more than the scan.
var sumsPool sync.Pool

// getSums returns zeroed sums for n positions from the pool.
func getSums(n int) *[]sums {
	buf, _ := sumsPool.Get().(*[]sums)
	if buf == nil || cap(*buf) < n {
		s := make([]sums, n)
		return &s
	}
	*buf = (*buf)[:n]
	clear(*buf)
	return buf
}

// withChildren returns position from's Result with its direct children; s
// holds the rolled-up sums of from's subtree.
func withChildren(t *tree, from int32, s []sums, line int64) Result {
	r := s[0].result(t.code[from], line)
	n := 0
	t.children(from, func(int32) { n++ })
	if n > 0 {
		r.Children = make([]Result, 0, n)
	}
	t.children(from, func(c int32) {
		r.Children = append(r.Children, s[c-from].result(t.code[c], line))
	})
	return r
}

// MeasureAll computes the measures of every region at every level in one
// pass: it scans each region's rows once, in parallel, and rolls the sums up
// the tree. The Results themselves are derived on demand from the Measures.
func (ix *Index) MeasureAll(p Params) (*Measures, error) {
	q, err := newQuery(p)
	if err != nil {
		return nil, fmt.Errorf("measure all: %w", err)
	}
	defer q.release()
	ix.mu.RLock()
	t := ix.tree
	s := make([]sums, t.len())
	ix.scanRange(q, t, 0, int32(t.len()), s)
	ix.mu.RUnlock()
	rollup(t, 0, s)
	return &Measures{tree: t, sums: s, line: p.Line}, nil
}

// Measures holds the rolled-up sums of every region from one MeasureAll
// pass, on the tree as it was then. Deriving a Result from them is a few
// divisions, so they are kept as sums rather than 600,000 Results.
type Measures struct {
	tree *tree
	sums []sums // by preorder position
	line int64
}

// Len returns the number of regions, the root included.
func (m *Measures) Len() int { return len(m.sums) }

// Result returns the measures of a region ("" for the root) with its direct
// children.
func (m *Measures) Result(region string) (Result, error) {
	pos, ok := m.tree.pos[region]
	if !ok {
		return Result{}, fmt.Errorf("measures of %q: %w", region, ErrUnknownRegion)
	}
	return withChildren(m.tree, pos, m.sums[pos:m.tree.end[pos]], m.line), nil
}

// Each calls fn with the Result of every region, the root first and then in
// preorder, each without children, until fn returns false.
func (m *Measures) Each(fn func(Result) bool) {
	for p := range m.sums {
		if !fn(m.sums[p].result(m.tree.code[p], m.line)) {
			return
		}
	}
}

// Map returns every region's Result, without children, by region code.
func (m *Measures) Map() map[string]Result {
	out := make(map[string]Result, len(m.sums))
	m.Each(func(r Result) bool {
		out[r.Region] = r
		return true
	})
	return out
}
