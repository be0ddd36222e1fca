package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// TestCountParticipation runs the participation query on both engines: two
// public accounts under a region, none of whom bought or gave, and a third
// there who hides their region and counts only at the root.
func TestCountParticipation(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := tide.WithActor(context.Background(), tide.System)
		for i, home := range []string{"520101001001", "520102001001", ""} {
			u := &user.User{Name: string(rune('a'+i)) + "-public", DisplayName: "P", Roles: []tide.Role{tide.RolePublic},
				HomeRegion: home, CreatedAt: time.Now()}
			if err := db.CreateUser(ctx, u, audit.Change{Actor: "system", Action: "create", Entity: "user", EntityID: u.Name}); err != nil {
				t.Fatal(err)
			}
		}
		hidden := &user.User{Name: "d-public", DisplayName: "P", Roles: []tide.Role{tide.RolePublic}, HomeRegion: "520101001001", CreatedAt: time.Now()}
		if err := db.CreateUser(ctx, hidden, audit.Change{Actor: "system", Action: "create", Entity: "user", EntityID: hidden.Name}); err != nil {
			t.Fatal(err)
		}
		hidden.Privacy = user.Privacy{ShowName: true, HideRegion: true}
		if err := db.UpdateUser(ctx, hidden, audit.Change{Actor: "system", Action: "set_privacy", Entity: "user", EntityID: hidden.Name}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindUserByID(ctx, hidden.ID); err != nil || got.Privacy != hidden.Privacy {
			t.Fatalf("privacy read back = %+v, %v; want %+v", got.Privacy, err, hidden.Privacy)
		}
		now := time.Now()
		p, err := db.CountParticipation(ctx, "5201", now.Add(-time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Public != 2 || p.Participants != 0 || p.Rate != 0 || p.Region != "5201" {
			t.Errorf("participation = %+v, want 2 public and nobody taking part", p)
		}
		if p, err = db.CountParticipation(ctx, "", now.Add(-time.Hour), now); err != nil || p.Public != 4 {
			t.Errorf("at the root: %+v, %v; want 4 public", p, err)
		}
	})
}
