package match

type heapEntry struct {
	dist int64
	node int32
}

// nodeHeap is a binary min-heap of tentative distances.
type nodeHeap []heapEntry

func (h *nodeHeap) push(e heapEntry) {
	*h = append(*h, e)
	a := *h
	j := len(a) - 1
	for j > 0 {
		parent := (j - 1) / 2
		if a[parent].dist <= e.dist {
			break
		}
		a[j] = a[parent]
		j = parent
	}
	a[j] = e
}

func (h *nodeHeap) pop() heapEntry {
	a := *h
	top, last := a[0], a[len(a)-1]
	a = a[:len(a)-1]
	*h = a
	n := len(a)
	if n == 0 {
		return top
	}
	j := 0
	for {
		c := 2*j + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].dist < a[c].dist {
			c++
		}
		if last.dist <= a[c].dist {
			break
		}
		a[j] = a[c]
		j = c
	}
	a[j] = last
	return top
}
