package measure

// Get returns the household with the ID as the index holds it.
func (ix *Index) Get(id uint64) (Household, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	at, ok := ix.where[id]
	if !ok {
		return Household{}, false
	}
	return ix.rows[at.node].household(int(at.pos), ix.regions[at.node].Code), true
}

func (c *chunk) household(i int, region string) Household {
	return Household{
		ID:       c.id[i],
		Region:   region,
		Persons:  c.persons[i],
		Income:   c.income[i],
		Deprived: c.deprived[i],
	}
}

// Households returns the number of households in the index.
func (ix *Index) Households() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.where)
}

// Persons returns the number of persons in the index.
func (ix *Index) Persons() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.persons
}

// Regions returns the tree's regions in preorder (each parent before its
// children, siblings in code order), without the root.
func (ix *Index) Regions() []Region {
	ix.mu.RLock()
	t := ix.tree
	ix.mu.RUnlock()
	out := make([]Region, 0, t.len()-1)
	for p := 1; p < t.len(); p++ {
		out = append(out, Region{Code: t.code[p], Parent: t.code[t.parent[p]]})
	}
	return out
}

// Each calls fn with every household, region by region in preorder, until fn
// returns false. It holds the read lock only while copying one region's rows,
// so a long walk (loading a database, say) never stalls writers; a household
// moved during the walk may be seen twice or not at all.
func (ix *Index) Each(fn func(Household) bool) {
	ix.mu.RLock()
	t := ix.tree
	ix.mu.RUnlock()
	var buf []Household
	for p := 1; p < t.len(); p++ {
		buf = buf[:0]
		ix.mu.RLock()
		c := &ix.rows[t.node[p]]
		for i := range c.len() {
			buf = append(buf, c.household(i, t.code[p]))
		}
		ix.mu.RUnlock()
		for _, h := range buf {
			if !fn(h) {
				return
			}
		}
	}
}
