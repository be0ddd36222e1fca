package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/overview"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
)

// TestOverviewFigures counts the registry's figures by year and child
// region: four households of two persons registered in 2026, the first of
// which exits in June and goes on the monitoring list in August.
func TestOverviewFigures(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		regSeed(t, db)
		hs := regHouseholds(t, db, 4, registry.Assisted)
		exit := registry.StatusChange{From: registry.Assisted, To: registry.Exited, Reason: "exit", Actor: "test",
			At: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
		if err := db.SetStatus(ctx, hs[0], exit, audit.Change{Actor: "test", Action: "exit", Entity: "household", EntityID: hs[0].Ref}); err != nil {
			t.Fatal(err)
		}
		opened := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
		w := &registry.Watch{Household: hs[0].Ref, Region: hs[0].Village, Stage: registry.WatchFlagged, OpenedAt: opened}
		if err := db.CreateWatch(ctx, w, hs[0], &registry.StatusChange{From: registry.Exited, To: registry.Monitored, Reason: "flagged",
			Actor: "test", At: opened}, audit.Change{Actor: "test", Action: "watch", Entity: "household", EntityID: hs[0].Ref}); err != nil {
			t.Fatal(err)
		}
		q := overview.Query{Region: "9001", Children: []string{"900101", "900102"}, Years: []int{2025, 2026},
			Today: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
		tests := []struct {
			name     string
			figure   func(context.Context, overview.Query) (*overview.Series, error)
			values   []float64
			children []float64
			current  float64
		}{
			// hs[0] and hs[1] lie in 900101, hs[2] and hs[3] in 900102.
			{"Headcount", db.PoorPersonsFigure, []float64{0, 6}, []float64{2, 4}, -1},
			{"Exits", db.ExitsFigure, []float64{0, 1}, []float64{1, 0}, -1},
			{"Monitoring", db.MonitoringFigure, []float64{0, 1}, []float64{1, 0}, 1},
			{"MarketIncome", db.MarketIncomeFigure, []float64{0, 0}, []float64{0, 0}, -1},
			{"Donations", db.DonationsFigure, []float64{0, 0}, []float64{0, 0}, -1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s, err := tt.figure(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(s.Values, tt.values) || !slices.Equal(s.Children, tt.children) {
					t.Errorf("values %v, children %v; want %v, %v", s.Values, s.Children, tt.values, tt.children)
				}
				if (tt.current < 0) != (s.Current == nil) || (s.Current != nil && *s.Current != tt.current) {
					t.Errorf("current = %v, want %v", s.Current, tt.current)
				}
			})
		}
		// Before the exit, at the end of May, all eight persons were poor.
		q.Today = time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)
		if s, err := db.PoorPersonsFigure(ctx, q); err != nil || s.Values[1] != 8 {
			t.Errorf("headcount on 31 May = %v, %v; want 8", s, err)
		}
	})
}
