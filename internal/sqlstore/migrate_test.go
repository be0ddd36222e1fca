package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
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
					(1, '90', 0, 'a', 'm', '1970-01-01', 'head', 'c2VhbGVk', '` + hash + `', '139', '+86139', '', '', '', FALSE),
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

// TestMigrateSealedIDsToBytes fills members as migration 00011 left them,
// sealed ID numbers in base64 without padding, and checks that 00012 keeps
// each as the bytes it encoded, and that going down gives the text back.
func TestMigrateSealedIDsToBytes(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, sqlstore.TestURL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 11); err != nil {
				t.Fatalf("migrate to 11: %v", err)
			}
			// Lengths 1, 2 and 3 mod 3 bytes, as base64 with no padding.
			sealed := [][]byte{[]byte("sealed ID 1!"), []byte("sealed ID 12!"), []byte("sealed ID 123!"), {}}
			qs := []string{
				`INSERT INTO regions (code, name, level, parent, created_at) VALUES ('90', 'P', 'province', NULL, 0)`,
				`INSERT INTO households (id, ref, region, status, income_per_person, last_year_income, shock_costs, indicators,
					cadre_name, cadre_phone, persons, created_at, updated_at) VALUES (1, 'r1', '90', 'identified', 0, 0, 0, '{}', '', '', 4, 0, 0)`,
			}
			for i, b := range sealed {
				qs = append(qs, fmt.Sprintf(`INSERT INTO members (household_id, region, position, name, sex, birth_date, relation, id_sealed,
					id_hash, phone, phone_norm, disability, health, schooling, medical_insurance)
					VALUES (1, '90', %d, 'a', 'm', '1970-01-01', 'head', '%s', NULL, '', NULL, '', '', '', FALSE)`, i, base64.RawStdEncoding.EncodeToString(b)))
			}
			for _, q := range qs {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			rows, err := db.SQL().QueryContext(ctx, `SELECT id_sealed FROM members ORDER BY position`)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]byte
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				got = append(got, b)
			}
			rows.Close()
			if len(got) != len(sealed) {
				t.Fatalf("got %d members, want %d", len(got), len(sealed))
			}
			for i := range sealed {
				if !bytes.Equal(got[i], sealed[i]) {
					t.Errorf("member %d: got %q, want %q", i, got[i], sealed[i])
				}
			}
			if err := db.MigrateDownTo(ctx, 11); err != nil {
				t.Fatalf("migrate down to 11: %v", err)
			}
			var text string
			if err := db.SQL().QueryRowContext(ctx, `SELECT id_sealed FROM members WHERE position = 2`).Scan(&text); err != nil {
				t.Fatal(err)
			}
			if want := base64.RawStdEncoding.EncodeToString(sealed[2]); text != want {
				t.Errorf("after going down: got %q, want %q", text, want)
			}
		})
	}
}
