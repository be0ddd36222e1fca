package user

import (
	"context"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// SignUp opens a public account for anyone: the public buy, like, comment
// and donate, and see nothing of the registry. Signing up is throttled by
// name like a failed sign-in, so names cannot be probed quickly. It returns
// the new account signed in, with its session secret.
func (s *Service) SignUp(ctx context.Context, name, displayName, password string) (string, *User, error) {
	name = strings.TrimSpace(name)
	if s.throttled("signup:" + name) {
		return "", nil, tide.Errorf(tide.ETOOMANY, "too many attempts; try again in a few minutes")
	}
	u := &User{Name: name, DisplayName: strings.TrimSpace(displayName), Roles: []tide.Role{tide.RolePublic},
		CreatedAt: s.now().UTC()}
	if u.DisplayName == "" {
		u.DisplayName = u.Name
	}
	if err := u.Validate(); err != nil {
		return "", nil, err
	}
	if err := checkPassword(password); err != nil {
		return "", nil, err
	}
	var err error
	if u.PasswordHash, err = HashPassword(password); err != nil {
		return "", nil, err
	}
	c := audit.Change{Actor: u.Name, Action: "signup", Entity: "user", EntityID: u.Name, After: u}
	if err := s.store.CreateUser(ctx, u, c); tide.ErrorCode(err) == tide.ECONFLICT {
		s.fail("signup:" + name)
		return "", nil, &tide.Error{Code: tide.ECONFLICT, Field: "name", Message: "the name " + u.Name + " is taken; choose another"}
	} else if err != nil {
		return "", nil, err
	}
	secret, err := s.issue(ctx, u, "session", "signup", nil)
	return secret, u, err
}
