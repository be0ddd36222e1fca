package match

import "testing"

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
