package match

// Solve returns a least-cost solution of p.
//
// Left nodes with identical rows (the same arcs in the same order and the
// same Skip) are interchangeable, so they are merged into one class with a
// supply: a day's requests fall into far fewer classes than there are
// requests. The classes and right nodes split into connected components, and
// each component is solved by the primal-dual method: a Dijkstra on reduced
// costs from every class with supply left finds the distance D to the sink,
// the potentials move by it, and a depth-first search pushes what it can
// along arcs of reduced cost zero. The potentials stay valid on every
// residual arc, so the flow is optimal for the supply placed so far, and
// optimal outright once all is placed.
func Solve(p *Problem) (*Solution, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	f := newFlow(p)
	for _, classes := range f.components() {
		if !f.solveComponent(classes) {
			return nil, ErrInfeasible
		}
	}
	return f.solution(), nil
}

// flow is the network Solve works on. Nodes are numbered classes 0..K-1,
// right nodes K..K+R-1, then the sink t; the sink's potential stays 0.
type flow struct {
	p    *Problem
	K, R int32
	t    int32

	members []int32 // left nodes by class: class k has members[mstart[k]:mstart[k+1]]
	mstart  []int32
	astart  []int32 // class k's arcs are astart[k] to astart[k+1]-1
	right   []int32 // per class arc
	cost    []int64
	flow    []int32
	classOf []int32
	skip    []int64 // per class, inf when it must be served
	rem     []int32 // per class: units not yet placed
	skipped []int32 // per class: units left unassigned

	used []int32   // per right node
	on   [][]int32 // per right node: the class arcs with flow into it

	pi      []int64 // potentials; reduced cost of a→b is cost + pi[a] - pi[b]
	dist    []int64
	done    []bool
	touched []int32
	heap    nodeHeap

	phase   uint32
	vis     []uint32 // phase in which a node was last entered by the search
	curAt   []uint32 // phase in which cur[x] was set
	cur     []int32  // next arc the search tries from a node
	path    []int32  // arcs of the path found: forward, backward, forward, …
	endSlot int32    // right node the path ends in, or -1 when it ends by a skip
}

func newFlow(p *Problem) *flow {
	f := &flow{p: p, R: int32(len(p.Capacity))}
	f.group()
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
	for i := range f.dist {
		f.dist[i] = inf
	}
	// Each class starts priced at its cheapest choice, so every arc's
	// reduced cost is non-negative and the cheapest are zero.
	for k := range f.K {
		least := f.skip[k]
		for a := f.astart[k]; a < f.astart[k+1]; a++ {
			least = min(least, f.cost[a])
		}
		if least < inf {
			f.pi[k] = -least
		}
	}
	return f
}

// group merges left nodes with identical rows into classes. A row's hash
// reads at most 64 of its arcs, spread along it, and a full comparison
// decides; a row that matches none of the first few classes sharing its
// hash starts a class of its own, which costs merging, never exactness.
func (f *flow) group() {
	p := f.p
	L := int32(p.Left)
	arcs, start := byLeft(p)
	row := func(i int32) []Arc { return arcs[start[i]:start[i+1]] }
	skipOf := func(i int32) int64 {
		if p.Skip == nil {
			return inf
		}
		return p.Skip[i]
	}
	same := func(i, j int32) bool {
		a, b := row(i), row(j)
		if skipOf(i) != skipOf(j) || len(a) != len(b) {
			return false
		}
		for t := range a {
			if a[t].Right != b[t].Right || a[t].Cost != b[t].Cost {
				return false
			}
		}
		return true
	}
	classOfLeft := make([]int32, L)
	var reps []int32
	var next []int32 // next class with the same hash, or -1
	first := make(map[uint64]int32, 1024)
	for i := range L {
		a := row(i)
		h := uint64(skipOf(i))*0x9e3779b97f4a7c15 ^ uint64(len(a))
		step := max(1, len(a)/64)
		for t := 0; t < len(a); t += step {
			h = (h ^ uint64(a[t].Right)) * 0x100000001b3
			h = (h ^ uint64(a[t].Cost)) * 0xff51afd7ed558ccd
		}
		k, ok := first[h]
		for tries := 0; ok && !same(reps[k], i); tries++ {
			k, ok = next[k], next[k] >= 0 && tries < 8
		}
		if !ok {
			k = int32(len(reps))
			reps = append(reps, i)
			if prev, seen := first[h]; seen {
				next = append(next, prev)
			} else {
				next = append(next, -1)
			}
			first[h] = k
		}
		classOfLeft[i] = k
	}
	K := int32(len(reps))
	f.K = K
	f.mstart = make([]int32, K+1)
	for _, k := range classOfLeft {
		f.mstart[k+1]++
	}
	f.rem = make([]int32, K)
	for k := range K {
		f.rem[k] = f.mstart[k+1]
		f.mstart[k+1] += f.mstart[k]
	}
	f.members = make([]int32, L)
	mfill := append([]int32(nil), f.mstart[:K]...)
	for i, k := range classOfLeft {
		f.members[mfill[k]] = int32(i)
		mfill[k]++
	}
	f.astart = make([]int32, K+1)
	f.skip = make([]int64, K)
	f.skipped = make([]int32, K)
	for k, i := range reps {
		f.astart[k+1] = f.astart[k] + int32(len(row(i)))
		f.skip[k] = skipOf(i)
	}
	A := f.astart[K]
	f.right, f.cost, f.flow, f.classOf = make([]int32, A), make([]int64, A), make([]int32, A), make([]int32, A)
	for k, i := range reps {
		a := f.astart[k]
		for _, x := range row(i) {
			f.right[a], f.cost[a], f.classOf[a] = x.Right, x.Cost, int32(k)
			a++
		}
	}
}

// components returns the classes of each connected component of the network
// without the sink.
func (f *flow) components() [][]int32 {
	parent := make([]int32, f.K+f.R)
	for x := range parent {
		parent[x] = int32(x)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for a, r := range f.right {
		x, y := find(f.classOf[a]), find(f.K+r)
		if x != y {
			parent[x] = y
		}
	}
	index := map[int32]int{}
	var out [][]int32
	for k := range f.K {
		root := find(k)
		c, ok := index[root]
		if !ok {
			c = len(out)
			index[root] = c
			out = append(out, nil)
		}
		out[c] = append(out[c], k)
	}
	return out
}

// solveComponent places the supply of classes, all of one component. It
// reports false when some of it cannot be placed.
func (f *flow) solveComponent(classes []int32) bool {
	free := classes
	for len(free) > 0 {
		D, ok := f.shortest(free)
		if !ok {
			return false
		}
		f.reprice(D)
		f.push(free)
		n := 0
		for _, k := range free {
			if f.rem[k] > 0 {
				free[n] = k
				n++
			}
		}
		free = free[:n]
	}
	return true
}

// byLeft returns p's arcs ordered by left node, and where each left node's
// arcs start; the last entry is their number. Arcs already in that order,
// as generated ones usually are, are used as they are.
func byLeft(p *Problem) ([]Arc, []int32) {
	L := int32(p.Left)
	start := make([]int32, L+1)
	sorted := true
	prev := int32(0)
	for _, a := range p.Arcs {
		start[a.Left+1]++
		sorted = sorted && a.Left >= prev
		prev = a.Left
	}
	for i := range L {
		start[i+1] += start[i]
	}
	if sorted {
		return p.Arcs, start
	}
	arcs := make([]Arc, len(p.Arcs))
	fill := append([]int32(nil), start[:L]...)
	for _, a := range p.Arcs {
		arcs[fill[a.Left]] = a
		fill[a.Left]++
	}
	return arcs, start
}
