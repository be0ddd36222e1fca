package health

import (
	"encoding/binary"
	"time"

	"github.com/tide-project/tide/internal/match"
)

// problem builds the optimiser's problem: an arc from each request to each
// free slot it may have. The optimiser minimises the urgency-weighted wait
// of every request, counted to its slot or, for a request left out, to now
// plus a penalty; with the language penalty and the specialist's load. The
// wait up to now is the same whatever is chosen, so an arc costs the wait
// from now to the slot, and requests that ask the same (specialty,
// language, urgency, windows) have the same arcs: they form a class, whose
// arcs are built once. Leaving a request out costs more than any arc, times
// its urgency's weight, so the most urgent are served first when slots are
// short.
//
// With prune, a request gets arcs to only the first n fitting slots of each
// specialist, n being the requests that specialist could take: n-1 others
// cannot fill all of those, so one is free, and moving the request into it
// from a later slot would cost less. The optimum is the same, with far fewer
// arcs when the hours are many. slots must be in order of specialist and
// start, all from now on.
//
// A week has hundreds of classes and thousands of slots, so what depends
// only on the class and the specialist is weighed once for the pair, which
// slots fit is worked out once for each set of windows the classes share,
// and the arcs are counted before they are written, so that hundreds of
// thousands of them are not copied as they grow.
func (s *Service) problem(reqs []*Request, sps []*Specialist, slots []slot, load []int64, prune bool) *match.ClassProblem {
	now := minutes(s.Now())
	p := &match.ClassProblem{Class: make([]int32, len(reqs)), Capacity: make([]int32, len(slots))}
	wait := make([]int64, len(slots)) // minutes from now to each slot
	for j, sl := range slots {
		p.Capacity[j] = int32(sl.free)
		wait[j] = minutes(sl.starts) - now
	}
	classes, size := classify(reqs, p.Class)
	p.Classes = len(classes)
	fitting := make([][]bool, len(classes)) // the slots that fit each class, nil when all do
	byWindows := make(map[string][]bool)
	for c, r := range classes {
		if len(r.Windows) == 0 {
			continue
		}
		key := asks(r).windows
		if byWindows[key] == nil {
			fit := make([]bool, len(slots))
			for j, sl := range slots {
				fit[j] = fits(r.Windows, sl)
			}
			byWindows[key] = fit
		}
		fitting[c] = byWindows[key]
	}
	offering := make(map[string][]int) // specialists by specialty, in order
	for k, sp := range sps {
		for _, specialty := range sp.Specialties {
			if ks := offering[specialty]; len(ks) == 0 || ks[len(ks)-1] != k {
				offering[specialty] = append(ks, k)
			}
		}
	}
	takers := make([]int, len(sps))
	for c, r := range classes {
		for _, k := range offering[r.Specialty] {
			takers[k] += size[c]
		}
	}
	from, to := slotRuns(slots, len(sps))
	var most int64
	arcs := func(add func(c, j int, cost int64)) {
		for c, r := range classes {
			fit := fitting[c]
			for _, k := range offering[r.Specialty] {
				e, ok := s.pairing(r, sps[k], load[k])
				if !ok {
					continue
				}
				cost := func(j int) int64 { return e.UrgencyWeight*wait[j] + e.LanguagePenalty + e.LoadCost }
				// A request's cost with one specialist grows with the start,
				// so the last fitting slot is the dearest; leaving a request
				// out must cost more than it, pruned or not.
				for j := to[k] - 1; j >= from[k]; j-- {
					if fit == nil || fit[j] {
						most = max(most, cost(j))
						break
					}
				}
				given := 0
				for j := from[k]; j < to[k] && (!prune || given < takers[k]); j++ {
					if fit == nil || fit[j] {
						add(c, j, cost(j))
						given++
					}
				}
			}
		}
	}
	n := 0
	arcs(func(int, int, int64) { n++ })
	p.Arcs = make([]match.Arc, 0, n)
	arcs(func(c, j int, cost int64) {
		p.Arcs = append(p.Arcs, match.Arc{Left: int32(c), Right: int32(j), Cost: cost})
	})
	p.Skip = make([]int64, len(classes))
	for c, r := range classes {
		p.Skip[c] = (most + 1) * s.weight(r.Urgency)
	}
	return p
}

// classify sorts the requests into classes of those that ask the same,
// writing each one's class into class, and returns the first request of
// each class and the class's size.
func classify(reqs []*Request, class []int32) ([]*Request, []int) {
	var classes []*Request
	var size []int
	index := make(map[ask]int32)
	for i, r := range reqs {
		key := asks(r)
		c, ok := index[key]
		if !ok {
			c = int32(len(classes))
			index[key] = c
			classes, size = append(classes, r), append(size, 0)
		}
		class[i] = c
		size[c]++
	}
	return classes, size
}

// ask is what the optimiser sees of a request: requests that ask the same
// have the same arcs and the same cost of being left out.
type ask struct {
	specialty, language string
	urgency             Urgency
	windows             string // the windows' bounds, encoded
}

func asks(r *Request) ask {
	a := ask{specialty: r.Specialty, language: r.Language, urgency: r.Urgency}
	if len(r.Windows) > 0 {
		var b []byte
		for _, w := range r.Windows {
			for _, t := range []time.Time{w.From, w.To} {
				b = binary.AppendVarint(b, t.Unix())
				b = binary.AppendVarint(b, int64(t.Nanosecond()))
			}
		}
		a.windows = string(b)
	}
	return a
}

// slotRuns returns where each of the specialists' slots begin and end in
// slots, which are sorted by specialist: specialist k's are
// slots[from[k]:to[k]].
func slotRuns(slots []slot, specialists int) (from, to []int) {
	from, to = make([]int, specialists), make([]int, specialists)
	for j := len(slots) - 1; j >= 0; j-- {
		from[slots[j].specialist] = j
	}
	for j, sl := range slots {
		to[sl.specialist] = j + 1
	}
	return from, to
}
