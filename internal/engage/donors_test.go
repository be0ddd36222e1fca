package engage_test

import (
	"context"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// TestPublicDonors checks that a need's public list of donors names only
// the donor who chose to show their name, lists paid gifts only, and is not
// there for a need the public cannot see.
func TestPublicDonors(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		ctx := tide.WithActor(context.Background(), tide.System)
		people := map[string]*user.User{}
		for _, p := range []struct {
			name string
			show bool
		}{{"mei", true}, {"tao", false}} {
			u := &user.User{Name: p.name, DisplayName: "Name of " + p.name, Roles: []tide.Role{tide.RolePublic},
				Privacy: user.Privacy{ShowName: p.show}, CreatedAt: time.Now()}
			if err := db.CreateUser(ctx, u, audit.Change{Actor: "system", Action: "create", Entity: "user", EntityID: u.Name}); err != nil {
				t.Fatal(err)
			}
			people[p.name] = u
		}
		n := b.approvedNeed(t, 9000)
		b.give(t, people["mei"].ID, n.ID, 1000)
		b.give(t, people["tao"].ID, n.ID, 2000)
		if _, err := b.svc.Donate(as(donor(people["tao"].ID)), n.ID, 300); err != nil { // open, never paid
			t.Fatal(err)
		}
		got, err := b.svc.PublicDonors(context.Background(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("donors = %+v, want the two paid gifts", got)
		}
		byAmount := map[int64]string{got[0].Amount: got[0].Name, got[1].Amount: got[1].Name}
		if name, ok := byAmount[1000]; !ok || name != "Name of mei" {
			t.Errorf("the donor who shows her name is listed as %q", name)
		}
		if name, ok := byAmount[2000]; !ok || name != "" {
			t.Errorf("the anonymous donor is listed as %q, want no name", name)
		}

		// Changing their mind hides the name from then on.
		people["mei"].Privacy.ShowName = false
		if err := db.UpdateUser(ctx, people["mei"], audit.Change{Actor: "mei", Action: "set_privacy", Entity: "user", EntityID: "mei"}); err != nil {
			t.Fatal(err)
		}
		got, _ = b.svc.PublicDonors(context.Background(), n.ID)
		for _, d := range got {
			if d.Name != "" {
				t.Errorf("after hiding her name the list shows %q", d.Name)
			}
		}

		pending := &engage.Need{Kind: engage.ForVillage, Region: village, Title: "Pending", Amount: 100, Currency: "CNY"}
		if err := b.svc.CreateNeed(as(registrar), pending); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.PublicDonors(context.Background(), pending.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("donors of a pending need: %v, want ENOTFOUND", err)
		}
	})
}
