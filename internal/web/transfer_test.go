package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
	"github.com/tide-project/tide/internal/web"
)

// transferSite is a server over a fresh database with counties 520101 and
// 520102 (one village each: 520101001001, 520102001001) and the accounts
// admin, analyst, county1 and county2.
type transferSite struct {
	h      http.Handler
	tokens map[string]string
	users  *user.Service
}

const transferPassword = "transfer-pass-1"

// testRegions creates the test sites' province 52: counties 520101 and
// 520102, each with township 001 and village 001001.
func testRegions(tb testing.TB, db *sqlstore.DB) *region.Service {
	tb.Helper()
	ctx := tide.WithActor(context.Background(), tide.System)
	rs := []*region.Region{{Code: "52", Name: "P", Level: region.Province}, {Code: "5201", Name: "Pre", Level: region.Prefecture, Parent: "52"}}
	for _, c := range []string{"520101", "520102"} {
		rs = append(rs, &region.Region{Code: c, Name: "C" + c, Level: region.County, Parent: "5201"},
			&region.Region{Code: c + "001", Name: "T" + c, Level: region.Township, Parent: c},
			&region.Region{Code: c + "001001", Name: "V" + c, Level: region.Village, Parent: c + "001"})
	}
	regions := region.NewService(db)
	if err := regions.CreateAll(ctx, rs); err != nil {
		tb.Fatal(err)
	}
	return regions
}

func newTransferSite(tb testing.TB) *transferSite {
	tb.Helper()
	db := sqlstore.OpenTest(tb, sqlstore.SQLite)
	ctx := tide.WithActor(context.Background(), tide.System)
	regions := testRegions(tb, db)
	users := user.NewService(db)
	site := &transferSite{tokens: map[string]string{}, users: users}
	for _, u := range []struct {
		name  string
		role  tide.Role
		scope string
	}{{"admin", tide.RoleAdmin, ""}, {"analyst", tide.RoleAnalyst, ""}, {"county1", tide.RoleCounty, "520101"}, {"county2", tide.RoleCounty, "520102"}} {
		if _, err := users.Create(ctx, user.NewUser{Name: u.name, Password: transferPassword, Roles: []tide.Role{u.role}, Scope: u.scope}); err != nil {
			tb.Fatal(err)
		}
		tok, err := users.IssueToken(ctx, u.name, "test")
		if err != nil {
			tb.Fatal(err)
		}
		site.tokens[u.name] = tok
	}
	sealer, _ := secret.New(bytes.Repeat([]byte{3}, secret.KeyLen))
	policies := policy.NewRegistry()
	s := &web.Server{Regions: regions, Users: users, Store: db, Policies: policies,
		Registry: registry.NewService(db, sealer, policies, nil), Logger: slog.New(slog.DiscardHandler)}
	site.h = s.Handler()
	return site
}

func (s *transferSite) do(tb testing.TB, who, method, path string, body io.Reader, contentType string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, path, body)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+s.tokens[who])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s *transferSite) households(tb testing.TB) int {
	tb.Helper()
	rec := s.do(tb, "admin", "GET", "/api/v1/households?limit=1", nil, "")
	var p struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusOK {
		tb.Fatalf("list households: %d %s", rec.Code, rec.Body)
	}
	return p.Total
}

// transferFile has good households g1 (two members, county 520101) and g2
// (county 520102), and bad household b1 with a bad date on line 5 and an
// unknown village on line 6.
const transferFile = "household,village,income_per_person,name,sex,birth_date,relation,id_number,phone\n" +
	"g1,520101001001,300000,张三,m,1970-01-01,head,520102197001010019,13900000001\n" +
	"g1,,,李四,f,1972-02-02,spouse,,\n" +
	"g2,520102001001,200000,王五,m,1960-03-03,head,,13900000002\n" +
	"b1,520101001001,100000,赵六,m,1970-02-30,head,,\n" +
	"b2,520101001999,100000,孙七,m,1970-01-01,head,,\n"

func TestAPIImportHouseholds(t *testing.T) {
	site := newTransferSite(t)
	rec := site.do(t, "admin", "POST", "/api/v1/households/import", strings.NewReader(transferFile), "text/csv")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("bad file: status %d, want 400: %s", rec.Code, rec.Body)
	}
	var e struct {
		Error struct {
			Code string
			Rows []registry.RowError
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &e)
	if e.Error.Code != tide.EINVALID || len(e.Error.Rows) != 2 || e.Error.Rows[0].Line != 5 || e.Error.Rows[0].Column != "birth_date" ||
		e.Error.Rows[1].Line != 6 || e.Error.Rows[1].Column != "village" {
		t.Errorf("error = %+v, want rows 5 birth_date and 6 village", e.Error)
	}
	if n := site.households(t); n != 0 {
		t.Errorf("households after a refused import = %d, want 0", n)
	}

	rec = site.do(t, "admin", "POST", "/api/v1/households/import?good_rows_only=true", strings.NewReader(transferFile), "")
	var rep registry.ImportReport
	json.Unmarshal(rec.Body.Bytes(), &rep)
	if rec.Code != http.StatusCreated || rep.Households != 2 || rep.Persons != 3 || len(rep.Rows) != 2 || !rep.Written {
		t.Errorf("good rows only: %d %s", rec.Code, rec.Body)
	}
	if n := site.households(t); n != 2 {
		t.Errorf("households = %d, want 2", n)
	}

	// A county officer may not import into another county.
	other := "household,village,name,sex,birth_date,relation\nx,520102001001,甲,m,1970-01-01,head\n"
	rec = site.do(t, "county1", "POST", "/api/v1/households/import?format=csv", strings.NewReader(other), "")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "not in your area") {
		t.Errorf("county1 importing into 520102: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct{ who, query string }{{"", ""}, {"analyst", ""}, {"admin", "?format=ods"}, {"admin", "?good_rows_only=perhaps"}} {
		rec = site.do(t, tc.who, "POST", "/api/v1/households/import"+tc.query, strings.NewReader(other), "")
		if rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("%q%s: status %d, want a refusal", tc.who, tc.query, rec.Code)
		}
	}
}

// newlines reads as a CSV header followed by n blank lines, without holding
// them in memory.
type newlines struct{ n int64 }

func (r *newlines) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n)
	for i := range k {
		p[i] = '\n'
	}
	r.n -= k
	return int(k), nil
}

func TestAPIImportTooLarge(t *testing.T) {
	site := newTransferSite(t)
	body := io.MultiReader(strings.NewReader("household,village,name,sex,birth_date,relation\n"), &newlines{n: web.MaxImportBody + 1})
	rec := site.do(t, "admin", "POST", "/api/v1/households/import", body, "text/csv")
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"too_large"`) {
		t.Errorf("status %d, want 413: %.200s", rec.Code, rec.Body)
	}
}

func TestAPIExportHouseholds(t *testing.T) {
	site := newTransferSite(t)
	if rec := site.do(t, "admin", "POST", "/api/v1/households/import?good_rows_only=true", strings.NewReader(transferFile), ""); rec.Code != http.StatusCreated {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	rec := site.do(t, "county1", "GET", "/api/v1/households/export?region=520102", nil, "")
	if rec.Code != http.StatusNotFound {
		t.Errorf("county1 exporting county2's county: %d, want 404", rec.Code)
	}
	rec = site.do(t, "county1", "GET", "/api/v1/households/export", nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), `attachment; filename=households-520101-`) {
		t.Fatalf("county1 export: %d %q", rec.Code, rec.Header().Get("Content-Disposition"))
	}
	if body := rec.Body.String(); !strings.Contains(body, "张三") || strings.Contains(body, "王五") || !strings.Contains(body, "520102197001010019") {
		t.Errorf("county1's export should hold its own household in full and not county2's:\n%s", body)
	}
	rec = site.do(t, "analyst", "GET", "/api/v1/households/export?format=csv&region=520101", nil, "")
	if body := rec.Body.String(); rec.Code != http.StatusOK || strings.Contains(body, "520102197001010019") || !strings.Contains(body, "520***********0019") {
		t.Errorf("analyst's export should mask ID numbers: %d\n%s", rec.Code, body)
	}
	rec = site.do(t, "admin", "GET", "/api/v1/households/export?format=xlsx", nil, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != registry.ContentType(registry.FormatXLSX) || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
		t.Errorf("xlsx export: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := site.do(t, "admin", "GET", "/api/v1/households/export?format=pdf", nil, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("format pdf: %d, want 400", rec.Code)
	}
}

// browser is a cookie jar for the pages.
type browser struct {
	site    *transferSite
	cookies []*http.Cookie
	csrf    string
}

func (s *transferSite) signIn(tb testing.TB, name string) *browser {
	tb.Helper()
	secret, _, err := s.users.Login(context.Background(), name, transferPassword, "session")
	if err != nil {
		tb.Fatal(err)
	}
	csrf := strings.Repeat("c", 40)
	return &browser{site: s, csrf: csrf, cookies: []*http.Cookie{{Name: "tide_session", Value: secret}, {Name: "tide_csrf", Value: csrf}}}
}

func (b *browser) do(tb testing.TB, method, path string, body io.Reader, contentType string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, path, body)
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	b.site.h.ServeHTTP(rec, req)
	return rec
}

// upload posts file to the import form as a browser does: the CSRF token,
// the option, then the file.
func (b *browser) upload(tb testing.TB, csrf, name, file string, good bool) *httptest.ResponseRecorder {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	if good {
		mw.WriteField("good_rows_only", "1")
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(file))
	mw.Close()
	return b.do(tb, "POST", "/households/import", &body, mw.FormDataContentType())
}

// follow polls a job page until it stops refreshing.
func (b *browser) follow(tb testing.TB, path string) string {
	tb.Helper()
	for range 200 {
		rec := b.do(tb, "GET", path, nil, "")
		if rec.Code != http.StatusOK {
			tb.Fatalf("GET %s: %d", path, rec.Code)
		}
		if rec.Header().Get("Refresh") == "" {
			return rec.Body.String()
		}
		if !strings.Contains(rec.Body.String(), `id="import-bar"`) {
			tb.Errorf("a running job's page shows no progress bar")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("%s never finished", path)
	return ""
}

func TestImportPage(t *testing.T) {
	site := newTransferSite(t)
	c1 := site.signIn(t, "county1")
	rec := c1.do(t, "GET", "/households/import", nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="import-form"`) || !strings.Contains(rec.Body.String(), "/households/template.xlsx") {
		t.Fatalf("import page: %d", rec.Code)
	}
	if rec := c1.upload(t, "wrong", "h.csv", transferFile, false); rec.Code != http.StatusForbidden {
		t.Errorf("upload with a wrong CSRF token: %d, want 403", rec.Code)
	}

	rec = c1.upload(t, c1.csrf, "h.csv", transferFile, false)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/import/") {
		t.Fatalf("upload: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	job := rec.Header().Get("Location")
	page := c1.follow(t, job)
	for _, want := range []string{`id="import-refused"`, `id="bad-rows"`, "<td class=\"num\">4</td>", "<code>village</code>", "not in your area"} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused job's page lacks %q", want)
		}
	}
	if n := site.households(t); n != 0 {
		t.Errorf("households after a refused page import = %d, want 0", n)
	}
	if rec := c1.do(t, "GET", job+"/errors.csv", nil, ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "line,column,message") {
		t.Errorf("errors.csv: %d %.100s", rec.Code, rec.Body)
	}
	if rec := site.signIn(t, "county2").do(t, "GET", job, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("county2 reading county1's job: %d, want 404", rec.Code)
	}

	own := "household,village,name,sex,birth_date,relation\nk1,520101001001,甲,m,1970-01-01,head\nk1,,乙,f,1971-01-01,spouse\n"
	rec = c1.upload(t, c1.csrf, "own.csv", own, true)
	page = c1.follow(t, rec.Header().Get("Location"))
	if !strings.Contains(page, fmt.Sprintf("Imported %d households (%d persons).", 1, 2)) {
		t.Errorf("the good job's page does not report the import:\n%s", page)
	}
	if n := site.households(t); n != 1 {
		t.Errorf("households = %d, want 1", n)
	}
}

func TestTransferPageDownloads(t *testing.T) {
	site := newTransferSite(t)
	site.do(t, "admin", "POST", "/api/v1/households/import?good_rows_only=true", strings.NewReader(transferFile), "")
	c1 := site.signIn(t, "county1")
	rec := c1.do(t, "GET", "/households/template.csv", nil, "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "\ufeffhousehold,village,") || !strings.Contains(rec.Body.String(), "520101001001") {
		t.Errorf("template.csv: %d %.200s", rec.Code, rec.Body)
	}
	if rec := c1.do(t, "GET", "/households/template.xlsx", nil, ""); rec.Code != http.StatusOK || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
		t.Errorf("template.xlsx: %d", rec.Code)
	}
	if rec := c1.do(t, "GET", "/households/export?region=520102", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("county1's page export of 520102: %d, want 404", rec.Code)
	}
	rec = c1.do(t, "GET", "/households/export?format=csv", nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "张三") || strings.Contains(rec.Body.String(), "王五") {
		t.Errorf("county1's page export: %d\n%s", rec.Code, rec.Body)
	}
	if rec := c1.do(t, "GET", "/households/template.csv", nil, ""); rec.Header().Get("Content-Disposition") == "" {
		t.Error("template has no Content-Disposition")
	}
	anon := &browser{site: site}
	if rec := anon.do(t, "GET", "/households/export", nil, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("anonymous export: %d, want a redirect to sign in", rec.Code)
	}
}
