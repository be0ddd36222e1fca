package measure

import (
	"fmt"
	"slices"
	"strings"
)

// tree is an immutable preorder snapshot of the region tree. Position 0 is the
// root, whose code is "". A region's subtree is the positions [p, end[p]), so
// a query walks a contiguous range and never follows pointers. The index
// replaces the whole snapshot when regions are added, so a Measures value can
// keep the snapshot it was computed on.
type tree struct {
	code   []string         // region code by position
	parent []int32          // parent's position; -1 for the root
	end    []int32          // one past the subtree's last position
	node   []int32          // stable node id (row chunk) by position
	pos    map[string]int32 // position by code
}

// len is the number of positions, the root included.
func (t *tree) len() int { return len(t.code) }

// children calls fn with the position of each direct child of position p, in
// code order.
func (t *tree) children(p int32, fn func(c int32)) {
	for c := p + 1; c < t.end[p]; c = t.end[c] {
		fn(c)
	}
}

// checkRegions validates regions to be added to a tree whose codes are known
// (node ids by code), and returns the known map extended with the new ones.
// A code must be new and non-empty and must extend its parent's code, which
// also rules out cycles: codes grow strictly longer down every path.
// On error known is left as it was.
func checkRegions(known map[string]int32, next int32, regions []Region) (err error) {
	added := 0
	defer func() {
		if err != nil {
			for _, r := range regions[:added] {
				delete(known, r.Code)
			}
		}
	}()
	for i, r := range regions {
		if r.Code == "" {
			return fmt.Errorf("region %d: code is empty: %w", i, ErrInvalidRegion)
		}
		if _, dup := known[r.Code]; dup {
			return fmt.Errorf("region %q: duplicate code: %w", r.Code, ErrInvalidRegion)
		}
		if len(r.Code) <= len(r.Parent) || !strings.HasPrefix(r.Code, r.Parent) {
			return fmt.Errorf("region %q: code does not extend parent %q: %w", r.Code, r.Parent, ErrInvalidRegion)
		}
		known[r.Code] = next
		next++
		added++
	}
	for _, r := range regions {
		if _, ok := known[r.Parent]; !ok {
			return fmt.Errorf("region %q: parent %q: %w", r.Code, r.Parent, ErrUnknownRegion)
		}
	}
	return nil
}

// buildTree lays out regions (indexed by node id, the root "" at id 0) in
// preorder with children sorted by code. ids maps each code to its node id;
// the regions must have passed checkRegions.
func buildTree(regions []Region, ids map[string]int32) *tree {
	n := len(regions)
	// Children lists in one flat array (compressed sparse rows).
	start := make([]int32, n+1)
	for _, r := range regions[1:] {
		start[ids[r.Parent]+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	kids := make([]int32, n-1)
	fill := slices.Clone(start[:n])
	for id, r := range regions[1:] {
		p := ids[r.Parent]
		kids[fill[p]] = int32(id + 1)
		fill[p]++
	}
	for i := range n {
		list := kids[start[i]:start[i+1]]
		slices.SortFunc(list, func(a, b int32) int { return strings.Compare(regions[a].Code, regions[b].Code) })
	}

	t := &tree{
		code:   make([]string, 0, n),
		parent: make([]int32, 0, n),
		end:    make([]int32, n),
		node:   make([]int32, 0, n),
		pos:    make(map[string]int32, n),
	}
	type frame struct{ id, pos, next int32 }
	stack := []frame{{id: 0, pos: 0, next: start[0]}}
	t.code, t.parent, t.node = append(t.code, ""), append(t.parent, -1), append(t.node, 0)
	t.pos[""] = 0
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == start[top.id+1] {
			t.end[top.pos] = int32(len(t.code))
			stack = stack[:len(stack)-1]
			continue
		}
		child := kids[top.next]
		top.next++
		p := int32(len(t.code))
		t.code = append(t.code, regions[child].Code)
		t.parent = append(t.parent, top.pos)
		t.node = append(t.node, child)
		t.pos[regions[child].Code] = p
		stack = append(stack, frame{id: child, pos: p, next: start[child]})
	}
	return t
}
