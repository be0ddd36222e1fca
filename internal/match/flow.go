package match

import (
	"cmp"
	"slices"
)

// Solve returns a least-cost solution of p.
//
// Left nodes whose rows are the same up to a constant (the same arcs in the
// same order, costs and Skip all differing by one amount) are
// interchangeable, so they are merged into one class with a supply: a day's
// requests fall into far fewer classes than there are requests.
//
// The classes are placed by successive shortest paths, one class at a time,
// those that lose most by being left out first: a Dijkstra on reduced costs
// from the class stops at the sink, the potentials of the nodes it settled
// move by their distance, the path it found takes what it can, and a
// depth-first search pushes as much of the rest of the class's supply as
// fits along arcs of reduced cost zero, into slots with room at once where
// it can. Each class's arcs are ranked by cost, so that both stop reading a
// class's arcs at the first too dear to matter. The potentials
// stay valid on every residual arc, so the flow is optimal for the supply
// placed so far. The prices in the Solution are the right nodes' potentials.
//
// When the classes have many arcs between them, each class takes part with
// its cheapest at the prices it meets. If some arc left out has a negative
// reduced cost under the final potentials, the most negative join and the
// solve starts again; when none has, the potentials prove the flow optimal
// for the whole problem.
//
// It is fast when rows repeat, as a day's requests do (a day of 20,000
// requests and 20 million arcs takes about 0.3 s of CPU); 10,000 requests
// with no two rows alike, all competing for too few slots, take seconds.
func Solve(p *Problem) (*Solution, error) {
	return solve(p, 0)
}

// solve is Solve with each class starting from its first cheapest arcs (and
// gaining that many more than twice its units at a time); first 0 lets all
// arcs take part from the start when there are at most allArcs, and starts
// from firstArcs when there are more.
func solve(p *Problem, first int) (*Solution, error) {
	rs, err := p.check()
	if err != nil {
		return nil, err
	}
	return newFlow(p, rs, first).run()
}

// run places the supply, letting more arcs take part, until the potentials
// prove the flow optimal over all arcs.
func (f *flow) run() (*Solution, error) {
	for {
		f.reset()
		feasible := f.place()
		f.choosing = false
		switch {
		case !feasible && !f.activateAll():
			return nil, ErrInfeasible
		case feasible && !f.activateUnderpriced():
			return f.solution(), nil
		}
	}
}

// firstArcs is how many of its cheapest arcs a class starts with, when
// not all take part.
const firstArcs = 24

// allArcs is the number of class arcs up to which all take part at once:
// below it, solving again as arcs join costs more than it saves. A week of
// one-place slots (641,375 class arcs) took five rounds, each placing all
// the supply afresh, and one round with every arc is about twice as fast.
const allArcs = 1 << 20

// flow is the network Solve works on. Nodes are numbered classes 0..K-1,
// right nodes K..K+R-1, then the sink t; the sink's potential stays 0.
type flow struct {
	p    *Problem
	K, R int32
	t    int32

	members  []int32 // left nodes by class: class k has members[mstart[k]:mstart[k+1]]
	mstart   []int32
	astart   []int32 // class k's arcs are astart[k] to astart[k+1]-1,
	aend     []int32 // of which those before aend[k] take part,
	byCost   []int32 // listed from astart[k] to aend[k]-1 cheapest first
	offset   int64   // the constants taken off the rows
	first    int     // arcs a class gains at a time, besides twice its units
	choosing bool    // classes choose their arcs as they are placed
	order    []int32 // the order classes are placed in
	scratch  []int64
	ranked   []uint64
	merged   []int32
	right    []int32 // per class arc
	cost     []int64
	flow     []int32
	classOf  []int32
	skip     []int64 // per class, inf when it must be served
	rem      []int32 // per class: units not yet placed
	skipped  []int32 // per class: units left unassigned

	used []int32   // per right node
	on   [][]int32 // per right node: the class arcs with flow into it

	pi      []int64 // potentials; reduced cost of a→b is cost + pi[a] - pi[b]
	dist    []int64
	done    []bool
	touched []int32
	heap    nodeHeap

	phase   uint32   // one Dijkstra and the search that follows it
	vis     []uint32 // phase in which a node was last entered by the search
	curAt   []uint32 // phase in which cur[x] was set
	cur     []int32  // next arc the search tries from a node
	room    []int32  // per class: where in byCost an arc to a slot with room may come first
	path    []int32  // arcs of the path found: forward, backward, forward, …
	pred    []int32  // per node: the arc the last Dijkstra reached it by
	last    int32    // the node before the sink on the last Dijkstra's path
	endSlot int32    // right node the path ends in, or -1 when it ends by a skip
}

func newFlow(p *Problem, rs rows, first int) *flow {
	f := &flow{p: p, R: int32(len(p.Capacity))}
	f.group(rs)
	return f.init(first)
}

// init readies f, its classes made, for the first round.
func (f *flow) init(first int) *flow {
	n := f.K + f.R + 1
	f.t = n - 1
	f.used = make([]int32, f.R)
	f.on = make([][]int32, f.R)
	f.pi = make([]int64, n)
	f.dist = make([]int64, n)
	f.done = make([]bool, n)
	f.vis = make([]uint32, n)
	f.curAt = make([]uint32, n)
	f.cur = make([]int32, n)
	f.pred = make([]int32, n)
	f.room = make([]int32, f.K)
	for i := range f.dist {
		f.dist[i] = inf
	}
	// Classes that lose most by being left out go first: placed after them,
	// the others seldom have to move them, and searches stay short.
	f.order = make([]int32, f.K)
	for k := range f.order {
		f.order[k] = int32(k)
	}
	slices.SortStableFunc(f.order, func(a, b int32) int { return cmp.Compare(f.skip[b], f.skip[a]) })
	f.aend = append([]int32(nil), f.astart[1:]...)
	f.byCost = make([]int32, f.astart[f.K])
	if first == 0 && f.astart[f.K] <= allArcs {
		for k := range f.K {
			f.rank(k, f.astart[k])
		}
		return f
	}
	f.first = first
	if first == 0 {
		f.first = firstArcs
	}
	// The first round chooses each class's arcs as it places the class.
	copy(f.aend, f.astart)
	f.choosing = true
	return f
}

// quota is how many arcs class k gains at a time: a few more than twice
// its units, as each of its units needs an arc and slots hold a few each.
func (f *flow) quota(k int32) int {
	return f.first + 2*int(f.mstart[k+1]-f.mstart[k])
}

// activate lets the n arcs of class k left out that are least by key take
// part, all of them when there are not many more than n.
func (f *flow) activate(k int32, n int, key func(a int32) int64) {
	lo, hi := f.aend[k], f.astart[k+1]
	defer f.rank(k, lo)
	if int(hi-lo) <= 2*n {
		f.aend[k] = hi
		return
	}
	keys := f.scratch[:0]
	for a := lo; a < hi; a++ {
		keys = append(keys, key(a))
	}
	t := nthSmallest(keys, n)
	f.scratch = keys
	end := lo
	for _, tie := range []bool{false, true} {
		for a := end; a < hi && int(end-lo) < n; a++ {
			if c := key(a); c < t || tie && c == t {
				f.swapArcs(a, end)
				end++
			}
		}
	}
	f.aend[k] = end
}

// rank lists the arcs of class k that take part in byCost, cheapest first
// and ties in their order; those before from are listed already, and the
// others join them. A right node's potential is never positive, so no
// arc's reduced cost is below its cost plus its class's potential: the
// Dijkstra and the search stop at the first arc of the list that is too
// dear to matter, and of a class's hundreds of arcs most are.
func (f *flow) rank(k, from int32) {
	lo, hi := f.astart[k], f.aend[k]
	f.room[k] = lo
	least, most := int64(inf), int64(-inf)
	for a := from; a < hi; a++ {
		least, most = min(least, f.cost[a]), max(most, f.cost[a])
	}
	row := f.byCost[from:hi]
	if most-least >= 1<<32 {
		for j := range row {
			row[j] = from + int32(j)
		}
		slices.SortStableFunc(row, func(x, y int32) int { return cmp.Compare(f.cost[x], f.cost[y]) })
	} else {
		// Cost and place packed in one number sort fastest.
		keys := f.ranked[:0]
		for a := from; a < hi; a++ {
			keys = append(keys, uint64(f.cost[a]-least)<<32|uint64(a-from))
		}
		slices.Sort(keys)
		for j, key := range keys {
			row[j] = from + int32(uint32(key))
		}
		f.ranked = keys
	}
	if from == lo {
		return
	}
	// Arcs that join lie after those listed, so ties go to the listed.
	listed, joined := f.byCost[lo:from], row
	merged := f.merged[:0]
	for len(listed) > 0 && len(joined) > 0 {
		if f.cost[joined[0]] < f.cost[listed[0]] {
			merged, joined = append(merged, joined[0]), joined[1:]
		} else {
			merged, listed = append(merged, listed[0]), listed[1:]
		}
	}
	merged = append(append(merged, listed...), joined...)
	copy(f.byCost[lo:hi], merged)
	f.merged = merged
}

func (f *flow) swapArcs(a, b int32) {
	f.right[a], f.right[b] = f.right[b], f.right[a]
	f.cost[a], f.cost[b] = f.cost[b], f.cost[a]
}

// nthSmallest returns the value that would be at index n of xs sorted,
// reordering xs.
func nthSmallest(xs []int64, n int) int64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		pivot := xs[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case n <= j:
			hi = j
		case n >= i:
			lo = i
		default:
			return xs[n]
		}
	}
	return xs[n]
}

// reset empties the flow and prices each class at its cheapest arc taking
// part, so every reduced cost is non-negative and the cheapest are zero.
func (f *flow) reset() {
	clear(f.flow)
	clear(f.used)
	clear(f.skipped)
	for r := range f.on {
		f.on[r] = f.on[r][:0]
	}
	for k := range f.K {
		f.room[k] = f.astart[k]
		f.rem[k] = f.mstart[k+1] - f.mstart[k]
		least := f.skip[k]
		for a := f.astart[k]; a < f.aend[k]; a++ {
			least = min(least, f.cost[a])
		}
		f.pi[k] = 0
		if least < inf {
			f.pi[k] = -least
		}
	}
	clear(f.pi[f.K:])
}

// activateUnderpriced lets arcs left out whose reduced cost is negative
// take part, for each class its quota of the most negative, and reports
// whether there was any.
func (f *flow) activateUnderpriced() bool {
	added := false
	for k := range f.K {
		reduced := func(a int32) int64 { return f.cost[a] + f.pi[k] - f.pi[f.K+f.right[a]] }
		n := 0
		for a := f.aend[k]; a < f.astart[k+1]; a++ {
			if reduced(a) < 0 {
				n++
			}
		}
		if n > 0 {
			// The negative ones sort first, and no more than n are taken.
			f.activate(k, min(n, f.quota(k)), reduced)
			added = true
		}
	}
	return added
}

// activateAll lets every arc take part, and reports whether any was left
// out.
func (f *flow) activateAll() bool {
	added := false
	for k := range f.K {
		if from := f.aend[k]; from < f.astart[k+1] {
			added = true
			f.aend[k] = f.astart[k+1]
			f.rank(k, from)
		}
	}
	return added
}

// choose lets the quota of class k's arcs that are cheapest at the current
// prices take part, and prices the class at the least of them. A class not
// yet placed has no flow, so no arc constrains its potential but its own.
func (f *flow) choose(k int32) {
	f.aend[k] = f.astart[k]
	reduced := func(a int32) int64 { return f.cost[a] - f.pi[f.K+f.right[a]] }
	f.activate(k, f.quota(k), reduced)
	least := f.skip[k]
	for a := f.astart[k]; a < f.aend[k]; a++ {
		least = min(least, reduced(a))
	}
	f.pi[k] = 0
	if least < inf {
		f.pi[k] = -least
	}
}

// place places the supply of every class, one class at a time: a Dijkstra
// from the class alone stops at the sink, so it explores only around the
// class, and the search then pushes along the paths it made of reduced cost
// zero. It reports false when some supply cannot be placed.
func (f *flow) place() bool {
	for _, k := range f.order {
		if f.choosing {
			f.choose(k)
		}
		for f.rem[k] > 0 {
			D, ok := f.shortest(k)
			if !ok {
				return false
			}
			f.reprice(D)
			f.trace(k)
			f.augment(k)
			f.push(k)
		}
	}
	return true
}
