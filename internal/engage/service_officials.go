package engage

import (
	"context"

	"github.com/tide-project/tide/internal/tide"
)

// NeedsInArea lists every need in the caller's area, in any state, for the
// officials and schools who post, approve and deliver them.
func (s *Service) NeedsInArea(ctx context.Context, f NeedFilter) ([]*Need, int, error) {
	a, err := signedIn(ctx, "see needs")
	if err != nil {
		return nil, 0, err
	}
	if !a.HasAny(posters...) {
		return nil, 0, tide.Errorf(tide.EFORBIDDEN, "your role may not manage needs")
	}
	if !a.Sees(f.Prefix) {
		f.Prefix = a.Scope
	}
	return s.store.FindNeeds(ctx, f)
}

// FindDonation returns one of the caller's own donations; anyone else's is
// not found.
func (s *Service) FindDonation(ctx context.Context, id string) (*Donation, error) {
	a, err := signedIn(ctx, "see your donations")
	if err != nil {
		return nil, err
	}
	d, err := s.store.FindDonation(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.DonorID != a.UserID {
		return nil, tide.NotFound("donation")
	}
	return d, nil
}
