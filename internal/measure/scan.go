package measure

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// sums are the additive totals from which every measure of a region follows.
// A parent's sums are the sum of its children's and its own rows', so the
// tree is rolled up without scanning rows again for each level.
type sums struct {
	persons    int64
	households int64
	poor       int64   // persons with income < line
	mpiPoor    int64   // persons with score ≥ k
	gap        float64 // Σ persons × (line − income) over the income-poor
	gap2       float64 // Σ persons × (line − income)² over the income-poor
	score      float64 // Σ persons × score over the MPI-poor
}

func (s *sums) add(o *sums) {
	s.persons += o.persons
	s.households += o.households
	s.poor += o.poor
	s.mpiPoor += o.mpiPoor
	s.gap += o.gap
	s.gap2 += o.gap2
	s.score += o.score
}

// result turns sums into measures; an empty region gets zeros, never NaN.
func (s *sums) result(region string, line int64) Result {
	r := Result{Region: region, Persons: s.persons, Households: s.households,
		PoorPersons: s.poor, MPIPoorPersons: s.mpiPoor}
	if s.persons == 0 {
		return r
	}
	n, z := float64(s.persons), float64(line)
	r.P0 = float64(s.poor) / n
	r.P1 = s.gap / z / n
	r.P2 = s.gap2 / z / z / n
	if s.mpiPoor > 0 {
		r.MPI.H = float64(s.mpiPoor) / n
		r.MPI.A = s.score / float64(s.mpiPoor)
		r.MPI.M0 = r.MPI.H * r.MPI.A
	}
	return r
}

// entry is a precomputed deprivation mask: poor is all ones when the mask's
// score reaches the cut-off (else 0), and score is that score when poor (else
// 0), so the scan loop adds both without a branch or a per-indicator sum.
type entry struct {
	poor  int64
	score float64
}

// query is Params prepared for scanning.
type query struct {
	line int64
	tab  []entry   // by mask, when there are at most 16 indicators
	lo   []float64 // score of the low 16 bits when there are more; scratch else
	hi   []float64 // score of the high bits, when there are more
	mask uint32    // the bits that have a weight
	k    float64   // cut-off less scoreEpsilon
}

// queryPool recycles prepared queries and their mask tables, which a county
// query would otherwise allocate afresh (24 KiB for ten indicators).
var queryPool = sync.Pool{New: func() any { return new(query) }}

// newQuery prepares p for scanning; release the query when done.
func newQuery(p Params) (*query, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := len(p.Weights)
	q := queryPool.Get().(*query)
	q.line, q.k = p.Line, p.K-scoreEpsilon
	q.mask = ^uint32(0)
	if n < 32 {
		q.mask = 1<<n - 1
	}
	if n > 16 {
		q.tab = nil
		q.lo = scores(q.lo, p.Weights[:16])
		q.hi = scores(q.hi, p.Weights[16:])
		return q, nil
	}
	q.lo = scores(q.lo, p.Weights)
	q.tab = resize(q.tab, len(q.lo))
	for m, c := range q.lo {
		q.tab[m] = entry{}
		if n > 0 && c >= q.k {
			q.tab[m] = entry{poor: -1, score: c}
		}
	}
	return q, nil
}

// release returns q to the pool; q must not be used after.
func (q *query) release() { queryPool.Put(q) }

// resize returns s with length n, reusing its array when large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// scores fills buf with the score of every mask of len(w) bits, each summed
// in ascending bit order exactly as Naive sums it, so both agree to the bit.
func scores(buf []float64, w []float64) []float64 {
	sc := resize(buf, 1<<len(w))
	sc[0] = 0
	for m := 1; m < len(sc); m++ {
		top := bits.Len(uint(m)) - 1
		sc[m] = sc[m&^(1<<top)] + w[top]
	}
	return sc
}

// scan adds one region's own rows to s. It is the hot loop of every query:
// income terms without a branch, the deprivation mask looked up in a table.
func (q *query) scan(c *chunk, s *sums) {
	if q.tab == nil {
		q.scanWide(c, s)
		return
	}
	inc := c.income
	per := c.persons[:len(inc)]
	dep := c.deprived[:len(inc)]
	line, mask, tab := q.line, q.mask, q.tab
	var n, poor, mpiPoor int64
	var gap, gap2, score float64
	for i, y := range inc {
		w := int64(per[i])
		fw := float64(w)
		n += w
		d := line - y
		pm := ^((d - 1) >> 63) // all ones when d > 0, that is y < line
		g := float64(d & pm)
		poor += w & pm
		gap += fw * g
		gap2 += fw * g * g
		e := tab[dep[i]&mask]
		mpiPoor += w & e.poor
		score += fw * e.score
	}
	s.add(&sums{persons: n, households: int64(len(inc)), poor: poor, mpiPoor: mpiPoor,
		gap: gap, gap2: gap2, score: score})
}

// scanWide is scan for more than 16 indicators: the score is the sum of two
// half-mask tables, compared with the cut-off row by row.
func (q *query) scanWide(c *chunk, s *sums) {
	inc := c.income
	per := c.persons[:len(inc)]
	dep := c.deprived[:len(inc)]
	line, mask, lo, hi := q.line, q.mask, q.lo, q.hi
	var n, poor, mpiPoor int64
	var gap, gap2, score float64
	for i, y := range inc {
		w := int64(per[i])
		fw := float64(w)
		n += w
		if y < line {
			g := float64(line - y)
			poor += w
			gap += fw * g
			gap2 += fw * g * g
		}
		m := dep[i] & mask
		if c := lo[m&0xffff] + hi[m>>16]; c >= q.k {
			mpiPoor += w
			score += fw * c
		}
	}
	s.add(&sums{persons: n, households: int64(len(inc)), poor: poor, mpiPoor: mpiPoor,
		gap: gap, gap2: gap2, score: score})
}

// minRowsPerWorker keeps small queries (a county) on one goroutine, where
// starting workers would cost more than it saves.
const minRowsPerWorker = 1 << 16

// scanRange fills out[p-from] with the own-row sums of every position p in
// [from, to) of t, in parallel over blocks of positions. Each position is
// scanned whole by one goroutine, so results do not depend on scheduling.
// The caller holds the read lock.
func (ix *Index) scanRange(q *query, t *tree, from, to int32, out []sums) {
	rows := 0
	for p := from; p < to; p++ {
		rows += ix.rows[t.node[p]].len()
	}
	workers := min(runtime.GOMAXPROCS(0), rows/minRowsPerWorker+1)
	if workers <= 1 {
		for p := from; p < to; p++ {
			q.scan(&ix.rows[t.node[p]], &out[p-from])
		}
		return
	}
	const block = 256
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				b := int32(next.Add(block) - block)
				if b >= to {
					return
				}
				for p := b; p < min(b+block, to); p++ {
					q.scan(&ix.rows[t.node[p]], &out[p-from])
				}
			}
		})
	}
	wg.Wait()
}

// rollup adds each position's sums into its parent's, deepest first, so that
// s[p-from] becomes the sums of p's whole subtree. s covers the subtree of
// position from.
func rollup(t *tree, from int32, s []sums) {
	for p := from + int32(len(s)) - 1; p > from; p-- {
		s[t.parent[p]-from].add(&s[p-from])
	}
}
