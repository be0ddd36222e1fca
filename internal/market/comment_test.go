package market_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func TestComments(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		_, r := sh.onSale(t, &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: county}, 100, 5)
		sh.svc.BlockedWords = []string{"scam"}
		sh.events.take()
		viewer := asBuyer(context.Background(), 51)
		_, err := sh.svc.Comment(context.Background(), r.ID, "hello")
		wantCode(t, "anonymous", err, tide.EUNAUTHORIZED, "")
		for name, text := range map[string]string{"Empty": "   ", "TooLong": strings.Repeat("茶", 201), "Blocked": "what a SCAM this is"} {
			_, err := sh.svc.Comment(viewer, r.ID, text)
			wantCode(t, name, err, tide.EINVALID, "text")
		}
		var ids []string
		for _, text := range []string{" first ", strings.Repeat("茶", 200), "third"} {
			c, err := sh.svc.Comment(viewer, r.ID, text)
			if err != nil {
				t.Fatalf("comment %q: %v", text, err)
			}
			ids = append(ids, c.ID)
		}
		_, err = sh.svc.Comment(viewer, r.ID, "fourth")
		wantCode(t, "fourth in the window", err, tide.ETOOMANY, "text")
		sh.now = sh.now.Add(market.CommentWindow)
		if _, err := sh.svc.Comment(viewer, r.ID, "later"); err != nil {
			t.Errorf("comment after the window: %v", err)
		}
		list, err := sh.svc.Comments(context.Background(), r.ID, 2)
		if err != nil || len(list) != 2 || list[0].Text != "later" || !slices.Contains(ids, list[1].ID) {
			t.Errorf("newest comments = %v, %v", list, err)
		}
		wantCode(t, "a viewer removes", sh.svc.RemoveComment(viewer, r.ID, ids[0]), tide.EFORBIDDEN, "")
		if err := sh.svc.RemoveComment(sh.asSeller(), r.ID, ids[0]); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "remove twice", sh.svc.RemoveComment(officer(county), r.ID, ids[0]), tide.ENOTFOUND, "")
		if all, _ := sh.svc.Comments(context.Background(), r.ID, 0); len(all) != 3 || slices.ContainsFunc(all, func(c *market.Comment) bool { return c.ID == ids[0] }) {
			t.Errorf("comments after removal = %d", len(all))
		}
		ev := sh.events.take()
		want := []string{"comment buyer: first", "comment buyer: " + strings.Repeat("茶", 200), "comment buyer: third", "comment buyer: later", "removed"}
		if !slices.Equal(ev, want) {
			t.Errorf("events = %q, want %q", ev, want)
		}
		if _, err := sh.svc.SetRoomStatus(sh.asSeller(), r.ID, market.RoomEnded); err != nil {
			t.Fatal(err)
		}
		sh.now = sh.now.Add(time.Minute)
		_, err = sh.svc.Comment(viewer, r.ID, "too late")
		wantCode(t, "ended room", err, tide.ECONFLICT, "room")
	})
}

func TestLoadBlockedWords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blocked.txt")
	if err := os.WriteFile(path, []byte("# spam\nScam\n\n  fake  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := market.LoadBlockedWords(path)
	if err != nil || !slices.Equal(got, []string{"scam", "fake"}) {
		t.Errorf("blocked words = %q, %v; want [scam fake]", got, err)
	}
	if _, err := market.LoadBlockedWords(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file gave no error")
	}
}

func TestLiveEvents(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		p, r := sh.onSale(t, &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: county}, 100, 5)
		sh.events.take()
		o := sh.buy(t, 61, p, r, 2)
		// A retry under the same key answers the same order and is no new sale.
		keyed := market.OrderRequest{Room: r.ID, Product: p.ID, Quantity: 1, IdempotencyKey: "k-62"}
		for range 2 {
			if _, err := sh.svc.PlaceOrder(asBuyer(context.Background(), 62), keyed); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sh.svc.CancelOrder(asBuyer(context.Background(), 61), o.ID); err != nil {
			t.Fatal(err)
		}
		p.Stock = 10
		if err := sh.svc.UpdateProduct(sh.asSeller(), p); err != nil {
			t.Fatal(err)
		}
		want := []string{"sold 2 left 3", "sold 1 left 2", "stock 4", "stock 9"}
		if ev := sh.events.take(); !slices.Equal(ev, want) {
			t.Errorf("events = %q, want %q", ev, want)
		}
		if err := db.AddLikes(context.Background(), r.ID, 120); err != nil {
			t.Fatal(err)
		}
		if err := db.AddLikes(context.Background(), r.ID, 5); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "likes of a missing room", db.AddLikes(context.Background(), "nope", 1), tide.ENOTFOUND, "")
		rooms, n, err := sh.svc.Rooms(context.Background(), market.RoomFilter{Status: market.RoomLive})
		if err != nil || n != 1 || rooms[0].Likes != 125 || len(rooms[0].Products) != 1 {
			t.Errorf("live rooms = %v, %d, %v; want one with 125 likes", rooms, n, err)
		}
		if _, n, _ := sh.svc.Rooms(context.Background(), market.RoomFilter{Status: market.RoomEnded}); n != 0 {
			t.Errorf("ended rooms = %d, want 0", n)
		}
	})
}
