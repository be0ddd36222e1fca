package demo_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/tide-project/tide/internal/analytics"
	"github.com/tide-project/tide/internal/demo"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/user"
)

// wiring is the services the demo writes through, wired as tide serve wires
// them, over a test database.
type wiring struct {
	db        *sqlstore.DB
	svc       demo.Services
	analytics *analytics.Service
	policies  *policy.Registry
}

func newWiring(tb testing.TB, db *sqlstore.DB) *wiring {
	tb.Helper()
	ctx := context.Background()
	sealer, err := secret.New(make([]byte, secret.KeyLen))
	if err != nil {
		tb.Fatal(err)
	}
	pols := policy.NewRegistry()
	an, err := analytics.New(ctx, db, db, pols, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("analytics: %v", err)
	}
	regions := region.NewService(db)
	regions.Watcher = an
	reg := registry.NewService(db, sealer, pols, an)
	return &wiring{db: db, analytics: an, policies: pols,
		svc: demo.Services{Regions: regions, Users: user.NewService(db), Registry: reg}}
}

// smallShape is a province of 2 counties, 8 villages and about 400 households.
var smallShape = demo.Shape{Prefectures: 1, CountiesPerPref: []int{2}, TownshipsPerCounty: 2, VillagesPerTownship: 2, Households: 400}

func generate(tb testing.TB, w *wiring, shape demo.Shape, seed uint64) *demo.Province {
	tb.Helper()
	p, err := demo.Generate(context.Background(), w.svc, shape, seed, "demo-pass-1", nil)
	if err != nil {
		tb.Fatalf("generate: %v", err)
	}
	return p
}
