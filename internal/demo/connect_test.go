package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/demo"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestGenerateConnect checks the connect step: coverage rises over the
// years to nearly all villages, every region has a shape inside its
// parent's, and school1's school has remote classes with attendance.
func TestGenerateConnect(t *testing.T) {
	db := sqlstore.OpenTest(t, sqlstore.SQLite)
	w := newWiring(t, db)
	w.svc.Connect, w.svc.Boundaries = connect.NewService(db), geo.NewService(db)
	shape := demo.Shape{Prefectures: 2, CountiesPerPref: []int{3, 2}, TownshipsPerCounty: 4, VillagesPerTownship: 10}
	p := generate(t, w, shape, 7)
	ctx := context.Background()
	year := time.Now().UTC().Year()
	early, err := w.svc.Connect.Coverage(ctx, demo.ProvinceCode, fmt.Sprintf("%d-12-31", year-6), false)
	if err != nil {
		t.Fatal(err)
	}
	late, err := w.svc.Connect.Coverage(ctx, demo.ProvinceCode, fmt.Sprintf("%d-12-31", year-1), true)
	if err != nil {
		t.Fatal(err)
	}
	if early.Villages != 200 || late.Villages != 200 {
		t.Fatalf("villages counted = %d and %d, want 200", early.Villages, late.Villages)
	}
	if early.ConnectedRate > 0.8 || late.FibreRate < 0.93 || late.ConnectedRate < 0.95 {
		t.Errorf("connected %.2f → %.2f, fibre %.2f by last year: want coverage rising from under 80%% to over 95%%",
			early.ConnectedRate, late.ConnectedRate, late.FibreRate)
	}
	if late.SchoolRate <= early.SchoolRate || late.Schools != p.Schools {
		t.Errorf("schools connected %.2f → %.2f of %d (made %d): want rising", early.SchoolRate, late.SchoolRate, late.Schools, p.Schools)
	}
	codes := make([]string, len(p.Regions))
	for i, r := range p.Regions {
		codes[i] = r.Code
	}
	shapes, err := w.svc.Boundaries.Find(ctx, codes)
	if err != nil || len(shapes) != len(p.Regions) {
		t.Fatalf("shapes = %d, %v; want one per region, %d", len(shapes), err, len(p.Regions))
	}
	frames := map[string]geo.Frame{}
	for _, b := range shapes {
		frames[b.Region], _ = geo.Bounds([]*geo.Boundary{b})
	}
	for _, r := range p.Regions {
		if r.Parent == "" {
			continue
		}
		c, pf := frames[r.Code], frames[r.Parent]
		if c.MinX < pf.MinX || c.MaxX > pf.MaxX || c.MinY < pf.MinY || c.MaxY > pf.MaxY || c.MinX >= c.MaxX || c.MinY >= c.MaxY {
			t.Errorf("region %s %+v is not inside its parent %s %+v", r.Code, c, r.Parent, pf)
		}
	}
	own, _, err := w.svc.Connect.Schools(tide.WithActor(ctx, &tide.Actor{UserID: p.UserIDs["school1"], Name: "school1",
		Roles: []tide.Role{tide.RoleSchool}, Scope: accountScope(p, "school1")}), connect.SchoolFilter{})
	if err != nil || len(own) != 1 {
		t.Fatalf("school1's schools = %v, %v; want one", own, err)
	}
	classes, err := w.svc.Connect.Timetable(system(), own[0].Code, time.Now().AddDate(0, 0, -21), 35)
	if err != nil || len(classes) < 8 {
		t.Fatalf("school1's timetable = %d classes, %v; want two a week for five weeks", len(classes), err)
	}
	attended := 0
	for _, c := range classes {
		if pupils, _ := c.Attendance(); pupils > 0 && c.Starts.Before(time.Now()) {
			attended++
		}
		if !strings.HasPrefix(c.Stream, "https://") {
			t.Errorf("class %s streams from %q", c.ID, c.Stream)
		}
	}
	if attended == 0 {
		t.Error("no past class has attendance")
	}
}

func accountScope(p *demo.Province, name string) string {
	for _, a := range p.Accounts {
		if a.Name == name {
			return a.Scope
		}
	}
	return ""
}
