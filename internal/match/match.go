// Package match solves assignment and transportation problems exactly: the
// optimiser behind consultation matching, where requests (left nodes) are
// given to specialists' slots (right nodes) at the lowest total cost.
//
// Solve takes the sparse, capacitated form a day of requests has, and
// SolveClasses the same with alike requests given once as a class; Assign
// takes a dense square cost matrix. All are exact on integer costs. The
// package imports no other part of Tide.
package match

import (
	"errors"
	"fmt"
	"math"
)

// inf stands for no path; sums of two never overflow.
const inf = math.MaxInt64 / 4

// Arc lets left node Left take one unit of right node Right at Cost.
type Arc struct {
	Left, Right int32
	Cost        int64
}

// Problem is a transportation problem: each left node (a request) needs one
// unit, each right node (a slot) has Capacity units. Skip[i] (optional, len
// Left) is the cost of leaving left node i unassigned; nil Skip means every
// left node must be assigned, and Solve returns ErrInfeasible when that is
// impossible.
type Problem struct {
	Left     int
	Capacity []int32
	Arcs     []Arc
	Skip     []int64
}

// Solution gives each left node its right node, -1 when unassigned, and the
// total cost, skip costs included.
//
// Price, from Solve, is what one more unit of each right node's capacity
// would save: zero where capacity is left over. It is the dual half of the
// solution and proves it optimal; see Verify.
type Solution struct {
	Right []int32
	Cost  int64
	Price []int64
}

var (
	// ErrInfeasible means some left node cannot be assigned while Skip is nil.
	ErrInfeasible = errors.New("match: no assignment serves every left node")
	// ErrInvalid is wrapped by every error about malformed input.
	ErrInvalid = errors.New("match: invalid problem")
)

// costLimit is the largest absolute cost allowed for a problem of n nodes.
// Costs are shifted by a row's least (doubling them at worst), and a
// potential or a path length sums at most about 2n of them: all stays below
// 2^58, far from inf and from overflow.
func costLimit(n int) int64 {
	return (int64(1) << 57) / int64(2*n+4)
}

// validate checks p before any work is done on it.
func (p *Problem) validate() error {
	_, err := p.check()
	return err
}

// rows says where each left node's arcs are: with arcs ordered by left
// node, left node i's are arcs[start[i]:start[i+1]].
type rows struct {
	start  []int32
	sorted bool // p.Arcs are already in that order
}

// check validates p and, in the same pass over the arcs, counts each left
// node's.
func (p *Problem) check() (rows, error) {
	var rs rows
	if err := p.checkNodes(); err != nil {
		return rs, err
	}
	limit := costLimit(p.Left + len(p.Capacity))
	L, R := int32(p.Left), int32(len(p.Capacity))
	rs.start = make([]int32, L+1)
	rs.sorted = true
	prev := int32(0)
	for k, a := range p.Arcs {
		switch {
		case a.Left < 0 || a.Left >= L:
			return rs, fmt.Errorf("%w: arc %d: left node %d out of range [0, %d)", ErrInvalid, k, a.Left, p.Left)
		case a.Right < 0 || a.Right >= R:
			return rs, fmt.Errorf("%w: arc %d: right node %d out of range [0, %d)", ErrInvalid, k, a.Right, len(p.Capacity))
		case a.Cost > limit || a.Cost < -limit:
			return rs, fmt.Errorf("%w: arc %d: cost %d is outside ±%d, where sums could overflow", ErrInvalid, k, a.Cost, limit)
		}
		rs.start[a.Left+1]++
		rs.sorted = rs.sorted && a.Left >= prev
		prev = a.Left
	}
	for i := range L {
		rs.start[i+1] += rs.start[i]
	}
	return rs, nil
}

// checkNodes validates all of p but its arcs.
func (p *Problem) checkNodes() error {
	if p == nil {
		return fmt.Errorf("%w: nil problem", ErrInvalid)
	}
	if p.Left < 0 || p.Left > 1<<30 {
		return fmt.Errorf("%w: Left %d out of range", ErrInvalid, p.Left)
	}
	if len(p.Capacity) > 1<<30 {
		return fmt.Errorf("%w: %d right nodes, too many", ErrInvalid, len(p.Capacity))
	}
	for r, c := range p.Capacity {
		if c < 0 {
			return fmt.Errorf("%w: Capacity[%d] is %d, negative", ErrInvalid, r, c)
		}
	}
	if p.Skip != nil && len(p.Skip) != p.Left {
		return fmt.Errorf("%w: len(Skip) is %d, want Left = %d", ErrInvalid, len(p.Skip), p.Left)
	}
	limit := costLimit(p.Left + len(p.Capacity))
	for i, s := range p.Skip {
		if s > limit || s < -limit {
			return fmt.Errorf("%w: Skip[%d] = %d is outside ±%d, where sums could overflow", ErrInvalid, i, s, limit)
		}
	}
	return nil
}

// validateDense checks the arguments of Assign.
func validateDense(n int, cost []int64) error {
	if n < 0 || n > 1<<20 {
		return fmt.Errorf("%w: n = %d out of range", ErrInvalid, n)
	}
	if len(cost) != n*n {
		return fmt.Errorf("%w: len(cost) is %d, want n×n = %d", ErrInvalid, len(cost), n*n)
	}
	limit := costLimit(2 * n)
	for k, c := range cost {
		if c > limit || c < -limit {
			return fmt.Errorf("%w: cost[%d] (row %d, column %d) = %d is outside ±%d, where sums could overflow",
				ErrInvalid, k, k/n, k%n, c, limit)
		}
	}
	return nil
}
