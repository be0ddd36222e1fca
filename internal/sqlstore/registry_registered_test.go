package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
)

// TestFindRegistered checks both ways FindRegistered works: looking a few
// values up through the index, and matching many values against the whole
// column when they outnumber the members.
func TestFindRegistered(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		regSeed(t, db)
		hs := regHouseholds(t, db, 3, registry.Identified) // 6 members
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		phoned := &registry.Household{Ref: "phoned", Village: regVillages[3], Status: registry.Identified, CreatedAt: now, UpdatedAt: now,
			Indicators: map[string]float64{}, Members: []registry.Member{{Name: "丙", Sex: "m", Birth: "1970-01-01", Relation: "head",
				Phone: "139 0000 0001", PhoneNorm: "+8613900000001"}}}
		if err := db.CreateHouseholds(context.Background(), []*registry.Household{phoned}, nil); err != nil {
			t.Fatal(err)
		}
		want := []string{
			hs[0].Members[1].IDHash + " " + hs[0].Ref + " " + hs[0].Village,
			hs[2].Members[0].IDHash + " " + hs[2].Ref + " " + hs[2].Village,
			"+8613900000001 phoned " + regVillages[3],
		}
		for _, tc := range []struct {
			name  string
			extra int
		}{{"LookUp", 0}, {"Match", 10}} { // 7 members

			t.Run(tc.name, func(t *testing.T) {
				ids := []string{hs[0].Members[1].IDHash, testHash("unknown"), hs[2].Members[0].IDHash}
				phones := []string{"+8613900000009", "+8613900000001"}
				for i := range tc.extra {
					ids = append(ids, testHash(fmt.Sprintf("absent%d", i)))
					phones = append(phones, fmt.Sprintf("+86139100000%02d", i))
				}
				dups, err := db.FindRegistered(context.Background(), ids, phones)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, d := range dups {
					got = append(got, d.Hash+" "+d.Household+" "+d.Region)
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		}
	})
}
