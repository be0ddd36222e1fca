package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/user"
)

// TestParticipation counts public accounts by home region: of three, one
// bought, one bought and cancelled (not counted), one did nothing; an
// account with no home region counts only at the root.
func TestParticipation(t *testing.T) {
	site := newMarketSite(t)
	room, product := site.liveRoom(t)
	codes := &codeBox{}
	site.users.Sender = codes
	for _, p := range []struct{ name, phone, home string }{
		{"ana", "+8613800000001", "520101001001"}, {"bo", "+8613800000002", "520102001001"}, {"cy", "+8613800000003", "520101001001"}} {
		if err := site.users.SendCode(context.Background(), p.phone); err != nil {
			t.Fatal(err)
		}
		secret, _, err := site.users.SignUp(context.Background(), user.NewPublic{Contact: p.phone, Code: codes.code(t, p.phone),
			Name: p.name, Password: "a-long-password", HomeRegion: p.home})
		if err != nil {
			t.Fatal(err)
		}
		site.tokens[p.name] = secret
	}
	for _, who := range []string{"ana", "bo"} {
		var o struct{ ID string }
		site.call(t, who, "POST", "/api/v1/rooms/"+room+"/orders", map[string]any{"product": product, "quantity": 1}, http.StatusCreated, &o)
		if who == "bo" {
			site.call(t, "bo", "POST", "/api/v1/orders/"+o.ID+"/cancel", nil, http.StatusOK, nil)
		}
	}
	var p engage.Participation
	site.call(t, "admin", "GET", "/api/v1/participation?region=5201", nil, http.StatusOK, &p)
	if p.Public != 3 || p.Purchased != 1 || p.Donated != 0 || p.Participants != 1 || len(p.Children) != 2 {
		t.Fatalf("participation in 5201 = %+v", p)
	}
	for _, c := range p.Children {
		want := map[string][2]int{"520101": {2, 1}, "520102": {1, 0}}[c.Region]
		if c.Public != want[0] || c.Participants != want[1] {
			t.Errorf("%s: %d public, %d took part; want %v", c.Region, c.Public, c.Participants, want)
		}
	}
	site.call(t, "admin", "GET", "/api/v1/participation", nil, http.StatusOK, &p)
	if p.Public != 4 || p.Participants != 1 || p.Rate != 0.25 {
		t.Errorf("participation everywhere = %d public, %d took part, rate %v; want 4, 1, 0.25", p.Public, p.Participants, p.Rate)
	}
	if rec := site.do(t, "county2", "GET", "/api/v1/participation?region=520101", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("another county's participation: %d, want 404", rec.Code)
	}
	if rec := site.do(t, "seller1", "GET", "/api/v1/participation", nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("a seller asks for participation: %d, want 403", rec.Code)
	}
	if rec := site.do(t, "admin", "GET", "/api/v1/participation?from=2026-13-01", nil, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("a bad date: %d, want 400", rec.Code)
	}
	page := wantPage(t, "the participation page", site.signIn(t, "county1").do(t, "GET", "/participation", nil, ""), http.StatusOK,
		`id="p-rate"`, `id="p-chart"`)
	if !strings.Contains(page, "50.0%") {
		t.Errorf("county1's page does not show the 50.0%% of its county")
	}
}
