package match

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// bruteSolve enumerates every choice of one arc or a skip for each left
// node and returns the least cost that keeps every right node within its
// capacity, and false when no choice is feasible.
func bruteSolve(p *Problem) (int64, bool) {
	byLeft := make([][]Arc, p.Left)
	for _, a := range p.Arcs {
		byLeft[a.Left] = append(byLeft[a.Left], a)
	}
	used := make([]int32, len(p.Capacity))
	best, found := int64(0), false
	var walk func(i int, cost int64)
	walk = func(i int, cost int64) {
		if i == p.Left {
			if !found || cost < best {
				best, found = cost, true
			}
			return
		}
		if p.Skip != nil {
			walk(i+1, cost+p.Skip[i])
		}
		for _, a := range byLeft[i] {
			if used[a.Right] < p.Capacity[a.Right] {
				used[a.Right]++
				walk(i+1, cost+a.Cost)
				used[a.Right]--
			}
		}
	}
	walk(0, 0)
	return best, found
}

// bruteAssign tries every permutation.
func bruteAssign(n int, cost []int64) int64 {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	best, first := int64(0), true
	var walk func(k int, sum int64)
	walk = func(k int, sum int64) {
		if k == n {
			if first || sum < best {
				best, first = sum, false
			}
			return
		}
		for j := k; j < n; j++ {
			perm[k], perm[j] = perm[j], perm[k]
			walk(k+1, sum+cost[k*n+perm[k]])
			perm[k], perm[j] = perm[j], perm[k]
		}
	}
	walk(0, 0)
	return best
}

// randomProblem draws a small problem: left nodes with up to four arcs,
// right nodes of capacity 0 to 2, costs that may be negative and often tie.
func randomProblem(rng *rand.Rand, withSkip bool) *Problem {
	p := &Problem{Left: 1 + rng.IntN(7), Capacity: make([]int32, 1+rng.IntN(5))}
	for r := range p.Capacity {
		p.Capacity[r] = int32(rng.IntN(3))
	}
	span := []int64{3, 20, 1000}[rng.IntN(3)]
	for i := range p.Left {
		for range rng.IntN(5) {
			p.Arcs = append(p.Arcs, Arc{int32(i), int32(rng.IntN(len(p.Capacity))), rng.Int64N(span) - span/4})
		}
	}
	if withSkip {
		p.Skip = make([]int64, p.Left)
		for i := range p.Skip {
			p.Skip[i] = rng.Int64N(2 * span)
		}
	}
	return p
}

// optimal checks a solver's answer to instance n, p, (got, err) against
// the reference's (want, wantErr): the same error when p has no solution,
// otherwise a feasible solution proven optimal by Verify, of the
// reference's cost. It reports whether there was a solution to look at
// further.
func optimal(tb testing.TB, n int, p *Problem, got *Solution, err error, want *Solution, wantErr error) bool {
	tb.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			tb.Fatalf("instance %d: err = %v, want %v", n, err, wantErr)
		}
		return false
	}
	if err != nil {
		tb.Fatalf("instance %d: %v", n, err)
	}
	checkSolution(tb, p, got)
	if err := Verify(p, got); err != nil {
		tb.Fatalf("instance %d: Verify: %v", n, err)
	}
	if got.Cost != want.Cost {
		tb.Fatalf("instance %d: cost %d, want %d", n, got.Cost, want.Cost)
	}
	return true
}

// checkSolution verifies s against p: arcs that exist, capacities kept, and
// the cost it claims.
func checkSolution(tb testing.TB, p *Problem, s *Solution) {
	tb.Helper()
	if len(s.Right) != p.Left {
		tb.Fatalf("len(Right) = %d, want %d", len(s.Right), p.Left)
	}
	cheapest := map[[2]int32]int64{}
	for _, a := range p.Arcs {
		key := [2]int32{a.Left, a.Right}
		if c, ok := cheapest[key]; !ok || a.Cost < c {
			cheapest[key] = a.Cost
		}
	}
	used := make([]int32, len(p.Capacity))
	var cost int64
	for i, r := range s.Right {
		if r < 0 {
			if p.Skip == nil {
				tb.Fatalf("left %d unassigned with nil Skip", i)
			}
			cost += p.Skip[i]
			continue
		}
		c, ok := cheapest[[2]int32{int32(i), r}]
		if !ok {
			tb.Fatalf("left %d assigned to right %d without an arc", i, r)
		}
		cost += c
		used[r]++
	}
	for r, u := range used {
		if u > p.Capacity[r] {
			tb.Fatalf("right %d holds %d, capacity %d", r, u, p.Capacity[r])
		}
	}
	if cost != s.Cost {
		tb.Fatalf("Cost = %d, but the assignment costs %d", s.Cost, cost)
	}
}

func TestSolveMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		p := randomProblem(rng, n%2 == 0)
		want, feasible := bruteSolve(p)
		s, err := Solve(p)
		if !feasible {
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("instance %d: err = %v, want ErrInfeasible\n%+v", n, err, p)
			}
			continue
		}
		if err != nil {
			t.Fatalf("instance %d: %v\n%+v", n, err, p)
		}
		checkSolution(t, p, s)
		if err := Verify(p, s); err != nil {
			t.Fatalf("instance %d: Verify: %v\n%+v", n, err, p)
		}
		if s.Cost != want {
			t.Fatalf("instance %d: cost %d, want %d\n%+v", n, s.Cost, want, p)
		}
		// Starting from one arc a class, the arcs left out join by price.
		if s, err = solve(p, 1); err != nil || s.Cost != want {
			t.Fatalf("instance %d: from one arc a class: %v, %v; want cost %d", n, s, err, want)
		}
	}
}

func TestAssignMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 2000 {
		size := rng.IntN(8)
		span := []int64{2, 10, 1_000_000}[n%3]
		cost := make([]int64, size*size)
		for k := range cost {
			cost[k] = rng.Int64N(span) - span/3
		}
		cols, total, err := Assign(size, cost)
		if err != nil {
			t.Fatalf("instance %d: %v", n, err)
		}
		seen := make([]bool, size)
		var sum int64
		for i, j := range cols {
			if j < 0 || int(j) >= size || seen[j] {
				t.Fatalf("instance %d: row %d gets column %d: not a permutation %v", n, i, j, cols)
			}
			seen[j] = true
			sum += cost[i*size+int(j)]
		}
		if want := bruteAssign(size, cost); total != want || sum != want {
			t.Fatalf("instance %d: total %d (sum %d), want %d; cost %v", n, total, sum, want, cost)
		}
	}
}

// Many left nodes share rows here, so classes of several units form, and
// the instances are too big for brute force: the plain successive shortest
// path solver is the reference.
func TestSolveMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := range 400 {
		p := &Problem{Left: 1 + rng.IntN(60), Capacity: make([]int32, 1+rng.IntN(30))}
		for r := range p.Capacity {
			p.Capacity[r] = int32(rng.IntN(4))
		}
		rows := make([][]Arc, 1+rng.IntN(6))
		span := []int64{4, 50, 100_000}[n%3]
		for j := range rows {
			for range rng.IntN(8) {
				rows[j] = append(rows[j], Arc{Right: int32(rng.IntN(len(p.Capacity))), Cost: rng.Int64N(span) - span/5})
			}
		}
		skips := []int64{rng.Int64N(2 * span), rng.Int64N(2 * span), 3 * span}
		if n%4 != 0 {
			p.Skip = make([]int64, p.Left)
		}
		for i := range p.Left {
			for _, a := range rows[rng.IntN(len(rows))] {
				a.Left = int32(i)
				p.Arcs = append(p.Arcs, a)
			}
			if p.Skip != nil {
				p.Skip[i] = skips[rng.IntN(len(skips))]
			}
		}
		if n%2 == 1 { // rows in a different order form classes of their own
			rng.Shuffle(len(p.Arcs), func(a, b int) { p.Arcs[a], p.Arcs[b] = p.Arcs[b], p.Arcs[a] })
		}
		want, werr := solveSSP(p)
		got, err := Solve(p)
		if !optimal(t, n, p, got, err, want, werr) {
			continue
		}
		few, err := solve(p, 1)
		if err != nil {
			t.Fatalf("instance %d: from one arc a class: %v", n, err)
		}
		checkSolution(t, p, few)
		if err := Verify(p, few); err != nil || few.Cost != want.Cost {
			t.Fatalf("instance %d: from one arc a class: cost %d, want %d; Verify: %v", n, few.Cost, want.Cost, err)
		}
	}
}

// A small synthetic day, solved by Solve and by the reference.
func TestSolveDayMatchesReference(t *testing.T) {
	for seed := range uint64(5) {
		p, err := Day(DayParams{Requests: 300, Specialists: 12, Slots: 4, Specialties: 3, Languages: 3}, seed)
		if err != nil {
			t.Fatal(err)
		}
		want, err := solveSSP(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Solve(p)
		if err != nil {
			t.Fatal(err)
		}
		checkSolution(t, p, got)
		if err := Verify(p, got); err != nil {
			t.Errorf("seed %d: Verify: %v", seed, err)
		}
		if few, err := solve(p, 2); err != nil || few.Cost != want.Cost {
			t.Errorf("seed %d: from two arcs a class: %v, %v; want cost %d", seed, few, err, want.Cost)
		}
		if got.Cost != want.Cost {
			t.Errorf("seed %d: cost %d, want %d", seed, got.Cost, want.Cost)
		}
	}
}

// Requests filed at different times wait different lengths: each row is
// shifted by its own constant, which must not change what is optimal. Some
// rows also get a little noise, so they stay classes of their own.
func TestSolveShiftedDayMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for seed := range uint64(4) {
		p, err := Day(DayParams{Requests: 200, Specialists: 20, Slots: 6, Specialties: 2, Languages: 2}, seed)
		if err != nil {
			t.Fatal(err)
		}
		shift := make([]int64, p.Left)
		for i := range shift {
			shift[i] = rng.Int64N(1000)
			p.Skip[i] += shift[i]
		}
		for k := range p.Arcs {
			p.Arcs[k].Cost += shift[p.Arcs[k].Left]
			if p.Arcs[k].Left%5 == 0 {
				p.Arcs[k].Cost += rng.Int64N(3)
			}
		}
		want, err := solveSSP(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, first := range []int{0, 1, 4} {
			got, err := solve(p, first)
			if err != nil {
				t.Fatal(err)
			}
			checkSolution(t, p, got)
			if err := Verify(p, got); err != nil || got.Cost != want.Cost {
				t.Errorf("seed %d, first %d: cost %d, want %d; Verify: %v", seed, first, got.Cost, want.Cost, err)
			}
		}
	}
}
