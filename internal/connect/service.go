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

// The roles that report villages' connections and keep the list of schools.
var (
	reporters = []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar}
	officials = []tide.Role{tide.RoleAdmin, tide.RoleCounty}
	readers   = []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar}
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
	a, err := actorWith(ctx, "read schools", append(readers, tide.RoleSchool)...)
	if err != nil {
		return nil, err
	}
	return s.schoolFor(ctx, a, code)
}

// Schools lists the schools the caller may see: a school account sees its
// own, readers those in their scope.
func (s *Service) Schools(ctx context.Context, f SchoolFilter) ([]*School, int, error) {
	a, err := actorWith(ctx, "read schools", append(readers, tide.RoleSchool)...)
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

// CreateClass schedules a remote class given by a school: by the school's
// own account or an official whose scope holds it.
func (s *Service) CreateClass(ctx context.Context, c *Class) error {
	a, err := actorWith(ctx, "schedule remote classes", tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	host, err := s.schoolFor(ctx, a, c.Host)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return tide.Invalid("host", "school %s is not one you may schedule classes for", c.Host)
	} else if err != nil {
		return err
	}
	c.ID, c.Region, c.Classrooms = newID(), host.Region, nil
	c.Starts = c.Starts.UTC().Truncate(time.Minute)
	return s.store.CreateClass(ctx, c, audit.Change{Actor: a.Name, Action: "create", Entity: "class", EntityID: c.ID, After: c})
}

// Join adds a school's classroom to a class.
func (s *Service) Join(ctx context.Context, id, school string) (*Class, error) {
	a, err := actorWith(ctx, "join remote classes", tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)
	if err != nil {
		return nil, err
	}
	if _, err := s.schoolFor(ctx, a, school); tide.ErrorCode(err) == tide.ENOTFOUND {
		return nil, tide.Invalid("school", "school %s is not one you may act for", school)
	} else if err != nil {
		return nil, err
	}
	c, err := s.store.FindClass(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Host == school {
		return nil, tide.Invalid("school", "the host school gives the class; it does not join it")
	}
	ch := audit.Change{Actor: a.Name, Action: "join", Entity: "class", EntityID: id, After: map[string]any{"school": school}}
	if err := s.store.JoinClass(ctx, id, school, ch); err != nil {
		return nil, err
	}
	return s.store.FindClass(ctx, id)
}

// Attend records how many pupils of a joined classroom attended, reported
// by that school, the host school or an official in scope.
func (s *Service) Attend(ctx context.Context, id, school string, pupils int) (*Class, error) {
	a, err := actorWith(ctx, "record attendance", tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)
	if err != nil {
		return nil, err
	}
	if pupils < 0 || pupils > MaxPeople {
		return nil, tide.Invalid("attended", "attended must be 0 to %d pupils", MaxPeople)
	}
	c, err := s.store.FindClass(ctx, id)
	if err != nil {
		return nil, err
	}
	_, errSchool := s.schoolFor(ctx, a, school)
	_, errHost := s.schoolFor(ctx, a, c.Host)
	if errSchool != nil && errHost != nil {
		return nil, tide.NotFound("class")
	}
	ch := audit.Change{Actor: a.Name, Action: "attend", Entity: "class", EntityID: id,
		After: map[string]any{"school": school, "attended": pupils}}
	if err := s.store.RecordAttendance(ctx, id, school, pupils, ch); err != nil {
		return nil, err
	}
	return s.store.FindClass(ctx, id)
}

// Timetable returns the classes a school gives or joins from a day on, for
// a week or more, to the school's account or a reader in scope.
func (s *Service) Timetable(ctx context.Context, school string, from time.Time, days int) ([]*Class, error) {
	a, err := actorWith(ctx, "read timetables", append(readers, tide.RoleSchool)...)
	if err != nil {
		return nil, err
	}
	if _, err := s.schoolFor(ctx, a, school); err != nil {
		return nil, err
	}
	if days <= 0 || days > 366 {
		days = 7
	}
	return s.store.FindClasses(ctx, ClassFilter{School: school, From: from, To: from.AddDate(0, 0, days), Limit: 500})
}

// Classes lists classes hosted under a region prefix in a period, with
// their attendance, to readers in scope; a school account sees every
// class, to find those its classroom may join.
func (s *Service) Classes(ctx context.Context, prefix string, from, to time.Time) ([]*Class, error) {
	a, err := actorWith(ctx, "read remote classes", append(readers, tide.RoleSchool)...)
	if err != nil {
		return nil, err
	}
	if a.HasAny(readers...) && !strings.HasPrefix(prefix, a.Scope) {
		prefix = a.Scope
	}
	return s.store.FindClasses(ctx, ClassFilter{Prefix: prefix, From: from, To: to, Limit: 500})
}

// Class returns one class to its host, a joined school's account or a
// reader in scope.
func (s *Service) Class(ctx context.Context, id string) (*Class, error) {
	a, err := actorWith(ctx, "read remote classes", append(readers, tide.RoleSchool)...)
	if err != nil {
		return nil, err
	}
	c, err := s.store.FindClass(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.HasAny(readers...) && a.Sees(c.Region) {
		return c, nil
	}
	for _, code := range append([]string{c.Host}, classroomSchools(c)...) {
		if _, err := s.schoolFor(ctx, a, code); err == nil {
			return c, nil
		}
	}
	return nil, tide.NotFound("class")
}

func classroomSchools(c *Class) []string {
	out := make([]string, len(c.Classrooms))
	for i, r := range c.Classrooms {
		out[i] = r.School
	}
	return out
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
