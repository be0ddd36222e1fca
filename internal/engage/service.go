package engage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// Service applies the rules of needs and donations and the caller's scope.
// Set its exported fields before it serves.
type Service struct {
	store Store
	// Payments is the provider donors pay through; nil refuses donations.
	Payments market.Provider
	// PhotoDir is the folder the photos proving deliveries are kept in.
	PhotoDir string
	Now      func() time.Time
}

// NewService returns an engage service over store paying through p.
func NewService(s Store, p market.Provider) *Service {
	return &Service{store: s, Payments: p, Now: time.Now}
}

// posters may post, deliver and cancel needs in their scope.
var posters = []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar, tide.RoleSchool}

func signedIn(ctx context.Context, what string) (*tide.Actor, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to %s", what)
	}
	return a, nil
}

// CreateNeed posts a need, pending its county's approval. A school account
// posts needs of schools only.
func (s *Service) CreateNeed(ctx context.Context, n *Need) error {
	a, err := signedIn(ctx, "post needs")
	if err != nil {
		return err
	}
	if !a.HasAny(posters...) {
		return tide.Errorf(tide.EFORBIDDEN, "your role may not post needs")
	}
	if err := n.Validate(); err != nil {
		return err
	}
	if a.Has(tide.RoleSchool) && !a.HasAny(tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar) && n.Kind != ForSchool {
		return tide.Invalid("kind", "a school account posts needs of schools only")
	}
	if !a.Sees(n.Region) {
		return tide.Invalid("region", "region %s is not in your area", n.Region)
	}
	now := s.Now().UTC()
	n.ID, n.State, n.Raised, n.Delivered, n.DeliveryNote = market.NewID(), NeedPending, 0, 0, ""
	n.CreatedBy, n.CreatedAt, n.UpdatedAt = a.UserID, now, now
	return s.store.CreateNeed(ctx, n, audit.Change{Actor: a.Name, Action: "create", Entity: "need", EntityID: n.ID, After: n})
}

// needFor finds a need the actor may act on with one of roles; one outside
// their reach is not found, so scope cannot be probed.
func (s *Service) needFor(ctx context.Context, a *tide.Actor, id string, roles ...tide.Role) (*Need, error) {
	n, err := s.store.FindNeed(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.HasAny(roles...) || !a.Sees(n.Region) {
		return nil, tide.NotFound("need")
	}
	return n, nil
}

// FindNeed returns a need in full, household included, to an official whose
// scope holds it.
func (s *Service) FindNeed(ctx context.Context, id string) (*Need, error) {
	a, err := signedIn(ctx, "read needs in full")
	if err != nil {
		return nil, err
	}
	return s.needFor(ctx, a, id, posters...)
}

// ApproveNeed lets the public see and fund a pending need; a county officer
// or an admin whose scope holds it approves.
func (s *Service) ApproveNeed(ctx context.Context, id string) (*Need, error) {
	a, err := signedIn(ctx, "approve needs")
	if err != nil {
		return nil, err
	}
	n, err := s.needFor(ctx, a, id, tide.RoleAdmin, tide.RoleCounty)
	if err != nil {
		return nil, err
	}
	if n.State != NeedPending {
		return nil, stateConflict(n, "approved")
	}
	return s.move(ctx, a, "approve", n, &NeedMove{ID: n.ID, From: NeedPending, To: NeedApproved})
}

// CancelNeed withdraws a need that is not delivered and refunds every paid
// donation through its provider. Cancelling a cancelled need again retries
// refunds that failed.
func (s *Service) CancelNeed(ctx context.Context, id string) (*Need, error) {
	a, err := signedIn(ctx, "cancel needs")
	if err != nil {
		return nil, err
	}
	n, err := s.needFor(ctx, a, id, posters...)
	if err != nil {
		return nil, err
	}
	switch n.State {
	case NeedDelivered:
		return nil, stateConflict(n, "cancelled")
	case NeedCancelled:
	default:
		if n, err = s.move(ctx, a, "cancel", n, &NeedMove{ID: n.ID, From: n.State, To: NeedCancelled}); err != nil {
			return nil, err
		}
	}
	if err := s.refundAll(ctx, a.Name, n); err != nil {
		return nil, err
	}
	return s.store.FindNeed(ctx, n.ID)
}

func (s *Service) move(ctx context.Context, a *tide.Actor, action string, n *Need, m *NeedMove) (*Need, error) {
	if m.Posting != nil {
		if err := m.Posting.Validate(); err != nil {
			return nil, fmt.Errorf("%s need %s: %w", action, n.ID, err)
		}
	}
	c := audit.Change{Actor: a.Name, Action: action, Entity: "need", EntityID: n.ID,
		Before: map[string]any{"state": m.From}, After: map[string]any{"state": m.To, "note": m.Note, "photo": m.Photo, "delivered": m.Delivered}}
	if err := s.store.MoveNeed(ctx, m, c); err != nil {
		return nil, err
	}
	return s.store.FindNeed(ctx, n.ID)
}

func stateConflict(n *Need, what string) error {
	return &tide.Error{Code: tide.ECONFLICT, Field: "state", Message: fmt.Sprintf("a %s need cannot be %s", n.State, what)}
}

// PublicNeeds lists approved needs and those funded or delivered, as the
// public sees them.
func (s *Service) PublicNeeds(ctx context.Context, f NeedFilter) ([]*PublicNeed, int, error) {
	if !slices.Contains([]NeedState{NeedApproved, NeedFunded, NeedDelivered}, f.State) {
		f.State = NeedApproved
	}
	list, total, err := s.store.FindNeeds(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*PublicNeed, len(list))
	for i, n := range list {
		out[i] = n.Public()
	}
	return out, total, nil
}

// PublicNeed returns one need as the public sees it; pending and cancelled
// needs are not found.
func (s *Service) PublicNeed(ctx context.Context, id string) (*PublicNeed, error) {
	n, err := s.store.FindNeed(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.State == NeedPending || n.State == NeedCancelled {
		return nil, tide.NotFound("need")
	}
	return n.Public(), nil
}

// VerifyLedger proves that every ledger transaction sums to zero and
// answers the balances; admins only.
func (s *Service) VerifyLedger(ctx context.Context) (*LedgerReport, error) {
	a, err := signedIn(ctx, "verify the ledger")
	if err != nil {
		return nil, err
	}
	if !a.Has(tide.RoleAdmin) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only admins verify the ledger")
	}
	return s.store.VerifyLedger(ctx)
}
