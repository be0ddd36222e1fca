package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
	"github.com/tide-project/tide/internal/web"
)

// newHealthSite serves consultations over a fresh database: clinic1 staffs
// a township centre of county 520101, clinic2 one of 520102, and
// specialist1 is a cardiologist taking patients every half hour of every day.
func newHealthSite(tb testing.TB) (*transferSite, *health.Service, *health.Clinic) {
	tb.Helper()
	db := sqlstore.OpenTest(tb, sqlstore.SQLite)
	ctx := tide.WithActor(context.Background(), tide.System)
	regions := testRegions(tb, db)
	users := user.NewService(db)
	site := &transferSite{tokens: map[string]string{}, users: users}
	ids := map[string]int64{}
	for _, u := range []struct {
		name  string
		role  tide.Role
		scope string
	}{{"county1", tide.RoleCounty, "520101"}, {"clinic1", tide.RoleClinic, "520101001"}, {"clinic2", tide.RoleClinic, "520102001"},
		{"specialist1", tide.RoleSpecialist, "52"}, {"analyst", tide.RoleAnalyst, ""}} {
		created, err := users.Create(ctx, user.NewUser{Name: u.name, Password: transferPassword, Roles: []tide.Role{u.role}, Scope: u.scope})
		if err != nil {
			tb.Fatal(err)
		}
		ids[u.name] = created.ID
	}
	sealer, _ := secret.New(bytes.Repeat([]byte{5}, secret.KeyLen))
	svc := health.NewService(db, sealer)
	svc.AttachmentDir = tb.TempDir()
	mine := &health.Clinic{Name: "Town centre", Level: health.TownshipCentre, Region: "520101001", Staff: []int64{ids["clinic1"]}}
	theirs := &health.Clinic{Name: "Other centre", Level: health.TownshipCentre, Region: "520102001", Staff: []int64{ids["clinic2"]}}
	for _, c := range []*health.Clinic{mine, theirs} {
		if err := svc.CreateClinic(ctx, c); err != nil {
			tb.Fatal(err)
		}
	}
	var hours []health.Hours
	for d := time.Sunday; d <= time.Saturday; d++ {
		hours = append(hours, health.Hours{Weekday: d, Start: "00:00", End: "23:30", SlotMinutes: 30, Capacity: 2})
	}
	if err := svc.CreateSpecialist(ctx, &health.Specialist{UserID: ids["specialist1"], Name: "Dr Chen", Hospital: "People's Hospital",
		Region: "52", Specialties: []string{"cardiology"}, Languages: []string{"zh"}, Hours: hours}); err != nil {
		tb.Fatal(err)
	}
	s := &web.Server{Regions: regions, Users: users, Store: db, Health: svc, Logger: slog.New(slog.DiscardHandler)}
	site.h = s.Handler()
	return site, svc, mine
}

// attach posts a file to a request's page as a browser does: the CSRF token
// first, then the file.
func attach(tb testing.TB, b *browser, id, name string, data []byte) *http.Response {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf)
	w, _ := mw.CreateFormFile("file", name)
	w.Write(data)
	mw.Close()
	return b.do(tb, "POST", "/consults/"+id+"/attachments", &buf, mw.FormDataContentType()).Result()
}

func TestHealthPages(t *testing.T) {
	site, svc, clinic := newHealthSite(t)
	staff, other, county, doctor, analyst := site.signIn(t, "clinic1"), site.signIn(t, "clinic2"), site.signIn(t, "county1"),
		site.signIn(t, "specialist1"), site.signIn(t, "analyst")

	wantPage(t, "the clinic's page", staff.do(t, "GET", "/consults", nil, ""), http.StatusOK, `id="consult-form"`, `id="consults-none"`)
	form := url.Values{"clinic": {clinic.ID}, "name": {"Wang Fang"}, "sex": {"f"}, "birth_year": {"1956"}, "complaint": {"Swollen ankles"},
		"specialty": {"cardiology"}, "urgency": {"urgent"}, "language": {"zh"}}
	page := wantPage(t, "a request without consent", staff.form(t, "/consults", form), http.StatusBadRequest, `id="error"`, `value="Wang Fang"`, "Swollen ankles")
	if !strings.Contains(page, "consent") {
		t.Errorf("the refusal does not name consent")
	}
	wantPage(t, "the list after the refusal", staff.do(t, "GET", "/consults", nil, ""), http.StatusOK, `id="consults-none"`)
	form.Set("consent", "yes")
	form.Set("specialty", "astrology")
	wantPage(t, "an unknown specialty", staff.form(t, "/consults", form), http.StatusBadRequest, `id="error"`)
	form.Set("specialty", "cardiology")
	rec := staff.form(t, "/consults", form)
	wantRedirect(t, "file the request", rec, "/consults/")
	id := strings.TrimPrefix(rec.Header().Get("Location"), "/consults/")

	if resp := attach(t, staff, id, "ankle.png", []byte("a letter, not a picture")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("attach text named .png: %d, want 400", resp.StatusCode)
	}
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4)))
	if resp := attach(t, staff, id, "ankle.png", img.Bytes()); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("attach a PNG: %d, want 303", resp.StatusCode)
	}
	wantPage(t, "the request's page", staff.do(t, "GET", "/consults/"+id, nil, ""), http.StatusOK, "Wang Fang", `id="attachments"`, "ankle.png",
		`id="appointment-none"`, `data-state="open"`)
	if rec := other.do(t, "GET", "/consults/"+id, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("another clinic opens the request: %d, want 404", rec.Code)
	}

	if rec := staff.form(t, "/consults/assign", url.Values{}); rec.Code != http.StatusForbidden {
		t.Errorf("clinic staff runs the optimiser: %d, want 403", rec.Code)
	}
	wantRedirect(t, "run the optimiser", county.form(t, "/consults/assign", url.Values{}), "/consults?assigned=1&left=0")
	page = wantPage(t, "the county's list", county.do(t, "GET", "/consults?assigned=1&left=0", nil, ""), http.StatusOK, `id="assign-result"`, `data-state="assigned"`)
	if strings.Contains(page, `data-overdue`) {
		t.Error("a consultation still to come is shown as overdue")
	}
	// A month on, the booked consultation's slot has ended with no advice.
	svc.Now = func() time.Time { return time.Now().AddDate(0, 1, 0) }
	wantPage(t, "the list a month on", staff.do(t, "GET", "/consults", nil, ""), http.StatusOK, `data-overdue="true"`, "Time passed, no advice yet")
	svc.Now = time.Now

	wantPage(t, "the worklist", doctor.do(t, "GET", "/worklist", nil, ""), http.StatusOK, `id="work-`+id+`"`, "Wang Fang", `href="/consult/`,
		`id="schedule"`, "1/2")
	wantPage(t, "the request for the specialist", doctor.do(t, "GET", "/consults/"+id, nil, ""), http.StatusOK, `id="record-form"`, `id="explanation"`)
	wantPage(t, "a record without advice", doctor.form(t, "/consults/"+id+"/record", url.Values{"prescription": {"Furosemide"}}),
		http.StatusBadRequest, `id="error"`, "Furosemide")
	wantRedirect(t, "write the record", doctor.form(t, "/consults/"+id+"/record", url.Values{"advice": {"Raise the legs; less salt"},
		"task": {"Weigh the patient"}, "due": {time.Now().AddDate(0, 0, 3).Format(time.DateOnly)}}), "/consults/"+id)
	wantPage(t, "the clinic reads the advice", staff.do(t, "GET", "/consults/"+id, nil, ""), http.StatusOK,
		`id="record-advice">Raise the legs; less salt<`, "Weigh the patient", `data-state="done"`)

	wantPage(t, "the report", analyst.do(t, "GET", "/consults/reports", nil, ""), http.StatusOK, `id="report-waiting"`, `id="report-utilisation"`, "Dr Chen")
	form.Set("specialty", "cardiology")
	form.Set("urgency", "routine")
	wantRedirect(t, "file a request nobody has assigned yet", staff.form(t, "/consults", form), "/consults/")
	wantRedirect(t, "file a second", staff.form(t, "/consults", form), "/consults/")
	wantPage(t, "the report with waiting requests", analyst.do(t, "GET", "/consults/reports", nil, ""), http.StatusOK, `id="report-unmet"`, "Pre <code>5201</code>")
	if rec := staff.do(t, "GET", "/consults/reports", nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("clinic staff opens the report: %d, want 403", rec.Code)
	}
	hours := url.Values{"weekday": {"2", "4"}, "start": {"08:00", "13:00"}, "end": {"07:00", "15:00"}, "slot_minutes": {"30", "20"}, "capacity": {"1", "3"}}
	wantPage(t, "hours that end before they start", doctor.form(t, "/worklist/hours", hours), http.StatusBadRequest, `id="error"`, "hours[0].end", `value="15:00"`)
	hours["end"][0] = "09:00"
	wantRedirect(t, "change the hours", doctor.form(t, "/worklist/hours", hours), "/worklist")
	wantPage(t, "the new hours", doctor.do(t, "GET", "/worklist", nil, ""), http.StatusOK, "Tuesday 08:00–09:00", "Thursday 13:00–15:00")
	staff.cookies = append(staff.cookies, &http.Cookie{Name: "tide_lang", Value: "zh"})
	wantPage(t, "the clinic's page in Chinese", staff.do(t, "GET", "/consults", nil, ""), http.StatusOK, "远程会诊", "已出具意见")
}
