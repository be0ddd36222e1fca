package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/sqlstore"
)

// TestMigrateIDHashesToBytes fills members as migration 00003 left them, ID
// hashes in hex, and checks that 00005 keeps every hash findable, as bytes,
// and leaves members without a phone out of the phone index.
func TestMigrateIDHashesToBytes(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, sqlstore.TestURL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 3); err != nil {
				t.Fatalf("migrate to 3: %v", err)
			}
			hash := strings.Repeat("0f1e2d3c4b5a6978", 4)
			for _, q := range []string{
				`INSERT INTO regions (code, name, level, parent, created_at) VALUES ('90', 'P', 'province', NULL, 0)`,
				`INSERT INTO households (id, ref, region, status, income_per_person, last_year_income, shock_costs, indicators,
					cadre_name, cadre_phone, persons, created_at, updated_at) VALUES (1, 'r1', '90', 'identified', 0, 0, 0, '{}', '', '', 2, 0, 0)`,
				`INSERT INTO members (household_id, region, position, name, sex, birth_date, relation, id_sealed, id_hash, phone, phone_norm,
					disability, health, schooling, medical_insurance) VALUES
					(1, '90', 0, 'a', 'm', '1970-01-01', 'head', 's', '` + hash + `', '139', '+86139', '', '', '', FALSE),
					(1, '90', 1, 'b', 'f', '1971-01-01', 'spouse', '', NULL, '', NULL, '', '', '', FALSE)`,
			} {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			dups, err := db.FindDuplicates(ctx, []string{hash}, []string{"+86139"})
			if err != nil || len(dups) != 2 || dups[0].Hash != hash || dups[0].Household != "r1" || dups[1].Household != "r1" {
				t.Fatalf("find after migrating: %+v, %v; want the hash and the phone in r1", dups, err)
			}
			var stored, nulls int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM members WHERE LENGTH(id_hash) = 32`).Scan(&stored); err != nil || stored != 1 {
				t.Errorf("hashes of 32 bytes: %d (%v), want 1", stored, err)
			}
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM members WHERE id_hash IS NULL`).Scan(&nulls); err != nil || nulls != 1 {
				t.Errorf("members without a hash: %d (%v), want 1", nulls, err)
			}
			q := `SELECT sql FROM sqlite_master WHERE name = 'members_phone'`
			if d == sqlstore.Postgres {
				q = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'members_phone'`
			}
			var def string
			if err := db.SQL().QueryRow(q).Scan(&def); err != nil || !strings.Contains(strings.ToUpper(def), "WHERE") {
				t.Errorf("phone index: %q (%v), want a partial index", def, err)
			}
		})
	}
}
