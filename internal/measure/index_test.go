package measure

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestUpsertAndRemove applies random inserts, replacements, moves between
// regions and removals to the index and to a plain model, checking after each
// batch that every region's measures match Naive on the model.
func TestUpsertAndRemove(t *testing.T) {
	for seed := range uint64(10) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 4))
			w := randomWorld(t, rng, 50)
			ix := mustBuild(t, w)
			p := testParams(SyntheticLine, false)
			for range 20 {
				for range 30 {
					id := uint64(1 + rng.IntN(80))
					if rng.IntN(4) == 0 {
						_, had := w.rows[id]
						delete(w.rows, id)
						if got := ix.Remove(id); got != had {
							t.Fatalf("Remove(%d) = %v, want %v", id, got, had)
						}
						continue
					}
					if err := ix.Upsert(w.put(rng, id)); err != nil {
						t.Fatalf("Upsert: %v", err)
					}
				}
				if got, want := ix.Households(), len(w.rows); got != want {
					t.Fatalf("Households() = %d, want %d", got, want)
				}
				all, err := ix.MeasureAll(p)
				if err != nil {
					t.Fatalf("MeasureAll: %v", err)
				}
				all.Each(func(got Result) bool {
					want := Naive(w.under(got.Region), p)
					want.Region = got.Region
					assertSame(t, "region "+got.Region, got, want)
					return true
				})
			}
			for id, want := range w.rows {
				if got, ok := ix.Get(id); !ok || got != want {
					t.Fatalf("Get(%d) = %+v, %v, want %+v", id, got, ok, want)
				}
			}
		})
	}
}

// TestUpsertMovesBetweenRegions moves one household and checks that it
// leaves the old region and arrives in the new one.
func TestUpsertMovesBetweenRegions(t *testing.T) {
	regions := []Region{{Code: "1"}, {Code: "2"}}
	h := Household{ID: 7, Region: "1", Persons: 4, Income: 10}
	ix, err := Build(regions, []Household{h})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	h.Region = "2"
	if err := ix.Upsert(h); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	p := Params{Line: 100}
	for _, tt := range []struct {
		region  string
		persons int64
	}{{"1", 0}, {"2", 4}, {"", 4}} {
		got, err := ix.Measure(tt.region, p)
		if err != nil {
			t.Fatalf("Measure(%q): %v", tt.region, err)
		}
		if got.Persons != tt.persons || got.PoorPersons != tt.persons {
			t.Fatalf("region %q: got %d persons, %d poor, want %d", tt.region, got.Persons, got.PoorPersons, tt.persons)
		}
	}
}

func TestErrors(t *testing.T) {
	regions := []Region{{Code: "52"}, {Code: "5201", Parent: "52"}}
	tests := []struct {
		name string
		run  func(ix *Index) error
		want error
	}{
		{"MeasureUnknownRegion", func(ix *Index) error { _, err := ix.Measure("99", Params{Line: 1}); return err }, ErrUnknownRegion},
		{"MeasureInvalidParams", func(ix *Index) error { _, err := ix.Measure("52", Params{}); return err }, ErrInvalidParams},
		{"MeasureAllInvalidParams", func(ix *Index) error { _, err := ix.MeasureAll(Params{}); return err }, ErrInvalidParams},
		{"UpsertUnknownRegion", func(ix *Index) error { return ix.Upsert(Household{ID: 1, Region: "53", Persons: 1}) }, ErrUnknownRegion},
		{"UpsertNegativePersons", func(ix *Index) error { return ix.Upsert(Household{ID: 1, Region: "52", Persons: -1}) }, ErrInvalidHousehold},
		{"UpsertNoRegion", func(ix *Index) error { return ix.Upsert(Household{ID: 1, Persons: 1}) }, ErrInvalidHousehold},
		{"RegionDuplicate", func(ix *Index) error { return ix.AddRegion(Region{Code: "52"}) }, ErrInvalidRegion},
		{"RegionNotExtendingParent", func(ix *Index) error { return ix.AddRegion(Region{Code: "5301", Parent: "52"}) }, ErrInvalidRegion},
		{"RegionUnknownParent", func(ix *Index) error { return ix.AddRegion(Region{Code: "5301", Parent: "53"}) }, ErrUnknownRegion},
		{"ResultUnknownRegion", func(ix *Index) error {
			all, _ := ix.MeasureAll(Params{Line: 1})
			_, err := all.Result("99")
			return err
		}, ErrUnknownRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := Build(regions, nil)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := tt.run(ix); !errors.Is(got, tt.want) {
				t.Fatalf("got error %v, want %v", got, tt.want)
			}
			if got, want := len(ix.Regions()), len(regions); got != want {
				t.Fatalf("after the error got %d regions, want %d", got, want)
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	regions := []Region{{Code: "1"}}
	tests := []struct {
		name string
		rows []Household
		want error
	}{
		{"DuplicateID", []Household{{ID: 1, Region: "1"}, {ID: 1, Region: "1"}}, ErrInvalidHousehold},
		{"UnknownRegion", []Household{{ID: 1, Region: "2"}}, ErrUnknownRegion},
		{"RootRegion", []Household{{ID: 1, Region: ""}}, ErrInvalidHousehold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(regions, tt.rows); !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestAddRegionKeepsRows adds regions to a filled index: rows stay where they
// were and the new regions take rows.
func TestAddRegionKeepsRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	w := randomWorld(t, rng, 200)
	ix := mustBuild(t, w)
	extra := []Region{{Code: "05"}, {Code: "0501", Parent: "05"}, {Code: w.regions[0].Code + "99", Parent: w.regions[0].Code}}
	if err := ix.AddRegions(extra); err != nil {
		t.Fatalf("AddRegions: %v", err)
	}
	w.regions = append(w.regions, extra...)
	for i, r := range extra {
		if err := ix.Upsert(w.put(rng, uint64(1000+i))); err != nil {
			t.Fatalf("Upsert into %q: %v", r.Code, err)
		}
	}
	p := testParams(SyntheticLine, false)
	for _, code := range append([]string{""}, codes(w.regions)...) {
		got, err := ix.Measure(code, p)
		if err != nil {
			t.Fatalf("Measure(%q): %v", code, err)
		}
		want := Naive(w.under(code), p)
		want.Region = code
		assertSame(t, "region "+code, got, want)
	}
}

// TestEach checks that Each yields every household once, in region preorder.
func TestEach(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	w := randomWorld(t, rng, 300)
	ix := mustBuild(t, w)
	seen := make(map[uint64]bool)
	last := ""
	ix.Each(func(h Household) bool {
		if seen[h.ID] || h != w.rows[h.ID] {
			t.Fatalf("Each gave %+v, want %+v once", h, w.rows[h.ID])
		}
		if h.Region < last {
			t.Fatalf("Each gave region %q after %q, want preorder", h.Region, last)
		}
		seen[h.ID], last = true, h.Region
		return true
	})
	if got, want := len(seen), len(w.rows); got != want {
		t.Fatalf("Each gave %d households, want %d", got, want)
	}
}

// TestConcurrentReadersAndWriter runs queries while a writer moves rows; run
// it with -race.
func TestConcurrentReadersAndWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	w := randomWorld(t, rng, 500)
	ix := mustBuild(t, w)
	p := testParams(SyntheticLine, false)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if _, err := ix.Measure("", p); err != nil {
					t.Errorf("Measure: %v", err)
					return
				}
				if _, err := ix.MeasureAll(p); err != nil {
					t.Errorf("MeasureAll: %v", err)
					return
				}
			}
		})
	}
	for i := range 2000 {
		if err := ix.Upsert(w.put(rng, uint64(1+i%700))); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
		if i%7 == 0 {
			id := uint64(1 + rng.IntN(700))
			delete(w.rows, id)
			ix.Remove(id)
		}
	}
	wg.Wait()
	got, _ := ix.Measure("", p)
	assertSame(t, "final", got, Naive(w.households(), p))
}
