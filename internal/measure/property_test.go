package measure

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestAgreesWithNaive checks on random trees that MeasureAll, Measure and
// Naive agree for every region: MeasureAll and Measure to the bit, Naive
// within rounding.
func TestAgreesWithNaive(t *testing.T) {
	for seed := range uint64(20) {
		for _, wide := range []bool{false, true} {
			t.Run(fmt.Sprintf("seed=%d/wide=%v", seed, wide), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 1))
				w := randomWorld(t, rng, 1+rng.IntN(400))
				ix := mustBuild(t, w)
				p := testParams(SyntheticLine, wide)
				all, err := ix.MeasureAll(p)
				if err != nil {
					t.Fatalf("MeasureAll: %v", err)
				}
				if got, want := all.Len(), len(w.regions)+1; got != want {
					t.Fatalf("Len() = %d, want %d", got, want)
				}
				for _, code := range append([]string{""}, codes(w.regions)...) {
					got, err := ix.Measure(code, p)
					if err != nil {
						t.Fatalf("Measure(%q): %v", code, err)
					}
					fromAll, err := all.Result(code)
					if err != nil {
						t.Fatalf("Result(%q): %v", code, err)
					}
					if !reflect.DeepEqual(got, fromAll) {
						t.Fatalf("region %q: Measure got %+v, MeasureAll want %+v", code, got, fromAll)
					}
					want := Naive(w.under(code), p)
					want.Region = code
					assertSame(t, "region "+code, got, want)
					for _, c := range got.Children {
						want := Naive(w.under(c.Region), p)
						want.Region = c.Region
						assertSame(t, "child "+c.Region, c, want)
					}
				}
			})
		}
	}
}

func codes(regions []Region) []string {
	out := make([]string, len(regions))
	for i, r := range regions {
		out[i] = r.Code
	}
	return out
}

// TestProperties checks orderings the definitions imply on random data.
func TestProperties(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 2))
			w := randomWorld(t, rng, 1+rng.IntN(400))
			ix := mustBuild(t, w)
			lines := []int64{1, SyntheticLine / 2, SyntheticLine, SyntheticLine + 1, 2 * SyntheticLine, 10 * SyntheticLine}
			var prev map[string]Result
			for _, line := range lines {
				all, err := ix.MeasureAll(testParams(line, false))
				if err != nil {
					t.Fatalf("MeasureAll: %v", err)
				}
				cur := all.Map()
				for code, r := range cur {
					if !(r.P2 <= r.P1 && r.P1 <= r.P0 && r.P0 <= 1) {
						t.Fatalf("line %d region %q: got P0 %v, P1 %v, P2 %v, want P2 ≤ P1 ≤ P0 ≤ 1", line, code, r.P0, r.P1, r.P2)
					}
					if exceeds(r.MPI.M0, r.MPI.H) || r.MPI.A > 1 {
						t.Fatalf("line %d region %q: got MPI %+v, want M0 ≤ H and A ≤ 1", line, code, r.MPI)
					}
					if old, ok := prev[code]; ok && (r.P0 < old.P0 || r.P1 < old.P1 || r.P2 < old.P2) {
						t.Fatalf("line %d region %q: got %+v, below %+v at a lower line", line, code, r, old)
					}
					full, _ := all.Result(code)
					persons := ownPersons(w, code)
					for _, c := range full.Children {
						persons += c.Persons
					}
					if persons != r.Persons {
						t.Fatalf("region %q: children and own rows got %d persons, want %d", code, persons, r.Persons)
					}
				}
				prev = cur
			}
		})
	}
}

// exceeds reports whether a exceeds b beyond rounding.
func exceeds(a, b float64) bool { return a > b+1e-12 }

// ownPersons sums the persons of rows held by the region itself.
func ownPersons(w *world, code string) int64 {
	var n int64
	for _, h := range w.rows {
		if h.Region == code {
			n += int64(h.Persons)
		}
	}
	return n
}

// TestNeverPoorWhenAboveAndUndeprived adds households above the line and
// deprived in nothing: they change no poor count, only the population.
func TestNeverPoorWhenAboveAndUndeprived(t *testing.T) {
	for seed := range uint64(10) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			w := randomWorld(t, rng, 100)
			ix := mustBuild(t, w)
			p := testParams(SyntheticLine, seed%2 == 1)
			before, _ := ix.Measure("", p)
			var added int64
			for i := range 50 {
				h := Household{ID: uint64(1000 + i), Region: w.regions[rng.IntN(len(w.regions))].Code,
					Persons: int32(1 + rng.IntN(6)), Income: SyntheticLine + rng.Int64N(1e6)}
				added += int64(h.Persons)
				if err := ix.Upsert(h); err != nil {
					t.Fatalf("Upsert: %v", err)
				}
			}
			after, _ := ix.Measure("", p)
			if after.PoorPersons != before.PoorPersons || after.MPIPoorPersons != before.MPIPoorPersons {
				t.Fatalf("got poor %d and MPI-poor %d, want %d and %d", after.PoorPersons, after.MPIPoorPersons, before.PoorPersons, before.MPIPoorPersons)
			}
			if got, want := after.Persons, before.Persons+added; got != want {
				t.Fatalf("got %d persons, want %d", got, want)
			}
		})
	}
}
