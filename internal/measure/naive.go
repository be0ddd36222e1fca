package measure

import "math"

// Naive computes the measures of rows one person at a time, straight from the
// definitions, with no precomputed tables and no rolled-up sums. It is the
// reference the tests hold the index to and far too slow for real use. The
// Result has no Region and no Children; p must be valid.
func Naive(rows []Household, p Params) Result {
	var r Result
	var p1, p2, scoreSum float64
	z := float64(p.Line)
	for _, h := range rows {
		r.Households++
		c := 0.0
		for j, w := range p.Weights {
			if h.Deprived>>j&1 == 1 {
				c += w
			}
		}
		mpiPoor := len(p.Weights) > 0 && c >= p.K-scoreEpsilon
		for range h.Persons {
			r.Persons++
			if h.Income < p.Line {
				r.PoorPersons++
				g := (z - float64(h.Income)) / z
				p1 += g
				p2 += math.Pow(g, 2)
			}
			if mpiPoor {
				r.MPIPoorPersons++
				scoreSum += c
			}
		}
	}
	if r.Persons == 0 {
		return r
	}
	n := float64(r.Persons)
	r.P0 = float64(r.PoorPersons) / n
	r.P1 = p1 / n
	r.P2 = p2 / n
	if r.MPIPoorPersons > 0 {
		r.MPI.H = float64(r.MPIPoorPersons) / n
		r.MPI.A = scoreSum / float64(r.MPIPoorPersons)
		r.MPI.M0 = r.MPI.H * r.MPI.A
	}
	return r
}
