package demo_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/demo"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestGenerateHealth checks the demo's consultations: clinic1 staffs
// clinics of the first county, specialist1 is a specialist with hours and a
// worklist, a week of requests was filed and mostly assigned, some answered
// with a record, and neurology, which nobody offers, is left waiting.
func TestGenerateHealth(t *testing.T) {
	db := sqlstore.OpenTest(t, sqlstore.SQLite)
	w := newWiring(t, db)
	sealer, _ := secret.New(bytes.Repeat([]byte{1}, secret.KeyLen))
	w.svc.Health = health.NewService(db, sealer)
	w.svc.Health.AttachmentDir = t.TempDir()
	p := generate(t, w, smallShape, 1)
	ctx := context.Background()
	as := func(name string, role tide.Role, scope string) context.Context {
		return tide.WithActor(ctx, &tide.Actor{UserID: p.UserIDs[name], Name: name, Roles: []tide.Role{role}, Scope: scope})
	}
	clinic1 := as("clinic1", tide.RoleClinic, p.Counties[0].Code+"001")
	clinics, _, err := w.svc.Health.Clinics(clinic1, health.ClinicFilter{})
	if err != nil || len(clinics) != 2 {
		t.Fatalf("clinic1's clinics = %d, %v; want the township centre and a village clinic", len(clinics), err)
	}
	specialist1 := as("specialist1", tide.RoleSpecialist, demo.ProvinceCode)
	me, err := w.svc.Health.Me(specialist1)
	if err != nil || len(me.Hours) == 0 || !me.Offers("cardiology") {
		t.Fatalf("specialist1 = %+v, %v; want a cardiologist with hours", me, err)
	}
	admin := tide.WithActor(ctx, tide.System)
	all, total, err := w.svc.Health.Requests(admin, health.RequestFilter{Limit: 500})
	if err != nil || total < 21 {
		t.Fatalf("requests = %d, %v; want at least three a day for a week", total, err)
	}
	byState := map[health.RequestState]int{}
	for _, r := range all {
		byState[r.State]++
		if r.Patient.Name == "" || r.Complaint == "" {
			t.Errorf("request %s has no patient or complaint after opening", r.ID)
		}
	}
	if byState[health.RequestDone] == 0 || byState[health.RequestAssigned]+byState[health.RequestDone] < total/2 {
		t.Errorf("requests by state = %v; want most booked and some answered", byState)
	}
	rep, err := w.svc.Health.Report(admin, "", time.Now().AddDate(0, 0, -10), time.Now().AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	unmet := 0
	for _, u := range rep.Unmet {
		if u.Specialty == "neurology" {
			unmet += u.Open
		}
	}
	if n := countSpecialty(all, "neurology"); unmet != n {
		t.Errorf("unmet neurology = %d, want all %d neurology requests, which nobody can take", unmet, n)
	}
	if len(rep.Waiting) == 0 || len(rep.Utilisation) != 5 {
		t.Errorf("report = %d waiting rows, %d specialists; want waits and the five specialists", len(rep.Waiting), len(rep.Utilisation))
	}
}

func countSpecialty(rs []*health.Request, specialty string) int {
	n := 0
	for _, r := range rs {
		if r.Specialty == specialty {
			n++
		}
	}
	return n
}
