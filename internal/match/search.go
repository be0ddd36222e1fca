package match

import "slices"

// shortest runs Dijkstra on reduced costs from class src and returns the
// distance to the sink; false when the sink is out of reach. It stops at
// the sink: nodes farther away keep no distance, and none at or beyond the
// sink's tentative distance enters the heap.
//
// A right node with room left has potential 0 (its potential only falls
// once it is full), so its arc to the sink costs nothing reduced, and no
// path onward from it is shorter: reaching it is reaching the sink. Once
// no node in the heap is nearer than the sink, the sink's distance is
// final: nodes as far as it would move no potential, and a day's many
// equal slots would put thousands of them there.
//
// Each node keeps the arc it was last reached by, and the sink the node
// before it, so that trace can follow the path found back.
func (f *flow) shortest(src int32) (int64, bool) {
	f.phase++
	f.reach(src, 0)
	for len(f.heap) > 0 {
		e := f.heap.pop()
		x, d := e.node, e.dist
		if d >= f.dist[f.t] {
			x, d = f.t, f.dist[f.t]
		}
		if f.done[x] || d > f.dist[x] {
			continue
		}
		f.done[x] = true
		if x == f.t {
			f.heap = f.heap[:0]
			return d, true
		}
		if x < f.K {
			px := d + f.pi[x]
			for _, a := range f.byCost[f.astart[x]:f.aend[x]] {
				if px+f.cost[a] >= f.dist[f.t] {
					break // no arc onward is shorter
				}
				r := f.right[a]
				y := f.K + r
				nd := px + f.cost[a] - f.pi[y]
				switch {
				case nd >= f.dist[y] || nd >= f.dist[f.t]:
				case f.used[r] < f.p.Capacity[r]:
					f.pred[y], f.last = a, y
					f.reach(f.t, nd)
				default:
					f.pred[y] = a
					f.reach(y, nd)
				}
			}
			if s := f.skip[x]; s < inf && px+s < f.dist[f.t] {
				f.last = x
				f.reach(f.t, px+s)
			}
			continue
		}
		r := x - f.K
		px := d + f.pi[x]
		if f.used[r] < f.p.Capacity[r] && px < f.dist[f.t] {
			f.last = x
			f.reach(f.t, px)
		}
		for _, a := range f.on[r] {
			k := f.classOf[a]
			if nd := px - f.cost[a] - f.pi[k]; nd < f.dist[k] && nd < f.dist[f.t] {
				f.pred[k] = a
				f.reach(k, nd)
			}
		}
	}
	f.clear()
	return 0, false
}

// reach gives node x the tentative distance d if it is shorter.
func (f *flow) reach(x int32, d int64) {
	if d >= f.dist[x] {
		return
	}
	if f.dist[x] == inf {
		f.touched = append(f.touched, x)
	}
	f.dist[x] = d
	f.heap.push(heapEntry{d, x})
}

// reprice lowers the potential of every node settled closer than D by the
// difference, which keeps every reduced cost non-negative and makes the
// arcs of every shortest path zero.
func (f *flow) reprice(D int64) {
	for _, x := range f.touched {
		if f.done[x] && f.dist[x] < D {
			f.pi[x] -= D - f.dist[x]
		}
	}
	f.clear()
}

func (f *flow) clear() {
	for _, x := range f.touched {
		f.dist[x], f.done[x] = inf, false
	}
	f.touched = f.touched[:0]
}

// trace sets f.path to the path the last Dijkstra found from class src to
// the sink, which the repricing made one of reduced cost zero.
func (f *flow) trace(src int32) {
	f.path = f.path[:0]
	x := f.last
	f.endSlot = -1
	if x >= f.K {
		f.endSlot = x - f.K
	}
	for x != src {
		a := f.pred[x]
		f.path = append(f.path, a)
		if x >= f.K {
			x = f.classOf[a]
		} else {
			x = f.K + f.right[a]
		}
	}
	slices.Reverse(f.path)
}

// push sends as much of class src's supply as a depth-first search finds
// room for along arcs of reduced cost zero and into slots with room. After
// the repricing every such path is a shortest one, whether or not the last
// Dijkstra settled its nodes: those it did not settle are at the sink's
// distance, and a day's many equal slots put most of the paths among them,
// so keeping the search to settled nodes would cost a Dijkstra for every
// few units. A node the search left without finding the sink is not tried
// again in this phase.
func (f *flow) push(src int32) {
	for f.rem[src] > 0 && f.vis[src] != f.phase {
		f.path = f.path[:0]
		if !f.searchClass(src) {
			break
		}
		f.augment(src)
	}
}

// cursor returns where the search of node x resumes in this phase.
func (f *flow) cursor(x, first int32) *int32 {
	if f.curAt[x] != f.phase {
		f.curAt[x], f.cur[x] = f.phase, first
	}
	return &f.cur[x]
}

// searchClass extends f.path from class k: to the sink by leaving a unit
// unassigned, or along an arc to a right node. A slot with room ends the
// path at once, so the search goes through full slots, moving the classes
// in them, only when k has no arc of reduced cost zero to one with room:
// long paths through full slots use up the nodes that other units of the
// class could have passed.
func (f *flow) searchClass(k int32) bool {
	f.vis[k] = f.phase
	if s := f.skip[k]; s < inf && s+f.pi[k] == 0 {
		f.endSlot = -1
		return true
	}
	if f.roomFrom(k) {
		return true
	}
	c := f.cursor(k, f.astart[k])
	for ; *c < f.aend[k]; *c++ {
		a := f.byCost[*c]
		if f.cost[a]+f.pi[k] > 0 {
			*c = f.aend[k] // nor is any dearer arc of reduced cost zero
			break
		}
		y := f.K + f.right[a]
		if f.vis[y] == f.phase || f.cost[a]+f.pi[k]-f.pi[y] != 0 {
			continue
		}
		f.path = append(f.path, a)
		if f.searchRight(y) {
			return true
		}
		f.path = f.path[:len(f.path)-1]
	}
	return false
}

// roomFrom extends f.path from class k along an arc of reduced cost zero to
// a slot with room, if k has one. Slots only fill, so an arc to a full one
// is passed over for the rest of the round; the dearer arcs wait for the
// class's potential to fall.
func (f *flow) roomFrom(k int32) bool {
	c := &f.room[k]
	for ; *c < f.aend[k]; *c++ {
		a := f.byCost[*c]
		if f.cost[a]+f.pi[k] > 0 {
			break
		}
		r := f.right[a]
		if f.used[r] < f.p.Capacity[r] {
			// Its potential is 0 and no reduced cost is negative, so this
			// one's is zero.
			f.path = append(f.path, a)
			f.endSlot = r
			return true
		}
	}
	return false
}

// searchRight extends f.path from right node y (node number, not index):
// to the sink if it has room, else back along an arc that brings it a unit,
// whose class then goes elsewhere.
func (f *flow) searchRight(y int32) bool {
	f.vis[y] = f.phase
	r := y - f.K
	if f.used[r] < f.p.Capacity[r] {
		f.endSlot = r
		return true
	}
	c := f.cursor(y, 0)
	for ; int(*c) < len(f.on[r]); *c++ {
		a := f.on[r][*c]
		k := f.classOf[a]
		if f.vis[k] == f.phase || f.pi[y]-f.cost[a]-f.pi[k] != 0 {
			continue
		}
		f.path = append(f.path, a)
		if f.searchClass(k) {
			return true
		}
		f.path = f.path[:len(f.path)-1]
	}
	return false
}

// augment moves as many units as fit along f.path from class src: forward
// arcs gain them, backward arcs lose them, and the path ends in a right
// node with room or in a class whose units are left unassigned.
func (f *flow) augment(src int32) {
	delta := f.rem[src]
	for j := 1; j < len(f.path); j += 2 {
		delta = min(delta, f.flow[f.path[j]])
	}
	if f.endSlot >= 0 {
		delta = min(delta, f.p.Capacity[f.endSlot]-f.used[f.endSlot])
	}
	f.rem[src] -= delta
	f.vis[src] = 0
	for j, a := range f.path {
		r := f.right[a]
		f.vis[f.K+r] = 0
		if j%2 == 0 {
			if f.flow[a] == 0 {
				f.on[r] = append(f.on[r], a)
			}
			f.flow[a] += delta
			continue
		}
		f.vis[f.classOf[a]] = 0
		f.flow[a] -= delta
		if f.flow[a] == 0 {
			f.leave(r, a)
		}
	}
	if f.endSlot >= 0 {
		f.used[f.endSlot] += delta
		return
	}
	last := src
	if n := len(f.path); n > 0 {
		last = f.classOf[f.path[n-1]]
	}
	f.skipped[last] += delta
}

// leave takes arc a off the list of right node r.
func (f *flow) leave(r, a int32) {
	on := f.on[r]
	for j, b := range on {
		if b == a {
			on[j] = on[len(on)-1]
			f.on[r] = on[:len(on)-1]
			return
		}
	}
}

// solution hands each class's placed units to its members.
func (f *flow) solution() *Solution {
	s := &Solution{Right: make([]int32, f.p.Left), Price: make([]int64, f.R)}
	for r := range s.Price {
		s.Price[r] = -f.pi[f.K+int32(r)]
	}
	for k := range f.K {
		m := f.members[f.mstart[k]:f.mstart[k+1]]
		for a := f.astart[k]; a < f.astart[k+1]; a++ {
			for range f.flow[a] {
				s.Right[m[0]] = f.right[a]
				m = m[1:]
			}
			s.Cost += int64(f.flow[a]) * f.cost[a]
		}
		for _, i := range m {
			s.Right[i] = -1
		}
		s.Cost += int64(len(m)) * f.skip[k]
	}
	s.Cost += f.offset
	return s
}
