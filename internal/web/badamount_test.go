package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
)

// TestFractionalAmounts refuses amounts that are not whole minor units, by
// the API (a fraction as a number or a string) and by the donate form (more
// than two decimals of the major unit), naming the amount and writing
// nothing.
func TestFractionalAmounts(t *testing.T) {
	site := newMarketSite(t)
	var n engage.Need
	site.call(t, "county1", "POST", "/api/v1/needs", map[string]any{"kind": "village", "region": "520101001001",
		"title": "Seeds", "amount": 10000, "currency": "CNY"}, http.StatusCreated, &n)
	site.call(t, "county1", "POST", "/api/v1/needs/"+n.ID+"/approve", nil, http.StatusOK, nil)
	var before struct{ Total int }
	site.call(t, "admin", "GET", "/api/v1/audit", nil, http.StatusOK, &before)

	for _, tc := range []struct{ name, path, body string }{
		{"DonationNumber", "/api/v1/needs/" + n.ID + "/donations", `{"amount": 12.5}`},
		{"DonationString", "/api/v1/needs/" + n.ID + "/donations", `{"amount": "12.5"}`},
		{"DonationExponent", "/api/v1/needs/" + n.ID + "/donations", `{"amount": 1.25e1}`},
		{"DonationZero", "/api/v1/needs/" + n.ID + "/donations", `{"amount": 0}`},
		{"DonationNegative", "/api/v1/needs/" + n.ID + "/donations", `{"amount": -100}`},
		{"NeedNumber", "/api/v1/needs", `{"kind": "village", "region": "520101001001", "title": "Tea", "amount": 300.75, "currency": "CNY"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			who := "buyer"
			if strings.HasPrefix(tc.name, "Need") {
				who = "county1"
			}
			rec := site.do(t, who, "POST", tc.path, strings.NewReader(tc.body), "application/json")
			var e struct {
				Error struct{ Code, Field, Message string }
			}
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != http.StatusBadRequest || e.Error.Field != "amount" || !strings.Contains(e.Error.Message, "amount") {
				t.Errorf("%s: %d %+v, want 400 naming amount", tc.body, rec.Code, e.Error)
			}
			if strings.Contains(tc.body, ".") && !strings.Contains(e.Error.Message, "whole number") {
				t.Errorf("%s: message %q does not say the amount must be whole", tc.body, e.Error.Message)
			}
		})
	}

	buyer := site.signIn(t, "buyer")
	for _, amount := range []string{"12.505", "0.001", "0", "-5", "12,5.5", "twelve"} {
		wantPage(t, "donate "+amount, buyer.form(t, "/needs/"+n.ID+"/donate", url.Values{"amount": {amount}}), http.StatusBadRequest, `id="error"`)
	}

	var mine struct{ Total int }
	site.call(t, "buyer", "GET", "/api/v1/donations", nil, http.StatusOK, &mine)
	if mine.Total != 0 {
		t.Errorf("refused amounts left %d donations", mine.Total)
	}
	var after struct{ Total int }
	site.call(t, "admin", "GET", "/api/v1/audit", nil, http.StatusOK, &after)
	if after.Total != before.Total {
		t.Errorf("audit entries %d after refused amounts, want %d: something was written", after.Total, before.Total)
	}
	var pub engage.PublicNeed
	site.call(t, "", "GET", "/api/v1/needs/"+n.ID, nil, http.StatusOK, &pub)
	if pub.In != 0 || pub.Remaining != 10000 {
		t.Errorf("the need after refused gifts: in %d, remaining %d; want 0 and 10000", pub.In, pub.Remaining)
	}
}
