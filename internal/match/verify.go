package match

import (
	"errors"
	"fmt"
	"math/big"
)

// ErrNotOptimal is returned by Verify when a solution's prices do not prove
// it optimal.
var ErrNotOptimal = errors.New("match: solution not proven optimal")

// Verify checks s against p without trusting how it was found: every left
// node on an arc it has or skipped only where p allows, no right node over
// capacity, Cost the sum of what was chosen, and Cost optimal.
//
// Optimality is proven by linear programming duality. With s.Price as the
// price p_r ≥ 0 of a unit of right node r, each left node i pays
// u_i = min(Skip[i], min over its arcs of cost + p_r), and
// Σ u_i − Σ Capacity[r]·p_r is a lower bound on the cost of any solution;
// a Cost equal to it is optimal.
func Verify(p *Problem, s *Solution) error {
	if err := p.validate(); err != nil {
		return err
	}
	if len(s.Right) != p.Left || len(s.Price) != len(p.Capacity) {
		return fmt.Errorf("%w: %d right nodes and %d prices for %d left and %d right nodes",
			ErrInvalid, len(s.Right), len(s.Price), p.Left, len(p.Capacity))
	}
	limit := costLimit(p.Left + len(p.Capacity))
	for r, price := range s.Price {
		if price < 0 || price > 4*limit {
			return fmt.Errorf("%w: price of right node %d is %d, outside [0, %d]", ErrNotOptimal, r, price, 4*limit)
		}
	}
	pay := make([]int64, p.Left) // u_i
	chosen := make([]int64, p.Left)
	for i := range pay {
		pay[i], chosen[i] = inf, inf
		if p.Skip != nil {
			pay[i] = p.Skip[i]
			if s.Right[i] == -1 {
				chosen[i] = p.Skip[i]
			}
		}
	}
	for _, a := range p.Arcs {
		pay[a.Left] = min(pay[a.Left], a.Cost+s.Price[a.Right])
		if s.Right[a.Left] == a.Right {
			chosen[a.Left] = min(chosen[a.Left], a.Cost)
		}
	}
	used := make([]int64, len(p.Capacity))
	var cost int64
	bound := new(big.Int)
	for i, c := range chosen {
		if c == inf {
			return fmt.Errorf("%w: left node %d is given right node %d, which it has no arc to or may not skip", ErrInvalid, i, s.Right[i])
		}
		if r := s.Right[i]; r >= 0 {
			used[r]++
		}
		cost += c
		bound.Add(bound, big.NewInt(pay[i]))
	}
	for r, u := range used {
		if u > int64(p.Capacity[r]) {
			return fmt.Errorf("%w: right node %d holds %d, over its capacity %d", ErrInvalid, r, u, p.Capacity[r])
		}
		bound.Sub(bound, new(big.Int).Mul(big.NewInt(int64(p.Capacity[r])), big.NewInt(s.Price[r])))
	}
	if cost != s.Cost {
		return fmt.Errorf("%w: Cost is %d, but what was chosen costs %d", ErrInvalid, s.Cost, cost)
	}
	if bound.Cmp(big.NewInt(cost)) != 0 {
		return fmt.Errorf("%w: cost %d, the prices bound it only from below by %s", ErrNotOptimal, cost, bound)
	}
	return nil
}
