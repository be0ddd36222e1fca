package market

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Bounds on what fulfilment takes.
const (
	MaxTrackingLen = 100
	MaxReasonLen   = 200
)

// orderFor returns an order with its product's seller, for someone who acts
// for that seller; anyone else is told the order is not found.
func (s *Service) orderFor(ctx context.Context, a *tide.Actor, id string) (*Order, *Seller, error) {
	o, err := s.store.FindOrder(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.FindProduct(ctx, o.ProductID)
	if err != nil {
		return nil, nil, fmt.Errorf("find the product of order %s: %w", id, err)
	}
	sl, err := s.sellerFor(ctx, a, p.SellerID, "seller")
	if err != nil {
		return nil, nil, tide.NotFound("order")
	}
	return o, sl, nil
}

func stateConflict(o *Order, to State) error {
	return &tide.Error{Code: tide.ECONFLICT, Field: "state", Message: fmt.Sprintf("a %s order cannot become %s", o.State, to)}
}

// Ship records that a paid order has left, with the carrier's tracking
// number; the seller's account or an official in scope does it.
func (s *Service) Ship(ctx context.Context, orderID, tracking string) (*Order, error) {
	a, err := signedIn(ctx, "ship orders")
	if err != nil {
		return nil, err
	}
	tracking = strings.TrimSpace(tracking)
	switch {
	case tracking == "":
		return nil, tide.Invalid("tracking", "tracking number is required")
	case utf8.RuneCountInString(tracking) > MaxTrackingLen:
		return nil, tide.Invalid("tracking", "tracking number is longer than %d characters", MaxTrackingLen)
	}
	o, _, err := s.orderFor(ctx, a, orderID)
	if err != nil {
		return nil, err
	}
	if !o.State.CanBecome(Shipped) {
		return nil, stateConflict(o, Shipped)
	}
	now := s.Now().UTC()
	t := &Transition{OrderID: o.ID, From: o.State, To: Shipped, Tracking: tracking, At: now}
	c := audit.Change{Actor: a.Name, Action: "ship", Entity: "order", EntityID: o.ID,
		Before: map[string]any{"state": o.State}, After: map[string]any{"state": Shipped, "tracking": tracking}}
	if err := s.store.MoveOrder(ctx, t, c); err != nil {
		return nil, err
	}
	o.State, o.Tracking, o.UpdatedAt = Shipped, tracking, now
	return o, nil
}

// Deliver records that a shipped order has arrived, and credits its total to
// the seller's households in the same transaction. The buyer confirms it,
// or the seller's account or an official in scope.
func (s *Service) Deliver(ctx context.Context, orderID string) (*Order, error) {
	a, err := signedIn(ctx, "confirm delivery")
	if err != nil {
		return nil, err
	}
	o, err := s.store.FindOrder(ctx, orderID)
	if err != nil {
		return nil, err
	}
	p, err := s.store.FindProduct(ctx, o.ProductID)
	if err != nil {
		return nil, fmt.Errorf("find the product of order %s: %w", orderID, err)
	}
	sl, err := s.store.FindSeller(ctx, p.SellerID)
	if err != nil {
		return nil, fmt.Errorf("find the seller of order %s: %w", orderID, err)
	}
	if o.BuyerID != a.UserID && !runs(a, sl) {
		return nil, tide.NotFound("order")
	}
	if !o.State.CanBecome(Delivered) {
		return nil, stateConflict(o, Delivered)
	}
	now := s.Now().UTC()
	t := &Transition{OrderID: o.ID, From: o.State, To: Delivered, At: now, Income: incomeEntries(o, sl, IncomeCredit, now.Year())}
	c := audit.Change{Actor: a.Name, Action: "deliver", Entity: "order", EntityID: o.ID,
		Before: map[string]any{"state": o.State}, After: map[string]any{"state": Delivered, "income": t.Income}}
	if err := s.store.MoveOrder(ctx, t, c); err != nil {
		return nil, err
	}
	o.State, o.UpdatedAt = Delivered, now
	s.syncNow(ctx)
	return o, nil
}

// Refund gives a buyer's money back, for a reason. A paid order not yet
// shipped is cancelled and its units go back on sale; a shipped or delivered
// one is refunded, and a delivered one's income is debited again. The
// seller's account or an official in scope does it. Calling it again on a
// refunded order whose provider refund failed tries the provider again.
func (s *Service) Refund(ctx context.Context, orderID, reason string) (*Order, error) {
	a, err := signedIn(ctx, "refund orders")
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, tide.Invalid("reason", "a refund needs a reason")
	case utf8.RuneCountInString(reason) > MaxReasonLen:
		return nil, tide.Invalid("reason", "reason is longer than %d characters", MaxReasonLen)
	}
	o, sl, err := s.orderFor(ctx, a, orderID)
	if err != nil {
		return nil, err
	}
	c := audit.Change{Actor: a.Name, Action: "refund", Entity: "order", EntityID: o.ID,
		Before: map[string]any{"state": o.State}, After: map[string]any{"reason": reason}}
	now := s.Now().UTC()
	switch o.State {
	case Paid:
		c.After = map[string]any{"state": Cancelled, "reason": reason}
		if err := s.engine.CancelOrder(ctx, o, c); err != nil {
			return nil, err
		}
		s.stockChanged(ctx, o.ProductID)
	case Shipped, Delivered:
		t := &Transition{OrderID: o.ID, From: o.State, To: Refunded, At: now}
		if o.State == Delivered {
			t.Income = incomeEntries(o, sl, IncomeDebit, now.Year())
		}
		c.After = map[string]any{"state": Refunded, "reason": reason, "income": t.Income}
		if err := s.store.MoveOrder(ctx, t, c); err != nil {
			return nil, err
		}
		o.State, o.UpdatedAt = Refunded, now
		s.syncNow(ctx)
	case Refunded, Cancelled:
		// Only a provider refund that failed before is left to do.
	default:
		return nil, stateConflict(o, Refunded)
	}
	return o, s.refundPayment(ctx, a, o)
}

// Orders lists the caller's own orders (f.Mine) or a seller's orders, for
// whoever acts for the seller.
func (s *Service) Orders(ctx context.Context, f OrderFilter) ([]*Order, int, error) {
	a, err := signedIn(ctx, "see orders")
	if err != nil {
		return nil, 0, err
	}
	switch {
	case f.Mine:
		f.BuyerID, f.SellerID = a.UserID, ""
	case f.SellerID != "":
		if _, err := s.sellerFor(ctx, a, f.SellerID, "seller"); err != nil {
			return nil, 0, err
		}
		f.BuyerID = 0
	default:
		return nil, 0, tide.Invalid("seller", "ask for your own orders or a seller's")
	}
	return s.store.FindOrders(ctx, f)
}
