package main

import (
	"net/http"
	"testing"
)

// TestServeEngage checks that the server holds needs and donations, paid
// through the market's own provider instance.
func TestServeEngage(t *testing.T) {
	m := startDemo(t, "")
	if m.Engage == nil || m.Engage.Payments == nil || m.Engage.Payments != m.Market.Payments {
		t.Fatalf("engage payments = %v, want the market's provider %v", m.Engage, m.Market.Payments)
	}
	base := m.URL()
	if status, body := call(t, base, "", "GET", "/api/v1/needs", ""); status != http.StatusOK {
		t.Errorf("GET /api/v1/needs: %d %s, want 200", status, body)
	}
	var rep struct{ OK bool }
	getJSON(t, base, login(t, base, "admin"), "/api/v1/ledger/verify", &rep)
	if !rep.OK {
		t.Errorf("ledger of a fresh server is not ok")
	}
	// The demo delivers some of its orders, so the overview sees market
	// income reaching registered households.
	var ov struct {
		Figures []struct {
			Key   string
			Value float64
		}
	}
	getJSON(t, base, "", "/api/v1/open/overview.json", &ov)
	income := -1.0
	for _, f := range ov.Figures {
		if f.Key == "market_income" {
			income = f.Value
		}
	}
	if income <= 0 {
		t.Errorf("market income in the overview = %v, want the demo's delivered orders credited", income)
	}
}
