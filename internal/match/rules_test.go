package match

import (
	"errors"
	"strings"
	"testing"
)

// When capacity is short, the requests whose Skip is high (the urgent ones)
// are the ones served, even when a routine request would be cheaper to place.
func TestSolveServesUrgentFirst(t *testing.T) {
	const routine, urgent, emergency = 100, 1_000, 10_000
	p := &Problem{Left: 6, Capacity: []int32{1, 1}}
	skip := []int64{routine, emergency, routine, urgent, routine, routine}
	p.Skip = skip
	for i := range p.Left {
		for r := range 2 {
			// Routine requests are cheaper to serve than the others.
			cost := int64(10 + r)
			if skip[i] > routine {
				cost += 50
			}
			p.Arcs = append(p.Arcs, Arc{int32(i), int32(r), cost})
		}
	}
	s, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	checkSolution(t, p, s)
	for i, r := range s.Right {
		if served, want := r >= 0, skip[i] > routine; served != want {
			t.Errorf("left %d (skip %d): served %v, want %v; solution %v", i, skip[i], served, want, s.Right)
		}
	}
	if want := int64(60+61) + 4*routine; s.Cost != want {
		t.Errorf("cost %d, want %d", s.Cost, want)
	}
}

func TestSolveInfeasible(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *Problem
	}{
		{"CapacityShort", &Problem{Left: 3, Capacity: []int32{2}, Arcs: []Arc{{0, 0, 1}, {1, 0, 1}, {2, 0, 1}}}},
		{"NoArcs", &Problem{Left: 2, Capacity: []int32{5}, Arcs: []Arc{{0, 0, 1}}}},
		{"ZeroCapacity", &Problem{Left: 1, Capacity: []int32{0}, Arcs: []Arc{{0, 0, 1}}}},
		{"HallViolation", &Problem{Left: 3, Capacity: []int32{1, 1, 5},
			Arcs: []Arc{{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}, {2, 1, 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Solve(tc.p); !errors.Is(err, ErrInfeasible) {
				t.Errorf("err = %v, want ErrInfeasible", err)
			}
			if _, err := solve(tc.p, 1); !errors.Is(err, ErrInfeasible) {
				t.Errorf("from one arc a class: err = %v, want ErrInfeasible", err)
			}
		})
	}
}

func TestSolveEmpty(t *testing.T) {
	s, err := Solve(&Problem{})
	if err != nil || len(s.Right) != 0 || s.Cost != 0 {
		t.Errorf("Solve(empty) = %+v, %v; want no nodes, cost 0", s, err)
	}
	cols, total, err := Assign(0, nil)
	if err != nil || len(cols) != 0 || total != 0 {
		t.Errorf("Assign(0) = %v, %d, %v", cols, total, err)
	}
}

func TestSolveRefusesBadInput(t *testing.T) {
	big := costLimit(2) + 1 // one left and one right node
	for _, tc := range []struct {
		name string
		p    *Problem
		want string
	}{
		{"Nil", nil, "nil problem"},
		{"NegativeLeft", &Problem{Left: -1}, "Left -1"},
		{"NegativeCapacity", &Problem{Left: 1, Capacity: []int32{1, -2}}, "Capacity[1] is -2"},
		{"LeftOutOfRange", &Problem{Left: 1, Capacity: []int32{1}, Arcs: []Arc{{1, 0, 0}}}, "arc 0: left node 1 out of range"},
		{"RightOutOfRange", &Problem{Left: 1, Capacity: []int32{1}, Arcs: []Arc{{0, 0, 0}, {0, -1, 0}}}, "arc 1: right node -1 out of range"},
		{"SkipLength", &Problem{Left: 2, Capacity: []int32{1}, Skip: []int64{1}}, "len(Skip) is 1"},
		{"CostOverflow", &Problem{Left: 1, Capacity: []int32{1}, Arcs: []Arc{{0, 0, big}}}, "arc 0: cost"},
		{"SkipOverflow", &Problem{Left: 1, Capacity: []int32{1}, Skip: []int64{-big}}, "Skip[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Solve(tc.p)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}

func TestAssignRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		cost []int64
		want string
	}{
		{"NegativeN", -1, nil, "n = -1"},
		{"ShortMatrix", 2, []int64{1, 2, 3}, "len(cost) is 3, want n×n = 4"},
		{"CostOverflow", 2, []int64{1, 2, 3, 1 << 62}, "cost[3] (row 1, column 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Assign(tc.n, tc.cost)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}
