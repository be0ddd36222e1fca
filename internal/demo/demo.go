// Package demo generates a fictional province, deterministically from a seed,
// so a newcomer sees every page alive. Each domain adds its step to Steps as
// it arrives (households, sellers, clinics, schools …); a step sees what the
// earlier ones made through the Province value.
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// Shape sets the size of the generated province.
type Shape struct {
	Prefectures         int
	CountiesPerPref     []int // counties in each prefecture
	TownshipsPerCounty  int
	VillagesPerTownship int
	// Households is about how many poor households are registered, spread
	// unevenly over the villages; 0 registers none.
	Households int
}

// DefaultShape is about 3 prefectures, 10 counties, 100 townships, 1,000
// villages and 50,000 households.
var DefaultShape = Shape{Prefectures: 3, CountiesPerPref: []int{4, 3, 3}, TownshipsPerCounty: 10, VillagesPerTownship: 10,
	Households: 50_000}

// ProvinceCode is the demo province's code; "90" belongs to no real province.
const ProvinceCode = "90"

// Services are what the generator writes through, so demo data passes the
// same rules and audit as any other.
type Services struct {
	Regions  *region.Service
	Users    *user.Service
	Registry *registry.Service
	// Market, when set, gets the demo sellers, products and a live room.
	Market *market.Service
	// Engage, when set with Market, gets the demo needs, donations, likes
	// and members of the public.
	Engage *engage.Service
	// Connect, when set, gets the villages' connections, the schools and
	// remote classes; Boundaries, when set, the regions' shapes.
	Connect    *connect.Service
	Boundaries *geo.Service
	// Health, when set, gets the demo clinics, specialists and a week of
	// consultations.
	Health *health.Service
	// Out, when set, gets a one-line summary from the steps that make people.
	Out io.Writer
}

// Province is what the generator made, for later steps and for printing.
type Province struct {
	Seed     uint64
	Password string
	Shape    Shape
	Regions  []*region.Region
	Counties []*region.Region
	Villages []*region.Region
	Accounts []Account
	// UserIDs holds each demo account's ID by name.
	UserIDs map[string]int64

	// What the households step made.
	Households, Persons int
	ByStatus            map[registry.Status]int
	PoorFirstYear       int // households below cn-2020's line in their first year
	PoorNow             int // and today
	Measures            int // assistance measures recorded
	ExitsApproved       int
	ExitsOpen           int // exits under way today
	Flagged             int // households the return-to-poverty screen listed

	// What the market step made.
	Sellers  []*market.Seller
	Products []*market.Product
	LiveRoom *market.Room

	// What the connect step made.
	Schools, Classes int
}

// Account is one demo user.
type Account struct {
	Name  string
	Role  tide.Role
	Scope string
}

// Step is one stage of the generator.
type Step struct {
	Name string
	Run  func(ctx context.Context, rng *rand.Rand, svc Services, p *Province) error
}

// Steps run in order. Later domains append theirs.
var Steps = []Step{
	{Name: "regions", Run: makeRegions},
	{Name: "users", Run: makeUsers},
	{Name: "households", Run: makeHouseholds},
	{Name: "market", Run: makeMarket},
	{Name: "engage", Run: makeEngage},
	{Name: "connect", Run: makeConnect},
	{Name: "health", Run: makeHealth},
}

// Generate builds the demo province with the given seed and password (a
// random one when empty), reporting each step to progress when not nil.
func Generate(ctx context.Context, svc Services, shape Shape, seed uint64, password string, progress func(step string)) (*Province, error) {
	if password == "" {
		password = user.RandomPassword()
	}
	ctx = tide.WithActor(ctx, tide.System)
	p := &Province{Seed: seed, Password: password, Shape: shape}
	rng := rand.New(rand.NewPCG(seed, seed^0x7469646564656d6f))
	p.Regions = buildTree(rng, shape)
	for _, st := range Steps {
		if progress != nil {
			progress(st.Name)
		}
		if err := st.Run(ctx, rng, svc, p); err != nil {
			return nil, fmt.Errorf("demo %s: %w", st.Name, err)
		}
	}
	return p, nil
}

func makeRegions(ctx context.Context, _ *rand.Rand, svc Services, p *Province) error {
	for _, r := range p.Regions {
		switch r.Level {
		case region.County:
			p.Counties = append(p.Counties, r)
		case region.Village:
			p.Villages = append(p.Villages, r)
		}
	}
	return svc.Regions.CreateAll(ctx, p.Regions)
}

func makeUsers(ctx context.Context, _ *rand.Rand, svc Services, p *Province) error {
	c1, c2 := p.Counties[0].Code, p.Counties[len(p.Counties)-1].Code
	township := c1 + "001"
	village := township + "001"
	p.Accounts = []Account{
		{"admin", tide.RoleAdmin, ""},
		{"analyst", tide.RoleAnalyst, ""},
		{"county1", tide.RoleCounty, c1},
		{"county2", tide.RoleCounty, c2},
		{"registrar1", tide.RoleRegistrar, township},
		{"seller1", tide.RoleSeller, village},
		{"clinic1", tide.RoleClinic, township},
		{"specialist1", tide.RoleSpecialist, ProvinceCode},
		{"school1", tide.RoleSchool, village},
		{"public1", tide.RolePublic, ""},
	}
	p.UserIDs = map[string]int64{}
	for _, a := range p.Accounts {
		u, err := svc.Users.Create(ctx, user.NewUser{Name: a.Name, DisplayName: a.Name, Password: p.Password,
			Roles: []tide.Role{a.Role}, Scope: a.Scope})
		if err != nil {
			return fmt.Errorf("user %s: %w", a.Name, err)
		}
		p.UserIDs[a.Name] = u.ID
	}
	return nil
}
