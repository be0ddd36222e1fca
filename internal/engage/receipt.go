package engage

import "context"

// Receipt is what a donor keeps of one donation: the gift and its payment,
// the need it went to and where that need now stands.
type Receipt struct {
	Donation
	NeedTitle string    `json:"need_title"`
	NeedState NeedState `json:"need_state"`
}

// Receipt returns the receipt of one of the caller's own donations; anyone
// else's is not found. A cancelled need's title still shows, since its
// donor gave to it.
func (s *Service) Receipt(ctx context.Context, donationID string) (*Receipt, error) {
	d, err := s.FindDonation(ctx, donationID)
	if err != nil {
		return nil, err
	}
	n, err := s.store.FindNeed(ctx, d.NeedID)
	if err != nil {
		return nil, err
	}
	return &Receipt{Donation: *d, NeedTitle: n.Title, NeedState: n.State}, nil
}
