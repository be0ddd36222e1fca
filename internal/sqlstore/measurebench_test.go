package sqlstore_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/measure"
	"github.com/tide-project/tide/internal/sqlstore"
)

// TestMeasureBenchMatchesNaive holds the bench's GROUP BY to measure.Naive on
// every region of a small synthetic registry, for all regions and one county.
func TestMeasureBenchMatchesNaive(t *testing.T) {
	regions, ix := measure.Synthetic(70_000, 3, nil)
	var rows []measure.Household
	ix.Each(func(h measure.Household) bool { rows = append(rows, h); return true })
	county := ""
	for _, r := range regions {
		if len(r.Code) == 6 {
			county = r.Code
			break
		}
	}
	prefixLens := []int{9, 6, 4, 2, 0}
	params := map[string]measure.Params{
		"SyntheticParams": measure.SyntheticParams(),
		"HigherLineAndK":  {Line: 2 * measure.SyntheticLine, Weights: measure.SyntheticParams().Weights, K: 0.5},
		"NoWeights":       {Line: measure.SyntheticLine},
		// 0.7 + 0.1 sums to 0.7999999999999999: poor only with the allowance.
		"ScoreAtCutOff": {Line: measure.SyntheticLine, Weights: []float64{0.1, 0, 0, 0, 0.7, 0.1, 0.1}, K: 0.8},
	}
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		b, err := sqlstore.NewMeasureBench(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := b.Drop(context.Background()); err != nil {
				t.Error(err)
			}
		})
		var last int64
		n, err := b.Load(ctx, ix.Each, func(n int64) { last = n })
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(rows)) || last != n {
			t.Fatalf("loaded %d rows, last progress %d, want %d", n, last, len(rows))
		}
		for name, p := range params {
			t.Run(name, func(t *testing.T) {
				all, err := b.Measure(ctx, p, prefixLens, "")
				if err != nil {
					t.Fatal(err)
				}
				checkNaive(t, all, regions, rows, p, "")
				one, err := b.Measure(ctx, p, prefixLens, county)
				if err != nil {
					t.Fatal(err)
				}
				checkNaive(t, one, regions, rows, p, county)
			})
		}
	})
}

// checkNaive compares got with Naive for the root and every region under
// within (within itself included), and checks that got holds exactly the
// regions with rows.
func checkNaive(tb testing.TB, got map[string]measure.Result, regions []measure.Region, rows []measure.Household, p measure.Params, within string) {
	tb.Helper()
	codes := []string{""}
	for _, r := range regions {
		codes = append(codes, r.Code)
	}
	want := 0
	for _, code := range codes {
		if !strings.HasPrefix(code, within) {
			continue
		}
		var sub []measure.Household
		for _, h := range rows {
			if strings.HasPrefix(h.Region, code) {
				sub = append(sub, h)
			}
		}
		w := measure.Naive(sub, p)
		g, ok := got[code]
		if w.Households == 0 {
			if ok {
				tb.Errorf("region %q: got %+v, want no row (no households)", code, g)
			}
			continue
		}
		want++
		if !ok {
			tb.Errorf("region %q: missing, want %+v", code, w)
			continue
		}
		if g.Persons != w.Persons || g.Households != w.Households || g.PoorPersons != w.PoorPersons || g.MPIPoorPersons != w.MPIPoorPersons {
			tb.Errorf("region %q counts: got %d/%d/%d/%d, want %d/%d/%d/%d (persons/households/poor/mpi poor)", code,
				g.Persons, g.Households, g.PoorPersons, g.MPIPoorPersons, w.Persons, w.Households, w.PoorPersons, w.MPIPoorPersons)
		}
		for _, f := range []struct {
			name      string
			got, want float64
		}{{"P0", g.P0, w.P0}, {"P1", g.P1, w.P1}, {"P2", g.P2, w.P2}, {"H", g.MPI.H, w.MPI.H}, {"A", g.MPI.A, w.MPI.A}, {"M0", g.MPI.M0, w.MPI.M0}} {
			if math.Abs(f.got-f.want) > 1e-9*math.Max(math.Abs(f.got), math.Abs(f.want)) {
				tb.Errorf("region %q %s: got %v, want %v", code, f.name, f.got, f.want)
			}
		}
	}
	if len(got) != want {
		tb.Errorf("got %d regions, want %d", len(got), want)
	}
}
