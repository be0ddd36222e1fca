package registry_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// transferFixture is a registry over a real database with a small tree:
// province 52, prefecture 5201, counties 520101 and 520102, one township in
// each and villages NNN001001…, plus a township code and an unknown code.
type transferFixture struct {
	db       *sqlstore.DB
	svc      *registry.Service
	villages map[string][]string // county → its villages
}

func newTransferFixture(tb testing.TB, db *sqlstore.DB, villagesPerCounty int) *transferFixture {
	tb.Helper()
	ctx := tide.WithActor(context.Background(), tide.System)
	rs := []*region.Region{{Code: "52", Name: "P", Level: region.Province}, {Code: "5201", Name: "Pre", Level: region.Prefecture, Parent: "52"}}
	f := &transferFixture{db: db, villages: map[string][]string{}}
	for _, county := range []string{"520101", "520102"} {
		rs = append(rs, &region.Region{Code: county, Name: "C" + county, Level: region.County, Parent: "5201"},
			&region.Region{Code: county + "001", Name: "T" + county, Level: region.Township, Parent: county})
		for v := 1; v <= villagesPerCounty; v++ {
			code := fmt.Sprintf("%s001%03d", county, v)
			rs = append(rs, &region.Region{Code: code, Name: "V" + code, Level: region.Village, Parent: county + "001"})
			f.villages[county] = append(f.villages[county], code)
		}
	}
	if err := region.NewService(db).CreateAll(ctx, rs); err != nil {
		tb.Fatalf("create regions: %v", err)
	}
	sealer, err := secret.New(bytes.Repeat([]byte{7}, secret.KeyLen))
	if err != nil {
		tb.Fatal(err)
	}
	f.svc = registry.NewService(db, sealer, policy.NewRegistry(), nil)
	f.svc.Now = func() time.Time { return time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) }
	return f
}

// as returns a context acting as a person of role scoped to scope.
func as(name string, role tide.Role, scope string) context.Context {
	return tide.WithActor(context.Background(), &tide.Actor{Name: name, Roles: []tide.Role{role}, Scope: scope})
}

var systemCtx = tide.WithActor(context.Background(), tide.System)

// countHouseholds counts every household in the database.
func (f *transferFixture) countHouseholds(tb testing.TB) int {
	tb.Helper()
	_, n, err := f.svc.List(systemCtx, registry.Filter{Limit: 1})
	if err != nil {
		tb.Fatalf("count households: %v", err)
	}
	return n
}

// testID returns a valid 18-digit ID number made from n.
func testID(n int) string {
	d := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	first := fmt.Sprintf("520102%s%03d", d.Format("20060102"), n%1000)
	return first + string(registry.ChineseIDCheck(first))
}

// writeHouseholds writes n synthetic households over villages as an import
// CSV: 1 to 6 members each (3.3 on average), every member with an ID number,
// the head with a phone. Numbers derive from start, so two calls with
// different starts never share an ID or phone.
func writeHouseholds(w io.Writer, start, n int, villages []string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("household,village,income_per_person,last_year_income,shock_costs,cadre_name,cadre_phone," +
		"ind_food_secure,ind_safe_housing,name,sex,birth_date,relation,id_number,phone,disability,health,schooling,medical_insurance\n")
	sizes := []int{1, 2, 3, 3, 4, 4, 5, 6, 3, 2} // mean 3.3
	person := start * 7
	for k := start; k < start+n; k++ {
		size := sizes[k%len(sizes)]
		hh := strconv.Itoa(k)
		village := villages[k%len(villages)]
		income := strconv.Itoa(200000 + (k*7919)%400000)
		for m := 0; m < size; m++ {
			person++
			rel, sex, born := "child", "f", 2000+person%20
			switch m {
			case 0:
				rel, sex, born = "head", "m", 1950+person%40
			case 1:
				rel, born = "spouse", 1952+person%40
			}
			phone := ""
			if m == 0 {
				phone = fmt.Sprintf("139%08d", k)
			}
			if m == 0 {
				fmt.Fprintf(bw, "%s,%s,%s,%d,%d,王芳,13800000000,%d,1,", hh, village, income, 180000+k%1000, (k%13)*1000, k%2)
			} else {
				bw.WriteString(hh + ",,,,,,,,,")
			}
			fmt.Fprintf(bw, "成员%d,%s,%d-%02d-%02d,%s,%s,%s,,healthy,primary,%d\n", m, sex, born, 1+person%12, 1+person%28, rel, testID(person), phone, person%2)
		}
	}
	return bw.Flush()
}

// badFile has one bad row of each kind the importer finds, and good
// households h1 and h9 around them. existingPhone is registered already.
func badFile(f *transferFixture, existingPhone string) string {
	own, other := f.villages["520101"][0], f.villages["520102"][0]
	header := "household,village,income_per_person,last_year_income,shock_costs,cadre_name,cadre_phone,ind_food_secure," +
		"name,sex,birth_date,relation,id_number,phone,disability,health,schooling,medical_insurance\n"
	rows := []string{
		"h1," + own + ",300000,0,0,,,1,张三,m,1970-01-01,head," + testID(1) + ",13900000001,,,,yes",         // 2 good
		"h1,,,,,,,,李四,f,1972-02-02,spouse," + testID(2) + ",,,,,no",                                       // 3 good
		"h2," + own + ",300000,0,0,,,1,王五,m,1970-13-01,head," + testID(3) + ",,,,,1",                      // 4 bad date
		"h3,520101001999,300000,0,0,,,1,赵六,m,1970-01-01,head," + testID(4) + ",,,,,1",                     // 5 unknown village
		"h4," + other + ",300000,0,0,,,1,孙七,m,1970-01-01,head," + testID(5) + ",,,,,1",                    // 6 outside scope
		"h5," + own + ",300000,0,0,,,1,周八,m,1970-01-01,head," + testID(1) + ",,,,,1",                      // 7 ID also on line 2
		"h6," + own + ",300000,0,0,,,1,吴九,m,1970-01-01,head," + testID(6) + "," + existingPhone + ",,,,1", // 8 phone registered
		"h7," + own + ",300000,0,0,,,1,郑十,m,1970-01-01,head," + testID(7) + ",,,,,1",                      // 9 good row of h7
		"h7," + own + ",310000,0,0,,,1,郑一,f,1971-01-01,spouse," + testID(8) + ",,,,,1",                    // 10 disagrees
		"h8,520101001,300000,0,0,,,1,钱二,m,1970-01-01,head," + testID(9) + ",,,,,maybe",                    // 11 township; 11 flag
		"h9," + own + ",250000,0,0,,,0,冯三,m,1960-05-05,head," + testID(10) + ",,,,,1",                     // 12 good
	}
	return header + strings.Join(rows, "\n") + "\n"
}

// wantRows checks that the report names each want line and column, and no
// other line.
func wantRows(tb testing.TB, got []registry.RowError, want []registry.RowError) {
	tb.Helper()
	has := map[[2]string]bool{}
	lines := map[int]bool{}
	for _, r := range got {
		has[[2]string{strconv.Itoa(r.Line), r.Column}] = true
		if r.Message == "" {
			tb.Errorf("line %d column %s: no message", r.Line, r.Column)
		}
	}
	for _, w := range want {
		lines[w.Line] = true
		if !has[[2]string{strconv.Itoa(w.Line), w.Column}] {
			tb.Errorf("report does not name line %d column %s; got %+v", w.Line, w.Column, got)
		}
	}
	for _, r := range got {
		if !lines[r.Line] {
			tb.Errorf("report blames line %d (%s: %s), which is good", r.Line, r.Column, r.Message)
		}
	}
}

var badFileRows = []registry.RowError{
	{Line: 4, Column: "birth_date"}, {Line: 5, Column: "village"}, {Line: 6, Column: "village"},
	{Line: 7, Column: "id_number"}, {Line: 8, Column: "phone"}, {Line: 10, Column: "income_per_person"},
	{Line: 11, Column: "village"}, {Line: 11, Column: "medical_insurance"},
}

// registerPhone registers one household whose head has phone.
func (f *transferFixture) registerPhone(tb testing.TB, village, phone string) *registry.Household {
	tb.Helper()
	h := &registry.Household{Village: village, IncomePerPerson: 100000, Members: []registry.Member{
		{Name: "老户", Sex: "m", Birth: "1950-01-01", Relation: "head", IDNumber: testID(999_999), Phone: phone}}}
	if err := f.svc.Create(systemCtx, h); err != nil {
		tb.Fatalf("register: %v", err)
	}
	return h
}

func TestImportBadRows(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newTransferFixture(t, db, 3)
		old := f.registerPhone(t, f.villages["520101"][1], "13912345678")
		before := f.countHouseholds(t)
		ctx := as("county1", tide.RoleCounty, "520101")
		rep, err := f.svc.Import(ctx, strings.NewReader(badFile(f, "139-1234-5678")), registry.FormatCSV, registry.ImportOptions{})
		var ie *registry.ImportError
		if !errorsAs(err, &ie) {
			t.Fatalf("import: got %v, want *ImportError", err)
		}
		if tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("code = %q, want %q", tide.ErrorCode(err), tide.EINVALID)
		}
		wantRows(t, ie.Rows, badFileRows)
		if rep.Written {
			t.Error("report says written")
		}
		for _, r := range ie.Rows {
			if r.Line == 8 && !strings.Contains(r.Message, old.Ref) {
				t.Errorf("phone duplicate in scope should name household %s: %q", old.Ref, r.Message)
			}
		}
		if after := f.countHouseholds(t); after != before {
			t.Errorf("households after a refused import = %d, want %d", after, before)
		}

		// The same duplicate seen by someone whose area does not hold the
		// registered household is told only that it exists.
		reg2 := as("registrar2", tide.RoleRegistrar, "520102")
		line := "household,village,name,sex,birth_date,relation,phone\nx," + f.villages["520102"][0] + ",甲,m,1970-01-01,head,13912345678\n"
		_, err = f.svc.Import(reg2, strings.NewReader(line), registry.FormatCSV, registry.ImportOptions{})
		if !errorsAs(err, &ie) || len(ie.Rows) != 1 || strings.Contains(ie.Rows[0].Message, old.Ref) ||
			!strings.Contains(ie.Rows[0].Message, "already registered") {
			t.Errorf("duplicate outside scope: got %v, want one row saying already registered without the ref", err)
		}
	})
}

func errorsAs(err error, ie **registry.ImportError) bool {
	e, ok := err.(*registry.ImportError)
	if ok {
		*ie = e
	}
	return ok
}

func TestImportHeader(t *testing.T) {
	f := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 1)
	v := f.villages["520101"][0]
	for _, tc := range []struct {
		name, file string
		want       registry.RowError
	}{
		{"UnknownColumn", "household,village,name,sex,birth_date,relation,colour\n", registry.RowError{Line: 1, Column: "colour"}},
		{"MissingColumn", "household,village,name,sex,relation\n", registry.RowError{Line: 1, Column: "birth_date"}},
		{"TwiceColumn", "household,village,name,name,sex,birth_date,relation\n", registry.RowError{Line: 1, Column: "name"}},
		{"BadIndicator", "household,village,ind_food-secure,name,sex,birth_date,relation\n", registry.RowError{Line: 1, Column: "ind_food-secure"}},
		{"Empty", "", registry.RowError{Line: 1, Column: "household"}},
		{"NoRows", "household,village,name,sex,birth_date,relation\n", registry.RowError{Line: 2, Column: "household"}},
		{"BadQuote", "household,village,name,sex,birth_date,relation\nh1," + v + ",a\"b,m,1970-01-01,head\n", registry.RowError{Line: 2, Column: "row"}},
		{"ShortRow", "household,village,name,sex,birth_date,relation\nh1," + v + ",甲,m\n", registry.RowError{Line: 2, Column: "row"}},
		{"NoHead", "household,village,name,sex,birth_date,relation\nh1," + v + ",甲,m,1970-01-01,child\n", registry.RowError{Line: 2, Column: "relation"}},
		{"TwoHeads", "household,village,name,sex,birth_date,relation\nh1," + v + ",甲,m,1970-01-01,head\nh1,,乙,f,1971-01-01,head\n", registry.RowError{Line: 3, Column: "relation"}},
		{"NotUTF8", "household,village,name,sex,birth_date,relation\nh1," + v + ",\xd5\xc5\xc8\xfd,m,1970-01-01,head\n", registry.RowError{Line: 2, Column: "row"}},
		{"NoKey", "household,village,name,sex,birth_date,relation\n," + v + ",甲,m,1970-01-01,head\n", registry.RowError{Line: 2, Column: "household"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Import(systemCtx, strings.NewReader(tc.file), registry.FormatCSV, registry.ImportOptions{})
			var ie *registry.ImportError
			if !errorsAs(err, &ie) {
				t.Fatalf("got %v, want *ImportError", err)
			}
			wantRows(t, ie.Rows, []registry.RowError{tc.want})
		})
	}
}

// TestImportBadRowFarIn checks that rows read ahead in batches keep their
// lines: an unreadable row past the first batches is reported at its own
// line, and the good rows around it are not written.
func TestImportBadRowFarIn(t *testing.T) {
	f := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 1)
	v := f.villages["520101"][0]
	var b strings.Builder
	b.WriteString("household,village,name,sex,birth_date,relation\n")
	for i := range 1000 {
		if i == 700 {
			b.WriteString("h700," + v + ",a\"b,m,1970-01-01,head\n")
			continue
		}
		fmt.Fprintf(&b, "h%d,%s,甲,m,1970-01-01,head\n", i, v)
	}
	_, err := f.svc.Import(systemCtx, strings.NewReader(b.String()), registry.FormatCSV, registry.ImportOptions{})
	var ie *registry.ImportError
	if !errorsAs(err, &ie) {
		t.Fatalf("got %v, want *ImportError", err)
	}
	wantRows(t, ie.Rows, []registry.RowError{{Line: 702, Column: "row"}})
	if n := f.countHouseholds(t); n != 0 {
		t.Errorf("households = %d, want 0", n)
	}
}

// TestImportRowsApart imports a file whose households' rows do not follow
// one another: each household gets all of its rows, in file order.
func TestImportRowsApart(t *testing.T) {
	f := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 1)
	v := f.villages["520101"][0]
	file := "household,village,name,sex,birth_date,relation\n" +
		"a," + v + ",甲,m,1970-01-01,head\n" +
		"b," + v + ",乙,f,1971-01-01,head\n" +
		"b,,丙,m,2001-01-01,child\n" +
		"a,,丁,f,1972-01-01,spouse\n" +
		"c," + v + ",戊,m,1960-01-01,head\n" +
		"a,,己,m,2002-01-01,child\n"
	rep, err := f.svc.Import(systemCtx, strings.NewReader(file), registry.FormatCSV, registry.ImportOptions{})
	if err != nil || rep.Households != 3 || rep.Persons != 6 {
		t.Fatalf("import: %+v, %v; want 3 households of 6 persons", rep, err)
	}
	rows, err := f.db.SQL().Query(`SELECT h.persons, group_concat(m.name, '') FROM households h JOIN members m ON m.household_id = h.id
		GROUP BY h.id ORDER BY h.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n int
		var names string
		if err := rows.Scan(&n, &names); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d:%s", n, names))
	}
	if want := []string{"3:甲丁己", "2:乙丙", "1:戊"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("households = %v, want %v", got, want)
	}
}

func TestImportGoodRowsOnly(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newTransferFixture(t, db, 3)
		f.registerPhone(t, f.villages["520101"][1], "13912345678")
		before := f.countHouseholds(t)
		ctx := as("county1", tide.RoleCounty, "520101")
		rep, err := f.svc.Import(ctx, strings.NewReader(badFile(f, "13912345678")), registry.FormatCSV, registry.ImportOptions{GoodRowsOnly: true})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		wantRows(t, rep.Rows, badFileRows)
		// h1 (2 members) and h9 (1) are good; h7 has a bad row and is left out.
		if !rep.Written || rep.Households != 2 || rep.Persons != 3 {
			t.Errorf("report = %+v, want 2 households, 3 persons, written", rep)
		}
		if after := f.countHouseholds(t); after != before+2 {
			t.Errorf("households = %d, want %d", after, before+2)
		}
		list, _, err := f.svc.List(ctx, registry.Filter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, h := range list {
			for _, m := range h.Members {
				names[m.Name] = true
			}
		}
		for _, n := range []string{"张三", "李四", "冯三"} {
			if !names[n] {
				t.Errorf("%s was not imported", n)
			}
		}
		for _, n := range []string{"郑十", "郑一", "王五"} {
			if names[n] {
				t.Errorf("%s, of a bad household, was imported", n)
			}
		}

		// A bad row tied to no household refuses the whole file.
		orphan := "household,village,name,sex,birth_date,relation\nz1," + f.villages["520101"][2] + ",甲,m,1970-01-01,head\n,,乙,f,1971-01-01,spouse\n"
		_, err = f.svc.Import(ctx, strings.NewReader(orphan), registry.FormatCSV, registry.ImportOptions{GoodRowsOnly: true})
		if tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("orphan row: got %v, want invalid", err)
		}
		if after := f.countHouseholds(t); after != before+2 {
			t.Errorf("households after the orphan file = %d, want %d", after, before+2)
		}
	})
}

func TestImportAuditAndProgress(t *testing.T) {
	db := sqlstore.OpenTest(t, sqlstore.SQLite)
	f := newTransferFixture(t, db, 5)
	var buf bytes.Buffer
	if err := writeHouseholds(&buf, 0, 25, f.villages["520101"]); err != nil {
		t.Fatal(err)
	}
	var calls, lastDone, lastTotal int
	rep, err := f.svc.Import(systemCtx, &buf, registry.FormatCSV, registry.ImportOptions{Source: "h.csv",
		Progress: func(done, total int) { calls, lastDone, lastTotal = calls+1, done, total }})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if rep.Households != 25 || !rep.Written || len(rep.SHA256) != 64 {
		t.Errorf("report = %+v", rep)
	}
	if calls == 0 || lastDone != 25 || lastTotal != 25 {
		t.Errorf("progress: %d calls, last %d/%d, want the last to be 25/25", calls, lastDone, lastTotal)
	}
	entries, _, err := db.FindAuditEntries(context.Background(), audit.Filter{Entity: "household", EntityID: "sha256:" + rep.SHA256, Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].Action != "import" || entries[0].Actor != "system" {
		t.Fatalf("audit entries = %+v, %v; want one import entry", entries, err)
	}
	for _, want := range []string{`"households":25`, `"file":"h.csv"`, `"refs":[`} {
		if !strings.Contains(string(entries[0].After), want) {
			t.Errorf("audit entry lacks %s: %s", want, entries[0].After)
		}
	}
	if brk, _, err := audit.Verify(context.Background(), db); err != nil || brk != nil {
		t.Errorf("audit chain: %v %v", brk, err)
	}
}

func TestImportRefusesReadersAndBadFormat(t *testing.T) {
	f := newTransferFixture(t, sqlstore.OpenTest(t, sqlstore.SQLite), 1)
	_, err := f.svc.Import(as("a", tide.RoleAnalyst, ""), strings.NewReader(""), registry.FormatCSV, registry.ImportOptions{})
	if tide.ErrorCode(err) != tide.EFORBIDDEN {
		t.Errorf("analyst: got %v, want forbidden", err)
	}
	_, err = f.svc.Import(systemCtx, strings.NewReader(""), "ods", registry.ImportOptions{})
	if tide.ErrorField(err) != "format" {
		t.Errorf("format ods: got %v, want a format error", err)
	}
	_, err = f.svc.Import(systemCtx, strings.NewReader("not a zip"), registry.FormatXLSX, registry.ImportOptions{})
	if tide.ErrorCode(err) != tide.EINVALID {
		t.Errorf("garbage XLSX: got %v, want invalid", err)
	}
}

// BenchmarkImportHouseholds imports TIDE_BENCH_HOUSEHOLDS households
// (100,000 by default, 330,000 persons) from CSV into a fresh SQLite database
// per iteration, large enough for the import's bulk paths to apply:
//
//	go test ./internal/registry -run '^$' -bench ImportHouseholds -benchtime 1x
func BenchmarkImportHouseholds(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("TIDE_BENCH_HOUSEHOLDS")); err == nil && v > 0 {
		n = v
	}
	var buf bytes.Buffer
	villages := make([]string, 50)
	for i := range villages {
		villages[i] = fmt.Sprintf("520101001%03d", i+1)
	}
	if err := writeHouseholds(&buf, 0, n, villages); err != nil {
		b.Fatal(err)
	}
	// One pass reads a file it could read again; two passes, one it
	// could not (a reader without Seek), checked whole before writing.
	for _, pass := range []string{"one-pass", "two-pass"} {
		b.Run(pass, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				b.StopTimer()
				f := newTransferFixture(b, sqlstore.OpenTest(b, sqlstore.SQLite), 50)
				var r io.Reader = bytes.NewReader(buf.Bytes())
				if pass == "two-pass" {
					r = struct{ io.Reader }{r}
				}
				b.StartTimer()
				rep, err := f.svc.Import(systemCtx, r, registry.FormatCSV, registry.ImportOptions{})
				if err != nil || rep.Households != n {
					b.Fatalf("import: %+v %v", rep, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "households/s")
		})
	}
}

var (
	bigOut        = flag.String("big-out", "", "TestWriteBigImportFile: where to write the household CSV")
	bigRegions    = flag.String("big-regions", "", "TestWriteBigImportFile: where to write the matching regions CSV")
	bigHouseholds = flag.Int("big-households", 1_000_000, "TestWriteBigImportFile: how many households")
)

// TestWriteBigImportFile writes a large import file and the regions it
// needs, for timing the command line:
//
//	go test ./internal/registry -run TestWriteBigImportFile -args -big-out /tmp/h1m.csv -big-regions /tmp/r.csv -big-households 1000000
//	tide import regions /tmp/r.csv --data /tmp/x
//	time tide import households /tmp/h1m.csv --data /tmp/x
//
// Without -big-out it does nothing.
func TestWriteBigImportFile(t *testing.T) {
	if *bigOut == "" {
		t.Skip("give -args -big-out FILE to write a big import file")
	}
	villages := make([]string, 100)
	for i := range villages {
		villages[i] = fmt.Sprintf("520101001%03d", i+1)
	}
	out, err := os.Create(*bigOut)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := writeHouseholds(out, 0, *bigHouseholds, villages); err != nil {
		t.Fatal(err)
	}
	if *bigRegions != "" {
		var b strings.Builder
		b.WriteString("code,name,level,parent\n52,P,province,\n5201,Pre,prefecture,52\n520101,C,county,5201\n520101001,T,township,520101\n")
		for _, v := range villages {
			fmt.Fprintf(&b, "%s,V%s,village,520101001\n", v, v)
		}
		if err := os.WriteFile(*bigRegions, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestImportRestoresConnection checks that the bulk settings of an import's
// connection (foreign keys off, a big cache) do not outlive it.
func TestImportRestoresConnection(t *testing.T) {
	db := sqlstore.OpenTest(t, sqlstore.SQLite)
	db.SQL().SetMaxOpenConns(1) // every statement on the import's connection
	f := newTransferFixture(t, db, 2)
	var buf bytes.Buffer
	writeHouseholds(&buf, 0, 10, f.villages["520101"])
	var spill int
	if err := db.SQL().QueryRow("PRAGMA cache_spill").Scan(&spill); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Import(systemCtx, &buf, registry.FormatCSV, registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for pragma, want := range map[string]int{"foreign_keys": 1, "cache_size": -2000, "cache_spill": spill, "temp_store": 0, "threads": 0} {
		var got int
		if err := db.SQL().QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %d (%v), want %d", pragma, got, err, want)
		}
	}
}
