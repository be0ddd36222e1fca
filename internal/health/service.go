package health

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Sealer encrypts a patient's details at rest.
type Sealer interface {
	Seal(plain string) string
	Open(sealed string) (string, error)
}

// Service applies the rules of consultation and the caller's scope. Set its
// exported fields before it serves.
type Service struct {
	store  Store
	sealer Sealer
	Now    func() time.Time
	// Zone is the time zone of specialists' hours.
	Zone *time.Location
	// AttachmentDir holds the attachments' files.
	AttachmentDir string
	// Costs weigh the optimiser's choices.
	Costs Costs
	// Horizon is how far ahead the optimiser offers slots.
	Horizon time.Duration
	// RoomBefore and RoomAfter open a video room before the appointment
	// and close it after the appointment's start.
	RoomBefore, RoomAfter time.Duration
	// OnError is told of a failed scheduled run.
	OnError func(error)
}

// NewService returns a health service over store sealing patients with sealer.
func NewService(s Store, sealer Sealer) *Service {
	return &Service{store: s, sealer: sealer, Now: time.Now, Zone: time.UTC, Costs: DefaultCosts,
		Horizon: 7 * 24 * time.Hour, RoomBefore: 15 * time.Minute, RoomAfter: 60 * time.Minute}
}

// WithClock returns a copy of the service that reads the time from now; the
// demo files a past week's requests with one.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.Now = now
	return &c
}

// Bounds of what people type.
const (
	MaxName      = 100
	MaxComplaint = 2000
	MaxRecord    = 4000
	MaxWindows   = 20
	MaxHours     = 50
	MaxFollowUps = 10
)

// Who may do what.
var (
	officials = []tide.Role{tide.RoleAdmin, tide.RoleCounty}
	analysts  = []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty}
)

func signedIn(ctx context.Context, what string) (*tide.Actor, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to %s", what)
	}
	return a, nil
}

func official(ctx context.Context, what string) (*tide.Actor, error) {
	a, err := signedIn(ctx, what)
	if err != nil {
		return nil, err
	}
	if !a.HasAny(officials...) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only a county officer or an admin may %s", what)
	}
	return a, nil
}

// CreateClinic registers a clinic in the official's area with the accounts
// that act for it.
func (s *Service) CreateClinic(ctx context.Context, c *Clinic) error {
	a, err := official(ctx, "register clinics")
	if err != nil {
		return err
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || utf8.RuneCountInString(c.Name) > MaxName {
		return tide.Invalid("name", "name must have 1 to %d characters", MaxName)
	}
	if !slices.Contains(ClinicLevels, c.Level) {
		return tide.Invalid("level", "level must be village_clinic, township_centre or county_hospital")
	}
	if c.Region == "" {
		return tide.Invalid("region", "region is required")
	}
	if !a.Sees(c.Region) {
		return tide.Invalid("region", "region %s is not in your area", c.Region)
	}
	slices.Sort(c.Staff)
	c.Staff = slices.Compact(c.Staff)
	c.ID, c.CreatedAt = NewID(), s.Now().UTC()
	return s.store.CreateClinic(ctx, c, audit.Change{Actor: a.Name, Action: "create", Entity: "clinic", EntityID: c.ID, After: c})
}

// Clinics lists the clinics the actor may see: an official's or analyst's
// area, or the clinics a staff member works for.
func (s *Service) Clinics(ctx context.Context, f ClinicFilter) ([]*Clinic, int, error) {
	a, err := signedIn(ctx, "see clinics")
	if err != nil {
		return nil, 0, err
	}
	switch {
	case a.HasAny(analysts...):
		f.Prefix = narrow(a.Scope, f.Prefix)
	case a.Has(tide.RoleClinic):
		f.Staff = a.UserID
	default:
		return nil, 0, tide.Errorf(tide.EFORBIDDEN, "your role may not see clinics")
	}
	f.Limit = tide.ClampLimit(f.Limit)
	return s.store.FindClinics(ctx, f)
}

// narrow returns the longer of scope and prefix when one lies inside the
// other, so a filter never reaches past the scope.
func narrow(scope, prefix string) string {
	if strings.HasPrefix(prefix, scope) {
		return prefix
	}
	return scope
}

// myClinics returns the IDs of the clinics the actor works for.
func (s *Service) myClinics(ctx context.Context, a *tide.Actor) ([]string, error) {
	if !a.Has(tide.RoleClinic) {
		return nil, nil
	}
	cs, _, err := s.store.FindClinics(ctx, ClinicFilter{Staff: a.UserID, Limit: 500})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids, nil
}

// CreateSpecialist makes an account a specialist with their specialties,
// languages and hours.
func (s *Service) CreateSpecialist(ctx context.Context, sp *Specialist) error {
	a, err := official(ctx, "register specialists")
	if err != nil {
		return err
	}
	if sp.UserID <= 0 {
		return tide.Invalid("user_id", "user_id names the specialist's account")
	}
	if sp.Region == "" || !a.Sees(sp.Region) {
		return tide.Invalid("region", "the hospital's region must be in your area")
	}
	if err := sp.validate(); err != nil {
		return err
	}
	sp.ID, sp.CreatedAt = NewID(), s.Now().UTC()
	return s.store.CreateSpecialist(ctx, sp, audit.Change{Actor: a.Name, Action: "create", Entity: "specialist", EntityID: sp.ID, After: sp})
}

// UpdateSpecialist replaces the specialties, languages and hours of a
// specialist; the specialist themself or an official whose area holds the
// hospital may.
func (s *Service) UpdateSpecialist(ctx context.Context, id string, specialties, languages []string, hours []Hours) (*Specialist, error) {
	a, err := signedIn(ctx, "change a specialist's hours")
	if err != nil {
		return nil, err
	}
	sp, err := s.store.FindSpecialist(ctx, id)
	if err != nil {
		return nil, err
	}
	if sp.UserID != a.UserID && !(a.HasAny(officials...) && a.Sees(sp.Region)) {
		return nil, tide.NotFound("specialist")
	}
	before, _ := json.Marshal(sp)
	sp.Specialties, sp.Languages, sp.Hours = specialties, languages, hours
	if err := sp.validate(); err != nil {
		return nil, err
	}
	c := audit.Change{Actor: a.Name, Action: "update", Entity: "specialist", EntityID: sp.ID, Before: json.RawMessage(before), After: sp}
	if err := s.store.UpdateSpecialist(ctx, sp, c); err != nil {
		return nil, err
	}
	return sp, nil
}

func (sp *Specialist) validate() error {
	sp.Name, sp.Hospital = strings.TrimSpace(sp.Name), strings.TrimSpace(sp.Hospital)
	if sp.Name == "" || utf8.RuneCountInString(sp.Name) > MaxName {
		return tide.Invalid("name", "name must have 1 to %d characters", MaxName)
	}
	if sp.Hospital == "" || utf8.RuneCountInString(sp.Hospital) > MaxName {
		return tide.Invalid("hospital", "hospital must have 1 to %d characters", MaxName)
	}
	if len(sp.Specialties) == 0 {
		return tide.Invalid("specialties", "name at least one specialty")
	}
	for i, x := range sp.Specialties {
		if !ValidSpecialty(x) {
			return tide.Invalid(fmt.Sprintf("specialties[%d]", i), "unknown specialty %q", x)
		}
	}
	if len(sp.Languages) == 0 {
		return tide.Invalid("languages", "name at least one language")
	}
	for i, l := range sp.Languages {
		if !validLanguage(l) {
			return tide.Invalid(fmt.Sprintf("languages[%d]", i), "a language is a code such as zh, en or hmn, not %q", l)
		}
	}
	slices.Sort(sp.Specialties)
	sp.Specialties = slices.Compact(sp.Specialties)
	slices.Sort(sp.Languages)
	sp.Languages = slices.Compact(sp.Languages)
	if len(sp.Hours) > MaxHours {
		return tide.Invalid("hours", "at most %d blocks of hours", MaxHours)
	}
	for i := range sp.Hours {
		if err := sp.Hours[i].validate(fmt.Sprintf("hours[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

// validLanguage accepts a language code of two or three lowercase letters,
// optionally with a region or script ("zh", "hmn", "zh-Hans").
func validLanguage(l string) bool {
	base, _, _ := strings.Cut(l, "-")
	if len(base) < 2 || len(base) > 3 || len(l) > 12 {
		return false
	}
	for _, c := range base {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func (h *Hours) validate(field string) error {
	if h.Weekday < time.Sunday || h.Weekday > time.Saturday {
		return tide.Invalid(field+".weekday", "weekday is 0 (Sunday) to 6 (Saturday)")
	}
	start, ok1 := clock(h.Start)
	end, ok2 := clock(h.End)
	if !ok1 {
		return tide.Invalid(field+".start", "start is a time such as 09:00")
	}
	if !ok2 || end <= start {
		return tide.Invalid(field+".end", "end is a time such as 12:00, after start")
	}
	if h.SlotMinutes < 10 || h.SlotMinutes > 240 {
		return tide.Invalid(field+".slot_minutes", "a slot lasts 10 to 240 minutes")
	}
	if (end-start)%h.SlotMinutes != 0 {
		return tide.Invalid(field+".slot_minutes", "the hours must split into whole slots of %d minutes", h.SlotMinutes)
	}
	if h.Capacity < 1 || h.Capacity > 20 {
		return tide.Invalid(field+".capacity", "a slot takes 1 to 20 patients")
	}
	return nil
}

// clock reads "HH:MM" as minutes after midnight.
func clock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// Specialists lists specialists for officials, analysts, clinics and
// specialists alike: their offer is no secret within Tide.
func (s *Service) Specialists(ctx context.Context, f SpecialistFilter) ([]*Specialist, int, error) {
	a, err := signedIn(ctx, "see specialists")
	if err != nil {
		return nil, 0, err
	}
	if !a.HasAny(tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleClinic, tide.RoleSpecialist) {
		return nil, 0, tide.Errorf(tide.EFORBIDDEN, "your role may not see specialists")
	}
	f.Limit = tide.ClampLimit(f.Limit)
	return s.store.FindSpecialists(ctx, f)
}

// Me returns the specialist the actor is, or ENOTFOUND.
func (s *Service) Me(ctx context.Context) (*Specialist, error) {
	a, err := signedIn(ctx, "see your hours")
	if err != nil {
		return nil, err
	}
	return s.store.FindSpecialistByUser(ctx, a.UserID)
}
