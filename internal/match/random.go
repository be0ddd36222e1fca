package match

import "math/rand/v2"

// RandomDense returns an n×n row-major matrix of costs drawn uniformly from
// [0, span) with a fixed seed: the assignment benchmark's instance.
func RandomDense(n int, span int64, seed uint64) []int64 {
	rng := rand.New(rand.NewPCG(seed, 0x6d61746368))
	cost := make([]int64, n*n)
	for k := range cost {
		cost[k] = rng.Int64N(span)
	}
	return cost
}
