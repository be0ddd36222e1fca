package measure

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestSynthetic checks the generator's promises: exactly the persons asked
// for, about 0.3 households per person, China-shaped codes, every region's
// rows agreeing with Naive, and the same output for the same seed.
func TestSynthetic(t *testing.T) {
	for _, persons := range []int64{0, 1, 1000, 200_000} {
		t.Run(fmt.Sprintf("persons=%d", persons), func(t *testing.T) {
			var calls int64
			var last int64
			regions, ix := Synthetic(persons, 42, func(done, total int64) {
				calls++
				if done < last || total != persons {
					t.Fatalf("progress(%d, %d) after %d, want rising to %d", done, total, last, persons)
				}
				last = done
			})
			if got := ix.Persons(); got != persons {
				t.Fatalf("Persons() = %d, want %d", got, persons)
			}
			if calls == 0 || last != persons {
				t.Fatalf("progress got %d calls ending at %d, want at least one ending at %d", calls, last, persons)
			}
			if hh := float64(ix.Households()); persons >= 200_000 && (hh < 0.25*float64(persons) || hh > 0.35*float64(persons)) {
				t.Fatalf("got %v households for %d persons, want about 0.3 each", hh, persons)
			}
			digits := map[int]bool{2: true, 4: true, 6: true, 9: true, 12: true}
			for _, r := range regions {
				if !digits[len(r.Code)] || !strings.HasPrefix(r.Code, r.Parent) {
					t.Fatalf("region %+v: want a 2/4/6/9/12-digit code extending its parent", r)
				}
			}
			var rows []Household
			ix.Each(func(h Household) bool {
				if len(h.Region) != 12 || h.Persons < 1 || h.Income < 0 || h.Deprived >= 1<<10 {
					t.Fatalf("got household %+v, want a village, persons, income ≥ 0 and 10 indicators", h)
				}
				rows = append(rows, h)
				return true
			})
			p := SyntheticParams()
			got, err := ix.Measure("", p)
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			assertSame(t, "root", got, Naive(rows, p))
			if persons >= 200_000 && (got.P0 < 0.05 || got.P0 > 0.3 || got.MPI.H <= 0) {
				t.Fatalf("got P0 %v and H %v, want a poverty rate of 5–30%% and some MPI-poor", got.P0, got.MPI.H)
			}

			again, ix2 := Synthetic(persons, 42, nil)
			var rows2 []Household
			ix2.Each(func(h Household) bool { rows2 = append(rows2, h); return true })
			if !reflect.DeepEqual(regions, again) || !reflect.DeepEqual(rows, rows2) {
				t.Fatalf("a second run with the same seed differs")
			}
		})
	}
}
