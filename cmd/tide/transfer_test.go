package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// transferRegions is a tree with counties 520101 and 520102, a village each.
const transferRegions = "code,name,level,parent\n52,P,province,\n5201,Pre,prefecture,52\n" +
	"520101,C1,county,5201\n520101001,T1,township,520101\n520101001001,V1,village,520101001\n" +
	"520102,C2,county,5201\n520102001,T2,township,520102\n520102001001,V2,village,520102001\n"

// transferHouseholds has good households g1 (county 520101, two members) and
// g2 (county 520102), and bad rows on lines 5 (date), 6 (village) and 7
// (an ID number also on line 2).
const transferHouseholds = "household,village,income_per_person,ind_food_secure,name,sex,birth_date,relation,id_number,phone\n" +
	"g1,520101001001,300000,1,张三,m,1970-01-01,head,520102197001010019,13900000001\n" +
	"g1,,,,李四,f,1972-02-02,spouse,,\n" +
	"g2,520102001001,200000,0,王五,m,1960-03-03,head,,13900000002\n" +
	"b1,520101001001,100000,1,赵六,m,1970-02-30,head,,\n" +
	"b2,520101001999,100000,1,孙七,m,1970-01-01,head,,\n" +
	"b3,520101001001,100000,1,周八,m,1970-01-01,head,520102197001010019,\n"

var transferBadRows = []struct {
	line   int
	column string
}{{5, "birth_date"}, {6, "village"}, {7, "id_number"}}

// transferData returns the flags of a fresh data folder with the regions of
// transferRegions, and its database URL.
func transferData(tb testing.TB) ([]string, string) {
	tb.Helper()
	flags, url := dbFlags(tb, sqlstore.SQLite)
	regions := writeFile(tb, "regions.csv", transferRegions)
	if code, _, stderr := tideRun(tb, nil, append([]string{"import", "regions", regions}, flags...)...); code != exitOK {
		tb.Fatalf("import regions: %d %s", code, stderr)
	}
	return flags, url
}

// countHouseholds counts the households in the database at url.
func countHouseholds(tb testing.TB, url string) int {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM households`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestImportHouseholdsCommand(t *testing.T) {
	flags, url := transferData(t)
	file := writeFile(t, "households.csv", transferHouseholds)
	code, _, stderr := tideRun(t, nil, append([]string{"import", "households", file}, flags...)...)
	if code != exitFailure {
		t.Errorf("exit status = %d, want %d; stderr:\n%s", code, exitFailure, stderr)
	}
	for _, w := range transferBadRows {
		if prefix := fmt.Sprintf("%s:%d: %s: ", file, w.line, w.column); !strings.Contains(stderr, prefix) {
			t.Errorf("stderr does not name %q:\n%s", prefix, stderr)
		}
	}
	for _, line := range []int{2, 3, 4} {
		if strings.Contains(stderr, fmt.Sprintf("%s:%d:", file, line)) {
			t.Errorf("stderr blames the good line %d:\n%s", line, stderr)
		}
	}
	if !strings.Contains(stderr, "nothing imported") {
		t.Errorf("stderr does not say nothing was imported:\n%s", stderr)
	}
	// The one pass stops at the first bad row; the file is read again.
	if !strings.Contains(stderr, "reading and writing "+file) || !strings.Contains(stderr, "reading "+file+" again") {
		t.Errorf("stderr does not tell of the one pass and the second reading:\n%s", stderr)
	}
	if n := countHouseholds(t, url); n != 0 {
		t.Errorf("households after a refused import = %d, want 0", n)
	}

	// Good rows only: the good households go in, the status still says the
	// file was bad.
	code, stdout, stderr := tideRun(t, nil, append([]string{"import", "households", file, "--good-rows-only"}, flags...)...)
	if code != exitFailure || !strings.Contains(stdout, "imported 2 households (3 persons)") || !strings.Contains(stderr, file+":5: birth_date: ") {
		t.Errorf("--good-rows-only: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := countHouseholds(t, url); n != 2 {
		t.Errorf("households = %d, want 2", n)
	}

	// Now g1's phone is registered: importing it again is a duplicate.
	again := writeFile(t, "again.csv", "household,village,name,sex,birth_date,relation,phone\nz,520101001001,甲,m,1970-01-01,head,+86 139-0000-0001\n")
	if code, _, stderr := tideRun(t, nil, append([]string{"import", "households", again}, flags...)...); code != exitFailure ||
		!strings.Contains(stderr, again+":2: phone: ") || !strings.Contains(stderr, "already registered") {
		t.Errorf("duplicate phone: status %d, stderr %q", code, stderr)
	}

	// A good file is written in one pass.
	good := writeFile(t, "good.csv", "household,village,name,sex,birth_date,relation,phone\ny,520101001001,乙,f,1971-01-01,head,13900000077\n")
	code, stdout, stderr = tideRun(t, nil, append([]string{"import", "households", good}, flags...)...)
	if code != exitOK || !strings.Contains(stdout, "imported 1 households (1 persons)") ||
		!strings.Contains(stderr, "reading and writing "+good) || strings.Contains(stderr, "again") {
		t.Errorf("good file: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := countHouseholds(t, url); n != 3 {
		t.Errorf("households = %d, want 3", n)
	}

	for _, args := range [][]string{{"import", "households"}, {"import", "households", file, "--as", "nobody"}, {"import", "households", file, "--format", "ods"}} {
		if code, _, stderr := tideRun(t, nil, append(args, flags...)...); code == exitOK {
			t.Errorf("%v: exit 0, want a failure (stderr %q)", args, stderr)
		}
	}
}

func TestExportHouseholdsCommand(t *testing.T) {
	flags, _ := transferData(t)
	file := writeFile(t, "households.csv", transferHouseholds)
	tideRun(t, nil, append([]string{"import", "households", file, "--good-rows-only"}, flags...)...)
	for _, u := range [][]string{{"county1", "county_officer", "520101"}, {"analyst", "analyst", ""}} {
		if code, _, stderr := tideRun(t, nil, append([]string{"user", "add", "--name", u[0], "--role", u[1], "--scope", u[2]}, flags...)...); code != exitOK {
			t.Fatalf("user add %s: %s", u[0], stderr)
		}
	}

	code, _, stderr := tideRun(t, nil, append([]string{"export", "households", "--as", "county1", "--region", "520102"}, flags...)...)
	if code != exitFailure || !strings.Contains(stderr, "region not found") {
		t.Errorf("county1 exporting 520102: status %d, stderr %q", code, stderr)
	}
	code, stdout, stderr := tideRun(t, nil, append([]string{"export", "households", "--as", "county1"}, flags...)...)
	if code != exitOK || !strings.Contains(stdout, "张三") || strings.Contains(stdout, "王五") || !strings.Contains(stdout, "520102197001010019") {
		t.Errorf("county1's export: status %d, stderr %q\n%s", code, stderr, stdout)
	}
	code, stdout, _ = tideRun(t, nil, append([]string{"export", "households", "--as", "analyst"}, flags...)...)
	if code != exitOK || strings.Contains(stdout, "520102197001010019") || !strings.Contains(stdout, "王五") {
		t.Errorf("analyst's export should hold both counties with IDs masked: status %d\n%s", code, stdout)
	}

	// XLSX round trip into a fresh data folder.
	out := filepath.Join(t.TempDir(), "all.xlsx")
	if code, _, stderr := tideRun(t, nil, append([]string{"export", "households", "--out", out}, flags...)...); code != exitOK ||
		!strings.Contains(stderr, "exported 2 households (3 persons)") {
		t.Fatalf("export xlsx: %d %s", code, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "PK") {
		t.Fatalf("export file: %v", err)
	}
	fresh, url := transferData(t)
	code, stdout, stderr = tideRun(t, nil, append([]string{"import", "households", out}, fresh...)...)
	if code != exitOK || !strings.Contains(stdout, "imported 2 households (3 persons)") {
		t.Errorf("import the export: %d %q %q", code, stdout, stderr)
	}
	if n := countHouseholds(t, url); n != 2 {
		t.Errorf("households after the round trip = %d, want 2", n)
	}
	if code, _, _ := tideRun(t, nil, append([]string{"export", "households", "--out", filepath.Join(t.TempDir(), "x.pdf"), "--format", "pdf"}, flags...)...); code != exitUsage {
		t.Errorf("--format pdf: status %d, want %d", code, exitUsage)
	}
}

// TestTransferScope checks, on the real wiring with the demo province, that
// county1 gets 404 for a household of county2's county through the API, the
// pages and the export.
func TestTransferScope(t *testing.T) {
	m := startDemo(t, "")
	base := m.URL()
	ctx := tide.WithActor(context.Background(), tide.System)
	c2 := countyOf(t, m, ctx, "county2")
	village := c2.code + "001001"
	admin := login(t, base, "admin")
	file := "household,village,name,sex,birth_date,relation\nx," + village + ",导入测试户,m,1970-01-01,head\n"
	req, _ := http.NewRequest("POST", base+"/api/v1/households/import", strings.NewReader(file))
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := httpClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("import into county2: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	var list struct {
		Items []struct {
			Ref string `json:"ref"`
		} `json:"items"`
	}
	getJSON(t, base, admin, "/api/v1/households?region="+village+"&name="+url.QueryEscape("导入测试户"), &list)
	if len(list.Items) != 1 {
		t.Fatalf("found %d imported households in county2's village, want 1", len(list.Items))
	}
	ref := list.Items[0].Ref
	county1 := login(t, base, "county1")
	for _, path := range []string{"/api/v1/households/" + ref, "/api/v1/households/export?region=" + c2.code} {
		if status, b := call(t, base, county1, "GET", path, ""); status != http.StatusNotFound {
			t.Errorf("county1 GET %s: %d, want 404: %s", path, status, b)
		}
	}
	status, b := call(t, base, county1, "GET", "/api/v1/households/export", "")
	if status != http.StatusOK || strings.Contains(string(b), village) {
		t.Errorf("county1's own export: %d, holds county2's village: %v", status, strings.Contains(string(b), village))
	}

	// Pages: sign in with a session cookie.
	secret, _, err := m.Users.Login(context.Background(), "county1", demoPassword, "session")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/households/" + ref, "/households/export?region=" + c2.code} {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.AddCookie(&http.Cookie{Name: "tide_session", Value: secret})
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("county1's page %s: %d, want 404", path, resp.StatusCode)
		}
	}
}
