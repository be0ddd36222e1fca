package market

import (
	"context"
	"fmt"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Service applies the market's rules and the caller's scope, and hands orders
// to the engine. Set its exported fields before it serves.
type Service struct {
	store  Store
	engine *Engine
	Now    func() time.Time
	// PhotoDir is the folder product photos are written to: the data
	// folder's photos/. Photos are refused while it is empty.
	PhotoDir string
	// Payments is the provider buyers pay through; nil refuses payments.
	Payments Provider
	// UnpaidTimeout is how long a placed order holds its units unpaid
	// before ExpireUnpaid cancels it.
	UnpaidTimeout time.Duration
	// Sink is told of sellers' income for the registry's households; nil
	// keeps it in the market's ledger alone.
	Sink IncomeSink
	// BlockedWords are refused in comments, matched without regard to case;
	// see LoadBlockedWords.
	BlockedWords []string
	// Events is told of sales, stock, comments and room status for live
	// viewers; nil tells nobody.
	Events Events
	// OnError is told of failed passes of Run; nil ignores them.
	OnError func(error)

	comments *rateLimiter
}

// DefaultUnpaidTimeout is how long an order may stay unpaid by default.
const DefaultUnpaidTimeout = 15 * time.Minute

// NewService returns a market service over store whose orders go through
// engine.
func NewService(s Store, e *Engine) *Service {
	return &Service{store: s, engine: e, Now: time.Now, UnpaidTimeout: DefaultUnpaidTimeout,
		comments: newRateLimiter(CommentBurst, CommentWindow)}
}

// Officials who may register sellers in their area and act for them.
var officials = []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar}

func signedIn(ctx context.Context, what string) (*tide.Actor, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to %s", what)
	}
	return a, nil
}

// runs reports whether a may act for seller s: the seller's own account, or
// an official whose scope holds the seller's region.
func runs(a *tide.Actor, s *Seller) bool {
	if a.Has(tide.RoleSeller) && s.UserID != 0 && a.UserID == s.UserID {
		return true
	}
	return a.HasAny(officials...) && a.Sees(s.Region)
}

// sellerFor finds the seller and checks a may act for it; a seller outside
// the actor's reach is reported as not found, so scope cannot be probed.
func (s *Service) sellerFor(ctx context.Context, a *tide.Actor, id, field string) (*Seller, error) {
	sl, err := s.store.FindSeller(ctx, id)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return nil, tide.Invalid(field, "seller %s does not exist", id)
	} else if err != nil {
		return nil, err
	}
	if !runs(a, sl) {
		return nil, tide.Invalid(field, "seller %s does not exist", id)
	}
	return sl, nil
}

// CreateSeller registers a seller; officials do it within their area.
func (s *Service) CreateSeller(ctx context.Context, sl *Seller) error {
	a, err := signedIn(ctx, "register sellers")
	if err != nil {
		return err
	}
	if err := sl.Validate(); err != nil {
		return err
	}
	if !a.HasAny(officials...) {
		return tide.Errorf(tide.EFORBIDDEN, "your role may not register sellers")
	}
	if !a.Sees(sl.Region) {
		return tide.Invalid("region", "region %s is not in your area", sl.Region)
	}
	sl.ID, sl.CreatedAt, sl.Status = NewID(), s.Now().UTC(), SellerPending
	return s.store.CreateSeller(ctx, sl, audit.Change{Actor: a.Name, Action: "create", Entity: "seller", EntityID: sl.ID, After: sl})
}

// CreateProduct lists a new product for its seller.
func (s *Service) CreateProduct(ctx context.Context, p *Product) error {
	a, err := signedIn(ctx, "list products")
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	sl, err := s.sellerFor(ctx, a, p.SellerID, "seller")
	if err != nil {
		return err
	}
	if err := mayOffer(sl, p); err != nil {
		return err
	}
	now := s.Now().UTC()
	p.ID, p.CreatedAt, p.UpdatedAt, p.Photos = NewID(), now, now, nil
	return s.store.CreateProduct(ctx, p, audit.Change{Actor: a.Name, Action: "create", Entity: "product", EntityID: p.ID, After: p})
}

// UpdateProduct stores a product's new name, unit, price, stock, limit,
// origin and sale flag, and tells the engine, which sells from the new stock
// at once.
func (s *Service) UpdateProduct(ctx context.Context, p *Product) error {
	a, err := signedIn(ctx, "change products")
	if err != nil {
		return err
	}
	old, err := s.store.FindProduct(ctx, p.ID)
	if err != nil {
		return err
	}
	sl, err := s.sellerFor(ctx, a, old.SellerID, "seller")
	if err != nil {
		return tide.NotFound("product")
	}
	p.SellerID, p.CreatedAt, p.UpdatedAt, p.Photos = old.SellerID, old.CreatedAt, s.Now().UTC(), old.Photos
	if err := p.Validate(); err != nil {
		return err
	}
	if err := mayOffer(sl, p); err != nil {
		return err
	}
	c := audit.Change{Actor: a.Name, Action: "update", Entity: "product", EntityID: p.ID, Before: old, After: p}
	if err := s.store.UpdateProduct(ctx, p, c); err != nil {
		return err
	}
	s.engine.ProductChanged(p)
	s.stockChanged(ctx, p.ID)
	return nil
}

// mayOffer refuses to put a product on sale for a seller its county has not
// approved.
func mayOffer(sl *Seller, p *Product) error {
	if p.OnSale && sl.Status != SellerApproved {
		return &tide.Error{Code: tide.ECONFLICT, Field: "on_sale",
			Message: fmt.Sprintf("a %s seller may not put products on sale until its county approves it", sl.Status)}
	}
	return nil
}

// CreateRoom schedules a live room for a seller with products of its own.
func (s *Service) CreateRoom(ctx context.Context, r *Room) error {
	a, err := signedIn(ctx, "schedule live rooms")
	if err != nil {
		return err
	}
	r.Status = RoomScheduled
	if err := r.Validate(); err != nil {
		return err
	}
	sl, err := s.sellerFor(ctx, a, r.SellerID, "seller")
	if err != nil {
		return err
	}
	for i, id := range r.Products {
		p, err := s.store.FindProduct(ctx, id)
		if tide.ErrorCode(err) == tide.ENOTFOUND || err == nil && p.SellerID != sl.ID {
			return tide.Invalid("products", "product %d (%s) is not one of the seller's", i+1, id)
		} else if err != nil {
			return err
		}
	}
	r.ID, r.Region, r.CreatedAt = NewID(), sl.Region, s.Now().UTC()
	if r.StartsAt.IsZero() {
		r.StartsAt = r.CreatedAt
	}
	return s.store.CreateRoom(ctx, r, audit.Change{Actor: a.Name, Action: "create", Entity: "room", EntityID: r.ID, After: r})
}

// FindRoom returns a room; rooms are public.
func (s *Service) FindRoom(ctx context.Context, id string) (*Room, error) {
	return s.store.FindRoom(ctx, id)
}

// SetRoomStatus opens a room for orders (live) or closes it (ended).
func (s *Service) SetRoomStatus(ctx context.Context, id string, to RoomStatus) (*Room, error) {
	a, err := signedIn(ctx, "run live rooms")
	if err != nil {
		return nil, err
	}
	r, err := s.store.FindRoom(ctx, id)
	if err != nil {
		return nil, err
	}
	sl, err := s.sellerFor(ctx, a, r.SellerID, "seller")
	if err != nil {
		return nil, tide.NotFound("room")
	}
	if !r.Status.CanBecome(to) {
		return nil, tide.Invalid("status", "a %s room cannot become %s", r.Status, to)
	}
	if to == RoomLive && sl.Status != SellerApproved {
		return nil, &tide.Error{Code: tide.ECONFLICT, Field: "status",
			Message: fmt.Sprintf("a %s seller may not take a room live until its county approves it", sl.Status)}
	}
	c := audit.Change{Actor: a.Name, Action: "update", Entity: "room", EntityID: id,
		Before: map[string]any{"status": r.Status}, After: map[string]any{"status": to}}
	if err := s.store.SetRoomStatus(ctx, id, r.Status, to, c); err != nil {
		return nil, fmt.Errorf("set room %s %s: %w", id, to, err)
	}
	r.Status = to
	s.engine.RoomChanged(r)
	if s.Events != nil {
		s.Events.RoomStatus(r.ID, string(to))
	}
	return r, nil
}

// PlaceOrder places an order for the signed-in caller.
func (s *Service) PlaceOrder(ctx context.Context, r OrderRequest) (*Order, error) {
	a, err := signedIn(ctx, "buy")
	if err != nil {
		return nil, err
	}
	o, fresh, err := s.engine.placeOrder(ctx, a.UserID, r)
	if fresh && s.Events != nil {
		// The owner is loaded: the order was admitted through it.
		n, _ := s.engine.Available(ctx, o.ProductID)
		s.Events.Sold(o.RoomID, o.ProductID, o.Quantity, n)
	}
	return o, err
}

// FindOrder returns an order to its buyer, to whoever acts for its seller,
// and to nobody else (ENOTFOUND).
func (s *Service) FindOrder(ctx context.Context, id string) (*Order, error) {
	a, err := signedIn(ctx, "see orders")
	if err != nil {
		return nil, err
	}
	o, err := s.store.FindOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.BuyerID == a.UserID {
		return o, nil
	}
	p, err := s.store.FindProduct(ctx, o.ProductID)
	if err != nil {
		return nil, fmt.Errorf("find the product of order %s: %w", id, err)
	}
	if _, err := s.sellerFor(ctx, a, p.SellerID, "seller"); err != nil {
		return nil, tide.NotFound("order")
	}
	return o, nil
}

// CancelOrder cancels an order not yet shipped and returns its units to the
// product.
func (s *Service) CancelOrder(ctx context.Context, id string) (*Order, error) {
	o, err := s.FindOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	a := tide.ActorFrom(ctx)
	c := audit.Change{Actor: a.Name, Action: "cancel", Entity: "order", EntityID: id,
		Before: map[string]any{"state": o.State}, After: map[string]any{"state": Cancelled}}
	paid := o.State == Paid
	if err := s.engine.CancelOrder(ctx, o, c); err != nil {
		return nil, err
	}
	s.stockChanged(ctx, o.ProductID)
	if paid {
		if err := s.refundPayment(ctx, a, o); err != nil {
			return o, err
		}
	}
	return o, nil
}
