package health_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// monday is the tests' clock: Monday 2 March 2026, 08:00 UTC.
var monday = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

const village = "522601100201"

func as(a *tide.Actor) context.Context { return tide.WithActor(context.Background(), a) }

// bench is a health service over a real database with one clinic in county
// 522601 and accounts for each part: the county officer, the clinic's staff,
// two specialists and an outsider of each kind.
type bench struct {
	db     *sqlstore.DB
	svc    *health.Service
	clinic *health.Clinic
	// county is the officer of 522601; staff acts for the clinic and
	// stranger is clinic staff elsewhere.
	admin, county, staff, stranger *tide.Actor
	// doctor1 and doctor2 are specialists' accounts; other is a
	// specialist with no part in a consultation.
	doctor1, doctor2, other *tide.Actor
	sp1, sp2                *health.Specialist
}

func newBench(tb testing.TB, db *sqlstore.DB) *bench {
	tb.Helper()
	ctx := tide.WithActor(context.Background(), tide.System)
	rs := []*region.Region{{Code: "52", Name: "Guizhou", Level: region.Province},
		{Code: "5226", Name: "Qiandongnan", Level: region.Prefecture, Parent: "52"}}
	for _, c := range []string{"522601", "522602"} {
		rs = append(rs, &region.Region{Code: c, Name: "County " + c, Level: region.County, Parent: "5226"},
			&region.Region{Code: c + "100", Name: "Town " + c, Level: region.Township, Parent: c},
			&region.Region{Code: c + "100201", Name: "Village " + c, Level: region.Village, Parent: c + "100"})
	}
	if err := db.CreateRegions(ctx, rs, nil); err != nil {
		tb.Fatalf("create regions: %v", err)
	}
	users := user.NewService(db)
	account := func(name string, role tide.Role, scope string) *tide.Actor {
		u, err := users.Create(ctx, user.NewUser{Name: name, DisplayName: name, Password: "password-1", Roles: []tide.Role{role}, Scope: scope})
		if err != nil {
			tb.Fatalf("create user %s: %v", name, err)
		}
		return u.Actor()
	}
	b := &bench{db: db,
		admin:    &tide.Actor{UserID: 0, Name: "admin", Roles: []tide.Role{tide.RoleAdmin}},
		county:   account("county1", tide.RoleCounty, "522601"),
		staff:    account("clinic1", tide.RoleClinic, "522601100"),
		stranger: account("clinic2", tide.RoleClinic, "522602100"),
		doctor1:  account("doctor1", tide.RoleSpecialist, "52"),
		doctor2:  account("doctor2", tide.RoleSpecialist, "52"),
		other:    account("doctor3", tide.RoleSpecialist, "52"),
	}
	sealer, _ := secret.New(bytes.Repeat([]byte{7}, secret.KeyLen))
	b.svc = health.NewService(db, sealer)
	b.svc.Now = func() time.Time { return monday }
	b.svc.AttachmentDir = tb.TempDir()
	b.clinic = &health.Clinic{Name: "Town clinic", Level: health.TownshipCentre, Region: "522601100", Staff: []int64{b.staff.UserID}}
	if err := b.svc.CreateClinic(as(b.county), b.clinic); err != nil {
		tb.Fatalf("create clinic: %v", err)
	}
	other := &health.Clinic{Name: "Other clinic", Level: health.VillageClinic, Region: "522602100201", Staff: []int64{b.stranger.UserID}}
	if err := b.svc.CreateClinic(as(b.admin), other); err != nil {
		tb.Fatalf("create other clinic: %v", err)
	}
	// Each doctor sees one patient in each of four half-hour slots on
	// Monday morning.
	hours := []health.Hours{{Weekday: time.Monday, Start: "09:00", End: "11:00", SlotMinutes: 30, Capacity: 1}}
	b.sp1 = b.specialist(tb, b.doctor1, "Dr Wang", []string{"cardiology", "general_medicine"}, []string{"zh"}, hours)
	b.sp2 = b.specialist(tb, b.doctor2, "Dr Yang", []string{"cardiology"}, []string{"hmn", "zh"}, hours)
	b.specialist(tb, b.other, "Dr Li", []string{"dermatology"}, []string{"zh"}, hours)
	return b
}

func (b *bench) specialist(tb testing.TB, a *tide.Actor, name string, specialties, languages []string, hours []health.Hours) *health.Specialist {
	tb.Helper()
	sp := &health.Specialist{UserID: a.UserID, Name: name, Hospital: "Provincial People's Hospital", Region: "52",
		Specialties: specialties, Languages: languages, Hours: hours}
	if err := b.svc.CreateSpecialist(as(b.admin), sp); err != nil {
		tb.Fatalf("create specialist %s: %v", name, err)
	}
	return sp
}

// request returns a valid routine cardiology request of the bench's clinic,
// made at the bench's clock, edited by edit.
func (b *bench) request(edit func(r *health.Request)) *health.Request {
	r := &health.Request{ClinicID: b.clinic.ID, Patient: health.Patient{Name: "Li Hua", Sex: "f", BirthYear: 1958},
		Complaint: "Chest pain on climbing the terraces", Specialty: "cardiology", Urgency: health.Routine, Language: "zh", Consent: true}
	if edit != nil {
		edit(r)
	}
	return r
}

// file files a request as the clinic's staff, failing the test on error.
func (b *bench) file(tb testing.TB, edit func(r *health.Request)) *health.Request {
	tb.Helper()
	r := b.request(edit)
	if err := b.svc.CreateRequest(as(b.staff), r, nil); err != nil {
		tb.Fatalf("file request: %v", err)
	}
	return r
}

// state describes what the store holds of requests, consultations and the
// audit log, and the files in the attachment folder, so a test can show that
// a refused write left nothing behind.
func (b *bench) state(tb testing.TB) string {
	tb.Helper()
	var out string
	for _, table := range []string{"consult_requests", "consult_attachments", "consultations", "consult_slots", "consult_records", "consult_followups"} {
		var n int
		if err := b.db.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			tb.Fatalf("count %s: %v", table, err)
		}
		out += fmt.Sprintf("%s=%d ", table, n)
	}
	_, total, err := b.db.FindAuditEntries(context.Background(), audit.Filter{Limit: 1})
	if err != nil {
		tb.Fatal(err)
	}
	files, err := os.ReadDir(b.svc.AttachmentDir)
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	return out + fmt.Sprintf("audit=%d files=%d", total, len(files))
}

// wantRefused checks that err is an *tide.Error of code naming field.
func wantRefused(tb testing.TB, what string, err error, code, field string) {
	tb.Helper()
	if tide.ErrorCode(err) != code || tide.ErrorField(err) != field {
		tb.Errorf("%s: %v (code %q, field %q), want %s on %q", what, err, tide.ErrorCode(err), tide.ErrorField(err), code, field)
	}
}
