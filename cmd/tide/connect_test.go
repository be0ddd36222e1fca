package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// connectSite is a small fixture served by the real wiring: two counties
// of four villages, a registered household whose people carry known
// personal values, their connections over five years, schools, a remote
// class, and a boundary for every region.
type connectSite struct {
	m    *Main
	base string
	// personal are values no public answer may carry.
	personal []string
	adminPW  string
}

const connectRegions = `code,name,level,parent
52,Province P,province,
5201,Prefecture A,prefecture,52
520101,County One,county,5201
520102,County Two,county,5201
520101001,Town One,township,520101
520102001,Town Two,township,520102
520101001001,Village V1,village,520101001
520101001002,Village V2,village,520101001
520101001003,Village V3,village,520101001
520102001001,Village V4,village,520102001
`

const connectHistory = `village,on,fibre,fibre_since,provider,bandwidth_mbps,4g,5g,public_wifi
520101001001,2016-01-01,no,,,0,yes,no,no
520101001001,2018-06-01,yes,2018-05-20,Telecom,100,yes,no,yes
520101001002,2017-03-01,no,,,,yes,no,no
520101001002,2019-09-01,yes,2019-08-01,Unicom,50,yes,no,no
520101001003,2019-01-01,no,,,0,no,no,no
520101001003,2020-06-30,yes,2020-06-01,Mobile,200,yes,yes,no
520102001001,2018-01-01,yes,2017-12-01,Telecom,100,no,no,no
`

const connectSchools = `code,name,region,level,students,teachers,connection,bandwidth_mbps,devices,since
S1,First School,520101001001,primary,120,8,fibre,100,20,2018-09-01
S2,Hill Point,520102001001,teaching_point,15,1,none,0,1,
H1,City High,5201,high,900,60,fibre,1000,300,2015-09-01
`

// boxes returns a FeatureCollection of a rectangle for each region: the
// prefecture and province over everything, each county a half, each
// township its county, the villages cut from their township.
func boxes() string {
	type box struct {
		code           string
		x0, y0, x1, y1 float64
	}
	list := []box{{"52", 104, 25, 106, 27}, {"5201", 104, 25, 106, 27}, {"520101", 104, 25, 105, 27}, {"520102", 105, 25, 106, 27},
		{"520101001", 104, 25, 105, 27}, {"520102001", 105, 25, 106, 27},
		{"520101001001", 104, 25, 105, 25.6}, {"520101001002", 104, 25.6, 105, 26.3}, {"520101001003", 104, 26.3, 105, 27},
		{"520102001001", 105, 25, 106, 27}}
	var fs []string
	for _, b := range list {
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","properties":{"code":%q},"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
			b.code, b.x0, b.y0, b.x1, b.y0, b.x1, b.y1, b.x0, b.y1, b.x0, b.y0))
	}
	return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
}

// startConnectSite serves the fixture from the database at dbURL (the
// data folder's SQLite file when empty).
func startConnectSite(tb testing.TB, dbURL string) *connectSite {
	tb.Helper()
	m := NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Data = tb.TempDir()
	m.Config.DB = dbURL
	m.Out = io.Discard
	if err := m.Config.Validate(); err != nil {
		tb.Fatalf("config: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	bg := context.Background()
	if err := m.Open(bg); err != nil {
		tb.Fatalf("open: %v", err)
	}
	ctx := tide.WithActor(bg, tide.System)
	if _, err := m.Regions.Import(ctx, strings.NewReader(connectRegions), nil); err != nil {
		tb.Fatalf("regions: %v", err)
	}
	site := &connectSite{m: m, personal: []string{"Zhang Privatename", "ZX9988776655", "13912345678",
		"Cadre Wuprivate", "13800001111", "Teacher Qianprivate", "schoolacct", "School Account Person"}}
	h := &registry.Household{Village: "520101001002", IncomePerPerson: 150000,
		Cadre: registry.Cadre{Name: "Cadre Wuprivate", Phone: "13800001111"},
		Members: []registry.Member{{Name: "Zhang Privatename", Sex: "f", Birth: "1970-01-01", Relation: "head",
			IDNumber: "ZX9988776655", Phone: "13912345678"}, {Name: "Zhang Second", Sex: "m", Birth: "2012-05-01", Relation: "child"}}}
	if err := m.Registry.Create(ctx, h); err != nil {
		tb.Fatalf("household: %v", err)
	}
	site.personal = append(site.personal, h.Ref, "Zhang Second")
	if _, err := m.Users.Create(ctx, user.NewUser{Name: "connectadmin", DisplayName: "Admin", Password: demoPassword,
		Roles: []tide.Role{tide.RoleAdmin}}); err != nil {
		tb.Fatalf("admin: %v", err)
	}
	acct, err := m.Users.Create(ctx, user.NewUser{Name: "schoolacct", DisplayName: "School Account Person", Password: demoPassword,
		Roles: []tide.Role{tide.RoleSchool}, Scope: "520101001001"})
	if err != nil {
		tb.Fatalf("school account: %v", err)
	}
	svc := m.Connectivity.Connect
	if _, err := svc.ImportReports(ctx, strings.NewReader(connectHistory), connect.FormatCSV); err != nil {
		tb.Fatalf("reports: %v", err)
	}
	if _, err := svc.ImportSchools(ctx, strings.NewReader(connectSchools), connect.FormatCSV); err != nil {
		tb.Fatalf("schools: %v", err)
	}
	s1, _ := svc.School(ctx, "S1")
	s1.Account = acct.ID
	if err := svc.SaveSchools(ctx, []*connect.School{s1}); err != nil {
		tb.Fatal(err)
	}
	c := &connect.Class{Host: "H1", Subject: "English", Teacher: "Teacher Qianprivate", Starts: time.Now().UTC().Add(-time.Hour),
		Minutes: 45, Stream: "https://stream.example/h1"}
	if err := svc.CreateClass(ctx, c); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Join(ctx, c.ID, "S1"); err != nil {
		tb.Fatal(err)
	}
	if _, err := m.Connectivity.Boundaries.Import(ctx, strings.NewReader(boxes())); err != nil {
		tb.Fatalf("boundaries: %v", err)
	}
	if err := m.Prepare(bg); err != nil {
		tb.Fatalf("prepare: %v", err)
	}
	if err := m.Start(); err != nil {
		tb.Fatalf("start: %v", err)
	}
	site.base = m.URL()
	return site
}

// TestConnectPublicHasNoPersonalData asks every public page and open-data
// answer about every region, figure and date, with queries that name
// personal values too, and finds none of the fixture's names, ID numbers,
// phones or household refs in any of them.
func TestConnectPublicHasNoPersonalData(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(string(d), func(t *testing.T) { testConnectPublic(t, startConnectSite(t, sqlstore.TestURL(t, d))) })
	}
}

func testConnectPublic(t *testing.T, site *connectSite) {
	regions := []string{"", "52", "5201", "520101", "520102", "520101001", "520101001002", "520102001001", "S1", "Zhang Privatename"}
	var paths []string
	for _, r := range regions {
		q := url.Values{"region": {r}}.Encode()
		paths = append(paths, "/overview?"+q, "/coverage?"+q, "/coverage/unconnected?"+q, "/coverage/export?format=csv&"+q,
			"/coverage/export?list=unconnected&format=csv&"+q, "/api/v1/open/boundaries.json?"+q,
			"/api/v1/overview?"+q, "/api/v1/open/overview.json?"+q, "/api/v1/open/overview.csv?"+q,
			"/api/v1/open/coverage.json?"+q, "/api/v1/open/coverage.csv?"+q, "/api/v1/coverage?lists=true&"+q)
		for _, f := range []string{"headcount", "exits", "monitoring", "villages_connected", "participation", "consultations", "ZX9988776655"} {
			paths = append(paths, "/overview?"+q+"&figure="+url.QueryEscape(f))
		}
		for _, on := range []string{"2017-01-01", "2020-12-31", "13912345678"} {
			paths = append(paths, "/coverage/unconnected?on="+on+"&"+q, "/api/v1/coverage?lists=1&on="+on+"&"+q)
		}
	}
	answered := 0
	for _, p := range paths {
		status, body := call(t, site.base, "", "GET", p, "")
		if status >= 500 {
			t.Errorf("GET %s: status %d", p, status)
		}
		if status == http.StatusOK {
			answered++
		}
		asked, _ := url.QueryUnescape(p)
		for _, v := range site.personal {
			// A value the query itself carries comes back in the page's
			// own address (its language switch, its form); any other
			// would come from the data.
			if !strings.Contains(asked, v) && strings.Contains(string(body), v) {
				t.Errorf("GET %s (status %d) carries the personal value %q", p, status, v)
			}
		}
	}
	if answered < len(paths)/2 {
		t.Errorf("only %d of %d public answers were 200; the test checks too little", answered, len(paths))
	}
	// The answers hold the fixture's figures: the household's two persons
	// are poor today, and three of four villages had fibre or 4G at the
	// end of 2018.
	var o struct {
		Figures []struct {
			Key       string  `json:"key"`
			Available bool    `json:"available"`
			Value     float64 `json:"value"`
		} `json:"figures"`
		Children []struct {
			Code string `json:"code"`
		} `json:"children"`
	}
	getJSON(t, site.base, "", "/api/v1/open/overview.json?region=520101", &o)
	for _, f := range o.Figures {
		switch {
		case f.Key == "headcount" && (!f.Available || f.Value != 2):
			t.Errorf("headcount = %v (available %v), want 2", f.Value, f.Available)
		case f.Key == "villages_connected" && f.Value != 1:
			t.Errorf("villages connected = %v, want 1", f.Value)
		case f.Key == "consultations" && (!f.Available || f.Value != 0):
			t.Errorf("consultations = %v (available %v), want 0: the fixture has none", f.Value, f.Available)
		}
	}
	if len(o.Children) != 1 || o.Children[0].Code != "520101001" {
		t.Errorf("children = %+v, want the township", o.Children)
	}
	var cov struct {
		AsOf string `json:"as_of"`
		Rows []struct {
			Region    string `json:"region"`
			Connected int    `json:"connected"`
			Villages  int    `json:"villages"`
		} `json:"rows"`
	}
	getJSON(t, site.base, "", "/api/v1/open/coverage.json?region=52&on=2018-12-31", &cov)
	if cov.AsOf == "" || len(cov.Rows) != 2 || cov.Rows[0].Connected != 3 || cov.Rows[0].Villages != 4 {
		t.Errorf("open coverage = %+v, want as_of and 3 of 4 villages connected", cov)
	}
	// The children's boundaries are open data too, in GeoJSON that Tide
	// itself reads back.
	status, body := call(t, site.base, "", "GET", "/api/v1/open/boundaries.json?region=5201", "")
	if bs, err := geo.Parse(strings.NewReader(string(body))); status != http.StatusOK || err != nil || len(bs) != 2 || bs[1].Region != "520102" {
		t.Errorf("open boundaries: %d, %v, %d shapes: %.300s", status, err, len(bs), body)
	}
	for _, p := range []string{"/schools", "/classes", "/connect/import", "/schools/S1"} {
		req, _ := http.NewRequest("GET", site.base+p, nil)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("GET %s signed out: %d to %q, want the login page", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// TestConnectBadInputAPI refuses over the API a school in a region that
// does not exist, a bandwidth that is not a number and a GeoJSON that is
// not valid, each with a clear error and nothing written.
func TestConnectBadInputAPI(t *testing.T) {
	site := startConnectSite(t, "")
	tok, err := site.m.Users.IssueToken(context.Background(), "connectadmin", "test")
	if err != nil {
		t.Fatal(err)
	}
	before := auditTotal(t, site.base, tok)
	status, body := call(t, site.base, tok, "POST", "/api/v1/schools",
		`{"code":"S9","name":"Lost","region":"529999","level":"primary"}`)
	wantError(t, "school in no region", status, body, http.StatusBadRequest, tide.EINVALID, "region")
	status, body = call(t, site.base, tok, "POST", "/api/v1/schools/import",
		connectSchools+"S8,Lost Too,529998,primary,10,1,none,0,0,\n")
	e := wantError(t, "import a school in no region", status, body, http.StatusBadRequest, tide.EINVALID, "")
	if len(e.Error.Rows) != 1 || e.Error.Rows[0].Line != 5 || e.Error.Rows[0].Column != "region" || !strings.Contains(e.Error.Rows[0].Message, "529998 does not exist") {
		t.Errorf("rows = %+v, want line 5, region, does not exist", e.Error.Rows)
	}
	status, body = call(t, site.base, tok, "POST", "/api/v1/connections",
		`{"village":"520102001001","on":"2024-01-01","fibre":true,"bandwidth_mbps":"fast"}`)
	wantError(t, "bandwidth not a number", status, body, http.StatusBadRequest, tide.EINVALID, "bandwidth_mbps")
	status, body = call(t, site.base, tok, "POST", "/api/v1/connections/import",
		"village,on,fibre,bandwidth_mbps\n520102001001,2024-01-01,yes,100\n520102001001,2025-01-01,yes,fast\n")
	e = wantError(t, "import a bandwidth not a number", status, body, http.StatusBadRequest, tide.EINVALID, "")
	if len(e.Error.Rows) != 1 || e.Error.Rows[0].Line != 3 || e.Error.Rows[0].Column != "bandwidth_mbps" {
		t.Errorf("rows = %+v, want line 3, bandwidth_mbps", e.Error.Rows)
	}
	status, body = call(t, site.base, tok, "POST", "/api/v1/boundaries",
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"520101"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}]}`)
	e = wantError(t, "GeoJSON not valid", status, body, http.StatusBadRequest, tide.EINVALID, "features")
	if !strings.Contains(e.Error.Message, "ring") {
		t.Errorf("message %q does not say what is wrong with the ring", e.Error.Message)
	}
	status, body = call(t, site.base, tok, "POST", "/api/v1/boundaries", `not json`)
	wantError(t, "not JSON", status, body, http.StatusBadRequest, tide.EINVALID, "geojson")
	if after := auditTotal(t, site.base, tok); after != before {
		t.Errorf("audit entries %d → %d after refused writes, want none written", before, after)
	}
	var hist struct {
		Items []json.RawMessage `json:"items"`
	}
	getJSON(t, site.base, tok, "/api/v1/connections/520102001001", &hist)
	if len(hist.Items) != 1 {
		t.Errorf("V4 has %d reports, want the fixture's one", len(hist.Items))
	}
	bs, _ := geo.NewService(site.m.DB).Find(context.Background(), []string{"520101"})
	if len(bs) != 1 || bs[0].Polygons[0][0][0][0] != 104 {
		t.Errorf("the county's boundary changed: %+v", bs)
	}
}

// TestConnectImportCommands imports regions, a connection history, schools
// and boundaries with the command line, and refuses a GeoJSON that is not
// valid and a file with a bandwidth that is not a number, exit status 1 and
// nothing written.
func TestConnectImportCommands(t *testing.T) {
	flags, dbURL := dbFlags(t, sqlstore.SQLite)
	imp := func(args ...string) (int, string, string) {
		return tideRun(t, nil, append(append([]string{"import"}, args...), flags...)...)
	}
	if code, _, errOut := imp("regions", writeFile(t, "regions.csv", connectRegions)); code != 0 {
		t.Fatalf("import regions: exit %d: %s", code, errOut)
	}
	if code, out, errOut := imp("connections", writeFile(t, "history.csv", connectHistory)); code != 0 || !strings.Contains(out, "imported 7 connections") {
		t.Fatalf("import connections: exit %d: %s %s", code, out, errOut)
	}
	if code, out, errOut := imp("schools", writeFile(t, "schools.csv", connectSchools)); code != 0 || !strings.Contains(out, "imported 3 schools") {
		t.Fatalf("import schools: exit %d: %s %s", code, out, errOut)
	}
	bad := writeFile(t, "bad.csv", "village,on,fibre,bandwidth_mbps\n520102001001,2024-01-01,yes,lots\n")
	if code, _, errOut := imp("connections", bad); code != 1 || !strings.Contains(errOut, "bad.csv:2: bandwidth_mbps:") {
		t.Errorf("import a bandwidth that is not a number: exit %d: %s", code, errOut)
	}
	notGeo := writeFile(t, "bad.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"52"},"geometry":{"type":"Point","coordinates":[104,25]}}]}`)
	if code, _, errOut := imp("boundaries", notGeo); code != 1 || !strings.Contains(errOut, "Polygon or MultiPolygon") {
		t.Errorf("import a Point as a boundary: exit %d: %s", code, errOut)
	}
	if code, out, errOut := imp("boundaries", writeFile(t, "shapes.geojson", boxes())); code != 0 || !strings.Contains(out, "imported 10 boundaries") {
		t.Fatalf("import boundaries: exit %d: %s %s", code, out, errOut)
	}
	db, err := sqlstore.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if h, _ := db.FindReports(context.Background(), "520102001001"); len(h) != 1 {
		t.Errorf("V4 has %d reports after the refused file, want 1", len(h))
	}
	c, err := connect.NewService(db).Coverage(context.Background(), "52", "2020-12-31", false)
	if err != nil || c.Fibre != 4 || c.SchoolsConnected != 2 {
		t.Errorf("coverage = %+v, %v; want 4 fibre villages and 2 schools connected", c, err)
	}
}

// TestOverviewOfOneTopRegion checks that the overview of everywhere, when
// there is one top region, is that region's, so its map shows its parts.
func TestOverviewOfOneTopRegion(t *testing.T) {
	site := startConnectSite(t, sqlstore.TestURL(t, sqlstore.SQLite))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(site.base + "/overview?figure=exits")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/overview?figure=exits&region=52" {
		t.Errorf("GET /overview: %d to %q, want 302 to /overview?figure=exits&region=52", resp.StatusCode, loc)
	}
}
