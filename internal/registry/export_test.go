package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// importBoth registers n households in each county of f and returns the
// rows written.
func (f *transferFixture) importBoth(tb testing.TB, n int) {
	tb.Helper()
	for i, county := range []string{"520101", "520102"} {
		var buf bytes.Buffer
		if err := writeHouseholds(&buf, i*n, n, f.villages[county]); err != nil {
			tb.Fatal(err)
		}
		if _, err := f.svc.Import(systemCtx, &buf, registry.FormatCSV, registry.ImportOptions{}); err != nil {
			tb.Fatalf("import %s: %v", county, err)
		}
	}
}

// exportCSV exports as ctx and returns the rows, header first.
func exportCSV(tb testing.TB, f *transferFixture, ctx context.Context, region string) ([][]string, error) {
	tb.Helper()
	var buf bytes.Buffer
	_, err := f.svc.Export(ctx, &buf, registry.ExportOptions{Format: registry.FormatCSV, Region: region})
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		tb.Fatalf("export is not CSV: %v", err)
	}
	return rows, nil
}

func column(tb testing.TB, rows [][]string, name string) []string {
	tb.Helper()
	i := slices.Index(rows[0], name)
	if i < 0 {
		tb.Fatalf("no column %s in %v", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

func TestExportMasking(t *testing.T) {
	f := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 2)
	f.importBoth(t, 5)
	for _, tc := range []struct {
		name, region string
		ctx          context.Context
		masked       bool
	}{
		{"AnalystMasked", "520101", as("analyst", tide.RoleAnalyst, ""), true},
		{"RegistrarFull", "", as("registrar", tide.RoleRegistrar, "520101001"), false},
		{"CountyFull", "520101", as("county", tide.RoleCounty, "520101"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := exportCSV(t, f, tc.ctx, tc.region)
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			if len(rows) < 2 {
				t.Fatalf("export has %d rows", len(rows))
			}
			for i, id := range column(t, rows, "id_number") {
				if got := strings.Contains(id, "*"); got != tc.masked {
					t.Errorf("row %d id_number %q: masked %v, want %v", i+2, id, got, tc.masked)
				}
			}
			for i, p := range column(t, rows, "phone") {
				if p != "" && strings.Contains(p, "*") != tc.masked {
					t.Errorf("row %d phone %q: masked %v, want %v", i+2, p, !tc.masked, tc.masked)
				}
			}
		})
	}
	entries, _, err := f.db.FindAuditEntries(context.Background(), audit.Filter{Entity: "household", EntityID: "520101", Limit: 10})
	if err != nil || len(entries) != 2 || entries[0].Action != "export" {
		t.Errorf("export audit entries of 520101 = %d (%v), want 2 exports", len(entries), err)
	} else if !strings.Contains(string(entries[1].After), `"id_numbers":"masked"`) || entries[1].Actor != "analyst" {
		t.Errorf("the analyst's export is not audited as masked: %s", entries[2].After)
	}
}

func TestExportScope(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newTransferFixture(t, db, 2)
		f.importBoth(t, 4)
		county1 := as("county1", tide.RoleCounty, "520101")
		for _, region := range []string{"520102", "5201", "52", "520102001001", "520101999"} {
			if _, err := exportCSV(t, f, county1, region); tide.ErrorCode(err) != tide.ENOTFOUND {
				t.Errorf("county1 exporting %s: got %v, want not found", region, err)
			}
		}
		for _, region := range []string{"", "520101", "520101001"} {
			rows, err := exportCSV(t, f, county1, region)
			if err != nil {
				t.Fatalf("county1 exporting %q: %v", region, err)
			}
			villages := column(t, rows, "village")
			if len(villages) == 0 {
				t.Errorf("county1 exporting %q: no rows", region)
			}
			for _, v := range villages {
				if !strings.HasPrefix(v, "520101") {
					t.Errorf("county1 exporting %q got a row of village %s", region, v)
				}
			}
		}
		if _, err := exportCSV(t, f, as("seller", tide.RoleSeller, ""), ""); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("seller: got %v, want forbidden", err)
		}
	})
}

// householdKey describes a household without its ref, timestamps or order,
// to compare two databases.
func householdKey(h *registry.Household) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|%d|%d|%s|%s|", h.Village, h.IncomePerPerson, h.LastYearIncome, h.ShockCosts, h.Cadre.Name, h.Cadre.Phone)
	keys := make([]string, 0, len(h.Indicators))
	for k := range h.Indicators {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%g,", k, h.Indicators[k])
	}
	for _, m := range h.Members {
		fmt.Fprintf(&b, "|%s,%s,%s,%s,%s,%s,%s,%s,%s,%v", m.Name, m.Sex, m.Birth, m.Relation, m.IDNumber, m.Phone,
			m.Disability, m.Health, m.Schooling, m.MedicalInsurance)
	}
	return b.String()
}

func allHouseholds(tb testing.TB, f *transferFixture) []string {
	tb.Helper()
	list, _, err := f.svc.List(systemCtx, registry.Filter{Limit: 500})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, h := range list {
		out = append(out, householdKey(h))
	}
	slices.Sort(out)
	return out
}

func TestExportImportRoundTrip(t *testing.T) {
	for _, format := range []string{registry.FormatXLSX, registry.FormatCSV} {
		t.Run(format, func(t *testing.T) {
			from := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 3)
			from.importBoth(t, 12)
			var file bytes.Buffer
			sum, err := from.svc.Export(systemCtx, &file, registry.ExportOptions{Format: format})
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			if sum.Households != 24 || sum.MaskedIDs {
				t.Errorf("summary = %+v, want 24 households unmasked", sum)
			}
			to := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 3)
			rep, err := to.svc.Import(systemCtx, &file, format, registry.ImportOptions{})
			if err != nil {
				t.Fatalf("import the export: %v", err)
			}
			if rep.Households != 24 {
				t.Errorf("imported %d households, want 24", rep.Households)
			}
			got, want := allHouseholds(t, to), allHouseholds(t, from)
			if !slices.Equal(got, want) {
				t.Errorf("households differ after the round trip:\ngot  %q\nwant %q", got[:2], want[:2])
			}
		})
	}
}

func TestTemplateImports(t *testing.T) {
	for _, format := range []string{registry.FormatCSV, registry.FormatXLSX} {
		t.Run(format, func(t *testing.T) {
			f := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 2)
			reg := as("registrar", tide.RoleRegistrar, "520102001")
			var buf bytes.Buffer
			if err := f.svc.Template(reg, &buf, format); err != nil {
				t.Fatalf("template: %v", err)
			}
			rep, err := f.svc.Import(reg, &buf, format, registry.ImportOptions{})
			if err != nil || rep.Households != 1 || rep.Persons != 2 {
				t.Fatalf("import the template: %+v %v", rep, err)
			}
			list, _, err := f.svc.List(reg, registry.Filter{})
			if err != nil || len(list) != 1 || !strings.HasPrefix(list[0].Village, "520102001") {
				t.Errorf("the template's household = %v %v, want one in the registrar's township", list, err)
			}
		})
	}
}
