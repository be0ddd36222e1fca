package main

import (
	"bytes"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tide-project/tide/internal/tide"
)

// postFile sends a file with the form's fields as multipart, with the CSRF
// token, and returns the status and the body.
func (p *regPageClient) postFile(path, name, content string, fields url.Values) (int, string) {
	p.tb.Helper()
	u, _ := url.Parse(p.base)
	for _, c := range p.c.Jar.Cookies(u) {
		if c.Name == "tide_csrf" {
			fields.Set("csrf", c.Value)
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	// The token first, as the page's forms send it, then the rest.
	mw.WriteField("csrf", fields.Get("csrf"))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		for _, v := range fields[k] {
			if k != "csrf" {
				mw.WriteField(k, v)
			}
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", p.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	status, _, body := p.do(req)
	return status, body
}

// TestConnectPages drives the connectivity pages as a school's account and
// as an administrator: the school's timetable and its report of its
// connection, kept as typed when refused; attendance; the coverage, its
// export and the unconnected; the classes; and an import refused whole
// with its bad rows listed.
func TestConnectPages(t *testing.T) {
	site := startConnectSite(t, "")
	school := newRegPageClient(t, site.base)
	school.login("schoolacct")
	status, loc, _ := school.do(mustRequest(t, "GET", site.base+"/schools"))
	if status != http.StatusSeeOther || loc != "/schools/S1" {
		t.Errorf("a school's account opens /schools: %d %q, want its own school", status, loc)
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	status, page := school.get("/schools/S1?from=" + yesterday)
	if status != http.StatusOK || !strings.Contains(page, "English") || !strings.Contains(page, `name="attended"`) {
		t.Fatalf("S1's page: %d, want its timetable with the English class and an attendance form\n%.2000s", status, page)
	}
	if status, _ := school.get("/schools/S2"); status != http.StatusNotFound {
		t.Errorf("S1's account opens S2: %d, want 404", status)
	}
	form := url.Values{"students": {"130"}, "teachers": {"9"}, "connection": {"fibre"}, "bandwidth_mbps": {"fast"}, "devices": {"25"}, "since": {"2018-09-01"}}
	status, _, page = school.post("/schools/S1", form)
	if status != http.StatusBadRequest || !strings.Contains(page, `value="fast"`) || !strings.Contains(page, "bandwidth_mbps must be a whole number") {
		t.Errorf("a bandwidth that is not a number: %d, want 400 naming it and keeping what was typed\n%.1500s", status, page)
	}
	form.Set("bandwidth_mbps", "300")
	if status, loc, body := school.post("/schools/S1", form); status != http.StatusSeeOther || !strings.Contains(loc, "saved=1") {
		t.Fatalf("report the connection: %d %q\n%.1000s", status, loc, body)
	}
	if _, page := school.get("/schools/S1"); !strings.Contains(page, "300 Mbps") {
		t.Errorf("the school's page does not show its new bandwidth")
	}

	admin := newRegPageClient(t, site.base)
	admin.login("connectadmin")
	for path, want := range map[string]string{
		"/coverage?region=52&on=2018-12-31":             `id="c-connected">75.0%`,
		"/coverage/unconnected?region=52&on=2018-12-31": "Village V3",
		"/classes?region=52":                            "Teacher Qianprivate",
		"/schools?region=52":                            "Hill Point",
		"/connect/import":                               `id="boundaries-form"`,
	} {
		if status, page := admin.get(path); status != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("GET %s: %d, want 200 with %q", path, status, want)
		}
	}
	if status, body := admin.get("/coverage/export?format=xlsx&region=52&on=2018-12-31"); status != http.StatusOK {
		t.Errorf("XLSX export: %d", status)
	} else if f, err := excelize.OpenReader(strings.NewReader(body)); err != nil {
		t.Errorf("XLSX export does not open: %v", err)
	} else if rows, _ := f.GetRows("Sheet1"); len(rows) != 3 || rows[1][1] != "52" || rows[1][8] != "3" {
		t.Errorf("XLSX rows = %v, want a header, the province with 3 connected villages, and its prefecture", rows)
	}
	if status, body := admin.get("/coverage/export?list=unconnected&format=csv&region=52&on=2018-12-31"); status != http.StatusOK ||
		body != "on,kind,code,name,region\n2018-12-31,village,520101001003,Village V3,520101001003\n2018-12-31,school,S2,Hill Point,520102001001\n" {
		t.Errorf("unconnected CSV: %d\n%s", status, body)
	}
	status, page = admin.postFile("/connect/import", "schools.csv", connectSchools+"S7,Far,529999,primary,5,1,none,0,0,\n", url.Values{"kind": {"schools"}})
	if status != http.StatusBadRequest || !strings.Contains(page, `id="bad-rows"`) || !strings.Contains(page, "529999 does not exist") {
		t.Errorf("import a school in no region from the page: %d, want 400 listing the bad row\n%.1500s", status, page)
	}
	if _, page := admin.get("/schools?region=52"); strings.Contains(page, ">Far<") {
		t.Error("the refused file's school was written")
	}
	status, page = admin.postFile("/connect/import", "more.csv", "village,on,4g\n520102001001,2024-01-01,yes\n", url.Values{"kind": {"reports"}})
	if status != http.StatusOK || !strings.Contains(page, `id="import-done"`) {
		t.Errorf("import a report from the page: %d\n%.1000s", status, page)
	}
	// A file past a page form's 1 MiB is read as a stream, not refused as
	// a forged form.
	var big strings.Builder
	big.WriteString("code,name,region,level,students,teachers,connection,bandwidth_mbps,devices,since\n")
	for i := 0; big.Len() <= 1<<20; i++ {
		fmt.Fprintf(&big, "B%05d,Big Valley School Number %d,520101001001,primary,120,8,fibre,100,20,2018-09-01\n", i, i)
	}
	status, page = admin.postFile("/connect/import", "big.csv", big.String(), url.Values{"kind": {"schools"}})
	if status != http.StatusOK || !strings.Contains(page, `id="import-done"`) {
		t.Errorf("import %d bytes of schools from the page: %d, want 200\n%.1000s", big.Len(), status, page)
	}
	if _, page := admin.get("/schools?region=52"); !strings.Contains(page, "Big Valley School") {
		t.Error("the big file's schools were not written")
	}
	// Without the token first, the upload is refused as a forged form.
	var forged bytes.Buffer
	mw := multipart.NewWriter(&forged)
	mw.WriteField("kind", "schools")
	fw, _ := mw.CreateFormFile("file", "s.csv")
	fw.Write([]byte(connectSchools))
	mw.Close()
	req, _ := http.NewRequest("POST", admin.base+"/connect/import", &forged)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if status, _, _ := admin.do(req); status != http.StatusForbidden {
		t.Errorf("an upload without its token: %d, want 403", status)
	}
}

func mustRequest(tb testing.TB, method, u string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return req
}

// TestConnectAPI schedules a class over the API as an administrator, has
// the school's account join it, report its attendance and its connection,
// and read its timetable; another school's records stay out of its reach.
func TestConnectAPI(t *testing.T) {
	site := startConnectSite(t, "")
	admin, school := login(t, site.base, "connectadmin"), login(t, site.base, "schoolacct")
	starts := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Minute)
	status, body := call(t, site.base, admin, "POST", "/api/v1/classes",
		`{"host":"H1","subject":"Art","teacher":"Mr Li","starts":"`+starts.Format(time.RFC3339)+`","minutes":40,"stream":"rtmps://live.example/art"}`)
	if status != http.StatusCreated {
		t.Fatalf("schedule a class: %d %s", status, body)
	}
	var class struct {
		ID         string `json:"id"`
		Region     string `json:"region"`
		Classrooms []struct {
			School   string `json:"school"`
			Attended int    `json:"attended"`
		} `json:"classrooms"`
	}
	decodeJSON(t, body, &class)
	if class.Region != "5201" {
		t.Errorf("the class's region = %q, want its host's 5201", class.Region)
	}
	if status, body := call(t, site.base, school, "POST", "/api/v1/classes/"+class.ID+"/join", `{"school":"S2"}`); status != http.StatusBadRequest {
		t.Errorf("S1's account joins S2: %d %s, want 400", status, body)
	}
	if status, body := call(t, site.base, school, "POST", "/api/v1/classes/"+class.ID+"/join", `{"school":"S1"}`); status != http.StatusOK {
		t.Fatalf("join: %d %s", status, body)
	}
	status, body = call(t, site.base, school, "POST", "/api/v1/classes/"+class.ID+"/attendance", `{"school":"S1","attended":27}`)
	decodeJSON(t, body, &class)
	if status != http.StatusOK || len(class.Classrooms) != 1 || class.Classrooms[0].Attended != 27 {
		t.Errorf("attendance: %d %+v", status, class)
	}
	later := time.Now().UTC().Add(72 * time.Hour).Format(time.RFC3339)
	status, body = call(t, site.base, admin, "POST", "/api/v1/classes",
		`{"host":"H1","subject":"Maths","starts":"`+later+`","minutes":40,"stream":"https://live.example/maths"}`)
	var future struct {
		ID string `json:"id"`
	}
	decodeJSON(t, body, &future)
	call(t, site.base, school, "POST", "/api/v1/classes/"+future.ID+"/join", `{"school":"S1"}`)
	status, body = call(t, site.base, school, "POST", "/api/v1/classes/"+future.ID+"/attendance", `{"school":"S1","attended":20}`)
	wantError(t, "attendance before the class", status, body, http.StatusBadRequest, tide.EINVALID, "attended")
	var tt struct {
		Items []struct {
			Subject string `json:"subject"`
		} `json:"items"`
	}
	getJSON(t, site.base, school, "/api/v1/schools/S1/timetable?days=7&from="+starts.Format(time.DateOnly), &tt)
	if len(tt.Items) != 3 || tt.Items[0].Subject != "Art" || tt.Items[1].Subject != "English" || tt.Items[2].Subject != "Maths" {
		t.Errorf("timetable = %+v, want Art, English, then Maths", tt.Items)
	}
	if status, _ := call(t, site.base, school, "GET", "/api/v1/schools/S2/timetable", ""); status != http.StatusNotFound {
		t.Errorf("S1's account reads S2's timetable: %d, want 404", status)
	}
	status, body = call(t, site.base, school, "PUT", "/api/v1/schools/S1/connection",
		`{"students":125,"teachers":8,"connection":"fibre","bandwidth_mbps":500,"devices":30,"since":"2018-09-01"}`)
	if status != http.StatusOK || !strings.Contains(string(body), `"bandwidth_mbps":500`) {
		t.Errorf("report the connection: %d %s", status, body)
	}
	if status, _ := call(t, site.base, school, "PUT", "/api/v1/schools/S2/connection", `{"connection":"none"}`); status != http.StatusNotFound {
		t.Errorf("S1's account reports for S2: %d, want 404", status)
	}
	if status, _ := call(t, site.base, school, "POST", "/api/v1/connections", `{"village":"520101001001","on":"2025-01-01","fibre":true}`); status != http.StatusForbidden {
		t.Errorf("a school's account reports a village: %d, want 403", status)
	}
}
