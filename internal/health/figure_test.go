package health_test

import (
	"context"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/overview"
	"github.com/tide-project/tide/internal/sqlstore"
)

// TestConsultationsFigure counts the consultations the overview shows: those
// begun by the period's end, not the withdrawn ones, by the clinic's region.
func TestConsultationsFigure(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		r, c := b.assigned(t)
		b.assigned(t)
		count := func(region string, children []string, today time.Time) *overview.Series {
			t.Helper()
			q := overview.Query{Region: region, Children: children, Years: []int{2025, 2026}, Today: today}
			s, err := db.ConsultationsFigure(context.Background(), q)
			if err != nil {
				t.Fatalf("consultations figure: %v", err)
			}
			return s
		}
		later := c.Starts.AddDate(0, 1, 0)
		if s := count("52", []string{"522601", "522602"}, later); s.Values[0] != 0 || s.Values[1] != 2 || s.Children[0] != 2 || s.Children[1] != 0 {
			t.Errorf("a month on: %+v, want 2 in 2026, both in 522601", s)
		}
		if s := count("522602", nil, later); s.Values[1] != 0 {
			t.Errorf("the other county: %+v, want none", s)
		}
		if s := count("52", nil, c.Starts.Add(-time.Minute)); s.Values[1] != 0 {
			t.Errorf("before the consultations begin: %+v, want none held yet", s)
		}
		if _, err := b.svc.CancelRequest(as(b.staff), r.ID); err != nil {
			t.Fatal(err)
		}
		if s := count("52", nil, later); s.Values[1] != 1 {
			t.Errorf("after one is withdrawn: %+v, want 1", s)
		}
	})
}
