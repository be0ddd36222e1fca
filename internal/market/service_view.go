package market

import (
	"context"
	"fmt"

	"github.com/tide-project/tide/internal/tide"
)

// Available returns the units of a product that can still be ordered; it is
// public, like the live room that shows it.
func (s *Service) Available(ctx context.Context, productID string) (int64, error) {
	return s.engine.Available(ctx, productID)
}

// MayModerate reports whether the caller may remove comments in room r: the
// room's seller account, or an official whose area holds it.
func (s *Service) MayModerate(ctx context.Context, r *Room) bool {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return false
	}
	sl, err := s.store.FindSeller(ctx, r.SellerID)
	return err == nil && runs(a, sl)
}

// FindPayment returns a payment and its order to the order's buyer, and to
// nobody else (ENOTFOUND), for the provider's checkout page.
func (s *Service) FindPayment(ctx context.Context, id string) (*Payment, *Order, error) {
	a, err := signedIn(ctx, "pay")
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.FindPayment(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.store.FindOrder(ctx, p.OrderID)
	if err != nil {
		return nil, nil, fmt.Errorf("find the order of payment %s: %w", id, err)
	}
	if o.BuyerID != a.UserID {
		return nil, nil, tide.NotFound("payment")
	}
	return p, o, nil
}
