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
