package match

import "fmt"

// ClassProblem is a Problem whose left nodes come in classes of
// interchangeable ones, given once: every left node of a class has the
// class's arcs and skip cost. A caller that knows which of its left nodes
// are alike (a day's requests of the same specialty, language, urgency and
// windows) hands over one row per class rather than one per left node, and
// neither it nor the solver writes or reads the others.
//
// Class[i] is left node i's class, in [0, Classes). An Arc's Left is a
// class. Skip (optional, len Classes) is what leaving one left node of each
// class unassigned costs; nil Skip means every left node must be assigned.
type ClassProblem struct {
	Classes  int
	Class    []int32
	Capacity []int32
	Arcs     []Arc
	Skip     []int64
}

// SolveClasses returns a least-cost solution of p: each left node's right
// node, -1 when unassigned, the total cost and the right nodes' prices, as
// Solve returns for p.Problem(). Classes are not merged further.
func SolveClasses(p *ClassProblem) (*Solution, error) {
	return solveClasses(p, 0)
}

// solveClasses is SolveClasses with first as solve takes it.
func solveClasses(p *ClassProblem, first int) (*Solution, error) {
	rs, err := p.check()
	if err != nil {
		return nil, err
	}
	return newClassFlow(p, rs, first).run()
}

// Problem returns p with each class's row written out for every one of its
// left nodes, as Solve and Verify take it. p must be valid, as SolveClasses
// checks.
func (p *ClassProblem) Problem() *Problem {
	rs := rows{start: make([]int32, p.Classes+1)}
	for _, a := range p.Arcs {
		rs.start[a.Left+1]++
	}
	for k := range p.Classes {
		rs.start[k+1] += rs.start[k]
	}
	arcs := byLeft(&Problem{Left: p.Classes, Arcs: p.Arcs}, rs)
	q := &Problem{Left: len(p.Class), Capacity: p.Capacity}
	if p.Skip != nil {
		q.Skip = make([]int64, len(p.Class))
	}
	for i, k := range p.Class {
		for _, a := range arcs[rs.start[k]:rs.start[k+1]] {
			q.Arcs = append(q.Arcs, Arc{Left: int32(i), Right: a.Right, Cost: a.Cost})
		}
		if p.Skip != nil {
			q.Skip[i] = p.Skip[k]
		}
	}
	return q
}

// check validates p as Problem.check does, the classes standing for left
// nodes, and checks that every left node's class is one of them.
func (p *ClassProblem) check() (rows, error) {
	if p == nil {
		return rows{}, fmt.Errorf("%w: nil problem", ErrInvalid)
	}
	if len(p.Class) > 1<<30 {
		return rows{}, fmt.Errorf("%w: %d left nodes, too many", ErrInvalid, len(p.Class))
	}
	for i, k := range p.Class {
		if k < 0 || int(k) >= p.Classes {
			return rows{}, fmt.Errorf("%w: Class[%d] is %d, out of range [0, %d)", ErrInvalid, i, k, p.Classes)
		}
	}
	rs, err := (&Problem{Left: p.Classes, Capacity: p.Capacity, Arcs: p.Arcs, Skip: p.Skip}).check()
	if err != nil {
		return rs, err
	}
	// Costs were checked against the number of classes; a path or a
	// potential sums costs of at most all the nodes.
	limit := costLimit(len(p.Class) + len(p.Capacity))
	for k, a := range p.Arcs {
		if a.Cost > limit || a.Cost < -limit {
			return rs, fmt.Errorf("%w: arc %d: cost %d is outside ±%d, where sums could overflow", ErrInvalid, k, a.Cost, limit)
		}
	}
	for k, s := range p.Skip {
		if s > limit || s < -limit {
			return rs, fmt.Errorf("%w: Skip[%d] = %d is outside ±%d, where sums could overflow", ErrInvalid, k, s, limit)
		}
	}
	return rs, nil
}

// newClassFlow is newFlow for classes given by the caller.
func newClassFlow(p *ClassProblem, rs rows, first int) *flow {
	f := &flow{p: &Problem{Left: len(p.Class), Capacity: p.Capacity}, R: int32(len(p.Capacity))}
	f.classes(p, rs)
	return f.init(first)
}

// classes fills f's classes from those of p that have left nodes, taking
// each one's least cost, skip included, off its row as group does. A class
// without left nodes is left out: nothing would hold its price to its arcs.
func (f *flow) classes(p *ClassProblem, rs rows) {
	arcs := byLeft(&Problem{Left: p.Classes, Arcs: p.Arcs}, rs)
	size := make([]int32, p.Classes)
	for _, k := range p.Class {
		size[k]++
	}
	index := make([]int32, p.Classes) // class of p → class of f, -1 when empty
	var from []int32                  // class of f → class of p
	A := 0
	for k, n := range size {
		index[k] = -1
		if n > 0 {
			index[k] = int32(len(from))
			from = append(from, int32(k))
			A += int(rs.start[k+1] - rs.start[k])
		}
	}
	K := int32(len(from))
	f.K = K
	f.mstart = make([]int32, K+1)
	f.rem = make([]int32, K)
	f.astart = make([]int32, K+1)
	f.skip = make([]int64, K)
	f.skipped = make([]int32, K)
	f.right, f.cost, f.flow, f.classOf = make([]int32, A), make([]int64, A), make([]int32, A), make([]int32, A)
	for k, c := range from {
		f.rem[k] = size[c]
		f.mstart[k+1] = f.mstart[k] + size[c]
		least := int64(inf)
		if p.Skip != nil {
			least = p.Skip[c]
		}
		row := arcs[rs.start[c]:rs.start[c+1]]
		for _, x := range row {
			least = min(least, x.Cost)
		}
		base := int64(0)
		if least < inf {
			base = least
		}
		f.offset += base * int64(size[c])
		f.skip[k] = inf
		if p.Skip != nil {
			f.skip[k] = p.Skip[c] - base
		}
		a := f.astart[k]
		for _, x := range row {
			f.right[a], f.cost[a], f.classOf[a] = x.Right, x.Cost-base, int32(k)
			a++
		}
		f.astart[k+1] = a
	}
	f.members = make([]int32, len(p.Class))
	fill := append([]int32(nil), f.mstart[:K]...)
	for i, c := range p.Class {
		k := index[c]
		f.members[fill[k]] = int32(i)
		fill[k]++
	}
}
