package match

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DayParams shapes a synthetic day of consultation requests.
type DayParams struct {
	Requests    int // left nodes
	Specialists int
	Slots       int // slots a specialist offers in the day, an hour each
	Specialties int
	Languages   int
}

// DefaultDay is the day the benchmarks solve: 20,000 requests for 2,000
// specialists with ten hourly slots each.
func DefaultDay() DayParams {
	return DayParams{Requests: 20_000, Specialists: 2_000, Slots: 10, Specialties: 20, Languages: 5}
}

// Urgencies of a request, as the day's costs weigh them: an hour's wait for
// an emergency costs what a hundred hours of a routine request do, and
// leaving one unserved costs more than any wait.
var dayUrgency = [3]struct {
	share      float64 // of requests
	perMinute  int64   // cost of each minute waited
	unassigned int64   // Skip
}{
	{0.05, 100, 200_000}, // emergency
	{0.25, 10, 20_000},   // urgent
	{0.70, 1, 2_000},     // routine
}

const (
	dayLanguagePenalty = 300 // specialist does not speak the patient's language
	dayLoadCost        = 15  // per consultation the specialist already has this week
)

// Day returns a synthetic day drawn from seed. Specialist s practises
// specialty s mod Specialties, speaks one or two languages, and already
// has some load; slot h of specialist s is right node s*Slots+h, an hour
// starting h hours into the day, with a capacity of one to three. A request
// has a specialty (some far more asked for than others, so a few run short),
// an urgency and a language, and an arc to every slot of every specialist of
// its specialty costing
//
//	minutes waited × the urgency's weight + language penalty + load cost.
//
// Requests of the same specialty, urgency and language share one row.
func Day(dp DayParams, seed uint64) (*Problem, error) {
	if dp.Requests < 0 || dp.Specialists < 1 || dp.Slots < 1 || dp.Specialties < 1 || dp.Languages < 1 {
		return nil, fmt.Errorf("%w: day %+v: requests must not be negative, the rest must be positive", ErrInvalid, dp)
	}
	if dp.Specialists*dp.Slots > 1<<30 {
		return nil, fmt.Errorf("%w: day %+v: too many slots", ErrInvalid, dp)
	}
	rng := rand.New(rand.NewPCG(seed, 0x646179))
	language := func() int { // the first languages are the most spoken
		return min(int(rng.ExpFloat64()*float64(dp.Languages)/3), dp.Languages-1)
	}
	p := &Problem{Left: dp.Requests, Capacity: make([]int32, dp.Specialists*dp.Slots), Skip: make([]int64, dp.Requests)}
	type specialist struct {
		speaks [2]int
		load   int64
	}
	staff := make([]specialist, dp.Specialists)
	bySpecialty := make([][]int, dp.Specialties)
	for s := range staff {
		staff[s] = specialist{speaks: [2]int{language(), language()}, load: int64(rng.IntN(11))}
		if rng.IntN(2) == 0 {
			staff[s].speaks[1] = staff[s].speaks[0]
		}
		bySpecialty[s%dp.Specialties] = append(bySpecialty[s%dp.Specialties], s)
		for h := range dp.Slots {
			p.Capacity[s*dp.Slots+h] = int32(1 + rng.IntN(3))
		}
	}
	// Specialty k is asked for in proportion to 1/√(k+1), so the first few
	// need more than their specialists offer and the rest less.
	weights := make([]float64, dp.Specialties)
	var total float64
	for k := range weights {
		total += 1 / math.Sqrt(float64(k+1))
		weights[k] = total
	}
	type request struct{ spec, urgency, lang int }
	requests := make([]request, dp.Requests)
	arcs := 0
	for i := range requests {
		x := rng.Float64() * total
		spec := 0
		for spec < dp.Specialties-1 && weights[spec] < x {
			spec++
		}
		u, y := 0, rng.Float64()
		for u < len(dayUrgency)-1 && y >= dayUrgency[u].share {
			y -= dayUrgency[u].share
			u++
		}
		requests[i] = request{spec, u, language()}
		arcs += len(bySpecialty[spec]) * dp.Slots
	}
	p.Arcs = make([]Arc, 0, arcs)
	for i, q := range requests {
		u, lang := q.urgency, q.lang
		p.Skip[i] = dayUrgency[u].unassigned
		for _, s := range bySpecialty[q.spec] {
			base := staff[s].load * dayLoadCost
			if staff[s].speaks[0] != lang && staff[s].speaks[1] != lang {
				base += dayLanguagePenalty
			}
			for h := range dp.Slots {
				p.Arcs = append(p.Arcs, Arc{int32(i), int32(s*dp.Slots + h), base + int64(60*h)*dayUrgency[u].perMinute})
			}
		}
	}
	return p, nil
}
