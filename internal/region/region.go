// Package region is the administrative tree: province, prefecture, county,
// township and village. A region's code is a path that starts with its
// parent's code, so an access scope is simply a code prefix.
package region

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Level is a region's depth in the tree.
type Level string

// The levels, top down.
const (
	Province   Level = "province"
	Prefecture Level = "prefecture"
	County     Level = "county"
	Township   Level = "township"
	Village    Level = "village"
)

// Levels lists the levels top down.
var Levels = []Level{Province, Prefecture, County, Township, Village}

// Depth returns the level's index in Levels, or -1.
func (l Level) Depth() int {
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Region is one node of the tree.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	Parent string `json:"parent,omitempty"`
	// Children is the number of direct children, filled on reads.
	Children int `json:"children"`
}

// MaxNameLen bounds names, in characters.
const MaxNameLen = 100

// MaxCodeLen bounds codes; China's 12-digit codes fit with room for others.
const MaxCodeLen = 24

// Validate checks the region on its own; the parent's existence and level are
// checked by the service against the store.
func (r *Region) Validate() error {
	switch {
	case r.Code == "":
		return tide.Invalid("code", "code is required")
	case len(r.Code) > MaxCodeLen:
		return tide.Invalid("code", "code is longer than %d characters", MaxCodeLen)
	case strings.IndexFunc(r.Code, func(c rune) bool { return !isCodeChar(c) }) >= 0:
		return tide.Invalid("code", "code may hold only letters, digits, '-' and '_'")
	case strings.TrimSpace(r.Name) == "":
		return tide.Invalid("name", "name is required")
	case utf8.RuneCountInString(r.Name) > MaxNameLen:
		return tide.Invalid("name", "name is longer than %d characters", MaxNameLen)
	case r.Level.Depth() < 0:
		return tide.Invalid("level", "level must be one of province, prefecture, county, township, village")
	case r.Level == Province && r.Parent != "":
		return tide.Invalid("parent", "a province has no parent")
	case r.Level != Province && r.Parent == "":
		return tide.Invalid("parent", "a %s needs a parent", r.Level)
	case r.Parent != "" && (!strings.HasPrefix(r.Code, r.Parent) || r.Code == r.Parent):
		return tide.Invalid("code", "code %q must extend its parent's code %q", r.Code, r.Parent)
	}
	return nil
}

func isCodeChar(c rune) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
}

// Filter selects regions. Prefix restricts codes, which is how scope is applied.
type Filter struct {
	Parent    *string // nil: any; "" : the roots
	Prefix    string
	Level     Level
	NameMatch string
	Offset    int
	Limit     int
}

// Store persists regions. Writes append the given audit change in the same
// transaction.
type Store interface {
	FindRegion(ctx context.Context, code string) (*Region, error)
	FindRegions(ctx context.Context, f Filter) ([]*Region, int, error)
	CreateRegions(ctx context.Context, rs []*Region, changes []audit.Change) error
	UpdateRegion(ctx context.Context, r *Region, c audit.Change) error
}

// Watcher is told of regions once they are stored, so in-memory indexes of
// the tree stay current.
type Watcher interface {
	RegionsCreated(rs []*Region)
}

// Service applies the rules and the caller's scope to regions.
type Service struct {
	store Store
	// Watcher, when set, hears of every region created.
	Watcher Watcher
}

// NewService returns a region service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// Find returns the region with code if the caller may see it; otherwise
// ENOTFOUND, whether or not it exists.
func (s *Service) Find(ctx context.Context, code string) (*Region, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to see regions")
	}
	if !a.Sees(code) {
		return nil, tide.NotFound("region")
	}
	return s.store.FindRegion(ctx, code)
}

// List returns regions under parent (the caller's own top region when parent
// is empty) within the caller's scope, and the total matched.
func (s *Service) List(ctx context.Context, f Filter) ([]*Region, int, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, 0, tide.Errorf(tide.EUNAUTHORIZED, "sign in to see regions")
	}
	if f.Parent != nil && *f.Parent != "" {
		if _, err := s.Find(ctx, *f.Parent); err != nil {
			return nil, 0, err
		}
	}
	if f.Parent != nil && *f.Parent == "" && a.Scope != "" {
		// The top of a scoped person's tree is their own region.
		f.Parent, f.Prefix = nil, ""
		r, err := s.Find(ctx, a.Scope)
		if err != nil {
			return nil, 0, err
		}
		return []*Region{r}, 1, nil
	}
	if !strings.HasPrefix(f.Prefix, a.Scope) {
		f.Prefix = a.Scope
	}
	f.Limit = tide.ClampLimit(f.Limit)
	return s.store.FindRegions(ctx, f)
}

// Ancestors returns the chain from the top of the caller's scope down to the
// region's parent, for breadcrumbs.
func (s *Service) Ancestors(ctx context.Context, r *Region) ([]*Region, error) {
	var out []*Region
	for p := r.Parent; p != ""; {
		pr, err := s.Find(ctx, p)
		if tide.ErrorCode(err) == tide.ENOTFOUND {
			break
		} else if err != nil {
			return nil, err
		}
		out = append([]*Region{pr}, out...)
		p = pr.Parent
	}
	return out, nil
}

// Create adds one region after checking it, its parent and the caller's right.
func (s *Service) Create(ctx context.Context, r *Region) error {
	a, err := s.writer(ctx)
	if err != nil {
		return err
	}
	if err := s.check(ctx, a, r, nil); err != nil {
		return err
	}
	return s.created([]*Region{r}, s.store.CreateRegions(ctx, []*Region{r}, []audit.Change{createChange(a, r)}))
}

// created tells the watcher of rs when err is nil, and returns err.
func (s *Service) created(rs []*Region, err error) error {
	if err == nil && s.Watcher != nil {
		s.Watcher.RegionsCreated(rs)
	}
	return err
}

// CreateAll adds regions in order (parents first) in one transaction, or
// none if any is refused; the error names the first bad region.
func (s *Service) CreateAll(ctx context.Context, rs []*Region) error {
	a, err := s.writer(ctx)
	if err != nil {
		return err
	}
	pending := make(map[string]*Region, len(rs))
	changes := make([]audit.Change, len(rs))
	for i, r := range rs {
		if err := s.check(ctx, a, r, pending); err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
		pending[r.Code] = r
		changes[i] = createChange(a, r)
	}
	return s.created(rs, s.store.CreateRegions(ctx, rs, changes))
}

// Rename changes a region's name.
func (s *Service) Rename(ctx context.Context, code, name string) (*Region, error) {
	a, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	old, err := s.Find(ctx, code)
	if err != nil {
		return nil, err
	}
	r := *old
	r.Name = strings.TrimSpace(name)
	if err := r.Validate(); err != nil {
		return nil, err
	}
	c := audit.Change{Actor: a.Name, Action: "update", Entity: "region", EntityID: code, Before: old, After: &r}
	return &r, s.store.UpdateRegion(ctx, &r, c)
}

func (s *Service) writer(ctx context.Context) (*tide.Actor, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to change regions")
	}
	if !a.Has(tide.RoleAdmin) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only an administrator may change regions")
	}
	return a, nil
}

// check validates r and its parent; pending holds regions of the same batch
// that are not stored yet.
func (s *Service) check(ctx context.Context, a *tide.Actor, r *Region, pending map[string]*Region) error {
	r.Name = strings.TrimSpace(r.Name)
	if err := r.Validate(); err != nil {
		return err
	}
	if !a.Sees(r.Code) {
		return tide.Invalid("code", "code %q is outside your scope", r.Code)
	}
	if r.Parent == "" {
		return nil
	}
	parent := pending[r.Parent]
	if parent == nil {
		p, err := s.store.FindRegion(ctx, r.Parent)
		if tide.ErrorCode(err) == tide.ENOTFOUND {
			return tide.Invalid("parent", "parent region %q does not exist", r.Parent)
		} else if err != nil {
			return err
		}
		parent = p
	}
	if parent.Level.Depth() != r.Level.Depth()-1 {
		return tide.Invalid("level", "a %s cannot sit under a %s", r.Level, parent.Level)
	}
	return nil
}

func createChange(a *tide.Actor, r *Region) audit.Change {
	return audit.Change{Actor: a.Name, Action: "create", Entity: "region", EntityID: r.Code, After: r}
}
