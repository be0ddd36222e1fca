package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// bulkHouseholds returns n households of two members each, their ID hashes
// and phones made from tag, as an import hands them to the store.
func bulkHouseholds(n int, tag string) []*registry.Household {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hs := make([]*registry.Household, n)
	for i := range hs {
		hs[i] = &registry.Household{Ref: fmt.Sprintf("%s%06d", tag, i), Village: regVillages[i%len(regVillages)], Status: registry.Identified,
			Indicators: map[string]float64{}, CreatedAt: now, UpdatedAt: now, Members: []registry.Member{
				{Name: "甲", Sex: "m", Birth: "1970-01-01", Relation: "head", IDSealed: []byte("s"), IDHash: testHash(fmt.Sprintf("%s%06da", tag, i)),
					Phone: "p", PhoneNorm: fmt.Sprintf("+86%s%06d", tag, i)},
				{Name: "乙", Sex: "f", Birth: "1972-01-01", Relation: "spouse", IDSealed: []byte("s"), IDHash: testHash(fmt.Sprintf("%s%06db", tag, i))},
			}}
	}
	return hs
}

// TestBulkImportIndexes checks that a large import, which on SQLite builds
// the indexes of households and members after its rows, leaves them in place,
// still refuses an ID hash that is already registered, and writes nothing
// then.
func TestBulkImportIndexes(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		regSeed(t, db)
		if err := db.ImportHouseholds(ctx, bulkHouseholds(6000, "a"), nil, nil); err != nil {
			t.Fatalf("first import: %v", err)
		}
		wantIndexes(t, db)
		dups, err := db.FindDuplicates(ctx, []string{testHash("a000123b")}, []string{"+86a004321"})
		if err != nil || len(dups) != 2 || dups[0].Household != "a000123" || dups[1].Household != "a004321" {
			t.Fatalf("find after import: %+v, %v; want a000123 then a004321", dups, err)
		}
		// A second import as large as the table, one of whose hashes is
		// registered already.
		second := bulkHouseholds(12000, "b")
		second[7000].Members[1].IDHash = testHash("a000042b")
		err = db.ImportHouseholds(ctx, second, nil, nil)
		if tide.ErrorCode(err) != tide.ECONFLICT || tide.ErrorField(err) != "members.id_number" {
			t.Fatalf("import with a registered hash: got %v, want a conflict on members.id_number", err)
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM members`).Scan(&n); err != nil || n != 12000 {
			t.Errorf("members after the refused import: %d (%v), want 12000", n, err)
		}
		wantIndexes(t, db)
	})
}

// wantIndexes fails unless every index an import may rebuild exists.
func wantIndexes(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	names := `('members_id_hash', 'members_phone', 'members_household', 'households_region', 'households_status')`
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ` + names
	if db.Dialect() == sqlstore.Postgres {
		q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN ` + names
	}
	var n int
	if err := db.SQL().QueryRow(q).Scan(&n); err != nil || n != 5 {
		t.Errorf("indexes of households and members: %d (%v), want 5", n, err)
	}
}
