package match

// group merges left nodes whose rows are the same up to a constant into
// classes. Every left node pays its constant whether it is assigned or
// skipped, so the constants come off the costs and go into f.offset.
//
// A row's hash reads at most 64 of its arcs, spread along it, and a full
// comparison decides; a row that matches none of the first few classes
// sharing its hash starts a class of its own, which costs merging, never
// exactness.
func (f *flow) group(rs rows) {
	p := f.p
	L := int32(p.Left)
	arcs, start := byLeft(p, rs), rs.start
	row := func(i int32) []Arc { return arcs[start[i]:start[i+1]] }
	base := make([]int64, L) // each row's least cost, skip included
	skipOf := func(i int32) int64 {
		if p.Skip == nil {
			return inf
		}
		return p.Skip[i] - base[i]
	}
	same := func(i, j int32) bool {
		a, b := row(i), row(j)
		if skipOf(i) != skipOf(j) || len(a) != len(b) {
			return false
		}
		bi, bj := base[i], base[j]
		for t := range a {
			if a[t].Right != b[t].Right || a[t].Cost-bi != b[t].Cost-bj {
				return false
			}
		}
		return true
	}
	classOfLeft := make([]int32, L)
	var reps []int32
	var next []int32 // next class with the same hash, or -1
	first := make(map[uint64]int32, 1024)
	for i := range L {
		a := row(i)
		least := int64(inf)
		if p.Skip != nil {
			least = p.Skip[i]
		}
		for _, x := range a {
			least = min(least, x.Cost)
		}
		if least < inf {
			base[i] = least
			f.offset += least
		}
		h := uint64(skipOf(i))*0x9e3779b97f4a7c15 ^ uint64(len(a))
		step := max(1, len(a)/64)
		for t := 0; t < len(a); t += step {
			h = (h ^ uint64(a[t].Right)) * 0x100000001b3
			h = (h ^ uint64(a[t].Cost-base[i])) * 0xff51afd7ed558ccd
		}
		k, ok := first[h]
		for tries := 0; ok && !same(reps[k], i); tries++ {
			k, ok = next[k], next[k] >= 0 && tries < 8
		}
		if !ok {
			k = int32(len(reps))
			reps = append(reps, i)
			if prev, seen := first[h]; seen {
				next = append(next, prev)
			} else {
				next = append(next, -1)
			}
			first[h] = k
		}
		classOfLeft[i] = k
	}
	K := int32(len(reps))
	f.K = K
	f.mstart = make([]int32, K+1)
	for _, k := range classOfLeft {
		f.mstart[k+1]++
	}
	f.rem = make([]int32, K)
	for k := range K {
		f.rem[k] = f.mstart[k+1]
		f.mstart[k+1] += f.mstart[k]
	}
	f.members = make([]int32, L)
	mfill := append([]int32(nil), f.mstart[:K]...)
	for i, k := range classOfLeft {
		f.members[mfill[k]] = int32(i)
		mfill[k]++
	}
	f.astart = make([]int32, K+1)
	f.skip = make([]int64, K)
	f.skipped = make([]int32, K)
	for k, i := range reps {
		f.astart[k+1] = f.astart[k] + int32(len(row(i)))
		f.skip[k] = skipOf(i)
	}
	A := f.astart[K]
	f.right, f.cost, f.flow, f.classOf = make([]int32, A), make([]int64, A), make([]int32, A), make([]int32, A)
	for k, i := range reps {
		a := f.astart[k]
		for _, x := range row(i) {
			f.right[a], f.cost[a], f.classOf[a] = x.Right, x.Cost-base[i], int32(k)
			a++
		}
	}
}

// byLeft returns p's arcs ordered by left node; arcs already in that
// order, as generated ones usually are, are used as they are.
func byLeft(p *Problem, rs rows) []Arc {
	if rs.sorted {
		return p.Arcs
	}
	arcs := make([]Arc, len(p.Arcs))
	fill := append([]int32(nil), rs.start[:p.Left]...)
	for _, a := range p.Arcs {
		arcs[fill[a.Left]] = a
		fill[a.Left]++
	}
	return arcs
}
