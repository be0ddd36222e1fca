package engage

import (
	"context"
	"time"
)

// Donor is one paid gift to a need as the public sees it: the donor's
// display name if they chose to show it on donor lists, and otherwise no
// name at all.
type Donor struct {
	// Name is empty for an anonymous donor.
	Name     string    `json:"name,omitempty"`
	Amount   int64     `json:"amount"`
	Currency string    `json:"currency"`
	At       time.Time `json:"at"`
}

// MaxDonors bounds a need's public list of donors.
const MaxDonors = 100

// PublicDonors lists the latest paid gifts to a need that the public may
// see, naming only donors who chose to be named.
func (s *Service) PublicDonors(ctx context.Context, needID string) ([]Donor, error) {
	if _, err := s.PublicNeed(ctx, needID); err != nil {
		return nil, err
	}
	return s.store.FindDonors(ctx, needID, MaxDonors)
}
