package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/engage"
)

// TestRoomLikesCountPeople has a signed-in buyer tap a live room's like
// many times and a visitor tap it without an account: participation counts
// the buyer once as having liked, and no one else.
func TestRoomLikesCountPeople(t *testing.T) {
	dir, sale := saleFolder(t, 2, 10, 0)
	m := NewMain()
	m.Config.Addr, m.Config.Data, m.Out = "127.0.0.1:0", dir, io.Discard
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	from := time.Now().Add(-time.Minute)
	path := "/api/v1/rooms/" + sale.Room + "/likes"
	for range 3 {
		if status, body := post(t, m.URL(), path, `{"count":5}`, "Authorization", "Bearer "+sale.Tokens[0]); status != 204 {
			t.Fatalf("the buyer's taps: %d %s", status, body)
		}
	}
	if status, body := post(t, m.URL(), path, `{"count":2}`); status != 204 {
		t.Fatalf("a visitor's taps: %d %s", status, body)
	}
	if n, _, err := m.DB.CountLikes(ctx, engage.ItemRoom, sale.Room, 0); err != nil || n != 1 {
		t.Errorf("people recorded liking the room = %d, %v; want 1", n, err)
	}
	p, err := m.DB.CountParticipation(ctx, "", from, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if p.Liked != 1 || p.Participants != 1 {
		t.Errorf("participation = %+v, want the one buyer who liked", p)
	}
}
