package health

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/match"
	"github.com/tide-project/tide/internal/tide"
)

// TestPruneKeepsTheOptimum builds many small random instances — specialists
// with a few specialties, languages and hours, requests with windows, slots
// partly booked — and checks that the classes, written out, are the rows
// each request would have of its own, that the optimiser's cost is the same
// with the pruned arcs by class as with every arc by request, and that
// pruning drops arcs when hours are plenty.
func TestPruneKeepsTheOptimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	specialties := []string{"cardiology", "neurology", "paediatrics"}
	languages := []string{"zh", "hmn", "ii"}
	pick := func(from []string) []string {
		var out []string
		for _, x := range from {
			if rng.IntN(2) == 0 {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			out = append(out, from[rng.IntN(len(from))])
		}
		return out
	}
	var dropped, merged bool
	for n := range 200 {
		s := NewService(nil, nil)
		s.Now = func() time.Time { return now }
		s.Horizon = 3 * 24 * time.Hour
		s.Costs.HardLanguage = n%3 == 0
		var sps []*Specialist
		for range 1 + rng.IntN(3) {
			var hours []Hours
			for d := time.Sunday; d <= time.Saturday; d++ {
				if rng.IntN(2) == 0 {
					hours = append(hours, Hours{Weekday: d, Start: "14:00", End: "15:00", SlotMinutes: 30, Capacity: 1 + rng.IntN(2)},
						Hours{Weekday: d, Start: "09:00", End: "10:00", SlotMinutes: 20, Capacity: 1 + rng.IntN(2)})
				}
			}
			sps = append(sps, &Specialist{ID: NewID(), Specialties: pick(specialties), Languages: pick(languages), Hours: hours})
		}
		var reqs []*Request
		for range 1 + rng.IntN(8) {
			r := &Request{ID: NewID(), Specialty: specialties[rng.IntN(3)], Language: languages[rng.IntN(3)],
				Urgency: Urgencies[rng.IntN(3)], CreatedAt: now.Add(-time.Duration(rng.IntN(600)) * time.Minute)}
			if rng.IntN(3) == 0 {
				from := now.Add(time.Duration(rng.IntN(48)) * time.Hour)
				r.Windows = []Window{{From: from, To: from.Add(time.Duration(2+rng.IntN(24)) * time.Hour)}}
			}
			reqs = append(reqs, r)
		}
		load := make([]int64, len(sps))
		var slots []slot
		for i, sp := range sps {
			for _, sl := range s.slots(sp, i, now, now.Add(s.Horizon)) {
				sl.free = 1 + rng.IntN(sl.capacity)
				load[i] += int64(sl.capacity - sl.free)
				slots = append(slots, sl)
			}
		}
		slices.SortFunc(slots, func(a, b slot) int {
			if a.specialist != b.specialist {
				return a.specialist - b.specialist
			}
			return a.starts.Compare(b.starts)
		})
		full, pruned := s.problem(reqs, sps, slots, load, false), s.problem(reqs, sps, slots, load, true)
		for _, prune := range []bool{false, true} {
			want, got := perRequest(s, reqs, sps, slots, load, prune), s.problem(reqs, sps, slots, load, prune).Problem()
			if !slices.Equal(got.Arcs, want.Arcs) || !slices.Equal(got.Skip, want.Skip) || !slices.Equal(got.Capacity, want.Capacity) {
				t.Fatalf("instance %d, prune %v: the classes written out differ from the requests' own rows", n, prune)
			}
		}
		a, err := match.Solve(perRequest(s, reqs, sps, slots, load, false))
		if err != nil {
			t.Fatal(err)
		}
		b, err := match.SolveClasses(pruned)
		if err != nil {
			t.Fatal(err)
		}
		if a.Cost != b.Cost || !slices.Equal(full.Skip, pruned.Skip) {
			t.Fatalf("instance %d: cost %d with every arc, %d pruned", n, a.Cost, b.Cost)
		}
		if len(pruned.Arcs) > len(full.Arcs) {
			t.Fatalf("instance %d: pruning added arcs", n)
		}
		dropped = dropped || len(pruned.Arcs) < len(full.Arcs)
		merged = merged || pruned.Classes < len(reqs)
	}
	if !merged {
		t.Error("no two requests formed one class; the test does not exercise classes")
	}
	if !dropped {
		t.Error("no instance lost an arc to pruning; the test does not exercise it")
	}
}

// perRequest builds the optimiser's problem with a row of arcs for each
// request, as problem would with no two requests alike: the reference the
// classes are checked against.
func perRequest(s *Service, reqs []*Request, sps []*Specialist, slots []slot, load []int64, prune bool) *match.Problem {
	now := minutes(s.Now())
	cost := func(e Explanation, sl slot) int64 {
		return e.UrgencyWeight*(minutes(sl.starts)-now) + e.LanguagePenalty + e.LoadCost
	}
	p := &match.Problem{Left: len(reqs), Capacity: make([]int32, len(slots)), Skip: make([]int64, len(reqs))}
	for j, sl := range slots {
		p.Capacity[j] = int32(sl.free)
	}
	takers := make([]int, len(sps))
	for k, sp := range sps {
		for _, r := range reqs {
			if sp.Offers(r.Specialty) {
				takers[k]++
			}
		}
	}
	from, to := slotRuns(slots, len(sps))
	var most int64
	for i, r := range reqs {
		for k, sp := range sps {
			if !sp.Offers(r.Specialty) {
				continue
			}
			// A request's cost with one specialist grows with the start, so
			// the last fitting slot is the dearest; leaving a request out
			// must cost more than it, pruned or not.
			for j := to[k] - 1; j >= from[k]; j-- {
				if e, ok := s.explain(r, sp, slots[j], load[k]); ok {
					most = max(most, cost(e, slots[j]))
					break
				}
			}
			given := 0
			for j := from[k]; j < to[k] && (!prune || given < takers[k]); j++ {
				if e, ok := s.explain(r, sp, slots[j], load[k]); ok {
					p.Arcs = append(p.Arcs, match.Arc{Left: int32(i), Right: int32(j), Cost: cost(e, slots[j])})
					given++
				}
			}
		}
	}
	for i, r := range reqs {
		p.Skip[i] = (most + 1) * s.weight(r.Urgency)
	}
	return p
}

// BenchmarkProblem builds and solves a day's problem: requests of six
// specialties for specialists with ten half-hour slots of two places, each
// practising two specialties.
func BenchmarkProblem(b *testing.B) {
	for _, size := range []struct{ requests, specialists int }{{2_000, 200}, {20_000, 2_000}} {
		b.Run(fmt.Sprintf("%dx%d", size.requests, size.specialists), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
			s := NewService(nil, nil)
			s.Now = func() time.Time { return now }
			s.Horizon = 24 * time.Hour
			specialties := Specialties[:6]
			var sps []*Specialist
			var slots []slot
			for i := range size.specialists {
				sp := &Specialist{ID: NewID(), Specialties: []string{specialties[i%6], specialties[(i+1)%6]}, Languages: []string{"zh"},
					Hours: []Hours{{Weekday: time.Monday, Start: "09:00", End: "14:00", SlotMinutes: 30, Capacity: 2}}}
				sps = append(sps, sp)
				slots = append(slots, s.slots(sp, i, now, now.Add(s.Horizon))...)
			}
			var reqs []*Request
			for range size.requests {
				reqs = append(reqs, &Request{Specialty: specialties[rng.IntN(6)], Language: "zh", Urgency: Urgencies[rng.IntN(3)],
					CreatedAt: now.Add(-time.Duration(rng.IntN(24*60)) * time.Minute)})
			}
			benchmarkProblem(b, s, reqs, sps, slots, make([]int64, len(sps)))
		})
	}
	b.Run("week20000x2000", func(b *testing.B) {
		s, reqs, sps, slots, load := week(20_000, 2_000)
		benchmarkProblem(b, s, reqs, sps, slots, load)
	})
}

// week is a realistic week for the benchmarks: 18 specialties asked for
// unevenly, three languages, urgencies of 5, 25 and 70 in a hundred, a
// third of the requests held to one day's window; each specialist
// practises two specialties, speaks one or two languages, holds some load
// and offers ten hour-long slots of one place over two days of the week.
func week(requests, specialists int) (*Service, []*Request, []*Specialist, []slot, []int64) {
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC) // a Monday
	s := NewService(nil, nil)
	s.Now = func() time.Time { return now }
	s.Horizon = 7 * 24 * time.Hour
	languages := []string{"zh", "hmn", "ii"}
	language := func() string { return languages[min(int(rng.ExpFloat64()), 2)] }
	var sps []*Specialist
	var slots []slot
	load := make([]int64, specialists)
	for i := range specialists {
		sp := &Specialist{ID: NewID(), Specialties: []string{Specialties[i%18], Specialties[(i+7)%18]}, Languages: []string{language()}}
		if rng.IntN(2) == 0 {
			sp.Languages = append(sp.Languages, language())
		}
		for _, d := range []time.Weekday{time.Weekday(1 + i%5), time.Weekday(1 + (i+2)%5)} {
			sp.Hours = append(sp.Hours, Hours{Weekday: d, Start: "09:00", End: "14:00", SlotMinutes: 60, Capacity: 1})
		}
		sps = append(sps, sp)
		slots = append(slots, s.slots(sp, i, now, now.Add(s.Horizon))...)
		load[i] = int64(rng.IntN(11))
	}
	slices.SortFunc(slots, func(a, b slot) int {
		if a.specialist != b.specialist {
			return a.specialist - b.specialist
		}
		return a.starts.Compare(b.starts)
	})
	var reqs []*Request
	for range requests {
		u := Routine
		switch x := rng.IntN(100); {
		case x < 5:
			u = Emergency
		case x < 30:
			u = Urgent
		}
		r := &Request{ID: NewID(), Specialty: Specialties[min(int(rng.ExpFloat64()*6), 17)], Language: language(), Urgency: u,
			CreatedAt: now.Add(-time.Duration(rng.IntN(24*60)) * time.Minute)}
		if rng.IntN(3) == 0 {
			from := now.Add(time.Duration(rng.IntN(5)) * 24 * time.Hour)
			r.Windows = []Window{{From: from, To: from.Add(10 * time.Hour)}}
		}
		reqs = append(reqs, r)
	}
	return s, reqs, sps, slots, load
}

// benchmarkProblem times what one run of the optimiser does between reading
// the rows and booking: building the problem, solving it and reading the
// consultations back.
func benchmarkProblem(b *testing.B, s *Service, reqs []*Request, sps []*Specialist, slots []slot, load []int64) {
	for b.Loop() {
		if _, _, _, err := s.plan(tide.System, s.Now().UTC(), reqs, sps, slots, load); err != nil {
			b.Fatal(err)
		}
	}
	p := s.problem(reqs, sps, slots, load, true)
	b.ReportMetric(float64(len(p.Arcs)), "arcs")
	b.ReportMetric(float64(p.Classes), "classes")
}
