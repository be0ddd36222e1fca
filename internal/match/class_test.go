package match

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomClassProblem draws a problem of up to six classes, some with no
// left node, rows of up to eight arcs that may repeat a right node, and
// costs that may be negative and often tie.
func randomClassProblem(rng *rand.Rand, left int, withSkip bool) *ClassProblem {
	p := &ClassProblem{Classes: 1 + rng.IntN(6), Class: make([]int32, left), Capacity: make([]int32, 1+rng.IntN(30))}
	for r := range p.Capacity {
		p.Capacity[r] = int32(rng.IntN(4))
	}
	for i := range p.Class {
		p.Class[i] = int32(rng.IntN(p.Classes))
	}
	span := []int64{4, 50, 100_000}[rng.IntN(3)]
	for k := range p.Classes {
		for range rng.IntN(9) {
			p.Arcs = append(p.Arcs, Arc{int32(k), int32(rng.IntN(len(p.Capacity))), rng.Int64N(span) - span/5})
		}
	}
	rng.Shuffle(len(p.Arcs), func(a, b int) { p.Arcs[a], p.Arcs[b] = p.Arcs[b], p.Arcs[a] })
	if withSkip {
		p.Skip = make([]int64, p.Classes)
		for k := range p.Skip {
			p.Skip[k] = rng.Int64N(2 * span)
		}
	}
	return p
}

// The class form solves to the cost the expanded form has, by brute force
// on small instances and by the reference on larger ones, and its solution
// is a valid, proven optimal one of the expanded form.
func TestSolveClassesMatchesExpanded(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := range 2000 {
		small := n%2 == 0
		left := 1 + rng.IntN(60)
		if small {
			left = 1 + rng.IntN(7)
		}
		cp := randomClassProblem(rng, left, n%4 != 1)
		p := cp.Problem()
		var want int64
		var werr error
		if small {
			cost, feasible := bruteSolve(p)
			want, werr = cost, nil
			if !feasible {
				werr = ErrInfeasible
			}
		} else {
			s, err := solveSSP(p)
			werr = err
			if err == nil {
				want = s.Cost
			}
		}
		got, err := SolveClasses(cp)
		if !optimal(t, n, p, got, err, &Solution{Cost: want}, werr) {
			continue
		}
		if s, err := Solve(p); err != nil || s.Cost != want {
			t.Fatalf("instance %d: Solve of the expanded form: %v, %v; want cost %d", n, s, err, want)
		}
		// Starting from one arc a class, the arcs left out join by price.
		few, err := solveClasses(cp, 1)
		if err != nil {
			t.Fatalf("instance %d: from one arc a class: %v", n, err)
		}
		checkSolution(t, p, few)
		if err := Verify(p, few); err != nil || few.Cost != want {
			t.Fatalf("instance %d: from one arc a class: cost %d, want %d; Verify: %v", n, few.Cost, want, err)
		}
	}
}

// A synthetic day given by classes solves as the day does, with all arcs
// taking part at once and with classes choosing theirs as they are placed.
func TestSolveClassesDay(t *testing.T) {
	p, err := Day(DayParams{Requests: 300, Specialists: 12, Slots: 4, Specialties: 3, Languages: 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cp := &ClassProblem{Class: make([]int32, p.Left), Capacity: p.Capacity}
	rowOf := map[string]int32{}
	start := 0
	for i := range p.Left {
		end := start
		for end < len(p.Arcs) && p.Arcs[end].Left == int32(i) {
			end++
		}
		var key strings.Builder
		for _, a := range p.Arcs[start:end] {
			fmt.Fprint(&key, a.Right, " ", a.Cost, " ")
		}
		fmt.Fprint(&key, p.Skip[i])
		k, ok := rowOf[key.String()]
		if !ok {
			k = int32(cp.Classes)
			rowOf[key.String()] = k
			cp.Classes++
			cp.Skip = append(cp.Skip, p.Skip[i])
			for _, a := range p.Arcs[start:end] {
				cp.Arcs = append(cp.Arcs, Arc{k, a.Right, a.Cost})
			}
		}
		cp.Class[i] = k
		start = end
	}
	if cp.Classes >= p.Left/10 {
		t.Fatalf("%d classes of %d requests, want far fewer", cp.Classes, p.Left)
	}
	want, err := solveSSP(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, first := range []int{0, 2} {
		got, err := solveClasses(cp, first)
		if err != nil {
			t.Fatal(err)
		}
		checkSolution(t, p, got)
		if err := Verify(p, got); err != nil || got.Cost != want.Cost {
			t.Errorf("first %d: cost %d, want %d; Verify: %v", first, got.Cost, want.Cost, err)
		}
	}
}

func TestSolveClassesRefusesBadProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *ClassProblem
		want string
	}{
		{"Nil", nil, "nil problem"},
		{"ClassOutOfRange", &ClassProblem{Classes: 1, Class: []int32{1}, Capacity: []int32{1}}, "Class[0] is 1"},
		{"ArcClassOutOfRange", &ClassProblem{Classes: 1, Class: []int32{0}, Capacity: []int32{1}, Arcs: []Arc{{1, 0, 0}}}, "left node 1 out of range"},
		{"SkipLength", &ClassProblem{Classes: 2, Class: []int32{0}, Capacity: []int32{1}, Skip: []int64{1}}, "len(Skip) is 1"},
		{"CostTooBig", &ClassProblem{Classes: 1, Class: make([]int32, 1000), Capacity: []int32{1}, Arcs: []Arc{{0, 0, costLimit(3)}}}, "arc 0: cost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SolveClasses(tc.p)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}

// A day in small: specialties in a ring, each specialist practising two
// neighbours, so every class competes with the next; slots at a few equal
// times with room for several, costs that tie across specialists, and
// classes of many units. The search meets ties at every distance, full and
// free slots side by side, and, with the widest weights, rows whose costs
// span more than 2^32.
func TestSolveClassesSharedSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for n := range 300 {
		specialties, specialists, times := 2+rng.IntN(4), 2+rng.IntN(8), 1+rng.IntN(5)
		weights := [][]int64{{1, 10, 100}, {1, 1, 3}, {1, 1 << 20, 1 << 34}}[n%3]
		cp := &ClassProblem{Classes: specialties * len(weights), Capacity: make([]int32, specialists*times)}
		for r := range cp.Capacity {
			cp.Capacity[r] = int32(rng.IntN(4))
		}
		for k := range cp.Classes {
			specialty, w := k/len(weights), weights[k%len(weights)]
			for s := range specialists {
				if s%specialties != specialty && (s+1)%specialties != specialty {
					continue
				}
				extra := int64(0)
				if n%2 == 1 { // a language penalty or a load here and there
					extra = int64(rng.IntN(3)) * 30
				}
				for h := range times {
					cp.Arcs = append(cp.Arcs, Arc{Left: int32(k), Right: int32(s*times + h), Cost: w*int64(30*h) + extra})
				}
			}
		}
		for range rng.IntN(4 * len(cp.Capacity)) {
			cp.Class = append(cp.Class, int32(rng.IntN(cp.Classes)))
		}
		if n%4 != 0 {
			cp.Skip = make([]int64, cp.Classes)
			for k := range cp.Skip {
				cp.Skip[k] = weights[k%len(weights)] * int64(30*times+rng.IntN(60))
			}
		}
		p := cp.Problem()
		want, werr := solveSSP(p)
		got, err := SolveClasses(cp)
		optimal(t, n, p, got, err, want, werr)
	}
}
