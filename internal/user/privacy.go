package user

import (
	"context"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Privacy is what a person lets the public see or count of them. The zero
// value is the most private but one: anonymous on donor lists, home region
// counted.
type Privacy struct {
	// ShowName puts their display name on the public list of a need's
	// donors; otherwise they are listed as anonymous.
	ShowName bool `json:"show_name"`
	// HideRegion leaves them out of the participation counted for their
	// home region and the regions above it; they still count in the whole.
	HideRegion bool `json:"hide_region"`
}

// SetPrivacy stores the caller's own privacy settings and returns their
// account.
func (s *Service) SetPrivacy(ctx context.Context, p Privacy) (*User, error) {
	a := tide.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in first")
	}
	u, err := s.store.FindUserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	before := u.Privacy
	u.Privacy = p
	c := audit.Change{Actor: a.Name, Action: "set_privacy", Entity: "user", EntityID: u.Name, Before: before, After: p}
	if err := s.store.UpdateUser(ctx, u, c); err != nil {
		return nil, err
	}
	return u, nil
}

// Privacy returns the caller's own privacy settings.
func (s *Service) Privacy(ctx context.Context) (Privacy, error) {
	a := tide.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return Privacy{}, tide.Errorf(tide.EUNAUTHORIZED, "sign in first")
	}
	u, err := s.store.FindUserByID(ctx, a.UserID)
	if err != nil {
		return Privacy{}, err
	}
	return u.Privacy, nil
}
