package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestConnectRoutesWithoutConnect checks that a server built without the
// connect domain and the overview answers their routes 404, as it does
// for needs without engage.
func TestConnectRoutesWithoutConnect(t *testing.T) {
	_, h := newServer(t)
	for _, p := range []string{"/api/v1/coverage", "/api/v1/schools", "/api/v1/overview", "/api/v1/open/coverage.csv",
		"/api/v1/open/overview.json", "/api/v1/open/boundaries.json", "/overview", "/coverage", "/coverage/unconnected"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, rec.Code)
		}
	}
}
