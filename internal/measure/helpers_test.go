package measure

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// world is a test model of an index: its regions and households kept in plain
// Go values, so the index's answers can be checked against Naive.
type world struct {
	regions []Region
	rows    map[uint64]Household
}

// randomWorld draws a tree of 1–4 levels below the root with prefix codes
// and households on leaves and, now and then, on inner regions.
func randomWorld(tb testing.TB, rng *rand.Rand, households int) *world {
	tb.Helper()
	w := &world{rows: make(map[uint64]Household)}
	var grow func(parent string, depth int)
	grow = func(parent string, depth int) {
		for i := range 1 + rng.IntN(4) {
			code := parent + strconv.Itoa(10+i)
			w.regions = append(w.regions, Region{Code: code, Parent: parent})
			if depth < 4 && rng.IntN(3) > 0 {
				grow(code, depth+1)
			}
		}
	}
	grow("", 1)
	for id := range uint64(households) {
		w.put(rng, id+1)
	}
	return w
}

// put draws household id into a random region, replacing any earlier row.
func (w *world) put(rng *rand.Rand, id uint64) Household {
	h := Household{
		ID:       id,
		Region:   w.regions[rng.IntN(len(w.regions))].Code,
		Persons:  int32(rng.IntN(7)),
		Income:   rng.Int64N(3 * SyntheticLine),
		Deprived: rng.Uint32() & rng.Uint32() & rng.Uint32(),
	}
	if rng.IntN(10) == 0 {
		h.Income = SyntheticLine // exactly at the line: not poor
	}
	w.rows[id] = h
	return h
}

// households returns the model's rows as a slice, in no particular order.
func (w *world) households() []Household {
	out := make([]Household, 0, len(w.rows))
	for _, h := range w.rows {
		out = append(out, h)
	}
	return out
}

// under returns the rows in region code's subtree ("" is everything).
func (w *world) under(code string) []Household {
	var out []Household
	for _, h := range w.rows {
		if strings.HasPrefix(h.Region, code) {
			out = append(out, h)
		}
	}
	return out
}

func mustBuild(tb testing.TB, w *world) *Index {
	tb.Helper()
	ix, err := Build(w.regions, w.households())
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return ix
}

// assertSame fails unless got and want have equal counts and measures within
// a relative 1e-9 (summation order differs between the index and Naive).
func assertSame(tb testing.TB, name string, got, want Result) {
	tb.Helper()
	if got.Persons != want.Persons || got.Households != want.Households ||
		got.PoorPersons != want.PoorPersons || got.MPIPoorPersons != want.MPIPoorPersons {
		tb.Fatalf("%s counts: got %+v, want %+v", name, got, want)
	}
	for _, f := range []struct {
		field     string
		got, want float64
	}{
		{"P0", got.P0, want.P0}, {"P1", got.P1, want.P1}, {"P2", got.P2, want.P2},
		{"H", got.MPI.H, want.MPI.H}, {"A", got.MPI.A, want.MPI.A}, {"M0", got.MPI.M0, want.MPI.M0},
	} {
		if math.IsNaN(f.got) || math.Abs(f.got-f.want) > 1e-9*math.Max(1, math.Abs(f.want)) {
			tb.Fatalf("%s %s: got %v, want %v", name, f.field, f.got, f.want)
		}
	}
}

// testParams are the global MPI weights over ten bits with k = 1/3, or, when
// wide, 20 equal weights, which takes the path for more than 16 indicators.
func testParams(line int64, wide bool) Params {
	if !wide {
		p := SyntheticParams()
		p.Line = line
		return p
	}
	w := make([]float64, 20)
	for j := range w {
		w[j] = 1.0 / 20
	}
	return Params{Line: line, Weights: w, K: 0.25}
}
