package match_test

import (
	"fmt"

	"github.com/tide-project/tide/internal/match"
)

// Three requests, two one-place slots: the emergency (high Skip) and the
// urgent request are served, the routine one waits for another day, though
// it would have been the cheapest to place.
func ExampleSolve() {
	p := &match.Problem{
		Left:     3,
		Capacity: []int32{1, 1},
		Skip:     []int64{100_000, 10_000, 1_000}, // emergency, urgent, routine
		Arcs: []match.Arc{
			{Left: 0, Right: 0, Cost: 600}, {Left: 0, Right: 1, Cost: 6_000},
			{Left: 1, Right: 0, Cost: 60}, {Left: 1, Right: 1, Cost: 600},
			{Left: 2, Right: 0, Cost: 6}, {Left: 2, Right: 1, Cost: 60},
		},
	}
	s, err := match.Solve(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Right, s.Cost, match.Verify(p, s))
	// Output: [0 1 -1] 2200 <nil>
}
