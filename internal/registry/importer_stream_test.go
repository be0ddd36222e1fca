package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"
	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
)

// storedHouseholds lists every household with its members as stored, less
// what differs between two imports of one file (IDs, refs, times, sealed
// ID numbers), in file order.
func storedHouseholds(tb testing.TB, db *sqlstore.DB) []string {
	tb.Helper()
	rows, err := db.SQL().Query(`SELECT h.region, h.status, h.income_per_person, h.last_year_income, h.shock_costs, h.indicators,
		h.cadre_name, h.cadre_phone, h.persons, m.position, m.name, m.sex, m.birth_date, m.relation, hex(m.id_hash), m.phone,
		COALESCE(m.phone_norm, '-'), m.disability, m.health, m.schooling, m.medical_insurance, length(m.id_sealed) > 0
		FROM households h JOIN members m ON m.household_id = h.id ORDER BY h.id, m.position`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]any, 22)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestImportOnePass imports a good file that can be read again in one
// pass, and the same file from a reader that cannot (so in two): both
// store the same households and members, value for value, and audit the
// import alike.
func TestImportOnePass(t *testing.T) {
	var file bytes.Buffer
	one := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 5)
	if err := writeHouseholds(&file, 0, 700, one.villages["520101"]); err != nil {
		t.Fatal(err)
	}
	two := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 5)
	sum := sha256.Sum256(file.Bytes())
	var reps []registry.ImportReport
	for i, f := range []*transferFixture{one, two} {
		var stages []string
		var last int
		opts := registry.ImportOptions{Source: "h.csv", Stage: func(s string) { stages = append(stages, s) },
			Progress: func(done, total int) { last = done }}
		r := any(bytes.NewReader(file.Bytes()))
		want := []string{registry.StageStream}
		if i == 1 {
			r = bytes.NewBuffer(slices.Clone(file.Bytes())) // no Seek
			want = []string{registry.StageRead, registry.StageCheck, registry.StageWrite}
		}
		rep, err := f.svc.Import(systemCtx, r.(interface{ Read([]byte) (int, error) }), registry.FormatCSV, opts)
		if err != nil {
			t.Fatalf("import %d: %v", i, err)
		}
		if !slices.Equal(stages, want) {
			t.Errorf("import %d: stages %v, want %v", i, stages, want)
		}
		if !rep.Written || rep.Households != 700 || rep.SHA256 != hex.EncodeToString(sum[:]) || last != 700 {
			t.Errorf("import %d: report %+v, last progress %d; want 700 households written and the file's SHA-256", i, rep, last)
		}
		reps = append(reps, rep)
		entries, _, err := f.db.FindAuditEntries(systemCtx, audit.Filter{Entity: "household", EntityID: "sha256:" + rep.SHA256, Limit: 10})
		if err != nil || len(entries) != 1 {
			t.Fatalf("import %d: audit entries %d, %v; want 1", i, len(entries), err)
		}
		var after struct {
			Households, Persons, TotalPersons int
			Refs                              []string
		}
		if err := json.Unmarshal(entries[0].After, &after); err != nil {
			t.Fatal(err)
		}
		if after.Households != 700 || len(after.Refs) != 700 || after.Persons != rep.Persons {
			t.Errorf("import %d: audit entry names %d households, %d refs, %d persons; want 700, 700, %d", i,
				after.Households, len(after.Refs), after.Persons, rep.Persons)
		}
	}
	if reps[0].Persons != reps[1].Persons {
		t.Errorf("persons %d in one pass, %d in two", reps[0].Persons, reps[1].Persons)
	}
	a, b := storedHouseholds(t, one.db), storedHouseholds(t, two.db)
	if len(a) != reps[0].Persons || !slices.Equal(a, b) {
		t.Errorf("one pass stored %d members, two passes %d; they differ: %v", len(a), len(b), !slices.Equal(a, b))
	}
}

// TestImportOnePassFallsBack imports files that the one pass cannot write:
// each is read again, checked whole and reported as by the two-pass import,
// with nothing of the first pass left behind.
func TestImportOnePassFallsBack(t *testing.T) {
	head := "household,village,name,sex,birth_date,relation,id_number,phone\n"
	row := func(hh, village, name, rel, id, phone string) string {
		return fmt.Sprintf("%s,%s,%s,m,1970-01-01,%s,%s,%s\n", hh, village, name, rel, id, phone)
	}
	cases := []struct {
		name     string
		file     func(v string) string
		before   func(f *transferFixture, v string)
		wantRows []registry.RowError
		wantHH   int // households written by the import
	}{{
		name: "an ID number twice, far apart",
		file: func(v string) string {
			var b strings.Builder
			b.WriteString(head)
			for i := range 300 {
				id := testID(i)
				if i == 290 {
					id = testID(3)
				}
				b.WriteString(row(fmt.Sprint("h", i), v, "甲", "head", id, ""))
			}
			return b.String()
		},
		wantRows: []registry.RowError{{Line: 292, Column: "id_number"}},
	}, {
		// Large enough that the store builds its indexes as the pass
		// ends: the unique index refuses the repeat then.
		name: "an ID number twice in a large file",
		file: func(v string) string {
			var b strings.Builder
			if err := writeHouseholds(&b, 0, 4000, []string{v}); err != nil {
				t.Fatal(err)
			}
			b.WriteString("last," + v + ",,,,,,,,甲,m,1970-01-01,head," + testID(1) + ",,,healthy,primary,1\n")
			return b.String()
		},
		wantRows: []registry.RowError{{Line: 13202, Column: "id_number"}},
	}, {
		name: "a phone in two households",
		file: func(v string) string {
			return head + row("a", v, "甲", "head", testID(1), "13900000001") + row("b", v, "乙", "head", testID(2), "13900000001")
		},
		wantRows: []registry.RowError{{Line: 3, Column: "phone"}},
	}, {
		name:     "a phone registered before",
		before:   func(f *transferFixture, v string) { f.registerPhone(t, v, "13912345678") },
		file:     func(v string) string { return head + row("a", v, "甲", "head", testID(1), "13912345678") },
		wantRows: []registry.RowError{{Line: 2, Column: "phone"}},
	}, {
		name: "an ID number registered before",
		before: func(f *transferFixture, v string) {
			if _, err := f.svc.Import(systemCtx, strings.NewReader(head+row("x", v, "甲", "head", testID(5), "")), registry.FormatCSV, registry.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		file: func(v string) string {
			return head + row("a", v, "甲", "head", testID(6), "") + row("b", v, "乙", "head", testID(5), "")
		},
		wantRows: []registry.RowError{{Line: 3, Column: "id_number"}},
	}, {
		name: "a village that is not one",
		file: func(v string) string {
			return head + row("a", v, "甲", "head", testID(1), "") + row("b", "520101001", "乙", "head", testID(2), "")
		},
		wantRows: []registry.RowError{{Line: 3, Column: "village"}},
	}, {
		name: "a household without a head",
		file: func(v string) string {
			return head + row("a", v, "甲", "head", testID(1), "") + row("b", v, "乙", "child", testID(2), "")
		},
		wantRows: []registry.RowError{{Line: 3, Column: "relation"}},
	}, {
		name: "a household's rows apart",
		file: func(v string) string {
			return head + row("a", v, "甲", "head", testID(1), "") + row("b", v, "乙", "head", testID(2), "") + row("a", "", "丙", "child", testID(3), "")
		},
		wantHH: 2,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 2)
			v := f.villages["520101"][0]
			if c.before != nil {
				c.before(f, v)
			}
			before := f.countHouseholds(t)
			var stages []string
			rep, err := f.svc.Import(systemCtx, strings.NewReader(c.file(v)), registry.FormatCSV,
				registry.ImportOptions{Stage: func(s string) { stages = append(stages, s) }})
			if want := []string{registry.StageStream, registry.StageRead, registry.StageCheck}; len(stages) < 3 || !slices.Equal(stages[:3], want) {
				t.Errorf("stages %v, want %v first", stages, want)
			}
			if c.wantRows == nil {
				if err != nil || rep.Households != c.wantHH {
					t.Fatalf("import: %+v, %v; want %d households", rep, err, c.wantHH)
				}
			} else {
				var ie *registry.ImportError
				if !errorsAs(err, &ie) {
					t.Fatalf("import: %v, want *ImportError", err)
				}
				wantRows(t, ie.Rows, c.wantRows)
			}
			if n := f.countHouseholds(t); n != before+c.wantHH {
				t.Errorf("households = %d, want %d", n, before+c.wantHH)
			}
		})
	}
}

// TestNewRef checks that refs are lower-case ULIDs, each after the one
// before.
func TestNewRef(t *testing.T) {
	prev := ""
	for range 1000 {
		ref := registry.NewRef()
		id, err := ulid.ParseStrict(ref)
		if err != nil || len(ref) != ulid.EncodedSize || ref != strings.ToLower(id.String()) || ref <= prev {
			t.Fatalf("ref %q after %q: %v", ref, prev, err)
		}
		prev = ref
	}
}
