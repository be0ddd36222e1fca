package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

func TestLikesAndShares(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		s, p := seedMarket(t, db)
		now := time.Now().UTC()
		for range 2 {
			if err := db.Like(ctx, engage.ItemProduct, p.ID, 7, now); err != nil {
				t.Fatalf("like: %v", err)
			}
		}
		if err := db.Like(ctx, engage.ItemProduct, p.ID, 8, now); err != nil {
			t.Fatal(err)
		}
		if n, mine, err := db.CountLikes(ctx, engage.ItemProduct, p.ID, 7); err != nil || n != 2 || !mine {
			t.Errorf("likes = %d, %v, %v; want 2, mine", n, mine, err)
		}
		if err := db.Unlike(ctx, engage.ItemProduct, p.ID, 7); err != nil {
			t.Fatal(err)
		}
		if n, mine, _ := db.CountLikes(ctx, engage.ItemProduct, p.ID, 7); n != 1 || mine {
			t.Errorf("after unlike = %d, %v; want 1, not mine", n, mine)
		}
		if err := db.Like(ctx, engage.ItemNeed, "nope", 7, now); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("like of a missing need: %v, want not found", err)
		}

		sh := &engage.Share{Code: "abc123", Kind: engage.ItemProduct, ItemID: p.ID, UserID: 7, CreatedAt: now}
		if err := db.CreateShare(ctx, sh); err != nil {
			t.Fatal(err)
		}
		got, err := db.VisitShare(ctx, "abc123", 8)
		if err != nil || got.Visits != 1 || got.Room != "" {
			t.Fatalf("visit = %+v, %v; want 1 visit, no room", got, err)
		}
		// The sharer opening their own link is no visit.
		if got, err = db.VisitShare(ctx, "abc123", 7); err != nil || got.Visits != 1 {
			t.Errorf("the sharer's own visit = %+v, %v; want still 1 visit", got, err)
		}
		r := &market.Room{ID: market.NewID(), SellerID: s.ID, Region: s.Region, Title: "Live", Status: market.RoomLive,
			StartsAt: now, Products: []string{p.ID}, CreatedAt: now}
		if err := db.CreateRoom(ctx, r, audit.Change{Actor: "t", Action: "create", Entity: "room", EntityID: r.ID}); err != nil {
			t.Fatal(err)
		}
		if got, err = db.VisitShare(ctx, "abc123", 0); err != nil || got.Visits != 2 || got.Room != r.ID {
			t.Errorf("visit = %+v, %v; want 2 visits in room %s", got, err, r.ID)
		}
		if _, err := db.VisitShare(ctx, "zzz", 8); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("unknown code: %v, want not found", err)
		}
		for range 2 {
			if err := db.AttributeOrder(ctx, "order-1", "abc123", 8, now); err != nil {
				t.Fatal(err)
			}
		}
		// The sharer buying through their own link is not attributed.
		if err := db.AttributeOrder(ctx, "order-2", "abc123", 7, now); err != nil {
			t.Fatal(err)
		}
		list, err := db.FindShares(ctx, 7, 10)
		if err != nil || len(list) != 1 || list[0].Purchases != 1 || list[0].Visits != 2 {
			t.Errorf("shares = %+v, %v; want one with 2 visits and 1 purchase", list, err)
		}
		if list, _ := db.FindShares(ctx, 8, 10); len(list) != 0 {
			t.Errorf("another person's shares = %+v, want none", list)
		}
	})
}

// TestParticipationCountsLikesAndShares counts a buyer who also liked and
// shared once among the participants.
func TestParticipationCountsLikesAndShares(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := tide.WithActor(context.Background(), tide.System)
		_, p := seedMarket(t, db)
		var ids []int64
		for i := range 3 {
			u := &user.User{Name: string(rune('a'+i)) + "-public", DisplayName: "P", Roles: []tide.Role{tide.RolePublic},
				HomeRegion: "522601001001", CreatedAt: time.Now()}
			if err := db.CreateUser(ctx, u, audit.Change{Actor: "system", Action: "create", Entity: "user", EntityID: u.Name}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		now := time.Now().UTC()
		buyer, liker := ids[0], ids[1]
		if _, err := db.InsertOrders(ctx, newOrders(p, buyer, "k")); err != nil {
			t.Fatal(err)
		}
		for _, uid := range []int64{buyer, liker} {
			if err := db.Like(ctx, engage.ItemProduct, p.ID, uid, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateShare(ctx, &engage.Share{Code: "s1", Kind: engage.ItemProduct, ItemID: p.ID, UserID: buyer, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		got, err := db.CountParticipation(ctx, "5226", now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := engage.Participation{Public: 3, Purchased: 1, Liked: 2, Shared: 1, Participants: 2}
		if got.Public != want.Public || got.Purchased != want.Purchased || got.Liked != want.Liked ||
			got.Shared != want.Shared || got.Participants != want.Participants {
			t.Errorf("participation = %+v, want %+v", got, want)
		}
	})
}
