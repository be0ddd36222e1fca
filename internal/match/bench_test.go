package match

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkAssign5000(b *testing.B) {
	const n = 5000
	cost := RandomDense(n, 1_000_000, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Assign(n, cost); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolveDay(b *testing.B) {
	p, err := Day(DefaultDay(), 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Solve(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSolveDayDistinct solves the day with a little noise on every
// arc's cost, so no two requests share a row.
func BenchmarkSolveDayDistinct(b *testing.B) {
	dp := DefaultDay()
	dp.Requests /= 4
	p, err := Day(dp, 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for k := range p.Arcs {
		p.Arcs[k].Cost += rng.Int64N(10)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Solve(p); err != nil {
			b.Fatal(err)
		}
	}
}
