package match

// Assign solves the dense n×n assignment problem: cost is row-major, row i
// column j at cost[i*n+j]. It returns each row's column and the least total.
//
// It is Jonker and Volgenant's algorithm (LAPJV): column reduction, two
// rounds of augmenting row reduction, then a shortest augmenting path from
// each row still free. Column prices v only ever fall, and every assigned
// row sits on a column of least reduced cost c[i][j] - v[j], which is what
// makes the result optimal.
func Assign(n int, cost []int64) (rowToCol []int32, total int64, err error) {
	if err := validateDense(n, cost); err != nil {
		return nil, 0, err
	}
	a := &lapjv{n: n, cost: cost,
		x: make([]int32, n), y: make([]int32, n), v: make([]int64, n), free: make([]int32, 0, n)}
	if n > 0 {
		a.reduceColumns()
		for range 2 {
			if len(a.free) == 0 {
				break
			}
			a.reduceRows()
		}
		a.augment()
	}
	for i, j := range a.x {
		total += cost[i*n+int(j)]
	}
	return a.x, total, nil
}

// lapjv is the state of Assign: x[i] is row i's column, y[j] column j's row
// (-1 when free), v the column prices.
type lapjv struct {
	n    int
	cost []int64
	x, y []int32
	v    []int64
	free []int32 // rows without a column
}

func (a *lapjv) row(i int32) []int64 {
	return a.cost[int(i)*a.n : int(i)*a.n+a.n]
}

// reduceColumns prices each column at its least cost and gives it to that
// row when the row has no column yet; a row that won exactly one column has
// that column's price lowered as far as its second-best choice allows.
func (a *lapjv) reduceColumns() {
	n, x, y, v := a.n, a.x, a.y, a.v
	for j := range v {
		v[j] = inf
	}
	for i := range n {
		x[i] = -1
		for j, c := range a.row(int32(i)) {
			if c < v[j] {
				v[j], y[j] = c, int32(i)
			}
		}
	}
	unique := make([]bool, n)
	for j := n - 1; j >= 0; j-- {
		i := y[j]
		if x[i] < 0 {
			x[i], unique[i] = int32(j), true
		} else {
			unique[i], y[j] = false, -1
		}
	}
	for i := range n {
		switch {
		case x[i] < 0:
			a.free = append(a.free, int32(i))
		case unique[i]:
			j := x[i]
			least := int64(inf)
			for k, c := range a.row(int32(i)) {
				if int32(k) != j {
					least = min(least, c-v[k])
				}
			}
			if least < inf {
				v[j] -= least
			}
		}
	}
}

// reduceRows is one round of augmenting row reduction: each free row takes
// its best column, lowering that column's price to its second-best, and the
// row it displaces is freed in turn.
func (a *lapjv) reduceRows() {
	x, y, v, free := a.x, a.y, a.v, a.free
	current, next, steps := 0, 0, 0
	for current < len(free) {
		steps++
		i := free[current]
		current++
		j1, j2 := int32(-1), int32(-1)
		u1, u2 := int64(inf), int64(inf)
		for j, c := range a.row(i) {
			h := c - v[j]
			if h < u2 {
				if h >= u1 {
					u2, j2 = h, int32(j)
				} else {
					u2, j2 = u1, j1
					u1, j1 = h, int32(j)
				}
			}
		}
		i0 := y[j1]
		lowers := j2 >= 0 && u1 < u2
		if steps < current*a.n {
			if lowers {
				v[j1] -= u2 - u1
			} else if i0 >= 0 && j2 >= 0 {
				j1, i0 = j2, y[j2]
			}
			if i0 >= 0 {
				if lowers {
					current--
					free[current] = i0
				} else {
					free[next] = i0
					next++
				}
			}
		} else if i0 >= 0 {
			free[next] = i0
			next++
		}
		x[i], y[j1] = j1, i
	}
	a.free = free[:next]
}

// augment gives each free row a column along a shortest augmenting path.
func (a *lapjv) augment() {
	n := a.n
	d := make([]int64, n)
	pred := make([]int32, n)
	cols := make([]int32, n)
	for _, i := range a.free {
		j := a.shortestPath(i, d, pred, cols)
		for {
			r := pred[j]
			a.y[j] = r
			j, a.x[r] = a.x[r], j
			if r == i {
				break
			}
		}
	}
	a.free = a.free[:0]
}

// shortestPath runs Dijkstra from free row start over reduced costs, with
// the columns split into done (cols[:lo]), ready at the current least
// distance (cols[lo:hi]) and to do (cols[hi:]). It lowers the prices of the
// done columns and returns a free column at the end of a shortest path;
// pred[j] is the row before column j.
func (a *lapjv) shortestPath(start int32, d []int64, pred, cols []int32) int32 {
	n, y, v := a.n, a.y, a.v
	row := a.row(start)
	for j := range n {
		cols[j] = int32(j)
		d[j] = row[j] - v[j]
		pred[j] = start
	}
	lo, hi, ready := 0, 0, 0
	end := int32(-1)
	for end < 0 {
		if lo == hi {
			ready = lo
			hi = lo + 1
			least := d[cols[lo]]
			for k := hi; k < n; k++ {
				j := cols[k]
				if dj := d[j]; dj <= least {
					if dj < least {
						hi, least = lo, dj
					}
					cols[k], cols[hi] = cols[hi], j
					hi++
				}
			}
			for _, j := range cols[lo:hi] {
				if y[j] < 0 {
					end = j
					break
				}
			}
			if end >= 0 {
				break
			}
		}
		// Scan the ready columns: each leads to its row, whose other
		// columns may come closer.
		for lo != hi && end < 0 {
			j := cols[lo]
			lo++
			i := y[j]
			least := d[j]
			r := a.row(i)
			h := r[j] - v[j] - least
			for k := hi; k < n; k++ {
				j := cols[k]
				dj := r[j] - v[j] - h
				if dj < d[j] {
					d[j], pred[j] = dj, i
					if dj == least {
						if y[j] < 0 {
							end = j
							break
						}
						cols[k], cols[hi] = cols[hi], j
						hi++
					}
				}
			}
		}
	}
	least := d[cols[ready]]
	for _, j := range cols[:ready] {
		v[j] += d[j] - least
	}
	return end
}
