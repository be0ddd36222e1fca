package connect

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

// Service applies the rules of connectivity and the caller's scope.
type Service struct {
	store Store
	Now   func() time.Time
}

// NewService returns a connect service over store.
func NewService(s Store) *Service { return &Service{store: s, Now: time.Now} }

// Reporters report villages' connections, officials keep the list of
// schools, readers read reports, schools and classes in their scope, and
// schoolReaders add a school's own account, which reads its own.
var (
	reporters     = []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar}
	officials     = []tide.Role{tide.RoleAdmin, tide.RoleCounty}
	readers       = []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar}
	schoolReaders = []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar, tide.RoleSchool}
)

func actorWith(ctx context.Context, what string, roles ...tide.Role) (*tide.Actor, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to %s", what)
	}
	if !a.HasAny(roles...) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "your role may not %s", what)
	}
	return a, nil
}

// Today is the service's date, YYYY-MM-DD.
func (s *Service) Today() string { return s.Now().UTC().Format(time.DateOnly) }

// Report stores village reports, all or none: each must be valid, name a
// village in the caller's scope, and the store must find the village.
func (s *Service) Report(ctx context.Context, rs []*Report) error {
	a, err := actorWith(ctx, "report villages' connections", reporters...)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if err := r.Validate(); err != nil {
			return err
		}
		if !a.Sees(r.Village) {
			return tide.Invalid("village", "village %s is not in your area", r.Village)
		}
	}
	id := ""
	if len(rs) == 1 {
		id = rs[0].Village
	}
	return s.store.SaveReports(ctx, rs, audit.Change{Actor: a.Name, Action: "report", Entity: "connection", EntityID: id,
		After: map[string]any{"reports": len(rs)}})
}

// History returns a village's reports, oldest first, to readers whose scope
// holds it.
func (s *Service) History(ctx context.Context, village string) ([]*Report, error) {
	a, err := actorWith(ctx, "read connection reports", readers...)
	if err != nil {
		return nil, err
	}
	if !a.Sees(village) {
		return nil, tide.NotFound("region")
	}
	return s.store.FindReports(ctx, village)
}

// Coverage counts a region's coverage on day (today when empty). It is an
// aggregate anyone may read: the lists name villages and schools, never a
// person. lists asks for the unconnected villages and schools.
func (s *Service) Coverage(ctx context.Context, code, day string, lists bool) (*Coverage, error) {
	if day == "" {
		day = s.Today()
	} else if !validDate(day) {
		return nil, tide.Invalid("on", "on must be a date such as 2020-12-31")
	}
	name, schools, children, err := s.coverageOf(ctx, code)
	if err != nil {
		return nil, err
	}
	villages, err := s.store.VillageStates(ctx, code, day)
	if err != nil {
		return nil, err
	}
	return Cover(code, name, day, villages, schools, children, lists), nil
}

// CoverageSeries counts a region's coverage on each of days, from one read
// of its villages' histories, for trends.
func (s *Service) CoverageSeries(ctx context.Context, code string, days []string) ([]*Coverage, error) {
	for _, d := range days {
		if !validDate(d) {
			return nil, tide.Invalid("on", "%q is not a date such as 2020-12-31", d)
		}
	}
	name, schools, children, err := s.coverageOf(ctx, code)
	if err != nil {
		return nil, err
	}
	hist, err := s.store.VillageHistories(ctx, code)
	if err != nil {
		return nil, err
	}
	out := make([]*Coverage, len(days))
	states := make([]VillageState, len(hist))
	for i, day := range days {
		for j, h := range hist {
			states[j] = VillageState{Code: h.Code, Name: h.Name, Report: h.On(day)}
		}
		out[i] = Cover(code, name, day, states, schools, children, false)
	}
	return out, nil
}

// coverageOf reads what coverage counts besides the villages: the region's
// name, its schools and its children.
func (s *Service) coverageOf(ctx context.Context, code string) (name string, schools []*School, children []Place, err error) {
	if code != "" {
		r, err := s.store.FindRegion(ctx, code)
		if err != nil {
			return "", nil, nil, err
		}
		name = r.Name
	}
	if schools, err = s.allSchools(ctx, code); err != nil {
		return "", nil, nil, err
	}
	kids, _, err := s.store.FindRegions(ctx, region.Filter{Parent: &code, Limit: 1000})
	if err != nil {
		return "", nil, nil, err
	}
	children = make([]Place, len(kids))
	for i, k := range kids {
		children[i] = Place{Code: k.Code, Name: k.Name}
	}
	return name, schools, children, nil
}

func (s *Service) allSchools(ctx context.Context, prefix string) ([]*School, error) {
	var out []*School
	for {
		page, total, err := s.store.FindSchools(ctx, SchoolFilter{Prefix: prefix, Offset: len(out), Limit: 1000})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

// SaveSchools creates or updates schools, all or none; admins and county
// officers within their scope.
func (s *Service) SaveSchools(ctx context.Context, ss []*School) error {
	a, err := actorWith(ctx, "keep the list of schools", officials...)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	for _, sc := range ss {
		if err := sc.Validate(); err != nil {
			return err
		}
		if !a.Sees(sc.Region) {
			return tide.Invalid("region", "region %s is not in your area", sc.Region)
		}
		sc.UpdatedAt = now
	}
	id := ""
	if len(ss) == 1 {
		id = ss[0].Code
	}
	return s.store.SaveSchools(ctx, ss, audit.Change{Actor: a.Name, Action: "save", Entity: "school", EntityID: id,
		After: map[string]any{"schools": len(ss)}})
}

// SchoolConnection is what a school reports of its own connection.
type SchoolConnection struct {
	Students   int    `json:"students"`
	Teachers   int    `json:"teachers"`
	Connection Link   `json:"connection"`
	Bandwidth  int    `json:"bandwidth_mbps"`
	Devices    int    `json:"devices"`
	Since      string `json:"since"`
}

// ReportSchool records a school's connection, reported by the school's own
// account or by an official whose scope holds it.
func (s *Service) ReportSchool(ctx context.Context, code string, in SchoolConnection) (*School, error) {
	a, err := actorWith(ctx, "report a school's connection", tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)
	if err != nil {
		return nil, err
	}
	sc, err := s.schoolFor(ctx, a, code)
	if err != nil {
		return nil, err
	}
	before := *sc
	sc.Students, sc.Teachers, sc.Connection, sc.Bandwidth, sc.Devices, sc.Since =
		in.Students, in.Teachers, in.Connection, in.Bandwidth, in.Devices, strings.TrimSpace(in.Since)
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	sc.UpdatedAt = s.Now().UTC()
	c := audit.Change{Actor: a.Name, Action: "report", Entity: "school", EntityID: sc.Code, Before: &before, After: sc}
	return sc, s.store.SaveSchools(ctx, []*School{sc}, c)
}

// schoolFor finds a school the actor may act for: its own account, or an
// official whose scope holds it. Any other is not found.
func (s *Service) schoolFor(ctx context.Context, a *tide.Actor, code string) (*School, error) {
	sc, err := s.store.FindSchool(ctx, code)
	if err != nil {
		return nil, err
	}
	own := a.Has(tide.RoleSchool) && sc.Account == a.UserID && sc.Account != 0
	if !own && !(a.HasAny(readers...) && a.Sees(sc.Region)) {
		return nil, tide.NotFound("school")
	}
	return sc, nil
}

// School returns one school to its own account or a reader in scope.
func (s *Service) School(ctx context.Context, code string) (*School, error) {
	a, err := actorWith(ctx, "read schools", schoolReaders...)
	if err != nil {
		return nil, err
	}
	return s.schoolFor(ctx, a, code)
}

// Schools lists the schools the caller may see: a school account sees its
// own, readers those in their scope.
func (s *Service) Schools(ctx context.Context, f SchoolFilter) ([]*School, int, error) {
	a, err := actorWith(ctx, "read schools", schoolReaders...)
	if err != nil {
		return nil, 0, err
	}
	if !a.HasAny(readers...) {
		f.Account = a.UserID
	}
	if !strings.HasPrefix(f.Prefix, a.Scope) {
		f.Prefix = a.Scope
	}
	f.Limit = tide.ClampLimit(f.Limit)
	return s.store.FindSchools(ctx, f)
}

// newID returns a ULID: ordered by time, not guessable.
func newID() string {
	var id ulid.ULID
	if err := id.SetTime(ulid.Now()); err != nil {
		panic(err)
	}
	binary.BigEndian.PutUint64(id[6:14], rand.Uint64())
	binary.BigEndian.PutUint16(id[14:16], uint16(rand.Uint32()))
	return strings.ToLower(id.String())
}
