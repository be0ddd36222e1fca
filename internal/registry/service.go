package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Sealer encrypts ID numbers and hashes them for lookup.
type Sealer interface {
	SealBytes(plain string) []byte
	OpenBytes(sealed []byte) (string, error)
	Hash(plain string) string
}

// Filter selects households.
type Filter struct {
	Prefix   string // region code prefix; scope is applied on top
	Status   Status
	Name     string // a member's name contains
	IDNumber string // exact, found through the keyed hash
	Phone    string // normalised match
	Offset   int
	Limit    int
}

// StoreFilter is Filter as the store sees it: hashes, not numbers.
type StoreFilter struct {
	Prefix, Name, IDHash, PhoneNorm string
	Status                          Status
	Offset, Limit                   int
}

// Duplicate is an existing member found by ID hash or phone.
type Duplicate struct {
	Hash      string // the ID hash or normalised phone that matched
	Household string // its household's ref
	Region    string
}

// StatusChange is one step of a household's history.
type StatusChange struct {
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// Store persists the registry. Every write appends its audit changes in the
// same transaction.
type Store interface {
	RegionLevel(ctx context.Context, code string) (string, error)
	CreateHouseholds(ctx context.Context, hs []*Household, changes []audit.Change) error
	UpdateHousehold(ctx context.Context, h *Household, c audit.Change) error
	FindHousehold(ctx context.Context, ref string) (*Household, error)
	FindHouseholds(ctx context.Context, f StoreFilter) ([]*Household, int, error)
	FindDuplicates(ctx context.Context, idHashes, phones []string) ([]Duplicate, error)
	SetStatus(ctx context.Context, h *Household, sc StatusChange, c audit.Change) error
	FindHistory(ctx context.Context, householdID int64) ([]StatusChange, error)
	CountByStatus(ctx context.Context, prefix string) (map[Status]int, error)
	EachHousehold(ctx context.Context, fn func(*Household) error) error
}

// Watcher is told of every household change, so the measure index stays current.
type Watcher interface {
	HouseholdChanged(h *Household)
}

// Service applies the registry's rules and the caller's scope.
type Service struct {
	store   FullStore
	sealer  Sealer
	watcher Watcher
	Now     func() time.Time
	// PostingDays is how long an exit is publicly posted before the county
	// may approve it.
	PostingDays int
	// ExitPolicy is the policy exits are assessed against.
	ExitPolicy string
	policies   Policies
}

// NewService returns a registry service.
func NewService(s FullStore, sealer Sealer, policies Policies, w Watcher) *Service {
	return &Service{store: s, sealer: sealer, policies: policies, watcher: w, Now: time.Now, PostingDays: 7, ExitPolicy: "cn-2020"}
}

// WithClock returns a copy of the service that reads the time from now; the
// copy shares everything else. The demo replays a campaign's years with one,
// and tests move time with one.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.Now = now
	return &c
}

// Who may do what.
var (
	readers  = []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar}
	writers  = []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar}
	idViewer = []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar}
)

func actorWith(ctx context.Context, roles []tide.Role, what string) (*tide.Actor, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to %s", what)
	}
	if !a.HasAny(roles...) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "your role may not %s", what)
	}
	return a, nil
}

// NewRef returns a household reference: a ULID, time-ordered and not guessable.
func NewRef() string {
	var b [ulid.EncodedSize]byte
	id := ulid.Make()
	id.MarshalTextTo(b[:])
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b[:])
}

// Create registers a household with its members.
func (s *Service) Create(ctx context.Context, h *Household) error {
	return s.CreateMany(ctx, []*Household{h}, nil)
}

// CreateMany registers households in one transaction, or none; it is what
// imports use. rowOf, when given, names each household's place in a file for
// errors. The households are checked, sealed and turned into audit entries on
// every processor, so a batch of thousands is bound by the store alone.
func (s *Service) CreateMany(ctx context.Context, hs []*Household, rowOf func(i int) string) error {
	a, err := actorWith(ctx, writers, "register households")
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	levels, err := s.villageLevels(ctx, a, hs)
	if err != nil {
		return err
	}
	errs := make([]error, len(hs))
	each(len(hs), func(i int) { errs[i] = s.prepare(ctx, a, hs[i], now, levels) })
	for i, err := range errs {
		if err != nil {
			if rowOf != nil {
				return fmt.Errorf("%s: %w", rowOf(i), err)
			}
			return err
		}
	}
	for _, h := range hs {
		h.Ref, h.Status, h.CreatedAt, h.UpdatedAt = NewRef(), Identified, now, now
	}
	// The audit entries' JSON is made here, in parallel, rather than in the
	// store's transaction; it is the same JSON either way.
	changes := make([]audit.Change, len(hs))
	each(len(hs), func(i int) {
		h := hs[i]
		var after any = auditView(h)
		if b, err := json.Marshal(after); err == nil {
			after = json.RawMessage(b)
		}
		changes[i] = audit.Change{Actor: a.Name, Action: "create", Entity: "household", EntityID: h.Ref, After: after}
	})
	if err := s.checkDuplicates(ctx, hs, nil); err != nil {
		return err
	}
	if err := s.store.CreateHouseholds(ctx, hs, changes); err != nil {
		return err
	}
	for _, h := range hs {
		s.notify(h)
	}
	return nil
}

// each calls fn(i) for i in [0, n): inline for a few, on every processor
// for many.
func each(n int, fn func(i int)) {
	if n < 64 {
		for i := range n {
			fn(i)
		}
		return
	}
	parallel(n, fn, nil)
}

// villageLevels looks up, once each, the level of every village of hs that
// the actor may register in; a village that does not exist gets "".
func (s *Service) villageLevels(ctx context.Context, a *tide.Actor, hs []*Household) (map[string]string, error) {
	levels := map[string]string{}
	for _, h := range hs {
		h.Village = strings.TrimSpace(h.Village)
		if _, ok := levels[h.Village]; ok || h.Village == "" || !a.Sees(h.Village) {
			continue
		}
		level, err := s.store.RegionLevel(ctx, h.Village)
		if err != nil && tide.ErrorCode(err) != tide.ENOTFOUND {
			return nil, err
		}
		levels[h.Village] = level
	}
	return levels, nil
}

// prepare validates h, checks its village is a village in scope, and seals
// its ID numbers. levels, when not nil, holds the levels of the villages
// (from villageLevels); otherwise the store is asked.
func (s *Service) prepare(ctx context.Context, a *tide.Actor, h *Household, now time.Time, levels map[string]string) error {
	h.Village = strings.TrimSpace(h.Village)
	if err := h.Validate(now); err != nil {
		return err
	}
	if !a.Sees(h.Village) {
		return tide.Invalid("village", "village %s is not in your area", h.Village)
	}
	level, ok := levels[h.Village]
	if !ok {
		var err error
		if level, err = s.store.RegionLevel(ctx, h.Village); err != nil && tide.ErrorCode(err) != tide.ENOTFOUND {
			return err
		}
	}
	if level == "" {
		return tide.Invalid("village", "village %s does not exist", h.Village)
	}
	if level != "village" {
		return tide.Invalid("village", "%s is a %s, not a village", h.Village, level)
	}
	if h.Indicators == nil {
		h.Indicators = map[string]float64{}
	}
	h.Cadre.Phone = strings.TrimSpace(h.Cadre.Phone)
	for i := range h.Members {
		m := &h.Members[i]
		m.IDSealed, m.IDHash = nil, ""
		if m.IDNumber != "" {
			m.IDSealed, m.IDHash = s.sealer.SealBytes(m.IDNumber), s.sealer.Hash(m.IDNumber)
		}
		m.PhoneNorm = NormalizePhone(m.Phone)
	}
	return nil
}

// checkDuplicates refuses ID numbers already registered in another household
// (or twice in this batch). except is the household being updated.
func (s *Service) checkDuplicates(ctx context.Context, hs []*Household, except *Household) error {
	seen := map[string]int{}
	var hashes []string
	for hi, h := range hs {
		for mi, m := range h.Members {
			if m.IDHash == "" {
				continue
			}
			if prev, ok := seen[m.IDHash]; ok && prev != hi {
				return tide.Invalid(fmt.Sprintf("members[%d].id_number", mi), "ID number %s appears in two households", MaskID(m.IDNumber))
			} else if ok {
				return tide.Invalid(fmt.Sprintf("members[%d].id_number", mi), "ID number %s appears twice in the household", MaskID(m.IDNumber))
			}
			seen[m.IDHash] = hi
			hashes = append(hashes, m.IDHash)
		}
	}
	if len(hashes) == 0 {
		return nil
	}
	dups, err := s.store.FindDuplicates(ctx, hashes, nil)
	if err != nil {
		return err
	}
	taken := make(map[string]bool, len(dups))
	for _, d := range dups {
		if except == nil || d.Household != except.Ref {
			taken[d.Hash] = true
		}
	}
	// The first member in the batch's order is named, whatever order the
	// store found them in.
	for _, h := range hs {
		for mi, m := range h.Members {
			if m.IDHash != "" && taken[m.IDHash] {
				return &tide.Error{Code: tide.ECONFLICT, Field: fmt.Sprintf("members[%d].id_number", mi),
					Message: fmt.Sprintf("ID number %s is already registered in another household", MaskID(m.IDNumber))}
			}
		}
	}
	return nil
}

// Find returns the household with ref if it is in the caller's scope.
func (s *Service) Find(ctx context.Context, ref string) (*Household, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	return h, s.reveal(a, h)
}

func (s *Service) find(ctx context.Context, a *tide.Actor, ref string) (*Household, error) {
	if len(ref) > 40 {
		return nil, tide.NotFound("household")
	}
	h, err := s.store.FindHousehold(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !a.Sees(h.Village) {
		return nil, tide.NotFound("household")
	}
	return h, nil
}

// reveal opens sealed ID numbers, masked unless the role may see them.
func (s *Service) reveal(a *tide.Actor, h *Household) error {
	full := a.HasAny(idViewer...)
	for i := range h.Members {
		m := &h.Members[i]
		if len(m.IDSealed) > 0 {
			id, err := s.sealer.OpenBytes(m.IDSealed)
			if err != nil {
				return fmt.Errorf("household %s member %d: %w", h.Ref, i, err)
			}
			m.IDNumber = id
		}
		if !full {
			m.IDNumber, m.Phone = MaskID(m.IDNumber), MaskPhone(m.Phone)
		}
	}
	return nil
}

// MayViewIDs reports whether the caller sees ID numbers in full.
func MayViewIDs(a *tide.Actor) bool { return a.HasAny(idViewer...) }

// List returns households in the caller's scope matching f.
func (s *Service) List(ctx context.Context, f Filter) ([]*Household, int, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return nil, 0, err
	}
	sf := StoreFilter{Prefix: f.Prefix, Status: f.Status, Name: strings.TrimSpace(f.Name), Offset: f.Offset, Limit: tide.ClampLimit(f.Limit)}
	if !strings.HasPrefix(sf.Prefix, a.Scope) {
		if !strings.HasPrefix(a.Scope, sf.Prefix) {
			return []*Household{}, 0, nil // a region beside the caller's: nothing to see
		}
		sf.Prefix = a.Scope
	}
	if f.Status != "" && !validStatus(f.Status) {
		return nil, 0, tide.Invalid("status", "unknown status %q", f.Status)
	}
	if id := strings.ToUpper(strings.TrimSpace(f.IDNumber)); id != "" {
		sf.IDHash = s.sealer.Hash(id)
	}
	if f.Phone != "" {
		if sf.PhoneNorm = NormalizePhone(f.Phone); sf.PhoneNorm == "" {
			return nil, 0, tide.Invalid("phone", "not a phone number")
		}
	}
	list, total, err := s.store.FindHouseholds(ctx, sf)
	if err != nil {
		return nil, 0, err
	}
	for _, h := range list {
		if err := s.reveal(a, h); err != nil {
			return nil, 0, err
		}
	}
	return list, total, nil
}

func validStatus(st Status) bool {
	for _, x := range Statuses {
		if x == st {
			return true
		}
	}
	return false
}

// Update replaces a household's facts and members; its ref, status and
// history stay. Members are given whole: a masked ID number keeps the stored one.
func (s *Service) Update(ctx context.Context, ref string, in *Household) (*Household, error) {
	a, err := actorWith(ctx, writers, "change households")
	if err != nil {
		return nil, err
	}
	old, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	if err := s.reveal(&tide.Actor{Roles: idViewer}, old); err != nil {
		return nil, err
	}
	h := *in
	h.ID, h.Ref, h.Status, h.CreatedAt, h.MarketIncome = old.ID, old.Ref, old.Status, old.CreatedAt, old.MarketIncome
	h.UpdatedAt = s.Now().UTC()
	for i := range h.Members {
		if m := &h.Members[i]; strings.Contains(m.IDNumber, "*") && i < len(old.Members) && MaskID(old.Members[i].IDNumber) == m.IDNumber {
			m.IDNumber = old.Members[i].IDNumber
		}
	}
	if err := s.prepare(ctx, a, &h, h.UpdatedAt, nil); err != nil {
		return nil, err
	}
	if err := s.checkDuplicates(ctx, []*Household{&h}, old); err != nil {
		return nil, err
	}
	c := audit.Change{Actor: a.Name, Action: "update", Entity: "household", EntityID: h.Ref, Before: auditView(old), After: auditView(&h)}
	if err := s.store.UpdateHousehold(ctx, &h, c); err != nil {
		return nil, err
	}
	s.notify(&h)
	return &h, s.reveal(a, &h)
}

// History returns a household's status changes, oldest first.
func (s *Service) History(ctx context.Context, ref string) ([]StatusChange, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	return s.store.FindHistory(ctx, h.ID)
}

// CountByStatus counts households in a region by status.
func (s *Service) CountByStatus(ctx context.Context, region string) (map[Status]int, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return nil, err
	}
	if !a.Sees(region) {
		return nil, tide.NotFound("region")
	}
	return s.store.CountByStatus(ctx, region)
}

// setStatus moves a household to status with a reason, recording history.
func (s *Service) setStatus(ctx context.Context, a *tide.Actor, h *Household, to Status, reason string) error {
	sc := StatusChange{From: h.Status, To: to, Reason: reason, Actor: a.Name, At: s.Now().UTC()}
	c := audit.Change{Actor: a.Name, Action: "status", Entity: "household", EntityID: h.Ref,
		Before: map[string]Status{"status": h.Status}, After: map[string]any{"status": to, "reason": reason}}
	if err := s.store.SetStatus(ctx, h, sc, c); err != nil {
		return err
	}
	h.Status = to
	s.notify(h)
	return nil
}

func (s *Service) notify(h *Household) {
	if s.watcher != nil {
		s.watcher.HouseholdChanged(h)
	}
}

// auditView is what the audit log keeps of a household: ID numbers masked,
// since the log is read by auditors who need not see them.
func auditView(h *Household) any {
	c := *h
	c.Members = make([]Member, len(h.Members))
	for i, m := range h.Members {
		m.IDNumber, m.Phone = MaskID(m.IDNumber), MaskPhone(m.Phone)
		c.Members[i] = m
	}
	return &c
}

// FullStore is everything the registry service needs of its store.
type FullStore interface {
	Store
	ExitStore
	AssistStore
	WatchStore
	BatchStore
	MarketIncomeStore
}
