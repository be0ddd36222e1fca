package match

import (
	"errors"
	"testing"
)

// problemFromBytes reads a small problem from fuzz input: sizes, then
// capacities, then arcs as (left, right, cost) bytes, with skips when the
// first byte is odd.
func problemFromBytes(data []byte) *Problem {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	withSkip := next()%2 == 1
	p := &Problem{Left: 1 + next()%6, Capacity: make([]int32, 1+next()%4)}
	for r := range p.Capacity {
		p.Capacity[r] = int32(next() % 3)
	}
	if withSkip {
		p.Skip = make([]int64, p.Left)
		for i := range p.Skip {
			p.Skip[i] = int64(next()) - 60
		}
	}
	for range min(len(data)/3, 20) {
		p.Arcs = append(p.Arcs, Arc{int32(next() % p.Left), int32(next() % len(p.Capacity)), int64(next()) - 100})
	}
	return p
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{1, 3, 2, 1, 1, 2, 50, 60, 70, 80, 0, 0, 10, 1, 1, 20, 2, 0, 5, 3, 1, 7})
	f.Add([]byte{0, 5, 1, 2, 0, 0, 9, 1, 0, 9, 2, 0, 9, 3, 0, 8})
	f.Add([]byte{1, 2, 3, 0, 1, 1, 1, 200, 0, 0, 0, 0, 1, 0, 1, 2, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := problemFromBytes(data)
		want, feasible := bruteSolve(p)
		for _, first := range []int{0, 1} {
			s, err := solve(p, first)
			if !feasible {
				if !errors.Is(err, ErrInfeasible) {
					t.Fatalf("first %d: err = %v, want ErrInfeasible\n%+v", first, err, p)
				}
				continue
			}
			if err != nil {
				t.Fatalf("first %d: %v\n%+v", first, err, p)
			}
			checkSolution(t, p, s)
			if err := Verify(p, s); err != nil || s.Cost != want {
				t.Fatalf("first %d: cost %d, want %d; Verify: %v\n%+v", first, s.Cost, want, err, p)
			}
		}
	})
}
