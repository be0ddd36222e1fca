package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/demo"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/web"
)

// demoPassword is the password of every demo account in these tests.
const demoPassword = "demo-pass-1"

// demoAccounts are the accounts the demo generator makes, with the length of
// the region code each is scoped to (0: the root).
var demoAccounts = []struct {
	name     string
	role     tide.Role
	scopeLen int
}{
	{"admin", tide.RoleAdmin, 0},
	{"analyst", tide.RoleAnalyst, 0},
	{"county1", tide.RoleCounty, 6},
	{"county2", tide.RoleCounty, 6},
	{"registrar1", tide.RoleRegistrar, 9},
	{"seller1", tide.RoleSeller, 12},
	{"clinic1", tide.RoleClinic, 9},
	{"specialist1", tide.RoleSpecialist, 2},
	{"school1", tide.RoleSchool, 12},
	{"public1", tide.RolePublic, 0},
}

// startDemo starts the real wiring on a free port with the demo province in
// the database at dbURL (the SQLite file of a temporary data folder when
// empty), and closes it when the test ends. tweaks adjust the configuration
// before it is validated.
func startDemo(tb testing.TB, dbURL string, tweaks ...func(*Config)) *Main {
	tb.Helper()
	m := NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Data = tb.TempDir()
	m.Config.DB = dbURL
	m.Config.Demo = true
	m.Config.DemoPassword = demoPassword
	m.Out = io.Discard
	for _, tweak := range tweaks {
		tweak(&m.Config)
	}
	if err := m.Config.Validate(); err != nil {
		tb.Fatalf("config: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		tb.Fatalf("open: %v", err)
	}
	if err := m.Prepare(ctx); err != nil {
		tb.Fatalf("prepare demo: %v", err)
	}
	if err := m.Start(); err != nil {
		tb.Fatalf("start: %v", err)
	}
	return m
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// call sends one request to the server at base and returns the status and
// body. body is sent as it is; token, when not empty, as a bearer token.
func call(tb testing.TB, base, token, method, path, body string) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// getJSON GETs path, wants 200 and decodes the body into v.
func getJSON(tb testing.TB, base, token, path string, v any) {
	tb.Helper()
	status, b := call(tb, base, token, "GET", path, "")
	if status != http.StatusOK {
		tb.Fatalf("GET %s: status %d, want 200: %s", path, status, b)
	}
	decodeJSON(tb, b, v)
}

func decodeJSON(tb testing.TB, b []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
}

// apiError is the API's error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
		Rows    []struct {
			Line    int    `json:"line"`
			Column  string `json:"column"`
			Message string `json:"message"`
		} `json:"rows"`
	} `json:"error"`
}

// wantError checks a refusal: its status, error code and field.
func wantError(tb testing.TB, what string, status int, body []byte, wantStatus int, wantCode, wantField string) apiError {
	tb.Helper()
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Errorf("%s: body is not the error JSON (%v): %.200s", what, err, body)
		return e
	}
	if status != wantStatus || e.Error.Code != wantCode || e.Error.Field != wantField {
		tb.Errorf("%s: got status %d code %q field %q, want %d %q %q (message %q)",
			what, status, e.Error.Code, e.Error.Field, wantStatus, wantCode, wantField, e.Error.Message)
	}
	if e.Error.Message == "" {
		tb.Errorf("%s: error has no message", what)
	}
	return e
}

// login signs in as a demo account over the API and returns the token.
func login(tb testing.TB, base, name string) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": demoPassword})
	status, b := call(tb, base, "", "POST", "/api/v1/login", string(body))
	if status != http.StatusOK {
		tb.Fatalf("login %s: status %d: %s", name, status, b)
	}
	var out struct {
		Token string `json:"token"`
	}
	decodeJSON(tb, b, &out)
	if out.Token == "" {
		tb.Fatalf("login %s: no token in %s", name, b)
	}
	return out.Token
}

// me is the answer of GET /api/v1/me.
type me struct {
	ID    int64       `json:"id"`
	Name  string      `json:"name"`
	Roles []tide.Role `json:"roles"`
	Scope string      `json:"scope"`
}

func whoAmI(tb testing.TB, base, token string) me {
	tb.Helper()
	var m me
	getJSON(tb, base, token, "/api/v1/me", &m)
	return m
}

// auditTotal returns the number of audit entries, read as the administrator.
func auditTotal(tb testing.TB, base, adminToken string) int {
	tb.Helper()
	var p struct {
		Total int `json:"total"`
	}
	getJSON(tb, base, adminToken, "/api/v1/audit?limit=1", &p)
	return p.Total
}

type regionJSON struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Parent   string `json:"parent"`
	Children int    `json:"children"`
}

type regionPage struct {
	Items  []regionJSON `json:"items"`
	Total  int          `json:"total"`
	Offset int          `json:"offset"`
	Limit  int          `json:"limit"`
}

// wantNoRegion checks that code was not written.
func wantNoRegion(tb testing.TB, base, adminToken, code string) {
	tb.Helper()
	if status, b := call(tb, base, adminToken, "GET", "/api/v1/regions/"+code, ""); status != http.StatusNotFound {
		tb.Errorf("region %s after a refused write: status %d, want 404: %s", code, status, b)
	}
}

// TestAPI drives the demo server over HTTP, on SQLite and (when
// TIDE_TEST_POSTGRES is set) PostgreSQL.
func TestAPI(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			m := startDemo(t, sqlstore.TestURL(t, d))
			base := m.URL()
			t.Run("Login", func(t *testing.T) { testLogin(t, base) })
			t.Run("Scope", func(t *testing.T) { testScope(t, base) })
			t.Run("BadInput", func(t *testing.T) { testBadInput(t, base) })
			t.Run("ImportBadRows", func(t *testing.T) { testImportBadRows(t, base) })
			t.Run("Paging", func(t *testing.T) { testPaging(t, base) })
			t.Run("HealthAndMetrics", func(t *testing.T) { testHealthAndMetrics(t, base) })
		})
	}
}

func testLogin(t *testing.T, base string) {
	scopes := map[string]string{}
	for _, a := range demoAccounts {
		t.Run(a.name, func(t *testing.T) {
			token := login(t, base, a.name)
			got := whoAmI(t, base, token)
			if got.Name != a.name {
				t.Errorf("me.name = %q, want %q", got.Name, a.name)
			}
			if want := []tide.Role{a.role}; !slices.Equal(got.Roles, want) {
				t.Errorf("me.roles = %v, want %v", got.Roles, want)
			}
			if len(got.Scope) != a.scopeLen || (a.scopeLen > 0 && !strings.HasPrefix(got.Scope, demo.ProvinceCode)) {
				t.Errorf("me.scope = %q, want a code of %d characters in province %s", got.Scope, a.scopeLen, demo.ProvinceCode)
			}
			scopes[a.name] = got.Scope
		})
	}
	// The accounts below county level sit inside county1's county.
	for _, name := range []string{"registrar1", "seller1", "clinic1", "school1"} {
		if c1 := scopes["county1"]; c1 == "" || !strings.HasPrefix(scopes[name], c1) {
			t.Errorf("%s scope %q is not inside county1's %q", name, scopes[name], c1)
		}
	}
	if scopes["county1"] == scopes["county2"] {
		t.Errorf("county1 and county2 share the scope %q", scopes["county1"])
	}

	t.Run("WrongPasswordThenThrottled", func(t *testing.T) {
		wrong := `{"name":"public1","password":"not-the-password"}`
		for i := 1; i <= 5; i++ {
			status, b := call(t, base, "", "POST", "/api/v1/login", wrong)
			wantError(t, fmt.Sprintf("wrong password, attempt %d", i), status, b, http.StatusUnauthorized, tide.EUNAUTHORIZED, "")
		}
		status, b := call(t, base, "", "POST", "/api/v1/login", wrong)
		wantError(t, "wrong password, attempt 6", status, b, http.StatusTooManyRequests, tide.ETOOMANY, "")
		right := fmt.Sprintf(`{"name":"public1","password":%q}`, demoPassword)
		status, b = call(t, base, "", "POST", "/api/v1/login", right)
		wantError(t, "right password while throttled", status, b, http.StatusTooManyRequests, tide.ETOOMANY, "")
	})
	t.Run("UnknownName", func(t *testing.T) {
		status, b := call(t, base, "", "POST", "/api/v1/login", `{"name":"nobody","password":"whatever-1"}`)
		wantError(t, "unknown name", status, b, http.StatusUnauthorized, tide.EUNAUTHORIZED, "")
	})
	t.Run("Logout", func(t *testing.T) {
		token := login(t, base, "analyst")
		if status, b := call(t, base, token, "POST", "/api/v1/logout", ""); status != http.StatusNoContent {
			t.Fatalf("logout: status %d, want 204: %s", status, b)
		}
		status, b := call(t, base, token, "GET", "/api/v1/me", "")
		wantError(t, "me after logout", status, b, http.StatusUnauthorized, tide.EUNAUTHORIZED, "")
	})
}

func testScope(t *testing.T, base string) {
	t1 := login(t, base, "county1")
	c1 := whoAmI(t, base, t1).Scope
	c2 := whoAmI(t, base, login(t, base, "county2")).Scope
	if c1 == "" || c2 == "" || c1 == c2 {
		t.Fatalf("county scopes %q and %q: want two different counties", c1, c2)
	}

	t.Run("OtherCounty", func(t *testing.T) {
		status, b := call(t, base, t1, "GET", "/api/v1/regions/"+c2, "")
		wantError(t, "county1 reads county2", status, b, http.StatusNotFound, tide.ENOTFOUND, "")
		if bytes.Contains(b, []byte(c2)) {
			t.Errorf("the refusal names the other county's code: %s", b)
		}
	})
	t.Run("OwnCounty", func(t *testing.T) {
		var r regionJSON
		getJSON(t, base, t1, "/api/v1/regions/"+c1, &r)
		if r.Code != c1 || r.Level != "county" || r.Name == "" {
			t.Errorf("own county = %+v, want code %s, level county and a name", r, c1)
		}
	})
	t.Run("ChildrenOfOtherCounty", func(t *testing.T) {
		status, b := call(t, base, t1, "GET", "/api/v1/regions?parent="+c2, "")
		wantError(t, "county1 lists county2's townships", status, b, http.StatusNotFound, tide.ENOTFOUND, "")
	})
	t.Run("Top", func(t *testing.T) {
		var p regionPage
		getJSON(t, base, t1, "/api/v1/regions?parent=", &p)
		if p.Total != 1 || len(p.Items) != 1 || p.Items[0].Code != c1 {
			t.Errorf("top of county1's tree = %+v, want only %s", p, c1)
		}
	})
	t.Run("SearchStaysInScope", func(t *testing.T) {
		var p regionPage
		getJSON(t, base, t1, "/api/v1/regions?level=county&limit=500", &p)
		if p.Total != 1 || len(p.Items) != 1 || p.Items[0].Code != c1 {
			t.Errorf("counties county1 sees = %+v, want only %s", p, c1)
		}
	})
}

func testBadInput(t *testing.T, base string) {
	admin := login(t, base, "admin")
	county := login(t, base, "county1")
	c1 := whoAmI(t, base, county).Scope
	const newCode = "900199" // a free code under prefecture 9001
	valid := `{"code":"900199","name":"New county","level":"county","parent":"9001"}`
	before := auditTotal(t, base, admin)

	cases := []struct {
		name      string
		token     string
		body      string
		status    int
		code      string
		field     string
		noCodeOut string // a region code that must not exist afterwards
	}{
		{"MalformedJSON", admin, `{"code":"900199","name":`, 400, tide.EINVALID, "", newCode},
		{"SyntaxError", admin, `{"code" "900199"}`, 400, tide.EINVALID, "", newCode},
		{"EmptyBody", admin, "", 400, tide.EINVALID, "", newCode},
		{"TrailingData", admin, valid + `{}`, 400, tide.EINVALID, "", newCode},
		{"UnknownField", admin, `{"code":"900199","name":"New county","level":"county","parent":"9001","colour":"red"}`, 400, tide.EINVALID, "colour", newCode},
		{"NameTooLong", admin, `{"code":"900199","name":"` + strings.Repeat("名", 101) + `","level":"county","parent":"9001"}`, 400, tide.EINVALID, "name", newCode},
		{"BodyTooLarge", admin, `{"code":"900199","name":"` + strings.Repeat("a", web.MaxJSONBody) + `","level":"county","parent":"9001"}`, 413, tide.ETOOLARGE, "", newCode},
		{"WrongType", admin, `{"code":5}`, 400, tide.EINVALID, "code", ""},
		{"ParentMissing", admin, `{"code":"909901","name":"Nowhere","level":"county","parent":"9099"}`, 400, tide.EINVALID, "parent", "909901"},
		{"Duplicate", admin, fmt.Sprintf(`{"code":%q,"name":"Again","level":"county","parent":%q}`, c1, c1[:4]), 409, tide.ECONFLICT, "code", ""},
		{"NotAdmin", county, valid, 403, tide.EFORBIDDEN, "", newCode},
		{"NoToken", "", valid, 401, tide.EUNAUTHORIZED, "", newCode},
		{"GarbageBearer", "garbage", valid, 401, tide.EUNAUTHORIZED, "", newCode},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, b := call(t, base, c.token, "POST", "/api/v1/regions", c.body)
			wantError(t, "POST /api/v1/regions", status, b, c.status, c.code, c.field)
			if c.noCodeOut != "" {
				wantNoRegion(t, base, admin, c.noCodeOut)
			}
		})
	}
	t.Run("DuplicateKeepsName", func(t *testing.T) {
		var r regionJSON
		getJSON(t, base, admin, "/api/v1/regions/"+c1, &r)
		if r.Name == "Again" {
			t.Errorf("a refused duplicate renamed %s", c1)
		}
	})
	t.Run("NoTokenReads", func(t *testing.T) {
		for _, path := range []string{"/api/v1/me", "/api/v1/regions", "/api/v1/regions/" + c1, "/api/v1/audit"} {
			status, b := call(t, base, "", "GET", path, "")
			wantError(t, "GET "+path+" without a token", status, b, http.StatusUnauthorized, tide.EUNAUTHORIZED, "")
		}
	})
	if after := auditTotal(t, base, admin); after != before {
		t.Errorf("audit entries: %d before the refused writes, %d after; want none added", before, after)
	}
}

func testImportBadRows(t *testing.T, base string) {
	admin := login(t, base, "admin")
	before := auditTotal(t, base, admin)
	csv := "code,name,level,parent\n" +
		"900199,Good,county,9001\n" + // line 2: fine on its own
		"900198,,county,9001\n" + // line 3: no name
		"990101,Lost,county,9901\n" + // line 4: no such parent
		"900197,Odd,city,9001\n" // line 5: no such level
	req, err := http.NewRequest("POST", base+"/api/v1/regions/import", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	e := wantError(t, "import with bad rows", resp.StatusCode, b, http.StatusBadRequest, tide.EINVALID, "")
	want := []struct {
		line   int
		column string
	}{{3, "name"}, {4, "parent"}, {5, "level"}}
	if len(e.Error.Rows) != len(want) {
		t.Fatalf("error.rows = %+v, want %d rows", e.Error.Rows, len(want))
	}
	for i, w := range want {
		got := e.Error.Rows[i]
		if got.Line != w.line || got.Column != w.column || got.Message == "" {
			t.Errorf("row %d = %+v, want line %d column %s with a message", i, got, w.line, w.column)
		}
	}
	wantNoRegion(t, base, admin, "900199")
	if after := auditTotal(t, base, admin); after != before {
		t.Errorf("audit entries: %d before the refused import, %d after", before, after)
	}
}

func testPaging(t *testing.T, base string) {
	admin := login(t, base, "admin")
	c1 := whoAmI(t, base, login(t, base, "county1")).Scope
	var p regionPage
	getJSON(t, base, admin, "/api/v1/regions?parent="+c1+"&limit=3&offset=2", &p)
	var codes []string
	for _, r := range p.Items {
		codes = append(codes, r.Code)
	}
	wantCodes := []string{c1 + "003", c1 + "004", c1 + "005"}
	if !slices.Equal(codes, wantCodes) || p.Offset != 2 || p.Limit != 3 || p.Total != demo.DefaultShape.TownshipsPerCounty {
		t.Errorf("page = items %v offset %d limit %d total %d, want items %v offset 2 limit 3 total %d",
			codes, p.Offset, p.Limit, p.Total, wantCodes, demo.DefaultShape.TownshipsPerCounty)
	}

	bad := []struct {
		name, query, field string
	}{
		{"LimitNotNumber", "limit=abc", "limit"},
		{"LimitNegative", "limit=-1", "limit"},
		{"OffsetNotNumber", "offset=2x", "offset"},
		{"UnknownLevel", "level=planet", "level"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			status, b := call(t, base, admin, "GET", "/api/v1/regions?"+c.query, "")
			wantError(t, "GET /api/v1/regions?"+c.query, status, b, http.StatusBadRequest, tide.EINVALID, c.field)
		})
	}
}

func testHealthAndMetrics(t *testing.T, base string) {
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, b := call(t, base, "", "GET", path, ""); status != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200: %s", path, status, b)
		}
	}
	token := login(t, base, "analyst")
	whoAmI(t, base, token)
	status, b := call(t, base, "", "GET", "/metrics", "")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", status)
	}
	var found bool
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "tide_http_requests_total{") && strings.Contains(line, `route="GET /api/v1/me"`) &&
			strings.Contains(line, `code="200"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("/metrics has no tide_http_requests_total for route \"GET /api/v1/me\" code 200:\n%s", grepLines(b, "tide_http_requests_total"))
	}
}

// grepLines returns the lines of b that contain s.
func grepLines(b []byte, s string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
