package match

// solveSSP is the plain reference Solve is checked against on instances too
// big for brute force. It adds the left nodes one at a time and, for each, augments along a shortest path in the residual network
// (Dijkstra on reduced costs), so after each step the solution is optimal for
// the left nodes added so far.
func solveSSP(p *Problem) (*Solution, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	s := newSSP(p)
	for i := range p.Left {
		if !s.add(int32(i)) {
			return nil, ErrInfeasible
		}
	}
	return s.solution(), nil
}

// ssp holds the residual network of the successive-shortest-path solver.
// Nodes are numbered left 0..L-1, right L..L+R-1, then the sink T.
type ssp struct {
	p       *Problem
	L, R, t int32
	start   []int32 // arcs of left i are order[start[i]:start[i+1]]
	order   []int32
	pi      []int64   // node potentials
	arc     []int32   // per left node: the arc it uses, -1 if none
	on      [][]int32 // per right node: the arcs that use it
	dist    []int64
	pred    []int32 // the arc into a node on its shortest path
	predT   int32   // the node before T: a right node with room, or a left node skipped
	seen    []bool
	touched []int32
	heap    nodeHeap
}

func newSSP(p *Problem) *ssp {
	L, R := int32(p.Left), int32(len(p.Capacity))
	n := L + R + 1
	s := &ssp{p: p, L: L, R: R, t: L + R,
		start: make([]int32, L+1), order: make([]int32, len(p.Arcs)),
		pi: make([]int64, n), arc: make([]int32, L), on: make([][]int32, R),
		dist: make([]int64, n), pred: make([]int32, n), seen: make([]bool, n)}
	for _, a := range p.Arcs {
		s.start[a.Left+1]++
	}
	for i := range L {
		s.start[i+1] += s.start[i]
	}
	fill := append([]int32(nil), s.start[:L]...)
	for k, a := range p.Arcs {
		s.order[fill[a.Left]] = int32(k)
		fill[a.Left]++
	}
	for i := range s.arc {
		s.arc[i] = -1
	}
	for i := range s.dist {
		s.dist[i] = inf
	}
	return s
}

// skip returns the cost of leaving left node i unassigned, or inf.
func (s *ssp) skip(i int32) int64 {
	if s.p.Skip == nil {
		return inf
	}
	return s.p.Skip[i]
}

// add brings left node i0 into the solution along a shortest augmenting
// path. It reports false when no path exists.
func (s *ssp) add(i0 int32) bool {
	p := s.p
	// A new node has no incoming residual arcs; a potential that makes its
	// arcs' reduced costs non-negative is all it needs.
	best := int64(-inf)
	for _, k := range s.order[s.start[i0]:s.start[i0+1]] {
		a := p.Arcs[k]
		best = max(best, s.pi[s.L+a.Right]-a.Cost)
	}
	if sk := s.skip(i0); sk < inf {
		best = max(best, s.pi[s.t]-sk)
	}
	if best == -inf {
		return false
	}
	s.pi[i0] = best
	s.dist[i0] = 0
	s.touched = append(s.touched, i0)
	s.heap.push(heapEntry{0, i0})
	found := false
	var D int64
	for len(s.heap) > 0 {
		e := s.heap.pop()
		x := e.node
		if s.seen[x] || e.dist > s.dist[x] {
			continue
		}
		s.seen[x] = true
		d := e.dist
		if x == s.t {
			found, D = true, d
			break
		}
		if x < s.L {
			for _, k := range s.order[s.start[x]:s.start[x+1]] {
				a := p.Arcs[k]
				r := s.L + a.Right
				s.relax(r, d+a.Cost+s.pi[x]-s.pi[r], k)
			}
			if sk := s.skip(x); sk < inf {
				s.relax(s.t, d+sk+s.pi[x]-s.pi[s.t], x)
			}
			continue
		}
		r := x - s.L
		if int32(len(s.on[r])) < p.Capacity[r] {
			s.relax(s.t, d+s.pi[x]-s.pi[s.t], x)
		}
		for _, k := range s.on[r] {
			a := p.Arcs[k]
			s.relax(a.Left, d-a.Cost+s.pi[x]-s.pi[a.Left], k)
		}
	}
	s.heap = s.heap[:0]
	if found {
		for _, x := range s.touched {
			if s.seen[x] && s.dist[x] < D {
				s.pi[x] -= D - s.dist[x]
			}
		}
		s.augment()
	}
	for _, x := range s.touched {
		s.dist[x], s.seen[x] = inf, false
	}
	s.touched = s.touched[:0]
	return found
}

// relax offers node x distance d through k: an arc, or for T the node
// before it.
func (s *ssp) relax(x int32, d int64, k int32) {
	if d >= s.dist[x] {
		return
	}
	if s.dist[x] == inf {
		s.touched = append(s.touched, x)
	}
	s.dist[x] = d
	if x == s.t {
		s.predT = k
	} else {
		s.pred[x] = k
	}
	s.heap.push(heapEntry{d, x})
}

// augment shifts one unit along the shortest path that ends in T, from its
// end back to the new left node.
func (s *ssp) augment() {
	arcs := s.p.Arcs
	x := s.predT
	if x < s.L { // the path ends by leaving left node x unassigned
		old := s.arc[x]
		s.arc[x] = -1
		if old < 0 {
			return
		}
		s.leave(old)
		x = s.L + arcs[old].Right
	}
	for { // right node x takes the unit of the left node before it
		k := s.pred[x]
		z := arcs[k].Left
		old := s.arc[z]
		s.arc[z] = k
		s.on[x-s.L] = append(s.on[x-s.L], k)
		if old < 0 {
			return
		}
		s.leave(old)
		x = s.L + arcs[old].Right
	}
}

// leave takes arc k off the list of its right node.
func (s *ssp) leave(k int32) {
	on := s.on[s.p.Arcs[k].Right]
	for j, a := range on {
		if a == k {
			on[j] = on[len(on)-1]
			s.on[s.p.Arcs[k].Right] = on[:len(on)-1]
			return
		}
	}
}

// solution reads the assignment and its cost.
func (s *ssp) solution() *Solution {
	sol := &Solution{Right: make([]int32, s.L)}
	for i, k := range s.arc {
		if k < 0 {
			sol.Right[i] = -1
			sol.Cost += s.p.Skip[i]
			continue
		}
		sol.Right[i] = s.p.Arcs[k].Right
		sol.Cost += s.p.Arcs[k].Cost
	}
	return sol
}
