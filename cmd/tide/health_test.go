package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// healthFixture is a server with one county, one township clinic whose staff
// is clinic1, county1 over the county, and specialist1, a cardiologist who
// takes five patients every half hour of every day, so that a request made
// at any time is assigned within the half hour.
type healthFixture struct {
	m      *Main
	base   string
	clinic *health.Clinic
	sp     *health.Specialist
}

func startHealth(tb testing.TB, tweaks ...func(*Config)) *healthFixture {
	tb.Helper()
	m := NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Data = tb.TempDir()
	m.Config.AssignEvery = 0
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
	ctx := tide.WithActor(context.Background(), tide.System)
	if err := m.Open(ctx); err != nil {
		tb.Fatalf("open: %v", err)
	}
	err := m.Regions.CreateAll(ctx, []*region.Region{
		{Code: "90", Name: "Demo Province", Level: region.Province},
		{Code: "9001", Name: "First Prefecture", Level: region.Prefecture, Parent: "90"},
		{Code: "900101", Name: "First County", Level: region.County, Parent: "9001"},
		{Code: "900101001", Name: "First Town", Level: region.Township, Parent: "900101"},
	})
	if err != nil {
		tb.Fatalf("regions: %v", err)
	}
	ids := map[string]int64{}
	for _, a := range []struct {
		name  string
		role  tide.Role
		scope string
	}{{"clinic1", tide.RoleClinic, "900101001"}, {"county1", tide.RoleCounty, "900101"}, {"specialist1", tide.RoleSpecialist, "90"},
		{"specialist2", tide.RoleSpecialist, "90"}} {
		u, err := m.Users.Create(ctx, user.NewUser{Name: a.name, Password: demoPassword, Roles: []tide.Role{a.role}, Scope: a.scope})
		if err != nil {
			tb.Fatalf("user %s: %v", a.name, err)
		}
		ids[a.name] = u.ID
	}
	f := &healthFixture{m: m}
	f.clinic = &health.Clinic{Name: "First Town Health Centre", Level: health.TownshipCentre, Region: "900101001", Staff: []int64{ids["clinic1"]}}
	if err := m.Health.CreateClinic(ctx, f.clinic); err != nil {
		tb.Fatalf("clinic: %v", err)
	}
	var hours []health.Hours
	for d := time.Sunday; d <= time.Saturday; d++ {
		hours = append(hours, health.Hours{Weekday: d, Start: "00:00", End: "23:30", SlotMinutes: 30, Capacity: 5})
	}
	f.sp = &health.Specialist{UserID: ids["specialist1"], Name: "Dr Chen Jing", Hospital: "Provincial People's Hospital", Region: "90",
		Specialties: []string{"cardiology"}, Languages: []string{"zh"}, Hours: hours}
	if err := m.Health.CreateSpecialist(ctx, f.sp); err != nil {
		tb.Fatalf("specialist: %v", err)
	}
	if err := m.Start(); err != nil {
		tb.Fatalf("start: %v", err)
	}
	f.base = m.URL()
	return f
}

// send makes a request with a body of the given type and returns the status
// and body.
func send(tb testing.TB, base, token, method, path, contentType string, body []byte) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// requestForm builds a multipart request body: the request as JSON and the
// files, each with its name, declared type and bytes.
func requestForm(tb testing.TB, in map[string]any, files ...[3]string) (string, []byte) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	js, _ := json.Marshal(in)
	if err := mw.WriteField("request", string(js)); err != nil {
		tb.Fatal(err)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="attachments"; filename="`+f[0]+`"`)
		h.Set("Content-Type", f[1])
		w, err := mw.CreatePart(h)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(f[2]))
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func testPNG(tb testing.TB) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// countRequests returns how many requests clinic1 sees.
func countRequests(tb testing.TB, base, token string) int {
	tb.Helper()
	var p struct{ Total int }
	getJSON(tb, base, token, "/api/v1/health/requests", &p)
	return p.Total
}

// TestHealthAPI drives a consultation over the API: bad requests are refused
// naming their field and write nothing; a good one with an image is filed,
// assigned by the optimiser on county1's call, answered by the specialist
// and read back by the clinic with its follow-up.
func TestHealthAPI(t *testing.T) {
	f := startHealth(t)
	base := f.base
	clinic, county, doctor, other := login(t, base, "clinic1"), login(t, base, "county1"), login(t, base, "specialist1"), login(t, base, "specialist2")
	good := map[string]any{"clinic": f.clinic.ID, "patient": map[string]any{"name": "Yang Mei", "sex": "f", "birth_year": 1961},
		"complaint": "Palpitations at night", "specialty": "cardiology", "urgency": "urgent", "language": "zh", "consent": true}
	auditBefore := auditCount(t, f)

	for _, tc := range []struct {
		name   string
		edit   func(in map[string]any)
		files  [][3]string
		status int
		field  string
	}{
		{"NoConsent", func(in map[string]any) { in["consent"] = false }, nil, http.StatusBadRequest, "consent"},
		{"UnknownSpecialty", func(in map[string]any) { in["specialty"] = "astrology" }, nil, http.StatusBadRequest, "specialty"},
		{"TextAsPNG", nil, [][3]string{{"ecg.png", "image/png", "this is text, not an image"}}, http.StatusBadRequest, "attachments[0]"},
		{"JPEGAsPDF", nil, [][3]string{{"letter.pdf", "application/pdf", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"}},
			http.StatusBadRequest, "attachments[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{}
			for k, v := range good {
				in[k] = v
			}
			if tc.edit != nil {
				tc.edit(in)
			}
			ct, body := requestForm(t, in, tc.files...)
			status, b := send(t, base, clinic, "POST", "/api/v1/health/requests", ct, body)
			wantError(t, tc.name, status, b, tc.status, tide.EINVALID, tc.field)
		})
	}
	if n := countRequests(t, base, clinic); n != 0 {
		t.Fatalf("after refused requests the clinic has %d, want 0", n)
	}
	if n := auditCount(t, f); n != auditBefore {
		t.Errorf("refused requests added %d audit entries", n-auditBefore)
	}

	ct, body := requestForm(t, good, [3]string{"ecg.png", "image/png", testPNG(t)})
	status, b := send(t, base, clinic, "POST", "/api/v1/health/requests", ct, body)
	if status != http.StatusCreated {
		t.Fatalf("file request: %d %s", status, b)
	}
	var req health.Request
	decodeJSON(t, b, &req)
	if req.State != health.RequestOpen || len(req.Attachments) != 1 || req.Attachments[0].ContentType != "image/png" {
		t.Fatalf("filed request = %+v; want an open request with one PNG", req)
	}
	if status, b := send(t, base, clinic, "POST", "/api/v1/health/requests/"+req.ID+"/attachments?name=scan.pdf", "application/pdf", []byte("plain words")); status != http.StatusBadRequest {
		t.Errorf("attach text as a PDF: %d %s, want 400", status, b)
	}
	status, b = call(t, base, clinic, "GET", "/api/v1/health/attachments/"+req.Attachments[0].ID, "")
	if status != http.StatusOK || string(b) != testPNG(t) {
		t.Errorf("download the attachment: %d, %d bytes; want the PNG as sent", status, len(b))
	}
	if status, _ := call(t, base, other, "GET", "/api/v1/health/attachments/"+req.Attachments[0].ID, ""); status != http.StatusNotFound {
		t.Errorf("an unassigned specialist downloads the attachment: %d, want 404", status)
	}

	if status, b := call(t, base, clinic, "POST", "/api/v1/health/assign", ""); status != http.StatusForbidden {
		t.Errorf("clinic runs the optimiser: %d %s, want 403", status, b)
	}
	var res health.AssignResult
	status, b = call(t, base, county, "POST", "/api/v1/health/assign", "")
	if status != http.StatusOK {
		t.Fatalf("assign: %d %s", status, b)
	}
	decodeJSON(t, b, &res)
	if len(res.Assigned) != 1 || res.Assigned[0].SpecialistID != f.sp.ID || res.Assigned[0].Explanation.UrgencyWeight != 10 {
		t.Fatalf("assign = %s; want the request given to Dr Chen at the urgent weight", b)
	}

	if status, b := call(t, base, clinic, "PUT", "/api/v1/health/requests/"+req.ID+"/meeting", `{"external_url": "ftp://meet.example.org/1"}`); status != http.StatusBadRequest {
		t.Errorf("a meeting link that is not https: %d %s, want 400", status, b)
	}
	if status, b := call(t, base, clinic, "PUT", "/api/v1/health/requests/"+req.ID+"/meeting", `{"external_url": "https://meet.example.org/1"}`); status != http.StatusOK {
		t.Errorf("set the meeting link: %d %s", status, b)
	}

	var work struct{ Items []health.Request }
	getJSON(t, base, doctor, "/api/v1/health/requests", &work)
	if len(work.Items) != 1 || work.Items[0].Patient.Name != "Yang Mei" || work.Items[0].Consultation == nil ||
		work.Items[0].Consultation.SpecialistID != f.sp.ID {
		t.Fatalf("the specialist's worklist = %+v; want Yang Mei with her appointment", work.Items)
	}
	if status, b := call(t, base, other, "GET", "/api/v1/health/requests/"+req.ID, ""); status != http.StatusNotFound {
		t.Errorf("another specialist reads the request: %d %s, want 404", status, b)
	}
	due := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	rec := `{"advice": "Holter monitor for 24 hours; no strong tea", "prescription": "Metoprolol 25 mg twice a day", "follow_ups": [{"task": "Check the pulse", "due": "` + due + `"}]}`
	if status, b := call(t, base, other, "PUT", "/api/v1/health/requests/"+req.ID+"/record", rec); status != http.StatusNotFound {
		t.Errorf("another specialist writes the record: %d %s, want 404", status, b)
	}
	if status, b := call(t, base, doctor, "PUT", "/api/v1/health/requests/"+req.ID+"/record", rec); status != http.StatusOK {
		t.Fatalf("write record: %d %s", status, b)
	}
	var view struct {
		Request      health.Request
		Consultation health.Consultation
		Record       health.Record
	}
	getJSON(t, base, clinic, "/api/v1/health/requests/"+req.ID, &view)
	if view.Request.State != health.RequestDone || view.Record.Advice != "Holter monitor for 24 hours; no strong tea" || view.Consultation.Token == "" ||
		view.Consultation.ExternalURL != "https://meet.example.org/1" {
		t.Errorf("the clinic reads %+v; want the request done with the advice, a room token and the meeting link", view)
	}
	status, b = call(t, base, clinic, "POST", "/api/v1/health/requests/"+req.ID+"/cancel", "")
	wantError(t, "cancel an answered request", status, b, http.StatusConflict, tide.ECONFLICT, "state")
	var fus struct{ Items []health.FollowUp }
	getJSON(t, base, clinic, "/api/v1/health/follow-ups?due="+due, &fus)
	if len(fus.Items) != 1 || fus.Items[0].Task != "Check the pulse" {
		t.Errorf("follow-ups due = %+v; want the pulse check", fus.Items)
	}
	var rep health.Report
	getJSON(t, base, county, "/api/v1/health/reports?to="+time.Now().AddDate(0, 0, 2).Format(time.DateOnly), &rep)
	if len(rep.Waiting) != 1 || rep.Waiting[0].Count != 1 || len(rep.Utilisation) != 1 || rep.Utilisation[0].Booked != 1 {
		t.Errorf("report = %+v; want one urgent consultation, booked with Dr Chen", rep)
	}
	if status, b := call(t, base, clinic, "GET", "/api/v1/health/reports", ""); status != http.StatusForbidden {
		t.Errorf("clinic reads the report: %d %s, want 403", status, b)
	}
}

// auditCount returns the number of audit entries.
func auditCount(tb testing.TB, f *healthFixture) int {
	tb.Helper()
	var n int
	if err := f.m.DB.SQL().QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestHealthConfig checks the consultation settings: each bad value is
// refused naming its flag, and the language rule and room window reach the
// service.
func TestHealthConfig(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"--assign-every 1s", "--assign-every"},
		{"--consult-zone Mars/Olympus", "--consult-zone"},
		{"--language-rule strict", "--language-rule"},
		{"--room-after 0s", "--room-after"},
	} {
		m := NewMain()
		err := m.ParseFlags(strings.Fields(tc.args), func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
	m := NewMain()
	env := map[string]string{"TIDE_LANGUAGE_RULE": "hard", "TIDE_ROOM_BEFORE": "5m", "TIDE_CONSULT_ZONE": "Asia/Shanghai", "TIDE_ASSIGN_EVERY": "0"}
	if err := m.ParseFlags([]string{"--data", t.TempDir(), "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	m.Out = io.Discard
	defer m.Close()
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !m.Health.Costs.HardLanguage || m.Health.RoomBefore != 5*time.Minute || m.Health.Zone.String() != "Asia/Shanghai" {
		t.Errorf("health service: hard language %v, room before %s, zone %s; want true, 5m, Asia/Shanghai",
			m.Health.Costs.HardLanguage, m.Health.RoomBefore, m.Health.Zone)
	}
	if health.DefaultCosts.HardLanguage {
		t.Error("setting one server's language rule changed the defaults")
	}
}

// TestHealthRooms checks the wiring of the video rooms to the consultation
// service: the clinic enters its consultation's room, a specialist with no
// part in it is refused, and an unknown token is not found.
func TestHealthRooms(t *testing.T) {
	f := startHealth(t, func(c *Config) { c.RoomBefore = time.Hour })
	base := f.base
	ctx := tide.WithActor(context.Background(), tide.System)
	req := &health.Request{ClinicID: f.clinic.ID, Patient: health.Patient{Name: "Wu Qing", Sex: "m", BirthYear: 1950},
		Complaint: "Ankle swelling", Specialty: "cardiology", Urgency: health.Urgent, Language: "zh", Consent: true}
	if err := f.m.Health.CreateRequest(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	res, err := f.m.Health.Assign(ctx)
	if err != nil || len(res.Assigned) != 1 {
		t.Fatalf("assign: %+v, %v", res, err)
	}
	token := res.Assigned[0].Token
	page := func(who, path string) int {
		t.Helper()
		r, _ := http.NewRequest("GET", base+path, nil)
		r.AddCookie(&http.Cookie{Name: "tide_session", Value: login(t, base, who)})
		resp, err := (&http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := page("clinic1", "/consult/"+token); got != http.StatusOK {
		t.Errorf("the clinic opens its room: %d, want 200", got)
	}
	if got := page("specialist1", "/consult/"+token); got != http.StatusOK {
		t.Errorf("the specialist opens the room: %d, want 200", got)
	}
	if got := page("specialist2", "/consult/"+token); got != http.StatusForbidden {
		t.Errorf("another specialist opens the room: %d, want 403", got)
	}
	if got := page("clinic1", "/consult/"+strings.Repeat("a", len(token))); got != http.StatusNotFound {
		t.Errorf("an unknown token: %d, want 404", got)
	}
}
