package user

import (
	"context"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// NewPublic is what a member of the public gives to open an account: the
// phone number or e-mail address a code was sent to, and the code.
type NewPublic struct {
	Contact     string
	Code        string
	Name        string
	DisplayName string
	Password    string
	// HomeRegion is where they live, if they say (a region code).
	HomeRegion string
}

// SignUp opens a public account for anyone who proves their phone number or
// e-mail address with the code SendCode sent: the public buy, like, comment
// and donate, and see nothing of the registry. It returns the new account
// signed in, with its session secret. Signing up is throttled by name like
// a failed sign-in, so names cannot be probed quickly.
func (s *Service) SignUp(ctx context.Context, in NewPublic) (string, *User, error) {
	name := strings.TrimSpace(in.Name)
	if s.throttled("signup:" + name) {
		return "", nil, tide.Errorf(tide.ETOOMANY, "too many attempts; try again in a few minutes")
	}
	contact, err := NormalContact(in.Contact)
	if err != nil {
		return "", nil, err
	}
	u := &User{Name: name, DisplayName: strings.TrimSpace(in.DisplayName), Roles: []tide.Role{tide.RolePublic},
		Contact: contact, HomeRegion: strings.TrimSpace(in.HomeRegion), CreatedAt: s.now().UTC()}
	if u.DisplayName == "" {
		u.DisplayName = u.Name
	}
	if err := u.Validate(); err != nil {
		return "", nil, err
	}
	if len(u.HomeRegion) > 20 || strings.Trim(u.HomeRegion, "0123456789") != "" {
		return "", nil, tide.Invalid("home_region", "a region is given by its code, digits only")
	}
	if err := checkPassword(in.Password); err != nil {
		return "", nil, err
	}
	if u.PasswordHash, err = HashPassword(in.Password); err != nil {
		return "", nil, err
	}
	if _, err := s.store.FindUserByName(ctx, name); err == nil {
		s.fail("signup:" + name)
		return "", nil, &tide.Error{Code: tide.ECONFLICT, Field: "name", Message: "the name " + u.Name + " is taken; choose another"}
	}
	if err := s.checkCode(contact, in.Code); err != nil {
		return "", nil, err
	}
	c := audit.Change{Actor: u.Name, Action: "signup", Entity: "user", EntityID: u.Name,
		After: map[string]any{"name": u.Name, "roles": u.Roles, "home_region": u.HomeRegion}}
	if err := s.store.CreateUser(ctx, u, c); tide.ErrorCode(err) == tide.ECONFLICT {
		s.fail("signup:" + name)
		if _, ferr := s.store.FindUserByName(ctx, name); ferr == nil {
			return "", nil, &tide.Error{Code: tide.ECONFLICT, Field: "name", Message: "the name " + u.Name + " is taken; choose another"}
		}
		return "", nil, &tide.Error{Code: tide.ECONFLICT, Field: "contact", Message: contact + " already has an account; sign in instead"}
	} else if err != nil {
		return "", nil, err
	}
	secret, err := s.issue(ctx, u, "session", "signup", nil)
	return secret, u, err
}
