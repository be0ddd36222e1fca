package market

import (
	"context"
	"fmt"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Who may approve and suspend sellers: the county, or an administrator.
var approvers = []tide.Role{tide.RoleAdmin, tide.RoleCounty}

// ApproveSeller lets a seller put products on sale and take rooms live. Only
// a county officer or administrator whose scope holds the seller's region may.
func (s *Service) ApproveSeller(ctx context.Context, id string) (*Seller, error) {
	return s.setSellerStatus(ctx, id, SellerApproved)
}

// SuspendSeller stops a seller from putting products on sale and taking
// rooms live, until it is approved again.
func (s *Service) SuspendSeller(ctx context.Context, id string) (*Seller, error) {
	return s.setSellerStatus(ctx, id, SellerSuspended)
}

func (s *Service) setSellerStatus(ctx context.Context, id string, to SellerStatus) (*Seller, error) {
	a, err := signedIn(ctx, "approve sellers")
	if err != nil {
		return nil, err
	}
	if !a.HasAny(approvers...) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only a county officer or administrator may approve sellers")
	}
	sl, err := s.store.FindSeller(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Sees(sl.Region) {
		return nil, tide.NotFound("seller")
	}
	if !sl.Status.CanBecome(to) {
		return nil, &tide.Error{Code: tide.ECONFLICT, Field: "status", Message: fmt.Sprintf("a %s seller cannot become %s", sl.Status, to)}
	}
	c := audit.Change{Actor: a.Name, Action: "status", Entity: "seller", EntityID: id,
		Before: map[string]any{"status": sl.Status}, After: map[string]any{"status": to}}
	if err := s.store.SetSellerStatus(ctx, id, sl.Status, to, c); err != nil {
		return nil, fmt.Errorf("set seller %s %s: %w", id, to, err)
	}
	sl.Status = to
	return sl, nil
}

// FindSeller returns a seller. Anyone may see a seller's name, kind, region
// and status; its households and account only whoever acts for it.
func (s *Service) FindSeller(ctx context.Context, id string) (*Seller, error) {
	sl, err := s.store.FindSeller(ctx, id)
	if err != nil {
		return nil, err
	}
	if a := tide.ActorFrom(ctx); a == nil || !runs(a, sl) {
		sl.Household, sl.Members, sl.UserID = "", nil, 0
	}
	return sl, nil
}

// Sellers lists the sellers in the official's scope that match f.
func (s *Service) Sellers(ctx context.Context, f SellerFilter) ([]*Seller, int, error) {
	a, err := signedIn(ctx, "see sellers")
	if err != nil {
		return nil, 0, err
	}
	if !a.HasAny(officials...) {
		return nil, 0, tide.Errorf(tide.EFORBIDDEN, "your role may not list sellers")
	}
	if f.Prefix, err = within(a, f.Prefix); err != nil {
		return nil, 0, err
	}
	return s.store.FindSellers(ctx, f)
}

// SellersOf lists the sellers the signed-in seller account runs.
func (s *Service) SellersOf(ctx context.Context) ([]*Seller, error) {
	a, err := signedIn(ctx, "see your sellers")
	if err != nil {
		return nil, err
	}
	if a.UserID <= 0 {
		return nil, nil
	}
	list, _, err := s.store.FindSellers(ctx, SellerFilter{UserID: a.UserID, Limit: 500})
	return list, err
}

// within narrows a region prefix to the actor's scope: an empty prefix is
// the scope, a prefix above the scope is the scope, and one beside it is not
// found.
func within(a *tide.Actor, prefix string) (string, error) {
	switch {
	case a.Sees(prefix):
		return prefix, nil
	case strings.HasPrefix(a.Scope, prefix):
		return a.Scope, nil
	}
	return "", tide.NotFound("region")
}
