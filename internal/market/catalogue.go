package market

import (
	"context"
)

// Products lists products; the catalogue is public.
func (s *Service) Products(ctx context.Context, f ProductFilter) ([]*Product, int, error) {
	return s.store.FindProducts(ctx, f)
}

// FindProduct returns a product; the catalogue is public.
func (s *Service) FindProduct(ctx context.Context, id string) (*Product, error) {
	return s.store.FindProduct(ctx, id)
}

// Rooms lists live rooms, newest start first; rooms are public.
func (s *Service) Rooms(ctx context.Context, f RoomFilter) ([]*Room, int, error) {
	return s.store.FindRooms(ctx, f)
}

// stockChanged tells live viewers how many units of a product are left after
// a restock, a cancellation or an expiry.
func (s *Service) stockChanged(ctx context.Context, productID string) {
	if s.Events == nil {
		return
	}
	if n, err := s.engine.Available(ctx, productID); err == nil {
		s.Events.Stock(productID, n)
	}
}
