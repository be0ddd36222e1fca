package user

import (
	"context"
	"strings"

	"github.com/tide-project/tide/internal/tide"
)

// FindInArea returns the account named name to an administrator or county
// officer whose area holds the account's scope, so an official can link a
// seller to its account by name. Anyone else, and any account outside the
// caller's area, gets ENOTFOUND.
func (s *Service) FindInArea(ctx context.Context, name string) (*User, error) {
	a := tide.ActorFrom(ctx)
	if !a.HasAny(tide.RoleAdmin, tide.RoleCounty) {
		return nil, tide.NotFound("user")
	}
	u, err := s.store.FindUserByName(ctx, strings.TrimSpace(name))
	if err != nil {
		return nil, err
	}
	if !a.Sees(u.Scope) {
		return nil, tide.NotFound("user")
	}
	return u, nil
}
