package match

// Assign solves the dense n×n assignment problem: cost is row-major, row i
// column j at cost[i*n+j]. It returns each row's column and the total.
func Assign(n int, cost []int64) (rowToCol []int32, total int64, err error) {
	if err := validateDense(n, cost); err != nil {
		return nil, 0, err
	}
	p := &Problem{Left: n, Capacity: make([]int32, n), Arcs: make([]Arc, 0, n*n)}
	for j := range p.Capacity {
		p.Capacity[j] = 1
	}
	for i := range n {
		for j := range n {
			p.Arcs = append(p.Arcs, Arc{int32(i), int32(j), cost[i*n+j]})
		}
	}
	s, err := Solve(p)
	if err != nil {
		return nil, 0, err
	}
	return s.Right, s.Cost, nil
}
