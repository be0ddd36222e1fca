package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
)

func TestAPILikesAndShares(t *testing.T) {
	site := newMarketSite(t)
	room, product := site.liveRoom(t)
	like := map[string]string{"kind": "product", "id": product}
	var l engage.Likes
	for range 2 {
		site.call(t, "buyer", "POST", "/api/v1/likes", like, http.StatusOK, &l)
	}
	if l.Count != 1 || !l.Mine {
		t.Errorf("likes after liking twice = %+v, want 1, mine", l)
	}
	site.call(t, "buyer", "DELETE", "/api/v1/likes", like, http.StatusOK, &l)
	if l.Count != 0 || l.Mine {
		t.Errorf("likes after unliking = %+v, want 0", l)
	}
	if rec := site.do(t, "", "POST", "/api/v1/likes", jsonBody(like), "application/json"); rec.Code != http.StatusUnauthorized {
		t.Errorf("like signed out: %d, want 401", rec.Code)
	}

	var sh struct {
		Code, URL         string
		Visits, Purchases int64
	}
	site.call(t, "county1", "POST", "/api/v1/shares", map[string]string{"kind": "product", "id": product}, http.StatusCreated, &sh)
	if sh.URL != "/s/"+sh.Code || sh.Code == "" {
		t.Fatalf("share = %+v, want a code and its link", sh)
	}
	rec := site.do(t, "", "GET", sh.URL, nil, "")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/rooms/"+room {
		t.Errorf("visit: %d to %q, want 303 to /rooms/%s", rec.Code, rec.Header().Get("Location"), room)
	}
	var ref *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "tide_ref" {
			ref = c
		}
	}
	if ref == nil || ref.Value != sh.Code || !ref.HttpOnly || ref.SameSite != http.SameSiteLaxMode || ref.MaxAge != 30*24*3600 {
		t.Fatalf("tide_ref cookie = %+v, want the code for 30 days, HttpOnly, Lax", ref)
	}

	order := func(who string, ref *http.Cookie) {
		req := httptest.NewRequest("POST", "/api/v1/rooms/"+room+"/orders", strings.NewReader(`{"product":"`+product+`","quantity":1}`))
		req.Header.Set("Authorization", "Bearer "+site.tokens[who])
		req.Header.Set("Content-Type", "application/json")
		if ref != nil {
			req.AddCookie(ref)
		}
		rec := httptest.NewRecorder()
		site.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			t.Fatalf("order: %d %s", rec.Code, rec.Body)
		}
	}
	order("buyer", ref)
	order("buyer", nil)
	var mine struct {
		Items []struct {
			Code              string
			Visits, Purchases int64
		}
	}
	site.call(t, "county1", "GET", "/api/v1/shares", nil, http.StatusOK, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Visits != 1 || mine.Items[0].Purchases != 1 {
		t.Errorf("my shares = %+v, want one with 1 visit and 1 purchase", mine.Items)
	}
	site.call(t, "buyer", "GET", "/api/v1/shares", nil, http.StatusOK, &mine)
	if len(mine.Items) != 0 {
		t.Errorf("the buyer's shares = %+v, want none", mine.Items)
	}

	// A self-referral: the buyer shares the product, follows her own link
	// and buys through it; neither the visit nor the purchase is hers to
	// count.
	var own struct{ Code, URL string }
	site.call(t, "buyer", "POST", "/api/v1/shares", map[string]string{"kind": "product", "id": product}, http.StatusCreated, &own)
	buyer := site.signIn(t, "buyer")
	rec = buyer.do(t, "GET", own.URL, nil, "")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("the sharer's own visit: %d, want 303", rec.Code)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "tide_ref" {
			t.Errorf("the sharer's own visit set tide_ref = %q", c.Value)
		}
	}
	order("buyer", &http.Cookie{Name: "tide_ref", Value: own.Code})
	site.call(t, "buyer", "GET", "/api/v1/shares", nil, http.StatusOK, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Code != own.Code || mine.Items[0].Visits != 0 || mine.Items[0].Purchases != 0 {
		t.Errorf("the buyer's own share after she used it = %+v, want 0 visits and 0 purchases", mine.Items)
	}
	if rec := site.do(t, "", "GET", "/s/nosuchcode", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown share: %d, want 404", rec.Code)
	}
}
