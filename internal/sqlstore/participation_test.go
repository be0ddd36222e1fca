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
// public accounts under a region, none of whom bought or gave.
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
		now := time.Now()
		p, err := db.CountParticipation(ctx, "5201", now.Add(-time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Public != 2 || p.Participants != 0 || p.Rate != 0 || p.Region != "5201" {
			t.Errorf("participation = %+v, want 2 public and nobody taking part", p)
		}
		if p, err = db.CountParticipation(ctx, "", now.Add(-time.Hour), now); err != nil || p.Public != 3 {
			t.Errorf("at the root: %+v, %v; want 3 public", p, err)
		}
	})
}
